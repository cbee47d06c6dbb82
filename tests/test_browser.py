"""People's journeys through the served site, in a real browser.

`sii-atlas serve` runs on a curated build plus two crawled provision texts (French, Korean),
and Debian's Chromium (/usr/bin/chromium, or $SII_ATLAS_CHROMIUM) is driven by Playwright.
Screenshots at 1,400 px and 390 px go to tests/artifacts/browser/ (not committed) for a person
to look at. The tests skip only when no browser can be launched; everything stays on localhost.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from crawlers.registry import curated
from crawlers.store import Store
from crawlers.store.schema import open_database

PROJECT = Path(__file__).resolve().parents[1]
ARTIFACTS = PROJECT / "tests" / "artifacts" / "browser"
CHROMIUM = os.environ.get("SII_ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDE, NARROW = 1400, 390  # a desktop, a phone (iPhone 12-15)
TILE_ORIGIN = "https://tile.openstreetmap.org"  # crawlers/site/map_page.py DEFAULT_TILES

FRENCH_TEXT = ("Est puni d'un an d'emprisonnement le fait de porter à la connaissance du public un "
               "montage réalisé avec les paroles ou l'image d'une personne sans son consentement, "
               "s'il n'apparaît pas à l'évidence qu'il s'agit d'un montage.")
KOREAN_TEXT = "사람의 얼굴을 대상으로 한 딥페이크 영상물을 편집·합성 또는 가공한 자는 처벌한다."


GREVIO_SECTION = {
    "type": "monitoring_document", "id": "grevio:GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng-38",
    "body": "GREVIO", "document": "GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng",
    "heading": "V. B. 5. Sexual harassment (Article 40)", "instrument_id": "coe-cets-210-istanbul",
    "kind": "baseline_evaluation_report", "language": "en", "published": "2023-10-24", "section": 38, "sections": 52,
    "source": "hudoc_grevio", "state": "Ireland", "state_code": "IE", "title": "Baseline Evaluation Report IRELAND",
    "text": "GREVIO notes the offences on sharing intimate images without consent.",
    "url": 'https://hudoc.grevio.coe.int/eng#{"greviosectionid":["GREVIO-Inf(2023)9_Ireland_Baseline_Evaluation_Report_eng-38"]}',
}


def build_database(path: Path) -> None:
    """The curated build, with two provision texts written as a spider would write them."""
    db = open_database(path)
    curated.load_into(db, curated.load())
    Store(db).write_batch([
        {"type": "provision", "id": "fr-cp-226-8-1/226-8-1", "instrument_id": "fr-cp-226-8-1",
         "label": "226-8-1", "heading": "Article 226-8", "language": "fr", "text": FRENCH_TEXT,
         "url": "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000049563368", "source": "curated"},
        {"type": "provision", "id": "kr-scpsc-14-2/article/14-2", "instrument_id": "kr-scpsc-14-2",
         "label": "14-2", "heading": "허위영상물 등의 반포등", "language": "ko", "text": KOREAN_TEXT,
         "url": "https://www.law.go.kr/법령/성폭력범죄의처벌등에관한특례법", "source": "curated"},
        # One section of GREVIO's report on Ireland, as tests/examples/hudoc_grevio gives it.
        GREVIO_SECTION,
    ])
    db.conn.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`sii-atlas serve` on a built database; yields its base URL."""
    folder = tmp_path_factory.mktemp("browser-site")
    database = folder / "sii_atlas.db"
    build_database(database)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crawlers.cli", "serve", "--db", str(database), "--port", str(port)],
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        # `sii-atlas serve` runs Datasette as its child: the test stops both, as one process group.
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("sii-atlas serve did not start: " + (server.stderr.read() if server.poll() is not None else "timeout"))
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """Chromium with a fresh profile; the only reason to skip is that it cannot be launched."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium, or set SII_ATLAS_CHROMIUM)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
                chromium_sandbox=False, viewport={"width": WIDE, "height": 900}, accept_downloads=True)
        except PlaywrightError as error:
            pytest.skip(f"no browser: {CHROMIUM} could not be launched ({str(error).splitlines()[0]})")
        # Nothing may leave localhost: any other request is aborted (and noted). The map's
        # background tiles are the one request a page may make elsewhere (the CSP allows that
        # origin only); they are aborted too, so the map is tested as it looks when tiles fail.
        left_localhost = []

        def only_localhost(route):
            url = route.request.url
            if url.startswith(("http://127.0.0.1", "data:", "about:")):
                return route.continue_()
            if not url.startswith(TILE_ORIGIN + "/"):
                left_localhost.append(url)
            return route.abort()

        context.route("**/*", only_localhost)
        yield context
        context.close()
        assert not left_localhost, f"the pages asked for other hosts: {left_localhost}"


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


def screenshots(page, name: str) -> None:
    """The current page, whole, at 1,400 px and 390 px wide."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        # Whole pages, except Datasette's long tables (stacked cell by cell on a phone): their top.
        whole = page.evaluate("document.documentElement.scrollHeight") < 15000
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=whole)
        # On a phone nothing may be wider than the screen (no sideways scrolling of the page).
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} at {width} px is {overflow} px wider than the screen"
    page.set_viewport_size({"width": WIDE, "height": 900})


