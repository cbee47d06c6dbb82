"""Open States API v3 (Plural Policy): United States state bills.

Base URL: https://v3.openstates.org
Endpoints used (JSON):
    /jurisdictions?classification=state&include=legislative_sessions&per_page=52
        every state (with DC and Puerto Rico, which Open States files as states) and its
        legislative sessions (identifier, name, classification, start_date, end_date).
    /bills?jurisdiction={ocd-jurisdiction id}&session={identifier}&q={query}
          &include=actions&include=sponsorships&include=versions&include=abstracts
          &include=sources&page={n}&per_page=20[&updated_since=YYYY-MM-DD]
        a page of bills matching a full-text query in one session of one state;
        `pagination` = {per_page, page, max_page, total_items}; a page past `max_page`
        answers 404, so paging stops at `max_page`.
    /bills/{state abbreviation}/{session}/{identifier}?include=...
        one bill, by what a person cites (the curated bills: see `bill_path`).
Auth:     an API key (OPENSTATES_API_KEY), sent in the `X-API-KEY` header (the API also
          accepts an `apikey` query parameter; we never use it, and still redact it).
Licence:  Open States data is offered for reuse under CC BY 4.0 (open.pluralpolicy.com);
          the bills themselves are public records of the state legislatures.
Terms:    https://open.pluralpolicy.com/ : a free key is limited per minute and per day.
          The API's published source (openstates/api-v3, `api/auth.py`) sets the default
          tier at 10 requests a minute and 250 a day; our notes say about 500 a day. We
          take the lower: a request every 6.5 s (under 10 a minute) and 240 requests a run.
          Past a limit the API answers 429; the shared retry honours Retry-After.

Format knowledge: there is NO real capture of an Open States answer. The parsers follow
the API's own published schema (openstates/api-v3 `api/schemas.py`: Bill, BillAction,
BillDocumentOrVersion, Jurisdiction, LegislativeSession; `api/bills.py` for the query
parameters, `include` values and the 20-per-page maximum; `api/pagination.py` for
`pagination`) and the Open Civic Data action classifications used by the Open States
scrapers. The examples in tests/examples/open_states/ are written by us in that shape.

What the spider does:
(a) tracked bills: each curated instrument whose source is `open_states`; its
    `source_identifier` is `US-XX/{session}/{identifier}` (`US-AK/34/HB 47`), fetched
    by `/bills/ak/34/HB 47` and stored as the BillItem `us-ak-34-hb47`;
(b) the subject in every state: `/jurisdictions` lists the states and their sessions;
    in each, the current session and the two before it (regular sessions, by start
    date, that have started; special sessions are left out to fit the daily quota) are
    searched with one full-text query (`SEARCH_QUERY`, Postgres web-search syntax: OR
    between the subject's phrases), page after page. Every bill found is stored with
    its whole action history. `--since` adds `updated_since`; `--limit` caps the states.

Actions are normalised to `vocabulary.BILL_ACTIONS` from each action's Open States
`classification` list (the source's words kept as `wording`): introduction ->
introduced; passage -> passed_one_chamber, or passed_both once another chamber (or the
unicameral legislature) has passed it; executive-signature -> signed; executive-veto ->
vetoed; failure, withdrawal, veto-override-failure -> failed; became-law (a law
without signature, a chaptered act) -> became_law. Nothing in Open States marks a law
taking effect, so `effective` is never set. The status is `enacted` (signed or became
law), else the last normalised step (`vetoed`, `failed`, `passed_both`, ...), with its date.

What a bill is, besides its steps: `sponsorships` become its sponsors (name, the
person's party where Open States links a person, role `primary` when `primary` is true
else `cosponsor`, and the source's own `classification`: primary, author, cosponsor...);
`subject` its subjects (the state's own subject terms, often empty); the first
`abstracts[].abstract` its summary. Each bill also keeps `US-XX/{session}/{identifier}`
as an OTHER identifier: what a curator writes in `source_identifier`, so the
`bill_instruments` view links a curated bill to the crawled one.
"""

import re
from datetime import date
from urllib.parse import quote, urlencode

import scrapy

from ..items import BillItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, json_object, with_query

SOURCE = "open_states"
OFFICIAL = "https://v3.openstates.org"

#: Everything a bill answer should carry (each is one more list in the same answer,
#: not one more request). `sources` gives the legislature's own page for the bill.
INCLUDES = ("actions", "sponsorships", "versions", "abstracts", "sources")
#: The most /bills allows per page (api/bills.py `max_per_page`).
PAGE_SIZE = 20
#: Sessions searched per state: the current one and the two before it.
SESSIONS_PER_STATE = 3

