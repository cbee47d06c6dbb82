"""Open States: the final texts of Kentucky's 2024 HB 207 (Acts ch. 15) and Louisiana's 2023
SB 175 (Act 457), both published by their legislatures as PDF only.

Their bill answers and text PDFs are fixtures in tests/examples/open_states/ (what in them is
the record, and where it was read: examples.yaml). Their routes in server.yaml are marked
`reads_pdf: true`: the fixture server answers them only once open_states reads PDFs
(`DECLARATION.reads_pdf`, being added separately); until then the renamed S 7202 answers for
both bills, so no shared crawl records a gap for them. The tests that read a PDF's text are
skipped until then; the others check both states.
"""

import json
import re
import sqlite3
from pathlib import Path

import pytest
import scrapy

from crawlers.items import PageError
from crawlers.parsing import parse_file
from crawlers.pdf_text import pdf_text
from crawlers.registry import curated
from crawlers.sources import open_states
from crawlers.sources.open_states import final_version, link_kind, on_legislature_host, parse_bill_detail

EXAMPLES = Path(__file__).parent / "examples" / "open_states"
API = "https://v3.openstates.org"
READS_PDF = bool(getattr(open_states.DECLARATION, "reads_pdf", False))
needs_pdf = pytest.mark.skipif(not READS_PDF, reason="open_states does not read PDFs yet (DECLARATION.reads_pdf)")

# instrument id -> (bill answer, its API path, the final text's official URL, its PDF fixture,
# the text's valid_from: the curated in-force date, else the signature's date).
BILLS = {
    "us-ky-hb207-2024": ("bill_ky_2024RS_HB207.json", "/bills/ky/2024RS/HB%20207",
                         "https://apps.legislature.ky.gov/law/acts/24RS/documents/0015.pdf",
                         "text_ky_24RS_0015.pdf", "2024-03-28"),
    "us-la-rs-14-73-13": ("bill_la_2023_SB175.json", "/bills/la/2023/SB%20175",
                          "https://www.legis.la.gov/legis/ViewDocument.aspx?d=1000457",
                          "text_la_SB175_enrolled.pdf", "2023-08-01"),
}
# Printed lines each text must give, whole (one line of the printed page each, so they
# survive whatever joining of wrapped lines a PDF reader does).
PRINTED = {
    "us-ky-hb207-2024": ["AN ACT relating to crimes and punishments.",
                         "Be it enacted by the General Assembly of the Commonwealth of Kentucky:",
                         "4. Promoting a sexual performance of a minor, as set forth in KRS 531.320;"],
    "us-la-rs-14-73-13": ["Be it enacted by the Legislature of Louisiana:", "Unlawful deepfakes",
                          "knowingly creates or possesses material that depicts a minor engaging in sexual conduct"],
}


def detail(instrument_id: str) -> scrapy.http.TextResponse:
    answer, path, *_ = BILLS[instrument_id]
    tracked = {i["id"]: i for i in curated.tracked_instruments("open_states")}[instrument_id]
    meta = {"curated_id": open_states.bill_id_for(tracked["source_identifier"]), "instrument_id": instrument_id}
    if tracked.get("date_in_force"):
        meta["in_force"] = str(tracked["date_in_force"])
    request = scrapy.Request(f"{API}{path}?include=versions", meta=meta)
    return scrapy.http.TextResponse(request.url, body=(EXAMPLES / answer).read_bytes(), encoding="utf-8",
                                    request=request)


def declared(path: str, query: dict | None = None) -> dict:
    """The osfix1 route of the shared table that answers `path` (whether it serves now or not)."""
    from fixture_server import routes

    [found] = [r for r in routes() if r["folder"].name == "open_states" and r.get("reads_pdf")
               and r["pattern"].search(path)
               and all(re.search(v, (query or {}).get(k, "")) for k, v in (r.get("query") or {}).items())]
    return found


