"""The only writer of crawled data: batched upserts, provision versions, crawl runs.

Rules that keep "nothing is ever lost" checkable in this one file:

* Nothing is ever deleted. An item missing from a later crawl stays as it was.
* A value is never blanked: `None` from a parser never overwrites a stored value.
* Unchanged content (same content hash) writes nothing at all.
* A provision whose content changed keeps its old text as a `provision_versions`
  row and gets a new one.
* On a curated instrument, what the curator wrote wins over what a spider says;
  the spider fills only the columns the curator left empty.
* Writes are batched, each batch in one transaction.
"""

import hashlib
import json
import sqlite3
from datetime import datetime, timezone

import sqlite_utils

from .schema import open_database

TABLES = {
    "instrument": "instruments",
    "provision": "provisions",
    "case": "cases",
    "bill": "bills",
    "candidate": "candidate_instruments",
}
PROVENANCE = {"fetched_at", "content_hash"}
# On a curated instrument or case a crawl may only fill empty columns, except these,
# which say what the source says and when we last saw it change.
CRAWL_OWNED_COLUMNS = {"extent", "text", "judges", "cited_legislation", "fetched_at", "content_hash"}
VERSIONED_PROVISION_COLUMNS = ("heading", "text", "extent", "in_force_status", "valid_from", "url", "source")
JSON_COLUMNS = {"judges", "cited_legislation"}


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def content_hash(record: dict) -> str:
    """A hash of what the source says, not of when we fetched it."""
    payload = {key: value for key, value in record.items() if key not in PROVENANCE and key != "source"}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def to_row(record: dict) -> dict:
    row = {}
    for key, value in record.items():
        if key == "type":
            continue
        row[key] = json.dumps(value, ensure_ascii=False) if key in JSON_COLUMNS and value is not None else value
    return row


class Store:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @classmethod
    def open(cls, path) -> "Store":
        return cls(open_database(path))

    # --- crawl runs ---

    def start_run(self, source: str, arguments: dict | None = None) -> int:
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (source, started, arguments) VALUES (?, ?, ?)",
                [source, utc_now(), json.dumps(arguments or {}, sort_keys=True)],
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, outcome: str, counts: dict) -> None:
        columns = ["pages", "items_new", "items_changed", "items_unchanged", "items_dropped", "errors"]
        with self.db.conn:
            self.db.execute(
                f"UPDATE crawl_runs SET finished = ?, outcome = ?, {', '.join(c + ' = ?' for c in columns)} WHERE id = ?",
                [utc_now(), outcome, *(counts.get(c, 0) for c in columns), run_id],
            )

    def record_errors(self, run_id: int, source: str, errors: list[dict]) -> None:
        if not errors:
            return
        with self.db.conn:
            self.db["crawl_errors"].insert_all(
                {"run_id": run_id, "source": source, "occurred_at": utc_now(), **error} for error in errors
            )

    # --- items ---

    def write_batch(self, records: list[dict]) -> tuple[dict[str, int], list[dict]]:
        """Write a batch of item records (dicts with a `type` key) in one transaction.

        Returns counts of new, changed, unchanged and dropped items, and one
        error record per dropped item (a provision whose instrument is unknown,
        for example): one bad record never costs the rest of the batch."""
        counts = {"new": 0, "changed": 0, "unchanged": 0, "dropped": 0}
        failures = []
        now = utc_now()
        with self.db.conn:
            for record in records:
                try:
                    outcome = self._write(record, now)
                except sqlite3.IntegrityError as error:
                    outcome = "dropped"
                    failures.append(
                        {
                            "url": record.get("url") or record.get("official_url"),
                            "kind": "dropped",
                            "reason": f"{record['type']} {record.get('id')!r}: {error}",
                        }
                    )
                counts[outcome] += 1
        return counts, failures

    def _write(self, record: dict, now: str) -> str:
        kind = record["type"]
        table = TABLES[kind]
        row = to_row(record)
        row["content_hash"] = row.get("content_hash") or content_hash(row)
        row["fetched_at"] = row.get("fetched_at") or now
        existing = self._get(table, row["id"])
        if kind == "candidate" and existing is None and self._get("instruments", row["id"]):
            return "unchanged"  # already tracked: not a candidate for review
        if existing is None:
            self.db[table].insert(row)
            if kind == "provision":
                self._add_version(row, now)
            return "new"
        if existing.get("content_hash") == row["content_hash"]:
            return "unchanged"
        update = {key: value for key, value in row.items() if value is not None and key != "id"}
        if kind in ("instrument", "case") and existing.get("curated"):
            # What a curator wrote stands; the crawl fills what the curator left empty.
            for column in list(update):
                if column not in CRAWL_OWNED_COLUMNS and existing.get(column) is not None:
                    del update[column]
        if kind == "candidate":
            # A candidate stays as first found (with the query that found it) until a person
            # reviews it; later sightings, through other queries, only fill gaps.
            update = {key: value for key, value in update.items() if existing.get(key) is None}
            if not update:
                return "unchanged"
        if kind == "provision":
            merged = {**existing, **update}
            update["content_hash"] = content_hash(
                {key: merged.get(key) for key in row if key not in PROVENANCE}
            )
            if update["content_hash"] == existing.get("content_hash"):
                return "unchanged"
            self._add_version({**merged, **update}, now)
        self.db[table].update(row["id"], update)
        return "changed"

    def _get(self, table: str, key: str) -> dict | None:
        rows = list(self.db.query(f"SELECT * FROM [{table}] WHERE id = ?", [key]))
        return rows[0] if rows else None

    def _add_version(self, provision: dict, now: str) -> None:
        """Make this content the provision's current version. A text seen before (an
        amendment reverted) becomes current again; its row keeps when it was first seen."""
        self.db.execute(
            "UPDATE provision_versions SET superseded_at = ? WHERE provision_id = ? AND superseded_at IS NULL",
            [now, provision["id"]],
        )
        reopened = self.db.execute(
            "UPDATE provision_versions SET superseded_at = NULL WHERE provision_id = ? AND content_hash = ?",
            [provision["id"], provision["content_hash"]],
        ).rowcount
        if reopened:
            return
        self.db["provision_versions"].insert(
            {
                "provision_id": provision["id"],
                "content_hash": provision["content_hash"],
                "first_seen": now,
                **{column: provision.get(column) for column in VERSIONED_PROVISION_COLUMNS},
            }
        )
