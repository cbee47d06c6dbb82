"""Item pipelines: validation (drops with a reason), then the store (batched writes).

`StorePipeline` also owns the crawl run: it opens the `crawl_runs` row, records
every failed page, dropped item and parser exception in `crawl_errors`, and
closes the run with its outcome.
"""

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from ..items import PageError, item_type
from ..store import Store
from ..validation import problems

BATCH_SIZE = 200


def record_of(item) -> dict:
    return {"type": item_type(item), **ItemAdapter(item).asdict()}


class ValidationPipeline:
    def __init__(self, db_path: str):
        with Store.open(db_path).db.conn as conn:
            self.known_jurisdictions = {row[0] for row in conn.execute("SELECT code FROM jurisdictions")}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings["SII_ATLAS_DB"])

    def process_item(self, item):
        if isinstance(item, PageError):
            return item
        found = problems(record_of(item), self.known_jurisdictions)
        if found:
            raise DropItem(f"{item_type(item)} {ItemAdapter(item).get('id')!r}: {'; '.join(found)}")
        return item


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store = Store.open(crawler.settings["SII_ATLAS_DB"])
        self.pending: list[dict] = []
        self.errors: list[dict] = []
        self.counts = {"items_new": 0, "items_changed": 0, "items_unchanged": 0, "items_dropped": 0, "errors": 0}
        self.run_id = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        return pipeline

    # --- signals ---

    def spider_opened(self, spider):
        arguments = {key: getattr(spider, key, None) for key in ("since", "limit", "download_base")}
        self.run_id = self.store.start_run(spider.name, {k: str(v) for k, v in arguments.items() if v})

    def item_dropped(self, item, response, exception, spider):
        if isinstance(item, PageError):
            return
        self.counts["items_dropped"] += 1
        self._error(getattr(response, "url", None), getattr(response, "status", None), "dropped", str(exception))

    def spider_error(self, failure, response, spider):
        url = spider.to_official_url(response.url) if hasattr(spider, "to_official_url") else response.url
        self._error(url, response.status, "parse", f"{failure.type.__name__}: {failure.value}")

    def item_error(self, item, response, spider, failure):
        """A pipeline raised (not a DropItem): the item is lost for this run; say so."""
        self.counts["items_dropped"] += 1
        self._error(getattr(response, "url", None), None, "store", f"{failure.type.__name__}: {failure.value}")

    def spider_closed(self, spider, reason):
        self.flush()
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        stored = self.counts["items_new"] + self.counts["items_changed"] + self.counts["items_unchanged"]
        # A source that should have results and gives none is an error, unless the run
        # asked only for what is new (--since) and nothing is.
        if stored == 0 and self.counts["errors"] == 0 and not getattr(spider, "since", None):
            self._error(None, None, "empty", "the source gave no items: it should have results")
        if self.counts["errors"] == 0 and reason == "finished":
            outcome = "ok"
        elif stored > 0:
            outcome = "partial"
        else:
            outcome = "failed"
        if reason != "finished":
            self._error(None, None, "run", f"crawl ended early: {reason}")
        self.store.record_errors(self.run_id, spider.name, self.errors)
        self.errors = []
        self.store.finish_run(self.run_id, outcome, {"pages": pages, **self.counts})

    # --- items ---

    def process_item(self, item):
        if isinstance(item, PageError):
            self._error(**ItemAdapter(item).asdict())
            return item
        self.pending.append(record_of(item))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()
        return item

    def flush(self):
        batch, self.pending = self.pending, []
        counts, failures = self.store.write_batch(batch)
        for key, value in counts.items():
            self.counts[f"items_{key}"] += value
        for failure in failures:
            self._error(**failure)
        if self.errors and self.run_id is not None:
            self.store.record_errors(self.run_id, self.crawler.spider.name, self.errors)
            self.errors = []

    def _error(self, url=None, status=None, kind="error", reason=""):
        self.counts["errors"] += 1
        self.errors.append({"url": url, "status": status, "kind": kind, "reason": reason})
