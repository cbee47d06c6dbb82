"""NSW legislation: the whole-instrument HTML parser's variants and faults (no real capture
exists: see the module's docstring), the spider's requests, and a crawl from the fixture
server into SQLite (Division 15C of the Crimes Act with its version date)."""

import sqlite3

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawlers.sources.nsw_legislation import NswLegislationSpider, parse_whole, version_start

URL = "https://legislation.nsw.gov.au/view/whole/html/inforce/current/act-1900-040"
DIV15C = "au-nsw-crimes-act-div-15c"


def respond(body: bytes, url: str = URL, **meta):
    return list(parse_whole(HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))))


def page(sections: str, links: str = "") -> bytes:
    return (f"<html><head><title>Test Act 2001 No 7 - NSW Legislation</title></head><body>{links}"
            f"<div class='legislation-body'>{sections}</div></body></html>").encode()


SECTION = ("<div id='sec.3' class='frag-section'><div class='heading'><span class='frag-no'>3</span> "
           "<span class='frag-heading'>Offence</span></div><blockquote class='children'>Words of the offence."
           "</blockquote><div class='frag-historynote'>Sec 3: Am 2020 No 1.</div></div>")


def test_every_section_under_the_spiders_id_without_a_request_and_history_left_out():
    records = respond(page(SECTION), url=URL.replace("act-1900-040", "act-2001-007"))
    act, section = records
    assert act["id"] == "au-nsw-act-2001-007" and act["title"] == "Test Act 2001" and act["citation"] == "Test Act 2001 No 7"
    assert section["text"] == "Words of the offence." and section["heading"] == "Offence"
    assert section["valid_from"] is None  # the page links no point-in-time version


def test_the_version_is_the_latest_point_in_time_not_after_today():
    links = ("<a href='/view/whole/html/inforce/2030-01-01/act-1900-040'>later</a>"
             "<a href='/view/html/inforce/2024-07-01/act-1900-040'>one</a>"
             "<a href='/view/whole/html/inforce/2025-11-10/act-1900-0401'>other id</a>")
    records = respond(page(SECTION, links), today="2026-11-30")
    assert records[1]["valid_from"] == "2024-07-01"
    # A dated address is its own version.
    dated = respond(page(SECTION), url=URL.replace("current", "2019-05-01"))
    assert dated[1]["valid_from"] == "2019-05-01"


def test_a_tracked_section_the_page_lacks_is_an_error_after_the_ones_found():
    parsed = parse_whole(HtmlResponse(url=URL, body=page(SECTION), encoding="utf-8", request=scrapy.Request(
        URL, meta={"instruments": {DIV15C: ["section/3", "section/91Q"]}})))
    assert next(parsed)["id"] == DIV15C and next(parsed)["id"] == f"{DIV15C}/section/3"
    with pytest.raises(ValueError, match="no section for section/91Q"):
        next(parsed)


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
     b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>", "Cloudflare"),
    (b"<html><body><h1>Page not found</h1></body></html>", "no sections"),
])
def test_bad_pages_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(body)


def test_a_malformed_key_is_an_error():
    with pytest.raises(ValueError, match="provision key"):
        respond(page(SECTION), instruments={DIV15C: ["clause/3"]})


def test_version_start_ignores_other_instruments():
    from lxml import html
    root = html.fromstring("<div><a href='/view/whole/html/inforce/2025-01-01/act-1900-0400'>x</a></div>")
    assert version_start(root, "act-1900-040", "2026-01-01") is None


def test_one_request_per_instrument():
    tracked = [{"id": DIV15C, "source_identifier": "act-1900-040", "jurisdiction": "AU-NSW",
                "provisions": [{"key": "section/91N"}, {"key": "section/91Q"}, {"label": "no key"}]},
               {"id": "au-nsw-x", "source_identifier": "not an id", "provisions": [{"key": "section/1"}]}]
    requests = list(NswLegislationSpider(tracked=tracked, today="2026-11-30").tracked_requests())
    assert [r.url for r in requests] == [URL]
    assert requests[0].meta["instruments"] == {DIV15C: ["section/91N", "section/91Q"]}
    assert requests[0].meta["today"] == "2026-11-30" and requests[0].meta["tracked"]


def test_crawl_stores_division_15c_with_its_version_date(crawled_db):
    db_path, result, server = crawled_db("nsw_legislation")
    assert "/view/whole/html/inforce/current/act-1900-040" in server.requests
    db = sqlite3.connect(db_path)
    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT id, text, valid_from, in_force_status, source FROM provisions WHERE instrument_id = ?", [DIV15C])}
    assert sorted(rows) == [f"{DIV15C}/section/91{n}" for n in "NPQRS"]
    definition = rows[f"{DIV15C}/section/91N"]
    assert "altered to appear to show" in definition[0] and definition[2:] == ("in_force", "nsw_legislation")
    # The version is dated by the page's latest point-in-time link (the fixture's; the crawl's day is today).
    assert definition[1] == "2025-11-10"
    assert "Maximum penalty" in rows[f"{DIV15C}/section/91Q"][0]
    assert db.execute("SELECT outcome, tracked_failed FROM crawl_runs WHERE source = 'nsw_legislation'").fetchone() == (
        "ok", 0)
