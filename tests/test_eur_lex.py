"""EUR-Lex and CELLAR: the parsers on every real capture, bad input, the SOAP search
(faults, paging, credentials added only on the way out) and a crawl into SQLite."""

import asyncio
import re
from pathlib import Path

import pytest
import scrapy
import sqlite_utils
import yaml
from conftest import PROJECT, archive_of, crawl, sample
from fixture_server import FixtureServer
from scrapy.http import HtmlResponse, XmlResponse

from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.eur_lex import (
    SEARCH_QUERIES,
    WS_ENV,
    WSSE_SLOT,
    EurLexSpider,
    SoapFault,
    WsSecurityMiddleware,
    article_number,
    celex_of,
    curated_instrument_id,
    instrument_id,
    parse_notice,
    parse_search,
    parse_xhtml,
    point_key,
    search_request,
)

EXAMPLES = Path(__file__).parent / "examples" / "eur_lex"
WS_URL = "https://eur-lex.europa.eu/EURLexWebService"
FAKE_USER, FAKE_PASSWORD = "atlas-test-user-5e1f", "pa55-<&>-word-9c3d"


def records(name: str, url: str, meta: dict | None = None) -> list[dict]:
    return parse_file("eur_lex", sample("eur_lex", name), url, meta)


# --- real captures (../shared/samples/eur_lex), read in place ---


def test_real_html_capture_2015_flat_dialect():
    found = records("modern_1_raw.html", "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:32013R0575")
    by_id = {r["id"]: r for r in found}
    assert {r["instrument_id"] for r in found} == {"eu-reg-2013-575"}
    assert {r["language"] for r in found} == {"en"}
    # Articles 1-4 and 521 are in the capture; nothing from the recitals or the signatures.
    assert sorted({r["id"].split("/")[1].split(".")[0] for r in found}) == ["art_1", "art_2", "art_3", "art_4", "art_521"]
    assert by_id["eu-reg-2013-575/art_1"]["heading"] == "Scope"
    assert by_id["eu-reg-2013-575/art_1.pnt_b"]["text"] == "(b) requirements limiting large exposures;"
    definitions = by_id["eu-reg-2013-575/art_4.par_1"]["text"]
    assert definitions.startswith("1. For the purposes of this Regulation, the following definitions shall apply:\n(1) ")
    # A point within a point stays in its parent's text, on its own line.
    assert "\n(a) credit institutions;\n(b) local firms;\n" in by_id["eu-reg-2013-575/art_4.par_1.pnt_2"]["text"]
    assert by_id["eu-reg-2013-575/art_521.par_2.pnt_b"]["text"] == "(b) Article 413(1), which shall apply from 1 January 2016;"
    assert by_id["eu-reg-2013-575/art_521"]["url"].endswith("?uri=CELEX:32013R0575#art_521")
    assert "Done at" not in by_id["eu-reg-2013-575/art_521"]["text"]


def test_real_formex_capture_gdpr_inside_a_wrapper():
    [act, *provisions] = records("document_1.xml", "https://publications.europa.eu/resource/cellar/x.0006.02/DOC_1")
    assert act["type"] == "instrument" and act["id"] == "eu-reg-2016-679"
    assert act["title"].startswith("Regulation (EU) 2016/679 of the European Parliament and of the Council of 27 April 2016")
    assert act["date_enacted"] == "2016-04-27" and act["language"] == "en" and act["kind"] == "regulation"
    assert {"scheme": "CELEX", "value": "32016R0679"} in act["identifiers"]
    assert {"scheme": "ELI", "value": "http://data.europa.eu/eli/reg/2016/679/oj"} in act["identifiers"]
    by_id = {p["id"]: p for p in provisions}
    assert sorted({i.split("/")[1].split(".")[0] for i in by_id}) == ["art_1", "art_12", "art_13", "art_14", "art_2", "art_4"]
    # Quotation marks from QUOT.START/QUOT.END; the footnote of recital 3 is not an article.
    assert by_id["eu-reg-2016-679/art_4.pnt_1"]["text"].startswith("(1) ‘personal data’ means any information")
    assert by_id["eu-reg-2016-679/art_2.par_2.pnt_b"]["label"] == "Art. 2(2)(b)"
    assert by_id["eu-reg-2016-679/art_13"]["heading"].startswith("Information to be provided where personal data are collected")
    assert by_id["eu-reg-2016-679/art_12.par_2"]["text"] == \
        "2. The controller shall facilitate the exercise of data subject rights under Articles 2 to 4."


