"""Federal Register of Legislation: the Angular shell (the one real capture) refused with a
clear error, the API and text-page parsers' variants and faults, and a crawl from the
fixture server into SQLite (titles, versions, text across volumes)."""

import pytest
import scrapy
import sqlite_utils
from conftest import crawl, sample
from scrapy.http import HtmlResponse, TextResponse

from crawlers.parsing import parse_file
from crawlers.sources.legislation_gov_au import (LegislationGovAuSpider, current_version, parse_page, parse_text,
                                                 parse_title, parse_versions)
from fixture_server import FixtureServer

TEXT_URL = ("https://www.legislation.gov.au/C2021A00076/2024-06-14/2024-06-14/text/original/epub/OEBPS/"
            "document_1/document_1.html")


# --- the real capture (../shared/samples/legislation_gov_au), skipped where absent ---


def test_the_real_angular_shell_is_refused_as_holding_no_law_text():
    path = sample("legislation_gov_au", "federal-test.html")
    with pytest.raises(ValueError, match="Angular shell"):
        parse_file("legislation_gov_au", path, "https://www.legislation.gov.au/")
    # Also where a text page was expected.
    with pytest.raises(ValueError, match="Angular shell"):
        parse_file("legislation_gov_au", path, "https://www.legislation.gov.au/C2021A00076/latest/text")


# --- variants and faults ---


def respond(parser, body: bytes, url: str, cls=TextResponse, **meta):
    return list(parser(cls(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))))


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><body>Server Error</body></html>", "HTML page"),
    (b"not json", "not JSON"),
    (b"[]", "JSON object"),
    (b'{"error": {"code": "400", "message": "The limit of 100 for $top is exceeded"}}', "limit of 100"),
    (b'{"@odata.context": "x", "value": "oops"}', "value"),
])
def test_bad_api_answers_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(parse_versions, body, "https://api.prod.legislation.gov.au/v1/versions")


def test_a_title_without_its_fields_is_refused():
    with pytest.raises(ValueError, match="not a Federal Register title"):
        respond(parse_title, b'{"value": []}', "https://api.prod.legislation.gov.au/v1/titles('C2021A00076')")


def test_no_published_version_is_an_error_not_silence():
    body = b'{"value": [{"titleId": "C2099A00001", "start": "2099-01-01T00:00:00", "registerId": null, "isCurrent": true}]}'
    with pytest.raises(ValueError, match="registerId is null"):
        respond(parse_versions, body, "https://api.prod.legislation.gov.au/v1/versions")
    with pytest.raises(ValueError, match="no version"):
        respond(parse_versions, b'{"value": []}', "https://api.prod.legislation.gov.au/v1/versions")


def test_the_current_version_or_the_latest_published_before_it():
    versions = [
        {"start": "2026-10-01", "registerId": None, "isCurrent": True},
        {"start": "2027-01-01", "registerId": "C2027C00001", "isCurrent": False},  # future, published early
        {"start": "2026-03-10", "registerId": "C2026C00101", "isCurrent": False},
        {"start": "2025-01-01", "registerId": "C2025C00001", "isCurrent": False},
    ]
    assert current_version(versions)["registerId"] == "C2026C00101"
    versions[0]["registerId"] = "C2026C00200"
    assert current_version(versions)["registerId"] == "C2026C00200"


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<html><body><p class='subsection'>text without any section heading</p></body></html>", "no sections"),
])
def test_bad_text_pages_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        respond(parse_text, body, TEXT_URL, cls=HtmlResponse)


def test_an_unknown_page_is_not_taken_for_text():
    with pytest.raises(ValueError, match="not a Federal Register text page"):
        respond(parse_page, b"<html><body><h1>Hello</h1></body></html>", "https://www.legislation.gov.au/x",
                cls=HtmlResponse)


def test_a_section_number_with_a_non_breaking_hyphen_and_untracked_pages_give_every_section():
    body = ('<html><body><p class="ActHead5"><span class="CharSectno">40\u00a0\u2011\u00a01</span>  Object</p>'
            '<p class="subsection">\t(1)\tText.</p><p class="TOC5">40-1 Object</p></body></html>').encode()
    records = respond(parse_text, body, TEXT_URL, cls=HtmlResponse)
    assert len(records) == 1
    assert records[0]["label"] == "s. 40-1"
    assert records[0]["id"].startswith("au-c2021a00076/section/40") and records[0]["text"] == "(1) Text."


def test_a_tracked_key_that_is_not_a_section_key_is_refused():
    with pytest.raises(ValueError, match="provision key"):
        list(LegislationGovAuSpider(tracked=[{"id": "au-x", "source_identifier": "C2021A00076",
                                              "provisions": [{"key": "part/6"}]}]).tracked_requests())


def test_one_title_request_per_curated_instrument_naming_where_its_sections_are():
    tracked = [{"id": "au-cth-deepfake-sexual-material-act-2024", "source_identifier": "C2024A00078",
                "jurisdiction": "AU", "provisions": [{"key": "C2004A04868/section/474.17A"}, {"label": "no key"}]}]
    requests = list(LegislationGovAuSpider(tracked=tracked).tracked_requests())
    assert [r.url for r in requests] == ["https://api.prod.legislation.gov.au/v1/titles('C2024A00078')"]
    assert requests[0].meta["texts"] == {"C2004A04868": ["C2004A04868/section/474.17A"]}
    assert requests[0].meta["tracked"]


# --- the crawl ---


def test_crawl_stores_titles_and_the_current_compilations_text(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "legislation_gov_au")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    deepfake = "au-cth-deepfake-sexual-material-act-2024"
    offence = db["provisions"].get(f"{deepfake}/C2004A04868/section/474.17A")
    assert offence["source"] == "legislation_gov_au" and offence["language"] == "en"
    assert "created, or altered in any way, using technology" in offence["text"]
    # The current version is unpublished: the compilation before it, with its dates.
    assert offence["valid_from"] == "2026-03-10" and offence["valid_to"] == "2026-09-30"
    assert db["provisions"].get(f"{deepfake}/C2004A04868/section/474.17AA")["text"].startswith("(1) A person commits")
    posting = db["provisions"].get("au-cth-online-safety-act-2021/section/75")
    assert posting["valid_from"] == "2024-06-14" and posting["in_force_status"] == "in_force"
    assert "must not post, or make a threat to post, an intimate image" in posting["text"]
    assert db["instruments"].get(deepfake)["date_enacted"] == "2024-09-02"
    paths = [p.split("?")[0] for p in server.requests]
    assert "/C2004A04868/2026-03-10/2026-03-10/text/original/epub/OEBPS/document_2/document_2.html" in paths


def test_the_page_s_own_encoding_declaration_wins_over_a_guess():
    # A page replayed from the archive on a 304 came back with Scrapy's cp1252 guess:
    # the page's declaration (or UTF-8) must decide, or every curly quote is garbled.
    body = '<?xml version="1.0" encoding="utf-8"?><html><body><p class="ActHead5"><span class="CharSectno">15' \
           '</span>  Intimate image</p><p class="subsection">\t(1)\tthe person’s image</p></body></html>'.encode()
    response = HtmlResponse(url=TEXT_URL, body=body, encoding="cp1252", request=scrapy.Request(TEXT_URL))
    assert list(parse_text(response))[0]["text"] == "(1) the person’s image"
    undeclared = HtmlResponse(url=TEXT_URL, body=body.split(b"?>", 1)[1], encoding="cp1252",
                              request=scrapy.Request(TEXT_URL))
    assert list(parse_text(undeclared))[0]["text"] == "(1) the person’s image"
