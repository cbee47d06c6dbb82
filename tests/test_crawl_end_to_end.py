"""Whole crawls, in a subprocess (the Twisted reactor cannot restart in one process; the
tests' crawls fork it from a warm interpreter, tests/warm_cli.py), against a local server
playing the official sites, into a temporary database."""

import os
import re
import sys
from pathlib import Path

import pytest
import sqlite_utils
import warm_cli
import yaml
from conftest import FAST, PROJECT, copy_database, crawl, fixture_keys, sii_atlas
from datasette.app import Datasette

from crawlers.sources import SPIDERS

from fixture_server import FixtureServer

DATA_TABLES = ["instruments", "provisions", "provision_versions", "cases", "bills", "candidate_instruments",
               "jurisdictions", "sources", "coded_answers"]


def snapshot(db: Path) -> dict:
    database = sqlite_utils.Database(db)
    return {table: list(database.query(f"SELECT * FROM [{table}] ORDER BY 1")) for table in DATA_TABLES}


@pytest.fixture
def crawled(crawled_db):
    return crawled_db("legislation_gov_uk")


def test_crawl_stores_tracked_provisions_and_candidates(crawled):
    db, result, server = crawled
    database = sqlite_utils.Database(db)
    section = database["provisions"].get("ukpga-2003-42/section/66B")
    assert section["text"].startswith("(1) A person (A) commits an offence")
    assert section["heading"] == "Sharing or threatening to share intimate photograph or film"
    assert section["in_force_status"] == "in_force" and section["extent"] == "E+W"
    assert section["fetched_at"] and section["content_hash"] and section["source"] == "legislation_gov_uk"
    # The curator's columns win over what the page says.
    act = database["instruments"].get("ukpga-2003-42")
    assert (act["jurisdiction"], act["status"], act["curated"]) == ("GB-EAW", "in_force", 1)
    assert act["fetched_at"] is not None
    candidates = {row["id"] for row in database["candidate_instruments"].rows}
    assert "ssi-2024-99" in candidates
    # Instruments already tracked are no candidates for review.
    assert not {"ukpga-2025-18", "nia-2016-21"} & candidates
    # A schedule fetched as itself is one provision, with its paragraphs beside it.
    schedule = database["provisions"].get("ukpga-2023-50/schedule/7")
    assert schedule["heading"] == "Priority offences" and "section 66B" in schedule["text"]
    assert all(row["review_status"] == "to_review" for row in database["candidate_instruments"].rows)
    [run] = database["crawl_runs"].rows
    assert run["source"] == "legislation_gov_uk" and run["outcome"] == "ok"
    assert run["pages"] > 10 and run["items_new"] + run["items_changed"] > 10
    assert list(database.query("SELECT * FROM crawl_errors")) == []
    assert "legislation_gov_uk" in result.stdout and " ok " in result.stdout
    assert "/robots.txt" in server.requests


def media_for_66f(handler, method, path, query):
    if path == "/ukpga/2003/42/section/66F/data.xml":
        # A page that claims to be XML by its URL but is served as an image.
        return 200, "image/jpeg", b"\xff\xd8\xff" + b"0" * 1000, {}
    return None


def test_media_served_for_a_tracked_page_is_refused_recorded_and_fails_the_crawl(built_db):
    database = sqlite_utils.Database(built_db)
    with FixtureServer(hook=media_for_66f) as server:
        result = crawl(built_db, server)
    # s. 66F is refused before its body is read, recorded, nothing stored. It is the
    # run's only error, so the run is partial; but it is a tracked document, so the
    # crawl as a whole failed.
    assert result.returncode == 1 and "tracked documents not fetched: legislation_gov_uk (1)" in result.stderr
    [run] = database["crawl_runs"].rows
    assert run["outcome"] == "partial"
    [refused] = database.query("SELECT * FROM crawl_errors")
    assert refused["kind"] == "refused" and refused["url"].endswith("/ukpga/2003/42/section/66F/data.xml")
    assert refused["url"].startswith("https://www.legislation.gov.uk/")
    assert database["provisions"].get("ukpga-2003-42/section/66F")["text"] is None


