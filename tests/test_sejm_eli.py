"""Sejm ELI API: parsers on our examples (no real capture exists), faults, the spider's
requests, and a crawl from the fixture server into SQLite."""

import asyncio
import json

import pytest
import scrapy
import sqlite_utils
from conftest import crawl
from fixture_server import FixtureServer
from scrapy.http import HtmlResponse, TextResponse

from crawlers.parsing import parse_file
from crawlers.sources.sejm_eli import (
    ACTS, SEARCH_TERMS, SejmEliError, SejmEliSpider, citation_of, parse_act, parse_search, parse_text, search_url,
)

EXAMPLES = "tests/examples/sejm_eli"
KK = f"{ACTS}/DU/1997/553"
TEXT = f"{ACTS}/DU/2024/17/text.html"


def text(url, body: bytes, **meta):
    return TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


def page(url, body: bytes, **meta):
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


# --------------------------------------------------------------------------- act records


def test_the_act_record_gives_the_instrument_then_the_newest_consolidated_text():
    records = parse_file("sejm_eli", f"{EXAMPLES}/kk_act.json", KK,
                         {"instrument_id": "pl-kk-191a", "keys": ["arti_191a-para_1"]})
    instrument, follow = records
    assert instrument["id"] == "pl-kk-191a" and instrument["citation"] == "Dz.U. 1997 nr 88 poz. 553"
    assert (instrument["date_enacted"], instrument["date_in_force"]) == ("1997-06-06", "1998-09-01")
    assert instrument["status"] == "in_force" and instrument["language"] == "pl"
    # References list 2020/1444, 2025/383, 2022/1138, 2024/17 unordered: the newest wins.
    assert follow == {"type": "request", "url": f"{ACTS}/DU/2025/383"}


def test_the_newest_consolidated_text_comes_first_and_the_others_wait_as_fallbacks():
    body = open(f"{EXAMPLES}/kk_act.json", "rb").read()
    [_, request] = list(parse_act(text(KK, body, instrument_id="pl-kk-191a", keys=["arti_191a"])))
    assert request.meta["fallbacks"] == ["DU/2024/17", "DU/2022/1138", "DU/2020/1444"]
    assert request.meta["consolidates"] == "DU/1997/553" and request.meta["tracked"] is True


def test_without_keys_the_record_is_only_the_instrument():
    body = open(f"{EXAMPLES}/kk_act.json", "rb").read()
    [instrument] = list(parse_act(text(KK, body)))
    assert instrument["id"] == "pl-du-1997-553"


def test_a_pdf_only_consolidated_text_leads_to_the_next_one_which_is_marked_superseded():
    body = open(f"{EXAMPLES}/kk_tj_2025_383.json", "rb").read()
    [request] = list(parse_act(text(f"{ACTS}/DU/2025/383", body, instrument_id="pl-kk-191a", keys=["arti_191a"],
                                    consolidates="DU/1997/553", fallbacks=["DU/2024/17"])))
    assert request.url == f"{ACTS}/DU/2024/17" and request.meta["fallbacks"] == []
    assert request.meta["superseded_by"] == "DU/2025/383"
    # ...and its text is read knowing that: no in-force status is claimed.
    text_request = next(parse_act(text(f"{ACTS}/DU/2024/17", open(f"{EXAMPLES}/kk_tj_2024_17.json", "rb").read(),
                                       **request.meta)))
    assert text_request.meta["superseded_by"] == "DU/2025/383"
    html = open(f"{EXAMPLES}/kk_tj_2024_17_text.html", "rb").read()
    [provision] = list(parse_text(page(TEXT, html, **{**text_request.meta, "later_amendments": 0})))
    assert provision["in_force_status"] is None


def test_a_pdf_only_text_with_no_fallback_left_is_an_error():
    body = open(f"{EXAMPLES}/kk_tj_2025_383.json", "rb").read()
    with pytest.raises(SejmEliError, match="no consolidated text of DU/1997/553 has an HTML text"):
        list(parse_act(text(f"{ACTS}/DU/2025/383", body, keys=["arti_191a"], consolidates="DU/1997/553")))


