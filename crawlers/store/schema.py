"""The database schema, created by code and moved forward by numbered migrations.

Each migration runs once, inside a transaction, and is recorded in
`schema_migrations`; later work appends migrations, never edits applied ones,
so a database full of crawled data is carried forward without loss.

Schema v3 (MIGRATION_3) in short:
* curated values (`curated_instruments`, `curated_provisions`, `curated_cases`, and
  the registry's own tables) apart from crawled ones (`crawled_instruments`,
  `crawled_cases`; `provisions`, `bills` and `candidate_instruments` are crawled);
  the served `instruments` and `cases` merge them (views `*_merged`, store/served.py);
* `provision_versions` keyed by (provision, language, hash of the normalised text),
  with the source's `valid_from`/`valid_to` apart from our `first_seen`/`last_seen`/
  `superseded_at`; views `provision_texts` (current text per language) and
  `provision_history` (what applied when);
* `gone_at` on documents a source withdrew; `crawl_runs.tracked_failed` and the
  `interrupted` outcome;
* `identifiers`, `bill_actions`, `case_citations`, `instrument_links`;
* a CHECK on every enumerated column (values in crawlers/vocabulary.py), for which
  the tables are rebuilt; a word index and a trigram index on each searched table.

Schema v4 (MIGRATION_4, codebook v2): `coded_answers` gains `scope` (adults, minors,
both; part of the key) and typed numbers (INTEGER `answer_number`; a fine as
`fine_amount`, `fine_currency`, `fine_basis`); `comparison` rolls up per jurisdiction,
question and victim group, and `comparison_matrix` (adults) has a twin
`comparison_matrix_minors`.

Schema v6 (MIGRATION_6, search): provisions gain `heading_en` (our English heading, apart
from the official `heading`) and `keywords`, both indexed; bills get both search indexes;
`language` is indexed on provisions and cases for the short-word search fallback.

Migration 7 (registry v2): the curated `help_routes` table, and the instrument kind
`model` (model acts, law nowhere: no status, so never in the comparison). It reads
the schema as it stands and does not depend on migration 6.

Migration 8 (bills): summary, subjects, `bill_sponsors`, the `became_law` action and
`bill_instruments`. Migration 9: `enactment_timeline` lists every law, the undated ones
with no year (models left out: they are law nowhere), and `registry_loads` records when
a build changed the curated data, so a page can say as of when its data holds.

Migration 10 (coverage): `coverage_findings`, what a search of a jurisdiction's law found
(data/coverage/), so that a place with no tracked law says whether anyone looked.
"""

import re
import sqlite3

import sqlite_utils

from .hashing import text_hash
from ..vocabulary import (
    ANSWER_TYPES, BILL_ACTIONS, CODE_SYSTEMS, CODING_STATUSES, ERROR_KINDS, IDENTIFIED_TYPES, IDENTIFIER_SCHEMES,
    IN_FORCE_STATUSES, INSTRUMENT_KINDS, INSTRUMENT_RELATIONS, INSTRUMENT_STATUSES, JURISDICTION_KINDS, REGIONS,
    REVIEW_STATUSES, ROLLUPS, RUN_OUTCOMES, SOURCE_KINDS, sql_in,
)
from ..vocabulary import ANSWER_SCOPES, COVERAGE_FINDINGS, FINE_BASES, HELP_ROUTE_KINDS, MODEL_KIND, SPONSOR_ROLES, VICTIM_GROUPS
from ..vocabulary import MONITORING_DOCUMENT_KINDS

