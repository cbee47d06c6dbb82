"""congress.gov API v3: the parsers on the real captures, the action vocabulary, bad
pages, and a crawl from the fixture server into SQLite with a key that must leave no trace."""

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import scrapy
from conftest import archive_of, crawl, sample

from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.congress_gov import (
    DECLARATION,
    PARTS,
    SUBJECT_BILLS,
    CongressGovSpider,
    bill_id_for,
    current_congress,
    list_url,
    normalise_actions,
    parse_bill,
    parse_bill_list,
    parse_cosponsors,
    read_json,
    subjects,
    summaries,
    text_versions,
)

EXAMPLES = Path(__file__).parent / "examples" / "congress_gov"
API = "https://api.congress.gov/v3"
HR21 = f"{API}/bill/117/hr/21"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- real captures (../shared/samples/congress_gov), skipped where absent ---


def test_real_bill_page_hr_21():
    [bill] = parse_file("congress_gov", sample("congress_gov", "bill_117_hr_21.json"), f"{HR21}?format=json")
    assert bill["type"] == "bill"
    assert bill["id"] == "us-117-hr-21" and bill["identifier"] == "H.R. 21" and bill["session"] == "117"
    assert bill["title"] == "FedRAMP Authorization Act"
    assert bill["status"].startswith("Received in the Senate and Read twice and referred to the Committee on Homeland")
    assert bill["status_date"] == "2021-01-06"
    assert bill["url"] == "https://www.congress.gov/bill/117th-congress/house-bill/21"
    # laws: [] on a bill not law; the OTHER identifier is the form a curator writes.
    assert bill["identifiers"] == [{"scheme": "USLM", "value": "/us/bill/117/hr/21"},
                                   {"scheme": "OTHER", "value": "117/hr/21"}]
    assert bill["sponsors"] == [{"name": "Gerald E. Connolly", "party": "D", "state": "VA", "district": "11",
                                 "bioguide_id": "C001078", "role": "primary", "classification": "sponsor"}]
    assert bill["subjects"] == ["Government Operations and Politics"]  # the policy area; /subjects adds the rest


def test_real_bill_page_asks_for_the_parts_in_order():
    path = sample("congress_gov", "bill_117_hr_21.json")
    response = response_from_file(path, f"{HR21}?format=json", {"parts": list(PARTS)})
    [request] = list(parse_bill(response))
    assert isinstance(request, scrapy.Request)
    assert request.url == f"{HR21}/actions?format=json&limit=250"
    assert request.meta["parts"] == ["titles", "text", "summaries", "subjects", "cosponsors"]
    assert request.meta["bill"]["title"] == "FedRAMP Authorization Act"


def test_real_text_versions_hr_21():
    path = sample("congress_gov", "bill_117_hr_21_text.json")
    [bill] = parse_file("congress_gov", path, f"{HR21}/text?format=json")
    identifiers = {(i["scheme"], i["value"]) for i in bill["identifiers"]}
    # The real links point at congress.gov; the file name is the govinfo package id.
    assert ("OTHER", "BILLS-117hr21ih") in identifiers and ("OTHER", "BILLS-117hr21rfs") in identifiers
    assert ("URI", "https://www.congress.gov/117/bills/hr21/BILLS-117hr21eh.xml") in identifiers
    versions = text_versions(load(path))
    assert [(v["date"], v["type"], v["package"]) for v in versions] == [
        ("2021-01-06", "Referred in Senate", "BILLS-117hr21rfs"),
        ("2021-01-05", "Engrossed in House", "BILLS-117hr21eh"),
        ("2021-01-04", "Introduced in House", "BILLS-117hr21ih"),
    ]
    assert versions[2]["urls"]["PDF"] == "https://www.congress.gov/117/bills/hr21/BILLS-117hr21ih.pdf"


def test_real_summaries_hr_21():
    path = sample("congress_gov", "bill_117_hr_21_summaries.json")
    found = summaries(load(path))
    assert [(s["date"], s["stage"], s["version"]) for s in found] == [
        ("2021-01-04", "Introduced in House", "00"), ("2021-01-05", "Passed House", "53")]
    assert found[0]["text"].startswith("Federal Risk and Authorization Management Program Authorization Act of 2021")
    assert "<p>" not in found[0]["text"] and "\nThis bill provides statutory authority" in found[0]["text"]
    [bill] = parse_file("congress_gov", path, f"{HR21}/summaries?format=json")
    assert bill["id"] == "us-117-hr-21"
    # The latest summary (as passed by the House) is the bill's.
    assert bill["summary"] == found[1]["text"]


