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
        ("US-AR", "HB 1529", "2025-04-17"), ("US-CA", "AB 621", "2025-10-13"), ("US-MI", "HB 4047", "2025-08-26"), ("US-NJ", "A 3540", "2025-04-02"),
        ("US-PA", "SB 649", "2025-07-07")]
    assert sorted((r[0], r[2]) for r in db.execute(sql, {"year": "2024"}).fetchall()) == [
        ("US-IA", "HF 2240"), ("US-LA", "SB 6"), ("US-MS", "HB 1196"), ("US-WA", "HB 1999")]
    assert [(r[0], r[2]) for r in db.execute(sql, {"year": "2023"}).fetchall()] == [("US-LA", "SB 175")]
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


# --- the texts of tracked enacted bills ---

from crawlers.registry import curated  # noqa: E402
from crawlers.sources._bill_text import NotBillText, bill_lines  # noqa: E402
from crawlers.sources.open_states import (  # noqa: E402
    LEGISLATURE_HOSTS,
    final_version,
    last_printing,
    link_kind,
    parse_bill_detail,
    parse_bill_text,
)

TEXT_HOSTS = "open_states text pages"
#: Where Open States links Colorado's signed act of SB 25-288 (a page of the legislature's
#: S3 bucket, read through the search tool: "NOTE: The governor signed this measure on 6/2/2025").
CO_STORE = "https://s3.us-west-2.amazonaws.com/beta.leg.colorado.gov/f653a95e42a347cb6f958cc24087fa18"


def test_every_legislature_host_is_on_its_states_official_domains():
    # The module keeps its own table (sources never read the registry); the registry's
    # jurisdictions say which domains are official, and every host must lie on one.
    hosts = [host for hosts in LEGISLATURE_HOSTS.values() for host in hosts]
    assert len(hosts) == len(set(hosts)), "a host is listed for two states"
    data = curated.load()
    jurisdictions = {j["code"]: j for j in data.jurisdictions}
    for code, hosts in LEGISLATURE_HOSTS.items():
        domains = curated.official_domains(jurisdictions, code)
        for host in hosts:
            assert curated.on_domains(f"https://{host}/", domains), f"{host} is not on {code}'s {sorted(domains)}"
    # Every state with a tracked law in force has hosts to fetch its text from.
    tracked = curated.tracked_instruments("open_states")
    in_force = {i["jurisdiction"] for i in tracked if i.get("status") == "in_force"}
    assert in_force <= set(LEGISLATURE_HOSTS), in_force - set(LEGISLATURE_HOSTS)


def test_tracked_session_laws_name_their_enacting_bills():
    tracked = {i["id"]: i["source_identifier"] for i in curated.tracked_instruments("open_states")}
    assert tracked["us-wa-shb1999-2024"] == "US-WA/2023-24/HB 1999"  # Open States' WA session id
    assert tracked["us-co-sb25-288"] == "US-CO/2025A/SB 25-288"
    assert tracked["us-ky-hb207-2024"] == "US-KY/2024RS/HB 207"
    assert tracked["us-ma-acts-2024-c118"] == "US-MA/193rd/H 4744"
    assert tracked["us-nj-pl-2025-c40"] == "US-NJ/221/A 3540"
    assert tracked["us-wy-hb0102-2026"] == "US-WY/2026/HB 102"  # the API's form of HB0102
    # Left curated: no enacting bill whose text is the law as tracked.
    for curated_only in ("us-ms-code-97-29-64-1", "us-ga-ocga-16-11-90", "us-ky-krs-531-120"):
        assert curated_only not in tracked
    for source_identifier in tracked.values():
        assert bill_id_for(source_identifier), source_identifier


