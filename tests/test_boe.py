"""BOE datos abiertos: real captures read in place, faults, the spider's requests, and a
crawl from the fixture server into SQLite."""

import asyncio
import json

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample
from fixture_server import FixtureServer
from scrapy.http import TextResponse, XmlResponse

from crawlers.items import CandidateItem
from crawlers.parsing import parse_file
from crawlers.sources.boe import (
    CONSOLIDATED, SEARCH_TERMS, BoeError, BoeSpider, parse_metadatos, parse_search, parse_texto, search_url,
)

METADATOS = f"{CONSOLIDATED}/id/BOE-A-2015-10566/metadatos"
BLOCK = f"{CONSOLIDATED}/id/BOE-A-1995-25444/texto/bloque/a197"


def xml(url, body: bytes, **meta):
    return XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))


def text(url, body: bytes, **meta):
    return TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


# --------------------------------------------------------------------------- real captures


def test_real_metadatos_capture_ley_40_2015():
    [record] = parse_file("boe", sample("boe", "BOE-A-2015-10566_metadatos.xml"), METADATOS)
    assert record["type"] == "instrument"
    assert record["id"] == "boe-a-2015-10566"
    assert record["title"] == "Ley 40/2015, de 1 de octubre, de Régimen Jurídico del Sector Público."
    assert record["citation"] == "Ley 40/2015"
    assert record["kind"] == "statute"
    assert record["status"] == "in_force"
    assert (record["date_enacted"], record["date_in_force"]) == ("2015-10-01", "2016-10-02")
    assert record["official_url"] == "https://www.boe.es/buscar/act.php?id=BOE-A-2015-10566"
    assert {"scheme": "ELI", "value": "https://www.boe.es/eli/es/l/2015/10/01/40"} in record["identifiers"]
    assert record["language"] == "es" and record["jurisdiction"] == "ES"


def test_real_search_capture_read_from_inside_its_test_wrapper():
    # The file wraps BOE's answer in a third-party test harness (`mcp_response`); the
    # body BOE sent is `mcp_response.data`, and only that is BOE's format.
    wrapped = json.loads(sample("boe", "Test_1.2_Busqueda_Simple_02_response_raw.json").read_bytes())
    body = json.dumps(wrapped["mcp_response"]["data"]).encode()
    [candidate] = list(parse_search(text(f"{CONSOLIDATED}?query=x&offset=0&limit=5", body, query="Ley 40/2015")))
    assert isinstance(candidate, CandidateItem)
    assert candidate["id"] == "boe-a-2015-10566"
    assert candidate["published"] == "2015-10-02"
    assert candidate["url"] == "https://www.boe.es/buscar/act.php?id=BOE-A-2015-10566"
    assert candidate["matched_query"] == "Ley 40/2015"


def test_the_wrapper_itself_is_refused_not_read_as_empty():
    body = sample("boe", "Test_1.2_Busqueda_Simple_02_response_raw.json").read_bytes()
    with pytest.raises(BoeError, match="no status object"):
        list(parse_search(text(f"{CONSOLIDATED}?query=x", body)))


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body><h1>Servicio no disponible</h1></body></html>", "not a BOE answer"),
    (b"\x00\x01 not xml <<<", "not XML"),
    (b'<?xml version="1.0"?><response><status><code>404</code><text>No se ha encontrado el documento'
     b' solicitado</text></status><data/></response>', "status 404: No se ha encontrado"),
])
def test_bad_xml_bodies_raise_clear_errors(body, message):
    for parser, url in ((parse_metadatos, METADATOS), (parse_texto, BLOCK)):
        with pytest.raises(BoeError, match=message):
            list(parser(xml(url, body)))


@pytest.mark.parametrize("body,message", [
    (b'{"status":{"code":"400","text":"Consulta mal formada"},"data":[]}', "status 400: Consulta mal formada"),
    (b"<html>error</html>", "not a BOE answer"),
    (b'{"data": []}', "no status object"),
    (b"not json at all", "not XML"),
])
def test_bad_search_bodies_raise_clear_errors(body, message):
    with pytest.raises(BoeError, match=message):
        list(parse_search(text(search_url("texto:deepfake"), body)))


def test_a_texto_answer_without_blocks_is_an_error():
    body = b'<response><status><code>200</code></status><data><texto/></data></response>'
    with pytest.raises(BoeError, match="without any <bloque>"):
        list(parse_texto(xml(BLOCK, body)))


# --------------------------------------------------------------------------- versions


def test_versions_are_ordered_by_date_and_each_ends_when_the_next_starts():
    records = parse_file("boe", "tests/examples/boe/cp_bloque_a197.xml", BLOCK,
                         {"instrument_id": "es-cp-197-7", "today": "2026-11-30"})
    spans = [(r["valid_from"], r["valid_to"], r["in_force_status"]) for r in records]
    assert spans == [("1996-05-24", "2015-07-01", None), ("2015-07-01", "2022-10-07", None),
                     ("2022-10-07", None, "in_force")]
    assert all(r["id"] == "es-cp-197-7/a197" and r["language"] == "es" for r in records)
    # Amendment notes (<blockquote>) are editorial, not the law's words.
    assert not any("Ref. BOE" in r["text"] or "Se modifica" in r["text"] for r in records)
    assert "Se impondrá la pena de multa de uno a tres meses" in records[-1]["text"]


