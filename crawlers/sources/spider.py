"""The small base every source spider stands on.

The contract, which keeps parsing pure and testable:

* A source module declares its `SourceContract` (`contract.py`) once, as
  `DECLARATION`, and its spider points at it (`contract = DECLARATION`): name, official
  hosts, delay, deadline, rate limit, auth and secrets all come from there.
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
  Two meta keys matter to error recording: `tracked` (a curated document: its
  failure fails the crawl) and `expects=(item_type, id)` (the stored record this
  page is; a 404 or 410 then says that record is gone).
* Secrets (an API key in the query) are never part of a request URL the spider
  makes: `crawlers.crawling.middlewares.SourceAuthMiddleware` adds them to the
  outgoing request only, and every URL or message recorded goes through
  `crawlers.redaction`.
"""

import io
import json as jsonlib
import os
import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.spidermiddlewares.httperror import HttpError

from ..crawling.middlewares import HostRefused, MediaRefused, PdfRefused
from ..items import PageError
from ..redaction import redact_text, redact_url
from .contract import SourceContract


def root_element(body: bytes) -> str | None:
    """Local name of an XML document's root element, read without parsing the whole body."""
    try:
        for _, element in etree.iterparse(io.BytesIO(body), events=("start",), recover=True):
            return etree.QName(element).localname
    except etree.LxmlError:
        return None
    return None


def json_keys(body: bytes) -> set[str] | None:
    """The top-level keys of a JSON object body (None when the body is not one)."""
    if not body.lstrip()[:1] == b"{":
        return None
    try:
        document = jsonlib.loads(body)
    except ValueError:
        return None
    return set(document) if isinstance(document, dict) else None


def clean(text) -> str | None:
    """Text with its whitespace runs collapsed to single spaces; None when nothing is left."""
    text = " ".join(str(text or "").split())
    return text or None


def iso_day(value) -> str | None:
    """The ISO date a value starts with (`2025-03-14`, `2025-03-14T05:00:00Z`), else None."""
    try:
        return date.fromisoformat(str(value or "")[:10]).isoformat()
    except ValueError:
        return None


def keys_by_document(instrument: dict, key_pattern: re.Pattern, shape: str) -> dict[str, list[str]]:
    """{document id: [provision keys]} of a curated instrument, for sources whose keys may
    name another document than the instrument's own (`DOC/section/N`): the pattern's first
    group is that document, empty for the instrument's `source_identifier`. A key that
    does not fit is a curator's error, raised with the `shape` expected."""
    own = str(instrument.get("source_identifier") or "").strip()
    documents: dict[str, list[str]] = {}
    for provision in instrument.get("provisions") or []:
        key = provision.get("key")
        if not key:
            continue
        match = key_pattern.match(str(key))
        if not match:
            raise ValueError(f"{instrument.get('id')}: provision key {key!r} is not {shape}")
        documents.setdefault(match.group(1) or own, []).append(str(key))
    return documents


def section_target(instrument: dict, section: str, key: str, label: str, **extra) -> dict:
    """What a request for a page of sections carries about one tracked section (table-driven
    sources, where one page may hold sections of several instruments): the section, and the
    curated instrument's facts its parser files the section under."""
    return {"section": section, **extra, "key": key, "label": label, "instrument_id": instrument["id"],
            "jurisdiction": instrument.get("jurisdiction"), "title": instrument.get("title"),
            "citation": instrument.get("citation"), "kind": instrument.get("kind"),
            "status": instrument.get("status"), "official_url": instrument.get("official_url")}


def add_target(pages: dict, page_key, target: dict, **page_facts) -> None:
    """Files a section target under its page (made with `page_facts` the first time), so each
    page is requested once with every tracked section it holds."""
    page = pages.setdefault(page_key, {**page_facts, "targets": [], "instruments": []})
    page["targets"].append(target)
    if target["instrument_id"] not in page["instruments"]:
        page["instruments"].append(target["instrument_id"])


