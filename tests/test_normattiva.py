"""Normattiva: the real captures (AKN export, error page, Open Data search) and a crawl into SQLite."""

import pytest
import sqlite_utils
from scrapy.http import HtmlResponse, Request, TextResponse

from conftest import crawl, sample
from crawlers.items import PageError, ProvisionItem
from crawlers.parsing import parse_file
from crawlers.sources import normattiva
from fixture_server import EXAMPLES, FixtureServer

EXPORT = "https://www.normattiva.it/do/atto/caricaAKN?dataGU=20240527&codiceRedaz=24G00083&dataVigenza=20240902"


def test_real_akn_export_of_a_ratification_law():
    path = sample("normattiva", "20240527_24G00083_VIGENZA_20240902.xml")
    records = parse_file("normattiva", path, EXPORT)
    act = records[0]
    assert act["id"] == "it-legge-2024-05-14-66" and act["date_enacted"] == "2024-05-14"
    assert act["citation"] == "Legge 14 maggio 2024 n. 66"
    assert act["title"].startswith("Ratifica ed esecuzione dell'Accordo in materia di coproduzione cinematografica")
    assert not act["title"].endswith("(24G00083)")
    assert {"scheme": "URN_NIR", "value": "urn:nir:stato:legge:2024-05-14;66"} in act["identifiers"]
    assert {"scheme": "ELI", "value": "eli/id/2024/05/27/24G00083/CONSOLIDATED/20240902"} in act["identifiers"]
    articles = [r for r in records if r["type"] == "provision"]
    # The annexes (the treaty's own articles) are not articles of the law.
    assert [a["label"] for a in articles] == ["1", "2", "3", "4"]
    three = articles[2]
    assert three["heading"] == "Clausola di invarianza finanziaria" and three["language"] == "it"
    assert three["text"].count("\n") == 2 and three["text"].startswith("1. Dall'attuazione della presente legge")
    assert three["url"] == "https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:legge:2024-05-14;66~art3"
    assert three["valid_from"] is None


def test_real_error_page_is_a_failure_never_an_empty_law():
    path = sample("normattiva", "legge_2022_53_error_page.html")
    with pytest.raises(ValueError, match="Errore nel caricamento delle informazioni"):
        parse_file("normattiva", path, "https://www.normattiva.it/do/atto/caricaAKN?dataGU=20220531&codiceRedaz=22G00061")


def test_real_simple_search_lists_candidates_including_law_181_of_2025():
    path = sample("normattiva", "ricerca_semplice.json")
    records = parse_file("normattiva", path, normattiva.SEARCH_URL, {"query": "violenza"})
    by_id = {r["id"]: r for r in records if r["type"] == "candidate"}
    femicide = by_id["it-legge-2025-12-02-181"]
    assert femicide["title"].startswith("LEGGE 2 dicembre 2025, n. 181 – Introduzione del delitto di femminicidio")
    assert femicide["url"] == "https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:legge:2025-12-02;181"
    assert femicide["published"] == "2025-12-02" and femicide["matched_query"] == "violenza"
    assert by_id["it-decreto-legislativo-2025-08-01-123"]["url"].endswith("decreto.legislativo:2025-08-01;123")
    # Page 1 of 18: the next page is asked for, with the same query.
    follow = [r for r in records if r["type"] == "request"]
    assert follow == [{"type": "request", "url": normattiva.SEARCH_URL}]


@pytest.mark.parametrize("body", [b"", b"not json", b'{"corpo": {}}', b"<!DOCTYPE html><html><title>Normattiva - Errore</title>"])
def test_bad_search_answers_raise(body):
    response = TextResponse(url=normattiva.SEARCH_URL, body=body, encoding="utf-8")
    with pytest.raises(ValueError):
        list(normattiva.parse_search(response))


def test_resolver_page_without_export_link_raises():
    response = HtmlResponse(url="https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:legge:1900-01-01;1",
                            body=b"<html><body>Atto non trovato</body></html>", encoding="utf-8",
                            request=Request("https://www.normattiva.it/", meta={"vigenza": "20261102"}))
    with pytest.raises(ValueError, match="export link"):
        list(normattiva.parse_resolver(response))


