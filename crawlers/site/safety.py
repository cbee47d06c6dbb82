"""What makes the site safe to publish while SQL stays open to everyone.

- Every connection refuses to build a string or blob longer than `MAX_VALUE_BYTES`. SQLite's
  time limit is checked between virtual-machine steps, and a single step such as
  `zeroblob(900000000)` can run for seconds and hold gigabytes before the next check; a length
  limit stops it at once ("string or blob too big"). SQLite 3.40's printf() keeps looping over
  a huge width or precision after the limit is hit (900 million appends that each fail, about
  5 s), so printf() and format() are replaced by a wrapper that refuses a width or precision
  over the limit and hands the rest to the real printf() on a private in-memory connection.
- Every response carries security headers: no framing (clickjacking), no MIME sniffing, no
  referrer (a search in the URL stays here; Datasette already sends this on its own pages), and
  a Content-Security-Policy that lets pages load scripts, styles and data only from this site,
  and images also from the map's tile server (one origin, from the map's configuration).
- The search indexes' shadow tables and SQLite's statistics tables are internal: their table
  pages answer 404 (SQL can still read them; they hold nothing that is not elsewhere).
"""

from __future__ import annotations

import re
import sqlite3

from crawlers.crawling.settings import DOWNLOAD_MAXSIZE

# No stored text is longer than the response it was read from, and a crawled response is
# capped at DOWNLOAD_MAXSIZE (20 MiB), so reading stored rows never hits the limit; building
# one value this long takes milliseconds.
MAX_VALUE_BYTES = DOWNLOAD_MAXSIZE

# Datasette 0.65's own pages use inline scripts and styles, hence 'unsafe-inline'; everything
# else is limited to this site, except the map's background tiles (images from one origin).
def content_security_policy(tile_origin: str | None = None) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:" + (f" {tile_origin}" if tile_origin else ""),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()


def security_headers(tile_origin: str | None = None) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(tile_origin).encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]


SECURITY_HEADERS = security_headers()

INTERNAL_TABLE = re.compile(
    r"^(sqlite_stat\d|sqlite_sequence|schema_migrations|registry_loads|"
    r"\w+_(fts|trigram)(_(data|idx|docsize|config|content))?)$"
)


# A printf conversion: flags, width, precision (either may be `*`, taken from the arguments).
FORMAT_SPEC = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d*))?(?:ll?)?(.)", re.DOTALL)
NO_ARGUMENT = {"%", "n"}


class ValueTooLong(ValueError):
    pass


def check_printf(fmt: str, args: tuple) -> None:
    """Refuse a width or precision (written, or given by `*`) longer than MAX_VALUE_BYTES."""
    remaining = list(args)
    for width, precision, conversion in FORMAT_SPEC.findall(str(fmt)):
        for size in (width, precision):
            if size == "*":
                size = remaining.pop(0) if remaining else 0
            try:
                number = abs(int(size or 0))
            except (TypeError, ValueError):
                number = 0  # printf reads a non-number as 0
            if number > MAX_VALUE_BYTES:
                raise ValueTooLong(f"printf width or precision {number} is over {MAX_VALUE_BYTES}")
        if conversion not in NO_ARGUMENT and remaining:
            remaining.pop(0)


def bounded_printf(real: sqlite3.Connection):
    def printf(*arguments):
        if not arguments:
            return None
        check_printf(arguments[0], arguments[1:])
        marks = ", ".join("?" * len(arguments))
        return real.execute(f"select printf({marks})", arguments).fetchone()[0]

    return printf


def limit_value_length(conn: sqlite3.Connection) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    # The wrapper's own connection is used only while a query on `conn` calls it, from that
    # query's thread; it is created here once per served connection.
    real = sqlite3.connect(":memory:", check_same_thread=False)
    real.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    printf = bounded_printf(real)
    for name in ("printf", "format"):
        conn.create_function(name, -1, printf, deterministic=True)


def is_internal_table_page(path: str, database_names: set[str]) -> bool:
    """/<database>/<internal table>, with or without a format extension or row path."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[0] not in database_names:
        return False
    table = parts[1].rsplit(".", 1)[0] if "." in parts[1] else parts[1]
    return bool(INTERNAL_TABLE.match(table))


def secured(app, datasette):
    """ASGI wrapper: security headers on every response; internal table pages answer 404."""
    from .map_page import tile_origin

    headers = security_headers(tile_origin(datasette))

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if is_internal_table_page(scope.get("path", ""), set(datasette.databases)):
            scope = {**scope, "path": "/-/not-found", "raw_path": b"/-/not-found", "query_string": b""}

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                present = {name.lower() for name, _ in event.get("headers", [])}
                extra = [(name, value) for name, value in headers if name not in present]
                event = {**event, "headers": list(event.get("headers", [])) + extra}
            await send(event)

        await app(scope, receive, send_with_headers)

    return wrapped
