"""How the canned searches scale: each one beside bare bm25-ranked FTS5, at N provisions.

Run on demand (not a test):  .venv/bin/python benchmarks/search_scale.py [N] [--db PATH] [--repeat R]

N synthetic provisions (default 1,000,000; ~120 words each, drawn from a Zipf vocabulary
whose words come in inflected families, montage/montages) are written THROUGH THE REAL
SCHEMA: `open_database` creates and migrates it, so the word and trigram indexes and their
triggers are the ones the site serves; one provision in a hundred is Korean, so the trigram
index holds rows too. A database built once is kept (`--db`, default under /tmp) and reused
when it already holds N provisions: building a million takes several minutes.

Then, for rare, mid-frequency and ordinary (most frequent) words, and two-word queries of
each, it times every canned `search_*` query of metadata.yml (with the SQL functions of
crawlers/site/search_terms.py) beside the bare query
    select rowid from provisions_fts where provisions_fts match ? order by rank limit 100
and prints median and worst times, the ratio canned/bare, and the p95 of each canned
search over every query. Datasette stops a query after 1 s (sql_time_limit_ms).

Measured at 1,000,000 (2 shared cores, 2026-11-30): build 13 min. search_provisions: rare words
1-2 ms (bare 0.1-0.3 ms); mid words 50-96 ms where bare takes 40-55 ms as typed and 43-102 ms
with the same inflections (0.9-1.2x), and ~12 ms when the inflections bring more than 20,000
matches (listed unranked); ordinary words 5-13 ms, two ordinary words 16-57 ms (bare: 1.2-11 s);
Korean 90-110 ms (3 characters), 74-207 ms (2 characters, which scan the 10,000 Korean rows);
p95 108 ms, worst 207 ms, none over 1 s. The other searches stay under 1 ms (their tables are
small here).
"""

import argparse
import bisect
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from crawlers.site import search_terms  # noqa: E402
from crawlers.store.schema import open_database, transaction  # noqa: E402

BARE = "select rowid from provisions_fts where provisions_fts match ? order by rank limit 100"
WORDS_PER_PROVISION = 120
ENDINGS = ("", "s", "e", "es", "en", "er")
HANGUL = [chr(c) for c in range(0xAC00, 0xAC00 + 2000)]


def vocabulary(rng: random.Random, families: int = 20000) -> list[str]:
    """Words in families (a stem and one to three inflected forms), in Zipf rank order; the
    forms of a family sit at neighbouring ranks, as image and images do in real text."""
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words, seen = [], set()
    while len(seen) < families:
        stem = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        stem += rng.choice(consonants)
        if stem in seen:
            continue
        seen.add(stem)
        words.extend(stem + ending for ending in rng.sample(ENDINGS, rng.randint(1, 3)))
    return words


def zipf_cumulative(size: int, exponent: float = 1.07) -> list[float]:
    return list(itertools.accumulate(1 / (rank ** exponent) for rank in range(1, size + 1)))


