"""Statute citations in decisions: each legal system's patterns on real sentences (the
captures in ../shared/samples and our examples) and on the citation styles of issue 9,
their links to the curated instruments and provisions, the store's re-linking, and
the pipeline stage."""

import json
import re
import sqlite3

import pytest
from conftest import copy_database, sample, sii_atlas

from crawlers.citations import Linker, extract, france, links_for, normalise_label
from crawlers.registry.curated import load, provision_id


@pytest.fixture(scope="module")
def linker() -> Linker:
    """The linker over the curated instruments and provisions in data/."""
    data = load()
    instruments = [{"id": i["id"], "jurisdiction": i["jurisdiction"], "title": i["title"],
                    "citation": i.get("citation")} for i in data.instruments]
    provisions = [{"id": provision_id(i["id"], p), "instrument_id": i["id"], "label": p["label"]}
                  for i in data.instruments for p in i.get("provisions") or []]
    return Linker(instruments, provisions)


def found(text: str, jurisdiction: str) -> list[tuple[str, str | None]]:
    return [(c.act, c.label) for c in extract(text, jurisdiction)]


def linked(linker, text: str, jurisdiction: str) -> set[tuple[str, str]]:
    links, _ = links_for(linker, extract(text, jurisdiction))
    return {(link["instrument_id"], link["provision_id"]) for link in links}


# --- the citation styles of issue 9, each to the row it names ---

STYLES = [
    ("GB-EAW", "contrary to section 66B of the Sexual Offences Act 2003", "ukpga-2003-42", "ukpga-2003-42/section/66B"),
    ("GB-EAW", "an offence under s. 66B SOA 2003", "ukpga-2003-42", "ukpga-2003-42/section/66B"),
    ("FR", "Il résulte de l'article 226-8-1 du code pénal que", "fr-cp-226-8-1", "fr-cp-226-8-1/226-8-1"),
    ("NL", "in de zin van art. 139h Sr", "nl-sr-139h", "nl-sr-139h/Artikel139h"),
    ("DE", "strafbar nach § 201a StGB", "de-stgb-201a", "de-stgb-201a/§ 201a"),
    ("US", "convicted under 18 U.S.C. § 2252A", "us-usc-18-2252a", ""),
    ("US-CA", "a violation of Cal. Penal Code § 647(j)(4)", "us-ca-pen-647-j-4", ""),
    ("CA", "charged under s. 162.1 of the Criminal Code", "ca-cc-162-1", ""),
    ("FR", "Article 5 of Directive (EU) 2024/1385", "eu-dir-2024-1385", ""),
    ("GB-SCT", "section 2 of the Abusive Behaviour and Sexual Harm (Scotland) Act 2016", "asp-2016-22",
     "asp-2016-22/section/2"),
]


@pytest.mark.parametrize("jurisdiction, text, instrument, provision", STYLES)
def test_each_style_links_to_its_row(linker, jurisdiction, text, instrument, provision):
    assert linked(linker, text, jurisdiction) == {(instrument, provision)}


def test_a_subdivision_links_to_the_provision_that_encloses_it(linker):
    assert linked(linker, "artikel 139h, eerste lid, Sr", "NL") == {("nl-sr-139h", "nl-sr-139h/Artikel139h")}
    assert linked(linker, "§ 201a Abs. 2 StGB", "DE") == {("de-stgb-201a", "de-stgb-201a/§ 201a Abs. 2")}
    assert linked(linker, "Criminal Code, s. 162.1(2)", "CA") == {
        ("ca-cc-162-1", "ca-cc-162-1/section/162.1/subsection/2")}
    # 2252A(a) is the provision govinfo fetches (its key section/2252A is its id).
    assert linked(linker, "18 U.S.C. §§ 2252A(a)(2), 2256(8)", "US") == {
        ("us-usc-18-2252a", "us-usc-18-2252a/section/2252A"), ("us-usc-18-2252a", "us-usc-18-2252a/2256(8)")}


