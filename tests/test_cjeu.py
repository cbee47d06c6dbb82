"""CJEU case law via CELLAR and EUR-Lex: the notice and judgment parsers on our examples
(both notice shapes, both HTML dialects), bad answers, and a crawl from the fixture server
into SQLite whose decisions link to the tracked EU instruments."""

import sqlite3

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample, sii_atlas
from scrapy.http import HtmlResponse, TextResponse

from crawlers.sources.cjeu import (CjeuSpider, act_title, case_id_for_url, parse_judgment, parse_notice, parse_sparql,
                                   subject_query)
from fixture_server import FixtureServer

EXAMPLES = __import__("pathlib").Path(__file__).parent / "examples" / "cjeu"
NOTICE_URL = "https://publications.europa.eu/resource/celex/{}"
SPARQL_URL = "https://publications.europa.eu/webapi/rdf/sparql?format=application%2Fsparql-results%2Bjson"


def response(url, body, status=200, cls=TextResponse, **meta):
    return cls(url=url, body=body, status=status, encoding="utf-8", request=scrapy.Request(url, meta=meta))


def notice(celex, file_name):
    return response(NOTICE_URL.format(celex), (EXAMPLES / file_name).read_bytes())


def test_a_branch_notice_gives_the_judgments_metadata_and_asks_for_its_english_text():
    (request,) = parse_notice(notice("62012CJ0131", "notice-62012CJ0131-branch.xml"))
    assert request.url == "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:62012CJ0131"
    case = request.meta["case"]
    assert case["court"] == "Court of Justice of the European Union (Grand Chamber)"
    assert case["decision_date"] == "2014-05-13" and case["citation"] == "C-131/12, ECLI:EU:C:2014:317"
    assert case["name"].startswith("Google Spain SL and Google Inc. v Agencia Española")
    # The Court's non-breaking hyphen (U+2011) in "C‑131/12" is written as a hyphen.
    assert {"scheme": "DOCKET", "value": "C-131/12"} in case["identifiers"]
    # Acts of sector 3 only (the cited judgment 62009CJ0324 is not legislation), with articles.
    assert [entry["title"] for entry in case["cited_legislation"]] == [
        "Article 12(b) of Directive 1995/46", "Article 14 of Directive 1995/46", "Directive 2000/31"]
    assert request.meta["expects"] == ("case", "cjeu-62012cj0131")


def test_an_object_notice_and_an_embedded_act_are_read_too():
    (request,) = parse_notice(notice("62023CJ0492", "notice-62023CJ0492-object.xml"))
    case = request.meta["case"]
    # No EXPRESSION_CASE-LAW_PARTIES: the parties come from the title's second part.
    assert case["name"] == "X v Russmedia Digital SRL and Inform Media Press SRL"
    assert "Article 14 of Directive 2000/31" in [e["title"] for e in case["cited_legislation"]]  # EMBEDDED_NOTICE
    assert "Article 6 of Regulation 2022/2065" in [e["title"] for e in case["cited_legislation"]]


def test_an_opinion_without_english_html_is_stored_from_its_notice_alone():
    (case,) = parse_notice(notice("62018CC0018", "notice-62018CC0018-branch.xml"))
    assert case["id"] == "cjeu-62018cc0018" and case["text"] is None
    assert case["court"] == "Court of Justice of the European Union (Advocate General Szpunar)"
    assert case["name"].endswith("(Opinion of Advocate General Szpunar)")


def test_both_html_dialects_give_numbered_paragraphs():
    url = "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:{}"
    (old,) = parse_judgment(response(url.format("62012CJ0131"), (EXAMPLES / "judgment-62012CJ0131-en.html").read_bytes(),
                                     cls=HtmlResponse))
    assert "\n94 Even accurate data may" in old["text"]
    (new,) = parse_judgment(response(url.format("62023CJ0492"), (EXAMPLES / "judgment-62023CJ0492-en.html").read_bytes(),
                                     cls=HtmlResponse, case={"id": "cjeu-62023cj0492", "jurisdiction": "EU",
                                                             "name": "X", "url": "u", "source": "cjeu"}))
    assert "\n60 The operator of an online marketplace" in new["text"] and new["name"] == "X"


def test_a_page_without_numbered_paragraphs_is_an_error():
    page = b"<html><head><title>EUR-Lex - The requested document does not exist.</title></head><body></body></html>"
    url = "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:62099CJ0001"
    with pytest.raises(ValueError, match="no numbered paragraphs.*does not exist"):
        list(parse_judgment(response(url, page, cls=HtmlResponse)))
    with pytest.raises(ValueError, match="empty page"):
        list(parse_judgment(response(url, b"", cls=HtmlResponse)))


