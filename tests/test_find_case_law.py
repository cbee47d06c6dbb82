"""Find Case Law: the parsers on the two real captures, and the crawl's narrowing
(`--since` stops paging, `--limit` caps the documents requested)."""

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from conftest import sample

from crawlers.items import CaseItem
from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.find_case_law import (
    SEARCH_TERMS,
    FindCaseLawSpider,
    parse_judgment,
    parse_search_feed,
    search_url,
)

EXAMPLES = Path(__file__).parent / "examples" / "find_case_law"
BASE = "https://caselaw.nationalarchives.gov.uk"
PAGE_1 = EXAMPLES / "search_intimate_image_page1.atom"
PAGE_1_URL = f"{BASE}/atom.xml?query=intimate+image&order=-date&per_page=50"


def feed(path: Path, url: str = PAGE_1_URL, **meta):
    return list(parse_search_feed(response_from_file(path, url, {"query": "intimate image", **meta})))


def judgment_urls(results) -> list[str]:
    return [r.url for r in results if isinstance(r, scrapy.Request) and r.url.endswith("/data.xml")]


def feed_urls(results) -> list[str]:
    return [r.url for r in results if isinstance(r, scrapy.Request) and "/atom.xml" in r.url]


# --- real captures (../shared/samples/find_case_law), skipped where absent ---


def test_early_schema_capture_ewca_civ_2004_632():
    path = sample("find_case_law", "ewca_civ_2004_632.xml")
    [case] = parse_file("find_case_law", path, f"{BASE}/ewca/civ/2004/632/data.xml")
    assert case["type"] == "case"
    assert case["id"] == "ewca-civ-2004-632"
    assert case["url"] == f"{BASE}/ewca/civ/2004/632"
    assert case["name"] == "Sangeeta Mehra v Radiatben Rajnikant Shah & Ors"
    assert case["citation"] == "[2004] EWCA Civ 632"
    # From the uk:court code, not the capture's wrong TLCOrganization shortForm.
    assert case["court"] == "Court of Appeal (Civil Division)"
    assert case["jurisdiction"] == "GB-EAW"
    assert case["decision_date"] == "2004-05-20"
    # Lord Justice Jonathan Parker sat too, but the cover page leaves his name unmarked.
    assert case["judges"] == ["LORD JUSTICE KENNEDY", "LORD JUSTICE DYSON"]
    assert case["language"] == "en" and case["source"] == "find_case_law"
    assert case["cited_legislation"] == []
    text = case["text"]
    assert 30_000 < len(text) < 45_000
    assert text.startswith("Judgment\nLord Justice Jonathan Parker :\nINTRODUCTION\n1. This is an appeal")
    assert "\n66. These are my reasons for dismissing the appeal.\n" in text
    assert text.endswith("(Order does not form part of the approved judgment)")
    assert "  " not in text and "font-family" not in text


def test_2023_schema_capture_sample_judgment():
    path = sample("find_case_law", "sample_judgment.xml")
    [case] = parse_file("find_case_law", path, f"{BASE}/ewhc/ch/2023/9999/data.xml")
    assert case["id"] == "ewhc-ch-2023-9999"
    assert case["name"] == "Sample v Judgment"
    assert case["citation"] == "[2023] EWHC 9999 (Ch)"
    assert case["court"] == "High Court (Chancery Division)"
    assert case["jurisdiction"] == "GB-EAW"
    assert case["decision_date"] == "2023-06-05"  # FRBRdate name="decision"
    assert case["judges"] == []
    assert case["text"] == "sample judgment with a unique word: capybara"
    assert len(case["text"]) == 44


# --- judgments: document URIs and defensiveness ---


