"""HUDOC-GREVIO: the feed parser on our examples (no real capture of ours exists; they are
written in the shape of a public copy of the real feed), bad replies, the store's
monitoring_documents table, and crawls from the fixture server into SQLite: one that
stores GREVIO's sections linked to the Istanbul Convention and to their states, one whose
source answers error pages and must leave the stored rows whole."""

import json

import pytest
import scrapy
import sqlite_utils
from conftest import crawl
from fixture_server import FixtureServer

from crawlers.items import MonitoringDocumentItem, PageError
from crawlers.parsing import parse_file
from crawlers.sources import hudoc_grevio
from crawlers.sources.hudoc_grevio import (
    INSTRUMENT_ID, SUBJECT_QUERIES, TRACKED_QUERIES, document_kind, feed_url, parse_feed, parse_text, state_of,
    text_url,
)
from crawlers.store.writer import Store

EXAMPLES = __import__("pathlib").Path(__file__).parent / "examples" / "hudoc_grevio"
FEED_URL = feed_url(SUBJECT_QUERIES[1])
IRELAND = "GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng-38"


def feed_response(body: bytes, meta: dict | None = None, url: str = FEED_URL):
    return scrapy.http.XmlResponse(url=url, body=body, request=scrapy.Request(url, meta=meta or {}))


def text_response(body: bytes, section: str = IRELAND, meta: dict | None = None):
    url = text_url(section)
    return scrapy.http.HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta or {}))


def example_sections() -> list[dict]:
    return parse_file("hudoc_grevio", EXAMPLES / "feed_subject.rss", FEED_URL, {"text": "no"})


# --- the feed ---


def test_every_section_is_linked_to_the_convention_and_to_its_state():
    sections = {s["id"]: s for s in example_sections()}
    assert len(sections) == 6  # the link that names no section is skipped
    assert {s["instrument_id"] for s in sections.values()} == {INSTRUMENT_ID}
    ireland = sections[f"grevio:{IRELAND}"]
    assert (ireland["state"], ireland["state_code"], ireland["kind"]) == ("Ireland", "IE", "baseline_evaluation_report")
    assert (ireland["section"], ireland["sections"], ireland["published"]) == (38, 52, "2023-10-24")
    assert ireland["title"] == "Baseline Evaluation Report IRELAND"
    assert ireland["heading"] == "V. B. 5. Sexual harassment (Article 40)"
    assert ireland["document"] == "GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng"
    assert ireland["url"] == 'https://hudoc.grevio.coe.int/eng#{"greviosectionid":["%s"]}' % IRELAND
    # The state named only in the key (Spain's thematic report, Albania's responses).
    spain = sections["grevio:GREVIO(2024)11_Spain_First_thematic_evaluation_report_eng-3"]
    assert (spain["state_code"], spain["kind"], spain["title"]) == ("ES", "thematic_evaluation_report",
                                                                    "First thematic evaluation report")
    albania = sections["grevio:Albania_Baseline_Evaluation_Government_responses_to_CoP_recommendations_eng_only-0"]
    assert (albania["state_code"], albania["kind"], albania["section"], albania["heading"]) == (
        "AL", "government_response", 0, None)
    # No state: the general recommendation and a general report.
    general = [s for s in sections.values() if s["state_code"] is None]
    assert sorted(s["kind"] for s in general) == ["general_recommendation", "general_report"]
    assert all(s["language"] == "en" for s in sections.values())


@pytest.mark.parametrize("title,key,expected", [
    ("Baseline Evaluation Report BOSNIA AND HERZEGOVINA", "x", ("Bosnia and Herzegovina", "BA")),
    ("State report", "Republic_of_Moldova_State_report_eng", ("Republic of Moldova", "MD")),
    ("Baseline Evaluation Report TÜRKIYE", "x", ("Türkiye", "TR")),
    ("First General Report on GREVIO's Activities", "1_Focus_section_First_General_Report_HUDOC_ENG", (None, None)),
])
def test_states_by_the_name_the_feed_writes(title, key, expected):
    assert state_of(title, key) == expected


