"""Judilibre: decisions of the Cour de cassation and of the French courts below it.

Source:   Judilibre, the Cour de cassation's open-data search engine, served through the
          State's API gateway PISTE.
Base URL: https://api.piste.gouv.fr/cassation/judilibre/v1.0 (sandbox: sandbox-api.piste.gouv.fr).
Auth:     a PISTE application subscribed to the JUDILIBRE API. The official OpenAPI
          description (real capture /work/shared/samples/judilibre/JUDILIBRE-public.json,
          v1.2.5) declares one security scheme, `apiKey` in the header `KeyId`: that is what
          we send, from the environment variable JUDILIBRE_KEY_ID.
Endpoints (same OpenAPI description):
    GET /search?query=..&operator=exact&jurisdiction=cc&jurisdiction=ca&sort=date&order=desc
               &page_size=50&page=N[&date_start=YYYY-MM-DD]&resolve_references=true
        a page of results (`page` counts from 0, `page_size` at most 50; `next_page` is
        null on the last page). Each result is an abridged decision with its `id`.
    GET /decision?id=..&resolve_references=true
        one whole decision (`decisionFull`); 404 "Décision introuvable" once it is gone.
    GET /export?batch=N&batch_size=..&date_start=..&date_type=update&resolve_references=true
        the bulk path: whole decisions in batches (`batch` from 0, at most 1000 a batch,
        `next_batch` null on the last one).
Licence:  Licence Ouverte / Open Licence 2.0 (Etalab). Decisions are published
          pseudonymised by the Cour de cassation: we keep its `text` as it is and never add
          a name it removed (the neutral case name below is built from court, date and number).
Terms:    PISTE terms of use (https://piste.gouv.fr/cgu); quotas are set per application
          by PISTE and are not published in anything we hold; the API answers 429 ("Trop de
          requêtes") past them and 423 when it blocks "suspicious activity". We stay well
          below anything plausible: one request at a time, 1 s apart, at most 10 a second.

What the spider does: one search per term of `SEARCH_TERMS` (the subject's French words,
searched as exact phrases in the Cour de cassation and the cours d'appel), newest first,
page after page; each result's `/decision` is fetched and becomes one `CaseItem`.
`--since` adds `date_start`; `--limit` caps the decisions requested in the run. With
`-a bulk=1` it walks `/export` of decisions updated since `--since` instead, and keeps
only those whose text has one of the terms.

Format notes (from the real captures in /work/shared/samples/judilibre/):
- `sample_detail_resolved.json` (a `/decision` with `resolve_references=true`):
  `jurisdiction` "Cour de cassation", `chamber` "Chambre commerciale financière et
  économique", `formation`, `publication` as words; `number` the pourvoi number
  ("19-19.463"), `numbers` all of them; `ecli`; `text` and `displayText` (the same
  pseudonymised text); `visa` [{title}] the provisions applied; `contested` the decision
  appealed from (its whole `content` included: not ours to store as this decision's text);
  `files` (PDF attachments: never downloaded).
- `tcom_sample_list.json`: a list of tribunal de commerce decisions in both variants.
  `unresolved` carries codes (`jurisdiction` "tcom", `location` "0605"), `resolved` the
  names ("Tribunal de commerce", "Tribunal de commerce de Nice"); `ecli`, `chamber`,
  `summary` may be null. The list has no `text`: whole decisions come from `/decision`.
  We always ask for resolved references; codes we still meet are named from `COURTS`
  and `CHAMBERS` (the taxonomy values the OpenAPI examples use), a bare location code
  is not a name and is dropped.
- Search results and export batches have no real capture: their shape (`results`,
  `page`, `next_page`; `batch`, `next_batch`) comes from the OpenAPI examples.
"""

import json
import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy

from ..items import CaseItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, iso_day, with_query

