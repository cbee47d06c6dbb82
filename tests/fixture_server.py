"""A local HTTP server that plays the official sources from our example files.

Routes are declared by each source, next to its examples: every
`tests/examples/<source>/server.yaml` (format described in the legislation one), so
adding a source needs no edit here. GET and POST are both routed.

Like a well-behaved official server, every 200 carries an ETag and a Last-Modified,
and a request whose If-None-Match (or If-Modified-Since) still holds gets 304.

Modes:
* "fixtures": answers like the real sites;
* "error": answers 500 to every page (robots.txt included);
* "garbage": answers 200 with bytes that are no format at all;
* "busy": like "fixtures", but the first request for s. 66A is answered 429 with
  Retry-After: 2.
A test can also pass `hook(handler, method, path, query) -> (status, type, body,
headers) | None` to answer some requests its own way (slow, hanging, redirecting).
Every request is logged in `server.requests` (path) and `server.log` (time, path,
method, headers), so tests can assert what was (and was not) asked for, and when.
"""

import hashlib
import io
import re
import string
import threading
import time
import zipfile
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

EXAMPLES = Path(__file__).parent / "examples"
LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
MEDIA_EXTENSIONS = (".jpg", ".png", ".mp4")


class Template(string.Formatter):
    """`{name}` from the path's groups (absent: empty); `{name:dash}` turns / into -."""

    def get_value(self, key, args, kwargs):
        return kwargs.get(key) or ""

    def format_field(self, value, spec):
        return str(value).replace("/", "-") if spec == "dash" else format(value, spec)


@lru_cache(maxsize=1)
def routes() -> tuple:
    """Every source's declared routes, in file order; fallbacks last."""
    found = []
    for table in sorted(EXAMPLES.glob("*/server.yaml")):
        for route in yaml.safe_load(table.read_text(encoding="utf-8"))["routes"]:
            found.append({**route, "folder": table.parent, "pattern": re.compile(route["path"])})
    return tuple(sorted(found, key=lambda r: bool(r.get("fallback"))))


def answer(route: dict, groups: dict) -> bytes:
    if str(route.get("type", "")).startswith("application/pdf"):
        # A PDF (tests/pdf_maker.py) is binary: served as stored, never decoded or rewritten.
        return (route["folder"] / route["file"]).read_bytes()
    body = (route["folder"] / route["file"]).read_text(encoding="utf-8")
    for rule in route.get("replace") or []:
        if isinstance(rule, list):
            rule = {"find": rule[0], "with": rule[1]}
        if any(groups.get(name) == value for name, value in (rule.get("unless") or {}).items()):
            continue
        new = Template().format(rule["with"], **groups)
        body = re.sub(rule["find"], new.replace("\\", "\\\\"), body) if rule.get("regex") else body.replace(rule["find"], new)
    return body.encode("utf-8")


def serving(route: dict) -> bool:
    """A route marked `reads_pdf: true` answers only while its folder's source reads PDFs
    (its answer leads to a text published only as PDF: until the source reads PDFs, that
    is a recorded gap in every crawl of the shared fixtures, so the route stays silent)."""
    if not route.get("reads_pdf"):
        return True
    from crawlers.sources import CONTRACTS

    contract = CONTRACTS.get(route["folder"].name)
    return bool(getattr(contract, "reads_pdf", False))


def route(path: str, query: dict, method: str = "GET", body: bytes = b"") -> tuple[int, str, bytes]:
    if path == "/robots.txt":
        return 200, "text/plain", ROBOTS
    if path.endswith(MEDIA_EXTENSIONS):
        return 200, "image/jpeg", b"\xff\xd8\xff" + b"0" * 1000
    for candidate in routes():
        if candidate.get("method", "GET") != method or not serving(candidate):
            continue
        match = candidate["pattern"].search(path)
        if not match:
            continue
        if any(not re.search(pattern, (query.get(name) or [""])[0]) for name, pattern in (candidate.get("query") or {}).items()):
            continue
        groups = match.groupdict()
        if candidate.get("body"):
            # A POST API names what it wants in its JSON body: the route's `body` regex must
            # match it, and its groups join the path's for `replace`.
            found = re.search(candidate["body"], body.decode("utf-8", "replace"))
            if not found:
                continue
            groups = {**groups, **found.groupdict()}
        answered = answer(candidate, groups)
        if candidate.get("zip"):  # served inside a zip, as one member of this name
            answered = zipped(candidate["zip"], answered)
        return candidate.get("status", 200), candidate.get("type", "application/xml"), answered
    return 404, "text/html", b"<html><body>Not found</body></html>"


def zipped(member: str, body: bytes) -> bytes:
    """A zip holding `body` as `member`, the same bytes every time (fixed date), so ETags hold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(member, date_time=(2026, 11, 2, 10, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class Seen:
    """What a fixture server was asked: `requests` (paths) and `log` (time, path, method, headers)."""

    requests: list[str]
    log: list[tuple[float, str, str, dict]]

    def conditional(self) -> list[str]:
        """Paths asked with a validator (If-None-Match or If-Modified-Since)."""
        return [path for _, path, _, headers in self.log if {"If-None-Match", "If-Modified-Since"} & set(headers)]

    def record(self) -> dict:
        return {"url": self.url, "mode": self.mode, "requests": self.requests, "log": self.log}


class Recorded(Seen):
    """A stopped server's record, read back (in another test process too: crawls shared
    between xdist workers keep their server this way). Times are time.monotonic(), the
    same clock in every process of the machine."""

    def __init__(self, record: dict):
        self.url, self.mode, self.requests = record["url"], record["mode"], record["requests"]
        self.log = [tuple(entry) for entry in record["log"]]


class FixtureServer(Seen):
    def __init__(self, mode: str = "fixtures", hook=None, host: str = "127.0.0.1"):
        self.mode = mode
        self.hook = hook
        self.requests: list[str] = []
        self.log: list[tuple[float, str, str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.respond("GET")

            def do_POST(self):
                self.respond("POST")

            def respond(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                self.request_body = self.rfile.read(length) if length else b""
                server.requests.append(self.path)
                server.log.append((time.monotonic(), self.path, method, dict(self.headers)))
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                answered = server.hook(self, method, parts.path, query) if server.hook else None
                if answered is False:
                    return  # the hook dealt with the connection itself
                if answered is not None:
                    status, content_type, body, headers = answered
                elif server.mode == "busy" and parts.path.endswith("/section/66A/data.xml") \
                        and server.requests.count(self.path) == 1:
                    status, content_type, body, headers = 429, "text/plain", b"", {"Retry-After": "2"}
                elif server.mode == "error":
                    status, content_type, body, headers = 500, "text/html", b"<html>Internal Server Error</html>", {}
                elif server.mode == "garbage" and parts.path != "/robots.txt":
                    status, content_type, body, headers = 200, "application/xml", b"\x00\x01 this is not XML <<<", {}
                else:
                    status, content_type, body = route(parts.path, query, method, self.request_body)
                    headers = {}
                if status == 200 and "ETag" not in headers:
                    headers = {**headers, "ETag": etag(body), "Last-Modified": LAST_MODIFIED}
                    if self.headers.get("If-None-Match") == headers["ETag"] or (
                            not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                        status, body = 304, b""
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
