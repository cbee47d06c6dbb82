"""The raw-response archive: every page a crawl received, compressed, by content.

It lives in its own SQLite file beside the database (`sii_atlas.archive.sqlite` next
to `sii_atlas.db`), so Datasette never serves it and the atlas stays small. Two tables:

* `bodies`: each distinct body once, zlib-compressed, keyed by the SHA-256 of the
  uncompressed bytes (content-addressed: a page fetched a hundred times unchanged is
  stored once);
* `fetch_state`: per URL (official and redacted: never a secret), what we last
  received: its validators (ETag, Last-Modified), the SHA-256 of its body, status,
  content type, when it was fetched and when it was last confirmed unchanged; and,
  for `sii-atlas reparse`, the source that asked for it and the request context its
  parser reads (`meta`: JSON of the parser-relevant request meta, never a secret).

A recrawl sends the validators (If-None-Match, If-Modified-Since); a 304 is answered
from here, so an unchanged source costs conditional requests only and writes nothing
to the atlas. It also makes every page replayable offline: `sii-atlas reparse` runs
the current parsers over `entries()` without a request.
"""

import hashlib
import json
import sqlite3
import zlib
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS bodies (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    compressed BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS fetch_state (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    sha256 TEXT REFERENCES bodies(sha256),
    status INTEGER,
    content_type TEXT,
    fetched_at TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
"""
# Columns added to `fetch_state` after archives already existed: added in place when
# missing (older rows keep NULL there: no source, no meta recorded).
ADDED_COLUMNS = {"source": "TEXT", "meta": "TEXT"}
STATE_COLUMNS = ("url", "etag", "last_modified", "sha256", "status", "content_type", "fetched_at", "checked_at",
                 *ADDED_COLUMNS)


class DamagedBody(ValueError):
    """An archived body that cannot be decompressed (or is missing): its page cannot be replayed."""


def archive_path(db_path) -> Path:
    """Where the archive of the database at `db_path` lives."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + ".archive.sqlite")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def dump_meta(meta: dict | None) -> str | None:
    return json.dumps(meta, sort_keys=True, ensure_ascii=False) if meta is not None else None


class Archive:
    def __init__(self, path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        present = {row[1] for row in self.conn.execute("PRAGMA table_info(fetch_state)")}
        for name, declaration in ADDED_COLUMNS.items():
            if name not in present:
                try:
                    self.conn.execute(f"ALTER TABLE fetch_state ADD COLUMN {name} {declaration}")
                except sqlite3.OperationalError as error:
                    # Another process (a parallel crawl) added it between our look and our ALTER.
                    if "duplicate column" not in str(error):
                        raise

    @classmethod
    def beside(cls, db_path) -> "Archive":
        return cls(archive_path(db_path))

    def close(self) -> None:
        self.conn.close()

    def state(self, url: str) -> dict | None:
        row = self.conn.execute(f"SELECT {', '.join(STATE_COLUMNS)} FROM fetch_state WHERE url = ?", [url]).fetchone()
        return self._state(row) if row else None

    @staticmethod
    def _state(row) -> dict:
        state = dict(zip(STATE_COLUMNS, row))
        state["meta"] = json.loads(state["meta"]) if state["meta"] else None
        return state

    def entries(self, sources=None):
        """Every archived page (its state, as `state()` gives it), oldest fetch first, as
        the crawls met them; only those of `sources` when given. Pages archived before
        sources were recorded have `source` None and are always included: the caller
        knows them by their URL's host."""
        where, values = "", []
        if sources:
            where = f" WHERE source IS NULL OR source IN ({', '.join('?' * len(sources))})"
            values = list(sources)
        cursor = self.conn.execute(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM fetch_state{where} ORDER BY fetched_at, url", values)
        for row in cursor:
            yield self._state(row)

    def body(self, sha256: str | None) -> bytes | None:
        """The body with this SHA-256, None when none is archived; `DamagedBody` when it
        is there but cannot be read back."""
        row = self.conn.execute("SELECT compressed FROM bodies WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            return None
        try:
            return zlib.decompress(row[0])
        except (zlib.error, TypeError) as error:
            raise DamagedBody(f"archived body {sha256} cannot be decompressed: {error}") from None

    def store(self, url: str, body: bytes, status: int = 200, etag: str | None = None,
              last_modified: str | None = None, content_type: str | None = None,
              source: str | None = None, meta: dict | None = None, repair: bool = False) -> str:
        """Keep `body` as the latest answer for `url`, with the source that asked and the
        request context its parser reads (`meta`), in one transaction; its SHA-256.
        `repair`: the copy held under this SHA-256 is damaged; this one replaces it."""
        sha256 = hashlib.sha256(body).hexdigest()
        now = utc_now()
        with self.transaction():
            self.conn.execute(f"INSERT OR {'REPLACE' if repair else 'IGNORE'} INTO bodies (sha256, size, compressed) "
                              "VALUES (?, ?, ?)", [sha256, len(body), zlib.compress(body, 6)])
            self.conn.execute(
                "INSERT INTO fetch_state (url, etag, last_modified, sha256, status, content_type, fetched_at, checked_at, "
                "source, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, sha256 = excluded.sha256, status = excluded.status, "
                "content_type = excluded.content_type, fetched_at = excluded.fetched_at, checked_at = excluded.checked_at, "
                "source = COALESCE(excluded.source, source), meta = excluded.meta",
                [url, etag, last_modified, sha256, status, content_type, now, now, source, dump_meta(meta)])
        return sha256

    def confirm_unchanged(self, url: str, source: str | None = None, meta: dict | None = None) -> None:
        """The server said 304: what we hold is still current. The request context is the
        latest request's: a replay parses the body as this crawl did."""
        self.conn.execute("UPDATE fetch_state SET checked_at = ?, source = COALESCE(?, source), "
                          "meta = COALESCE(?, meta) WHERE url = ?", [utc_now(), source, dump_meta(meta), url])

    def transaction(self):
        conn = self.conn

        class Transaction:
            def __enter__(self):
                conn.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, value, traceback):
                conn.execute("ROLLBACK" if kind else "COMMIT")

        return Transaction()