FTS_TABLES = {
    # table: columns indexed for full-text search (kept in sync by triggers). Each has
    # two indexes: `<table>_fts` splits words (unicode61, accents folded) and ranks;
    # `<table>_trigram` indexes every three characters, for scripts written without
    # spaces (Korean, Japanese, Chinese): on provisions and cases it holds only rows in
    # those languages (see `search_sql`); on the small instruments and bills tables, every row.
    # Provisions (migration 6) add our English heading and curated search words, so a
    # provision is found by its official words and by ours.
    "instruments": ["title", "title_en", "citation", "summary"],
    "provisions": ["label", "heading", "heading_en", "keywords", "text"],
    "cases": ["name", "citation", "summary", "text"],
    "bills": ["identifier", "title"],
}
#: The columns MIGRATION_3 indexed: an applied migration is never edited, so it keeps its own list.
FTS_TABLES_V3 = {
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

#: Languages written without spaces between words, which the word index cannot split:
#: their rows (and only theirs) go into the big tables' trigram index.
UNSPACED_LANGUAGES = ("ko", "ja", "zh")
#: Tables small enough to keep a trigram index over every row (substrings in any script).
TRIGRAM_EVERY_ROW = {"instruments", "bills"}


def search_sql(table: str, columns: list[str]) -> str:
    """Both search indexes of a served table, their triggers, and a first fill from its rows.

    The triggers fire only when an indexed column changes, so updating a row's
    metadata costs no re-indexing. The trigram index of a big table (provisions,
    cases) holds only rows in Korean, Japanese or Chinese: a trigram index costs
    four to five times the word index to write, and for languages written with
    spaces the word index already finds every word."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    languages = ", ".join(f"'{code}'" for code in UNSPACED_LANGUAGES)
    parts = []
    for suffix, tokenize in (("fts", "unicode61 remove_diacritics 2"), ("trigram", "trigram")):
        fts = f"{table}_{suffix}"
        if suffix == "trigram" and table not in TRIGRAM_EVERY_ROW:
            # Inserts and deletes must stay symmetric: an external-content index told to
            # delete a row it never held is corrupted. `language` is watched too.
            new_in, old_in = f"new.language IN ({languages})", f"old.language IN ({languages})"
            watched, fill = f"{listed}, language", f"WHERE language IN ({languages})"
        else:
            new_in = old_in = "1"
            watched, fill = listed, ""
        parts.append(f"""
DROP TABLE IF EXISTS [{fts}];
CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({listed}, tokenize='{tokenize}', content=[{table}]);
CREATE TRIGGER [{fts}_ai] AFTER INSERT ON [{table}] WHEN {new_in} BEGIN
  INSERT INTO [{fts}] (rowid, {listed}) VALUES (new.rowid, {new});
END;
CREATE TRIGGER [{fts}_ad] AFTER DELETE ON [{table}] WHEN {old_in} BEGIN
  INSERT INTO [{fts}] ([{fts}], rowid, {listed}) VALUES ('delete', old.rowid, {old});
END;
CREATE TRIGGER [{fts}_au] AFTER UPDATE OF {watched} ON [{table}] BEGIN
  INSERT INTO [{fts}] ([{fts}], rowid, {listed}) SELECT 'delete', old.rowid, {old} WHERE {old_in};
  INSERT INTO [{fts}] (rowid, {listed}) SELECT new.rowid, {new} WHERE {new_in};
END;
INSERT INTO [{fts}] (rowid, {listed}) SELECT rowid, {listed} FROM [{table}] {fill};""")
    return "\n".join(parts)


def rebuilt(table: str, create: str, columns: str, select: str | None = None, indexes: str = "") -> str:
    """SQLite cannot add a CHECK to a table: create the new table, copy every row
    (rowids kept; `select`, with its FROM, when the copy transforms them), drop the
    old one, rename, recreate its indexes."""
    return f"""
{create.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_v3 (", 1)};
{f"INSERT INTO {table}_v3 ({columns}) SELECT {select}" if select else
  f"INSERT INTO {table}_v3 (rowid, {columns}) SELECT rowid, {columns} FROM {table}"};
DROP TABLE {table};
ALTER TABLE {table}_v3 RENAME TO {table};
{indexes}"""


INSTRUMENT_CHECKS = f"{sql_in('kind', INSTRUMENT_KINDS)}, {sql_in('status', INSTRUMENT_STATUSES)}"

# Curated and crawled values live in tables of their own; the served tables
# (instruments, cases) hold their merge, curated value first, refreshed for the
# rows either side writes (see `refresh_served`). A curated value deleted in
# data/ thus disappears, and what a crawl says survives a curator's edit.
CREATE_CURATED_INSTRUMENTS = f"""CREATE TABLE curated_instruments (
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
    source TEXT REFERENCES sources(id),
    source_identifier TEXT,
    summary TEXT,
    evidence_url TEXT,
    verified_on TEXT,
    uncertain TEXT,
    {INSTRUMENT_CHECKS}
)"""
CREATE_CRAWLED_INSTRUMENTS = f"""CREATE TABLE crawled_instruments (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    title TEXT NOT NULL,
    citation TEXT,
    kind TEXT,
    status TEXT,
    date_enacted TEXT,
    date_in_force TEXT,
    official_url TEXT,
    language TEXT,
    extent TEXT,
    source TEXT REFERENCES sources(id),
    parser_version TEXT,
    fetched_at TEXT,
    content_hash TEXT,
    gone_at TEXT,
    {INSTRUMENT_CHECKS}
)"""
CREATE_INSTRUMENTS = f"""CREATE TABLE instruments (
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
    curated INTEGER NOT NULL DEFAULT 0 CHECK (curated IN (0, 1)),
    fetched_at TEXT,
    content_hash TEXT,
    parser_version TEXT,
    gone_at TEXT,
    {INSTRUMENT_CHECKS}
)"""
INSTRUMENT_V2_COLUMNS = ("id, jurisdiction, title, title_en, citation, kind, status, date_enacted, date_in_force, "
                         "official_url, language, extent, source, source_identifier, summary, evidence_url, "
                         "verified_on, uncertain, curated, fetched_at, content_hash")
CREATE_INSTRUMENTS_MERGED = """CREATE VIEW instruments_merged AS
SELECT ids.id,
       COALESCE(cur.jurisdiction, cr.jurisdiction) AS jurisdiction, COALESCE(cur.title, cr.title) AS title,
       cur.title_en, COALESCE(cur.citation, cr.citation) AS citation, COALESCE(cur.kind, cr.kind) AS kind,
       COALESCE(cur.status, cr.status) AS status, COALESCE(cur.date_enacted, cr.date_enacted) AS date_enacted,
       COALESCE(cur.date_in_force, cr.date_in_force) AS date_in_force,
       COALESCE(cur.official_url, cr.official_url) AS official_url, COALESCE(cur.language, cr.language) AS language,
       cr.extent, COALESCE(cur.source, cr.source) AS source, cur.source_identifier, cur.summary, cur.evidence_url,
       cur.verified_on, cur.uncertain, cur.id IS NOT NULL AS curated, cr.fetched_at, cr.content_hash,
       cr.parser_version, cr.gone_at
FROM (SELECT id FROM curated_instruments UNION SELECT id FROM crawled_instruments) AS ids
LEFT JOIN curated_instruments AS cur ON cur.id = ids.id
LEFT JOIN crawled_instruments AS cr ON cr.id = ids.id"""

CREATE_CURATED_CASES = """CREATE TABLE curated_cases (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    court TEXT,
    decision_date TEXT,
    name TEXT NOT NULL,
    citation TEXT,
    url TEXT,
    language TEXT,
    outcome TEXT,
    summary TEXT,
    evidence_url TEXT,
    verified_on TEXT,
    source TEXT REFERENCES sources(id)
)"""
CREATE_CRAWLED_CASES = """CREATE TABLE crawled_cases (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    court TEXT,
    decision_date TEXT,
    name TEXT NOT NULL,
    citation TEXT,
    url TEXT,
    language TEXT,
    judges TEXT,
    text TEXT,
    cited_legislation TEXT,
    source TEXT REFERENCES sources(id),
    parser_version TEXT,
    fetched_at TEXT,
    content_hash TEXT,
    gone_at TEXT
)"""
CREATE_CASES = """CREATE TABLE cases (
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
    curated INTEGER NOT NULL DEFAULT 0 CHECK (curated IN (0, 1)),
    evidence_url TEXT,
    verified_on TEXT,
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT,
    parser_version TEXT,
    gone_at TEXT
)"""
CASE_V2_COLUMNS = ("id, jurisdiction, court, decision_date, name, citation, url, language, judges, outcome, summary, "
                   "text, cited_legislation, curated, evidence_url, verified_on, source, fetched_at, content_hash")
CREATE_CASES_MERGED = """CREATE VIEW cases_merged AS
SELECT ids.id,
       COALESCE(cur.jurisdiction, cr.jurisdiction) AS jurisdiction, COALESCE(cur.court, cr.court) AS court,
       COALESCE(cur.decision_date, cr.decision_date) AS decision_date, COALESCE(cur.name, cr.name) AS name,
       COALESCE(cur.citation, cr.citation) AS citation, COALESCE(cur.url, cr.url) AS url,
       COALESCE(cur.language, cr.language) AS language, cr.judges, cur.outcome, cur.summary,
       CASE WHEN cr.gone_at IS NULL THEN cr.text END AS text, cr.cited_legislation,
       cur.id IS NOT NULL AS curated, cur.evidence_url, cur.verified_on,
       COALESCE(cur.source, cr.source) AS source, cr.fetched_at, cr.content_hash, cr.parser_version, cr.gone_at
FROM (SELECT id FROM curated_cases UNION SELECT id FROM crawled_cases) AS ids
LEFT JOIN curated_cases AS cur ON cur.id = ids.id
LEFT JOIN crawled_cases AS cr ON cr.id = ids.id"""

CREATE_PROVISIONS = f"""CREATE TABLE provisions (
    id TEXT PRIMARY KEY,
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    label TEXT NOT NULL,
    heading TEXT,
    text TEXT,
    language TEXT,
    url TEXT,
    extent TEXT,
    in_force_status TEXT {sql_in('in_force_status', IN_FORCE_STATUSES)},
    valid_from TEXT,
    valid_to TEXT,
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT,
    parser_version TEXT,
    gone_at TEXT
)"""
PROVISION_V2_COLUMNS = ("id, instrument_id, label, heading, text, language, url, extent, in_force_status, valid_from, "
                        "source, fetched_at, content_hash")
CREATE_PROVISION_VERSIONS = f"""CREATE TABLE provision_versions (
    id INTEGER PRIMARY KEY,
    provision_id TEXT NOT NULL REFERENCES provisions(id),
    language TEXT,
    content_hash TEXT NOT NULL,
    heading TEXT,
    text TEXT,
    extent TEXT,
    in_force_status TEXT {sql_in('in_force_status', IN_FORCE_STATUSES)},
    valid_from TEXT,
    valid_to TEXT,
    url TEXT,
    source TEXT REFERENCES sources(id),
    parser_version TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT,
    superseded_at TEXT
)"""

CREATE_BILLS = """CREATE TABLE bills (
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
    content_hash TEXT,
    parser_version TEXT,
    gone_at TEXT
)"""
CREATE_CANDIDATES = f"""CREATE TABLE candidate_instruments (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT REFERENCES jurisdictions(code),
    title TEXT,
    url TEXT,
    published TEXT,
    matched_query TEXT,
    review_status TEXT NOT NULL DEFAULT 'to_review' {sql_in('review_status', REVIEW_STATUSES, nullable=False)},
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT,
    parser_version TEXT
)"""
CREATE_JURISDICTIONS = f"""CREATE TABLE jurisdictions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL {sql_in('kind', JURISDICTION_KINDS, nullable=False)},
    parent TEXT REFERENCES jurisdictions(code),
    region TEXT {sql_in('region', REGIONS)},
    languages TEXT,
    latitude REAL,
    longitude REAL,
    official_domains TEXT,
    code_system TEXT {sql_in('code_system', CODE_SYSTEMS)}
)"""
CREATE_SOURCES = f"""CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT {sql_in('kind', SOURCE_KINDS)},
    base_url TEXT NOT NULL,
    licence TEXT NOT NULL,
    licence_url TEXT,
    terms_url TEXT,
    rate_limit TEXT,
    api_key_env TEXT,
    notes TEXT
)"""
CREATE_QUESTIONS = f"""CREATE TABLE codebook_questions (
    id TEXT PRIMARY KEY,
    position INTEGER,
    label TEXT NOT NULL,
    answer_type TEXT NOT NULL {sql_in('answer_type', ANSWER_TYPES, nullable=False)},
    choices TEXT,
    rollup TEXT {sql_in('rollup', ROLLUPS)},
    rules TEXT
)"""
CREATE_ANSWERS = f"""CREATE TABLE coded_answers (
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    question_id TEXT NOT NULL REFERENCES codebook_questions(id),
    answer TEXT NOT NULL,
    answer_number REAL,
    provision_label TEXT,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL {sql_in('status', CODING_STATUSES, nullable=False)},
    PRIMARY KEY (instrument_id, question_id)
)"""
CREATE_RUNS = f"""CREATE TABLE crawl_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(id),
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT {sql_in('outcome', RUN_OUTCOMES)},
    arguments TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    items_new INTEGER NOT NULL DEFAULT 0,
    items_changed INTEGER NOT NULL DEFAULT 0,
    items_unchanged INTEGER NOT NULL DEFAULT 0,
    items_dropped INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    tracked_failed INTEGER NOT NULL DEFAULT 0
)"""
CREATE_ERRORS = f"""CREATE TABLE crawl_errors (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
    source TEXT NOT NULL,
    url TEXT,
    status INTEGER,
    kind TEXT NOT NULL {sql_in('kind', ERROR_KINDS, nullable=False)},
    reason TEXT NOT NULL,
    occurred_at TEXT NOT NULL
)"""

# The served views of MIGRATION_2, which read `instruments`: dropped before the
# tables are rebuilt (a rename checks every view) and created again after.
V2_VIEWS = ("jurisdiction_answers", "comparison", "enactment_timeline", "comparison_matrix")

MIGRATION_3 = f"""
DROP VIEW IF EXISTS jurisdiction_answers;
DROP VIEW IF EXISTS comparison;
DROP VIEW IF EXISTS enactment_timeline;
DROP VIEW IF EXISTS comparison_matrix;
-- The word indexes sqlite-utils made (rebuilt below with a trigram twin).
DROP TRIGGER IF EXISTS instruments_ai;
DROP TRIGGER IF EXISTS instruments_ad;
DROP TRIGGER IF EXISTS instruments_au;
DROP TRIGGER IF EXISTS provisions_ai;
DROP TRIGGER IF EXISTS provisions_ad;
DROP TRIGGER IF EXISTS provisions_au;
DROP TRIGGER IF EXISTS cases_ai;
DROP TRIGGER IF EXISTS cases_ad;
DROP TRIGGER IF EXISTS cases_au;
DROP TABLE IF EXISTS instruments_fts;
DROP TABLE IF EXISTS provisions_fts;
DROP TABLE IF EXISTS cases_fts;