@pytest.mark.parametrize("instrument_id", sorted(BILLS))
def test_the_curated_bill_has_its_own_answer_served_once_pdfs_are_read(instrument_id):
    from fixture_server import answer, route, serving

    file, path, *_ = BILLS[instrument_id]
    tracked = {i["id"]: i for i in curated.tracked_instruments("open_states")}[instrument_id]
    code, session, identifier = open_states.split_source_identifier(tracked["source_identifier"])
    assert path == open_states.bill_path(code, session, identifier)
    own = declared(path)
    assert own["file"] == file and json.loads(answer(own, {})) == json.loads((EXAMPLES / file).read_text(encoding="utf-8"))
    status, media, body = route(path, {})
    assert (status, media) == (200, "application/json") and serving(own) == READS_PDF
    served = json.loads(body)
    assert (served["identifier"], served["session"]) == (identifier, session)
    # Its own answer (enacted, its PDF version) once the source reads PDFs; before, the
    # renamed S 7202 (a pending bill, no text asked for), so no crawl records a gap.
    assert (served == json.loads(answer(own, {}))) == READS_PDF
    assert (served["title"].startswith("Test bill")) != READS_PDF


@pytest.mark.parametrize("instrument_id", sorted(BILLS))
def test_the_enacted_bill_names_its_pdf_on_the_legislatures_own_host(instrument_id):
    _, _, official, _, valid_from = BILLS[instrument_id]
    response = detail(instrument_id)
    bill = json.loads(response.text)
    version = final_version(bill["versions"])
    [link] = version["links"]
    assert link["url"] == official and link_kind(link) == "pdf"
    item, *rest = parse_bill_detail(response)
    assert item["status"] == "enacted" and on_legislature_host(item["jurisdiction"], official)
    [follow] = rest
    if READS_PDF:
        # Read as text once the source reads PDFs: the request carries whose text it is.
        assert isinstance(follow, scrapy.Request) and follow.url == official
        assert follow.meta["instrument_id"] == instrument_id and follow.meta["valid_from"] == valid_from
    else:
        assert isinstance(follow, PageError) and follow["kind"] == "refused" and follow["url"] == official
        assert "text only as PDF" in follow["reason"]


@pytest.mark.parametrize("instrument_id", sorted(BILLS))
def test_the_fixture_pdf_is_served_as_stored_and_prints_the_acts_lines(instrument_id):
    from fixture_server import answer

    _, _, official, pdf, _ = BILLS[instrument_id]
    path, _, query = official.removeprefix("https://").partition("?")
    own = declared(f"/open_states/{path}", dict(p.split("=") for p in query.split("&") if p))
    assert (own["file"], own["type"]) == (pdf, "application/pdf")
    # Binary, byte for byte the file (the server once decoded every example as UTF-8).
    body = answer(own, {})
    assert body == (EXAMPLES / pdf).read_bytes() and body.startswith(b"%PDF-")
    lines = pdf_text(body).splitlines()
    for printed in PRINTED[instrument_id]:
        assert any(printed in line for line in lines), printed


@needs_pdf
@pytest.mark.parametrize("instrument_id", sorted(BILLS))
def test_the_pdf_read_alone_gives_the_acts_text(instrument_id):
    _, _, official, pdf, valid_from = BILLS[instrument_id]
    meta = {"instrument_id": instrument_id, "state": instrument_id[:5].upper(), "valid_from": valid_from}
    records = parse_file("open_states", EXAMPLES / pdf, official, meta)
    [provision] = [r for r in records if r.get("id") == f"{instrument_id}/whole"]
    assert provision["language"] == "en" and provision["valid_from"] == valid_from and provision["url"] == official
    for printed in PRINTED[instrument_id]:
        assert printed in provision["text"]


@needs_pdf
def test_the_fixture_crawl_stores_both_texts(crawled_templates):
    db, result, server = crawled_templates("open_states")
    asked = [path for _, path, _, headers in server.log if path.startswith("/open_states/")]
    for _, _, official, _, _ in BILLS.values():
        assert any(official.removeprefix("https://").split("?")[0] in path for path in asked), official
    with sqlite3.connect(db) as connection:
        stored = {row[0]: row[1:] for row in connection.execute(
            "SELECT instrument_id, text, valid_from, url FROM provisions WHERE source = 'open_states'")}
        # Enacted, so both count in the canned query of enactments by year (metadata.yml).
        enacted = {row[0] for row in connection.execute(
            "SELECT identifier FROM bills WHERE status = 'enacted' AND jurisdiction IN ('US-KY', 'US-LA')")}
    assert enacted == {"HB 207", "SB 175"}
    for instrument_id, (_, _, official, _, valid_from) in BILLS.items():
        text, stored_from, url = stored[instrument_id]
        assert (stored_from, url) == (valid_from, official)
        for printed in PRINTED[instrument_id]:
            assert printed in text
