"""The small base every source spider stands on.

The contract, which keeps parsing pure and testable:

* A source module defines **parser functions** `parse_x(response)` that read one
  response and yield items (from `crawlers.items`) and plain `scrapy.Request`s with
  no callback. They never touch the network or the database.
* The spider lists `routes`: `(regex on the URL path, parser)`. Every response,
  whichever request produced it, is dispatched by its URL through those routes, so
  the crawl and `sii-atlas parse FILE --url URL` share one code path.
* Parsers speak **official URLs** only. When the crawl runs against a mirror
  (`--base-url`), the spider rewrites each outgoing request to the mirror and each
  incoming response back to the official URL before the parser sees it.
* Context a parser needs beyond the page (the curated instrument id, the search
  term) travels in `request.meta` and is read with `response.meta.get(...)`.
"""

import io
import re
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.spidermiddlewares.httperror import HttpError

from ..items import PageError
from ..crawling.middlewares import MediaRefused


def root_element(body: bytes) -> str | None:
    """Local name of an XML document's root element, read without parsing the whole body."""
    try:
        for _, element in etree.iterparse(io.BytesIO(body), events=("start",), recover=True):
            return etree.QName(element).localname
    except etree.LxmlError:
        return None
    return None


class SourceSpider(scrapy.Spider):
    #: Where the source officially lives, e.g. "https://www.legislation.gov.uk".
    official_base: str = ""
    #: Other hosts that serve the same paths (old aliases seen in real captures).
    alias_hosts: tuple[str, ...] = ()
    #: [(regex on the URL path, parser function)], first match wins.
    routes: list = []
    #: {XML root element name: parser function}, when no route matches the URL.
    root_elements: dict = {}
    #: (requests, seconds): the most the source's terms allow, enforced by RateLimitMiddleware.
    rate_limit: tuple[int, float] | None = None
    #: Name of the environment variable holding an API key, when the source needs one.
    api_key_env: str | None = None

    def __init__(self, base_url=None, since=None, limit=None, tracked=None, **kwargs):
        super().__init__(**kwargs)
        #: The curated instruments this source fetches (registry rows with their
        #: `source_identifier` and provisions), handed over by whoever starts the crawl,
        #: so that sources never read data/ themselves.
        self.tracked = list(tracked or [])
        self.download_base = (base_url or self.official_base).rstrip("/")
        self.since = date.fromisoformat(since) if since else None
        self.limit = int(limit) if limit is not None else None

    # --- URL mapping between the official site and where we download from ---

    @classmethod
    def official_hosts(cls) -> set[str]:
        return {urlsplit(cls.official_base).netloc, *cls.alias_hosts}

    def to_download_url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.netloc not in self.official_hosts():
            return url
        base = urlsplit(self.download_base)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def to_official_url(self, url: str) -> str:
        base = urlsplit(self.download_base)
        parts = urlsplit(url)
        if parts.netloc != base.netloc:
            return url
        official = urlsplit(self.official_base)
        path = parts.path[len(base.path):] if parts.path.startswith(base.path) else parts.path
        return urlunsplit((official.scheme, official.netloc, path, parts.query, ""))

    # --- routing ---

    @classmethod
    def parser_for(cls, url: str, body: bytes | None = None):
        """The parser for a page: by its URL path, else (for a saved file whose URL
        says nothing, e.g. an HTML page address) by the document's root element."""
        path = urlsplit(url).path
        for pattern, parser in cls.routes:
            if re.search(pattern, path):
                return parser
        root = root_element(body) if body else None
        if root in cls.root_elements:
            return cls.root_elements[root]
        raise LookupError(f"{cls.name}: no parser for {url}" + (f" (root element {root!r})" if root else ""))

    def request(self, url: str, **meta) -> scrapy.Request:
        """A request to an official URL, sent wherever this run downloads from."""
        return scrapy.Request(self.to_download_url(url), meta=meta, callback=self.parse, errback=self.on_error)

    def parse(self, response):
        response = response.replace(url=self.to_official_url(response.url))
        parser = self.parser_for(response.url)
        for result in parser(response):
            if isinstance(result, scrapy.Request):
                yield result.replace(url=self.to_download_url(result.url), callback=self.parse, errback=self.on_error)
            else:
                yield result

    def on_error(self, failure):
        """Every failed page becomes a `PageError`, which the store records."""
        error = failure.value
        response = getattr(error, "response", None)
        if failure.check(HttpError):
            kind, reason = "http", f"HTTP {response.status}"
        elif failure.check(MediaRefused):
            kind, reason = "refused", str(error)
        elif failure.check(StopDownload):
            kind, reason = "refused", "media Content-Type refused before download"
        elif failure.check(IgnoreRequest):
            kind, reason = "ignored", str(error) or "request ignored (robots.txt or policy)"
        else:
            kind, reason = "download", f"{failure.type.__name__}: {error}"
        yield PageError(
            url=self.to_official_url(failure.request.url),
            status=getattr(response, "status", None),
            kind=kind,
            reason=reason,
        )
