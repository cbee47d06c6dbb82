"""Downloader middlewares: the project's guarantees that do not depend on any spider.

* `NoMediaMiddleware`: the subject is intimate imagery, so the crawler must be
  unable to fetch an image, video or audio file. Requests are refused by URL
  before they leave, and responses by Content-Type as soon as headers arrive,
  before any body is read. `DOWNLOAD_MAXSIZE` caps everything else.
* `BackoffRetryMiddleware`: retries 429 and 5xx, waiting as long as the server's
  Retry-After asks, or backing off exponentially when it does not say.
"""

import asyncio
import email.utils
import re
import time
from urllib.parse import parse_qsl, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest, StopDownload

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
    whole site waits, not only the retried request: the delay is put on Scrapy's
    download slot for that host. A wait longer than RETRY_BACKOFF_MAX_SECONDS is
    not shortened: the page is given up and recorded instead."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE_SECONDS", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX_SECONDS", 300.0)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.backoff_max:
            return response  # the server wants more time than we wait: record the failure
        retries = request.meta.get("retry_times", 0)
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"HTTP {response.status}", max_retry_times=self.max_retry_times
        )
        if retry is None:
            return response
        delay = asked if asked is not None else min(self.backoff_base * (2**retries), self.backoff_max)
        self.hold_site(request, delay)
        await asyncio.sleep(delay)
        return retry

    def hold_site(self, request, seconds: float) -> None:
        """No request to this host leaves before `seconds` from now."""
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            # Scrapy waits `delay - now + lastseen` (monotonic clock) before the next request.
            slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)


class RateLimitMiddleware:
    """Holds requests back so that a spider never sends more than its source's terms allow.

    A spider declares `rate_limit = (requests, seconds)` from the source's published terms
    (legislation.gov.uk: 3,000 per 300 s). The download delay normally keeps us far
    below; this is the guarantee when someone lowers the delay."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sent: list[float] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        limit = getattr(self.crawler.spider, "rate_limit", None)
        if not limit:
            return None
        count, seconds = limit
        while True:
            now = time.monotonic()
            self.sent = [t for t in self.sent if now - t < seconds]
            if len(self.sent) < count:
                self.sent.append(now)
                return None
            await asyncio.sleep(seconds - (now - self.sent[0]) + 0.001)
