"""Open States API v3: ids, sessions, the action vocabulary, bad pages, and a crawl from
the fixture server into SQLite with a key that must leave no trace. No real capture
exists: the examples in tests/examples/open_states follow the API's published schema."""

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import scrapy
from conftest import archive_of, crawl

from crawlers.parsing import parse_file
from crawlers.sources.open_states import (
    DECLARATION,
    OpenStatesSpider,
    bill_id_for,
    bill_item,
    jurisdiction_code,
    normalise_actions,
    parse_bill_search,
    read_json,
    recent_sessions,
    status_of,
)

EXAMPLES = Path(__file__).parent / "examples" / "open_states"
API = "https://v3.openstates.org"
LOWER = {"classification": "lower"}
UPPER = {"classification": "upper"}


def act(date_, description, classes, organization=LOWER, order=0):
    return {"date": date_, "description": description, "classification": classes, "organization": organization,
            "order": order}


def test_ids_and_jurisdictions():
    assert bill_id_for("US-AK/34/HB 47") == "us-ak-34-hb47"
    assert bill_id_for("US-NY/2025-2026/S 7202") == "us-ny-2025-2026-s7202"
    assert bill_id_for("AK/34/HB 47") is None and bill_id_for("US-AK/HB 47") is None
    assert jurisdiction_code("ocd-jurisdiction/country:us/state:ca/government") == "US-CA"
    assert jurisdiction_code("ocd-jurisdiction/country:us/district:dc/government") == "US-DC"
    assert jurisdiction_code("ocd-jurisdiction/country:us/territory:pr/government") == "US-PR"
    assert jurisdiction_code("ocd-jurisdiction/country:us/state:ca/place:la/government") is None


def test_recent_sessions_skip_special_and_future_ones():
    sessions = json.loads((EXAMPLES / "jurisdictions.json").read_text())["results"][0]["legislative_sessions"]
    assert recent_sessions(sessions, date(2026, 11, 30)) == ["20252026", "20232024", "20212022"]
    # Once the next session has started, it is the current one.
    assert recent_sessions(sessions, date(2026, 12, 7)) == ["20272028", "20252026", "20232024"]


def test_actions_vocabulary_reads_passage_per_chamber_and_keeps_wording():
    actions = [
        act("2025-05-01", "Passed Senate", ["passage"], UPPER, 3),
        act("2025-01-10", "Introduced", ["introduction", "reading-1"], UPPER, 1),
        act("2025-01-11", "Referred to Judiciary", ["referral-committee"], UPPER, 2),
        act("2025-06-01", "Passed House", ["passage"], LOWER, 4),
        act("2025-06-20", "Vetoed by Governor", ["executive-veto"], {"classification": "executive"}, 5),
        act("2025-07-01", "Veto sustained", ["veto-override-failure"], UPPER, 6),
    ]
    normalised = normalise_actions(actions)
    assert normalised == [
        {"date": "2025-01-10", "action": "introduced", "wording": "Introduced"},
        {"date": "2025-05-01", "action": "passed_one_chamber", "wording": "Passed Senate"},
        {"date": "2025-06-01", "action": "passed_both", "wording": "Passed House"},
        {"date": "2025-06-20", "action": "vetoed", "wording": "Vetoed by Governor"},
        {"date": "2025-07-01", "action": "failed", "wording": "Veto sustained"},
    ]
    assert status_of(actions, normalised) == ("failed", "2025-07-01")


def test_unicameral_passage_and_law_without_signature():
    # Nebraska's single house: one passage is the legislature's.
    actions = [act("2024-01-03", "Date of introduction", ["introduction"], {"classification": "legislature"}),
               act("2024-04-02", "Passed on Final Reading 45-0-4", ["passage"], {"classification": "legislature"}),
               act("2024-04-10", "Became law without Governor's signature", ["became-law"], {"classification": "executive"})]
    normalised = normalise_actions(actions)
    assert [a["action"] for a in normalised] == ["introduced", "passed_both", "became_law"]
    assert status_of(actions, normalised) == ("enacted", "2024-04-10")


