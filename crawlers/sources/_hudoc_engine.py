"""The HUDOC engine, shared by every Council of Europe database built on it.

HUDOC is one search application that the Council of Europe runs for several bodies, each
on a host of its own (hudoc.echr.coe.int for the Court, hudoc.grevio.coe.int for GREVIO,
and others), with the same endpoints: the JSON search `/app/query/results`, the RSS
transform `/app/transform/rss` and the conversion of a Word original to an HTML body
`/app/conversion/docx/html/body?library=<LIBRARY>&id=<document id>`. What differs per
database is the library name, the document id's key and the column names; those stay in
each source's module (hudoc.py, hudoc_grevio.py). This module holds only what the engine
does the same way everywhere: reading its replies and recognising its failures.
"""

import json
import re
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from bs4 import BeautifulSoup
from lxml import etree

from .spider import clean, json_object

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
#: Elements that hold one paragraph of a converted Word document.
PARAGRAPHS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li")


def query_value(url: str, name: str) -> str | None:
    return dict(parse_qsl(urlsplit(url).query)).get(name)


def conversion_url(base: str, library: str, document_id: str) -> str:
    """Where the engine converts a document's Word original to an HTML body."""
    return f"{base}/app/conversion/docx/html/body?{urlencode({'library': library, 'id': document_id})}"


def id_in_fragment(url: str, key: str) -> str | None:
    """The document id in a HUDOC link's fragment: `eng#{"<key>":["<id>"]}` (the engine
    writes a JSON object after the #, the id in a one-element list)."""
    fragment = urlsplit(url or "").fragment
    try:
        found = json.loads(fragment).get(key) if fragment else None
    except (ValueError, AttributeError):
        return None
    value = found[0] if isinstance(found, list) and found else found
    return value if isinstance(value, str) and value.strip() else None


def rfc822_day(value) -> str | None:
    """An item's `<pubDate>` ("Tue, 14 Sep 2021 00:00:00 GMT") as an ISO day."""
    try:
        return parsedate_to_datetime((value or "").strip()).date().isoformat()
    except (TypeError, ValueError):
        return None


def is_bot_challenge(body: bytes) -> bool:
    """Cloudflare's "Just a moment" page, which HUDOC may answer an automated client with."""
    head = body[:5000].lower()
    return b"just a moment" in head or b"cf-chl" in head


def feed_items(response, name: str):
    """The `<item>` elements of an RSS feed, or a clear error: an HTML page, an empty
    body or XML that is not an RSS channel is a failed page, never an empty feed."""
    body = response.body
    if not body.strip():
        raise ValueError(f"{name} answered an empty body, not a feed, at {response.url}")
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        challenge = " (a bot challenge)" if is_bot_challenge(body) else ""
        raise ValueError(f"unreadable XML{challenge} from {name} at {response.url}: {error}") from None
    if root is None or root.tag != "rss" or root.find("channel") is None:
        raise ValueError(f"expected an RSS <channel> from {name} at {response.url}, found {getattr(root, 'tag', None)!r}")
    return root.iterfind("channel/item")


def read_results(response, name: str) -> dict:
    """The JSON search's reply (`{"resultcount": N, "results": [{"columns": {...}}]}`), or a
    clear error: an HTML page (a challenge, an error page), an empty or non-JSON body, or
    an error object is a failed page."""
    if response.body.lstrip()[:200].startswith(b"<"):
        raise ValueError(f"{name} answered an HTML page, not search results, at {response.url}"
                         + (" (a bot challenge)" if is_bot_challenge(response.body) else ""))
    try:
        data = json_object(response, "results", name)
    except ValueError as error:
        # ASP.NET's error object (`{"Message": ...}`) has a capital M the shared reader misses.
        detail = _error_message(response.body)
        raise ValueError(f"{name} search error at {response.url}: {detail}" if detail else str(error)) from None
    if not isinstance(data["results"], list) or not isinstance(data.get("resultcount"), int):
        raise ValueError(f"{name} search without a results list and resultcount at {response.url}")
    return data


def _error_message(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get("Message") or data.get("message") if isinstance(data, dict) else None


def document_paragraphs(html: bytes) -> list[str]:
    """A converted document's paragraphs in order, each on its own (numbers and headings
    as written; tables read cell by cell)."""
    soup = BeautifulSoup(html, "lxml")
    for element in soup(["script", "style", "head"]):
        element.decompose()
    found = []
    for element in soup.find_all(PARAGRAPHS):
        if element.find_parent(PARAGRAPHS):
            continue  # its text is its enclosing paragraph's
        text = clean(element.get_text(" ").replace("\u00a0", " "))
        if text:
            found.append(re.sub(r"^(\d+)\s*\.\s+", r"\1. ", text))  # "1 .  The case" -> "1. The case"
    return found
