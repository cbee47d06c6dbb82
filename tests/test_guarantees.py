"""The project's guarantees at unit level: no media, polite retries, nothing lost in the store."""

import pytest
import scrapy
from scrapy.exceptions import StopDownload
from scrapy.http import Headers

from crawlers.crawling.middlewares import MediaRefused, NoMediaMiddleware, is_media_type, is_media_url, retry_after_seconds
from crawlers.store import Store


@pytest.mark.parametrize("url", [
    "https://example.org/img/photo.JPG", "https://example.org/a/b.png?x=1", "https://example.org/v/clip.mp4",
    "https://example.org/stream/index.m3u8", "https://example.org/a.webp", "https://example.org/sound.mp3",
    "https://example.org/photo.jpg;jsessionid=1", "https://example.org/photo.jpg/", "https://example.org/get?format=jpg",
    "https://example.org/get?file=nude.png",
])
def test_media_urls_are_refused_before_download(url):
    assert is_media_url(url)
    with pytest.raises(MediaRefused):
        NoMediaMiddleware().process_request(scrapy.Request(url))


@pytest.mark.parametrize("url", [
    "https://www.legislation.gov.uk/ukpga/2003/42/section/66B/data.xml",
    "https://caselaw.nationalarchives.gov.uk/atom.xml?query=deepfake", "https://example.org/v1.2/laws",
])
def test_text_urls_pass(url):
    assert not is_media_url(url)
    assert NoMediaMiddleware().process_request(scrapy.Request(url)) is None


@pytest.mark.parametrize("content_type", [b"image/jpeg", b"video/mp4", b"audio/mpeg", b"Image/PNG; charset=x",
                                          b"application/vnd.apple.mpegurl", b"application/ogg", b"application/mp4",
                                          b"application/octet-stream", b"multipart/x-mixed-replace"])
def test_media_content_types_stop_the_download_at_headers(content_type):
    assert is_media_type(content_type)
    with pytest.raises(StopDownload):
        NoMediaMiddleware().headers_received(Headers({"Content-Type": content_type}), 100, None, None)


@pytest.mark.parametrize("first_bytes", [
    b"\xff\xd8\xff\xe0JFIF", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"\x00\x00\x00\x18ftypmp42", b"ID3\x04", b"OggS\x00", b"\x1aE\xdf\xa3",
])
def test_media_bodies_under_a_text_label_stop_at_the_first_chunk(first_bytes):
    request = scrapy.Request("https://example.org/data.xml")
    with pytest.raises(StopDownload):
        NoMediaMiddleware().bytes_received(first_bytes + b"0" * 100, request, None)


def test_text_bodies_pass_the_first_chunk_check():
    for body in (b'<?xml version="1.0"?><Legislation/>', b"<feed xmlns=", b"  <akomaNtoso>", b"{\"a\": 1}"):
        NoMediaMiddleware().bytes_received(body, scrapy.Request("https://example.org/data.xml"), None)


def test_text_content_types_pass():
    for content_type in (b"application/xml", b"text/html; charset=utf-8", b"application/atom+xml", None):
        assert not is_media_type(content_type)


def test_retry_after_in_seconds_and_as_a_date():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "atlas.db")
    store.db["sources"].insert({"id": "test", "name": "Test", "base_url": "https://example.org", "licence": "CC0"})
    store.db["jurisdictions"].insert({"code": "GB", "name": "United Kingdom", "kind": "country"})
    store.write_batch([{"type": "instrument", "id": "act", "jurisdiction": "GB", "title": "An Act",
                        "official_url": "https://example.org/act", "source": "test"}])
    return store


def provision(text, heading="Heading"):
    return {"type": "provision", "id": "act/section/1", "instrument_id": "act", "label": "s. 1",
            "heading": heading, "text": text, "url": "https://example.org/act/1", "source": "test"}


