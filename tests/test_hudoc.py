"""HUDOC: the RSS feed parser on the real capture, the JSON search and judgment text on
our examples (no real capture of those exists), bad replies, curated ids, and crawls from
the fixture server into SQLite: one that completes a curated judgment's row, one whose
judgments link to the Council of Europe treaties they apply."""

import sqlite3

import scrapy
import sqlite_utils
from conftest import crawl, sample, sii_atlas
from fixture_server import FixtureServer
import pytest

from crawlers.citations import Linker, extract, links_for
from crawlers.parsing import parse_file
from crawlers.sources.hudoc import case_id_for_url, parse_feed, parse_results, parse_text, query_url, text_url

EXAMPLES = __import__("pathlib").Path(__file__).parent / "examples" / "hudoc"
SEARCH_URL = query_url('contentsitename:ECHR AND appno:"40419/19"')

FEED_URL = "https://hudoc.echr.coe.int/app/transform/rss?library=echreng"


def test_real_feed_every_judgment_once_by_itemid():
    cases = parse_file("hudoc", sample("hudoc", "echr.rss"), FEED_URL)
    assert len(cases) == len({c["id"] for c in cases}) == 2000
    assert sum(c["court"] == "European Court of Human Rights (Grand Chamber)" for c in cases) == 515
    [volodina] = [c for c in cases if c["id"] == "echr-001-211794"]
    assert volodina["name"] == "CASE OF VOLODINA v. RUSSIA (No. 2)"
    assert volodina["decision_date"] == "2021-09-14" and volodina["jurisdiction"] == "COE"
    assert volodina["citation"] == "Application no. 40419/19"
    assert volodina["url"] == 'https://hudoc.echr.coe.int/eng#{"itemid":["001-211794"]}'
    assert {"scheme": "DOCKET", "value": "40419/19"} in volodina["identifiers"]
    # One application, two judgments (merits, then just satisfaction): two rows, not one.
    coventry = [c for c in cases if c["citation"] == "Application no. 6016/16"]
    assert sorted(c["decision_date"] for c in coventry) == ["2022-10-11", "2024-10-15"]
    [legros] = [c for c in cases if c["id"] == "echr-001-237615"]
    assert legros["citation"].startswith("Applications nos. 72173/17, 81453/17, ")


def test_since_drops_earlier_judgments():
    cases = parse_file("hudoc", sample("hudoc", "echr.rss"), FEED_URL, {"since": "2025-05-01"})
    assert cases and all(c["decision_date"] >= "2025-05-01" for c in cases)


@pytest.mark.parametrize("body", [b"", b"<html><body>Error</body></html>", b"<rss version='2.0'/>"])
def test_a_reply_that_is_not_a_feed_is_an_error(body):
    response = scrapy.http.XmlResponse(url=FEED_URL, body=body, request=scrapy.Request(FEED_URL))
    with pytest.raises(ValueError):
        list(parse_feed(response))


def test_curated_judgments_use_the_crawler_id():
    assert case_id_for_url('https://hudoc.echr.coe.int/eng#{"itemid":["001-211794"]}') == "echr-001-211794"
    # An application-number link may name several judgments: no id.
    assert case_id_for_url('https://hudoc.echr.coe.int/eng#{"appno":["40419/19"]}') is None
    assert case_id_for_url("https://www.bailii.org/eu/cases/ECHR/2024/887.html") is None


def volodina_feed(text: str):
    """The real feed cut to its first item and Volodina's, answering every feed query."""
    head, *items = text.split("<item>")
    kept = [items[0]] + [item for item in items if "VOLODINA" in item]
    return (head + "".join("<item>" + item.split("</item>")[0] + "</item>" for item in kept) + "</channel></rss>").encode()


def test_real_feed_cut_still_parses_to_volodina():
    feed = volodina_feed(sample("hudoc", "echr.rss").read_text(encoding="utf-8"))
    response = scrapy.http.XmlResponse(url=FEED_URL, body=feed, request=scrapy.Request(FEED_URL))
    assert "echr-001-211794" in [case["id"] for case in parse_feed(response)]


# --- the JSON search and the judgment text ---


