"""Codebook v2: adult and child law told apart (every answer has a scope), numbers typed,
fines structured, and the checks that keep them so."""

import copy
import sqlite3

import pytest

from crawlers.registry import curated
from crawlers.store import schema
from crawlers.store.schema import open_database

DATA = curated.load()


def problems_after(change) -> list[str]:
    data = copy.deepcopy(DATA)
    change(data)
    return curated.check(data)


def instrument(data, the_id: str) -> dict:
    return next(entry for entry in data.instruments if entry["id"] == the_id)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_database(tmp_path_factory.mktemp("v2") / "atlas.db")
    curated.load_into(database, DATA)
    return database


# --------------------------------------------------------------------------- scope


def test_an_answer_without_scope_after_inheritance_is_refused():
    def drop_scope(data):
        instrument(data, "de-stgb-184b").pop("scope")

    problems = problems_after(drop_scope)
    assert any("de-stgb-184b" in p and "answer without scope" in p for p in problems), problems


def test_an_answer_inherits_its_instruments_scope_unless_it_sets_its_own():
    entry = instrument(DATA, "us-pa-sb1213-2024")
    scopes = {question: answer["scope"] for question, answer in curated.coded(entry)}
    assert entry["scope"] == "both" and scopes["sharing"] == "both" and scopes["possessing"] == "minors"


@pytest.mark.parametrize("change, expected", [
    (lambda d: instrument(d, "de-stgb-184b").update(scope="children"), "scope 'children' not one of"),
    (lambda d: instrument(d, "de-stgb-184b").update(scope="both"), "but minors_specific says 'minors_only'"),
    (lambda d: instrument(d, "de-stgb-201a")["coding"].update(
        sharing=[{**instrument(d, "de-stgb-201a")["coding"]["sharing"], "scope": "both"},
                 {**instrument(d, "de-stgb-201a")["coding"]["sharing"], "scope": "minors"}]), "overlapping scopes"),
])
def test_scope_rules_catch_their_fault(change, expected):
    problems = problems_after(change)
    assert any(expected in p for p in problems), problems


def test_child_only_laws_never_answer_for_adults(db):
    """Germany and France: StGB 184b and C. pen. 227-23 punish creating child abuse
    images; they say nothing on sexual deepfakes of adults."""
    rows = db.execute("SELECT jurisdiction, scope, answer, COALESCE(supporting_provisions, '') FROM comparison "
                      "WHERE jurisdiction IN ('DE', 'FR') AND question_id = 'creating'").fetchall()
    by_group = {(j, scope): (answer, support) for j, scope, answer, support in rows}
    assert by_group[("DE", "adults")][0] != "yes" and "184b" not in by_group[("DE", "adults")][1]
    assert by_group[("FR", "adults")][0] != "yes" and "227-23" not in by_group[("FR", "adults")][1]
    assert by_group[("DE", "minors")][0] == "yes" and by_group[("FR", "minors")][0] == "yes"
    matrix = dict(db.execute("SELECT jurisdiction, [creating] FROM comparison_matrix WHERE jurisdiction IN ('DE', 'FR')"))
    minors = dict(db.execute("SELECT jurisdiction, [creating] FROM comparison_matrix_minors WHERE jurisdiction IN ('DE', 'FR')"))
    assert matrix == {"DE": "no", "FR": "no"} and minors == {"DE": "yes", "FR": "yes"}


def test_no_minors_answer_reaches_any_adults_row(db):
    """Whatever the jurisdiction or question: the adults' roll-up counts only adults and both."""
    leaked = db.execute("""
        SELECT c.jurisdiction, c.question_id FROM comparison c
        WHERE c.scope = 'adults' AND c.instruments_coded != (
          SELECT COUNT(*) FROM coded_answers a JOIN instruments i ON i.id = a.instrument_id
          WHERE i.jurisdiction = c.jurisdiction AND i.status = 'in_force' AND a.question_id = c.question_id
            AND a.scope IN ('adults', 'both'))""").fetchall()
    assert leaked == []
    assert {row[0] for row in db.execute("SELECT DISTINCT scope FROM comparison")} == {"adults", "minors"}
    assert db.execute("SELECT COUNT(*) FROM jurisdiction_answers WHERE scope IS NULL").fetchone()[0] == 0