async def test_crawled_data_reads_back_through_datasette(crawled):
    db, _, _ = crawled
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    datasette = Datasette([str(db)], metadata=metadata)
    await datasette.invoke_startup()
    response = await datasette.client.get("/sii_atlas/provisions.json?_search=intimate&_shape=array")
    assert response.status_code == 200
    assert "ukpga-2003-42/section/66B" in {row["id"] for row in response.json()}
    response = await datasette.client.get("/sii_atlas/search_provisions.json?q=%22reasonably+believe%22&_shape=array")
    assert response.status_code == 200
    hits = response.json()
    assert "ukpga-2003-42/section/66B" in {hit["provision_id"] for hit in hits}
    assert "«reasonably believe»" in hits[0]["snippet"]
    # The empty-query guard: no search, no rows (and no error).
    response = await datasette.client.get("/sii_atlas/search_provisions.json?q=&_shape=array")
    assert response.status_code == 200 and response.json() == []
    response = await datasette.client.get("/sii_atlas/crawl_runs.json?_shape=array")
    assert response.json()[0]["outcome"] == "ok"


@pytest.mark.parametrize("source", sorted(SPIDERS))
def test_a_recrawl_of_unchanged_sources_sends_conditional_requests_and_writes_nothing(crawled_db, source):
    db, _, _ = crawled_db(source)
    before = snapshot(db)
    with FixtureServer() as server:
        result = crawl(db, server, source)
        conditional = server.conditional()
        # HTTP has no conditional POST (a search sent as JSON): only GETs can carry validators.
        sent = [path for _, path, method, _ in server.log if method == "GET"]
    assert result.returncode == 0, result.stderr
    # Every page was fetched before, with an ETag: every GET now carries it, and
    # every answer is a 304 replayed from the archive.
    assert server.requests and len(conditional) == len(sent), set(sent) - set(conditional)
    assert snapshot(db) == before
    second = list(sqlite_utils.Database(db).query("SELECT * FROM crawl_runs ORDER BY id"))[-1]
    assert second["items_new"] == 0 and second["items_changed"] == 0 and second["items_unchanged"] > 2


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_failing_source_leaves_every_stored_row_identical(crawled, mode):
    db, _, _ = crawled
    before = snapshot(db)
    with FixtureServer(mode) as server:
        result = crawl(db, server)
    assert result.returncode == 1, "a failed source must exit non-zero"
    assert snapshot(db) == before
    database = sqlite_utils.Database(db)
    run = list(database.query("SELECT * FROM crawl_runs ORDER BY id"))[-1]
    assert run["outcome"] == "failed" and run["errors"] > 0
    errors = list(database.query("SELECT * FROM crawl_errors WHERE run_id = ?", [run["id"]]))
    assert errors and all(e["reason"] for e in errors)
    if mode == "error":
        assert any(e["status"] == 500 for e in errors)
    else:
        assert any(e["kind"] == "parse" for e in errors)


def test_build_is_idempotent_and_keeps_crawled_text(crawled):
    db, _, _ = crawled
    before = snapshot(db)
    assert sii_atlas(db, "build").returncode == 0
    assert snapshot(db) == before


def test_status_reports_each_source(crawled):
    db, _, _ = crawled
    result = sii_atlas(db, "status")
    assert result.returncode == 0
    line = next(l for l in result.stdout.splitlines() if l.startswith("legislation_gov_uk"))
    assert " ok " in line