def expected_instrument(page: dict) -> tuple[str, str] | None:
    """A page of one instrument's sections must yield that instrument (`expects`); a page
    shared by several names none."""
    return ("instrument", page["instruments"][0]) if len(page["instruments"]) == 1 else None


def json_object(response, expected_key: str, api: str) -> dict:
    """An API's answer as a JSON object holding `expected_key`, or a clear error: an empty
    body, an HTML page (a gateway's or a login wall), a list, or the API's own error
    object (`{"detail": ...}`, `{"error": {"code", "message"}}`, `{"message": ...}`) is a
    failed page for the crawl to record, never an empty result. `api` names it in errors."""
    body = response.body.strip()
    if not body:
        raise ValueError(f"empty body at {response.url}")
    try:
        data = jsonlib.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"not JSON at {response.url}: {body[:60]!r}") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object at {response.url}, found {type(data).__name__}")
    if expected_key not in data:
        error = next((data[key] for key in ("detail", "error", "message") if data.get(key)), None)
        if isinstance(error, dict):
            error = " ".join(str(error[key]) for key in ("code", "message") if error.get(key)) or error
        if error:
            raise ValueError(f"{api} API error at {response.url}: {error}")
        raise ValueError(f"no {expected_key!r} in the JSON at {response.url} (keys: {sorted(data)[:8]})")
    return data


URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+")