def test_changed_text_keeps_the_old_version(store):
    assert store.write_batch([provision("First text.")])[0]["new"] == 1
    assert store.write_batch([provision("First text.")])[0]["unchanged"] == 1
    assert store.write_batch([provision("Amended text.")])[0]["changed"] == 1
    versions = list(store.db.query("SELECT text, superseded_at FROM provision_versions ORDER BY id"))
    assert [v["text"] for v in versions] == ["First text.", "Amended text."]
    assert versions[0]["superseded_at"] and versions[1]["superseded_at"] is None
    assert store.db["provisions"].get("act/section/1")["text"] == "Amended text."


def test_a_text_that_comes_back_becomes_current_again(store):
    for text in ("A.", "B.", "A."):
        store.write_batch([provision(text)])
    versions = list(store.db.query("SELECT text, superseded_at FROM provision_versions ORDER BY id"))
    assert [v["text"] for v in versions] == ["A.", "B."]
    current = [v["text"] for v in versions if v["superseded_at"] is None]
    assert current == ["A."]


def test_a_missing_value_never_blanks_a_stored_one(store):
    store.write_batch([provision("Stored text.")])
    store.write_batch([provision(None, heading=None)])
    row = store.db["provisions"].get("act/section/1")
    assert row["text"] == "Stored text." and row["heading"] == "Heading"


def test_one_bad_record_does_not_cost_the_batch(store):
    orphan = {**provision("x"), "id": "nowhere/1", "instrument_id": "no-such-act"}
    counts, failures = store.write_batch([orphan, provision("Good text.")])
    assert counts["dropped"] == 1 and counts["new"] == 1
    assert failures[0]["kind"] == "dropped" and "nowhere/1" in failures[0]["reason"] and "FOREIGN KEY" in failures[0]["reason"]


async def test_rate_limit_holds_requests_back_to_the_sources_terms():
    import time
    from types import SimpleNamespace

    from crawlers.crawling.middlewares import RateLimitMiddleware

    middleware = RateLimitMiddleware(SimpleNamespace(spider=SimpleNamespace(rate_limit=(3, 0.3))))
    started = time.monotonic()
    for _ in range(7):
        await middleware.process_request(scrapy.Request("https://example.org/"))
    # 7 requests at 3 per 0.3 s need two full windows of waiting.
    assert time.monotonic() - started >= 0.6


async def test_a_table_of_many_sites_is_rate_limited_per_official_host_even_behind_a_mirror():
    import time
    from types import SimpleNamespace

    from crawlers.crawling.middlewares import RateLimitMiddleware

    mirror = "http://127.0.0.1:9/us_state_codes/"
    spider = SimpleNamespace(
        rate_limit=(2, 0.5), contract=SimpleNamespace(rate_limit_per_host=True),
        to_official_url=lambda url: "https://" + url[len(mirror):] if url.startswith(mirror) else url)
    middleware = RateLimitMiddleware(SimpleNamespace(spider=spider))
    started = time.monotonic()
    for host in ("a.example", "a.example", "b.example", "b.example", "c.example"):
        await middleware.process_request(scrapy.Request(f"{mirror}{host}/section"))
    assert time.monotonic() - started < 0.25  # two per host: nobody waited
    await middleware.process_request(scrapy.Request(f"{mirror}a.example/third"))
    assert time.monotonic() - started >= 0.45  # the third to one host waits for its window
    assert set(middleware.sent) == {"a.example", "b.example", "c.example"}


def test_credentials_go_only_to_the_hosts_a_source_names_for_them(monkeypatch):
    """A source that also reads other official sites (Open States and the legislatures' bill
    pages) names its API's host in `credential_hosts`: no other server is sent our key, also
    behind a test mirror; a source that names none sends its key to its official hosts."""
    import asyncio
    import dataclasses
    from types import SimpleNamespace

    from crawlers.crawling.middlewares import SourceAuthMiddleware
    from crawlers.sources.contract import Auth
    from crawlers.sources.courtlistener import CourtListenerSpider

    monkeypatch.setenv("SII_ATLAS_TEST_KEY", "secret-value")
    spider = CourtListenerSpider()
    auth = Auth.header_key("SII_ATLAS_TEST_KEY")
    mirror = "http://127.0.0.1:9/mirror/"
    spider.contract = dataclasses.replace(spider.contract, auth=auth, credential_hosts=("api.example.org",))
    spider.to_official_url = lambda url: "https://" + url[len(mirror):] if url.startswith(mirror) else url
    middleware = SourceAuthMiddleware(SimpleNamespace(spider=spider))
    api, elsewhere = scrapy.Request(mirror + "api.example.org/bills"), scrapy.Request(mirror + "legis.example.gov/bill.htm")
    for request in (api, elsewhere):
        asyncio.run(middleware.process_request(request))
    assert api.headers["X-Api-Key"] == b"secret-value" and "X-Api-Key" not in elsewhere.headers
    spider.contract = dataclasses.replace(spider.contract, credential_hosts=None)
    plain = scrapy.Request("https://www.courtlistener.com/api/rest/v4/search/")
    asyncio.run(middleware.process_request(plain))
    assert plain.headers["X-Api-Key"] == b"secret-value"


