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
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest, StopDownload

MEDIA_EXTENSIONS = frozenset(
    """jpg jpeg jpe jfif png gif webp bmp tif tiff svg svgz ico heic heif avif apng jxl psd raw
    mp4 m4v mov avi wmv flv mkv webm mpg mpeg 3gp ogv ts m3u8 mpd
    mp3 m4a aac wav flac ogg oga opus wma""".split()
)
MEDIA_TYPE = re.compile(r"^\s*(image|video|audio)/", re.IGNORECASE)
STREAMING_TYPES = {"application/vnd.apple.mpegurl", "application/x-mpegurl", "application/dash+xml"}


class MediaRefused(IgnoreRequest):
    """A request or response refused because it is, or would be, media."""


def is_media_url(url: str) -> bool:
    path = urlsplit(url).path.lower()
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return extension in MEDIA_EXTENSIONS


def is_media_type(content_type: bytes | str | None) -> bool:
    if not content_type:
        return False
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return bool(MEDIA_TYPE.match(content_type)) or content_type.split(";")[0].strip().lower() in STREAMING_TYPES


class NoMediaMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls()
        # Fires when headers arrive: stopping here means no media byte is read.
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        return middleware

    def headers_received(self, headers, body_length, request, spider):
        if is_media_type(headers.get(b"Content-Type")):
            raise StopDownload(fail=True)

    def process_request(self, request):
        if is_media_url(request.url):
            raise MediaRefused(f"media URL refused: {request.url}")
        return None

    def process_response(self, request, response):
        # Second line of defence (cached responses, handlers without the signal).
        if is_media_type(response.headers.get(b"Content-Type")):
            raise MediaRefused(f"media Content-Type refused: {request.url}")
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
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE_SECONDS", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX_SECONDS", 300.0)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"HTTP {response.status}", max_retry_times=self.max_retry_times
        )
        if retry is None:
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            delay = self.backoff_base * (2**retries)
        await asyncio.sleep(min(delay, self.backoff_max))
        return retry


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