def test_real_branch_notice_of_a_consolidated_text():
    [act, request] = records("EN-CELEX-02009R1223-20191218.xml", "https://publications.europa.eu/resource/celex/02009R1223-20191218")
    # A consolidated version is a version of its base act: the act's id, CELEX and ELI.
    assert act["id"] == "eu-reg-2009-1223"
    assert act["identifiers"] == [{"scheme": "CELEX", "value": "32009R1223"},
                                  {"scheme": "ELI", "value": "http://data.europa.eu/eli/reg/2009/1223/oj"}]
    assert act["title"].startswith("Regulation (EC) No 1223/2009 of the European Parliament and of the Council")
    assert not act["title"].endswith(" en")
    assert act["date_enacted"] is None and act["date_in_force"] is None  # 2019-12-18 dates the consolidation
    # Only the English expression has an XHTML manifestation (Irish has Formex only).
    assert request == {"type": "request", "url": "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02009R1223-20191218"}


def test_real_tree_notice_gives_the_adopted_act_as_candidate():
    found = records("2013_449_tree.xml", "https://publications.europa.eu/resource/procedure/2013_449")
    assert [(r["type"], r["id"], r["published"]) for r in found] == [("candidate", "eu-reg-2014-248", "2014-02-26")]
    assert found[0]["matched_query"] == "procedure 2013/0449/COD"
    assert found[0]["url"] == "https://eur-lex.europa.eu/eli/reg/2014/248/oj"


def test_real_soap_result_page():
    found = records("eurlex-ws_result.xml", WS_URL, {"query": "DN = 32014R133*", "language": "en", "page": 1})
    assert [(r["id"], r["published"]) for r in found] == [("eu-reg-2014-1337", "2014-12-16"), ("eu-reg-2014-1338", "2014-12-16")]
    assert found[0]["title"].startswith("Commission Implementing Regulation (EU) No 1337/2014 of 16 December 2014")
    assert all(r["type"] == "candidate" and r["matched_query"] == "DN = 32014R133*" for r in found)


def test_real_soap_fault_is_an_error_with_its_code_and_message():
    with pytest.raises(SoapFault, match=r"^WS_QUERY_SYNTAX_ERROR: Error at line 1 character 8\."):
        records("eurlex-ws_error_response_invalid_query.xml", WS_URL)


# --- bad input: a clear error, never silent emptiness ---


def html_response(body: bytes, url="https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:32024L1385"):
    return HtmlResponse(url=url, body=body, request=scrapy.Request(url))


def xml_response(body: bytes, url=WS_URL, status=200, **meta):
    return XmlResponse(url=url, body=body, status=status, request=scrapy.Request(url, meta=meta))


def test_html_without_articles_or_empty_is_an_error():
    # EUR-Lex answers an unknown CELEX with a 200 page that says so.
    page = b"<html><head><title>EUR-Lex - 32099L9999</title></head><body><p>The requested document does not exist.</p></body></html>"
    with pytest.raises(ValueError, match="no articles"):
        list(parse_xhtml(html_response(page)))
    with pytest.raises(ValueError, match="empty page"):
        list(parse_xhtml(html_response(b"  ")))


def test_notice_errors():
    url = "https://publications.europa.eu/resource/celex/32024L1385"
    for body, message in ((b"<NOTICE><WORK>", "unreadable"), (b"<html><body>Busy</body></html>", "expected a CELLAR"),
                          (b'<NOTICE type="object"/>', "neither WORK nor DOSSIER")):
        with pytest.raises(ValueError, match=message):
            list(parse_notice(xml_response(body, url)))


def test_search_errors_and_an_empty_result():
    for body, message in ((b"", "empty answer"), (b"<html><body>Service unavailable</body></html>", "expected a SOAP"),
                          (b"not xml <", "not XML")):
        with pytest.raises(ValueError, match=message):
            list(parse_search(xml_response(body, status=503)))
    # A page that really has no hits is a result, not an error.
    assert list(parse_search(xml_response((EXAMPLES / "search-no-hits.xml").read_bytes()))) == []


