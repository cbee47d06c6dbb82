"""Downloader middlewares: the project's guarantees that do not depend on any spider.

* `NoMediaMiddleware`: the subject is intimate imagery, so the crawler must be
  unable to fetch an image, video or audio file. Requests are refused by URL
  before they leave, and responses by Content-Type as soon as headers arrive,
  before any body is read. `DOWNLOAD_MAXSIZE` caps everything else.
* `BackoffRetryMiddleware`: retries 429 and 5xx, holding the whole site as long as
  the server's Retry-After asks (or backing off exponentially when it does not say);
  a wait beyond the maximum stops the source for the run.
* `DeadlineMiddleware`: the source's overall deadline (from its contract).
* `OfficialHostsMiddleware`: requests and redirects only to the source's own hosts.
* `SourceAuthMiddleware`: credentials on the outgoing request only.
* `RateLimitMiddleware`: the source's published request rate.
* `PdfTextMiddleware`: a PDF becomes its text as it arrives (sources that read PDFs).
* `ArchiveMiddleware`: conditional requests, and the raw-response archive.
"""

import asyncio
import email.utils
import json
import logging
import os
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Headers, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

from ..pdf_text import TEXT_FROM_HEADER, PdfUnreadable, is_pdf, pdf_text
from ..redaction import REDACTED

logger = logging.getLogger(__name__)

MEDIA_EXTENSIONS = frozenset(
    """jpg jpeg jpe jfif png gif webp bmp tif tiff svg svgz ico heic heif avif apng jxl psd raw
    mp4 m4v mov avi wmv flv mkv webm mpg mpeg 3gp ogv ts m3u8 mpd
    mp3 m4a aac wav flac ogg oga opus wma""".split()
)
MEDIA_TYPE = re.compile(r"^\s*(image|video|audio)/", re.IGNORECASE)
# Media that servers label outside image/ video/ audio/, and bodies of unknown kind.
OTHER_MEDIA_TYPES = {
    "application/vnd.apple.mpegurl", "application/x-mpegurl", "application/dash+xml", "application/ogg",
    "application/mp4", "application/octet-stream", "multipart/x-mixed-replace", "application/x-shockwave-flash",
}
# The first bytes of image, video and audio files, for bodies labelled as something else.
MEDIA_SIGNATURES = (
    b"\xff\xd8\xff", b"\x89PNG", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00",
    b"OggS", b"fLaC", b"ID3", b"\x1aE\xdf\xa3", b"FLV", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3",
)


class MediaRefused(IgnoreRequest):
    """A request or response refused because it is, or would be, media."""


