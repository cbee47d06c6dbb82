"""Canadian provincial statutes: the table, the parsers of each layout on our fixtures (no
real capture of any provincial register exists: New Brunswick's section elements,
Newfoundland's text lines, Manitoba's bilingual page, Alberta's PDF), their variants (a
section missing, a bot wall, a script shell instead of a PDF, a saved page without request
meta), the crawl from the fixture server into SQLite in English and French, and which
in-force provincial instruments a spider fetches."""

from pathlib import Path

import pytest
import sqlite_utils
import yaml
from conftest import crawl

from crawlers.parsing import parse_file
from crawlers.registry import curated
from crawlers.sources import CONTRACTS, SPIDERS
from crawlers.sources import ca_provincial_laws as module
from fixture_server import FixtureServer

EXAMPLES = Path(__file__).parent / "examples" / "ca_provincial_laws"
PROJECT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((EXAMPLES / "examples.yaml").read_text())
EN = "https://laws.gnb.ca/en/document/cs/2022-c.1"
NB_ACT = "ca-nb-intimate-images-unlawful-distribution-act"
MB = "https://web2.gov.mb.ca/laws/statutes/2024/c01724.php?lang=en"
MB_ACT = "ca-mb-sm-2024-c17-fake-intimate-images"
AB = "https://kings-printer.alberta.ca/documents/Acts/P26P9.pdf"
AB_ACT = "ca-ab-protecting-victims-ncdii-act"


def parsed(name: str, url: str | None = None, meta: dict | None = None) -> list[dict]:
    spec = MANIFEST.get(name, {})
    return parse_file("ca_provincial_laws", EXAMPLES / name, url or spec["url"],
                      meta if meta is not None else spec.get("meta"))


def provisions(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records if r["type"] == "provision"}


# --- the table ---


def test_every_tracked_province_is_supported_or_curated_with_a_reason():
    assert set(module.SUPPORTED) == {"NB", "NL", "MB", "AB"}
    assert {"NB", "QC", "MB", "NL", "PE", "NS", "AB", "SK"} <= set(module.PROVINCES)
    for code, province in module.PROVINCES.items():
        assert province.supported or len(province.curated) > 40, code
    # A curated province says what is missing: no chapter, no wording, no address.
    assert "403" in module.PROVINCES["QC"].curated and "chapter" in module.PROVINCES["QC"].curated
    assert "wording" in module.PROVINCES["NS"].curated and "chapter" in module.PROVINCES["PE"].curated
    assert "product ids" in module.PROVINCES["SK"].curated


def test_the_contract_declares_exactly_the_tables_hosts():
    assert module.DECLARATION.official_hosts == {"laws.gnb.ca", "www.assembly.nl.ca", "web2.gov.mb.ca",
                                                  "kings-printer.alberta.ca"}
    assert CONTRACTS["ca_provincial_laws"] is module.DECLARATION and module.DECLARATION.reads_pdf


def test_a_table_without_a_reason_a_url_per_language_or_its_host_is_refused(tmp_path):
    bad = tmp_path / "table.yaml"
    bad.write_text("provinces:\n  QC:\n    curated: ''\n")
    with pytest.raises(module.TableError, match="reason"):
        module.read_table(bad)
    supported = ("provinces:\n  NB:\n    hosts: [a.example]\n    languages: [en, fr]\n    layout: section_element\n"
                 "    section: 'x'\n    number: 'y'\n    licence: l\n    basis: b\n")
    bad.write_text(supported + "    urls: {en: 'https://a.example/{document}'}\n")
    with pytest.raises(module.TableError, match="one url per language"):
        module.read_table(bad)
    bad.write_text(supported + "    urls: {en: 'https://a.example/{document}', fr: 'https://b.example/{document}'}\n")
    with pytest.raises(module.TableError, match="not on its hosts"):
        module.read_table(bad)
    bad.write_text("provinces:\n  NL:\n    hosts: [a.example]\n    urls: {en: 'https://a.example/{document}'}\n"
                   "    layout: section_lines\n    licence: l\n    basis: b\n")
    with pytest.raises(module.TableError, match="start and next"):
        module.read_table(bad)
    bad.write_text("provinces:\n  AB:\n    hosts: [a.example]\n    urls: {en: 'https://a.example/{document}.pdf'}\n"
                   "    layout: pdf_lines\n    licence: l\n    basis: b\n")
    with pytest.raises(module.TableError, match="pdf_lines layout needs start and next"):
        module.read_table(bad)
    # A bilingual page: one address (the first language's), and a layout read from text lines.
    bilingual = ("provinces:\n  MB:\n    hosts: [a.example]\n    languages: [en, fr]\n    same_page: true\n"
                 "    start: s\n    next: n\n    section: 'x'\n    number: 'y'\n    licence: l\n    basis: b\n")
    bad.write_text(bilingual + "    layout: section_lines\n"
                   "    urls: {en: 'https://a.example/{document}', fr: 'https://a.example/{document}'}\n")
    with pytest.raises(module.TableError, match="same_page: one url"):
        module.read_table(bad)
    bad.write_text(bilingual + "    layout: section_element\n    urls: {en: 'https://a.example/{document}'}\n")
    with pytest.raises(module.TableError, match="same_page needs a layout read from text lines"):
        module.read_table(bad)


