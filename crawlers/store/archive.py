"""The raw-response archive: every page a crawl received, compressed, by content.

It lives in its own SQLite file beside the database (`sii_atlas.archive.sqlite` next
to `sii_atlas.db`), so Datasette never serves it and the atlas stays small. Two tables:

* `bodies`: each distinct body once, zlib-compressed, keyed by the SHA-256 of the
  uncompressed bytes (content-addressed: a page fetched a hundred times unchanged is
  stored once);
* `fetch_state`: per URL (official and redacted: never a secret), what we last
  received: its validators (ETag, Last-Modified), the SHA-256 of its body, status,
  content type, when it was fetched and when it was last confirmed unchanged.

A recrawl sends the validators (If-None-Match, If-Modified-Since); a 304 is answered
from here, so an unchanged source costs conditional requests only and writes nothing
to the atlas. It also makes every page replayable offline.
"""

import hashlib
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


def archive_path(db_path) -> Path:
    """Where the archive of the database at `db_path` lives."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + ".archive.sqlite")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Archive:
    def __init__(self, path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)

    @classmethod
    def beside(cls, db_path) -> "Archive":
        return cls(archive_path(db_path))

    def close(self) -> None:
        self.conn.close()

    def state(self, url: str) -> dict | None:
        row = self.conn.execute(
            "SELECT url, etag, last_modified, sha256, status, content_type, fetched_at, checked_at "
            "FROM fetch_state WHERE url = ?", [url]).fetchone()
        if row is None:
            return None
        return dict(zip(("url", "etag", "last_modified", "sha256", "status", "content_type", "fetched_at",
                         "checked_at"), row))

    def body(self, sha256: str | None) -> bytes | None:
        row = self.conn.execute("SELECT compressed FROM bodies WHERE sha256 = ?", [sha256]).fetchone()
        return zlib.decompress(row[0]) if row else None

    def store(self, url: str, body: bytes, status: int = 200, etag: str | None = None,
              last_modified: str | None = None, content_type: str | None = None) -> str:
        """Keep `body` as the latest answer for `url`, in one transaction; its SHA-256."""
        sha256 = hashlib.sha256(body).hexdigest()
        now = utc_now()
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO bodies (sha256, size, compressed) VALUES (?, ?, ?)",
                              [sha256, len(body), zlib.compress(body, 6)])
            self.conn.execute(
                "INSERT INTO fetch_state (url, etag, last_modified, sha256, status, content_type, fetched_at, checked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, sha256 = excluded.sha256, status = excluded.status, "
                "content_type = excluded.content_type, fetched_at = excluded.fetched_at, checked_at = excluded.checked_at",
                [url, etag, last_modified, sha256, status, content_type, now, now])
        return sha256

    def confirm_unchanged(self, url: str) -> None:
        """The server said 304: what we hold is still current."""
        self.conn.execute("UPDATE fetch_state SET checked_at = ? WHERE url = ?", [utc_now(), url])

    def transaction(self):
        conn = self.conn

        class Transaction:
            def __enter__(self):
                conn.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, value, traceback):
                conn.execute("ROLLBACK" if kind else "COMMIT")

        return Transaction()
