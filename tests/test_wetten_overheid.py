"""wetten.overheid.nl / BWB: real captures read in place, faults, the two hosts behind a
mirror, the walk back through an article's wordings, and a crawl into SQLite."""

import asyncio

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample
from fixture_server import FixtureServer
from scrapy.http import XmlResponse

from crawlers.parsing import parse_file
from crawlers.sources.wetten_overheid import (
    REPOSITORY, SEARCH_TERMS, SRU, BwbError, WettenOverheidSpider, expressions_of, parse_manifest, parse_sru,
    parse_toestand, parse_wti, search_url,
)

MANIFEST = f"{REPOSITORY}/bwb/BWBR0002458/manifest.xml"
WTI = f"{REPOSITORY}/bwb/BWBR0002458/BWBR0002458.WTI"
TREATY = f"{REPOSITORY}/bwb/BWBV0001109/2004-12-28_0/xml/BWBV0001109_2004-12-28_0.xml"


def xml(url, body: bytes, **meta):
    return XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))


# --------------------------------------------------------------------------- real captures


def test_real_manifest_lists_every_version_with_its_dates_and_asks_for_the_one_in_force():
    path = sample("wetten_overheid", "BWBR0002458_manifest.xml")
    from lxml import etree

    expressions = expressions_of(etree.parse(str(path)).getroot())
    assert len(expressions) == 16
    assert expressions[0] == {"label": "2000-11-01_0", "start": "2000-11-01", "end": "2002-06-30",
                              "item": "BWBR0002458_2000-11-01_0.xml"}
    assert expressions[-1]["end"] == "9999-12-31"
    [request] = parse_file("wetten_overheid", path, MANIFEST, {"today": "2026-11-30"})
    assert request["url"] == f"{REPOSITORY}/bwb/BWBR0002458/2015-01-01_0/xml/BWBR0002458_2015-01-01_0.xml"
    # On a past day, the version then in force.
    [request] = parse_file("wetten_overheid", path, MANIFEST, {"today": "2003-01-15"})
    assert request["url"].endswith("/2002-07-01_0/xml/BWBR0002458_2002-07-01_0.xml")


def test_real_wti_gives_the_regulation():
    [record] = parse_file("wetten_overheid", sample("wetten_overheid", "BWBR0002458.WTI"), WTI)
    assert record["type"] == "instrument"
    assert (record["id"], record["title"], record["kind"]) == ("bwbr0002458", "Drank- en Horecawet", "statute")
    assert record["date_in_force"] == "1966-05-01"
    assert record["identifiers"] == [{"scheme": "BWBR", "value": "BWBR0002458"}]


def test_real_treaty_toestand_gives_every_article_with_text_and_dates():
    records = parse_file("wetten_overheid", sample("wetten_overheid", "BWBV0001109_2004-12-28_0.xml"), TREATY)
    [treaty] = [r for r in records if r["type"] == "instrument"]
    assert treaty["kind"] == "treaty" and treaty["date_in_force"] == "1993-12-31"
    assert treaty["title"].startswith("Overeenkomst tussen het Koninkrijk der Nederlanden en de Verenigde Staten")
    provisions = {r["id"]: r for r in records if r["type"] == "provision"}
    # 68 articles, but the protocols repeat numbers: one provision per key, the treaty's own first.
    assert len(provisions) == len({r["id"] for r in provisions.values()}) and len(provisions) > 30
    article4 = provisions["bwbv0001109/Artikel4"]
    assert (article4["label"], article4["heading"], article4["valid_from"]) == ("Artikel 4", "Inwoner", "2004-12-28")
    assert article4["text"].startswith("1. Voor de toepassing van deze Overeenkomst betekent de uitdrukking")
    assert article4["language"] == "nl" and article4["in_force_status"] == "in_force"
    article1 = provisions["bwbv0001109/Artikel1"]["text"]
    assert "\na. onder de wetgeving van beide Staten" in article1
    assert "jci1.3" not in article1 and "(zoals in Nr. I)" not in "".join(p["text"] or "" for p in provisions.values())


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body>Er is een fout opgetreden</body></html>", "got root element 'html'"),
    (b"\x00\x01 not xml <<<", "not XML"),
])
def test_bad_bodies_raise_clear_errors(body, message):
    for parser, url in ((parse_manifest, MANIFEST), (parse_toestand, TREATY), (parse_wti, WTI),
                        (parse_sru, search_url("x"))):
        with pytest.raises(BwbError, match=message):
            list(parser(xml(url, body)))


def test_sru_diagnostics_are_an_error_not_an_empty_result():
    body = (b'<srw:searchRetrieveResponse xmlns:srw="http://www.loc.gov/zing/srw/"><srw:numberOfRecords>0'
            b'</srw:numberOfRecords><srw:diagnostics><diag:diagnostic xmlns:diag="http://www.loc.gov/zing/srw/'
            b'diagnostic/"><diag:uri>info:srw/diagnostic/1/10</diag:uri><diag:message>Query syntax error'
            b'</diag:message></diag:diagnostic></srw:diagnostics></srw:searchRetrieveResponse>')
    with pytest.raises(BwbError, match="Query syntax error"):
        list(parse_sru(xml(search_url("x"), body)))


def test_a_manifest_without_versions_is_an_error():
    with pytest.raises(BwbError, match="lists no XML version"):
        list(parse_manifest(xml(MANIFEST, b'<work label="BWBR0002458"><metadata/></work>')))