def test_a_legislation_notice_is_not_a_decision():
    body = sample("eur_lex", "EN-CELEX-02009R1223-20191218.xml").read_bytes()
    with pytest.raises(ValueError, match="not a decision of the Court"):
        list(parse_notice(response(NOTICE_URL.format("02009R1223-20191218"), body)))
    with pytest.raises(ValueError, match="expected a CELLAR <NOTICE>"):
        list(parse_notice(response(NOTICE_URL.format("62012CJ0131"), b"<html><body>maintenance</body></html>")))


@pytest.mark.parametrize("status, body, message", [
    (400, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 4: syntax error", "HTTP 400.*SP030"),
    (200, b"", "empty body"),
    (200, b"<html><body>Service unavailable</body></html>", "not JSON results"),
    (200, b'{"head": {}}', "not a SPARQL JSON result"),
])
def test_sparql_errors_are_errors(status, body, message):
    with pytest.raises(ValueError, match=message):
        list(parse_sparql(response(SPARQL_URL, body, status=status)))


def test_sparql_keeps_decisions_only_and_the_limit():
    body = (EXAMPLES / "sparql-subject.json").read_bytes()
    assert [r.url.rsplit("/", 1)[1] for r in parse_sparql(response(SPARQL_URL, body))] == [
        "62023CJ0492", "62018CC0018", "62012CJ0131"]  # not the regulation 32016R0679
    assert len(list(parse_sparql(response(SPARQL_URL, body, limit=1)))) == 1
    assert 'FILTER(?date >= "2024-01-01"^^xsd:date)' in subject_query("2024-01-01")
    assert "<http://publications.europa.eu/resource/celex/32022R2065>" in subject_query()


def test_ids_and_titles():
    assert case_id_for_url("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62012CJ0131") == "cjeu-62012cj0131"
    assert case_id_for_url("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024L1385") is None
    assert act_title("32016R0679", "A09P2PTa") == "Article 9(2)(a) of Regulation 2016/679"
    assert act_title("32016R0679", "A04PT7") == "Article 4(7) of Regulation 2016/679"
    assert act_title("62012CJ0131") is None


def test_mirror_responses_map_back_to_cellar():
    spider = CjeuSpider(base_url="http://127.0.0.1:9")
    assert spider.to_official_url("http://127.0.0.1:9/webapi/rdf/sparql?query=x") == \
        "https://publications.europa.eu/webapi/rdf/sparql?query=x"
    assert spider.to_official_url("http://127.0.0.1:9/legal-content/EN/TXT/HTML/?uri=CELEX:62012CJ0131") == \
        "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:62012CJ0131"


def test_crawl_stores_the_decisions_completes_the_curated_rows_and_links_the_acts(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "cjeu")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    cases = {row["id"]: row for row in db.query("SELECT * FROM cases WHERE id LIKE 'cjeu-%'")}
    assert {"cjeu-62012cj0131", "cjeu-62018cc0018", "cjeu-62023cj0492"} <= set(cases)
    google = cases["cjeu-62012cj0131"]
    # The curated row, completed by the crawl: its summary and the crawled text.
    assert google["curated"] == 1 and google["summary"] and "operator of a search engine" in google["text"]
    assert cases["cjeu-62018cc0018"]["text"] is None and cases["cjeu-62018cc0018"]["curated"] == 0
    identifiers = {(r["scheme"], r["value"]) for r in db.query(
        "SELECT scheme, value FROM identifiers WHERE item_id = 'cjeu-62012cj0131'")}
    assert {("CELEX", "62012CJ0131"), ("ECLI", "ECLI:EU:C:2014:317"), ("DOCKET", "C-131/12")} <= identifiers
    links = set(db.execute("SELECT case_id, instrument_id, provision_id FROM case_citations "
                           "WHERE case_id LIKE 'cjeu-%'").fetchall())
    assert ("cjeu-62023cj0492", "eu-reg-2022-2065", "eu-reg-2022-2065/art_6") in links
    assert list(db.query("SELECT * FROM crawl_errors")) == []
    relinked = sii_atlas(built_db, "link-citations")
    assert relinked.returncode == 0, relinked.stderr
    with sqlite3.connect(built_db) as conn:
        assert set(conn.execute("SELECT case_id, instrument_id, provision_id FROM case_citations "
                                "WHERE case_id LIKE 'cjeu-%'")) == links


def test_discovery_is_one_sparql_request_that_reads_its_own_errors():
    spider = CjeuSpider(since="2020-01-01", limit=5)
    (request,) = spider.discovery_requests()
    assert request.url.startswith("https://publications.europa.eu/webapi/rdf/sparql?query=")
    assert request.headers["Accept"] == b"application/sparql-results+json"
    assert request.meta["handle_httpstatus_list"] == [400] and request.meta["limit"] == 5
    assert "2020-01-01" in request.url
