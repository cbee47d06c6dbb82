"""The only writer of crawled data: atomic batches, provision versions, crawl runs.

Rules that keep "nothing is ever lost" checkable in this one file:

* A batch is one transaction (BEGIN ... COMMIT), each record inside it a
  SAVEPOINT: a record refused by validation or by the database costs that record
  alone; it is counted as dropped and recorded in `crawl_errors`, in the same
  transaction as the batch and the run's counters. A crash at any moment leaves
  the last committed batch whole: every provision with its version row.
* Nothing is deleted and no value is blanked: `None` from a parser never
  overwrites a stored value. The one exception is a document its source
  withdraws (`mark_gone`): its text goes from every served table.
* Unchanged content writes nothing at all.
* A provision's version is its normalised source text (see hashing.py), per
  language. A new text closes the previous version (its `valid_to` is the new
  text's `valid_from` when the source dates it) and opens a new one; the same text
  re-derived by a newer parser updates the version's metadata in place.
* Crawled instruments and cases go to `crawled_*` tables; the served rows merge
  them with the curated ones (see served.py), so a curator's value wins and a
  crawl's value survives the curator's edits.
* Every URL written goes through `redact_url` with the spider's secret parameters.
"""

import json
import sqlite3
from datetime import datetime, timezone

import sqlite_utils

from ..items import column_fields, related_fields
from ..redaction import redact_url
from ..validation import problems
from ..vocabulary import ERROR_KINDS
from . import served
from .hashing import record_hash, text_hash
from .schema import open_database, transaction