@pytest.mark.parametrize("title,expected", [
    ("Comments submitted by Finland on GREVIO's final report", "state_comments"),
    ("Report submitted by Malta pursuant to Article 68, paragraph 1", "state_report"),
    ("GREVIO General Recommendation No. 1 on the digital dimension of violence against women", "general_recommendation"),
    ("Questionnaire", "other"),
])
def test_kinds_of_document(title, expected):
    assert document_kind(title, "") == expected


def test_the_crawl_asks_each_section_for_its_text_and_keeps_its_record():
    body = (EXAMPLES / "feed_subject.rss").read_bytes()
    requests = list(parse_feed(feed_response(body)))
    assert all(isinstance(r, scrapy.Request) for r in requests) and len(requests) == 6
    [ireland] = [r for r in requests if "Ireland" in r.url]
    assert ireland.url == text_url(IRELAND)
    assert ireland.meta["document"]["state_code"] == "IE"


def test_since_and_limit():
    body = (EXAMPLES / "feed_subject.rss").read_bytes()
    recent = list(parse_feed(feed_response(body, {"text": "no", "since": "2024-11-01"})))
    assert sorted(s["published"] for s in recent) == ["2024-11-21", "2024-11-22"]
    assert len(list(parse_feed(feed_response(body, {"text": "no", "limit": 2})))) == 2


@pytest.mark.parametrize("body", [
    b"",
    b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Server Error in '/' Application.</h1></body></html>",
    b"<html><head><title>Just a moment...</title></head><body>cf-chl</body></html>",
    b'{"Message": "An error has occurred."}',
    b"<rss version='2.0'/>",
])
def test_a_reply_that_is_not_a_feed_is_an_error(body):
    with pytest.raises(ValueError):
        list(parse_feed(feed_response(body)))


# --- the text of a section ---


def ireland_record() -> dict:
    found = next(s for s in example_sections() if s["id"] == f"grevio:{IRELAND}")
    return {k: v for k, v in found.items() if k != "type"}


def test_the_text_joins_its_section():
    record = ireland_record()
    [item] = parse_text(text_response((EXAMPLES / "text_ireland_article40.html").read_bytes(), meta={"document": record}))
    assert isinstance(item, MonitoringDocumentItem)
    assert item["text"].startswith("5. Sexual harassment (Article 40)")
    assert "212. GREVIO notes that the non-consensual sharing of intimate images" in item["text"]


def test_an_empty_conversion_stores_the_section_without_text_and_says_so():
    item, error = parse_text(text_response(b"", meta={"document": ireland_record()}))
    assert item["text"] is None and item["id"] == f"grevio:{IRELAND}"
    assert isinstance(error, PageError) and error["kind"] == "empty"


@pytest.mark.parametrize("body,meta", [
    (b"<html><title>Just a moment...</title></html>", "record"),
    (b'{"Message": "An error has occurred."}', "record"),
    (b"<div><style>p{}</style></div>", "record"),
    (b"", None),  # an empty reply names no text, and alone there is no record to keep
    (b"<html><title>Just a moment...</title></html>", None),
])
def test_a_text_reply_that_is_no_text_is_an_error(body, meta):
    with pytest.raises(ValueError):
        list(parse_text(text_response(body, meta={"document": ireland_record()} if meta else {})))