def has_media_extension(name: str) -> bool:
    name = name.lower().rstrip("/").split(";", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[-1] in MEDIA_EXTENSIONS


def is_media_url(url: str) -> bool:
    """By the path's extension (`photo.jpg`, `photo.jpg;jsessionid=1`, `photo.jpg/`) or a
    query value naming a media file or format (`?file=a.png`, `?format=jpg`)."""
    parts = urlsplit(url)
    if has_media_extension(parts.path):
        return True
    for _, value in parse_qsl(parts.query):
        if has_media_extension(value) or value.lower() in MEDIA_EXTENSIONS:
            return True
    return False


def is_media_type(content_type: bytes | str | None) -> bool:
    if not content_type:
        return False
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return bool(MEDIA_TYPE.match(content_type)) or content_type.split(";")[0].strip().lower() in OTHER_MEDIA_TYPES


def looks_like_media(first_bytes: bytes) -> bool:
    head = first_bytes.lstrip()[:16]
    if head.startswith(MEDIA_SIGNATURES):
        return True
    # RIFF containers (WEBP, AVI, WAV) and ISO media (MP4, MOV, HEIC, AVIF).
    return (first_bytes[:4] == b"RIFF" and first_bytes[8:12] in (b"WEBP", b"AVI ", b"WAVE")) or first_bytes[4:8] == b"ftyp"


class NoMediaMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls()
        # Fires when headers arrive: stopping here means no media byte is read.
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def headers_received(self, headers, body_length, request, spider):
        if is_media_type(headers.get(b"Content-Type")):
            raise StopDownload(fail=True)

    def bytes_received(self, data, request, spider):
        # A media body under a text label: stop at its first chunk.
        if not request.meta.get("_sii_checked_bytes"):
            request.meta["_sii_checked_bytes"] = True
            if looks_like_media(data):
                raise StopDownload(fail=True)

    def process_request(self, request):
        if is_media_url(request.url):
            raise MediaRefused(f"media URL refused: {request.url}")
        return None

    def process_response(self, request, response):
        # Second line of defence (cached responses, handlers without the signals).
        if is_media_type(response.headers.get(b"Content-Type")) or looks_like_media(response.body[:16]):
            raise MediaRefused(f"media refused: {request.url}")
        return response


def retry_after_seconds(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries 429 and 5xx. When the server says how long to wait (Retry-After), the
    whole site waits, not only the retried request.

    The hold is put on Scrapy's download slot for that host from the
    `response_downloaded` signal, which the downloader sends *before* it frees the
    slot and releases the next queued request (`Downloader._download`); a
    `process_response` hook runs only after that release, so however slowly the 429
    arrives, no other request to the site leaves before the wait is over.

    A wait longer than RETRY_BACKOFF_MAX_SECONDS is not shortened, and the site is not
    hit again: the page is given up and the whole source stops for this run, with
    the server's demand as the reason (the run's outcome is then partial)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE_SECONDS", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX_SECONDS", 300.0)

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    def wait_for(self, request, response) -> tuple[float, bool]:
        """(seconds the site must be left alone, whether that is more than we wait)."""
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            return asked, asked > self.backoff_max
        retries = request.meta.get("retry_times", 0)
        return min(self.backoff_base * (2**retries), self.backoff_max), False

    def response_downloaded(self, response, request, spider):
        if response.status not in self.retry_http_codes:
            return
        seconds, too_long = self.wait_for(request, response)
        hold_site(self.crawler, request, seconds)
        if too_long:
            host = urlsplit(request.url).netloc
            stop_source(self.crawler, f"quota: {host} asked us to wait {seconds:.0f} s (Retry-After), more than "
                                      f"the {self.backoff_max:.0f} s we wait; source stopped for this run")

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        if self.wait_for(request, response)[1]:
            return response  # given up: recorded by the errback; the source is stopping
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"HTTP {response.status}", max_retry_times=self.max_retry_times
        )
        # No sleep here: the slot hold (set when the response arrived) keeps the retry,
        # and every other request to the site, back until the wait is over.
        return retry if retry is not None else response


def download_slot(crawler, request):
    downloader = crawler.engine.downloader
    key = request.meta.get("download_slot") or downloader.get_slot_key(request)
    return downloader, downloader.slots.get(key)


def hold_site(crawler, request, seconds: float) -> None:
    """No request to this request's host leaves before `seconds` from now."""
    downloader, slot = download_slot(crawler, request)
    if slot is None:
        return
    until = time.monotonic() + seconds
    # With a download delay, Scrapy waits `delay - now + lastseen` before the next request.
    slot.lastseen = max(slot.lastseen, until - slot.delay)
    # Without one it checks nothing, so also block the queue outright until then.
    if slot.latercall:
        slot.latercall.cancel()
    slot.latercall = call_later(seconds, downloader._latercall, slot)


class SourceStopped(IgnoreRequest):
    """A request not sent because its source was stopped for the run."""


def stop_source(crawler, reason: str) -> None:
    """Stop this crawler's source for the run: nothing more is sent, the spider closes
    with `reason` (which the store records).

    Every download slot is blocked for good, and whatever waits in it, or reaches it
    later (a request can be between two middlewares at this moment), is failed at
    once: the engine waits for those requests before it can close."""
    if getattr(crawler, "_sii_stopping", False):
        return
    crawler._sii_stopping = True
    logger.warning("%s: %s", crawler.spider.name, reason)
    downloader = crawler.engine.downloader
    closed = []
    crawler.signals.connect(lambda spider: closed.append(True), signal=signals.spider_closed, weak=False)

    def sweep():
        if closed:
            return
        for slot in list(downloader.slots.values()):
            if slot.latercall is None:
                slot.latercall = call_later(86400, lambda: None)
            while slot.queue:
                _, waiting = slot.queue.popleft()
                waiting.errback(SourceStopped(f"not sent: {reason}"))
        call_later(0.05, sweep)

    sweep()
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