def test_identifiers_and_keys_give_the_official_urls():
    code, document = module.split_identifier("NB/2022-c.1")
    province = module.SUPPORTED[code]
    assert module.page_url(province, "en", document) == EN
    assert module.provision_url(province, "fr", document, "3.1") == "https://laws.gnb.ca/fr/document/lc/2022-c.1#se:3_1"
    assert module.section_of("section/3.1") == "3.1"
    with pytest.raises(ValueError, match="curated"):
        module.split_identifier("QC/P-9.0001")
    with pytest.raises(ValueError, match="section/<number>"):
        module.section_of("article/2")


# --- the parser and its variants ---


def test_english_page_gives_the_instrument_once_and_each_asked_section_then_asks_for_french():
    records = parsed("nb_2022-c.1_en.html")
    assert [r["id"] for r in records if r["type"] == "instrument"] == [NB_ACT]
    found = provisions(records)
    definitions = found[f"{NB_ACT}/section/1"]
    assert definitions["heading"] == "Definitions" and definitions["language"] == "en"
    assert definitions["text"].startswith("The following definitions apply in this Act.")
    assert "whether or not the image has been altered in any way" in definitions["text"]
    assert "History" not in definitions["text"] and "Definitions" not in definitions["text"]
    assert definitions["url"] == EN + "#se:1"
    assert found[f"{NB_ACT}/section/2"]["text"].startswith("A person who distributes or threatens to distribute")
    assert [r["url"] for r in records if r["type"] == "request"] == ["https://laws.gnb.ca/fr/document/lc/2022-c.1"]


def test_french_page_gives_the_same_provisions_in_french_without_a_second_instrument():
    records = parsed("nb_2022-c.1_fr.html")
    assert not [r for r in records if r["type"] in ("instrument", "request")]
    found = provisions(records)
    assert found[f"{NB_ACT}/section/2"]["language"] == "fr" and found[f"{NB_ACT}/section/2"]["heading"] == "Délit"
    assert "que l’image ait été modifiée ou non" in found[f"{NB_ACT}/section/1"]["text"]


def test_a_saved_page_without_request_meta_reads_its_language_and_subsection_numbers():
    records = parsed("nb_2022-c.1_en.html", meta={"section": "3"})
    [instrument] = [r for r in records if r["type"] == "instrument"]
    assert instrument["id"] == "ca-nb-2022-c-1" and instrument["title"] == "Intimate Images Unlawful Distribution Act"
    [section] = provisions(records).values()
    assert section["text"].startswith("3(1) A person may make an application under section 5")
    assert section["heading"] == "Eligibility for relief – reasonable expectation of privacy"


def test_a_saved_page_read_alone_gives_the_statute_and_every_section_it_holds():
    # `sii-atlas parse ca_provincial_laws FILE --url URL`: no request meta at all.
    records = parse_file("ca_provincial_laws", EXAMPLES / "nb_2022-c.1_en.html", EN)
    [instrument] = [r for r in records if r["type"] == "instrument"]
    assert instrument["id"] == "ca-nb-2022-c-1" and instrument["language"] == "en"
    assert instrument["title"] == "Intimate Images Unlawful Distribution Act" and instrument["jurisdiction"] == "CA-NB"
    found = provisions(records)
    assert list(found) == ["ca-nb-2022-c-1/section/1", "ca-nb-2022-c-1/section/2", "ca-nb-2022-c-1/section/3"]
    assert found["ca-nb-2022-c-1/section/2"]["heading"] == "Tort"
    assert found["ca-nb-2022-c-1/section/2"]["text"].startswith("A person who distributes or threatens to distribute")
    assert found["ca-nb-2022-c-1/section/3"]["text"].startswith("3(1) A person may make an application")
    assert found["ca-nb-2022-c-1/section/1"]["url"] == EN + "#se:1"
    assert not [r for r in records if r["type"] in ("request", "error")]
    # The French page alone: its statute in French (nothing else gives it) and its sections.
    french = parse_file("ca_provincial_laws", EXAMPLES / "nb_2022-c.1_fr.html", "https://laws.gnb.ca/fr/document/lc/2022-c.1")
    assert [(r["type"], r["id"], r["language"]) for r in french] == [
        ("instrument", "ca-nb-2022-c-1", "fr"), ("provision", "ca-nb-2022-c-1/section/1", "fr"),
        ("provision", "ca-nb-2022-c-1/section/2", "fr")]
    # Newfoundland's text layout: the sections after the enacting words, not the analysis.
    nl = parse_file("ca_provincial_laws", EXAMPLES / "nl_i22.htm", NL)
    assert [r["id"] for r in nl] == ["ca-nl-i22", "ca-nl-i22/section/1", "ca-nl-i22/section/2", "ca-nl-i22/section/3"]
    assert nl[2]["heading"] == "Definitions" and nl[2]["text"].startswith("In this Act")
    # An error page is not a statute, with or without meta.
    with pytest.raises(ValueError, match="not a statute page"):
        parse_file("ca_provincial_laws", EXAMPLES / "bot_wall.html", EN)
    with pytest.raises(ValueError, match="not a statute page"):
        parse_file("ca_provincial_laws", EXAMPLES / "nl_script_wall.htm", NL)


