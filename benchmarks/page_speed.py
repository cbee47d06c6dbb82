"""How fast the site's pages answer, served in-process from the full curated registry.

Run on demand (not a test):  .venv/bin/python benchmarks/page_speed.py [--db FILE] [--repeat N]
Without --db it builds the registry in data/ into a temporary database first (`sii-atlas build`). Datasette runs
in this process with the settings `sii-atlas serve` gives it, and its test client (an ASGI
client, no network) asks for each page REPEAT times after one warm-up request; the figures
are the median and 95th percentile of the whole request (routing, SQL, templates), and pages
per second when the pages are asked for one after another. The CPU column is the median
processor time the request used (all threads: SQL runs in Datasette's thread pool): on a
machine shared with other work, wall times grow with the load, CPU time much less, so it is
the better estimate of the page's time on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

PAGES = [
    "/",
    "/compare?j=France&j=Germany&j=UK&j=United+States&j=California&j=Korea",
    "/compare?j=FR&j=DE&j=GB&j=US&j=US-CA&j=KR&q=creating&q=max_prison_months&q=max_fine",
    "/map?q=creating&scope=adults",
    "/timeline",
    "/jurisdiction/FR",
    "/jurisdiction/US-CA",
    "/jurisdiction/GB",
    "/jurisdiction/US",
    "/{database}/comparison_matrix",
    "/{database}/comparison_matrix_minors",
    "/{database}/comparison",
    "/{database}/jurisdiction_answers",
]

# The settings `sii-atlas serve` passes (crawlers/cli.py).
SERVE_SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000, "max_returned_rows": 5000}


def site(db: Path):
    from datasette.app import Datasette

    from crawlers.site import datasette_options

    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(db)], metadata=metadata, settings=SERVE_SETTINGS, **datasette_options())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def measure(db: Path, repeat: int) -> None:
    datasette = site(db)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':<88} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7}   ({repeat} requests each)")
    total_requests, total_seconds = 0, 0.0
    for path in (page.format(database=db.stem) for page in PAGES):  # Datasette names a database after its file
        response = await datasette.client.get(path)  # warm-up: connections, caches, templates
        times, cpu = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = await datasette.client.get(path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        total_requests += repeat
        total_seconds += sum(times)
        print(f"{path:<88} {response.status_code:>6} {statistics.median(times) * 1000:>10.1f} "
              f"{percentile(times, 0.95) * 1000:>8.1f} {statistics.median(cpu) * 1000:>7.1f}")
    print(f"\n{total_requests} requests in {total_seconds:.2f} s: {total_requests / total_seconds:.1f} requests/s "
          "(one at a time, all pages above)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a built database (default: build data/ into a temporary one)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if args.db:
        asyncio.run(measure(args.db, args.repeat))
        return
    from crawlers.cli import main as sii_atlas

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sii_atlas.db"
        # Built as `sii-atlas build` builds it: its PRAGMA optimize gathers the statistics the
        # query planner uses, which changes the comparison views' plans.
        if sii_atlas(["--db", str(db), "build"]) != 0:
            raise SystemExit("sii-atlas build failed")
        asyncio.run(measure(db, args.repeat))


if __name__ == "__main__":
    main()
