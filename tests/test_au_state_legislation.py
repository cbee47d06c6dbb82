"""Australian state and territory legislation: the registers table, the two steps (the list of
Acts, then the current compilation's PDF read as text) on our fixtures (no real capture of any
state register exists), their variants (an Act not listed, an error page, a section missing, a
PDF read alone), the crawl from the fixture server into SQLite (with and without the register's
redirect), and which in-force state instruments a spider fetches."""

import json
import zlib
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from conftest import crawl, sii_atlas

from crawlers.parsing import parse_file
from crawlers.registry import curated
from crawlers.sources import CONTRACTS, SPIDERS
from crawlers.sources import au_state_legislation as module
from fixture_server import FixtureServer

EXAMPLES = Path(__file__).parent / "examples" / "au_state_legislation"
PROJECT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((EXAMPLES / "examples.yaml").read_text())
INDEX = "https://www.legislation.wa.gov.au/legislation/statutes.nsf/actsif_c.html"
PDF_URL = "https://www.legislation.wa.gov.au/legislation/statutes.nsf/RedirectURL?OpenAgent&query=mrdoc_99901.pdf"
FILESTORE = ("https://www.legislation.wa.gov.au/legislation/prod/filestore.nsf/FileURL/mrdoc_99901.pdf/$FILE/"
             "Criminal%20Code%20Act%20Compilation%20Act%201913%20-%20%5B19-af0-01%5D.pdf?OpenElement")
CODE = "Criminal Code Act Compilation Act 1913"
WA = "au-wa-criminal-code-ch-xxva"
PDF = EXAMPLES / "wa_criminal_code_compilation.pdf"


def parsed(name: str, url: str | None = None, meta: dict | None = None) -> list[dict]:
    spec = MANIFEST.get(name, {})
    return parse_file("au_state_legislation", EXAMPLES / name, url or spec["url"],
                      meta if meta is not None else spec.get("meta"))


def provisions(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records if r["type"] == "provision"}


# --- the table ---


def test_every_tracked_state_is_supported_or_curated_with_a_reason():
    assert set(module.SUPPORTED) == {"WA"}
    assert {"WA", "VIC", "ACT", "NT", "SA"} <= set(module.REGISTERS)
    for code, register in module.REGISTERS.items():
        assert register.supported or len(register.curated) > 80, code
    # The ACT stays curated because its Crimes Act is over the pages read, not for want of a route.
    assert "400 pages" in module.REGISTERS["ACT"].curated and "423 pages" in module.REGISTERS["ACT"].curated
    assert "Cloudflare" in module.REGISTERS["SA"].curated and "208AA" in module.REGISTERS["NT"].curated


def test_the_contract_declares_exactly_the_tables_hosts_and_reads_pdfs():
    assert module.DECLARATION.official_hosts == {"www.legislation.wa.gov.au", "legislation.wa.gov.au"}
    assert module.DECLARATION.reads_pdf and module.DECLARATION.rate_limit_per_host
    assert CONTRACTS["au_state_legislation"] is module.DECLARATION


def test_a_table_without_a_reason_a_route_or_its_host_is_refused(tmp_path):
    bad = tmp_path / "table.yaml"
    bad.write_text("registers:\n  SA:\n    curated: ''\n")
    with pytest.raises(module.TableError, match="reason"):
        module.read_table(bad)
    supported = ("registers:\n  WA:\n    jurisdiction: AU-WA\n    hosts: [a.example]\n    format: pdf\n"
                 "    document_path: x\n    start: '^{section}\\.'\n    next: y\n    licence: l\n    basis: b\n")
    bad.write_text(supported)
    with pytest.raises(module.TableError, match="act_page"):
        module.read_table(bad)
    route = "    act_page_path: p\n    rows: r\n    row_title: t\n    row_link: l\n"
    bad.write_text(supported + route + "    act_page: 'https://b.example/{initial}'\n")
    with pytest.raises(module.TableError, match="not on its hosts"):
        module.read_table(bad)
    bad.write_text(supported.replace("format: pdf", "format: docx") + route + "    act_page: 'https://a.example/x'\n")
    with pytest.raises(module.TableError, match="format"):
        module.read_table(bad)