def test_lists_of_provisions_give_one_citation_each(linker):
    assert found("sections 66A and 66B(1) of the Sexual Offences Act 2003", "GB-EAW") == [
        ("GB:sexual offences act 2003", "66a"), ("GB:sexual offences act 2003", "66b(1)")]
    assert linked(linker, "articles 226-1 et 226-2 du code pénal", "FR") == {
        ("fr-cp-226-1-226-2", "fr-cp-226-1-226-2/226-1"), ("fr-cp-226-1-226-2", "fr-cp-226-1-226-2/226-2")}
    assert found("§§ 184b, 201a StGB", "DE") == [("DE:stgb", "184b"), ("DE:stgb", "201a")]


def test_an_article_our_entries_do_not_cover_is_unresolved(linker):
    """The curated code pénal entries are about 226-1 to 227-23: a decision on 222-33
    (harassment) applies the same code but none of our provisions."""
    links, unresolved = links_for(linker, extract("l'article 222-33 du code pénal", "FR"))
    assert links == [] and [(c.act, c.label) for c in unresolved] == [("FR:code pénal", "222-33")]


def test_a_whole_act_is_linked_without_a_provision(linker):
    assert linked(linker, "Under the Sexual Offences Act 2003, the appellant", "GB-EAW") == {("ukpga-2003-42", "")}
    assert linked(linker, "après l'entrée en vigueur de la loi n° 2024-449 du 21 mai 2024", "FR") == {
        ("fr-loi-2024-449", "")}


def test_the_same_abbreviation_in_another_country_is_another_act(linker):
    assert linked(linker, "§ 201a StGB", "AT") == set()  # Austria's StGB has no § 201a entry here
    assert found("§ 120a Abs. 1 StGB", "AT") == [("AT:stgb", "120a(1)")]


def test_words_that_begin_a_sentence_are_not_part_of_an_act_title():
    assert found("Under the Online Safety Act 2023 and In the Sexual Offences Act 2003", "GB") == [
        ("GB:online safety act 2023", None), ("GB:sexual offences act 2003", None)]


def test_us_codes_eyecite_misses_are_found():
    """eyecite finds "18 U.S.C. § 2251" but not a section with a letter, the U.S.C.
    without "§", or codes its database lacks; one title's list stops before the next."""
    assert found("under 18 U.S.C. § 2252A(a)(2) and 18 U.S.C. § 2251.", "US") == [
        ("US:18usc", "2252a(a)(2)"), ("US:18usc", "2251")]
    assert found("See 15 U.S.C. 6851 and 47 U.S.C. § 223(h).", "US") == [("US:15usc", "6851"), ("US:47usc", "223(h)")]
    assert found("Tex. Penal Code § 21.165(b)", "US-TX") == [("US:texpenalcode", "21.165(b)")]
    assert found("N.Y. Penal Law § 245.15", "US-NY") == [("US:nypenallaw", "245.15")]


@pytest.mark.parametrize("label, normal", [
    ("s. 66B(2)", "66b(2)"), ("§ 201a Abs. 2", "201a(2)"), ("139h lid 1 sub a", "139h(1)(a)"),
    ("Art. 5(1)(a)", "5(1)(a)"), ("Artículo 197 bis", "197bis"), ("Artikel 139h", "139h"), ("162.1(1)", "162.1(1)")])
def test_labels_compare_across_sources(label, normal):
    assert normalise_label(label) == normal


# --- real sentences ---


def test_real_judilibre_decision_every_citation_is_right():
    """Every statute citation in a real Cour de cassation decision (its text and its
    visa), and nothing else: the precision the patterns have on French judgments."""
    decision = json.loads(sample("judilibre", "sample_detail_resolved.json").read_text())
    citations = extract(decision["text"], "FR", decision["visa"])
    assert {(c.act, c.label) for c in citations} == {
        ("FR:code de commerce", "l721-3"), ("FR:code de l'organisation judiciaire", "l221-4"),
        ("FR:code de l'organisation judiciaire", "r431-5"), ("FR:code de procédure civile", "700"),
        ("FR:code de procédure civile", "455"), ("FR:loi 2014-1104", None)}
    # Every mention the text makes of an article of a code is found (none missed).
    mentions = re.findall(r"article \S+(?:, 2°,?)? du code", decision["text"])
    spans = [c.span for c in citations]
    assert all(any(m.split(" du code")[0] in s for s in spans) for m in mentions)


