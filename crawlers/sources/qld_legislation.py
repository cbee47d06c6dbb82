"""Queensland legislation (legislation.qld.gov.au): the in-force Acts and subordinate
legislation of Queensland, published by the Office of the Queensland Parliamentary Counsel
(OQPC).

Base URL: https://www.legislation.qld.gov.au (legislation.qld.gov.au is the same site).
Addresses used:
    /view/whole/html/inforce/current/{id}
        the whole in-force text as HTML (`act-1899-009` = Criminal Code Act 1899, whose
        Schedule 1 is the Criminal Code itself); `/view/whole/html/inforce/{YYYY-MM-DD}/{id}`
        the version in force that day. `/view/xml/...` serves XML, which public clients
        fetch but none describes: not used.
Licence:  State of Queensland copyright; the site's disclaimer
          (https://www.legislation.qld.gov.au/disclaimer, read through the search tool) says
          its links are aids without legal effect; its copyright page was not read, so
          reuse terms beyond citing and quoting are unconfirmed.
Terms:    no published rate limit, quota or key; public clients wait 3 s between requests.
          We send one request at a time, 3 seconds apart.

The Queensland and New South Wales sites run on one platform (the same page shell, meta
keywords naming the QLD PCO on both, `oqpc_boot` style sheets), so the page markup is read
by the readers in `_frag_markup` (see there for what is known and from where).

NO REAL CAPTURE exists here. The examples in tests/examples/qld_legislation/ are written by
us in that markup, with shortened wording in our own words (not the official text) and
placeholder dates.

Keys: `section/N` names a section of the instrument's body, `schedule/1/section/223` one of
a schedule (the Criminal Code's sections all live in Schedule 1 of its Act). Versions as for
NSW: `valid_from` is the latest point-in-time date the page links that is not after the
crawl's day. No discovery: the site's search is a browser application with no documented API.
"""

import re
from datetime import date
from urllib.parse import urlsplit

from ..items import InstrumentItem, ProvisionItem
from ._frag_markup import WholeInstrumentSpider, read_page, sections_of, version_start
from .contract import Auth, SourceContract
from .spider import clean

SOURCE = "qld_legislation"
OFFICIAL = "https://www.legislation.qld.gov.au"
JURISDICTION = "AU-QLD"
#: act-1899-009, sl-2019-0123
INSTRUMENT = re.compile(r"^(?P<type>act|sl)-(?P<year>\d{4})-(?P<number>[0-9a-z]+)$")
WHOLE_PATH = re.compile(r"^/view/whole/html/inforce/(?P<when>current|\d{4}-\d{2}-\d{2})/(?P<id>[a-z]+-\d{4}-[0-9a-z]+)/?$")
KEY = re.compile(r"^(?:schedule/(?P<schedule>[0-9A-Za-z]+)/)?section/(?P<number>[0-9A-Za-z.]+)$")
TITLE_SUFFIX = re.compile(r"\s*-\s*Queensland Legislation(?:\s*-\s*Queensland Government)?\s*$", re.IGNORECASE)


def whole_url(instrument: str, when: str = "current") -> str:
    return f"{OFFICIAL}/view/whole/html/inforce/{when}/{instrument}"


def section_url(instrument: str, number: str, schedule: str | None) -> str:
    anchor = f"sch.{schedule}-sec.{number}" if schedule else f"sec.{number}"
    return f"{OFFICIAL}/view/html/inforce/current/{instrument}#{anchor}"


def instrument_id(instrument: str) -> str:
    """The id of an instrument fetched without a curated row: `au-qld-act-1899-009`."""
    return f"au-qld-{instrument}"


def parse_whole(response):
    """The whole in-force text of an instrument (`/view/whole/html/inforce/current/{id}`).

    Request meta (optional): `instruments` {curated id: [keys]}, `context` {curated id:
    {jurisdiction, status}}, `today` (ISO date). Without them, every section of the body."""
    match = WHOLE_PATH.match(urlsplit(response.url).path)
    if not match:
        raise ValueError(f"not a Queensland whole-instrument address: {response.url}")
    instrument = match["id"]
    root = read_page(response, "Queensland legislation")
    title = TITLE_SUFFIX.sub("", clean(root.findtext(".//title")) or "") or None
    when = match["when"]
    today = response.meta.get("today") or date.today().isoformat()
    valid_from = when if when != "current" else version_start(root, instrument, today)
    wanted = response.meta.get("instruments") or {instrument_id(instrument): None}
    contexts = response.meta.get("context") or {}
    by_schedule: dict[str | None, dict] = {}

    def sections(schedule):
        if schedule not in by_schedule:
            by_schedule[schedule] = sections_of(root, schedule)
        return by_schedule[schedule]

    if not sections(None) and not any(KEY.match(str(k)) and KEY.match(str(k))["schedule"]
                                      for keys in wanted.values() for k in keys or []):
        raise ValueError(f"{instrument}: no sections (div.frag-clause with span.frag-no) in the page")
    for the_id, keys in wanted.items():
        context = contexts.get(the_id) or {}
        yield InstrumentItem(
            id=the_id,
            jurisdiction=context.get("jurisdiction") or JURISDICTION,
            title=title,
            citation=None,  # the page's title is the citation; the curated entry keeps its own
            kind="statute" if instrument.startswith("act-") else "regulation",
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
            keys = [f"section/{number}" for number in sections(None)]
        missing = []
        for key in keys:
            key_match = KEY.match(str(key))
            if not key_match:
                raise ValueError(f"provision key {key!r} is not [schedule/N/]section/N")
            schedule, number = key_match["schedule"], key_match["number"]
            found = sections(schedule).get(number)
            if found is None:
                missing.append(key)
                continue
            heading, lines, _ = found
            repealed = len(lines) == 1 and lines[0].lower().startswith("(repealed")
            yield ProvisionItem(
                id=f"{the_id}/{key}",
                instrument_id=the_id,
                label=number,
                heading=heading,
                text="\n".join(lines) or None,
                language="en",
                url=section_url(instrument, number, schedule),
                extent=None,
                in_force_status="repealed" if repealed else "in_force",
                valid_from=valid_from,
                valid_to=None,
                source=SOURCE,
                identifiers=[{"scheme": "URI", "value": section_url(instrument, number, schedule)}],
            )
        if missing:
            raise ValueError(f"{instrument}: no section for {', '.join(missing)} (wanted by {the_id})")


DECLARATION = SourceContract(
    id=SOURCE,
    name="Queensland legislation (Office of the Queensland Parliamentary Counsel)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("legislation.qld.gov.au",),
    licence="State of Queensland copyright (reuse terms not read)",
    licence_url="https://www.legislation.qld.gov.au/disclaimer",
    terms_url="https://www.legislation.qld.gov.au/disclaimer",
    rate_limit_text="not published, no key; one request at a time, 3 s apart",
    rate_limit=None,
    download_delay=3.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instruments", "context", "today", "tracked"),
    notes="Whole in-force HTML (/view/whole/html/inforce/current/{id}) on the platform NSW shares; version dated "
          "by the latest point-in-time link. No search API. No real capture (built from public parsers of the "
          "shared markup).",
    # A curated instrument keeps its own id; the request carries it.
    curated_instrument_id=None,
)


class QldLegislationSpider(WholeInstrumentSpider):
    contract = DECLARATION
    routes = [(WHOLE_PATH.pattern, parse_whole)]
    INSTRUMENT = INSTRUMENT
    KEY = KEY
    whole_url = staticmethod(whole_url)
    site = "a Queensland"
    example = "act-1899-009"

