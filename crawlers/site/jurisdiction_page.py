"""What one jurisdiction's page shows, read from the served tables and views.

Views are read by column name (`select *` into dicts), so a column another part of the project
adds to `jurisdiction_answers` or `comparison` never breaks the page; it is simply not shown.
"""

from __future__ import annotations

import json
from collections import defaultdict

from ..vocabulary import COVERAGE_FINDING_MEANINGS, INTERNATIONAL
from .places import Directory, also_applies
from .reasons import stored_reasons, with_reasons

# The questions summarised for each sub-national unit and each law that also applies.
OVERVIEW_QUESTIONS = ("explicit_synthetic", "creating", "sharing", "max_prison_months")

CODING_MARKS = {
    "verified": "Verified: read in the text or an authoritative summary",
    "suggested": "Suggested: inferred, not yet verified",
}


async def dicts(db, sql: str, params: dict | None = None) -> list[dict]:
    results = await db.execute(sql, params or {})
    return [dict(zip(results.columns, row)) for row in results.rows]


_directories: dict[tuple, Directory] = {}


async def directory(db) -> Directory:
    """The jurisdictions by name. Building one reads every ISO name in several languages, so the
    last one is kept for as long as the jurisdictions table reads the same."""
    rows = await dicts(db, "select * from jurisdictions")
    key = tuple(tuple(sorted(row.items())) for row in rows)
    if key not in _directories:
        _directories.clear()
        _directories[key] = Directory(rows)
    return _directories[key]