#: One full-text query for the whole subject (websearch syntax: quoted phrases, OR; AND
#: binds tighter than OR, so the last alternative needs both "sexually explicit" and
#: "digital"). Stemmed by Postgres: deepfake also finds deepfakes.
SEARCH_QUERY = ('deepfake OR "deep fake" OR "intimate image" OR "synthetic media" OR "digitally altered" '
                'OR "sexually explicit" digital')

# Open Civic Data action classifications -> our vocabulary (passage is read per chamber).
SIMPLE_ACTIONS = {
    "introduction": "introduced",
    "executive-signature": "signed",
    "executive-veto": "vetoed",
    "failure": "failed",
    "withdrawal": "failed",
    "veto-override-failure": "failed",
    "became-law": "became_law",
}
ENACTING = ("executive-signature", "became-law")

JURISDICTION_ID = re.compile(r"^ocd-jurisdiction/country:us/(?:state|district|territory):(?P<code>[a-z]{2})/government$")
DETAIL_PATH = re.compile(r"^/bills/(?P<state>[a-z]{2})/(?P<session>[^/]+)/(?P<identifier>[^/]+)/?$")


# --------------------------------------------------------------------------- ids


def jurisdiction_code(ocd_id: str | None) -> str | None:
    """`US-CA` from `ocd-jurisdiction/country:us/state:ca/government`."""
    match = JURISDICTION_ID.match(str(ocd_id or ""))
    return f"US-{match['code'].upper()}" if match else None


def slug(text: str, keep_dash: bool) -> str:
    return re.sub(r"[^a-z0-9]+", "-" if keep_dash else "", str(text).lower()).strip("-")


def bill_id(code: str, session: str, identifier: str) -> str:
    """Our id for a bill: `us-ak-34-hb47`, `us-ny-2025-2026-s7202`."""
    return f"{code.lower()}-{slug(session, True)}-{slug(identifier, False)}"


def split_source_identifier(source_identifier: str) -> tuple[str, str, str] | None:
    """(`US-AK`, `34`, `HB 47`) from a curated `US-AK/34/HB 47`."""
    parts = str(source_identifier or "").split("/")
    if len(parts) != 3 or not re.fullmatch(r"US-[A-Z]{2}", parts[0]) or not parts[1] or not parts[2].strip():
        return None
    return parts[0], parts[1], parts[2].strip()


def bill_id_for(source_identifier: str) -> str | None:
    """The id this spider gives the bill a curated instrument names (`US-AK/34/HB 47`)."""
    parts = split_source_identifier(source_identifier)
    return bill_id(*parts) if parts else None


def bill_path(code: str, session: str, identifier: str) -> str:
    """`/bills/ak/34/HB%2047`: the API takes a state's abbreviation in this path."""
    return f"/bills/{code[3:].lower()}/{quote(session, safe='')}/{quote(identifier, safe='')}"


def include_query() -> list[tuple[str, str]]:
    return [("include", name) for name in INCLUDES]


def detail_url(code: str, session: str, identifier: str) -> str:
    return f"{OFFICIAL}{bill_path(code, session, identifier)}?{urlencode(include_query())}"


def search_url(jurisdiction: str, session: str, page: int = 1, updated_since: str | None = None) -> str:
    params = [("jurisdiction", jurisdiction), ("session", session), ("q", SEARCH_QUERY), *include_query()]
    if updated_since:
        params.append(("updated_since", updated_since))
    params += [("page", page), ("per_page", PAGE_SIZE)]
    return f"{OFFICIAL}/bills?{urlencode(params)}"


def jurisdictions_url() -> str:
    return f"{OFFICIAL}/jurisdictions?" + urlencode(
        [("classification", "state"), ("include", "legislative_sessions"), ("page", 1), ("per_page", 52)])


# --------------------------------------------------------------------------- reading JSON


def read_json(response, expected_key: str) -> dict:
    return json_object(response, expected_key, "Open States")


# --------------------------------------------------------------------------- sessions


def recent_sessions(sessions: list[dict], today: date, count: int = SESSIONS_PER_STATE) -> list[str]:
    """Identifiers of the `count` latest regular sessions that have started by `today`,
    newest first (sessions Open States lists ahead of their start are not current yet)."""
    started = []
    for session in sessions or []:
        if not isinstance(session, dict) or not session.get("identifier"):
            continue
        if str(session.get("classification") or "primary") == "special":
            continue
        start = iso_day(session.get("start_date"))
        if start and start > today.isoformat():
            continue
        started.append((start or "", str(session["identifier"])))
    started.sort(reverse=True)
    return [identifier for _, identifier in started[:count]]


