"""How fast one provision's page and one decision's page answer when the atlas holds many decisions.

Run on demand (not a test):  .venv/bin/python benchmarks/record_pages_speed.py DB [--cases N] [--repeat R]

DB is a built (and possibly crawled) database; it is copied, never changed. The copy gets N
synthetic decisions (default 20,000) written beside the real ones: texts of ~4 KB, every tenth
of ~60 KB (long judgments: their text fills overflow pages, which is what a careless query
reads through), an ECLI each, five citations each of tracked provisions at random, and half of
them also citing one provision (s. 66B of the Sexual Offences Act 2003 where it exists): the
worst page, a provision cited by 10,000 decisions. The copy's word indexes on decisions are
dropped first (they would only slow the writing; these pages never search).

Then, served in-process as `sii-atlas serve` serves it (benchmarks/page_speed.py), each page
is asked for R times after a warm-up: median, 95th percentile and CPU time per request.

Measured 2026-11-30 on 2 cores shared with other work (load 9-15, so wall times are inflated;
CPU is the better estimate), built registry + the Judilibre fixture crawl + 20,000 synthetic
decisions, 109,926 citations: a provision cited by 10,105 decisions 54-68 ms CPU (almost all
of it reading its law's 11,189 citations, there being no index on provision_id; with one on
(instrument_id, provision_id, case_id, span) that read falls from ~42 to ~6 ms); a provision
cited by ~180, 15-30 ms CPU; a decision with a 60 KB text and six citations, 3-5 ms; an
unknown id (404), 1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "benchmarks"))

from page_speed import percentile, site  # noqa: E402

from crawlers.site.page_paths import case_path, provision_path  # noqa: E402

HOT = "ukpga-2003-42/section/66B"
WORDS = ("the appellant court image consent offence sentence intimate photograph shared judge appeal "
         "evidence section act harm victim deepfake made altered computer graphics").split()


def words(rng: random.Random, characters: int) -> str:
    out, size = [], 0
    while size < characters:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def add_decisions(path: Path, count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("select name from sqlite_master where type = 'trigger' and tbl_name = 'cases'").fetchall():
        conn.execute(f"drop trigger [{name}]")
    provisions = conn.execute("select p.id, p.instrument_id, p.label, i.jurisdiction from provisions p "
                              "join instruments i on i.id = p.instrument_id").fetchall()
    hot = next((row for row in provisions if row[0] == HOT), provisions[0])
    conn.execute("begin")
    long_case = None
    for number in range(count):
        case_id = f"bench-{number:06d}"
        size = 60000 if number % 10 == 0 else 4000
        cited = rng.sample(provisions, 5) + ([hot] if number % 2 == 0 else [])
        spans = [f"section {label} of the act {instrument}" for _, instrument, label, _ in cited]
        text = words(rng, size // 2) + " " + " ".join(spans) + " " + words(rng, size // 2)
        row = (case_id, cited[0][3] or "GB-EAW", "Bench Court", f"{rng.randint(2000, 2026)}-{rng.randint(1, 12):02d}-01",
               f"Bench v Case {number}", f"[2025] BENCH {number}", f"https://example.org/{case_id}", "en", text,
               "find_case_law", "2026-11-30T00:00:00+00:00")
        for table in ("crawled_cases", "cases"):
            conn.execute(f"insert into {table} (id, jurisdiction, court, decision_date, name, citation, url, language, "
                         "text, source, fetched_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        conn.execute("insert into identifiers values ('ECLI', ?, 'case', ?, 'find_case_law')",
                     [f"ECLI:XX:BENCH:2025:{number}", case_id])
        conn.executemany("insert or ignore into case_citations values (?, ?, ?, ?)",
                         [(case_id, instrument, provision, span) for (provision, instrument, _, _), span in zip(cited, spans)])
        if size > 4000 and long_case is None:
            long_case = case_id
    conn.execute("commit")
    conn.execute("pragma optimize")
    conn.close()
    return {"hot": hot[0], "other": provisions[len(provisions) // 2][0], "long_case": long_case}


async def measure(db: Path, pages: list[str], repeat: int) -> None:
    datasette = site(db)
    print(f"{'page':<60} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7}   ({repeat} requests each)")
    for path in pages:
        response = await datasette.client.get(path)
        times, cpu = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = await datasette.client.get(path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        print(f"{path[:60]:<60} {response.status_code:>6} {statistics.median(times) * 1000:>10.1f} "
              f"{percentile(times, 0.95) * 1000:>8.1f} {statistics.median(cpu) * 1000:>7.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sii_atlas.db"
        shutil.copyfile(args.db, db)
        started = time.perf_counter()
        chosen = add_decisions(db, args.cases)
        conn = sqlite3.connect(db)
        counts = [conn.execute(f"select count(*) from {table}").fetchone()[0] for table in ("cases", "case_citations")]
        hot_cited = conn.execute("select count(distinct case_id) from case_citations where provision_id = ?", [chosen["hot"]]).fetchone()[0]
        real_case = conn.execute("select case_id from case_citations where case_id not like 'bench-%' limit 1").fetchone()
        conn.close()
        print(f"{counts[0]:,} decisions, {counts[1]:,} citations ({time.perf_counter() - started:.0f} s to write); "
              f"{chosen['hot']} is cited by {hot_cited:,}")
        pages = [provision_path(chosen["hot"]), provision_path(chosen["other"]), case_path(chosen["long_case"]),
                 case_path("bench-000001"), "/provision/no-such/provision"]
        if real_case:
            pages.append(case_path(real_case[0]))
        asyncio.run(measure(db, pages, args.repeat))


if __name__ == "__main__":
    main()
