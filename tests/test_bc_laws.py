"""BC Laws: the CiviX document and search parsers' variants and faults (no real capture
exists: see the module's docstring), the spider's requests, and a crawl from the fixture
server into SQLite (the Act's sections, the regulation kept whole, the candidates)."""

import sqlite3

import pytest
import scrapy
from conftest import crawl
from scrapy.http import XmlResponse

from crawlers.sources.bc_laws import BcLawsSpider, parse_document, parse_search

ACT_URL = "https://www.bclaws.gov.bc.ca/civix/document/id/complete/statreg/23011/xml"
SEARCH_URL = "https://www.bclaws.gov.bc.ca/civix/search/complete/fullsearch?q=deepfake&s=0&e=20&nFrag=5&lFrag=100"
IIPA = "ca-bc-intimate-images-protection-act"
NS = ('xmlns:act="http://www.gov.bc.ca/2013/legislation/act" xmlns:bcl="http://www.gov.bc.ca/2013/bclegislation" '
      'xmlns:in="http://www.qp.gov.bc.ca/2013/inline"')


def respond(parser, body: bytes, url: str, **meta):
    return list(parser(XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))))


def act(sections: str, head: str = "<act:title>Test Act</act:title><act:chapter>3</act:chapter>"
                                   "<act:yearenacted>1996</act:yearenacted>") -> bytes:
    return f'<?xml version="1.0"?><act:act {NS}>{head}<act:content>{sections}</act:content></act:act>'.encode()


def test_a_revised_statute_is_cited_as_such_and_every_section_read_without_a_request():
    body = act("<bcl:section><bcl:marginalnote>Purpose</bcl:marginalnote><bcl:num>1</bcl:num>"
               "<bcl:text>This Act <in:term>does</in:term> things.</bcl:text><bcl:hnote>[am. 2004-1-2.]</bcl:hnote>"
               "</bcl:section>")
    records = respond(parse_document, body, "https://www.bclaws.gov.bc.ca/civix/document/id/complete/statreg/96003/xml")
    assert records[0]["id"] == "ca-bc-96003" and records[0]["citation"] == "R.S.B.C. 1996, c. 3"
    section = records[1]
    # The amendment history is not law text, and an amended section is not dated.
    assert section["text"] == "This Act does things." and section["heading"] == "Purpose"
    assert section["valid_from"] is None and section["in_force_status"] == "in_force"


def test_a_tracked_section_the_document_lacks_is_an_error_after_the_ones_found():
    body = act("<bcl:section><bcl:num>1</bcl:num><bcl:text>Words.</bcl:text></bcl:section>")
    parsed = parse_document(XmlResponse(url=ACT_URL, body=body, request=scrapy.Request(ACT_URL, meta={
        "instruments": {IIPA: ["section/1", "section/9"]}})))
    assert next(parsed)["id"] == IIPA
    assert next(parsed)["id"] == f"{IIPA}/section/1"
    with pytest.raises(ValueError, match="no section for section/9"):
        next(parsed)


def test_a_malformed_key_is_an_error_not_silence():
    with pytest.raises(ValueError, match="provision key"):
        respond(parse_document, act(""), ACT_URL, instruments={IIPA: ["article/2"]})


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>", "HTML page"),
    (b"<html><body>Service unavailable</body></html>", "HTML page"),
    (b"<act:act xmlns:act='x'><unclosed></act:act>", "not XML"),
    (b"<results><totalhits>0</totalhits></results>", "not a BC Laws Act or regulation"),
    (act("", head=""), "without a title"),
])
def test_bad_documents_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(parse_document, body, ACT_URL)


