"""RIS (Austria): the OGD-RIS envelope and its variants, faults, the spider's requests, and a
crawl from the fixture server into SQLite. No real capture exists: the examples are ours,
written to the documented formats (see crawlers/sources/ris.py)."""

import asyncio
import json

import pytest
import scrapy
import sqlite_utils
from conftest import crawl
from fixture_server import FixtureServer
from scrapy.http import TextResponse, XmlResponse

from crawlers.items import PageError
from crawlers.parsing import parse_file
from crawlers.sources.ris import (
    SEARCH_TERMS, RisError, RisSpider, end_date, paragraph_url, parse_document, parse_search, search_url,
)

VERSIONS = paragraph_url("10002296", "107c")
DOCUMENT = "https://www.ris.bka.gv.at/Dokumente/Bundesnormen/NOR40229140/NOR40229140.xml"


def text(url, body: bytes, **meta):
    return TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


def xml(url, body: bytes, **meta):
    return XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))


# --------------------------------------------------------------------------- versions and dates


def test_every_version_of_a_paragraph_is_asked_with_the_dates_its_record_states():
    results = parse_file("ris", "tests/examples/ris/stgb_107c_versions.json", VERSIONS,
                         {"instrument_id": "at-stgb-120a-107c", "key": "107c", "page": 1})
    instrument, *requests = results
    assert instrument["type"] == "instrument" and instrument["id"] == "at-stgb-120a-107c"
    assert [r["url"].rsplit("/", 1)[1] for r in requests] == ["NOR40175302.xml", "NOR40229140.xml"]
    listed = list(parse_search(text(VERSIONS, open("tests/examples/ris/stgb_107c_versions.json", "rb").read(),
                                    instrument_id="at-stgb-120a-107c", key="107c", page=1)))
    old, new = [r.meta for r in listed if isinstance(r, scrapy.Request)]
    # RIS states the last day in force (31.12.2020); the project's valid_to is the first
    # day out of force, which is the next version's first day.
    assert (old["valid_from"], old["valid_to"]) == ("2016-01-01", "2021-01-01")
    assert (new["valid_from"], new["valid_to"]) == ("2021-01-01", None)
    assert old["tracked"] and old["key"] == "107c" and old["label"] == "§ 107c"


@pytest.mark.parametrize("value,expected", [
    ("2020-12-31", "2021-01-01"), ("2024-02-29", "2024-03-01"), (None, None), ("", None), ("9999-12-31", None),
])
def test_the_last_day_in_force_becomes_the_first_day_out_of_force(value, expected):
    assert end_date(value) == expected


def test_a_replaced_wording_is_history_and_the_current_one_in_force():
    records = parse_file("ris", "tests/examples/ris/NOR40175302.xml",
                         "https://www.ris.bka.gv.at/Dokumente/Bundesnormen/NOR40175302/NOR40175302.xml",
                         {"instrument_id": "at-stgb-120a-107c", "key": "107c", "valid_from": "2016-01-01",
                          "valid_to": "2021-01-01", "today": "2026-11-30"})
    [old] = records
    assert old["id"] == "at-stgb-120a-107c/107c" and old["in_force_status"] is None
    assert old["heading"].startswith("Fortgesetzte Belästigung")
    # The list items keep their numbers; the closing words of the list follow them.
    assert "\n1. eine Person für eine größere Zahl von Menschen wahrnehmbar an der Ehre verletzt oder\n" in old["text"]
    assert "\nist mit Freiheitsstrafe bis zu einem Jahr" in old["text"]


def test_a_document_parsed_alone_reads_its_dates_and_law_from_its_metadata_block():
    [current] = parse_file("ris", "tests/examples/ris/NOR40229140.xml", DOCUMENT, {"today": "2026-11-30"})
    assert current["id"] == "at-ris-10002296/107c" and current["label"] == "§ 107c"
    assert (current["valid_from"], current["valid_to"], current["in_force_status"]) == ("2021-01-01", None, "in_force")
    # The designation (gldsym) is not part of the words; running heads and feet are not law.
    assert current["text"].startswith("(1) Wer im Wege einer Telekommunikation")
    assert "Bundesrecht konsolidiert" not in current["text"] and "Seite 1 von 1" not in current["text"]
    # <gdash/> is a dash.
    assert "die Dauer der Tat-oder der Wahrnehmbarkeit-ein Jahr" in current["text"]
    assert current["language"] == "de"