def test_a_saved_text_read_alone_is_the_section_its_url_names():
    # `sii-atlas parse hudoc_grevio FILE --url URL`: no feed record (meta), so the section is
    # what the URL's id= tells; what only the feed says (heading, date, section count) stays empty.
    [section] = parse_file("hudoc_grevio", EXAMPLES / "text_ireland_article40.html", text_url(IRELAND))
    assert section["type"] == "monitoring_document" and section["id"] == f"grevio:{IRELAND}"
    assert section["document"] == "GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng"
    assert section["title"] == section["document"]  # the feed's title is not on the page
    assert (section["section"], section["state"], section["state_code"]) == (38, "Ireland", "IE")
    assert (section["kind"], section["language"], section["instrument_id"]) == ("baseline_evaluation_report", "en",
                                                                                 INSTRUMENT_ID)
    assert section["heading"] is None and section["published"] is None and section["sections"] is None
    assert section["url"] == f'https://hudoc.grevio.coe.int/eng#{{"greviosectionid":["{IRELAND}"]}}'
    assert "212. GREVIO notes that the non-consensual sharing of intimate images" in section["text"]
    # With the feed's record (the crawl), the feed's fields are kept as before.
    [crawled] = parse_file("hudoc_grevio", EXAMPLES / "text_ireland_article40.html", text_url(IRELAND),
                           {"document": ireland_record()})
    assert crawled["heading"] == "V. B. 5. Sexual harassment (Article 40)" and crawled["published"] == "2023-10-24"
    assert crawled["text"] == section["text"]
    # A conversion URL naming no section is refused.
    with pytest.raises(ValueError, match="which HUDOC-GREVIO section"):
        parse_file("hudoc_grevio", EXAMPLES / "text_ireland_article40.html",
                   "https://hudoc.grevio.coe.int/app/conversion/docx/html/body?library=GREVIO")


def test_a_text_for_another_section_is_refused():
    with pytest.raises(ValueError, match="does not belong"):
        list(parse_text(text_response((EXAMPLES / "text_generic.html").read_bytes(), section="Other_eng-1",
                                      meta={"document": ireland_record()})))


# --- the store ---


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "store.db")
    store.db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES "
                     "('hudoc_grevio', 'HUDOC-GREVIO', 'https://hudoc.grevio.coe.int', 'CoE')")
    return store


def section(**changes) -> dict:
    return {"type": "monitoring_document", **ireland_record(),
            "text": "Words of the section.", **changes}


def test_a_section_is_stored_once_and_never_blanked(store):
    assert store.write_batch([section()])[0]["new"] == 1
    assert store.write_batch([section()])[0]["unchanged"] == 1
    # The conversion answered nothing this time: the stored text stays.
    store.write_batch([section(text=None)])
    row = store.db["monitoring_documents"].get(f"grevio:{IRELAND}")
    assert row["text"] == "Words of the section." and row["state_code"] == "IE"
    assert row["instrument_id"] == INSTRUMENT_ID and row["content_hash"] and row["fetched_at"]
    # A section of a state the registry does not hold (yet) is stored, not refused.
    counts, _ = store.write_batch([section(id="grevio:ME-1", state="Montenegro", state_code="ME")])
    assert counts["new"] == 1
    assert store.db.execute("SELECT count(*) FROM monitoring_documents_fts WHERE monitoring_documents_fts "
                            "MATCH 'words'").fetchone()[0] == 2


def test_a_refused_section_costs_itself_alone(store):
    counts, failures = store.write_batch([section(), section(id="grevio:bad-1", kind="opinion"),
                                          section(id="grevio:no-title-1", title=None)])
    assert (counts["new"], counts["dropped"]) == (1, 2)
    assert any("opinion" in f["reason"] or "CHECK" in f["reason"] for f in failures)
    assert store.db["monitoring_documents"].count == 1


# --- crawls ---