def test_the_schema_refuses_an_answer_without_a_known_scope(db):
    row = "INSERT INTO coded_answers (instrument_id, question_id, scope, answer, evidence, status) VALUES (?, ?, ?, ?, ?, ?)"
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute(row, ["de-stgb-184b", "threatening", "children", "no", "x", "verified"])
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute(row, ["de-stgb-184b", "threatening", None, "no", "x", "verified"])


# --------------------------------------------------------------------------- numbers and fines


def test_a_number_stored_as_text_is_refused():
    def quote(data):
        instrument(data, "ukpga-2003-42")["coding"]["max_prison_months"]["answer"] = "24"

    problems = problems_after(quote)
    assert any("max_prison_months" in p and "number stored as text" in p for p in problems), problems
    decimal = problems_after(lambda d: instrument(d, "ukpga-2003-42")["coding"]["max_prison_months"].update(answer=24.5))
    assert any("whole number" in p for p in decimal), decimal


def test_numbers_are_stored_and_served_as_integers(db):
    assert db.execute("SELECT COUNT(*) FROM coded_answers WHERE answer_number IS NOT NULL "
                      "AND typeof(answer_number) != 'integer'").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM coded_answers WHERE question_id = 'max_prison_months' "
                      "AND answer_number IS NOT NULL").fetchone()[0] > 100
    for view in ("comparison", "jurisdiction_answers"):
        assert db.execute(f"SELECT COUNT(*) FROM {view} WHERE answer LIKE '%.0'").fetchone()[0] == 0, view
    # 600 months sorts above 72: the roll-up is a number, not text.
    top = db.execute("SELECT answer_number, typeof(answer_number), answer FROM comparison WHERE question_id = "
                     "'max_prison_months' AND scope = 'minors' ORDER BY answer_number DESC LIMIT 1").fetchone()
    assert top[1] == "integer" and top[2] == str(top[0]) and top[0] >= 240
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("UPDATE coded_answers SET answer_number = 'about 24' WHERE question_id = 'max_prison_months'")


def test_fines_are_amount_currency_and_basis(db):
    fines = {row[0]: row[1:] for row in db.execute(
        "SELECT instrument_id, fine_amount, fine_currency, fine_basis FROM coded_answers WHERE question_id = 'max_fine'")}
    assert fines["fr-cp-227-23"] == (500000, "EUR", "fixed")
    assert fines["au-nsw-crimes-act-div-15c"] == (100, None, "penalty_units")
    assert fines["ca-bc-intimate-images-protection-act"] == (100000, "CAD", "fixed")  # stated apart from the words
    assert fines["ukpga-2025-18"] == (None, None, None)  # "unlimited" stays text
    assert curated.written_fine("USD 5000 (repeat offence)") == {"amount": 5000, "currency": "USD", "basis": "fixed"}
    assert curated.written_fine("PHP 2000000 (minimum for gravest offences)") is None


@pytest.mark.parametrize("fine, expected", [
    ({"amount": 100000, "currency": "XYZ", "basis": "fixed"}, "not an ISO 4217 code"),
    ({"amount": 100000, "basis": "fixed"}, "needs its ISO 4217 currency"),
    ({"amount": "lots", "currency": "CAD", "basis": "fixed"}, "must be a whole number"),
    ({"amount": 100000, "currency": "CAD", "basis": "weekly"}, "fine basis 'weekly'"),
])
def test_a_malformed_fine_is_refused(fine, expected):
    problems = problems_after(lambda d: instrument(d, "ca-bc-intimate-images-protection-act")["coding"]["max_fine"].update(fine=fine))
    assert any(expected in p for p in problems), problems


def test_a_fine_that_contradicts_its_own_words_is_refused():
    problems = problems_after(lambda d: instrument(d, "fr-cp-227-23")["coding"]["max_fine"].update(
        fine={"amount": 5000, "currency": "EUR", "basis": "fixed"}))
    assert any("disagrees with the answer's own words" in p for p in problems), problems


# --------------------------------------------------------------------------- addresses, general offences, reasons