def test_final_version_prefers_the_act_then_the_enrolled_text_and_html_over_pdf():
    versions = [{"note": "Introduced", "date": "2025-01-10", "links": [{"url": "https://x/1.htm", "media_type": "text/html"}]},
                {"note": "Enrolled", "date": "2025-04-01", "links": [{"url": "https://x/e.pdf", "media_type": "application/pdf"}]},
                {"note": "Chaptered", "date": "2025-04-10", "links": [{"url": "https://x/c.htm", "media_type": "text/html"}]},
                {"note": "Enrolled", "date": "2025-04-20", "links": []}]
    assert final_version(versions)["note"] == "Chaptered"
    assert final_version(versions[:2])["note"] == "Enrolled"
    # No note names a final text: nothing is taken for one.
    assert final_version(versions[:1]) is None and final_version([]) is None
    assert final_version([{"note": "House Enrolled Act", "date": "2024-03-12", "links": [{"url": "u"}]},
                          {"note": "Engrossed House Bill", "date": "2024-02-01", "links": [{"url": "u"}]}])["note"] \
        == "House Enrolled Act"
    # Pennsylvania names its versions by printing alone: an enacted bill's last printing
    # (by number, not by listing order) is the signed text; elsewhere such notes are no final text.
    printings = [{"note": f"Printer's No. {n}", "date": "", "links": [{"url": f"https://x/PN{n}", "media_type": "text/html"}]}
                 for n in (920, 1012, 705)]
    assert last_printing("US-PA", printings)["note"] == "Printer's No. 1012"
    assert last_printing("US-NY", printings) is None and final_version(printings) is None
    assert last_printing("US-PA", [{"note": "House Amendment A01234", "links": [{"url": "u"}]}]) is None
    assert link_kind({"url": "https://x/a.HTM"}) == "html" and link_kind({"url": "https://x/a", "media_type": "text/plain"}) == "text"
    assert link_kind({"url": "https://x/FTPDocument?file=827.pdf"}) == "pdf"
    assert link_kind({"url": "https://x/v", "media_type": "video/mp4"}) == "media"


def detail_response(bill: dict, **meta) -> scrapy.http.TextResponse:
    url = f"{API}/bills/co/2025A/SB%2025-288?include=versions"
    request = scrapy.Request(url, meta={"curated_id": "us-co-2025a-sb25-288", "instrument_id": "us-co-sb25-288", **meta})
    return scrapy.http.TextResponse(url=url, body=json.dumps(bill).encode(), encoding="utf-8", request=request)


def enacted_co_bill(versions: list) -> dict:
    bill = json.loads((EXAMPLES / "bill_ar_2025_HB1529.json").read_text())
    bill.update(jurisdiction={"id": "ocd-jurisdiction/country:us/state:co/government"}, session="2025A",
                identifier="SB 25-288", versions=versions)
    return bill


def test_an_off_host_text_link_is_refused_and_recorded_never_followed():
    bill = enacted_co_bill([{"note": "Signed Act", "date": "2025-06-02",
                             "links": [{"url": "https://mirror.example.org/co/sb25-288.html", "media_type": "text/html"}]}])
    results = list(parse_bill_detail(detail_response(bill)))
    assert [type(r).__name__ for r in results] == ["BillItem", "PageError"]
    error = results[1]
    assert error["kind"] == "refused" and error["url"] == "https://mirror.example.org/co/sb25-288.html"
    assert "not a host of the US-CO legislature" in error["reason"] and "us-co-sb25-288" in error["reason"]
    # Another state's legislature is off-host too.
    bill["versions"][0]["links"][0]["url"] = "https://lawfilesext.leg.wa.gov/biennium/2023-24/Htm/x.htm"
    assert type(list(parse_bill_detail(detail_response(bill)))[1]).__name__ == "PageError"


@pytest.mark.parametrize("code,versions,why", [
    # Massachusetts (openstates-scrapers ma/bills.py): the bill's PDF alone, "Bill Text";
    # the session-law chapter page on malegislature.gov is not among the versions.
    ("ma", [{"note": "Bill Text", "date": "", "links": [{"url": "https://malegislature.gov/Bills/193/H4744.pdf",
                                                         "media_type": "application/pdf"}]}],
     "session-law chapter (malegislature.gov/Laws/SessionLaws/Acts/<year>/Chapter<n>, an HTML page) is not among"),
    # Delaware (de/bills.py): the original text only, "Bill Text", even as HTML; the
    # chapter of the Laws of Delaware is a citation, which API v3 does not serve.
    ("de", [{"note": "Bill Text", "date": "", "links": [
        {"url": "https://legis.delaware.gov/json/BillDetail/GenerateHtmlDocument?legislationId=1&legislationTypeId=1",
         "media_type": "text/html"}]}],
     "Laws of Delaware chapter is recorded as a citation, which API v3 does not serve"),
    # South Carolina (sc/bills.py): each printing named by its date alone.
    ("sc", [{"note": "4/22/2025", "date": "", "links": [
        {"url": "https://www.scstatehouse.gov/sess126_2025-2026/prever/3058_20250422.htm", "media_type": "text/html"}]}],
     "printings under /prever/ named by their dates alone; none is marked as the ratified act"),
    # Tennessee (tn/bills.py): "Current Version" (the bill's PDF) and amendments alone.
    ("tn", [{"note": "Current Version", "date": "", "links": [
        {"url": "https://wapp.capitol.tn.gov/apps/Bills/114/Bill/HB1299.pdf", "media_type": "application/pdf"}]}],
     "public chapter (publications.tnsosfiles.com) is not among its versions"),
])
def test_states_whose_versions_name_no_final_text_are_recorded_gaps_saying_why(code, versions, why):
    # Neither the introduced text nor a dated printing is taken for the law: the gap is
    # recorded, with what that state's Open States data lacks.
    bill = enacted_co_bill(versions)
    bill["jurisdiction"]["id"] = f"ocd-jurisdiction/country:us/state:{code}/government"
    results = list(parse_bill_detail(detail_response(bill)))
    assert [type(r).__name__ for r in results] == ["BillItem", "PageError"]
    assert results[1]["kind"] == "refused" and "no enrolled, chaptered or act version listed (" in results[1]["reason"]
    assert why in results[1]["reason"]


