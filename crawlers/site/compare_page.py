"""The comparison page: jurisdictions picked by name, codebook questions side by side.

A comparison can mislead in four ways, and this page is built against each:
- a jurisdiction typed as people say it ("UK", "Korea") must find it, and a name that fits
  several places ("Georgia") or none must say so rather than silently drop it;
- the law for images of adults and the law for images of minors are different answers (child
  sexual abuse material law answers only the minors'), so they are always shown apart;
- a suggested answer (inferred, not yet read in the text) is marked on the cell itself;
- a sub-national unit's own law is never the whole law there: the enclosing federal or national
  law is shown with it; and a country's own law is not the whole story where its states,
  provinces or nations legislate: their answers are summed up under it ("UK: no" for creating
  a deepfake is the UK-wide law; England and Wales says yes).
Numbers stay numbers: prison terms and deadlines are whole numbers with their unit, fines an
amount with its currency (or unit basis), in the page (`<data value>`) and in /compare.json.
Answers come from the `comparison` view (the one definition of the roll-up); the coding status,
fines and counts from `jurisdiction_answers`.
"""

from __future__ import annotations

import re
import csv
import io
from collections import defaultdict

from crawlers.vocabulary import VICTIM_GROUPS

from .jurisdiction_page import dicts, directory
from .reasons import stored_reasons, with_reasons
from .places import Directory, also_applies
from .wording import answer_key

#: A country's units are named one by one up to this many; beyond, they are counted.
UNITS_NAMED = 6

PLURALS = {"state": "states", "province": "provinces", "territory": "territories", "nation": "nations",
           "legal_jurisdiction": "legal jurisdictions"}

#: At most this many jurisdictions are compared at once (the page stays readable and fast).
MAX_JURISDICTIONS = 12

#: The unit each numeric question counts in, by its id.
UNITS = {"max_prison_months": "months", "removal_deadline_hours": "hours"}

FINE_BASIS_WORDS = {"penalty_units": "penalty units", "daily_units": "day-fines"}

SEPARATORS = re.compile(r"\s*[;,]\s*")


def resolve(places: Directory, typed: list[str]) -> tuple[list[str], list[dict]]:
    """The codes for what was typed, in order and without repeats, and a problem for each value
    that named no jurisdiction or several. A value may hold several names separated by commas
    (unless the whole value is itself a name, like "Korea, Republic of")."""
    codes, problems = [], []
    # Each name costs a search of every name we know; a URL with thousands is cut short.
    for value in typed[:MAX_JURISDICTIONS * 3]:
        value = (value or "").strip()
        if not value:
            continue
        pieces = [value] if len(places.find(value)) == 1 else [piece for piece in SEPARATORS.split(value) if piece]
        for piece in pieces:
            found = places.find(piece)
            if len(found) == 1:
                if found[0] not in codes:
                    codes.append(found[0])
            else:
                problems.append({"typed": piece, "candidates": [places.by_code[code] for code in found[:12]]})
    return codes[:MAX_JURISDICTIONS], problems


def enclosing(code: str, places: Directory) -> list[str]:
    """The federal or national law that also applies in a sub-national unit, nearest first.
    The EU is left out: its directives bind states, not people, and it can be compared by name."""
    parent_of = {each: row["parent"] for each, row in places.by_code.items()}
    return [each for each in also_applies(code, parent_of) if each != "EU"]


def is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def whole_number(value):
    """36.0 -> 36; anything not a whole number is returned as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def fine_of(row: dict) -> dict:
    """One coded fine: an amount with its currency or unit basis, else the coder's text."""
    amount = whole_number(row.get("fine_amount"))
    return {"amount": amount, "currency": row.get("fine_currency"), "basis": row.get("fine_basis"),
            "basis_words": FINE_BASIS_WORDS.get(row.get("fine_basis")), "text": row.get("answer")}


def distinct_fines(rows: list[dict]) -> list[dict]:
    """Every different fine, the largest amounts first, then those given only in words."""
    fines = {}
    for row in rows:
        fine = fine_of(row)
        fines.setdefault((fine["amount"], fine["currency"], fine["basis"], fine["text"] if fine["amount"] is None else None), fine)
    return sorted(fines.values(), key=lambda fine: (fine["amount"] is None, -(fine["amount"] or 0), fine["text"] or ""))


def contributing(rows: list[dict], question: dict, answer, number) -> list[dict]:
    """The coded answers a roll-up stands on: those giving the rolled-up answer (any_yes), the
    longest term (max), or all of them (list)."""
    if question.get("rollup") == "any_yes":
        return [row for row in rows if row["answer"] == answer]
    if question.get("rollup") == "max" and number is not None:
        return [row for row in rows if row.get("answer_number") is not None and float(row["answer_number"]) == float(number)]
    return rows


