"""The curated data in `data/`: read it, check it, load it into the database.

People edit `data/` by hand (see `data/README.md`); this module is the only code
that reads it. `check()` returns every problem as a readable line, so that
`sii-atlas check-data`, the build and the tests share one set of rules.

Every build replaces the curated tables exactly with what the files say,
writing only the rows that differ; crawled values live in tables of their own
and the served tables merge both (see `load_into`), so a build never blanks
what a crawl stored and a value deleted in data/ leaves the database.
"""

import csv
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pycountry
import yaml

from .. import vocabulary
from ..store import served
from ..store.schema import MATRIX_VIEWS, comparison_matrix_sql, transaction
from ..validation import check_date, is_language

# A checkout keeps data/ beside the package; an installed package has no data/ of its own.
SOURCE_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DATA_MARKER = "codebook.yaml"  # a folder holding this file is a curated data folder

# libyaml parses the curated files several times faster than pure Python and builds the
# same values (same safe constructor and resolver: dates stay dates, yes/no stay booleans).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INSTRUMENT_KINDS = set(vocabulary.INSTRUMENT_KINDS)
STATUSES = {"in_force", "enacted_not_in_force", "pending", "failed", "repealed"}
JURISDICTION_KINDS = {"country", "state", "province", "territory", "nation", "legal_jurisdiction", "supranational"}
REGIONS = {"Europe", "North America", "Latin America", "Asia", "Oceania", "Africa", "Middle East", "International"}
CODING_STATUSES = {"verified", "suggested"}
YES_NO = {"yes", "no", "unclear"}
SCOPES = set(vocabulary.ANSWER_SCOPES)
FINE_BASES = set(vocabulary.FINE_BASES)
# What an instrument's offence is: made for intimate images (the default), or a
# general offence (harassment, defamation, privacy, obscenity) applied to them.
INSTRUMENT_BASES = {"specific_offence", "general_offence"}
# The scope each answer of the age question implies for its instrument.
SCOPE_OF_AGES = {"minors_only": "minors", "adults_only": "adults", "any_age": "both"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")

# The places that must each have an instrument or a coverage finding (refused otherwise):
# US states and territories. Any other jurisdiction without either gets a notice.
MUST_BE_ACCOUNTED_FOR = {("US", "state"), ("US", "territory")}


@dataclass(frozen=True)
class Field:
    """One field of a curated entry: the check, the table and data/README.md all follow it."""
    name: str
    required: bool
    meaning: str


# data/help_routes/<pack>.yaml: where a victim can turn, per jurisdiction. The
# `help_routes` table has exactly these columns (schema migration 7) and data/README.md
# documents each one (both tested).
HELP_ROUTE_FIELDS = (
    Field("id", True, "unique, lowercase letters, digits and hyphens; the jurisdiction code first (`au-esafety-image-based-abuse`)"),
    Field("jurisdiction", True, f"a code of `jurisdictions/*.csv`, or `{vocabulary.INTERNATIONAL}` for a service open to people anywhere"),
    Field("name", True, "the body or service as it names itself, in `language`"),
    Field("name_en", True, "its name in English"),
    Field("language", True, "ISO 639-1 of `name`"),
    Field("kind", True, " | ".join(vocabulary.HELP_ROUTE_KINDS)),
    Field("orders_removal", True, '"yes" when the law lets it order removal or enforce a platform\'s duty to remove; '
                                  '"no" when it can only ask, report, hash or support'),
    Field("audience", True, "whose images it takes: `adults`, `minors` or `both`"),
    Field("removal_deadline_hours", False, "the whole number of hours the law gives a platform to remove once notified "
                                           "or ordered (unquoted); omit where the law sets none"),
    Field("instrument", False, "the id of the tracked instrument that gives the power or the deadline; required with "
                               "`removal_deadline_hours`"),
    Field("url", True, "the official page where a victim reports or asks for help (a service's own site root, "
                       "such as stopncii.org, is accepted)"),
    Field("summary", True, "one or two sentences in our own words: what it does for a victim"),
    Field("evidence_url", True, "the official page where the facts were checked (can be `url`); not a site's home "
                                "page unless `uncertain` says 'home page'"),
    Field("verified_on", True, "when they were checked (ISO date)"),
    Field("uncertain", False, 'what stays doubtful, in plain words; "" when nothing'),
)
HELP_ROUTE_COLUMNS = tuple(each.name for each in HELP_ROUTE_FIELDS)

# data/coverage/<pack>.yaml: what a search of a jurisdiction's law found, so that "no law
# tracked" says whether anyone looked. The `coverage_findings` table has exactly these
# columns (schema migration 10) and data/README.md documents each one (both tested).
COVERAGE_FIELDS = (
    Field("jurisdiction", True, "a code of `jurisdictions/*.csv`; one finding per jurisdiction"),
    Field("finding", True, " | ".join(f"`{kind}` ({meaning})"
                                      for kind, meaning in vocabulary.COVERAGE_FINDING_MEANINGS.items())),
    Field("searched_on", True, "when the search was made (ISO date)"),
    Field("searched", True, "what was searched, in our own words: which official sites, databases and terms, "
                            "or that they were not recorded"),
    Field("leads", False, "what the search turned up (bills, reports, general laws), a list of `{title, url}`; "
                          "`url` the official address where known, omitted where none is; at least one for "
                          "`bill_only`"),
    Field("note", False, 'what the search leaves open, in plain words; "" when nothing'),
)
COVERAGE_COLUMNS = tuple(each.name for each in COVERAGE_FIELDS)
LEAD_KEYS = ("title", "url")


@dataclass
class CuratedData:
    sources: list[dict] = field(default_factory=list)
    project_codes: dict[str, str] = field(default_factory=dict)
    jurisdictions: list[dict] = field(default_factory=list)
    codebook: list[dict] = field(default_factory=list)
    instruments: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    help_routes: list[dict] = field(default_factory=list)
    coverage: list[dict] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def iso(value):
    """YAML reads 2024-05-21 as a date; the database stores ISO strings."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def normalised(entry: dict) -> dict:
    return {key: iso(value) for key, value in entry.items()}


def answer_text(value) -> str:
    # Plain YAML turns bare yes/no into booleans.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value).strip()


def coded(entry: dict) -> list[tuple[str, dict]]:
    """An instrument's answers as (question id, answer), each answer with its scope:
    its own `scope`, else the instrument's. A question answered apart for adults and
    minors holds a list of answers, one per scope."""
    found = []
    for question_id, given in (entry.get("coding") or {}).items():
        for answer in given if isinstance(given, list) else [given]:
            if isinstance(answer, dict):
                answer = {**answer, "scope": answer.get("scope") or entry.get("scope")}
            found.append((question_id, answer))
    return found


def read_yaml(path: Path):
    with path.open("rb") as handle:  # bytes: libyaml decodes UTF-8 itself
        return yaml.load(handle, Loader=YAML_LOADER)


def read_yaml_list(folder: Path) -> list[dict]:
    entries = []
    for path in sorted(folder.glob("*.yaml")):
        for entry in read_yaml(path) or []:
            entries.append({**normalised(entry), "pack": path.stem})
    return entries


def read_jurisdictions(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append({key: (value or "").strip() for key, value in row.items() if key}
                            | {"pack": path.stem})
    return rows


class DataNotFound(LookupError):
    """No curated data folder where we looked; the message says where and how to fix it."""


def find_data_dir(explicit: Path | str | None = None) -> Path:
    """The curated data folder: `explicit` (the CLI's --data), else $SII_ATLAS_DATA, else a
    data/ holding codebook.yaml in the current directory, else the one beside the package
    source (an editable checkout). An explicit or environment choice is never second-guessed
    by a fallback: if it is wrong, the user hears so."""
    for origin, chosen in (("--data", explicit), ("$SII_ATLAS_DATA", os.environ.get("SII_ATLAS_DATA"))):
        if chosen:
            folder = Path(chosen).expanduser().resolve()
            if not (folder / DATA_MARKER).is_file():
                raise DataNotFound(f"{origin} {folder}: no {DATA_MARKER} there; "
                                   f"point it at the curated data folder (the repository's data/)")
            return folder
    candidates = [Path.cwd() / "data", SOURCE_DATA_DIR]
    for folder in candidates:
        if (folder / DATA_MARKER).is_file():
            return folder
    looked = ", ".join(str(folder) for folder in dict.fromkeys(candidates))
    raise DataNotFound(f"no curated data folder found (looked for {DATA_MARKER} in {looked}); "
                       f"pass --data DIR or set $SII_ATLAS_DATA to the repository's data/ folder")


def load(data_dir: Path | None = None) -> CuratedData:
    from ..sources import source_rows  # sources with a spider are declared in their modules

    data_dir = find_data_dir(data_dir)
    return CuratedData(
        sources=source_rows(read_yaml(data_dir / "sources.yaml")),
        project_codes=read_yaml(data_dir / "project_codes.yaml"),
        jurisdictions=read_jurisdictions(data_dir / "jurisdictions"),
        codebook=read_yaml(data_dir / "codebook.yaml")["questions"],
        instruments=read_yaml_list(data_dir / "instruments"),
        cases=read_yaml_list(data_dir / "cases"),
        help_routes=read_yaml_list(data_dir / "help_routes"),
        coverage=read_yaml_list(data_dir / "coverage"),
    )


@lru_cache(maxsize=4)
def _instruments(data_dir: str) -> tuple:
    return tuple(read_yaml_list(Path(data_dir) / "instruments"))


def tracked_instruments(source: str, data_dir: Path | None = None) -> list[dict]:
    """The curated instruments a spider fetches, with the identifier it uses."""
    return [i for i in _instruments(str(find_data_dir(data_dir))) if i.get("source") == source and i.get("source_identifier")]


def provision_id(instrument_id: str, provision: dict) -> str:
    """The id a provision has in the database: the spider's key when it has one."""
    return f"{instrument_id}/{provision.get('key') or provision['label']}"


# --------------------------------------------------------------------------- checking


def is_known_code(code: str, project_codes: dict) -> bool:
    if code in project_codes:
        return True
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code) is not None
    return pycountry.subdivisions.get(code=code) is not None


def on_domains(url: str, domains: set[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def is_home_page(url: str) -> bool:
    """A site's front page (no path, no query) names no law: it cannot be an instrument's address."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def declares_home_page(entry: dict) -> bool:
    """The curators' own note that no deeper official address is known yet."""
    return "home page" in str(entry.get("uncertain") or "").lower()


def official_domains(jurisdictions: dict[str, dict], code: str) -> set[str]:
    """A jurisdiction's declared domains plus those of every enclosing jurisdiction."""
    domains: set[str] = set()
    seen = set()
    while code and code in jurisdictions and code not in seen:
        seen.add(code)
        domains.update(jurisdictions[code].get("official_domains", "").lower().split())
        code = jurisdictions[code].get("parent")
    return domains


def check(data: CuratedData, today: date | None = None) -> list[str]:
    """Every problem in the curated data, one readable line each (empty: all good)."""
    problems: list[str] = []
    today = today or date.today()
    source_ids = {source["id"] for source in data.sources}

    jurisdictions: dict[str, dict] = {}
    for row in data.jurisdictions:
        where = f"jurisdictions/{row['pack']}.csv {row.get('code')!r}"
        code = row.get("code", "")
        if code in jurisdictions:
            problems.append(f"{where}: duplicate jurisdiction (also in {jurisdictions[code]['pack']}.csv)")
        jurisdictions[code] = row
        if not is_known_code(code, data.project_codes):
            problems.append(f"{where}: not an ISO 3166 code nor one declared in project_codes.yaml")
        if row.get("kind") not in JURISDICTION_KINDS:
            problems.append(f"{where}: kind {row.get('kind')!r} not one of {sorted(JURISDICTION_KINDS)}")
        if row.get("region") not in REGIONS:
            problems.append(f"{where}: region {row.get('region')!r} not one of {sorted(REGIONS)}")
        for language in row.get("languages", "").split():
            if not is_language(language):
                problems.append(f"{where}: unknown language code {language!r}")
        try:
            latitude, longitude = float(row.get("latitude")), float(row.get("longitude"))
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                problems.append(f"{where}: point ({latitude}, {longitude}) off the globe")
        except (TypeError, ValueError):
            problems.append(f"{where}: latitude/longitude missing or not numbers")
        if not row.get("official_domains"):
            problems.append(f"{where}: no official_domains declared")
    for code, row in jurisdictions.items():
        if row.get("parent") and row["parent"] not in jurisdictions:
            problems.append(f"jurisdictions/{row['pack']}.csv {code!r}: parent {row['parent']!r} is not a jurisdiction")

    questions = {question["id"]: question for question in data.codebook}
    for question_id in questions:
        if not QUESTION_ID.match(question_id):
            problems.append(f"codebook.yaml: question id {question_id!r} must be lowercase letters, digits and _")
    used_questions: set[str] = set()
    instrument_ids: dict[str, str] = {}
    citations: dict[tuple, str] = {}
    for entry in data.instruments:
        the_id = entry.get("id") or "?"
        where = f"instruments/{entry['pack']}.yaml {the_id!r}"
        if the_id in instrument_ids:
            problems.append(f"{where}: duplicate instrument id (also in {instrument_ids[the_id]}.yaml)")
        instrument_ids[the_id] = entry["pack"]
        if not ID_PATTERN.match(the_id):
            problems.append(f"{where}: id must be lowercase letters, digits and hyphens")
        citation_key = (entry.get("jurisdiction"), " ".join(str(entry.get("citation", "")).lower().split()))
        if citation_key[1]:
            if citation_key in citations:
                problems.append(f"{where}: same jurisdiction and citation as {citations[citation_key]!r} (duplicate instrument)")
            citations[citation_key] = the_id
        is_model = entry.get("kind") == vocabulary.MODEL_KIND
        for required in ("jurisdiction", "title", "title_en", "citation", "kind", "official_url", "language", "summary", "evidence_url", "verified_on"):
            if not entry.get(required):
                problems.append(f"{where}: missing {required}")
        if is_model:
            problems.extend(f"{where}: {p}" for p in model_problems(entry))
        elif not entry.get("status"):
            problems.append(f"{where}: missing status")
        code = entry.get("jurisdiction")
        if code and code not in jurisdictions:
            problems.append(f"{where}: unknown jurisdiction {code!r}")
        if entry.get("language") and not is_language(entry["language"]):
            problems.append(f"{where}: unknown language code {entry['language']!r}")
        if entry.get("kind") and entry["kind"] not in INSTRUMENT_KINDS:
            problems.append(f"{where}: kind {entry['kind']!r} not one of {sorted(INSTRUMENT_KINDS)}")
        if entry.get("status") and entry["status"] not in STATUSES:
            problems.append(f"{where}: status {entry['status']!r} not one of {sorted(STATUSES)}")
        if entry.get("source") and entry["source"] not in source_ids:
            problems.append(f"{where}: unknown source {entry['source']!r}")
        for field_name in ("date_enacted", "verified_on"):
            problem = check_date(entry.get(field_name), field_name, today)
            if problem:
                problems.append(f"{where}: {problem}")
        problem = check_date(entry.get("date_in_force"), "date_in_force", today, allow_future=True)
        if problem:
            problems.append(f"{where}: {problem}")
        if entry.get("date_enacted") and entry.get("date_in_force") and not problem:
            if str(entry["date_in_force"]) < str(entry["date_enacted"]):
                problems.append(f"{where}: in force ({entry['date_in_force']}) before enacted ({entry['date_enacted']})")
        if entry.get("status") == "in_force" and entry.get("date_in_force") and str(entry["date_in_force"]) > today.isoformat():
            problems.append(f"{where}: status in_force but date_in_force {entry['date_in_force']} is in the future")
        url = entry.get("official_url")
        if url and code in jurisdictions:
            # A model act lives on its drafter's site, not on any government's.
            domains = (set(str(entry.get("drafter_domains") or "").lower().split()) if is_model
                       else official_domains(jurisdictions, code))
            if not on_domains(url, domains):
                owner = "its drafter (drafter_domains)" if is_model else code
                problems.append(f"{where}: official_url {url} is not on the official domains of {owner} ({' '.join(sorted(domains))})")
        if entry.get("source") == "legislation_gov_uk" and entry.get("source_identifier"):
            spider_id = legislation_gov_uk_key(entry["source_identifier"])
            if the_id != spider_id:
                problems.append(f"{where}: an instrument the legislation.gov.uk spider fetches must have its id {spider_id!r}")
        for field_name in ("official_url", "evidence_url"):
            if entry.get(field_name) and is_home_page(entry[field_name]) and not declares_home_page(entry):
                problems.append(f"{where}: {field_name} {entry[field_name]} is a site's home page; give the law's own "
                                "address (or, while none is known, say so in `uncertain`: 'home page')")
        if entry.get("scope") is not None and entry["scope"] not in SCOPES:
            problems.append(f"{where}: scope {entry['scope']!r} not one of {sorted(SCOPES)}")
        if entry.get("basis") is not None and entry["basis"] not in INSTRUMENT_BASES:
            problems.append(f"{where}: basis {entry['basis']!r} not one of {sorted(INSTRUMENT_BASES)}")
        labels = {str(p.get("label")) for p in entry.get("provisions") or []}
        if not labels:
            problems.append(f"{where}: no key provisions listed")
        for provision in entry.get("provisions") or []:
            if not provision.get("label"):
                problems.append(f"{where}: a provision without a label")
            keywords = provision.get("keywords")
            if keywords is not None and not (isinstance(keywords, list) and all(isinstance(k, str) and k.strip() for k in keywords)):
                problems.append(f"{where} provision {provision.get('label')}: keywords must be a list of words")
        coding = entry.get("coding") or {}
        if entry.get("status") in ("in_force", "enacted_not_in_force") and not coding:
            problems.append(f"{where}: {entry['status']} but not coded")
        scopes_given: dict[str, list[str]] = {}
        for question_id, answer in coded(entry):
            used_questions.add(question_id)
            problems.extend(f"{where} coding {question_id}: {p}" for p in answer_problems(question_id, answer, questions, labels))
            if isinstance(answer, dict):
                scopes_given.setdefault(question_id, []).append(answer.get("scope"))
                if (question_id == "explicit_synthetic" and entry.get("basis") == "general_offence"
                        and answer_text(answer.get("answer", "")) == "yes"):
                    problems.extend(f"{where} coding {question_id}: {p}"
                                    for p in general_offence_problems(answer, {c.get("id") for c in data.cases}))
        for question_id, scopes in scopes_given.items():
            if len(scopes) > 1 and ("both" in scopes or len(set(scopes)) < len(scopes)):
                problems.append(f"{where} coding {question_id}: answers for overlapping scopes {scopes}; "
                                "one answer for `both`, or one for `adults` and one for `minors`")
        ages = coding.get("minors_specific")
        if isinstance(ages, dict) and entry.get("scope") in SCOPES:
            implied = SCOPE_OF_AGES.get(answer_text(ages.get("answer", "")))
            if implied and implied != entry["scope"]:
                problems.append(f"{where}: scope {entry['scope']!r} but minors_specific says "
                                f"{answer_text(ages['answer'])!r} (scope {implied!r})")

    for question_id in questions:
        if question_id not in used_questions:
            problems.append(f"codebook.yaml: question {question_id!r} is never used in any coding")

    problems.extend(help_route_problems(data, jurisdictions, set(instrument_ids), today))
    problems.extend(coverage_problems(data, jurisdictions, today))
    # No law tracked must never leave open whether anyone looked: a US state or
    # territory needs an instrument or a recorded search (data/coverage/).
    problems.extend(f"jurisdictions: {row['code']} ({row['name']}), a US {row['kind']}, has neither an instrument "
                    f"entry nor a coverage finding (coverage/{row['pack']}.yaml)"
                    for row in unaccounted(data) if (row.get("parent"), row.get("kind")) in MUST_BE_ACCOUNTED_FOR)
    # Every suggested answer says what it was inferred from and why the official
    # text could not be read: a reader must be able to judge it.
    problems.extend(f"{where}: a suggested answer gives no `reason` (why inferred, from what)"
                    for where in suggested_without_reason(data))

    case_ids = set()
    for case in data.cases:
        where = f"cases/{case['pack']}.yaml {case.get('id')!r}"
        if case.get("id") in case_ids:
            problems.append(f"{where}: duplicate case id")
        case_ids.add(case.get("id"))
        for required in ("id", "jurisdiction", "court", "decision_date", "name", "url", "language", "summary"):
            if not case.get(required):
                problems.append(f"{where}: missing {required}")
        if case.get("jurisdiction") and case["jurisdiction"] not in jurisdictions:
            problems.append(f"{where}: unknown jurisdiction {case['jurisdiction']!r}")
        if case.get("language") and not is_language(case["language"]):
            problems.append(f"{where}: unknown language code {case['language']!r}")
        problem = check_date(case.get("decision_date"), "decision_date", today)
        if problem:
            problems.append(f"{where}: {problem}")
        crawler, crawl_key = crawler_case_key(case.get("url") or "")
        if crawl_key and case.get("id") != crawl_key:
            problems.append(f"{where}: a {crawler} decision must use the crawler's id {crawl_key!r}, "
                            "so that the crawl completes this row instead of adding a second one")
        for instrument in case.get("instruments") or []:
            if instrument not in instrument_ids:
                problems.append(f"{where}: unknown instrument {instrument!r}")
    return problems


def crawler_case_key(url: str) -> tuple[str | None, str | None]:
    """(source, id) of the case-law crawler that names the decision at this URL."""
    from ..sources import CONTRACTS

    for source, contract in sorted(CONTRACTS.items()):
        key = contract.case_id_for_url(url) if contract.case_id_for_url else None
        if key:
            return source, key
    return None, None


def find_case_law_key(url: str) -> str | None:
    """The id the find_case_law spider gives the decision at this URL (None elsewhere)."""
    from ..sources import CONTRACTS

    return CONTRACTS["find_case_law"].case_id_for_url(url)


def legislation_gov_uk_key(source_identifier: str) -> str | None:
    """The id the legislation_gov_uk spider gives the instrument `ukpga/2003/42`."""
    from ..sources import CONTRACTS

    return CONTRACTS["legislation_gov_uk"].curated_instrument_id(source_identifier)


def answer_problems(question_id: str, answer, questions: dict, labels: set[str]) -> list[str]:
    if question_id not in questions:
        return ["not a codebook question"]
    if not isinstance(answer, dict):
        return ["must be a mapping with answer, provision, evidence, status"]
    found = []
    question = questions[question_id]
    value = answer_text(answer.get("answer", ""))
    kind = question["answer_type"]
    if value == "":
        found.append("no answer")
    elif kind == "yes_no" and value not in YES_NO:
        found.append(f"answer {value!r} must be yes, no or unclear")
    elif kind == "enum" and value not in question["choices"] and value != "unclear":
        found.append(f"answer {value!r} must be one of {question['choices']}")
    elif kind == "number" and value != "unclear":
        raw = answer.get("answer")
        if isinstance(raw, str):
            found.append(f"answer {value!r} is a number stored as text: write it unquoted (or \"unclear\")")
        elif isinstance(raw, bool) or not isinstance(raw, int):
            found.append(f"answer {value!r} must be a whole number ({question.get('unit') or 'months, hours'}) or unclear")
        elif raw < 0:
            found.append(f"answer {value!r} must not be negative")
    if answer.get("scope") is None:
        found.append("answer without scope (set `scope:` on the instrument or the answer)")
    elif answer["scope"] not in SCOPES:
        found.append(f"scope {answer['scope']!r} must be one of {sorted(SCOPES)}")
    if question.get("structure") == "fine":
        found.extend(fine_problems(answer, value))
    if "reason" in answer and not str(answer.get("reason") or "").strip():
        found.append("an empty reason: say why the answer is suggested, or leave `reason` out")
    if not str(answer.get("evidence") or "").strip():
        found.append("answer without evidence")
    provision = str(answer.get("provision") or "")
    if not provision:
        found.append("answer without a supporting provision")
    elif provision != "whole" and provision not in labels:
        found.append(f"provision {provision!r} is not one of the instrument's provisions {sorted(labels)}")
    if answer.get("status") not in CODING_STATUSES:
        found.append(f"status {answer.get('status')!r} must be verified or suggested")
    return found


FINE_WRITTEN = (
    # "EUR 45000", "USD 5000 (repeat offence)": an amount of money.
    (re.compile(r"^(?P<currency>[A-Z]{3}) (?P<amount>\d+)(?: \((?!minimum)[^()]*\))?$"), "fixed"),
    # "500 penalty units (civil penalty)": statutory units whose value the law sets elsewhere.
    (re.compile(r"^(?P<amount>\d+) penalty units(?: \([^()]*\))?$"), "penalty_units"),
    # "360 daily units": day-fines, the amount per day set by the court.
    (re.compile(r"^(?P<amount>\d+) (?:daily units|day-fine units|daily rates)(?: \([^()]*\))?$"), "daily_units"),
)


def written_fine(text: str) -> dict | None:
    """The fine an answer states plainly, as amount, currency and basis; None for what
    has no single amount ("unlimited", a share of turnover, a range, a category)."""
    for pattern, basis in FINE_WRITTEN:
        match = pattern.match(text)
        if match:
            return {"amount": int(match["amount"]), "currency": match.groupdict().get("currency"), "basis": basis}
    return None


def structured_fine(answer: dict) -> dict | None:
    """A fine answer's amount, currency and basis: its own `fine:` mapping when the text
    cannot be read plainly, else what the text says."""
    return answer.get("fine") or written_fine(answer_text(answer.get("answer", "")))


def fine_problems(answer: dict, value: str) -> list[str]:
    given = answer.get("fine")
    if given is None:
        return []
    if not isinstance(given, dict):
        return ["fine must be a mapping {amount, currency, basis}"]
    found = []
    amount, currency, basis = given.get("amount"), given.get("currency"), given.get("basis")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        found.append(f"fine amount {amount!r} must be a whole number")
    if basis not in FINE_BASES:
        found.append(f"fine basis {basis!r} must be one of {sorted(FINE_BASES)}")
    if basis == "fixed" and not currency:
        found.append("a fixed fine needs its ISO 4217 currency")
    if currency and pycountry.currencies.get(alpha_3=str(currency)) is None:
        found.append(f"fine currency {currency!r} is not an ISO 4217 code")
    written = written_fine(value)
    if written and written != {"amount": amount, "currency": currency, "basis": basis}:
        found.append(f"fine {given} disagrees with the answer's own words {value!r}")
    return found


def general_offence_problems(answer: dict, case_ids: set) -> list[str]:
    """A general offence reaches made or altered images only on evidence: the provision's
    own words (`words:`, a few words of it naming such images) or a decision applying it
    to them (`decision:`, the id of a curated case)."""
    words, decision = str(answer.get("words") or "").strip(), answer.get("decision")
    if decision is not None and decision not in case_ids:
        return [f"decision {decision!r} is not a curated case id"]
    if not words and decision is None:
        return ["a general offence answers \"yes\" only with `words:` (the provision's words naming made or "
                "altered images) or `decision:` (a curated case applying it to them); else answer \"unclear\""]
    if len(words) > 200:
        return ["`words:` quotes a few words of the provision, not the text"]
    return []


def model_problems(entry: dict) -> list[str]:
    """A model act is recommended by its drafter and in force nowhere: it has no status
    and no enactment dates (its year goes in the citation), and its address is on the
    drafter's own site, declared in `drafter_domains`."""
    found = []
    if entry.get("status"):
        found.append(f"a model is law nowhere: remove status {entry['status']!r}")
    for field_name in ("date_enacted", "date_in_force"):
        if entry.get(field_name):
            found.append(f"a model is not enacted: remove {field_name} (give its year in the citation)")
    if not str(entry.get("drafter_domains") or "").strip():
        found.append("a model needs `drafter_domains`: the hosts of the body that drafted it")
    return found


def help_route_problems(data: CuratedData, jurisdictions: dict, instrument_ids: set, today: date) -> list[str]:
    """Every problem in data/help_routes/, one line each."""
    problems = []
    fields = {each.name: each for each in HELP_ROUTE_FIELDS}
    seen: dict[str, str] = {}
    addresses: dict[tuple, str] = {}
    for route in data.help_routes:
        the_id = str(route.get("id") or "?")
        where = f"help_routes/{route['pack']}.yaml {the_id!r}"
        if the_id in seen:
            problems.append(f"{where}: duplicate help route id (also in {seen[the_id]}.yaml)")
        seen[the_id] = route["pack"]
        if not ID_PATTERN.match(the_id):
            problems.append(f"{where}: id must be lowercase letters, digits and hyphens")
        for name in sorted(set(route) - set(fields) - {"pack"}):
            problems.append(f"{where}: unknown field {name!r} (the fields are {', '.join(fields)})")
        for each in HELP_ROUTE_FIELDS:
            if each.required and (route.get(each.name) is None or str(route.get(each.name)).strip() == ""):
                problems.append(f"{where}: missing {each.name}")
        code = route.get("jurisdiction")
        if code and code not in jurisdictions and code != vocabulary.INTERNATIONAL:
            problems.append(f"{where}: unknown jurisdiction {code!r} (a jurisdictions/*.csv code or {vocabulary.INTERNATIONAL})")
        if route.get("language") and not is_language(route["language"]):
            problems.append(f"{where}: unknown language code {route['language']!r}")
        if route.get("kind") and route["kind"] not in vocabulary.HELP_ROUTE_KINDS:
            problems.append(f"{where}: kind {route['kind']!r} not one of {list(vocabulary.HELP_ROUTE_KINDS)}")
        if route.get("orders_removal") is not None and answer_text(route["orders_removal"]) not in ("yes", "no"):
            problems.append(f"{where}: orders_removal {route['orders_removal']!r} must be \"yes\" or \"no\"")
        if route.get("audience") and route["audience"] not in SCOPES:
            problems.append(f"{where}: audience {route['audience']!r} not one of {sorted(SCOPES)}")
        hours = route.get("removal_deadline_hours")
        if hours is not None:
            if isinstance(hours, str):
                problems.append(f"{where}: removal_deadline_hours {hours!r} is a number stored as text: write it unquoted")
            elif isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0:
                problems.append(f"{where}: removal_deadline_hours {hours!r} must be a whole number of hours")
            if not route.get("instrument"):
                problems.append(f"{where}: a removal deadline needs `instrument`, the tracked law that sets it")
        if route.get("instrument") and route["instrument"] not in instrument_ids:
            problems.append(f"{where}: instrument {route['instrument']!r} is not a tracked instrument id")
        for name in ("url", "evidence_url"):
            address = str(route.get(name) or "")
            if not address:
                continue
            if urlsplit(address).scheme not in ("http", "https"):
                problems.append(f"{where}: {name} {address!r} is not a web address")
            # A reporting service may live at its own site's root (stopncii.org); the
            # evidence must name the page that states the facts.
            elif name == "evidence_url" and is_home_page(address) and not declares_home_page(route):
                problems.append(f"{where}: evidence_url {address} is a site's home page; give the page that states "
                                "the facts (or, while none is known, say so in `uncertain`: 'home page')")
        key = (code, str(route.get("url") or "").rstrip("/"))
        if key[1]:
            if key in addresses:
                problems.append(f"{where}: same jurisdiction and url as {addresses[key]!r} (duplicate help route)")
            addresses[key] = the_id
        problem = check_date(route.get("verified_on"), "verified_on", today)
        if problem:
            problems.append(f"{where}: {problem}")
    return problems


ENACTED = ("in_force", "enacted_not_in_force")


def coverage_problems(data: CuratedData, jurisdictions: dict, today: date) -> list[str]:
    """Every problem in data/coverage/, one line each."""
    problems = []
    fields = {each.name for each in COVERAGE_FIELDS}
    seen: dict[str, str] = {}
    enacted: dict[str, list[dict]] = {}
    for entry in data.instruments:
        if entry.get("status") in ENACTED and entry.get("kind") != vocabulary.MODEL_KIND:
            enacted.setdefault(entry.get("jurisdiction"), []).append(entry)
    for finding in data.coverage:
        code = str(finding.get("jurisdiction") or "?")
        where = f"coverage/{finding['pack']}.yaml {code!r}"
        if code in seen:
            problems.append(f"{where}: a second finding for this jurisdiction (also in {seen[code]}.yaml); "
                            "keep one, the latest search")
        seen[code] = finding["pack"]
        for name in sorted(set(finding) - fields - {"pack"}):
            problems.append(f"{where}: unknown field {name!r} (the fields are {', '.join(COVERAGE_COLUMNS)})")
        for each in COVERAGE_FIELDS:
            if each.required and (finding.get(each.name) is None or str(finding.get(each.name)).strip() == ""):
                problems.append(f"{where}: missing {each.name}")
        if finding.get("jurisdiction") and code not in jurisdictions:
            problems.append(f"{where}: unknown jurisdiction (not in jurisdictions/*.csv)")
        elif code in jurisdictions and jurisdictions[code]["pack"] != finding["pack"]:
            # One curator owns one region: a finding lives in its jurisdiction's pack.
            problems.append(f"{where}: belongs in coverage/{jurisdictions[code]['pack']}.yaml, "
                            f"the pack of jurisdictions/{jurisdictions[code]['pack']}.csv")
        kind = finding.get("finding")
        if kind and kind not in vocabulary.COVERAGE_FINDINGS:
            problems.append(f"{where}: finding {kind!r} not one of {list(vocabulary.COVERAGE_FINDINGS)}")
        problem = check_date(finding.get("searched_on"), "searched_on", today)
        if problem:
            problems.append(f"{where}: {problem}")
        leads = finding.get("leads")
        if leads is not None and not isinstance(leads, list):
            problems.append(f"{where}: leads must be a list of {{title, url}}")
            leads = []
        for lead in leads or []:
            problems.extend(f"{where} lead: {p}" for p in lead_problems(lead))
        if kind == "bill_only" and not leads:
            problems.append(f"{where}: bill_only names no bill: list it under `leads`")
        # A finding says what the law lacks: enacted law of the jurisdiction contradicts it.
        for entry in enacted.get(code, []):
            general = entry.get("basis") == "general_offence"
            if not general or kind == "no_law_found":
                problems.append(f"{where}: finding {kind!r}, but {entry.get('id')!r} is enacted "
                                f"{'general' if general else 'specific'} law of it (instruments/{entry['pack']}.yaml)"
                                + ("; say general_law_only" if general else "; remove the finding"))
    return problems


def lead_problems(lead) -> list[str]:
    if not isinstance(lead, dict):
        return ["must be a mapping {title, url}"]
    found = [f"unknown field {name!r} (a lead has {', '.join(LEAD_KEYS)})" for name in sorted(set(lead) - set(LEAD_KEYS))]
    if not str(lead.get("title") or "").strip():
        found.append("missing title")
    url = lead.get("url")
    if url is not None and urlsplit(str(url)).scheme not in ("http", "https"):
        found.append(f"url {url!r} is not a web address (omit it where no official address is known)")
    return found


def unaccounted(data: CuratedData) -> list[dict]:
    """The jurisdictions no instrument names and no coverage finding speaks for, by code:
    for them, "no law tracked" cannot say whether anyone looked."""
    accounted = {entry.get("jurisdiction") for entry in data.instruments + data.coverage}
    return sorted((row for row in data.jurisdictions if row["code"] not in accounted), key=lambda row: row["code"])


def suggested_without_reason(data: CuratedData) -> list[str]:
    """Where each suggested answer that does not say why it was inferred is."""
    return [f"instruments/{entry['pack']}.yaml {entry.get('id')!r} coding {question_id}"
            for entry in data.instruments for question_id, answer in coded(entry)
            if isinstance(answer, dict) and answer.get("status") == "suggested"
            and not str(answer.get("reason") or "").strip()]


def notices(data: CuratedData) -> list[str]:
    """What the data still lacks without being wrong: the jurisdictions (other than US
    states and territories, which `check` refuses) with neither an instrument nor a
    coverage finding."""
    return [f"{row['code']} ({row['name']}) has neither an instrument nor a coverage finding: record what was "
            f"searched in coverage/{row['pack']}.yaml"
            for row in unaccounted(data) if (row.get("parent"), row.get("kind")) not in MUST_BE_ACCOUNTED_FOR]


# --------------------------------------------------------------------------- loading


class CuratedDataError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in data/:\n" + "\n".join(f"  - {p}" for p in problems))


def load_into(db, data: CuratedData) -> dict[str, int]:
    """Write the curated data into an open, migrated database, in one transaction.

    The registry's rows go to their own tables (`sources`, `jurisdictions`,
    `codebook_questions`, `curated_instruments`, `curated_provisions`,
    `coded_answers`, `curated_cases`, `case_instruments`, `help_routes`, `coverage_findings`), replaced exactly: a row
    or value deleted in data/ leaves the database, and only rows that differ are
    written, so a build of unchanged data writes nothing. The served `instruments`
    and `cases` are then refreshed for the rows that changed (see store/served.py)."""
    problems = check(data)
    if problems:
        raise CuratedDataError(problems)
    codes = {row["code"] for row in data.jurisdictions}
    questions = {q["id"]: q for q in data.codebook}
    with transaction(db) as conn:
        # Rows reference each other (a jurisdiction its parent, a provision its
        # instrument): checked once, when the whole build commits.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        changed = []  # the keys of every row written, table by table (a list: keys repeat across tables)
        changed += replace_rows(conn, "sources", ("id",), [source_row(s) for s in data.sources])
        changed += replace_rows(conn, "jurisdictions", ("code",), [jurisdiction_row(r, data.project_codes) for r in data.jurisdictions])
        changed += replace_rows(conn, "codebook_questions", ("id",),
                     [question_row(q, position) for position, q in enumerate(data.codebook, start=1)])
        changed_instruments = replace_rows(conn, "curated_instruments", ("id",), [instrument_row(e) for e in data.instruments])
        changed += replace_rows(conn, "curated_provisions", ("id",),
                     [provision_row(e, p) for e in data.instruments for p in e.get("provisions") or []])
        changed += replace_rows(conn, "coded_answers", ANSWER_KEY,
                     [answer_row(e["id"], q, a, questions.get(q)) for e in data.instruments for q, a in coded(e)])
        changed_cases = replace_rows(conn, "curated_cases", ("id",), [case_row(c) for c in data.cases])
        changed += replace_rows(conn, "case_instruments", ("case_id", "instrument_id"),
                     [{"case_id": c["id"], "instrument_id": i} for c in data.cases for i in dict.fromkeys(c.get("instruments") or [])])
        changed += replace_rows(conn, "help_routes", ("id",), [help_route_row(r) for r in data.help_routes])
        changed += replace_rows(conn, "coverage_findings", ("jurisdiction",), [coverage_row(f) for f in data.coverage])
        served.refresh(conn, "instruments", {key[0] for key in changed_instruments})
        sync_placeholder_provisions(conn)
        served.refresh(conn, "instruments", {key[0] for key in changed_instruments})  # removals, now unreferenced
        served.refresh(conn, "cases", {key[0] for key in changed_cases})
        create_comparison_matrix(db, [q["id"] for q in data.codebook])
        changed_rows = len(changed) + len(changed_instruments) + len(changed_cases)
        if changed_rows:  # an unchanged build writes nothing, this row included
            conn.execute("INSERT OR REPLACE INTO registry_loads VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)",
                         [changed_rows])
    return {
        "jurisdictions": len(codes),
        "instruments": len(data.instruments),
        "coded_answers": db.execute("SELECT COUNT(*) FROM coded_answers").fetchone()[0],
        "cases": len(data.cases),
        "help_routes": len(data.help_routes),
        "coverage_findings": len(data.coverage),
    }


def replace_rows(conn, table: str, key: tuple[str, ...], rows: list[dict]) -> set[tuple]:
    """Make `table` hold exactly `rows`, writing only the rows that differ. Returns
    the keys of the rows inserted, updated or deleted."""
    if not rows:
        columns = list(key)
    else:
        columns = list(rows[0])
    stored = {}
    cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
    for values in cursor:
        row = dict(zip(columns, values))
        stored[tuple(row[k] for k in key)] = row
    wanted = {tuple(row[k] for k in key): row for row in rows}
    changed = {k for k, row in wanted.items() if stored.get(k) != row}
    removed = set(stored) - set(wanted)
    where = " AND ".join(f"{k} = ?" for k in key)
    if removed:
        conn.executemany(f"DELETE FROM {table} WHERE {where}", [list(k) for k in removed])
    if changed:
        others = [c for c in columns if c not in key]
        upsert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if others:
            upsert += f" ON CONFLICT({', '.join(key)}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others)
        else:
            upsert += " ON CONFLICT DO NOTHING"
        conn.executemany(upsert, [[wanted[k][c] for c in columns] for k in changed])
    return changed | removed


def sync_placeholder_provisions(conn) -> None:
    """Each curated provision no crawl has filled yet is served as a row with its label and
    headings; the build owns such rows (no `fetched_at`) and nothing else, except our own
    columns (`heading_en`, `keywords`), which no crawl writes and which follow data/ on
    every row."""
    columns = ("instrument_id", "label", "heading", "heading_en", "keywords", "url", "language")
    curated = ("instrument_id", "label", "heading_original", "heading_en", "keywords", "url", "language")
    conn.execute(
        f"INSERT INTO provisions (id, {', '.join(columns)}) SELECT id, {', '.join(curated)} FROM curated_provisions "
        "WHERE true ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns)
        + " WHERE provisions.fetched_at IS NULL AND ("
        + " OR ".join(f"provisions.{c} IS NOT excluded.{c}" for c in columns) + ")"
    )
    conn.execute("DELETE FROM provisions WHERE fetched_at IS NULL AND id NOT IN (SELECT id FROM curated_provisions)")
    ours = "(SELECT {0} FROM curated_provisions AS c WHERE c.id = provisions.id)"
    conn.execute(
        f"UPDATE provisions SET heading_en = {ours.format('heading_en')}, keywords = {ours.format('keywords')} "
        f"WHERE fetched_at IS NOT NULL AND (heading_en IS NOT {ours.format('heading_en')} "
        f"OR keywords IS NOT {ours.format('keywords')})"
    )


def create_comparison_matrix(db, question_ids: list[str]) -> None:
    """One row per jurisdiction, one column per codebook question: the side-by-side tables,
    `comparison_matrix` for adults and `comparison_matrix_minors` for minors.

    A view holds no data, so it is rebuilt from the codebook when the questions
    change (and left alone when they do not: an unchanged build writes nothing)."""
    for group, name in MATRIX_VIEWS.items():
        sql = comparison_matrix_sql(question_ids, group)
        current = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).fetchone()
        if current and current[0] == sql:
            continue
        db.conn.execute(f"DROP VIEW IF EXISTS {name}")
        db.conn.execute(sql)


def one_line(value) -> str | None:
    return " ".join(str(value or "").split()) or None


def source_row(source: dict) -> dict:
    columns = ("id", "name", "kind", "base_url", "licence", "licence_url", "terms_url", "rate_limit", "api_key_env", "notes")
    return {column: source.get(column) for column in columns}


def jurisdiction_row(row: dict, project_codes: dict) -> dict:
    return {
        "code": row["code"],
        "name": row["name"],
        "kind": row["kind"],
        "parent": row.get("parent") or None,
        "region": row["region"],
        "languages": row.get("languages"),
        "latitude": float(row["latitude"]),
        "longitude": float(row["longitude"]),
        "official_domains": row.get("official_domains"),
        "code_system": "project" if row["code"] in project_codes else ("ISO 3166-1" if len(row["code"]) == 2 else "ISO 3166-2"),
    }


def question_row(question: dict, position: int) -> dict:
    return {
        "id": question["id"],
        "position": position,
        "label": question["label"],
        "answer_type": question["answer_type"],
        "choices": json.dumps(question.get("choices")) if question.get("choices") else None,
        "rollup": question.get("rollup"),
        "rules": " ".join(str(question.get("rules", "")).split()),
    }


INSTRUMENT_COLUMNS = (
    "id", "jurisdiction", "title", "title_en", "citation", "kind", "status", "date_enacted", "date_in_force",
    "official_url", "language", "source", "source_identifier", "summary", "evidence_url", "verified_on", "uncertain",
)


def instrument_row(entry: dict) -> dict:
    row = {column: entry.get(column) for column in INSTRUMENT_COLUMNS}
    row["summary"] = one_line(row["summary"])
    row["uncertain"] = one_line(row["uncertain"])
    row["source"] = row["source"] or "curated"
    return row


def load_instrument(db, entry: dict) -> None:
    """One curated instrument (with its provisions and coding) into its curated tables,
    and the served rows refreshed. `load_into` replaces them all at once instead."""
    with transaction(db) as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        key = (entry["id"],)
        upsert_row(conn, "curated_instruments", ("id",), instrument_row(entry))
        for provision in entry.get("provisions") or []:
            upsert_row(conn, "curated_provisions", ("id",), provision_row(entry, provision))
        for question_id, answer in coded(entry):
            upsert_row(conn, "coded_answers", ANSWER_KEY, answer_row(entry["id"], question_id, answer))
        served.refresh(conn, "instruments", [key[0]])
        sync_placeholder_provisions(conn)


def provision_row(entry: dict, provision: dict) -> dict:
    """`heading` in data/ is our English paraphrase (`heading_en`); `heading_original`, the
    official heading, is in the instrument's `language`, as are the search `keywords`."""
    return {
        "id": provision_id(entry["id"], provision),
        "instrument_id": entry["id"],
        "label": str(provision["label"]),
        "heading_en": provision.get("heading"),
        "heading_original": one_line(provision.get("heading_original")),
        "keywords": "; ".join(k.strip() for k in provision.get("keywords") or []) or None,
        "url": provision.get("url") or entry.get("official_url"),
        "language": entry.get("language"),
    }


ANSWER_KEY = ("instrument_id", "question_id", "scope")


def answer_row(instrument_id: str, question_id: str, answer: dict, question: dict | None = None) -> dict:
    """One coded answer as stored: numbers as integers (the check lets only whole numbers
    through), a fine as amount, currency and basis where the answer gives one. Without
    its `question`, an unquoted whole number is a number and only a `fine:` a fine."""
    raw = answer["answer"]
    value = answer_text(raw)
    is_number = (isinstance(raw, int) and not isinstance(raw, bool)
                 and (question is None or question["answer_type"] == "number"))
    is_fine = (question or {}).get("structure") == "fine"
    fine = structured_fine(answer) if is_fine else answer.get("fine")
    return {
        "instrument_id": instrument_id,
        "question_id": question_id,
        "scope": answer["scope"],
        "answer": value,
        "answer_number": raw if is_number else None,
        "fine_amount": fine["amount"] if fine else None,
        "fine_currency": fine.get("currency") if fine else None,
        "fine_basis": fine["basis"] if fine else None,
        "provision_label": str(answer["provision"]),
        "evidence": " ".join(str(answer["evidence"]).split()),
        "status": answer["status"],
        "reason": " ".join(str(answer["reason"]).split()) if answer.get("reason") else None,
    }


def help_route_row(route: dict) -> dict:
    row = {column: route.get(column) for column in HELP_ROUTE_COLUMNS}
    row["orders_removal"] = answer_text(row["orders_removal"])
    row["summary"] = one_line(row["summary"])
    row["uncertain"] = one_line(row["uncertain"])
    return row


def coverage_row(finding: dict) -> dict:
    """A finding as stored: its leads as a JSON list of {title, url} (url only where known)."""
    row = {column: finding.get(column) for column in COVERAGE_COLUMNS}
    row["searched"] = one_line(row["searched"])
    row["note"] = one_line(row["note"])
    leads = [{key: one_line(lead[key]) for key in LEAD_KEYS if lead.get(key)} for lead in finding.get("leads") or []]
    row["leads"] = json.dumps(leads, ensure_ascii=False) if leads else None
    return row


CASE_COLUMNS = ("id", "jurisdiction", "court", "decision_date", "name", "citation", "url", "language", "outcome",
                "summary", "evidence_url", "verified_on")


def case_row(case: dict) -> dict:
    row = {column: case.get(column) for column in CASE_COLUMNS}
    row["summary"] = one_line(row["summary"])
    row["source"] = case.get("source") or "curated"
    return row


def load_case(db, case: dict) -> None:
    """One curated case (and its instrument links) into its curated tables, served row refreshed."""
    with transaction(db) as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        upsert_row(conn, "curated_cases", ("id",), case_row(case))
        for instrument in case.get("instruments") or []:
            upsert_row(conn, "case_instruments", ("case_id", "instrument_id"), {"case_id": case["id"], "instrument_id": instrument})
        served.refresh(conn, "cases", [case["id"]])


def upsert_row(conn, table: str, key: tuple[str, ...], row: dict) -> None:
    columns = list(row)
    others = [c for c in columns if c not in key]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) ON CONFLICT({', '.join(key)}) "
    sql += ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others)) if others else "DO NOTHING"
    conn.execute(sql, list(row.values()))
