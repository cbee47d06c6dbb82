"""Checks an item must pass before it is stored. Each failure is a readable reason.

The store runs these on every record, inside the batch's transaction, so a record
refused here is counted and recorded with the rest of the batch."""

import re
from datetime import date
from functools import lru_cache

import pycountry

from .items import ITEM_CLASSES, required_fields
from .vocabulary import BILL_ACTIONS, IDENTIFIER_SCHEMES, INSTRUMENT_RELATIONS, SPONSOR_ROLES

# Derived from the items' declarations: one definition of what is required.
REQUIRED = {kind: required_fields(kind) for kind in ITEM_CLASSES}
# Dates that record something that already happened. (A date in force may be
# announced ahead, so `date_in_force` may lie in the future, as may `valid_to`.)
PAST_DATES = ("date_enacted", "decision_date", "status_date", "published", "valid_from")
FUTURE_DATES = ("date_in_force", "valid_to")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What each entry of a list field must hold, and the vocabulary of its enumerated key.
LIST_ENTRIES = {
    "identifiers": (("scheme", "value"), "scheme", IDENTIFIER_SCHEMES),
    "links": (("relation", "target"), "relation", INSTRUMENT_RELATIONS),
    "actions": (("action",), "action", BILL_ACTIONS),
    "sponsors": (("name", "role"), "role", SPONSOR_ROLES),
    "citations": (("instrument_id",), None, ()),
}


@lru_cache(maxsize=512)
def is_language(code: str) -> bool:
    return bool(code) and pycountry.languages.get(alpha_2=code) is not None


def check_date(value, field: str, today: date | None = None, allow_future: bool = False) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return f"{field} {value!r} is not an ISO date (YYYY-MM-DD)"
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return f"{field} {value!r} is not a real date"
    if not allow_future and parsed > (today or date.today()):
        return f"{field} {value} is in the future"
    return None


def list_problems(field: str, entries) -> list[str]:
    if not isinstance(entries, (list, tuple)):
        return [f"{field} must be a list"]
    keys, enumerated, vocabulary = LIST_ENTRIES[field]
    found = []
    for entry in entries:
        if not isinstance(entry, dict) or any(not entry.get(key) for key in keys):
            found.append(f"{field} entry {entry!r} needs {', '.join(keys)}")
        elif enumerated and entry[enumerated] not in vocabulary:
            found.append(f"{field} {enumerated} {entry[enumerated]!r} not one of {list(vocabulary)}")
        elif field == "actions" and check_date(entry.get("date"), "action date", allow_future=True):
            found.append(check_date(entry.get("date"), "action date", allow_future=True))
    return found


def problems(record: dict, known_jurisdictions: set[str], today: date | None = None) -> list[str]:
    """Every reason this record cannot be stored (empty when it is fine)."""
    kind = record["type"]
    found = [f"missing {field}" for field in REQUIRED[kind] if not record.get(field)]
    jurisdiction = record.get("jurisdiction")
    if jurisdiction and jurisdiction not in known_jurisdictions:
        found.append(f"unknown jurisdiction {jurisdiction!r}")
    language = record.get("language")
    if language and not is_language(language):
        found.append(f"unknown language code {language!r}")
    for field in PAST_DATES:
        if record.get(field):
            problem = check_date(record[field], field, today)
            if problem:
                found.append(problem)
    for field in FUTURE_DATES:
        if record.get(field):
            problem = check_date(record[field], field, today, allow_future=True)
            if problem:
                found.append(problem)
    for field in LIST_ENTRIES:
        if record.get(field):
            found.extend(list_problems(field, record[field]))
    return found
