"""One provision's page and one decision's page, each linked to the other (issue 9).

They are read from the fixture crawls of Find Case Law (an English judgment citing s. 66B of
the Sexual Offences Act 2003 and s. 33 of the Criminal Justice and Courts Act 2015) and of
Judilibre (Cour de cassation decisions citing article 226-8-1 du code pénal, one of them later
withdrawn at source), so every link shown is one the crawl and the citation linker made.
"""

import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from conftest import copy_database
from crawlers.site import datasette_options
from crawlers.site.page_paths import case_path, id_from, provision_path
from crawlers.store import Store

PROJECT = Path(__file__).resolve().parents[1]
UK_CASE = "d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60"  # R v XYZ [2025] EWCA Crim 9998
S66B = "ukpga-2003-42/section/66B"
FR_CASE = "judilibre-6650a1b2c3d4e5f601234567"  # Cass. crim., 12 mars 2025, ECLI:FR:CCASS:2025:CR09999
LYON = "judilibre-6650a1b2c3d4e5f601234569"  # cites art. 226-2-1; withdrawn below
ODD_ID = "ukpga-2003-42/section/66B?x=1#frag 50% § παρ. 2+~"


def served(path: Path) -> Datasette:
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000}, **datasette_options())


@pytest.fixture(scope="module")
def uk(crawled_templates, tmp_path_factory):
    """The Find Case Law crawl, with s. 66B's text as it was and as it is, and a provision
    whose id holds every character an address treats specially."""
    path = copy_database(crawled_templates("find_case_law")[0], tmp_path_factory.mktemp("uk") / "sii_atlas.db")
    store = Store.open(path)
    provision = {"type": "provision", "id": S66B, "instrument_id": "ukpga-2003-42", "label": "s. 66B",
                 "heading": "Sharing or threatening to share intimate photograph or film", "language": "en",
                 "url": "https://www.legislation.gov.uk/ukpga/2003/42/section/66B", "source": "legislation_gov_uk"}
    store.write_batch([{**provision, "text": "(1) A person commits an offence (the first wording).", "valid_from": "2024-01-31"}])
    store.write_batch([{**provision, "text": "(1) A person commits an offence (as amended).", "valid_from": "2025-06-01"}])
    store.write_batch([{**provision, "id": ODD_ID, "label": "odd", "heading": "An id with every awkward character",
                        "text": "Odd words.", "valid_from": "2025-01-01"}])
    store.db.conn.close()
    return served(path)


@pytest.fixture(scope="module")
def fr(crawled_templates, tmp_path_factory):
    """The Judilibre crawl, after the Lyon decision was withdrawn at source."""
    path = copy_database(crawled_templates("judilibre")[0], tmp_path_factory.mktemp("fr") / "sii_atlas.db")
    store = Store.open(path)
    assert store.mark_gone("case", LYON)
    store.db.conn.close()
    return served(path)


async def page(site, path, status=200):
    response = await site.client.get(path)
    assert response.status_code == status, (path, response.text[:500])
    return response.text


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    end = html.find("<section", start)
    return html[start:end if end > 0 else len(html)]


