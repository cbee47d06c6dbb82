"""Justel (Belgium): the eJustice text pages in French and Dutch, the ELI month lists, the
pages that say there is no text, the spider's requests, and a crawl from the fixture server
into SQLite. No real capture exists: the examples are ours (see crawlers/sources/justel.py)."""

import asyncio
from datetime import date

import pytest
import scrapy
import sqlite_utils
from conftest import crawl
from fixture_server import FixtureServer
from scrapy.http import HtmlResponse

from crawlers.items import PageError
from crawlers.parsing import parse_file
from crawlers.sources.justel import (
    JustelError, JustelSpider, justel_url, parse_month, parse_text, title_date,
)

FR = "https://www.ejustice.just.fgov.be/eli/loi/1867/06/08/1867060850/justel"
NL = "https://www.ejustice.just.fgov.be/eli/wet/1867/06/08/1867060850/justel"
MONTH = "https://www.ejustice.just.fgov.be/eli/loi/2022/03"
EXAMPLES = "tests/examples/justel"
CURATED = "be-loi-2022-03-21-droit-penal-sexuel"


def html(url, body: bytes, **meta):
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


def page(name) -> bytes:
    return open(f"{EXAMPLES}/{name}", "rb").read()


# --------------------------------------------------------------------------- text pages


def test_a_tracked_page_gives_the_key_articles_under_the_curated_id_and_no_instrument():
    records = parse_file("justel", f"{EXAMPLES}/code_penal_fr.html", FR,
                         {"instrument_id": CURATED, "keys": ["417/8", "417/9", "417/10"], "today": "2026-11-30"})
    assert [r["type"] for r in records] == ["provision"] * 3
    assert [r["id"] for r in records] == [f"{CURATED}/417/8", f"{CURATED}/417/9", f"{CURATED}/417/10"]
    voyeurism = records[0]
    assert voyeurism["language"] == "fr" and voyeurism["label"] == "Art. 417/8"
    # The amendment markers and notes are editorial; their latest in-force date dates the wording.
    assert voyeurism["text"].startswith("Le voyeurisme consiste à observer une personne")
    assert "[" not in voyeurism["text"] and "Inséré par" not in voyeurism["text"]
    assert voyeurism["valid_from"] == "2022-06-01" and voyeurism["in_force_status"] == "in_force"


def test_an_article_without_amendment_notes_applies_from_the_texts_entry_into_force():
    url = "https://www.ejustice.just.fgov.be/eli/loi/2020/05/04/2020041233/justel"
    records = parse_file("justel", f"{EXAMPLES}/loi_2020_05_04_fr.html", url,
                         {"instrument_id": "be-loi-2020-05-04-revenge-porn", "keys": ["5"], "today": "2026-11-30"})
    [article] = records
    assert article["id"] == "be-loi-2020-05-04-revenge-porn/5" and article["label"] == "Art. 5"
    assert article["valid_from"] == "2020-07-01" and article["in_force_status"] == "in_force"
    # The chapter heading after art. 3 closes it; the quoted new heading stays in art. 4.
    alone = parse_file("justel", f"{EXAMPLES}/loi_2020_05_04_fr.html", url, {"today": "2026-11-30"})
    by_label = {r["label"]: r for r in alone if r["type"] == "provision"}
    assert not by_label["Art. 2"]["text"].endswith("Modifications du Code pénal")
    assert by_label["Art. 4"]["text"].endswith("de l'attentat à la pudeur et du viol\".")


def test_division_headings_between_articles_are_not_part_of_either():
    records = parse_file("justel", f"{EXAMPLES}/code_penal_fr.html", FR, {"today": "2026-11-30"})
    repealed = next(r for r in records if r.get("id", "").endswith("/371/1"))
    assert repealed["text"] == "<Abrogé par L 2022-03-21/05, art. 19, 047; En vigueur : 01-06-2022>"
    assert repealed["in_force_status"] == "repealed" and repealed["valid_from"] == "2022-06-01"
    assert not any("CHAPITRE" in (r.get("text") or "") for r in records)


def test_the_dutch_page_is_the_same_articles_in_dutch_and_parsed_alone_names_the_text():
    records = parse_file("justel", f"{EXAMPLES}/code_penal_nl.html", NL, {"today": "2026-11-30"})
    instrument, *provisions = records
    assert instrument["id"] == "be-numac-1867060850" and instrument["title"] == "8 JUNI 1867. - STRAFWETBOEK 1867."
    assert (instrument["date_enacted"], instrument["date_in_force"]) == ("1867-06-08", "1867-10-15")
    assert {"scheme": "NUMAC", "value": "1867060850"} in instrument["identifiers"]
    article = next(p for p in provisions if p["id"].endswith("/417/9"))
    assert article["language"] == "nl" and article["text"].startswith("De niet-consensuele verspreiding")


def test_a_missing_key_article_is_a_tracked_failure():
    results = list(parse_text(html(FR, page("code_penal_fr.html"), instrument_id=CURATED, keys=["417/8", "417/11"])))
    [error] = [r for r in results if isinstance(r, PageError)]
    assert error["tracked"] and "Art. 417/11 not found in the Justel text 1867060850 (fr)" in error["reason"]


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"<html><body><center><FONT SIZE=6>Aide ELI </FONT></center></body></html>", "page says 'Aide ELI'"),
    (b"<html><body><p>(NOTE : pas de texte disponible)</p></body></html>", "pas de texte disponible"),
    ("<html><body><p>La version intégrale et consolidée de ce texte n'est pas disponible.</p></body></html>".encode(),
     "consolidée de ce texte n'est pas disponible"),
    (b"<html><head><title>Maintenance</title></head><body>Service indisponible</body></html>",
     "no consolidated text on the page .*Maintenance"),
    (b'{"error": "x"}', "not an HTML page"),
])
def test_pages_without_the_text_raise_with_their_own_words(body, message):
    with pytest.raises(JustelError, match=message):
        list(parse_text(html(FR, body, keys=["417/8"])))


