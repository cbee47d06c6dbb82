"""Justice Laws: the Bill Exchange parser on the real capture, the consolidated parser's
variants and faults, and a crawl from the fixture server into SQLite (English and French
texts of one provision)."""

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample
from scrapy.http import XmlResponse

from crawlers.parsing import parse_file
from crawlers.sources.justice_laws import JusticeLawsSpider, parse_annual_statute, parse_consolidated
from fixture_server import FixtureServer

ANNUAL_URL = ("https://raw.githubusercontent.com/justicecanada/laws-lois-xml/main/"
              "annual-statutes-lois-annuelles/en/2014/2014-c31_E.XML")


# --- the real capture (../shared/samples/justice_laws), skipped where absent ---


def test_real_annual_statute_gives_the_act_and_its_sections():
    records = parse_file("justice_laws", sample("justice_laws", "2014-c31_E.XML"), ANNUAL_URL)
    act = records[0]
    assert act["type"] == "instrument" and act["id"] == "ca-sc-2014-c-31"
    assert act["title"] == "Protecting Canadians from Online Crime Act"
    assert act["citation"] == "S.C. 2014, c. 31" and act["date_enacted"] == "2014-12-09"
    assert act["kind"] == "amendment" and act["language"] == "en"
    assert {"scheme": "OTHER", "value": "Bill C-13, 41th Parliament, session 2"} in act["identifiers"]
    sections = [r for r in records if r["type"] == "provision"]
    assert [s["label"] for s in sections] == [str(n) for n in range(1, 48)]
    # The Criminal Code sections the Act inserts are its text, not provisions of their own.
    enacting = next(s for s in sections if s["label"] == "3")
    assert enacting["text"].startswith("The Act is amended by adding the following after section 162:\n162.1 (1) Everyone")
    assert "(2) In this section, intimate image means a visual recording" in enacting["text"]
    assert "162.2 (1) When an offender is convicted" in enacting["text"]
    assert next(s for s in sections if s["label"] == "47")["heading"] == "Three months after royal assent"
    # Quoted pieces of sections (SectionPiece) keep their own lines and labels.
    assert "\n(xxvii.2) section 162.1 (intimate image)," in next(s for s in sections if s["label"] == "7")["text"]


# --- variants and faults ---

STATUTE = b"""<?xml version="1.0" encoding="utf-8"?><Regulation xml:lang="en" in-force="yes"
 xmlns:lims="http://justice.gc.ca/lims" lims:inforce-start-date="2020-01-01"><Identification>
<InstrumentNumber>SOR/2099-1</InstrumentNumber><LongTitle>Test Regulations</LongTitle></Identification><Body>
<Section lims:inforce-start-date="2020-01-01"><Label>1</Label><Text><Repealed>[Repealed, SOR/2021-5, s. 1]</Repealed></Text></Section>
<Section lims:inforce-start-date="2020-01-01" in-force="no"><MarginalNote>Coming</MarginalNote><Label>2</Label>
<Text>Not yet in force.</Text><HistoricalNote><HistoricalNoteSubItem lims:inforce-start-date="2030-01-01">SOR/2099-1</HistoricalNoteSubItem></HistoricalNote></Section>
</Body></Regulation>"""


def response_from_file_bytes(body: bytes, url: str, meta: dict):
    return XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta))


def consolidated(body: bytes, url="https://laws-lois.justice.gc.ca/eng/XML/SOR-2099-1.xml", **meta):
    return list(parse_consolidated(response_from_file_bytes(body, url, meta)))


def test_a_regulation_with_repealed_and_prospective_sections():
    records = consolidated(STATUTE)
    regulation = records[0]
    assert regulation["kind"] == "regulation" and regulation["id"] == "ca-sor-2099-1"
    assert regulation["official_url"] == "https://laws-lois.justice.gc.ca/eng/regulations/SOR-2099-1/"
    one, two = records[1:]
    assert one["in_force_status"] == "repealed" and one["text"] == "[Repealed, SOR/2021-5, s. 1]"
    # Amendment histories are not text, and their dates do not date the text.
    assert two["in_force_status"] == "prospective" and two["text"] == "Not yet in force."
    assert two["valid_from"] == "2020-01-01" and two["heading"] == "Coming"


