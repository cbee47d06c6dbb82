"""How fast the store writes provisions, beside raw sqlite3 executemany of the same rows.

Run on demand (not a test):  .venv/bin/python benchmarks/store_speed.py [N]
100,000 synthetic provisions (120-word texts) go through the real pipeline objects
(ValidationPipeline, StorePipeline and its Store) into a fresh database; then the
same items again (nothing to write), then again with 10% of the texts changed.
Beside them, raw `executemany` of the same rows: into a bare table (the floor),
and into the same schema (indexes, both search indexes and their triggers: the
cost the data itself imposes). The last line is the store's rate over the raw
rate into the same schema.
"""

import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from crawlers.crawling.pipelines import StorePipeline, ValidationPipeline  # noqa: E402
from crawlers.items import ProvisionItem  # noqa: E402
from crawlers.store.hashing import text_hash  # noqa: E402
from crawlers.store.schema import open_database  # noqa: E402

WORDS = ("person intimate image photograph film share consent offence court section subsection "
         "reasonably believe distress alarm humiliation deepfake altered generated digital publish "
         "threaten provider platform remove notice penalty imprisonment fine summary conviction").split()


def items(count: int, changed_every: int = 0, seed: int = 1) -> list[ProvisionItem]:
    rng = random.Random(seed)
    made = []
    for number in range(count):
        words = [rng.choice(WORDS) for _ in range(120)]
        if changed_every and number % changed_every == 0:
            words[0] = "amended"
        made.append(ProvisionItem(
            id=f"bench-act/section/{number}", instrument_id="bench-act", label=f"s. {number}",
            heading=f"Heading {number}", text=" ".join(words), language="en",
            url=f"https://example.org/bench-act/section/{number}", extent="E+W",
            in_force_status="in_force", valid_from="2020-01-01", source="bench",
        ))
    return made


def prepared_database(path: Path):
    db = open_database(path)
    db.conn.isolation_level = None
    db.execute("INSERT INTO sources (id, name, base_url, licence) VALUES ('bench', 'Bench', 'https://example.org', 'CC0')")
    db.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('GB', 'United Kingdom', 'country')")
    for table in ("crawled_instruments", "instruments"):
        if db[table].exists():
            db.execute(f"INSERT INTO {table} (id, jurisdiction, title, source) VALUES ('bench-act', 'GB', 'Bench Act', 'bench')")
    return db


class Stats:
    def get_value(self, key, default=None):
        return default


def through_pipeline(path: Path, batch: list[ProvisionItem]) -> tuple[float, dict]:
    spider = SimpleNamespace(name="bench", secret_params=frozenset(), parser_version="1", since=None)
    crawler = SimpleNamespace(settings={"SII_ATLAS_DB": str(path)}, stats=Stats(), spider=spider)
    validation, store = ValidationPipeline(), StorePipeline(crawler)
    started = time.perf_counter()
    store.spider_opened(spider)
    for item in batch:
        store.process_item(validation.process_item(item))
    store.spider_closed(spider, "finished")
    return time.perf_counter() - started, dict(store.counts)


def raw_rows(batch: list[ProvisionItem]) -> list[tuple]:
    now = "2026-01-01T00:00:00+00:00"
    return [(i["id"], i["instrument_id"], i["label"], i["heading"], i["text"], i["language"], i["url"], i["extent"],
             i["in_force_status"], i["valid_from"], i["source"], now, text_hash(i["heading"], i["text"]), "1")
            for i in batch]


RAW_COLUMNS = ("id, instrument_id, label, heading, text, language, url, extent, in_force_status, valid_from, "
               "source, fetched_at, content_hash, parser_version")


def raw_executemany(path: Path, rows: list[tuple], same_schema: bool) -> float:
    if same_schema:
        prepared_database(path).close()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
    else:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"CREATE TABLE provisions ({RAW_COLUMNS.replace(',', ' TEXT,')} TEXT)")
    # (Older schemas lack some columns: write those they have.)
    present = {row[1] for row in conn.execute("PRAGMA table_info(provisions)")}
    keep = [n for n, c in enumerate(RAW_COLUMNS.split(", ")) if c in present]
    columns = ", ".join(RAW_COLUMNS.split(", ")[n] for n in keep)
    rows = [tuple(row[n] for n in keep) for row in rows]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO provisions ({columns}) VALUES ({', '.join('?' * len(keep))})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    first = items(count)
    rows = raw_rows(first)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        raw_bare = raw_executemany(folder / "raw_bare.db", rows, same_schema=False)
        raw_schema = raw_executemany(folder / "raw_schema.db", rows, same_schema=True)
        path = folder / "store.db"
        prepared_database(path).close()
        new_time, new_counts = through_pipeline(path, first)
        again_time, again_counts = through_pipeline(path, items(count))
        changed_time, changed_counts = through_pipeline(path, items(count, changed_every=10))
        versions = sqlite3.connect(path).execute("SELECT COUNT(*) FROM provision_versions").fetchone()[0]
    print(f"{count} provisions of 120 words")
    print(f"raw executemany, bare table:   {count / raw_bare:10.0f} rows/s")
    print(f"raw executemany, same schema:  {count / raw_schema:10.0f} rows/s  (indexes, word and trigram search)")
    print(f"store, all new:                {count / new_time:10.0f} rows/s  {new_counts}")
    print(f"store, all unchanged:          {count / again_time:10.0f} rows/s  {again_counts}")
    print(f"store, 10% changed:            {count / changed_time:10.0f} rows/s  {changed_counts}")
    print(f"versions stored: {versions} (expected {count + count // 10})")
    print(f"store/bare ratio: {raw_bare / new_time:.3f}")
    print(f"store/raw ratio: {raw_schema / new_time:.3f}")


if __name__ == "__main__":
    main()
