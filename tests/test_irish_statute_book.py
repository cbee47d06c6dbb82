"""Irish Statute Book: the eISB parser on the real capture, its variants and faults, and a
crawl from the fixture server into SQLite (Coco's Law and the 1998 Act, enacted text)."""

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample
from scrapy.http import XmlResponse

from crawlers.parsing import parse_file
from crawlers.sources.irish_statute_book import IrishStatuteBookSpider, parse_act
from fixture_server import FixtureServer

URL_2024_20 = "https://www.irishstatutebook.ie/eli/2024/act/20/enacted/en/xml"


# --- the real capture (../shared/samples/irish_statute_book), skipped where absent ---


def test_real_act_gives_the_act_and_every_section():
    records = parse_file("irish_statute_book", sample("irish_statute_book", "act_20_2024.eisb.xml"), URL_2024_20)
    act = records[0]
    assert act["type"] == "instrument" and act["id"] == "ie-act-2024-20"
    assert act["title"] == "Automatic Enrolment Retirement Savings System Act 2024"
    assert act["citation"] == "No. 20 of 2024" and act["date_enacted"] == "2024-07-09"
    assert act["official_url"] == "https://www.irishstatutebook.ie/eli/2024/act/20/enacted/en/html"
    sections = {r["label"]: r for r in records[1:]}
    # Sections under Parts and under Chapters alike, 1 to 141, none without text.
    assert list(sections) == [f"s. {n}" for n in range(1, 142)]
    assert all(s["text"] and s["language"] == "en" for s in sections.values())
    one = sections["s. 1"]
    assert one["heading"] == "Short title and commencement"
    # The bold section number is the label, not the text.
    assert one["text"].startswith("(1) This Act may be cited as the Automatic Enrolment")
    assert one["url"] == "https://www.irishstatutebook.ie/eli/2024/act/20/section/1/enacted/en/html"
    assert {"scheme": "ELI", "value": one["url"]} in one["identifiers"]
    # Irish names in headings and text come out with their fadas.
    assert sections["s. 8"]["heading"] == "An tÚdarás Náisiúnta um Uathrollú Coigiltis Scoir"
    assert "known as An tÚdarás Náisiúnta um Uathrollú Coigiltis Scoir (in this Act referred to as the “Authority”)" \
        in sections["s. 8"]["text"]
    # Curly quotes, a footnote kept after the text, a Unicode character element.
    assert "“PEPP” has the same meaning as in Regulation (EU) No. 2019/1238" in sections["s. 51"]["text"]
    assert sections["s. 51"]["text"].endswith("20 June 2019[1].\n[1] OJ No. L198, 25.7.2019. p.1.")
    assert "\nC × D × P\n" in sections["s. 138"]["text"]
    # Enacted text: no in-force status is claimed, no commencement is known here.
    assert one["in_force_status"] is None and one["valid_from"] is None


# --- variants and faults ---

SCHEDULES = b"""<?xml version="1.0"?><act><metadata><title>TEST ACT 2024</title><number>1</number>
<year>2024</year><dateofenactment>20240101</dateofenactment></metadata><frontmatter/><body/>
<backmatter><schedule><title><p><b>SCHEDULE 1</b></p><p><b>E-Liquid Products Tax</b></p></title>
<p class="0 0 0 right 1 0"><i>Section 58</i></p>
<table width="100%"><colgroup><col width="50%"/></colgroup>
<tr><td><p>Product</p><p>(1)</p></td><td><p>Rate of Tax</p><p>(2)</p></td></tr>
<tr><td><p>e-liquid product</p></td><td><p><euro/>500.00 per litre</p></td></tr></table>
</schedule></backmatter></act>"""


def act(body: bytes, url="https://www.irishstatutebook.ie/eli/2024/act/1/enacted/en/xml", **meta):
    return list(parse_act(XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))))


def test_a_schedule_with_a_table_reads_one_row_a_line():
    records = act(SCHEDULES, instrument_id="ie-test")
    schedule = records[1]
    assert schedule["id"] == "ie-test/schedule/1" and schedule["label"] == "Sch. 1"
    assert schedule["heading"] == "E-Liquid Products Tax"
    assert schedule["text"] == "Section 58\nProduct (1) | Rate of Tax (2)\ne-liquid product | €500.00 per litre"


def test_the_curated_commencement_dates_the_enacted_text():
    body = SCHEDULES.replace(b"<body/>", b"<body><sect><number>1.</number><title><p><b>Short title</b></p></title>"
                                         b"<p><b>1.</b> This Act may be cited as the Test Act 2024.</p></sect></body>")
    records = act(body, instrument_id="ie-test", date_in_force="2024-03-01", status="in_force")
    assert records[0]["date_in_force"] == "2024-03-01" and records[0]["status"] == "in_force"
    assert records[1]["text"] == "This Act may be cited as the Test Act 2024."
    assert records[1]["valid_from"] == "2024-03-01" and records[1]["in_force_status"] is None


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"<html><body><h1>Page not found</h1><p>unclosed</body></html>", "not XML"),
    (b"<html><body><h1>Page not found</h1></body></html>", "not an eISB Act"),
    (b'<?xml version="1.0"?><act><metadata><number>1</number><year>2024</year></metadata><body/></act>',
     "no sections"),
])
def test_bad_input_raises_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        act(body)


def test_one_request_per_curated_act_carrying_its_id_and_commencement():
    tracked = [
        {"id": "ie-act-2020-32-cocos-law", "source_identifier": "eli/2020/act/32", "jurisdiction": "IE",
         "status": "in_force", "date_in_force": "2021-02-10", "provisions": [{"key": "section/2"}]},
        {"id": "ie-bad", "source_identifier": "2020/32", "jurisdiction": "IE"},
    ]
    requests = list(IrishStatuteBookSpider(tracked=tracked).tracked_requests())
    assert [r.url for r in requests] == ["https://www.irishstatutebook.ie/eli/2020/act/32/enacted/en/xml"]
    meta = requests[0].meta
    assert meta["instrument_id"] == "ie-act-2020-32-cocos-law" and meta["date_in_force"] == "2021-02-10"
    assert meta["tracked"] and meta["expects"] == ("instrument", "ie-act-2020-32-cocos-law")


# --- the crawl ---


def test_crawl_stores_the_tracked_sections_with_their_enacted_text(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "irish_statute_book")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(server.requests) == ["/eli/1998/act/22/enacted/en/xml", "/eli/2020/act/32/enacted/en/xml",
                                       "/robots.txt"]
    db = sqlite_utils.Database(built_db)
    two = db["provisions"].get("ie-act-2020-32-cocos-law/section/2")
    assert two["source"] == "irish_statute_book" and two["language"] == "en"
    assert two["text"].startswith("(1) A person who, without lawful authority or reasonable excuse, distributes")
    assert two["valid_from"] == "2021-02-10"
    assert db["provisions"].get("ie-act-1998-22-ctpa/section/5")["text"].count("£1,500") == 1
    instrument = db["instruments"].get("ie-act-2020-32-cocos-law")
    assert instrument["jurisdiction"] == "IE" and instrument["date_enacted"] == "2020-12-28"
