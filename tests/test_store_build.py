"""The build replaces the curated tables exactly, writes only what differs, and keeps crawled values."""

import shutil
from pathlib import Path

import yaml

from crawlers.registry import curated
from crawlers.store import Store
from crawlers.store.schema import open_database

DATA = Path(__file__).resolve().parents[1] / "data"


def build(db, data_dir: Path) -> int:
    """Rows the build wrote."""
    before = db.conn.total_changes
    curated.load_into(db, curated.load(data_dir))
    return db.conn.total_changes - before


def edit(path: Path, change) -> None:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(entries)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_unchanged_build_writes_nothing(tmp_path):
    db = open_database(tmp_path / "atlas.db")
    assert build(db, DATA) > 1000
    assert build(db, DATA) == 0


def test_deleting_a_curated_value_or_instrument_deletes_it(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    db = open_database(tmp_path / "atlas.db")
    build(db, data)
    loaded = curated.load(data)
    # Instruments a case or a help route names cannot simply vanish: pick others.
    cited = {i for case in loaded.cases for i in case.get("instruments") or []}
    cited |= {route["instrument"] for route in loaded.help_routes if route.get("instrument")}
    pack = data / "instruments" / "uk.yaml"
    entries = yaml.safe_load(pack.read_text(encoding="utf-8"))
    dated = next(e for e in entries if e.get("date_enacted") and e["id"] not in cited)
    gone = next(e for e in entries if e["id"] not in cited and e["id"] != dated["id"])
    case_pack = next(p for p in sorted((data / "cases").glob("*.yaml")) if yaml.safe_load(p.read_text()))
    case = yaml.safe_load(case_pack.read_text())[0]
    assert db["instruments"].get(dated["id"])["date_enacted"] and db["cases"].get(case["id"])["summary"]
    assert db.execute("SELECT COUNT(*) FROM provisions WHERE instrument_id = ?", [gone["id"]]).fetchone()[0]

    edit(pack, lambda es: [e.pop("date_enacted") for e in es if e["id"] == dated["id"]])
    edit(pack, lambda es: es.remove(next(e for e in es if e["id"] == gone["id"])))
    edit(case_pack, lambda cs: cs[0].update(outcome=None))
    build(db, data)
    assert db["instruments"].get(dated["id"])["date_enacted"] is None
    assert db.execute("SELECT COUNT(*) FROM instruments WHERE id = ?", [gone["id"]]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM provisions WHERE instrument_id = ?", [gone["id"]]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM coded_answers WHERE instrument_id = ?", [gone["id"]]).fetchone()[0] == 0
    assert db["cases"].get(case["id"])["outcome"] is None
    assert db.execute("SELECT COUNT(*) FROM instruments_fts WHERE instruments_fts MATCH ?",
                      ['"' + gone["title"].split()[0] + '"']).fetchone()[0] < 1000  # the index follows


def test_a_curated_note_deleted_is_gone_but_crawled_values_stay(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    db = open_database(tmp_path / "atlas.db")
    build(db, data)
    Store(db).write_batch([{"type": "instrument", "id": "ukpga-2003-42", "jurisdiction": "GB-EAW",
                            "title": "Sexual Offences Act 2003", "extent": "E+W", "date_enacted": "2003-11-20",
                            "official_url": "https://www.legislation.gov.uk/ukpga/2003/42", "source": "legislation_gov_uk"}])
    pack = next(p for p in (data / "instruments").glob("*.yaml") if "ukpga-2003-42" in p.read_text())
    edit(pack, lambda es: [e.update(uncertain="Still unclear.") for e in es if e["id"] == "ukpga-2003-42"])
    curated.load_into(db, curated.load(data))
    assert db["instruments"].get("ukpga-2003-42")["uncertain"] == "Still unclear."
    # A summary is required, so the note (`uncertain`) and the date are what a curator deletes.
    edit(pack, lambda es: [(e.pop("uncertain"), e.pop("date_enacted", None)) for e in es if e["id"] == "ukpga-2003-42"])
    curated.load_into(db, curated.load(data))
    row = db["instruments"].get("ukpga-2003-42")
    assert row["uncertain"] is None and row["curated"] == 1
    assert row["date_enacted"] == "2003-11-20" and row["extent"] == "E+W"  # the crawl's, no longer hidden


def test_an_instruments_scope_moves_its_answers_between_the_adults_and_minors_rows(tmp_path):
    """The scope set once on an instrument reaches every answer it does not override,
    through a rebuild: a law recoded as child-only leaves the adults' roll-up."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    db = open_database(tmp_path / "atlas.db")
    build(db, data)
    adults_sharing = "SELECT answer, supporting_provisions FROM comparison WHERE jurisdiction = 'GR' AND question_id = 'sharing' AND scope = 'adults'"
    assert db.execute(adults_sharing).fetchone()[0] == "yes"
    pack = data / "instruments" / "europe.yaml"

    def child_only(entries):
        entry = next(e for e in entries if e["id"] == "gr-pk-346")
        entry["scope"] = "minors"
        entry["coding"]["minors_specific"]["answer"] = "minors_only"

    edit(pack, child_only)
    build(db, data)
    assert set(db.execute("SELECT DISTINCT scope FROM coded_answers WHERE instrument_id = 'gr-pk-346'")) == {("minors",)}
    answer, support = db.execute(adults_sharing).fetchone()
    assert answer != "yes" and "346" not in (support or "")


def test_a_build_that_changes_the_registry_records_when_and_an_unchanged_one_does_not(tmp_path):
    """The as-of date of a page or an export moves when the curated data changes, and only then."""
    from crawlers.cli import build
    from crawlers.publishing import edition

    path = tmp_path / "atlas.db"
    assert build(path, quiet=True) == 0
    db = open_database(path)
    [(first, changed)] = db.execute("SELECT loaded_at, changed_rows FROM registry_loads").fetchall()
    assert changed > 1000 and edition.as_of(db.conn) >= first[:19] + "Z"
    db.close()
    assert build(path, quiet=True) == 0
    db = open_database(path)
    assert db.execute("SELECT COUNT(*) FROM registry_loads").fetchone()[0] == 1
    timeline = db.execute("SELECT COUNT(*), COUNT(year) FROM enactment_timeline").fetchone()
    laws = db.execute("SELECT COUNT(*) FROM instruments WHERE kind IS NOT 'model'").fetchone()[0]
    assert timeline[0] == laws > timeline[1]  # every law, the undated ones with no year
