"""The store pipeline: tracked failures, withdrawn documents and runs, as a crawl drives it."""

from types import SimpleNamespace

from crawlers.crawling.pipelines import StorePipeline, ValidationPipeline
from crawlers.items import CaseItem, PageError, ProvisionItem
from crawlers.store import Store


class Stats:
    def get_value(self, key, default=None):
        return 3 if key == "response_received_count" else default


def pipeline(path, **spider_attributes):
    store = Store.open(path)
    store.db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('test', 'Test', 'https://example.org', 'CC0')")
    store.db.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('GB', 'United Kingdom', 'country')")
    spider = SimpleNamespace(name="test", since=None, **spider_attributes)
    crawler = SimpleNamespace(settings={"SII_ATLAS_DB": str(path)}, stats=Stats(), spider=spider)
    return StorePipeline(crawler), spider, store.db


def case(**extra):
    return CaseItem(id="d-1", jurisdiction="GB", name="R v A", text="Words of the judgment.",
                    url="https://example.org/d-1", source="test", **extra)


def test_a_failed_tracked_page_makes_the_run_partial_and_is_counted(tmp_path):
    store, spider, db = pipeline(tmp_path / "atlas.db")
    store.spider_opened(spider)
    store.process_item(ValidationPipeline().process_item(case()))
    store.process_item(PageError(url="https://example.org/d-2", status=500, kind="http", reason="HTTP 500", tracked=True))
    store.process_item(PageError(url="https://example.org/list", status=500, kind="http", reason="HTTP 500", tracked=False))
    store.spider_closed(spider, "finished")
    [run] = db.query("SELECT * FROM crawl_runs")
    assert run["tracked_failed"] == 1 and run["outcome"] == "partial" and run["errors"] == 2 and run["pages"] == 3


def test_a_run_with_only_tracked_failures_failed(tmp_path):
    store, spider, db = pipeline(tmp_path / "atlas.db")
    store.spider_opened(spider)
    store.process_item(PageError(url="https://example.org/d-2", status=404, kind="http", reason="HTTP 404", tracked=True))
    store.spider_closed(spider, "finished")
    assert db.execute("SELECT outcome, tracked_failed FROM crawl_runs").fetchone() == ("failed", 1)


def test_a_page_error_naming_a_withdrawn_judgment_removes_its_text(tmp_path):
    store, spider, db = pipeline(tmp_path / "atlas.db")
    store.spider_opened(spider)
    store.process_item(case())
    store.process_item(PageError(url="https://example.org/d-1", status=410, kind="http", reason="HTTP 410 Gone",
                                 tracked=True, gone_type="case", gone_id="d-1"))
    store.spider_closed(spider, "finished")
    row = db["cases"].get("d-1")
    assert row["text"] is None and row["gone_at"] and row["name"] == "R v A"
    assert db.execute("SELECT COUNT(*) FROM cases_fts WHERE cases_fts MATCH 'judgment'").fetchone()[0] == 0


def test_secret_parameters_never_reach_the_errors_table(tmp_path):
    store, spider, db = pipeline(tmp_path / "atlas.db", secret_params=frozenset({"OC"}))
    store.spider_opened(spider)
    store.process_item(PageError(url="https://example.org/api?OC=hunter22&page=2", status=500, kind="http", reason="HTTP 500"))
    store.process_item(ProvisionItem(id="x/1", instrument_id="missing", label="1", url="https://example.org/x?OC=hunter22",
                                     source="test"))
    store.spider_closed(spider, "finished")
    urls = [row[0] for row in db.execute("SELECT url FROM crawl_errors WHERE url IS NOT NULL")]
    assert len(urls) == 2 and not any("hunter22" in url for url in urls)


def test_an_unfinished_run_is_marked_interrupted_by_the_next_and_status_says_so(tmp_path, capsys):
    from crawlers import cli

    store, spider, db = pipeline(tmp_path / "atlas.db")
    store.spider_opened(spider)  # then killed: never closed
    first = store.run_id
    Store(db).start_run("test")
    assert db["crawl_runs"].get(first)["outcome"] == "interrupted"
    assert cli.main(["--db", str(tmp_path / "atlas.db"), "status"]) == 0
    assert "interrupted" in capsys.readouterr().out
