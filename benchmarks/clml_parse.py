"""The CLML parser against a bare lxml parse of the same Act, and its memory over many parses.

Run on demand (not a test):  .venv/bin/python benchmarks/clml_parse.py [rounds]
Needs ../shared/samples (the 3 MB Financial Services and Markets Act 2023 capture).

Speed: bare `lxml.etree.fromstring` and the whole parser (`parse_document`, every
item drawn, from a response built beforehand) run in turns in the same process,
timed in CPU time (time.process_time), so other processes on a shared machine
count less; each side's median is compared (a single fast bare parse, seen when the
other hyperthread of the core is idle, makes minimums misleading). Both include
freeing their tree.
The goal is a ratio of at most 3.

Memory: resident set size after 1, 10, 50 and 100 parses, each with a new
response deleted afterwards (as Scrapy does), first with the garbage collector
off (so only reference counting frees anything: a tree kept by a reference cycle
would add about 10 MB per parse), then on. The last line is the ratio.
"""

import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from lxml import etree  # noqa: E402

from crawlers.parsing import response_from_file  # noqa: E402
from crawlers.sources.legislation_gov_uk import parse_document  # noqa: E402

ACT = PROJECT.parent / "shared" / "samples" / "legislation_gov_uk" / "ukpga-2023-29-2024-11-01.xml"
URL = "https://www.legislation.gov.uk/ukpga/2023/29/2024-11-01/data.xml"
CHECKPOINTS = (1, 10, 50, 100)


def rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_parse(body: bytes) -> None:
    etree.fromstring(body)  # the tree is dropped (and freed) before returning


def full_parse(response) -> int:
    count = 0
    for _ in parse_document(response):
        count += 1
    return count


def speed(rounds: int) -> tuple[float, float, int]:
    body = ACT.read_bytes()
    response = response_from_file(ACT, URL)
    records = full_parse(response)  # warm up: imports, tag caches
    bare_parse(body)
    bare, parser = [], []
    for _ in range(rounds):
        started = time.process_time()
        bare_parse(body)
        bare.append(time.process_time() - started)
        started = time.process_time()
        full_parse(response)
        parser.append(time.process_time() - started)
    print(f"bare lxml.etree.fromstring  median {statistics.median(bare) * 1000:7.1f} ms  "
          f"min {min(bare) * 1000:7.1f} ms  ({rounds} rounds, {len(body) / 1e6:.1f} MB)")
    print(f"clml parser (parse_document) median {statistics.median(parser) * 1000:7.1f} ms  "
          f"min {min(parser) * 1000:7.1f} ms  ({records} records)")
    return statistics.median(bare), statistics.median(parser), records


def memory(collector_on: bool) -> list[tuple[int, float]]:
    (gc.enable if collector_on else gc.disable)()
    gc.collect()
    before = rss_mb()
    figures = []
    for count in range(1, CHECKPOINTS[-1] + 1):
        response = response_from_file(ACT, URL)
        full_parse(response)
        del response
        if count in CHECKPOINTS:
            figures.append((count, rss_mb()))
    gc.enable()
    label = "gc on " if collector_on else "gc off"
    print(f"RSS {label}: start {before:6.1f} MB; " + "; ".join(f"after {n:3d} parses {mb:6.1f} MB" for n, mb in figures))
    return figures


def main():
    if not ACT.exists():
        sys.exit(f"no real capture at {ACT}")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    bare, parser, _ = speed(rounds)
    memory(collector_on=False)
    memory(collector_on=True)
    print(f"clml parser/bare lxml ratio: {parser / bare:.2f}")


if __name__ == "__main__":
    main()
