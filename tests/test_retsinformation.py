"""Retsinformation (Denmark): LexDania documents and their variants, the harvest API and its
hours, faults, the spider's requests, and a crawl from the fixture server into SQLite. No
real capture exists here: the examples are ours (see crawlers/sources/retsinformation.py)."""

import asyncio
from datetime import date, datetime, timezone

import pytest
import scrapy
import sqlite_utils
from conftest import crawl
from fixture_server import FixtureServer
from scrapy.http import TextResponse, XmlResponse

from crawlers.items import PageError
from crawlers.parsing import parse_file
from crawlers.sources.retsinformation import (
    MAX_HARVESTED, RetsinformationError, RetsinformationSpider, eli_path, harvest_day, harvest_open, parse_document,
    parse_harvest,
)

LBK = "https://www.retsinformation.dk/eli/lta/2024/1145/xml"
HARVEST = "https://api.retsinformation.dk/v1/Documents?date=2026-11-27"
EXAMPLES = "tests/examples/retsinformation"


def xml(url, body: bytes, **meta):
    return XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))


def text(url, body: bytes, **meta):
    return TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


# --------------------------------------------------------------------------- documents


def test_each_curated_instrument_gets_its_own_key_paragraphs_from_one_document():
    records = parse_file("retsinformation", f"{EXAMPLES}/lbk_2024_1145.xml", LBK,
                         {"instrument_id": "dk-strl-264e", "keys": ["264e"], "today": "2026-11-30"})
    instrument, provision = records
    assert instrument["id"] == "dk-strl-264e" and instrument["citation"] == "LBK nr 1145 af 05/11/2024"
    assert provision["id"] == "dk-strl-264e/264e" and provision["label"] == "§ 264 e"
    # List items keep their numbers, one line each.
    assert "\n2) videregiver materiale, hvor der er gjort brug af oplysninger om en anden person" in provision["text"]
    assert (provision["valid_from"], provision["valid_to"], provision["in_force_status"]) == ("2024-11-09", None, "in_force")


def test_a_later_subsection_is_numbered_and_sentences_are_lines():
    [_, provision] = parse_file("retsinformation", f"{EXAMPLES}/lbk_2024_1145.xml", LBK,
                                {"instrument_id": "dk-strl-264d", "keys": ["264d"], "today": "2026-11-30"})
    lines = provision["text"].split("\n")
    assert lines[0].startswith("Med bøde eller fængsel indtil 6 måneder")
    assert lines[1] == "Bestemmelsen finder også anvendelse, hvor meddelelsen eller billedet vedrører en afdød person."
    assert lines[2].startswith("Stk. 2. Foreligger der") and lines[2].endswith("fængsel indtil 3 år.")


def test_a_historic_consolidation_is_text_history_with_its_stated_dates_and_a_repealed_paragraph_says_so():
    records = parse_file("retsinformation", f"{EXAMPLES}/lbk_2024_434.xml",
                         "https://www.retsinformation.dk/eli/lta/2024/434/xml", {"today": "2026-11-30"})
    instrument, *provisions = records
    assert instrument["id"] == "dk-lbk-2024-434" and instrument["status"] is None
    by_key = {p["id"].rsplit("/", 1)[1]: p for p in provisions}
    assert set(by_key) == {"264c", "264d", "264e", "265"}
    assert (by_key["264d"]["valid_from"], by_key["264d"]["valid_to"]) == ("2024-05-01", "2024-11-08")
    assert by_key["264d"]["in_force_status"] is None
    assert by_key["265"]["in_force_status"] == "repealed" and by_key["265"]["text"] == "(Ophævet)"


def test_footnotes_are_left_out_and_char_runs_are_joined_as_written():
    body = (b'<Dokument><Meta><DocumentType>LOV H#LOKDOK01</DocumentType><Year>2025</Year><Number>7</Number>'
            b'<Status>Valid</Status></Meta><DokumentIndhold><Paragraf localId="1"><Explicatus>\xc2\xa7 1.</Explicatus>'
            b'<Stk><Exitus><Linea><Char>Den, der </Char><Char formaChar="Italic">uberettiget</Char><Char> deler.</Char>'
            b'</Linea></Exitus><Nota><Linea><Char>Note til redaktionen.</Char></Linea></Nota></Stk></Paragraf>'
            b'</DokumentIndhold></Dokument>')
    [_, provision] = list(parse_document(xml(LBK, body, keys=["1"], today="2026-11-30")))
    assert provision["text"] == "Den, der uberettiget deler."


def test_a_missing_key_paragraph_or_a_metadata_only_document_is_a_tracked_failure():
    body = open(f"{EXAMPLES}/lbk_2024_1145.xml", "rb").read()
    results = list(parse_document(xml(LBK, body, instrument_id="dk-strl-264d", keys=["264d", "999"])))
    [error] = [r for r in results if isinstance(r, PageError)]
    assert error["tracked"] and "§ 999 not found in LBK nr 1145 af 05/11/2024" in error["reason"]
    meta_only = open(f"{EXAMPLES}/lbk_2024_62_harvested.xml", "rb").read()
    [_, error] = list(parse_document(xml(LBK, meta_only, keys=["1"])))
    assert isinstance(error, PageError) and "has no text (metadata only)" in error["reason"]


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><head><title>Just a moment...</title></head><body>Cloudflare</body></html>", "not a LexDania document"),
    (b"\x00\x01 not xml <<<", "not XML"),
    (b"<Dokument><DokumentIndhold/></Dokument>", "without <Meta>"),
])
def test_bad_documents_raise_clear_errors(body, message):
    with pytest.raises(RetsinformationError, match=message):
        list(parse_document(xml(LBK, body, keys=["264d"])))