class DeadlineMiddleware:
    """The whole crawl of a source gives up after the deadline its contract declares
    (SII_ATLAS_DEADLINE_SECONDS). Every download's timeout is cut to the time left,
    so a server that accepts and never answers cannot hold the run past it. Once a
    source is stopped (deadline or quota), no request of it leaves."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.deadline = crawler.settings.getfloat("SII_ATLAS_DEADLINE_SECONDS", 0)
        self.ends_at = None
        self.timer = None

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider):
        if self.deadline > 0:
            self.ends_at = time.monotonic() + self.deadline
            self.timer = call_later(self.deadline, self.expire)

    def spider_closed(self, spider):
        if self.timer is not None:
            self.timer.cancel()

    def expire(self):
        self.timer = None
        stop_source(self.crawler, f"deadline: the source's {self.deadline:g} s for a crawl ran out")

    def process_request(self, request):
        if getattr(self.crawler, "_sii_stopping", False):
            raise SourceStopped("not sent: the source was stopped for this run")
        if self.ends_at is None:
            return None
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise SourceStopped("not sent: the source's deadline has passed")
        timeout = request.meta.get("download_timeout") or self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180)
        request.meta["download_timeout"] = max(0.1, min(timeout, left))
        return None


class UnreachableSourceMiddleware:
    """A server that refuses connections, or accepts and never answers, is not asked
    forever: after SII_ATLAS_MAX_CONSECUTIVE_FAILURES download attempts in a row that
    got no answer at all (retries included), the source is stopped for the run.
    It sits next to the download, so it sees every attempt before the retries."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.limit = crawler.settings.getint("SII_ATLAS_MAX_CONSECUTIVE_FAILURES", 6)
        self.failures = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        self.failures = 0
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest):
            return None
        self.failures += 1
        if self.limit and self.failures >= self.limit:
            host = urlsplit(request.url).netloc
            stop_source(self.crawler, f"unreachable: {self.failures} attempts in a row to {host} got no answer "
                                      f"(last: {type(exception).__name__}); source stopped for this run")
        return None


class HostRefused(IgnoreRequest):
    """A request (often a redirect) to a host that is not one of the source's own."""


