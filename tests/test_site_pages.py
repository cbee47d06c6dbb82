"""The jurisdiction pages and the picker that finds them by name."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

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


# ----------------------------------------------------------------------------- the comparison page

SIX = "/compare?j=France&j=Deutschland&j=UK&j=United+States&j=California&j=Korea"


async def compared(site, query: str) -> dict:
    response = await site.client.get("/compare.json" + query)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def answer(data: dict, code: str, question: str, scope: str, applies_in=None) -> dict:
    return next(each for each in data["answers"] if each["jurisdiction"] == code and each["question_id"] == question
                and each["scope"] == scope and each["applies_in"] == applies_in)


async def test_the_comparison_finds_jurisdictions_by_the_names_people_type(site):
    # The comparison views are filtered by ISO code: "UK" finds nothing there.
    assert (await site.client.get("/sii_atlas/comparison_matrix.json?jurisdiction=UK&_shape=array")).json() == []
    data = await compared(site, "?j=UK&j=United+Kingdom&j=Royaume-Uni&j=Deutschland&j=south+korea&j=california")
    assert [each["code"] for each in data["jurisdictions"]] == ["GB", "DE", "KR", "US-CA"]
    assert data["not_found"] == [] and data["ambiguous"] == {}
    html = await page(site, SIX)
    for name in ("France", "Germany", "United Kingdom", "United States", "California", "South Korea"):
        assert f">{name}</a>" in html


async def test_a_name_the_comparison_cannot_place_is_reported_not_dropped(site):
    data = await compared(site, "?j=Atlantis&j=new&j=FR")
    assert [each["code"] for each in data["jurisdictions"]] == ["FR"]
    assert data["not_found"] == ["Atlantis"]
    assert {"US-NY", "US-NJ", "CA-NB"} <= set(data["ambiguous"]["new"])
    html = await page(site, "/compare?j=Atlantis&j=new&j=FR")
    assert "No jurisdiction we track answers to “Atlantis”" in html and "could be several jurisdictions" in html
    assert 'href="/compare?j=Atlantis&amp;j=US-NY&amp;j=FR"' in html  # one click picks the one meant


async def test_the_comparison_shows_adults_and_minors_apart(site):
    # Germany's StGB 184b is child sexual abuse material law: it answers for minors only.
    data = await compared(site, "?j=Germany&q=creating")
    assert answer(data, "DE", "creating", "adults")["answer"] != "yes"
    minors = answer(data, "DE", "creating", "minors")
    assert minors["answer"] == "yes" and "184b" in minors["supporting_provisions"]
    html = await page(site, "/compare?j=Germany&q=creating")
    assert '<th scope="col">For adults</th><th scope="col">For minors</th>' in html
    row = html[html.index('data-jurisdiction="DE"'):html.index("</tr>", html.index('data-jurisdiction="DE"'))]
    adults, minors_cell = row.split('data-scope="adults"')[1].split('data-scope="minors"')
    assert "184b" not in adults and "184b" in minors_cell


async def test_suggested_answers_are_marked_on_the_cell(site):
    # The side-by-side view shows "36" with nothing to say it was inferred rather than read.
    matrix = (await site.client.get("/sii_atlas/comparison_matrix.json?_shape=array&jurisdiction=FR")).json()
    assert "suggested" not in str(matrix)
    data = await compared(site, "?j=FR&q=max_prison_months")
    assert answer(data, "FR", "max_prison_months", "adults")["status"] == "suggested"
    assert answer(data, "FR", "max_prison_months", "minors")["status"] == "verified"
    html = await page(site, "/compare?j=FR&q=max_prison_months")
    row = html[html.index('data-jurisdiction="FR"'):]
    adults, minors = row.split('data-scope="adults"')[1].split('data-scope="minors"')
    assert "status-suggested" in row[:row.index('data-scope="minors"')] and 'class="mark mark-suggested"' in adults
    assert 'class="mark mark-verified"' in minors.split("</tr>")[0]


async def test_numbers_are_numbers_with_their_units(site):
    # The side-by-side view gives prison terms as text ("36") and fines as free text ("EUR 45000").
    matrix = (await site.client.get("/sii_atlas/comparison_matrix.json?_shape=array&jurisdiction=FR")).json()[0]
    assert isinstance(matrix["max_prison_months"], str)
    data = await compared(site, "?j=FR&j=US-CA&q=max_prison_months&q=max_fine")
    prison = answer(data, "FR", "max_prison_months", "minors")
    assert prison["number"] == 120 and type(prison["number"]) is int and prison["unit"] == "months"
    fines = answer(data, "FR", "max_fine", "adults")["fines"]
    assert fines[0] == {**fines[0], "amount": 75000, "currency": "EUR", "basis": "fixed"}
    assert [fine["amount"] for fine in fines] == sorted({fine["amount"] for fine in fines}, reverse=True)
    html = await page(site, "/compare?j=FR&q=max_prison_months&q=max_fine")
    assert '<data class="number" value="120">120</data> months <span class="years">(10 years)</span>' in html
    assert '<data class="money" value="75000">75,000</data> <abbr class="currency"' in html


async def test_each_state_is_shown_with_its_federal_law_and_every_cell_opens_its_evidence(site):
    data = await compared(site, "?j=California&j=England&q=creating")
    assert [each["code"] for each in data["jurisdictions"][0]["also_applies"]] == ["US"]
    assert [each["code"] for each in data["jurisdictions"][1]["also_applies"]] == ["GB-EAW", "GB"]
    assert answer(data, "US", "creating", "adults", applies_in="US-CA")["evidence_url"] == "/jurisdiction/US#q-creating"
    html = await page(site, "/compare?j=California&q=creating")
    california = html.index('<tr class="chosen" data-jurisdiction="US-CA"')
    federal = html.index('<tr class="applies-also" data-jurisdiction="US"')
    assert california < federal
    assert html.count('href="/jurisdiction/US-CA#q-creating"') == 2  # adults, minors


async def test_questions_in_codebook_order_with_their_labels_and_no_wide_table(site):
    html = await page(site, SIX)
    labels = [question["label"].replace('"', "&#34;") for question in curated.load().codebook]
    positions = [html.index(f"<h2>{label}</h2>") for label in labels]
    assert positions == sorted(positions)
    # One short table per question (jurisdiction, adults, minors), never a column per question.
    heads = html.split("<thead>")[1:]
    assert len(heads) == len(labels) and all(head.split("</thead>")[0].count("<th") == 3 for head in heads)
    only_two = await compared(site, "?j=FR&q=max_fine&q=creating")
    assert [question["id"] for question in only_two["questions"]] == ["creating", "max_fine"]


async def test_home_and_jurisdiction_pages_link_to_the_comparison_map_and_chart(site):
    home = await page(site, "/")
    assert 'href="/compare"' in home and 'href="/map"' in home and 'href="/timeline"' in home
    france = await page(site, "/jurisdiction/FR")
    assert 'href="/compare?j=FR"' in france
    empty = await page(site, "/compare")
    assert "Name at least one jurisdiction" in empty and 'list="jurisdiction-names"' in empty


# ----------------------------------------------------------------------------- the map and the chart

def map_data(html: str) -> dict:
    import json

    start = html.index('<script type="application/json" id="map-data">') + len('<script type="application/json" id="map-data">')
    return json.loads(html[start:html.index("</script>", start)])


async def test_the_map_colours_every_jurisdiction_by_its_answer_with_subnational_units(site):
    html = await page(site, "/map?q=creating&scope=adults")
    markers = {marker["code"]: marker for marker in map_data(html)["markers"]}
    for code in ("US", "US-CA", "AU", "AU-NSW", "CA", "CA-QC", "GB", "GB-SCT", "FR"):
        assert code in markers, code
    assert markers["US-CA"]["subnational"] and not markers["US"]["subnational"]
    assert markers["GB-EAW"]["answer"] == "yes" and markers["GB-EAW"]["colour"] == "#1b7837"
    assert markers["DE"]["answer"] != "yes"
    # The legend and a table of every jurisdiction carry the answers when the tiles or the script fail.
    assert '<ul class="legend"' in html and '<h3><span class="swatch" style="background: #1b7837"></span> yes' in html
    assert 'href="/jurisdiction/FR#q-creating"' in html
    minors = {marker["code"]: marker for marker in map_data(await page(site, "/map?q=creating&scope=minors"))["markers"]}
    assert minors["DE"]["answer"] == "yes"
    prison = map_data(await page(site, "/map?q=max_prison_months"))["markers"]
    assert any(marker["answer"] == "36" and "months" in marker["category"] for marker in prison)


async def test_the_map_loads_leaflet_from_this_site_and_tiles_from_one_allowed_origin(site):
    response = await site.client.get("/map")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy
    assert "script-src 'self' 'unsafe-inline';" in policy  # no script from elsewhere
    assert response.headers["referrer-policy"] == "strict-origin"  # the tile server's policy needs the site
    html = response.text
    for asset in ("/-/static-plugins/datasette-leaflet/leaflet-v1.7.1.js", "/site-static/map.js",  # map.js imports Leaflet
                  "/-/static-plugins/datasette-leaflet/leaflet-v1.7.1.css"):
        assert asset in html and (await site.client.get(asset)).status_code == 200
    # Every other page still refers no one.
    assert (await site.client.get("/compare")).headers["referrer-policy"] == "no-referrer"


async def test_the_timeline_counts_every_tracked_law_with_undated_ones_shown_apart(site):
    laws = "+from+instruments+where+kind+is+not+'model'"
    total = (await site.client.get("/sii_atlas.json?sql=select+count(*)+as+n" + laws + "&_shape=array")).json()[0]["n"]
    undated = (await site.client.get("/sii_atlas.json?sql=select+count(*)+as+n" + laws +
                                     "+and+coalesce(date_enacted,date_in_force)+is+null&_shape=array")).json()[0]["n"]
    in_view = (await site.client.get("/sii_atlas/enactment_timeline.json?_size=0")).json()["filtered_table_rows_count"]
    assert undated > 0 and in_view == total  # the view lists every law, the undated with no year
    html = await page(site, "/timeline")
    assert f"All {total} tracked laws" in html and f"<strong>{undated}</strong> have neither date" in html
    import re

    counts = [int(count) for count in re.findall(r'data-count="(\d+)"', html)]
    assert sum(counts) == total
    assert sum(int(c) for c in re.findall(r'data-bucket="date unknown" data-region="[^"]+" data-count="(\d+)"', html)) == undated
    assert '<svg class="chart"' in html and "<script" not in html.split('<svg class="chart"')[1].split("</svg>")[0]


async def test_views_are_served_without_suggested_facets(site):
    # Each suggestion re-runs the view: on the full registry 90% of the comparison's page time.
    for view in ("comparison_matrix", "comparison", "jurisdiction_answers"):
        page_data = (await site.client.get(f"/sii_atlas/{view}.json")).json()
        assert page_data["suggested_facets"] == [], view
    assert (await site.client.get("/sii_atlas/instruments.json")).json()["suggested_facets"]  # tables keep theirs


async def test_a_country_is_shown_with_what_its_states_or_nations_own_law_says(site):
    # "UK: no" for creating a deepfake is the UK-wide law; England and Wales made it an offence.
    data = await compared(site, "?j=UK&j=US&q=creating")
    assert answer(data, "GB", "creating", "adults")["answer"] == "no"
    nations = next(each for each in data["units"] if each["jurisdiction"] == "GB" and each["scope"] == "adults")
    assert {"code": "GB-EAW", "name": "England and Wales", "answer": "yes", "unit": None} in nations["named"]
    states = next(each for each in data["units"] if each["jurisdiction"] == "US" and each["scope"] == "adults")
    assert states["named"] == [] and states["counts"]["yes"] >= 10 and states["unit_count"] > 40
    html = await page(site, "/compare?j=UK&q=creating")
    nations_row = html[html.index('data-units-of="GB"'):]
    assert 'href="/jurisdiction/GB-EAW#q-creating">England and Wales</a>: yes' in nations_row
    assert "j=GB-EAW" in nations_row.split("</th>")[0]  # one click compares them


async def test_the_tile_server_is_configuration_and_the_policy_follows_it(site, tmp_path):
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    assert metadata["plugins"]["sii_atlas"]["map_tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    metadata["plugins"]["sii_atlas"]["map_tiles"] = {"url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"}
    path = tmp_path / "sii_atlas.db"
    curated.load_into(open_database(path), curated.load())
    other = Datasette([str(path)], metadata=metadata, **datasette_options())
    response = await other.client.get("/map")
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: https://*.tiles.example.org;" in policy and "openstreetmap" not in policy
    assert '"url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in response.text


async def test_the_comparison_downloads_as_csv_with_numbers_in_their_own_columns(site):
    import csv
    import io

    response = await site.client.get("/compare.csv?j=France&q=max_prison_months&q=max_fine&q=")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    prison = next(row for row in rows if row["question_id"] == "max_prison_months" and row["scope"] == "minors")
    assert prison["number"] == "120" and prison["unit"] == "months" and prison["status"] == "verified"
    fine = next(row for row in rows if row["question_id"] == "max_fine" and row["scope"] == "adults")
    assert fine["fines"].startswith("75000 EUR")
    assert {row["question_id"] for row in rows} == {"max_prison_months", "max_fine"}  # a blank q= is no question


async def test_a_place_without_law_of_its_own_says_so_and_shows_the_law_that_applies(site):
    # England has no criminal law of its own: England and Wales's applies, then the UK's.
    html = await page(site, "/compare?j=England&q=creating")
    england = html[html.index('data-jurisdiction="GB-ENG"'):html.index('data-jurisdiction="GB-EAW"')]
    assert "no law of its own tracked" in england and "not coded" not in england
    eaw = html[html.index('data-jurisdiction="GB-EAW"'):]
    assert ">yes</span>" in eaw.split("</tr>")[0]


# ----------------------------------------------------------------------------- the site walked as its readers walk it

SITE_PAGES = ("/", "/compare", "/map", "/timeline", "/search", "/feeds")
WALKED = ["/", "/jurisdiction/FR", "/jurisdiction/US-CA", SIX, "/compare", "/map?q=minors_specific", "/timeline",
          "/search?q=montages", "/feeds", "/jurisdiction?name=Atlantis", "/sii_atlas", "/sii_atlas/comparison_matrix",
          "/sii_atlas/instruments/fr-cp-226-8-1", "/sii_atlas/search_provisions?q=montage"]


@pytest.mark.parametrize("path", WALKED)
async def test_every_page_reaches_home_compare_map_timeline_search_and_feeds(site, path):
    # The timeline, search and feeds pages had no way back to the others, nor Datasette's tables.
    html = await page(site, path, status=404 if "Atlantis" in path else 200)
    header = html[html.index("<header"):html.index("</header>")]
    for target in SITE_PAGES:
        assert f'href="{target}"' in header, f"{path} does not link to {target} from its header"


async def test_coded_answers_read_as_words_not_as_codes(site):
    # "any_age" and "any_age,minors_only" were shown as they are stored.
    france = await page(site, "/jurisdiction/FR")
    ages = france[france.index('id="q-minors_specific"'):france.index('id="q-civil_remedy"')]
    assert "any_age" not in ages.replace('class="answer answer-any_age', "")
    assert ">any age<" in ages and ">any age, minors only<" in ages
    compare_page = await page(site, "/compare?j=US&j=JP&q=minors_specific")
    cells = compare_page[compare_page.index("<tbody>"):]
    assert not re.findall(r">[^<>]*_(?:only|age)\b[^<>]*<", cells), "a code shown as it is stored"


async def test_the_map_groups_the_same_answers_whatever_their_order(site):
    # "adults only,any age" and "any age,adults only" were two colours for one answer.
    html = await page(site, "/map?q=minors_specific")
    labels = sorted({marker["category"] for marker in map_data(html)["markers"]})
    assert len({frozenset(piece.strip() for piece in label.split(",")) for label in labels}) == len(labels), labels
    assert not any("_" in label for label in labels), labels


@pytest.fixture(scope="module")
def site_with_reasons(tmp_path_factory):
    path = tmp_path_factory.mktemp("reasons") / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, curated.load())
    db.conn.close()
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000}, **datasette_options())


JAPAN_SHARING = "inferred from the 2020 police charges against deepfake makers and link sites, as reported in the press"


async def test_the_reason_of_a_suggested_answer_is_one_click_from_its_mark(site_with_reasons):
    japan = await page(site_with_reasons, "/jurisdiction/JP")
    sharing = japan[japan.index('id="q-sharing"'):japan.index('id="q-threatening"')]
    assert f"<summary>Why only suggested</summary><p>{JAPAN_SHARING}</p>" in sharing
    assert f'title="Suggested: inferred, not yet verified. Why: {JAPAN_SHARING}"' in sharing
    compared_page = await page(site_with_reasons, "/compare?j=Japan&q=sharing")
    cell = compared_page[compared_page.index('data-jurisdiction="JP"'):]
    assert "<summary>why suggested</summary>" in cell and JAPAN_SHARING in cell.split("</tr>")[0]
    data = (await site_with_reasons.client.get("/compare.json?j=Japan&q=sharing")).json()
    assert answer(data, "JP", "sharing", "adults")["reasons"][0]["reason"] == JAPAN_SHARING
    exported = (await site_with_reasons.client.get("/compare.csv?j=Japan&q=sharing")).text
    assert "why_suggested" in exported.splitlines()[0] and JAPAN_SHARING in exported


async def test_the_built_database_keeps_the_reason_of_each_suggested_answer(site):
    sql = "select count(*) as n from coded_answers where status = 'suggested' and coalesce(reason, '') = ''"
    response = await site.client.get("/sii_atlas.json?sql=" + quote(sql) + "&_shape=array")
    assert response.json()[0]["n"] == 0
    sql = "select count(*) as n from jurisdiction_answers where why_suggested is not null"
    assert (await site.client.get("/sii_atlas.json?sql=" + quote(sql) + "&_shape=array")).json()[0]["n"] > 100


class Links(HTMLParser):
    """Every address a page links to or loads (a, link, script, img)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if tag in ("a", "link", "script", "img") and attrs.get(name):
                self.found.append(attrs[name])


