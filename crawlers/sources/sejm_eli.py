"""Sejm ELI API: Poland's Dziennik Ustaw and Monitor Polski (Kancelaria Sejmu, ISAP).

Base URL: https://api.sejm.gov.pl/eli
Endpoints (OpenAPI at https://api.sejm.gov.pl/eli/openapi/, described on
https://api.sejm.gov.pl/eli.html; all GET, all JSON except the texts):
    /acts/{publisher}/{year}/{pos}             an act's record: ELI, title, type, status,
                                               inForce, announcementDate, promulgation,
                                               entryIntoForce, legalStatusDate, textHTML,
                                               texts, references {category: [{id, art?, date?}]}
    /acts/{publisher}/{year}/{pos}/text.html   the act's text as structured HTML
    /acts/search?title=...&publisher=DU&limit=N&offset=N
                                               {count, totalCount, offset, items: [act records]}
Licence:  no licence or terms of use are published on the API's pages
          (https://api.sejm.gov.pl/eli.html); the texts are normative acts, which Polish
          copyright law leaves unprotected (ustawa o prawie autorskim, art. 4 pkt 1-2).
          Every row names its source; no key.
Terms:    no published rate limit or quota; we send one request at a time, 1 s apart
          (public clients use 0.5 s). The Sejm API's documentation
          (https://api.sejm.gov.pl/sejm.html) answers 200, 400 (bad request) and 404 (no
          such resource), the last for an act that does not exist.

What the spider does:
(a) tracked instruments: for each curated Polish instrument whose source is `sejm_eli`
    (`source_identifier`: the act's ELI, `DU/1997/553` for the Kodeks karny), the act's
    record (an InstrumentItem under the curated id). The record's references under
    "Inf. o tekście jednolitym" list the consolidated texts (obwieszczenia); the newest
    (highest year, then position) is the current one. Its own record is read next: it
    must point back at the act ("Tekst jednolity dla aktu"), and when it has no HTML
    (`textHTML: false`, PDF only, usual for the newest texts: a publication lag) the
    next newest consolidated text with HTML is used instead, and its provisions are
    stored without an in-force status (a newer text exists). Its
    `text.html` then gives each key provision (`key`: the unit's path in that HTML,
    `arti_191a-para_1` for art. 191a § 1), in Polish.
(b) discovery: the title search on Polish terms (`SEARCH_TERMS`); every act found is a
    CandidateItem, never a tracked instrument.

Dates. The API gives an act's entry into force and a consolidated text's
`legalStatusDate` (the state of the law it shows), not the date each provision's
wording started: provisions carry no valid_from / valid_to, and their URL names the
consolidated text they were read from. Amendments published after that text are listed
under "Nowelizacje po tekście jednolitym"; when there are any, the provisions are
stored without an in-force status (the text may be out of date).

Format knowledge. NO real capture of this API exists in /work/shared/samples. The
shapes here come from (1) a real record kept by a public pipeline
(legalize-dev/legalize-pipeline, tests/fixtures/pl/sample-pdf-only-2025-1699.meta.json:
key order, `references` as {category: [{id, art?}]}, `texts`, `textHTML: false`),
(2) public clients' notes verified against the live API (reference categories "Inf. o
tekście jednolitym" on a base act and "Tekst jednolity dla aktu" / "Nowelizacje po
tekście jednolitym" on a consolidated text; search answers {count, totalCount, offset,
items}), and (3) public parsers' fixtures of `text.html` (`div.unit.unit_arti` with
`data-id="arti_148"`, nested `unit_para` (§) / `unit_pass` (ust.) / `unit_pint` (pkt) /
`unit_lett` (lit.), each with its label in `<h3>` and its words in
`div[data-template=xText]`; a consolidated text's law sits in a "Załącznik" part, and
articles quoted inside the obwieszczenie's own passages are nested in `unit_pass` /
`unit_pint` and are not the law's). Our examples in tests/examples/sejm_eli/ follow
those shapes with the Kodeks karny's articles 191a and 202.
Errors: an empty or non-JSON body, an HTML page where JSON was expected, a record
without its ELI, a text.html without the wanted unit, all raise SejmEliError.
"""