# The table each item type is written to.
TABLES = {
    "instrument": "crawled_instruments",
    "provision": "provisions",
    "case": "crawled_cases",
    "bill": "bills",
    "candidate": "candidate_instruments",
    # A treaty-monitoring document (GREVIO's reports): written as a case is, through
    # `_write`'s general path: hashed, unchanged content writes nothing, and a value the
    # page no longer gives (a text the conversion did not return) stays as stored.
    "monitoring_document": "monitoring_documents",
}
SERVED = {"instrument": "instruments", "case": "cases"}
JSON_COLUMNS = {"judges", "cited_legislation", "subjects"}
URL_COLUMNS = ("url", "official_url")
# A provision's metadata: stored on its row and on its current version.
PROVISION_METADATA = ("extent", "in_force_status", "valid_from", "valid_to", "url", "source", "parser_version")
VERSION_COLUMNS = ("heading", "text", *PROVISION_METADATA)
RUN_COUNTERS = ("pages", "items_new", "items_changed", "items_unchanged", "items_dropped", "errors", "tracked_failed")
CHUNK = 400
# Related lists we derive rather than read from the source (see _write).
DERIVED = frozenset({"citations"})


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Store:
    def __init__(self, db: sqlite_utils.Database, secret_params=frozenset(), parser_version: str = "1"):
        self.db = db
        self.conn = db.conn
        self.secret_params = frozenset(secret_params)
        self.parser_version = str(parser_version)
        self._columns = {kind: column_fields(kind) for kind in TABLES}
        self._related = {kind: related_fields(kind) for kind in TABLES}

    @classmethod
    def open(cls, path, **options) -> "Store":
        return cls(open_database(path), **options)

    # --- crawl runs ---

    def start_run(self, source: str, arguments: dict | None = None) -> int:
        """Open a run. A run of this source that never finished was killed: say so."""
        with transaction(self.db) as conn:
            conn.execute(
                "UPDATE crawl_runs SET outcome = 'interrupted' WHERE source = ? AND finished IS NULL "
                "AND (outcome IS NULL OR outcome != 'interrupted')",
                [source],
            )
            cursor = conn.execute(
                "INSERT INTO crawl_runs (source, started, arguments) VALUES (?, ?, ?)",
                [source, utc_now(), json.dumps(arguments or {}, sort_keys=True)],
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, outcome: str, counts: dict) -> None:
        """Close a run with its outcome and final counts (the totals, not increments)."""
        columns = [c for c in RUN_COUNTERS if c in counts]
        with transaction(self.db) as conn:
            conn.execute(
                f"UPDATE crawl_runs SET finished = ?, outcome = ?{''.join(f', {c} = ?' for c in columns)} WHERE id = ?",
                [utc_now(), outcome, *(counts[c] for c in columns), run_id],
            )

    def record_errors(self, run_id: int, source: str, errors: list[dict]) -> None:
        if errors:
            with transaction(self.db) as conn:
                self._insert_errors(conn, run_id, source, errors, utc_now())

    def _insert_errors(self, conn, run_id, source, errors, now) -> None:
        rows = []
        for error in errors:
            kind, reason = error.get("kind") or "other", str(error.get("reason") or "")
            if kind not in ERROR_KINDS:  # an unknown kind is kept, inside the reason
                kind, reason = "other", f"{kind}: {reason}"
            rows.append([run_id, source, redact_url(error.get("url"), self.secret_params), error.get("status"),
                         kind, reason or "(no reason given)", now])
        conn.executemany(
            "INSERT INTO crawl_errors (run_id, source, url, status, kind, reason, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    # --- items ---

    def write_batch(self, records: list[dict], run_id: int | None = None, source: str | None = None,
                    errors: list[dict] = (), counters: dict | None = None) -> tuple[dict[str, int], list[dict]]:
        """Write a batch of item records (dicts with a `type` key) in ONE transaction.

        With `run_id`, the same transaction records `errors` (the pipeline's page
        failures) and every dropped record in `crawl_errors`, and adds this batch's
        counts (and `counters`, e.g. pages) to the run's row. Returns the counts of
        new, changed, unchanged and dropped records, and one error per dropped record."""
        counts = {"new": 0, "changed": 0, "unchanged": 0, "dropped": 0}
        failures = []
        now = utc_now()
        with transaction(self.db) as conn:
            jurisdictions = {row[0] for row in conn.execute("SELECT code FROM jurisdictions")}
            existing = self._existing(conn, records)
            written: set[tuple] = set()  # rows this batch wrote: their prefetched state is stale
            for record in records:
                kind = record.get("type")
                found = problems(record, jurisdictions) if kind in TABLES else [f"unknown item type {kind!r}"]
                if found:
                    counts["dropped"] += 1
                    failures.append(self._failure(record, "; ".join(found)))
                    continue
                key = (kind, record["id"])
                stored = self._fetch(conn, kind, record["id"]) if key in written else existing[kind].get(record["id"])
                conn.execute("SAVEPOINT record")
                try:
                    outcome = self._write(conn, record, stored, now)
                except sqlite3.Error as error:
                    conn.execute("ROLLBACK TO record")
                    conn.execute("RELEASE record")
                    counts["dropped"] += 1
                    failures.append(self._failure(record, str(error)))
                    continue
                conn.execute("RELEASE record")
                written.add(key)
                counts[outcome] += 1
            if run_id is not None:
                self._insert_errors(conn, run_id, source or "", [*errors, *failures], now)
                increments = {f"items_{key}": value for key, value in counts.items()}
                increments["errors"] = len(errors) + len(failures)
                for key, value in (counters or {}).items():
                    increments[key] = increments.get(key, 0) + value
                conn.execute(
                    f"UPDATE crawl_runs SET {', '.join(f'{c} = {c} + ?' for c in increments)} WHERE id = ?",
                    [*increments.values(), run_id],
                )
        return counts, failures

    def _failure(self, record: dict, reason: str) -> dict:
        return {
            "url": redact_url(record.get("url") or record.get("official_url"), self.secret_params),
            "kind": "dropped",
            "reason": f"{record.get('type')} {record.get('id')!r}: {reason}",
        }

    def _existing(self, conn, records) -> dict[str, dict]:
        """The stored rows of every record in the batch: one SELECT per type and 400 ids."""
        wanted: dict[str, set] = {kind: set() for kind in TABLES}
        for record in records:
            if record.get("type") in TABLES and record.get("id"):
                wanted[record["type"]].add(record["id"])
        found: dict[str, dict] = {kind: {} for kind in TABLES}
        for kind, ids in wanted.items():
            ids = list(ids)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                cursor = conn.execute(
                    f"SELECT * FROM {TABLES[kind]} WHERE id IN ({', '.join('?' * len(chunk))})", chunk
                )
                names = [d[0] for d in cursor.description]
                for row in cursor:
                    found[kind][row[0]] = dict(zip(names, row))
        return found

    def _fetch(self, conn, kind: str, the_id: str) -> dict | None:
        cursor = conn.execute(f"SELECT * FROM {TABLES[kind]} WHERE id = ?", [the_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row)) if row else None

    def _row(self, kind: str, record: dict) -> dict:
        """The record as column values: declared columns only, lists as JSON, URLs redacted."""
        row = {}
        for column in self._columns[kind]:
            value = record.get(column)
            if column in JSON_COLUMNS and value is not None:
                # Keys sorted: the same value read again (a reparse from the archive, whose
                # request meta is stored sorted) must give the same text, or it reads as a change.
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            elif column in URL_COLUMNS and value:
                value = redact_url(value, self.secret_params)
            row[column] = value
        row["parser_version"] = str(record.get("parser_version") or self.parser_version)
        return row

    def _write(self, conn, record: dict, existing: dict | None, now: str) -> str:
        kind = record["type"]
        row = self._row(kind, record)
        if kind == "provision":
            return self._write_provision(conn, row, existing, now)
        if kind == "candidate":
            return self._write_candidate(conn, row, existing, now)
        # A decision's `citations` are our reading of it (crawlers/citations), not what the
        # source says: re-linking is not a change of the document. They are hashed as absent,
        # as every record was before links were filled, so stored hashes stay valid.
        row["content_hash"] = record_hash({**row, **{f: None if f in DERIVED else record.get(f)
                                                     for f in self._related[kind]}})
        row["fetched_at"] = now
        if existing is not None and existing.get("content_hash") == row["content_hash"] \
                and existing.get("parser_version") == row["parser_version"]:
            return "unchanged"
        table = TABLES[kind]
        if existing is None:
            insert(conn, table, {k: v for k, v in row.items() if v is not None})
            outcome = "new"
        else:
            # Never blank: what the page does not say now stays as it was.
            update(conn, table, row["id"], {k: v for k, v in row.items() if v is not None and k != "id"})
            outcome = "changed"
        if existing is not None and existing.get("gone_at") and kind in ("instrument", "case", "bill", "monitoring_document"):
            conn.execute(f"UPDATE {table} SET gone_at = NULL WHERE id = ?", [row["id"]])  # published again
        if kind in SERVED:
            served.refresh(conn, SERVED[kind], [row["id"]])  # before the lists that point at the served row
        self._write_related(conn, kind, row["id"], record, row.get("source"))
        return outcome

    def _write_candidate(self, conn, row, existing, now) -> str:
        if existing is None:
            if conn.execute("SELECT 1 FROM instruments WHERE id = ?", [row["id"]]).fetchone():
                return "unchanged"  # already tracked: not a candidate for review
            row["content_hash"] = record_hash(row)
            row["fetched_at"] = now
            insert(conn, "candidate_instruments", {k: v for k, v in row.items() if v is not None})
            return "new"
        # A candidate stays as first found (with the query that found it) until a person
        # reviews it; later sightings, through other queries, only fill gaps.
        gaps = {k: v for k, v in row.items() if v is not None and existing.get(k) is None}
        if not gaps:
            return "unchanged"
        update(conn, "candidate_instruments", row["id"], gaps)
        return "changed"

    # --- provisions ---

    def _write_provision(self, conn, row: dict, existing: dict | None, now: str) -> str:
        the_id = row["id"]
        if existing is None:
            row["content_hash"] = text_hash(row["heading"], row["text"])
            row["fetched_at"] = now
            insert(conn, "provisions", {k: v for k, v in row.items() if v is not None})
            self._write_related(conn, "provision", the_id, row, row.get("source"))
            if row["text"] is not None or row["heading"] is not None:
                self._open_version(conn, the_id, row.get("language"), row, now, fresh=True)
            return "new"
        language = row.get("language") or existing.get("language")
        placeholder = existing.get("fetched_at") is None  # a curated entry no crawl has filled yet
        if not placeholder and existing.get("language") and row.get("language") and row["language"] != existing["language"]:
            # The same provision in another of its languages: a text of its own.
            return self._write_translation(conn, the_id, row, now)
        if not placeholder and row.get("language") and not existing.get("language"):
            # The language is learnt late: the texts stored without one were in it.
            conn.execute("UPDATE provision_versions SET language = ? WHERE provision_id = ? AND language IS NULL",
                         [row["language"], the_id])
        # Never blank: a text or heading the page does not give stays as stored.
        heading = row["heading"] if row["heading"] is not None else existing.get("heading")
        text = row["text"] if row["text"] is not None else existing.get("text")
        new_hash = text_hash(heading, text)
        if new_hash == existing.get("content_hash") and not placeholder:
            changes = {c: row[c] for c in ("label", "instrument_id", "language", *PROVISION_METADATA)
                       if row.get(c) is not None and row[c] != existing.get(c)}
            if not changes:
                return "unchanged"
            # Same words, new metadata (a parser upgrade, a restated date): in place.
            update(conn, "provisions", the_id, changes)
            version_changes = {c: v for c, v in changes.items() if c in PROVISION_METADATA}
            if version_changes:
                conn.execute(
                    f"UPDATE provision_versions SET {', '.join(c + ' = ?' for c in version_changes)} "
                    "WHERE provision_id = ? AND language IS ? AND content_hash = ? AND superseded_at IS NULL",
                    [*version_changes.values(), the_id, language, new_hash],
                )
            return "changed"
        if not placeholder and self._is_earlier_text(conn, the_id, language, row):
            return self._add_past_version(conn, the_id, language, {**row, "heading": heading, "text": text}, now)
        # A new text. Its validity is the source's statement about this text, never
        # inherited from the previous one.
        changes = {c: v for c, v in row.items() if v is not None and c != "id"}
        changes.update(heading=heading, text=text, content_hash=new_hash, fetched_at=now,
                       valid_from=row.get("valid_from"), valid_to=row.get("valid_to"), gone_at=None)
        update(conn, "provisions", the_id, changes)
        self._write_related(conn, "provision", the_id, row, row.get("source"))
        self._open_version(conn, the_id, language, {**row, "heading": heading, "text": text}, now)
        return "changed"

    @staticmethod
    def _is_earlier_text(conn, the_id: str, language, row: dict) -> bool:
        """The source dates this text before the current one: a point-in-time version
        fetched late, which is history and not an amendment."""
        if not row.get("valid_from"):
            return False
        current = conn.execute(
            "SELECT valid_from FROM provision_versions WHERE provision_id = ? AND language IS ? "
            "AND superseded_at IS NULL ORDER BY id DESC LIMIT 1", [the_id, language]).fetchone()
        return bool(current and current[0] and row["valid_from"] < current[0])

    def _add_past_version(self, conn, the_id: str, language, values: dict, now: str) -> str:
        the_hash = text_hash(values.get("heading"), values.get("text"))
        metadata = {c: values.get(c) for c in PROVISION_METADATA if values.get(c) is not None}
        known = conn.execute("SELECT id FROM provision_versions WHERE provision_id = ? AND language IS ? AND content_hash = ?",
                             [the_id, language, the_hash]).fetchone()
        if known:
            conn.execute(
                f"UPDATE provision_versions SET {', '.join(c + ' = ?' for c in metadata)} WHERE id = ? AND ("
                + " OR ".join(f"{c} IS NOT ?" for c in metadata) + ")",
                [*metadata.values(), known[0], *metadata.values()])
            return "changed" if conn.execute("SELECT changes()").fetchone()[0] else "unchanged"
        # It applied until the next dated text did, unless the source says when it ended.
        following = conn.execute(
            "SELECT MIN(valid_from) FROM provision_versions WHERE provision_id = ? AND language IS ? AND valid_from > ?",
            [the_id, language, values["valid_from"]]).fetchone()[0]
        insert(conn, "provision_versions", {
            "provision_id": the_id, "language": language, "content_hash": the_hash, "first_seen": now,
            "last_seen": now, "superseded_at": now,
            **{c: values.get(c) for c in VERSION_COLUMNS}, "valid_to": values.get("valid_to") or following,
        })
        return "changed"

    def _write_translation(self, conn, the_id: str, row: dict, now: str) -> str:
        language = row["language"]
        current = conn.execute(
            "SELECT content_hash, heading, text FROM provision_versions "
            "WHERE provision_id = ? AND language = ? AND superseded_at IS NULL ORDER BY id DESC LIMIT 1",
            [the_id, language],
        ).fetchone()
        heading = row["heading"] if row["heading"] is not None else (current[1] if current else None)
        text = row["text"] if row["text"] is not None else (current[2] if current else None)
        if current and current[0] == text_hash(heading, text):
            changes = {c: row[c] for c in PROVISION_METADATA if row.get(c) is not None}
            conn.execute(
                f"UPDATE provision_versions SET {', '.join(c + ' = ?' for c in changes)} "
                "WHERE provision_id = ? AND language = ? AND superseded_at IS NULL AND ("
                + " OR ".join(f"{c} IS NOT ?" for c in changes) + ")",
                [*changes.values(), the_id, language, *changes.values()],
            )
            return "changed" if conn.execute("SELECT changes()").fetchone()[0] else "unchanged"
        self._open_version(conn, the_id, language, {**row, "heading": heading, "text": text}, now)
        return "changed" if current else "new"

    def _open_version(self, conn, provision_id: str, language, values: dict, now: str, fresh: bool = False) -> None:
        """Make this text the provision's current version in its language. A text seen
        before (an amendment reverted) becomes current again and keeps its first_seen.
        (`fresh`: the provision was just created, so it has no version to close.)"""
        the_hash = values["content_hash"] if fresh else text_hash(values.get("heading"), values.get("text"))
        if fresh:
            insert(conn, "provision_versions", {
                "provision_id": provision_id, "language": language, "content_hash": the_hash, "first_seen": now,
                **{c: values.get(c) for c in VERSION_COLUMNS},
            })
            return
        valid_from = values.get("valid_from")
        # The previous text applied until the new one did, when the source dates it.
        conn.execute(
            "UPDATE provision_versions SET superseded_at = ?, last_seen = ?, valid_to = COALESCE(valid_to, ?) "
            "WHERE provision_id = ? AND language IS ? AND superseded_at IS NULL AND content_hash != ?",
            [now, now, valid_from, provision_id, language, the_hash],
        )  # (an earlier-dated text never gets here: see _is_earlier_text)
        metadata = {c: values.get(c) for c in PROVISION_METADATA}
        reopened = conn.execute(
            f"UPDATE provision_versions SET superseded_at = NULL, last_seen = NULL, "
            f"{', '.join(c + ' = ?' for c in metadata)} WHERE id = (SELECT MAX(id) FROM provision_versions "
            "WHERE provision_id = ? AND language IS ? AND content_hash = ?)",
            [*metadata.values(), provision_id, language, the_hash],
        ).rowcount
        if reopened:
            return
        insert(conn, "provision_versions", {
            "provision_id": provision_id, "language": language, "content_hash": the_hash, "first_seen": now,
            **{c: values.get(c) for c in VERSION_COLUMNS},
        })

    # --- lists stored in their own tables ---

    def _write_related(self, conn, kind: str, the_id: str, record: dict, source) -> None:
        for name, table in self._related[kind].items():
            entries = record.get(name) or []
            if not entries:
                continue
            if table == "identifiers":
                rows = [[e["scheme"], e["value"], kind, the_id, source] for e in entries]
                conn.executemany("INSERT OR IGNORE INTO identifiers VALUES (?, ?, ?, ?, ?)", rows)
            elif table == "instrument_links":
                rows = [[the_id, e["relation"], e["target"]] for e in entries]
                conn.executemany("INSERT OR IGNORE INTO instrument_links VALUES (?, ?, ?)", rows)
            elif table == "bill_actions":
                rows = [[the_id, e.get("date"), e["action"], e.get("wording") or ""] for e in entries]
                conn.executemany("INSERT OR IGNORE INTO bill_actions VALUES (?, ?, ?, ?)", rows)
            elif table == "bill_sponsors":
                rows = [[the_id, e["name"], e.get("party"), e["role"], e.get("classification")] for e in entries]
                # A sponsor's standing changes (a cosponsor withdraws): the source's latest word
                # replaces ours, but a value it leaves out never blanks the one we hold. A name no
                # longer listed is kept: sources list withdrawn members, they do not drop them.
                conn.executemany(
                    "INSERT INTO bill_sponsors VALUES (?, ?, ?, ?, ?) ON CONFLICT (bill_id, name, role) DO UPDATE SET "
                    "party = COALESCE(excluded.party, party), "
                    "classification = COALESCE(excluded.classification, classification)", rows)
            elif table == "case_citations":
                rows = [[the_id, e["instrument_id"], e.get("provision_id") or "", e.get("span") or ""] for e in entries]
                conn.executemany("INSERT OR IGNORE INTO case_citations VALUES (?, ?, ?, ?)", rows)

    def replace_citations(self, links: dict[str, list[dict]]) -> int:
        """Re-derived statute citations (`sii-atlas link-citations`): each case's rows in
        `case_citations` become exactly these, for every case of the batch, in ONE
        transaction. Returns the rows written."""
        written = 0
        with transaction(self.db) as conn:
            for case_id, entries in links.items():
                conn.execute("DELETE FROM case_citations WHERE case_id = ?", [case_id])
                rows = [[case_id, e["instrument_id"], e.get("provision_id") or "", e.get("span") or ""] for e in entries]
                conn.executemany("INSERT OR IGNORE INTO case_citations VALUES (?, ?, ?, ?)", rows)
                written += len(rows)
        return written

    # --- withdrawn documents ---

    def mark_gone(self, item_type: str, item_id: str) -> bool:
        """The source no longer has this document. A judgment (pulled for anonymisation)
        loses its text in every served table and search index; its metadata stays, with
        `gone_at`. Other documents are only marked. Returns whether a row was found."""
        now = utc_now()
        with transaction(self.db) as conn:
            if item_type == "case":
                found = conn.execute("UPDATE crawled_cases SET text = NULL, content_hash = NULL, gone_at = COALESCE(gone_at, ?) WHERE id = ?",
                                     [now, item_id]).rowcount
                if not found and conn.execute("SELECT 1 FROM curated_cases WHERE id = ?", [item_id]).fetchone():
                    # Known only from curation: remember the withdrawal on the crawled side.
                    conn.execute(
                        "INSERT INTO crawled_cases (id, jurisdiction, name, source, gone_at) "
                        "SELECT id, jurisdiction, name, source, ? FROM curated_cases WHERE id = ?", [now, item_id])
                    found = 1
                served.refresh(conn, "cases", [item_id])
            elif item_type == "provision":
                # A law's words are public and stay: a provision missing at source (renumbered,
                # moved, or a passing 404) is marked, never blanked. Only judgments are
                # withdrawn for anonymisation.
                found = conn.execute(
                    "UPDATE provisions SET gone_at = COALESCE(gone_at, ?) WHERE id = ?", [now, item_id]
                ).rowcount
            elif item_type == "instrument":
                found = conn.execute("UPDATE crawled_instruments SET gone_at = COALESCE(gone_at, ?) WHERE id = ?",
                                     [now, item_id]).rowcount
                served.refresh(conn, "instruments", [item_id])
            elif item_type == "bill":
                found = conn.execute("UPDATE bills SET gone_at = COALESCE(gone_at, ?) WHERE id = ?",
                                     [now, item_id]).rowcount
            else:
                raise ValueError(f"cannot mark a {item_type!r} gone")
        return bool(found)


def insert(conn, table: str, row: dict) -> None:
    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def update(conn, table: str, the_id: str, changes: dict) -> None:
    if changes:
        conn.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in changes)} WHERE id = ?",
                     [*changes.values(), the_id])
