"""The store's guarantees: atomic batches, honest history, withdrawn documents, schema v3."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crawlers.store import Store
from crawlers.store.schema import MIGRATION_1, MIGRATION_2, open_database

PROJECT = Path(__file__).resolve().parents[1]


def prepare(store: Store) -> Store:
    with store.db.conn:
        store.db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('test', 'Test', 'https://example.org', 'CC0')")
        store.db.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('GB', 'United Kingdom', 'country')")
    store.write_batch([{"type": "instrument", "id": "act", "jurisdiction": "GB", "title": "An Act",
                        "official_url": "https://example.org/act", "source": "test"}])
    return store


@pytest.fixture
def store(tmp_path):
    return prepare(Store.open(tmp_path / "atlas.db"))


def provision(number=1, text="Text.", **extra):
    return {"type": "provision", "id": f"act/section/{number}", "instrument_id": "act", "label": f"s. {number}",
            "heading": "Heading", "text": text, "url": f"https://example.org/act/{number}", "source": "test", **extra}


def versions(store, number=1):
    return list(store.db.query("SELECT * FROM provision_versions WHERE provision_id = ? ORDER BY id",
                               [f"act/section/{number}"]))


# --------------------------------------------------------------------------- atomic batches


def test_one_bad_record_in_a_batch_of_200_costs_that_record_alone(store):
    run = store.start_run("test")
    batch = [provision(n) for n in range(200)]
    batch[57] = provision(57, valid_from="2024-02-30")  # refused by validation
    batch[120] = {**provision(120), "instrument_id": "no-such-act"}  # refused by the database
    counts, failures = store.write_batch(batch, run_id=run, source="test")
    assert counts["new"] == 198 and counts["dropped"] == 2
    assert store.db.execute("SELECT COUNT(*) FROM provisions").fetchone()[0] == 198
    assert store.db.execute("SELECT COUNT(*) FROM provision_versions").fetchone()[0] == 198
    errors = list(store.db.query("SELECT * FROM crawl_errors WHERE run_id = ?", [run]))
    assert {e["kind"] for e in errors} == {"dropped"} and len(errors) == 2
    assert any("act/section/57" in e["reason"] and "not a real date" in e["reason"] for e in errors)
    assert any("act/section/120" in e["reason"] and "FOREIGN KEY" in e["reason"] for e in errors)
    row = store.db["crawl_runs"].get(run)
    assert row["items_new"] == 198 and row["items_dropped"] == 2 and row["errors"] == 2


def test_a_batch_is_one_transaction(store):
    before = store.db.conn.total_changes
    commits = []
    store.db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None)
    store.write_batch([provision(n) for n in range(50)], run_id=store.start_run("test"), source="test")
    store.db.conn.set_trace_callback(None)
    assert len(commits) == 2  # the run's row, then the whole batch
    assert store.db.conn.total_changes > before


def test_urls_in_errors_are_redacted(store):
    run = store.start_run("test")
    store.secret_params = frozenset({"OC"})
    bad = {**provision(9), "instrument_id": "missing", "url": "https://example.org/api?OC=s3cret&q=1"}
    store.write_batch([bad], run_id=run, source="test",
                      errors=[{"url": "https://example.org/x?api_key=abc123", "kind": "http", "reason": "HTTP 500"}])
    urls = [row[0] for row in store.db.execute("SELECT url FROM crawl_errors")]
    assert urls and all("s3cret" not in u and "abc123" not in u for u in urls)


KILLED_WRITER = textwrap.dedent("""
    import sys
    from crawlers.store import Store
    store = Store.open(sys.argv[1])
    run = store.start_run("test")
    number = 0
    while True:
        batch = []
        for _ in range(200):
            number += 1
            batch.append({"type": "provision", "id": f"act/section/{number}", "instrument_id": "act",
                          "label": f"s. {number}", "heading": "H", "text": "Text " * 120,
                          "url": "https://example.org/x", "source": "test"})
        store.write_batch(batch, run_id=run, source="test")
