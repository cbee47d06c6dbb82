"""The release's tables as CSV files, and the Frictionless Data Package (v1) that describes them.

Each released table or view is written in a fixed order (its primary key, else every column),
so the same database always gives the same bytes. Field types come from the values SQLite
holds (`typeof`), the declared type standing in for an empty column: a view's columns declare
none, and a column declared INTEGER may still hold text.

Descriptor (https://specs.frictionlessdata.io/data-package/): name, title, description,
version, created, licenses, sources, contributors, keywords, profile and resources (each with
name, path, profile, format, mediatype, encoding, bytes, hash and, for tables, a Table Schema
whose fields carry metadata.yml's column descriptions). Its own additions, allowed by the
spec: `release_date`, `as_of`, `citation`, and `codebook` (every coding question with its
label, answer type, choices, roll-up and rules).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

from .edition import NAME, OWN_LICENCE, source_licences

CSV_FOLDER = "csv"
#: The tables and views a release carries as CSV, in the order the descriptor lists them.
RELEASED = (
    "jurisdictions", "sources", "codebook_questions",
    "instruments", "provisions", "provision_versions", "instrument_links", "identifiers",
    "cases", "case_citations", "case_provisions",
    "bills", "bill_actions", "bill_sponsors", "bill_instruments",
    "help_routes", "coverage_findings",
    "coded_answers", "jurisdiction_answers", "comparison", "comparison_matrix", "comparison_matrix_minors",
    "enactment_timeline",
)
STORAGE_TYPES = {"integer": "integer", "real": "number", "text": "string", "blob": "string"}
KEYWORDS = ["law", "legislation", "case law", "deepfakes", "synthetic intimate imagery",
            "intimate image abuse", "comparative law"]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_of(conn: sqlite3.Connection, table: str) -> list[dict]:
    """[{name, declared, pk}] for a table or view."""
    return [{"name": row[1], "declared": (row[2] or "").lower(), "pk": row[5]}
            for row in conn.execute(f"PRAGMA table_info({quoted(table)})")]


def field_type(conn: sqlite3.Connection, table: str, column: dict) -> str:
    stored = {row[0] for row in conn.execute(
        f"SELECT DISTINCT typeof({quoted(column['name'])}) FROM {quoted(table)}")} - {"null"}
    if not stored:
        for affinity, kind in (("int", "integer"), ("real", "number"), ("floa", "number"), ("doub", "number")):
            if affinity in column["declared"]:
                return kind
        return "string"
    if stored <= {"integer"}:
        return "integer"
    if stored <= {"integer", "real"}:
        return "number"
    return "string"


def ordered_rows(conn: sqlite3.Connection, table: str, columns: list[dict]):
    keys = [c["name"] for c in sorted((c for c in columns if c["pk"]), key=lambda c: c["pk"])]
    order = ", ".join(quoted(name) for name in (keys or [c["name"] for c in columns]))
    listed = ", ".join(quoted(c["name"]) for c in columns)
    return conn.execute(f"SELECT {listed} FROM {quoted(table)} ORDER BY {order}")


def write_csv(conn: sqlite3.Connection, table: str, path: Path) -> int:
    """The table as RFC 4180 CSV (UTF-8, CRLF, a header row, NULL as an empty field); its row count."""
    columns = columns_of(conn, table)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([c["name"] for c in columns])
        for row in ordered_rows(conn, table, columns):
            writer.writerow(row)
            count += 1
    return count


def file_facts(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "hash": f"sha256:{digest.hexdigest()}"}


def table_resource(conn: sqlite3.Connection, table: str, folder: Path, metadata: dict) -> dict:
    relative = f"{CSV_FOLDER}/{table}.csv"
    rows = write_csv(conn, table, folder / relative)
    described = metadata.get("tables", {}).get(table, {})
    column_notes = described.get("columns", {}) or {}
    columns = columns_of(conn, table)
    fields = []
    for column in columns:
        field = {"name": column["name"], "type": field_type(conn, table, column)}
        if column_notes.get(column["name"]):
            field["description"] = column_notes[column["name"]]
        fields.append(field)
    schema = {"fields": fields}
    keys = [c["name"] for c in sorted((c for c in columns if c["pk"]), key=lambda c: c["pk"])]
    # A Table Schema key is never empty; SQLite allows NULL in a composite key (bill_actions.date).
    if keys and not conn.execute(f"SELECT 1 FROM {quoted(table)} WHERE "
                                 + " OR ".join(f"{quoted(k)} IS NULL" for k in keys) + " LIMIT 1").fetchone():
        schema["primaryKey"] = keys
    resource = {"name": table, "path": relative, "profile": "tabular-data-resource", "title": table.replace("_", " "),
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"}
    if described.get("description"):
        resource["description"] = described["description"]
    if described.get("license"):
        resource["licence_note"] = described["license"]
    resource.update(file_facts(folder / relative))
    resource["rows"] = rows
    resource["schema"] = schema
    return resource


def codebook(conn: sqlite3.Connection) -> list[dict]:
    questions = []
    for row in conn.execute("SELECT id, position, label, answer_type, choices, rollup, rules "
                            "FROM codebook_questions ORDER BY position, id"):
        question = dict(zip(("id", "position", "label", "answer_type", "choices", "rollup", "rules"), row))
        try:
            question["choices"] = json.loads(question["choices"]) if question["choices"] else None
        except ValueError:
            pass  # kept as the text the build stored
        questions.append({key: value for key, value in question.items() if value is not None})
    return questions


def licences(conn: sqlite3.Connection) -> list[dict]:
    """Ours first, then each distinct source licence, by its URL."""
    found = [dict(OWN_LICENCE)]
    seen = {OWN_LICENCE["path"]}
    for source in source_licences(conn):
        # The spec wants a URL (`path`) or an Open Definition id (`name`); a licence known
        # only by its words is in LICENCE.md and the sources table.
        if not source["licence_url"] or source["licence_url"] in seen:
            continue
        seen.add(source["licence_url"])
        found.append({"title": source["licence"] or source["licence_url"], "path": source["licence_url"]})
    return found


def semantic_version(release_date: str) -> str:
    """'2026-01-05' -> '2026.1.5' (a valid semantic version, as the spec recommends)."""
    year, month, day = (int(part) for part in release_date.split("-"))
    return f"{year}.{month}.{day}"


def descriptor(conn: sqlite3.Connection, folder: Path, *, metadata: dict, release_date: str, created: str,
               as_of: str | None, citation: str, url: str | None, database_file: str) -> dict:
    """Write every CSV into folder/csv/ and return the descriptor (the database file must be there)."""
    (folder / CSV_FOLDER).mkdir(exist_ok=True)
    database_metadata = (metadata.get("databases") or {}).get("sii_atlas", {})
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    resources = [{"name": "sii_atlas-database", "path": database_file, "title": "The SQLite database (every table)",
                  "format": "sqlite", "mediatype": "application/vnd.sqlite3", **file_facts(folder / database_file)}]
    resources += [table_resource(conn, table, folder, database_metadata) for table in RELEASED if table in present]
    package = {
        "profile": "data-package",
        "name": "sii-atlas",
        "title": NAME,
        "description": database_metadata.get("description") or metadata.get("title") or NAME,
        "version": semantic_version(release_date),
        "release_date": release_date,
        "as_of": as_of,
        "created": created,
        "citation": citation,
        "keywords": KEYWORDS,
        "licenses": licences(conn),
        "sources": [{"title": s["name"] or s["id"], "path": s["base_url"]} if s["base_url"] else {"title": s["name"] or s["id"]}
                    for s in source_licences(conn)],
        "contributors": [{"title": NAME, "role": "author", **({"path": url} if url else {})}],
        "codebook": codebook(conn),
        "resources": resources,
    }
    if url:
        package["homepage"] = url
    return package