SOURCE = "judilibre"
#: The gateway's host is the contract's base URL; the API's own path is part of every
#: URL we make (SourceSpider maps URLs between hosts, and a base URL with a path would
#: have that path doubled when no mirror is in use).
HOST = "https://api.piste.gouv.fr"
OFFICIAL = f"{HOST}/cassation/judilibre/v1.0"
#: Where a person reads a decision (the Cour de cassation's site, by Judilibre id).
PUBLIC_DECISION = "https://www.courdecassation.fr/decision/"

#: The subject in French: the 2024 offence of sexual deepfakes (art. 226-8-1 code pénal),
#: the montage offence (226-8), sexual images shared without consent (226-2-1).
SEARCH_TERMS = [
    "hypertrucage",
    "montage",
    "atteinte à la vie privée",
    "image à caractère sexuel",
    "226-2-1",
    "226-8-1",
]
#: Cour de cassation and cours d'appel (the API's default is the Cour de cassation alone).
JURISDICTIONS = ("cc", "ca")
PAGE_SIZE = 50  # the most /search allows
BATCH_SIZE = 1000  # the most /export allows

# Taxonomy codes -> names, for a reply that still carries codes.
COURTS = {
    "cc": "Cour de cassation",
    "ca": "Cour d'appel",
    "tj": "Tribunal judiciaire",
    "tcom": "Tribunal de commerce",
}
CHAMBERS = {
    "pl": "Assemblée plénière",
    "mi": "Chambre mixte",
    "civ1": "Première chambre civile",
    "civ2": "Deuxième chambre civile",
    "civ3": "Troisième chambre civile",
    "comm": "Chambre commerciale financière et économique",
    "soc": "Chambre sociale",
    "cr": "Chambre criminelle",
    "ordo": "Première présidence (Ordonnance)",
}
_FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                  "octobre", "novembre", "décembre")


# --- small helpers ---


def _json(response) -> dict:
    """The reply as a JSON object, or a clear error: a gateway's HTML page or an empty
    body is a failed page for the crawl to record, never an empty result."""
    try:
        data = json.loads(response.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"not JSON at {response.url}: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object at {response.url}, found {type(data).__name__}")
    return data


