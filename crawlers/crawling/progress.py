"""A live progress line per source: pages fetched, items scraped, errors so far."""

import sys
import time

from scrapy import signals


class ProgressReporter:
    # Whole lines, not a rewritten one: several sources crawl at once and share stderr.
    INTERVAL_SECONDS = 5.0

    def __init__(self, crawler):
        self.crawler = crawler
        self.pages = self.items = self.errors = 0
        self.last_print = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        reporter = cls(crawler)
        for handler, signal in (
            (reporter.response_received, signals.response_received),
            (reporter.item_scraped, signals.item_scraped),
            (reporter.problem, signals.item_dropped),
            (reporter.problem, signals.spider_error),
            (reporter.spider_closed, signals.spider_closed),
        ):
            crawler.signals.connect(handler, signal=signal)
        return reporter

    def response_received(self, response, request, spider):
        self.pages += 1
        self.show()

    def item_scraped(self, item, response, spider):
        if type(item).__name__ == "PageError":
            self.errors += 1
        else:
            self.items += 1
        self.show()

    def problem(self, *args, **kwargs):
        self.errors += 1
        self.show()

    def show(self, final=False):
        now = time.monotonic()
        if not final and now - self.last_print < self.INTERVAL_SECONDS:
            return
        self.last_print = now
        line = f"{self.crawler.spider.name:>20}: {self.pages} pages, {self.items} items, {self.errors} errors"
        sys.stderr.write(line + ("  (done)" if final else "") + "\n")
        sys.stderr.flush()

    def spider_closed(self, spider, reason):
        self.show(final=True)
        if reason != "finished":
            # Stopped early (quota, deadline, unreachable server): say so where people look.
            sys.stderr.write(f"{spider.name:>20}: stopped early: {reason}\n")
            sys.stderr.flush()
