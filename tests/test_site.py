"""The site people use: the curated build served by Datasette, searched as a journalist would."""

from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from crawlers.registry import curated
from crawlers.site.plugin import fts_query
from crawlers.store.schema import open_database

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("site") / "sii_atlas.db"
    curated.load_into(open_database(path), curated.load())
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000})


async def rows(site, path):
    response = await site.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


@pytest.mark.parametrize("path", [
    "/", "/sii_atlas", "/sii_atlas/comparison?_facet=answer", "/sii_atlas/instruments?_facet=status",
    "/sii_atlas/enactment_timeline", "/sii_atlas/search_provisions", "/sii_atlas/comparison.csv?_size=max",
    "/sii_atlas/jurisdictions", "/sii_atlas/coded_answers?question_id=creating", "/sii_atlas/comparison_matrix.csv",
])
async def test_pages_render(site, path):
    response = await site.client.get(path)
    assert response.status_code == 200, response.text[:500]


async def test_compare_one_question_across_jurisdictions(site):
    answers = await rows(site, "/sii_atlas/compare_question.json?question=creating&_shape=array")
    assert len(answers) >= 40
    by_code = {row["jurisdiction"]: row for row in answers}
    assert by_code["GB-EAW"]["answer"] == "yes" and "66E" in by_code["GB-EAW"]["supporting_provisions"]
    # One row per jurisdiction: the adults' by default; child-abuse-image law answers only for minors.
    assert len(by_code) == len(answers) and {row["scope"] for row in answers} == {"adults"}
    assert by_code["DE"]["answer"] != "yes"
    minors = {row["jurisdiction"]: row for row in
              await rows(site, "/sii_atlas/compare_question.json?question=creating&scope=minors&_shape=array")}
    assert minors["DE"]["answer"] == "yes" and "184b" in minors["DE"]["supporting_provisions"]


@pytest.mark.parametrize("query, expected_id", [
    ("226-8-1", "fr-cp-226-8-1"),                # a citation with hyphens
    ("montage", "fr-cp-226-8-1"),                # French, as written
    ("l'intimité", "fr-cp-226-1-226-2"),         # an apostrophe is no syntax error
    ("성폭력", "kr-scpsc-14-2"),                  # Korean, inside a longer word
    ("性的画像", "jp-private-sexual-image-act-2014"),  # Japanese, no spaces at all
    ('deepfake "', None),                        # an unbalanced quote
])
async def test_search_laws_in_any_language(site, query, expected_id):
    from urllib.parse import quote

    found = await rows(site, f"/sii_atlas/search_instruments.json?q={quote(query)}&_shape=array")
    if expected_id:
        assert expected_id in {row["id"] for row in found}


@pytest.mark.parametrize("query", ["", "%20", "%25", "_"])
async def test_empty_or_wildcard_search_returns_nothing(site, query):
    assert await rows(site, f"/sii_atlas/search_instruments.json?q={query}&_shape=array") == []


def test_fts_query_quotes_what_people_type():
    # Plurals and elisions: tests/test_search.py.
    assert fts_query('"intimate image" OR "deepfake"') == '"intimate image" OR "deepfake"'
    assert fts_query("226-8-1") == '"226-8-1"'
    assert fts_query('OR "') == '""'  # a lone OR is no query
    assert fts_query("") == '""'


async def test_side_by_side_matrix_has_every_question_as_a_column(site):
    matrix = await rows(site, "/sii_atlas/comparison_matrix.json?_shape=array")
    assert len(matrix) >= 40
    row = next(r for r in matrix if r["jurisdiction"] == "GB-EAW")
    assert row["sharing"] == "yes" and row["creating"] == "yes"
    assert {q["id"] for q in curated.load().codebook} <= set(row)


def test_datasette_command_line_serves_the_site_with_plugin_and_metadata(tmp_path):
    """The way `sii-atlas serve` runs it, smoke-tested with `datasette --get`."""
    import json
    import subprocess
    import sys

    path = tmp_path / "sii_atlas.db"
    curated.load_into(open_database(path), curated.load())
    result = subprocess.run(
        [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(PROJECT / "metadata.yml"),
         "--get", "/sii_atlas/search_instruments.json?q=l%27intimit%C3%A9&_shape=array"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "fr-cp-226-1-226-2" in {row["id"] for row in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def crawled_site(tmp_path_factory):
    """The curated build plus crawled provision texts, one in Korean with two dated versions."""
    from crawlers.store import Store

    path = tmp_path_factory.mktemp("crawled") / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, curated.load())
    provision = {"type": "provision", "id": "kr-scpsc-14-2/article/14-2", "instrument_id": "kr-scpsc-14-2",
                 "label": "제14조의2", "heading": "허위영상물 등의 반포등", "language": "ko",
                 "url": "https://www.law.go.kr/법령/성폭력범죄의처벌등에관한특례법", "source": "curated"}
    store = Store(db)
    store.write_batch([{**provision, "text": "반포할 목적으로 사람의 얼굴을 편집한 자는 처벌한다.", "valid_from": "2020-06-25"}])
    store.write_batch([{**provision, "text": "딥페이크 영상물을 소지·구입·저장 또는 시청한 자도 처벌한다.", "valid_from": "2024-10-16"}])
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, settings={"sql_time_limit_ms": 5000})


async def test_korean_found_inside_words_through_the_trigram_index(crawled_site):
    from urllib.parse import quote

    # Art. 14-3's curated headings and keywords say 딥페이크 and 영상 too (data/: people search for
    # the word the statute does not use); the crawled text of 14-2, found inside its words, comes first.
    for query in ("딥페이크", "페이크 영상"):
        found = await rows(crawled_site, f"/sii_atlas/search_provisions.json?q={quote(query)}&_shape=array")
        assert [row["provision_id"] for row in found][:1] == ["kr-scpsc-14-2/article/14-2"], query
        assert {row["provision_id"] for row in found} <= {"kr-scpsc-14-2/article/14-2", "kr-scpsc-14-2/article/14-3"}
        assert "«" in found[0]["snippet"]


async def test_the_text_of_a_provision_on_a_date_through_the_site(crawled_site):
    path = "/sii_atlas/provision_text_on.json?provision=kr-scpsc-14-2/article/14-2&language=&_shape=array&date="
    assert [r["valid_from"] for r in await rows(crawled_site, path + "2022-01-01")] == ["2020-06-25"]
    assert [r["valid_from"] for r in await rows(crawled_site, path + "2025-01-01")] == ["2024-10-16"]
    assert await rows(crawled_site, path + "2019-01-01") == []
