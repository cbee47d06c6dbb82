"""Riksdagen open data: parsers on our examples (no real capture exists), dated versions,
faults, the spider's requests, and a crawl from the fixture server into SQLite."""

import asyncio
import json

import pytest
import scrapy
import sqlite_utils
from conftest import crawl
from fixture_server import FixtureServer
from scrapy.http import TextResponse

from crawlers.parsing import parse_file
from crawlers.sources.riksdagen import (
    OFFICIAL, SEARCH_TERMS, RiksdagenError, RiksdagenSpider, dok_id_for, official, parse_document, parse_search,
    search_url,
)

EXAMPLES = "tests/examples/riksdagen"
BRB = f"{OFFICIAL}/dokument/sfs-1962-700.json"


def text(url, body: bytes, **meta):
    return TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


def brb_body() -> bytes:
    return open(f"{EXAMPLES}/brb.json", "rb").read()


def with_html(html: str) -> bytes:
    document = json.loads(brb_body())
    document["dokumentstatus"]["dokument"]["html"] = html
    return json.dumps(document).encode()


# --------------------------------------------------------------------------- documents


def test_the_tracked_paragraphs_with_their_chapter_label_and_heading():
    instrument, first, second = parse_file("riksdagen", f"{EXAMPLES}/brb.json", BRB,
                                           {"instrument_id": "se-brb-4-6c-6d", "keys": ["K4P6c", "K4P6d"],
                                            "today": "2026-11-30"})
    assert instrument["citation"] == "SFS 1962:700" and instrument["kind"] == "code_provisions"
    assert (instrument["date_enacted"], instrument["date_in_force"]) == ("1962-12-21", "1965-01-01")
    assert first["id"] == "se-brb-4-6c-6d/K4P6c" and first["label"] == "4 kap. 6 c §"
    assert first["heading"] == "Olaga integritetsintrång" and first["language"] == "sv"
    assert "5. bild av helt eller delvis naken kropp," in first["text"].split("\n")
    assert first["text"].endswith("Lag (2017:1136).")
    assert second["label"] == "4 kap. 6 d §" and "lägst sex månader och högst fyra år" in second["text"]
    assert first["in_force_status"] == "in_force"


def test_a_paragraph_shown_twice_is_one_provision_with_two_dated_versions():
    records = parse_file("riksdagen", f"{EXAMPLES}/brb.json", BRB, {"today": "2026-11-30"})
    versions = [r for r in records if r.get("id") == "se-sfs-1962-700/K1P3"]
    assert [(v["valid_from"], v["valid_to"], v["in_force_status"]) for v in versions] == [
        (None, "2026-04-15", None), ("2026-04-15", None, "in_force")]
    assert "säkerhetsförvaring" in versions[1]["text"] and "säkerhetsförvaring" not in versions[0]["text"]
    assert not any("/" in v["text"] for v in versions)  # the markers are dates, not words of the law
    # Untracked: every paragraph, the table of contents left out.
    assert [r["id"] for r in records if r["type"] == "provision"] == [
        "se-sfs-1962-700/K1P1", "se-sfs-1962-700/K1P3", "se-sfs-1962-700/K1P3", "se-sfs-1962-700/K4P6c",
        "se-sfs-1962-700/K4P6d", "se-sfs-1962-700/K16P10a"]


def test_a_version_not_yet_in_force_is_prospective():
    records = parse_file("riksdagen", f"{EXAMPLES}/brb.json", BRB, {"keys": ["K1P3"], "today": "2026-01-01"})
    assert [r["in_force_status"] for r in records if r["type"] == "provision"] == ["in_force", "prospective"]


def test_a_missing_paragraph_is_an_error_after_those_found():
    results = parse_document(text(BRB, brb_body(), keys=["K4P6c", "K4P99"]))
    assert next(results)["id"] == "se-sfs-1962-700"  # the instrument
    assert next(results)["id"] == "se-sfs-1962-700/K4P6c"
    with pytest.raises(RiksdagenError, match="no paragraph K4P99"):
        list(results)


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<!DOCTYPE html><html><body>Sidan kunde inte hittas</body></html>", "an HTML page where the API's JSON"),
    (b"{oops", "not JSON"),
    (b'{"dokumentstatus": null}', "no dokumentstatus.dokument"),
    (json.dumps({"dokumentstatus": {"dokument": {"dok_id": "HA01JuU10", "doktyp": "bet", "html": "<p>x</p>"}}}).encode(),
     "not an SFS statute"),
])
def test_bad_document_bodies_raise_clear_errors(body, message):
    with pytest.raises(RiksdagenError, match=message):
        list(parse_document(text(BRB, body)))