def test_real_rechtspraak_decision():
    text = re.sub(r"<[^>]+>", " ", sample("rechtspraak", "ECLI.NL.RBGEL.2015.6991.xml").read_text())
    assert found(text, "NL") == [("NL:awb", "7:12(1)")]


# --- the fixture crawls, end to end ---


def test_fixture_crawls_store_links_and_relinking_keeps_them(crawled_templates, tmp_path):
    links = {}
    for source in ("find_case_law", "judilibre", "rechtspraak"):
        (tmp_path / source).mkdir()  # a folder each: a database's WAL files stay with it
        db = copy_database(crawled_templates(source)[0], tmp_path / source / "sii_atlas.db")
        with sqlite3.connect(db) as conn:
            links[source] = set(conn.execute("SELECT case_id, instrument_id, provision_id FROM case_citations"))
        result = sii_atlas(db, "link-citations")
        assert result.returncode == 0, result.stderr
        assert "links stored" in result.stdout
        with sqlite3.connect(db) as conn:
            assert set(conn.execute("SELECT case_id, instrument_id, provision_id FROM case_citations")) == links[source]
            if source == "find_case_law":
                rows = conn.execute("SELECT case_id FROM provision_cases WHERE provision_id = ?",
                                    ["ukpga-2003-42/section/66B"]).fetchall()
                assert rows
                assert conn.execute("SELECT count(*) FROM case_provisions WHERE link = 'curated'").fetchone()[0] > 0
    assert ("d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60", "ukpga-2003-42", "ukpga-2003-42/section/66B") in links["find_case_law"]
    assert ("d-0f8e4a52-1c3b-4d6e-9a7f-2b5c8d1e3f60", "ukpga-2015-2", "ukpga-2015-2/section/33") in links["find_case_law"]
    assert ("judilibre-6650a1b2c3d4e5f601234567", "fr-cp-226-8-1", "fr-cp-226-8-1/226-8-1") in links["judilibre"]
    assert ("judilibre-6650a1b2c3d4e5f601234568", "fr-loi-2024-449", "") in links["judilibre"]
    assert ("nl-rbams-2024-99901", "nl-sr-139h", "nl-sr-139h/Artikel139h") in links["rechtspraak"]
    assert all(provision for _, _, provision in links["rechtspraak"])  # "Artikel 139h" is label 139h


def test_relinking_replaces_a_cases_links_in_one_transaction(built_db):
    from crawlers.store import Store

    store = Store.open(built_db)
    store.conn.execute("INSERT INTO crawled_cases (id, jurisdiction, name, source) VALUES ('c1', 'FR', 'X', NULL)")
    from crawlers.store import served
    served.refresh(store.conn, "cases", ["c1"])
    assert store.replace_citations({"c1": [{"instrument_id": "fr-cp-226-8", "provision_id": "", "span": "a"}]}) == 1
    assert store.replace_citations({"c1": [{"instrument_id": "fr-cp-226-8-1", "provision_id": "", "span": "b"}]}) == 1
    assert store.conn.execute("SELECT instrument_id, span FROM case_citations WHERE case_id = 'c1'").fetchall() == [
        ("fr-cp-226-8-1", "b")]
    with pytest.raises(sqlite3.IntegrityError):  # an unknown case: the whole batch is refused
        store.replace_citations({"c1": [], "no-such-case": [{"instrument_id": "x", "provision_id": "", "span": ""}]})
    assert store.conn.execute("SELECT count(*) FROM case_citations WHERE case_id = 'c1'").fetchone()[0] == 1


def test_the_pipeline_stage_fills_citations_and_never_loses_a_decision(built_db):
    from crawlers.crawling.pipelines import CitationPipeline
    from crawlers.items import CaseItem

    pipeline = CitationPipeline(str(built_db))
    item = CaseItem(id="x", jurisdiction="FR", name="X", url="https://example.org", source="judilibre",
                    text="faits prévus par l'article 226-2-1 du code pénal")
    assert pipeline.process_item(item)["citations"] == [
        {"instrument_id": "fr-cp-226-2-1", "provision_id": "fr-cp-226-2-1/226-2-1",
         "span": "article 226-2-1 du code pénal"}]
    broken = CitationPipeline(str(built_db))
    broken.linker = object()  # resolving fails: the decision goes on without links
    item = CaseItem(id="y", jurisdiction="FR", name="Y", url="https://example.org", source="judilibre",
                    text="l'article 226-8 du code pénal")
    assert broken.process_item(item) is item and "citations" not in item


