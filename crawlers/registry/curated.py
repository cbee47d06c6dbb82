"""The curated data in `data/`: read it, check it, load it into the database.

People edit `data/` by hand (see `data/README.md`); this module is the only code
that reads it. `check()` returns every problem as a readable line, so that
`sii-atlas check-data`, the build and the tests share one set of rules.

Curated tables (sources, jurisdictions, codebook, coding, case links) are
rebuilt from the files on every build. Curated instruments, provisions and
cases are upserted: a build fills and corrects them but never blanks text a
crawl has stored.
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

from ..validation import check_date, is_language

DATA_DIR = Path(os.environ.get("SII_ATLAS_DATA", Path(__file__).resolve().parents[2] / "data"))

INSTRUMENT_KINDS = {"statute", "code_provisions", "amendment", "regulation", "directive", "treaty", "bill"}
STATUSES = {"in_force", "enacted_not_in_force", "pending", "failed", "repealed"}
JURISDICTION_KINDS = {"country", "state", "province", "territory", "nation", "legal_jurisdiction", "supranational"}
REGIONS = {"Europe", "North America", "Latin America", "Asia", "Oceania", "Africa", "Middle East", "International"}
CODING_STATUSES = {"verified", "suggested"}
YES_NO = {"yes", "no", "unclear"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class CuratedData:
    sources: list[dict] = field(default_factory=list)
    project_codes: dict[str, str] = field(default_factory=dict)
    jurisdictions: list[dict] = field(default_factory=list)
    codebook: list[dict] = field(default_factory=list)
    instruments: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)


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


def read_yaml_list(folder: Path) -> list[dict]:
    entries = []
    for path in sorted(folder.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
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


def load(data_dir: Path | None = None) -> CuratedData:
    from ..sources import source_rows  # sources with a spider are declared in their modules

    data_dir = Path(data_dir or DATA_DIR)
    codebook = yaml.safe_load((data_dir / "codebook.yaml").read_text(encoding="utf-8"))
    return CuratedData(
        sources=source_rows(yaml.safe_load((data_dir / "sources.yaml").read_text(encoding="utf-8"))),
        project_codes=yaml.safe_load((data_dir / "project_codes.yaml").read_text(encoding="utf-8")),
        jurisdictions=read_jurisdictions(data_dir / "jurisdictions"),
        codebook=codebook["questions"],
        instruments=read_yaml_list(data_dir / "instruments"),
        cases=read_yaml_list(data_dir / "cases"),
    )


@lru_cache(maxsize=4)
def _instruments(data_dir: str) -> tuple:
    return tuple(read_yaml_list(Path(data_dir) / "instruments"))


def tracked_instruments(source: str, data_dir: Path | None = None) -> list[dict]:
    """The curated instruments a spider fetches, with the identifier it uses."""
    return [i for i in _instruments(str(data_dir or DATA_DIR)) if i.get("source") == source and i.get("source_identifier")]


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
        for required in ("jurisdiction", "title", "title_en", "citation", "kind", "status", "official_url", "language", "summary", "evidence_url", "verified_on"):
            if not entry.get(required):
                problems.append(f"{where}: missing {required}")
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
            domains = official_domains(jurisdictions, code)
            if not on_domains(url, domains):
                problems.append(f"{where}: official_url {url} is not on the official domains of {code} ({' '.join(sorted(domains))})")
        if entry.get("source") == "legislation_gov_uk" and entry.get("source_identifier"):
            spider_id = legislation_gov_uk_key(entry["source_identifier"])
            if the_id != spider_id:
                problems.append(f"{where}: an instrument the legislation.gov.uk spider fetches must have its id {spider_id!r}")
        labels = {str(p.get("label")) for p in entry.get("provisions") or []}
        if not labels:
            problems.append(f"{where}: no key provisions listed")
        for provision in entry.get("provisions") or []:
            if not provision.get("label"):
                problems.append(f"{where}: a provision without a label")
        coding = entry.get("coding") or {}
        if entry.get("status") in ("in_force", "enacted_not_in_force") and not coding:
            problems.append(f"{where}: {entry['status']} but not coded")
        for question_id, answer in coding.items():
            used_questions.add(question_id)
            problems.extend(f"{where} coding {question_id}: {p}" for p in answer_problems(question_id, answer, questions, labels))

    for question_id in questions:
        if question_id not in used_questions:
            problems.append(f"codebook.yaml: question {question_id!r} is never used in any coding")

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
        crawl_key = find_case_law_key(case.get("url") or "")
        if crawl_key and case.get("id") != crawl_key:
            problems.append(f"{where}: a Find Case Law decision must use the crawler's id {crawl_key!r}, "
                            "so that the crawl completes this row instead of adding a second one")
        for instrument in case.get("instruments") or []:
            if instrument not in instrument_ids:
                problems.append(f"{where}: unknown instrument {instrument!r}")
    return problems


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
        try:
            float(value)
        except ValueError:
            found.append(f"answer {value!r} must be a number or unclear")
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


# --------------------------------------------------------------------------- loading


class CuratedDataError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in data/:\n" + "\n".join(f"  - {p}" for p in problems))


def load_into(db, data: CuratedData) -> dict[str, int]:
    """Write the curated data into an open, migrated database, in one transaction."""
    problems = check(data)
    if problems:
        raise CuratedDataError(problems)
    jurisdictions = sorted(data.jurisdictions, key=lambda row: (row.get("parent") != "", row["code"]))
    with db.conn:
        db["sources"].upsert_all(({k: v for k, v in s.items()} for s in data.sources), pk="id", alter=False)
        db["jurisdictions"].upsert_all(
            (
                {
                    "code": row["code"],
                    "name": row["name"],
                    "kind": row["kind"],
                    "parent": row.get("parent") or None,
                    "region": row["region"],
                    "languages": row.get("languages"),
                    "latitude": float(row["latitude"]),
                    "longitude": float(row["longitude"]),
                    "official_domains": row.get("official_domains"),
                    "code_system": "project" if row["code"] in data.project_codes else ("ISO 3166-1" if len(row["code"]) == 2 else "ISO 3166-2"),
                }
                for row in jurisdictions
            ),
            pk="code",
        )
        db.execute("DELETE FROM coded_answers")
        db.execute("DELETE FROM case_instruments")
        db.execute("DELETE FROM codebook_questions")
        db["codebook_questions"].insert_all(
            {
                "id": q["id"],
                "position": position,
                "label": q["label"],
                "answer_type": q["answer_type"],
                "choices": json.dumps(q.get("choices")) if q.get("choices") else None,
                "rollup": q.get("rollup"),
                "rules": " ".join(str(q.get("rules", "")).split()),
            }
            for position, q in enumerate(data.codebook, start=1)
        )
        for entry in data.instruments:
            load_instrument(db, entry)
        for case in data.cases:
            load_case(db, case)
        create_comparison_matrix(db, [q["id"] for q in data.codebook])
    return {
        "jurisdictions": len(data.jurisdictions),
        "instruments": len(data.instruments),
        "coded_answers": db.execute("SELECT COUNT(*) FROM coded_answers").fetchone()[0],
        "cases": len(data.cases),
    }


def create_comparison_matrix(db, question_ids: list[str]) -> None:
    """One row per jurisdiction, one column per codebook question: the side-by-side table.

    A view holds no data, so it is rebuilt from the codebook at every build and
    follows the questions as they change."""
    columns = ",\n  ".join(
        f"MAX(CASE WHEN question_id = '{qid}' THEN answer END) AS [{qid}]" for qid in question_ids
    )
    db.execute("DROP VIEW IF EXISTS comparison_matrix")
    db.execute(
        "CREATE VIEW comparison_matrix AS\nSELECT jurisdiction, jurisdiction_name, region,\n  "
        f"{columns}\nFROM comparison GROUP BY jurisdiction ORDER BY region, jurisdiction"
    )


INSTRUMENT_COLUMNS = (
    "id", "jurisdiction", "title", "title_en", "citation", "kind", "status", "date_enacted", "date_in_force",
    "official_url", "language", "source", "source_identifier", "summary", "evidence_url", "verified_on", "uncertain",
)


def load_instrument(db, entry: dict) -> None:
    row = {column: entry.get(column) for column in INSTRUMENT_COLUMNS}
    row["summary"] = " ".join(str(row["summary"] or "").split()) or None
    row["uncertain"] = " ".join(str(row["uncertain"] or "").split()) or None
    row["source"] = row["source"] or "curated"
    row["curated"] = 1
    # An empty curated field leaves alone what a crawl filled in: a build never blanks.
    db["instruments"].upsert({k: v for k, v in row.items() if v is not None}, pk="id")
    for provision in entry.get("provisions") or []:
        the_id = provision_id(entry["id"], provision)
        existing = db.execute("SELECT heading FROM provisions WHERE id = ?", [the_id]).fetchone()
        if existing is None:
            db["provisions"].insert(
                {
                    "id": the_id,
                    "instrument_id": entry["id"],
                    "label": str(provision["label"]),
                    "heading": provision.get("heading"),
                    "language": entry.get("language"),
                    "url": provision.get("url") or entry.get("official_url"),
                }
            )
        elif existing[0] is None and provision.get("heading"):
            # Fill a gap, never overwrite what the official text says.
            db.execute("UPDATE provisions SET heading = ? WHERE id = ?", [provision["heading"], the_id])
    for question_id, answer in (entry.get("coding") or {}).items():
        value = answer_text(answer["answer"])
        try:
            number = float(value)
        except ValueError:
            number = None
        db["coded_answers"].insert(
            {
                "instrument_id": entry["id"],
                "question_id": question_id,
                "answer": value,
                "answer_number": number,
                "provision_label": str(answer["provision"]),
                "evidence": " ".join(str(answer["evidence"]).split()),
                "status": answer["status"],
            }
        )


CASE_COLUMNS = ("id", "jurisdiction", "court", "decision_date", "name", "citation", "url", "language", "outcome", "summary", "evidence_url", "verified_on")


def load_case(db, case: dict) -> None:
    row = {column: case.get(column) for column in CASE_COLUMNS}
    row["summary"] = " ".join(str(row["summary"] or "").split()) or None
    row["curated"] = 1
    row["source"] = case.get("source") or "curated"
    db["cases"].upsert({k: v for k, v in row.items() if v is not None}, pk="id")
    for instrument in case.get("instruments") or []:
        db["case_instruments"].insert({"case_id": case["id"], "instrument_id": instrument}, ignore=True)