def test_same_document_at_its_ncn_path_and_its_d_uri():
    path = EXAMPLES / "judgment_2023_schema.xml"
    [by_d_uri] = parse_file("find_case_law", path, f"{BASE}/d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60/data.xml")
    [by_ncn] = parse_file("find_case_law", path, f"{BASE}/ewca/crim/2025/9998/data.xml")
    assert by_d_uri["id"] == "d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60"
    assert by_ncn["id"] == "ewca-crim-2025-9998"
    assert by_d_uri["citation"] == by_ncn["citation"] == "[2025] EWCA Crim 9998"
    assert {c["href"] for c in by_ncn["cited_legislation"]} == {
        "http://www.legislation.gov.uk/id/ukpga/2003/42/section/66B",
        "http://www.legislation.gov.uk/id/ukpga/2003/42",
        "http://www.legislation.gov.uk/id/ukpga/2023/50",
        "http://www.legislation.gov.uk/id/ukpga/2015/2/section/33",
    }


def test_bare_document_gives_nones_not_a_crash():
    body = (
        b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">'
        b'<judgment name="judgment"><meta><identification><FRBRWork>'
        b'<FRBRdate date="1000-01-01" name="dummy"/></FRBRWork></identification></meta>'
        b"<judgmentBody><decision><p/></decision></judgmentBody></judgment></akomaNtoso>"
    )
    url = f"{BASE}/ukut/iac/2024/9999/data.xml"
    response = scrapy.http.XmlResponse(url=url, body=body, request=scrapy.Request(url))
    [case] = parse_judgment(response)
    assert isinstance(case, CaseItem)
    assert case["id"] == "ukut-iac-2024-9999"
    # No uk:court: the court comes from the URL's court segment.
    assert case["court"] == "Upper Tribunal (Immigration and Asylum Chamber)"
    assert case["jurisdiction"] == "GB"
    assert case["decision_date"] is None  # "dummy" is the parser's placeholder, not a date
    assert case["name"] is None and case["citation"] is None and case["text"] is None
    assert case["judges"] == [] and case["cited_legislation"] == []


def test_press_summaries_give_nothing_and_unreadable_pages_an_error():
    url = f"{BASE}/uksc/2024/9990/press-summary/1/data.xml"
    press = b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><doc name="pressSummary"/></akomaNtoso>'
    assert list(parse_judgment(scrapy.http.XmlResponse(url=url, body=press, request=scrapy.Request(url)))) == []
    # A page that is not LegalDocML is a failed page for the crawl to record, not a quiet nothing.
    for body, message in ((b"<akomaNtoso><judgment", "unreadable XML"), (b"<html><body>Busy</body></html>", "expected <akomaNtoso>")):
        with pytest.raises(ValueError, match=message):
            list(parse_judgment(scrapy.http.XmlResponse(url=url, body=body, request=scrapy.Request(url))))


# --- Atom feed ---


def test_feed_requests_documents_by_document_uri_and_carries_the_query():
    results = feed(PAGE_1)
    assert judgment_urls(results) == [
        f"{BASE}/d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60/data.xml",  # not the NCN slug of its akn+xml link
        f"{BASE}/ewhc/kb/2024/9997/data.xml",
    ]  # the press summary between them is skipped
    assert all(r.meta["query"] == "intimate image" for r in results)
    [next_page] = feed_urls(results)
    assert parse_qs(urlsplit(next_page).query) == {
        "query": ["intimate image"],
        "order": ["-date"],
        "per_page": ["50"],
        "page": ["2"],
    }


def test_empty_feed_gives_nothing_and_does_not_page():
    url = f"{BASE}/atom.xml?query=sexually+explicit+deepfake&order=-date&per_page=50"
    assert feed(EXAMPLES / "search_empty.atom", url) == []


def test_page_past_the_end_with_a_next_link_stops_paging():
    # The feed computes its links at 10 a page whatever per_page says, so an empty
    # page can still offer `next`.
    body = (PAGE_1.read_text().split("<entry>")[0] + "</feed>").encode()
    response = scrapy.http.XmlResponse(url=PAGE_1_URL, body=body, request=scrapy.Request(PAGE_1_URL))
    assert b'rel="next"' in body
    assert list(parse_search_feed(response)) == []


def test_since_date_skips_older_entries_and_stops_paging():
    results = feed(PAGE_1, since="2025-01-01")
    assert judgment_urls(results) == [f"{BASE}/d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60/data.xml"]
    assert feed_urls(results) == []


