"""A local HTTP server that plays the official sources from our example files.

Modes:
* "fixtures": answers like the real sites, from tests/examples/<source>/;
* "error": answers 500 to every page (robots.txt included);
* "garbage": answers 200 with bytes that are no format at all;
* "busy": like "fixtures", but the first request for s. 66A is answered 429 with
  Retry-After: 2.
Every request path is logged in `server.requests` (and with its time in
`server.log`), so tests can assert what was (and was not) asked for, and when.
"""

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

EXAMPLES = Path(__file__).parent / "examples"
LEG = EXAMPLES / "legislation_gov_uk"
FCL = EXAMPLES / "find_case_law"
ITEM = r"^/(?P<item>[a-z]+/\d{4}/\d+)/"
SECTION = re.compile(ITEM + r"(?P<fragment>(?:section|regulation|article)/(?P<number>[^/]+)|schedule/[^/]+/paragraph/(?P<paragraph>[^/]+))/data\.xml$")
SCHEDULE = re.compile(ITEM + r"schedule/(?P<number>[^/]+)/data\.xml$")


def same_metadata_for_every_page(body: str, item: str, own_item: str) -> str:
    """Pages of one Act must agree on its title and dates, as the real site's do."""
    if item == own_item:
        return body
    body = re.sub(r"<dc:title>[^<]*</dc:title>", f"<dc:title>Test Act {item}</dc:title>", body)
    return re.sub(r'<ukm:EnactmentDate Date="[^"]*"/>', '<ukm:EnactmentDate Date="2020-01-01"/>', body)


def legislation_section(match) -> bytes:
    """A section (or schedule paragraph) document in CLML, made from our 66B example
    with the path's identifiers."""
    number = match["number"] or match["paragraph"]
    body = (LEG / "soa-2003-section-66B.xml").read_text(encoding="utf-8")
    body = body.replace("ukpga/2003/42", match["item"]).replace("section/66B", match["fragment"])
    body = body.replace("section-66B", match["fragment"].replace("/", "-")).replace(">66B<", f">{number}<")
    return same_metadata_for_every_page(body, match["item"], "ukpga/2003/42").encode("utf-8")


def legislation_schedule(match) -> bytes:
    body = (LEG / "osa-2023-schedule-7.xml").read_text(encoding="utf-8")
    body = body.replace("ukpga/2023/50", match["item"]).replace("schedule/7", f"schedule/{match['number']}")
    body = body.replace("schedule-7", f"schedule-{match['number']}")
    return same_metadata_for_every_page(body, match["item"], "").encode("utf-8")


def route(path: str, query: dict) -> tuple[int, str, bytes]:
    if path == "/robots.txt":
        return 200, "text/plain", b"User-agent: *\nDisallow: /private/\n"
    if path.endswith((".jpg", ".png", ".mp4")):
        return 200, "image/jpeg", b"\xff\xd8\xff" + b"0" * 1000
    if path == "/ukpga/2003/42/section/66F/data.xml":
        # A page that claims to be XML by its URL but is served as an image.
        return 200, "image/jpeg", b"\xff\xd8\xff" + b"0" * 1000
    match = SECTION.match(path)
    if match:
        return 200, "application/xml", legislation_section(match)
    match = SCHEDULE.match(path)
    if match:
        return 200, "application/xml", legislation_schedule(match)
    if path in ("/all/data.feed", "/new/data.feed"):
        page = query.get("page", ["1"])[0]
        name = "search-intimate-image-page2.feed" if page == "2" else "search-intimate-image-page1.feed"
        if "nudify" in query.get("text", [""])[0]:
            name = "search-no-results.feed"
        return 200, "application/atom+xml", (LEG / name).read_bytes()
    if path == "/atom.xml" and (FCL / "server.yaml").exists():
        return find_case_law_route(path, query)
    if path.endswith("/data.xml") and (FCL / "server.yaml").exists():
        return find_case_law_route(path, query)
    return 404, "text/html", b"<html><body>Not found</body></html>"


def find_case_law_route(path: str, query: dict) -> tuple[int, str, bytes]:
    import yaml

    table = yaml.safe_load((FCL / "server.yaml").read_text())
    if path == "/atom.xml":
        page = query.get("page", ["1"])[0]
        name = table["feeds"].get(str(page), table["feeds"]["1"])
        return 200, "application/atom+xml", (FCL / name).read_bytes()
    name = table["judgments"].get(path) or table["judgments"].get("*")
    return 200, "application/xml", (FCL / name).read_bytes()


class FixtureServer:
    def __init__(self, mode: str = "fixtures"):
        self.mode = mode
        self.requests: list[str] = []
        self.log: list[tuple[float, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                server.log.append((time.monotonic(), self.path))
                parts = urlsplit(self.path)
                busy = server.mode == "busy" and parts.path.endswith("/section/66A/data.xml")
                if busy and server.requests.count(self.path) == 1:
                    self.send_response(429)
                    self.send_header("Retry-After", "2")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if server.mode == "error":
                    status, content_type, body = 500, "text/html", b"<html>Internal Server Error</html>"
                elif server.mode == "garbage" and parts.path != "/robots.txt":
                    status, content_type, body = 200, "application/xml", b"\x00\x01 this is not XML <<<"
                else:
                    status, content_type, body = route(parts.path, parse_qs(parts.query))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
