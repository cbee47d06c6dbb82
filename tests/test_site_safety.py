"""The site stays up and well-behaved with SQL open to everyone."""

import asyncio
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from crawlers.registry import curated
from crawlers.site import datasette_options
from crawlers.site.safety import MAX_VALUE_BYTES, check_printf, ValueTooLong
from crawlers.store.schema import open_database

PROJECT = Path(__file__).resolve().parents[1]

# The refused printf() raises inside SQLite's callback; Python reports it as "unraisable"
# before SQLite turns it into the query's error, which is what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("safety") / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, curated.load())
    db.execute("analyze")  # creates sqlite_stat1, as a maintained database has
    db.conn.close()
    return path


def site(database):
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(database)], metadata=metadata, settings={"sql_time_limit_ms": 5000},
                     **datasette_options())


def sql_path(sql: str) -> str:
    return "/sii_atlas.json?sql=" + quote(sql)


async def test_a_value_built_in_one_step_cannot_outlast_the_time_limit(database):
    """printf's huge precision ran ~4 s in a single step, past the 5 s limit's checks when
    three ran at once, and held 900 MB each; now it is refused at once, and every other page
    keeps answering."""
    ds = site(database)
    huge = sql_path("select length(printf('%.*c', 900000000, 'x'))")
    started = time.monotonic()
    attacks = [asyncio.ensure_future(ds.client.get(huge)) for _ in range(3)]
    await asyncio.sleep(0.05)
    page = await ds.client.get("/sii_atlas/jurisdictions.json?_size=5")
    page_seconds = time.monotonic() - started
    answers = await asyncio.gather(*attacks)
    assert page.status_code == 200
    assert page_seconds < 1.5, f"another page waited {page_seconds:.1f} s"
    for answer in answers:
        assert answer.json()["ok"] is False, answer.text[:300]


@pytest.mark.parametrize("sql", [
    "select length(zeroblob(900000000))",
    "select length(randomblob(900000000))",
    "select length(printf('%900000000d', 1))",
    "select length(format('%.*c', 100000000, 'x'))",
    "select length(replace(hex(zeroblob(2000000)), '0', 'abcdefghijklmnopqrstuvwxyz'))",
])
async def test_values_longer_than_the_limit_are_refused(database, sql):
    answer = await site(database).client.get(sql_path(sql))
    assert answer.json()["ok"] is False, answer.text[:300]


@pytest.mark.parametrize("sql, expected", [
    ("select printf('%d %s %.2f %%', 7, 'x', 2.5)", "7 x 2.50 %"),
    ("select format('%q', 'it''s')", "it''s"),
    ("select printf('%.*c', 3, 'x')", "xxx"),
    ("select printf('%-5s|', 'ab')", "ab   |"),
    ("select length(printf('%.*c', 1000000, 'x'))", 1000000),
])
async def test_ordinary_printf_still_works(database, sql, expected):
    answer = await site(database).client.get(sql_path(sql) + "&_shape=array")
    assert answer.status_code == 200, answer.text[:300]
    assert list(answer.json()[0].values()) == [expected]


def test_printf_check_reads_star_arguments_in_order():
    check_printf("%s %.*c", ("a", 5, "x"))
    with pytest.raises(ValueTooLong):
        check_printf("%s %.*c", ("a", MAX_VALUE_BYTES + 1, "x"))
    with pytest.raises(ValueTooLong):
        check_printf("%*d", (-(MAX_VALUE_BYTES + 1), 1))  # a negative width pads to the left


async def test_stored_texts_up_to_the_limit_are_still_served(tmp_path):
    path = tmp_path / "sii_atlas.db"
    db = open_database(path)
    curated.load_into(db, curated.load())
    db.execute("update provisions set text = ? where rowid = (select min(rowid) from provisions)",
               ["x" * 5_000_000])
    db.conn.close()
    answer = await site(path).client.get(sql_path("select length(text) as n from provisions where length(text) > 0")
                                         + "&_shape=array")
    assert answer.json() == [{"n": 5_000_000}]


@pytest.mark.parametrize("path", ["/", "/sii_atlas", "/sii_atlas/instruments", "/sii_atlas.json?sql=select+1",
                                  "/jurisdiction/FR", "/-/versions.json"])
async def test_every_response_carries_the_security_headers(database, path):
    response = await site(database).client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy and "object-src 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("table", ["sqlite_stat1", "instruments_fts_data", "provisions_trigram_idx",
                                   "cases_fts_docsize", "instruments_fts", "schema_migrations"])
async def test_internal_tables_are_hidden(database, table):
    ds = site(database)
    listing = (await ds.client.get("/sii_atlas.json")).json()
    shown = {entry["name"] for entry in listing["tables"] if not entry["hidden"]}
    assert table not in shown
    for path in (f"/sii_atlas/{table}", f"/sii_atlas/{table}.json", f"/sii_atlas/{table}.csv"):
        assert (await ds.client.get(path)).status_code == 404, path
    # Tables people use are untouched.
    assert (await ds.client.get("/sii_atlas/instruments.json")).status_code == 200


def test_the_limit_leaves_room_for_every_stored_text():
    """No stored text is longer than a crawled response, whose size the crawler caps."""
    from crawlers.crawling.settings import DOWNLOAD_MAXSIZE

    assert MAX_VALUE_BYTES >= DOWNLOAD_MAXSIZE
