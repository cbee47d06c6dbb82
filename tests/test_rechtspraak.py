"""Rechtspraak.nl: the document parser on the real capture, the ECLI index filter and
paging, bad replies, curated ids, and a crawl from the fixture server into SQLite."""

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample
from fixture_server import FixtureServer

from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.rechtspraak import (
    PAGE_SIZE,
    RechtspraakSpider,
    case_id_for_url,
    parse_document,
    parse_search,
    search_url,
)

EXAMPLES = Path(__file__).parent / "examples" / "rechtspraak"
BASE = "https://data.rechtspraak.nl"
FEED = EXAMPLES / "zoeken_strafrecht.atom"


def content_urls(found) -> list[str]:
    return [r.url for r in found if isinstance(r, scrapy.Request) and "/content" in r.url]


def feed_urls(found) -> list[str]:
    return [r.url for r in found if isinstance(r, scrapy.Request) and "/zoeken" in r.url]


# --- the real capture (../shared/samples/rechtspraak), skipped where absent ---


def test_real_document_ecli_nl_rbgel_2015_6991():
    path = sample("rechtspraak", "ECLI.NL.RBGEL.2015.6991.xml")
    [case] = parse_file("rechtspraak", path, f"{BASE}/uitspraken/content?id=ECLI:NL:RBGEL:2015:6991")
    assert case["id"] == "nl-rbgel-2015-6991"
    assert case["jurisdiction"] == "NL" and case["language"] == "nl" and case["source"] == "rechtspraak"
    assert case["court"] == "Rechtbank Gelderland"
    assert case["decision_date"] == "2015-11-12"  # uitspraakdatum, not the publication date
    assert case["citation"] == "ECLI:NL:RBGEL:2015:6991"
    assert case["name"] == "Rechtbank Gelderland, 12-11-2015, AWB - 13 _ 7992"
    assert case["url"] == "https://uitspraken.rechtspraak.nl/details?id=ECLI:NL:RBGEL:2015:6991"
    assert case["identifiers"] == [{"scheme": "ECLI", "value": "ECLI:NL:RBGEL:2015:6991"},
                                   {"scheme": "DOCKET", "value": "AWB - 13 _ 7992"}]
    text = case["text"]
    assert text.startswith("Inhoudsindicatie\nHAPII. Voormalig politiekorps Gelderland-Zuid.")
    assert "\n\nRECHTBANK GELDERLAND\nZittingsplaats Arnhem\n" in text
    assert "\n2.1 Verweerder heeft in zijn aanvullende motivering" in text  # <nr> joined to its para
    assert "[eiseres], eiseres" in text  # anonymised as published
    assert text.endswith("of om het opheffen of wijzigen van een bij deze uitspraak getroffen voorlopige voorziening.")
    assert "\n\n\n" not in text and "\t" not in text
    assert 7000 < len(text) < 8000


# --- bad replies ---


@pytest.mark.parametrize("body,message", [
    (b"", "unreadable XML"),
    (b"<html><body>Service Unavailable</body></html>", "expected <open-rechtspraak>"),
    (b"<open-rechtspraak><uitspraak/></open-rechtspraak>", "no RDF metadata"),
])
def test_a_document_that_is_not_one_is_an_error(body, message):
    url = f"{BASE}/uitspraken/content?id=ECLI:NL:RBAMS:2024:1"
    with pytest.raises(ValueError, match=message):
        list(parse_document(scrapy.http.XmlResponse(url=url, body=body, request=scrapy.Request(url))))


def test_a_search_page_that_is_not_a_feed_is_an_error():
    url = search_url()
    with pytest.raises(ValueError, match="expected <feed>"):
        list(parse_search(scrapy.http.XmlResponse(url=url, body=b"<html/>", request=scrapy.Request(url))))


# --- the ECLI index ---


def test_index_fetches_only_entries_on_the_subject():
    found = list(parse_search(response_from_file(FEED, search_url())))
    assert content_urls(found) == [f"{BASE}/uitspraken/content?id=ECLI:NL:RBAMS:2024:99901",
                                   f"{BASE}/uitspraken/content?id=ECLI:NL:GHARL:2024:99902",
                                   f"{BASE}/uitspraken/content?id=ECLI:NL:RBAMS:2024:99904"]
    assert [r.meta["query"] for r in found] == ["deepfake", "intieme beelden", "139h"]
    assert feed_urls(found) == []  # four entries: not a full page, so the last one