def test_a_section_missing_from_the_page_is_an_error_not_an_empty_text():
    records = parsed("nb_2022-c.1_en.html", meta={"section": "9"})
    [error] = records
    assert error["type"] == "error" and "s. 9 is not on" in error["reason"] and error["url"] == EN + "#se:9"


def test_a_bot_wall_or_error_page_raises():
    with pytest.raises(ValueError, match="not a statute page"):
        parsed("bot_wall.html", url=EN, meta={"section": "1"})


def test_a_page_of_an_unsupported_register_is_refused():
    with pytest.raises(ValueError, match="not the page of a province"):
        parsed("nb_2022-c.1_en.html", url="https://www.legisquebec.gouv.qc.ca/fr/document/lc/P-9.0001",
               meta={"section": "1"})


def test_mirror_urls_keep_the_official_host():
    spider = SPIDERS["ca_provincial_laws"](base_url="http://127.0.0.1:8000")
    mirrored = spider.to_download_url("https://laws.gnb.ca/fr/document/lc/2022-c.1")
    assert mirrored == "http://127.0.0.1:8000/ca_provincial_laws/laws.gnb.ca/fr/document/lc/2022-c.1"
    assert spider.to_official_url(mirrored) == "https://laws.gnb.ca/fr/document/lc/2022-c.1"


# --- the tracked instruments ---


def in_force_provincial() -> list[dict]:
    return [i for i in curated.load(PROJECT / "data").instruments
            if str(i.get("jurisdiction", "")).startswith("CA-") and i.get("status") == "in_force"]


def test_every_in_force_instrument_of_a_supported_province_names_the_spider():
    for instrument in in_force_provincial():
        province = instrument["jurisdiction"].removeprefix("CA-")
        if province in module.SUPPORTED:
            assert instrument["source"] == "ca_provincial_laws", instrument["id"]
            assert module.split_identifier(instrument["source_identifier"])[0] == province
            assert all(module.section_of(p["key"]) for p in instrument["provisions"] if p.get("key"))


