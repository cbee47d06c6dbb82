"""The jurisdiction pages and the picker that finds them by name."""

from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from crawlers.registry import curated
from crawlers.site import datasette_options
from crawlers.site.places import Directory, also_applies, normalise
from crawlers.store import Store
from crawlers.store.schema import open_database

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The curated build, one crawled French text, and one bill with two actions."""
    path = tmp_path_factory.mktemp("pages") / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, curated.load())
    Store(db).write_batch([{
        "type": "provision", "id": "fr-cp-226-8-1/226-8-1", "instrument_id": "fr-cp-226-8-1",
        "label": "226-8-1", "heading": "Article 226-8-1", "language": "fr", "source": "curated",
        "text": "Est puni de deux ans d'emprisonnement le fait de porter à la connaissance du public un montage à caractère sexuel.",
        "url": "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000049563368"}])
    db["bills"].insert({"id": "us-hr-0000", "jurisdiction": "US", "identifier": "H.R. 0000", "session": "119",
                        "title": "An example deepfake bill", "status": "introduced",
                        "url": "https://www.congress.gov/bill/119th-congress/house-bill/0000"})
    db["bill_actions"].insert_all([
        {"bill_id": "us-hr-0000", "date": "2025-01-10", "action": "introduced", "wording": "Introduced in House"},
        {"bill_id": "us-hr-0000", "date": "2025-04-28", "action": "passed_one_chamber", "wording": "Passed House"}])
    db.conn.close()
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000}, **datasette_options())


async def page(site, path, status=200):
    response = await site.client.get(path)
    assert response.status_code == status, (path, response.text[:500])
    return response.text


@pytest.mark.parametrize("typed, code", [
    ("United Kingdom", "GB"), ("UK", "GB"), ("uk", "GB"), ("Royaume-Uni", "GB"), ("Korea", "KR"),
    ("South Korea", "KR"), ("대한민국", "KR"), ("Deutschland", "DE"), ("germany", "DE"), ("Alemania", "DE"),
    ("CA-QC", "CA-QC"), ("Québec", "CA-QC"), ("quebec", "CA-QC"), ("USA", "US"), ("England and Wales", "GB-EAW"),
    ("England", "GB-ENG"), ("California", "US-CA"), ("European Union", "EU"), ("Österreich", "AT"),
])
async def test_the_picker_finds_a_jurisdiction_by_any_of_its_names(site, typed, code):
    response = await site.client.get("/jurisdiction?name=" + quote(typed))
    assert response.status_code == 302, response.text[:300]
    assert response.headers["location"] == f"/jurisdiction/{code}"


async def test_a_name_shared_by_several_places_lists_them_and_an_unknown_name_says_so(site):
    several = await page(site, "/jurisdiction?name=" + quote("new"))
    assert "/jurisdiction/US-NY" in several and "/jurisdiction/US-NJ" in several and "/jurisdiction/CA-NB" in several
    unknown = await page(site, "/jurisdiction?name=Atlantis", status=404)
    assert "No jurisdiction we track answers to" in unknown and "/jurisdiction/FR" in unknown


async def test_home_page_has_a_picker_that_works_without_javascript(site):
    home = await page(site, "/")
    assert '<form class="picker" action="/jurisdiction" method="get"' in home
    assert '<datalist id="jurisdiction-names">' in home and '<option value="United Kingdom">' in home
    assert 'action="/sii_atlas/search_provisions"' in home


async def test_a_jurisdiction_page_shows_its_law_question_by_question_with_evidence(site):
    html = await page(site, "/jurisdiction/GB-EAW")
    questions = [question["label"] for question in curated.load().codebook]
    positions = [html.index(">" + label.replace('"', "&#34;") + "</h3>") for label in questions]
    assert positions == sorted(positions), "questions out of codebook order"
    creating = html[html.index('id="q-creating"'):html.index('id="q-sharing"')]
    assert "s. 66E" in creating and 'class="mark mark-verified"' in creating
    assert 'href="https://www.legislation.gov.uk/' in creating
    assert "/sii_atlas/jurisdiction_answers.csv?jurisdiction=GB-EAW" in html


async def test_child_abuse_image_law_never_answers_for_adults_on_a_jurisdiction_page(site):
    # Germany's StGB 184b (child sexual abuse material) makes creating an offence for
    # images of minors only: the page says so apart, and never as the adults' answer.
    html = await page(site, "/jurisdiction/DE")
    creating = html[html.index('id="q-creating"'):html.index('id="q-sharing"')]
    adults = creating[creating.index("In force, as a whole, for adults"):creating.index("In force, as a whole, for minors")]
    minors = creating[creating.index("In force, as a whole, for minors"):]
    assert "184b" not in adults and ">yes<" not in adults
    assert "184b" in minors and "minors only" in creating


async def test_provision_texts_where_crawled_and_a_plain_sentence_where_not(site):
    html = await page(site, "/jurisdiction/FR")
    assert "montage à caractère sexuel" in html
    assert "The text of this provision has not been crawled yet" in html
    assert 'href="https://www.legifrance.gouv.fr/' in html


async def test_cases_bills_and_the_law_that_also_applies(site):
    us = await page(site, "/jurisdiction/US")
    assert "H.R. 0000" in us and "passed one chamber on 2025-04-28" in us and "Passed House" in us
    assert 'id="units"' in us and "/jurisdiction/US-CA" in us and "/jurisdiction/US-WY" in us
    california = await page(site, "/jurisdiction/US-CA")
    assert 'id="also-applies"' in california and 'href="/jurisdiction/US"' in california
    england = await page(site, "/jurisdiction/GB-ENG")
    applies = england[england.index('id="also-applies"'):]
    assert "/jurisdiction/GB-EAW" in applies and "/jurisdiction/GB" in applies
    germany = await page(site, "/jurisdiction/DE")
    assert "/jurisdiction/EU" in germany[germany.index('id="also-applies"'):]
    australia = await page(site, "/jurisdiction/AU")
    assert "eSafety Commissioner v Rotondo" in australia


async def test_every_jurisdiction_has_a_page(site):
    codes = [row["code"] for row in (await site.client.get("/sii_atlas/jurisdictions.json?_shape=array&_size=max")).json()]
    assert len(codes) > 100
    for code in codes:
        await page(site, f"/jurisdiction/{code}")
    await page(site, "/jurisdiction/gb-eaw")  # codes are not case-sensitive


async def test_search_results_link_to_the_jurisdiction_page(site):
    html = await page(site, "/sii_atlas/search_instruments?q=montage")
    assert '<a href="/jurisdiction/FR">FR</a>' in html


async def test_extra_columns_in_the_views_do_not_break_the_page(tmp_path):
    """Another part of the project adds columns to the codebook views; the page reads by name."""
    path = tmp_path / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, curated.load())
    for view in ("jurisdiction_answers", "comparison"):
        sql = db.execute("select sql from sqlite_master where name = ?", [view]).fetchone()[0]
        db.execute(f"drop view {view}")
        db.execute(sql.replace("SELECT ", "SELECT 'adults' AS victim_scope, ", 1))
    db.conn.close()
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    ds = Datasette([str(path)], metadata=metadata, **datasette_options())
    html = await page(ds, "/jurisdiction/GB-EAW")
    assert "s. 66E" in html


def test_names_are_matched_without_case_accents_or_punctuation():
    assert normalise("Royaume-Uni") == "royaume uni"
    assert normalise("  QUÉBEC ") == "quebec"
    places = Directory([{"code": "GE", "name": "Georgia", "languages": "ka"},
                        {"code": "US-GA", "name": "Georgia", "languages": "en"}])
    assert sorted(places.find("Georgia")) == ["GE", "US-GA"]  # both answer; the page lists them
    assert places.find("") == []


def test_law_that_also_applies_nearest_first():
    parent_of = {"GB": None, "GB-EAW": "GB", "GB-ENG": "GB", "US": None, "US-CA": "US", "DE": None, "EU": None,
                 "CA": None, "CA-QC": "CA"}
    assert also_applies("GB-ENG", parent_of) == ["GB-EAW", "GB"]
    assert also_applies("US-CA", parent_of) == ["US"]
    assert also_applies("DE", parent_of) == ["EU"]
    assert also_applies("CA-QC", parent_of) == ["CA"]
    assert also_applies("EU", parent_of) == []


def test_templates_and_stylesheet_are_installed_with_the_package(tmp_path):
    """A regular install (not editable) carries the site's templates and stylesheet."""
    import shutil
    import subprocess
    import sys

    source = tmp_path / "source"
    shutil.copytree(PROJECT / "crawlers", source / "crawlers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    target = tmp_path / "site-packages"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    installed = target / "crawlers" / "site"
    shipped = {path.relative_to(installed).as_posix() for path in installed.rglob("*") if path.is_file()}
    expected = {path.relative_to(PROJECT / "crawlers" / "site").as_posix()
                for folder in ("templates", "static") for path in (PROJECT / "crawlers" / "site" / folder).iterdir()}
    assert expected <= shipped, expected - shipped
