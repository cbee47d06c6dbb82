"""Scrapy settings every spider inherits: the project's crawling rules.

Politeness first: robots.txt obeyed, a User-Agent that names us and a contact,
one request at a time per domain with a delay, AutoThrottle on top, retries
with backoff on 429/5xx honouring Retry-After. Per-source limits come from each
source's published terms: a spider's `rate_limit` attribute (enforced by
RateLimitMiddleware) and its `custom_settings` (delay, concurrency).
"""

import os

BOT_NAME = "sii-atlas"
SPIDER_MODULES = ["crawlers.sources"]
NEWSPIDER_MODULE = "crawlers.sources"

CONTACT = os.environ.get("SII_ATLAS_CONTACT", "sii-atlas@example.org")
USER_AGENT = os.environ.get(
    "SII_ATLAS_USER_AGENT",
    f"SII-Atlas/0.1 (legal research on intimate-image law; +https://github.com/sii-atlas; {CONTACT})",
)

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
# Each delay varies by ±50 %, so requests do not arrive on a fixed beat.
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A server that accepts and never answers costs at most this per try (times the
# retries), and never more than the source's overall deadline (its contract's
# `deadline_seconds`, SII_ATLAS_DEADLINE_SECONDS below, enforced by DeadlineMiddleware).
DOWNLOAD_TIMEOUT = 30
SII_ATLAS_DEADLINE_SECONDS = 3600
# A source whose server gives no answer at all this many times in a row is stopped.
SII_ATLAS_MAX_CONSECUTIVE_FAILURES = 6

# Retries: the stock RetryMiddleware is replaced by one that waits as the
# server asks (Retry-After) or backs off exponentially.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE_SECONDS = 2.0
RETRY_BACKOFF_MAX_SECONDS = 300.0

# Media can never enter: refused by URL before download, by Content-Type after
# headers arrive, and any response is capped in size.
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

# process_request runs from low to high numbers, process_response from high to low.
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a foreign host is not even asked for its robots.txt.
    "crawlers.crawling.middlewares.OfficialHostsMiddleware": 40,
    "crawlers.crawling.middlewares.NoMediaMiddleware": 50,
    "crawlers.crawling.middlewares.RateLimitMiddleware": 60,
    # After DownloadTimeoutMiddleware (350), which sets the timeout this one cuts.
    "crawlers.crawling.middlewares.DeadlineMiddleware": 360,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.crawling.middlewares.BackoffRetryMiddleware": 550,
    # After HttpCompression (590) in responses, so bodies are archived decompressed;
    # before retries (550), which never see a 304.
    "crawlers.crawling.middlewares.ArchiveMiddleware": 585,
    # Between decompression (590) and the archive: a key an API echoes in its answer
    # never reaches the archive, a parser or the store.
    "crawlers.crawling.middlewares.SecretsInBodiesMiddleware": 587,
    # After decompression (590) and before the secrets mask and the archive: a PDF is
    # text before anything keeps or reads it.
    "crawlers.crawling.middlewares.PdfTextMiddleware": 588,
    # Closest to the download (after the HTTP cache, 900): the key exists only there.
    "crawlers.crawling.middlewares.UnreachableSourceMiddleware": 940,
    "crawlers.crawling.middlewares.SourceAuthMiddleware": 950,
}

ITEM_PIPELINES = {
    "crawlers.crawling.pipelines.ValidationPipeline": 100,
    "crawlers.crawling.pipelines.CitationPipeline": 700,
    "crawlers.crawling.pipelines.StorePipeline": 800,
}

EXTENSIONS = {
    "crawlers.crawling.progress.ProgressReporter": 500,
}

# Every 2xx body goes to the raw-response archive beside the database
# (crawlers/store/archive.py), which also gives recrawls their conditional requests.
SII_ATLAS_ARCHIVE_ENABLED = True

# Off by default; `sii-atlas crawl --cache` turns it on for development and replay.
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.DummyPolicy"
# Never replay a refusal or an outage from the cache.
HTTPCACHE_IGNORE_HTTP_CODES = RETRY_HTTP_CODES + [403, 404]

# Every failed page is recorded in crawl_errors; keep 4xx/5xx visible to callbacks' errbacks.
HTTPERROR_ALLOW_ALL = False

LOG_LEVEL = os.environ.get("SII_ATLAS_LOG_LEVEL", "WARNING")
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