def test_crawl_stores_sections_linked_to_the_convention_and_their_states(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "hudoc_grevio")
    assert result.returncode == 0, result.stderr
    # The tracked General Recommendation query, then every subject search.
    feeds = [path for path in server.requests if path.startswith("/app/transform/rss")]
    assert len(feeds) == len(TRACKED_QUERIES) + len(SUBJECT_QUERIES)
    database = sqlite_utils.Database(built_db)
    ireland = database["monitoring_documents"].get(f"grevio:{IRELAND}")
    assert ireland["source"] == "hudoc_grevio" and ireland["body"] == "GREVIO"
    assert "212. GREVIO notes that the non-consensual sharing of intimate images" in ireland["text"]
    assert database["monitoring_documents"].count == 6
    by_state = {row["id"]: row for row in database.query("SELECT * FROM jurisdiction_monitoring")}
    assert by_state[f"grevio:{IRELAND}"]["jurisdiction_name"] == "Ireland"
    assert by_state[f"grevio:{IRELAND}"]["instrument"] == "Istanbul Convention (CETS No. 210)"
    montenegro = by_state["grevio:GREVIO(2024)10_Montenegro_First_thematic_evaluation_report_eng-10"]
    assert (montenegro["jurisdiction"], montenegro["jurisdiction_name"]) == ("ME", None)
    found = [row["id"] for row in database.query(
        "SELECT m.id FROM monitoring_documents_fts f JOIN monitoring_documents m ON m.rowid = f.rowid "
        "WHERE monitoring_documents_fts MATCH '\"image-based sexual abuse\"' ORDER BY m.id")]
    # Ireland's section by its text, the General Recommendation's by its heading.
    assert found == ["grevio:GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng-38",
                     "grevio:GREVIO-REC(2021)1_General_Recommendation_No_1_digital_dimension_eng-4"]
    run = next(database.query("SELECT * FROM crawl_runs WHERE source = 'hudoc_grevio'"))
    assert run["outcome"] == "ok" and run["items_new"] == 6


def test_error_pages_are_recorded_and_leave_the_stored_sections_whole(built_db):
    with FixtureServer() as server:
        assert crawl(built_db, server, "hudoc_grevio").returncode == 0
    database = sqlite_utils.Database(built_db)
    before = {row["id"]: row["text"] for row in database.query("SELECT id, text FROM monitoring_documents")}

    def html_error_pages(handler, method, path, query):
        """An ASP.NET error page, 200 text/html, where a feed or a converted text should be."""
        if path.startswith("/app/"):
            return 200, "text/html; charset=utf-8", b"<!DOCTYPE html><html><head><title>Runtime Error</title>" \
                b"</head><body><h1>Server Error in '/' Application.</h1></body></html>", {}
        return None

    with FixtureServer(hook=html_error_pages) as server:
        result = crawl(built_db, server, "hudoc_grevio")
    assert result.returncode == 1 and "failed: hudoc_grevio" in result.stderr  # every feed failed
    after = {row["id"]: row["text"] for row in database.query("SELECT id, text FROM monitoring_documents")}
    assert after == before and after[f"grevio:{IRELAND}"]
    run = list(database.query("SELECT * FROM crawl_runs WHERE source = 'hudoc_grevio' ORDER BY id"))[-1]
    assert run["outcome"] == "failed" and run["errors"] >= len(TRACKED_QUERIES) + len(SUBJECT_QUERIES)
    # (A page that fails in its parser is not counted in `tracked_failed` even when its request
    # was tracked: the pipeline's spider_error does not read the request's meta. Reported.)
    errors = list(database.query("SELECT url, kind, reason FROM crawl_errors WHERE run_id = ?", [run["id"]]))
    feeds = [e for e in errors if "/app/transform/rss" in (e["url"] or "")]
    assert len(feeds) == len(TRACKED_QUERIES) + len(SUBJECT_QUERIES)
    assert all(e["kind"] == "parse" and "RSS" in e["reason"] for e in feeds)


def test_the_declaration_is_complete():
    declaration = hudoc_grevio.DECLARATION
    assert declaration.official_hosts == frozenset({"hudoc.grevio.coe.int"}) and not declaration.env_vars
    assert json.loads(json.dumps(declaration.row()))["id"] == "hudoc_grevio"