def test_a_consolidated_text_of_another_act_is_refused():
    body = open(f"{EXAMPLES}/kk_tj_2024_17.json", "rb").read()
    with pytest.raises(SejmEliError, match="does not say it consolidates DU/1964/93"):
        list(parse_act(text(f"{ACTS}/DU/2024/17", body, keys=["arti_1"], consolidates="DU/1964/93")))


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body><h1>Not Found</h1></body></html>", "an HTML page where the API's JSON was expected"),
    (b"[1, 2]", "expected a JSON object"),
    (b"{not json", "not JSON"),
    (b'{"title": "Ustawa"}', "without its ELI"),
])
def test_bad_act_bodies_raise_clear_errors(body, message):
    with pytest.raises(SejmEliError, match=message):
        list(parse_act(text(KK, body)))


# --------------------------------------------------------------------------- text.html


def test_the_tracked_units_are_read_from_the_law_not_from_the_notice_quoting_other_articles():
    records = parse_file("sejm_eli", f"{EXAMPLES}/kk_tj_2024_17_text.html", TEXT,
                         {"instrument_id": "pl-kk-191a", "keys": ["arti_191a-para_1", "arti_191a-para_2"],
                          "text_of": "DU/2024/17", "later_amendments": 0})
    first, second = records
    assert first["id"] == "pl-kk-191a/arti_191a-para_1" and first["label"] == "art. 191a § 1"
    assert first["text"].startswith("§ 1. Kto utrwala wizerunek nagiej osoby")
    assert first["text"].endswith("od 3 miesięcy do lat 5.")
    assert second["text"] == "§ 2. Ściganie następuje na wniosek pokrzywdzonego."
    assert first["in_force_status"] == "in_force" and first["language"] == "pl"
    assert first.get("valid_from") is None and first.get("valid_to") is None


def test_untracked_text_gives_every_article_of_the_law_only():
    records = parse_file("sejm_eli", f"{EXAMPLES}/kk_tj_2024_17_text.html", TEXT)
    # arti_22 is quoted inside the notice's own point 2.1): not an article of the Code.
    assert [r["id"] for r in records] == ["pl-du-2024-17/arti_191a", "pl-du-2024-17/arti_202"]
    assert records[1]["text"].split("\n")[1] == "§ 2. (uchylony)"


def test_a_missing_unit_is_an_error_after_the_units_found():
    body = open(f"{EXAMPLES}/kk_tj_2024_17_text.html", "rb").read()
    results = parse_text(page(TEXT, body, keys=["arti_191a", "arti_999-para_1"], text_of="DU/2024/17"))
    assert next(results)["id"] == "pl-du-2024-17/arti_191a"
    with pytest.raises(SejmEliError, match="no unit arti_999-para_1"):
        next(results)


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b'{"message": "not found"}', "JSON where the act's HTML text was expected"),
    (b"<html><body><p>Przerwa techniczna</p></body></html>", "no article"),
])
def test_bad_text_bodies_raise_clear_errors(body, message):
    with pytest.raises(SejmEliError, match=message):
        list(parse_text(page(TEXT, body)))


def test_keys_must_be_unit_paths():
    body = open(f"{EXAMPLES}/kk_tj_2024_17_text.html", "rb").read()
    with pytest.raises(SejmEliError, match="not a unit path"):
        list(parse_text(page(TEXT, body, keys=["191a § 1"])))


def test_citation_of_a_unit_path():
    assert citation_of("arti_191a-para_1") == "art. 191a § 1"
    assert citation_of("arti_24a-pass_1-pint_2-lett_a") == "art. 24a ust. 1 pkt 2 lit. a"


# --------------------------------------------------------------------------- search


def test_a_search_page_short_of_the_total_asks_for_the_next_offset():
    body = open(f"{EXAMPLES}/search_kk_page1.json", "rb").read()
    results = list(parse_search(text(search_url("x"), body, query="x", page=1)))
    [next_page] = [r for r in results if isinstance(r, scrapy.Request)]
    assert "offset=2" in next_page.url and next_page.meta == {"query": "x", "page": 2}