def test_sponsorships_abstracts_and_subjects_say_what_the_bill_is():
    bill = {"id": "ocd-bill/x", "identifier": "HB 5", "session": "2025", "title": "A bill",
            "jurisdiction": {"id": "ocd-jurisdiction/country:us/state:ne/government"},
            "subject": ["Crimes", " ", "Technology"],
            "abstracts": [{"abstract": "  ", "note": "empty"}, {"abstract": "Creates  an offence.", "note": "digest"}],
            "sponsorships": [
                {"name": "Ada", "primary": True, "classification": "primary",
                 "person": {"name": "Ada Lovelace", "party": "Nonpartisan"}},
                {"name": "", "primary": False, "classification": "cosponsor", "person": {"name": "Bo Li"}},
                {"name": "", "primary": False, "classification": "cosponsor", "person": None},
                "not a sponsorship",
            ]}
    item = bill_item(bill)
    assert item["summary"] == "Creates an offence."
    assert item["subjects"] == ["Crimes", "Technology"]
    assert item["sponsors"] == [
        {"name": "Ada", "party": "Nonpartisan", "role": "primary", "classification": "primary"},
        {"name": "Bo Li", "party": None, "role": "cosponsor", "classification": "cosponsor"}]
    # The form a curator writes, for bill_instruments.
    assert {"scheme": "OTHER", "value": "US-NE/2025/HB 5"} in item["identifiers"]
    bare = bill_item({**bill, "subject": [], "abstracts": [], "sponsorships": []})
    assert bare["summary"] is None and bare["subjects"] is None and bare["sponsors"] is None


def test_search_pages_until_max_page_and_the_key_never_travels():
    url = f"{API}/bills?jurisdiction=ca&q=deepfake&page=1&per_page=20&apikey=SECRET"
    body = json.dumps({"results": [], "pagination": {"per_page": 20, "page": 1, "max_page": 3, "total_items": 41}})
    response = scrapy.http.TextResponse(url=url, body=body.encode(), encoding="utf-8", request=scrapy.Request(url))
    [request] = list(parse_bill_search(response))
    assert "page=2" in request.url and "SECRET" not in request.url and "apikey" not in request.url
    last = json.loads(body)
    last["pagination"]["page"] = 3
    response = response.replace(body=json.dumps(last).encode())
    assert list(parse_bill_search(response)) == []


def test_search_example_gives_bills_and_the_next_page():
    records = parse_file("open_states", EXAMPLES / "bills_ny_2025-2026_page1.json",
                         f"{API}/bills?jurisdiction=ny&session=2025-2026&q=deepfake&page=1&per_page=20")
    assert [r["type"] for r in records] == ["bill", "request"]
    assert records[1]["url"].endswith("page=2&per_page=20") or "page=2" in records[1]["url"]


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body>502 Bad Gateway</body></html>", "not JSON"),
    (b'{"detail": "Invalid API Key. Login and visit https://openstates.org/account/profile/ for your API key."}',
     "Invalid API Key"),
    (b'{"detail": "exceeded limit of 10/min: 11"}', "exceeded limit"),
    (b'{"pagination": {}}', "no 'results'"),
    (b"[1, 2]", "JSON object"),
])
def test_bad_pages_raise_clear_errors(body, message):
    url = f"{API}/bills?jurisdiction=ca&q=deepfake"
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    with pytest.raises(ValueError, match=message):
        list(parse_bill_search(response))
    with pytest.raises(ValueError):
        read_json(response, "results")


def test_a_bill_outside_the_states_is_refused():
    bill = json.loads((EXAMPLES / "bill_ny_2025-2026_S7202.json").read_text())
    bill["jurisdiction"]["id"] = "ocd-jurisdiction/country:us/government"
    url = f"{API}/bills?q=deepfake"
    body = json.dumps({"results": [bill], "pagination": {"page": 1, "max_page": 1}}).encode()
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    with pytest.raises(ValueError, match="without a US state"):
        list(parse_bill_search(response))


def test_tracked_requests_name_the_bill_they_expect():
    spider = OpenStatesSpider(tracked=[{"id": "us-ak-hb47-2025", "source_identifier": "US-AK/34/HB 47"},
                                       {"id": "bad", "source_identifier": "HB 47"}])
    [request] = list(spider.tracked_requests())
    assert request.url.startswith(f"{API}/bills/ak/34/HB%2047?include=actions&include=sponsorships")
    assert request.meta["tracked"] and request.meta["expects"] == ("bill", "us-ak-34-hb47")


def test_contract_fits_the_free_tier_and_keeps_the_key_in_a_header():
    assert DECLARATION.auth.kind == "header" and DECLARATION.auth.header == "X-API-KEY"
    assert DECLARATION.auth.key_env == "OPENSTATES_API_KEY" and "apikey" in DECLARATION.all_secret_params
    assert DECLARATION.run_quota <= 250 and DECLARATION.rate_limit == (250, 86400) and DECLARATION.download_delay >= 6
    assert DECLARATION.curated_instrument_id("US-OH/136/HB 84") == "us-oh-136-hb84"


# --- end to end: fixture server -> SQLite ---