async def test_find_case_law_crawl_into_sqlite_and_datasette(crawled_db):
    db, result, _ = crawled_db("find_case_law")
    database = sqlite_utils.Database(db)
    cases = {row["id"]: row for row in database["cases"].rows_where("source = 'find_case_law'")}
    assert "d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60" in cases and len(cases) >= 3
    judgment = cases["d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60"]
    assert judgment["jurisdiction"] == "GB-EAW" and judgment["decision_date"] and judgment["text"]
    assert judgment["url"].startswith("https://caselaw.nationalarchives.gov.uk/")
    assert isinstance(__import__("json").loads(judgment["judges"]), list)
    [run] = database["crawl_runs"].rows
    assert run["outcome"] == "ok", list(database["crawl_errors"].rows)
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    datasette = Datasette([str(db)], metadata=metadata)
    response = await datasette.client.get("/sii_atlas/search_cases.json?q=intimate&_shape=array")
    assert response.status_code == 200
    assert "d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60" in {row["id"] for row in response.json()}


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_failing_case_law_source_leaves_stored_cases_identical(crawled_db, mode):
    db, _, _ = crawled_db("find_case_law")
    before = snapshot(db)
    with FixtureServer(mode) as server:
        result = crawl(db, server, "find_case_law")
    assert result.returncode == 1
    assert snapshot(db) == before
    run = list(sqlite_utils.Database(db).query("SELECT * FROM crawl_runs ORDER BY id"))[-1]
    assert run["outcome"] == "failed" and run["errors"] > 0


def test_since_with_nothing_new_is_ok_not_failed(built_db):
    db = built_db
    with FixtureServer() as server:
        result = sii_atlas(db, "crawl", "find_case_law", "--since", "2026-11-20", "--base-url", server.url, *FAST)
    assert result.returncode == 0, result.stderr
    [run] = sqlite_utils.Database(db)["crawl_runs"].rows
    assert run["outcome"] == "ok" and run["errors"] == 0


def test_bad_arguments_are_refused_before_crawling(tmp_path):
    for arguments in (["--since", "2024-13-45"], ["--limit", "0"], ["--limit", "-3"]):
        result = sii_atlas(tmp_path / "x.db", "crawl", "legislation_gov_uk", *arguments)
        assert result.returncode == 2 and "error: argument" in result.stderr


def test_retry_after_holds_every_request_to_the_site(built_db):
    db = built_db
    settings = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "DOWNLOAD_DELAY_JITTER=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                "-s", "RETRY_TIMES=2"]
    with FixtureServer("busy") as server:
        result = sii_atlas(db, "crawl", "legislation_gov_uk", "--limit", "4", "--base-url", server.url, *settings)
        log = [(t, path) for t, path, *_ in server.log]
    assert result.returncode == 0, result.stderr
    refused_at = next(t for t, path in log if path.endswith("/section/66A/data.xml"))
    during = [path for t, path in log if refused_at < t < refused_at + 1.8]
    assert during == [], f"requests sent while the server asked us to wait: {during}"
    assert sum(path.endswith("/section/66A/data.xml") for _, path in log) == 2


def test_a_warm_crawl_answers_as_a_cold_one(built_db, tmp_path):
    """The tests' crawls start from an interpreter that has already imported Scrapy and the
    sources (warm_cli.py); that must change nothing the CLI says, returns or stores."""
    if not warm_cli.runs_warm(PROJECT, {**os.environ, **fixture_keys("find_case_law")}):
        pytest.skip("crawls run cold here (SII_ATLAS_TEST_WARM_CLI=0, or the helper could not start)")
    cold_db = copy_database(built_db, tmp_path / "cold.db")
    with FixtureServer() as server:
        warm = crawl(built_db, server, "find_case_law")
        warm_requests = sorted(server.requests)
        cold = crawl(cold_db, server, "find_case_law", warm=False)
    assert warm.args[:3] == cold.args[:3] == [sys.executable, "-m", "crawlers.cli"]
    # Interim progress lines come every few seconds of wall time, so a loaded machine prints
    # one more or one fewer; the final "(done)" line and everything else must be the same.
    def said(stderr: str) -> list[str]:
        return [line for line in stderr.splitlines()
                if not re.fullmatch(r"\s*\w+: \d+ pages, \d+ items, \d+ errors", line)]

    assert (warm.returncode, warm.stdout, said(warm.stderr)) == (cold.returncode, cold.stdout, said(cold.stderr))
    assert sorted(server.requests[len(warm_requests):]) == warm_requests
    warm_rows, cold_rows = sqlite_utils.Database(built_db), sqlite_utils.Database(cold_db)
    for table in [*DATA_TABLES, "crawl_runs", "crawl_errors"]:
        assert warm_rows[table].count == cold_rows[table].count, table