def test_colorados_document_store_off_its_domains_is_refused_and_named():
    # Open States links Colorado's texts to the legislature's S3 bucket (beta.leg.colorado.gov
    # on s3.us-west-2.amazonaws.com): a host that serves anyone's files is not followed.
    url = "https://s3.us-west-2.amazonaws.com/beta.leg.colorado.gov/f653a95e42a347cb6f958cc24087fa18"
    bill = enacted_co_bill([{"note": "Signed Act (06/02/2025)", "date": "2025-06-02",
                             "links": [{"url": url, "media_type": "text/html"}]}])
    [_, gap] = list(parse_bill_detail(detail_response(bill)))
    assert gap["url"] == url and "not a host of the US-CO legislature" in gap["reason"]
    assert "Colorado's document store (the Amazon S3 bucket beta.leg.colorado.gov" in gap["reason"]
    # Another bucket on the same host is refused without being called Colorado's.
    bill["versions"][0]["links"][0]["url"] = "https://s3.us-west-2.amazonaws.com/someone-else/x.html"
    [_, other] = list(parse_bill_detail(detail_response(bill)))
    assert "not a host of the US-CO legislature" in other["reason"] and "document store" not in other["reason"]


def test_no_text_is_asked_for_a_bill_not_enacted_or_not_tracked():
    bill = enacted_co_bill([{"note": "Signed Act", "date": "2025-06-02",
                             "links": [{"url": "https://leg.colorado.gov/a.html", "media_type": "text/html"}]}])
    [item, request] = list(parse_bill_detail(detail_response(bill, in_force="2025-08-06")))
    assert request.url == "https://leg.colorado.gov/a.html" and request.meta["tracked"]
    assert request.meta["valid_from"] == "2025-08-06" and request.meta["instrument_id"] == "us-co-sb25-288"
    assert "expects" not in request.meta  # a moved page says nothing about the law
    pending = {**bill, "actions": [a for a in bill["actions"]
                                   if not {"became-law", "executive-signature"} & set(a["classification"])]}
    assert [type(r).__name__ for r in parse_bill_detail(detail_response(pending))] == ["BillItem"]
    untracked = detail_response(bill)
    untracked.meta.pop("instrument_id")
    assert [type(r).__name__ for r in parse_bill_detail(untracked)] == ["BillItem"]
    no_final = enacted_co_bill([{"note": "Introduced", "date": "2025-04-01", "links": [{"url": "https://leg.colorado.gov/i.html"}]}])
    [_, error] = list(parse_bill_detail(detail_response(no_final)))
    assert "no enrolled, chaptered or act version" in error["reason"]


def text_response(body: bytes, url="https://billstatus.ls.state.ms.us/documents/2024/html/HB/1100-1199/HB1196SG.htm",
                  content_type=b"text/html; charset=utf-8", **meta):
    meta = {"instrument_id": "us-ms-code-97-3-119-1", "state": "US-MS", **meta}
    return scrapy.http.HtmlResponse(url=url, body=body, headers={"Content-Type": content_type},
                                    request=scrapy.Request(url, meta=meta))


