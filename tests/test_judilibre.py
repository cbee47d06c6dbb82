"""Judilibre: the parsers on the real captures, bad replies, the crawl's narrowing, and a
crawl from the fixture server into SQLite with a (fake) key that must leak nowhere."""

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
import sqlite_utils
from conftest import archive_of, crawl, sample
from fixture_server import FixtureServer

from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.judilibre import (
    DECLARATION,
    SEARCH_TERMS,
    JudilibreSpider,
    case_id_for_url,
    parse_decision,
    parse_search,
    search_url,
)

EXAMPLES = Path(__file__).parent / "examples" / "judilibre"
API = "https://api.piste.gouv.fr/cassation/judilibre/v1.0"
PAGE_0_URL = search_url("hypertrucage")
FAKE_KEY = "fake-judilibre-key-7f3a9c"


def results(path: Path, url: str = PAGE_0_URL, parser=parse_search, **meta):
    return list(parser(response_from_file(path, url, {"query": "hypertrucage", **meta})))


def decision_urls(found) -> list[str]:
    return [r.url for r in found if isinstance(r, scrapy.Request) and "/decision" in r.url]


def page_urls(found) -> list[str]:
    return [r.url for r in found if isinstance(r, scrapy.Request) and "/search" in r.url]


# --- real captures (../shared/samples/judilibre), skipped where absent ---


def test_real_resolved_decision():
    path = sample("judilibre", "sample_detail_resolved.json")
    [case] = parse_file("judilibre", path, f"{API}/decision?id=5fca277de35a255d41ca73ab&resolve_references=true")
    assert case["id"] == "judilibre-5fca277de35a255d41ca73ab"
    assert case["url"] == "https://www.courdecassation.fr/decision/5fca277de35a255d41ca73ab"
    assert case["jurisdiction"] == "FR" and case["language"] == "fr" and case["source"] == "judilibre"
    assert case["court"] == "Cour de cassation, Chambre commerciale financière et économique"
    assert case["decision_date"] == "2020-11-18"
    assert case["citation"] == "pourvoi n° 19-19.463"
    assert case["name"] == ("Cour de cassation, Chambre commerciale financière et économique, "
                            "18 novembre 2020, pourvoi n° 19-19.463")
    assert {"scheme": "ECLI", "value": "ECLI:FR:CCASS:2020:CO00740"} in case["identifiers"]
    assert {"scheme": "DOCKET", "value": "19-19.463"} in case["identifiers"]
    assert [c["title"] for c in case["cited_legislation"]] == [
        "Article L. 721-3, 2°, du code de commerce.", "Article L. 221-4 du code de l'organisation judiciaire."]
    text = case["text"]
    assert text.startswith("COMM.\n\nFB\n\nCOUR DE CASSATION")
    assert "Pourvoi n° Y 19-19.463" in text and "\r" not in text and "\n\n\n" not in text
    # The decision appealed from (`contested.content`) is another text, not this one's.
    assert "COUR D'APPEL de CHAMBÉRY" not in text
    assert 55_000 < len(text) < 61_000


def test_real_list_in_both_variants_requests_each_decision_once():
    path = sample("judilibre", "tcom_sample_list.json")
    found = results(path, f"{API}/search?query=biens&jurisdiction=tcom")
    urls = decision_urls(found)
    # 20 entries in each variant, the same 10 decisions twice over.
    assert len(urls) == len(set(urls)) == 10
    assert urls[0] == f"{API}/decision?id=6777e09c42e668db5e0515c2&resolve_references=true"
    assert page_urls(found) == []  # a saved list, not a search page: nothing to page


def test_real_list_variants_name_the_court_from_names_or_codes():
    from crawlers.sources.judilibre import neutral_name

    data = json.loads(sample("judilibre", "tcom_sample_list.json").read_text())
    resolved, unresolved = data["resolved"][0], data["unresolved"][0]
    assert neutral_name(resolved) == "Tribunal de commerce de Nice, 12 septembre 2024, RG n° 2024G00010"
    # Unresolved: "tcom" is named, the location code "0605" is not a name and is dropped.
    assert neutral_name(unresolved) == "Tribunal de commerce, 12 septembre 2024, RG n° 2024G00010"


def test_official_openapi_declares_the_keyid_header_we_send():
    spec = json.loads(sample("judilibre", "JUDILIBRE-public.json").read_text())
    schemes = spec["components"]["securitySchemes"].values()
    assert {(s["type"], s["in"], s["name"]) for s in schemes} == {("apiKey", "header", "KeyId")}
    assert (DECLARATION.auth.kind, DECLARATION.auth.header) == ("header", "KeyId")
    assert DECLARATION.env_vars == ("JUDILIBRE_KEY_ID",)
    assert {"/search", "/decision", "/export"} <= set(spec["paths"])


# --- bad replies are errors, never silent emptiness ---


@pytest.mark.parametrize("body", [b"", b"<html><title>502 Bad Gateway</title></html>", b"[1, 2]", b'{"message": "x"}'])
def test_a_decision_that_is_not_a_json_decision_is_an_error(body):
    url = f"{API}/decision?id=abc&resolve_references=true"
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    with pytest.raises(ValueError):
        list(parse_decision(response))


@pytest.mark.parametrize("body", [b"", b"<html>busy</html>", b'{"message": "quota"}'])
def test_a_search_page_that_is_not_a_result_list_is_an_error(body):
    response = scrapy.http.TextResponse(url=PAGE_0_URL, body=body, encoding="utf-8", request=scrapy.Request(PAGE_0_URL))
    with pytest.raises(ValueError):
        list(parse_search(response))


# --- paging and limits ---


