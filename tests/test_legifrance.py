"""Légifrance: the parsers on the four real captures, bad answers, every version of a
tracked article through a fixture crawl (token included), and the credentials kept out
of everything stored or printed."""

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
import scrapy
import yaml
from conftest import archive_of, crawl, sample, sii_atlas
from fixture_server import FixtureServer

from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.legifrance import (
    CODE_PENAL,
    OFFICIAL,
    PAGE_SIZE,
    TOKEN_URL,
    LegifranceSpider,
    article_request_body,
    html_text,
    iso_date,
    parse_article,
    parse_article_versions,
    parse_legi_structure,
    parse_search,
    status_of,
    text_structure,
)

EXAMPLES = Path(__file__).parent / "examples" / "legifrance"
BY_CID = f"{OFFICIAL}/consult/getArticleByCid"
BY_NUM = f"{OFFICIAL}/consult/getArticleWithIdAndNum"
SEARCH = f"{OFFICIAL}/search"
CLIENT_ID = "fixture-client-id-7d1c"
CLIENT_SECRET = "fixture-client-secret-93fa0b"


def answer(tmp_path, payload, name="answer.json") -> Path:
    path = tmp_path / name
    path.write_bytes(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    return path


# --- real captures (../shared/samples/legifrance), read in place ---


def test_real_get_article_by_cid_capture():
    path = sample("legifrance", "LEGIARTI000006398122.json")
    instrument, provision = parse_file("legifrance", path, BY_CID)
    assert instrument["id"] == "legitext000006070666" and instrument["title"] == "Code des instruments monétaires et des médailles"
    assert instrument["kind"] == "code_provisions" and instrument["jurisdiction"] == "FR"
    assert provision["id"] == "legitext000006070666/1" and provision["label"] == "1"
    assert provision["text"] == ("La fabrication des monnaies est exécutée par voie de régie administrative, "
                                 "sous l'autorité du ministre de l'économie et des finances.")
    # ABROGE, from 1952-06-29 (negative epoch milliseconds) to 2001-01-01.
    assert provision["in_force_status"] == "repealed"
    assert (provision["valid_from"], provision["valid_to"]) == ("1952-06-29", "2001-01-01")
    assert provision["language"] == "fr"
    assert provision["identifiers"] == [{"scheme": "LEGIARTI", "value": "LEGIARTI000006398122"}]
    assert provision["url"] == "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006398122"


def test_real_legi_article_with_html_tables():
    path = sample("legifrance", "LEGIARTI000019325262.xml")
    instrument, provision = parse_file("legifrance", path, path.as_uri())
    assert instrument["id"] == "legitext000006074069" and instrument["title"] == "Code de l'action sociale et des familles"
    assert provision["id"] == "legitext000006074069/Annexe 2-4" and provision["label"] == "Annexe 2-4"
    assert provision["in_force_status"] == "in_force"  # MODIFIE: it applied between its dates
    assert (provision["valid_from"], provision["valid_to"]) == ("2004-10-26", "2007-11-09")
    text = provision["text"]
    assert text.startswith("GUIDE-BARÈME POUR L'ÉVALUATION DES DÉFICIENCES ET INCAPACITÉS DES PERSONNES HANDICAPÉES\n")
    # A table row is one line, its cells parted by " | ".
    assert "\nMoins de 20 dB | 0 | 5 | 10 | 15 | 20 | 20\n" in text
    assert "<p" not in text and "  " not in text
    assert 100_000 < len(text) < 110_000


def test_real_legi_section_lists_the_current_version_of_each_article():
    path = sample("legifrance", "LEGISCTA000006135575.xml")
    instrument, *provisions = parse_file("legifrance", path, path.as_uri())
    assert instrument["id"] == "legitext000006070666"
    assert [(p["label"], p["identifiers"][0]["value"], p["valid_from"]) for p in provisions] == [
        ("9", "LEGIARTI000006398192", "2006-12-27"),
        ("10", "LEGIARTI000006398201", "1952-06-29"),
        ("11", "LEGIARTI000020630534", "2009-05-14"),  # of its four versions, the one in force
        ("12", "LEGIARTI000006398225", "1952-06-29"),
    ]
    assert all(p["text"] is None and p["valid_to"] is None and p["in_force_status"] == "in_force" for p in provisions)


def test_real_legi_text_structure():
    path = sample("legifrance", "LEGITEXT000006070666_struct.xml")
    # Sections only, no article at the top level: no provision, and no error.
    assert parse_file("legifrance", path, path.as_uri()) == []
    from lxml import etree

    structure = text_structure(etree.parse(str(path)).getroot())
    assert structure["id"] == "LEGITEXT000006070666" and structure["nature"] == "CODE"
    assert structure["versions"] == [{"etat": "VIGUEUR", "debut": "1952-06-29", "fin": "2999-01-01", "id": "LEGITEXT000006070666"}]
    assert [(s["cid"], s["status"], s["fin"]) for s in structure["sections"]] == [
        ("LEGISCTA000006088035", "VIGUEUR", "2999-01-01"), ("LEGISCTA000006088037", "ABROGE", "2001-01-01"),
        ("LEGISCTA000006088038", "ABROGE", "2001-01-01"), ("LEGISCTA000006088039", "VIGUEUR", "2999-01-01")]
    assert structure["sections"][1]["title"] == "Chapitre II : Billets de banque"


# --- bad answers: a clear error, never silent emptiness ---


@pytest.mark.parametrize("body,message", [
    (b"<html><body>503 Service Unavailable</body></html>", "not JSON"),
    (b"", "empty answer"),
    (b"[]", "expected a JSON object"),
    (b'{"error": "invalid_token", "message": "Access token expired"}', "answered an error"),
    (b'{"executionTime": 3, "article": null}', "no article"),
])
def test_bad_article_answers_raise(tmp_path, body, message):
    response = response_from_file(answer(tmp_path, body), BY_NUM)
    with pytest.raises(ValueError, match=message):
        list(parse_article(response))


def test_bad_version_and_search_answers_raise(tmp_path):
    with pytest.raises(ValueError, match="no version"):
        list(parse_article_versions(response_from_file(answer(tmp_path, {"listArticle": []}), BY_CID)))
    with pytest.raises(ValueError, match="no listArticle"):
        list(parse_article_versions(response_from_file(answer(tmp_path, {"executionTime": 1}), BY_CID)))
    with pytest.raises(ValueError, match="no results"):
        list(parse_search(response_from_file(answer(tmp_path, {"totalResultNumber": 0}), SEARCH)))


def test_bad_xml_raises(tmp_path):
    path = answer(tmp_path, b"<TEXTELR><META>", "broken.xml")
    with pytest.raises(ValueError, match="unreadable XML"):
        list(parse_legi_structure(response_from_file(path, path.as_uri())))
    path = answer(tmp_path, b"<?xml version='1.0'?><ARTICLE><META/></ARTICLE>", "bare.xml")
    with pytest.raises(ValueError, match="without ID"):
        parse_file("legifrance", path, path.as_uri())


# --- versions, dates and states ---


def test_dates_states_and_html():
    assert iso_date(-552528000000) == "1952-06-29" and iso_date("1716422400000") == "2024-05-23"
    assert iso_date("2024-05-23T00:00:00.000+0000") == "2024-05-23" and iso_date("") is None
    assert [status_of(s) for s in ("VIGUEUR", "VIGUEUR_DIFF", "ABROGE", "MODIFIE", "ANNULE", "SANS_ETAT")] == [
        "in_force", "prospective", "repealed", "in_force", "repealed", None]
    assert html_text("<p></p>   Premier alinéa.<p></p><p>Second<br/>alinéa.</p>") == "Premier alinéa.\nSecond\nalinéa."


def test_versions_oldest_first_skipping_future_and_never_applied(tmp_path):
    versions = json.loads((EXAMPLES / "versions_226-8.json").read_text())
    current = versions["listArticle"][0]
    tomorrow = date.today() + timedelta(days=1)
    later = dict(current, id="LEGIARTI999999999804", etat="VIGUEUR_DIFF", texte="Texte à venir.",
                 dateDebut=int(tomorrow.strftime("%s")) * 1000)
    stillborn = dict(current, id="LEGIARTI999999999805", etat="MODIFIE_MORT_NE", texte="Jamais appliqué.")
    versions["listArticle"] += [later, stillborn]
    meta = {"instrument_id": "fr-cp-226-8", "provision_id": "fr-cp-226-8/226-8", "label": "226-8"}
    items = list(parse_article_versions(response_from_file(answer(tmp_path, versions), BY_CID, meta)))
    assert [(i["valid_from"], i["valid_to"]) for i in items] == [
        ("1994-03-01", "2002-01-01"), ("2002-01-01", "2024-05-23"), ("2024-05-23", None)]
    assert {i["id"] for i in items} == {"fr-cp-226-8/226-8"} and {i["instrument_id"] for i in items} == {"fr-cp-226-8"}
    assert "100 000 F" in items[0]["text"] and "15 000 euros" in items[1]["text"]
    # The version in force gives only texteHtml: read from the HTML, one line per paragraph.
    assert items[2]["text"].count("\n") == 2 and "contenu visuel ou sonore généré par un traitement algorithmique" in items[2]["text"]


def test_article_answer_asks_for_every_version_with_the_curated_context():
    meta = {"instrument_id": "fr-cp-226-8-1", "provision_id": "fr-cp-226-8-1/226-8-1", "label": "226-8-1",
            "tracked": True, "expects": ("provision", "fr-cp-226-8-1/226-8-1")}
    provision, request = parse_article(response_from_file(EXAMPLES / "consult_article_226-8-1.json", BY_NUM, meta))
    assert provision["id"] == "fr-cp-226-8-1/226-8-1" and "60 000 €" in provision["text"]
    assert isinstance(request, scrapy.Request) and request.url == BY_CID and request.method == "POST"
    assert json.loads(request.body) == {"cid": "LEGIARTI000049567458"}
    assert request.meta == meta


def test_search_pages_on_and_keeps_the_query(tmp_path):
    page = json.loads((EXAMPLES / "search_code_contenu_genere.json").read_text())
    page["totalResultNumber"] = PAGE_SIZE + 1
    meta = {"query": "image à caractère sexuel", "fond": "CODE_DATE", "page": 1, "since": "2024-06-01"}
    results = list(parse_search(response_from_file(answer(tmp_path, page), SEARCH, meta)))
    # Both matched articles date from 2024-05-23, before `since`: skipped; the next page is asked.
    [request] = results
    body = json.loads(request.body)
    assert body["fond"] == "CODE_DATE" and body["recherche"]["pageNumber"] == 2
    assert body["recherche"]["champs"][0]["criteres"][0]["valeur"] == "image à caractère sexuel"
    assert request.meta == {**meta, "page": 2}


# --- the spider ---


def test_article_keys():
    assert article_request_body(CODE_PENAL, "226-8-1") == ("/consult/getArticleWithIdAndNum", {"id": CODE_PENAL, "num": "226-8-1"})
    assert article_request_body("JORFTEXT000049563368", f"{CODE_PENAL}/131-35-1") == (
        "/consult/getArticleWithIdAndNum", {"id": CODE_PENAL, "num": "131-35-1"})
    assert article_request_body(CODE_PENAL, "LEGIARTI000049567458") == ("/consult/getArticle", {"id": "LEGIARTI000049567458"})
    with pytest.raises(ValueError, match="needs a LEGITEXT"):
        article_request_body("JORFTEXT000049563368", "6-1")


def test_tracked_requests_follow_the_curated_keys():
    from crawlers.registry.curated import provision_id, tracked_instruments

    tracked = tracked_instruments("legifrance")
    spider = LegifranceSpider(tracked=tracked)
    requests = list(spider.tracked_requests())
    bodies = {(r.url.rsplit("/", 1)[-1], r.body.decode()) for r in requests}
    assert ("getArticleWithIdAndNum", json.dumps({"id": CODE_PENAL, "num": "226-8-1"}, sort_keys=True)) in bodies
    assert ("getArticleWithIdAndNum", json.dumps({"id": CODE_PENAL, "num": "131-35-1"}, sort_keys=True)) in bodies
    keyed = {provision_id(i["id"], p) for i in tracked for p in i["provisions"] if p.get("key")}
    assert {r.meta["provision_id"] for r in requests} == keyed and len(keyed) >= 7
    assert all(r.meta["tracked"] and r.method == "POST" for r in requests)
    assert len(list(LegifranceSpider(tracked=tracked, limit=2).tracked_requests())) == 2


def test_token_is_asked_of_the_mirror_only_when_there_is_one():
    assert LegifranceSpider().to_download_url(TOKEN_URL) == TOKEN_URL
    mirrored = LegifranceSpider(base_url="http://127.0.0.1:8123")
    assert mirrored.to_download_url(TOKEN_URL) == "http://127.0.0.1:8123/api/oauth/token"
    assert mirrored.to_download_url(BY_CID) == "http://127.0.0.1:8123/dila/legifrance/lf-engine-app/consult/getArticleByCid"
    assert "oauth.piste.gouv.fr" not in mirrored.allowed_hosts()


# --- end to end: fixture server -> SQLite, with fake credentials ---


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db = tmp_path_factory.mktemp("legifrance") / "sii_atlas.db"
    assert sii_atlas(db, "build").returncode == 0
    with FixtureServer() as server:
        result = crawl(db, server, "legifrance",
                       env={"LEGIFRANCE_CLIENT_ID": CLIENT_ID, "LEGIFRANCE_CLIENT_SECRET": CLIENT_SECRET,
                            "SII_ATLAS_LOG_LEVEL": "DEBUG"})
        log = list(server.log)
    return db, result, log


def test_crawl_stores_every_version_of_the_tracked_articles(crawled):
    db, result, log = crawled
    assert result.returncode == 0, result.stdout + result.stderr
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT id, text FROM provisions WHERE source = 'legifrance'").fetchall())
    curated = yaml.safe_load((Path(__file__).parents[1] / "data" / "instruments" / "europe.yaml").read_text())
    keyed = {f"{i['id']}/{p['key']}" for i in curated if i.get("source") == "legifrance" for p in i["provisions"] if p.get("key")}
    assert keyed <= set(rows), keyed - set(rows)
    assert "contenu visuel ou sonore à caractère sexuel" in rows["fr-cp-226-8-1/226-8-1"]
    history = conn.execute("SELECT valid_from, valid_to, in_force_status, substr(text, 1, 80) FROM provision_versions "
                           "WHERE provision_id = 'fr-cp-226-8/226-8' ORDER BY valid_from").fetchall()
    assert [(h[0], h[1]) for h in history] == [("1994-03-01", "2002-01-01"), ("2002-01-01", "2024-05-23"), ("2024-05-23", None)]
    assert "100 000 F" in history[0][3] and "15 000 €" in history[2][3]
    current = conn.execute("SELECT language, in_force_status, valid_from, label FROM provisions WHERE id = 'fr-cp-226-8/226-8'").fetchone()
    assert current == ("fr", "in_force", "2024-05-23", "226-8")
    candidates = {row[0] for row in conn.execute("SELECT id FROM candidate_instruments WHERE source = 'legifrance'")}
    assert candidates == {"JORFTEXT000049563368", "LEGIARTI000049567458", "LEGIARTI999999999803"}
    assert conn.execute("SELECT COUNT(*) FROM crawled_instruments WHERE source = 'legifrance'").fetchone()[0] == 0
    # robots.txt first (obeyed, and asked without credentials); then the token, asked once
    # of the fixture server with the client credentials, and used for every API call.
    assert [entry[1] for entry in log[:2]] == ["/robots.txt", "/api/oauth/token"] and log[1][2] == "POST"
    assert [entry[1] for entry in log].count("/api/oauth/token") == 1
    assert "Authorization" not in log[0][3]
    assert all(h.get("Authorization") == "Bearer fixture-access-token" for _, path, _, h in log
               if path not in ("/api/oauth/token", "/robots.txt"))


def test_crawl_keeps_the_credentials_out_of_everything(crawled):
    db, result, _ = crawled
    for secret in (CLIENT_ID, CLIENT_SECRET):
        assert secret not in result.stdout and secret not in result.stderr
        assert archive_of(db).exists()
        for path in db.parent.iterdir():  # the database, its archive, any WAL left beside them
            assert secret.encode() not in path.read_bytes(), path.name


def test_without_credentials_the_source_is_skipped(tmp_path):
    db = tmp_path / "sii_atlas.db"
    with FixtureServer() as server:
        result = sii_atlas(db, "crawl", "legifrance", "--base-url", server.url,
                           env={"LEGIFRANCE_CLIENT_ID": "", "LEGIFRANCE_CLIENT_SECRET": ""})
        assert server.requests == []
    assert "legifrance: skipped" in result.stderr
