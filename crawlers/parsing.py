"""Run a source's parser on a saved response: the engine of `sii-atlas parse`,
of `sii-atlas reparse` (pages from the raw-response archive) and of the example-file tests.

The output is one plain dict per result: items carry a `type` key
(`instrument`, `provision`, `case`, `bill`, `candidate`) and their fields;
requests the parser would follow are `{"type": "request", "url": ...}`.
"""

from pathlib import Path

import scrapy
from scrapy.http import Headers, HtmlResponse, TextResponse, XmlResponse
from scrapy.responsetypes import responsetypes

from .items import PageError, item_type
from .pdf_text import TEXT_FROM_HEADER, is_pdf, pdf_text
from .sources import SPIDERS


def response_from_file(path: Path, url: str, meta: dict | None = None, reads_pdf: bool = False) -> TextResponse:
    return response_from_body(Path(path).read_bytes(), url, meta, suffix=Path(path).suffix, reads_pdf=reads_pdf)


def response_from_body(body: bytes, url: str, meta: dict | None = None, content_type: str | None = None,
                       suffix: str = "", reads_pdf: bool = False) -> TextResponse:
    """The response a parser would have been given for `body` fetched from `url` with
    request `meta`. With the Content-Type it came with (an archived page), the class and
    encoding Scrapy picks for it in a crawl; without (a saved file), by its first bytes
    or the file's suffix. A PDF, for a source that `reads_pdf`, is given as its text, as
    in a crawl (crawling.middlewares.PdfTextMiddleware); PdfUnreadable says why not."""
    request = scrapy.Request(url, meta=meta or {})
    extra = {}
    if reads_pdf and is_pdf(body):
        body, content_type = pdf_text(body).encode("utf-8"), "text/plain; charset=utf-8"
        extra = {TEXT_FROM_HEADER: b"application/pdf"}
    if content_type:
        headers = Headers({"Content-Type": content_type, **extra})
        response_class = responsetypes.from_args(headers=headers, url=url, body=body)
        return response_class(url=url, body=body, headers=headers, request=request)
    head = body[:512].lstrip().lower()
    if head.startswith(b"<?xml") or suffix.lower() in {".xml", ".feed", ".atom"}:
        response_class = XmlResponse
    elif head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        response_class = HtmlResponse
    else:
        response_class = TextResponse
    return response_class(url=url, body=body, request=request, encoding="utf-8" if response_class is TextResponse else None)


def parse_body(spider_class, url: str, body: bytes, meta: dict | None = None, content_type: str | None = None):
    """What `spider_class`'s parser yields for this page (items and requests), routed as
    in a crawl: by the URL, else by the document's root element. Raises LookupError
    when no parser takes the page."""
    parser = spider_class.parser_for(url, body)
    return parser(response_from_body(body, url, meta, content_type, reads_pdf=spider_class.contract.reads_pdf))


def as_record(result) -> dict:
    if isinstance(result, scrapy.Request):
        return {"type": "request", "url": result.url}
    if isinstance(result, PageError):  # a parser saying what on the page failed (a missing provision)
        return {"type": "error", **dict(result)}
    return {"type": item_type(result), **dict(result)}


def parse_file(source: str, path: Path, url: str, meta: dict | None = None) -> list[dict]:
    try:
        spider_class = SPIDERS[source]
    except KeyError:
        raise SystemExit(f"unknown source {source!r}; known: {', '.join(sorted(SPIDERS))}") from None
    response = response_from_file(Path(path), url, meta, reads_pdf=spider_class.contract.reads_pdf)
    parser = spider_class.parser_for(url, response.body)
    return [as_record(result) for result in parser(response)]
