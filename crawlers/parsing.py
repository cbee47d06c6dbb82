"""Run a source's parser on a saved response: the engine of `sii-atlas parse`
and of the example-file tests.

The output is one plain dict per result: items carry a `type` key
(`instrument`, `provision`, `case`, `bill`, `candidate`) and their fields;
requests the parser would follow are `{"type": "request", "url": ...}`.
"""

from pathlib import Path

import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from .items import item_type
from .sources import SPIDERS


def response_from_file(path: Path, url: str, meta: dict | None = None) -> TextResponse:
    body = Path(path).read_bytes()
    head = body[:512].lstrip().lower()
    if head.startswith(b"<?xml") or path.suffix.lower() in {".xml", ".feed", ".atom"}:
        response_class = XmlResponse
    elif head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        response_class = HtmlResponse
    else:
        response_class = TextResponse
    request = scrapy.Request(url, meta=meta or {})
    return response_class(url=url, body=body, request=request, encoding="utf-8" if response_class is TextResponse else None)


def as_record(result) -> dict:
    if isinstance(result, scrapy.Request):
        return {"type": "request", "url": result.url}
    return {"type": item_type(result), **dict(result)}


def parse_file(source: str, path: Path, url: str, meta: dict | None = None) -> list[dict]:
    try:
        spider_class = SPIDERS[source]
    except KeyError:
        raise SystemExit(f"unknown source {source!r}; known: {', '.join(sorted(SPIDERS))}") from None
    response = response_from_file(Path(path), url, meta)
    parser = spider_class.parser_for(url, response.body)
    return [as_record(result) for result in parser(response)]