class OfficialHostsMiddleware:
    """Only the source's official hosts (and the `--base-url` mirror) are ever asked.

    Redirects come back through here as new requests, so a redirect to another host
    (another name, address or port) is refused before anything is sent, and recorded:
    what another host says is not the official text."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        spider = self.crawler.spider
        if not hasattr(spider, "allowed_hosts"):
            return None
        host = urlsplit(request.url).netloc
        allowed = spider.allowed_hosts()
        if host in allowed:
            return None
        origins = request.meta.get("redirect_urls")
        what = f"redirect from {spider.redact(spider.to_official_url(origins[-1]))} to" if origins else "request to"
        raise HostRefused(f"{what} {host} refused: not an official host of {spider.name} ({', '.join(sorted(allowed))})")


class SourceAuthMiddleware:
    """Adds the source's credentials to the outgoing request, and only to it, and only when it
    goes to a host the source sends them to (`credential_hosts`).

    A key in the query is added to the request's URL just before the download and
    taken off again as soon as the response (or the failure) comes back, so no URL
    that a callback, a log line, the archive or the store sees ever carries it.
    A key in a header is set on the request. OAuth2 client credentials: a bearer
    token is fetched once, fetched again when it expires or a request answers 401."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.token = None
        self.token_expires = 0.0
        self.token_lock = None  # made on first use, inside the running event loop

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def auth(self):
        contract = getattr(self.crawler.spider, "contract", None)
        return contract.auth if contract is not None else None

    async def process_request(self, request):
        auth = self.auth()
        if auth is None or auth.kind == "none" or request.meta.get("_sii_token_request"):
            return None
        if urlsplit(request.url).path == "/robots.txt":
            # robots.txt is public and needs no credentials; a token fetched for it would
            # wait on the very robots.txt it is fetched for.
            return None
        if not self.for_credentialed_host(request):
            return None
        if auth.kind == "header":
            request.headers[auth.header] = auth.header_prefix + os.environ.get(auth.key_env, "")
        elif auth.kind == "query":
            if "_sii_clean_url" not in request.meta:
                request.meta["_sii_clean_url"] = request.url
                request._set_url(add_query(request.url, auth.param, os.environ.get(auth.key_env, "")))
        elif auth.kind == "oauth2":
            request.headers["Authorization"] = f"Bearer {await self.bearer(auth)}"
        return None

    def for_credentialed_host(self, request) -> bool:
        """Whether the request's official host is one the source's credentials go to (also
        behind a mirror, so that a test sends them exactly where the real crawl would)."""
        spider = self.crawler.spider
        contract = getattr(spider, "contract", None)
        if contract is None or contract.credential_hosts is None:
            return True
        official = spider.to_official_url(request.url) if hasattr(spider, "to_official_url") else request.url
        return contract.takes_credentials(urlsplit(official).netloc)

    def restore(self, request):
        clean = request.meta.pop("_sii_clean_url", None)
        if clean:
            request._set_url(clean)
        return clean

    def process_response(self, request, response):
        clean = self.restore(request)
        if clean:
            response = response.replace(url=clean)
        auth = self.auth()
        if auth is not None and auth.kind == "oauth2" and response.status == 401 and not request.meta.get("_sii_reauth"):
            self.token = None  # expired or revoked early: fetch a new one, once
            retry = request.replace(dont_filter=True)
            retry.meta["_sii_reauth"] = True
            return retry
        return response

    def process_exception(self, request, exception):
        self.restore(request)
        return None

    async def bearer(self, auth) -> str:
        if self.token and time.monotonic() < self.token_expires:
            return self.token
        if self.token_lock is None:
            self.token_lock = asyncio.Lock()
        async with self.token_lock:  # requests waiting together share one token fetch
            if self.token and time.monotonic() < self.token_expires:
                return self.token
            return await self.fetch_token(auth)

    async def fetch_token(self, auth) -> str:
        from scrapy import FormRequest

        spider = self.crawler.spider
        token_request = FormRequest(
            spider.to_download_url(auth.token_url),
            formdata={"grant_type": "client_credentials", "client_id": os.environ.get(auth.client_id_env, ""),
                      "client_secret": os.environ.get(auth.client_secret_env, ""),
                      **({"scope": auth.scope} if auth.scope else {})},
            meta={"_sii_token_request": True, "dont_archive": True, "dont_retry": True, "dont_obey_robotstxt": True},
            dont_filter=True,
        )
        response = await self.crawler.engine.download_async(token_request)
        answer = json.loads(response.text)
        self.token = answer["access_token"]
        # Fetch a new one a little before the server says this one ends.
        self.token_expires = time.monotonic() + max(0.0, float(answer.get("expires_in", 3600)) - 30)
        return self.token


class PdfRefused(IgnoreRequest):
    """A PDF that is not read: its source does not read PDFs, or its text cannot be read."""


class PdfTextMiddleware:
    """A PDF is turned into its text before anything else sees it (crawlers.pdf_text).

    For a source whose contract says `reads_pdf`, the response becomes a plain-text one
    whose body is the PDF's text, with a header saying what it came from. The archive,
    the parsers and the store then only ever hold text, never a PDF and whatever pictures
    it carries. Validators (ETag, Last-Modified) are kept, so a recrawl still asks
    conditionally. A PDF whose text cannot be read is refused with the reason."""

    CONVERTED_HEADER = TEXT_FROM_HEADER

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if not 200 <= response.status < 300 or not is_pdf(response.body):
            return response
        contract = getattr(self.crawler.spider, "contract", None)
        if not getattr(contract, "reads_pdf", False):
            return response  # the parser says it does not read PDFs; the archive never keeps one
        try:
            text = pdf_text(response.body)
        except PdfUnreadable as error:
            raise PdfRefused(f"PDF not read: {error}: {request.url}") from error
        self.crawler.stats.inc_value("sii_atlas/pdf_read")
        headers = response.headers.copy()
        headers[b"Content-Type"] = b"text/plain; charset=utf-8"
        headers[self.CONVERTED_HEADER] = b"application/pdf"
        headers.pop(b"Content-Length", None)
        return response.replace(cls=TextResponse, body=text.encode("utf-8"), headers=headers, encoding="utf-8",
                                flags=[*response.flags, "pdf-text"])