def test_authentication_fault_names_its_code():
    body = (b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>'
            b'<Code xmlns="http://www.w3.org/2003/05/soap-envelope"><Value>env:Sender</Value><Subcode>'
            b"<Value>wsse:FailedAuthentication</Value></Subcode></Code>"
            b'<Reason xmlns="http://www.w3.org/2003/05/soap-envelope"><Text xml:lang="en-US">'
            b"Failed to assert identity with UsernameToken.</Text></Reason></env:Fault></env:Body></env:Envelope>")
    with pytest.raises(SoapFault, match="^FailedAuthentication: Failed to assert identity with UsernameToken. \\(HTTP 500\\)"):
        list(parse_search(xml_response(body, status=500)))


def test_the_istanbul_convention_example_reads_the_same_without_eli_subdivisions():
    # No capture shows whether EUR-Lex wraps the articles of this June 2023 OJ agreement
    # in ELI subdivisions: the flat reading of the same page must give the same provisions.
    url = "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:22023A0602(01)"
    page = (EXAMPLES / "coe-cets-210-en.html").read_bytes()
    flat = re.sub(rb'<div class="eli-[a-z-]+" id="[^"]*">|</div>', b"", page)
    assert b"eli-subdivision" not in flat
    meta = {"instrument_id": "coe-cets-210-istanbul"}
    nested, plain = (list(parse_xhtml(HtmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))))
                     for body in (page, flat))
    assert [dict(item) for item in nested] == [dict(item) for item in plain]
    assert [(p["id"], p["heading"]) for p in nested] == [("coe-cets-210-istanbul/art_33", "Psychological violence"),
                                                         ("coe-cets-210-istanbul/art_34", "Stalking"),
                                                         ("coe-cets-210-istanbul/art_40", "Sexual harassment")]
    assert nested[1]["text"].startswith("Parties shall take the necessary legislative or other measures")


def test_footnote_calls_are_not_text_and_french_article_premier():
    page = ('<html><body><div class="eli-subdivision" id="art_1"><p class="oj-ti-art">Article premier</p>'
            '<div class="eli-title"><p class="oj-sti-art">Objet</p></div>'
            '<p class="oj-normal">La présente directive établit des règles<a id="ntc1-X" href="#ntr1-X">'
            '(<span class="oj-super oj-note-tag">1</span>)</a>.</p></div></body></html>').encode()
    url = "https://eur-lex.europa.eu/legal-content/FR/TXT/HTML/?uri=CELEX:32024L1385"
    [article] = parse_xhtml(html_response(page, url))
    assert (article["id"], article["label"], article["heading"]) == ("eu-dir-2024-1385/art_1", "Art. 1", "Objet")
    assert article["text"] == "La présente directive établit des règles." and article["language"] == "fr"
    assert article_number("Article premier") == "1" and article_number("Artikel 5a") == "5a"


# --- identifiers and the curated entries ---


def test_ids_from_celex():
    assert celex_of("CELEX:32024L1385") == "32024L1385" == celex_of("<em>32024L1385</em>")
    assert celex_of("ukpga/2003/42") is None
    assert instrument_id("32024R1689") == "eu-reg-2024-1689"
    assert instrument_id("32022R2065") == "eu-reg-2022-2065"
    assert instrument_id("52013PC0937") == "eu-celex-52013pc0937"
    assert curated_instrument_id("CELEX:02009R1223-20191218") == "eu-reg-2009-1223"
    # A treaty in the Official Journal (sector 2) is no EU act of its own: it keeps its curated id.
    assert celex_of("CELEX:22023A0602(01)") == "22023A0602(01)"
    assert curated_instrument_id("CELEX:22023A0602(01)") is None
    assert instrument_id("22023A0602(01)") == "eu-celex-22023a0602-01"
    assert [point_key(m) for m in ("(a)", "a)", "(60)", "(iv)", "—")] == ["a", "a", "60", "iv", None]