{rebuilt("sources", CREATE_SOURCES,
         "id, name, kind, base_url, licence, licence_url, terms_url, rate_limit, api_key_env, notes")}

{rebuilt("jurisdictions", CREATE_JURISDICTIONS,
         "code, name, kind, parent, region, languages, latitude, longitude, official_domains, code_system")}

{rebuilt("instruments", CREATE_INSTRUMENTS, INSTRUMENT_V2_COLUMNS, indexes='''
CREATE INDEX instruments_jurisdiction ON instruments(jurisdiction);
CREATE INDEX instruments_status ON instruments(status);
CREATE INDEX instruments_kind ON instruments(kind);''')}
{CREATE_CURATED_INSTRUMENTS};
{CREATE_CRAWLED_INSTRUMENTS};
INSERT INTO curated_instruments (id, jurisdiction, title, title_en, citation, kind, status, date_enacted, date_in_force,
    official_url, language, source, source_identifier, summary, evidence_url, verified_on, uncertain)
  SELECT id, jurisdiction, title, title_en, citation, kind, status, date_enacted, date_in_force,
    official_url, language, source, source_identifier, summary, evidence_url, verified_on, uncertain
  FROM instruments WHERE curated = 1;
-- What a crawl stored: before v3 it was merged into the same row as the curated
-- values, which cannot be told apart any more; the next crawl replaces them.
INSERT INTO crawled_instruments (id, jurisdiction, title, citation, kind, status, date_enacted, date_in_force,
    official_url, language, extent, source, fetched_at, content_hash)
  SELECT id, jurisdiction, title, citation, kind, status, date_enacted, date_in_force,
    official_url, language, extent, source, fetched_at, content_hash
  FROM instruments WHERE curated = 0 OR fetched_at IS NOT NULL;
{CREATE_INSTRUMENTS_MERGED};