def test_identifiers_and_keys_give_the_official_urls():
    assert module.split_identifier("WA/" + CODE) == ("WA", CODE)
    assert module.act_page_url(module.SUPPORTED["WA"], CODE) == INDEX
    assert module.section_of("section/221BD") == "221BD"
    assert module.default_instrument_id("WA", CODE) == "au-wa-criminal-code-act-compilation-act-1913"
    with pytest.raises(ValueError, match="curated"):
        module.split_identifier("ACT/1900-40")
    with pytest.raises(ValueError, match="no register"):
        module.split_identifier("TAS/act-1924-069")
    with pytest.raises(ValueError, match="section/<number>"):
        module.section_of("part/5A")


# --- step 1: the list of Acts ---


def test_the_list_of_acts_gives_the_request_for_the_current_compilation_with_the_sections_asked():
    [request] = parsed("actsif_c.html")
    assert request == {"type": "request", "url": PDF_URL}
    # The request carries what the PDF's parser needs, and is tracked (a curated document).
    spec = MANIFEST["actsif_c.html"]
    results = list(module.parse_act_page(module.SUPPORTED["WA"], _response(EXAMPLES / "actsif_c.html", INDEX,
                                                                           spec["meta"])))
    [follow] = results
    assert follow.meta["tracked"] and follow.meta["act"] == CODE and follow.meta["state"] == "WA"
    assert [t["section"] for t in follow.meta["targets"]] == ["221BA", "221BB", "221BD", "221BE"]


def test_the_list_read_alone_asks_for_every_acts_current_text():
    records = parse_file("au_state_legislation", EXAMPLES / "actsif_c.html", INDEX)
    assert [r["url"].rsplit("=", 1)[1] for r in records] == ["mrdoc_99901.pdf", "mrdoc_48864.pdf"]


def test_an_act_missing_from_the_list_is_a_tracked_error_and_an_error_page_raises():
    meta = {**MANIFEST["actsif_c.html"]["meta"], "act": "Criminal Code Amendment Act 1918"}
    [error] = parsed("actsif_c.html", meta=meta)
    assert error["type"] == "error" and error["tracked"] and "is not listed" in error["reason"]
    with pytest.raises(ValueError, match="not the register's list of Acts"):
        parsed("error_page.html", url=INDEX, meta=MANIFEST["actsif_c.html"]["meta"])


# --- step 2: the current compilation's PDF, read as text ---


def test_the_pdf_gives_the_instrument_once_and_each_asked_section():
    records = parsed("wa_criminal_code_compilation.pdf")
    assert [r["id"] for r in records if r["type"] == "instrument"] == [WA]
    found = provisions(records)
    assert list(found) == [f"{WA}/section/{n}" for n in ("221BA", "221BB", "221BD", "221BE")]
    offence = found[f"{WA}/section/221BD"]
    assert offence["heading"] == "Distribution of intimate image" and offence["language"] == "en"
    assert "(2) A person commits a crime if —\n(a) the person distributes an intimate image of another person" \
        in offence["text"]
    assert "Penalty for this subsection: imprisonment for 3 years.\nSummary conviction penalty for this subsection: " \
           "imprisonment for 18 months and a fine of $18 000." in offence["text"]
    # The section runs across a page: the running heads and feet between are not law text.
    assert "(ii) did not intend the distribution to cause harm to the depicted person; and\n(iii) reasonably " \
           "believed the distribution to be in the public interest; or\n(d)" in offence["text"]
    for furniture in ("Official Version", "As at 01 Jul 2024", "page 149", "s. 221BD", "Part IV", "[Section"):
        assert furniture not in offence["text"]
    definitions = found[f"{WA}/section/221BA"]["text"]
    # Defined terms open their own paragraph; a lone "and" closes the one before it.
    assert definitions.startswith("In this Chapter —\nconsent has the meaning given in section 221BB;\n")
    assert "(iii) the person engaged in a private act; and\n(b) includes an image, in any form, that has been " \
           "created or altered" in definitions
    assert found[f"{WA}/section/221BB"]["text"].count("\n") == 6  # (1) to (7)
    assert found[f"{WA}/section/221BE"]["text"].endswith("imprisonment for 12 months and a fine of $12 000.")
    assert all(p["url"] == PDF_URL and p["valid_from"] is None for p in found.values())


