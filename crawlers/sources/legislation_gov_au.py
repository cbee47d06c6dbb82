"""Federal Register of Legislation (legislation.gov.au): Commonwealth Acts and instruments
(Office of Parliamentary Counsel).

Base URL: https://www.legislation.gov.au (text), with its API at
https://api.prod.legislation.gov.au/v1 (OData; the same paths are kept when a crawl runs
against a mirror: the API's paths start with /v1/, the text's with a title id).
Licence: CC BY 4.0 (Commonwealth of Australia), https://www.legislation.gov.au/terms-of-use.
Terms: the API is free and needs no key (the Register's "data share and reuse" page and
its OpenAPI description at /swagger/v1/swagger.json, as summarised by third-party
projects read through the search tool). robots.txt on www.legislation.gov.au asks for a
Crawl-delay of 10 seconds; we wait that long between any two requests. `$top` is at
most 100 (larger answers 400).

NO REAL CAPTURE of an API answer or of a text page exists here: the only real capture,
/work/shared/samples/legislation_gov_au/federal-test.html, is the site's Angular shell
(`<frl-root>`, `ng-version`), which carries no law text. Everything below is built
from the API's documentation as public clients of it describe it (field names of
Title and Version records; the text rendition's address and CSS classes), read through
the search tool. The example answers in tests/examples/legislation_gov_au/ are
written by us in that shape and are marked so.

What this spider does, per curated instrument whose source is `legislation_gov_au`:
1. `GET /v1/titles('{id}')` (id like C2021A00076: collection letter, year, series,
   number): the instrument (name, making date, status, series number).
2. For each title holding a tracked provision, `GET /v1/versions?$filter=titleId eq
   '{id}'&$orderby=start desc&$top=100`: the versions (compilations), each with
   `start`, `retrospectiveStart`, `end`, `isCurrent`, `isLatest`, `registerId`
   (e.g. C2025C00123; null when the Register knows of a commenced amendment but has not
   published the compilation yet) and `compilationNumber` ("0" = as made). The current
   version with a published document is read; its start and end date the text
   (`valid_from`, `valid_to`) and its register id identifies it.
3. The text: the API serves documents as Word, PDF or EPUB (binary: never fetched). The
   Register also publishes each EPUB's XHTML as a plain page,
   `https://www.legislation.gov.au/{id}/{start}/{retrospectiveStart}/text/original/epub/OEBPS/document_{n}/document_{n}.html`
   (`/{id}/asmade/{start}/...` for an as-made version [unverified]); a long Act comes in
   volumes (document_1, document_2, ...): the next volume is asked for while tracked
   sections are still missing, up to MAX_VOLUMES.
   The page `/{id}/latest/text` is the Angular shell: not text.

Keys: `section/75` names a section of the instrument's own title;
`C2004A04868/section/474.17A` one of another title (the deepfake amending Act's
sections live, as amended law, in the Criminal Code Act 1995's compilation).

Text page format (OPC's Word styles as CSS classes on `p`): `ActHead1`..`ActHead4`
(Chapter or Schedule, Part, Division, Subdivision; `CharPartNo`, `CharDivNo` spans),
`ActHead5` a section (`CharSectno` span = its number, the rest its heading), then body
paragraphs: `subsection` ("\\t(1)\\tA person ..."), `paragraph`, `paragraphsub`,
`Definition`, `Penalty`, `notetext`, `SubsectionHead`, `Tabletext`, `ItemHead`, `Item`.
`TOC*` and `Header` are navigation; `ENotesHeading1` starts the endnotes (not law).
Section numbers may use a non-breaking hyphen (U+2011) padded with no-break spaces.
"""

import json
import re
from urllib.parse import quote, unquote, urlsplit

import scrapy
from lxml import etree, html as lxml_html

from ..items import InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, keys_by_document

SOURCE = "legislation_gov_au"
OFFICIAL = "https://www.legislation.gov.au"
API = "https://api.prod.legislation.gov.au/v1"
#: Volumes of one compilation asked for at most, while tracked sections are missing.
MAX_VOLUMES = 6
#: A title id: C2004A04868 (Act), F2021L01234 (instrument), C2024C00123 (compilation).
TITLE_ID = re.compile(r"^[A-Z]\d{4}[A-Z]\d{5,6}$")
#: /C2021A00076/2024-06-14/2024-06-14/text/original/epub/OEBPS/document_1/document_1.html
TEXT_PATH = re.compile(r"^/([A-Z]\d{4}[A-Z]\d{5,6})/(?:asmade/)?([\d-]+)(?:/([\d-]+))?/text/original/epub/OEBPS/"
                       r"document_(\d+)/document_\d+\.html$")
