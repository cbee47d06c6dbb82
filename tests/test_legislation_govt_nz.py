"""New Zealand Legislation: the PCO API's answers and the PCO XML, their variants and
faults, and a crawl from the fixture server into SQLite (the amendment Act's sections read
in the Act it amended, the Crimes Act's intimate visual recording sections, the searches).
No real capture exists: the examples are ours, in the shape public clients and real PCO XML
kept in public repositories show (see the module's docstring)."""

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import scrapy
from conftest import archive_of, crawl
from scrapy.http import TextResponse, XmlResponse

from crawlers.sources.legislation_govt_nz import (
    LegislationGovtNzSpider,
    current_version,
    parse_document,
    parse_search,
    parse_versions,
    version_date,
)
from fixture_server import FixtureServer

EXAMPLES = Path(__file__).parent / "examples" / "legislation_govt_nz"
API = "https://api.legislation.govt.nz/v0"
VERSIONS = f"{API}/works/act_public_2015_63/versions/?sort=desc&per_page=100"
SEARCH = f"{API}/works/?search_term=deepfake&search_field=title&page=1&per_page=100"
XML_URL = "https://www.legislation.govt.nz/act/public/1961/43/en/2026-08-08.xml"
FAKE_KEY = "fake-nz-legislation-key-0123456789"
HDCA = "nz-hdca-2015-s22a"


def respond(parser, body: bytes, url: str, cls=TextResponse, **meta):
    return list(parser(cls(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))))


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


# --- the API's answers ---


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><body>Human Verification</body></html>", "not JSON"),
    (b"not json", "not JSON"),
    (b"[]", "JSON object"),
    (b'{"results": "oops", "total": 1}', "not a list"),
    (b'{"total": 0}', "no 'results'"),
])
def test_bad_api_answers_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(parse_versions, body, VERSIONS)
    with pytest.raises(ValueError, match=message):
        respond(parse_search, body, SEARCH)


def test_the_api_s_error_reply_is_an_error_naming_its_message():
    with pytest.raises(ValueError, match="legislation.govt.nz API error .*Invalid or missing API key"):
        respond(parse_versions, example("error_unauthorised.json"), VERSIONS)


def test_an_empty_search_is_empty_not_an_error():
    assert respond(parse_search, example("works_search_synthesised_empty.json"), SEARCH) == []


def test_a_search_pages_on_and_names_tracked_works_as_their_curated_rows():
    body = json.loads(example("works_search_intimate_visual_recording.json"))
    body.update(total=250, page=1)
    records = respond(parse_search, json.dumps(body).encode(), SEARCH, search_term="x",
                      known={"act_public_2022_3": HDCA})
    candidates = {r["id"] for r in records if not isinstance(r, scrapy.Request)}
    assert HDCA in candidates and "nz-act-public-2022-3" not in candidates
    assert "nz-bill-member-2025-900" in candidates  # the deepfake member's bill, for review
    [following] = [r for r in records if isinstance(r, scrapy.Request)]
    assert "page=2" in following.url and following.meta["known"] == {"act_public_2022_3": HDCA}
    body.update(page=3)  # MAX_PAGES: no further page
    assert not [r for r in respond(parse_search, json.dumps(body).encode(), SEARCH) if isinstance(r, scrapy.Request)]


def test_a_version_s_date_is_the_end_of_its_id():
    assert version_date("act_public_1961_43_en_2026-08-08") == "2026-08-08"
    assert version_date("act_public_2025_74_en_2025-11-26B") == "2025-11-26"
    assert version_date("act_public_1961_43") is None


def test_a_version_published_ahead_is_not_in_force_yet():
    [request] = respond(parse_versions, example("versions_act_public_2015_63_ahead.json"), VERSIONS,
                        instruments={HDCA: ["act_public_2015_63/section/22A"]}, today="2026-11-30", tracked=True)
    assert request.url.endswith("/2015/63/en/2025-03-05B.xml")
    assert (request.meta["valid_from"], request.meta["valid_to"]) == ("2025-03-05", "2027-01-01")
    assert request.meta["tracked"] and request.meta["instruments"] == {HDCA: ["act_public_2015_63/section/22A"]}
    # Once its day has come, it is read.
    [later] = respond(parse_versions, example("versions_act_public_2015_63_ahead.json"), VERSIONS,
                      instruments={HDCA: ["act_public_2015_63/section/22A"]}, today="2027-01-02")
    assert later.url.endswith("/2027-01-01.xml") and later.meta["valid_to"] is None


