"""CourtListener REST API v4: the real docket-alert webhook capture, courts and ids, bad
pages, and a crawl from the fixture server into SQLite with a token that must leave no
trace. REST v4 has no real capture: its examples follow the API documentation."""

import json
import sqlite3
from pathlib import Path

import pytest
import scrapy
from conftest import archive_of, crawl, sample

from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.courtlistener import (
    CITATION_QUERIES,
    DECLARATION,
    SEARCH_QUERIES,
    case_id_for_url,
    court_jurisdiction,
    html_text,
    parse_docket,
    parse_docket_alert,
    parse_search,
    read_json,
    search_url,
)

EXAMPLES = Path(__file__).parent / "examples" / "courtlistener"
API = "https://www.courtlistener.com/api/rest/v4"


# --- the real capture (../shared/samples/courtlistener), skipped where absent ---


def test_real_docket_alert_webhook_becomes_one_candidate_per_entry():
    path = sample("courtlistener", "cl_post.json")
    [entry] = parse_file("courtlistener", path, "https://www.courtlistener.com/docket/4214664/")
    assert entry["type"] == "candidate" and entry["id"] == "courtlistener-docket-4214664-140"
    assert entry["published"] == "2022-10-11" and entry["matched_query"] == "docket alert"
    assert entry["title"].startswith("Docket 4214664, entry 140: MOTION for Settlement Preliminary Approval by ALLIANCE")
    # The entry's page is its main document's (attachment_number null), never a PDF.
    assert entry["url"] == ("https://www.courtlistener.com/docket/4214664/140/"
                            "national-veterans-legal-services-program-v-united-states/")


def test_a_webhook_without_entries_or_docket_is_refused():
    url = "https://www.courtlistener.com/docket/1/"
    for body in ({"webhook": {"version": 1}}, {"webhook": {}, "payload": {"results": [{"entry_number": 1}]}}):
        response = scrapy.http.TextResponse(url=url, body=json.dumps(body).encode(), encoding="utf-8",
                                            request=scrapy.Request(url))
        with pytest.raises(ValueError):
            list(parse_docket_alert(response))


# --- ids, courts, text ---


def test_ids_courts_and_queries():
    assert case_id_for_url("https://www.courtlistener.com/opinion/2345678/doe-v-roe/") == "courtlistener-2345678"
    assert case_id_for_url("https://www.courtlistener.com/docket/2345678/doe-v-roe/") is None
    assert case_id_for_url("https://example.org/opinion/2345678/") is None
    assert court_jurisdiction("calctapp") == "US-CA" and court_jurisdiction("nd") == "US-ND"
    # Federal courts, whatever state they sit in, are filed under US.
    assert court_jurisdiction("nysd") == "US" and court_jurisdiction("ca9") == "US" and court_jurisdiction("scotus") == "US"
    assert "6851" in " ".join(CITATION_QUERIES) and "1708.86" in " ".join(CITATION_QUERIES)
    assert search_url(SEARCH_QUERIES[0]).startswith(f"{API}/search/?q=%22deepfake%22") and "type=o" in search_url("x")


def test_html_text_keeps_linked_citations_in_their_sentence():
    html = '<p>Under <a href="/c/15/6851/">15 U.S.C. &sect; 6851</a>, a person may sue.</p><p>Reversed.</p>'
    assert html_text(html) == "Under 15 U.S.C. § 6851, a person may sue.\nReversed."
    assert html_text("   ") is None


def test_search_page_carries_each_decision_and_pages_by_cursor():
    url = f"{API}/search/?q=%22deepfake%22&type=o&order_by=dateFiled+desc"
    records = parse_file("courtlistener", EXAMPLES / "search_deepfake_page1.json", url)
    response = response_from_file(EXAMPLES / "search_deepfake_page1.json", url, {"limit": 1})
    [cluster, following] = list(parse_search(response))
    assert cluster.meta["case"]["jurisdiction"] == "US-CA" and cluster.meta["case"]["court"] == "California Court of Appeal"
    assert cluster.meta["case"]["identifiers"] == [{"scheme": "DOCKET", "value": "B331234"}]
    assert following.meta == {"limit": 1} and "cursor=" in following.url
    assert [r["url"] for r in records][-1] == following.url