def test_the_last_page_and_an_empty_search_ask_for_nothing_more():
    for name in ("search_kk_page2.json", "search_empty.json"):
        body = open(f"{EXAMPLES}/{name}", "rb").read()
        assert not [r for r in parse_search(text(search_url("x"), body)) if isinstance(r, scrapy.Request)]


def test_since_keeps_only_newer_candidates():
    body = open(f"{EXAMPLES}/search_kk_page1.json", "rb").read()
    ids = [r["id"] for r in parse_search(text(search_url("x"), body, since="2020-01-01"))
           if not isinstance(r, scrapy.Request)]
    assert ids == ["pl-du-2023-1834"]


def test_a_search_error_object_is_an_error_not_an_empty_result():
    with pytest.raises(SejmEliError, match="not a search answer.*Invalid parameter"):
        list(parse_search(text(search_url("x"), json.dumps({"message": "Invalid parameter: limit"}).encode())))


# --------------------------------------------------------------------------- the spider


TRACKED = [
    {"id": "pl-kk-191a", "jurisdiction": "PL", "source_identifier": "DU/1997/553",
     "provisions": [{"label": "191a § 1", "key": "arti_191a-para_1"}, {"label": "191a § 2", "key": "arti_191a-para_2"}]},
    {"id": "pl-kk-202-4b", "jurisdiction": "PL", "source_identifier": "DU/1997/553",
     "provisions": [{"label": "202 § 4b", "key": "arti_202-para_4b"}]},
    {"id": "pl-bad", "jurisdiction": "PL", "source_identifier": "WDU19970880553", "provisions": []},
]


async def collect(spider):
    return [request async for request in spider.start()]


def test_start_asks_each_curated_instrument_under_its_own_id_then_searches():
    requests = asyncio.run(collect(SejmEliSpider(tracked=TRACKED)))
    tracked = [r for r in requests if r.meta["tracked"]]
    assert [(r.url, r.meta["instrument_id"], r.meta["keys"]) for r in tracked] == [
        (KK, "pl-kk-191a", ["arti_191a-para_1", "arti_191a-para_2"]),
        (KK, "pl-kk-202-4b", ["arti_202-para_4b"]),
    ]
    assert all(r.dont_filter for r in tracked)
    assert [r.meta["query"] for r in requests if not r.meta["tracked"]] == list(SEARCH_TERMS)


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_the_tracked_provisions(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "sejm_eli")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    paragraph = db["provisions"].get("pl-kk-191a/arti_191a-para_1")
    assert paragraph["source"] == "sejm_eli" and paragraph["language"] == "pl"
    assert "wizerunek nagiej osoby" in paragraph["text"]
    assert paragraph["url"] == f"{ACTS}/DU/2024/17/text.html"
    assert "Ściganie następuje na wniosek" in db["provisions"].get("pl-kk-191a/arti_191a-para_2")["text"]
    minors = db["provisions"].get("pl-kk-202-4b/arti_202-para_4b")
    assert "wytworzony albo przetworzony wizerunek małoletniego" in minors["text"]
    # Amended after the 2024 consolidated text: no in-force status is claimed for it.
    assert minors["in_force_status"] is None
    assert db["instruments"].get("pl-kk-191a")["title"].startswith("Kodeks karny, art. 191a")
    # The newest consolidated text being PDF only is the usual publication lag, not an error.
    assert not list(db.query("SELECT * FROM crawl_errors"))
    candidates = {row["id"] for row in db["candidate_instruments"].rows}
    assert {"pl-du-2023-1834", "pl-du-2009-1589", "pl-du-2008-1344"} <= candidates
    assert "pl-kk-191a" not in candidates


def test_an_act_the_api_does_not_have_is_a_recorded_tracked_failure(built_db):
    def missing(handler, method, path, query):
        if path == "/eli/acts/DU/1997/553":
            return 404, "text/html", b"<html><body>Not Found</body></html>", {}
        return None

    with FixtureServer(hook=missing) as server:
        result = crawl(built_db, server, "sejm_eli")
    assert result.returncode == 1
    db = sqlite_utils.Database(built_db)
    errors = list(db.query("SELECT status, kind FROM crawl_errors WHERE url = ?", [KK]))
    assert errors and errors[0]["status"] == 404