# --- cosponsors ---


def cosponsors_response(url: str, data: dict, meta: dict | None = None) -> scrapy.http.TextResponse:
    request = scrapy.Request(url, meta=meta or {})
    return scrapy.http.TextResponse(url=url, body=json.dumps(data).encode(), encoding="utf-8", request=request)


def test_cosponsors_in_the_shape_of_the_library_of_congress_sample():
    # The published sample output for H.R. 21 (117th): House members, a numeric district,
    # a boolean isOriginalCosponsor, nulls for an empty middle name and no withdrawal.
    [bill] = parse_file("congress_gov", EXAMPLES / "bill_117_hr_21_cosponsors.json", f"{HR21}/cosponsors?format=json")
    assert bill["id"] == "us-117-hr-21"
    assert bill["sponsors"] == [
        {"name": "James Comer", "party": "R", "state": "KY", "district": "1", "bioguide_id": "C001108",
         "role": "cosponsor", "classification": "original cosponsor", "sponsorship_date": "2021-01-04", "withdrawn_date": None},
        {"name": "Jody B. Hice", "party": "R", "state": "GA", "district": "10", "bioguide_id": "H001071",
         "role": "cosponsor", "classification": "original cosponsor", "sponsorship_date": "2021-01-04", "withdrawn_date": None},
    ]


def test_cosponsors_page_by_offset_carrying_the_bill_to_the_last_page():
    url = f"{API}/bill/119/s/146/cosponsors?format=json&limit=250"
    cruz = {"name": "Ted Cruz", "party": "R", "role": "primary", "classification": "sponsor"}
    meta = {"bill": {"id": "us-119-s-146", "identifier": "S. 146", "jurisdiction": "US", "source": "congress_gov",
                     "url": "https://www.congress.gov/bill/119th-congress/senate-bill/146", "title": "TAKE IT DOWN Act",
                     "sponsors": [cruz]},
            "parts": [], "tracked": False}
    [following] = list(parse_cosponsors(cosponsors_response(url, load(EXAMPLES / "bill_119_s_146_cosponsors_page1.json"), meta)))
    assert isinstance(following, scrapy.Request)
    assert following.url == f"{API}/bill/119/s/146/cosponsors?offset=3&limit=3&format=json"
    assert following.meta["parts"] == [] and following.meta["tracked"] is False
    assert [s["name"] for s in following.meta["bill"]["sponsors"]] == [
        "Ted Cruz", "Amy Klobuchar", "Shelley Moore Capito", "Richard Blumenthal"]
    page2 = cosponsors_response(following.url, load(EXAMPLES / "bill_119_s_146_cosponsors_page2.json"), following.meta)
    [bill] = list(parse_cosponsors(page2))
    assert bill["title"] == "TAKE IT DOWN Act"
    assert [(s["name"], s["role"], s.get("state")) for s in bill["sponsors"]] == [
        ("Ted Cruz", "primary", None), ("Amy Klobuchar", "cosponsor", "MN"), ("Shelley Moore Capito", "cosponsor", "WV"),
        ("Richard Blumenthal", "cosponsor", "CT"), ("Bill Cassidy", "cosponsor", "LA"), ("Cory A. Booker", "cosponsor", "NJ")]


def test_withdrawn_and_later_cosponsors_and_the_documented_true_false_text():
    # Synthetic entries (no real member): the documentation writes the flag as "True" /
    # "False"; a withdrawn member stays listed with a `sponsorshipWithdrawnDate`.
    def entry(last, original, withdrawn=None):
        return {"firstName": "Placeholder", "lastName": last, "party": "I", "state": "VT", "isOriginalCosponsor": original,
                "sponsorshipDate": "2025-02-01", "sponsorshipWithdrawnDate": withdrawn}
    data = {"cosponsors": [entry("Withdrawn", "True", "2025-03-01"), entry("Later", "False"), entry("Original", "True"),
                           entry("Rejoined", True, "2025-03-02"), entry("Rejoined", False)],
            "pagination": {"count": 3, "countIncludingWithdrawnCosponsors": 5}}
    [bill] = list(parse_cosponsors(cosponsors_response(f"{API}/bill/119/s/1/cosponsors?format=json", data)))
    found = [(s["name"], s["classification"], s["withdrawn_date"]) for s in bill["sponsors"]]
    # A member who withdrew and joined again: the current entry first, the one `bill_sponsors` keeps.
    assert found == [("Placeholder Later", "cosponsor", None), ("Placeholder Original", "original cosponsor", None),
                     ("Placeholder Rejoined", "cosponsor", None),
                     ("Placeholder Withdrawn", "withdrawn cosponsor", "2025-03-01"),
                     ("Placeholder Rejoined", "withdrawn cosponsor", "2025-03-02")]


