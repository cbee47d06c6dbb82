"""What every publication says about the data it carries: how recent it is, under which
licences, and how to cite it.

"As of" is read from the database itself, so the same database always says the same thing
(a release made twice, a replica behind a load balancer, the live site): the latest of the last
crawl run's end, the last schema migration (the build that made the file) and the latest date
a curator checked a curated row. The file's own modification time is not used: copying a file
changes it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

NAME = "SII Atlas"
# Our own contribution (the registry, summaries, coding): the licence metadata.yml states for
# the site as a whole; each crawled row keeps its source's licence (the `sources` table).
OWN_LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
               "path": "https://creativecommons.org/licenses/by/4.0/"}
RELEASE_DESCRIPTOR = "datapackage.json"  # beside a released database: says which release it is

# Each source of "as of": a query for its latest value (NULL when it has none yet).
AS_OF_QUERIES = (
    "SELECT MAX(finished) FROM crawl_runs",
    "SELECT MAX(applied_at) FROM schema_migrations",
    "SELECT MAX(loaded_at) FROM registry_loads",
    "SELECT MAX(verified_on) FROM curated_instruments",
    "SELECT MAX(verified_on) FROM curated_cases",
)
DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2}))?")


def utc_stamp(value: str | None) -> str | None:
    """'2026-11-30 01:44:42', '2026-11-30T01:44:42+00:00' or '2026-11-30' as
    '2026-11-30T01:44:42Z' (the stored times are all UTC); None for anything else."""
    match = DATE_TIME.match(value or "")
    if not match:
        return None
    return f"{match.group(1)}T{match.group(2) or '00:00:00'}Z"


def as_of(conn: sqlite3.Connection) -> str | None:
    """When the data in this database last changed (UTC, ISO 8601), or None for an empty file."""
    found = []
    for query in AS_OF_QUERIES:
        try:
            found.append(utc_stamp(conn.execute(query).fetchone()[0]))
        except sqlite3.OperationalError:  # a database from before that table existed
            continue
    found = [stamp for stamp in found if stamp]
    return max(found) if found else None


def source_licences(conn: sqlite3.Connection) -> list[dict]:
    """Every source with its licence, as the `sources` table states it (one place for licences)."""
    rows = conn.execute("SELECT id, name, base_url, licence, licence_url, terms_url FROM sources ORDER BY id")
    keys = ("id", "name", "base_url", "licence", "licence_url", "terms_url")
    return [dict(zip(keys, row)) for row in rows]


def citation(release: str | None, as_of_stamp: str | None, url: str | None) -> str:
    """'SII Atlas, release 2026-11-30, https://...'; a database that is not a release is cited
    by its as-of date."""
    parts = [NAME]
    if release:
        parts.append(f"release {release}")
    elif as_of_stamp:
        parts.append(f"data as of {as_of_stamp[:10]}")
    if url:
        parts.append(url)
    return ", ".join(parts)


def release_of(database_path: str | Path | None) -> str | None:
    """The release date of a database served from a release folder (its datapackage.json
    beside it says so), else None."""
    if not database_path:
        return None
    descriptor = Path(database_path).with_name(RELEASE_DESCRIPTOR)
    try:
        return json.loads(descriptor.read_text(encoding="utf-8")).get("release_date")
    except (OSError, ValueError, AttributeError):
        return None
