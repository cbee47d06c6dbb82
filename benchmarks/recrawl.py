"""What a recrawl of unchanged sources costs: requests, and rows written.

Run on demand (not a test):  .venv/bin/python benchmarks/recrawl.py
Builds a database and crawls every source with fixtures against the local fixture
server (tests/fixture_server.py), twice. Of the second crawl's requests it counts
those that were conditional (If-None-Match / If-Modified-Since) or not sent at all;
of the second build + crawl, the rows written to the atlas (every table compared row
by row, crawl bookkeeping `crawl_runs` and `crawl_errors` aside). Goals: >= 90 %
conditional or skipped, 0 rows written. Last line:
`conditional or skipped: X%, rows written: N`.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))
sys.path.insert(0, str(PROJECT))

import sqlite_utils  # noqa: E402

from crawlers.sources import SPIDERS  # noqa: E402
from fixture_server import EXAMPLES, FixtureServer  # noqa: E402

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
BOOKKEEPING = {"crawl_runs", "crawl_errors"}


def sii_atlas(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawlers.cli", "--db", str(db), *args],
                          cwd=PROJECT, capture_output=True, text=True)


def rows(db: Path) -> dict[str, set]:
    """Every row of every table (FTS shadow tables included), as comparable tuples."""
    database = sqlite_utils.Database(db)
    return {table: {tuple(map(repr, row)) for row in database.execute(f"SELECT * FROM [{table}]").fetchall()}
            for table in database.table_names() if table not in BOOKKEEPING}


def is_internal(table: str) -> bool:
    """SQLite's own tables and FTS5's shadow tables (index segments, not data rows)."""
    return table.startswith("sqlite_") or any(table.endswith(s) for s in ("_data", "_idx", "_docsize", "_config", "_content"))


def written(before: dict[str, set], after: dict[str, set]) -> tuple[int, int]:
    """(data rows added, changed or removed; internal rows rewritten). A changed row
    counts once (its old and new forms)."""
    data = internal = 0
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, set()), after.get(table, set())
        count = max(len(new - old), len(old - new))
        if count and not is_internal(table):
            print(f"  {table}: {count} rows written, e.g. {sorted(new - old)[:1]}")
        data, internal = (data, internal + count) if is_internal(table) else (data + count, internal)
    return data, internal


def main() -> int:
    sources = sorted(s for s in SPIDERS if (EXAMPLES / s / "server.yaml").exists())
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sii_atlas.db"
        with FixtureServer() as server:
            started = time.monotonic()
            first = sii_atlas(db, "crawl", *sources, "--base-url", server.url, *FAST)
            first_sent = len(server.requests)
            print(f"first crawl ({', '.join(sources)}): exit {first.returncode}, {first_sent} requests, "
                  f"{time.monotonic() - started:.1f} s")
        before = rows(db)
        with FixtureServer() as server:
            started = time.monotonic()
            build = sii_atlas(db, "build")
            second = sii_atlas(db, "crawl", *sources, "--base-url", server.url, *FAST)
            sent, conditional = len(server.requests), len(server.conditional())
            print(f"second build + crawl: exit {build.returncode}/{second.returncode}, {sent} requests, "
                  f"{conditional} conditional, {time.monotonic() - started:.1f} s")
        changed, internal = written(before, rows(db))
        print(f"FTS index and SQLite statistics rows rewritten (not data): {internal}")
    # Of what the first crawl asked for, the second either asked conditionally or skipped.
    skipped = max(0, first_sent - sent)
    share = 100.0 * (conditional + skipped) / max(first_sent, sent) if max(first_sent, sent) else 100.0
    print(f"conditional or skipped: {share:.0f}%, rows written: {changed}")
    return 0 if first.returncode == 0 and second.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