def provisions(count: int, seed: int = 1):
    rng = random.Random(seed)
    words = vocabulary(rng)
    # Under Zipf at this length even the last of 50,000 words is in hundreds of provisions:
    # a second vocabulary of rare words (a tenth of provisions hold one, ~5 provisions each)
    # gives the rare terms people also search for (a name, a coined word).
    rare = [word + "q" for word in vocabulary(random.Random(seed + 1), max(1000, count // 100))]
    korean = ["".join(rng.choice(HANGUL) for _ in range(rng.randint(2, 4))) for _ in range(5000)]
    weights, korean_weights = zipf_cumulative(len(words)), zipf_cumulative(len(korean))
    for number in range(count):
        if number % 100 == 99:
            language, text = "ko", " ".join(rng.choices(korean, cum_weights=korean_weights, k=WORDS_PER_PROVISION))
        else:
            chosen = rng.choices(words, cum_weights=weights, k=WORDS_PER_PROVISION)
            if rng.random() < 0.1:
                chosen[rng.randrange(WORDS_PER_PROVISION)] = rng.choice(rare)
            language, text = "en", " ".join(chosen)
        heading = " ".join(text.split()[:6])
        yield (f"bench/{number}", "bench-act", f"s. {number}", heading, text, language,
               f"https://example.org/bench/{number}", "2026-01-01T00:00:00Z")


def build(path: Path, count: int) -> None:
    db = open_database(path)  # creates and migrates: the served schema, indexes and triggers
    existing = db.execute("SELECT COUNT(*) FROM provisions").fetchone()[0] if db["provisions"].exists() else 0
    if existing == count:
        return
    if existing:
        raise SystemExit(f"{path} holds {existing} provisions, not {count}: give another --db")
    started = time.perf_counter()
    with transaction(db) as conn:
        conn.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('bench', 'Bench', 'https://example.org', 'CC0')")
        conn.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('GB', 'United Kingdom', 'country')")
        for table in ("crawled_instruments", "instruments"):
            conn.execute(f"INSERT INTO {table} (id, jurisdiction, title, source) VALUES ('bench-act', 'GB', 'Bench Act', 'bench')")
    rows = provisions(count)
    while True:
        batch = list(itertools.islice(rows, 20000))
        if not batch:
            break
        with transaction(db) as conn:
            conn.executemany("INSERT INTO provisions (id, instrument_id, label, heading, text, language, url, fetched_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        done = int(batch[-1][0].split("/")[1]) + 1
        print(f"  built {done:,} provisions in {time.perf_counter() - started:.0f} s", end="\r", file=sys.stderr)
    db.execute("ANALYZE")
    print(f"  built {count:,} provisions in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def frequencies(conn) -> list[tuple[str, int]]:
    """Latin words by the number of provisions holding them."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab USING fts5vocab(main, provisions_fts, 'row')")
    return [(term, doc) for term, doc in conn.execute("SELECT term, doc FROM temp.bench_vocab")
            if term.isascii() and term.isalpha() and len(term) >= 4]


def pick(found: list[tuple[str, int]], low: int, high: int, count: int, rng: random.Random) -> list[str]:
    chosen = [term for term, doc in found if low <= doc <= high]
    return rng.sample(chosen, min(count, len(chosen)))


def query_sets(conn, total: int, rng: random.Random) -> dict[str, list[str]]:
    found = frequencies(conn)
    by_doc = sorted(found, key=lambda item: -item[1])
    rare = pick(found, 3, max(10, total // 10000), 6, rng)
    mid = pick(found, total // 200, total // 20, 6, rng)
    common = [term for term, _ in by_doc[:6]]
    korean = [row[0] for row in conn.execute(
        "SELECT text FROM provisions WHERE language = 'ko' LIMIT 3")]
    korean_words = [text.split()[7] for text in korean]
    return {
        "rare": rare,
        "mid": mid,
        "common": common,
        "rare, two words": [f"{a} {b}" for a, b in zip(rare, mid)][:3],
        "common, two words": [f"{a} {b}" for a, b in zip(common, common[1:])][:3],
        "plural typed": [term + "s" for term in mid[:3]],
        "korean": korean_words,
        "korean, 2 chars": [word[:2] for word in korean_words],
    }


def timed(conn, sql: str, parameters, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(sql, parameters).fetchall()
        best.append(time.perf_counter() - started)
    return statistics.median(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    path = arguments.db or Path(tempfile.gettempdir()) / f"sii_search_scale_{arguments.n}.db"
    print(f"{arguments.n:,} provisions in {path}")
    build(path, arguments.n)

    db = open_database(path)
    conn = db.conn
    search_terms.register(conn)
    queries = yaml.safe_load((PROJECT / "metadata.yml").read_text())["databases"]["sii_atlas"]["queries"]
    canned = {name: query["sql"] for name, query in queries.items() if name.startswith("search_")}
    sets = query_sets(conn, arguments.n, random.Random(arguments.seed))
    timings: dict[str, list[float]] = {name: [] for name in canned}
    print("times in ms; (×) is canned / bare as typed, [×] canned / bare with the same expanded match")
    print(f"{'kind':<18} {'query':<24} {'bare typed':>10} {'expanded':>9}  " + "  ".join(f"{name:>24}" for name in canned))
    for kind, typed in sets.items():
        for text in typed:
            bare = timed(conn, BARE, [" ".join(f'"{word}"' for word in text.split())], arguments.repeat)
            expanded = timed(conn, BARE, [search_terms.fts_query(text)], arguments.repeat)
            cells = []
            for name, sql in canned.items():
                seconds = timed(conn, sql, {"q": text}, arguments.repeat)
                timings[name].append(seconds)
                cells.append(f"{seconds * 1000:8.1f} ({seconds / bare if bare else 0:4.1f}×) [{seconds / expanded if expanded else 0:4.1f}×]")
            print(f"{kind:<18} {text[:24]:<24} {bare * 1000:10.1f} {expanded * 1000:9.1f}  " + "  ".join(cells), flush=True)
    print("\np95 and worst over every query (ms):")
    for name, values in timings.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        print(f"  {name:<18} p95 {p95 * 1000:7.1f}   worst {values[-1] * 1000:7.1f}   over 1 s: {sum(v > 1 for v in values)}")


if __name__ == "__main__":
    main()
