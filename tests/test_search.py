"""Search as a journalist uses it (issue 10): Korean, Japanese and Chinese inside words and in
one or two characters, plurals and elisions in six languages, honest headings and text
coverage, one search over every kind of row, migration 6 on a v5 database, and the scale
benchmark's smoke run."""

import copy
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from crawlers.registry import curated
from crawlers.site import datasette_options
from crawlers.site.search_terms import fts_query, inflections, short_unspaced, trigram_query
from crawlers.store import Store
from crawlers.store import schema
from crawlers.store.schema import open_database

PROJECT = Path(__file__).resolve().parents[1]
KR_ARTICLE = "kr-scpsc-14-2/article/14-2"

#: Crawled texts, one per language, each holding the other number (singular/plural) or the
#: elided form of the word a journalist types.
TEXTS = {
    "fr": ("fr-cp-226-8-1", "Est puni le fait de publier un montage réalisé avec une effigie de la personne."),
    "it": ("it-cp-612-quater", "Chiunque diffonde immagini falsificate di una persona."),
    "de": ("at-stgb-120a-107c", "Wer ein Bild einer Person ohne Einwilligung veröffentlicht."),
    "es": ("ar-ley-27736-olimpia", "Difundir imágenes íntimas sin consentimiento."),
    "nl": ("nl-sr-139h", "Hij die een afbeelding van seksuele aard vervaardigt van een beeld van een persoon."),
    "en": ("asp-2016-22", "A person who discloses a deepfake of another person commits an offence."),
    "ja": ("jp-private-sexual-image-act-2014", "私事性的画像記録を公然と陳列した者は処罰する。"),
}


def with_korean_keywords(data):
    """The curated data with the Korean article's official heading and a search word."""
    data = copy.deepcopy(data)
    entry = next(e for e in data.instruments if e["id"] == "kr-scpsc-14-2")
    article = next(p for p in entry["provisions"] if p.get("key") == "article/14-2")
    article["heading_original"] = "허위영상물 등의 반포등"
    article["keywords"] = ["딥페이크", "합성 영상"]
    return data


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, with_korean_keywords(curated.load()))
    Store(db).write_batch([
        {"type": "provision", "id": f"{instrument}/search-test", "instrument_id": instrument, "label": "1",
         "heading": None, "language": language, "source": "curated", "text": text,
         "url": f"https://example.org/{instrument}"}
        for language, (instrument, text) in TEXTS.items()
    ] + [{"type": "provision", "id": "kr-scpsc-14-2/search-test", "instrument_id": "kr-scpsc-14-2", "label": "2",
          "heading": None, "language": "ko", "source": "curated", "url": "https://www.law.go.kr/",
          "text": "사람의 얼굴을 대상으로 한 딥페이크 영상물을 반포한 자는 처벌한다."}])
    db["bills"].insert({"id": "us-hr-0001", "jurisdiction": "US", "identifier": "H.R. 1", "session": "119",
                        "title": "A bill on deepfakes of intimate images", "status": "introduced",
                        "url": "https://www.congress.gov/bill/119th-congress/house-bill/1"})
    db.conn.close()
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000}, **datasette_options())


async def found(site, query: str, q: str, key: str = "provision_id") -> list:
    response = await site.client.get(f"/sii_atlas/{query}.json?q={quote(q)}&_shape=array")
    assert response.status_code == 200, response.text[:500]
    return [row[key] for row in response.json()]


# --- Korean, Japanese, Chinese -------------------------------------------------------------

@pytest.mark.parametrize("q", ["딥페이크", "딥페", "허위영상물", "영상물", "허위"])
async def test_korean_finds_the_curated_article_by_its_official_heading_and_search_words(site, q):
    assert KR_ARTICLE in await found(site, "search_provisions", q)


@pytest.mark.parametrize("q", ["페이크", "페이", "얼굴"])
async def test_korean_inside_a_crawled_text_in_three_two_or_more_characters(site, q):
    assert "kr-scpsc-14-2/search-test" in await found(site, "search_provisions", q)


@pytest.mark.parametrize("q", ["性的画像", "画像"])
async def test_japanese_without_spaces_in_four_or_two_characters(site, q):
    assert "jp-private-sexual-image-act-2014/search-test" in await found(site, "search_provisions", q)


def test_short_unspaced_words_take_the_bounded_path_and_long_ones_the_trigram_index():
    assert short_unspaced("딥페") == "딥페" and short_unspaced("画像") == "画像"
    assert short_unspaced("딥페이크") is None and short_unspaced("montage") is None
    assert trigram_query("딥페이크 영상") == '"딥페이크"' and trigram_query("montage") == '""'


# --- plurals and elisions --------------------------------------------------------------------

