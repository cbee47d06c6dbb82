"""/case/<id>: one court decision, where it comes from, and the provisions it cites.

The served `cases` row is the curated and the crawled decision as one (`cases_merged`), so a
decision our curators summarised and a crawl fetched is one page; when both sides hold it, the
page names both sources (the summary is ours, the text the court's publisher's).

A decision withdrawn at its source keeps its name, court and date, and the provisions it was
found to cite (our finding, kept by `link-citations`), but nothing of its text: no excerpt, no
words it cited a provision by, no context. The store blanks the text (`mark_gone`); the page
does not rely on that alone and checks `gone_at` itself.

"Citations not linked to a provision" are the ones the store holds: resolved to one of our
laws but to no provision we track, and the legislation the source's own metadata lists that
none of those citations matched. Citations that resolved to nothing are counted by the linker,
not stored, so they cannot be shown here.
"""

from __future__ import annotations

import json

from ..registry.curated import official_domains, on_domains
from .jurisdiction_page import dicts
from .record_pages import case_identifiers, longest_spans, record_page

#: How much of a decision's text the page shows before linking to the whole.
EXCERPT_CHARACTERS = 1500
#: Characters shown on each side of the words that cite a provision.
CONTEXT_CHARACTERS = 160


async def case_row(db, case_id: str) -> dict | None:
    # The text is cut in SQL (a judgment can be megabytes; the page shows its beginning), a
    # little past the excerpt so that the excerpt can end at a whole word.
    rows = await dicts(db, f"""
        select c.id, c.jurisdiction, c.court, c.decision_date, c.name, c.citation, c.url, c.language, c.judges,
               c.outcome, c.summary, c.cited_legislation, c.curated, c.evidence_url, c.verified_on, c.source,
               c.fetched_at, c.gone_at,
               case when c.gone_at is null then substr(c.text, 1, {EXCERPT_CHARACTERS + 200}) end as excerpt,
               case when c.gone_at is null then length(c.text) end as text_length,
               j.name as jurisdiction_name, s.name as source_name, s.licence, s.licence_url,
               cr.source as crawled_source, cs.name as crawled_source_name,
               cs.licence as crawled_licence, cs.licence_url as crawled_licence_url
        from cases c
        left join jurisdictions j on j.code = c.jurisdiction
        left join sources s on s.id = c.source
        left join crawled_cases cr on cr.id = c.id
        left join sources cs on cs.id = cr.source
        where c.id = :id""", {"id": case_id})
    if not rows:
        return None
    case = rows[0]
    case["url_is_official"] = await on_official_site(db, case)
    if case["gone_at"]:
        case["excerpt"] = case["text_length"] = None
    elif case["excerpt"] and len(case["excerpt"]) > EXCERPT_CHARACTERS:
        cut = case["excerpt"][:EXCERPT_CHARACTERS]
        case["excerpt"] = cut[:cut.rfind(" ")] if " " in cut[EXCERPT_CHARACTERS // 2:] else cut
    return case


async def on_official_site(db, case: dict) -> bool:
    """Whether the decision's address is an official publication: a crawled decision's is (its
    source is official); a curated one's only on its jurisdiction's official domains. A first-
    instance decision reported only in the press is linked there, and must not read as official."""
    if case["crawled_source"] or not case["url"]:
        return bool(case["url"])
    rows = await dicts(db, "select code, parent, official_domains from jurisdictions")
    jurisdictions = {row["code"]: {**row, "official_domains": row["official_domains"] or ""} for row in rows}
    return on_domains(case["url"], official_domains(jurisdictions, case["jurisdiction"]))


async def citations(db, case: dict) -> list[dict]:
    """Each stored citation of the decision, with its provision and law, and (unless the
    decision was withdrawn) the text around the first place it is cited."""
    rows = await dicts(db, """
        select cc.instrument_id, nullif(cc.provision_id, '') as provision_id, cc.span,
               p.label, coalesce(p.heading, p.heading_en) as heading, p.url as provision_url,
               i.title as instrument_title, i.title_en as instrument_title_en, i.citation as instrument_citation,
               i.jurisdiction as instrument_jurisdiction, i.official_url as instrument_url
        from case_citations cc
        left join provisions p on p.id = cc.provision_id
        left join instruments i on i.id = cc.instrument_id
        where cc.case_id = :id
        order by i.title, p.rowid, cc.span""", {"id": case["id"]})
    text = None
    if rows and not case["gone_at"]:
        # Read once and searched here: one `instr()` per citation would read a long judgment
        # again for each.
        text = (await db.execute("select text from cases where id = :id and gone_at is null", {"id": case["id"]})).first()
        text = text[0] if text else None
    for row in rows:
        at = text.find(row["span"]) if text and row["span"] else -1
        row["context"] = (text[max(0, at - CONTEXT_CHARACTERS):at + len(row["span"]) + CONTEXT_CHARACTERS]
                          if at >= 0 else None)
    return rows


def one_line(words: str) -> str:
    """The words on one line, whitespace at either end kept as one space."""
    return (" " if words[:1].isspace() else "") + " ".join(words.split()) + (" " if words[-1:].isspace() else "")


def in_context(span: str, context: str | None) -> dict | None:
    """The words around a citation as (before, span, after), cut at whole words, on one line."""
    if not context or span not in context:
        return None
    before, _, after = context.partition(span)
    before = before.split(" ", 1)[-1] if len(before) >= CONTEXT_CHARACTERS else before
    after = after.rsplit(" ", 1)[0] if len(after) >= CONTEXT_CHARACTERS else after
    return {"before": one_line(before), "span": span, "after": one_line(after)}


def grouped(rows: list[dict], key: str, withdrawn: bool) -> list[dict]:
    """One entry per provision (or law), with the words it was cited by and their context;
    none of either for a decision withdrawn at source."""
    found: dict[str, dict] = {}
    for row in rows:
        found.setdefault(row[key], {**row, "rows": []})["rows"].append(row)
    for entry in found.values():
        # A span found in the text first, so that of two spellings the one with its context is kept.
        rows = sorted(entry.pop("rows"), key=lambda row: row["context"] is None)
        contexts = {row["span"]: row["context"] for row in rows}
        entry["spans"] = [] if withdrawn else [
            {"span": span, "context": in_context(span, contexts[span])} for span in longest_spans(list(contexts))]
    return list(found.values())


def listed_not_matched(cited_legislation: str | None, spans: set[str]) -> list[dict]:
    """The legislation the source's metadata lists ({title, href}) that none of the stored
    citations matched (compared without case or end punctuation)."""
    try:
        entries = json.loads(cited_legislation or "[]")
    except ValueError:
        return []
    known = {span.lower().strip(" .;,") for span in spans if span}
    left, seen = [], set()
    for entry in entries if isinstance(entries, list) else []:
        title = ((entry or {}).get("title") or "").strip() if isinstance(entry, dict) else ""
        plain = title.lower().strip(" .;,")
        if not plain or plain in seen or any(plain in span or span in plain for span in known):
            continue
        seen.add(plain)
        href = entry.get("href")
        left.append({"title": title, "href": href if isinstance(href, str) and href.startswith(("http://", "https://")) else None})
    return left


async def curated_laws(db, case_id: str) -> list[dict]:
    return await dicts(db, """
        select i.id, i.title, i.title_en, i.citation, i.jurisdiction, i.official_url
        from case_instruments ci join instruments i on i.id = ci.instrument_id
        where ci.case_id = :id order by i.title""", {"id": case_id})


async def page_context(db, case_id: str) -> dict | None:
    case = await case_row(db, case_id)
    if case is None:
        return None
    withdrawn = bool(case["gone_at"])
    rows = await citations(db, case)
    provisions = grouped([row for row in rows if row["provision_id"]], "provision_id", withdrawn)
    laws = grouped([row for row in rows if not row["provision_id"]], "instrument_id", withdrawn)
    return {
        "case": case,
        "identifiers": (await case_identifiers(db, [case_id]))[case_id],
        "provisions": provisions,
        "laws": laws,
        "curated_laws": await curated_laws(db, case_id),
        # The source's own list is its metadata, not the text; still, nothing of a withdrawn
        # decision is shown beyond what identifies it.
        "listed": [] if withdrawn else listed_not_matched(case["cited_legislation"], {row["span"] for row in rows}),
    }


async def page(datasette, request):
    return await record_page(datasette, request, id_var="case_id", table="cases", kind="decision",
                             template="case.html", page_context=page_context)