import json
import logging
import re
from urllib.parse import urlencode

import scrapy
from lxml import html as lxml_html

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, with_query

logger = logging.getLogger(__name__)

SOURCE = "sejm_eli"
OFFICIAL = "https://api.sejm.gov.pl/eli"
ACTS = f"{OFFICIAL}/acts"
ISAP = "https://isap.sejm.gov.pl/isap.nsf/DocDetails.xsp?id="
LANGUAGE = "pl"
JURISDICTION = "PL"
PAGE_SIZE = 50
#: Search pages read per term at most.
MAX_PAGES = 5

#: The subject's terms, in Polish, as words of an act's title (the search reads titles).
SEARCH_TERMS = (
    "o zmianie ustawy - Kodeks karny",
    "wizerunku",
    "pornografi",
    "sztucznej inteligencji",
    "ochronie małoletnich",
)

ELI_ID = re.compile(r"^(?P<publisher>DU|MP)/(?P<year>\d{4})/(?P<pos>\d+)$")
CONSOLIDATED_TEXTS = "Inf. o tekście jednolitym"
CONSOLIDATES = "Tekst jednolity dla aktu"
LATER_AMENDMENTS = "Nowelizacje po tekście jednolitym"
#: A unit's path in text.html: `arti_191a`, `arti_202-para_4b`.
UNIT_KEY = re.compile(r"^arti_[0-9a-z]+(-(para|pass|pint|lett)_[0-9a-z]+)*$")
#: Units of text.html, outermost first, with how a citation names them.
UNIT_NAMES = {"arti": "art.", "para": "§", "pass": "ust.", "pint": "pkt", "lett": "lit."}
REPEALED = re.compile(r"^\(?\s*(uchylony|uchylona|uchylone|pominięty)\s*\)?\.?$", re.IGNORECASE)
STATUTE_TYPES = ("ustawa", "konstytucja", "dekret")


class SejmEliError(ValueError):
    """A body that is not a good answer of the Sejm ELI API."""


def act_url(eli: str) -> str:
    return f"{ACTS}/{eli}"


def text_url(eli: str) -> str:
    return f"{ACTS}/{eli}/text.html"


def isap_url(record: dict) -> str | None:
    address = clean(record.get("address"))
    return f"{ISAP}{address}" if address else None


def default_instrument_id(eli: str) -> str:
    return "pl-" + eli.lower().replace("/", "-")


def eli_of(url: str) -> str:
    match = re.search(r"/eli/acts/((?:DU|MP)/\d{4}/\d+)(?:/|$)", url)
    if not match:
        raise SejmEliError(f"no ELI (DU/year/pos) in {url}")
    return match.group(1)


def order(eli: str) -> tuple[int, int]:
    match = ELI_ID.match(eli or "")
    return (int(match["year"]), int(match["pos"])) if match else (0, 0)