# --------------------------------------------------------------------------- actions


def normalise_actions(actions: list[dict]) -> list[dict]:
    """Open States actions -> [{date, action, wording}] in `BILL_ACTIONS`, in order.

    Passage is read per chamber (`organization.classification`: lower, upper, or
    legislature for Nebraska's single house): the first chamber's passage is
    `passed_one_chamber`, any passage once two chambers (or the whole legislature)
    have passed it is `passed_both`."""
    ordered = sorted((a for a in actions or [] if isinstance(a, dict)),
                     key=lambda a: (str(a.get("date") or "")[:10], a.get("order") or 0))
    passed: set[str] = set()
    normalised = []
    for action in ordered:
        wording = clean(action.get("description"))
        when = iso_day(action.get("date"))
        classes = [str(c) for c in action.get("classification") or []]
        if not wording:
            continue
        labels = ["introduced"] if "introduction" in classes else []
        if "passage" in classes:
            chamber = str((action.get("organization") or {}).get("classification") or "")
            passed.add(chamber)
            whole = len(passed) >= 2 or chamber == "legislature"
            labels.append("passed_both" if whole else "passed_one_chamber")
        labels += [SIMPLE_ACTIONS[c] for c in classes if c in SIMPLE_ACTIONS and c != "introduction"]
        for label in dict.fromkeys(labels):
            normalised.append({"date": when, "action": label, "wording": wording})
    return normalised


def status_of(actions: list[dict], normalised: list[dict]) -> tuple[str | None, str | None]:
    """(status, date): `enacted` on the first signature or became-law action, else the
    last normalised step."""
    for action in sorted((a for a in actions or [] if isinstance(a, dict)), key=lambda a: str(a.get("date") or "")):
        if any(c in ENACTING for c in action.get("classification") or []):
            return "enacted", iso_day(action.get("date"))
    if normalised:
        return normalised[-1]["action"], normalised[-1]["date"]
    return None, None


# --------------------------------------------------------------------------- one bill


def bill_item(bill: dict, curated_id: str | None = None) -> BillItem:
    """A BillItem from one Open States bill object (as /bills lists it or /bills/... returns it)."""
    jurisdiction = bill.get("jurisdiction") or {}
    code = jurisdiction_code(jurisdiction.get("id"))
    identifier = clean(bill.get("identifier"))
    session = clean(bill.get("session"))
    if not code or not identifier or not session:
        raise ValueError(f"an Open States bill without a US state, identifier or session: {bill.get('id')!r}")
    actions = bill.get("actions") or []
    normalised = normalise_actions(actions)
    status, status_date = status_of(actions, normalised)
    identifiers = []
    if bill.get("id"):
        identifiers.append({"scheme": "OTHER", "value": str(bill["id"])})
    identifiers.append({"scheme": "OTHER", "value": f"{code}/{session}/{identifier}"})
    for version in bill.get("versions") or []:
        for link in version.get("links") or []:
            if link.get("url"):
                entry = {"scheme": "URI", "value": link["url"]}
                if entry not in identifiers:
                    identifiers.append(entry)
    # The legislature's own page for the bill, else Open States' page.
    official = next((s.get("url") for s in bill.get("sources") or [] if s.get("url")), None)
    return BillItem(
        id=curated_id or bill_id(code, session, identifier),
        jurisdiction=code,
        identifier=identifier,
        session=session,
        title=clean(bill.get("title")),
        status=status,
        status_date=status_date,
        url=official or bill.get("openstates_url"),
        summary=next((clean(a.get("abstract")) for a in bill.get("abstracts") or []
                      if isinstance(a, dict) and clean(a.get("abstract"))), None),
        subjects=[clean(s) for s in bill.get("subject") or [] if clean(s)] or None,
        source=SOURCE,
        identifiers=identifiers,
        actions=normalised,
        sponsors=[s for s in map(sponsor, bill.get("sponsorships") or []) if s] or None,
    )


def sponsor(sponsorship) -> dict | None:
    """One Open States sponsorship as a BillItem sponsor (None without a name)."""
    if not isinstance(sponsorship, dict):
        return None
    person = sponsorship.get("person") or {}
    name = clean(sponsorship.get("name")) or clean(person.get("name"))
    if not name:
        return None
    return {"name": name, "party": clean(person.get("party")),
            "role": "primary" if sponsorship.get("primary") else "cosponsor",
            "classification": clean(sponsorship.get("classification"))}


# --------------------------------------------------------------------------- parsers


