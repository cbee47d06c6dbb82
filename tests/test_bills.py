"""Bills that say what they are (issue 8): summary, subjects and sponsors stored, the
`became_law` action, the `bill_instruments` links, and the migration that brings an
existing database (schema v5) to them without losing a row."""

import json
import sqlite3

import pytest

from crawlers.store import Store
from crawlers.store import schema
from crawlers.store.schema import MIGRATION_8, open_database


def prepare(store: Store) -> Store:
    store.db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('test', 'Test', 'https://example.org', 'CC0')")
    store.db.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('US', 'United States', 'country')")
    return store


@pytest.fixture
def store(tmp_path):
    return prepare(Store.open(tmp_path / "atlas.db"))


def bill(**extra):
    return {"type": "bill", "id": "us-119-s-146", "jurisdiction": "US", "identifier": "S. 146", "session": "119",
            "title": "TAKE IT DOWN Act", "url": "https://www.congress.gov/bill/119th-congress/senate-bill/146",
            "source": "test", **extra}


def test_summary_subjects_and_sponsors_are_stored_and_never_blanked(store):
    sponsors = [{"name": "Ted Cruz", "party": "R", "role": "primary", "classification": "sponsor"},
                {"name": "Amy Klobuchar", "party": "D", "role": "cosponsor", "classification": "cosponsor"}]
    counts, _ = store.write_batch([bill(summary="Makes publishing an offence.", subjects=["Crime", "Sex offenses"],
                                        sponsors=sponsors,
                                        actions=[{"date": "2025-05-19", "action": "became_law",
                                                  "wording": "Became Public Law No: 119-12."}])])
    assert counts["new"] == 1
    row = store.db.execute("SELECT summary, subjects FROM bills").fetchone()
    assert row[0] == "Makes publishing an offence." and json.loads(row[1]) == ["Crime", "Sex offenses"]
    assert store.db.execute("SELECT name, party, role, classification FROM bill_sponsors ORDER BY role DESC").fetchall() == [
        ("Ted Cruz", "R", "primary", "sponsor"), ("Amy Klobuchar", "D", "cosponsor", "cosponsor")]
    assert store.db.execute("SELECT action FROM bill_actions").fetchall() == [("became_law",)]
    # A later page that says nothing of them leaves them as they were.
    store.write_batch([bill(title="TAKE IT DOWN Act (as enacted)")])
    assert store.db.execute("SELECT summary FROM bills").fetchone()[0] == "Makes publishing an offence."
    assert store.db.execute("SELECT COUNT(*) FROM bill_sponsors").fetchone()[0] == 2


def test_a_cosponsor_who_withdraws_is_stored_as_withdrawn_and_an_unsaid_party_is_kept(store):
    joined = {"name": "Maria Cantwell", "party": "D", "role": "cosponsor", "classification": "cosponsor"}
    store.write_batch([bill(sponsors=[joined])])
    store.write_batch([bill(sponsors=[{**joined, "party": None, "classification": "withdrawn cosponsor"}])])
    assert store.db.execute("SELECT name, party, classification FROM bill_sponsors").fetchall() == [
        ("Maria Cantwell", "D", "withdrawn cosponsor")]


def test_a_sponsor_without_a_known_role_is_dropped_with_its_reason(store):
    counts, failures = store.write_batch([bill(sponsors=[{"name": "Ted Cruz", "role": "lead"}])])
    assert counts["dropped"] == 1 and "role 'lead'" in failures[0]["reason"]