{rebuilt("provisions", CREATE_PROVISIONS, PROVISION_V2_COLUMNS, indexes='''
CREATE INDEX provisions_instrument ON provisions(instrument_id);''')}
-- The version key is now the normalised source text (heading and text) alone.
UPDATE provisions SET content_hash = provision_text_hash(heading, text) WHERE fetched_at IS NOT NULL;
CREATE TABLE curated_provisions (
    id TEXT PRIMARY KEY,
    instrument_id TEXT NOT NULL,
    label TEXT NOT NULL,
    heading TEXT,
    url TEXT,
    language TEXT
);

{rebuilt("provision_versions", CREATE_PROVISION_VERSIONS,
         "id, provision_id, language, content_hash, heading, text, extent, in_force_status, valid_from, url, source, "
         "first_seen, last_seen, superseded_at",
         "v.id, v.provision_id, p.language, provision_text_hash(v.heading, v.text), v.heading, v.text, v.extent, "
         "v.in_force_status, v.valid_from, v.url, v.source, v.first_seen, v.superseded_at, v.superseded_at "
         "FROM provision_versions AS v LEFT JOIN provisions AS p ON p.id = v.provision_id",
         indexes='''
CREATE INDEX provision_versions_provision ON provision_versions(provision_id, language, content_hash);''')}

{rebuilt("bills", CREATE_BILLS,
         "id, jurisdiction, identifier, session, title, status, status_date, url, source, fetched_at, content_hash",
         indexes="CREATE INDEX bills_jurisdiction ON bills(jurisdiction);")}

{rebuilt("cases", CREATE_CASES, CASE_V2_COLUMNS, indexes='''
CREATE INDEX cases_jurisdiction ON cases(jurisdiction);
CREATE INDEX cases_court ON cases(court);
CREATE INDEX cases_decision_date ON cases(decision_date);''')}
{CREATE_CURATED_CASES};
{CREATE_CRAWLED_CASES};
INSERT INTO curated_cases (id, jurisdiction, court, decision_date, name, citation, url, language, outcome, summary,
    evidence_url, verified_on, source)
  SELECT id, jurisdiction, court, decision_date, name, citation, url, language, outcome, summary,
    evidence_url, verified_on, source
  FROM cases WHERE curated = 1;
INSERT INTO crawled_cases (id, jurisdiction, court, decision_date, name, citation, url, language, judges, text,
    cited_legislation, source, fetched_at, content_hash)
  SELECT id, jurisdiction, court, decision_date, name, citation, url, language, judges, text,
    cited_legislation, source, fetched_at, content_hash
  FROM cases WHERE curated = 0 OR fetched_at IS NOT NULL;
{CREATE_CASES_MERGED};

{rebuilt("candidate_instruments", CREATE_CANDIDATES,
         "id, jurisdiction, title, url, published, matched_query, review_status, source, fetched_at, content_hash")}

{rebuilt("codebook_questions", CREATE_QUESTIONS, "id, position, label, answer_type, choices, rollup, rules")}
{rebuilt("coded_answers", CREATE_ANSWERS,
         "instrument_id, question_id, answer, answer_number, provision_label, evidence, status",
         indexes="CREATE INDEX coded_answers_question ON coded_answers(question_id);")}
{rebuilt("crawl_runs", CREATE_RUNS,
         "id, source, started, finished, outcome, arguments, pages, items_new, items_changed, items_unchanged, "
         "items_dropped, errors",
         "id, source, started, finished, CASE WHEN finished IS NULL THEN 'interrupted' ELSE outcome END, arguments, "
         "pages, items_new, items_changed, items_unchanged, items_dropped, errors FROM crawl_runs",
         indexes="CREATE INDEX crawl_runs_source ON crawl_runs(source, started);")}
{rebuilt("crawl_errors", CREATE_ERRORS,
         "id, run_id, source, url, status, kind, reason, occurred_at",
         "id, run_id, source, url, status, "
         f"CASE WHEN kind IN ({', '.join(repr(k) for k in ERROR_KINDS)}) THEN kind ELSE 'other' END, "
         f"CASE WHEN kind IN ({', '.join(repr(k) for k in ERROR_KINDS)}) THEN reason ELSE kind || ': ' || reason END, "
         "occurred_at FROM crawl_errors",
         indexes="CREATE INDEX crawl_errors_run ON crawl_errors(run_id);")}

CREATE TABLE identifiers (
    scheme TEXT NOT NULL {sql_in('scheme', IDENTIFIER_SCHEMES, nullable=False)},
    value TEXT NOT NULL,
    item_type TEXT NOT NULL {sql_in('item_type', IDENTIFIED_TYPES, nullable=False)},
    item_id TEXT NOT NULL,
    source TEXT REFERENCES sources(id),
    PRIMARY KEY (scheme, value, item_type, item_id)
);
CREATE INDEX identifiers_item ON identifiers(item_type, item_id);
CREATE TABLE bill_actions (
    bill_id TEXT NOT NULL REFERENCES bills(id),
    date TEXT,
    action TEXT NOT NULL {sql_in('action', BILL_ACTIONS, nullable=False)},
    wording TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bill_id, date, action, wording)
);
CREATE TABLE case_citations (
    case_id TEXT NOT NULL REFERENCES cases(id),
    instrument_id TEXT NOT NULL,
    provision_id TEXT NOT NULL DEFAULT '',
    span TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, instrument_id, provision_id, span)
);
CREATE INDEX case_citations_instrument ON case_citations(instrument_id);
CREATE TABLE instrument_links (
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    relation TEXT NOT NULL {sql_in('relation', INSTRUMENT_RELATIONS, nullable=False)},
    target_id TEXT NOT NULL,
    PRIMARY KEY (instrument_id, relation, target_id)
);
CREATE INDEX instrument_links_target ON instrument_links(target_id);

-- The current text of each provision in each language it is published in.
CREATE VIEW provision_texts AS
SELECT provision_id, language, heading, text, valid_from, valid_to, first_seen, parser_version, url, source
FROM provision_versions WHERE superseded_at IS NULL;