def test_every_curated_eur_lex_instrument_has_the_spiders_id_and_keys_it_can_fill():
    entries = yaml.safe_load((PROJECT / "data" / "instruments" / "europe.yaml").read_text(encoding="utf-8"))
    tracked = [e for e in entries if e.get("source") == "eur_lex"]
    assert {e["id"] for e in tracked} == {"eu-dir-2024-1385", "eu-reg-2022-2065", "eu-reg-2024-1689", "coe-cets-210-istanbul"}
    for entry in tracked:
        # An EU act gets the spider's id; a treaty the OJ publishes keeps its curated one.
        assert curated_instrument_id(entry["source_identifier"]) in (entry["id"], None)
        assert (curated_instrument_id(entry["source_identifier"]) is None) == (entry["jurisdiction"] != "EU")
        for provision in entry["provisions"]:
            key = provision.get("key")
            assert key is None or key.startswith("art_"), key


# --- the SOAP request and its credentials ---


def test_search_request_never_carries_credentials_and_pages_on():
    request = search_request('DTS_SUBDOM = LEGISLATION AND TE ~ "deep fake"', "en")
    body = request.body.decode()
    assert WSSE_SLOT in body and "Password" not in body
    assert "<sear:expertQuery>DTS_SUBDOM = LEGISLATION AND TE ~ \"deep fake\"</sear:expertQuery>" in body
    assert request.meta["dont_archive"] and 500 in request.meta["handle_httpstatus_list"]
    # 2 hits shown of 120: the next page is the same query, page 2.
    page = (EXAMPLES / "search-intimate-images.xml").read_bytes().replace(b"<totalhits>2</totalhits>", b"<totalhits>120</totalhits>")
    *candidates, next_page = parse_search(xml_response(page, query="q1", language="fr"))
    assert len(candidates) == 2 and isinstance(next_page, scrapy.Request)
    assert b"<sear:page>2</sear:page>" in next_page.body and b"<sear:searchLanguage>fr</sear:searchLanguage>" in next_page.body


def test_middleware_adds_credentials_on_the_way_out_and_takes_them_back(monkeypatch):
    monkeypatch.setenv(WS_ENV[0], FAKE_USER)
    monkeypatch.setenv(WS_ENV[1], FAKE_PASSWORD)
    request = search_request("q", "en")
    clean_body = request.body
    middleware = WsSecurityMiddleware()
    middleware.process_request(request)
    sent = request.body.decode()
    assert f"<wsse:Username>{FAKE_USER}</wsse:Username>" in sent
    assert "pa55-&lt;&amp;&gt;-word-9c3d</wsse:Password>" in sent  # escaped, not raw markup
    middleware.process_response(request, None)
    assert request.body == clean_body
    middleware.process_request(request)
    middleware.process_exception(request, OSError())
    assert request.body == clean_body


def start_requests(spider) -> list:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


TRACKED = [{"id": "eu-dir-2024-1385", "jurisdiction": "EU", "language": "en", "status": "in_force", "kind": "directive",
            "source_identifier": "CELEX:32024L1385"},
           {"id": "eu-reg-2024-1689", "jurisdiction": "EU", "source_identifier": "CELEX:32024R1689"}]


def test_start_asks_cellar_for_each_tracked_act_and_searches_only_with_credentials(monkeypatch):
    for name in WS_ENV:
        monkeypatch.delenv(name, raising=False)
    requests = start_requests(EurLexSpider(tracked=TRACKED))
    assert [r.url for r in requests] == ["https://publications.europa.eu/resource/celex/32024L1385",
                                         "https://publications.europa.eu/resource/celex/32024R1689"]
    assert requests[0].headers["Accept"] == b"application/xml;notice=branch" and requests[0].meta["tracked"]
    assert requests[0].meta["instrument_id"] == "eu-dir-2024-1385" and requests[0].meta["languages"] == ["en", "fr", "de"]
    monkeypatch.setenv(WS_ENV[0], FAKE_USER)
    monkeypatch.setenv(WS_ENV[1], FAKE_PASSWORD)
    requests = start_requests(EurLexSpider(tracked=TRACKED, limit="1", base_url="http://127.0.0.1:9/mirror"))
    assert requests[0].url == "http://127.0.0.1:9/mirror/resource/celex/32024L1385"
    searches = requests[1:]
    assert len(searches) == len(SEARCH_QUERIES) and all(r.method == "POST" for r in searches)
    assert all(r.url == "http://127.0.0.1:9/mirror/EURLexWebService" for r in searches)
    assert all(FAKE_PASSWORD.encode() not in r.body for r in searches)