def test_a_tracked_article_missing_from_the_current_version_is_an_error_after_the_rest():
    url = f"{REPOSITORY}/bwb/BWBR0001854/2024-07-01_0/xml/BWBR0001854_2024-07-01_0.xml"
    response = xml(url, open("tests/examples/wetten_overheid/BWBR0001854_2024-07-01_0.xml", "rb").read(),
                   instruments=["nl-sr-139h"], first=True, expressions=[],
                   targets=[{"instrument_id": "nl-sr-139h", "key": "Artikel139h"},
                            {"instrument_id": "nl-sr-139h", "key": "Artikel254ba"}])
    results = []
    with pytest.raises(BwbError, match="no article Artikel254ba"):
        for result in parse_toestand(response):
            results.append(result)
    assert [r["id"] for r in results] == ["nl-sr-139h", "nl-sr-139h/Artikel139h"]


def test_a_repealed_article_is_marked_repealed():
    body = (b'<toestand bwb-id="BWBR0001854"><wetgeving soort="wet"><citeertitel>Wetboek van Strafrecht</citeertitel>'
            b'<artikel label="Artikel 139h" inwerking="2024-07-01" status="vervallen" bwb-ng-variabel-deel='
            b'"/BoekTweede/TiteldeelV/Artikel139h"><kop><label>Artikel</label><nr>139h</nr></kop>'
            b'<al>[Vervallen per 01-07-2024]</al></artikel></wetgeving></toestand>')
    [_, provision] = parse_toestand(xml(TREATY.replace("BWBV0001109", "BWBR0001854"), body))
    assert provision["in_force_status"] == "repealed" and provision["valid_from"] == "2024-07-01"


# --------------------------------------------------------------------------- search


def test_sru_gives_one_candidate_per_regulation_and_follows_next_record_position():
    body = open("tests/examples/wetten_overheid/sru_beeldmateriaal.xml", "rb").read().replace(
        b"</srw:records>", b"</srw:records><srw:nextRecordPosition>4</srw:nextRecordPosition>")
    results = list(parse_sru(xml(search_url("q"), body, query="q", since="2025-01-01")))
    candidates = [r for r in results if not isinstance(r, scrapy.Request)]
    [next_page] = [r for r in results if isinstance(r, scrapy.Request)]
    # --since drops regulations not modified since; the rest are kept once each.
    assert [c["id"] for c in candidates] == ["bwbr0001854"]
    assert "startRecord=4" in next_page.url and next_page.url.startswith(SRU)
    assert next_page.meta == {"query": "q", "since": "2025-01-01"}


# --------------------------------------------------------------------------- the spider


TRACKED = [
    {"id": "nl-sr-139h", "source_identifier": "BWBR0001854", "provisions": [{"label": "139h", "key": "Artikel139h"}]},
    {"id": "nl-sr-240b", "source_identifier": "BWBR0001854", "provisions": [{"label": "240b", "key": "Artikel240b"},
                                                                           {"label": "240b lid 1"}]},
]


def test_start_asks_one_manifest_per_code_for_every_curated_article_then_searches():
    spider = WettenOverheidSpider(tracked=TRACKED)
    requests = asyncio.run(_collect(spider))
    [manifest] = [r for r in requests if r.meta["tracked"]]
    assert manifest.url == f"{REPOSITORY}/bwb/BWBR0001854/manifest.xml"
    assert manifest.meta["instruments"] == ["nl-sr-139h", "nl-sr-240b"]
    assert manifest.meta["targets"] == [{"instrument_id": "nl-sr-139h", "key": "Artikel139h"},
                                        {"instrument_id": "nl-sr-240b", "key": "Artikel240b"}]
    assert [r.meta["query"] for r in requests if not r.meta["tracked"]] == list(SEARCH_TERMS)


async def _collect(spider):
    return [request async for request in spider.start()]


def test_both_official_hosts_go_to_the_mirror_and_come_back_to_their_own_host():
    spider = WettenOverheidSpider(base_url="http://127.0.0.1:8999/mirror")
    assert spider.official_hosts() == {"repository.officiele-overheidspublicaties.nl", "zoekservice.overheid.nl"}
    search = search_url('overheidbwb.titel any "deepfake"')
    file = f"{REPOSITORY}/bwb/BWBR0001854/manifest.xml"
    for official in (search, file):
        mirrored = spider.to_download_url(official)
        assert mirrored.startswith("http://127.0.0.1:8999/mirror/")
        assert spider.to_official_url(mirrored) == official


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_every_wording_of_the_tracked_articles(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "wetten_overheid")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    article = db["provisions"].get("nl-sr-139h/Artikel139h")
    assert article["language"] == "nl" and article["source"] == "wetten_overheid"
    assert article["valid_from"] == "2020-01-01" and article["in_force_status"] == "in_force"
    assert "afbeelding van seksuele aard" in article["text"]
    current = db["provisions"].get("nl-sr-240b/Artikel240b")
    assert current["valid_from"] == "2024-07-01" and "zes jaren" in current["text"]
    versions = list(db.query("SELECT valid_from, valid_to, text FROM provision_versions WHERE provision_id = ? "
                             "ORDER BY valid_from", ["nl-sr-240b/Artikel240b"]))
    assert [(v["valid_from"], v["valid_to"]) for v in versions] == [("2010-01-01", "2024-07-01"), ("2024-07-01", None)]
    assert "vier jaren" in versions[0]["text"]
    assert db["instruments"].get("nl-sr-139h")["title"].startswith("Wetboek van Strafrecht, artikel 139h")
    assert "bwbr0049524" in {row["id"] for row in db["candidate_instruments"].rows}
    # Every file was asked once: the walk shares versions between articles and stops at the first.
    toestanden = [path for path in server.requests if "/xml/" in path]
    assert sorted(toestanden) == sorted(set(toestanden)) and len(toestanden) == 3