def links_within_the_site(html: str, at: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for link in parser.found:
        address = urljoin("http://localhost" + at, link)
        if address.startswith("http://localhost/"):
            found.append(address[len("http://localhost"):].split("#")[0] or "/")
    return list(dict.fromkeys(found))


def link_shape(address: str) -> tuple:
    """Datasette's table pages link each row and every sort and facet of each column: those are
    checked once per table and set of filters, every other page once per address."""
    parts = urlsplit(address)
    steps = parts.path.strip("/").split("/")
    path = "/".join(["", *steps[:2], "<row>"]) if len(steps) == 3 and steps[0] == "sii_atlas" else parts.path
    filters = tuple(sorted({key for key, _ in parse_qsl(parts.query) if not key.startswith("_")}))
    return path, filters, parts.query if not parts.path.startswith("/sii_atlas") else None


async def test_no_link_two_steps_from_the_home_page_is_broken(site):
    checked, broken = {}, []

    async def visit(address: str, came_from: str) -> str:
        response = await site.client.get(address)
        checked[address] = response.status_code
        if response.status_code >= 400:
            broken.append(f"{address} ({response.status_code}, linked from {came_from})")
        return response.text if "html" in response.headers.get("content-type", "") else ""

    first = links_within_the_site(await visit("/", "-"), "/")
    second = {}
    for address in first:
        html = await visit(address, "/")
        for link in links_within_the_site(html, address):
            second.setdefault(link_shape(link), (link, address))
    for link, came_from in second.values():
        if link not in checked:
            await visit(link, came_from)
    assert len(checked) > 250, len(checked)  # every jurisdiction's page and feed among them
    assert not broken, broken


async def test_a_jurisdiction_pages_picker_compares_with_it_as_its_label_says(site):
    # "Compare with another jurisdiction" opened the other one instead.
    france = await page(site, "/jurisdiction/FR")
    picker = france[france.index('<form class="picker"'):france.index("</form>", france.index('<form class="picker"'))]
    assert '<button type="submit" name="compare_with" value="FR">Compare with France</button>' in picker
    response = await site.client.get("/jurisdiction?name=Deutschland&compare_with=FR")
    assert response.status_code == 302 and response.headers["location"] == "/compare?j=FR&j=Deutschland"
    assert (await site.client.get("/jurisdiction?name=Deutschland")).headers["location"] == "/jurisdiction/DE"


async def test_official_languages_are_named_not_coded(site):
    # "official languages: fr".
    assert "official languages: French<" in await page(site, "/jurisdiction/FR")
    assert "official languages: English, Welsh<" in await page(site, "/jurisdiction/GB-WLS")


async def test_the_home_page_compares_jurisdictions_typed_by_name(site):
    # The home page only linked to the comparison: the names had to be typed on a second page.
    home = await page(site, "/")
    form = home[home.index('<form class="picker" action="/compare"'):]
    assert 'name="j"' in form.split("</form>")[0]
    data = await compared(site, "?j=" + quote("France, Germany, UK, South Korea, Australia, United States, California"))
    assert [each["code"] for each in data["jurisdictions"]] == ["FR", "DE", "GB", "KR", "AU", "US", "US-CA"]


async def test_the_home_page_runs_a_few_queries_not_one_per_table(site, tmp_path):
    # Datasette's index counted every table's rows and read every foreign key: 150-330 ms on
    # the built database, for a page that shows none of it.
    traced = Datasette([str(site.get_database().path)], metadata=yaml.safe_load((PROJECT / "metadata.yml").read_text()),
                       settings={"trace_debug": True}, **datasette_options())
    html = (await traced.client.get("/?_trace=1")).text
    queries = int(re.search(r'num_traces(?:"|&#34;): (\d+)', html).group(1))
    assert queries <= 10, queries
    assert 'action="/sii_atlas/search_provisions"' in html and "A provision-level, source-linked atlas" in html
    assert (await traced.client.get("/.json")).status_code == 200  # Datasette's own index, as JSON


async def test_a_saved_comparison_keeps_the_date_of_its_data_in_its_name(site):
    # "sii-atlas-comparison.csv": once saved, nothing said how recent it was.
    response = await site.client.get("/compare.csv?j=FR")
    as_of = response.headers["x-sii-atlas-as-of"][:10]
    assert response.headers["content-disposition"] == f'attachment; filename="sii-atlas-comparison-{as_of}.csv"'
    assert response.headers["link"].startswith("<https://creativecommons.org/licenses/by/4.0/>")


@pytest.mark.parametrize("path", ["/", "/jurisdiction/FR", SIX, "/map", "/timeline", "/search?q=montage", "/feeds",
                                  "/jurisdiction?name=new", "/sii_atlas/instruments", "/sii_atlas/search_provisions?q=montage"])
async def test_every_footer_gives_a_licence_the_date_of_the_data_and_how_to_cite(site, path):
    # The site's own pages had no `metadata`: their footer began "· Data as of", with no licence.
    html = await page(site, path)
    footer = html[html.index('<footer class="ft">'):]
    assert "Licence:" in footer and "Data as of" in footer and "Cite as: SII Atlas" in footer
    assert not footer.split(">", 1)[1].lstrip().startswith("&middot;")
    # How to page through JSON and where the licence is, one click from every page (it was text only).
    assert '<a href="/#exports-and-api">' in footer


async def test_yes_no_flags_read_yes_or_no_on_pages_and_stay_numbers_in_exports(site):
    # The enactment timeline showed "reaches_synthetic 1" and every law "curated 1".
    html = await page(site, "/sii_atlas/enactment_timeline?instrument_id=ukpga-1978-37")
    assert re.search(r'<td class="col-reaches_synthetic[^"]*">yes</td>', html), "1 shown for yes"
    law = await page(site, "/sii_atlas/instruments/ukpga-1978-37")
    assert re.search(r'<td class="col-curated[^"]*">yes</td>', law) or ">curated</" not in law
    exported = (await site.client.get("/sii_atlas/enactment_timeline.json?instrument_id=ukpga-1978-37&_shape=array")).json()
    assert exported[0]["reaches_synthetic"] == 1


async def test_one_sub_national_unit_is_named_in_the_singular(site):
    # "the own law of its 1 provinces" (Japan, with Tottori).
    html = await page(site, "/compare?j=Japan&q=sharing")
    assert "the own law of its 1 province:" in html and "1 provinces" not in html
    assert re.search(r"the own law of its \d+ states and territories:", await page(site, "/compare?j=US&q=sharing"))
