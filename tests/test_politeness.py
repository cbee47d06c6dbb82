"""Politeness and trust under faults, each against a local server that misbehaves on
purpose: off-host redirects, slow 429s, waits beyond the maximum, servers that hang or
refuse, API keys in the query, and tracked documents that fail while feeds answer."""

import os
import socket
import subprocess
import sys
import time

import sqlite_utils
from conftest import FAST, PROJECT, archive_of, crawl, sii_atlas

from fixture_server import FixtureServer

SECTION_66B = "/ukpga/2003/42/section/66B/data.xml"
SECTION_66A = "/ukpga/2003/42/section/66A/data.xml"
# Politeness as on the real sites but quicker: one request at a time, 0.1 s apart.
POLITE = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "DOWNLOAD_DELAY_JITTER=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def runs(db):
    return list(sqlite_utils.Database(db).query("SELECT * FROM crawl_runs ORDER BY id"))


def errors(db):
    return list(sqlite_utils.Database(db).query("SELECT * FROM crawl_errors ORDER BY id"))


def test_a_redirect_to_another_host_is_refused_recorded_and_fails_the_crawl(built_db):
    with FixtureServer() as elsewhere:
        def redirect(handler, method, path, query):
            if path == SECTION_66B:
                return 302, "text/html", b"", {"Location": f"{elsewhere.url}{SECTION_66B}"}
            return None

        with FixtureServer(hook=redirect) as server:
            result = crawl(built_db, server, "legislation_gov_uk", "--limit", "3")
        assert elsewhere.requests == [], "the other host must not be asked anything, robots.txt included"
    assert result.returncode == 1, result.stdout + result.stderr
    [refused] = [e for e in errors(built_db) if e["kind"] == "refused"]
    assert refused["url"] == "https://www.legislation.gov.uk" + SECTION_66B
    assert elsewhere.url.removeprefix("http://") in refused["reason"] and "not an official host" in refused["reason"]
    provision = sqlite_utils.Database(built_db)["provisions"].get("ukpga-2003-42/section/66B")
    assert provision["text"] is None and provision["fetched_at"] is None


def test_a_slow_429_holds_every_request_to_the_site_until_retry_after(built_db):
    answered = []

    def slow_429(handler, method, path, query):
        if path == SECTION_66A and not answered:
            time.sleep(1.5)  # the answer comes long after the 0.1 s download delay
            answered.append(time.monotonic())
            return 429, "text/plain", b"", {"Retry-After": "2"}
        return None

    with FixtureServer(hook=slow_429) as server:
        result = sii_atlas(built_db, "crawl", "legislation_gov_uk", "--limit", "6", "--base-url", server.url,
                           "-s", "RETRY_TIMES=2", *POLITE)
        log = [(t, path) for t, path, *_ in server.log]
    assert result.returncode == 0, result.stdout + result.stderr
    assert answered, "the slow 429 was never asked for"
    during = [path for t, path in log if answered[0] < t < answered[0] + 1.95]
    assert during == [], f"requests sent while the server asked us to wait: {during}"
    assert sum(path == SECTION_66A for _, path in log) == 2


def test_a_retry_after_beyond_the_maximum_stops_the_source_for_the_run(built_db):
    seen = []

    def quota(handler, method, path, query):
        if path.endswith("/data.xml"):
            seen.append(path)
            if len(seen) == 5:
                seen.append(time.monotonic())
                return 429, "text/plain", b"", {"Retry-After": "3600"}
        return None

    started = time.monotonic()
    with FixtureServer(hook=quota) as server:
        # A delay, however small: with none, Scrapy 2.19's downloader releases every
        # queued request of a slot at once (its tasks start after the loop that counts
        # them), so "one at a time" would not hold and several could be in flight.
        result = crawl(built_db, server, "legislation_gov_uk", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                       "-s", "DOWNLOAD_DELAY=0.01", "-s", "RETRY_BACKOFF_MAX_SECONDS=60")
        log = [(t, path) for t, path, *_ in server.log]
    assert time.monotonic() - started < 60
    refused_at = seen[5]
    after = [path for t, path in log if t > refused_at]
    assert after == [], f"the site was hit again after asking for an hour's pause: {after}"
    [run] = runs(built_db)
    assert run["outcome"] == "partial"
    reasons = [e["reason"] for e in errors(built_db)]
    assert any("quota" in r and "3600" in r for r in reasons), reasons
    assert result.returncode == 1


