"""The curated files in data/ pass every rule, and each rule does catch what it is for."""

import copy
import pytest

from crawlers.registry import curated

DATA = curated.load()


def problems_after(change) -> list[str]:
    data = copy.deepcopy(DATA)
    change(data)
    return curated.check(data)


def first_coded(data) -> dict:
    return next(entry for entry in data.instruments if entry.get("coding"))


def test_curated_data_is_consistent():
    assert curated.check(DATA) == []


def test_coverage_the_registry_promises():
    jurisdictions = {row["code"] for row in DATA.jurisdictions}
    with_instruments = {entry["jurisdiction"] for entry in DATA.instruments}
    assert len(with_instruments) >= 40 and len(DATA.instruments) >= 120
    required = {"GB", "GB-EAW", "GB-SCT", "GB-NIR", "FR", "BE", "DE", "IT", "ES", "NL", "IE", "DK", "EU", "COE",
                "US", "CA", "AU", "NZ", "KR", "JP", "CN", "TW", "IN", "BR", "ZA", "PH", "SG"}
    assert required <= jurisdictions
    assert required - {"GB"} <= with_instruments | {"GB"}
    us_states = {code for code in with_instruments if code.startswith("US-")}
    assert len(us_states) >= 45
    assert all(entry.get("official_url") for entry in DATA.instruments)
    in_force = [e for e in DATA.instruments if e.get("status") == "in_force"]  # model acts have no status
    assert all(e.get("coding") for e in in_force)


def test_build_loads_everything(tmp_path):
    from crawlers.store.schema import open_database

    db = open_database(tmp_path / "atlas.db")
    counts = curated.load_into(db, DATA)
    assert counts["instruments"] == db["instruments"].count >= 120
    comparison = list(db.query("SELECT DISTINCT jurisdiction FROM comparison"))
    assert len(comparison) >= 40
    # Every question appears for every compared jurisdiction, once per victim group.
    from crawlers.vocabulary import VICTIM_GROUPS

    questions = db["codebook_questions"].count
    assert db.execute("SELECT COUNT(*) FROM comparison").fetchone()[0] == len(comparison) * questions * len(VICTIM_GROUPS)
    assert db.execute("SELECT COUNT(*) FROM enactment_timeline").fetchone()[0] > 100


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.jurisdictions.append({**d.jurisdictions[0], "code": "XX-ZZZ"}), "not an ISO 3166 code"),
        (lambda d: d.jurisdictions[0].update(languages="en zz"), "unknown language code 'zz'"),
        (lambda d: d.instruments[0].update(language="xx"), "unknown language code 'xx'"),
        (lambda d: d.instruments[0].update(jurisdiction="GB-XYZ"), "unknown jurisdiction 'GB-XYZ'"),
        (lambda d: d.instruments[0].update(date_enacted="2024-02-30"), "is not a real date"),
        (lambda d: d.instruments[0].update(date_enacted="2999-01-01"), "is in the future"),
        (lambda d: d.instruments[0].update(date_enacted="2020-05-01", date_in_force="2019-01-01"), "before enacted"),
        (lambda d: d.instruments[0].update(official_url="https://example.com/law"), "not on the official domains"),
        (lambda d: next(iter(first_coded(d)["coding"].values())).update(evidence=""), "answer without evidence"),
        (lambda d: next(iter(first_coded(d)["coding"].values())).update(provision="s. 999"), "is not one of the instrument's provisions"),
        (lambda d: d.instruments.append(copy.deepcopy(d.instruments[0])), "duplicate instrument id"),
        (lambda d: d.instruments.append({**copy.deepcopy(d.instruments[0]), "id": d.instruments[0]["id"] + "-copy"}), "duplicate instrument"),
        (lambda d: d.codebook.append({"id": "unused_question", "label": "x", "answer_type": "yes_no"}), "never used"),
        (lambda d: d.instruments[0].update(status="maybe"), "status 'maybe'"),
    ],
)
def test_each_rule_catches_its_fault(change, expected):
    problems = problems_after(change)
    assert any(expected in problem for problem in problems), problems


def test_yaml_booleans_read_as_yes_and_no():
    assert curated.answer_text(True) == "yes" and curated.answer_text(False) == "no"


def test_domains_include_parents_and_subdomains():
    jurisdictions = {"US": {"official_domains": "congress.gov"}, "US-CA": {"parent": "US", "official_domains": "leginfo.legislature.ca.gov"}}
    domains = curated.official_domains(jurisdictions, "US-CA")
    assert curated.on_domains("https://www.congress.gov/bill/1", domains)
    assert curated.on_domains("https://leginfo.legislature.ca.gov/faces/x", domains)
    assert not curated.on_domains("https://evilcongress.gov/", domains)



def test_a_build_never_blanks_what_a_crawl_filled_in(tmp_path):
    from crawlers.store.schema import open_database
    from crawlers.store import Store

    data = copy.deepcopy(DATA)
    act = next(entry for entry in data.instruments if entry["id"] == "ukpga-2003-42")
    act.pop("date_enacted")  # the curator left it empty
    db = open_database(tmp_path / "atlas.db")
    curated.load_into(db, data)
    Store(db).write_batch([{"type": "instrument", "id": "ukpga-2003-42", "jurisdiction": "GB-EAW",
                            "title": "Sexual Offences Act 2003", "date_enacted": "2003-11-20",
                            "official_url": "https://www.legislation.gov.uk/ukpga/2003/42", "source": "legislation_gov_uk"}])
    curated.load_into(db, data)
    assert db["instruments"].get("ukpga-2003-42")["date_enacted"] == "2003-11-20"


def test_find_case_law_decisions_use_the_crawlers_id():
    problems = problems_after(lambda d: next(c for c in d.cases if "caselaw.nationalarchives" in (c.get("url") or "")).update(id="gb-some-other-id"))
    assert any("must use the crawler's id" in p for p in problems)


def test_the_curated_checks_and_the_schema_accept_the_same_values():
    from crawlers import vocabulary

    assert curated.INSTRUMENT_KINDS == set(vocabulary.INSTRUMENT_KINDS)
    assert curated.STATUSES == set(vocabulary.INSTRUMENT_STATUSES)
    assert curated.JURISDICTION_KINDS == set(vocabulary.JURISDICTION_KINDS)
    assert curated.CODING_STATUSES == set(vocabulary.CODING_STATUSES)
    assert curated.REGIONS == set(vocabulary.REGIONS)
    assert curated.SCOPES == set(vocabulary.ANSWER_SCOPES) and curated.FINE_BASES == set(vocabulary.FINE_BASES)
    assert {s["kind"] for s in DATA.sources} <= set(vocabulary.SOURCE_KINDS)
    assert {q["answer_type"] for q in DATA.codebook} <= set(vocabulary.ANSWER_TYPES)
    assert {q.get("rollup") for q in DATA.codebook} - {None} <= set(vocabulary.ROLLUPS)