def with_query(url: str, **params) -> str:
    """`url` with query parameters set (replaced when present, dropped when None): paging."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items() if v is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class SourceSpider(scrapy.Spider):
    #: The source's declaration; subclasses set it and everything below follows.
    contract: SourceContract | None = None
    #: [(regex on the URL path, parser function)], first match wins.
    routes: list = []
    #: {XML root element name: parser function}, when no route matches the URL.
    root_elements: dict = {}
    #: {top-level key of a JSON object: parser function}, likewise for JSON answers;
    #: the first key (in this order) that the document has picks the parser.
    json_keys: dict = {}

    # Derived from the contract (kept as attributes for the code that reads them).
    official_base: str = ""
    alias_hosts: tuple[str, ...] = ()
    rate_limit: tuple[int, float] | None = None
    parser_version: str = "1"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.contract is not None:
            cls.name = cls.contract.id
            cls.official_base = cls.contract.base_url
            cls.alias_hosts = cls.contract.alias_hosts
            cls.rate_limit = cls.contract.rate_limit
            cls.parser_version = cls.contract.parser_version

    #: Settings a spider's `custom_settings` would replace whole (the project's no-media,
    #: official-hosts, archive and store machinery with them): extend them in
    #: `update_settings` instead.
    PROTECTED_SETTINGS = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS")

    @classmethod
    def update_settings(cls, settings):
        replaced = [name for name in cls.PROTECTED_SETTINGS if name in (cls.custom_settings or {})]
        if replaced:
            raise TypeError(f"{cls.__name__}.custom_settings would replace the project's {', '.join(replaced)}; "
                            "add to them in update_settings instead")
        # The source's own politeness, below anything given on the command line.
        if cls.contract is not None:
            settings.set("DOWNLOAD_DELAY", cls.contract.download_delay, priority="spider")
            settings.set("SII_ATLAS_DEADLINE_SECONDS", cls.contract.deadline_seconds, priority="spider")
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="spider")
        super().update_settings(settings)

    def __init__(self, base_url=None, since=None, limit=None, tracked=None, discover="yes", **kwargs):
        super().__init__(**kwargs)
        #: `-a discover=no` fetches the tracked documents only, without the searches.
        self.discover = str(discover).lower() not in ("no", "false", "0")
        #: The curated instruments this source fetches (registry rows with their
        #: `source_identifier` and provisions), handed over by whoever starts the crawl,
        #: so that sources never read data/ themselves.
        self.tracked = list(tracked or [])
        self.download_base = (base_url or self.official_base).rstrip("/")
        self.since = date.fromisoformat(since) if since else None
        self.limit = int(limit) if limit is not None else None

    # --- secrets ---

    @property
    def secret_params(self) -> frozenset[str]:
        return self.contract.all_secret_params if self.contract else frozenset()

    def secret_values(self) -> list[str]:
        """The secrets themselves (from the environment), masked in any message we keep."""
        names = self.contract.env_vars if self.contract else ()
        return [os.environ[name] for name in names if os.environ.get(name)]

    def redact(self, text: str | None) -> str | None:
        """A URL, or a message with URLs in it, with every secret masked."""
        if not text:
            return text
        text = URL_IN_TEXT.sub(lambda match: redact_url(match.group(0), self.secret_params), text)
        return redact_text(text, self.secret_values())

    # --- what a crawl asks for ---

    async def start(self):
        """The tracked (curated) documents first, then the searches that discover new ones."""
        for request in self.tracked_requests():
            yield request
        if self.discover:
            for request in self.discovery_requests():
                yield request

    def tracked_requests(self):
        """Requests for the curated documents this source fetches (`self.tracked`)."""
        return iter(())

    def documents_of_tracked_sections(self, split_identifier, section_of) -> dict[tuple[str, str], dict]:
        """For a table of sites serving whole documents (a province's statute, a state's Act):
        every keyed provision of the tracked instruments, filed under (row code, document) by
        `add_target`, so each document is asked for once with all its sections.
        `split_identifier(source_identifier)` gives (code, document) and `section_of(key)` the
        section; an identifier or key either cannot read is logged and skipped."""
        documents: dict[tuple[str, str], dict] = {}
        for instrument in self.tracked_within_limit():
            try:
                code, document = split_identifier(instrument.get("source_identifier"))
            except ValueError as error:
                self.logger.warning("%s: %s", instrument.get("id"), error)
                continue
            for provision in instrument.get("provisions") or []:
                if not provision.get("key"):
                    continue
                try:
                    section = section_of(provision["key"])
                except ValueError as error:
                    self.logger.warning("%s: %s", instrument.get("id"), error)
                    continue
                add_target(documents, (code, document), section_target(
                    instrument, section, str(provision["key"]), str(provision.get("label") or section)))
        return documents

    def tracked_within_limit(self) -> list[dict]:
        """The tracked instruments `--limit` lets this crawl fetch (all of them without one)."""
        return self.tracked if self.limit is None else self.tracked[:self.limit]

    def discovery_requests(self):
        """Requests for the source's searches, lists and feeds on the subject."""
        return iter(())

    def since_meta(self) -> dict:
        """`{"since": "YYYY-MM-DD"}` for a listing's request meta when `--since` is given."""
        return {"since": self.since.isoformat()} if self.since else {}

    # --- URL mapping between the official site and where we download from ---

    @classmethod
    def official_hosts(cls) -> set[str]:
        return {urlsplit(cls.official_base).netloc, *cls.alias_hosts}

    def allowed_hosts(self) -> set[str]:
        """Hosts (with port) a request may go to: the official ones, the mirror in use, and
        the source's OAuth2 token endpoint."""
        token_url = self.contract.auth.token_url if self.contract else None
        token_host = {urlsplit(self.to_download_url(token_url)).netloc} if token_url else set()
        return self.official_hosts() | {urlsplit(self.download_base).netloc} | token_host

    def mirrored(self) -> bool:
        """Whether this run downloads from a mirror (`--base-url`) instead of the source."""
        return self.download_base != self.official_base.rstrip("/")

    def to_download_url(self, url: str) -> str:
        """Where to fetch an official URL: itself, or its path on the mirror. With a mirror,
        the OAuth2 token endpoint goes there too: credentials never leave for the real
        source during a test or a replay."""
        if not self.mirrored():
            return url
        parts = urlsplit(url)
        token_url = self.contract.auth.token_url if self.contract else None
        token_host = urlsplit(token_url).netloc if token_url else None
        if parts.netloc not in self.official_hosts() and parts.netloc != token_host:
            return url
        base = urlsplit(self.download_base)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def to_official_url(self, url: str) -> str:
        if not self.mirrored():
            return url
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
        keys = json_keys(body) if body else None
        if keys is not None:
            for key, parser in cls.json_keys.items():
                if key in keys:
                    return parser
            raise LookupError(f"{cls.name}: no parser for {url} (a JSON object with keys {sorted(keys)[:8]})")
        root = root_element(body) if body else None
        if root in cls.root_elements:
            return cls.root_elements[root]
        raise LookupError(f"{cls.name}: no parser for {url}" + (f" (root element {root!r})" if root else ""))

    # --- requests ---

    def request(self, url: str, *, method: str = "GET", body=None, json=None, headers=None,
                tracked: bool = False, expects: tuple[str, str] | None = None, **meta) -> scrapy.Request:
        """A request to an official URL, sent wherever this run downloads from.

        `json` sends a JSON body (POST unless `method` says otherwise); `tracked`
        marks a curated document; `expects=(item_type, id)` names the record it is."""
        meta = {**meta, "tracked": bool(tracked)}
        if expects:
            meta["expects"] = tuple(expects)
        headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json, sort_keys=True)
            headers.setdefault("Content-Type", "application/json")
            method = "POST" if method == "GET" else method
        return scrapy.Request(self.to_download_url(url), method=method, body=body, headers=headers or None,
                              meta=meta, callback=self.parse, errback=self.on_error)

    def next_page(self, response, url: str, **meta) -> scrapy.Request:
        """The next page of a listing: same context as this page, untracked."""
        carried = {k: v for k, v in response.meta.items() if not k.startswith(("_", "download_", "retry_", "redirect_"))
                   and k not in ("depth", "download_slot", "tracked", "expects")}
        return self.request(url, **{**carried, **meta})

    def parse(self, response):
        response = response.replace(url=self.to_official_url(response.url))
        parser = self.parser_for(response.url)
        for result in parser(response):
            if isinstance(result, scrapy.Request):
                yield result.replace(url=self.to_download_url(result.url), callback=self.parse, errback=self.on_error)
            else:
                yield result

    # --- errors ---

    def on_error(self, failure):
        """Every failed page becomes a `PageError`, which the store records."""
        error = failure.value
        request = failure.request
        response = getattr(error, "response", None)
        status = getattr(response, "status", None)
        if failure.check(HttpError):
            kind, reason = "http", f"HTTP {status}"
        elif failure.check(HostRefused):
            kind, reason = "refused", str(error)
        elif failure.check(MediaRefused):
            kind, reason = "refused", str(error)
        elif failure.check(PdfRefused):  # before IgnoreRequest, its base: a PDF whose text is unreadable
            kind, reason = "parse", str(error)
        elif failure.check(StopDownload):
            kind, reason = "refused", "media Content-Type refused before download"
        elif failure.check(IgnoreRequest):
            kind, reason = "ignored", str(error) or "request ignored (robots.txt or policy)"
        else:
            kind, reason = "download", f"{failure.type.__name__}: {error}"
        # A refused redirect is recorded under the page we asked for, not where it sent us.
        first_url = (request.meta.get("redirect_urls") or [request.url])[0]
        tracked = bool(request.meta.get("tracked"))
        if tracked:
            self.crawler.stats.inc_value("sii_atlas/tracked_failed")
        fields = {"url": self.redact(self.to_official_url(first_url)), "status": status, "kind": kind,
                  "reason": self.redact(reason), "tracked": tracked}
        expects = request.meta.get("expects")
        if expects and status in (404, 410):
            fields["gone_type"], fields["gone_id"] = expects
        yield PageError(**fields)