def test_docket_gives_court_and_number_then_the_opinions():
    response = response_from_file(EXAMPLES / "docket_7000001.json", f"{API}/dockets/7000001/",
                                  {"case": {"id": "courtlistener-9000001", "name": "Doe v. Roe", "identifiers": []},
                                   "opinions": [f"{API}/opinions/9100001/"]})
    [request] = list(parse_docket(response))
    assert request.url == f"{API}/opinions/9100001/" and request.meta["opinions"] == []
    assert request.meta["case"]["jurisdiction"] == "US-CA"
    assert request.meta["case"]["identifiers"] == [{"scheme": "DOCKET", "value": "B331234"}]


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<!DOCTYPE html><html><body>Log in</body></html>", "not JSON"),
    (b'{"detail": "Request was throttled. Expected available in 85774 seconds."}', "throttled"),
    (b'{"detail": "Invalid token."}', "Invalid token"),
    (b'{"count": 0}', "no 'results'"),
    (b"[]", "JSON object"),
])
def test_bad_pages_raise_clear_errors(body, message):
    url = f"{API}/search/?q=deepfake&type=o"
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    with pytest.raises(ValueError, match=message):
        list(parse_search(response))
    with pytest.raises(ValueError):
        read_json(response, "results")


def test_token_header_gets_its_word_once(monkeypatch):
    import asyncio
    from types import SimpleNamespace

    from crawlers.crawling.middlewares import SourceAuthMiddleware
    from crawlers.sources.courtlistener import CourtListenerSpider

    monkeypatch.setenv("COURTLISTENER_TOKEN", "abc123")
    middleware = SourceAuthMiddleware(SimpleNamespace(spider=CourtListenerSpider()))
    request = scrapy.Request(f"{API}/search/")
    asyncio.run(middleware.process_request(request))
    asyncio.run(middleware.process_request(request))  # a retry passes through again
    assert request.headers["Authorization"] == b"Token abc123"


def test_contract():
    assert DECLARATION.auth.kind == "header" and DECLARATION.auth.header == "Authorization"
    assert DECLARATION.auth.key_env == "COURTLISTENER_TOKEN" and DECLARATION.run_quota
    assert DECLARATION.case_id_for_url is case_id_for_url


# --- end to end: fixture server -> SQLite ---

FAKE_TOKEN = "fake-courtlistener-token-0123456789"


def test_crawl_stores_decisions_with_their_opinions_without_the_token(built_db):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "courtlistener", env={"COURTLISTENER_TOKEN": FAKE_TOKEN})
        asked = [(path, headers) for _, path, _, headers in server.log if path.startswith("/api/rest/v4/")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert asked and all(headers.get("Authorization") == f"Token {FAKE_TOKEN}" for _, headers in asked)
    # Ten searches find the same three decisions: each is fetched once.
    clusters = [path for path, _ in asked if path.startswith("/api/rest/v4/clusters/")]
    assert sorted(clusters) == [f"/api/rest/v4/clusters/{n}/" for n in (9000001, 9000002, 9000003)]
    db = sqlite3.connect(built_db)
    rows = {row[0]: row[1:] for row in db.execute(
        "SELECT id, jurisdiction, court, decision_date, name, citation, url, language FROM cases WHERE source = 'courtlistener'")}
    assert rows["courtlistener-9000002"] == ("US-ND", "Supreme Court of North Dakota", "2025-03-13", "State v. Roe",
                                             "2025 ND 51", "https://www.courtlistener.com/opinion/9000002/state-v-roe/", "en")
    assert rows["courtlistener-9000003"][0] == "US" and rows["courtlistener-9000001"][0] == "US-CA"
    text = db.execute("SELECT text FROM cases WHERE id = 'courtlistener-9000002'").fetchone()[0]
    assert "digitally altered" in text and "I respectfully dissent." in text  # lead and dissent, in order
    assert text.index("We affirm.") < text.index("I respectfully dissent.")
    identifiers = set(db.execute("SELECT scheme, value FROM identifiers WHERE item_id = 'courtlistener-9000002'"))
    assert {("DOCKET", "20240310"), ("NEUTRAL", "2025 ND 51")} <= identifiers
    dumped = "\n".join(db.iterdump())
    assert FAKE_TOKEN not in dumped
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_TOKEN.encode() not in archive.read_bytes()
    assert FAKE_TOKEN not in result.stderr and FAKE_TOKEN not in result.stdout


def test_crawl_without_the_token_skips_the_source(built_db):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "courtlistener", env={"COURTLISTENER_TOKEN": ""})
        assert not [entry for entry in server.log if entry[1].startswith("/api/rest/v4/")]
    assert "courtlistener: skipped" in result.stderr