def test_a_treaty_in_the_official_journal_is_asked_for_with_its_curated_id_and_jurisdiction(monkeypatch):
    for name in WS_ENV:
        monkeypatch.delenv(name, raising=False)
    istanbul = {"id": "coe-cets-210-istanbul", "jurisdiction": "COE", "language": "en", "kind": "treaty",
                "status": "in_force", "citation": "CETS No. 210", "source_identifier": "CELEX:22023A0602(01)"}
    [request] = start_requests(EurLexSpider(tracked=[istanbul]))
    assert request.url == "https://publications.europa.eu/resource/celex/22023A0602(01)"
    assert (request.meta["instrument_id"], request.meta["jurisdiction"], request.meta["kind"]) == \
        ("coe-cets-210-istanbul", "COE", "treaty")


def test_the_spider_adds_its_middleware_to_the_projects_and_removes_none():
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawlers.crawling import settings as project

    settings = Settings()
    settings.setmodule(project, priority="project")
    middlewares = Crawler(EurLexSpider, settings).settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares == {**project.DOWNLOADER_MIDDLEWARES, "crawlers.sources.eur_lex.WsSecurityMiddleware": 960}


def test_mirror_responses_map_back_to_each_official_host():
    spider = EurLexSpider(base_url="http://127.0.0.1:9/m")
    assert spider.to_official_url("http://127.0.0.1:9/m/resource/celex/32024L1385") == \
        "https://publications.europa.eu/resource/celex/32024L1385"
    assert spider.to_official_url("http://127.0.0.1:9/m/legal-content/DE/TXT/HTML/?uri=CELEX:32024L1385") == \
        "https://eur-lex.europa.eu/legal-content/DE/TXT/HTML/?uri=CELEX:32024L1385"


def test_notice_example_requests_each_wanted_language_with_its_context():
    path = EXAMPLES / "notice-32024L1385-branch.xml"
    meta = {"instrument_id": "eu-dir-2024-1385", "primary_language": "en", "languages": ["en", "fr", "de", "ga"], "tracked": True}
    results = list(parse_notice(response_from_file(path, "https://publications.europa.eu/resource/celex/32024L1385", meta)))
    requests = [r for r in results if isinstance(r, scrapy.Request)]
    # Irish is wanted here but published as PDF only: no page to ask for.
    assert [r.url.split("/legal-content/")[1][:2] for r in requests] == ["EN", "FR", "DE"]
    assert all(r.meta["tracked"] and r.meta["valid_from"] == "2024-06-13" and r.meta["in_force_status"] == "in_force"
               for r in requests)


# --- a crawl from the fixture server into SQLite ---