def parse_jurisdictions(response):
    """`/jurisdictions`: one search request per recent session of each state.

    meta: `today` (ISO date: which sessions have started; default today),
    `updated_since` (only bills updated since then), `limit` (at most this many states)."""
    data = read_json(response, "results")
    today = date.fromisoformat(response.meta["today"]) if response.meta.get("today") else date.today()
    limit = response.meta.get("limit")
    states = 0
    for jurisdiction in data["results"] or []:
        if not isinstance(jurisdiction, dict) or not jurisdiction_code(jurisdiction.get("id")):
            continue
        if limit is not None and states >= int(limit):
            break
        states += 1
        for session in recent_sessions(jurisdiction.get("legislative_sessions") or [], today):
            yield scrapy.Request(search_url(jurisdiction["id"], session, 1, response.meta.get("updated_since")))
    following = next_page(data, response.url)
    if following:
        yield scrapy.Request(following, meta={k: response.meta[k] for k in ("today", "limit", "updated_since")
                                              if k in response.meta})


def parse_bill_search(response):
    """`/bills?...`: each bill found becomes a BillItem; then the next page."""
    data = read_json(response, "results")
    for bill in data["results"] or []:
        if isinstance(bill, dict):
            yield bill_item(bill)
    following = next_page(data, response.url)
    if following:
        yield scrapy.Request(following)


def parse_bill_detail(response):
    """`/bills/{state}/{session}/{identifier}`: one bill. meta `curated_id` keeps a
    tracked bill's id when given (it always equals `bill_id_for` of its identifier)."""
    data = read_json(response, "identifier")
    yield bill_item(data, response.meta.get("curated_id"))


def parse_listing(response):
    """A saved `results` answer without its URL: jurisdictions or bills, by their ids."""
    data = read_json(response, "results")
    first = next((r for r in data["results"] or [] if isinstance(r, dict)), {})
    if str(first.get("id", "")).startswith("ocd-jurisdiction/"):
        return parse_jurisdictions(response)
    return parse_bill_search(response)


def next_page(data: dict, url: str) -> str | None:
    """The next page of a listing, until `max_page` (the API answers 404 past it)."""
    pagination = data.get("pagination") or {}
    try:
        page, last = int(pagination.get("page")), int(pagination.get("max_page"))
    except (TypeError, ValueError):
        return None
    return with_query(url, page=page + 1, apikey=None) if page < last else None


# --------------------------------------------------------------------------- the spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Open States API v3 (Plural Policy)",
    kind="bills",
    base_url=OFFICIAL,
    licence="CC BY 4.0 (Open States data)",
    licence_url="https://open.pluralpolicy.com/",
    terms_url="https://open.pluralpolicy.com/",
    rate_limit_text="free key: 10 requests a minute and 250 a day (api-v3 default tier)",
    # The daily limit is the one enforced; the minute's is kept by the delay below (a
    # (10, 60) limit here would hold every fixture crawl for minutes).
    rate_limit=(250, 86400),
    quota_text="free key: 250 requests a day in the API's published tiers (about 500 in our notes)",
    run_quota=240,
    download_delay=6.5,
    deadline_seconds=3600,
    auth=Auth.header_key(env="OPENSTATES_API_KEY", header="X-API-KEY"),
    secret_params=frozenset({"apikey"}),
    parser_version="2",
    parser_meta=("today", "updated_since", "limit", "curated_id"),
    curated_instrument_id=bill_id_for,
    notes="State bills on the subject in every state (current and two previous regular sessions), with "
          "actions normalised from Open States' classifications. Key in OPENSTATES_API_KEY (X-API-KEY header).",
)


class OpenStatesSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/jurisdictions/?$", parse_jurisdictions),
        (r"^/bills/?$", parse_bill_search),
        (DETAIL_PATH.pattern, parse_bill_detail),
    ]
    json_keys = {"results": parse_listing, "identifier": parse_bill_detail}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = date.fromisoformat(today) if today else date.today()

    def discovery_requests(self):
        meta = {"today": self.today.isoformat()}
        if self.since:
            meta["updated_since"] = self.since.isoformat()
        if self.limit is not None:
            meta["limit"] = self.limit
        yield self.request(jurisdictions_url(), **meta)

    def tracked_requests(self):
        """The curated bills (tracked: a failure fails the crawl)."""
        for instrument in self.tracked:
            parts = split_source_identifier(instrument.get("source_identifier") or "")
            if not parts:
                self.logger.warning("open_states: %r is not US-XX/session/identifier", instrument.get("source_identifier"))
                continue
            yield self.request(detail_url(*parts), tracked=True, expects=("bill", bill_id(*parts)),
                               curated_id=bill_id(*parts))