def test_a_start_not_yet_reached_is_prospective():
    body = open("tests/examples/ris/NOR40229149.xml", "rb").read()
    [future] = parse_document(xml(DOCUMENT.replace("NOR40229140", "NOR40229149"), body, key="120a",
                                  valid_from="2027-01-01", today="2026-11-30"))
    assert future["in_force_status"] == "prospective"


# --------------------------------------------------------------------------- the envelope's variants and faults


def test_a_list_of_one_as_a_bare_object_is_read():
    results = parse_file("ris", "tests/examples/ris/stgb_120a_versions.json", paragraph_url("10002296", "120a"),
                         {"instrument_id": "at-stgb-120a-107c", "key": "120a", "page": 1})
    assert [r["type"] for r in results] == ["instrument", "request"]
    assert results[1]["url"].endswith("/NOR40229149/NOR40229149.xml")


def test_a_paged_search_asks_for_the_next_page_with_its_context_and_stops_at_the_last():
    url = search_url('"höchstpersönlichen Lebensbereich" und Bildaufnahme', "2026-11-30")
    first = list(parse_search(text(url, open("tests/examples/ris/search_lebensbereich_p1.json", "rb").read(),
                                   query="q", page=1)))
    [following] = [r for r in first if isinstance(r, scrapy.Request)]
    assert "Seitennummer=2" in following.url and following.meta == {"query": "q", "page": 2}
    second = list(parse_search(text(following.url, open("tests/examples/ris/search_lebensbereich_p2.json", "rb").read(),
                                    query="q", page=2)))
    assert not [r for r in second if isinstance(r, scrapy.Request)]
    # One candidate per law, not one per paragraph hit.
    candidates = [r for r in first if not isinstance(r, scrapy.Request)]
    assert len(candidates) == len({c["id"] for c in candidates}) == 4


@pytest.mark.parametrize("body,message", [
    (json.dumps({"OgdSearchResult": {"Error": {"Applikation": "BrKons", "Message":
        "soap:Client. Die Seitennummer ist höher als die Anzahl der Seiten."}}}).encode(),
     r"OGD-RIS error \(BrKons\): Die Seitennummer ist höher"),
    (b"", "empty body"),
    (b"<!DOCTYPE html><html><body><h1>Wartungsarbeiten</h1></body></html>", "not JSON"),
    (b'{"Fehler": "x"}', "no 'OgdSearchResult'"),
    (b'{"OgdSearchResult": {"OgdDocumentResults": {"Hits": {"@pageNumber": "1"}}}}', "no hit count"),
])
def test_bad_search_answers_raise_clear_errors(body, message):
    with pytest.raises(ValueError, match=message):
        list(parse_search(text(VERSIONS, body, key="107c")))


def test_no_version_of_a_tracked_paragraph_is_a_tracked_failure_not_silence():
    body = open("tests/examples/ris/search_empty.json", "rb").read()
    [error] = list(parse_search(text(VERSIONS, body, key="107c", instrument_id="at-stgb-120a-107c")))
    assert isinstance(error, PageError) and error["tracked"] and "no version of § 107c" in error["reason"]
    # The same answer to a discovery search is simply no candidates.
    assert list(parse_search(text(search_url("Deepfake", "2026-11-30"), body, query="Deepfake"))) == []


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body>Fehler</body></html>", "not a risdok document"),
    (b"\x00\x01 not xml <<<", "not XML"),
    (b'<risdok xmlns="http://www.bka.gv.at"><nutzdaten><abschnitt/></nutzdaten></risdok>', "has no text"),
])
def test_bad_documents_raise_clear_errors(body, message):
    with pytest.raises(RisError, match=message):
        list(parse_document(xml(DOCUMENT, body)))


# --------------------------------------------------------------------------- the spider