def test_crawl_stores_the_tracked_sections_in_english_and_french(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "ca_provincial_laws")
        assert result.returncode == 0, result.stdout + result.stderr
        assert all(path == "/robots.txt" or path.startswith("/ca_provincial_laws/") for path in server.requests)
        assert any("/fr/document/lc/2022-c.1" in path for path in server.requests)
    db = sqlite_utils.Database(built_db)
    [instrument] = [i for i in in_force_provincial() if i["id"] == NB_ACT]
    for provision in [p for p in instrument["provisions"] if p.get("key")]:
        the_id = curated.provision_id(NB_ACT, provision)
        languages = {row["language"]: row for row in db.query(
            "SELECT * FROM provision_versions WHERE provision_id = ? AND superseded_at IS NULL", [the_id])}
        assert set(languages) == {"en", "fr"}, the_id
        assert all(row["text"] for row in languages.values())
    stored = db["provisions"].get(f"{NB_ACT}/section/2")
    assert stored["language"] == "en" and stored["source"] == "ca_provincial_laws"
    interpretation = db["provisions"].get("ca-nl-intimate-images-protection-act/section/3")
    assert interpretation["heading"] == "Interpretation" and interpretation["text"].startswith("For the purposes")
    # Every keyed provision of every tracked provincial instrument is stored with its text.
    tracked = [i for i in in_force_provincial() if i["source"] == "ca_provincial_laws"]
    assert {i["jurisdiction"] for i in tracked} == {"CA-NB", "CA-NL", "CA-MB", "CA-AB"}
    for instrument in tracked:
        for provision in [p for p in instrument["provisions"] if p.get("key")]:
            row = db["provisions"].get(curated.provision_id(instrument["id"], provision))
            assert row["text"] and row["source"] == "ca_provincial_laws", row["id"]
    # Manitoba's bilingual page: s. 1 in English and French from the one page.
    versions = {row["language"]: row["text"] for row in db.query(
        "SELECT * FROM provision_versions WHERE provision_id = ? AND superseded_at IS NULL", [f"{MB_ACT}/section/1"])}
    assert versions == {"en": "The Intimate Image Protection Act is amended by this Act.",
                        "fr": "La présente loi modifie la Loi sur la protection des images intimes."}
    assert "artificial intelligence" in db["provisions"].get(f"{MB_ACT}/section/3")["text"]
    # Alberta's PDF, read as its text: never kept as a PDF.
    privacy = db["provisions"].get(f"{AB_ACT}/section/5")
    assert privacy["heading"] == "Expectation of privacy" and privacy["text"].startswith("In an action for the")
    assert any(path.endswith("/Acts/P26P9.pdf") for path in server.requests)
    # The French s. 3, which the shortened Manitoba example leaves out, is a missing
    # translation (a warning), not a failed page.
    assert not list(db.query("SELECT * FROM crawl_errors WHERE source = 'ca_provincial_laws'"))
    assert "MB s. 3 is not on" in result.stderr and "stored in en only" in result.stderr


# --- Newfoundland and Labrador: a page read by its text lines ---

NL = "https://www.assembly.nl.ca/Legislation/sr/statutes/i22.htm"


def test_newfoundland_sections_are_cut_from_the_text_after_the_enacting_words():
    found = provisions(parsed("nl_i22.htm"))
    definitions = found["ca-nl-intimate-images-protection-act/section/2"]
    # The analysis lists "2. Definitions" too: the section is the one after "Be it enacted".
    assert definitions["heading"] == "Definitions" and definitions["text"].startswith("In this Act\n(a) \"court\"")
    assert definitions["text"].endswith("retained a reasonable expectation of privacy at the time it was distributed.")
    assert "2018 cI-22" not in definitions["text"] and "Back to Top" not in definitions["text"]
    assert definitions["url"] == NL and definitions["language"] == "en"
    assert found["ca-nl-intimate-images-protection-act/section/3"]["heading"] == "Interpretation"


def test_newfoundland_script_wall_is_an_error_and_a_missing_section_a_page_error():
    with pytest.raises(ValueError, match="not a statute page"):
        parsed("nl_script_wall.htm", url=NL, meta={"section": "2"})
    [error] = parsed("nl_i22.htm", meta={"section": "7"})
    assert error["type"] == "error" and "s. 7 is not on" in error["reason"]
    [instrument, section] = parsed("nl_i22.htm", meta={"section": "1"})
    assert instrument["id"] == "ca-nl-i22" and section["text"].startswith("This Act may be cited as")
    assert instrument["title"] == "Intimate Images Protection Act"  # the page's title, without a curated row


# --- Manitoba: one bilingual page, read by its text lines ---


def test_manitoba_gives_each_section_in_english_then_french_from_the_one_page(caplog):
    records = parsed("mb_2024_c01724.html")
    assert [(r["type"], r.get("id"), r.get("language")) for r in records] == [
        ("instrument", MB_ACT, "en"), ("provision", f"{MB_ACT}/section/1", "en"),
        ("provision", f"{MB_ACT}/section/1", "fr"), ("provision", f"{MB_ACT}/section/3", "en")]
    english, french, definitions = records[1:]
    # The French marginal note between the two is the French section's note, not English text.
    assert english["heading"] == "C.C.S.M. c. I87 amended"
    assert english["text"] == "The Intimate Image Protection Act is amended by this Act."
    assert french["heading"] == "Modification du c. I87 de la C.P.L.M." and french["url"] == MB
    # A section in subsections keeps its "3(1)", as New Brunswick's do; its clauses one a line.
    assert definitions["text"].startswith("3(1) Subsection 1(1) is amended\n(a) by adding the following definitions:")
    assert "(b) that is created through the use of software, machine learning, artificial intelligence" \
        in definitions["text"]
    # Its French text is not in the (shortened) example: a missing translation is a warning.
    assert any("s. 3 is not on" in message and message.endswith("(the provision is stored in en only)")
               for message in caplog.messages)
    # A section missing in every language is a page error, as on any other page.
    [error] = parsed("mb_2024_c01724.html", meta={"section": "7"})
    assert error["type"] == "error" and error["reason"] == f"MB s. 7 is not on {MB}"