def shown_number(value):
    """24.0 -> "24"; text and None unchanged."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return str(int(number)) if number.is_integer() else str(number)


#: Whose images an answer speaks for (the `scope` of codebook v2), as the page says it.
SCOPES = {"adults": "for adults", "minors": "for minors"}


async def rollups(db, codes: list[str]) -> dict[str, dict[str, dict[str, dict]]]:
    """The law as a whole (the `comparison` view), per jurisdiction, question and victim
    scope ("adults", "minors"): child-abuse-image law answers only the minors' row."""
    if not codes:
        return {}
    marks = ", ".join(f":c{index}" for index in range(len(codes)))
    rows = await dicts(db, f"select * from comparison where jurisdiction in ({marks})",
                       {f"c{index}": code for index, code in enumerate(codes)})
    found: dict[str, dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        row["answer"] = shown_number(row.get("answer"))
        found[row["jurisdiction"]][row["question_id"]][row.get("scope") or "adults"] = row
    return found


async def provision_links(db, code: str) -> dict[tuple[str, str], dict]:
    rows = await dicts(db, """
        select p.instrument_id, p.label, p.url from provisions p
        join instruments i on i.id = p.instrument_id where i.jurisdiction = :code""", {"code": code})
    return {(row["instrument_id"], row["label"]): row for row in rows}


async def answers_by_question(db, code: str, questions: list[dict]) -> list[dict]:
    """Each codebook question in codebook order, with the law-as-a-whole answer and every
    instrument's answer, its provision, evidence, coding status and official link."""
    whole = (await rollups(db, [code])).get(code, {})
    links = await provision_links(db, code)
    per_question = defaultdict(list)
    rows = await dicts(db, "select * from jurisdiction_answers where jurisdiction = :code "
                           "order by question_position, instrument_id", {"code": code})
    for row in with_reasons(rows, await stored_reasons(db, [code])):
        provision = links.get((row["instrument_id"], row.get("provision_label")))
        row["link"] = (provision or {}).get("url") or row.get("official_url")
        row["answer"] = shown_number(row.get("answer"))
        row["mark"] = CODING_MARKS.get(row.get("coding_status"), row.get("coding_status"))
        per_question[row["question_id"]].append(row)
    return [{**question, "whole": [{"scope": scope, "label": label, **row} for scope, label in SCOPES.items()
                                   if (row := (whole.get(question["id"]) or {}).get(scope))],
             "answers": per_question.get(question["id"], [])}
            for question in questions]


async def instruments_with_provisions(db, code: str) -> list[dict]:
    instruments = await dicts(db, """
        select * from instruments where jurisdiction = :code
        order by coalesce(date_enacted, date_in_force, '9999') desc, title""", {"code": code})
    provisions = await dicts(db, """
        select p.id, p.instrument_id, p.label, coalesce(p.heading, p.heading_en) as heading, p.url, p.in_force_status, p.gone_at,
               p.language as own_language, p.text as own_text, p.valid_from as own_valid_from
        from provisions p join instruments i on i.id = p.instrument_id
        where i.jurisdiction = :code order by p.instrument_id, p.rowid""", {"code": code})
    texts = defaultdict(list)
    for row in await dicts(db, """
            select t.provision_id, t.language, t.heading, t.text, t.valid_from, t.first_seen
            from provision_texts t join provisions p on p.id = t.provision_id
            join instruments i on i.id = p.instrument_id where i.jurisdiction = :code""", {"code": code}):
        texts[row["provision_id"]].append(row)
    by_instrument = defaultdict(list)
    for provision in provisions:
        provision["texts"] = texts.get(provision["id"]) or (
            [{"language": provision["own_language"], "heading": provision["heading"],
              "text": provision["own_text"], "valid_from": provision["own_valid_from"]}]
            if provision["own_text"] else [])
        by_instrument[provision["instrument_id"]].append(provision)
    for instrument in instruments:
        instrument["provisions"] = by_instrument.get(instrument["id"], [])
    return instruments


async def cases(db, code: str) -> list[dict]:
    # The judgment's full text is left out: it can be long, and the page links to it.
    return await dicts(db, """
        select id, court, decision_date, name, citation, url, outcome, summary, curated, gone_at
        from cases where jurisdiction = :code order by decision_date desc, name""", {"code": code})


async def bills(db, code: str) -> list[dict]:
    return await dicts(db, """
        select b.*,
          (select action from bill_actions a where a.bill_id = b.id order by a.date desc limit 1) as latest_action,
          (select date from bill_actions a where a.bill_id = b.id order by a.date desc limit 1) as latest_action_date,
          (select wording from bill_actions a where a.bill_id = b.id order by a.date desc limit 1) as latest_action_wording
        from bills b where b.jurisdiction = :code order by coalesce(b.status_date, '') desc""", {"code": code})


async def monitoring(db, code: str) -> list[dict]:
    """The treaty bodies' documents about this state (GREVIO's, on the Istanbul Convention),
    one line per document, newest first: a document is stored a section per row. A database
    built before the table existed has none."""
    try:
        return await dicts(db, """
            select document, min(title) as title, body, kind, instrument_id, min(published) as published,
                   replace(group_concat(distinct language), ',', ' ') as languages, count(*) as stored,
                   max(sections) as sections,
                   (select url from monitoring_documents first where first.document = m.document
                    order by first.section limit 1) as url
            from monitoring_documents m where state_code = :code
            group by document order by coalesce(min(published), '') desc, document""", {"code": code})
    except Exception:  # no such table: served from an older database
        return []


async def help_routes(db, codes: list[str]) -> list[dict]:
    """Where a victim can turn (the curated `help_routes`), for these jurisdictions nearest
    first and then the services open to anyone (`INT`). A database built before the
    table existed simply has none."""
    order = {code: rank for rank, code in enumerate([*codes, INTERNATIONAL])}
    marks = ", ".join(f":c{index}" for index in range(len(order)))
    try:
        rows = await dicts(db, f"select * from help_routes where jurisdiction in ({marks})",
                           {f"c{index}": code for index, code in enumerate(order)})
    except Exception:  # no such table: served from an older database
        return []
    return sorted(rows, key=lambda row: (order[row["jurisdiction"]], row["orders_removal"] != "yes", row["name_en"] or ""))


async def coverage_finding(db, code: str) -> dict | None:
    """What a search of this jurisdiction's law found (the curated `coverage_findings`), its
    leads as a list; None when none is recorded or the database predates the table."""
    try:
        rows = await dicts(db, "select * from coverage_findings where jurisdiction = :code", {"code": code})
    except Exception:  # no such table: served from an older database
        return None
    if not rows:
        return None
    return {**rows[0], "leads": json.loads(rows[0]["leads"] or "[]"),
            "meaning": COVERAGE_FINDING_MEANINGS.get(rows[0]["finding"], "")}


async def overview(db, codes: list[str], places: Directory, questions: list[dict]) -> list[dict]:
    """A short line per jurisdiction: its name, how many instruments, and a few key answers."""
    counts = {row["jurisdiction"]: row["instruments"] for row in await dicts(
        db, "select jurisdiction, count(*) as instruments from instruments group by jurisdiction")}
    whole = await rollups(db, codes)
    shown = [question for question in questions if question["id"] in OVERVIEW_QUESTIONS]
    return [{"code": code, "name": places.by_code[code]["name"], "kind": places.by_code[code]["kind"],
             "instruments": counts.get(code, 0),
             # The adults' answers: the overview's question is about deepfakes of adults.
             "answers": [{"question": question,
                          "answer": ((whole.get(code, {}).get(question["id"]) or {}).get("adults") or {}).get("answer")}
                         for question in shown]}
            for code in codes]


async def page_context(db, code: str) -> dict | None:
    places = await directory(db)
    if code not in places.by_code:
        return None
    jurisdiction = places.by_code[code]
    questions = await dicts(db, "select * from codebook_questions order by position")
    parent_of = {each: row["parent"] for each, row in places.by_code.items()}
    children = sorted((each for each, row in places.by_code.items() if row["parent"] == code),
                      key=lambda each: places.by_code[each]["name"])
    return {
        "jurisdiction": jurisdiction,
        "names": places.names[code],
        "parent": places.by_code.get(jurisdiction["parent"]),
        "questions": await answers_by_question(db, code, questions),
        "instruments": await instruments_with_provisions(db, code),
        "cases": await cases(db, code),
        "bills": await bills(db, code),
        "monitoring": await monitoring(db, code),
        "help_routes": await help_routes(db, [code, *also_applies(code, parent_of)]),
        "coverage": await coverage_finding(db, code),
        "also_applies": await overview(db, also_applies(code, parent_of), places, questions),
        "units": await overview(db, children, places, questions),
        "overview_questions": [question for question in questions if question["id"] in OVERVIEW_QUESTIONS],
        "coding_marks": CODING_MARKS,
    }