def _text(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    # Runs of empty lines are the layout of the printed decision, not its content.
    return re.sub(r"\n{3,}", "\n\n", value).strip() or None


def case_id(judilibre_id: str | None) -> str | None:
    """Our id for a decision: its Judilibre id, which is also in its public URL."""
    return f"judilibre-{judilibre_id}" if judilibre_id else None


def decision_url(judilibre_id: str) -> str:
    return f"{OFFICIAL}/decision?{urlencode({'id': judilibre_id, 'resolve_references': 'true'})}"


def search_url(term: str, since: date | None = None, page: int = 0) -> str:
    params = [("query", term), ("operator", "exact")]
    params += [("jurisdiction", code) for code in JURISDICTIONS]
    params += [("sort", "date"), ("order", "desc"), ("page_size", PAGE_SIZE), ("page", page)]
    if since:
        params.append(("date_start", since.isoformat()))
    params.append(("resolve_references", "true"))
    return f"{OFFICIAL}/search?{urlencode(params)}"


def export_url(since: date | None, batch: int = 0) -> str:
    params = [("jurisdiction", code) for code in JURISDICTIONS]
    params += [("batch", batch), ("batch_size", BATCH_SIZE), ("order", "asc")]
    if since:
        params += [("date_start", since.isoformat()), ("date_type", "update")]
    params.append(("resolve_references", "true"))
    return f"{OFFICIAL}/export?{urlencode(params)}"


# --- court names ---


def court_name(decision: dict) -> str | None:
    """The court as a person names it: "Cour de cassation, Chambre criminelle",
    "Cour d'appel de Paris", "Tribunal de commerce de Nice"."""
    jurisdiction = decision.get("jurisdiction")
    jurisdiction = COURTS.get(jurisdiction, jurisdiction) if isinstance(jurisdiction, str) else None
    location = decision.get("location")
    # An unresolved location is a bare code ("0605", "ca_paris"); a name has words.
    if isinstance(location, str) and " " in location.strip():
        return location.strip()
    if jurisdiction == "Cour de cassation":
        chamber = decision.get("chamber")
        chamber = CHAMBERS.get(chamber, chamber) if isinstance(chamber, str) and chamber.strip() else None
        return f"{jurisdiction}, {chamber}" if chamber else jurisdiction
    return jurisdiction


def _french_date(iso: str | None) -> str | None:
    if not iso:
        return None
    day = date.fromisoformat(iso)
    return f"{'1er' if day.day == 1 else day.day} {_FRENCH_MONTHS[day.month - 1]} {day.year}"


def citation(decision: dict) -> str | None:
    number = decision.get("number")
    if not isinstance(number, str) or not number.strip():
        return None
    # The Cour de cassation numbers appeals (pourvois); the courts below, cases (RG).
    is_cassation = decision.get("jurisdiction") in ("cc", "Cour de cassation")
    return f"{'pourvoi' if is_cassation else 'RG'} n° {number.strip()}"


def neutral_name(decision: dict) -> str | None:
    """Judilibre publishes no party names: the name is the court, the date and the number."""
    parts = [court_name(decision), _french_date(iso_day(decision.get("decision_date"))), citation(decision)]
    parts = [part for part in parts if part]
    return ", ".join(parts) or None


# --- decisions ---


def case_item(decision: dict) -> CaseItem:
    judilibre_id = decision.get("id")
    if not isinstance(judilibre_id, str) or not judilibre_id:
        raise ValueError("a Judilibre decision without an id")
    identifiers = []
    if isinstance(decision.get("ecli"), str) and decision["ecli"].startswith("ECLI:"):
        identifiers.append({"scheme": "ECLI", "value": decision["ecli"]})
    numbers = decision.get("numbers") or ([decision["number"]] if decision.get("number") else [])
    identifiers += [{"scheme": "DOCKET", "value": n} for n in dict.fromkeys(numbers) if isinstance(n, str) and n]
    visas = [v.get("title") for v in decision.get("visa") or [] if isinstance(v, dict)]
    return CaseItem(
        id=case_id(judilibre_id),
        jurisdiction="FR",
        court=court_name(decision),
        decision_date=iso_day(decision.get("decision_date")),
        name=neutral_name(decision),
        citation=citation(decision),
        url=PUBLIC_DECISION + judilibre_id,
        language="fr",
        judges=[],
        # The pseudonymised text as published; `contested` (the decision appealed
        # from) is another decision and is not part of this one's text.
        text=_text(decision.get("text")),
        cited_legislation=[{"title": _text(title), "href": None} for title in visas if _text(title)],
        identifiers=identifiers,
        source=SOURCE,
    )


def parse_decision(response):
    """`/decision`: one whole decision, one CaseItem."""
    yield case_item(_json(response))


# --- lists: search pages and export batches ---


def parse_search(response):
    """`/search` (or a saved list like `tcom_sample_list.json`): a request for each listed
    decision, then the next page. Meta read: `query` (passed on), `limit` (decisions still
    wanted from this search)."""
    data = _json(response)
    lists = [data["results"]] if "results" in data else [data.get(key) for key in ("resolved", "unresolved")]
    lists = [found for found in lists if isinstance(found, list)]
    if not lists:
        raise ValueError(f"no `results` in the Judilibre list at {response.url}")
    query = response.meta.get("query")
    limit = response.meta.get("limit")
    limit = int(limit) if limit not in (None, "") else None
    requested: list[str] = []
    for entry in (entry for found in lists for entry in found):
        judilibre_id = entry.get("id") if isinstance(entry, dict) else None
        if not judilibre_id or judilibre_id in requested:
            continue
        if limit is not None and len(requested) >= limit:
            break
        requested.append(judilibre_id)
        yield scrapy.Request(decision_url(judilibre_id), meta={"query": query})
    if "results" not in data or not data["results"] or not data.get("next_page"):
        return
    if limit is not None and len(requested) >= limit:
        return
    # next_page is given, but as a URL of the API's own host; we page on our official URL.
    page = int(data.get("page") or parse_qs(urlsplit(response.url).query).get("page", ["0"])[0]) + 1
    meta = {"query": query, "limit": None if limit is None else limit - len(requested)}
    yield scrapy.Request(with_query(response.url, page=page), meta=meta)


def on_subject(decision: dict) -> str | None:
    """The first of our terms the decision's text contains (case and accents as written)."""
    text = (decision.get("text") or "").casefold()
    return next((term for term in SEARCH_TERMS if term.casefold() in text), None)


def parse_export(response):
    """`/export`: a batch of whole decisions; those on the subject become CaseItems,
    then the next batch."""
    data = _json(response)
    results = data.get("results")
    if not isinstance(results, list):
        raise ValueError(f"no `results` in the Judilibre export batch at {response.url}")
    for decision in results:
        if isinstance(decision, dict) and on_subject(decision):
            yield case_item(decision)
    if results and data.get("next_batch"):
        batch = int(data.get("batch") or 0) + 1
        yield scrapy.Request(with_query(response.url, batch=batch))


# --- the spider ---


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the decision at its public URL or its API URL."""
    parts = urlsplit(url or "")
    if f"{parts.scheme}://{parts.netloc}{parts.path}".startswith(PUBLIC_DECISION):
        return case_id(parts.path.rsplit("/", 1)[-1] or None)
    if parts.netloc == urlsplit(OFFICIAL).netloc and parts.path.endswith("/decision"):
        return case_id((parse_qs(parts.query).get("id") or [None])[0])
    return None


DECLARATION = SourceContract(
    id=SOURCE,
    name="Judilibre (Cour de cassation)",
    kind="case_law",
    base_url=HOST,
    licence="Licence Ouverte 2.0 (Etalab)",
    licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    terms_url="https://piste.gouv.fr/cgu",
    rate_limit_text="PISTE per-application quotas, not published; 429 past them, 423 on suspicious activity",
    rate_limit=(10, 1.0),
    download_delay=1.0,
    deadline_seconds=2 * 3600,
    auth=Auth.header_key(env="JUDILIBRE_KEY_ID", header="KeyId"),
    parser_version="1",
    notes="JSON API on PISTE (KeyId header). Pseudonymised decisions of the Cour de cassation and the "
          "cours d'appel; no party names.",
    case_id_for_url=case_id_for_url,
)


class JudilibreSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/judilibre/v1\.0/search$", parse_search),
        (r"/judilibre/v1\.0/export$", parse_export),
        (r"/judilibre/v1\.0/decision$", parse_decision),
    ]
    json_keys = {"text": parse_decision, "resolved": parse_search, "results": parse_search}

    def __init__(self, *args, bulk=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bulk = str(bulk or "").lower() in ("1", "true", "yes")
        self.decisions_requested: set[str] = set()

    def discovery_requests(self):
        if self.bulk:
            yield self.request(export_url(self.since))
            return
        for term in SEARCH_TERMS:
            yield self.request(search_url(term, self.since), query=term, limit=self.limit)

    def parse(self, response):
        # The cap on decisions holds for the whole run, over every term, each decision once.
        for result in super().parse(response):
            if not isinstance(result, scrapy.Request):
                yield result
            elif urlsplit(result.url).path.endswith("/decision"):
                official = self.to_official_url(result.url)
                if official in self.decisions_requested or self.limit_reached():
                    continue
                self.decisions_requested.add(official)
                # Listed, then 404: the decision was withdrawn, and the error names it.
                result.meta["expects"] = ("case", case_id_for_url(official))
                yield result
            elif not self.limit_reached():
                yield result

    def limit_reached(self) -> bool:
        return self.limit is not None and len(self.decisions_requested) >= self.limit