def test_a_saved_manitoba_page_read_alone_gives_its_sections_in_both_languages():
    records = parse_file("ca_provincial_laws", EXAMPLES / "mb_2024_c01724.html", MB)
    [instrument] = [r for r in records if r["type"] == "instrument"]
    assert instrument["id"] == "ca-mb-2024-c01724" and instrument["jurisdiction"] == "CA-MB"
    assert [(r["id"], r["language"]) for r in records if r["type"] == "provision"] == [
        ("ca-mb-2024-c01724/section/1", "en"), ("ca-mb-2024-c01724/section/1", "fr"),
        ("ca-mb-2024-c01724/section/3", "en")]
    # The explanatory notes and title before the enacting words are not sections.
    assert all("reader's aid" not in (r.get("text") or "") for r in records)
    assert module.page_url(module.SUPPORTED["MB"], "fr", "2024/c01724") == MB  # the one page


# --- Alberta: the King's Printer PDF, read as its printed text ---


def test_alberta_section_is_read_from_the_pdf_after_the_enacting_words():
    records = parsed("ab_P26P9.pdf")
    [instrument, privacy] = records
    assert instrument["id"] == AB_ACT and instrument["official_url"] == AB
    # The table of contents lists "5 Expectation of privacy" too: the section is the one after
    # the enacting words; its marginal note is the line above; wrapped lines are one paragraph.
    assert privacy["heading"] == "Expectation of privacy" and privacy["language"] == "en"
    assert privacy["text"] == ("In an action for the distribution of an intimate image without consent, the person "
                               "depicted in the image does not lose the expectation of privacy in")
    assert privacy["url"] == AB


def test_a_saved_alberta_pdf_read_alone_is_titled_from_its_cover():
    # `sii-atlas parse ca_provincial_laws ab_P26P9.pdf --url ...`: the PDF is read as its text.
    records = parse_file("ca_provincial_laws", EXAMPLES / "ab_P26P9.pdf", AB)
    assert [(r["type"], r["id"]) for r in records] == [("instrument", "ca-ab-p26p9"),
                                                         ("provision", "ca-ab-p26p9/section/5")]
    assert records[0]["title"] == "PROTECTING VICTIMS OF NON-CONSENSUAL DISTRIBUTION OF INTIMATE IMAGES ACT"


def test_an_html_page_where_alberta_s_pdf_should_be_or_a_missing_section_is_an_error():
    # Alberta's HTML addresses answer a script shell: never a statute, never an empty text.
    with pytest.raises(ValueError, match="HTML page, not the statute's PDF"):
        parsed("bot_wall.html", url=AB, meta={"section": "5"})
    [error] = parsed("ab_P26P9.pdf", meta={"section": "9"})
    assert error["type"] == "error" and "s. 9 is not on" in error["reason"]


def test_the_pdf_layout_drops_running_heads_and_page_numbers_and_rejoins_wrapped_lines():
    province = module.SUPPORTED["AB"]
    text = ("HER MAJESTY, by and with the advice and consent of the\nLegislative Assembly of Alberta, "
            "enacts as follows:\nExpectation of privacy\n5 In an action for the distribution of an\n7\f"
            "Section 5 PROTECTING VICTIMS OF NON-CONSENSUAL\nintimate image without non-\nconsensual intent\n"
            "6 Next section")
    heading, lines = module.read_section_lines(province, text, "5", AB)
    assert heading == "Expectation of privacy"
    # A hyphen at a line's end stays (a PDF cannot tell a compound word from a broken one).
    assert lines == ["In an action for the distribution of an intimate image without non-consensual intent"]


def test_a_number_running_into_its_subsection_stays_a_bare_number_goes():
    alberta = module.SUPPORTED["AB"]
    text = "enacts as follows:\nInterpretation\n1(1) In this Act,\n(a) the court"
    assert module.read_section_lines(alberta, text, "1", AB) == ("Interpretation", ["1(1) In this Act,", "(a) the court"])
    # Newfoundland's "2. (1)": the number and its full stop go, the subsection stays.
    from lxml import html
    page = html.document_fromstring("<html><body><p>Be it enacted by</p><p>Definitions</p><p>2. (1) In this Act</p>"
                                    "</body></html>")
    assert module.read_section_lines(module.SUPPORTED["NL"], page, "2", NL) == ("Definitions", ["(1) In this Act"])
