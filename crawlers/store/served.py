"""The served tables that merge curated and crawled values.

`instruments` and `cases` are tables people query (and search: they carry the FTS
indexes), filled from the views `instruments_merged` and `cases_merged`, which
join the curated row and the crawled row, curated value first. Whoever changes
either side refreshes the served rows it touched; a refresh writes only rows
that differ, and deletes a served row nothing backs any more (unless crawled
data still points at it: nothing crawled is ever lost).
"""

import sqlite3

MERGED = {"instruments": "instruments_merged", "cases": "cases_merged"}
# Crawled rows that keep a served row alive although neither side has it any more.
DEPENDANTS = {
    "instruments": ("SELECT instrument_id FROM provisions", "SELECT instrument_id FROM instrument_links",
                    "SELECT instrument_id FROM coded_answers", "SELECT instrument_id FROM case_instruments"),
    "cases": ("SELECT case_id FROM case_citations", "SELECT case_id FROM case_instruments"),
}
CHUNK = 400


def columns_of(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def refresh(conn: sqlite3.Connection, table: str, ids) -> None:
    """Make the served rows `ids` of `table` equal to their merge (inside the caller's transaction)."""
    ids = sorted(set(ids))
    if not ids:
        return
    view = MERGED[table]
    columns = columns_of(conn, table)
    listed = ", ".join(columns)
    others = [c for c in columns if c != "id"]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in others)
    differs = " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in others)
    keep = " ".join(f"AND id NOT IN ({query})" for query in DEPENDANTS[table])
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        conn.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {view} WHERE id IN ({marks}) "
            f"ON CONFLICT(id) DO UPDATE SET {assignments} WHERE {differs}",
            chunk,
        )
        conn.execute(
            f"DELETE FROM {table} WHERE id IN ({marks}) AND id NOT IN (SELECT id FROM {view} WHERE id IN ({marks})) {keep}",
            chunk + chunk,
        )