def test_crawl_stores_the_directive_in_three_languages_and_search_candidates(built_db):
    bodies = []

    def record_posts(handler, method, path, query):
        if method == "POST":
            bodies.append(handler.request_body)
        return None

    env = {WS_ENV[0]: FAKE_USER, WS_ENV[1]: FAKE_PASSWORD}
    with FixtureServer(hook=record_posts) as server:
        result = crawl(built_db, server, "eur_lex", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    database = sqlite_utils.Database(built_db)
    texts = {(row["provision_id"], row["language"]): row for row in database.query(
        "SELECT * FROM provision_texts WHERE provision_id LIKE 'eu-dir-2024-1385/%'")}
    for language, start in (("en", "(a) making accessible to the public, by means of ICT"),
                            ("fr", "a) rendre accessibles au public, au moyen des TIC"),
                            ("de", "a) das Zugänglichmachen von Bildern")):
        row = texts[("eu-dir-2024-1385/art_5.par_1.pnt_a", language)]
        assert row["text"].startswith(start) and row["valid_from"] == "2024-06-13"
    assert texts[("eu-dir-2024-1385/art_5.par_1.pnt_b", "de")]["heading"] == \
        "Nicht einvernehmliche Weitergabe von intimem oder manipuliertem Material"
    provision = database["provisions"].get("eu-dir-2024-1385/art_5.par_1.pnt_b")
    assert provision["fetched_at"] and provision["in_force_status"] == "in_force" and provision["source"] == "eur_lex"
    act = database["instruments"].get("eu-dir-2024-1385")
    assert act["fetched_at"] and act["curated"] == 1
    identifiers = {(r["scheme"], r["value"]) for r in database.query(
        "SELECT scheme, value FROM identifiers WHERE item_id = 'eu-dir-2024-1385'")}
    assert {("CELEX", "32024L1385"), ("ELI", "http://data.europa.eu/eli/dir/2024/1385/oj")} <= identifiers
    # Search hits become candidates for review; an act we already track does not.
    candidates = {row["id"]: row for row in database["candidate_instruments"].rows}
    assert "eu-dir-2011-93" in candidates and "eu-dir-2024-1385" not in candidates
    assert candidates["eu-dir-2011-93"]["review_status"] == "to_review"
    # The Istanbul Convention, tracked through the Official Journal's publication of it:
    # its articles' English text, under its curated id and jurisdiction.
    rows = list(database.query("SELECT * FROM provision_texts WHERE provision_id LIKE 'coe-cets-210-istanbul/%'"))
    # English only: the example notice offers no other language (none was verified).
    assert sorted((row["provision_id"], row["language"]) for row in rows) == [
        ("coe-cets-210-istanbul/art_33", "en"), ("coe-cets-210-istanbul/art_34", "en"), ("coe-cets-210-istanbul/art_40", "en")]
    treaty = {row["provision_id"]: row for row in rows}
    assert all(row["valid_from"] == "2023-10-01" and row["heading"] for row in rows)
    assert "through coercion or threats is criminalised" in treaty["coe-cets-210-istanbul/art_33"]["text"]
    assert "causing her or him to fear for her or his safety" in treaty["coe-cets-210-istanbul/art_34"]["text"]
    assert "is subject to criminal or other legal sanction" in treaty["coe-cets-210-istanbul/art_40"]["text"]
    convention = database["instruments"].get("coe-cets-210-istanbul")
    assert convention["fetched_at"] and convention["curated"] == 1 and convention["jurisdiction"] == "COE"
    assert list(database.query("SELECT * FROM crawl_errors")) == []
    # The credentials went to the server, once per search, and are stored nowhere.
    assert len(bodies) == len(SEARCH_QUERIES) and all(FAKE_USER.encode() in body for body in bodies)
    for secret in (FAKE_USER, FAKE_PASSWORD, "pa55-&lt;&amp;&gt;-word-9c3d"):
        assert secret.encode() not in built_db.read_bytes()
        assert secret.encode() not in archive_of(built_db).read_bytes()
        assert secret not in result.stderr and secret not in result.stdout


def fault_for_searches(fault: bytes):
    def hook(handler, method, path, query):
        if method == "POST" and path == "/EURLexWebService":
            return 500, "application/soap+xml", fault, {}
        return None
    return hook


def test_a_soap_fault_is_a_recorded_error_not_an_empty_result(built_db):
    # Read here, not in the server's thread, so that a missing sample skips the test.
    fault = sample("eur_lex", "eurlex-ws_error_response_invalid_query.xml").read_bytes()
    env = {WS_ENV[0]: FAKE_USER, WS_ENV[1]: FAKE_PASSWORD}
    with FixtureServer(hook=fault_for_searches(fault)) as server:
        result = crawl(built_db, server, "eur_lex", env=env)
    database = sqlite_utils.Database(built_db)
    errors = list(database.query("SELECT * FROM crawl_errors"))
    assert errors and all("WS_QUERY_SYNTAX_ERROR: Error at line 1 character 8." in e["reason"] for e in errors)
    assert {e["url"] for e in errors} == {WS_URL}
    # The tracked texts still came in; the run says it was not clean.
    assert database["provisions"].get("eu-dir-2024-1385/art_5.par_1.pnt_a")["fetched_at"]
    assert list(database.query("SELECT outcome FROM crawl_runs"))[-1]["outcome"] == "partial"
    assert FAKE_PASSWORD not in result.stderr