def test_a_server_that_never_answers_is_abandoned_at_the_deadline(built_db):
    def hang(handler, method, path, query):
        time.sleep(30)
        return False

    started = time.monotonic()
    with FixtureServer(hook=hang) as server:
        result = crawl(built_db, server, "legislation_gov_uk", "-s", "SII_ATLAS_DEADLINE_SECONDS=2", timeout=60)
    elapsed = time.monotonic() - started
    assert elapsed < 25, f"took {elapsed:.0f} s for a 2 s deadline (30 s timeouts, 3 tries, without it)"
    assert result.returncode == 1
    [run] = runs(built_db)
    assert run["outcome"] == "failed"
    assert any("deadline" in e["reason"] for e in errors(built_db)), errors(built_db)


def test_a_source_stopped_early_fails_the_crawl_even_when_what_it_asked_for_answered(built_db):
    # Only the discovery feeds hang: the tracked provisions that were asked for answer,
    # but the deadline stops the source with requests still queued. The run is partial
    # and the crawl as a whole did not do its job.
    def feeds_hang(handler, method, path, query):
        if path.endswith("data.feed"):
            time.sleep(30)
            return False
        return None

    with FixtureServer(hook=feeds_hang) as server:
        result = crawl(built_db, server, "legislation_gov_uk", "-s", "SII_ATLAS_DEADLINE_SECONDS=3", timeout=60)
    [run] = runs(built_db)
    assert run["outcome"] == "partial" and run["items_new"] > 0
    assert result.returncode == 1 and "stopped early: legislation_gov_uk" in result.stderr


def test_a_server_that_refuses_connections_fails_fast(built_db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = sii_atlas(built_db, "crawl", "legislation_gov_uk", "--limit", "3", "--base-url", f"http://127.0.0.1:{port}",
                       "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE_SECONDS=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"{elapsed:.0f} s against a server that refuses every connection"
    assert result.returncode == 1
    [run] = runs(built_db)
    assert run["outcome"] == "failed"
    assert any("unreachable" in e["reason"] and "ConnectionRefusedError" in e["reason"] for e in errors(built_db)), \
        errors(built_db)


def test_crawl_exits_1_when_every_tracked_document_fails_though_feeds_answer(built_db):
    def documents_fail(handler, method, path, query):
        if path.endswith("/data.xml"):
            return 500, "text/html", b"<html>Internal Server Error</html>", {}
        return None

    with FixtureServer(hook=documents_fail) as server:
        result = crawl(built_db, server)
    [run] = runs(built_db)
    # The feeds answered, so candidates were stored and the run is only partial...
    assert run["outcome"] == "partial" and run["items_new"] > 0
    # ...but the documents the atlas exists for were not fetched: the crawl failed.
    assert result.returncode == 1
    assert "tracked documents not fetched: legislation_gov_uk" in result.stderr


def patched_cli(auth: str) -> list[str]:
    """`python -c ...` running the CLI with legislation.gov.uk's contract given `auth`."""
    code = (
        "import dataclasses, sys; from crawlers.sources import legislation_gov_uk as m; "
        "from crawlers.sources.contract import Auth; "
        f"m.LegislationGovUkSpider.contract = dataclasses.replace(m.DECLARATION, auth={auth}); "
        "from crawlers import cli; sys.exit(cli.main(sys.argv[1:]))"
    )
    return ["-c", code]


def test_an_api_key_in_the_query_is_sent_but_never_stored_or_logged(built_db):
    key = "sekrit-KEY-0123456789"

    def some_fail(handler, method, path, query):
        if path.endswith("/section/66A/data.xml"):
            return 404, "text/html", b"Not found", {}
        if path.endswith("/section/66B/data.xml"):
            return 500, "text/html", b"oops", {}
        return None

    with FixtureServer(hook=some_fail) as server:
        result = subprocess.run(
            [sys.executable, *patched_cli("Auth.query_key('SII_ATLAS_TEST_KEY', 'api_key')"), "--db", str(built_db),
             "crawl", "legislation_gov_uk", "--limit", "5", "--base-url", server.url, *FAST],
            cwd=PROJECT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "SII_ATLAS_TEST_KEY": key, "SII_ATLAS_LOG_LEVEL": "DEBUG"},
        )
        sent = [path for _, path, *_ in server.log]
    assert any(f"api_key={key}" in path for path in sent), "the key must reach the server"
    failed = errors(built_db)
    assert {e["status"] for e in failed} >= {404, 500}
    for row in failed:
        assert key not in str(row)
    assert "/section/66A/data.xml" in result.stderr  # the debug log does name the pages...
    assert key not in result.stderr and key not in result.stdout  # ...but never the key
    database = sqlite_utils.Database(built_db)
    dump = "\n".join(database.conn.iterdump())
    assert key not in dump
    archive = sqlite_utils.Database(archive_of(built_db))
    assert archive["fetch_state"].count > 0
    assert key not in "\n".join(archive.conn.iterdump())
