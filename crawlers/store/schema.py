"""The database schema, created by code and moved forward by numbered migrations.

Each migration runs once, inside a transaction, and is recorded in
`schema_migrations`; later work appends migrations, never edits applied ones,
so a database full of crawled data is carried forward without loss.
"""

import sqlite_utils

FTS_TABLES = {
    # table: columns indexed for full-text search (kept in sync by triggers)
    "instruments": ["title", "title_en", "citation", "summary"],
    "provisions": ["label", "heading", "text"],
    "cases": ["name", "citation", "summary", "text"],
}

MIGRATION_1 = """
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT,
    base_url TEXT NOT NULL,
    licence TEXT NOT NULL,
    licence_url TEXT,
    terms_url TEXT,
    rate_limit TEXT,
    api_key_env TEXT,
    notes TEXT
);
CREATE TABLE jurisdictions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES jurisdictions(code),
    region TEXT,
    languages TEXT,
    latitude REAL,
    longitude REAL,
    official_domains TEXT,
    code_system TEXT
);
CREATE TABLE instruments (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    title TEXT NOT NULL,
    title_en TEXT,
    citation TEXT,
    kind TEXT,
    status TEXT,
    date_enacted TEXT,
    date_in_force TEXT,
    official_url TEXT,
    language TEXT,
    extent TEXT,
    source TEXT REFERENCES sources(id),
    source_identifier TEXT,
    summary TEXT,
    evidence_url TEXT,
    verified_on TEXT,
    uncertain TEXT,
    curated INTEGER NOT NULL DEFAULT 0,
    fetched_at TEXT,
    content_hash TEXT
);
CREATE INDEX instruments_jurisdiction ON instruments(jurisdiction);
CREATE INDEX instruments_status ON instruments(status);
CREATE INDEX instruments_kind ON instruments(kind);
CREATE TABLE provisions (
    id TEXT PRIMARY KEY,
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    label TEXT NOT NULL,
    heading TEXT,
    text TEXT,
    language TEXT,
    url TEXT,
    extent TEXT,
    in_force_status TEXT,
    valid_from TEXT,
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT
);
CREATE INDEX provisions_instrument ON provisions(instrument_id);
CREATE TABLE provision_versions (
    id INTEGER PRIMARY KEY,
    provision_id TEXT NOT NULL REFERENCES provisions(id),
    content_hash TEXT NOT NULL,
    heading TEXT,
    text TEXT,
    extent TEXT,
    in_force_status TEXT,
    valid_from TEXT,
    url TEXT,
    source TEXT REFERENCES sources(id),
    first_seen TEXT NOT NULL,
    superseded_at TEXT,
    UNIQUE (provision_id, content_hash)
);
CREATE INDEX provision_versions_provision ON provision_versions(provision_id);
CREATE TABLE bills (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    identifier TEXT NOT NULL,
    session TEXT,
    title TEXT,
    status TEXT,
    status_date TEXT,
    url TEXT,
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT
);
CREATE INDEX bills_jurisdiction ON bills(jurisdiction);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    court TEXT,
    decision_date TEXT,
    name TEXT NOT NULL,
    citation TEXT,
    url TEXT,
    language TEXT,
    judges TEXT,
    outcome TEXT,
    summary TEXT,
    text TEXT,
    cited_legislation TEXT,
    curated INTEGER NOT NULL DEFAULT 0,
    evidence_url TEXT,
    verified_on TEXT,
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT
);
CREATE INDEX cases_jurisdiction ON cases(jurisdiction);
CREATE INDEX cases_court ON cases(court);
CREATE INDEX cases_decision_date ON cases(decision_date);
CREATE TABLE case_instruments (
    case_id TEXT NOT NULL REFERENCES cases(id),
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    PRIMARY KEY (case_id, instrument_id)
);
CREATE TABLE candidate_instruments (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT REFERENCES jurisdictions(code),
    title TEXT,
    url TEXT,
    published TEXT,
    matched_query TEXT,
    review_status TEXT NOT NULL DEFAULT 'to_review',
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT
);
CREATE TABLE codebook_questions (
    id TEXT PRIMARY KEY,
    position INTEGER,
    label TEXT NOT NULL,
    answer_type TEXT NOT NULL,
    choices TEXT,
    rollup TEXT,
    rules TEXT
);
CREATE TABLE coded_answers (
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    question_id TEXT NOT NULL REFERENCES codebook_questions(id),
    answer TEXT NOT NULL,
    answer_number REAL,
    provision_label TEXT,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (instrument_id, question_id)
);
CREATE INDEX coded_answers_question ON coded_answers(question_id);
CREATE TABLE crawl_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(id),
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT,
    arguments TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    items_new INTEGER NOT NULL DEFAULT 0,
    items_changed INTEGER NOT NULL DEFAULT 0,
    items_unchanged INTEGER NOT NULL DEFAULT 0,
    items_dropped INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX crawl_runs_source ON crawl_runs(source, started);
CREATE TABLE crawl_errors (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
    source TEXT NOT NULL,
    url TEXT,
    status INTEGER,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE INDEX crawl_errors_run ON crawl_errors(run_id);
"""