def test_a_statute_without_text_or_anchors_is_an_error():
    with pytest.raises(RiksdagenError, match="has no text"):
        list(parse_document(text(BRB, with_html(""))))
    with pytest.raises(RiksdagenError, match="no paragraph anchors"):
        list(parse_document(text(BRB, with_html("<p><b>SFS nr</b>: 1962:700</p><hr /><div>Text.</div>"))))


def test_source_identifiers_map_to_dok_ids():
    assert dok_id_for("SFS 1962:700") == dok_id_for("1962:700") == dok_id_for("sfs-1962-700") == "sfs-1962-700"
    assert dok_id_for("Brottsbalken") is None


# --------------------------------------------------------------------------- search


def test_the_next_page_is_the_sources_own_link_over_https():
    body = open(f"{EXAMPLES}/search_integritet_p1.json", "rb").read()
    [next_page] = [r for r in parse_search(text(search_url("x"), body, query="x", page=1))
                   if isinstance(r, scrapy.Request)]
    assert next_page.url.startswith("https://data.riksdagen.se/dokumentlista/?") and "p=2" in next_page.url
    assert next_page.meta == {"query": "x", "page": 2}


def test_a_next_page_on_another_host_is_refused():
    with pytest.raises(RiksdagenError, match="another host"):
        official("http://example.org/dokumentlista/?p=2")


def test_since_keeps_only_newer_candidates():
    body = open(f"{EXAMPLES}/search_integritet_p1.json", "rb").read()
    ids = [r["id"] for r in parse_search(text(search_url("x"), body, since="2000-01-01")) if not isinstance(r, scrapy.Request)]
    assert ids == ["se-sfs-2017-1136"]


@pytest.mark.parametrize("body,message", [
    (b'{"error": "Ogiltig parameter"}', "no dokumentlista"),
    (b"<html><body>Serverfel</body></html>", "an HTML page"),
])
def test_bad_search_bodies_raise_clear_errors(body, message):
    with pytest.raises(RiksdagenError, match=message):
        list(parse_search(text(search_url("x"), body)))


# --------------------------------------------------------------------------- the spider


def test_start_asks_each_curated_statute_as_json_then_searches():
    tracked = [{"id": "se-brb-4-6c-6d", "source_identifier": "SFS 1962:700",
                "provisions": [{"label": "4 kap. 6 c §", "key": "K4P6c"}, {"label": "4 kap. 6 d §", "key": "K4P6d"}]},
               {"id": "se-bad", "source_identifier": "Brottsbalken", "provisions": []}]
    requests = asyncio.run(collect(RiksdagenSpider(tracked=tracked)))
    [brb] = [r for r in requests if r.meta["tracked"]]
    assert brb.url == BRB and brb.meta["keys"] == ["K4P6c", "K4P6d"] and brb.meta["instrument_id"] == "se-brb-4-6c-6d"
    assert [r.meta["query"] for r in requests if not r.meta["tracked"]] == list(SEARCH_TERMS)


async def collect(spider):
    return [request async for request in spider.start()]


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_the_tracked_paragraphs(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "riksdagen")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    paragraph = db["provisions"].get("se-brb-4-6c-6d/K4P6c")
    assert paragraph["source"] == "riksdagen" and paragraph["language"] == "sv"
    assert "bild av helt eller delvis naken kropp" in paragraph["text"]
    assert paragraph["in_force_status"] == "in_force"
    assert "grovt olaga integritetsintrång" in db["provisions"].get("se-brb-4-6c-6d/K4P6d")["text"]
    assert db["instruments"].get("se-brb-4-6c-6d")["title"].startswith("Brottsbalken 4 kap. 6 c")
    candidates = {row["id"] for row in db["candidate_instruments"].rows}
    assert {"se-sfs-1962-700", "se-sfs-2017-1136", "se-sfs-2018-218"} <= candidates
    assert not list(db.query("SELECT * FROM crawl_errors"))


def test_a_statute_the_api_does_not_have_is_a_recorded_tracked_failure(built_db):
    def missing(handler, method, path, query):
        if path == "/dokument/sfs-1962-700.json":
            return 404, "text/html", b"<html><body>Sidan kunde inte hittas</body></html>", {}
        return None

    with FixtureServer(hook=missing) as server:
        result = crawl(built_db, server, "riksdagen")
    assert result.returncode == 1
    db = sqlite_utils.Database(built_db)
    assert [row["status"] for row in db.query("SELECT status FROM crawl_errors WHERE url = ?", [BRB])] == [404]
    # Nothing lost: the curated text of the instrument stays.
    assert db["instruments"].get("se-brb-4-6c-6d")["title"].startswith("Brottsbalken")