def test_a_pdf_read_alone_gives_the_act_and_every_section_after_the_long_title():
    # `sii-atlas parse au_state_legislation FILE --url URL`: no request meta at all.
    records = parse_file("au_state_legislation", PDF, FILESTORE)
    [instrument] = [r for r in records if r["type"] == "instrument"]
    assert instrument["id"] == "au-wa-criminal-code-act-compilation-act-1913" and instrument["title"] == CODE
    assert instrument["jurisdiction"] == "AU-WA" and instrument["official_url"] == FILESTORE
    sections = [r["id"].rsplit("/", 1)[1] for r in records if r["type"] == "provision"]
    # The contents list ss. 1-2 too; the sections are the ones after the long title.
    assert sections == ["1", "2", "221BA", "221BB", "221BC", "221BD", "221BE"]
    first = provisions(records)["au-wa-criminal-code-act-compilation-act-1913/section/1"]
    assert first["heading"] == "Short title and commencement" and first["text"].startswith("This Act may be cited")
    # s. 2 ends at the Chapter's heading, not at the next section.
    assert provisions(records)["au-wa-criminal-code-act-compilation-act-1913/section/2"]["text"].endswith(
        "under the title of the Criminal Code Act 1913.")
    # Without a title in its address, the cover names the Act.
    alone = parse_file("au_state_legislation", PDF, PDF_URL)
    assert alone[0]["title"] == CODE and len(alone) == len(records)


def test_a_section_missing_is_a_page_error_and_a_page_that_is_no_act_raises(tmp_path):
    [error] = parsed("wa_criminal_code_compilation.pdf", meta={"section": "221BG"})
    assert error["type"] == "error" and "s. 221BG is not in" in error["reason"]
    with pytest.raises(ValueError, match="is a page, not the Act's text"):
        parsed("error_page.html", url=PDF_URL, meta={"section": "221BD"})
    no_act = tmp_path / "contents.txt"
    no_act.write_text("Western Australia\nSome Act 2020\nContents\n1. Short title 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not an Act's text"):
        parse_file("au_state_legislation", no_act, PDF_URL, {"section": "1"})


def test_a_page_of_another_register_or_path_is_refused():
    with pytest.raises(ValueError, match="not a page of a register"):
        parsed("actsif_c.html", url="https://www.legislation.act.gov.au/a/1900-40/", meta={})
    with pytest.raises(ValueError, match="neither"):
        parsed("actsif_c.html", url="https://www.legislation.wa.gov.au/legislation/statutes.nsf/default.html", meta={})


def test_sii_atlas_parse_reads_a_saved_pdf_without_meta(tmp_path):
    result = sii_atlas(tmp_path / "unused.db", "parse", "au_state_legislation", str(PDF), "--url", FILESTORE, warm=True)
    assert result.returncode == 0, result.stderr
    assert "Distribution of intimate image" in result.stdout and "%PDF" not in result.stdout


def test_mirror_urls_keep_the_official_host_and_query():
    spider = SPIDERS["au_state_legislation"](base_url="http://127.0.0.1:8000")
    mirrored = spider.to_download_url(PDF_URL)
    assert mirrored == ("http://127.0.0.1:8000/au_state_legislation/www.legislation.wa.gov.au/legislation/"
                        "statutes.nsf/RedirectURL?OpenAgent&query=mrdoc_99901.pdf")
    assert spider.to_official_url(mirrored) == PDF_URL


# --- the tracked instruments ---


def in_force_state_instruments() -> list[dict]:
    states = {"AU-WA", "AU-VIC", "AU-ACT", "AU-NT", "AU-SA"}
    return [i for i in curated.load(PROJECT / "data").instruments
            if i.get("jurisdiction") in states and i.get("status") == "in_force"]


def test_every_in_force_instrument_of_a_supported_register_names_the_spider():
    fetched = []
    for instrument in in_force_state_instruments():
        code = instrument["jurisdiction"].removeprefix("AU-")
        if code in module.SUPPORTED:
            assert instrument["source"] == "au_state_legislation", instrument["id"]
            assert module.split_identifier(instrument["source_identifier"])[0] == code
            assert all(module.section_of(p["key"]) for p in instrument["provisions"] if p.get("key"))
            fetched.append(instrument["id"])
        else:
            assert instrument["source"] == "curated", instrument["id"]
    assert fetched == [WA]