def json_body(response) -> dict:
    body = response.body.strip()
    if not body:
        raise SejmEliError(f"empty body at {response.url}")
    if body[:1] == b"<":
        raise SejmEliError(f"an HTML page where the API's JSON was expected at {response.url}: {body[:60]!r}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SejmEliError(f"not JSON at {response.url}: {body[:60]!r}") from None
    if not isinstance(data, dict):
        raise SejmEliError(f"expected a JSON object at {response.url}, found {type(data).__name__}")
    return data


def references(record: dict, category: str) -> list[str]:
    """The ELIs a record's references list under one category, as given."""
    entries = (record.get("references") or {}).get(category) or []
    return [entry["id"] for entry in entries if isinstance(entry, dict) and ELI_ID.match(str(entry.get("id") or ""))]


# --------------------------------------------------------------------------- act records


def parse_act(response):
    """`/acts/{publisher}/{year}/{pos}`: an act's record.

    Read for a tracked instrument it is an InstrumentItem, then the request for its
    current consolidated text; read as that consolidated text (`consolidates` in the
    meta) it leads to the text (or, PDF only, to the next candidate)."""
    record = json_body(response)
    eli = clean(record.get("ELI"))
    if not eli or not ELI_ID.match(eli):
        raise SejmEliError(f"an act record without its ELI at {response.url} (keys: {sorted(record)[:8]})")
    if response.meta.get("consolidates"):
        yield from consolidated_text(record, eli, response)
        return
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(eli)
    yield instrument_from(record, eli, instrument_id)
    keys = list(response.meta.get("keys") or [])
    if not keys:
        return
    candidates = sorted(references(record, CONSOLIDATED_TEXTS), key=order, reverse=True)
    # The steps towards a tracked text are tracked too: their failure fails the crawl.
    context = {"instrument_id": instrument_id, "keys": keys, "consolidates": eli, "tracked": True}
    if candidates:
        yield scrapy.Request(act_url(candidates[0]), meta={**context, "fallbacks": candidates[1:]}, dont_filter=True)
    elif record.get("textHTML"):
        # Never consolidated: the act's own text is its current wording.
        yield scrapy.Request(text_url(eli), meta={**context, "text_of": eli, "later_amendments": 0}, dont_filter=True)
    else:
        raise SejmEliError(f"{eli} has no consolidated text and no HTML text: its provisions cannot be read")


def instrument_from(record: dict, eli: str, instrument_id: str) -> InstrumentItem:
    kind = (clean(record.get("type")) or "").lower()
    in_force = clean(record.get("inForce"))
    status = {"IN_FORCE": "in_force", "NOT_IN_FORCE": "repealed"}.get(in_force or "")
    if status == "repealed" and not record.get("expirationDate") and "uchylon" not in (record.get("status") or ""):
        status = None  # not (or not yet) in force, without a repeal: we do not guess which
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=JURISDICTION,
        title=clean(record.get("title")) or eli,
        citation=clean(record.get("displayAddress")) or eli,
        kind="statute" if kind in STATUTE_TYPES else "regulation",
        status=status,
        date_enacted=iso_day(record.get("announcementDate")),
        date_in_force=iso_day(record.get("entryIntoForce")),
        official_url=isap_url(record) or act_url(eli),
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "ELI", "value": eli}],
    )


def consolidated_text(record: dict, eli: str, response):
    base = response.meta["consolidates"]
    if base not in references(record, CONSOLIDATES):
        raise SejmEliError(f"{eli} does not say it consolidates {base} (its '{CONSOLIDATES}': "
                           f"{references(record, CONSOLIDATES)})")
    context = {key: response.meta.get(key) for key in ("instrument_id", "keys", "consolidates")}
    context["tracked"] = True
    fallbacks = list(response.meta.get("fallbacks") or [])
    if record.get("textHTML"):
        yield scrapy.Request(text_url(eli), dont_filter=True, meta={
            **context, "text_of": eli, "later_amendments": len(references(record, LATER_AMENDMENTS)),
            "superseded_by": response.meta.get("superseded_by")})
        return
    # The newest consolidated texts are often PDF only (a publication lag, not an
    # error): read the next newest, and remember that it is not the current one.
    if not fallbacks:
        raise SejmEliError(f"no consolidated text of {base} has an HTML text")
    logger.info("sejm_eli: consolidated text %s of %s is PDF only; reading %s", eli, base, fallbacks[0])
    yield scrapy.Request(act_url(fallbacks[0]), dont_filter=True, meta={
        **context, "fallbacks": fallbacks[1:], "superseded_by": response.meta.get("superseded_by") or eli})


# --------------------------------------------------------------------------- text.html