@pytest.mark.parametrize("body,content_type,message", [
    (b"", b"text/html", "empty page"),
    (b"<html><head><title>Page not found</title></head><body><nav>Home</nav><p>Sorry, that page is missing.</p></body></html>",
     b"text/html", "does not read as a bill's text"),
    (b"%PDF-1.7 ...", b"application/pdf", "answered a PDF that was not read as text"),
    (b"<html><body><script>location='/x'</script></body></html>", b"text/html", "no text"),
])
def test_a_page_that_is_not_a_bill_text_is_an_error_never_an_empty_text(body, content_type, message):
    with pytest.raises(ValueError, match=message):
        list(parse_bill_text(text_response(body, content_type=content_type)))


def test_a_text_page_needs_its_states_host_and_files_itself_alone_by_its_address():
    body = (EXAMPLES / "text_ms_HB1196SG.htm").read_bytes()
    [alone] = list(parse_bill_text(text_response(body, instrument_id=None)))
    assert alone["instrument_id"] == "us-ms-documents-2024-html-hb-1100-1199-hb1196sg-htm"
    with pytest.raises(ValueError, match="not on a host of the US-NJ legislature"):
        list(parse_bill_text(text_response(body, state="US-NJ")))
    plain = text_response(b"AN ACT relating to crimes.\n\nSection 1.  A person commits...\n",
                          content_type=b"text/plain; charset=utf-8")
    [provision] = list(parse_bill_text(plain))
    assert provision["text"] == "AN ACT relating to crimes.\nSection 1. A person commits..."


def test_a_saved_bill_text_read_alone_is_filed_under_an_instrument_named_by_its_address(tmp_path):
    # `sii-atlas parse open_states FILE --url URL`: no request meta, so no curated instrument
    # to attach it to (a crawl always names one): the state from the host, the id from the path.
    url = "https://lawfilesext.leg.wa.gov/biennium/2023-24/Htm/Bills/Session%20Laws/House/1999-S.SL.htm"
    [provision] = parse_file("open_states", EXAMPLES / "text_wa_1999-S.SL.htm", url)
    instrument = "us-wa-biennium-2023-24-htm-bills-session-laws-house-1999-s-sl-htm"
    assert provision["type"] == "provision" and provision["instrument_id"] == instrument
    assert provision["id"] == f"{instrument}/whole" and provision["label"] == "whole"
    assert provision["url"] == url and provision["language"] == "en" and provision["valid_from"] is None
    assert "SUBSTITUTE HOUSE BILL 1999" in provision["text"]
    # The same page through the crawl (its meta) keeps the curated instrument.
    [crawled] = parse_file("open_states", EXAMPLES / "text_wa_1999-S.SL.htm", url,
                           {"instrument_id": "us-wa-shb1999-2024", "state": "US-WA", "valid_from": "2024-03-14"})
    assert crawled["id"] == "us-wa-shb1999-2024/whole" and crawled["valid_from"] == "2024-03-14"
    assert crawled["text"] == provision["text"]
    # A legislature's error page is not a bill's text, with or without meta.
    error_page = tmp_path / "missing.htm"
    error_page.write_bytes(b"<html><head><title>Page not found</title></head><body><p>Sorry, that page is missing.</p>"
                           b"</body></html>")
    with pytest.raises(ValueError, match="does not read as a bill's text"):
        parse_file("open_states", error_page, url)


def test_the_generic_reader_drops_furniture_and_struck_words():
    page = (b"<html><head><style>p{}</style><script>var x</script></head><body><header>Legislature</header>"
            b"<nav><a href='/'>Home</a></nav><form><input name=q></form><div id=text>"
            b"<p>AN ACT relating to <b>images</b>.</p><p>Sec. 1. A person <s>may</s> <strike>((shall))</strike> "
            b"<del>not</del><u>must not</u> disclose.<br>(2) Next line.</p><pre>line one\nline two</pre>"
            b"<img src=seal.png alt='Seal'></div><footer>Contact us</footer></body></html>")
    assert bill_lines(page) == ["AN ACT relating to images.", "Sec. 1. A person must not disclose.", "(2) Next line.",
                                "line one", "line two"]
    with pytest.raises(NotBillText):
        bill_lines(b"   ")