""")


def test_kill_minus_9_leaves_whole_batches_and_an_interrupted_run(tmp_path):
    path = tmp_path / "atlas.db"
    prepare(Store.open(path))
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=PROJECT)
    watcher = sqlite3.connect(path, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stored = watcher.execute("SELECT COALESCE(SUM(items_new), 0) FROM crawl_runs").fetchone()[0]
        if stored >= 1000:
            break
        time.sleep(0.02)
    time.sleep(0.013)  # somewhere inside a later batch
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    watcher.close()

    store = Store.open(path)
    db = store.db
    stored = db.execute("SELECT COUNT(*) FROM provisions").fetchone()[0]
    assert stored >= 1000 and stored % 200 == 0  # whole batches only
    without_version = db.execute(
        "SELECT COUNT(*) FROM provisions AS p WHERE NOT EXISTS (SELECT 1 FROM provision_versions AS v "
        "WHERE v.provision_id = p.id AND v.superseded_at IS NULL)").fetchone()[0]
    assert without_version == 0
    [killed] = db.query("SELECT * FROM crawl_runs")
    assert killed["finished"] is None and killed["items_new"] == stored
    store.start_run("test")
    assert db["crawl_runs"].get(killed["id"])["outcome"] == "interrupted"


# --------------------------------------------------------------------------- history


def test_a_parser_upgrade_rederiving_the_same_text_makes_no_new_version(store):
    store.write_batch([provision(text="The  same\ntext.", parser_version="1")])
    counts, _ = store.write_batch([provision(text="The same text.", parser_version="2", extent="E+W")])
    assert counts["changed"] == 1
    [version] = versions(store)
    assert version["parser_version"] == "2" and version["extent"] == "E+W"
    assert store.db["provisions"].get("act/section/1")["parser_version"] == "2"


def test_the_spiders_parser_version_is_recorded(store):
    store.parser_version = "7"
    store.write_batch([provision()])
    assert versions(store)[0]["parser_version"] == "7"


def test_a_source_dated_version_has_its_own_validity_and_closes_the_previous(store):
    store.write_batch([provision(text="Old text.", valid_from="2020-01-01")])
    store.write_batch([provision(text="New text.", valid_from="2024-06-01")])
    old, new = versions(store)
    assert (old["valid_from"], old["valid_to"]) == ("2020-01-01", "2024-06-01")
    assert (new["valid_from"], new["valid_to"]) == ("2024-06-01", None)
    assert old["superseded_at"] and old["last_seen"] and new["superseded_at"] is None
    # Undated by the source, a new text does not inherit the old one's date.
    store.write_batch([provision(text="Newest text.")])
    assert versions(store)[-1]["valid_from"] is None
    assert store.db["provisions"].get("act/section/1")["valid_from"] is None


def test_the_text_of_a_provision_on_a_date(store):
    import yaml

    store.write_batch([provision(text="Old text.", valid_from="2020-01-01")])
    store.write_batch([provision(text="New text.", valid_from="2024-06-01")])
    sql = yaml.safe_load((PROJECT / "metadata.yml").read_text())["databases"]["sii_atlas"]["queries"]["provision_text_on"]["sql"]
    on = lambda day: [r["text"] for r in store.db.query(sql, {"provision": "act/section/1", "date": day, "language": ""})]
    assert on("2021-05-05") == ["Old text."] and on("2024-06-01") == ["New text."] and on("2019-01-01") == []


def test_each_language_has_its_own_text_and_history(store):
    store.write_batch([provision(text="English text.", language="en")])
    store.write_batch([provision(text="Texte français.", language="fr")])
    store.write_batch([provision(text="Texte français modifié.", language="fr")])
    current = {r["language"]: r["text"] for r in store.db.query("SELECT * FROM provision_texts")}
    assert current == {"en": "English text.", "fr": "Texte français modifié."}
    assert store.db["provisions"].get("act/section/1")["text"] == "English text."
    assert len(versions(store)) == 3


# --------------------------------------------------------------------------- withdrawn documents


def test_a_withdrawn_judgment_loses_its_text_everywhere_served(store):
    case = {"type": "case", "id": "d-1", "jurisdiction": "GB", "name": "R v Someone", "text": "The secret name Zebulon.",
            "url": "https://example.org/d-1", "source": "test", "citations": [{"instrument_id": "act", "span": "s. 1"}]}
    store.write_batch([case])
    assert store.db.execute("SELECT COUNT(*) FROM cases_fts WHERE cases_fts MATCH 'Zebulon'").fetchone()[0] == 1
    assert store.mark_gone("case", "d-1")
    for table in ("cases", "crawled_cases"):
        row = store.db[table].get("d-1")
        assert row["text"] is None and row["gone_at"] and row["name"] == "R v Someone"
    for fts in ("cases_fts", "cases_trigram"):
        assert store.db.execute(f"SELECT COUNT(*) FROM {fts} WHERE {fts} MATCH 'Zebulon'").fetchone()[0] == 0
    dump = "\n".join(store.db.conn.iterdump())
    assert "Zebulon" not in dump.replace("INSERT INTO \"cases_fts_", "")  # no table keeps the words


def test_a_provision_gone_at_source_is_marked_and_keeps_its_public_text(store):
    store.write_batch([provision(text="Words of the law.")])
    store.mark_gone("provision", "act/section/1")
    row = store.db["provisions"].get("act/section/1")
    assert row["gone_at"] and row["text"] == "Words of the law."
    assert all(v["text"] == "Words of the law." for v in versions(store))


# --------------------------------------------------------------------------- schema v3


def test_the_schema_columns_and_the_item_fields_agree(store):
    from crawlers.items import ITEM_CLASSES, column_fields

    tables = {"instrument": "crawled_instruments", "provision": "provisions", "case": "crawled_cases",
              "bill": "bills", "candidate": "candidate_instruments", "monitoring_document": "monitoring_documents"}
    store_only = {"gone_at", "review_status", "heading_en", "keywords"}  # the last two are curated (data/)
    for kind, table in tables.items():
        columns = {row[1] for row in store.db.execute(f"PRAGMA table_info({table})")}
        assert set(column_fields(kind)) == columns - store_only, kind
    assert set(ITEM_CLASSES) == set(tables)


@pytest.mark.parametrize("sql", [
    "UPDATE provisions SET in_force_status = 'maybe'",
    "UPDATE crawled_instruments SET status = 'alive'",
    "UPDATE crawl_runs SET outcome = 'great'",
    "UPDATE candidate_instruments SET review_status = 'done'",
    "INSERT INTO bill_actions (bill_id, action) VALUES ('b', 'vetoed twice')",
    "INSERT INTO identifiers (scheme, value, item_type, item_id) VALUES ('ISBN', 'x', 'case', 'c')",
    "UPDATE jurisdictions SET kind = 'empire'",
    "UPDATE jurisdictions SET region = 'Atlantis'",
    "UPDATE sources SET kind = 'rumour'",
])
def test_enumerated_columns_refuse_other_values(store, sql):
    store.write_batch([provision(), {"type": "candidate", "id": "c", "title": "C", "url": "https://example.org/c", "source": "test"}])
    store.start_run("test")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        store.db.conn.execute(sql)


def test_identifiers_actions_citations_and_links_are_stored(store):
    store.write_batch([
        {"type": "instrument", "id": "act2", "jurisdiction": "GB", "title": "Amending Act", "source": "test",
         "official_url": "https://example.org/act2", "links": [{"relation": "amends", "target": "act"}],
         "identifiers": [{"scheme": "ELI", "value": "http://example.org/eli/act2"}]},
        {"type": "bill", "id": "b1", "jurisdiction": "GB", "identifier": "HB 1", "url": "https://example.org/b1",
         "source": "test", "actions": [{"date": "2024-01-02", "action": "introduced", "wording": "First reading"}]},
    ])
    assert store.db.execute("SELECT relation, target_id FROM instrument_links").fetchall() == [("amends", "act")]
    assert store.db.execute("SELECT action, wording FROM bill_actions").fetchall() == [("introduced", "First reading")]
    assert store.db.execute("SELECT scheme, item_type, item_id FROM identifiers").fetchall() == [("ELI", "instrument", "act2")]
    counts, failures = store.write_batch([{"type": "bill", "id": "b2", "jurisdiction": "GB", "identifier": "HB 2",
                                           "url": "https://example.org/b2", "source": "test",
                                           "actions": [{"action": "exploded"}]}])
    assert counts["dropped"] == 1 and "not one of" in failures[0]["reason"]


def test_a_crawled_instrument_that_is_not_curated_is_served_with_its_provisions(store):
    row = store.db["instruments"].get("act")
    assert row["curated"] == 0 and row["title"] == "An Act"
    store.write_batch([provision()])
    assert store.db["provisions"].get("act/section/1")["instrument_id"] == "act"


def test_trigram_index_finds_korean_inside_a_word(store):
    store.write_batch([provision(text="성폭력범죄의 처벌 등에 관한 특례법 딥페이크", language="ko")])
    hits = store.db.execute("SELECT rowid FROM provisions_trigram WHERE provisions_trigram MATCH '\"폭력범\"'").fetchall()
    assert len(hits) == 1


def test_the_trigram_index_of_provisions_holds_only_unspaced_languages(store):
    # A trigram index costs several times the word index to write: languages written
    # with spaces are found by the word index, so their texts stay out of it, also when
    # a text is corrected later or its language learnt late.
    store.write_batch([provision(1, text="Sharing an intimate image.", language="en"),
                       provision(2, text="딥페이크 영상물", language="ko")])
    def found(words):
        return {row[0] for row in store.db.execute(
            "SELECT provisions.id FROM provisions_trigram JOIN provisions ON provisions.rowid = provisions_trigram.rowid "
            "WHERE provisions_trigram MATCH ?", [f'"{words}"'])}

    assert found("intimate") == set() and found("페이크") == {"act/section/2"}
    store.write_batch([provision(2, text="딥페이크 영상물 등", language="ko"),
                       provision(1, text="Sharing an intimate image, amended.", language="en")])
    assert found("intimate") == set() and found("영상물 등") == {"act/section/2"} and found("페이크") == {"act/section/2"}


def v2_database(path: Path) -> None:
    """A database as schema v2 left it, filled through the old migrations' own SQL."""
    import sqlite_utils

    conn = sqlite3.connect(path)
    conn.executescript(MIGRATION_1 + MIGRATION_2 + """
        CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
        INSERT INTO schema_migrations VALUES (1, '2025-01-01'), (2, '2025-01-01');
        INSERT INTO sources (id, name, base_url, licence) VALUES ('curated', 'Curated', 'x', 'CC-BY'), ('spider', 'S', 'y', 'OGL');
        INSERT INTO jurisdictions (code, name, kind) VALUES ('GB', 'United Kingdom', 'country');
        INSERT INTO instruments (id, jurisdiction, title, status, curated, summary, source, fetched_at, extent)
          VALUES ('cur', 'GB', 'Curated Act', 'in_force', 1, 'Our summary', 'spider', '2025-02-01', 'E+W'),
                 ('crawl', 'GB', 'Crawled Act', NULL, 0, NULL, 'spider', '2025-02-01', NULL);
        INSERT INTO provisions (id, instrument_id, label, heading, text, fetched_at, content_hash, source)
          VALUES ('cur/1', 'cur', 's. 1', 'H', 'Now.', '2025-02-01', 'old-hash', 'spider'),
                 ('cur/2', 'cur', 's. 2', 'Placeholder', NULL, NULL, NULL, NULL);
        INSERT INTO provision_versions (provision_id, content_hash, heading, text, first_seen, superseded_at)
          VALUES ('cur/1', 'h1', 'H', 'Before.', '2025-01-01', '2025-02-01'),
                 ('cur/1', 'h2', 'H', 'Now.', '2025-02-01', NULL);
        INSERT INTO bills (id, jurisdiction, identifier) VALUES ('b', 'GB', 'HB 1');
        INSERT INTO cases (id, jurisdiction, name, text, curated, summary, judges)
          VALUES ('c1', 'GB', 'R v A', 'Judgment.', 1, 'Summary', '["J"]'), ('c2', 'GB', 'R v B', 'Text.', 0, NULL, NULL);
        INSERT INTO case_instruments VALUES ('c1', 'cur');
        INSERT INTO candidate_instruments (id, title) VALUES ('cand', 'Maybe');
        INSERT INTO codebook_questions (id, label, answer_type) VALUES ('creating', 'Creating?', 'yes_no');
        INSERT INTO coded_answers VALUES ('cur', 'creating', 'yes', NULL, 's. 1', 'Because', 'verified');
        INSERT INTO crawl_runs (id, source, started, finished, outcome) VALUES (1, 'spider', 't', 't', 'ok'), (2, 'spider', 't', NULL, NULL);
        INSERT INTO crawl_errors (run_id, source, kind, reason, occurred_at) VALUES (1, 'spider', 'http', 'HTTP 500', 't'),
                                                                                   (1, 'spider', 'weird', 'odd', 't');
        CREATE VIEW comparison_matrix AS SELECT jurisdiction, jurisdiction_name, region,
          MAX(CASE WHEN question_id = 'creating' THEN answer END) AS [creating]
          FROM comparison GROUP BY jurisdiction ORDER BY region, jurisdiction;
    """)
    conn.commit()
    conn.close()
    db = sqlite_utils.Database(path)
    for table, columns in {"instruments": ["title", "title_en", "citation", "summary"],
                           "provisions": ["label", "heading", "text"], "cases": ["name", "citation", "summary", "text"]}.items():
        db[table].enable_fts(columns, create_triggers=True)
    db.close()