def test_a_bill_without_cosponsors_goes_on_to_the_next_part():
    url = f"{API}/bill/119/s/9999/cosponsors?format=json&limit=250"
    meta = {"bill": {"id": "us-119-s-9999", "sponsors": [{"name": "A Sponsor", "role": "primary"}]}, "parts": ["titles"]}
    [request] = list(parse_cosponsors(cosponsors_response(url, load(EXAMPLES / "bill_cosponsors_none.json"), meta)))
    assert request.url == f"{API}/bill/119/s/9999/titles?format=json&limit=250"
    assert request.meta["bill"]["sponsors"] == [{"name": "A Sponsor", "role": "primary"}]
    [bill] = list(parse_cosponsors(cosponsors_response(url, load(EXAMPLES / "bill_cosponsors_none.json"))))
    assert "sponsors" not in bill


# --- our examples: the parts of one bill ---


def test_subjects_and_summaries_of_our_examples():
    found = subjects(load(EXAMPLES / "bill_119_s_1837_subjects.json"))
    assert found == {"policy_area": "Crime and Law Enforcement",
                     "subjects": ["Civil actions and liability", "Computers and information technology", "Sex offenses"]}
    [summary] = summaries(load(EXAMPLES / "bill_119_s_1837_summaries.json"))
    assert summary["text"].startswith("Disrupt Explicit Forged Images And Non-Consensual Edits Act of 2025")


def test_actions_vocabulary_keeps_wording_and_reads_passage_per_chamber():
    actions = [
        {"actionDate": "2024-07-23", "text": "Passed Senate without amendment by Unanimous Consent."},
        {"actionDate": "2024-01-30", "text": "Introduced in Senate"},
        {"actionDate": "2024-01-30", "text": "Read twice and referred to the Committee on the Judiciary."},
        {"actionDate": "2024-09-01", "text": "Passed/agreed to in House: On passage Passed by recorded vote: 300 - 120."},
        {"actionDate": "2024-09-20", "text": "Vetoed by President."},
        {"actionDate": "2024-10-01", "text": "Failed of passage in Senate over veto by Yea-Nay Vote. 50 - 48."},
        {"actionDate": "2024-10-01", "text": "Became Public Law No: 118-99."},
    ]
    assert normalise_actions(actions) == [
        {"date": "2024-01-30", "action": "introduced", "wording": "Introduced in Senate"},
        {"date": "2024-07-23", "action": "passed_one_chamber", "wording": "Passed Senate without amendment by Unanimous Consent."},
        {"date": "2024-09-01", "action": "passed_both", "wording": "Passed/agreed to in House: On passage Passed by recorded vote: 300 - 120."},
        {"date": "2024-09-20", "action": "vetoed", "wording": "Vetoed by President."},
        {"date": "2024-10-01", "action": "failed", "wording": "Failed of passage in Senate over veto by Yea-Nay Vote. 50 - 48."},
        # Becoming law is a step of its own (no signature needed), no longer dropped.
        {"date": "2024-10-01", "action": "became_law", "wording": "Became Public Law No: 118-99."},
    ]


def test_bill_list_pages_by_offset_and_stops_on_the_last_page():
    page1 = parse_file("congress_gov", EXAMPLES / "bill_list_119_page1.json", f"{API}/bill/119?format=json&limit=250")
    assert [r["id"] for r in page1 if r["type"] == "candidate"] == ["us-119-hr-3562", "us-119-hr-5120"]
    assert page1[-1] == {"type": "request", "url": f"{API}/bill/119?offset=4&limit=4&format=json"}
    page2 = parse_file("congress_gov", EXAMPLES / "bill_list_119_page2.json", f"{API}/bill/119?offset=4&limit=4&format=json")
    assert [r["type"] for r in page2] == ["candidate"]