@pytest.mark.parametrize("url", ["https://www.legislation.gov.uk/", "https://www.legislation.gov.uk"])
def test_an_instrument_url_that_is_a_sites_home_page_is_refused(url):
    problems = problems_after(lambda d: instrument(d, "ukpga-2003-42").update(official_url=url))
    assert any("ukpga-2003-42" in p and "home page" in p for p in problems), problems
    declared = problems_after(lambda d: instrument(d, "ukpga-2003-42").update(
        official_url=url, uncertain="No deeper address known yet: the official_url is the home page."))
    assert not any("home page" in p for p in declared), declared


def test_a_general_offence_reaches_fakes_only_on_its_words_or_a_decision():
    def general(data, **evidence):
        entry = instrument(data, "gr-pk-346")
        entry["basis"] = "general_offence"
        entry["coding"]["explicit_synthetic"].update(evidence)

    bare = problems_after(general)
    assert any("gr-pk-346" in p and "only with `words:`" in p for p in bare), bare
    assert curated.check(_changed(general, words="altered or designed image")) == []
    unknown = problems_after(lambda d: general(d, decision="no-such-case"))
    assert any("not a curated case id" in p for p in unknown), unknown
    assert any("basis 'broad'" in p for p in problems_after(lambda d: instrument(d, "gr-pk-346").update(basis="broad")))


def _changed(change, **arguments):
    data = copy.deepcopy(DATA)
    change(data, **arguments)
    return data


def test_a_suggested_answer_without_a_reason_or_with_an_empty_one_is_refused():
    data = copy.deepcopy(DATA)
    entry, question = next((e, q) for e in data.instruments for q, a in (e.get("coding") or {}).items()
                           if isinstance(a, dict) and a["status"] == "suggested")
    entry["coding"][question].pop("reason", None)
    assert any("gives no `reason`" in p for p in curated.check(data))
    entry["coding"][question]["reason"] = " "
    assert any("an empty reason" in p for p in curated.check(data))


# --------------------------------------------------------------------------- migration


def test_migration_4_types_numbers_and_scopes_stored_answers(tmp_path, monkeypatch):
    path = tmp_path / "v3.db"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:3])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    old = open_database(path)
    old.conn.executescript("""
        INSERT INTO jurisdictions (code, name, kind) VALUES ('DE', 'Germany', 'country');
        INSERT INTO instruments (id, jurisdiction, title, status, curated) VALUES
          ('csam', 'DE', 'Child law', 'in_force', 1), ('nii', 'DE', 'Image law', 'in_force', 1);
        INSERT INTO codebook_questions (id, position, label, answer_type, rollup) VALUES
          ('creating', 1, 'Creating', 'yes_no', 'any_yes'), ('minors_specific', 2, 'Ages', 'enum', 'list'),
          ('max_prison_months', 3, 'Prison', 'number', 'max');
        INSERT INTO coded_answers VALUES ('csam', 'creating', 'yes', NULL, '1', 'e', 'verified'),
          ('csam', 'minors_specific', 'minors_only', NULL, '1', 'e', 'verified'),
          ('csam', 'max_prison_months', '600', 600.0, '1', 'e', 'verified'),
          ('nii', 'creating', 'no', NULL, '1', 'e', 'verified'),
          ('nii', 'max_prison_months', '72', 72.0, '1', 'e', 'verified');
        CREATE VIEW comparison_matrix AS SELECT jurisdiction, jurisdiction_name, region,
          MAX(CASE WHEN question_id = 'creating' THEN answer END) AS [creating]
          FROM comparison GROUP BY jurisdiction ORDER BY region, jurisdiction;
    """)
    old.close()
    monkeypatch.undo()
    db = open_database(path)
    assert db.execute("SELECT instrument_id, scope, answer_number, typeof(answer_number) FROM coded_answers "
                      "WHERE question_id = 'max_prison_months' ORDER BY instrument_id").fetchall() == [
        ("csam", "minors", 600, "integer"), ("nii", "both", 72, "integer")]
    assert db.execute("SELECT scope, answer FROM comparison WHERE question_id = 'creating' ORDER BY scope").fetchall() == [
        ("adults", "no"), ("minors", "yes")]
    assert db.execute("SELECT [creating] FROM comparison_matrix").fetchall() == [("no",)]
    assert db.execute("SELECT [creating], [max_prison_months] FROM comparison_matrix_minors").fetchall() == [("yes", "600")]
