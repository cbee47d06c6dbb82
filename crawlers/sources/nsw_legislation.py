"""NSW legislation (legislation.nsw.gov.au): the in-force Acts and statutory instruments of
New South Wales, published by the Parliamentary Counsel's Office (PCO).

Base URL: https://legislation.nsw.gov.au (www.legislation.nsw.gov.au is the same site).
Addresses used:
    /view/whole/html/inforce/current/{id}
        the whole in-force text of an instrument as HTML (`act-1900-040` = Crimes Act 1900
        No 40; `sl-2019-0629` a statutory instrument). The PCO certifies this HTML of the
        In Force database as the correct form of the legislation (s 45C(5) Interpretation
        Act 1987, copyright page). `/view/whole/html/inforce/{YYYY-MM-DD}/{id}` is the
        version in force on that day; the page links the point-in-time versions it knows.
    /export/xml/current/{id}, /export/week?format=json
        the PCO's XML export and weekly change list: served only to addresses the PCO has
        whitelisted on request (condition: run outside Sydney business hours). Not used: no
        public description of the export's XML exists to build a parser on.
Licence:  New South Wales does not enforce its copyright in the legislative material on the
          site when it is published in accordance with the site's notice "Copyright in
          legislation and other material" (https://www.legislation.nsw.gov.au/copyright.html,
          read through the search tool).
Terms:    no published rate limit or key. Since 2026 the site sits behind Cloudflare, which
          answers clients from data-centre addresses with a challenge page ("Just a
          moment...", HTTP 403) unless the PCO has whitelisted the address; public clients
          wait 5 s between pages. We wait 5 s, one request at a time, and treat a challenge
          page as a failed page with its reason, never as an empty text.

NO REAL CAPTURE exists here. The format knowledge comes from public code read through the
search tool: a parser of the whole-instrument HTML with its test fixture (`div.frag-clause`
with id `sec.5`, a heading `div.heading` holding `span.frag-no` and `span.frag-heading`,
the text in `blockquote.children`, `div.frag-historynote` amendment history; schedules
`div.frag-schedule`), an older mapping of the same markup (`frag-subclause`, `frag-li`
paragraphs, `frag-note`, `frag-penalty`, `frag-defterm`, `frag-part`, `frag-division`),
and monitors of the site (point-in-time links `/view/whole/html/inforce/YYYY-MM-DD/{id}`
whose latest date is the last amendment's commencement, while the "Current version for"
bar moves with the calendar; the Cloudflare challenge). The examples in
tests/examples/nsw_legislation/ are written by us in that markup, with shortened wording
in our own words (not the official text) and placeholder dates.

The markup readers live in `_frag_markup` (shared with `qld_legislation`: the Queensland
site runs on the same platform).

Versions: the version read is the current one; its `valid_from` is the latest
point-in-time date the page links that is not after the crawl's day (`today`), else none.
Sections are named `frag-clause` in a regulation's markup; an Act's sections are read
under the same class or `frag-section` (the fixture we had came from a regulation).

Keys: `section/91Q` names a section of the instrument (`source_identifier`, e.g.
`act-1900-040`). No discovery: the site's search is a browser application with no
documented API.
"""

import re
from datetime import date
from urllib.parse import urlsplit

from ..items import InstrumentItem, ProvisionItem
from ._frag_markup import WholeInstrumentSpider, read_page, sections_of, version_start
from .contract import Auth, SourceContract
from .spider import clean

SOURCE = "nsw_legislation"
OFFICIAL = "https://legislation.nsw.gov.au"
JURISDICTION = "AU-NSW"
#: act-1900-040, sl-2019-0629, epi-2012-0628
INSTRUMENT = re.compile(r"^(?P<type>act|sl|epi)-(?P<year>\d{4})-(?P<number>\d+)$")
WHOLE_PATH = re.compile(r"^/view/whole/html/inforce/(?P<when>current|\d{4}-\d{2}-\d{2})/(?P<id>[a-z]+-\d{4}-\d+)/?$")
KEY = re.compile(r"^section/(?P<number>[0-9A-Za-z.]+)$")


def whole_url(instrument: str, when: str = "current") -> str:
    return f"{OFFICIAL}/view/whole/html/inforce/{when}/{instrument}"


def section_url(instrument: str, number: str) -> str:
    """The section's page on the site (its fragment view)."""
    return f"{OFFICIAL}/view/html/inforce/current/{instrument}#sec.{number}"


def instrument_id(instrument: str) -> str:
    """The id of an instrument fetched without a curated row: `au-nsw-act-1900-040`."""
    return f"au-nsw-{instrument}"


