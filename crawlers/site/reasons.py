"""Why each suggested answer was only suggested, for the pages that mark it.

Every suggested answer in data/ gives its `reason` (what it was inferred from, why the official
text could not be read; crawlers/registry/curated.py refuses one without). A reader who sees
the mark must be able to read that reason one click away. The pages take it from the
`reason` column of `jurisdiction_answers` when the view has one, else from `coded_answers`;
a database that stores no reason yet gives none, and the pages then say only what the mark
means.
"""

from __future__ import annotations


async def stored_reasons(db, codes: list[str]) -> dict[tuple[str, str, str], str]:
    """{(instrument, question, scope): reason} for the suggested answers of these jurisdictions."""
    if not codes:
        return {}
    # A database built before reasons were stored has no such column (asked first, so that
    # Datasette does not log a failed query on every page).
    if not (await db.execute("select 1 from pragma_table_info('coded_answers') where name = 'reason'")).rows:
        return {}
    marks = ", ".join(f":c{index}" for index in range(len(codes)))
    results = await db.execute(f"""
        select a.instrument_id, a.question_id, a.scope, a.reason from coded_answers a
        join instruments i on i.id = a.instrument_id
        where i.jurisdiction in ({marks}) and a.status = 'suggested' and a.reason is not null""",
                               {f"c{index}": code for index, code in enumerate(codes)})
    return {(instrument, question, scope): reason for instrument, question, scope, reason in results.rows}


def with_reasons(rows: list[dict], reasons: dict) -> list[dict]:
    """Each answer row with its `reason` (None when verified or not stored)."""
    for row in rows:
        if not row.get("reason"):
            row["reason"] = reasons.get((row.get("instrument_id"), row.get("question_id"), row.get("scope")))
    return rows