def test_bill_instruments_links_curated_bills_public_laws_and_cited_bill_numbers(store):
    db = store.db
    db.execute("INSERT INTO jurisdictions (code, name, kind, parent) VALUES ('US-CA', 'California', 'state', 'US')")
    db.execute("INSERT INTO curated_instruments (id, jurisdiction, title, kind, status, source, source_identifier) VALUES "
               "('us-take-it-down-bill', 'US', 'TAKE IT DOWN Act (bill)', 'bill', 'pending', 'test', '119/s/146')")
    for the_id, jurisdiction, citation in [
            ("us-take-it-down-act", "US", "Pub. L. 119-12, 139 Stat. 55"),
            ("us-other-law", "US", "Pub. L. 119-120"),            # another law whose number only starts alike
            ("us-ca-civ", "US-CA", "Cal. Civ. Code § 1708.86 (AB 621, Stats. 2025)"),
            ("us-ca-other", "US-CA", "Cal. Pen. Code § 647 (AB 6210)")]:
        db.execute("INSERT INTO instruments (id, jurisdiction, title, kind, citation, curated) VALUES (?, ?, ?, 'statute', ?, 1)",
                   [the_id, jurisdiction, the_id, citation])
    store.write_batch([
        bill(identifiers=[{"scheme": "OTHER", "value": "119/s/146"}, {"scheme": "OTHER", "value": "Pub. L. 119-12"}]),
        {"type": "bill", "id": "us-ca-ab621", "jurisdiction": "US-CA", "identifier": "AB 621", "session": "20252026",
         "url": "https://leginfo.legislature.ca.gov/x", "source": "test", "status": "enacted"},
        {"type": "bill", "id": "us-ca-ab9", "jurisdiction": "US-CA", "identifier": "AB 9", "session": "20252026",
         "url": "https://leginfo.legislature.ca.gov/y", "source": "test", "status": "failed"},
    ])
    links = set(db.execute("SELECT bill_id, instrument_id, link, matched FROM bill_instruments").fetchall())
    assert links == {
        ("us-119-s-146", "us-take-it-down-bill", "curated_bill", "119/s/146"),
        ("us-119-s-146", "us-take-it-down-act", "public_law", "Pub. L. 119-12"),
        ("us-ca-ab621", "us-ca-civ", "bill_number", "AB 621"),
    }


def test_migration_8_carries_a_v5_database_forward(tmp_path, monkeypatch):
    path = tmp_path / "v5.db"
    position = schema.MIGRATIONS.index(MIGRATION_8)
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:5])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 5)
    old = open_database(path)
    # A database made before became_law: its bill_actions CHECK lists the old words.
    old.conn.executescript("""
        DROP TABLE bill_actions;
        CREATE TABLE bill_actions (
            bill_id TEXT NOT NULL REFERENCES bills(id), date TEXT,
            action TEXT NOT NULL CHECK (action IN ('introduced', 'passed_one_chamber', 'passed_both', 'signed',
                                                   'vetoed', 'failed', 'effective')),
            wording TEXT NOT NULL DEFAULT '', PRIMARY KEY (bill_id, date, action, wording));
        INSERT INTO sources (id, name, base_url, licence) VALUES ('test', 'Test', 'https://example.org', 'CC0');
        INSERT INTO jurisdictions (code, name, kind) VALUES ('US', 'United States', 'country');
        INSERT INTO bills (id, jurisdiction, identifier, title, url, source) VALUES
          ('b1', 'US', 'S. 1', 'A bill', 'https://example.org/b1', 'test');
        INSERT INTO bill_actions VALUES ('b1', '2025-01-01', 'introduced', 'Introduced in Senate');
    """)
    with pytest.raises(sqlite3.IntegrityError):  # the old vocabulary has no became_law
        old.execute("INSERT INTO bill_actions VALUES ('b1', '2025-02-01', 'became_law', 'Became law')")
    old.close()
    monkeypatch.undo()
    db = open_database(path)
    assert schema.current_version(db) == len(schema.MIGRATIONS) and position >= 5
    assert db.execute("SELECT * FROM bill_actions").fetchall() == [("b1", "2025-01-01", "introduced", "Introduced in Senate")]
    db.execute("INSERT INTO bill_actions VALUES ('b1', '2025-02-01', 'became_law', 'Became law')")
    assert db.execute("SELECT title, summary, subjects FROM bills").fetchall() == [("A bill", None, None)]
    assert db.execute("SELECT COUNT(*) FROM bill_sponsors").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM bill_instruments").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO bill_sponsors VALUES ('b1', 'X', NULL, 'lead', NULL)")