FAKE_KEY = "fake-openstates-key-0123456789"


def test_crawl_stores_state_bills_with_actions_without_the_key(built_db):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "open_states", env={"OPENSTATES_API_KEY": FAKE_KEY})
        asked = [(path, headers) for _, path, _, headers in server.log if path.startswith(("/bills", "/jurisdictions"))]
    assert result.returncode == 0, result.stdout + result.stderr
    # The key went in the header of every request, never in a URL.
    assert asked and all(headers.get("X-Api-Key", headers.get("X-API-KEY")) == FAKE_KEY for _, headers in asked)
    assert not any(FAKE_KEY in path for path, _ in asked)
    db = sqlite3.connect(built_db)
    ab621 = db.execute("SELECT jurisdiction, identifier, session, status, status_date, url FROM bills "
                       "WHERE id = 'us-ca-20252026-ab621'").fetchone()
    assert ab621 == ("US-CA", "AB 621", "20252026", "enacted", "2025-10-13",
                     "https://leginfo.legislature.ca.gov/faces/billNavClient.xhtml?bill_id=202520260AB621")
    actions = db.execute("SELECT date, action FROM bill_actions WHERE bill_id = 'us-ca-20252026-ab621' "
                         "ORDER BY date, action").fetchall()
    assert actions == [("2025-02-13", "introduced"), ("2025-06-02", "passed_one_chamber"),
                       ("2025-09-10", "passed_both"), ("2025-10-13", "became_law"), ("2025-10-13", "signed")]
    summary, subjects = db.execute("SELECT summary, subjects FROM bills WHERE id = 'us-ca-20252026-ab621'").fetchone()
    assert "deepfake pornography services" in summary and json.loads(subjects) == ["Civil Actions", "Privacy"]
    assert db.execute("SELECT name, party, role, classification FROM bill_sponsors WHERE bill_id = 'us-ca-20252026-ab621'"
                      ).fetchall() == [("Bauer-Kahan", "Democratic", "primary", "primary")]
    # A curated bill (source_identifier US-AK/34/HB 47) is linked to the bill crawled for it,
    # and the California statute whose citation names AB 621 to the bill that became it.
    links = set(db.execute("SELECT bill_id, instrument_id, link FROM bill_instruments").fetchall())
    curated_ak = db.execute("SELECT id FROM curated_instruments WHERE source_identifier = 'US-AK/34/HB 47'").fetchone()[0]
    assert ("us-ak-34-hb47", curated_ak, "curated_bill") in links
    assert ("us-ca-20252026-ab621", "us-ca-civ-1708-86", "bill_number") in links
    # Both pages of New York's search, and every tracked bill under its curated identifier.
    ids = {row[0] for row in db.execute("SELECT id FROM bills WHERE source = 'open_states'")}
    assert {"us-ny-2025-2026-s7202", "us-ny-2025-2026-a8449", "us-ny-2025-2026-s3202", "us-ak-34-hb47", "us-oh-136-hb84",
            "us-mn-2025-2026-sf1119"} <= ids
    assert db.execute("SELECT identifier, jurisdiction FROM bills WHERE id = 'us-ak-34-hb47'").fetchone() == ("HB 47", "US-AK")
    # The canned query: which states enacted a bill on the subject in 2025.
    import yaml

    sql = yaml.safe_load((Path(__file__).parent.parent / "metadata.yml").read_text())[
        "databases"]["sii_atlas"]["queries"]["states_enacted_in_year"]["sql"]
    rows = db.execute(sql, {"year": "2025"}).fetchall()
    assert sorted((r[0], r[2], r[5]) for r in rows) == [
        ("US-AR", "HB 1529", "2025-04-17"), ("US-CA", "AB 621", "2025-10-13"), ("US-NJ", "A 3540", "2025-04-02")]
    assert sorted((r[0], r[2]) for r in db.execute(sql, {"year": "2024"}).fetchall()) == [
        ("US-MS", "HB 1196"), ("US-WA", "HB 1999")]
    assert db.execute(sql, {"year": "2023"}).fetchall() == []
    dumped = "\n".join(db.iterdump())
    assert FAKE_KEY not in dumped
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_KEY.encode() not in archive.read_bytes()
    assert FAKE_KEY not in result.stderr and FAKE_KEY not in result.stdout


def test_crawl_without_the_key_skips_the_source(built_db):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "open_states", env={"OPENSTATES_API_KEY": ""})
        assert not [entry for entry in server.log if entry[1].startswith(("/bills", "/jurisdictions"))]
    assert "open_states: skipped" in result.stderr