def json_response(body: bytes, url: str = SEARCH_URL, meta: dict | None = None):
    request = scrapy.Request(url, meta=meta or {})
    return scrapy.http.TextResponse(url=url, body=body, request=request, encoding="utf-8")


def test_search_pages_on_until_the_result_count():
    page1 = list(parse_results(json_response((EXAMPLES / "search_intimate_images_page1.json").read_bytes())))
    requests = [r.url for r in page1 if isinstance(r, scrapy.Request)]
    assert requests[-1].endswith("&start=2") and "length=100" in requests[-1]
    page2_url = requests[-1]
    page2 = list(parse_results(json_response((EXAMPLES / "search_intimate_images_page2.json").read_bytes(), page2_url)))
    # The last page: no further request, and a placeholder judgment gets no text request.
    assert [type(r).__name__ for r in page2] == ["CaseItem"]
    assert page2[0]["court"] == "European Court of Human Rights (Grand Chamber)"
    assert {"title": "Article 1 of Protocol No. 1 to the Convention", "href": None} in page2[0]["cited_legislation"]


def test_search_limit_and_since():
    body = (EXAMPLES / "search_intimate_images_page1.json").read_bytes()

    def judgments(meta):
        return [r.meta["case"]["id"] for r in parse_results(json_response(body, meta=meta)) if "case" in r.meta]

    assert judgments({"limit": 1}) == ["echr-001-299901"]
    assert judgments({"since": "2022-01-01"}) == ["echr-001-299901"]  # Volodina (2021) dropped
    assert judgments({}) == ["echr-001-299901", "echr-001-211794"]


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>", "bot challenge"),
    (b"<html><body>Server Error in '/' Application.</body></html>", "HTML page"),
    (b'{"Message":"An error has occurred."}', "An error has occurred"),
    (b'{"results": []}', "resultcount"),
    (b"[]", "JSON object"),
])
def test_a_search_reply_that_is_not_results_is_an_error(body, message):
    with pytest.raises(ValueError, match=message):
        list(parse_results(json_response(body)))


def test_text_keeps_paragraphs_and_joins_the_search_record():
    [case] = parse_file("hudoc", EXAMPLES / "text_001-299901.html", text_url("001-299901"),
                        {"case": {"id": "echr-001-299901", "jurisdiction": "COE", "name": "A.B.", "url": "u",
                                  "source": "hudoc"}})
    paragraphs = case["text"].split("\n\n")
    assert paragraphs[0] == "FIRST SECTION"
    assert "PROCEDURE" in paragraphs and "THE LAW" in paragraphs
    assert any(p.startswith("1. The case concerns") for p in paragraphs)
    assert "Holds that there has been a violation of Article 8 of the Convention;" in paragraphs


def test_an_empty_text_reply_stores_the_judgment_without_text_and_records_the_page():
    url = text_url("001-211794")
    record = {"id": "echr-001-211794", "jurisdiction": "COE", "name": "V.", "url": "u", "source": "hudoc"}
    response = scrapy.http.HtmlResponse(url=url, status=204, body=b"", request=scrapy.Request(url, meta={"case": record}))
    case, error = list(parse_text(response))
    assert case["id"] == "echr-001-211794" and case["text"] is None
    assert error["kind"] == "empty" and "converted no text" in error["reason"] and error["status"] == 204


@pytest.mark.parametrize("body,meta,message", [
    (b"", {}, "converted no text"),
    (b"<html><title>Just a moment...</title></html>", {"case": {"id": "echr-001-299901"}}, "bot challenge"),
    (b"<html><body><div></div></body></html>", {"case": {"id": "echr-001-299901"}}, "no paragraph"),
    (b"<p>1. Text</p>", {}, "meta `case`"),
    (b"<p>1. Text</p>", {"case": {"id": "echr-001-211794"}}, "does not belong"),
])
def test_a_text_reply_that_is_not_the_judgment_is_an_error(body, meta, message):
    url = text_url("001-299901")
    response = scrapy.http.HtmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))
    with pytest.raises(ValueError, match=message):
        list(parse_text(response))


