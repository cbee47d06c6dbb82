"""govinfo: USLM bills and public laws, the JSON services on the real captures, bad
pages, and a crawl from the fixture server into SQLite with a key that must leave no trace."""

import json
import sqlite3
from pathlib import Path

import pytest
import scrapy
from conftest import archive_of, crawl, sample

from crawlers.parsing import parse_file
from crawlers.sources.govinfo import DECLARATION, SEARCH_QUERIES, GovinfoSpider, parse_search, parse_uslm

EXAMPLES = Path(__file__).parent / "examples" / "govinfo"
API = "https://api.govinfo.gov"
CONTENT = "https://www.govinfo.gov/content/pkg"


def by_id(records):
    return {r["id"]: r for r in records if "id" in r}


# --- real captures (../shared/samples/govinfo), skipped where absent ---


def test_real_uslm_bill_114_s_32():
    path = sample("govinfo", "BILLS-114s32cds.xml")
    records = by_id(parse_file("govinfo", path, f"{CONTENT}/BILLS-114s32cds/uslm/BILLS-114s32cds.xml"))
    bill = records["us-bills-114s32cds"]
    assert bill["kind"] == "bill" and bill["citation"] == "S. 32 (114th Congress), Committee Discharged Senate"
    assert bill["title"] == "Transnational Drug Trafficking Act of 2015"  # its short title
    assert {"scheme": "USLM", "value": "/us/bill/114/s/32"} in bill["identifiers"]
    sections = [r for r in records.values() if r["type"] == "provision"]
    assert [s["label"] for s in sections] == ["1", "2", "3"]
    assert records["us-bills-114s32cds/section/2"]["heading"] == (
        "POSSESSION, MANUFACTURE OR DISTRIBUTION FOR PURPOSES OF UNLAWFUL IMPORTATIONS")
    text = records["us-bills-114s32cds/section/2"]["text"]
    # Quoted subsections belong to the quoting section, numbered on their own lines.
    assert "\n“(b) It shall be unlawful for any person to manufacture or distribute a listed chemical—" in text
    assert "Disclaimer" not in text and "SEC. 2" not in text


def test_real_uslm_public_law_115_6():
    path = sample("govinfo", "115publ6-uslm.xml")
    records = by_id(parse_file("govinfo", path, f"{CONTENT}/PLAW-115publ6/uslm/PLAW-115publ6.xml"))
    law = records["us-plaw-115publ6"]
    assert law["kind"] == "statute" and law["citation"] == "Pub. L. 115-6"
    assert law["date_enacted"] == "2017-02-28"  # "Approved February 28, 2017."
    assert law["title"] == "Promoting Women in Entrepreneurship Act"
    assert {"scheme": "OTHER", "value": "131 Stat. 11"} in law["identifiers"]
    findings = records["us-plaw-115publ6/section/2"]["text"]
    assert findings.startswith("The Congress finds that—\n(1) women make up almost 50 percent")
    # Sidenotes ("42 USC 1885a note"), page breaks and processing instructions are not text.
    assert "USC" not in findings and "STAT" not in findings and "I97" not in findings
    amending = records["us-plaw-115publ6/section/3"]["text"]
    assert "131 STAT. 12" not in amending and amending.endswith("into the commercial world.”.")


def test_real_search_reply_gives_candidates_and_pages_by_offset_mark():
    path = sample("govinfo", "search_member_introduced_113th.json")
    url = f"{API}/search"
    results = parse_file("govinfo", path, url, {"query": "collection:(BILLS) AND member:(mccain)", "offset_mark": "*"})
    candidates = [r for r in results if r["type"] == "candidate"]
    assert len(candidates) == 100
    assert candidates[0]["id"] == "us-bills-113hjres7ih" and candidates[0]["published"] == "2013-01-03"
    assert candidates[0]["url"] == "https://www.govinfo.gov/app/details/BILLS-113hjres7ih"
    assert results[-1] == {"type": "request", "url": url}


def test_real_search_next_page_sends_the_returned_mark():
    path = sample("govinfo", "search_member_introduced_113th.json")
    url = f"{API}/search"
    response = scrapy.http.TextResponse(url=url, body=path.read_bytes(), encoding="utf-8",
                                        request=scrapy.Request(url, meta={"query": "q", "offset_mark": "*"}))
    request = list(parse_search(response))[-1]
    assert request.method == "POST"
    assert json.loads(request.body)["offsetMark"] == "AoIIQR19FTFCSUxMUy0xMTNocjQ2MjhpaA=="
    # The same mark coming back means no more pages.
    again = response.replace(request=scrapy.Request(url, meta={"query": "q", "offset_mark": "AoIIQR19FTFCSUxMUy0xMTNocjQ2MjhpaA=="}))
    assert not [r for r in parse_search(again) if isinstance(r, scrapy.Request)]