def test_a_source_without_its_api_key_is_skipped_with_a_message(tmp_path, monkeypatch, capsys):
    import dataclasses

    from crawlers import cli
    from crawlers.sources import SPIDERS
    from crawlers.sources.contract import Auth

    spider = SPIDERS["find_case_law"]
    monkeypatch.setattr(spider, "contract", dataclasses.replace(spider.contract, auth=Auth.query_key("SII_ATLAS_TEST_MISSING_KEY")))
    monkeypatch.delenv("SII_ATLAS_TEST_MISSING_KEY", raising=False)
    assert cli.main(["--db", str(tmp_path / "atlas.db"), "crawl", "find_case_law"]) == 0
    captured = capsys.readouterr()
    assert "find_case_law: skipped, set $SII_ATLAS_TEST_MISSING_KEY" in captured.err
    assert "skipped" in captured.out


# --- the source contract: one declaration per source ---


def test_each_source_is_declared_once_and_every_curated_source_exists():
    from crawlers.registry import curated
    from crawlers.sources import CONTRACTS, source_rows
    from crawlers.sources.contract import ContractError

    planned = curated.read_yaml(curated.find_data_dir() / "sources.yaml")
    assert not {row["id"] for row in planned} & set(CONTRACTS), "a source with a spider is declared only in its module"
    rows = source_rows(planned)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) and set(CONTRACTS) <= set(ids)
    assert all(set(row) == {"id", "name", "kind", "base_url", "licence", "licence_url", "terms_url", "rate_limit",
                            "api_key_env", "notes"} for row in rows)
    with pytest.raises(ContractError, match="declared twice"):
        source_rows(planned + [{"id": "legislation_gov_uk", "name": "again"}])
    data = curated.load()
    for entry in data.instruments + data.cases:
        assert entry.get("source") in (None, *ids), entry.get("id")


def test_the_registry_names_curated_documents_as_the_crawlers_do():
    from crawlers.registry.curated import find_case_law_key, legislation_gov_uk_key
    from crawlers.sources import CONTRACTS

    assert legislation_gov_uk_key("ukpga/2003/42") == "ukpga-2003-42"
    assert legislation_gov_uk_key("ukpga/Eliz2/7-8/66") == CONTRACTS["legislation_gov_uk"].curated_instrument_id("ukpga/Eliz2/7-8/66")
    url = "https://caselaw.nationalarchives.gov.uk/ewca/civ/2004/632"
    assert find_case_law_key(url) == "ewca-civ-2004-632"
    assert find_case_law_key("https://www.bailii.org/ew/cases/EWCA/Civ/2004/632.html") is None


def test_environment_variables_follow_from_auth():
    from crawlers.sources.contract import Auth

    assert Auth.none().env_vars == ()
    assert Auth.query_key("K").env_vars == ("K",)
    assert Auth.oauth2("ID", "SECRET", "https://example.org/token").env_vars == ("ID", "SECRET")


def test_sources_never_import_the_registry():
    import subprocess
    import sys

    code = "import sys, crawlers.sources; print(any(m.startswith('crawlers.registry') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


# --- the raw-response archive ---