# The comparison: what each jurisdiction's in-force law says on each question.
MIGRATION_2 = """
CREATE VIEW jurisdiction_answers AS
SELECT i.jurisdiction, j.name AS jurisdiction_name, j.region, q.position AS question_position,
       a.question_id, q.label AS question, a.answer, a.answer_number,
       i.id AS instrument_id, i.title_en AS instrument, i.citation, i.status AS instrument_status,
       a.provision_label, a.evidence, a.status AS coding_status, i.official_url
FROM coded_answers a
JOIN instruments i ON i.id = a.instrument_id
JOIN jurisdictions j ON j.code = i.jurisdiction
JOIN codebook_questions q ON q.id = a.question_id;

CREATE VIEW comparison AS
SELECT j.code AS jurisdiction, j.name AS jurisdiction_name, j.region, q.position AS question_position,
       q.id AS question_id, q.label AS question,
       CASE
         WHEN q.rollup = 'any_yes' THEN
           CASE WHEN SUM(a.answer = 'yes') > 0 THEN 'yes'
                WHEN SUM(a.answer = 'unclear') > 0 THEN 'unclear'
                WHEN COUNT(a.answer) > 0 THEN 'no'
           END
         WHEN q.rollup = 'max' THEN CAST(MAX(a.answer_number) AS TEXT)
         ELSE GROUP_CONCAT(DISTINCT a.answer)
       END AS answer,
       GROUP_CONCAT(CASE WHEN a.answer = 'yes' OR q.rollup != 'any_yes' THEN i.citation || ' ' || a.provision_label END, '; ')
         AS supporting_provisions,
       COUNT(a.answer) AS instruments_coded
FROM jurisdictions j
CROSS JOIN codebook_questions q
LEFT JOIN instruments i ON i.jurisdiction = j.code AND i.status = 'in_force'
LEFT JOIN coded_answers a ON a.instrument_id = i.id AND a.question_id = q.id
WHERE j.code IN (SELECT jurisdiction FROM instruments)
GROUP BY j.code, q.id;

CREATE VIEW enactment_timeline AS
SELECT COALESCE(i.date_enacted, i.date_in_force) AS date,
       substr(COALESCE(i.date_enacted, i.date_in_force), 1, 4) AS year,
       i.jurisdiction, j.name AS jurisdiction_name, j.region, i.id AS instrument_id,
       i.title_en AS instrument, i.citation, i.kind, i.status, i.date_enacted, i.date_in_force,
       EXISTS (SELECT 1 FROM coded_answers a WHERE a.instrument_id = i.id
               AND a.question_id = 'explicit_synthetic' AND a.answer = 'yes') AS reaches_synthetic,
       i.official_url
FROM instruments i JOIN jurisdictions j ON j.code = i.jurisdiction
WHERE COALESCE(i.date_enacted, i.date_in_force) IS NOT NULL
ORDER BY date;
"""

MIGRATIONS = [MIGRATION_1, MIGRATION_2]
SCHEMA_VERSION = len(MIGRATIONS)


def open_database(path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA busy_timeout = 30000")
    migrate(db)
    return db


def current_version(db: sqlite_utils.Database) -> int:
    if not db["schema_migrations"].exists():
        return 0
    return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration the database has not had yet; return the new version."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    version = current_version(db)
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.conn:
            db.conn.executescript(f"BEGIN;\n{script}\nINSERT INTO schema_migrations VALUES ({number}, datetime('now'));\nCOMMIT;")
    if version < SCHEMA_VERSION:
        enable_search(db)
    return SCHEMA_VERSION


def enable_search(db: sqlite_utils.Database) -> None:
    for table, columns in FTS_TABLES.items():
        if not db[f"{table}_fts"].exists():
            db[table].enable_fts(columns, create_triggers=True, tokenize="unicode61 remove_diacritics 2")