def test_tracked_requests_carry_the_instrument_whose_text_the_bill_is():
    spider = OpenStatesSpider(tracked=[{"id": "us-ms-code-97-3-119-1", "source_identifier": "US-MS/2024/HB 1196",
                                        "date_in_force": date(2024, 7, 1)}])
    [request] = list(spider.tracked_requests())
    assert request.meta["instrument_id"] == "us-ms-code-97-3-119-1" and request.meta["in_force"] == "2024-07-01"
    # A mirror serves each legislature's pages under /open_states/<host>/, and gives them back.
    mirrored = OpenStatesSpider(base_url="http://127.0.0.1:9")
    official = "https://lawfilesext.leg.wa.gov/biennium/2023-24/Htm/Bills/Session%20Laws/House/1999-S.SL.htm"
    local = mirrored.to_download_url(official)
    assert local == "http://127.0.0.1:9/open_states/lawfilesext.leg.wa.gov/biennium/2023-24/Htm/Bills/Session%20Laws/House/1999-S.SL.htm"
    assert mirrored.to_official_url(local) == official
    assert mirrored.to_download_url(f"{API}/bills/ms/2024/HB%201196") == "http://127.0.0.1:9/bills/ms/2024/HB%201196"
    assert OpenStatesSpider.parser_for(official) is parse_bill_text
    assert "lawfilesext.leg.wa.gov" in OpenStatesSpider.official_hosts()