-- Every text a provision has had, with the dates it applied: the source's own
-- validity where it states one, else the span in which we saw it.
CREATE VIEW provision_history AS
SELECT v.provision_id, v.language, v.heading, v.text,
       COALESCE(v.valid_from, substr(v.first_seen, 1, 10)) AS applies_from,
       COALESCE(v.valid_to, substr(v.superseded_at, 1, 10)) AS applies_to,
       v.valid_from, v.valid_to, v.first_seen, v.last_seen, v.superseded_at, v.url, v.parser_version
FROM provision_versions AS v;

{MIGRATION_2}
{search_sql("instruments", FTS_TABLES_V3["instruments"])}
{search_sql("provisions", FTS_TABLES_V3["provisions"])}
{search_sql("cases", FTS_TABLES_V3["cases"])}
"""

# Codebook v2: every coded answer says whose images it speaks for (`scope`), so the
# comparison rolls up adults and minors apart and a child sexual abuse material law
# never answers for adults; numbers are whole numbers (months, hours) in an INTEGER
# column, and a fine is an amount, an ISO 4217 currency and a basis.
CREATE_ANSWERS_V4 = f"""CREATE TABLE coded_answers (
    instrument_id TEXT NOT NULL REFERENCES instruments(id),
    question_id TEXT NOT NULL REFERENCES codebook_questions(id),
    scope TEXT NOT NULL {sql_in('scope', ANSWER_SCOPES, nullable=False)},
    answer TEXT NOT NULL,
    answer_number INTEGER CHECK (answer_number IS NULL OR typeof(answer_number) = 'integer'),
    fine_amount INTEGER CHECK (fine_amount IS NULL OR (typeof(fine_amount) = 'integer' AND fine_amount >= 0)),
    fine_currency TEXT CHECK (fine_currency IS NULL OR (length(fine_currency) = 3 AND fine_currency GLOB '[A-Z][A-Z][A-Z]')),
    fine_basis TEXT {sql_in('fine_basis', FINE_BASES)},
    provision_label TEXT,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL {sql_in('status', CODING_STATUSES, nullable=False)},
    CHECK ((fine_amount IS NULL) = (fine_basis IS NULL)),
    CHECK (fine_basis IS NOT 'fixed' OR fine_currency IS NOT NULL),
    PRIMARY KEY (instrument_id, question_id, scope)
)"""
GROUPS = " UNION ALL ".join(f"SELECT '{group}' AS scope" for group in VICTIM_GROUPS)

MIGRATION_4 = f"""
DROP VIEW IF EXISTS comparison_matrix;
DROP VIEW IF EXISTS comparison_matrix_minors;
DROP VIEW IF EXISTS jurisdiction_answers;
DROP VIEW IF EXISTS comparison;
DROP VIEW IF EXISTS enactment_timeline;
{CREATE_ANSWERS_V4.replace("CREATE TABLE coded_answers (", "CREATE TABLE coded_answers_v4 (", 1)};
-- Until the next build restates them, stored answers take their instrument's age
-- answer as scope; a number that is not whole stays in `answer`, never rounded.
INSERT INTO coded_answers_v4 (instrument_id, question_id, scope, answer, answer_number, provision_label, evidence, status)
SELECT a.instrument_id, a.question_id,
       COALESCE((SELECT CASE m.answer WHEN 'minors_only' THEN 'minors' WHEN 'adults_only' THEN 'adults' END
                 FROM coded_answers AS m WHERE m.instrument_id = a.instrument_id AND m.question_id = 'minors_specific'),
                'both'),
       a.answer,
       CASE WHEN a.answer_number = CAST(a.answer_number AS INTEGER) THEN CAST(a.answer_number AS INTEGER) END,
       a.provision_label, a.evidence, a.status
FROM coded_answers AS a;
DROP TABLE coded_answers;
ALTER TABLE coded_answers_v4 RENAME TO coded_answers;
CREATE INDEX coded_answers_question ON coded_answers(question_id, scope);

CREATE VIEW jurisdiction_answers AS
SELECT i.jurisdiction, j.name AS jurisdiction_name, j.region, q.position AS question_position,
       a.question_id, q.label AS question, a.scope, a.answer, a.answer_number,
       a.fine_amount, a.fine_currency, a.fine_basis,
       i.id AS instrument_id, i.title_en AS instrument, i.citation, i.status AS instrument_status,
       a.provision_label, a.evidence, a.status AS coding_status, i.official_url
FROM coded_answers a
JOIN instruments i ON i.id = a.instrument_id
JOIN jurisdictions j ON j.code = i.jurisdiction
JOIN codebook_questions q ON q.id = a.question_id;

-- One row per jurisdiction, question and victim group: an answer counts for the
-- group its scope names, `both` for every group.
CREATE VIEW comparison AS
SELECT j.code AS jurisdiction, j.name AS jurisdiction_name, j.region, q.position AS question_position,
       q.id AS question_id, q.label AS question, g.scope,
       CASE
         WHEN q.rollup = 'any_yes' THEN
           CASE WHEN SUM(a.answer = 'yes') > 0 THEN 'yes'
                WHEN SUM(a.answer = 'unclear') > 0 THEN 'unclear'
                WHEN COUNT(a.answer) > 0 THEN 'no'
           END
         WHEN q.rollup = 'max' THEN
           COALESCE(CAST(MAX(a.answer_number) AS TEXT), CASE WHEN SUM(a.answer = 'unclear') > 0 THEN 'unclear' END)
         ELSE GROUP_CONCAT(DISTINCT a.answer)
       END AS answer,
       CASE WHEN q.rollup = 'max' THEN MAX(a.answer_number) END AS answer_number,
       GROUP_CONCAT(CASE WHEN a.answer = 'yes' OR q.rollup != 'any_yes' THEN i.citation || ' ' || a.provision_label END, '; ')
         AS supporting_provisions,
       COUNT(a.answer) AS instruments_coded
FROM jurisdictions j
CROSS JOIN codebook_questions q
CROSS JOIN ({GROUPS}) AS g
LEFT JOIN instruments i ON i.jurisdiction = j.code AND i.status = 'in_force'
LEFT JOIN coded_answers a ON a.instrument_id = i.id AND a.question_id = q.id AND a.scope IN (g.scope, 'both')
WHERE j.code IN (SELECT jurisdiction FROM instruments)
GROUP BY j.code, q.id, g.scope;

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

#: The side-by-side views, one per victim group: the adults' keeps the name the site reads.
MATRIX_VIEWS = {"adults": "comparison_matrix", "minors": "comparison_matrix_minors"}