def test_search_pages_until_next_page_is_null():
    first = results(EXAMPLES / "search_hypertrucage_page0.json")
    assert len(decision_urls(first)) == 2
    [next_page] = page_urls(first)
    assert parse_qs(urlsplit(next_page).query)["page"] == ["1"]
    assert next_page.startswith(API)  # our official URL, not the API's own next_page
    last = results(EXAMPLES / "search_hypertrucage_page1.json", next_page)
    assert len(decision_urls(last)) == 1 and page_urls(last) == []


def test_limit_in_meta_caps_one_search():
    found = results(EXAMPLES / "search_hypertrucage_page0.json", limit=1)
    assert len(decision_urls(found)) == 1 and page_urls(found) == []


def test_export_keeps_only_decisions_on_the_subject():
    url = f"{API}/export?batch=0&batch_size=1000&date_start=2025-01-01&date_type=update"
    found = results(EXAMPLES / "export_batch0.json", url, parser=JudilibreSpider.parser_for(url))
    assert [item["id"] for item in found] == ["judilibre-6650a1b2c3d4e5f601234567"]


def start_requests(spider) -> list[scrapy.Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_start_searches_every_term_as_an_exact_phrase():
    requests = start_requests(JudilibreSpider(since="2024-05-23"))
    assert [r.meta["query"] for r in requests] == SEARCH_TERMS
    query = parse_qs(urlsplit(requests[2].url).query)
    assert query["query"] == ["atteinte à la vie privée"] and query["operator"] == ["exact"]
    assert query["jurisdiction"] == ["cc", "ca"] and query["date_start"] == ["2024-05-23"]
    assert query["resolve_references"] == ["true"]
    [bulk] = start_requests(JudilibreSpider(since="2025-01-01", bulk="1"))
    assert urlsplit(bulk.url).path.endswith("/export")


def test_spider_requests_each_decision_once_and_names_it_for_withdrawal():
    spider = JudilibreSpider(limit="2")
    page = EXAMPLES / "search_hypertrucage_page0.json"
    first = list(spider.parse(response_from_file(page, PAGE_0_URL, {"query": "hypertrucage"})))
    requests = [r for r in first if "/decision" in r.url]
    assert [r.meta["expects"] for r in requests] == [
        ("case", "judilibre-6650a1b2c3d4e5f601234567"), ("case", "judilibre-6650a1b2c3d4e5f601234568")]
    # The cap is reached: the next page and other terms ask for nothing more.
    assert list(spider.parse(response_from_file(page, search_url("montage"), {"query": "montage"}))) == []


def test_case_id_for_url():
    assert case_id_for_url("https://www.courdecassation.fr/decision/5fca277de35a255d41ca73ab") \
        == "judilibre-5fca277de35a255d41ca73ab"
    assert case_id_for_url(f"{API}/decision?id=abc&resolve_references=true") == "judilibre-abc"
    assert case_id_for_url("https://www.legifrance.gouv.fr/juri/id/JURITEXT000036780011") is None


# --- end to end: fixture server -> SQLite, the key nowhere ---


def withdrawn(handler, method, path, query):
    # The Lyon decision was listed, then withdrawn: Judilibre answers 404.
    if path.endswith("/decision") and query.get("id") == ["6650a1b2c3d4e5f601234569"]:
        return 404, "application/json", b'{"message": "D\\u00e9cision introuvable."}', {}
    return None


def test_crawl_stores_decisions_marks_a_withdrawn_one_and_never_keeps_the_key(built_db):
    database = sqlite_utils.Database(built_db)
    # A first crawl stores all three decisions.
    with FixtureServer() as server:
        result = crawl(built_db, server, "judilibre", env={"JUDILIBRE_KEY_ID": FAKE_KEY})
        sent = list(server.log)
    assert result.returncode == 0, result.stderr
    cases = {row["id"]: row for row in database["cases"].rows_where("source = 'judilibre'")}
    assert set(cases) == {f"judilibre-6650a1b2c3d4e5f60123456{n}" for n in (7, 8, 9)}
    crim = cases["judilibre-6650a1b2c3d4e5f601234567"]
    assert crim["court"] == "Cour de cassation, Chambre criminelle" and crim["jurisdiction"] == "FR"
    assert crim["decision_date"] == "2025-03-12" and "226-8-1" in crim["text"]
    ecli = database.execute("SELECT item_id FROM identifiers WHERE scheme = 'ECLI' AND value = ?",
                            ["ECLI:FR:CCASS:2025:CR09999"]).fetchall()
    assert ecli == [("judilibre-6650a1b2c3d4e5f601234567",)]
    # Every request carried the key in the KeyId header (the API's own scheme).
    api_requests = [entry for entry in sent if "/judilibre/" in str(entry)]
    assert api_requests and all(FAKE_KEY in str(entry) for entry in api_requests)

    # A second crawl finds the Lyon decision withdrawn: its row is marked gone.
    with FixtureServer(hook=withdrawn) as server:
        result = crawl(built_db, server, "judilibre", env={"JUDILIBRE_KEY_ID": FAKE_KEY})
    lyon = database["cases"].get("judilibre-6650a1b2c3d4e5f601234569")
    assert lyon["gone_at"] and lyon["text"] is None

    # The key is nowhere we keep anything.
    for path in (built_db, archive_of(built_db)):
        assert FAKE_KEY.encode() not in path.read_bytes(), path
    assert FAKE_KEY not in result.stderr + result.stdout


def test_crawl_without_the_key_skips_the_source(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "judilibre", env={"JUDILIBRE_KEY_ID": ""})
        assert server.requests == [] or all("/judilibre/" not in r for r in server.requests)
    assert "skipped" in result.stderr and "JUDILIBRE_KEY_ID" in result.stderr