@pytest.mark.parametrize("q, language", [
    ("montages", "fr"), ("montage", "fr"), ("l'effigie", "fr"), ("l’effigie", "fr"), ("effigies", "fr"),
    ("immagine", "it"), ("dell'immagine", "it"), ("un'immagine", "it"), ("Bilder", "de"), ("imagen", "es"), ("imágenes", "es"),
    ("beelden", "nl"), ("afbeeldingen", "nl"), ("deepfakes", "en"), ("persons", "en"),
])
async def test_plurals_and_elided_words_find_the_word(site, q, language):
    instrument = TEXTS[language][0]
    assert f"{instrument}/search-test" in await found(site, "search_provisions", q), fts_query(q)


def test_fts_query_quotes_what_people_type_and_adds_inflections():
    assert fts_query("") == '""' and fts_query('OR "') == '""'
    assert fts_query('"intimate image" OR 226-8-1') == '"intimate image" OR "226-8-1"'
    assert fts_query("AI") == '"AI"'
    query = fts_query("l'images consent")
    assert query.startswith('("images" OR ') and '"image"' in query and ' AND ("consent" OR ' in query
    assert {"immagine", "immagini"} <= set(inflections("immagini"))
    assert {"body", "bodies"} <= set(inflections("bodies")) and {"journal", "journaux"} <= set(inflections("journaux"))
    assert "art" in inflections("arts") and "off" not in inflections("offer")  # short stems: no endings guessed


async def test_a_quoted_word_matches_only_as_written(site):
    assert f"{TEXTS['fr'][0]}/search-test" not in await found(site, "search_provisions", '"montages"')


# --- honest headings and text coverage -------------------------------------------------------

async def test_our_english_headings_are_labelled_english_and_official_ones_served_as_heading(site):
    response = await site.client.get(
        f"/sii_atlas/provisions.json?_shape=array&instrument_id=kr-scpsc-14-2&_col=heading&_col=heading_en&_col=language")
    rows = {row["id"]: row for row in response.json()}
    assert rows[KR_ARTICLE]["heading"] == "허위영상물 등의 반포등" and rows[KR_ARTICLE]["language"] == "ko"
    assert rows[KR_ARTICLE]["heading_en"].startswith("False video material")
    other = rows["kr-scpsc-14-2/14-2(1)"]
    assert other["heading"] is None and other["heading_en"].startswith("Editing, compositing")
    curated_rows = (await site.client.get("/sii_atlas/curated_provisions.json?_shape=array&id=" + quote(KR_ARTICLE))).json()
    assert curated_rows[0]["heading_en"].startswith("False video material") and curated_rows[0]["keywords"] == "딥페이크; 합성 영상"


async def test_search_results_say_when_a_provisions_text_has_not_been_crawled(site):
    response = await site.client.get("/sii_atlas/search_provisions.json?q=deepfake&_shape=array")
    statuses = {row["provision_id"]: row["text_status"] for row in response.json()}
    assert statuses[f"{TEXTS['en'][0]}/search-test"].startswith("text fetched ")
    assert statuses[KR_ARTICLE] == "not crawled yet: found by its headings only"


def test_keywords_must_be_a_list_of_words():
    data = copy.deepcopy(curated.load())
    data.instruments[0]["provisions"][0]["keywords"] = "딥페이크"
    assert any("keywords must be a list" in problem for problem in curated.check(data))


# --- one search over everything --------------------------------------------------------------

async def test_one_search_page_over_laws_provisions_decisions_and_bills(site):
    response = await site.client.get("/search?q=" + quote("deepfakes"))
    assert response.status_code == 200, response.text[:500]
    html = response.text
    for heading in ("Laws", "Provisions", "Court decisions", "Bills"):
        assert f"<h2>{heading}</h2>" in html
    assert "H.R. 1" in html and "/sii_atlas/bills/us-hr-0001" in html
    assert "/sii_atlas/provisions/asp-2016-22~2Fsearch-test" in html
    assert "8 of " in html and "provisions have their text stored" in html


async def test_the_search_page_without_a_query_shows_the_form(site):
    response = await site.client.get("/search")
    assert response.status_code == 200 and 'name="q"' in response.text and "<h2>Laws</h2>" not in response.text


async def test_bills_are_searchable(site):
    assert await found(site, "search_bills", "deepfake", key="id") == ["us-hr-0001"]


@pytest.mark.parametrize("query", ["search_provisions", "search_instruments", "search_cases", "search_bills"])
@pytest.mark.parametrize("q", ["", " ", '"', "%", "OR", "(", "딥"])
async def test_odd_input_is_no_error(site, query, q):
    await found(site, query, q, key="provision_id" if query == "search_provisions" else "id")


# --- migration 6 -----------------------------------------------------------------------------