def parse_text(response):
    """`/acts/.../text.html`: the law's units as provisions (the wanted keys, else every article)."""
    body = response.body.strip()
    if not body:
        raise SejmEliError(f"empty body at {response.url}")
    if body[:1] in (b"{", b"["):
        raise SejmEliError(f"JSON where the act's HTML text was expected at {response.url}: {body[:80]!r}")
    document = lxml_html.fromstring(body)
    articles = law_articles(document)
    if not articles:
        raise SejmEliError(f"no article (div.unit_arti) in the text at {response.url}")
    eli = response.meta.get("text_of") or eli_of(response.url)
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(eli)
    keys = list(response.meta.get("keys") or [])
    # Amended since, or replaced by a newer (PDF-only) consolidated text: maybe out of date.
    current = not response.meta.get("later_amendments") and not response.meta.get("superseded_by")
    if not keys:
        for data_id, unit in articles.items():
            yield provision(unit, data_id, instrument_id, eli, current)
        return
    missing = []
    for key in keys:
        unit = find_unit(articles, key)
        if unit is None:
            missing.append(key)
            continue
        yield provision(unit, key, instrument_id, eli, current)
    if missing:
        raise SejmEliError(f"{eli}: no unit {', '.join(missing)} in the text (articles run "
                           f"{next(iter(articles))} to {next(reversed(articles))})")


def unit_kind(element) -> str | None:
    for name in (element.get("class") or "").split():
        if name.startswith("unit_"):
            return name[len("unit_"):]
    return None


def law_articles(document) -> dict:
    """{data-id: element} of the law's own articles, in order; articles quoted inside
    another unit (an obwieszczenie's passage, an amending provision) are left out."""
    found = {}
    for element in document.iter("div"):
        if unit_kind(element) != "arti":
            continue
        if any(unit_kind(parent) in UNIT_NAMES for parent in element.iterancestors("div")):
            continue
        data_id = element.get("data-id")
        if data_id and data_id not in found:
            found[data_id] = element
    return found


def find_unit(articles: dict, key: str):
    if not UNIT_KEY.match(key):
        raise SejmEliError(f"provision key {key!r} is not a unit path like arti_191a or arti_202-para_4b")
    first, *rest = key.split("-")
    unit = articles.get(first)
    for step in rest:
        if unit is None:
            return None
        unit = next((child for child in unit.iter("div") if child is not unit and child.get("data-id") == step
                     and unit_kind(child) in UNIT_NAMES), None)
    return unit


def citation_of(key: str) -> str:
    """`arti_202-para_4b` -> `art. 202 § 4b`."""
    parts = []
    for step in key.split("-"):
        kind, _, number = step.partition("_")
        parts.append(f"{UNIT_NAMES[kind]} {number}")
    return " ".join(parts)


def unit_parts(unit) -> tuple[str | None, str | None, list]:
    """(label, own words, units inside) of a text.html unit: the label is its `<h3>`
    (`Art. 191a.`, `§ 1.`, `1)`), the words sit in `unit-inner` (in `xText` divs, or
    loose in older texts) before and between the units it holds."""
    label = clean(" ".join(h.text_content() for h in unit.findall("h3")))
    inner = unit.find("div[@class='unit-inner']")
    container = inner if inner is not None else unit
    words, children = [container.text if inner is not None else None], []
    for element in container:
        if not isinstance(element.tag, str) or element.tag == "h3":
            continue
        if unit_kind(element):
            children.append(element)
        else:
            words.append(element.text_content())
        words.append(element.tail)
    return label, clean(" ".join(w for w in words if w)), children


def unit_lines(unit) -> list[str]:
    """A unit's words, one line per unit (label first), then each unit inside it."""
    label, own, children = unit_parts(unit)
    line = " ".join(part for part in (label, own) if part)
    lines = [line] if line else []
    for child in children:
        lines.extend(unit_lines(child))
    return lines