def test_crawl_stores_the_texts_of_enacted_tracked_bills_and_records_the_gaps(built_db):
    from fixture_server import FixtureServer

    off_host = enacted_co_bill([{"note": "Signed Act (06/02/2025)", "date": "2025-06-02",
                                 "links": [{"url": CO_STORE, "media_type": "text/html"}]}])

    def hook(handler, method, path, query):
        # Colorado's bill, enacted, with its only text in Colorado's S3 bucket, off its domains.
        if path in ("/bills/co/2025A/SB%2025-288", "/bills/co/2025A/SB 25-288"):
            return 200, "application/json", json.dumps(off_host).encode(), {}
        return None

    with FixtureServer(hook=hook) as server:
        result = crawl(built_db, server, "open_states", env={"OPENSTATES_API_KEY": FAKE_KEY})
        texts = [(path, headers) for _, path, _, headers in server.log if path.startswith("/open_states/")]
    assert result.returncode == 0, result.stdout + result.stderr
    # The legislatures were asked for the six HTML texts and Arkansas' and Louisiana's act
    # PDFs, without the API key.
    assert sorted(path.split("/")[2] for path, _ in texts) == [
        "arkleg.state.ar.us", "billstatus.ls.state.ms.us", "lawfilesext.leg.wa.gov", "legis.la.gov",
        "legislature.mi.gov", "pub.njleg.state.nj.us", "www.legis.iowa.gov", "www.legis.la.gov", "www.palegis.us"]
    assert all("X-Api-Key" not in headers and "X-API-KEY" not in headers for _, headers in texts)
    assert not any("amazonaws" in path or "beta.leg.colorado.gov" in path for _, path, _, _ in server.log)
    # The bill's own PDF is not asked for: only the act's, the final version.
    assert not any(path.endswith("HB1529.pdf") for _, path, _, _ in server.log)
    db = sqlite3.connect(built_db)
    db.row_factory = sqlite3.Row
    stored = {row["id"]: row for row in db.execute("SELECT * FROM provisions WHERE source = 'open_states'")}
    assert set(stored) == {"us-wa-shb1999-2024/whole", "us-nj-pl-2025-c40/whole", "us-ms-code-97-3-119-1/whole",
                           "us-mi-pa-2025-11/whole", "us-pa-act-35-2025/whole", "us-ia-hf2240-2024/whole",
                           "us-ar-act-827-2025/whole", "us-la-rs-14-73-13/whole", "us-la-rs-14-73-14/whole"}
    wa = stored["us-wa-shb1999-2024/whole"]
    assert wa["instrument_id"] == "us-wa-shb1999-2024" and wa["language"] == "en" and wa["fetched_at"]
    assert wa["valid_from"] == "2024-03-14"  # signed; no in-force date is curated
    assert wa["url"] == "https://lawfilesext.leg.wa.gov/biennium/2023-24/Htm/Bills/Session%20Laws/House/1999-S.SL.htm"
    assert "including one created or altered by digitization" in wa["text"] and "((shows))" not in wa["text"]
    assert stored["us-nj-pl-2025-c40/whole"]["text"].startswith("CHAPTER 40\nAN ACT concerning deceptive audio")
    assert stored["us-ms-code-97-3-119-1/whole"]["valid_from"] == "2024-07-01"  # the curated in-force date
    # Michigan's public act (an HTML link beside the PDF) and Pennsylvania's last printing
    # (versions named by printer's number alone), each with its curated in-force date.
    mi = stored["us-mi-pa-2025-11/whole"]
    assert (mi["instrument_id"], mi["language"], mi["valid_from"]) == ("us-mi-pa-2025-11", "en", "2025-08-26")
    assert mi["url"] == "https://legislature.mi.gov/documents/2025-2026/publicact/htm/2025-PA-0011.htm"
    assert 'Sec. 1. This act may be cited as the "protection from intimate deep fakes act".' in mi["text"]
    assert mi["text"].startswith("Act No. 11\nPublic Acts of 2025\n")
    pa = stored["us-pa-act-35-2025/whole"]
    assert (pa["instrument_id"], pa["language"], pa["valid_from"]) == ("us-pa-act-35-2025", "en", "2025-09-05")
    assert pa["url"] == "https://www.palegis.us/legislation/bills/text/HTM/2025/0/SB0649/PN0920"
    assert "§ 4101.1. Digital forgery." in pa["text"] and "(1) a constitutionally protected activity;" in pa["text"]
    ia = stored["us-ia-hf2240-2024/whole"]
    assert (ia["instrument_id"], ia["language"], ia["valid_from"]) == ("us-ia-hf2240-2024", "en", "2024-07-01")
    assert ia["url"] == "https://www.legis.iowa.gov/docs/publications/LGE/90/attachments/HF2240.html"
    assert ia["text"].startswith("House File 2240 - Enrolled\nHouse File 2240\nAN ACT RELATING TO HARASSMENT")
    assert db.execute("SELECT COUNT(*) FROM provision_versions WHERE provision_id = 'us-nj-pl-2025-c40/whole'").fetchone()[0] == 1
    licence = db.execute("SELECT licence FROM sources WHERE id = 'open_states'").fetchone()[0]
    assert "public records of the state legislatures" in licence
    # Arkansas' act, only a PDF, read as its text: no line numbers, heads or page feet left.
    ar = stored["us-ar-act-827-2025/whole"]
    assert (ar["instrument_id"], ar["language"], ar["valid_from"]) == ("us-ar-act-827-2025", "en", "2025-04-17")
    assert ar["url"].startswith("https://arkleg.state.ar.us/Acts/FTPDocument?") and "file=827.pdf" in ar["url"]
    assert ("\n(a) As used in this section:\n(1) \"Deepfake visual material\" means a photograph, image, video, or other "
            "visual depiction that:\n(A) Appears to an ordinary person to be an authentic depiction of an identifiable "
            "person; and\n") in ar["text"]
    assert not any(mark in ar["text"] for mark in ("CEB051", "As Engrossed", "Stricken language", " 36\n"))
    # Louisiana's enrolled act, its line numbers glued to the lines ("AN ACT1") counted off.
    la = stored["us-la-rs-14-73-14/whole"]
    assert (la["language"], la["valid_from"]) == ("en", "2024-08-01")  # the curated in-force date
    assert la["text"].startswith("Regular Session, 2024 ENROLLED\nSENATE BILL NO. 6\nAN ACT\nTo enact R.S. 14:73.14, "
                                 "relative to computer related crime; to create the crime of unlawful dissemination")
    assert la["text"].endswith("Section 1. R.S. 14:73.14 is hereby enacted to read as follows:")
    assert "Coding:" not in la["text"] and "Page 1 of 2" not in la["text"]
    # The gaps are recorded, not failed: Colorado's off-host link; nothing for Arkansas now.
    errors = {row["url"]: row for row in db.execute("SELECT * FROM crawl_errors WHERE source = 'open_states'")}
    assert not any("827.pdf" in url for url in errors)
    off = errors[CO_STORE]
    assert off["kind"] == "refused" and "not a host of the US-CO legislature" in off["reason"]
    assert "Colorado's document store" in off["reason"]
    dumped = "\n".join(db.iterdump())
    assert FAKE_KEY not in dumped and FAKE_KEY not in result.stderr and FAKE_KEY not in result.stdout
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_KEY.encode() not in archive.read_bytes()


# --- final texts given only as PDF ---

from crawlers.sources._bill_text import StruckWordsUnseen, pdf_bill_lines  # noqa: E402
from crawlers.sources.open_states import PDF_LAYOUTS  # noqa: E402

AR_ACT = "https://arkleg.state.ar.us/Acts/FTPDocument?path=%2FACTS%2F2025R%2FPublic%2F&file=827.pdf&ddBienniumSession=2025%2F2025R"