def test_no_version_in_force_is_an_error_not_silence():
    versions = json.loads(example("versions_act_public_2015_63_ahead.json"))["results"]
    assert current_version(versions[:1], date(2026, 11, 30)) == (None, None)
    body = json.dumps({"results": versions[:1], "total": 1, "page": 1, "per_page": 100}).encode()
    with pytest.raises(ValueError, match="no version of act_public_2015_63 in force"):
        respond(parse_versions, body, VERSIONS, instruments={HDCA: ["section/22A"]}, today="2026-11-30")
    with pytest.raises(ValueError, match="lists no version"):
        respond(parse_versions, b'{"results": [], "total": 0}', VERSIONS)


# --- the XML ---


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><head><title>Human Verification</title></head></html>", "HTML page"),
    (b"<act><body><prov><label>1", "unreadable"),
    (b"<Legislation><Body/></Legislation>", "root <Legislation>"),
    (b"<act><cover><title>T</title></cover></act>", "without a <body>"),
    (b"<act><body><part><label>1</label></part></body></act>", "no sections"),
])
def test_bad_documents_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(parse_document, body, XML_URL, cls=XmlResponse)


def test_a_live_section_wins_over_a_repealed_one_of_the_same_label_and_quoted_sections_are_not_own():
    # Shaped like the real Crimes Act (as at 2026-08-08): a repealed s 253 after the current one,
    # and an amending Act quoting, inside <amend>, the section it inserts.
    body = b"""<act date.as.at="2026-08-08"><body><part><label>10</label><heading>P</heading>
      <prov id="LMS1"><label denominator="yes">253</label><heading>Current</heading><prov.body><subprov>
        <label denominator="yes">1</label><para><text>A person <def-term id="x">commits</def-term> an offence.</text>
        </para></subprov><subprov.crosshead>Penalty</subprov.crosshead><subprov><label denominator="yes">2</label>
        <para><text>2 years.</text></para></subprov></prov.body>
        <notes><history><history-note id="h">Section 253: inserted.</history-note></history></notes></prov>
      <prov deletion-status="repealed" id="DLM2"><label denominator="yes">253</label><heading>Old</heading>
        <prov.body></prov.body></prov>
      <prov deletion-status="repealed" id="DLM3"><label denominator="yes">254</label><heading>Gone</heading>
        <prov.body></prov.body></prov>
      <prov id="DLM4"><label>5</label><heading>Amendment</heading><prov.body><subprov><label>1</label><para>
        <text>After section 9, insert:</text><amend><prov><label>9A</label><heading>Quoted</heading></prov></amend>
      </para></subprov></prov.body></prov></part></body></act>"""
    records = {r["label"]: r for r in respond(parse_document, body, XML_URL, cls=XmlResponse)}
    assert set(records) == {"s 253", "s 254", "s 5"}
    assert records["s 253"]["heading"] == "Current" and records["s 253"]["in_force_status"] == "in_force"
    assert records["s 253"]["text"] == "(1) A person commits an offence.\nPenalty\n(2) 2 years."
    assert records["s 254"]["in_force_status"] == "repealed" and records["s 254"]["text"] is None
    assert records["s 253"]["valid_from"] == "2026-08-08"  # the document's as-at date, without meta
    assert "Quoted" not in records["s 5"]["text"] and records["s 5"]["text"].startswith("(1) After section 9")


def test_a_curated_section_missing_from_the_document_is_an_error_after_those_found():
    meta = {"instruments": {HDCA: ["act_public_2015_63/section/22A", "act_public_2015_63/section/99"]},
            "valid_from": "2025-03-05", "tracked": True}
    response = XmlResponse(url=XML_URL, body=example("hdca_2015_63_2025-03-05B.xml"),
                           request=scrapy.Request(XML_URL, meta=meta))
    found = []
    with pytest.raises(ValueError, match="tracked sections not found .*section/99"):
        for record in parse_document(response):
            found.append(record)
    assert [r["id"] for r in found] == [f"{HDCA}/act_public_2015_63/section/22A"]
    # A subject work's (untracked) missing section is not.
    untracked = {"instruments": {"nz-act-public-1961-43": ["section/216G", "section/216N"]}}
    records = respond(parse_document, example("crimes_1961_43_2026-08-08.xml"), XML_URL, cls=XmlResponse, **untracked)
    assert [r["label"] for r in records] == ["s 216G"]


def test_the_skeleton_of_another_act_is_not_a_section_of_this_one():
    records = respond(parse_document, example("crimes_1961_43_2026-08-08.xml"), XML_URL, cls=XmlResponse)
    making = [r for r in records if r["label"] == "s 216H"]
    assert len(making) == 1 and making[0]["heading"] == "Prohibition on making intimate visual recording"
    assert making[0]["text"].startswith("Everyone is liable to imprisonment for a term not exceeding 3 years")


# --- the spider's requests ---


