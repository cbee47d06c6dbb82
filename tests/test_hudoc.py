"""HUDOC: the RSS feed parser on the real capture, bad replies, curated ids, and a crawl
from the fixture server into SQLite that completes a curated judgment's row."""

import scrapy
import sqlite_utils
from conftest import crawl, sample
from fixture_server import FixtureServer
import pytest

from crawlers.parsing import parse_file
from crawlers.sources.hudoc import case_id_for_url, parse_feed

FEED_URL = "https://hudoc.echr.coe.int/app/transform/rss?library=echreng"


def test_real_feed_every_judgment_once_by_itemid():
    cases = parse_file("hudoc", sample("hudoc", "echr.rss"), FEED_URL)
    assert len(cases) == len({c["id"] for c in cases}) == 2000
    assert sum(c["court"] == "European Court of Human Rights (Grand Chamber)" for c in cases) == 515
    [volodina] = [c for c in cases if c["id"] == "echr-001-211794"]
    assert volodina["name"] == "CASE OF VOLODINA v. RUSSIA (No. 2)"
    assert volodina["decision_date"] == "2021-09-14" and volodina["jurisdiction"] == "COE"
    assert volodina["citation"] == "Application no. 40419/19"
    assert volodina["url"] == 'https://hudoc.echr.coe.int/eng#{"itemid":["001-211794"]}'
    assert {"scheme": "DOCKET", "value": "40419/19"} in volodina["identifiers"]
    # One application, two judgments (merits, then just satisfaction): two rows, not one.
    coventry = [c for c in cases if c["citation"] == "Application no. 6016/16"]
    assert sorted(c["decision_date"] for c in coventry) == ["2022-10-11", "2024-10-15"]
    [legros] = [c for c in cases if c["id"] == "echr-001-237615"]
    assert legros["citation"].startswith("Applications nos. 72173/17, 81453/17, ")


def test_since_drops_earlier_judgments():
    cases = parse_file("hudoc", sample("hudoc", "echr.rss"), FEED_URL, {"since": "2025-05-01"})
    assert cases and all(c["decision_date"] >= "2025-05-01" for c in cases)


@pytest.mark.parametrize("body", [b"", b"<html><body>Error</body></html>", b"<rss version='2.0'/>"])
def test_a_reply_that_is_not_a_feed_is_an_error(body):
    response = scrapy.http.XmlResponse(url=FEED_URL, body=body, request=scrapy.Request(FEED_URL))
    with pytest.raises(ValueError):
        list(parse_feed(response))


def test_curated_judgments_use_the_crawler_id():
    assert case_id_for_url('https://hudoc.echr.coe.int/eng#{"itemid":["001-211794"]}') == "echr-001-211794"
    # An application-number link may name several judgments: no id.
    assert case_id_for_url('https://hudoc.echr.coe.int/eng#{"appno":["40419/19"]}') is None
    assert case_id_for_url("https://www.bailii.org/eu/cases/ECHR/2024/887.html") is None


def volodina_feed(text: str):
    """The real feed cut to its first item and Volodina's, answering every query."""
    head, *items = text.split("<item>")
    kept = [items[0]] + [item for item in items if "VOLODINA" in item]
    body = (head + "".join("<item>" + item.split("</item>")[0] + "</item>" for item in kept) + "</channel></rss>").encode()

    def hook(handler, method, path, query):
        return (200, "application/rss+xml", body, {}) if path == "/app/transform/rss" else None
    return hook


def test_crawl_completes_the_curated_row_instead_of_adding_one(built_db):
    database = sqlite_utils.Database(built_db)
    before = database["cases"].get("echr-001-211794")
    assert before["source"] is None or before["source"] != "hudoc"
    # Read here, not in the server's thread, so that a missing sample skips the test.
    feed = sample("hudoc", "echr.rss").read_text(encoding="utf-8")
    with FixtureServer(hook=volodina_feed(feed)) as server:
        result = crawl(built_db, server, "hudoc")
    assert result.returncode == 0, result.stderr
    rows = list(database.query("SELECT * FROM cases WHERE name LIKE '%olodina%'"))
    assert [row["id"] for row in rows] == ["echr-001-211794"]
    # Three curated judgments (Volodina among them) and the feed's first, new, one.
    assert database.execute("SELECT COUNT(*) FROM cases WHERE id LIKE 'echr-001-%'").fetchone()[0] == 4