def test_the_final_text_is_taken_as_html_then_text_then_a_pdf_of_a_state_whose_print_is_known():
    both = enacted_co_bill([{"note": "Signed Act", "date": "2025-06-02", "links": [
        {"url": "https://leg.colorado.gov/sites/default/files/2025a_288_signed.pdf", "media_type": "application/pdf"},
        {"url": "https://leg.colorado.gov/sb25-288-signed.html", "media_type": "text/html"}]}])
    [_, request] = list(parse_bill_detail(detail_response(both)))
    assert request.url.endswith(".html") and request.meta["format"] == "html"
    # Colorado's act only as PDF: how Colorado prints its acts is not known here, so the
    # gap is recorded with that reason, not read with its line numbers taken for words.
    pdf_only = enacted_co_bill([{"note": "Signed Act", "date": "2025-06-02", "links": [
        {"url": "https://leg.colorado.gov/sites/default/files/2025a_288_signed.pdf", "media_type": "application/pdf"}]}])
    [_, gap] = list(parse_bill_detail(detail_response(pdf_only)))
    assert gap["kind"] == "refused" and "text only as PDF on the US-CO legislature's hosts ('Signed Act')" in gap["reason"]
    assert "how it prints its acts (line numbers, running heads) is not known here" in gap["reason"]
    # Its HTML in the S3 bucket (off-host) and a PDF on leg.colorado.gov (hypothetical: no
    # PDF of the signed act on Colorado's own host was found): still the PDF's gap.
    both_hosts = enacted_co_bill([{"note": "Signed Act", "date": "2025-06-02", "links": [
        {"url": CO_STORE, "media_type": "text/html"},
        {"url": "https://leg.colorado.gov/sites/default/files/2025a_288_signed.pdf", "media_type": "application/pdf"}]}])
    [_, gap] = list(parse_bill_detail(detail_response(both_hosts)))
    assert gap["url"].endswith("2025a_288_signed.pdf") and "text only as PDF on the US-CO" in gap["reason"]
    # Arkansas' act (a PDF alone, Arkansas' print known): asked for, as a PDF.
    ar = json.loads((EXAMPLES / "bill_ar_2025_HB1529.json").read_text())
    url = f"{API}/bills/ar/2025/HB%201529?include=versions"
    response = scrapy.http.TextResponse(url=url, body=json.dumps(ar).encode(), encoding="utf-8", request=scrapy.Request(
        url, meta={"curated_id": "us-ar-2025-hb1529", "instrument_id": "us-ar-act-827-2025"}))
    [_, request] = list(parse_bill_detail(response))
    assert request.url == AR_ACT and request.meta["format"] == "pdf" and request.meta["version"] == "Act 827"
    assert request.meta["valid_from"] == "2025-04-17"  # the act's date: no in-force date is curated
    # A PDF off the legislature's hosts is refused like any other link.
    ar["versions"][1]["links"][0]["url"] = "https://mirror.example.org/827.pdf"
    [_, off] = list(parse_bill_detail(response.replace(body=json.dumps(ar).encode())))
    assert "not a host of the US-AR legislature" in off["reason"]


def ar_page(*lines: str) -> str:
    """An Arkansas act page as its PDF prints it: numbered lines, then the next page's head and foot."""
    numbered = [f"{line} {number}" for number, line in enumerate(lines, start=1)]
    return "\n".join(["Act 9 of the Regular Session", "*ABC123* 01-02-2025 10:00:00 ABC123", *numbered])


def test_an_arkansas_act_pdf_reads_without_its_print_and_a_rewrite_in_place_is_refused():
    text = ar_page("State of Arkansas As Engrossed: S2/3/25", "BE IT ENACTED BY THE GENERAL ASSEMBLY OF THE STATE OF ARKANSAS:",
                   "", "SECTION 1. Arkansas Code Title 5, Chapter 14, Subchapter 1, is amended", "to add a section:") + (
        "\fAs Engrossed: S2/3/25 SB9\n2 01-02-2025 10:00:00 ABC123\n(a) A person commits a non- 1\nconsensual act. 2")
    assert pdf_bill_lines(text, PDF_LAYOUTS["US-AR"]) == [
        "Act 9 of the Regular Session", "State of Arkansas", "BE IT ENACTED BY THE GENERAL ASSEMBLY OF THE STATE OF ARKANSAS:",
        "SECTION 1. Arkansas Code Title 5, Chapter 14, Subchapter 1, is amended to add a section:",
        "(a) A person commits a non-consensual act."]
    # A section rewritten in place: its struck-through (deleted) words would read as law.
    rewrite = ar_page("BE IT ENACTED BY THE GENERAL ASSEMBLY OF THE STATE OF ARKANSAS:",
                      "SECTION 1. Arkansas Code § 5-26-314(a), is amended to read as", "follows:",
                      "(a) A person commits the offense of old words new words.")
    with pytest.raises(StruckWordsUnseen, match="rewrites a section in place"):
        pdf_bill_lines(rewrite, PDF_LAYOUTS["US-AR"])
    with pytest.raises(NotBillText, match="does not read as a bill's text"):
        pdf_bill_lines(ar_page("Page not found 1"), PDF_LAYOUTS["US-AR"])


