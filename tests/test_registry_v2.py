"""Registry v2 (issue 11): help routes, model acts, general offences, and the rules that refuse
what the packs must not hold (an answer without scope, a number stored as text, a home page as
a law's address, a suggested answer without its reason, a US state or territory with neither
a law nor a recorded search), and coverage findings (what a search of a place's law found)."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from crawlers import vocabulary
from crawlers.registry import curated
from crawlers.store import schema
from crawlers.store.schema import open_database

DATA = curated.load()
PROJECT = Path(__file__).resolve().parents[1]


def changed(change) -> curated.CuratedData:
    data = copy.deepcopy(DATA)
    change(data)
    return data


def problems_after(change) -> list[str]:
    return curated.check(changed(change))


def instrument(data, the_id: str) -> dict:
    return next(entry for entry in data.instruments if entry["id"] == the_id)


def route(data, the_id: str) -> dict:
    return next(entry for entry in data.help_routes if entry["id"] == the_id)


def model(**overrides) -> dict:
    """A synthetic model act in the US, coded as if it said yes to everything."""
    entry = {
        "id": "us-model-synthetic", "jurisdiction": "US", "title": "Model Deepfake Act", "title_en": "Model Deepfake Act",
        "language": "en", "citation": "Synthetic Drafters, Model Deepfake Act (2025)", "kind": "model",
        "drafter_domains": "example.org", "official_url": "https://example.org/model-deepfake-act",
        "source": "curated", "source_identifier": "", "scope": "both",
        "provisions": [{"label": "1", "heading": "Everything"}],
        "summary": "A synthetic model used by the tests.", "evidence_url": "https://example.org/model-deepfake-act",
        "verified_on": "2026-11-01", "uncertain": "", "pack": "models",
        "coding": {question["id"]: {"answer": "yes" if question["answer_type"] == "yes_no" else (
                       9999 if question["answer_type"] == "number" else "any_age" if question["id"] == "minors_specific"
                       else "model drafters"),
                   "provision": "1", "evidence": "synthetic", "status": "verified"}
                   for question in DATA.codebook},
    }
    return {**entry, **overrides}


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("change, expected", [
    # An answer without scope: neither the instrument nor the answer says whose images.
    (lambda d: (first := next(e for e in d.instruments if e.get("coding"))).pop("scope"), "answer without scope"),
    # A number stored as text.
    (lambda d: instrument(d, "ukpga-2003-42")["coding"]["max_prison_months"].update(answer="24"),
     "is a number stored as text"),
    # An instrument URL that is a site's home page.
    (lambda d: instrument(d, "ukpga-2003-42").update(official_url="https://www.legislation.gov.uk/"),
     "is a site's home page"),
    (lambda d: instrument(d, "ukpga-2003-42").update(evidence_url="https://www.legislation.gov.uk"),
     "is a site's home page"),
    # A US state with no entry.
    (lambda d: setattr(d, "instruments", [e for e in d.instruments if e["jurisdiction"] != "US-VT"]),
     "US-VT (Vermont), a US state, has neither an instrument entry nor a coverage finding"),
])
def test_each_registry_rule_refuses_its_fault(change, expected):
    problems = problems_after(change)
    assert any(expected in problem for problem in problems), problems


def test_a_home_page_is_accepted_only_with_the_curators_note():
    noted = problems_after(lambda d: instrument(d, "ukpga-2003-42").update(
        official_url="https://www.legislation.gov.uk/", uncertain="only the home page is known"))
    assert not any("home page" in problem for problem in noted), noted


def synthetic_pack() -> curated.CuratedData:
    """The data with one extra pack: a coded instrument whose suggested answer gives no reason."""
    def add(data):
        entry = copy.deepcopy(instrument(data, "ukpga-2003-42"))
        entry.update(id="gb-eaw-synthetic-act", citation="Synthetic Act 2026", pack="synthetic",
                     source="curated", source_identifier="")
        entry["coding"] = {"sharing": {"answer": "yes", "provision": "whole", "evidence": "synthetic",
                                       "status": "suggested"}}
        data.instruments.append(entry)
    return changed(add)


def test_a_suggested_answer_without_reason_is_refused():
    data = synthetic_pack()
    problems = curated.check(data)
    assert "instruments/synthetic.yaml 'gb-eaw-synthetic-act' coding sharing: a suggested answer gives no `reason` " \
           "(why inferred, from what)" in problems
    instrument(data, "gb-eaw-synthetic-act")["coding"]["sharing"]["reason"] = "inferred from the explanatory notes"
    assert not any("gb-eaw-synthetic-act" in problem for problem in curated.check(data))


def test_every_current_suggested_answer_gives_its_reason():
    assert curated.suggested_without_reason(DATA) == []


def territory_row(code: str = "US-UM", name: str = "United States Minor Outlying Islands") -> dict:
    return {"code": code, "name": name, "kind": "territory", "parent": "US", "region": "North America",
            "languages": "en", "latitude": "19.2823", "longitude": "166.6470", "official_domains": "doi.gov",
            "pack": "synthetic"}


def finding(**overrides) -> dict:
    entry = {"jurisdiction": "US-UM", "finding": "no_law_found", "searched_on": "2026-11-30",
             "searched": "a synthetic search", "note": "", "pack": "synthetic"}
    return {**entry, **overrides}


def test_a_us_state_or_territory_with_neither_law_nor_finding_is_always_refused():
    """A synthetic pack adds a US territory: refused until a coverage finding records its search."""
    data = changed(lambda d: d.jurisdictions.append(territory_row()))
    refusal = ("jurisdictions: US-UM (United States Minor Outlying Islands), a US territory, has neither an "
               "instrument entry nor a coverage finding (coverage/synthetic.yaml)")
    assert refusal in curated.check(data)
    assert not any("US-UM" in notice for notice in curated.notices(data))  # refused, not merely noted
    data.coverage.append(finding())
    assert curated.check(data) == []
    # The same for a territory whose finding is removed, and for DC without its laws.
    problems = problems_after(lambda d: (d.coverage.remove(next(f for f in d.coverage if f["jurisdiction"] == "US-AS")),
                                         setattr(d, "instruments", [e for e in d.instruments if e["jurisdiction"] != "US-DC"])))
    assert "jurisdictions: US-AS (American Samoa), a US territory, has neither an instrument entry nor a coverage " \
           "finding (coverage/us_federal_states_a_m.yaml)" in problems
    assert any(p.startswith("jurisdictions: US-DC (District of Columbia), a US territory, has neither") for p in problems)
    assert not hasattr(curated, "REFUSE_US_TERRITORY_WITHOUT_ENTRY")


def test_any_other_place_with_neither_law_nor_finding_gets_a_notice():
    accounted = {entry["jurisdiction"] for entry in DATA.instruments + DATA.coverage}
    unaccounted = [row["code"] for row in DATA.jurisdictions if row["code"] not in accounted]
    assert [row["code"] for row in curated.unaccounted(DATA)] == sorted(unaccounted)
    assert len(curated.notices(DATA)) == len(unaccounted)  # no US state or territory among them
    assert all(not code.startswith("US-") for code in unaccounted)
    synthetic = dict(territory_row(code="GB-SYN", name="Synthetic Isle"), kind="nation", parent="GB", region="Europe")
    data = changed(lambda d: d.jurisdictions.append(synthetic))
    assert "GB-SYN (Synthetic Isle) has neither an instrument nor a coverage finding: record what was searched " \
           "in coverage/synthetic.yaml" in curated.notices(data)
    data.coverage.append(finding(jurisdiction="GB-SYN"))
    assert not any("GB-SYN" in notice for notice in curated.notices(data))


# --------------------------------------------------------------------------- coverage findings


def documented_fields(heading: str) -> list[tuple[str, str]]:
    """The `- `field` (required|optional)` lines of one section of data/README.md."""
    readme = (PROJECT / "data" / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(heading) + len(heading):]
    section = section[:section.index("\n## ")] if "\n## " in section else section
    return re.findall(r"^- `([a-z_]+)` \((required|optional)\)", section, flags=re.M)


def test_coverage_fields_are_defined_once_for_the_check_the_table_and_the_docs(tmp_path):
    db = open_database(tmp_path / "atlas.db")
    assert tuple(row[1] for row in db.execute("PRAGMA table_info(coverage_findings)")) == curated.COVERAGE_COLUMNS
    assert documented_fields("## `coverage/<pack>.yaml`") == [
        (f.name, "required" if f.required else "optional") for f in curated.COVERAGE_FIELDS]
    assert tuple(vocabulary.COVERAGE_FINDING_MEANINGS) == vocabulary.COVERAGE_FINDINGS
    for entry in DATA.coverage:
        assert set(entry) - {"pack"} <= set(curated.COVERAGE_COLUMNS), entry["jurisdiction"]


def test_the_three_territories_searched_have_findings_and_the_comment_is_gone():
    findings = {entry["jurisdiction"]: entry for entry in DATA.coverage}
    assert {code: findings[code]["finding"] for code in ("US-VI", "US-MP", "US-AS")} == {
        "US-VI": "bill_only", "US-MP": "bill_only", "US-AS": "no_law_found"}
    assert any("35-0182" in lead["title"] for lead in findings["US-VI"]["leads"])
    assert any("21-107" in lead["title"] for lead in findings["US-MP"]["leads"])
    assert not findings["US-AS"].get("leads")
    pack = (PROJECT / "data" / "instruments" / "us_federal_states_a_m.yaml").read_text(encoding="utf-8")
    assert "35-0182" not in pack and "American Samoa" not in pack


def coverage_entry(data, code: str) -> dict:
    return next(entry for entry in data.coverage if entry["jurisdiction"] == code)


@pytest.mark.parametrize("change, expected", [
    (lambda d: coverage_entry(d, "US-AS").update(finding="nothing"), "finding 'nothing' not one of"),
    (lambda d: coverage_entry(d, "US-AS").pop("searched"), "'US-AS': missing searched"),
    (lambda d: coverage_entry(d, "US-AS").update(searched_on="2026-13-01"), "searched_on '2026-13-01' is not a real date"),
    (lambda d: coverage_entry(d, "US-AS").update(searched_on="2999-01-01"), "searched_on 2999-01-01 is in the future"),
    (lambda d: coverage_entry(d, "US-AS").update(source="news"), "unknown field 'source'"),
    (lambda d: coverage_entry(d, "US-VI").pop("leads"), "bill_only names no bill"),
    (lambda d: coverage_entry(d, "US-VI").update(leads=[{"title": "Bill", "url": "legvi.org/bill"}]),
     "url 'legvi.org/bill' is not a web address"),
    (lambda d: coverage_entry(d, "US-VI").update(leads=[{"url": "https://legvi.org/bill"}]), "lead: missing title"),
    (lambda d: coverage_entry(d, "US-VI").update(leads="Bill 35-0182"), "leads must be a list"),
    (lambda d: d.coverage.append(dict(coverage_entry(d, "US-AS"))), "a second finding for this jurisdiction"),
    (lambda d: d.coverage.append(finding(jurisdiction="XX")), "'XX': unknown jurisdiction"),
    (lambda d: d.coverage.append(finding(jurisdiction="GB-WLS", pack="europe")), "belongs in coverage/uk.yaml"),
    # Enacted law contradicts a finding that says there is none.
    (lambda d: d.coverage.append(finding(jurisdiction="US-CA", pack="us_states_a_m")), "is enacted specific law of it"),
])
def test_each_coverage_rule_refuses_its_fault(change, expected):
    problems = problems_after(change)
    assert any(expected in problem for problem in problems), problems


def test_a_general_offence_allows_general_law_only_but_not_no_law_found():
    general = next(e for e in DATA.instruments if e.get("basis") == "general_offence" and e.get("status") == "in_force")
    code = general["jurisdiction"]
    pack = next(row["pack"] for row in DATA.jurisdictions if row["code"] == code)

    def coverage_problems(kind):
        def change(d):  # the general offence is the place's only law
            d.instruments = [e for e in d.instruments if e["jurisdiction"] != code or e["id"] == general["id"]]
            d.coverage.append(finding(jurisdiction=code, finding=kind, pack=pack))
        return [p for p in problems_after(change) if p.startswith("coverage/")]
    assert coverage_problems("general_law_only") == []
    assert coverage_problems("no_law_found") == [
        f"coverage/{pack}.yaml {code!r}: finding 'no_law_found', but {general['id']!r} is enacted general law of it "
        f"(instruments/general_offences.yaml); say general_law_only"]


def test_a_build_loads_the_coverage_findings_exactly(tmp_path):
    import json

    db = open_database(tmp_path / "atlas.db")
    counts = curated.load_into(db, DATA)
    assert counts["coverage_findings"] == db["coverage_findings"].count == len(DATA.coverage) >= 3
    virgin_islands = db["coverage_findings"].get("US-VI")
    assert virgin_islands["finding"] == "bill_only" and "\n" not in virgin_islands["searched"]
    assert [lead["title"][:13] for lead in json.loads(virgin_islands["leads"])] == ["Bill No. 35-0"]
    assert db["coverage_findings"].get("US-AS")["leads"] is None
    curated.load_into(db, changed(lambda d: d.coverage.remove(coverage_entry(d, "US-AS"))
                                  or d.instruments.append(model(id="us-as-synthetic", jurisdiction="US-AS"))))
    assert db["coverage_findings"].count == len(DATA.coverage) - 1


def test_migration_10_adds_the_coverage_table_to_an_old_database(tmp_path, monkeypatch):
    path = tmp_path / "v9.db"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:9])
    open_database(path).close()
    monkeypatch.undo()
    db = open_database(path)
    assert db["coverage_findings"].exists() and 10 in {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
    import sqlite3
    db.conn.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('US-AS', 'American Samoa', 'territory')")
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO coverage_findings (jurisdiction, finding, searched_on, searched) "
                        "VALUES ('US-AS', 'probably_none', '2026-11-30', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO coverage_findings (jurisdiction, finding, searched_on, searched, leads) "
                        "VALUES ('US-AS', 'no_law_found', '2026-11-30', 'x', '{\"title\": 1}')")


# --------------------------------------------------------------------------- help routes


def test_help_route_fields_are_defined_once_for_the_check_the_table_and_the_docs(tmp_path):
    db = open_database(tmp_path / "atlas.db")
    columns = [row[1] for row in db.execute("PRAGMA table_info(help_routes)")]
    assert tuple(columns) == curated.HELP_ROUTE_COLUMNS
    documented = documented_fields("## `help_routes/<pack>.yaml`")
    assert documented == [(f.name, "required" if f.required else "optional") for f in curated.HELP_ROUTE_FIELDS]
    for entry in DATA.help_routes:
        assert set(entry) - {"pack"} <= set(curated.HELP_ROUTE_COLUMNS), entry["id"]


def test_help_routes_cover_the_main_jurisdictions_and_the_international_services():
    by_code: dict[str, list[dict]] = {}
    for entry in DATA.help_routes:
        by_code.setdefault(entry["jurisdiction"], []).append(entry)
    assert len(DATA.help_routes) >= 30 and len(set(by_code) - {vocabulary.INTERNATIONAL}) >= 20
    assert {"AU", "GB", "US", "FR", "IE", "IT", "ES", "KR", "NZ", "CA-BC", "JP", "TW", "SG"} <= set(by_code)
    international = {entry["id"] for entry in by_code[vocabulary.INTERNATIONAL]}
    assert {"int-stopncii", "int-ncmec-take-it-down"} <= international
    deadlines = {entry["id"]: entry["removal_deadline_hours"] for entry in DATA.help_routes
                 if entry.get("removal_deadline_hours")}
    assert deadlines["au-esafety-image-based-abuse"] == 24 and deadlines["us-ftc-take-it-down-act"] == 48


@pytest.mark.parametrize("change, expected", [
    (lambda d: route(d, "int-stopncii").update(phone="0345"), "unknown field 'phone'"),
    (lambda d: route(d, "au-esafety-image-based-abuse").update(removal_deadline_hours="24"),
     "removal_deadline_hours '24' is a number stored as text"),
    (lambda d: route(d, "au-esafety-image-based-abuse").pop("instrument"),
     "a removal deadline needs `instrument`"),
    (lambda d: route(d, "au-esafety-image-based-abuse").update(instrument="au-no-such-act"),
     "'au-no-such-act' is not a tracked instrument id"),
    (lambda d: route(d, "int-stopncii").update(jurisdiction="XX"), "unknown jurisdiction 'XX'"),
    (lambda d: route(d, "int-stopncii").update(kind="charity"), "kind 'charity' not one of"),
    (lambda d: route(d, "int-stopncii").update(audience="everyone"), "audience 'everyone' not one of"),
    (lambda d: route(d, "int-stopncii").update(orders_removal="maybe"), "must be \"yes\" or \"no\""),
    (lambda d: route(d, "int-stopncii").update(evidence_url="https://stopncii.org/"), "evidence_url https://stopncii.org/ is a site's home page"),
    (lambda d: route(d, "int-stopncii").pop("summary"), "missing summary"),
    (lambda d: d.help_routes.append(copy.deepcopy(route(d, "int-stopncii"))), "duplicate help route id"),
])
def test_each_help_route_rule_refuses_its_fault(change, expected):
    problems = problems_after(change)
    assert any(expected in problem for problem in problems), problems


def test_a_build_loads_the_help_routes_exactly(tmp_path):
    db = open_database(tmp_path / "atlas.db")
    counts = curated.load_into(db, DATA)
    assert counts["help_routes"] == db["help_routes"].count == len(DATA.help_routes)
    esafety = db["help_routes"].get("au-esafety-image-based-abuse")
    assert (esafety["removal_deadline_hours"], esafety["orders_removal"], esafety["instrument"]) == (
        24, "yes", "au-cth-online-safety-act-2021")
    smaller = changed(lambda d: d.help_routes.remove(route(d, "int-stopncii")))
    curated.load_into(db, smaller)
    assert db["help_routes"].count == len(DATA.help_routes) - 1


# --------------------------------------------------------------------------- model acts


def test_models_are_their_own_kind_and_law_nowhere():
    models = [entry for entry in DATA.instruments if entry["kind"] == vocabulary.MODEL_KIND]
    assert {"us-model-ulc-civil-remedies-intimate-images-2018", "us-model-ccri-ndii-2013",
            "us-model-public-citizen-intimate-deepfakes"} <= {entry["id"] for entry in models}
    assert all(entry["pack"] == "models" and not entry.get("status") for entry in models)


@pytest.mark.parametrize("overrides, expected", [
    ({"status": "in_force"}, "a model is law nowhere: remove status 'in_force'"),
    ({"date_enacted": "2018-07-18"}, "a model is not enacted: remove date_enacted"),
    ({"drafter_domains": ""}, "a model needs `drafter_domains`"),
    ({"official_url": "https://elsewhere.example/model"}, "is not on the official domains of its drafter (drafter_domains) (example.org)"),
])
def test_each_model_rule_refuses_its_fault(overrides, expected):
    problems = problems_after(lambda d: d.instruments.append(model(**overrides)))
    assert any(expected in problem for problem in problems), problems


def test_a_law_without_status_is_still_refused():
    assert any("missing status" in p for p in problems_after(lambda d: instrument(d, "ukpga-2003-42").pop("status")))


def comparison_rows(db) -> dict:
    return {
        "comparison": db.execute("SELECT * FROM comparison ORDER BY jurisdiction, question_id, scope").fetchall(),
        **{name: db.execute(f"SELECT * FROM {name} ORDER BY jurisdiction").fetchall()
           for name in schema.MATRIX_VIEWS.values()},
    }


def test_the_comparison_never_counts_a_model_as_law(tmp_path):
    plain = open_database(tmp_path / "plain.db")
    curated.load_into(plain, DATA)
    with_model = open_database(tmp_path / "with_model.db")
    data = changed(lambda d: d.instruments.append(model()))
    assert curated.check(data) == []
    curated.load_into(with_model, data)
    stored = with_model["instruments"].get("us-model-synthetic")
    assert (stored["kind"], stored["status"]) == ("model", None)
    assert with_model.execute("SELECT COUNT(*) FROM coded_answers WHERE instrument_id = 'us-model-synthetic'").fetchone()[0]
    assert comparison_rows(with_model) == comparison_rows(plain)
    assert not with_model.execute("SELECT 1 FROM comparison WHERE supporting_provisions LIKE '%Model Deepfake Act%'").fetchall()


def test_the_database_refuses_a_model_with_a_status(tmp_path):
    import sqlite3

    db = open_database(tmp_path / "atlas.db")
    curated.load_into(db, DATA)
    with pytest.raises(sqlite3.IntegrityError, match="law nowhere"):
        db.conn.execute("UPDATE curated_instruments SET status = 'in_force' "
                        "WHERE id = 'us-model-ulc-civil-remedies-intimate-images-2018'")


# --------------------------------------------------------------------------- general offences


def test_general_offences_have_a_file_of_their_own_and_follow_the_evidence_rule():
    general = [entry for entry in DATA.instruments if entry.get("basis") == "general_offence"]
    assert general and all(entry["pack"] == "general_offences" for entry in general)
    jurisdictions = {row["code"] for row in DATA.jurisdictions}
    assert all(entry["jurisdiction"] in jurisdictions for entry in general)
    defamation = instrument(DATA, "jp-penal-code-230-defamation")
    assert defamation["coding"]["explicit_synthetic"]["answer"] == "unclear"
    problems = problems_after(lambda d: instrument(d, "jp-penal-code-230-defamation")["coding"]["explicit_synthetic"]
                              .update(answer="yes"))
    assert any("jp-penal-code-230-defamation" in p and "`words:`" in p for p in problems), problems


# --------------------------------------------------------------------------- migration 7


def test_migration_7_widens_an_old_database_without_losing_a_row(tmp_path, monkeypatch):
    path = tmp_path / "v5.db"
    old_kinds = schema.MIGRATION_3.replace(", 'model'", "")
    assert old_kinds != schema.MIGRATION_3
    monkeypatch.setattr(schema, "MIGRATIONS", [schema.MIGRATION_1, schema.MIGRATION_2, old_kinds,
                                               schema.MIGRATION_4, schema.MIGRATION_5])
    old = open_database(path)
    old.conn.executescript("""
        INSERT INTO jurisdictions (code, name, kind) VALUES ('US', 'United States', 'country');
        INSERT INTO curated_instruments (id, jurisdiction, title, kind, status) VALUES ('a', 'US', 'Act A', 'statute', 'in_force');
        INSERT INTO instruments (id, jurisdiction, title, kind, status, curated, summary)
          VALUES ('a', 'US', 'Act A', 'statute', 'in_force', 1, 'deepfake words');
    """)
    import sqlite3
    with pytest.raises(sqlite3.IntegrityError):
        old.conn.execute("INSERT INTO curated_instruments (id, jurisdiction, title, kind) VALUES ('m', 'US', 'M', 'model')")
    old.close()
    monkeypatch.undo()

    db = open_database(path)
    applied = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
    assert {1, 2, 3, 4, 5, 7} <= applied  # later migrations run too
    db.conn.execute("INSERT INTO curated_instruments (id, jurisdiction, title, kind) VALUES ('m', 'US', 'M', 'model')")
    db.conn.execute("INSERT INTO instruments (id, jurisdiction, title, kind, curated, summary) "
                    "VALUES ('m', 'US', 'M', 'model', 1, 'model deepfake')")
    assert db["curated_instruments"].get("a")["title"] == "Act A"
    assert {row[0] for row in db.execute("SELECT rowid FROM instruments_fts WHERE instruments_fts MATCH 'deepfake'")} == {
        db.execute("SELECT rowid FROM instruments WHERE id = 'a'").fetchone()[0],
        db.execute("SELECT rowid FROM instruments WHERE id = 'm'").fetchone()[0]}
    assert {"instruments_jurisdiction", "instruments_kind", "instruments_status"} <= {
        row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'instruments'")}
    assert db["help_routes"].exists()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA legacy_alter_table").fetchone()[0] == 0


def test_a_migration_another_branch_brings_later_still_runs(tmp_path, monkeypatch):
    """Migrations 6, 7 and 8 came from three branches: a database that had 7 and 8 before
    6 arrived gets 6 when it does."""
    path = tmp_path / "atlas.db"
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS[:5], None, *schema.MIGRATIONS[6:]])
    open_database(path).close()
    monkeypatch.undo()
    db = open_database(path)
    assert "heading_en" in db["provisions"].columns_dict  # migration 6's work
    assert [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY version")] == \
        list(range(1, len(schema.MIGRATIONS) + 1))


# --------------------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from datasette.app import Datasette

    from crawlers.site import datasette_options

    path = tmp_path_factory.mktemp("help") / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, DATA)
    db.conn.close()
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000}, **datasette_options())


async def test_a_jurisdiction_page_lists_where_to_get_help(site):
    response = await site.client.get("/jurisdiction/GB-EAW")
    assert response.status_code == 200
    html = response.text
    help_section = html[html.index('<section id="help">'):]
    help_section = help_section[:help_section.index("</section>")]
    # England and Wales inherits the UK's routes, then the international services.
    assert "Ofcom" in help_section and "removal within 48 hours" in help_section
    assert help_section.index("Ofcom") < help_section.index("StopNCII.org")
    assert 'href="https://stopncii.org/"' in help_section


async def test_a_model_act_shows_without_a_status_on_its_page(site):
    response = await site.client.get("/jurisdiction/US")
    assert response.status_code == 200
    html = response.text
    article = html[html.index('id="i-us-model-public-citizen-intimate-deepfakes"'):]
    article = article[:article.index("</article>")]
    assert "model" in article and "None" not in article


def searched_section(html: str) -> str | None:
    if '<section id="searched">' not in html:
        return None
    section = html[html.index('<section id="searched">'):]
    return section[:section.index("</section>")]


async def test_a_jurisdiction_page_says_what_was_searched(site):
    virgin_islands = searched_section((await site.client.get("/jurisdiction/US-VI")).text)
    assert "What we searched" in virgin_islands and "Bill only" in virgin_islands
    assert "bills, none seen enacted" in virgin_islands and "searched 2026-11-30" in virgin_islands
    assert "Bill No. 35-0182" in virgin_islands
    samoa = searched_section((await site.client.get("/jurisdiction/US-AS")).text)
    assert "No law found" in samoa and "<li>" not in samoa
    # No law and no search recorded: the page says nobody has looked, not that there is no law.
    unaccounted = curated.unaccounted(DATA)[0]
    nobody = searched_section((await site.client.get(f"/jurisdiction/{unaccounted['code']}")).text)
    assert "No search of" in nobody and "does not mean there is none" in nobody
    # A place with tracked law and no finding has nothing to say here.
    assert searched_section((await site.client.get("/jurisdiction/GB-EAW")).text) is None