def test_a_search_answer_without_its_count_or_of_another_kind_is_refused():
    with pytest.raises(ValueError, match="hit count"):
        respond(parse_search, b"<results><doc><CIVIX_DOCUMENT_ID>1</CIVIX_DOCUMENT_ID>"
                              b"<CIVIX_DOCUMENT_TITLE>T</CIVIX_DOCUMENT_TITLE></doc></results>", SEARCH_URL)
    with pytest.raises(ValueError, match="not a CiviX search answer"):
        respond(parse_search, act(""), SEARCH_URL)
    with pytest.raises(ValueError, match="HTML page"):
        respond(parse_search, b"<!DOCTYPE html><html><body>Error</body></html>", SEARCH_URL)


def test_a_search_pages_on_while_hits_remain_and_not_past_the_last_page():
    docs = "".join(f"<doc><CIVIX_DOCUMENT_ID>{n}</CIVIX_DOCUMENT_ID><CIVIX_DOCUMENT_TITLE>Act {n}</CIVIX_DOCUMENT_TITLE>"
                   "</doc>" for n in range(20))
    records = respond(parse_search, f"<results><totalhits>45</totalhits>{docs}</results>".encode(), SEARCH_URL,
                      search_term="deepfake")
    follow = [r for r in records if isinstance(r, scrapy.Request)]
    assert len(records) == 21 and "s=20&e=40" in follow[0].url
    last = SEARCH_URL.replace("s=0&e=20", "s=40&e=60")
    five = "".join(docs.split("</doc>")[:5]).replace("<doc>", "</doc><doc>")[6:] + "</doc>"
    records = respond(parse_search, f"<results><total>45</total>{five}</results>".encode(), last)
    assert len(records) == 5 and not [r for r in records if isinstance(r, scrapy.Request)]


def test_one_request_per_document_for_the_act_and_its_regulation():
    tracked = [{"id": IIPA, "source_identifier": "23011", "jurisdiction": "CA-BC", "status": "in_force",
                "date_in_force": "2024-01-29",
                "provisions": [{"key": "section/1"}, {"key": "section/5"}, {"key": "293_2023/whole"}]}]
    requests = list(BcLawsSpider(tracked=tracked).tracked_requests())
    assert [r.url for r in requests] == [ACT_URL, ACT_URL.replace("23011", "293_2023")]
    assert requests[0].meta["instruments"] == {IIPA: ["section/1", "section/5"]}
    assert requests[0].meta["expects"] == ("instrument", IIPA) and "expects" not in requests[1].meta
    assert requests[1].meta["context"][IIPA]["own"] is False and all(r.meta["tracked"] for r in requests)


def test_crawl_stores_the_sections_the_regulation_and_the_candidates(crawled_db):
    db_path, result, server = crawled_db("bc_laws")
    assert "/civix/document/id/complete/statreg/23011/xml" in server.requests
    db = sqlite3.connect(db_path)
    definition = db.execute("SELECT text, language, valid_from, in_force_status, source, heading FROM provisions "
                            "WHERE id = ?", [f"{IIPA}/section/1"]).fetchone()
    assert "whether or not the image has been altered in any way" in definition[0]
    assert definition[1:5] == ("en", "2024-01-29", "in_force", "bc_laws")
    orders = db.execute("SELECT text, valid_from FROM provisions WHERE id = ?", [f"{IIPA}/section/5"]).fetchone()
    assert orders[0].startswith("(1) On application") and orders[1] is None  # amended: the consolidation does not say when
    regulation = db.execute("SELECT text FROM provisions WHERE id = ?", [f"{IIPA}/293_2023/whole"]).fetchone()[0]
    assert "internet intermediary is $5 000 a day" in regulation
    assert db.execute("SELECT COUNT(*) FROM provision_versions WHERE provision_id LIKE ? AND text IS NOT NULL",
                      [f"{IIPA}/%"]).fetchone()[0] == 3
    candidates = {r[0] for r in db.execute("SELECT id FROM candidate_instruments WHERE source = 'bc_laws'")}
    # The Act and its regulation are known (curated): only the other hit is a candidate.
    assert candidates == {"ca-bc-96238"}
    assert db.execute("SELECT outcome, tracked_failed FROM crawl_runs WHERE source = 'bc_laws'").fetchone() == ("ok", 0)