def test_one_versions_request_per_curated_instrument_then_the_subject_works():
    tracked = [{"id": HDCA, "source_identifier": "act_public_2022_3", "jurisdiction": "NZ", "status": "in_force",
                "provisions": [{"label": "22A", "key": "act_public_2015_63/section/22A"}, {"label": "x"}]},
               {"id": "nz-bad", "source_identifier": "HDCA 2015", "provisions": []}]
    requests = list(LegislationGovtNzSpider(tracked=tracked, today="2026-11-30").tracked_requests())
    assert [r.url for r in requests] == [f"{API}/works/act_public_2022_3/versions/?sort=desc&per_page=100",
                                         f"{API}/works/act_public_1961_43/versions/?sort=desc&per_page=100"]
    assert requests[0].meta["tracked"] and requests[0].meta["texts"] == {"act_public_2015_63": ["act_public_2015_63/section/22A"]}
    assert not requests[1].meta["tracked"] and "section/216H" in requests[1].meta["texts"]["act_public_1961_43"]
    # A subject work that is curated is asked for once, as curated.
    crimes = [{"id": "nz-crimes", "source_identifier": "act_public_1961_43", "provisions": [{"key": "section/216H"}]}]
    assert len(list(LegislationGovtNzSpider(tracked=crimes).tracked_requests())) == 1


def test_a_key_that_is_not_a_section_key_is_refused():
    with pytest.raises(ValueError, match="provision key"):
        list(LegislationGovtNzSpider(tracked=[{"id": "nz-x", "source_identifier": "act_public_2015_63",
                                              "provisions": [{"key": "part/2"}]}]).tracked_requests())


# --- the crawl ---


def test_crawl_stores_the_sections_in_force_and_the_candidates_without_the_key(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "legislation_govt_nz", env={"LEGISLATION_NZ_API_KEY": FAKE_KEY})
        asked = [(path, headers) for _, path, _, headers in server.log if path.startswith(("/v0/", "/act/"))]
    assert result.returncode == 0, result.stdout + result.stderr
    # The key went in the X-Api-Key header of every request, never in a URL.
    assert asked and all(headers.get("X-Api-Key") == FAKE_KEY for _, headers in asked)
    assert not any(FAKE_KEY in path for path, _ in asked)
    db = sqlite3.connect(built_db)
    posting = db.execute("SELECT text, language, valid_from, valid_to, in_force_status, source FROM provisions "
                         f"WHERE id = '{HDCA}/act_public_2015_63/section/22A'").fetchone()
    assert posting[0].startswith("(1) A person commits an offence if the person, without reasonable excuse, posts")
    assert posting[1:] == ("en", "2025-03-05", None, "in_force", "legislation_govt_nz")
    assert db.execute(f"SELECT COUNT(*) FROM provision_versions WHERE provision_id LIKE '{HDCA}/%' "
                      "AND text IS NOT NULL").fetchone()[0] == 3
    # The Crimes Act's Part 9A is curated (commonwealth.yaml): fetched as tracked, under the curated id.
    crimes_id = "nz-crimes-act-1961-s216g-216n"
    assert db.execute("SELECT jurisdiction, source FROM instruments WHERE id = ?", [crimes_id]).fetchone() == (
        "NZ", "legislation_govt_nz")
    texts = dict(db.execute("SELECT id, text FROM provisions WHERE instrument_id = ? AND text IS NOT NULL", [crimes_id]))
    assert sorted(texts) == [f"{crimes_id}/act_public_1961_43/section/216{n}" for n in "GHIJ"]
    assert texts[f"{crimes_id}/act_public_1961_43/section/216G"].startswith("(1) In sections 216H to 216N")
    assert db.execute("SELECT COUNT(*) FROM instruments WHERE id = 'nz-act-public-1961-43'").fetchone()[0] == 0
    candidates = {r[0] for r in db.execute("SELECT id FROM candidate_instruments WHERE source = 'legislation_govt_nz'")}
    assert "nz-bill-member-2025-900" in candidates and HDCA not in candidates
    assert db.execute("SELECT outcome, tracked_failed FROM crawl_runs WHERE source = 'legislation_govt_nz'").fetchone() == ("ok", 0)
    assert FAKE_KEY not in "\n".join(db.iterdump())
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_KEY.encode() not in archive.read_bytes()
    assert FAKE_KEY not in result.stderr and FAKE_KEY not in result.stdout


def test_crawl_without_the_key_skips_the_source(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "legislation_govt_nz", env={"LEGISLATION_NZ_API_KEY": ""})
        assert not [entry for entry in server.log if entry[1].startswith(("/v0/", "/act/"))]
    assert "legislation_govt_nz: skipped" in result.stderr and "LEGISLATION_NZ_API_KEY" in result.stderr
