"""/provision/<id>: one provision, its text as it stands and as it stood, and the decisions that cite it.

Every query reads one provision by its key, or the rows of one instrument through an index
(`case_citations_instrument`, `provision_versions_provision`): the page's cost grows with the
citations of its own law, not with the size of the atlas. A decision withdrawn at its source
is listed (that it cited the provision is our own finding, kept by `link-citations`), but the
words it used are not shown: they are its text, which the source no longer publishes.
"""

from __future__ import annotations

import json
from collections import defaultdict

from .jurisdiction_page import dicts
from .record_pages import case_identifiers, longest_spans, record_page

#: Decisions listed on one page; the rest are one click away in the `provision_cases` view.
MOST_DECISIONS = 200
#: Past this many citing decisions, the newest are found by date order rather than by reading
#: every citing decision (a walk that stops early when a tenth or more of all decisions cite).
WALK_DATES_FROM = 2000


async def provision_row(db, provision_id: str) -> dict | None:
    rows = await dicts(db, """
        select p.id, p.instrument_id, p.label, p.heading, p.heading_en, p.text, p.language, p.url, p.extent,
               p.in_force_status, p.valid_from, p.valid_to, p.source, p.fetched_at, p.gone_at,
               i.title as instrument_title, i.title_en as instrument_title_en, i.citation as instrument_citation,
               i.official_url as instrument_url, i.status as instrument_status, i.jurisdiction,
               j.name as jurisdiction_name, s.name as source_name, s.licence, s.licence_url
        from provisions p
        left join instruments i on i.id = p.instrument_id
        left join jurisdictions j on j.code = i.jurisdiction
        left join sources s on s.id = p.source
        where p.id = :id""", {"id": provision_id})
    return rows[0] if rows else None


async def current_texts(db, provision: dict) -> list[dict]:
    """The text in force now, per language (`provision_texts`); a row the store wrote before
    versions were kept has its text on the provision itself."""
    texts = await dicts(db, """
        select t.language, t.heading, t.text, t.valid_from, t.valid_to, t.first_seen, t.url,
               s.name as source_name, s.licence, s.licence_url
        from provision_texts t left join sources s on s.id = t.source
        where t.provision_id = :id order by t.language""", {"id": provision["id"]})
    if texts or not provision["text"]:
        return texts
    return [{"language": provision["language"], "heading": provision["heading"], "text": provision["text"],
             "valid_from": provision["valid_from"], "valid_to": provision["valid_to"], "first_seen": provision["fetched_at"],
             "url": provision["url"], "source_name": provision["source_name"], "licence": provision["licence"],
             "licence_url": provision["licence_url"]}]


async def versions(db, provision_id: str) -> list[dict]:
    """Every text the provision has had, newest first in each language (`provision_history`)."""
    return await dicts(db, """
        select language, heading, text, applies_from, applies_to, valid_from, valid_to, first_seen, last_seen,
               superseded_at, url
        from provision_history where provision_id = :id
        order by language, superseded_at is not null, applies_from desc, first_seen desc""", {"id": provision_id})


DECISION_COLUMNS = "c.id, c.name, c.court, c.decision_date, c.citation, c.url, c.jurisdiction, c.gone_at"


async def citations_of_the_law(db, provision: dict) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(decision -> spans citing this provision, decision -> spans citing its law as a whole,
    or none when our curators link the decision to the law).

    One query through `case_citations_instrument` (the linker pairs a provision only with its
    own instrument): without an index on the provision, every query reads each citation of the
    law, so the page asks once; an index on (instrument_id, provision_id) would serve it as it is."""
    this, whole = defaultdict(list), defaultdict(list)
    for case_id, provision_id, span in (await db.execute(
            "select case_id, provision_id, span from case_citations "
            "where instrument_id = :instrument and provision_id in (:id, '')",
            {"instrument": provision["instrument_id"], "id": provision["id"]})).rows:
        if provision_id == provision["id"]:
            this[case_id].append(span)
        elif provision_id == "":
            whole[case_id].append(span)
    for (case_id,) in (await db.execute("select case_id from case_instruments where instrument_id = :instrument",
                                        {"instrument": provision["instrument_id"]})).rows:  # curated: a few rows
        whole.setdefault(case_id, [])  # a curator's link: listed, with no words
    return this, {case_id: spans for case_id, spans in whole.items() if case_id not in this}


async def newest_decisions(db, cited_by: dict[str, list[str]]) -> list[dict]:
    """The newest MOST_DECISIONS of these decisions, each with the words it cited by.

    The newest are picked on columns stored before a decision's text; `gone_at` comes after it
    (reading it for every citing decision would read every long judgment through), so the
    rows are read for the chosen ones only."""
    if not cited_by:
        return []
    ids = {"ids": json.dumps(sorted(cited_by))}
    if len(cited_by) > WALK_DATES_FROM:
        # Cited by very many: walk the decisions newest first (`cases_decision_date`) and stop
        # at the first MOST_DECISIONS cited, instead of reading the date of every one.
        newest_sql = "select c.id from cases c where c.id in (select value from json_each(:ids))"
    else:
        # CROSS JOIN keeps this loop order: from the citing decisions to their rows, never a
        # walk over every decision in date order looking for them.
        newest_sql = "select c.id from json_each(:ids) as cited cross join cases c on c.id = cited.value"
    newest = [row[0] for row in (await db.execute(
        newest_sql + f" order by c.decision_date desc, c.name, c.id limit {MOST_DECISIONS}", ids)).rows]
    rows = await dicts(db, f"select {DECISION_COLUMNS} from json_each(:ids) as chosen cross join cases c on c.id = chosen.value",
                       {"ids": json.dumps(newest)})
    order = {case_id: position for position, case_id in enumerate(newest)}
    rows.sort(key=lambda row: order[row["id"]])
    return by_decision(rows, cited_by)


def by_decision(rows: list[dict], cited_by: dict[str, list[str]]) -> list[dict]:
    """Each decision with the words (spans) it cited by; none for a decision withdrawn at source."""
    return [{**row, "spans": [] if row["gone_at"] else longest_spans(sorted(cited_by.get(row["id"], [])))}
            for row in rows]


async def page_context(db, provision_id: str) -> dict | None:
    provision = await provision_row(db, provision_id)
    if provision is None:
        return None
    this, whole = await citations_of_the_law(db, provision)
    decisions, decisions_total = await newest_decisions(db, this), len(this)
    on_the_law, on_the_law_total = await newest_decisions(db, whole), len(whole)
    identifiers = await case_identifiers(db, [decision["id"] for decision in decisions + on_the_law])
    for decision in decisions + on_the_law:
        decision["identifiers"] = identifiers.get(decision["id"], [])
    return {
        "provision": provision,
        "texts": await current_texts(db, provision),
        "versions": await versions(db, provision_id),
        "decisions": decisions,
        "decisions_total": decisions_total,
        "on_the_law": on_the_law,
        "on_the_law_total": on_the_law_total,
    }


async def page(datasette, request):
    return await record_page(datasette, request, id_var="provision_id", table="provisions", kind="provision",
                             template="provision.html", page_context=page_context)