TITLE_PATH = re.compile(r"^/v1/titles\('([^']+)'\)$", re.IGNORECASE)
KEY = re.compile(r"^(?:([A-Z]\d{4}[A-Z]\d{5,6})/)?section/([0-9A-Za-z.\-]+)$")

STATUSES = {"InForce": "in_force", "Repealed": "repealed", "Ceased": "repealed", "NeverEffective": "failed"}
#: Classes that carry no law text.
NAVIGATION = re.compile(r"^(TOC\d*|Header|Footer|ENotesHeading\d|ENoteText.*|CompiledActNo|ShortT|LongT|"
                        r"CoverAct|CompiledMadeUnder|SignCoverPageEnd|SignCoverPageStart)$")


def title_url(title_id: str) -> str:
    return f"{API}/titles('{title_id}')"


def versions_url(title_id: str) -> str:
    query = f"$filter={quote(f'titleId eq {chr(39)}{title_id}{chr(39)}')}&$orderby={quote('start desc')}&$top=100"
    return f"{API}/versions?{query}"


def text_url(title_id: str, start: str, retrospective: str | None, compilation: str | None, volume: int = 1) -> str:
    where = f"asmade/{start}" if str(compilation) == "0" else f"{start}/{retrospective or start}"
    return f"{OFFICIAL}/{title_id}/{where}/text/original/epub/OEBPS/document_{volume}/document_{volume}.html"


def instrument_id(title_id: str) -> str:
    """The id of a title fetched without a curated row (e.g. by `sii-atlas parse`)."""
    return f"au-{title_id.lower()}"


def day(value) -> str | None:
    text = str(value or "")
    return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None


def clean(text: str | None) -> str | None:
    if text is None:
        return None
    # Section numbers read "40\u00a0\u2011\u00a01": a non-breaking hyphen padded with no-break spaces.
    text = re.sub(r"\s*\u2011\s*", "-", text).replace("\u00a0", " ")
    text = " ".join(text.split())
    return text or None