def test_article_metadata_and_text_cite_the_convention_and_the_istanbul_convention():
    text = (EXAMPLES / "text_001-299901.html").read_text(encoding="utf-8")
    titles = [{"title": "Article 8 § 1 of the Convention"}, {"title": "Article 1 of Protocol No. 1 to the Convention"}]
    found = {(c.act, c.label) for c in extract(text, "COE", titles)}
    assert {("COE:cets 5", "8"), ("COE:cets 5", "8(1)"), ("COE:cets 5 protocol 1", "1"),
            ("COE:cets 210", "33"), ("COE:cets 210", "40")} <= found
    assert not any(label == "137" for _, label in found)  # a domestic code, not the Convention


def test_an_echr_instrument_would_take_its_article_8_links():
    """No instrument for the Convention itself is curated yet: when one is (citation
    "ETS No. 5"), judgments link to its articles with no change here."""
    linker = Linker([{"id": "coe-ets-5-echr", "jurisdiction": "COE", "title": "Convention for the Protection of "
                      "Human Rights and Fundamental Freedoms", "citation": "ETS No. 5"}],
                    [{"id": "coe-ets-5-echr/8", "instrument_id": "coe-ets-5-echr", "label": "Art. 8"}])
    links, unresolved = links_for(linker, extract("a breach of Article 8 § 1 of the Convention", "COE"))
    assert [(l["instrument_id"], l["provision_id"]) for l in links] == [("coe-ets-5-echr", "coe-ets-5-echr/8")]
    assert not unresolved


def test_crawl_stores_judgments_with_text_and_completes_the_curated_row(built_db):
    database = sqlite_utils.Database(built_db)
    assert (database["cases"].get("echr-001-211794")["source"] or "") != "hudoc"
    def no_text_for_volodina(handler, method, path, query):
        """HUDOC's answer for a document it cannot convert: 204, no body."""
        if path == "/app/conversion/docx/html/body" and query.get("id") == ["001-211794"]:
            return 204, "text/html", b"", {}
        return None

    with FixtureServer(hook=no_text_for_volodina) as server:
        result = crawl(built_db, server, "hudoc")
    assert result.returncode == 0, result.stderr
    # The tracked applications and the subject searches, then page 2 and the texts.
    assert any("appno%3A%2240419%2F19%22" in path for path in server.requests)
    assert any("start=2" in path for path in server.requests)
    ab = database["cases"].get("echr-001-299901")
    assert ab["source"] == "hudoc" and ab["language"] == "en" and "1. The case concerns" in ab["text"]
    # Volodina: the curated row, completed (one row, the crawler's id); HUDOC had no text for it.
    volodina = list(database.query("SELECT * FROM cases WHERE name LIKE '%olodina%'"))
    assert [row["id"] for row in volodina] == ["echr-001-211794"]
    assert database["crawled_cases"].get("echr-001-211794")["source"] == "hudoc"
    errors = list(database.query("SELECT url, reason FROM crawl_errors WHERE source = 'hudoc'"))
    assert any("001-211794" in (e["url"] or "") and "converted no text" in e["reason"] for e in errors)
    # The Grand Chamber placeholder: stored, no text asked for.
    assert database["cases"].get("echr-001-299902")["text"] is None
    assert not any("001-299902" in path for path in server.requests if "conversion" in path)
    # The judgment links to the Istanbul Convention's tracked articles, at crawl time and again on re-linking.
    query = "SELECT provision_id FROM case_citations WHERE case_id = 'echr-001-299901' AND instrument_id = ?"
    with sqlite3.connect(built_db) as conn:
        linked = {row[0] for row in conn.execute(query, ["coe-cets-210-istanbul"])}
    assert linked == {"coe-cets-210-istanbul/art_33", "coe-cets-210-istanbul/art_40"}
    relinked = sii_atlas(built_db, "link-citations")
    assert relinked.returncode == 0, relinked.stderr
    with sqlite3.connect(built_db) as conn:
        assert {row[0] for row in conn.execute(query, ["coe-cets-210-istanbul"])} == linked


def test_the_real_feed_still_parses_through_the_cli(built_db):
    """The RSS route, for a feed fetched by hand: `sii-atlas parse` reads it."""
    result = sii_atlas(built_db, "parse", "hudoc", str(sample("hudoc", "echr.rss")), "--url", FEED_URL)
    assert result.returncode == 0, result.stderr
    assert "echr-001-211794" in result.stdout