def comparison_matrix_sql(question_ids: list[str], group: str) -> str:
    """One row per jurisdiction, one column per codebook question, for one victim group."""
    columns = ",\n  ".join(
        f"MAX(CASE WHEN question_id = '{qid}' THEN answer END) AS [{qid}]" for qid in question_ids
    )
    return (f"CREATE VIEW {MATRIX_VIEWS[group]} AS\nSELECT jurisdiction, jurisdiction_name, region,\n  "
            f"{columns}\nFROM comparison WHERE scope = '{group}' GROUP BY jurisdiction ORDER BY region, jurisdiction")



# Citation views (issue 9): the decisions that cite each provision, and what each
# decision cites. It only (re)creates views, and stands alone.
MIGRATION_5 = """
DROP VIEW IF EXISTS provision_cases;
DROP VIEW IF EXISTS case_provisions;
CREATE VIEW provision_cases AS
SELECT cc.provision_id, p.label AS provision, cc.instrument_id, i.title AS instrument, i.jurisdiction,
       cc.case_id, c.name AS case_name, c.citation AS case_citation, c.court, c.decision_date,
       cc.span AS cited_as, c.url AS case_url
FROM case_citations AS cc
JOIN provisions AS p ON p.id = cc.provision_id
JOIN cases AS c ON c.id = cc.case_id
LEFT JOIN instruments AS i ON i.id = cc.instrument_id
WHERE cc.provision_id != '';
CREATE VIEW case_provisions AS
SELECT cc.case_id, c.name AS case_name, c.decision_date, cc.instrument_id, i.title AS instrument,
       NULLIF(cc.provision_id, '') AS provision_id, p.label AS provision, cc.span AS cited_as,
       'cited' AS link, COALESCE(p.url, i.official_url) AS url
FROM case_citations AS cc
JOIN cases AS c ON c.id = cc.case_id
LEFT JOIN instruments AS i ON i.id = cc.instrument_id
LEFT JOIN provisions AS p ON p.id = cc.provision_id
UNION ALL
SELECT ci.case_id, c.name, c.decision_date, ci.instrument_id, i.title, NULL, NULL, NULL,
       'curated', i.official_url
FROM case_instruments AS ci
JOIN cases AS c ON c.id = ci.case_id
LEFT JOIN instruments AS i ON i.id = ci.instrument_id;
"""



def dropped_search(table: str) -> str:
    """The triggers and both indexes `search_sql` made for a table, dropped so it can make them again."""
    return "\n".join(f"DROP TRIGGER IF EXISTS [{table}_{suffix}_{event}];"
                     for suffix in ("fts", "trigram") for event in ("ai", "ad", "au"))


# Search (issue 10). Curated provision headings are our English paraphrases: they move to
# `heading_en` (curated_provisions.heading is renamed, provisions gain the column), so
# `heading` holds only the official heading, in the row's `language` (a curator's
# `heading_original`, or the crawled one). `keywords` holds the words people search for
# that the law does not use (딥페이크 where the statute says 허위영상물). Both are
# indexed; bills get their own indexes (every row in the trigram one: the table is small,
# and has no language); `language` is indexed so that the short-word fallback of the
# searches reads only the rows in unspaced scripts.
MIGRATION_6 = f"""
ALTER TABLE curated_provisions RENAME COLUMN heading TO heading_en;
ALTER TABLE curated_provisions ADD COLUMN heading_original TEXT;
ALTER TABLE curated_provisions ADD COLUMN keywords TEXT;
{dropped_search("provisions")}
ALTER TABLE provisions ADD COLUMN heading_en TEXT;
ALTER TABLE provisions ADD COLUMN keywords TEXT;
-- A row no crawl has filled held our English heading as if it were the official one.
UPDATE provisions SET heading_en = heading, heading = NULL WHERE fetched_at IS NULL;
UPDATE provisions SET heading_en = (SELECT c.heading_en FROM curated_provisions AS c WHERE c.id = provisions.id)
WHERE fetched_at IS NOT NULL AND id IN (SELECT id FROM curated_provisions);
{search_sql("provisions", FTS_TABLES["provisions"])}
{search_sql("bills", FTS_TABLES["bills"])}
CREATE INDEX provisions_language ON provisions(language);
CREATE INDEX cases_language ON cases(language);
"""

# Bills that say what they are (issue 8): a summary and subject terms on each bill, its
# sponsors in a table of their own, the `became_law` action (bill_actions is rebuilt
# for its CHECK), and `bill_instruments`, which links a crawled bill to the curated
# instruments it is or became. It touches only bills and their lists, and reads
# nothing any other migration adds, so it stands alone whatever runs before it.
CREATE_BILL_ACTIONS = f"""CREATE TABLE bill_actions (
    bill_id TEXT NOT NULL REFERENCES bills(id),
    date TEXT,
    action TEXT NOT NULL {sql_in('action', BILL_ACTIONS, nullable=False)},
    wording TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bill_id, date, action, wording)
)"""
MIGRATION_8 = f"""
DROP VIEW IF EXISTS bill_instruments;
ALTER TABLE bills ADD COLUMN summary TEXT;
ALTER TABLE bills ADD COLUMN subjects TEXT;
CREATE TABLE bill_sponsors (
    bill_id TEXT NOT NULL REFERENCES bills(id),
    name TEXT NOT NULL,
    party TEXT,
    role TEXT NOT NULL {sql_in('role', SPONSOR_ROLES, nullable=False)},
    classification TEXT,
    PRIMARY KEY (bill_id, name, role)
);
CREATE INDEX bill_sponsors_name ON bill_sponsors(name);
{rebuilt("bill_actions", CREATE_BILL_ACTIONS, "bill_id, date, action, wording")}

-- A crawled bill and the instruments it is linked to, three ways:
-- `curated_bill`: a curated entry of kind bill names it (its source and source_identifier
--   equal one of the bill's identifiers from that source; spiders record the identifier a
--   curator writes, e.g. congress.gov `119/s/1837`, Open States `US-AK/34/HB 47`);
-- `public_law`: a statute's citation names the law number the bill became (`Pub. L. 119-12`);
-- `bill_number`: an instrument of the bill's jurisdiction, not itself a bill, cites the
--   bill's number (`SB 926`) and the bill became law. A number is reused from session to
--   session, so `matched` shows what was matched for a reader to judge.
CREATE VIEW bill_instruments AS
SELECT b.id AS bill_id, b.jurisdiction, b.identifier AS bill_identifier, b.session, b.status AS bill_status,
       ci.id AS instrument_id, ci.title AS instrument, ci.kind AS instrument_kind, 'curated_bill' AS link,
       ids.value AS matched
FROM curated_instruments AS ci
JOIN identifiers AS ids ON ids.item_type = 'bill' AND ids.source = ci.source AND ids.value = ci.source_identifier
JOIN bills AS b ON b.id = ids.item_id
WHERE ci.kind = 'bill' AND ci.source_identifier != ''
UNION
SELECT b.id, b.jurisdiction, b.identifier, b.session, b.status, i.id, i.title, i.kind, 'public_law', ids.value
FROM identifiers AS ids
JOIN bills AS b ON b.id = ids.item_id
JOIN instruments AS i ON i.kind IS NOT 'bill'
 AND (' ' || i.citation || ' ') GLOB ('*[^0-9A-Za-z]' || ids.value || '[^0-9]*')
WHERE ids.item_type = 'bill' AND ids.value GLOB 'P[uv][bt]. L. [0-9]*-[0-9]*'
UNION
SELECT b.id, b.jurisdiction, b.identifier, b.session, b.status, i.id, i.title, i.kind, 'bill_number', b.identifier
FROM bills AS b
JOIN instruments AS i ON i.jurisdiction = b.jurisdiction AND i.kind IS NOT 'bill'
 AND (' ' || i.citation || ' ') GLOB ('*[^0-9A-Za-z]' || b.identifier || '[^0-9]*')
WHERE b.status = 'enacted'
   OR EXISTS (SELECT 1 FROM bill_actions AS a WHERE a.bill_id = b.id AND a.action IN ('signed', 'became_law'));
"""