def cell(code: str, question: dict, group: str, rollup: dict | None, answers: list[dict]) -> dict:
    """One jurisdiction's answer to one question for one victim group, ready to show."""
    answer = (rollup or {}).get("answer")
    number = whole_number((rollup or {}).get("answer_number"))
    group_rows = [row for row in answers if row.get("scope") in (group, "both")]
    standing = contributing(group_rows, question, answer, number) if answer is not None else []
    statuses = {row.get("coding_status") for row in standing}
    status = None if not standing else ("verified" if statuses == {"verified"} else "suggested")
    fines = distinct_fines(standing) if question["id"] == "max_fine" else []
    return {
        "jurisdiction": code, "question_id": question["id"], "scope": group,
        "answer": answer, "number": number, "unit": UNITS.get(question["id"]) if number is not None else None,
        "fines": fines, "status": status,
        "suggested_count": sum(row.get("coding_status") == "suggested" for row in standing),
        # Why each suggested answer the cell stands on is only suggested (shown on the mark).
        "reasons": [{"instrument": row.get("citation") or row.get("instrument"), "reason": row["reason"]}
                    for row in standing if row.get("coding_status") == "suggested" and row.get("reason")],
        "supporting_provisions": provisions_listed((rollup or {}).get("supporting_provisions")),
        "instruments_coded": (rollup or {}).get("instruments_coded") or 0,
        "evidence_url": f"/jurisdiction/{code}#q-{question['id']}",
    }


async def rollups(db, codes: list[str], question_ids: list[str]) -> dict:
    """{(jurisdiction, question, group): comparison row} for the codes and questions asked."""
    if not codes or not question_ids:
        return {}
    params = {f"c{index}": code for index, code in enumerate(codes)}
    params.update({f"q{index}": qid for index, qid in enumerate(question_ids)})
    rows = await dicts(db, f"""
        select * from comparison
        where jurisdiction in ({", ".join(":c" + str(i) for i in range(len(codes)))})
          and question_id in ({", ".join(":q" + str(i) for i in range(len(question_ids)))})""", params)
    return {(row["jurisdiction"], row["question_id"], row.get("scope") or "adults"): row for row in rows}


async def coded(db, codes: list[str]) -> dict:
    """{(jurisdiction, question): the in-force coded answers} for the codes asked."""
    if not codes:
        return {}
    params = {f"c{index}": code for index, code in enumerate(codes)}
    rows = await dicts(db, f"""
        select * from jurisdiction_answers
        where jurisdiction in ({", ".join(":c" + str(i) for i in range(len(codes)))})
          and instrument_status = 'in_force'""", params)
    found = defaultdict(list)
    for row in with_reasons(rows, await stored_reasons(db, codes)):
        found[(row["jurisdiction"], row["question_id"])].append(row)
    return found


def provisions_listed(text: str | None) -> str | None:
    """The supporting provisions once each, in the view's order."""
    if not text:
        return text
    return "; ".join(dict.fromkeys(piece.strip() for piece in text.split(";") if piece.strip()))


def units_with_law(code: str, places: Directory, with_law: set[str]) -> list[str]:
    """The sub-national units directly under `code` that have law of their own tracked."""
    return sorted((each for each, row in places.by_code.items() if row["parent"] == code and each in with_law),
                  key=lambda each: places.by_code[each]["name"])


def units_summary(units: list[str], question: dict, whole: dict, places: Directory) -> dict | None:
    """What the units' own law answers, per victim group: each one by name when they are few,
    else how many give each answer (and the range, for numbers)."""
    if not units:
        return None
    # "its 1 provinces" read wrong: one unit is named by its kind in the singular.
    kinds = dict.fromkeys(PLURALS.get(places.by_code[each]["kind"], "units") if len(units) > 1
                          else places.by_code[each]["kind"].replace("_", " ") for each in units)
    summary = {"count": len(units), "kinds": " and ".join(kinds), "codes": units, "groups": []}
    for group in VICTIM_GROUPS:
        answers = [(each, (whole.get((each, question["id"], group)) or {}).get("answer")) for each in units]
        numbers = [float(row["answer_number"]) for each in units
                   if (row := whole.get((each, question["id"], group))) and row.get("answer_number") is not None]
        counted = {}
        for _, answer in answers:
            key = answer_key(answer) if answer is not None else "not coded"
            counted[key] = counted.get(key, 0) + 1
        summary["groups"].append({
            "scope": group,
            "named": [{"code": each, "name": places.by_code[each]["name"], "answer": answer,
                       "unit": UNITS.get(question["id"]) if is_number(answer) else None} for each, answer in answers]
                     if len(units) <= UNITS_NAMED else [],
            "counts": sorted(counted.items(), key=lambda item: (-item[1], item[0])),
            "range": (whole_number(min(numbers)), whole_number(max(numbers))) if numbers else None,
        })
    return summary