def json_body(response) -> dict:
    body = response.body
    if not body or not body.strip():
        raise ValueError("empty response where a Federal Register API answer (JSON) was expected")
    try:
        document = json.loads(body)
    except ValueError:
        start = body.lstrip()[:200].lower()
        kind = "an HTML page" if start.startswith((b"<!doctype", b"<html")) else "not JSON"
        raise ValueError(f"{kind} where a Federal Register API answer (JSON) was expected") from None
    if not isinstance(document, dict):
        raise ValueError("a Federal Register API answer must be a JSON object")
    if "error" in document:
        error = document["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise ValueError(f"Federal Register API error: {message}")
    return document


# --------------------------------------------------------------------------- titles


def parse_title(response):
    """One title (`/v1/titles('C2021A00076')`): the instrument, and a request for the
    versions of each title that holds one of its tracked sections."""
    title = json_body(response)
    title_id = title.get("id")
    if not title_id or not title.get("name"):
        raise ValueError(f"not a Federal Register title record (keys {sorted(title)[:8]})")
    the_id = response.meta.get("instrument_id") or instrument_id(title_id)
    collection = title.get("collection")
    number = title.get("number") or title.get("optionalSeriesNumber")
    year = title.get("year") or (day(title.get("makingDate")) or "")[:4] or None
    if collection == "Act":
        kind = "statute" if title.get("isPrincipal", True) else "amendment"
        citation = f"Act No. {number}, {year}" if number and year else None
    else:
        kind = "regulation"
        citation = title_id
    yield InstrumentItem(
        id=the_id,
        jurisdiction=response.meta.get("jurisdiction") or "AU",
        title=clean(title["name"]),
        citation=citation,
        kind=kind,
        status=response.meta.get("status") or STATUSES.get(title.get("status")),
        date_enacted=day(title.get("makingDate")),
        date_in_force=None,
        official_url=f"{OFFICIAL}/{title_id}/latest/text",
        language="en",
        extent=None,
        source=SOURCE,
        identifiers=[{"scheme": "OTHER", "value": title_id}],
    )
    for text_title, keys in (response.meta.get("texts") or {}).items():
        yield scrapy.Request(versions_url(text_title), meta={
            "title_id": text_title, "instruments": {the_id: list(keys)}, "tracked": True})


# --------------------------------------------------------------------------- versions


def current_version(versions: list[dict]) -> dict | None:
    """The version to read: the current one, or (when its compilation is not published
    yet, `registerId` null) the latest earlier one that has a document."""
    published = [v for v in versions if v.get("registerId")]
    if not published:
        return None
    current = next((v for v in versions if v.get("isCurrent")), None)
    if current is not None and current.get("registerId"):
        return current
    if current is not None:
        earlier = [v for v in published if (day(v.get("start")) or "") <= (day(current.get("start")) or "")]
        if earlier:
            return max(earlier, key=lambda v: day(v.get("start")) or "")
    return max(published, key=lambda v: day(v.get("start")) or "")


def parse_versions(response):
    """A title's versions (`/v1/versions?$filter=titleId eq '...'`): the text of the
    current one is asked for, with its dates."""
    document = json_body(response)
    if not isinstance(document.get("value"), list):
        raise ValueError("a Federal Register versions answer without a `value` list")
    versions = document["value"]
    title_id = response.meta.get("title_id") or next((v.get("titleId") for v in versions if v.get("titleId")), None)
    if not versions:
        raise ValueError(f"the Federal Register lists no version of {title_id}")
    version = current_version(versions)
    if version is None:
        raise ValueError(f"no version of {title_id} has a published document (every registerId is null)")
    start = day(version.get("start"))
    yield scrapy.Request(
        text_url(version.get("titleId") or title_id, start, day(version.get("retrospectiveStart")),
                 version.get("compilationNumber")),
        meta={
            "instruments": response.meta.get("instruments") or {},
            "valid_from": start,
            "valid_to": day(version.get("end")),
            "register_id": version.get("registerId"),
            "tracked": bool(response.meta.get("tracked")),
        })


# --------------------------------------------------------------------------- text


def parse_page(response):
    """Any other page of www.legislation.gov.au: a text page (by its classes), else the
    Angular shell, which holds no law text and says so."""
    if b"ActHead" in response.body or b"CharSectno" in response.body:
        yield from parse_text(response)
        return
    body = response.body[:200_000]
    if b"<frl-root" in body or b"ng-version" in body:
        raise ValueError("the Federal Register's Angular shell (frl-root) holds no law text: the text comes from "
                         "the API's versions and the /text/original/epub/OEBPS/document_N/document_N.html page")
    if not response.body.strip():
        raise ValueError("empty response where a Federal Register text page was expected")
    raise ValueError("not a Federal Register text page (no ActHead or CharSectno classes)")


def sections_of(root):
    """(number, heading, [lines]) for each `ActHead5` section, in document order,
    endnotes and navigation left out."""
    current = None
    for p in root.iter("p", "{http://www.w3.org/1999/xhtml}p"):
        cls = (p.get("class") or "").strip()
        if cls.startswith("ENotesHeading1"):
            break
        if cls == "ActHead5":
            if current:
                yield current
            number_span = p.find(".//*[@class='CharSectno']")
            if number_span is None:
                number_span = p.find(".//{http://www.w3.org/1999/xhtml}span[@class='CharSectno']")
            number = clean("".join(number_span.itertext())) if number_span is not None else None
            whole = clean("".join(p.itertext())) or ""
            heading = whole[len(number):].strip() if number and whole.startswith(number) else whole
            current = (number, heading or None, []) if number else None
        elif cls in ("ActHead1", "ActHead2", "ActHead3", "ActHead4"):
            if current:
                yield current
            current = None
        elif current is not None and cls and not NAVIGATION.match(cls):
            line = clean("".join(p.itertext()))
            if line:
                current[2].append(line)
    if current:
        yield current


DECLARED_ENCODING = re.compile(rb"""(?:encoding|charset)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def page_encoding(response) -> str:
    """The encoding the page declares (XML declaration or meta charset), else the one its
    Content-Type names, else UTF-8 (the EPUB's XHTML is UTF-8). Scrapy's own guess for
    an undeclared HTML page is cp1252, which would garble every curly quote."""
    declared = DECLARED_ENCODING.search(response.body[:1024])
    if declared:
        return declared.group(1).decode("ascii")
    header = (response.headers.get("Content-Type") or b"").decode("latin-1")
    match = re.search(r"charset=([A-Za-z0-9_.:-]+)", header)
    return match.group(1) if match else "utf-8"


def parse_text(response):
    """One volume of a version's text (`.../document_N/document_N.html`): the tracked
    sections found in it, and the next volume while some are still missing."""
    body = response.body
    if not body or not body.strip():
        raise ValueError("empty response where a Federal Register text page was expected")
    try:
        parser = lxml_html.HTMLParser(encoding=page_encoding(response))
        root = lxml_html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ValueError(f"unreadable Federal Register text page ({error})") from None
    path = urlsplit(response.url).path
    match = TEXT_PATH.match(unquote(path))
    if not match:
        raise ValueError(f"not a Federal Register text address: {path}")
    title_id, volume = match.group(1), int(match.group(4))
    sections = list(sections_of(root))
    if not sections and b"frl-root" in body:
        yield from parse_page(response)
        return
    if not sections:
        raise ValueError(f"{title_id} volume {volume}: no sections (ActHead5/CharSectno) in the text page")
    wanted = response.meta.get("instruments") or {instrument_id(title_id): None}
    found: set[tuple[str, str]] = set()
    for the_id, keys in wanted.items():
        by_number = {}
        for key in keys or []:
            match_key = KEY.match(str(key))
            if not match_key:
                raise ValueError(f"provision key {key!r} is not [TITLEID/]section/N")
            if match_key.group(1) in (None, title_id):
                by_number[match_key.group(2)] = key
        for number, heading, lines in sections:
            if keys is not None and number not in by_number:
                continue
            key = by_number.get(number) or f"section/{number}"
            found.add((the_id, key))
            yield ProvisionItem(
                id=f"{the_id}/{key}",
                instrument_id=the_id,
                label=f"s. {number}",
                heading=heading,
                text="\n".join(lines) or None,
                language="en",
                url=response.url,
                extent=None,
                in_force_status="in_force" if response.meta.get("valid_from") and not response.meta.get("valid_to")
                else None,
                valid_from=response.meta.get("valid_from"),
                valid_to=response.meta.get("valid_to"),
                source=SOURCE,
                identifiers=([{"scheme": "OTHER", "value": response.meta["register_id"]}]
                             if response.meta.get("register_id") else None),
            )
    missing = {the_id: [k for k in keys if (the_id, k) not in found and (KEY.match(str(k)).group(1) in (None, title_id))]
               for the_id, keys in wanted.items() if keys}
    missing = {the_id: keys for the_id, keys in missing.items() if keys}
    if missing and volume < MAX_VOLUMES:
        next_url = response.url.replace(f"document_{volume}/document_{volume}.html",
                                        f"document_{volume + 1}/document_{volume + 1}.html")
        meta = {k: response.meta.get(k) for k in ("valid_from", "valid_to", "register_id")}
        # A later volume may not exist: asking is not a tracked failure.
        yield scrapy.Request(next_url, meta={**meta, "instruments": missing, "tracked": False})


# --------------------------------------------------------------------------- spider


def text_titles(instrument: dict) -> dict[str, list[str]]:
    return keys_by_document(instrument, KEY, "[TITLEID/]section/N")


DECLARATION = SourceContract(
    id=SOURCE,
    name="Federal Register of Legislation (Australia)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("api.prod.legislation.gov.au", "legislation.gov.au"),
    licence="CC BY 4.0 (Commonwealth of Australia)",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    terms_url="https://www.legislation.gov.au/terms-of-use",
    rate_limit_text="API: no published limit, no key, $top at most 100; www.legislation.gov.au robots.txt "
                    "Crawl-delay 10 s",
    rate_limit=None,
    download_delay=10.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "jurisdiction", "status", "texts", "title_id", "instruments", "valid_from",
                 "valid_to", "register_id", "tracked"),
    notes="OData API (api.prod.legislation.gov.au/v1: titles, versions) for metadata; text from the EPUB's "
          "XHTML page of the current compilation. Word/PDF/EPUB downloads are binary and not fetched. "
          "No real capture of the API or of a text page (built from documentation).",
    # A curated instrument keeps its own id; the request carries it.
    curated_instrument_id=None,
)


class LegislationGovAuSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/v1/titles\(", parse_title),
        (r"^/v1/versions$", parse_versions),
        (r"/text/original/epub/OEBPS/document_\d+/document_\d+\.html$", parse_text),
        (r"^/(?!v1/)", parse_page),
    ]
    json_keys = {"value": parse_versions, "makingDate": parse_title}
    root_elements = {"html": parse_page}

    def tracked_requests(self):
        for instrument in self.tracked_within_limit():
            title_id = str(instrument.get("source_identifier") or "").strip()
            if not TITLE_ID.match(title_id):
                self.logger.warning("%s: source_identifier %r is not a Federal Register title id",
                                    instrument.get("id"), title_id)
                continue
            yield self.request(title_url(title_id), tracked=True, expects=("instrument", instrument["id"]),
                               instrument_id=instrument["id"], jurisdiction=instrument.get("jurisdiction"),
                               status=instrument.get("status"), texts=text_titles(instrument))