def test_since_date_before_every_entry_keeps_paging_and_passes_since_on():
    results = feed(PAGE_1, since="2024-01-01")
    assert len(judgment_urls(results)) == 2
    [next_page] = [r for r in results if "/atom.xml" in r.url]
    assert next_page.meta["since"] == "2024-01-01"
    assert next_page.meta["query"] == "intimate image"


def test_limit_in_meta_caps_one_search_and_passes_the_rest_on():
    results = feed(PAGE_1, limit=1)
    assert len(judgment_urls(results)) == 1 and feed_urls(results) == []
    results = feed(PAGE_1, limit=5)
    assert len(judgment_urls(results)) == 2
    [next_page] = [r for r in results if "/atom.xml" in r.url]
    assert next_page.meta["limit"] == 3


# --- the spider: start requests and the run-wide limit ---


def start_requests(spider) -> list[scrapy.Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_start_searches_every_term_newest_first():
    requests = start_requests(FindCaseLawSpider())
    assert [r.meta["query"] for r in requests] == SEARCH_TERMS
    first = parse_qs(urlsplit(requests[0].url).query)
    assert first == {"query": ["intimate image"], "order": ["-date"], "per_page": ["50"]}
    assert all(r.meta["since"] is None and r.meta["limit"] is None for r in requests)


def test_start_with_since_filters_on_the_feed_too():
    requests = start_requests(FindCaseLawSpider(since="2024-01-31", limit="3"))
    query = parse_qs(urlsplit(requests[0].url).query)
    assert (query["from_date_0"], query["from_date_1"], query["from_date_2"]) == (["31"], ["1"], ["2024"])
    assert requests[0].meta["since"] == "2024-01-31" and requests[0].meta["limit"] == 3


def test_start_against_a_mirror_rewrites_only_the_host():
    [request, *_] = start_requests(FindCaseLawSpider(base_url="http://127.0.0.1:8000/fcl"))
    assert request.url.startswith("http://127.0.0.1:8000/fcl/atom.xml?query=intimate+image")


def crawl_page(spider, path: Path, url: str, query: str):
    response = response_from_file(path, url, {"query": query, "limit": spider.limit})
    return list(spider.parse(response))


def test_spider_limit_holds_across_pages_and_terms():
    spider = FindCaseLawSpider(limit="3")
    first = crawl_page(spider, PAGE_1, PAGE_1_URL, "intimate image")
    assert len(judgment_urls(first)) == 2 and len(feed_urls(first)) == 1
    nudify_url = f"{BASE}/atom.xml?query=nudify&order=-date&per_page=50"
    second = crawl_page(spider, EXAMPLES / "search_nudify_single_page.atom", nudify_url, "nudify")
    assert judgment_urls(second) == [f"{BASE}/ewfc/2024/9996/data.xml"]
    assert spider.limit_reached()
    # Once the cap is reached nothing more is requested: no documents, no further pages.
    again = crawl_page(spider, PAGE_1, PAGE_1_URL, "deepfake")
    assert again == []


def test_spider_requests_a_document_found_by_two_terms_once():
    spider = FindCaseLawSpider()
    first = crawl_page(spider, PAGE_1, PAGE_1_URL, "intimate image")
    second = crawl_page(spider, PAGE_1, PAGE_1_URL.replace("intimate+image", "deepfake"), "deepfake")
    assert len(judgment_urls(first)) == 2 and judgment_urls(second) == []
    assert len(feed_urls(second)) == 1


def test_spider_passes_judgment_items_through():
    spider = FindCaseLawSpider(limit="1")
    url = f"{BASE}/ewca/crim/2021/9997/data.xml"
    [item] = spider.parse(response_from_file(EXAMPLES / "judgment_early_schema.xml", url, {"query": "x"}))
    assert isinstance(item, CaseItem) and item["id"] == "ewca-crim-2021-9997"


def test_search_url_is_official():
    assert search_url("66B") == f"{BASE}/atom.xml?query=66B&order=-date&per_page=50"