def v5_database(path: Path, monkeypatch) -> None:
    """A database as schema v5 left it: a placeholder row holding our English heading, a
    crawled row of the same curated provision list, and a bill."""
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:5])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 5)
    db = open_database(path)
    db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('curated', 'Curated', 'x', 'CC-BY')")
    db.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('KR', 'South Korea', 'country')")
    db.execute("INSERT INTO curated_instruments (id, jurisdiction, title) VALUES ('kr', 'KR', '법')")
    db.execute("INSERT INTO instruments (id, jurisdiction, title, curated) VALUES ('kr', 'KR', '법', 1)")
    db.execute("INSERT INTO curated_provisions (id, instrument_id, label, heading, language) VALUES "
               "('kr/1', 'kr', '1', 'False video material', 'ko'), ('kr/2', 'kr', '2', 'Threats', 'ko')")
    db.execute("INSERT INTO provisions (id, instrument_id, label, heading, language) VALUES "
               "('kr/1', 'kr', '1', 'False video material', 'ko')")
    db.execute("INSERT INTO provisions (id, instrument_id, label, heading, text, language, fetched_at) VALUES "
               "('kr/2', 'kr', '2', '협박', '딥페이크 영상물로 협박한 자', 'ko', '2026-01-01')")
    db.execute("INSERT INTO bills (id, jurisdiction, identifier, title) VALUES ('b1', 'KR', '2201234', '딥페이크 방지법')")
    db.conn.close()
    monkeypatch.undo()


def test_migration_6_carries_a_v5_database_forward(tmp_path, monkeypatch):
    path = tmp_path / "v5.db"
    v5_database(path, monkeypatch)
    db = open_database(path)
    assert schema.current_version(db) == schema.SCHEMA_VERSION
    rows = {r["id"]: r for r in db.query("SELECT id, heading, heading_en, text, language FROM provisions")}
    assert rows["kr/1"]["heading"] is None and rows["kr/1"]["heading_en"] == "False video material"
    assert rows["kr/2"]["heading"] == "협박" and rows["kr/2"]["heading_en"] == "Threats"
    assert rows["kr/2"]["text"] == "딥페이크 영상물로 협박한 자"
    assert db.execute("SELECT heading_en FROM curated_provisions WHERE id = 'kr/1'").fetchone()[0] == "False video material"

    def hits(index, words):
        return [r[0] for r in db.execute(f"SELECT rowid FROM {index} WHERE {index} MATCH ?", [words])]

    assert len(hits("provisions_fts", '"video"')) == 1 and len(hits("provisions_trigram", '"페이크"')) == 1
    assert len(hits("bills_trigram", '"페이크"')) == 1
    db.execute("INSERT INTO bills (id, jurisdiction, identifier, title) VALUES ('b2', 'KR', '2205678', 'Deepfake bill')")
    db.execute("UPDATE provisions SET heading_en = 'Threats and coercion' WHERE id = 'kr/2'")
    assert len(hits("bills_fts", '"deepfake"')) == 1 and len(hits("provisions_fts", '"coercion"')) == 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- the scale benchmark ------------------------------------------------------------------------

def test_the_scale_benchmark_runs_at_a_small_size(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "search_scale.py"), "3000",
                             "--db", str(tmp_path / "bench.db"), "--repeat", "1"],
                            capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "p95" in result.stdout and "search_provisions" in result.stdout


# --- words too common to rank ------------------------------------------------------------------

def test_a_word_in_more_than_20000_provisions_lists_the_latest_unranked_and_fast(tmp_path):
    """bm25 over every match of an ordinary word took seconds at a million provisions (and
    ranks almost nothing): past 20,000 matches the search lists the 100 stored last."""
    import time

    from crawlers.site import search_terms

    db = open_database(tmp_path / "common.db")
    db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('s', 'S', 'x', 'CC0')")
    db.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('GB', 'United Kingdom', 'country')")
    db.execute("INSERT INTO instruments (id, jurisdiction, title) VALUES ('act', 'GB', 'Act')")
    with schema.transaction(db) as conn:
        conn.executemany("INSERT INTO provisions (id, instrument_id, label, text, language) VALUES (?, 'act', ?, ?, 'en')",
                         [(f"act/{n}", str(n), f"the person shall {'rare' if n == 7 else 'not'} publish") for n in range(20050)])
    search_terms.register(db.conn)
    sql = yaml.safe_load((PROJECT / "metadata.yml").read_text())["databases"]["sii_atlas"]["queries"]["search_provisions"]["sql"]
    started = time.perf_counter()
    rows = db.execute(sql, {"q": "person"}).fetchall()
    assert time.perf_counter() - started < 1
    assert [row[0] for row in rows[:2]] == ["act/20049", "act/20048"] and len(rows) == 100
    assert "«person»" in rows[0][6]  # the snippet, made for the rows shown only
    assert [row[0] for row in db.execute(sql, {"q": "person rare"})] == ["act/7"]  # narrowed: ranked


async def test_the_home_page_offers_the_search_over_everything(site):
    html = (await site.client.get("/")).text
    assert '<form action="/search"' in html