def test_migration_from_v2_keeps_every_row(tmp_path):
    path = tmp_path / "v2.db"
    v2_database(path)
    old = sqlite3.connect(path)
    tables = ["sources", "jurisdictions", "instruments", "provisions", "provision_versions", "bills", "cases",
              "case_instruments", "candidate_instruments", "codebook_questions", "coded_answers", "crawl_runs", "crawl_errors"]
    before = {t: old.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    texts = sorted(old.execute("SELECT provision_id, text FROM provision_versions").fetchall())
    old.close()
    db = open_database(path)
    assert {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables} == before
    assert sorted(db.execute("SELECT provision_id, text FROM provision_versions").fetchall()) == texts
    assert db["instruments"].get("cur")["summary"] == "Our summary" and db["curated_instruments"].get("cur")["summary"] == "Our summary"
    assert db["crawled_instruments"].get("crawl")["title"] == "Crawled Act"
    assert db["cases"].get("c1")["text"] == "Judgment." and db["curated_cases"].count == 1
    assert db["crawl_runs"].get(2)["outcome"] == "interrupted"
    assert db.execute("SELECT jurisdiction, [creating] FROM comparison_matrix").fetchall() == [("GB", "yes")]
    assert db.execute("SELECT kind, reason FROM crawl_errors ORDER BY id").fetchall() == [("http", "HTTP 500"), ("other", "weird: odd")]
    assert db.execute("SELECT COUNT(*) FROM provisions_fts WHERE provisions_fts MATCH 'now'").fetchone()[0] == 1
    # The re-derived version key: a crawl of the same text makes no new version.
    store = Store(db)
    store.write_batch([{"type": "provision", "id": "cur/1", "instrument_id": "cur", "label": "s. 1",
                        "heading": "H", "text": "Now.", "url": "https://example.org/1", "source": "spider"}])
    assert db.execute("SELECT COUNT(*) FROM provision_versions").fetchone()[0] == 2


def test_the_first_crawled_text_fills_a_curated_entry_whatever_its_language(store):
    store.db.execute("INSERT INTO provisions (id, instrument_id, label, heading, language) "
                     "VALUES ('act/section/1', 'act', 's. 1', 'Curated heading', 'fr')")
    counts, _ = store.write_batch([provision(text="Tekst in het Nederlands.", language="nl")])
    row = store.db["provisions"].get("act/section/1")
    assert counts["changed"] == 1 and row["text"] == "Tekst in het Nederlands." and row["language"] == "nl"
    assert [v["language"] for v in versions(store)] == ["nl"]


def test_an_earlier_dated_text_fetched_late_is_history_not_an_amendment(store):
    store.write_batch([provision(text="Current text.", valid_from="2024-06-01")])
    counts, _ = store.write_batch([provision(text="Original text.", valid_from="2010-01-01")])
    assert counts["changed"] == 1
    assert store.db["provisions"].get("act/section/1")["text"] == "Current text."
    by_text = {v["text"]: v for v in versions(store)}
    assert by_text["Original text."]["valid_to"] == "2024-06-01" and by_text["Original text."]["superseded_at"]
    assert by_text["Current text."]["superseded_at"] is None and by_text["Current text."]["valid_to"] is None
    assert store.write_batch([provision(text="Original text.", valid_from="2010-01-01")])[0]["unchanged"] == 1