def test_a_tracked_article_missing_from_the_act_is_a_tracked_failure():
    body = (EXAMPLES / "normattiva" / "codice_penale_excerpt.xml").read_bytes()
    meta = {"instruments": [{"id": "it-cp-612-ter", "keys": ["612-ter", "612-quinquies"]}]}
    response = TextResponse(url=EXPORT, body=body, encoding="utf-8", request=Request(EXPORT, meta=meta))
    items = list(normattiva.parse_akn(response))
    assert [i["label"] for i in items if isinstance(i, ProvisionItem)] == ["612-ter"]
    assert [e["reason"] for e in items if isinstance(e, PageError)] == [
        "art. 612-quinquies not found in urn:nir:stato:regio.decreto:1930-10-19;1398"]


def test_spider_opens_each_act_once_for_all_its_instruments():
    urn = "urn:nir:stato:regio.decreto:1930-10-19;1398"
    tracked = [{"id": f"it-cp-{n}", "source_identifier": urn, "jurisdiction": "IT", "provisions": [{"key": n}]}
               for n in ("612-ter", "612-quater")]
    spider = normattiva.NormattivaSpider(tracked=tracked, vigenza="20261102")
    [request] = list(spider.tracked_requests())
    assert request.url == f"https://www.normattiva.it/uri-res/N2Ls?{urn}"
    assert request.meta["tracked"] and request.meta["vigenza"] == "20261102"
    assert [i["id"] for i in request.meta["instruments"]] == ["it-cp-612-ter", "it-cp-612-quater"]


def test_an_act_named_by_its_eli_is_opened_at_its_eli_page():
    tracked = [{"id": "it-dlgs-196-2003-144-bis", "source_identifier": "eli/id/2003/07/29/003G0218",
                "jurisdiction": "IT", "provisions": [{"key": "144-bis"}]}]
    spider = normattiva.NormattivaSpider(tracked=tracked, vigenza="20261102")
    [request] = list(spider.tracked_requests())
    assert request.url == "https://www.normattiva.it/eli/id/2003/07/29/003G0218/CONSOLIDATED"
    assert not request.meta.get("urn") and request.meta["instruments"][0]["keys"] == ["144-bis"]
    # The page is read like the resolver's: it names the export for the crawl's day.
    body = (EXAMPLES / "normattiva" / "eli_codice_privacy.html").read_bytes()
    response = HtmlResponse(url=request.url, body=body, encoding="utf-8", request=request)
    [export] = list(normattiva.parse_resolver(response))
    assert export.url.endswith("caricaAKN?dataGU=20030729&codiceRedaz=003G0218&dataVigenza=20261102")
    assert export.meta["instruments"] == request.meta["instruments"]


def test_crawl_stores_the_italian_articles_and_candidates(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "normattiva")
        asked = list(server.requests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sum(path.startswith("/uri-res/N2Ls") for path in asked) == 1
    assert sum(path.startswith("/eli/id/2003/07/29/003G0218/CONSOLIDATED") for path in asked) == 1
    assert sum(path.startswith("/do/atto/caricaAKN") for path in asked) == 2
    db = sqlite_utils.Database(built_db)
    # The Codice privacy, opened by its ELI: art. 144-bis in Italian, under the curated id.
    [privacy] = db.query("SELECT * FROM provision_versions WHERE provision_id = 'it-dlgs-196-2003-144-bis/144-bis' "
                         "AND superseded_at IS NULL")
    assert privacy["language"] == "it" and privacy["text"].startswith("1. ((Chiunque, compresi i minori ultraquattordicenni")
    assert "entro quarantotto ore" in privacy["text"] and "\n4. I gestori delle piattaforme digitali" in privacy["text"]
    versions = {r["provision_id"]: r for r in db.query(
        "SELECT * FROM provision_versions WHERE provision_id LIKE 'it-cp-%' AND superseded_at IS NULL")}
    assert set(versions) == {"it-cp-612-ter/612-ter", "it-cp-612-quater/612-quater", "it-cp-600-quater-1/600-quater.1"}
    deepfake = versions["it-cp-612-quater/612-quater"]
    assert deepfake["language"] == "it" and "sistemi di intelligenza artificiale" in deepfake["text"]
    candidates = {r["id"] for r in db.query("SELECT id FROM candidate_instruments WHERE source = 'normattiva'")}
    assert "it-legge-2025-09-23-132" in candidates
