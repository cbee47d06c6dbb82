"""`sii-atlas reparse`: the current parsers over the raw-response archive, offline.

The fixture crawls (one per source, shared by the session) fill the archive; the
reparse runs in this process, as no Scrapy reactor is involved."""

import dataclasses
import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from conftest import PROJECT, archive_of

from crawlers import cli
from crawlers.crawling.middlewares import PARSER_META
from crawlers.items import ProvisionItem
from crawlers.sources import SPIDERS
from crawlers.store.archive import Archive

# What a reparse must leave alone when the parsers are the same: every stored text,
# version and record.
DATA_TABLES = ["instruments", "crawled_instruments", "provisions", "provision_versions", "cases", "crawled_cases",
               "candidate_instruments", "identifiers", "case_citations"]


def snapshot(db: Path) -> dict:
    database = sqlite_utils.Database(db)
    return {table: list(database.query(f"SELECT * FROM [{table}] ORDER BY 1, 2")) for table in DATA_TABLES}


def reparse(db: Path, *sources: str) -> int:
    return cli.main(["--db", str(db), "reparse", *sources])


def last_run(db: Path) -> dict:
    return list(sqlite_utils.Database(db).query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1"))[0]


def test_every_meta_key_a_parser_reads_is_archived():
    # Each source's parsers may read the common keys and those its contract declares.
    from crawlers.sources import SPIDERS

    for source, spider in SPIDERS.items():
        text = (PROJECT / "crawlers" / "sources" / f"{source}.py").read_text()
        # `response.meta.get("x")`, or the same through a local name (`meta = response.meta`);
        # not a request's meta read by a middleware, nor a key being set.
        read = set(re.findall(r"(?<!request\.)\bmeta\.get\(\s*[\"'](\w+)[\"']", text))
        read |= set(re.findall(r"(?<!request\.)(?<!result\.)\bmeta\[\s*[\"'](\w+)[\"']\s*\](?!\s*=[^=])", text))
        declared = set(PARSER_META) | set(spider.contract.parser_meta)
        assert read <= declared, f"{source}: declare {sorted(read - declared)} in its contract's parser_meta"


def test_an_archive_made_before_meta_was_kept_gains_its_columns_in_place(tmp_path):
    path = tmp_path / "sii_atlas.archive.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE bodies (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, compressed BLOB NOT NULL);
        CREATE TABLE fetch_state (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, sha256 TEXT, status INTEGER,
            content_type TEXT, fetched_at TEXT NOT NULL, checked_at TEXT NOT NULL);
        INSERT INTO fetch_state VALUES ('https://www.legislation.gov.uk/new/data.feed', NULL, NULL, 'x', 200, NULL, 't', 't');
    """)
    old.close()
    archive = Archive(path)
    assert archive.state("https://www.legislation.gov.uk/new/data.feed")["meta"] is None
    archive.store("https://example.org/a", b"<a/>", source="s", meta={"query": "deepfake", "match_terms": ["x"]})
    state = archive.state("https://example.org/a")
    assert (state["source"], state["meta"]) == ("s", {"query": "deepfake", "match_terms": ["x"]})
    archive.close()
    Archive(path).close()  # opening it again adds nothing twice


@pytest.mark.parametrize("source", sorted(SPIDERS))
def test_a_reparse_with_the_same_parsers_invents_nothing(crawled_db, source, capsys):
    db, _, _ = crawled_db(source)
    archive = Archive(archive_of(db))
    pages = [page for page in archive.entries() if not page["url"].endswith("/robots.txt")]
    archive.close()
    # Every page is archived with its source and the request context its parser read.
    assert pages and all(page["source"] == source and page["meta"] is not None for page in pages)
    assert all(set(page["meta"]) <= set(PARSER_META) | set(SPIDERS[source].contract.parser_meta) for page in pages)
    if source == "legislation_gov_uk":
        tracked = [p for p in pages if "/section/66B/" in p["url"]]
        assert tracked and tracked[0]["meta"]["jurisdiction"] == "GB-EAW"
        assert any(p["meta"].get("query") == "new legislation" and p["meta"].get("match_terms") for p in pages)
    before = snapshot(db)
    capsys.readouterr()
    assert reparse(db, source) == 0
    out = capsys.readouterr().out
    assert source in out and " ok " in out and "requests ignored" in out
    assert snapshot(db) == before
    run = last_run(db)
    assert (run["source"], run["outcome"], run["pages"]) == (source, "ok", len(pages))
    assert run["items_new"] == 0 and run["items_changed"] == 0 and run["items_unchanged"] > 2
    assert '"reparse"' in run["arguments"] and run["finished"]
    assert list(sqlite_utils.Database(db).query("SELECT * FROM crawl_errors WHERE run_id = ?", [run["id"]])) == []


def test_a_parser_upgrade_that_changes_only_metadata_invents_no_version(crawled_db, monkeypatch):
    db, _, _ = crawled_db("legislation_gov_uk")
    database = sqlite_utils.Database(db)
    versions = list(database.query("SELECT provision_id, language, content_hash, first_seen FROM provision_versions ORDER BY id"))
    texts = {row["id"]: (row["heading"], row["text"]) for row in database["provisions"].rows}
    spider = SPIDERS["legislation_gov_uk"]
    monkeypatch.setattr(spider, "contract", dataclasses.replace(spider.contract, parser_version="2"))

    def upgraded(parser):
        # Version 2 reads the extent differently, and the words just as before.
        def parse(response):
            for result in parser(response):
                if isinstance(result, ProvisionItem) and result.get("text"):
                    result["extent"] = "E+W+S+N.I."
                yield result
        return parse

    monkeypatch.setattr(spider, "routes", [(pattern, upgraded(parser)) for pattern, parser in spider.routes])
    assert reparse(db, "legislation_gov_uk") == 0
    run = last_run(db)
    assert run["outcome"] == "ok" and run["items_new"] == 0 and run["items_changed"] > 0
    assert '"parser_version": "2"' in run["arguments"]
    # The same words: the same versions, first seen when they were, now credited to parser 2.
    assert list(database.query("SELECT provision_id, language, content_hash, first_seen FROM provision_versions "
                               "ORDER BY id")) == versions
    assert {row["id"]: (row["heading"], row["text"]) for row in database["provisions"].rows} == texts
    crawled = list(database.query("SELECT parser_version FROM provisions WHERE fetched_at IS NOT NULL"))
    assert crawled and {row["parser_version"] for row in crawled} == {"2"}
    current = list(database.query("SELECT v.parser_version, v.extent FROM provision_versions v JOIN provisions p "
                                  "ON p.id = v.provision_id WHERE v.superseded_at IS NULL AND p.text IS NOT NULL"))
    assert current and {(row["parser_version"], row["extent"]) for row in current} == {("2", "E+W+S+N.I.")}


def test_a_reparse_with_nothing_archived_says_so_and_succeeds(built_db, capsys):
    assert reparse(built_db) == 0
    assert "nothing to reparse" in capsys.readouterr().err
    Archive(archive_of(built_db)).close()  # an archive with no page in it
    assert reparse(built_db) == 0
    assert "nothing to reparse" in capsys.readouterr().err
    assert sqlite_utils.Database(built_db)["crawl_runs"].count == 0


def test_a_damaged_archived_body_is_a_recorded_error_not_a_crash(crawled_db, capsys):
    db, _, _ = crawled_db("legislation_gov_uk")
    before = snapshot(db)
    archive = Archive(archive_of(db))
    damaged = next(p for p in archive.entries() if "/section/66B/" in p["url"])
    archive.conn.execute("UPDATE bodies SET compressed = ? WHERE sha256 = ?", [b"not zlib", damaged["sha256"]])
    pages = len([page for page in archive.entries() if not page["url"].endswith("/robots.txt")])
    archive.close()
    assert reparse(db, "legislation_gov_uk") == 0
    run = last_run(db)
    assert run["outcome"] == "partial" and run["pages"] == pages and run["errors"] >= 1
    errors = list(sqlite_utils.Database(db).query("SELECT * FROM crawl_errors WHERE run_id = ?", [run["id"]]))
    assert damaged["url"] in {e["url"] for e in errors}
    assert all("cannot be decompressed" in e["reason"] for e in errors)
    assert snapshot(db) == before  # the other pages parsed as before; nothing lost
    assert "crawl_errors" in capsys.readouterr().err


def test_reparse_refuses_an_unknown_source(built_db, capsys):
    assert reparse(built_db, "no_such_source") == 2
    assert "unknown source" in capsys.readouterr().err


def test_a_recrawl_answered_304_for_a_damaged_body_fetches_the_page_again_and_repairs_it(crawled_db):
    from conftest import crawl
    from fixture_server import FixtureServer

    db, _, _ = crawled_db("legislation_gov_uk")
    archive = Archive(archive_of(db))
    damaged = next(p for p in archive.entries() if "/section/66B/" in p["url"])
    archive.conn.execute("UPDATE bodies SET compressed = ? WHERE sha256 = ?", [b"not zlib", damaged["sha256"]])
    before = snapshot(db)
    with FixtureServer() as server:
        result = crawl(db, server, "legislation_gov_uk")
    assert result.returncode == 0, result.stdout + result.stderr
    # Asked twice: once with its ETag (304), then without, as the archive could not stand in.
    assert server.requests.count("/ukpga/2003/42/section/66B/data.xml") == 2
    assert archive.body(damaged["sha256"]).startswith(b"<?xml")
    archive.close()
    assert snapshot(db) == before


def test_pages_archived_before_source_and_meta_were_kept_are_reparsed_by_their_host(crawled_db, capsys):
    db, _, _ = crawled_db("legislation_gov_uk")
    archive = Archive(archive_of(db))
    archive.conn.execute("UPDATE fetch_state SET source = NULL, meta = NULL")
    pages = len([page for page in archive.entries() if not page["url"].endswith("/robots.txt")])
    archive.close()
    versions = sqlite_utils.Database(db)["provision_versions"].count
    assert reparse(db) == 0
    run = last_run(db)
    assert (run["source"], run["pages"], run["items_new"]) == ("legislation_gov_uk", pages, 0)
    assert sqlite_utils.Database(db)["provision_versions"].count == versions
    assert "archived before request context was kept" in capsys.readouterr().err