# Registry v2 (issue 11). Written as SQL of its own and over the tables as they stand,
# so it holds whatever migration 6 did:
# * `help_routes`: where a victim can turn in each jurisdiction (data/help_routes/),
#   one column per field of curated.HELP_ROUTE_FIELDS; `jurisdiction` names no foreign
#   key because `INT` (services open to anyone) is no row of `jurisdictions`;
# * the instrument kind `model` (a model or uniform act): the kind CHECK of the three
#   instrument tables is widened (a table is rebuilt from its own stored definition,
#   its indexes and triggers restated), and a model is refused a status, so the
#   comparison, which reads in-force law only, never counts one.
CREATE_HELP_ROUTES = f"""CREATE TABLE IF NOT EXISTS help_routes (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    language TEXT,
    kind TEXT NOT NULL {sql_in('kind', HELP_ROUTE_KINDS, nullable=False)},
    orders_removal TEXT NOT NULL CHECK (orders_removal IN ('yes', 'no')),
    audience TEXT NOT NULL {sql_in('audience', ANSWER_SCOPES, nullable=False)},
    removal_deadline_hours INTEGER CHECK (removal_deadline_hours IS NULL
        OR (typeof(removal_deadline_hours) = 'integer' AND removal_deadline_hours > 0)),
    instrument TEXT REFERENCES instruments(id),
    url TEXT NOT NULL,
    summary TEXT,
    evidence_url TEXT,
    verified_on TEXT,
    uncertain TEXT
)"""
MIGRATION_7_TABLES = ("curated_instruments", "crawled_instruments", "instruments")
KIND_CHECK = re.compile(r"CHECK \(kind IS NULL OR kind IN \([^)]*\)\)")