def test_the_archive_keeps_each_body_once_compressed_with_the_latest_state_per_url(tmp_path):
    from crawlers.store.archive import Archive, archive_path

    assert archive_path(tmp_path / "sii_atlas.db") == tmp_path / "sii_atlas.archive.sqlite"
    archive = Archive.beside(tmp_path / "sii_atlas.db")
    body = b"<feed>" + b"x" * 5000 + b"</feed>"
    first = archive.store("https://example.org/a", body, etag='"1"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT")
    assert archive.store("https://example.org/b", body) == first  # same content, stored once
    assert archive.conn.execute("SELECT COUNT(*), SUM(LENGTH(compressed)) FROM bodies").fetchone()[0] == 1
    assert archive.conn.execute("SELECT LENGTH(compressed) FROM bodies").fetchone()[0] < len(body) / 10
    state = archive.state("https://example.org/a")
    assert (state["etag"], state["sha256"]) == ('"1"', first) and archive.body(first) == body
    archive.store("https://example.org/a", b"<feed/>", etag='"2"')
    assert archive.state("https://example.org/a")["etag"] == '"2"'
    assert archive.body(archive.state("https://example.org/a")["sha256"]) == b"<feed/>"
    assert archive.state("https://example.org/none") is None


def test_every_source_has_examples_the_fixture_server_can_play():
    from pathlib import Path

    from crawlers.sources import SPIDERS

    examples = Path(__file__).parent / "examples"
    for source in SPIDERS:
        assert (examples / source / "server.yaml").exists(), f"{source}: add tests/examples/{source}/server.yaml"


# --- credentials: on the outgoing request only ---


def auth_middleware(auth, answers=()):
    from types import SimpleNamespace

    from crawlers.crawling.middlewares import SourceAuthMiddleware
    from crawlers.sources.contract import SourceContract

    contract = SourceContract(id="test", name="Test", kind="bills", base_url="https://api.example.org", licence="x",
                              licence_url="x", terms_url="x", rate_limit_text="x", auth=auth)
    tokens = list(answers)
    fetched = []

    async def download_async(request):
        fetched.append(request)
        return scrapy.http.TextResponse(request.url, body=tokens.pop(0).encode(), encoding="utf-8")

    spider = SimpleNamespace(contract=contract, to_download_url=lambda url: url)
    crawler = SimpleNamespace(spider=spider, engine=SimpleNamespace(download_async=download_async))
    return SourceAuthMiddleware(crawler), fetched


async def test_a_query_key_exists_only_between_the_middleware_and_the_download(monkeypatch):
    from crawlers.sources.contract import Auth

    monkeypatch.setenv("SII_ATLAS_TEST_KEY", "k3y-value")
    middleware, _ = auth_middleware(Auth.query_key("SII_ATLAS_TEST_KEY", "api_key"))
    request = scrapy.Request("https://api.example.org/bills?page=2")
    await middleware.process_request(request)
    assert request.url == "https://api.example.org/bills?page=2&api_key=k3y-value"
    response = middleware.process_response(request, scrapy.http.Response(request.url, status=200))
    assert request.url == response.url == "https://api.example.org/bills?page=2"


async def test_oauth2_tokens_are_fetched_once_and_again_after_a_401(monkeypatch):
    from crawlers.sources.contract import Auth

    monkeypatch.setenv("SII_ATLAS_TEST_ID", "id")
    monkeypatch.setenv("SII_ATLAS_TEST_SECRET", "secret")
    auth = Auth.oauth2("SII_ATLAS_TEST_ID", "SII_ATLAS_TEST_SECRET", "https://oauth.example.org/token")
    middleware, fetched = auth_middleware(auth, ['{"access_token": "t1", "expires_in": 3600}',
                                                 '{"access_token": "t2", "expires_in": 3600}'])
    first, second = scrapy.Request("https://api.example.org/a"), scrapy.Request("https://api.example.org/b")
    await middleware.process_request(first)
    await middleware.process_request(second)
    assert first.headers["Authorization"] == second.headers["Authorization"] == b"Bearer t1" and len(fetched) == 1
    assert b"grant_type=client_credentials" in fetched[0].body and fetched[0].meta["dont_archive"]
    retry = middleware.process_response(second, scrapy.http.Response(second.url, status=401))
    assert isinstance(retry, scrapy.Request)
    await middleware.process_request(retry)
    assert retry.headers["Authorization"] == b"Bearer t2" and len(fetched) == 2
    # A second 401 for the same request is an answer, not a loop.
    assert middleware.process_response(retry, scrapy.http.Response(retry.url, status=401)).status == 401


# --- what a failed page records ---


def failed(spider, url, status, **meta):
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    request = scrapy.Request(url, meta=meta)
    failure = Failure(HttpError(Response(url, status=status, request=request)))
    failure.request = request
    [error] = spider.on_error(failure)
    return dict(error)


def test_a_tracked_document_that_is_gone_names_the_record_and_counts_as_a_tracked_failure():
    from scrapy.utils.test import get_crawler

    from crawlers.sources.legislation_gov_uk import LegislationGovUkSpider

    crawler = get_crawler(LegislationGovUkSpider)
    spider = LegislationGovUkSpider.from_crawler(crawler, base_url="http://127.0.0.1:9")
    error = failed(spider, "http://127.0.0.1:9/ukpga/2003/42/section/66B/data.xml", 410, tracked=True,
                   expects=("provision", "ukpga-2003-42/section/66B"))
    assert error == {"url": "https://www.legislation.gov.uk/ukpga/2003/42/section/66B/data.xml", "status": 410,
                     "kind": "http", "reason": "HTTP 410", "tracked": True, "gone_type": "provision",
                     "gone_id": "ukpga-2003-42/section/66B"}
    assert crawler.stats.get_value("sii_atlas/tracked_failed") == 1
    # A 500 is a failure, not a sign the document is gone; an untracked page is not counted.
    error = failed(spider, "http://127.0.0.1:9/all/data.feed?api_key=s3cret", 500, expects=("provision", "x"))
    assert error["tracked"] is False and "gone_id" not in error and "s3cret" not in error["url"]
    assert crawler.stats.get_value("sii_atlas/tracked_failed") == 1


def test_the_fixture_server_plays_any_sources_declared_routes_get_and_post(tmp_path, monkeypatch):
    import json
    import urllib.request

    import fixture_server

    folder = tmp_path / "some_api"
    folder.mkdir()
    (folder / "search.json").write_text('{"results": ["{term}"]}')
    (folder / "server.yaml").write_text(
        "routes:\n"
        "  - {method: POST, path: '^/search/(?P<term>[a-z]+)$', file: search.json, type: application/json,\n"
        "     replace: [['{term}', '{term}']]}\n"
    )
    monkeypatch.setattr(fixture_server, "EXAMPLES", tmp_path)
    fixture_server.routes.cache_clear()
    try:
        with fixture_server.FixtureServer() as server:
            request = urllib.request.Request(f"{server.url}/search/deepfake", data=b"{}", method="POST")
            with urllib.request.urlopen(request) as response:
                assert json.load(response) == {"results": ["deepfake"]}
            assert fixture_server.route("/search/deepfake", {}, "GET")[0] == 404
    finally:
        fixture_server.routes.cache_clear()


async def test_a_run_quota_stops_the_source_instead_of_sending_more():
    from types import SimpleNamespace

    from crawlers.crawling import middlewares
    from crawlers.crawling.middlewares import RateLimitMiddleware, SourceStopped

    stopped = []
    contract = SimpleNamespace(run_quota=3)
    crawler = SimpleNamespace(spider=SimpleNamespace(contract=contract, rate_limit=None))
    original = middlewares.stop_source
    middlewares.stop_source = lambda crawler, reason: stopped.append(reason)
    try:
        middleware = RateLimitMiddleware(crawler)
        for _ in range(3):
            assert await middleware.process_request(scrapy.Request("https://example.org/")) is None
        with pytest.raises(SourceStopped):
            await middleware.process_request(scrapy.Request("https://example.org/"))
    finally:
        middlewares.stop_source = original
    assert stopped and "quota" in stopped[0]


def test_every_spider_records_its_contracts_parser_version():
    # The store stamps rows with the spider's parser_version: it must be the declared one,
    # or a crawl after a parser upgrade would stamp the old version back.
    from crawlers.sources import SPIDERS

    for spider in SPIDERS.values():
        assert spider.parser_version == spider.contract.parser_version


def test_parse_prints_a_parsers_page_error_instead_of_crashing():
    from crawlers.items import PageError
    from crawlers.parsing import as_record

    record = as_record(PageError(url="https://example.org/x", status=None, kind="parse", reason="no § 201a",
                                 tracked=True))
    assert record["type"] == "error" and record["reason"] == "no § 201a"


def test_a_spider_cannot_replace_the_projects_middlewares_through_custom_settings():
    from scrapy.settings import Settings

    from crawlers.sources.find_case_law import FindCaseLawSpider

    class Careless(FindCaseLawSpider):
        custom_settings = {"DOWNLOADER_MIDDLEWARES": {}}

    with pytest.raises(TypeError, match="DOWNLOADER_MIDDLEWARES"):
        Careless.update_settings(Settings())


def test_without_a_mirror_urls_are_the_sources_own_and_with_one_the_token_goes_there_too():
    from crawlers.sources.legifrance import LegifranceSpider, TOKEN_URL

    live = LegifranceSpider()
    api = "https://api.piste.gouv.fr/dila/legifrance/lf-engine-app/consult/getArticle"
    assert live.to_download_url(api) == api and live.to_official_url(api) == api  # no doubled base path
    mirror = LegifranceSpider(base_url="http://127.0.0.1:9/m")
    assert mirror.to_download_url(TOKEN_URL) == "http://127.0.0.1:9/m/api/oauth/token"
    assert mirror.to_official_url(mirror.to_download_url(api)) == api


def test_a_key_an_api_echoes_in_its_answer_is_masked_before_anything_keeps_it(monkeypatch):
    from types import SimpleNamespace

    from scrapy.http import Request, TextResponse

    from crawlers.crawling.middlewares import SecretsInBodiesMiddleware

    spider = SimpleNamespace(secret_values=lambda: ["k3y-0123456789", "oc"])
    middleware = SecretsInBodiesMiddleware(SimpleNamespace(spider=spider))
    body = b'{"next": "https://api.example.org/v3/bill?api_key=k3y-0123456789&offset=20", "text": "oc"}'
    response = middleware.process_response(Request("https://api.example.org/v3/bill"),
                                           TextResponse("https://api.example.org/v3/bill", body=body))
    assert b"k3y-0123456789" not in response.body and b"REDACTED" in response.body
    assert b'"text": "oc"' in response.body  # too short to be told from ordinary words: left alone


SAVED_WITHOUT_URL = [
    ("legifrance", "legifrance/LEGIARTI000006398122.json"), ("congress_gov", "congress_gov/bill_117_hr_21.json"),
    ("congress_gov", "congress_gov/bill_117_hr_21_text.json"), ("judilibre", "judilibre/sample_detail_resolved.json"),
    ("judilibre", "judilibre/tcom_sample_list.json"), ("govinfo", "govinfo/BILLS-sample.json"),
    ("govinfo", "govinfo/search_member_introduced_113th.json"), ("normattiva", "normattiva/ricerca_semplice.json"),
    ("law_go_kr", "law_go_kr/three-tier-citation.json"), ("hudoc", "hudoc/echr.rss"),
    ("find_case_law", "find_case_law/ewca_civ_2004_632.xml"), ("legislation_gov_uk", "legislation_gov_uk/latest.feed"),
]


@pytest.mark.parametrize("source, name", SAVED_WITHOUT_URL)
def test_a_saved_answer_parses_without_its_url(source, name):
    # `sii-atlas parse SOURCE FILE` on a file whose URL is unknown: routed by the
    # document itself (XML root element, JSON top-level keys), as people will use it.
    from conftest import sample

    from crawlers.parsing import parse_file

    path = sample(*name.split("/"))
    records = parse_file(source, path, path.resolve().as_uri())
    assert records, f"{source} read nothing from {name}"  # a list page gives the requests it follows
