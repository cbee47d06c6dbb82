"""How much of the tracked law in force a crawl really fetches: the bar of issues 7 and 8.

An instrument counts when its curated entry names a spider source AND a crawl of that
source against its fixtures stores the text of at least one of its provisions. Naming a
source is not enough: a source that fails on the page, or a fixture that lacks it, does not
count. The figures print with `pytest -s`; each region has its floor.
"""

from collections import Counter

import pytest
import yaml

from crawlers.registry.curated import find_data_dir

# Issue 8: the Americas and Asia-Pacific. Issue 7: the UK, the EU, the Council of Europe
# and the European states.
AMERICAS_APAC = ("US", "CA", "AU", "NZ", "KR")
EUROPE = ("GB", "EU", "COE", "AT", "BE", "DE", "DK", "ES", "FR", "GR", "IE", "IT", "NL", "PL", "PT", "SE")


def in_force(prefixes) -> list[dict]:
    entries = []
    for path in sorted((find_data_dir(None) / "instruments").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            country = entry["jurisdiction"].split("-")[0]
            if country in prefixes and entry.get("status") == "in_force":
                entries.append(entry)
    return entries


def stored_texts(crawled_templates, source: str) -> set[str]:
    """The instruments a fixture crawl of `source` stored provision text for."""
    import sqlite3

    db, _, _ = crawled_templates(source)
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute(
            "SELECT DISTINCT instrument_id FROM provisions WHERE source = ? AND trim(COALESCE(text, '')) != ''",
            [source])}


def coverage(crawled_templates, prefixes) -> tuple[Counter, Counter, list[str]]:
    entries = in_force(prefixes)
    named = [entry for entry in entries if entry.get("source", "curated") != "curated"]
    stored: dict[str, set[str]] = {}
    counted, total, missing = Counter(), Counter(), []
    for entry in entries:
        country = entry["jurisdiction"].split("-")[0]
        total[country] += 1
        if entry not in named:
            continue
        source = entry["source"]
        if source not in stored:
            stored[source] = stored_texts(crawled_templates, source)
        if entry["id"] in stored[source]:
            counted[country] += 1
        else:
            missing.append(f"{entry['id']} ({source})")
    return counted, total, missing


def report(title: str, counted: Counter, total: Counter, missing: list[str]) -> float:
    share = sum(counted.values()) / sum(total.values())
    print(f"\n{title}: {sum(counted.values())} of {sum(total.values())} in force fetched with text ({share:.1%})")
    for country in sorted(total):
        print(f"  {country}: {counted[country]} of {total[country]}")
    for line in missing:
        print(f"  named but no text stored by its fixture crawl: {line}")
    return share


@pytest.mark.parametrize("title, prefixes, floor", [
    ("US, Canada, Australia, New Zealand, Korea (issue 8)", AMERICAS_APAC, 0.78),
    ("Europe: the UK, the EU, the Council of Europe and European states (issue 7)", EUROPE, 0.90),
])
def test_tracked_law_in_force_is_fetched_with_its_text(crawled_templates, title, prefixes, floor):
    counted, total, missing = coverage(crawled_templates, prefixes)
    assert report(title, counted, total, missing) >= floor
    # A source named in the registry must deliver in its own fixture crawl.
    assert not missing