def test_a_full_page_asks_for_the_next_one():
    entry = FEED.read_text().split("<entry>")[3].split("</entry>")[0]  # off the subject
    body = FEED.read_text().split("<entry>")[0] + ("<entry>" + entry + "</entry>") * PAGE_SIZE + "</feed>"
    url = search_url(start=0)
    found = list(parse_search(scrapy.http.XmlResponse(url=url, body=body.encode(), request=scrapy.Request(url))))
    [next_page] = feed_urls(found)
    assert parse_qs(urlsplit(next_page).query)["from"] == [str(PAGE_SIZE)]


def test_search_url_filters_criminal_law_by_date_or_modification():
    query = parse_qs(urlsplit(search_url()).query)
    assert query["subject"] == ["http://psi.rechtspraak.nl/rechtsgebied#strafRecht"]
    assert query["date"] == ["2020-01-01"] and query["return"] == ["DOC"] and query["max"] == ["1000"]
    from datetime import date

    assert parse_qs(urlsplit(search_url(date(2025, 2, 1))).query)["modified"] == ["2025-02-01"]


def test_spider_limit_and_withdrawal_names():
    spider = RechtspraakSpider(limit="1")
    found = list(spider.parse(response_from_file(FEED, search_url(), {"limit": 1})))
    assert [r.meta["expects"] for r in found] == [("case", "nl-rbams-2024-99901")]

    async def collect():
        return [request async for request in RechtspraakSpider(since="2025-02-01").start()]

    [start] = asyncio.run(collect())
    assert "modified=2025-02-01" in start.url


def test_curated_decisions_get_the_crawler_id():
    assert case_id_for_url("https://uitspraken.rechtspraak.nl/details?id=ECLI:NL:RBAMS:2023:6923") == "nl-rbams-2023-6923"
    assert case_id_for_url("http://deeplink.rechtspraak.nl/uitspraak?id=ECLI:NL:HR:2024:1") == "nl-hr-2024-1"
    assert case_id_for_url("https://www.legifrance.gouv.fr/juri/id/X") is None


def test_registry_refuses_a_curated_dutch_case_with_another_id():
    from crawlers.registry import curated

    data = curated.load()
    [case] = [c for c in data.cases if c["id"] == "nl-rbams-2023-6923"]
    case["id"] = "nl-amsterdam-deepfake-2023"
    problems = curated.check(data)
    assert any("nl-amsterdam-deepfake-2023" in p and "nl-rbams-2023-6923" in p for p in problems)


# --- end to end ---


def withdrawn(handler, method, path, query):
    if path.endswith("/uitspraken/content") and query.get("id") == ["ECLI:NL:GHARL:2024:99902"]:
        return 404, "text/html", b"<html>Niet gevonden</html>", {}
    return None


def test_crawl_into_sqlite_then_a_withdrawn_decision_is_marked(built_db):
    database = sqlite_utils.Database(built_db)
    with FixtureServer() as server:
        result = crawl(built_db, server, "rechtspraak")
        asked = list(server.requests)
    assert result.returncode == 0, result.stderr
    assert not any("RBROT" in path for path in asked)  # off the subject: never fetched
    cases = {row["id"]: row for row in database["cases"].rows_where("source = 'rechtspraak'")}
    assert set(cases) == {"nl-rbams-2024-99901", "nl-gharl-2024-99902", "nl-rbams-2024-99904"}
    amsterdam = cases["nl-rbams-2024-99901"]
    assert amsterdam["court"] == "Rechtbank Amsterdam" and amsterdam["decision_date"] == "2024-11-14"
    assert "139h" in amsterdam["text"] and amsterdam["jurisdiction"] == "NL"
    with FixtureServer(hook=withdrawn) as server:
        crawl(built_db, server, "rechtspraak")
    appeal = database["cases"].get("nl-gharl-2024-99902")
    assert appeal["gone_at"] and appeal["text"] is None