def test_next_page_never_carries_a_key():
    body = json.dumps({"bills": [], "pagination": {"next": f"{API}/bill/119?offset=250&api_key=SECRET"}}).encode()
    # An empty page stops paging whatever `next` says; a full one follows it, keyless.
    url = f"{API}/bill/119?format=json"
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    assert list(parse_bill_list(response)) == []
    data = json.loads(body)
    data["bills"] = [{"congress": 119, "number": "1", "type": "S", "title": "A deepfake bill"}]
    response = response.replace(body=json.dumps(data).encode())
    request = list(parse_bill_list(response))[-1]
    assert "SECRET" not in request.url and "offset=250" in request.url


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body>Service Unavailable</body></html>", "not JSON"),
    (b'{"error": {"code": "API_KEY_MISSING", "message": "No api_key was supplied."}}', "API_KEY_MISSING|No api_key"),
    (b'{"request": {"format": "json"}}', "no 'bill'"),
    (b"[1, 2]", "JSON object"),
])
def test_bad_pages_raise_clear_errors(body, message):
    url = f"{API}/bill/119/s/146?format=json"
    response = scrapy.http.TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url))
    with pytest.raises(ValueError, match=message):
        list(parse_bill(response))
    with pytest.raises(ValueError):
        read_json(response, "bill")


# --- the spider ---


def test_ids_congress_and_discovery_url():
    assert bill_id_for("119/s/1837") == "us-119-s-1837" and bill_id_for("nonsense") is None
    assert current_congress(date(2026, 11, 30)) == 119 and current_congress(date(2027, 1, 3)) == 120
    assert current_congress(date(2025, 1, 2)) == 118
    assert list_url(date(2026, 11, 30)) == f"{API}/bill/119?format=json&limit=250"
    assert "fromDateTime=2026-11-01T00%3A00%3A00Z" in list_url(date(2026, 11, 30), date(2026, 11, 1))


def test_start_fetches_tracked_bills_first_then_the_subjects_then_the_list():
    spider = CongressGovSpider(tracked=[{"id": "us-defiance-act-s1837", "source_identifier": "119/s/1837"},
                                        {"id": "x", "source_identifier": "118/hr/7569"}], today="2026-11-30")
    requests = list(spider.tracked_requests())
    assert [r.meta["tracked"] for r in requests[:2]] == [True, True]
    assert requests[0].url == f"{API}/bill/119/s/1837?format=json"
    assert requests[0].meta["expects"] == ("bill", "us-119-s-1837")
    assert len(requests) == len(set(SUBJECT_BILLS) | {"119/s/1837", "118/hr/7569"})
    assert not any(r.meta["tracked"] for r in requests[2:])
    assert len(list(CongressGovSpider(limit=3).tracked_requests())) == 3


def test_contract_keeps_the_key_out_of_urls():
    assert DECLARATION.auth.key_env == "CONGRESS_GOV_API_KEY" and "api_key" in DECLARATION.all_secret_params
    assert DECLARATION.rate_limit == (5000, 3600) and DECLARATION.run_quota < 5000


# --- end to end: fixture server -> SQLite ---

FAKE_KEY = "fake-congress-key-1234567890"


