"""How fast the parsers read real captures, and how fast the store writes them.

Run on demand (not a test):  .venv/bin/python benchmarks/parse_speed.py
Needs ../shared/samples (the real captures); prints one line per measurement.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from crawlers.parsing import parse_file  # noqa: E402
from crawlers.store import Store  # noqa: E402

SAMPLES = PROJECT.parent / "shared" / "samples"
CASES = [
    ("legislation_gov_uk", "legislation_gov_uk/ukpga-2023-29-2024-11-01.xml",
     "https://www.legislation.gov.uk/ukpga/2023/29/2024-11-01/data.xml"),
    ("legislation_gov_uk", "legislation_gov_uk/ukpga-2000-8-section-91.xml",
     "https://www.legislation.gov.uk/ukpga/2000/8/section/91/data.xml"),
    ("legislation_gov_uk", "legislation_gov_uk/ukpga.feed", "https://www.legislation.gov.uk/ukpga/data.feed"),
    ("find_case_law", "find_case_law/ewca_civ_2004_632.xml",
     "https://caselaw.nationalarchives.gov.uk/ewca/civ/2004/632/data.xml"),
]


def timed(function, repeat=5):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    if not SAMPLES.exists():
        sys.exit(f"no real captures at {SAMPLES}")
    for source, name, url in CASES:
        path = SAMPLES / name
        seconds, records = timed(lambda: parse_file(source, path, url))
        size = path.stat().st_size / 1e6
        print(f"parse  {name:<55} {size:6.2f} MB  {len(records):5d} records  {seconds * 1000:8.1f} ms  "
              f"({size / seconds:5.1f} MB/s)")
    # Store: the whole 3 MB Act written into a fresh database, then again unchanged.
    source, name, url = CASES[0]
    records = parse_file(source, SAMPLES / name, url)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "bench.db")
        store.db["sources"].insert({"id": source, "name": source, "base_url": "x", "licence": "x"})
        store.db["jurisdictions"].insert({"code": "GB", "name": "United Kingdom", "kind": "country"})
        for label in ("first write", "unchanged rewrite"):
            started = time.perf_counter()
            counts, _ = store.write_batch(records)
            seconds = time.perf_counter() - started
            print(f"store  {label:<55} {len(records):5d} records  {seconds * 1000:8.1f} ms  {counts}")


if __name__ == "__main__":
    main()