def test_a_long_run_of_capitalised_words_is_read_in_linear_time():
    """An Act's title is at most 15 words: without the bound, every capitalised word
    started a search to the end of the run (a 50 KB run took half a minute)."""
    import time

    started = time.perf_counter()
    assert extract("Foo Bar Baz and Qux of the " * 2000, "GB") == []
    assert time.perf_counter() - started < 10


def test_links_found_by_us_do_not_make_a_decision_changed(built_db):
    """The same decision with and without links (a reparse, which runs no pipeline, or a
    re-link) is the same document: unchanged, and its stored links stay."""
    from crawlers.store import Store

    store = Store.open(built_db)
    case = {"type": "case", "id": "c1", "jurisdiction": "FR", "name": "X", "url": "https://example.org/c1",
            "source": "judilibre", "text": "l'article 226-8 du code pénal"}
    link = {"instrument_id": "fr-cp-226-8", "provision_id": "fr-cp-226-8/226-8", "span": "article 226-8 du code pénal"}
    assert store.write_batch([{**case, "citations": [link]}])[0]["new"] == 1
    assert store.write_batch([case])[0]["unchanged"] == 1
    assert store.conn.execute("SELECT count(*) FROM case_citations WHERE case_id = 'c1'").fetchone()[0] == 1


# --- citations by reference back, by date and by name ---

def test_dudit_code_is_the_code_named_just_before():
    text = ("au sens de l'article 226-1 du code pénal et de l'article 56 du code de procédure pénale, "
            "puis de l'article 20 dudit code")
    assert found(text, "FR")[-1] == ("FR:code de procédure pénale", "20")
    assert found("l'article 20 dudit code", "FR") == []  # nothing named before: not guessed


def test_a_loi_cited_by_its_date_and_the_constitution():
    assert found("Vu les articles 3 et 7 de la loi du 1 juillet 1901, et l'article 89 de la Constitution", "FR") == [
        ("FR:loi du 1er juillet 1901", "3"), ("FR:loi du 1er juillet 1901", "7"), ("FR:constitution", "89")]
    # Numbered lois keep their number as the key, and their date links them too.
    assert found("la loi n° 2024-449 du 21 mai 2024", "FR") == [("FR:loi 2024-449", None)]
    assert "FR:loi du 21 mai 2024" in france.instrument_keys(
        "Loi n° 2024-449 du 21 mai 2024 visant à sécuriser et à réguler l'espace numérique", None, "FR")


@pytest.mark.parametrize("jurisdiction, text, expected", [
    ("FR", "l'article 6 du RGPD", [("EU:regulation 2016/679", "6")]),
    ("DE", "nach Art. 9 Abs. 1 DSGVO", [("EU:regulation 2016/679", "9(1)")]),
    ("NL", "in strijd met artikel 6 AVG", [("EU:regulation 2016/679", "6")]),
    ("IE", "in the General Data Protection Regulation or the Act of 2018", [("EU:regulation 2016/679", None)]),
    ("GB", "Article 16 of the Digital Services Act", [("EU:regulation 2022/2065", "16")]),
    ("GB", "article 50 of the AI Act", [("EU:regulation 2024/1689", "50")]),
    # The UK's retained GDPR is another law; "AVG" and "DSA" alone name other things too.
    ("GB", "a breach of the UK GDPR", []),
    ("GB", "the DSA and the AVG", []),
    # A short title in brackets after the full one is the same citation.
    ("EU", "Regulation (EU) 2016/679 (General Data Protection Regulation)", [("EU:regulation 2016/679", None)]),
])
def test_eu_acts_cited_by_name(jurisdiction, text, expected):
    assert found(text, jurisdiction) == expected