def test_the_examples_carry_what_the_spider_sends_for_the_curated_instrument():
    [instrument] = [i for i in in_force_state_instruments() if i["id"] == WA]
    spider = SPIDERS["au_state_legislation"](tracked=[instrument])
    [request] = list(spider.tracked_requests())
    assert request.url == INDEX and request.meta["tracked"] and request.meta["act"] == CODE
    assert request.meta["targets"] == MANIFEST["actsif_c.html"]["meta"]["targets"]


def test_crawl_stores_the_tracked_sections_from_the_pdf(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "au_state_legislation")
        assert result.returncode == 0, result.stdout + result.stderr
        assert all(path == "/robots.txt" or path.startswith("/au_state_legislation/") for path in server.requests)
        assert any("query=mrdoc_99901.pdf" in path for path in server.requests)
    db = sqlite_utils.Database(built_db)
    [instrument] = [i for i in in_force_state_instruments() if i["id"] == WA]
    for provision in [p for p in instrument["provisions"] if p.get("key")]:
        the_id = curated.provision_id(WA, provision)
        [row] = list(db.query("SELECT * FROM provision_versions WHERE provision_id = ? AND superseded_at IS NULL",
                              [the_id]))
        assert row["text"] and row["language"] == "en", the_id
    stored = db["provisions"].get(f"{WA}/section/221BD")
    assert stored["source"] == "au_state_legislation" and stored["heading"] == "Distribution of intimate image"
    assert "imprisonment for 18 months and a fine of $18 000" in stored["text"]
    assert not list(db.query("SELECT * FROM crawl_errors WHERE source = 'au_state_legislation'"))
    # The archive keeps the PDF's text, never the PDF.
    archive = sqlite_utils.Database(built_db.with_name(built_db.stem + ".archive.sqlite"))
    bodies = [zlib.decompress(row["compressed"]) for row in archive.query("SELECT compressed FROM bodies")]
    assert not [body for body in bodies if body.lstrip().startswith(b"%PDF")]
    assert any(b"221BD. Distribution of intimate image" in body for body in bodies)


def test_crawl_follows_the_registers_redirect_to_the_filestore(built_db):
    prefix = "/au_state_legislation/www.legislation.wa.gov.au/legislation/"
    filestore_path = prefix + "prod/filestore.nsf/FileURL/mrdoc_99901.pdf/$FILE/Criminal%20Code%20Act.pdf"

    def redirect(handler, method, path, query):
        if path == prefix + "statutes.nsf/RedirectURL":
            return 302, "text/html", b"", {"Location": filestore_path + "?OpenElement"}
        if path.startswith(prefix + "prod/filestore.nsf/"):
            return 200, "application/pdf", PDF.read_bytes(), {}
        return None

    with FixtureServer(hook=redirect) as server:
        result = crawl(built_db, server, "au_state_legislation")
        assert result.returncode == 0, result.stdout + result.stderr
        assert any("/prod/filestore.nsf/" in path for path in server.requests)
    db = sqlite_utils.Database(built_db)
    stored = db["provisions"].get(f"{WA}/section/221BA")
    assert "/prod/filestore.nsf/FileURL/mrdoc_99901.pdf/" in stored["url"]
    assert not list(db.query("SELECT * FROM crawl_errors WHERE source = 'au_state_legislation'"))


def _response(path: Path, url: str, meta: dict):
    from crawlers.parsing import response_from_file

    return response_from_file(path, url, json.loads(json.dumps(meta)))


def test_the_pdfs_text_is_read_as_utf8_whatever_encoding_a_replayed_response_claims():
    # A response claiming another encoding than the text's UTF-8 (as the archive's 304 replay
    # once did, cp1252): the text must not turn "—" into "â€”".
    from scrapy.http import TextResponse

    from crawlers.pdf_text import pdf_text

    body = pdf_text(PDF.read_bytes()).encode("utf-8")
    response = TextResponse(PDF_URL, body=body, encoding="cp1252",
                            request=__import__("scrapy").Request(PDF_URL, meta={"section": "221BD"}))
    [instrument, offence] = list(module.parse_register_page(response))
    assert offence["text"].startswith("(1) In this section —\n") and "â€" not in offence["text"]