def widened_kinds(conn, table: str) -> str:
    """`table` rebuilt with the kind CHECK of today's vocabulary, from its own stored
    definition (so columns another migration added stay), rows and rowids kept; ""
    when its CHECK already allows every kind (a database created after `model`)."""
    found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
    if not found or f"'{MODEL_KIND}'" in found[0] or not KIND_CHECK.search(found[0]):
        return ""
    create = KIND_CHECK.sub(lambda _: sql_in("kind", INSTRUMENT_KINDS), found[0], count=1)
    # A renamed table is stored as CREATE TABLE "name": any quoting is replaced.
    create = re.sub(r'^CREATE TABLE\s+("[^"]+"|\[[^\]]+\]|`[^`]+`|\w+)', f"CREATE TABLE {table}_v7", create, count=1)
    columns = ", ".join(f"[{row[1]}]" for row in conn.execute(f"PRAGMA table_info([{table}])"))
    restated = [row[0] for row in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type, name", [table])]
    # The old table is dropped while views still name it: the rename must not re-check them.
    return ";\n".join([create, f"INSERT INTO {table}_v7 (rowid, {columns}) SELECT rowid, {columns} FROM {table}",
                       f"DROP TABLE {table}", "PRAGMA legacy_alter_table = ON",
                       f"ALTER TABLE {table}_v7 RENAME TO {table}", "PRAGMA legacy_alter_table = OFF",
                       *restated]) + ";\n"


def migration_7(conn) -> str:
    return "\n".join([
        f"{CREATE_HELP_ROUTES};",
        "CREATE INDEX IF NOT EXISTS help_routes_jurisdiction ON help_routes(jurisdiction);",
        *(widened_kinds(conn, table) for table in MIGRATION_7_TABLES),
        f"""DROP TRIGGER IF EXISTS curated_model_without_status;
CREATE TRIGGER curated_model_without_status BEFORE INSERT ON curated_instruments
WHEN new.kind = '{MODEL_KIND}' AND new.status IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a model act is law nowhere: it has no status'); END;
DROP TRIGGER IF EXISTS curated_model_without_status_update;
CREATE TRIGGER curated_model_without_status_update BEFORE UPDATE OF kind, status ON curated_instruments
WHEN new.kind = '{MODEL_KIND}' AND new.status IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a model act is law nowhere: it has no status'); END;""",
    ])


MIGRATION_9 = f"""
DROP VIEW IF EXISTS enactment_timeline;
CREATE VIEW enactment_timeline AS
SELECT COALESCE(i.date_enacted, i.date_in_force) AS date,
       substr(COALESCE(i.date_enacted, i.date_in_force), 1, 4) AS year,
       i.jurisdiction, j.name AS jurisdiction_name, j.region, i.id AS instrument_id,
       i.title_en AS instrument, i.citation, i.kind, i.status, i.date_enacted, i.date_in_force,
       EXISTS (SELECT 1 FROM coded_answers a WHERE a.instrument_id = i.id
               AND a.question_id = 'explicit_synthetic' AND a.answer = 'yes') AS reaches_synthetic,
       i.official_url
FROM instruments i JOIN jurisdictions j ON j.code = i.jurisdiction
WHERE i.kind IS NOT '{MODEL_KIND}'
ORDER BY date IS NULL, date;
CREATE TABLE registry_loads (
    loaded_at TEXT PRIMARY KEY,
    changed_rows INTEGER NOT NULL CHECK (changed_rows > 0)
);
"""

# Coverage (issue 11): what a search of a jurisdiction's law found, one row per
# jurisdiction searched, one column per field of curated.COVERAGE_FIELDS. `leads` holds the
# bills, reports or general laws found as a JSON list of {title, url}.
MIGRATION_10 = f"""
CREATE TABLE coverage_findings (
    jurisdiction TEXT PRIMARY KEY REFERENCES jurisdictions(code),
    finding TEXT NOT NULL {sql_in('finding', COVERAGE_FINDINGS, nullable=False)},
    searched_on TEXT NOT NULL,
    searched TEXT NOT NULL,
    leads TEXT CHECK (leads IS NULL OR (json_valid(leads) AND json_type(leads) = 'array')),
    note TEXT
);
"""

# A migration is SQL, or a function of the connection returning SQL (when it must
# read the schema as it stands). Each number a database has not had yet is applied.
# Every suggested answer says why it is only suggested (data/ requires a `reason`):
# the reason is kept beside the answer, and served with it, so a reader can judge it.
MIGRATION_11 = """
ALTER TABLE coded_answers ADD COLUMN reason TEXT;
DROP VIEW IF EXISTS jurisdiction_answers;
CREATE VIEW jurisdiction_answers AS
SELECT i.jurisdiction, j.name AS jurisdiction_name, j.region, q.position AS question_position,
       a.question_id, q.label AS question, a.scope, a.answer, a.answer_number,
       a.fine_amount, a.fine_currency, a.fine_basis,
       i.id AS instrument_id, i.title_en AS instrument, i.citation, i.status AS instrument_status,
       a.provision_label, a.evidence, a.status AS coding_status, a.reason AS why_suggested, i.official_url
FROM coded_answers a
JOIN instruments i ON i.id = a.instrument_id
JOIN jurisdictions j ON j.code = i.jurisdiction
JOIN codebook_questions q ON q.id = a.question_id;
"""

# Treaty monitoring (issues 7 and 9): the documents of a treaty's monitoring body (GREVIO's
# evaluation reports, state reports, comments and general reports, from HUDOC-GREVIO), one
# row per document section as the source holds them, each linked to the treaty it monitors
# (`instrument_id`, a curated instrument id) and to the state it concerns (`state_code`,
# ISO 3166-1 alpha-2). Neither is a foreign key: a state GREVIO evaluates may be one whose
# law we do not track yet (Montenegro), and a report must not be refused for that; the view
# `jurisdiction_monitoring` joins them where they match. Only the crawler writes the table
# (store/writer.py), under the same never-blank rule as cases; it has both search indexes.
MIGRATION_12 = f"""
CREATE TABLE monitoring_documents (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    instrument_id TEXT NOT NULL,
    kind TEXT {sql_in('kind', MONITORING_DOCUMENT_KINDS)},
    state TEXT,
    state_code TEXT,
    document TEXT NOT NULL,
    title TEXT NOT NULL,
    section INTEGER,
    sections INTEGER,
    heading TEXT,
    published TEXT,
    language TEXT,
    text TEXT,
    url TEXT NOT NULL,
    source TEXT REFERENCES sources(id),
    fetched_at TEXT,
    content_hash TEXT,
    parser_version TEXT,
    gone_at TEXT
);
CREATE INDEX monitoring_documents_state ON monitoring_documents(state_code);
CREATE INDEX monitoring_documents_instrument ON monitoring_documents(instrument_id);
CREATE INDEX monitoring_documents_document ON monitoring_documents(document, section);
CREATE VIEW jurisdiction_monitoring AS
SELECT m.state_code AS jurisdiction, j.name AS jurisdiction_name, m.state, m.body, m.instrument_id,
       i.title_en AS instrument, m.kind, m.title, m.section, m.heading, m.published, m.language, m.url, m.id
FROM monitoring_documents AS m
LEFT JOIN jurisdictions AS j ON j.code = m.state_code
LEFT JOIN instruments AS i ON i.id = m.instrument_id;
{search_sql("monitoring_documents", ["title", "heading", "text"])}
"""

# A provision's page (and `provision_cases?provision_id=`) asks which decisions cite one
# provision: without this index that read scans every citation of its law (measured on 20,000
# decisions: 42 ms, 6 ms with it). The key's columns cover the page's query.
MIGRATION_13 = """
CREATE INDEX IF NOT EXISTS case_citations_provision ON case_citations(instrument_id, provision_id, case_id, span);
"""

MIGRATIONS = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5, MIGRATION_6, migration_7, MIGRATION_8,
              MIGRATION_9, MIGRATION_10, MIGRATION_11, MIGRATION_12, MIGRATION_13]
SCHEMA_VERSION = len(MIGRATIONS)


def open_database(path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    # Transactions are ours: the driver opens none, and sqlite-utils commits each
    # statement run outside one. Writers say BEGIN and COMMIT (see `transaction`).
    db.conn.isolation_level = None
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA busy_timeout = 30000")
    db.conn.create_function("provision_text_hash", 2, text_hash, deterministic=True)
    migrate(db)
    return db


class transaction:
    """BEGIN IMMEDIATE ... COMMIT on the connection, ROLLBACK on any exception.

    Under sqlite-utils 4 `with db.conn:` opens no transaction (each statement
    commits on its own), so every writer uses this instead."""

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        return False


def current_version(db: sqlite_utils.Database) -> int:
    if not db["schema_migrations"].exists():
        return 0
    return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration the database has not had yet; return the new version.

    Each migration runs in one transaction with foreign keys off (a table rebuild
    drops a table others point to), checked before it commits."""
    db.conn.create_function("provision_text_hash", 2, text_hash, deterministic=True)
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    version = current_version(db)
    applied = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
    pending = [(number, script) for number, script in enumerate(MIGRATIONS, start=1)
               if script is not None and number not in applied]
    if not pending:
        return version
    matrix = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'comparison_matrix'").fetchone()
    conn = db.conn
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for number, script in pending:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in split_statements(script(conn) if callable(script) else script):
                    conn.execute(statement)
                if matrix and number == 3:
                    conn.execute(matrix[0])  # rebuilt with the tables it reads
                if matrix and number == 4:  # one per victim group, from the stored codebook
                    questions = [row[0] for row in conn.execute("SELECT id FROM codebook_questions ORDER BY position, id")]
                    for group in MATRIX_VIEWS:
                        conn.execute(comparison_matrix_sql(questions, group))
                problems = conn.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise sqlite3.IntegrityError(f"migration {number} breaks foreign keys: {problems[:5]}")
                conn.execute("INSERT INTO schema_migrations VALUES (?, datetime('now'))", [number])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return SCHEMA_VERSION


def split_statements(script: str) -> list[str]:
    """The statements of a script, split where SQLite says a statement is complete
    (so a trigger's body stays whole). `executescript` would commit first."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip().strip(";").strip():
                statements.append(current)
            current = ""
    if current.strip():
        statements.append(current)
    return statements
