"""Checks an item must pass before it is stored. Each failure is a readable reason."""

import re
from datetime import date

import pycountry

REQUIRED = {
    "instrument": ("id", "jurisdiction", "title", "official_url", "source"),
    "provision": ("id", "instrument_id", "label", "url", "source"),
    "case": ("id", "jurisdiction", "name", "url", "source"),
    "bill": ("id", "jurisdiction", "identifier", "url", "source"),
    "candidate": ("id", "title", "url", "source"),
}
# Dates that record something that already happened. (A date in force may be
# announced ahead, so `date_in_force` may lie in the future.)
PAST_DATES = ("date_enacted", "decision_date", "status_date", "published", "valid_from")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        problem = check_date(record.get(field), field, today)
        if problem:
            found.append(problem)
    problem = check_date(record.get("date_in_force"), "date_in_force", today, allow_future=True)
    if problem:
        found.append(problem)
    return found