def place(code: str, places: Directory) -> dict:
    row = places.by_code[code]
    return {"code": code, "name": row["name"], "kind": row["kind"], "parent": row["parent"]}


async def compare(db, typed: list[str], question_ids: list[str]) -> dict:
    """Everything the page and /compare.json show."""
    places = await directory(db)
    codes, problems = resolve(places, typed)
    every_question = await dicts(db, "select * from codebook_questions order by position")
    asked = {qid for qid in question_ids or [] if qid and qid.strip()}
    questions = [question for question in every_question if not asked or question["id"] in asked]
    parents = {code: enclosing(code, places) for code in codes}
    involved = list(dict.fromkeys(codes + [each for chain in parents.values() for each in chain]))
    with_law = {row["jurisdiction"] for row in await dicts(db, "select distinct jurisdiction from instruments")}
    units = {code: units_with_law(code, places, with_law) for code in codes}
    question_ids = [question["id"] for question in questions]
    whole = await rollups(db, involved, question_ids)
    whole.update(await rollups(db, [each for found in units.values() for each in found if each not in involved], question_ids))
    answers = await coded(db, involved)

    def row_for(code: str, question: dict, applies_in: str | None = None) -> dict:
        return {**place(code, places), "applies_in": applies_in, "own_law_tracked": code in with_law,
                "units": None if applies_in else units_summary(units[code], question, whole, places),
                "cells": [cell(code, question, group, whole.get((code, question["id"], group)),
                               answers.get((code, question["id"]), [])) for group in VICTIM_GROUPS]}

    return {
        "jurisdictions": [{**place(code, places), "also_applies": [place(each, places) for each in parents[code]]}
                          for code in codes],
        "problems": problems,
        "every_question": every_question,
        "questions": [{**question,
                       "rows": [row for code in codes for row in
                                [row_for(code, question)] + [row_for(each, question, code) for each in parents[code]]]}
                      for question in questions],
        "groups": VICTIM_GROUPS,
        "unknown_questions": sorted(asked - {question["id"] for question in every_question}),
        "limit": MAX_JURISDICTIONS,
    }


def as_json(context: dict) -> dict:
    """The comparison as data: one record per jurisdiction, question and victim group."""
    return {
        "jurisdictions": context["jurisdictions"],
        "not_found": [problem["typed"] for problem in context["problems"] if not problem["candidates"]],
        "ambiguous": {problem["typed"]: [each["code"] for each in problem["candidates"]]
                      for problem in context["problems"] if problem["candidates"]},
        "questions": [{"id": question["id"], "label": question["label"], "position": question["position"]}
                      for question in context["questions"]],
        "answers": [{**each, "jurisdiction_name": row["name"], "applies_in": row["applies_in"],
                     "own_law_tracked": row["own_law_tracked"],
                     "question": question["label"]}
                    for question in context["questions"] for row in question["rows"] for each in row["cells"]],
        # What the sub-national units' own law answers, under each country that has them.
        "units": [{"jurisdiction": row["code"], "question_id": question["id"], "unit_count": row["units"]["count"],
                   "scope": group["scope"], "named": group["named"], "counts": dict(group["counts"]),
                   "range": group["range"]}
                  for question in context["questions"] for row in question["rows"] if row["units"]
                  for group in row["units"]["groups"]],
    }


CSV_COLUMNS = ["jurisdiction", "jurisdiction_name", "applies_in", "question_id", "question", "scope", "answer",
               "number", "unit", "fines", "status", "supporting_provisions", "instruments_coded", "why_suggested", "evidence_url"]


def as_csv(context: dict) -> str:
    """The comparison as one row per jurisdiction, question and victim group; `number` holds
    prison terms and deadlines as whole numbers, `fines` each fine as "amount currency"."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in as_json(context)["answers"]:
        fines = "; ".join(f"{fine['amount']} {fine['currency'] or fine['basis_words'] or fine['basis']}"
                          if fine["amount"] is not None else fine["text"] for fine in record["fines"])
        why = "; ".join(f"{each['instrument']}: {each['reason']}" for each in record["reasons"])
        writer.writerow({**record, "fines": fines, "why_suggested": why})
    return out.getvalue()