def test_a_key_the_document_lacks_gives_nothing_rather_than_an_empty_text():
    records = consolidated(STATUTE, instruments={"ca-test": ["section/9", "section/2/subsection/4"]})
    assert [type(r).__name__ for r in records] == ["InstrumentItem", "Request"]  # and the French text


def test_a_malformed_key_is_an_error_not_silence():
    with pytest.raises(ValueError, match="provision key"):
        consolidated(STATUTE, instruments={"ca-test": ["article/2"]})


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<html><body><h1>Page not found</h1><p>unclosed</body></html>", "not XML"),
    (b"<html><body><h1>Page not found</h1></body></html>", "not a consolidated"),
    (b"<!DOCTYPE html><html><head><title>Error</title><body><p>x<br></body></html>", "not XML|not a consolidated"),
    (b'<?xml version="1.0"?><Bill xml:lang="en"/>', "not a consolidated"),
])
def test_bad_input_raises_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        consolidated(body, url="https://laws-lois.justice.gc.ca/eng/XML/C-46.xml")


def test_an_annual_statute_without_identification_is_refused():
    with pytest.raises(ValueError, match="Identification"):
        list(parse_annual_statute(response_from_file_bytes(b"<Bill/>", ANNUAL_URL, {})))


def test_one_request_per_document_for_all_curated_entries_drawn_from_it():
    tracked = [
        {"id": "ca-a", "source_identifier": "C-46", "jurisdiction": "CA", "provisions": [{"key": "section/162.1"}]},
        {"id": "ca-b", "source_identifier": "C-46", "jurisdiction": "CA", "provisions": [{"key": "section/163.1"}]},
        {"id": "ca-c", "source_identifier": "C-46", "jurisdiction": "CA", "provisions": [{"label": "no key"}]},
    ]
    requests = list(JusticeLawsSpider(tracked=tracked).tracked_requests())
    assert [r.url for r in requests] == ["https://laws-lois.justice.gc.ca/eng/XML/C-46.xml"]
    assert requests[0].meta["instruments"] == {"ca-a": ["section/162.1"], "ca-b": ["section/163.1"]}
    assert requests[0].meta["tracked"]


# --- the crawl ---


def test_crawl_stores_one_provision_with_an_english_and_a_french_text(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "justice_laws")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(server.requests) == ["/eng/XML/C-46.xml", "/fra/XML/C-46.xml", "/robots.txt"]
    db = sqlite_utils.Database(built_db)
    the_id = "ca-cc-162-1/section/162.1/subsection/2"
    versions = {row["language"]: row for row in db.query(
        "SELECT * FROM provision_versions WHERE provision_id = ? AND superseded_at IS NULL", [the_id])}
    assert set(versions) == {"en", "fr"}
    assert versions["en"]["text"].startswith("(2) In this section, intimate image means a visual recording")
    assert versions["fr"]["text"].startswith("(2) Au présent article, image intime s’entend")
    assert versions["en"]["valid_from"] == versions["fr"]["valid_from"] == "2015-03-09"
    assert versions["fr"]["url"] == "https://laws-lois.justice.gc.ca/fra/lois/C-46/art-162.1.html"
    provision = db["provisions"].get(the_id)
    assert provision["label"] == "162.1(2)" and provision["source"] == "justice_laws"
    assert provision["text"].startswith("(2) In this section")  # English is the first language
    latest = db["provisions"].get("ca-cc-162-1/section/163.1")
    assert latest["valid_from"] == "2025-10-10" and "child sexual abuse and exploitation material" in latest["text"]
    instrument = db["instruments"].get("ca-cc-162-1")
    assert instrument["jurisdiction"] == "CA"