def provision(unit, key: str, instrument_id: str, eli: str, current: bool) -> ProvisionItem:
    lines = unit_lines(unit)
    # The article's own heading (`Art. 191a.`) opens its first line: the label says it.
    if lines and unit_kind(unit) == "arti":
        lines[0] = clean(re.sub(r"^Art\.\s*[0-9a-z]+\.\s*", "", lines[0])) or ""
        lines = [line for line in lines if line]
    _, own, children = unit_parts(unit)
    repealed = not children and bool(own and REPEALED.match(own))
    return ProvisionItem(
        id=f"{instrument_id}/{key}",
        instrument_id=instrument_id,
        label=citation_of(key),
        text="\n".join(lines) or None,
        language=LANGUAGE,
        url=text_url(eli),
        in_force_status="repealed" if repealed else ("in_force" if current else None),
        source=SOURCE,
    )


# --------------------------------------------------------------------------- search


def parse_search(response):
    """`/acts/search?...`: every act found as a candidate, then the next page."""
    data = json_body(response)
    if "items" not in data:
        message = data.get("message") or data.get("error") or data.get("detail")
        raise SejmEliError(f"not a search answer at {response.url}" + (f": {message}" if message else
                                                                       f" (keys: {sorted(data)[:8]})"))
    items = data.get("items") or []
    query = response.meta.get("query")
    since = response.meta.get("since")
    for record in items:
        eli = clean(record.get("ELI"))
        if not eli or not ELI_ID.match(eli):
            continue
        published = iso_day(record.get("promulgation")) or iso_day(record.get("announcementDate"))
        if since and published and published < since:
            continue
        yield CandidateItem(
            id=default_instrument_id(eli),
            jurisdiction=JURISDICTION,
            title=clean(record.get("title")) or eli,
            url=isap_url(record) or act_url(eli),
            published=published,
            matched_query=query,
            source=SOURCE,
        )
    offset = int(data.get("offset") or 0)
    total = int(data.get("totalCount") or 0)
    page = int(response.meta.get("page") or 1)
    if items and offset + len(items) < total and page < MAX_PAGES:
        meta = {key: value for key, value in (("query", query), ("since", since)) if value}
        yield scrapy.Request(with_query(response.url, offset=offset + len(items)), meta={**meta, "page": page + 1})


def search_url(term: str) -> str:
    return f"{ACTS}/search?" + urlencode({"publisher": "DU", "title": term, "limit": PAGE_SIZE, "offset": 0})


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Sejm ELI API: Dziennik Ustaw and Monitor Polski (Kancelaria Sejmu, ISAP)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="No licence published; normative acts are outside copyright (Polish copyright act, art. 4); source named",
    licence_url="https://api.sejm.gov.pl/eli.html",
    terms_url="https://api.sejm.gov.pl/eli.html",
    rate_limit_text="none published; one request at a time, 1 s apart",
    rate_limit=None,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "keys", "consolidates", "fallbacks", "text_of", "later_amendments",
                 "superseded_by", "query", "page"),
    notes="Act records and search as JSON, texts as structured HTML (text.html); no key. Tracked provisions are read "
          "from the newest consolidated text (tekst jednolity) that has HTML, found through the act's references.",
    # Several curated instruments share one act (the Kodeks karny): the spider carries
    # the curated id in each request instead of deriving it from the ELI.
    curated_instrument_id=None,
)


class SejmEliSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/eli/acts/search$", parse_search),
        (r"/eli/acts/(DU|MP)/\d{4}/\d+/text\.html$", parse_text),
        (r"/eli/acts/(DU|MP)/\d{4}/\d+$", parse_act),
    ]

    def discovery_requests(self):
        since = self.since_meta()
        for term in SEARCH_TERMS:
            yield self.request(search_url(term), query=term, page=1, **since)

    def tracked_requests(self):
        for instrument in self.tracked_within_limit():
            eli = str(instrument.get("source_identifier") or "").strip()
            if not ELI_ID.match(eli):
                self.logger.warning("sejm_eli: %s has no ELI (DU/year/pos) as source_identifier (%r)",
                                    instrument.get("id"), eli)
                continue
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            # Several curated instruments share one act: each asks under its own id.
            yield self.request(act_url(eli), tracked=True,
                               instrument_id=instrument["id"], keys=keys).replace(dont_filter=True)
