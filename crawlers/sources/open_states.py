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
Session identifiers in curated `source_identifier`s are Open States' own, as its scrapers
(openstates/openstates-scrapers, scrapers/<state>/__init__.py) name them: `2025A`
(Colorado), `2024RS` (Kentucky), `193rd` (Massachusetts), `221` (New Jersey), `2023-24`
(Washington's 2023-2024 biennium), `2025-2026` (Michigan, Pennsylvania); identifiers are
as the API normalises them (`HB0102` -> `HB 102`, `SB25-288` -> `SB 25-288`). No real
capture of a legislature's bill page exists either: the text examples (text_*) are ours,
in the shape of Washington's, New Jersey's and Mississippi's pages.

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

(c) the text of a tracked bill that became law: Open States lists a bill's text versions
    (`versions[]`: `note`, `date`, `links[]` of {`url`, `media_type`}), each a link to the
    legislature's own copy. Of an enacted tracked bill, the final text is chosen by its
    note (`final_version`: chaptered / session law / public act / act, then enrolled /
    sent to the governor / ratified / signed, then as passed; the latest of the best) and
    its link by media type (HTML, else plain text, else PDF). Where a state names its versions by
    printing alone (Pennsylvania: "Printer's No. 920", no date), the last printing of an
    enacted bill is the text the Governor signed (`LAST_PRINTING`). That page is fetched only from an
    official host of the state's legislature (`LEGISLATURE_HOSTS`, the module's own table:
    sources never read the registry; tests/test_open_states.py checks every host against
    the state's `official_domains` in data/jurisdictions), and stored as the curated
    instrument's `whole` provision (English; `valid_from` the curated in-force date, else
    the enactment date Open States gives; the source's licence by `source`). A final text
    given only as PDF (Arkansas' acts: openstates-scrapers ar/bills.py links the act as
    application/pdf alone) is read as text at the door (`reads_pdf`,
    crawling.middlewares.PdfTextMiddleware) and its printed furniture taken off as that
    legislature prints it (`PDF_LAYOUTS`: line numbers, running heads, page feet, wrapped
    lines rejoined; `_bill_text.pdf_bill_lines`; an act that rewrites a section in place is
    refused where the state marks deleted words only by strike-through, which a PDF's text
    loses); a state whose act PDFs' layout is not
    known here has its PDF-only text recorded, not read. No real PDF of a legislature was
    captured: the layout of Arkansas' acts is known from a text extraction of Act 827 of
    2025 reproduced on a bill tracker, Louisiana's enrolled acts (la/bills.py links every
    version as a PDF) from one of SB 180 of 2014 on the same tracker (see
    tests/examples/open_states/examples.yaml), and
    a PDF whose text cannot be read (encrypted, a scan, too long) is refused at the door
    with the reason, recorded in crawl_errors. What is not
    fetched is recorded in crawl_errors (kind `refused`, not a failed tracked document:
    the gap is permanent, not a fault of the run): a link off those hosts (never followed),
    a final text only as PDF of a state whose act layout is not known, only media, or no
    final version listed; the reason says what that state's Open States data lacks where
    its scraper shows it (`NO_FINAL_VERSION`: Massachusetts' and Delaware's session-law
    chapters are not versions, and API v3 serves no citations; South Carolina's printings
    are named by date alone; Tennessee lists no public chapter) and whose an off-host
    store is (`OFF_HOST_STORES`: Colorado's texts sit in its S3 bucket on amazonaws.com,
    refused like any other host off the state's official domains). Images and
    video are never asked for. The HTML page is read by `_bill_text.bill_lines` (BeautifulSoup;
    scripts, navigation, forms and struck-out words dropped; a page with no enacting words
    or section 1 is refused as not a bill's text). The API key goes to the API only: a
    small downloader middleware takes the header off every request to a legislature.

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
from urllib.parse import quote, unquote, urlencode, urlsplit

import scrapy

from ..items import BillItem, PageError, ProvisionItem
from ..crawling.middlewares import PdfTextMiddleware
from ..pdf_text import is_pdf
from ._bill_text import GENERIC, Layout, NotBillText, PdfLayout, bill_lines, pdf_bill_lines
from ._per_host_mirror import PerHostMirror
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

#: The hosts a state's legislature serves its bill and session-law texts from: a text
#: link is followed only on its own state's hosts. Each host lies on that state's
#: `official_domains` in data/jurisdictions (checked by tests/test_open_states.py); a
#: state not listed has no text fetched (recorded). Exact host names: the crawl's
#: official-hosts check compares them as they are.
LEGISLATURE_HOSTS: dict[str, tuple[str, ...]] = {
    "US-AK": ("www.akleg.gov", "akleg.gov"),
    "US-AR": ("www.arkleg.state.ar.us", "arkleg.state.ar.us"),
    "US-CA": ("leginfo.legislature.ca.gov",),
    "US-CO": ("leg.colorado.gov", "content.leg.colorado.gov"),
    "US-CT": ("www.cga.ct.gov", "cga.ct.gov"),
    "US-DE": ("legis.delaware.gov",),
    "US-IA": ("www.legis.iowa.gov", "legis.iowa.gov"),
    "US-IN": ("iga.in.gov",),
    "US-KS": ("www.kslegislature.gov", "kslegislature.gov"),
    "US-KY": ("apps.legislature.ky.gov", "legislature.ky.gov"),
    "US-LA": ("legis.la.gov", "www.legis.la.gov"),
    "US-MA": ("malegislature.gov",),
    "US-MI": ("legislature.mi.gov", "www.legislature.mi.gov"),
    "US-MN": ("www.revisor.mn.gov", "revisor.mn.gov"),
    "US-MS": ("billstatus.ls.state.ms.us",),
    "US-MT": ("bills.legmt.gov", "archive.legmt.gov", "leg.mt.gov"),
    "US-NJ": ("pub.njleg.state.nj.us", "www.njleg.state.nj.us", "pub.njleg.gov"),
    "US-NY": ("www.nysenate.gov", "nysenate.gov", "assembly.state.ny.us", "nyassembly.gov"),
    "US-PA": ("www.palegis.us", "palegis.us", "www.legis.state.pa.us"),
    "US-SC": ("www.scstatehouse.gov", "scstatehouse.gov"),
    "US-SD": ("sdlegislature.gov", "mylrc.sdlegislature.gov"),
    "US-TN": ("wapp.capitol.tn.gov", "www.capitol.tn.gov", "publications.tnsosfiles.com"),
    "US-WA": ("lawfilesext.leg.wa.gov", "app.leg.wa.gov"),
    "US-WY": ("wyoleg.gov", "www.wyoleg.gov"),
}
HOST_STATE = {host: code for code, hosts in LEGISLATURE_HOSTS.items() for host in hosts}
#: Per-state reading of bill pages, where the generic reader is not enough (none yet:
#: the Washington, New Jersey, Mississippi, Michigan, Pennsylvania and Iowa pages read
#: generically).
LAYOUTS: dict[str, Layout] = {}
#: How a legislature prints an act it gives only as PDF (crawlers.sources._bill_text.PdfLayout).
#: A state not listed has its PDF-only final texts recorded as gaps, not read: its line
#: numbers and running heads would be taken for the act's words.
PDF_LAYOUTS: dict[str, PdfLayout] = {
    # Arkansas' acts (arkleg.state.ar.us /Acts/FTPDocument?...&file=<act>.pdf): the
    # enrolled bill with "Act N of the Regular Session" stamped on it. Every line of a page
    # is numbered 1-36 at the right margin; page 1 opens with the legend on stricken and
    # underlined language and the drafter's stamp (*CEB051* date time CEB051), puts the
    # stage (As Engrossed: H3/19/25 ...) beside "State of Arkansas"; each later page has
    # the stage and the bill (As Engrossed: ... HB1529) as its head and the page number
    # with the stamp's date, time and code as its foot. Deleted words are struck through.
    "US-AR": PdfLayout(
        drop=(r"^Stricken language would be deleted from and underlined language would be added to present law\.?$",
              r"^\*[A-Z]{2,4}\d{3}\*",
              r"^(As Engrossed:(\s[HS]\d{1,2}/\d{1,2}/\d{2})+\s)?[HS][A-Z]{0,3}\d+$",
              r"^\d{1,3}\s\d{2}[-/]\d{2}[-/]\d{4}\s\d{1,2}:\d{2}:\d{2}(\s[AP]M)?(\s[A-Z]{2,4}\d{3})?$"),
        line_number=r"(^|\s)\d{1,2}$",
        strip=(r"\s*As Engrossed:(\s[HS]\d{1,2}/\d{1,2}/\d{2})+",),
        starts=(r"^(?:\(?[0-9]{1,3}[A-Za-z]?[.)]|\([a-zA-Z]{1,4}\)|SECTION \d+\.|\d+-\d+-\d+(?:\.\d+)?\.\s|AN ACT\b|"
                r"BE IT ENACTED|By:|State of Arkansas|\d+(?:st|nd|rd|th) General Assembly|Regular Session|Act \d+ of\b)"),
        alone=r"^(?:For An Act To Be Entitled|Subtitle)$",
        struck_unseen=r"\b(?:is|are) (?:hereby )?amended to read as follows\b"),
    # Louisiana's enrolled acts (legis.la.gov ViewDocument.aspx?d=<id>, which Open States
    # links as application/pdf: openstates-scrapers la/bills.py). Each page opens with
    # "Page N of M" and the coding legend (struck-through words deleted, boldface and
    # underscored words added), then "Regular Session, <year> ENROLLED", the bill and its
    # author; the act's lines are numbered from 1 down each page, the figure coming out
    # glued to the line ("AN ACT1"). A section the act amends and reenacts prints its
    # deleted words struck through, lost in the text: such an act is refused.
    "US-LA": PdfLayout(
        drop=(r"^Page \d+ of \d+$",
              r"^Coding: Words which are struck through are deletions from existing law;$",
              r"^words in boldface type and underscored are additions\.$"),
        counted_numbers=True,
        starts=(r"^(?:AN ACT$|To (?:enact|amend|repeal)\b|Be it enacted|Section \d+\.|§\s?\d|[A-Z]\.\s|\(\d+\)|"
                r"\([a-z]\)|Regular Session|(?:SENATE|HOUSE) BILL NO\.|ACT No\. \d|BY (?:SENATOR|REPRESENTATIVE)|\*\s+\*)"),
        alone=r"^AN ACT$",
        struck_unseen=r"\b(?:is|are) hereby amended and reenacted\b"),
}
#: Where a mirror (the fixture server, a replay) serves a legislature's paths:
#: /open_states/<host>/<path>, beside the API's own paths.
MIRROR_PREFIX = "/" + SOURCE

#: Version notes by how final the text is: (rank, pattern); the best rank wins, then
#: the latest date. A note matching none is not a final text.
VERSION_RANKS = (
    (3, re.compile(r"chapter|session law|public act|public law|\bact\b|\bP\.\s?L\.|enacted", re.IGNORECASE)),
    (2, re.compile(r"enrol|sent to (the )?governor|ratified|signed|approved|final", re.IGNORECASE)),
    (1, re.compile(r"as passed|passed (by )?both|passed legislature", re.IGNORECASE)),
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: The kinds of link a final text is read from, the first preferred.
TEXT_KINDS = ("html", "text", "pdf")
#: States whose versions are named by printing alone, numbered upwards through the
#: session (openstates-scrapers pa/bills.py: "Printer's No. %s", no date): none reads
#: as final, and of an enacted bill the highest printing is the text that was signed.
LAST_PRINTING: dict[str, re.Pattern] = {
    "US-PA": re.compile(r"^Printer's No\. (?P<number>\d+)$"),
}

#: Why a state's enacted bills list no final text in Open States, from its scraper
#: (openstates-scrapers scrapers/<state>/bills.py) and the API's includes (api-v3 bills.py
#: BillInclude: no citations): said in the recorded gap, so a reader knows the gap is the
#: data's, not the crawl's.
NO_FINAL_VERSION: dict[str, str] = {
    "US-MA": "Open States lists the bill's own text alone ('Bill Text', a PDF); the session-law chapter "
             "(malegislature.gov/Laws/SessionLaws/Acts/<year>/Chapter<n>, an HTML page) is not among its versions",
    "US-DE": "Open States lists the original text alone ('Bill Text'); the Laws of Delaware chapter is recorded "
             "as a citation, which API v3 does not serve (its includes have no citations)",
    "US-SC": "Open States lists the printings under /prever/ named by their dates alone; none is marked as the "
             "ratified act",
    "US-TN": "Open States lists the bill's 'Current Version' and its amendments alone; the public chapter "
             "(publications.tnsosfiles.com) is not among its versions",
}
#: A legislature's own document store on a host outside its official domains: a link
#: there is still refused (the host serves anyone's files), and the gap says whose it is.
OFF_HOST_STORES: dict[str, tuple[str, str]] = {
    "US-CO": ("https://s3.us-west-2.amazonaws.com/beta.leg.colorado.gov/",
              "Colorado's document store (the Amazon S3 bucket beta.leg.colorado.gov, where Open States links "
              "Colorado's bill texts) is not on Colorado's official domains"),
}

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


# --------------------------------------------------------------------------- bill texts


def version_rank(version: dict) -> int:
    note = str(version.get("note") or "")
    return next((rank for rank, pattern in VERSION_RANKS if pattern.search(note)), 0)


def final_version(versions: list) -> dict | None:
    """The version holding the bill's final text: the best-ranked note, the latest date
    among those (a later listing wins a tie); None when no note names a final text."""
    ranked = [(version_rank(v), str(v.get("date") or ""), index, v)
              for index, v in enumerate(versions or []) if isinstance(v, dict) and v.get("links")]
    ranked = [entry for entry in ranked if entry[0] > 0]
    return max(ranked, key=lambda entry: entry[:3])[3] if ranked else None


def last_printing(code: str, versions: list) -> dict | None:
    """For a state in `LAST_PRINTING`: its highest-numbered printing with links."""
    pattern = LAST_PRINTING.get(code)
    printings = [(int(match["number"]), v) for v in versions or [] if isinstance(v, dict) and v.get("links")
                 and pattern and (match := pattern.match(str(v.get("note") or "").strip()))]
    return max(printings, key=lambda entry: entry[0])[1] if printings else None


def link_kind(link: dict) -> str:
    """html, text, pdf, media or other: by the link's media type, else its file name."""
    media = str(link.get("media_type") or "").split(";")[0].strip().lower()
    # The file name may sit in the query (Arkansas' FTPDocument?...&file=827.pdf).
    parts = urlsplit(str(link.get("url") or ""))
    path = f"{parts.path}?{parts.query}".lower().rstrip("?")
    if media in HTML_TYPES or (not media and path.endswith((".htm", ".html"))):
        return "html"
    if media == "text/plain" or (not media and path.endswith(".txt")):
        return "text"
    if media == "application/pdf" or path.endswith(".pdf") or ".pdf&" in path:
        return "pdf"
    if media.startswith(("image/", "video/", "audio/")):
        return "media"
    return "other"


def on_legislature_host(code: str, url: str) -> bool:
    return (urlsplit(url).hostname or "") in LEGISLATURE_HOSTS.get(code, ())


def text_instrument_id(code: str, url: str) -> str | None:
    """The instrument a bill text read alone is filed under, from its state and its address
    on the legislature's host: `us-wa-biennium-2023-24-htm-bills-session-laws-house-1999-s-sl-htm`
    (None: an address that names no page)."""
    parts = urlsplit(url)
    where = slug(unquote(parts.path + (f"?{parts.query}" if parts.query else "")), True)
    return f"{code.lower()}-{where}" if where else None


def text_requests(item: BillItem, bill: dict, meta: dict):
    """For an enacted tracked bill: the request for its final text, or the PageError that
    says why it is not fetched (off the legislature's hosts, only a PDF of a state whose
    printed layout is not known, only media, no final version)."""
    instrument_id = meta.get("instrument_id")
    if not instrument_id or item.get("status") != "enacted":
        return
    code = item["jurisdiction"]
    versions = bill.get("versions") or []
    version = final_version(versions) or last_printing(code, versions)
    where = item.get("url") or OFFICIAL

    def gap(url, reason):
        return PageError(url=url, status=None, kind="refused", tracked=False,
                         reason=f"{instrument_id} ({code} {item['identifier']}): {reason}")

    if version is None:
        why = f" ({NO_FINAL_VERSION[code]})" if code in NO_FINAL_VERSION else ""
        yield gap(where, f"no enrolled, chaptered or act version listed{why}: text not fetched")
        return
    links = [link for link in version.get("links") or [] if isinstance(link, dict) and link.get("url")]
    note = version.get("note")
    # HTML first, then plain text, then PDF (read as text at the door, where the state's
    # printed layout is known): what the legislature itself serves, the least printed first.
    texts = sorted((link for link in links if link_kind(link) in TEXT_KINDS),
                   key=lambda link: TEXT_KINDS.index(link_kind(link)))
    if not texts:
        kinds = ", ".join(sorted({link_kind(link) for link in links})) or "nothing"
        yield gap(links[0]["url"] if links else where, f"text only as {kinds} ({note!r}): not read")
        return
    official = [link for link in texts if on_legislature_host(code, link["url"])]
    if not official:
        hosts = ", ".join(sorted({urlsplit(link["url"]).hostname or "?" for link in texts}))
        store, whose = OFF_HOST_STORES.get(code, ("", ""))
        why = f"; {whose}" if store and texts[0]["url"].startswith(store) else ""
        yield gap(texts[0]["url"], f"text link on {hosts}, not a host of the {code} legislature "
                                   f"({', '.join(LEGISLATURE_HOSTS.get(code, ())) or 'none known'}){why}: "
                                   "refused, not followed")
        return
    chosen = official[0]
    kind = link_kind(chosen)
    if kind == "pdf" and code not in PDF_LAYOUTS:
        yield gap(chosen["url"], f"text only as PDF on the {code} legislature's hosts ({note!r}), and how it prints "
                                 "its acts (line numbers, running heads) is not known here: not read")
        return
    yield scrapy.Request(chosen["url"], meta={
        "tracked": True, "instrument_id": instrument_id, "state": code,
        "version": clean(note), "bill_id": item["id"], "format": kind,
        "valid_from": meta.get("in_force") or (item.get("status_date") if item.get("status") == "enacted" else None),
    })


def from_pdf(response) -> bool:
    """Whether a text response is a PDF's text: said by the PDF reader's header in a crawl
    (crawling.middlewares.PdfTextMiddleware), by the request (`format`), else by the
    address (a saved PDF given to `sii-atlas parse`)."""
    if response.headers.get(PdfTextMiddleware.CONVERTED_HEADER) == b"application/pdf":
        return True
    if response.meta.get("format"):
        return response.meta["format"] == "pdf"
    return link_kind({"url": response.url}) == "pdf"


def parse_bill_text(response):
    """A legislature's page holding a bill's final text: the `whole` provision of the
    instrument it is the text of. meta: `instrument_id` (whose text), `state`, `valid_from`.

    A crawl always says `instrument_id`: the text is attached to the curated instrument the
    enacted bill made. Read alone (a saved page, `sii-atlas parse`, no meta), nothing names
    that instrument, so the text is filed under one derived from the page's state (its host,
    through HOST_STATE) and path (`text_instrument_id`), with no `valid_from`."""
    host = urlsplit(response.url).hostname or ""
    code = response.meta.get("state") or HOST_STATE.get(host)
    if not code or not on_legislature_host(code, response.url):
        raise ValueError(f"{response.url} is not on a host of the {code or '?'} legislature")
    instrument_id = response.meta.get("instrument_id") or text_instrument_id(code, response.url)
    if not instrument_id:
        raise ValueError(f"whose text is {response.url}? (request meta `instrument_id`, or the address of a page)")
    media = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
    if is_pdf(response.body):
        # Only a source that does not read PDFs gets one (reads_pdf turns it into its text).
        raise ValueError(f"{response.url} answered a PDF that was not read as text")
    try:
        if from_pdf(response):
            layout = PDF_LAYOUTS.get(code)
            if layout is None:
                raise NotBillText(f"{response.url} is a PDF, and how the {code} legislature prints its acts is not known")
            lines = pdf_bill_lines(response.text, layout, response.url)
        elif media == "text/plain":
            lines = [line for line in (clean(raw) for raw in response.text.splitlines()) if line]
            if not lines:
                raise NotBillText(f"empty page at {response.url}")
        else:
            lines = bill_lines(response.body, LAYOUTS.get(code, GENERIC), response.url)
    except NotBillText as error:
        raise ValueError(str(error)) from None
    yield ProvisionItem(
        id=f"{instrument_id}/whole",
        instrument_id=instrument_id,
        label="whole",
        heading=None,
        text="\n".join(lines),
        language="en",
        url=response.url,
        extent=None,
        in_force_status=None,
        valid_from=iso_day(response.meta.get("valid_from")),
        valid_to=None,
        source=SOURCE,
        identifiers=[{"scheme": "URI", "value": response.url}],
    )


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
    tracked bill's id when given (it always equals `bill_id_for` of its identifier);
    meta `instrument_id` names the curated instrument whose text an enacted bill's
    final version is (`in_force`: its curated in-force date), see `text_requests`."""
    data = read_json(response, "identifier")
    item = bill_item(data, response.meta.get("curated_id"))
    yield item
    yield from text_requests(item, data, response.meta)


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
    # The legislatures whose bill texts are fetched (their official hosts only).
    alias_hosts=tuple(sorted(HOST_STATE)),
    licence="CC BY 4.0 (Open States data); bill and session-law texts: public records of the state legislatures",
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
    # The key goes to the API alone: no legislature's server is ever sent it.
    credential_hosts=(urlsplit(OFFICIAL).netloc,),
    secret_params=frozenset({"apikey"}),
    parser_version="5",
    parser_meta=("today", "updated_since", "limit", "curated_id", "instrument_id", "in_force", "state",
                 "valid_from", "version", "bill_id", "format"),
    # A final text given only as PDF (Arkansas' acts) is read as text at the door; HTML or
    # plain text is always preferred where the legislature gives it.
    reads_pdf=True,
    curated_instrument_id=bill_id_for,
    notes="State bills on the subject in every state (current and two previous regular sessions), with "
          "actions normalised from Open States' classifications; the final text of a tracked enacted bill from "
          "its legislature's own host (HTML or plain text, else a PDF read as text where the state's printed "
          "layout is known). Key in OPENSTATES_API_KEY (X-API-KEY header, sent to the API only).",
)


class OpenStatesSpider(PerHostMirror, SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/jurisdictions/?$", parse_jurisdictions),
        (r"^/bills/?$", parse_bill_search),
        (DETAIL_PATH.pattern, parse_bill_detail),
    ]
    json_keys = {"results": parse_listing, "identifier": parse_bill_detail}
    # A mirror serves each legislature's paths under /open_states/<host>/, the API's at its own.
    mirror_prefix = MIRROR_PREFIX

    @classmethod
    def parser_for(cls, url: str, body: bytes | None = None):
        """A legislature's page is a bill text, whatever its path; the API by its routes."""
        if urlsplit(url).hostname in HOST_STATE:
            return parse_bill_text
        return super().parser_for(url, body)

    def mirrored_hosts(self) -> set[str]:
        return set(HOST_STATE)

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
            extra = {"instrument_id": instrument["id"]} if instrument.get("id") else {}
            if instrument.get("date_in_force"):
                extra["in_force"] = str(instrument["date_in_force"])
            yield self.request(detail_url(*parts), tracked=True, expects=("bill", bill_id(*parts)),
                               curated_id=bill_id(*parts), **extra)

