"""The source table (README and `sii-atlas status`) comes from the declarations, and the
expected crawl time is arithmetic on declared facts."""

from dataclasses import replace
from pathlib import Path

from crawlers import cli, source_table
from crawlers.registry import curated
from crawlers.sources import CONTRACTS, SPIDERS
from crawlers.store import Store

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "data"


def test_the_readme_source_table_is_what_the_declarations_give():
    readme = (PROJECT / "README.md").read_text()
    tracked = {source: curated.tracked_instruments(source, DATA) for source in SPIDERS}
    assert source_table.readme_table(readme) == source_table.markdown_table(SPIDERS, tracked), (
        "README.md's source table differs from the declarations: run `sii-atlas sources --readme README.md`")


def test_the_generated_table_has_a_row_per_source_with_its_terms():
    table = source_table.markdown_table(SPIDERS, {})
    rows = {line.split(" | ")[0].strip("| `"): line for line in table.splitlines()[2:]}
    assert set(rows) == set(CONTRACTS)
    assert "`LEGIFRANCE_CLIENT_ID`, `LEGIFRANCE_CLIENT_SECRET`" in rows["legifrance"]
    assert "| none |" in rows["boe"]
    assert "enforced: 0.5 s apart, at most 3,000 per 300 s" in rows["legislation_gov_uk"]
    assert "[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/" in rows["legislation_gov_uk"]


def test_the_expected_crawl_is_the_declared_pace_over_the_first_requests():
    contract = replace(CONTRACTS["normattiva"], download_delay=3.0, rate_limit=None, run_quota=None,
                       deadline_seconds=1800, rate_limit_per_host=False)
    assert source_table.estimate(contract, 50, 10).text() == (
        "at least 3 min: 60 first requests at 3 s; at most 30 min (the deadline)")
    # A window that fills (20 a minute) slows the pace below the delay.
    limited = replace(contract, download_delay=1.0, rate_limit=(20, 60.0))
    assert source_table.estimate(limited, 60, 0).seconds == 2 * 60 + 20
    # A quota caps the requests and, at the same pace, the longest run.
    quota = replace(contract, download_delay=6.5, run_quota=240)
    crawl = source_table.estimate(quota, 300, 0)
    assert crawl.text() == "at least 26 min: 240 first requests at 6.5 s; at most 26 min (the 240-request run quota)"
    # Sites limited apart run side by side, at most CONCURRENT_REQUESTS at a time.
    per_host = replace(contract, download_delay=2.0, rate_limit_per_host=True)
    assert source_table.estimate(per_host, 40, 0, hosts=30).seconds == 10 * 2.0


def test_first_requests_are_counted_from_the_spider_without_sending_anything():
    tracked = curated.tracked_instruments("legislation_gov_uk", DATA)
    documents, searches, sites = source_table.first_requests(SPIDERS["legislation_gov_uk"], tracked)
    keyed = sum(1 for i in tracked for p in i.get("provisions") or [] if p.get("key"))
    assert (documents, sites) == (keyed, 1) and searches > 0


def test_status_shows_each_source_s_terms_and_never_a_key(built_db, monkeypatch, capsys):
    secret = "k3y-that-must-not-show-0123456789"
    monkeypatch.setenv("CANLII_API_KEY", secret)
    monkeypatch.delenv("GOVINFO_API_KEY", raising=False)
    store = Store.open(built_db)
    run = store.start_run("canlii")
    store.finish_run(run, "ok", {"pages": 3})
    store.conn.execute("UPDATE crawl_runs SET started = '2026-01-01T10:00:00+00:00', "
                       "finished = '2026-01-01T10:04:00+00:00' WHERE id = ?", [run])
    store.conn.commit()
    assert cli.main(["--db", str(built_db), "--data", str(DATA), "status"]) == 0
    out = capsys.readouterr().out
    assert secret not in out
    header, _, *lines = out.splitlines()
    for column in ("keys", "rate limit (enforced)", "expected crawl", "last run", "took", "licence"):
        assert column in header
    rows = {line.split()[0]: line for line in lines}
    assert "  set  " in rows["canlii"] and "4 min" in rows["canlii"] and "0.5 s apart" in rows["canlii"]
    assert CONTRACTS["canlii"].licence in rows["canlii"]
    assert "missing $GOVINFO_API_KEY" in rows["govinfo"] and "never" in rows["govinfo"]
    assert "none needed" in rows["boe"] and "at least" in rows["boe"]