def test_a_version_not_yet_in_force_is_prospective_and_the_current_one_ends_with_it():
    body = (b'<response><status><code>200</code></status><data><bloque id="a197" titulo="Art\xc3\xadculo 197">'
            b'<version fecha_publicacion="20200101" fecha_vigencia="20200102"><p class="parrafo">Hoy.</p></version>'
            b'<version fecha_publicacion="20270101" fecha_vigencia="20270601"><p class="parrafo">Ma\xc3\xb1ana.</p></version>'
            b'</bloque></data></response>')
    now, later = parse_texto(xml(BLOCK, body, today="2026-11-30"))
    assert (now["in_force_status"], now["valid_to"]) == ("in_force", "2027-06-01")
    assert (later["in_force_status"], later["valid_from"]) == ("prospective", "2027-06-01")


# --------------------------------------------------------------------------- the spider


TRACKED = [
    {"id": "es-cp-197-7", "jurisdiction": "ES", "source_identifier": "BOE-A-1995-25444",
     "provisions": [{"label": "197", "key": "a197"}, {"label": "197.7 párr. 1"}]},
    {"id": "es-cp-189", "jurisdiction": "ES", "source_identifier": "BOE-A-1995-25444",
     "provisions": [{"label": "189", "key": "a189"}]},
]


async def collect(spider):
    return [request async for request in spider.start()]


def test_start_asks_each_curated_instrument_under_its_own_id_then_searches():
    requests = asyncio.run(collect(BoeSpider(tracked=TRACKED)))
    tracked = [r for r in requests if r.meta["tracked"]]
    assert [(r.url.rsplit("/id/", 1)[1], r.meta["instrument_id"]) for r in tracked] == [
        ("BOE-A-1995-25444/metadatos", "es-cp-197-7"),
        ("BOE-A-1995-25444/texto/bloque/a197", "es-cp-197-7"),
        ("BOE-A-1995-25444/metadatos", "es-cp-189"),
        ("BOE-A-1995-25444/texto/bloque/a189", "es-cp-189"),
    ]
    # The same norm's record is asked once per curated instrument: not dropped as a duplicate.
    assert all(r.dont_filter for r in tracked)
    assert tracked[1].meta["expects"] == ("provision", "es-cp-197-7/a197")
    searches = [r for r in requests if not r.meta["tracked"]]
    assert [r.meta["query"] for r in searches] == list(SEARCH_TERMS)
    assert all(r.headers.get("Accept") == b"application/json" for r in searches)


def test_limit_caps_the_tracked_requests():
    requests = asyncio.run(collect(BoeSpider(tracked=TRACKED, limit=3, discover="no")))
    assert len(requests) == 3


def test_a_full_search_page_asks_for_the_next_one_with_the_same_context():
    norm = {"identificador": "BOE-A-2022-14630", "titulo": "Ley Orgánica 10/2022", "fecha_publicacion": "20220907"}
    body = json.dumps({"status": {"code": "200"}, "data": [norm] * 50}).encode()
    results = list(parse_search(text(search_url("texto:deepfake"), body, query="texto:deepfake", page=1)))
    [next_page] = [r for r in results if isinstance(r, scrapy.Request)]
    assert "offset=50" in next_page.url and next_page.meta == {"query": "texto:deepfake", "page": 2}
    assert next_page.headers.get("Accept") == b"application/json"


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_every_dated_version_of_the_tracked_articles(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "boe")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    article = db["provisions"].get("es-cp-197-7/a197")
    assert article["language"] == "es" and article["source"] == "boe"
    assert article["valid_from"] == "2022-10-07" and article["in_force_status"] == "in_force"
    assert "sin autorización de la persona afectada" in article["text"]
    versions = list(db.query("SELECT valid_from, valid_to FROM provision_versions WHERE provision_id = ? "
                             "ORDER BY valid_from", ["es-cp-197-7/a197"]))
    assert [(v["valid_from"], v["valid_to"]) for v in versions] == [
        ("1996-05-24", "2015-07-01"), ("2015-07-01", "2022-10-07"), ("2022-10-07", None)]
    assert "imágenes realistas de un menor" in db["provisions"].get("es-cp-189/a189")["text"].lower()
    # The curated title wins over the norm's; the crawl fills the rest.
    instrument = db["instruments"].get("es-cp-197-7")
    assert instrument["title"].startswith("Código Penal, artículo 197.7")
    candidates = {row["id"] for row in db["candidate_instruments"].rows}
    assert {"boe-a-2022-14630", "boe-a-2015-3439"} <= candidates
