"""CanLII: metadata parsers on our examples (no real capture of the API exists), bad
replies, the rule that no text is ever fetched, and a crawl from the fixture server into
SQLite with a fake key that appears nowhere, whose decisions link to the Criminal Code."""

import sqlite3
from pathlib import Path

import pytest
import scrapy
from conftest import archive_of, crawl, sii_atlas
from fixture_server import FixtureServer

from crawlers.sources import CONTRACTS, SPIDERS
from crawlers.sources.canlii import (API, case_id_for_url, case_list_url, metadata_url, parse_case_list,
                                     parse_case_metadata, parse_cited_legislation)

EXAMPLES = Path(__file__).parent / "examples" / "canlii"
FAKE_KEY = "fake-canlii-key-0123456789"


def response(url: str, body: bytes, meta: dict | None = None):
    return scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta or {}))


@pytest.mark.parametrize("parser,url", [
    (parse_case_list, f"{API}/caseBrowse/en/onsc/?offset=0&resultCount=100"),
    (parse_case_metadata, f"{API}/caseBrowse/en/onsc/2025onsc99902/"),
    (parse_cited_legislation, f"{API}/caseCitator/en/onsc/2025onsc99902/citedLegislations"),
])
@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body><h1>403 Forbidden</h1></body></html>", "not JSON"),
    (b'{"error": "TOO_LONG", "message": "The response is larger than 10 MB"}', "CanLII API error at .*TOO_LONG"),
    (b"[]", "JSON object"),
])
def test_a_reply_that_is_not_the_answer_is_an_error(parser, url, body, message):
    with pytest.raises(ValueError, match=message):
        list(parser(response(url, body, {"case": {"id": "x"}})))


def test_cited_legislation_alone_names_no_decision():
    body = (EXAMPLES / "cited_legislations_2025onsc99902.json").read_bytes()
    with pytest.raises(ValueError, match="meta `case`"):
        list(parse_cited_legislation(response(f"{API}/caseCitator/en/onsc/x/citedLegislations", body)))


def test_a_full_page_asks_for_the_next_and_limit_caps_a_page():
    url = case_list_url("en", "onsc", None).replace("resultCount=100", "resultCount=2")
    results = list(parse_case_list(response(url, (EXAMPLES / "case_list_onsc_page1.json").read_bytes())))
    assert [r.url for r in results][-1].endswith("offset=2")
    results = list(parse_case_list(response(url, (EXAMPLES / "case_list_onsc_page1.json").read_bytes(), {"limit": 1})))
    assert [r.url for r in results] == [metadata_url("en", "onsc", "2025onsc99902"),
                                       f"{API}/caseBrowse/en/onsc/?resultCount=2&offset=2"]
    # A short page is the last.
    results = list(parse_case_list(response(url, (EXAMPLES / "case_list_onsc_page2.json").read_bytes())))
    assert [r.url for r in results] == [metadata_url("en", "onsc", "2025onsc99904")]


def test_no_text_is_ever_fetched():
    """CanLII's terms forbid bulk copying of texts: its pages are neither an official host
    nor a route, so a crawl cannot ask for one and no parser reads one."""
    page = "https://www.canlii.org/en/on/onsc/doc/2025/2025onsc99902/2025onsc99902.html"
    assert CONTRACTS["canlii"].official_hosts == frozenset({"api.canlii.org"})
    with pytest.raises(LookupError):
        SPIDERS["canlii"].parser_for(page, b"<html><body><p>[1] Reasons</p></body></html>")
    # Its address is still how a curated case names the crawler's row.
    assert case_id_for_url(page) == "canlii-onsc-2025onsc99902"
    assert case_id_for_url("https://canlii.ca/t/zz9902") is None


def test_crawl_stores_metadata_links_the_criminal_code_and_keeps_the_key_secret(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "canlii", env={"CANLII_API_KEY": FAKE_KEY})
        asked = [path for _, path, _, _ in server.log if path != "/robots.txt"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert asked and all(path.startswith("/v1/") for path in asked)  # the API only: no page, no text
    assert all(f"api_key={FAKE_KEY}" in path for path in asked)
    db = sqlite3.connect(built_db)
    rows = {row[0]: row[1:] for row in db.execute(
        "SELECT id, jurisdiction, court, name, url, language, text FROM crawled_cases WHERE source = 'canlii'")}
    # The tracked decisions, and of the listed ones only those on the subject.
    # (The Ontario list answers two decisions of the 100 asked: the last page.)
    assert {"canlii-qccq-2023qccq1853", "canlii-onsc-2016onsc541", "canlii-onsc-2025onsc99902"} == set(rows)
    assert rows["canlii-onsc-2025onsc99902"] == ("CA", "Superior Court of Justice (Ontario)", "Doe v. Roe",
                                                 "https://canlii.ca/t/zz9902", "en", None)
    assert all(row[-1] is None for row in rows.values())  # no text, ever
    assert "/v1/caseBrowse/en/onsc/2025onsc99903/" in [path.split("?")[0] for path in asked]  # read, not kept
    links = set(db.execute("SELECT case_id, instrument_id, provision_id FROM case_citations WHERE case_id LIKE 'canlii-%'"))
    assert ("canlii-onsc-2025onsc99902", "ca-cc-162-1", "") in links  # s. 162.1, named by the keywords
    # "art. 163.1 C.cr." in the Quebec keywords: the tracked provision 163.1 itself.
    assert ("canlii-qccq-2023qccq1853", "ca-cc-162-1", "ca-cc-162-1/section/163.1") in links
    relinked = sii_atlas(built_db, "link-citations")
    assert relinked.returncode == 0, relinked.stderr
    assert links <= set(db.execute("SELECT case_id, instrument_id, provision_id FROM case_citations "
                                   "WHERE case_id LIKE 'canlii-%'"))
    dumped = "\n".join(db.iterdump())
    assert FAKE_KEY not in dumped
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_KEY.encode() not in archive.read_bytes()
    assert FAKE_KEY not in result.stderr and FAKE_KEY not in result.stdout


def test_crawl_without_the_key_skips_the_source(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "canlii", env={"CANLII_API_KEY": ""})
        assert not [entry for entry in server.log if entry[1].startswith("/v1/")]
    assert "canlii: skipped" in result.stderr and "CANLII_API_KEY" in result.stderr


def test_metadata_becomes_the_decision_that_its_citator_page_completes():
    url = metadata_url("fr", "qccq", "2023qccq99901")
    [request] = parse_case_metadata(response(url, (EXAMPLES / "case_2023qccq99901.json").read_bytes()))
    assert request.url == f"{API}/caseCitator/en/qccq/2023qccq99901/citedLegislations"
    assert request.meta["sections"] == ["163.1"]
    assert request.meta["case"] == {
        "id": "canlii-qccq-2023qccq99901", "jurisdiction": "CA-QC", "court": "Court of Québec",
        "decision_date": "2023-04-14", "name": "R. c. Exemple", "citation": "2023 QCCQ 99901 (CanLII)",
        "url": "https://canlii.ca/t/zz9901", "language": "fr", "judges": [], "text": None, "cited_legislation": [],
        "identifiers": [{"scheme": "NEUTRAL", "value": "2023 QCCQ 99901"},
                        {"scheme": "DOCKET", "value": "450-01-999901-231"}],
        "source": "canlii"}
    # From a listing, on another subject: nothing at all.
    url = metadata_url("en", "onsc", "2025onsc99903")
    assert list(parse_case_metadata(response(url, (EXAMPLES / "case_2025onsc99903.json").read_bytes(),
                                             {"discovered": True}))) == []