def test_a_pdf_text_of_a_state_whose_print_is_unknown_is_an_error_not_a_text():
    url = "https://leg.colorado.gov/sites/default/files/2025a_288_signed.pdf"
    response = scrapy.http.TextResponse(url=url, body=b"SECTION 1. In Colorado Revised Statutes 1\n", encoding="utf-8",
                                        headers={"Content-Type": b"text/plain", "X-SII-Text-From": b"application/pdf"},
                                        request=scrapy.Request(url, meta={"instrument_id": "us-co-sb25-288", "state": "US-CO"}))
    with pytest.raises(ValueError, match="how the US-CO legislature prints its acts is not known"):
        list(parse_bill_text(response))


def test_an_unreadable_act_pdf_is_recorded_with_its_reason_and_nothing_stored(built_db):
    from fixture_server import FixtureServer

    def hook(handler, method, path, query):
        if path == "/open_states/arkleg.state.ar.us/Acts/FTPDocument":
            return 200, "application/pdf", b"%PDF-1.4\nnot really a pdf", {}
        return None

    with FixtureServer(hook=hook) as server:
        result = crawl(built_db, server, "open_states", env={"OPENSTATES_API_KEY": FAKE_KEY})
    assert "tracked documents not fetched: open_states (1)" in result.stdout + result.stderr
    db = sqlite3.connect(built_db)
    [(kind, reason, url)] = db.execute("SELECT kind, reason, url FROM crawl_errors WHERE source = 'open_states' "
                                       "AND url LIKE '%827.pdf%'").fetchall()
    assert kind == "parse" and "PDF not read: the PDF cannot be read" in reason and url == AR_ACT
    assert db.execute("SELECT COUNT(*) FROM provisions WHERE id = 'us-ar-act-827-2025/whole'").fetchone()[0] == 0
    # The other texts are stored all the same.
    assert db.execute("SELECT COUNT(*) FROM provisions WHERE source = 'open_states'").fetchone()[0] == 8


def test_louisiana_line_numbers_glued_to_the_lines_are_counted_off_never_a_figure_of_the_act():
    page = ("Page 1 of 2\nCoding: Words which are struck through are deletions from existing law;\n"
            "words in boldface type and underscored are additions.\nRegular Session, 2024\tENROLLED\n"
            "SENATE BILL NO. 21\nAN ACT1\nTo enact R.S. 14:73.14, relative to crime; to provide for the year2\n"
            "2024 and for related matters.3\nBe it enacted by the Legislature of Louisiana:4\n"
            "Section 1. R.S. 14:73.14 is hereby enacted to read as follows:5\n§73.14. Unlawful dissemination6\n"
            "A. It shall be unlawful to disseminate under Paragraph (1)7")
    assert pdf_bill_lines(page, PDF_LAYOUTS["US-LA"]) == [
        "Regular Session, 2024 ENROLLED", "SENATE BILL NO. 21", "AN ACT",
        "To enact R.S. 14:73.14, relative to crime; to provide for the year 2024 and for related matters.",
        "Be it enacted by the Legislature of Louisiana:", "Section 1. R.S. 14:73.14 is hereby enacted to read as follows:",
        "§73.14. Unlawful dissemination", "A. It shall be unlawful to disseminate under Paragraph (1)"]
    # A section amended and reenacted prints its deleted words struck through: refused.
    amended = page.replace("is hereby enacted to read", "is hereby amended and reenacted to read")
    with pytest.raises(StruckWordsUnseen, match="rewrites a section in place"):
        pdf_bill_lines(amended, PDF_LAYOUTS["US-LA"])
