"""Every CSV and JSON answer of the site says under which licence its rows are and how recent
the data is, so a file saved from the site still says so.

HTTP headers, on every .csv, .json and .atom answer (streamed CSV included):

- `Link: <https://creativecommons.org/licenses/by/4.0/>; rel="license", <.../sources>; rel="license"`:
  our own contribution's licence, then the page listing each source's licence (the rows of
  crawled tables are under their source's);
- `X-SII-Atlas-License`: the licence as metadata.yml states it for that table (else the site's);
- `X-SII-Atlas-As-Of`: when the data last changed (edition.as_of), UTC.

A JSON object answer (Datasette's default shape) also gains `license`, `license_url`,
`source_licences` and `as_of` keys where it does not have them already; a JSON array answer
(`_shape=array`) cannot, and carries the headers only.
"""

from __future__ import annotations

import json
import os
import unicodedata
from urllib.parse import parse_qs, unquote

from .edition import OWN_LICENCE, as_of

EXPORT_SUFFIXES = (".csv", ".json", ".atom")
# A JSON answer larger than this is passed through untouched (headers only) rather than held
# in memory to add keys.
MAX_JSON_REWRITE = 32 * 1024 * 1024


def header_text(text: str) -> bytes:
    """HTTP header values are ASCII: accents folded, anything else dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split()).encode("ascii")


def is_export(scope) -> bool:
    path = scope.get("path", "")
    if path.endswith(EXPORT_SUFFIXES):
        return True
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("_format", [""])[0] in ("csv", "json")


class AsOfCache:
    """As-of per database, read again only when the file (or its write-ahead log) changes."""

    def __init__(self):
        self.known: dict[str, tuple[tuple, str | None]] = {}

    @staticmethod
    def signature(path: str) -> tuple:
        marks = []
        for name in (path, path + "-wal"):
            try:
                stat = os.stat(name)
                marks.append((stat.st_mtime_ns, stat.st_size))
            except OSError:
                marks.append(None)
        return tuple(marks)

    async def get(self, database) -> str | None:
        if database is None or not database.path:
            return None
        signature = self.signature(database.path)
        known = self.known.get(database.name)
        if known and known[0] == signature:
            return known[1]
        value = await database.execute_fn(as_of)
        self.known[database.name] = (signature, value)
        return value


def licence_of(datasette, database_name: str | None, table: str | None) -> tuple[str, str]:
    """(licence text, licence URL) metadata.yml gives the table, else the database, else the site."""
    text = datasette.metadata("license", database=database_name, table=table) if database_name else None
    url = datasette.metadata("license_url", database=database_name, table=table) if database_name else None
    return (text or datasette.metadata("license") or OWN_LICENCE["title"],
            url or datasette.metadata("license_url") or OWN_LICENCE["path"])


def labelled(app, datasette, find_database, cache: AsOfCache | None = None):
    """ASGI wrapper around Datasette. `find_database(datasette)` is the atlas database."""
    cache = cache or AsOfCache()

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not is_export(scope):
            return await app(scope, receive, send)
        database = find_database(datasette)
        stamp = await cache.get(database)
        parts = [unquote(p) for p in scope.get("path", "").strip("/").split("/")]
        table = parts[1].rsplit(".", 1)[0] if len(parts) > 1 and database and parts[0] == database.name else None
        licence, licence_url = licence_of(datasette, database.name if database else None, table)
        sources_page = datasette.urls.table(database.name, "sources") if database else None
        links = [f'<{licence_url}>; rel="license"']
        if sources_page:
            links.append(f'<{sources_page}>; rel="license"; title="each source\'s licence"')
        extra = [(b"link", header_text(", ".join(links))), (b"x-sii-atlas-license", header_text(licence))]
        if stamp:
            extra.append((b"x-sii-atlas-as-of", stamp.encode("ascii")))
        keys = {"license": licence, "license_url": licence_url, "source_licences": sources_page, "as_of": stamp}
        held: dict = {}

        async def send_labelled(event):
            if event["type"] == "http.response.start":
                headers = list(event.get("headers", []))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"application/json"):
                    held["start"], held["body"] = {**event, "headers": headers + extra}, []
                    return
                return await send({**event, "headers": headers + extra})
            if event["type"] == "http.response.body" and "start" in held:
                held["body"].append(event.get("body", b""))
                if event.get("more_body"):
                    if sum(map(len, held["body"])) <= MAX_JSON_REWRITE:
                        return
                    await send(held.pop("start"))  # too large to hold: pass it on as it is
                    body = b"".join(held.pop("body"))
                    return await send({**event, "body": body})
                return await send_json(held.pop("start"), b"".join(held.pop("body")))
            await send(event)

        async def send_json(start, body: bytes):
            body = with_keys(body, keys)
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode("ascii")))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, send_labelled)

    return wrapped


def with_keys(body: bytes, keys: dict) -> bytes:
    """The JSON object with `keys` added where absent; anything else unchanged."""
    if not body.lstrip().startswith(b"{"):
        return body
    try:
        document = json.loads(body)
    except ValueError:
        return body
    added = {key: value for key, value in keys.items() if value is not None and document.get(key) is None}
    if not added:
        return body
    return json.dumps({**document, **added}).encode("utf-8")