def items(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<li class="{css_class}">(.*?)</li>', html, re.S)


# --- a provision's page ---


async def test_a_provision_page_lists_the_decisions_that_cite_it(uk):
    html = await page(uk, provision_path(S66B))
    assert "s. 66B" in html and "Sharing or threatening to share intimate photograph or film" in html
    # Its law, linked to the jurisdiction page and to the official text.
    assert f'href="/jurisdiction/GB-EAW#i-ukpga-2003-42"' in html and "Sexual Offences Act 2003" in html
    assert 'href="https://www.legislation.gov.uk/ukpga/2003/42/section/66B"' in html
    decisions = section(html, "decisions")
    [xyz] = items(decisions, "decision")
    assert f'href="/case/{UK_CASE}"' in xyz and "R v XYZ" in xyz
    assert "Court of Appeal (Criminal Division)" in xyz and "2025-03-14" in xyz and "[2025] EWCA Crim 9998" in xyz
    assert f'href="https://caselaw.nationalarchives.gov.uk/{UK_CASE}"' in xyz
    # The words the decision used, the longest of them once ("section 66B(2)" is inside it).
    assert "<q>section 66B(2) of the Sexual Offences Act 2003</q>" in xyz and "<q>section 66B(2)</q>" not in xyz


async def test_a_provision_page_shows_its_current_text_with_provenance_and_every_version(uk):
    html = await page(uk, provision_path(S66B))
    text = section(html, "text")
    assert "(as amended)" in text and "first wording" not in text
    assert "In English" in text and "in force from 2025-06-01" in text
    assert "legislation.gov.uk (The National Archives)" in text and "Open Government Licence v3.0" in text
    assert re.search(r"Fetched \d{4}-\d\d-\d\dT", text)
    versions = section(html, "versions")
    rows = re.findall(r"<tr(?: class=\"current\")?>(.*?)</tr>", versions, re.S)[1:]
    assert [re.findall(r"<td>(.*?)</td>", row)[:2] for row in rows] == [["2025-06-01", "now"], ["2024-01-31", "2025-06-01"]]
    assert "(the first wording)" in versions and "Current text" in versions


async def test_a_provision_no_decision_cites_says_so_and_lists_decisions_on_its_law(uk):
    html = await page(uk, provision_path("ukpga-2003-42/section/66A"))
    decisions = section(html, "decisions")
    assert "No decision in the atlas is known to cite this provision yet" in decisions
    # R v XYZ cites the Sexual Offences Act 2003 by name, as a whole, too.
    on_the_law = decisions[decisions.index("as a whole"):]
    assert f'href="/case/{UK_CASE}"' in on_the_law and "<q>Sexual Offences Act 2003</q>" in on_the_law


async def test_a_provision_whose_text_is_not_crawled_says_where_to_read_it(uk):
    html = await page(uk, provision_path("ukpga-2015-2/section/33"))
    assert "The text of this provision has not been crawled yet" in html
    assert "No version of this provision's text is stored yet" in html
    # Four decisions of the fixture crawl cite s. 33, newest first; a curated one, linked to
    # the Act as a whole, follows apart.
    citing, on_the_law = section(html, "decisions").split("<h3>")
    names = [re.search(r'href="/case/([^"]+)"', item).group(1) for item in items(citing, "decision")]
    assert names[0] == UK_CASE and len(names) == 4
    assert 'href="/case/ewca-crim-2024-50"' in on_the_law


# --- a decision's page ---


async def test_a_case_page_lists_the_provisions_it_cites_with_its_provenance(uk):
    html = await page(uk, case_path(UK_CASE))
    head = html[html.index('class="record-head"'):html.index('id="decision"')]
    assert "<h1>R v XYZ</h1>" in head and "Court of Appeal (Criminal Division)" in head and "2025-03-14" in head
    assert "[2025] EWCA Crim 9998" in head and f'href="https://caselaw.nationalarchives.gov.uk/{UK_CASE}"' in head
    assert "Find Case Law (The National Archives)" in head and "Open Justice Licence" in head
    assert 'href="/jurisdiction/GB-EAW"' in head
    assert "so-called &#34;nudify&#34; application" in section(html, "decision")
    provisions = section(html, "provisions")
    cited = provisions[:provisions.index("Citations not linked")]
    assert f'href="{provision_path(S66B)}"' in cited and 'href="/provision/ukpga-2015-2/section/33"' in cited
    # Where the decision cites it, in its own words.
    assert "contrary to <mark>section 66B(2) of the Sexual Offences Act 2003</mark>." in cited
    # The Online Safety Act 2023 is named, but no provision of it: shown as text, not as a provision.
    unlinked = provisions[provisions.index("Citations not linked"):]
    assert "Online Safety Act 2023" in unlinked and "ukpga-2023-50" not in cited
    assert 'href="/provision/ukpga-2023-50' not in html


async def test_a_case_page_shows_its_ecli_and_the_provision_page_too(fr):
    html = await page(fr, case_path(FR_CASE))
    assert "<dt>ECLI</dt><dd class=\"identifier\">ECLI:FR:CCASS:2025:CR09999</dd>" in html
    assert "Judilibre (Cour de cassation)" in html and "Licence Ouverte 2.0 (Etalab)" in html
    assert 'href="/provision/fr-cp-226-8-1/226-8-1"' in section(html, "provisions")
    provision = await page(fr, "/provision/fr-cp-226-8-1/226-8-1")
    decisions = section(provision, "decisions")
    assert f'href="/case/{FR_CASE}"' in decisions and '<span class="identifier">ECLI:FR:CCASS:2025:CR09999</span>' in decisions
    assert "Docket number 24-81.999" in decisions
    assert "<q>Article 226-8-1 du code pénal</q>" in decisions


async def test_a_withdrawn_decision_keeps_its_links_but_never_shows_its_text(fr):
    html = await page(fr, case_path(LYON))
    assert "Withdrawn at source." in html and "Cour d&#39;appel de Lyon" in html
    for words in ("hypertrucage", "INFIRME", "4ème chambre correctionnelle", "article 226-2-1 du code pénal"):
        assert words not in html, words
    # That it cited art. 226-2-1 is our finding, kept; the words it used are not shown.
    assert 'href="/provision/fr-cp-226-2-1/226-2-1"' in section(html, "provisions")
    assert "<mark>" not in html and "Cited as" not in html
    provision = await page(fr, "/provision/fr-cp-226-2-1/226-2-1")
    [lyon] = items(section(provision, "decisions"), "decision")
    assert f'href="/case/{LYON}"' in lyon and "Withdrawn by its source" in lyon and "<q>" not in lyon


async def test_a_curated_decision_has_a_page_with_our_summary(uk):
    html = await page(uk, case_path("ewca-crim-2024-50"))
    assert "R v Nabeel Shah" in html and "Our summary:" in html and "SII Atlas curation" in html
    assert "Laws our curators link to this decision" in html


# --- addresses, unknown ids ---


async def test_unknown_ids_answer_a_404_page_not_a_redirect(uk):
    for path in ("/provision/no-such-law/section/1", "/case/no-such-decision", "/provision/" + quote("§ 999 παρ. 1")):
        html = await page(uk, path, status=404)
        assert "with this id" in html and 'action="/search"' in html
    assert "No provision with this id" in await page(uk, "/provision/nope", status=404)
    assert "No decision with this id" in await page(uk, "/case/nope", status=404)


async def test_ids_with_slashes_and_unusual_characters_have_their_page(uk):
    assert id_from(provision_path(ODD_ID)[len("/provision/"):]) == ODD_ID
    html = await page(uk, provision_path(ODD_ID))
    assert "An id with every awkward character" in html and "Odd words." in html
    # Spelled the other way (slashes encoded too), the same page.
    assert "Odd words." in await page(uk, "/provision/" + quote(ODD_ID, safe=""))
    # The registry's own: Greek, §, spaces, parentheses.
    for provision_id in ("gr-pk-346/346 παρ. 2", "de-bt-drs-21-1383/§ 201b Abs. 3 StGB-E", "kr-scpsc-14-2/14-2(2)"):
        assert "All fields" in await page(uk, provision_path(provision_id))


async def test_every_provision_and_decision_has_a_page(uk):
    path = [database.path for name, database in uk.databases.items() if name != "_internal"][0]
    with sqlite3.connect(path) as conn:
        provisions = [row[0] for row in conn.execute("select id from provisions")]
        cases = [row[0] for row in conn.execute("select id from cases")]
    assert len(provisions) > 500 and len(cases) > 20
    for provision_id in provisions:
        await page(uk, provision_path(provision_id))
    for case_id in cases:
        await page(uk, case_path(case_id))


# --- where people meet provisions and decisions ---


async def test_the_jurisdiction_page_links_its_provisions_and_decisions_to_their_pages(uk):
    html = await page(uk, "/jurisdiction/GB-EAW")
    assert f'href="{provision_path(S66B)}"' in section(html, "instruments")
    cases = section(html, "cases")
    assert f'href="/case/{UK_CASE}"' in cases and 'href="/case/ewca-crim-2024-50"' in cases
    # The official pages stay one click away.
    assert 'href="https://www.legislation.gov.uk/ukpga/2003/42/section/66B"' in html
    assert f'href="https://caselaw.nationalarchives.gov.uk/{UK_CASE}"' in cases


async def test_search_results_and_the_citation_views_open_the_pages(uk):
    html = await page(uk, "/search?q=nudify")
    assert f'class="result" href="/case/{UK_CASE}"' in section(html, "search_cases")
    html = await page(uk, "/search?q=" + quote("intimate photograph"))
    assert f'class="result" href="{provision_path(S66B)}"' in section(html, "search_provisions")
    assert "/sii_atlas/provisions/ukpga-2003-42~2Fsection~2F66B" in html  # its fields, still linked
    view = await page(uk, "/sii_atlas/provision_cases?provision_id=" + quote(S66B))
    assert f'href="/case/{UK_CASE}"' in view and f'href="{provision_path(S66B)}"' in view


async def test_the_pages_read_through_indexes(uk):
    """Each query the two pages make reads its rows through an index: none walks a whole
    table of decisions, citations, provisions or versions."""
    seen = []
    name = [name for name in uk.databases if name != "_internal"][0]
    database = uk.databases[name]
    traced = Datasette([database.path], settings={"num_sql_threads": 1}, **datasette_options())
    await traced.invoke_startup()
    db = [each for key, each in traced.databases.items() if key != "_internal"][0]
    await db.execute_fn(lambda conn: conn.set_trace_callback(seen.append))
    await page(traced, provision_path(S66B))
    await page(traced, case_path(UK_CASE))
    ours = [sql for sql in seen if re.search(r"case_citations|provision_(texts|history)|from cases|identifiers", sql)]
    assert len(ours) >= 8
    with sqlite3.connect(database.path) as conn:
        for sql in ours:
            plan = " | ".join(row[3] for row in conn.execute("explain query plan " + sql))
            assert not re.search(r"SCAN (c|cc|cases|case_citations|provisions|provision_versions|identifiers)\b", plan), (sql, plan)


async def test_the_decisions_citing_one_provision_are_read_by_its_own_index(uk):
    """Migration 13: the citations of one provision are found without reading the rest of its
    law's citations (the most-cited provision's page spent most of its time there)."""
    name = [name for name in uk.databases if name != "_internal"][0]
    with sqlite3.connect(uk.databases[name].path) as conn:
        plan = " | ".join(row[3] for row in conn.execute(
            "explain query plan SELECT case_id, span FROM case_citations WHERE instrument_id = ? AND provision_id = ?",
            ["ukpga-2003-42", S66B]))
    assert "case_citations_provision" in plan, plan


async def test_a_decision_known_only_from_the_press_is_not_called_official(uk):
    """A curated first-instance decision whose address is a report, not a court's or
    government's site, is 'Reported at', never 'Official page'; a crawled one stays official."""
    name = [name for name in uk.databases if name != "_internal"][0]
    with sqlite3.connect(uk.databases[name].path) as conn:
        reported = conn.execute(
            "select id, url from cases where curated = 1 and url like 'https://firsh.law/%'").fetchone()
    assert reported, "the Coutances decision (reported by its lawyers' firm) is curated with that link"
    html = await page(uk, case_path(reported[0]))
    assert "Reported at" in html and "not an official publication" in html and "Official page" not in html
    official = await page(uk, case_path(UK_CASE))
    assert "Official page" in official and "Reported at" not in official


# --- treaty monitoring on the jurisdiction page ---

@pytest.fixture(scope="module")
def grevio(crawled_templates):
    return served(crawled_templates("hudoc_grevio")[0])


async def test_a_state_page_lists_what_grevio_published_about_it_one_line_per_document(grevio):
    import sqlite3

    db = grevio.databases["sii_atlas"].path
    with sqlite3.connect(db) as connection:
        expected = connection.execute(
            "SELECT document, count(*), max(sections), min(title) FROM monitoring_documents WHERE state_code = 'IE' "
            "GROUP BY document").fetchall()
    assert expected, "the GREVIO fixture has a document on Ireland"
    html = await page(grevio, "/jurisdiction/IE")
    listed = section(html, "monitoring")
    assert len(items(listed, "monitoring-document")) == len(expected)
    for document, stored, sections, title in expected:
        # What is stored of how much the document has (the feed names its sections).
        assert title in listed and f"{stored} of its {sections} sections" in listed
    assert 'href="#monitoring"' in html
    # A state GREVIO has said nothing about has no such section.
    assert 'id="monitoring"' not in await page(grevio, "/jurisdiction/JP")