def test_crawl_stores_bills_actions_and_candidates_without_the_key(built_db, tmp_path):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "congress_gov", env={"CONGRESS_GOV_API_KEY": FAKE_KEY})
        asked = [entry[1] for entry in server.log]
    assert result.returncode == 0, result.stdout + result.stderr
    # The key went to the server on every request, and nowhere else.
    assert asked and all(FAKE_KEY in path for path in asked if path.startswith("/v3/"))
    db = sqlite3.connect(built_db)
    take_it_down = db.execute("SELECT identifier, title, status, status_date, session FROM bills WHERE id = 'us-119-s-146'").fetchone()
    assert take_it_down == ("S. 146", "TAKE IT DOWN Act", "Became Public Law No: 119-12.", "2025-05-19", "119")
    actions = db.execute("SELECT date, action FROM bill_actions WHERE bill_id = 'us-119-s-146' ORDER BY date, action").fetchall()
    assert ("2025-01-16", "introduced") in actions and ("2025-04-28", "passed_both") in actions
    assert ("2025-05-19", "signed") in actions and ("2025-05-19", "became_law") in actions
    summary, subjects = db.execute("SELECT summary, subjects FROM bills WHERE id = 'us-119-s-1837'").fetchone()
    assert summary.startswith("Disrupt Explicit Forged Images") and "intimate digital forgeries" in summary
    assert json.loads(subjects) == ["Crime and Law Enforcement", "Civil actions and liability",
                                    "Computers and information technology", "Sex offenses"]
    # The sponsor from the bill page, the cosponsors from both /cosponsors pages.
    assert db.execute("SELECT name, party, role, classification FROM bill_sponsors WHERE bill_id = 'us-119-s-146' ORDER BY rowid"
                      ).fetchall() == [("Ted Cruz", "R", "primary", "sponsor"),
                                       ("Amy Klobuchar", "D", "cosponsor", "original cosponsor"),
                                       ("Shelley Moore Capito", "R", "cosponsor", "original cosponsor"),
                                       ("Richard Blumenthal", "D", "cosponsor", "original cosponsor"),
                                       ("Bill Cassidy", "R", "cosponsor", "original cosponsor"),
                                       ("Cory A. Booker", "D", "cosponsor", "original cosponsor")]
    # A bill whose /cosponsors list is empty keeps its sponsor only.
    assert db.execute("SELECT role FROM bill_sponsors WHERE bill_id = 'us-119-hr-633'").fetchall() == [("primary",)]
    # Each bill written once in the run: every record new, none written again (changed/unchanged).
    bills = db.execute("SELECT COUNT(*) FROM bills WHERE source = 'congress_gov'").fetchone()[0]
    run = db.execute("SELECT items_new, items_changed, items_unchanged FROM crawl_runs WHERE source = 'congress_gov'"
                     " ORDER BY id DESC LIMIT 1").fetchone()
    written = bills + db.execute("SELECT COUNT(*) FROM candidate_instruments WHERE source = 'congress_gov'").fetchone()[0]
    assert run == (written, 0, 0)
    # Crawled again, every bill gives the same content hash: nothing new, nothing changed.
    with FixtureServer() as server:
        again = crawl(built_db, server, "congress_gov", env={"CONGRESS_GOV_API_KEY": FAKE_KEY})
    assert again.returncode == 0, again.stdout + again.stderr
    rerun = db.execute("SELECT items_new, items_changed, items_unchanged FROM crawl_runs WHERE source = 'congress_gov'"
                       " ORDER BY id DESC LIMIT 1").fetchone()
    assert rerun == (0, 0, written)
    # The curated DEFIANCE Act entry (source_identifier 119/s/1837) is linked to its bill, and
    # the TAKE IT DOWN Act statute to the bill that became Pub. L. 119-12.
    links = set(db.execute("SELECT bill_id, instrument_id, link FROM bill_instruments").fetchall())
    assert ("us-119-s-1837", "us-defiance-act-s1837", "curated_bill") in links
    assert ("us-119-s-146", "us-take-it-down-act-2025", "public_law") in links
    identifiers = {row[0] for row in db.execute("SELECT value FROM identifiers WHERE item_id = 'us-119-s-146'")}
    assert {"Pub. L. 119-12", "BILLS-119s146enr", "/us/bill/119/s/146"} <= identifiers
    defiance = db.execute("SELECT title, status FROM bills WHERE id = 'us-119-s-1837'").fetchone()
    assert defiance == ("DEFIANCE Act of 2025", "Passed Senate without amendment by Unanimous Consent.")
    assert db.execute("SELECT COUNT(*) FROM bills WHERE source = 'congress_gov'").fetchone()[0] == len(SUBJECT_BILLS)
    candidates = {row[0] for row in db.execute("SELECT id FROM candidate_instruments WHERE source = 'congress_gov'")}
    assert {"us-119-hr-3562", "us-119-hr-5120", "us-119-s-146"} <= candidates
    dumped = "\n".join(db.iterdump())
    assert FAKE_KEY not in dumped
    archive = archive_of(built_db)
    if archive.exists():
        assert FAKE_KEY.encode() not in archive.read_bytes()
    assert FAKE_KEY not in result.stderr and FAKE_KEY not in result.stdout


def test_crawl_without_the_key_skips_the_source(built_db):
    from fixture_server import FixtureServer

    with FixtureServer() as server:
        result = crawl(built_db, server, "congress_gov", env={"CONGRESS_GOV_API_KEY": ""})
        assert not [entry for entry in server.log if entry[1].startswith("/v3/")]
    assert "congress_gov: skipped" in result.stderr