@pytest.mark.parametrize("title,day", [
    ("8 JUIN 1867. - CODE PENAL 1867.", "1867-06-08"),
    ("21 MAART 2022. - Wet tot wijziging", "2022-03-21"),
    ("1ER FEVRIER 2024. - Loi", "2024-02-01"),
    ("CODE PENAL", None),
])
def test_title_dates_in_french_and_dutch(title, day):
    assert title_date(title) == day


# --------------------------------------------------------------------------- month lists


def test_a_month_list_gives_the_texts_on_the_subject_in_either_language():
    [french] = list(parse_month(html(MONTH, page("month_loi_2022_03.html"))))
    assert french["id"] == "be-numac-2022031330" and french["published"] == "2022-03-30"
    [dutch] = list(parse_month(html(MONTH.replace("/loi/", "/wet/"), page("month_wet_2022_03.html"))))
    assert dutch["id"] == french["id"] and "seksueel strafrecht" in dutch["matched_query"]
    assert list(parse_month(html(MONTH, page("month_loi_2022_03.html"), since="2022-04-01"))) == []


def test_a_month_list_error_page_is_an_error_not_an_empty_month():
    with pytest.raises(JustelError, match="Aide ELI"):
        list(parse_month(html(MONTH, b"<html><body><center><FONT SIZE=6>Aide ELI </FONT></center></body></html>")))


# --------------------------------------------------------------------------- the spider


TRACKED = [
    {"id": CURATED, "source_identifier": "1867/06/08/1867060850",
     "provisions": [{"label": "C. pén. 417/8", "key": "417/8"}, {"label": "C. pén. 417/9", "key": "417/9"}]},
    {"id": "be-no-numac", "source_identifier": "", "provisions": [{"label": "x", "key": "1"}]},
]


async def collect(spider):
    return [request async for request in spider.start()]


def test_start_asks_each_tracked_text_in_french_and_dutch_then_the_month_lists():
    requests = asyncio.run(collect(JustelSpider(tracked=TRACKED)))
    tracked = [r for r in requests if r.meta["tracked"]]
    assert [r.url for r in tracked] == [FR, NL]
    assert all(r.meta["keys"] == ["417/8", "417/9"] and r.meta["instrument_id"] == CURATED for r in tracked)
    months = [r.url.rsplit("/eli/", 1)[1] for r in requests if not r.meta["tracked"]]
    assert len(months) == 4 and {m.split("/")[0] for m in months} == {"loi", "wet"}


def test_since_reads_the_months_back_to_it():
    today = date.today()
    since = date(today.year - 1, today.month, 1)
    requests = asyncio.run(collect(JustelSpider(tracked=[], since=since.isoformat())))
    assert len(requests) == 2 * 12  # capped at a year of months per language
    assert all(r.meta.get("since") == since.isoformat() for r in requests)


def test_justel_urls_come_from_the_date_and_numac():
    assert justel_url("1867/06/08/1867060850") == FR
    assert justel_url("1867/06/08/1867060850", "wet") == NL
    assert justel_url("2022031330") is None


# --------------------------------------------------------------------------- end to end


def test_crawl_from_the_fixture_server_stores_the_articles_in_both_languages(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "justel")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite_utils.Database(built_db)
    article = db["provisions"].get(f"{CURATED}/417/9")
    assert article["source"] == "justel" and article["valid_from"] == "2022-06-01"
    texts = {row["language"]: row["text"] for row in db.query(
        "SELECT language, text FROM provision_versions WHERE provision_id = ? AND superseded_at IS NULL",
        [f"{CURATED}/417/9"])}
    assert texts["fr"].startswith("La diffusion non consensuelle de contenus à caractère sexuel")
    assert texts["nl"].startswith("De niet-consensuele verspreiding van seksueel getinte beelden")
    # The curated instrument is untouched by the host text's metadata.
    instrument = db["instruments"].get(CURATED)
    assert instrument["date_enacted"] == "2022-03-21" and instrument["title"].startswith("Loi du 21 mars 2022")
    candidates = {row["id"] for row in db["candidate_instruments"].rows}
    assert candidates == {"be-numac-2022031330"}
    # The 2020 revenge-porn law is read in its own text: art. 5, which replaced C. pén. 371/1.
    law = "be-loi-2020-05-04-revenge-porn"
    replaced = {row["language"]: row for row in db.query(
        "SELECT language, text, valid_from FROM provision_versions WHERE provision_id = ? AND superseded_at IS NULL",
        [f"{law}/5"])}
    assert replaced["fr"]["text"].startswith("L'article 371/1 du même Code, inséré par la loi du 1er février 2016")
    assert "montré, rendu accessible ou diffusé des images" in replaced["fr"]["text"]
    assert replaced["nl"]["text"].startswith("Artikel 371/1 van hetzelfde Wetboek")
    # No amendment note: the wording applies from the law's entry into force.
    assert replaced["fr"]["valid_from"] == "2020-07-01"
    assert db["instruments"].get(law)["date_enacted"] == "2020-05-04"