def title_and_citation(instrument: str, page_title: str | None) -> tuple[str | None, str | None]:
    """(`Crimes Act 1900`, `Crimes Act 1900 No 40`) from the page's title, which names the
    Act with its number; the number comes from the id when the title lacks it (Acts only)."""
    match = INSTRUMENT.match(instrument)
    if not page_title:
        return None, None
    number = re.search(r"\s+No\s+(\d+)$", page_title)
    title = page_title[:number.start()] if number else page_title
    if not match or match["type"] != "act":
        return title, None
    return title, f"{title} No {int(match['number'])}"


# --------------------------------------------------------------------------- parser


def parse_whole(response):
    """The whole in-force text of an instrument (`/view/whole/html/inforce/current/{id}`).

    Request meta (optional): `instruments` {curated id: [keys]} and `context` {curated id:
    {jurisdiction, status}}; `today` (ISO date) dates the version. Without them, every
    section under the spider's own id."""
    match = WHOLE_PATH.match(urlsplit(response.url).path)
    if not match:
        raise ValueError(f"not an NSW whole-instrument address: {response.url}")
    instrument = match["id"]
    root = read_page(response, "NSW legislation")
    sections = sections_of(root)
    if not sections:
        raise ValueError(f"{instrument}: no sections (div.frag-clause with span.frag-no) in the page")
    page_title = clean(root.findtext(".//title"))
    page_title = re.sub(r"\s*[-|]\s*NSW Legislation\s*$", "", page_title or "", flags=re.IGNORECASE) or None
    title, citation = title_and_citation(instrument, page_title)
    when = match["when"]
    today = response.meta.get("today") or date.today().isoformat()
    valid_from = when if when != "current" else version_start(root, instrument, today)
    wanted = response.meta.get("instruments") or {instrument_id(instrument): None}
    contexts = response.meta.get("context") or {}
    for the_id, keys in wanted.items():
        context = contexts.get(the_id) or {}
        kind = INSTRUMENT.match(instrument)["type"] if INSTRUMENT.match(instrument) else None
        yield InstrumentItem(
            id=the_id,
            jurisdiction=context.get("jurisdiction") or JURISDICTION,
            title=title,
            citation=citation,
            kind="statute" if kind == "act" else "regulation",
            status=context.get("status"),
            date_enacted=None,
            date_in_force=None,
            official_url=whole_url(instrument),
            language="en",
            extent=None,
            source=SOURCE,
            identifiers=[{"scheme": "URI", "value": whole_url(instrument)}],
        )
        if keys is None:
            keys = [f"section/{number}" for number in sections]
        missing = []
        for key in keys:
            key_match = KEY.match(str(key))
            if not key_match:
                raise ValueError(f"provision key {key!r} is not section/N")
            number = key_match["number"]
            if number not in sections:
                missing.append(key)
                continue
            heading, lines, _ = sections[number]
            repealed = len(lines) == 1 and lines[0].lower().startswith("(repealed")
            yield ProvisionItem(
                id=f"{the_id}/{key}",
                instrument_id=the_id,
                label=number,
                heading=heading,
                text="\n".join(lines) or None,
                language="en",
                url=section_url(instrument, number),
                extent=None,
                in_force_status="repealed" if repealed else "in_force",
                valid_from=valid_from,
                valid_to=None,
                source=SOURCE,
                identifiers=[{"scheme": "URI", "value": section_url(instrument, number)}],
            )
        if missing:
            raise ValueError(f"{instrument}: no section for {', '.join(missing)} (wanted by {the_id})")


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="NSW legislation (Parliamentary Counsel's Office, New South Wales)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("www.legislation.nsw.gov.au",),
    licence="NSW does not enforce copyright in legislative material published per the site's notice",
    licence_url="https://www.legislation.nsw.gov.au/copyright.html",
    terms_url="https://www.legislation.nsw.gov.au/copyright.html",
    rate_limit_text="not published; Cloudflare challenges data-centre addresses unless the PCO whitelists them "
                    "(whitelisted clients run outside Sydney business hours); one request at a time, 5 s apart",
    rate_limit=None,
    download_delay=5.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instruments", "context", "today", "tracked"),
    notes="Whole in-force HTML (/view/whole/html/inforce/current/{id}), certified by the PCO; version dated by "
          "the latest point-in-time link. XML export only for whitelisted addresses (not used). No search API. "
          "No real capture (built from public parsers of the markup).",
    # A curated instrument keeps its own id; the request carries it.
    curated_instrument_id=None,
)


class NswLegislationSpider(WholeInstrumentSpider):
    contract = DECLARATION
    routes = [(WHOLE_PATH.pattern, parse_whole)]
    INSTRUMENT = INSTRUMENT
    KEY = KEY
    whole_url = staticmethod(whole_url)
    site = "an NSW"
    example = "act-1900-040"