class SecretsInBodiesMiddleware:
    """Some APIs write the caller's key into their answers (links that repeat the query
    string). Every secret value of the source (from the environment, at least 8
    characters, so that it cannot be an ordinary word of a law) is masked in each body
    before the archive, a parser or the store sees it."""

    MIN_LENGTH = 8

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        spider = self.crawler.spider
        secrets = [value.encode("utf-8") for value in (spider.secret_values() if hasattr(spider, "secret_values") else ())
                   if len(value) >= self.MIN_LENGTH]
        body = response.body
        for secret in secrets:
            body = self.mask(body, secret)
        return response if body == response.body else response.replace(body=body)

    def mask(self, body: bytes, secret: bytes) -> bytes:
        """`body` with `secret` masked (a source whose keys are short masks them in context only)."""
        return body.replace(secret, REDACTED.encode("ascii"))


#: The request meta keys parsers read (`response.meta.get(...)` in crawlers/sources):
#: the only meta the archive keeps. A list of what may be kept, not of what may not, so
#: no Scrapy internal (download_slot, depth, retry_times, proxy) nor a secret is ever
#: stored; tests/test_reparse.py fails when a parser reads a key missing here.
PARSER_META = ("jurisdiction", "status", "query", "since", "limit", "match_terms")


class ArchiveMiddleware:
    """Conditional requests, and every 2xx body kept in the raw-response archive.

    Before a GET leaves, the validators last received for its URL (ETag, Last-Modified)
    are added. A 304 is answered from the archive: the archived body is replayed as the
    200 it stands for, flagged `unchanged` (and `response.meta["unchanged"]`), so the
    parsers run on the same bytes and the store finds nothing new. Every other 2xx body
    is archived under its official, redacted URL (crawlers.store.archive), with the
    source's id and the request context its parser reads (`PARSER_META`), so that
    `sii-atlas reparse` can run the parser again without the request."""

    def __init__(self, crawler, archive):
        self.crawler = crawler
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler):
        from ..store.archive import Archive

        db_path = crawler.settings.get("SII_ATLAS_DB")
        enabled = crawler.settings.getbool("SII_ATLAS_ARCHIVE_ENABLED", True)
        middleware = cls(crawler, Archive.beside(db_path) if db_path and enabled else None)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self, spider):
        if self.archive is not None:
            self.archive.close()

    def key(self, request) -> str | None:
        """The archive's name for a request: its official URL, secrets redacted."""
        spider = self.crawler.spider
        if self.archive is None or request.meta.get("dont_archive") or request.method not in ("GET", "POST"):
            return None
        url = spider.to_official_url(request.url) if hasattr(spider, "to_official_url") else request.url
        url = spider.redact(url) if hasattr(spider, "redact") else url
        if request.method == "POST":
            import hashlib

            url = f"POST {url} {hashlib.sha256(request.body).hexdigest()[:16]}"
        return url

    def parser_meta(self, request) -> dict:
        """The context the page's parser reads, as JSON can hold it, secrets masked."""
        spider = self.crawler.spider
        contract = getattr(spider, "contract", None)
        meta = {}
        for name in PARSER_META + (contract.parser_meta if contract else ()):
            value = request.meta.get(name)
            if value is None:
                continue
            if isinstance(value, str) and hasattr(spider, "redact"):
                value = spider.redact(value)
            elif isinstance(value, (tuple, set, frozenset)):
                value = list(value)
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                value = str(value)  # a date, say: its ISO text, which the parsers also accept
            meta[name] = value
        return meta

    def process_request(self, request):
        key = self.key(request)
        if key is None or request.method != "GET" or request.meta.get("_sii_unconditional"):
            return None
        state = self.archive.state(key)
        if state and state["sha256"] and (state["etag"] or state["last_modified"]):
            request.meta["_sii_archived"] = state
            if state["etag"]:
                request.headers["If-None-Match"] = state["etag"]
            if state["last_modified"]:
                request.headers["If-Modified-Since"] = state["last_modified"]
        return None

    @staticmethod
    def replayed(request, response, state: dict, body: bytes):
        """The archived page as the 200 it stands for. Built afresh from the archived
        Content-Type: the 304's own response class would carry the encoding Scrapy guessed
        for its empty body (cp1252 when it names no charset), and "§" would come back "Â§"."""
        headers = Headers({"Content-Type": state["content_type"]} if state["content_type"] else {})
        for name in (b"ETag", b"Last-Modified", b"Date"):
            if response.headers.get(name):
                headers[name] = response.headers[name]
        response_class = responsetypes.from_args(headers=headers, url=response.url, body=body)
        return response_class(url=response.url, status=200, headers=headers, body=body, request=request,
                              flags=[*response.flags, "unchanged"], ip_address=response.ip_address,
                              protocol=response.protocol)

    def process_response(self, request, response):
        key = self.key(request)
        if key is None:
            return response
        state = request.meta.pop("_sii_archived", None)
        if response.status == 304 and state:
            from ..store.archive import DamagedBody

            try:
                body = self.archive.body(state["sha256"])
            except DamagedBody:
                # What we hold cannot stand for the page: ask again, without validators.
                headers = {k: v for k, v in request.headers.items() if k not in (b"If-None-Match", b"If-Modified-Since")}
                return request.replace(headers=headers, dont_filter=True, meta={**request.meta, "_sii_unconditional": True})
            if body is not None:
                self.archive.confirm_unchanged(key, source=getattr(self.crawler.spider, "name", None),
                                               meta=self.parser_meta(request))
                self.crawler.stats.inc_value("sii_atlas/unchanged_304")
                request.meta["unchanged"] = True
                return self.replayed(request, response, state, body)
        if 200 <= response.status < 300 and not request.meta.get("unchanged"):
            content_type = response.headers.get(b"Content-Type")
            if is_media_type(content_type) or looks_like_media(response.body[:16]):
                return response  # never kept: NoMediaMiddleware refuses it next
            if is_pdf(response.body):
                return response  # a PDF no one turned into text may carry pictures: never kept
            header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None  # noqa: E731
            self.archive.store(key, response.body, response.status, etag=header(b"ETag"),
                               last_modified=header(b"Last-Modified"),
                               content_type=content_type.decode("latin-1") if content_type else None,
                               source=getattr(self.crawler.spider, "name", None), meta=self.parser_meta(request),
                               repair=bool(request.meta.get("_sii_unconditional")))
        return response