# --------------------------------------------------------------------------- the harvest API


def test_the_harvest_reads_changed_laws_only_and_carries_the_day_as_the_query():
    body = open(f"{EXAMPLES}/harvest_2026-11-27.json", "rb").read()
    requests = list(parse_harvest(text(HARVEST, body, since="2026-11-20")))
    assert [r.url.split("/eli/")[1] for r in requests] == ["lta/2026/215/xml", "lta/2024/62/xml"]
    assert requests[0].meta == {"query": "harvest 2026-11-27", "since": "2026-11-20"}


def test_the_harvest_reads_at_most_its_cap():
    record = '{"reasonForChange": "NewDocument", "documentType": {"shortName": "LOV"}, "href": "https://www.retsinformation.dk/eli/lta/2026/%d/xml"}'
    body = ("[" + ",".join(record % n for n in range(MAX_HARVESTED + 5)) + "]").encode()
    assert len(list(parse_harvest(text(HARVEST, body)))) == MAX_HARVESTED


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body>Service Unavailable</body></html>", "not JSON"),
    (b'{"message": "The API can only be called between 03:00 and 23:45"}', "harvest API error .*03:00"),
    (b'"ok"', "expected a JSON list"),
])
def test_bad_harvest_answers_raise_clear_errors(body, message):
    with pytest.raises(RetsinformationError, match=message):
        list(parse_harvest(text(HARVEST, body)))


@pytest.mark.parametrize("utc,open_", [
    ("2026-11-30T01:59:00", False),  # 02:59 in Copenhagen (CET)
    ("2026-11-30T02:00:00", True),   # 03:00
    ("2026-11-30T22:44:00", True),   # 23:44
    ("2026-11-30T22:45:00", False),  # 23:45
    ("2026-07-01T01:30:00", True),   # 03:30 in summer (CEST)
])
def test_the_harvest_hours_are_danish_time(utc, open_):
    assert harvest_open(datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)) is open_


def test_the_harvest_day_is_since_when_the_api_still_reaches_it_else_yesterday():
    today = date(2026, 11, 30)
    assert harvest_day(date(2026, 11, 25), today) == date(2026, 11, 25)
    assert harvest_day(date(2026, 11, 1), today) == date(2026, 11, 29)  # beyond the 10 days
    assert harvest_day(None, today) == date(2026, 11, 29)


def test_an_off_subject_law_is_no_candidate_and_since_drops_older_ones():
    on = open(f"{EXAMPLES}/lov_2026_215_harvested.xml", "rb").read()
    assert list(parse_document(xml(LBK, on, query="harvest", since="2026-11-27"))) == []
    [candidate] = list(parse_document(xml(LBK, on, query="harvest", since="2026-11-20")))
    assert candidate["id"] == "dk-lov-2026-215"


# --------------------------------------------------------------------------- the spider


@pytest.mark.parametrize("given,path", [
    ("lta/2024/1145", "lta/2024/1145"),
    ("LBK nr 1145 af 05/11/2024", "lta/2024/1145"),
    ("https://www.retsinformation.dk/eli/lta/2024/1145/xml", "lta/2024/1145"),
    ("KUU Alm.del 2024-25 Bilag 232", None),
])
def test_source_identifiers_name_an_eli_path(given, path):
    assert eli_path(given) == path


TRACKED = [
    {"id": "dk-strl-264d", "source_identifier": "lta/2024/1145", "provisions": [{"label": "§ 264 d", "key": "264d"}]},
    {"id": "dk-strl-264e", "source_identifier": "LBK nr 1145 af 05/11/2024",
     "provisions": [{"label": "§ 264 e", "key": "264e"}, {"label": "§ 264 e, nr. 2"}]},
    {"id": "dk-bill", "source_identifier": "L 184 (20241)", "provisions": [{"label": "x"}]},
]


async def collect(spider):
    return [request async for request in spider.start()]


def test_start_asks_the_document_once_per_curated_instrument_and_no_harvest_outside_its_hours(monkeypatch):
    import crawlers.sources.retsinformation as module

    monkeypatch.setattr(module, "harvest_open", lambda now: False)
    requests = asyncio.run(collect(RetsinformationSpider(tracked=TRACKED)))
    assert [(r.url, r.meta["instrument_id"], r.meta["keys"]) for r in requests] == [
        (LBK, "dk-strl-264d", ["264d"]), (LBK, "dk-strl-264e", ["264e"])]
    assert all(r.dont_filter and r.meta["tracked"] for r in requests)
    monkeypatch.setattr(module, "harvest_open", lambda now: True)
    requests = asyncio.run(collect(RetsinformationSpider(tracked=TRACKED)))
    [harvest] = [r for r in requests if not r.meta["tracked"]]
    assert harvest.url.startswith("https://api.retsinformation.dk/v1/Documents?date=")


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_the_tracked_paragraphs_and_harvested_candidates(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "retsinformation")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    provision = db["provisions"].get("dk-strl-264d/264d")
    assert provision["language"] == "da" and provision["source"] == "retsinformation"
    assert provision["valid_from"] == "2024-11-09" and provision["in_force_status"] == "in_force"
    assert "uberettiget videregiver meddelelser eller billeder" in provision["text"]
    assert "manipulere denne persons fremtræden" in db["provisions"].get("dk-strl-264e/264e")["text"]
    # The curated title wins over the consolidation's; the crawl fills the rest.
    assert db["instruments"].get("dk-strl-264d")["title"].startswith("Straffeloven § 264 d")
    candidates = {row["id"] for row in db["candidate_instruments"].rows}
    assert candidates == {"dk-lov-2026-215"}
    # The harvest host was asked once.
    assert sum(path.startswith("/v1/Documents") for path in server.requests) == 1