TRACKED = [
    {"id": "at-stgb-120a-107c", "jurisdiction": "AT", "source_identifier": "10002296",
     "provisions": [{"label": "§ 120a", "key": "120a"}, {"label": "§ 120a Abs. 1"}, {"label": "§ 107c", "key": "107c"}]},
    {"id": "at-stgb-207a", "jurisdiction": "AT", "source_identifier": "10002296",
     "provisions": [{"label": "§ 207a", "key": "207a"}]},
    {"id": "at-no-number", "jurisdiction": "AT", "source_identifier": "", "provisions": [{"label": "x", "key": "1"}]},
]


async def collect(spider):
    return [request async for request in spider.start()]


def test_start_lists_each_key_paragraph_under_its_curated_instrument_then_searches():
    requests = asyncio.run(collect(RisSpider(tracked=TRACKED)))
    tracked = [r for r in requests if r.meta["tracked"]]
    assert [(r.meta["instrument_id"], r.meta["key"]) for r in tracked] == [
        ("at-stgb-120a-107c", "120a"), ("at-stgb-120a-107c", "107c"), ("at-stgb-207a", "207a")]
    assert all(r.dont_filter and "Gesetzesnummer=10002296" in r.url for r in tracked)
    searches = [r for r in requests if not r.meta["tracked"]]
    assert [r.meta["query"] for r in searches] == list(SEARCH_TERMS)
    assert all("Fassung.FassungVom=" in r.url for r in searches)


def test_limit_caps_the_tracked_requests():
    assert len(asyncio.run(collect(RisSpider(tracked=TRACKED, limit=2, discover="no")))) == 2


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_every_dated_version_of_the_tracked_paragraphs(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "ris")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    current = db["provisions"].get("at-stgb-120a-107c/107c")
    assert current["language"] == "de" and current["source"] == "ris"
    assert current["valid_from"] == "2021-01-01" and current["in_force_status"] == "in_force"
    assert "Bildaufnahme des höchstpersönlichen Lebensbereiches" in current["text"]
    versions = list(db.query("SELECT valid_from, valid_to FROM provision_versions WHERE provision_id = ? "
                             "ORDER BY valid_from", ["at-stgb-120a-107c/107c"]))
    assert [(v["valid_from"], v["valid_to"]) for v in versions] == [("2016-01-01", "2021-01-01"), ("2021-01-01", None)]
    assert "ohne Einwilligung der abgebildeten Person" in db["provisions"].get("at-stgb-120a-107c/120a")["text"]
    assert "wirklichkeitsnahe Abbildungen" in db["provisions"].get("at-stgb-207a/207a")["text"]
    # The curated title wins over the law's; the crawl fills the rest.
    assert db["instruments"].get("at-stgb-207a")["title"].startswith("Strafgesetzbuch § 207a")
    candidates = {row["id"] for row in db["candidate_instruments"].rows}
    assert {"at-ris-10002296", "at-ris-10000719", "at-ris-10001597"} <= candidates


def test_a_refused_parameter_answered_500_is_recorded_with_ris_own_explanation():
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    body = json.dumps({"OgdSearchResult": {"Error": {"Applikation": "BrKons", "Message":
                       "soap:Client. Der Wert 'Elf' ist für DokumenteProSeite ungültig."}}}).encode()
    request = scrapy.Request(VERSIONS, meta={"tracked": False})
    response = TextResponse(url=VERSIONS, status=500, body=body, encoding="utf-8", request=request)
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = request
    [error] = list(RisSpider().on_error(failure))
    assert error["status"] == 500
    assert error["reason"] == "HTTP 500: OGD-RIS error (BrKons): Der Wert 'Elf' ist für DokumenteProSeite ungültig."
    # Any other 500 keeps the plain reason.
    plain = TextResponse(url=VERSIONS, status=500, body=b"<html>Fehler</html>", encoding="utf-8", request=request)
    failure = Failure(HttpError(plain, "Ignoring non-200 response"))
    failure.request = request
    [error] = list(RisSpider().on_error(failure))
    assert error["reason"] == "HTTP 500"