def test_real_package_summary_collection_and_last_granule_page():
    [summary] = parse_file("govinfo", sample("govinfo", "BILLS-115hr1625enr-summary.json"),
                           f"{API}/packages/BILLS-115hr1625enr/summary")
    assert summary["id"] == "us-bills-115hr1625enr" and summary["published"] == "2018-04-14"
    collection = parse_file("govinfo", sample("govinfo", "BILLS-sample.json"),
                            f"{API}/collections/BILLS/2018-01-01T00:00:00Z/?offset=0&pageSize=100")
    assert collection[0]["url"] == f"{API}/packages/BILLS-115hr4403rh/summary"
    assert collection[-1]["url"] == f"{API}/collections/BILLS/2018-01-01T00:00:00Z/?offset=100&pageSize=100"
    granules = parse_file("govinfo", sample("govinfo", "CHRG-107shrg82483-granules.json"),
                          f"{API}/packages/CHRG-107shrg82483/granules?offset=0&pageSize=10")
    assert len(granules) == 3  # three summaries, no next page: nextPage is null
    assert granules[1]["url"] == f"{API}/packages/CHRG-107shrg82483/granules/CHRG-107shrg82483-vol2/summary"


# --- tracked provisions and bad pages ---


def test_tracked_law_keeps_the_curated_id_and_only_the_key_provisions():
    url = f"{CONTENT}/PLAW-119publ12/uslm/PLAW-119publ12.xml"
    records = parse_file("govinfo", EXAMPLES / "PLAW-119publ12.xml", url,
                         {"instrument_id": "us-take-it-down-act-2025", "keys": ["section/3"]})
    assert [r["id"] for r in records] == ["us-take-it-down-act-2025", "us-take-it-down-act-2025/section/3"]
    assert "48 hours" in records[1]["text"]


@pytest.mark.parametrize("body,message", [
    (b"", "unreadable XML"),
    (b"<html><body>Not Found</body></html>", "not a USLM bill"),
    (b'<?xml version="1.0"?><error><message>API_KEY_INVALID</message></error>', "not a USLM bill"),
])
def test_bad_uslm_pages_raise_clear_errors(body, message):
    url = f"{CONTENT}/PLAW-119publ12/uslm/PLAW-119publ12.xml"
    response = scrapy.http.XmlResponse(url=url, body=body, request=scrapy.Request(url))
    with pytest.raises(ValueError, match=message):
        list(parse_uslm(response))


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html>Service Unavailable</html>", "not JSON"),
    (b'{"error": {"code": "OVER_RATE_LIMIT", "message": "You have exceeded your rate limit."}}', "rate limit"),
])
def test_bad_search_pages_raise_clear_errors(body, message):
    url = f"{API}/search"
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    with pytest.raises(ValueError, match=message):
        list(parse_search(response))


def test_start_asks_for_tracked_texts_then_searches():
    spider = GovinfoSpider(tracked=[{"id": "us-take-it-down-act-2025", "source_identifier": "PLAW-119publ12",
                                     "provisions": [{"label": "2", "key": "section/2"}]},
                                    {"id": "ignored", "source_identifier": "not a package"}], since="2025-01-01")
    [request] = list(spider.tracked_requests())
    assert request.url == f"{API}/packages/PLAW-119publ12/uslm"
    assert request.meta["tracked"] and request.meta["keys"] == ["section/2"]
    assert request.meta["expects"] == ("instrument", "us-take-it-down-act-2025")
    assert DECLARATION.auth.key_env == "GOVINFO_API_KEY" and "www.govinfo.gov" in DECLARATION.official_hosts


# --- end to end: fixture server -> SQLite ---

FAKE_KEY = "fake-govinfo-key-0987654321"


def test_crawl_stores_tracked_sections_and_candidates_without_the_key(built_db):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "govinfo", env={"GOVINFO_API_KEY": FAKE_KEY})
        posts = [entry for entry in server.log if entry[2] == "POST"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(posts) == 2 * len(SEARCH_QUERIES)  # each search: page 1, then the unchanged mark ends it
    db = sqlite3.connect(built_db)
    rows = db.execute("SELECT id, label, language, text FROM provisions WHERE instrument_id = 'us-take-it-down-act-2025' "
                      "ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [f"us-take-it-down-act-2025/section/{n}" for n in (2, 3, 4)]
    assert all(r[2] == "en" and r[3] for r in rows)
    assert "48 hours" in rows[1][3]
    law = db.execute("SELECT title, date_enacted, source FROM instruments WHERE id = 'us-take-it-down-act-2025'").fetchone()
    assert law[1] == "2025-05-19"
    assert law[0].startswith("Tools to Address Known Exploitation")  # the curated title comes first
    candidates = {row[0] for row in db.execute("SELECT id FROM candidate_instruments WHERE source = 'govinfo'")}
    assert {"us-plaw-119publ12", "us-bills-119s1837es", "us-bills-119hr633ih"} <= candidates
    assert FAKE_KEY not in "\n".join(db.iterdump())
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_KEY.encode() not in archive.read_bytes()
    assert FAKE_KEY not in result.stderr and FAKE_KEY not in result.stdout