def pick(page, name: str) -> None:
    page.get_by_label("jurisdiction", exact=False).first.fill(name)
    page.get_by_role("button", name="Open").first.click()
    page.wait_for_load_state()


def test_researcher_picks_two_jurisdictions_by_name_and_reads_their_answers(site, page):
    page.goto(site + "/")
    screenshots(page, "home")
    for typed, code, heading in [("Deutschland", "DE", "Germany"), ("Korea", "KR", "South Korea")]:
        pick(page, typed)
        assert page.url.endswith(f"/jurisdiction/{code}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        creating = page.locator("#q-creating")
        expect(creating.get_by_role("heading")).to_have_text("Creating a sexual deepfake is an offence")
        first = creating.locator("li.coded").first
        expect(first.locator(".answer")).to_be_visible()
        assert first.locator(".mark").inner_text().strip().lower() in {"verified", "suggested"}
        assert first.locator(".evidence").inner_text().strip(), "an answer without its evidence note"
        assert first.locator("a.provision").get_attribute("href").startswith("https://"), "no official link"
        screenshots(page, f"jurisdiction-{code}")


def test_journalist_searches_in_french_and_korean_and_opens_a_result(site, page):
    for query, code, text in [("montage", "FR", "un montage réalisé"), ("딥페이크", "KR", "딥페이크 영상물")]:
        page.goto(site + "/")
        page.get_by_label("Provision texts").fill(query)
        page.get_by_label("Provision texts").press("Enter")
        page.wait_for_load_state()
        results = page.locator("table.rows-and-columns tbody tr")
        expect(results.first).to_be_visible()
        screenshots(page, f"search-{code}")
        # The row whose snippet is the crawled text (headings match too), opened at its jurisdiction.
        results.filter(has_text=text.split()[-1]).first.get_by_role("link", name=code, exact=True).click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/jurisdiction/{code}")
        text_box = page.locator("details.text", has_text=text).first
        text_box.locator("summary").click()
        expect(text_box.locator(".provision-text")).to_contain_text(text)


def test_ngo_exports_a_table_as_csv(site, page):
    page.goto(site + "/sii_atlas/comparison_matrix")
    screenshots(page, "comparison-matrix")
    link = page.get_by_role("link", name="CSV", exact=True).first
    with page.expect_response(lambda response: ".csv" in response.url) as answer:
        link.click()
    response = answer.value
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert len(rows) >= 40 and "creating" in rows[0]
    assert any(row["jurisdiction"] == "GB-EAW" and row["creating"] == "yes" for row in rows)


SIX_COUNTRIES = [("France", "FR"), ("Deutschland", "DE"), ("UK", "GB"), ("United States", "US"),
                 ("Korea", "KR"), ("Australia", "AU")]


def test_researcher_compares_six_countries_by_name_adults_and_minors_apart(site, page):
    page.goto(site + "/")
    page.get_by_role("link", name="Compare jurisdictions side by side").click()
    page.wait_for_load_state()
    for index, (typed, _) in enumerate(SIX_COUNTRIES):
        page.get_by_label(f"Jurisdiction {index + 1}", exact=True).fill(typed)
    page.get_by_text("Questions (all 16)").click()
    for label in ("Creating a sexual deepfake is an offence", "Sharing or publishing is an offence",
                  "Maximum prison term (months)", "Maximum fine"):
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_have_count(0)  # every name found a jurisdiction
    creating = page.locator("#q-creating")
    expect(creating.get_by_role("heading")).to_have_text("Creating a sexual deepfake is an offence")
    expect(creating.locator("thead th")).to_have_text(["Jurisdiction", "For adults", "For minors"])
    expect(creating.locator("tr.chosen")).to_have_count(6)
    # Germany: child-abuse-image law answers for minors only, never as the adults' answer.
    germany = creating.locator('tr[data-jurisdiction="DE"]')
    expect(germany.locator('td[data-scope="minors"] .answer')).to_have_text("yes")
    expect(germany.locator('td[data-scope="adults"] .answer')).not_to_have_text("yes")
    # Suggested answers are marked where they are read; numbers carry their unit.
    expect(page.locator("td.status-suggested .mark-suggested").first).to_be_visible()
    prison = page.locator('#q-max_prison_months tr[data-jurisdiction="FR"] td[data-scope="minors"]')
    expect(prison.locator("data.number")).to_have_attribute("value", "120")
    expect(prison).to_contain_text("months")
    screenshots(page, "compare-six")
    # No table wider than the screen, not even inside a scrolling box (the side-by-side view's is 2,766 px).
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        widest = page.evaluate("Math.max(...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right))")
        assert widest <= width, f"a table reaches {widest} px at {width} px"
    page.set_viewport_size({"width": WIDE, "height": 900})
    # One click from a cell to its provisions and evidence.
    germany.locator('td[data-scope="minors"] a.cell-link').click()
    page.wait_for_load_state()
    assert page.url.endswith("/jurisdiction/DE#q-creating")
    expect(page.locator("#q-creating")).to_contain_text("184b")


def test_map_shows_coloured_markers_and_a_legend_when_tiles_fail(site, page):
    page.goto(site + "/map?q=creating&scope=adults")
    markers = page.locator("#map path.marker")
    expect(markers.first).to_be_visible()
    assert markers.count() >= 100, markers.count()
    colours = set(page.eval_on_selector_all("#map path.marker", "paths => paths.map(p => p.getAttribute('fill'))"))
    assert {"#1b7837", "#c51b7d"} <= colours, colours
    # Tiles were refused (no network here): the page says so, and keeps the legend and the table.
    expect(page.locator("#map-status")).to_contain_text("could not be loaded")
    expect(page.locator("ul.legend li").first).to_be_visible()
    expect(page.locator(".map-table a", has_text="California")).to_be_visible()
    page.locator("path.marker-US-CA").dispatch_event("click")  # neighbours overlap at world zoom
    expect(page.locator(".leaflet-popup-content")).to_contain_text("California")
    screenshots(page, "map-creating")
    page.get_by_label("Question").select_option("max_prison_months")
    page.get_by_label("For images of").select_option("minors")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maximum prison term")
    expect(page.locator("#map path.marker").first).to_be_visible()


def test_chart_of_laws_per_year_renders(site, page):
    page.goto(site + "/")
    page.get_by_role("link", name="Laws enacted per year, by region").click()
    page.wait_for_load_state()
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    assert bars.count() > 5
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 200, box
    expect(page.locator("table.timeline-table tbody tr", has_text="date unknown")).to_be_visible()
    screenshots(page, "timeline")


# ----------------------------------------------------------------------------- three readers, step by step

SEVEN = "France, Germany, UK, South Korea, Australia, United States, California"


def header_link(page, name: str):
    return page.locator("header ul.site-nav").get_by_role("link", name=name, exact=True)


def test_policy_researcher_from_the_home_page_to_evidence_parent_law_map_and_timeline(site, page):
    page.goto(site + "/")
    page.get_by_label("Jurisdictions to compare, by name, separated by commas").fill(SEVEN)
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_have_count(0)
    creating = page.locator("#q-creating")
    expect(creating.locator("tr.chosen")).to_have_count(7)
    # California's row is followed by the federal law that also applies there.
    expect(creating.locator('tr.applies-also[data-jurisdiction="US"]')).to_have_count(1)
    expect(creating.locator("thead th")).to_have_text(["Jurisdiction", "For adults", "For minors"])
    screenshots(page, "researcher-1-compare-seven")
    # A suggested answer says why, one click away.
    why = page.locator("td.status-suggested details.why").first
    why.scroll_into_view_if_needed()
    expect(why.locator("li").first).to_be_hidden()
    why.locator("summary").click()
    expect(why.locator("li").first).to_be_visible()
    assert len(why.locator("li").first.inner_text().strip()) > 20
    screenshots(page, "researcher-2-why-suggested")
    # France's adults' prison term is suggested: its cell opens the evidence, with the reason.
    page.locator('#q-max_prison_months tr[data-jurisdiction="FR"] td[data-scope="adults"] a.cell-link').click()
    page.wait_for_load_state()
    assert page.url.endswith("/jurisdiction/FR#q-max_prison_months")
    question = page.locator("#q-max_prison_months")
    suggested = question.locator("li.coded", has=page.locator(".mark-suggested")).first
    assert "Why:" in suggested.locator(".mark").get_attribute("title")  # on hover
    suggested.locator("details.why summary").click()
    expect(suggested.locator("details.why p")).to_be_visible()
    assert suggested.locator("a.provision").get_attribute("href").startswith("https://")  # the official text
    expect(page.locator("body")).not_to_contain_text("any_age")
    screenshots(page, "researcher-3-evidence-FR")
    # A state's page leads to its federal law.
    page.goto(site + "/jurisdiction/US-CA")
    # On a phone the picker's two buttons ("Open", "Compare with California") leave its field usable.
    page.set_viewport_size({"width": NARROW, "height": 900})
    field = page.locator("#jurisdiction-name").bounding_box()
    assert field["width"] >= NARROW * 0.6, field
    page.set_viewport_size({"width": WIDE, "height": 900})
    page.locator(".jurisdiction-head .facts").get_by_role("link", name="United States").click()
    page.wait_for_load_state()
    assert page.url.endswith("/jurisdiction/US")
    expect(page.get_by_role("heading", level=1)).to_contain_text("United States")
    screenshots(page, "researcher-4-parent-US")
    header_link(page, "Map").click()
    page.wait_for_load_state()
    expect(page.locator("#map path.marker").first).to_be_visible()
    screenshots(page, "researcher-5-map")
    header_link(page, "Timeline").click()
    page.wait_for_load_state()
    expect(page.locator("svg.chart rect.bar").first).to_be_visible()
    screenshots(page, "researcher-6-timeline")


JOURNALIST_SEARCHES = [("montages", "FR"), ("l'image", "FR"), ("hypertrucage", "CA-QC"), ("딥페이크", "KR"), ("허위영상물", "KR")]


def test_journalist_searches_in_french_and_korean_opens_a_law_and_exports_a_csv(site, page):
    for index, (query, code) in enumerate(JOURNALIST_SEARCHES):
        page.goto(site + "/")
        box = page.get_by_label("Everything: laws, provisions, decisions and bills")
        box.fill(query)
        box.press("Enter")
        page.wait_for_load_state()
        expect(page.get_by_label("Words to find")).to_have_value(query)
        results = page.locator("ol.search-results li")
        expect(results.first).to_be_visible()
        expect(results.filter(has=page.locator(f'a.code:text-is("{code}")')).first).to_be_visible()
        # Only two provision texts are stored here: the page says so, and each result found by
        # its heading alone says so (Québec's hypertrucage provision has no text stored).
        expect(page.locator("p.coverage")).to_contain_text("2 of")
        if query == "hypertrucage":
            expect(page.locator("#search_provisions .text-status", has_text="not crawled yet").first).to_be_visible()
        screenshots(page, f"journalist-{index + 1}-search")
    # Open a law, then its jurisdiction, and take its answers as CSV.
    page.goto(site + "/search?q=montages")
    page.locator("#search_instruments a.result", has_text="226-8-1").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/instruments/fr-cp-226-8-1" in page.url
    screenshots(page, "journalist-6-law")
    page.goto(site + "/jurisdiction/FR")
    with page.expect_response(lambda response: ".csv" in response.url) as answer:
        page.get_by_role("link", name="Download these answers (CSV)").click()
    response = answer.value
    assert response.status == 200 and response.headers["x-sii-atlas-as-of"]
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert rows and {row["jurisdiction"] for row in rows} == {"FR"}


def test_ngo_exports_comparison_and_laws_finds_help_subscribes_and_cites(site, page):
    page.goto(site + "/compare?j=" + SEVEN.replace(", ", "&j="))
    with page.expect_download() as saved:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = saved.value
    assert download.suggested_filename.startswith("sii-atlas-comparison-20"), download.suggested_filename
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {"why_suggested", "number", "status"} <= set(rows[0])
    assert {row["jurisdiction"] for row in rows} >= {"FR", "DE", "GB", "KR", "AU", "US", "US-CA"}
    exported = page.request.get(site + "/compare.json?j=France&j=Germany").json()
    assert exported["license"] and exported["as_of"] and exported["answers"]
    # The laws, as JSON pages: licence, as-of and the next page's address; the home page says how to page.
    laws = page.request.get(site + "/sii_atlas/instruments.json").json()
    assert laws["license"] and laws["as_of"] and laws["next_url"]
    page.goto(site + "/")
    expect(page.locator("#exports-and-api")).to_contain_text("follow next_url")
    screenshots(page, "ngo-1-exports-note")
    # Where to get help, from a jurisdiction's page.
    page.goto(site + "/jurisdiction/GB")
    page.get_by_role("link", name="Where to get help").click()
    help_routes = page.locator("#help ul.help-routes > li")
    expect(help_routes.first).to_be_visible()
    assert help_routes.first.locator("a").first.get_attribute("href").startswith("https://")
    screenshots(page, "ngo-2-help-GB")
    # Subscribe: the feeds page, one jurisdiction's feed.
    header_link(page, "Feeds").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atom feeds")
    feed = page.request.get(site + page.get_by_role("link", name="GB", exact=True).get_attribute("href"))
    assert feed.status == 200 and "atom" in feed.headers["content-type"] and "<feed" in feed.text()
    screenshots(page, "ngo-3-feeds")
    # How to cite: the foot of every page.
    expect(page.locator("footer .citation")).to_contain_text("Cite as: SII Atlas, data as of")


def test_journalist_opens_a_provisions_page_and_a_decisions_page_from_the_jurisdiction_page(site, page):
    """One click from a jurisdiction's law to its provision's own page (text, versions,
    decisions), and from a decision to its page (identifiers, our summary, what it cites);
    both fit a phone's width."""
    page.goto(site + "/jurisdiction/FR")
    page.locator('a[href="/provision/fr-cp-226-8-1/226-8-1"]').first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("226-8-1")
    expect(page.locator("body")).to_contain_text(FRENCH_TEXT[:60])
    expect(page.get_by_role("heading", name="Decisions that cite this provision")).to_be_visible()
    screenshots(page, "provision-page")
    page.goto(site + "/jurisdiction/FR")
    case_link = page.locator('a[href^="/case/"]').first
    name = case_link.inner_text().strip()
    case_link.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("body")).to_contain_text("Court")
    screenshots(page, "case-page")


def test_researcher_finds_what_grevio_said_about_a_state_and_reads_its_sections(site, page):
    """From a state's page to the treaty body's report on it: the report's line, then the
    table of its stored sections; the section fits a phone."""
    page.goto(site + "/jurisdiction/IE")
    page.get_by_role("link", name="Treaty monitoring (1)").click()
    section = page.locator("#monitoring")
    expect(section).to_contain_text("Baseline Evaluation Report IRELAND")
    expect(section).to_contain_text("baseline evaluation report · 2023-10-24 · English")
    screenshots(page, "jurisdiction-monitoring")
    section.get_by_role("link", name="1 of its 52 sections").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("V. B. 5. Sexual harassment (Article 40)")
