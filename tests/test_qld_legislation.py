"""Queensland legislation: the whole-instrument parser on the markup it shares with NSW (no
real capture: see the module's docstring), schedule keys, faults, the spider's requests, and
a crawl from the fixture server into SQLite (the Criminal Code's sections in Schedule 1)."""

import sqlite3

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawlers.sources.qld_legislation import QldLegislationSpider, parse_whole

URL = "https://www.legislation.qld.gov.au/view/whole/html/inforce/current/act-1899-009"
CODE = "au-qld-criminal-code-223"


def respond(body: bytes, url: str = URL, **meta):
    return list(parse_whole(HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))))


def section(number: str, words: str, element_id: str) -> str:
    return (f"<div id='{element_id}' class='frag-clause'><div class='heading'><span class='frag-no'>{number}</span> "
            f"<span class='frag-heading'>Heading {number}</span></div><blockquote class='children'>{words}</blockquote></div>")


PAGE = ("<html><head><title>Test Act 2001 - Queensland Legislation - Queensland Government</title></head><body>"
        + section("1", "Body words.", "sec.1")
        + "<div id='sch.1' class='frag-schedule'>" + section("1", "Schedule words.", "sch.1-sec.1") + "</div>"
        + "</body></html>").encode()


def test_a_body_section_and_a_schedule_section_of_the_same_number_stay_apart():
    records = respond(PAGE, instruments={CODE: ["section/1", "schedule/1/section/1"]})
    assert records[0]["title"] == "Test Act 2001"
    assert [(r["id"], r["text"]) for r in records[1:]] == [
        (f"{CODE}/section/1", "Body words."), (f"{CODE}/schedule/1/section/1", "Schedule words.")]
    assert records[2]["url"].endswith("#sch.1-sec.1")


def test_without_a_request_every_body_section_under_the_spiders_id():
    records = respond(PAGE)
    assert [r["id"] for r in records] == ["au-qld-act-1899-009", "au-qld-act-1899-009/section/1"]


def test_a_tracked_schedule_section_the_page_lacks_is_an_error():
    with pytest.raises(ValueError, match="no section for schedule/1/section/223"):
        respond(PAGE, instruments={CODE: ["schedule/1/section/223"]})
    with pytest.raises(ValueError, match="provision key"):
        respond(PAGE, instruments={CODE: ["chapter/22"]})


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<html><head><title>Just a moment...</title></head><body></body></html>", "Cloudflare"),
    (b"<html><body><p>Page not found</p></body></html>", "no sections"),
])
def test_bad_pages_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(body)


def test_one_request_per_instrument():
    tracked = [{"id": CODE, "source_identifier": "act-1899-009", "jurisdiction": "AU-QLD",
                "provisions": [{"key": "schedule/1/section/223"}]}]
    requests = list(QldLegislationSpider(tracked=tracked, today="2026-11-30").tracked_requests())
    assert [r.url for r in requests] == [URL]
    assert requests[0].meta["instruments"] == {CODE: ["schedule/1/section/223"]} and requests[0].meta["tracked"]


def test_crawl_stores_the_codes_sections_from_schedule_1(crawled_db):
    db_path, result, server = crawled_db("qld_legislation")
    db = sqlite3.connect(db_path)
    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT id, text, valid_from, source FROM provisions WHERE instrument_id = ?", [CODE])}
    assert sorted(rows) == [f"{CODE}/schedule/1/section/{n}" for n in ("207A", "223", "229A")]
    assert "altered to appear to show" in rows[f"{CODE}/schedule/1/section/207A"][0]
    assert rows[f"{CODE}/schedule/1/section/223"][1:] == ("2025-09-01", "qld_legislation")
    assert db.execute("SELECT outcome, tracked_failed FROM crawl_runs WHERE source = 'qld_legislation'").fetchone() == (
        "ok", 0)
