"""Item pipelines: the store (validated, atomic batches) and the crawl run it records.

`StorePipeline` owns the crawl run: it opens the `crawl_runs` row, and with each
batch of items records, in the batch's own transaction, every failed page,
dropped item and parser exception in `crawl_errors` and the run's counters; it
closes the run with its outcome. A run killed before it closes is marked
`interrupted` by the next run of its source.
"""

import logging

from scrapy import signals

from ..items import CaseItem, PageError, item_type
from ..redaction import redact_url
from ..store import Store
from ..store.schema import open_database

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def record_of(item) -> dict:
    return {"type": item_type(item), **item}


class ValidationPipeline:
    """Kept so that ITEM_PIPELINES stays valid: validation now runs inside the store,
    per record and in the batch's transaction, so a refused item is counted and
    recorded together with the batch it came in."""

    def process_item(self, item):
        return item


class CitationPipeline:
    """Fills each decision's `citations` (the statutes it cites, linked to our instruments
    and provisions; see crawlers/citations) before the store writes it. The index of our
    instruments is read once per run; `sii-atlas link-citations` re-links every stored
    decision later (new patterns, instruments crawled since). A failure here costs the
    links, never the decision."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.linker = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings["SII_ATLAS_DB"])

    def process_item(self, item):
        if not isinstance(item, CaseItem):
            return item
        from .. import citations  # the patterns load only for runs that store decisions
        try:
            if self.linker is None:
                db = open_database(self.db_path)
                try:
                    self.linker = citations.Linker.from_database(db.conn)
                finally:
                    db.conn.close()
            found = citations.extract(item.get("text"), item.get("jurisdiction"), item.get("cited_legislation"))
            links, _ = citations.links_for(self.linker, found)
        except Exception as error:  # noqa: BLE001 - the decision is stored without links
            logger.warning("citations of %s not extracted: %r", item.get("id"), error)
            return item
        known = {(e["instrument_id"], e.get("provision_id") or "", e.get("span") or "") for e in item.get("citations") or []}
        item["citations"] = [*(item.get("citations") or []),
                             *(e for e in links if (e["instrument_id"], e["provision_id"], e["span"]) not in known)]
        return item


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store = Store.open(crawler.settings["SII_ATLAS_DB"])
        self.pending: list[dict] = []
        self.errors: list[dict] = []
        self.counts = {"items_new": 0, "items_changed": 0, "items_unchanged": 0, "items_dropped": 0,
                       "errors": 0, "tracked_failed": 0}
        self.unsaved = {"tracked_failed": 0}  # counted, not yet added to the run's row
        self.run_id = None
        self.source = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        return pipeline

    @property
    def secret_params(self) -> frozenset:
        return frozenset(getattr(self.crawler.spider, "secret_params", None) or ())

    # --- signals ---

    def spider_opened(self, spider):
        self.source = spider.name
        self.store.secret_params = frozenset(getattr(spider, "secret_params", None) or ())
        self.store.parser_version = str(getattr(spider, "parser_version", None) or "1")
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
        if reason != "finished":
            self._error(None, None, "run", f"crawl ended early: {reason}")
        self.flush()
        pages = self.crawler.stats.get_value("response_received_count", 0)
        stored = self.counts["items_new"] + self.counts["items_changed"] + self.counts["items_unchanged"]
        # A source that should have results and gives none is an error, unless the run
        # asked only for what is new (--since) and nothing is.
        if stored == 0 and self.counts["errors"] == 0 and not getattr(spider, "since", None):
            self._error(None, None, "empty", "the source gave no items: it should have results")
            self.flush()
        if self.counts["errors"] == 0 and self.counts["tracked_failed"] == 0 and reason == "finished":
            outcome = "ok"
        elif stored > 0:
            outcome = "partial"
        else:
            outcome = "failed"
        self.store.finish_run(self.run_id, outcome, {"pages": pages, **self.counts})

    # --- items ---

    def process_item(self, item):
        if isinstance(item, PageError):
            self.page_error(item)
            return item
        self.pending.append(record_of(item))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()
        return item

    def page_error(self, error: PageError) -> None:
        if error.get("tracked"):
            self.counts["tracked_failed"] += 1
            self.unsaved["tracked_failed"] += 1
        self._error(error.get("url"), error.get("status"), error.get("kind") or "download", error.get("reason") or "")
        if error.get("gone_type") and error.get("gone_id"):
            self.flush()  # the withdrawal comes after anything already queued for that row
            self.store.mark_gone(error["gone_type"], error["gone_id"])

    def flush(self):
        if self.run_id is None:
            return
        batch, self.pending = self.pending, []
        errors, self.errors = self.errors, []
        counters, self.unsaved = self.unsaved, {"tracked_failed": 0}
        if not (batch or errors or any(counters.values())):
            return
        counts, failures = self.store.write_batch(batch, run_id=self.run_id, source=self.source,
                                                  errors=errors, counters=counters)
        for key, value in counts.items():
            self.counts[f"items_{key}"] += value
        self.counts["errors"] += len(failures)

    def _error(self, url=None, status=None, kind="error", reason=""):
        self.counts["errors"] += 1
        self.errors.append({"url": redact_url(url, self.secret_params), "status": status, "kind": kind, "reason": reason})