def add_query(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(name, value)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class RateLimitMiddleware:
    """Holds requests back so that a spider never sends more than its source's terms allow.

    A source declares `rate_limit = (requests, seconds)` from its published terms
    (legislation.gov.uk: 3,000 per 300 s). The download delay normally keeps us far
    below; this is the guarantee when someone lowers the delay. A source whose documents sit
    on many independent sites (`rate_limit_per_host`) is limited on each site apart. A declared `run_quota`
    (a daily allowance, say) stops the source once that many requests were sent."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sent: dict[str, list[float]] = {}  # per window: the source, or each official host
        self.total = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        contract = getattr(self.crawler.spider, "contract", None)
        quota = getattr(contract, "run_quota", None)
        if quota:
            # The terms' quota (say 500 requests a day) is a hard stop, not a wait.
            if self.total >= quota:
                stop_source(self.crawler, f"quota: the {quota} requests this source's terms allow a run were all used; "
                                          "source stopped for this run")
                raise SourceStopped("not sent: the source's request quota is used up")
            self.total += 1
        limit = getattr(self.crawler.spider, "rate_limit", None)
        if not limit:
            return None
        count, seconds = limit
        window = ""
        if getattr(contract, "rate_limit_per_host", False):
            # The official host, also behind a mirror: a test crawl is paced as the real one.
            spider = self.crawler.spider
            official = spider.to_official_url(request.url) if hasattr(spider, "to_official_url") else request.url
            window = urlsplit(official).netloc
        while True:
            now = time.monotonic()
            sent = self.sent[window] = [t for t in self.sent.get(window, []) if now - t < seconds]
            if len(sent) < count:
                sent.append(now)
                return None
            await asyncio.sleep(seconds - (now - sent[0]) + 0.001)
