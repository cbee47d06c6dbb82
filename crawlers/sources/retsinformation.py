"""Retsinformation: Denmark's official legal information system (Civilstyrelsen).

Base URL: https://www.retsinformation.dk
Endpoints:
    /eli/lta/{year}/{number}/xml     a document of Lovtidende A (LOV, LBK, BEK...) as
                                     LexDania 2.1 XML; `/eli/accn/{accession}/xml` alike
    https://api.retsinformation.dk/v1/Documents?date=YYYY-MM-DD
                                     the harvest API ("høsteservice"): the documents
                                     added, changed or removed, as JSON
Licence:  Danish legislation is not protected by copyright (ophavsretsloven § 9:
          laws, orders and similar official documents); Retsinformation publishes it as
          open data (https://www.retsinformation.dk/offentlig/vejledninger).
Terms:    no key. The harvest API may be called at most once every 10 seconds, only
          between 03:00 and 23:45 Danish time (outside it answers HTTP 400), and only
          for a date within the last 10 days (its OpenAPI description,
          https://api.retsinformation.dk/swagger/v1/swagger.json, as reported by
          several public clients). No limit is published for the document XML (the site
          sits behind Cloudflare); we send one request at a time, 2 s apart, and make
          exactly one harvest call per run, only inside its hours.

What the spider does:
(a) tracked instruments: each curated Danish instrument whose source is
    `retsinformation` names its document by ELI path (`source_identifier:
    "lta/2024/1145"`, the consolidated Criminal Code; "LBK nr 1145 af 05/11/2024" is
    read the same way) and each key provision by the paragraph's `localId` (`key:
    264d`). The document comes whole; each curated instrument gets its own key
    paragraphs, under its curated id (carried in the request: straffeloven §§ 264 d and
    264 e are two instruments of one document). A key paragraph the document lacks is
    a tracked failure.
(b) discovery: the harvest API lists what changed on one day (yesterday, or the
    `--since` day when it is within the last 10 days), without titles. The spider reads
    the changed laws and consolidated laws (LOV and LBK, at most `MAX_HARVESTED`) and
    keeps as CandidateItems those whose title names the subject in Danish
    (`DISCOVERY_TERMS`); never tracked instruments.

Where the format knowledge comes from. NO REAL CAPTURE of Retsinformation exists in
/work/shared/samples. The example files in tests/examples/retsinformation/ are ours:
- The XML examples are excerpts in the exact shape of a real LexDania document kept in a
  public repository: the consolidated Criminal Code, LBK nr 434 af 25/04/2024
  (florinungur/legalize-pipeline, tests/fixtures/dk/2024-434.xml, as fetched from
  /eli/lta/2024/434/xml). `lbk_2024_434.xml` keeps that document's real `<Meta>` and the
  real wording of §§ 264 c-264 e; `lbk_2024_1145.xml` (the consolidation curated data
  tracks) repeats that wording under a `<Meta>` we wrote by analogy (its accession
  number and dates are illustrative, not read from Retsinformation).
- The harvest API's fields (`documentId`, `accessionsnummer`, `reasonForChange`,
  `changeDate`, `documentType {id, shortName}`, `href`) and reasons (`NewDocument`,
  `DocumentMetadataChanged`, `DocumentContentChanged`,
  `DocumentMetadataChangedAndDocumentContentChanged`, `RemovedDocument`) are as public
  clients document them; `harvest_*.json` and the harvested law are constructed.
Format notes the parser relies on:
- Root `<Dokument>` without namespace. `<Meta>`: `DocumentType` ("LBK H#LOKDOK03"),
  `AccessionNumber`, `DocumentTitle`, `PopularTitle`, `Year`, `Number`, `DiesSigni`,
  `StartDate`, `EndDate` (both `REFid`-linked to `DateOfSubmit`), `Status` (Valid /
  Historic), `DateOfHistoricMark`, `Ministry`, and amendments as sibling `Change` /
  `Ref_*` runs. Old documents may carry only `<Meta>` (no `DokumentIndhold`).
- Text: `DokumentIndhold/(Indledning)/Bog/Afsnit/Kapitel/ParagrafGruppe/Paragraf
  localId="264d"` with `Explicatus` "§ 264 d.", then `Stk` (the first without its
  own `Explicatus`, the others "Stk. 2."), each holding `Exitus/Linea/Char` runs (one
  `Linea` a sentence: "pkt."; `Char` runs are joined without a separator) and lists as
  `Exitus/Index/Indentatio formaInd="Nummer|Litra"` with their own `Explicatus` "1)".
  `Nota` footnotes are editorial and left out. A repealed paragraph reads "(Ophævet)".
- Versions: a consolidation (LBK) is a dated snapshot; its `StartDate` and `EndDate`
  are the dates between which that text applied, stored as `valid_from`/`valid_to` as
  the document states them (whether `EndDate` is the last day or the day after was not
  verifiable here). A `Historic` consolidation's text is history (in_force_status
  None), not repealed law.
"""

import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, PageError, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day

SOURCE = "retsinformation"
OFFICIAL = "https://www.retsinformation.dk"
HARVEST = "https://api.retsinformation.dk/v1/Documents"
LANGUAGE = "da"
JURISDICTION = "DK"
#: Changed laws read per harvest day at most.
MAX_HARVESTED = 40
#: The harvest API's hours and reach (its OpenAPI description).
HARVEST_TZ = ZoneInfo("Europe/Copenhagen")
HARVEST_OPENS, HARVEST_CLOSES = time(3, 0), time(23, 45)
HARVEST_DAYS = 10
#: Document types worth reading from the harvest: laws and consolidated laws.
HARVESTED_TYPES = ("LOV", "LBK")

#: Danish words of the subject, matched at the start of a word in a changed law's title.
DISCOVERY_TERMS = (
    "straffelov", "seksuel", "krænkende materiale", "billede", "deepfake", "digitalt genererede",
    "efterligning", "identitetsmisbrug", "ophavsret", "privatliv", "digital vold", "blufærdighed",
)
TERM_PATTERNS = [(term, re.compile(r"(?<!\w)" + re.escape(term))) for term in DISCOVERY_TERMS]

ELI_PATH = re.compile(r"^(lta|ltb|ltc|accn|retsinfo|ft)/[\w/]+$")
CITATION = re.compile(r"^(LBK|LOV|BEK)\s+nr\.?\s*(\d+)\s+af\s+\d{1,2}/\d{1,2}/(\d{4})$", re.IGNORECASE)
REPEALED = re.compile(r"^\(\s*ophævet\s*\)\.?$", re.IGNORECASE)


class RetsinformationError(ValueError):
    """A body that is not a good Retsinformation answer."""


def eli_path(source_identifier: str) -> str | None:
    """"lta/2024/1145" as given, or derived from "LBK nr 1145 af 05/11/2024"."""
    value = (source_identifier or "").strip().strip("/")
    value = re.sub(r"^(https?://(www\.)?retsinformation\.dk)?/?eli/", "", value).removesuffix("/xml")
    if ELI_PATH.match(value):
        return value
    match = CITATION.match(value)
    return f"lta/{match.group(3)}/{match.group(2)}" if match else None


def document_xml_url(path: str) -> str:
    return f"{OFFICIAL}/eli/{path}/xml"


def harvest_url(day: date) -> str:
    return f"{HARVEST}?date={day.isoformat()}"


def harvest_open(now: datetime) -> bool:
    """Whether the harvest API takes calls at this moment (03:00-23:45 Danish time)."""
    local = now.astimezone(HARVEST_TZ).time()
    return HARVEST_OPENS <= local < HARVEST_CLOSES


def harvest_day(since: date | None, today: date) -> date:
    """The day to ask the harvest about: `--since` when the API still reaches it, else yesterday."""
    earliest = today - timedelta(days=HARVEST_DAYS - 1)
    if since and earliest <= since <= today:
        return since
    return today - timedelta(days=1)


# --------------------------------------------------------------------------- the document


def dokument(response):
    body = response.body
    if not body or not body.strip():
        raise RetsinformationError(f"empty body where a LexDania document was expected at {response.url}")
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise RetsinformationError(f"not XML ({error}); body starts {body[:60]!r}") from error
    if root.tag != "Dokument":
        raise RetsinformationError(f"not a LexDania document (root element {etree.QName(root).localname!r})")
    meta = root.find("Meta")
    if meta is None:
        raise RetsinformationError("LexDania document without <Meta>")
    return root, meta


def meta_fields(meta) -> dict:
    """The first value of each simple `<Meta>` field (amendment runs are not needed here)."""
    fields = {}
    for child in meta:
        if isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = clean(child.text)
    return fields


def doc_type(fields: dict) -> str:
    """"LBK H#LOKDOK03" -> "LBK"."""
    return (fields.get("DocumentType") or "").split(" ")[0].split("#")[0].upper()


def default_instrument_id(fields: dict) -> str:
    return f"dk-{doc_type(fields).lower() or 'doc'}-{fields.get('Year')}-{fields.get('Number')}"


def eli_of(fields: dict) -> str | None:
    if fields.get("Year") and fields.get("Number"):
        return f"{OFFICIAL}/eli/lta/{fields['Year']}/{fields['Number']}"
    return None


def citation_of(fields: dict) -> str | None:
    signed = iso_day(fields.get("DiesSigni"))
    kind, number = doc_type(fields), fields.get("Number")
    if not (kind and number and signed):
        return None
    return f"{kind} nr {number} af {signed[8:10]}/{signed[5:7]}/{signed[:4]}"


def instrument_from(fields: dict, instrument_id: str) -> InstrumentItem:
    kind = doc_type(fields)
    url = eli_of(fields) or f"{OFFICIAL}/eli/accn/{fields.get('AccessionNumber')}"
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=JURISDICTION,
        title=fields.get("DocumentTitle") or fields.get("PopularTitle") or url,
        citation=citation_of(fields),
        kind="regulation" if kind == "BEK" else "statute",
        # A historic consolidation is a replaced text of a law still in force: no status.
        status="in_force" if fields.get("Status") == "Valid" else None,
        # The signing date of an original law is its enactment; a consolidation's is not.
        date_enacted=iso_day(fields.get("DiesSigni")) if kind == "LOV" else None,
        official_url=url,
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "ELI", "value": url}] if eli_of(fields) else [],
    )


def chars(linea) -> str:
    return "".join(char.text or "" for char in linea.iter("Char"))


def exitus_lines(element) -> list[str]:
    """The lines of an `Exitus`-bearing element in order: each `Linea` a line, each list
    item (`Indentatio`) its number then its own lines; footnotes (`Nota`) left out."""
    lines = []
    for child in element:
        if child.tag == "Exitus":
            lines.extend(exitus_lines(child))
        elif child.tag == "Linea":
            line = clean(chars(child))
            if line:
                lines.append(line)
        elif child.tag == "Index":
            for item in child.findall("Indentatio"):
                number = clean(item.findtext("Explicatus"))
                inner = exitus_lines(item)
                if inner:
                    inner[0] = f"{number} {inner[0]}" if number else inner[0]
                lines.extend(inner)
    return lines


def paragraph_text(paragraf) -> str | None:
    lines = []
    for stk in paragraf.findall("Stk"):
        inner = exitus_lines(stk)
        number = clean(stk.findtext("Explicatus"))
        if inner and number:
            inner[0] = f"{number} {inner[0]}"
        lines.extend(inner)
    if not paragraf.findall("Stk"):
        lines = exitus_lines(paragraf)
    return "\n".join(lines) or None


def label_of(paragraf) -> str:
    return (clean(paragraf.findtext("Explicatus")) or f"§ {paragraf.get('localId')}").rstrip(".")


def provision_from(paragraf, fields: dict, instrument_id: str, today: str) -> ProvisionItem:
    key = paragraf.get("localId")
    text = paragraph_text(paragraf)
    valid_from, valid_to = iso_day(fields.get("StartDate")), iso_day(fields.get("EndDate"))
    if text and REPEALED.match(text):
        status = "repealed"
    elif fields.get("Status") == "Historic" or (valid_to and valid_to <= today):
        status = None
    elif valid_from and valid_from > today:
        status = "prospective"
    else:
        status = "in_force"
    base = eli_of(fields) or f"{OFFICIAL}/eli/accn/{fields.get('AccessionNumber')}"
    return ProvisionItem(
        id=f"{instrument_id}/{key}",
        instrument_id=instrument_id,
        label=label_of(paragraf),
        heading=clean(paragraf.findtext("Rubrica/Linea/Char")),
        text=text,
        language=LANGUAGE,
        url=f"{base}#P{key}",
        in_force_status=status,
        valid_from=valid_from,
        valid_to=valid_to,
        source=SOURCE,
    )


def parse_document(response):
    """A LexDania document: the tracked paragraphs (meta `keys`), a discovery check (meta
    `query`), or, parsed alone, the document and every paragraph."""
    root, meta = dokument(response)
    fields = meta_fields(meta)
    if response.meta.get("query"):
        yield from candidate_of(response, fields)
        return
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(fields)
    today = response.meta.get("today") or date.today().isoformat()
    paragraphs = {p.get("localId"): p for p in root.iter("Paragraf") if p.get("localId")}
    wanted = list(response.meta.get("keys") or [])
    yield instrument_from(fields, instrument_id)
    if wanted and root.find("DokumentIndhold") is None:
        yield PageError(url=response.url, status=response.status, kind="parse", tracked=True,
                        reason=f"{citation_of(fields) or response.url} has no text (metadata only)")
        return
    for key in wanted or list(paragraphs):
        paragraf = paragraphs.get(key)
        if paragraf is None:
            yield PageError(url=response.url, status=response.status, kind="parse", tracked=True,
                            reason=f"§ {key} not found in {citation_of(fields) or response.url}")
            continue
        yield provision_from(paragraf, fields, instrument_id, today)


def candidate_of(response, fields: dict):
    title = " ".join(filter(None, (fields.get("DocumentTitle"), fields.get("PopularTitle"))))
    lowered = title.lower()
    matched = [term for term, pattern in TERM_PATTERNS if pattern.search(lowered)]
    if not matched:
        return
    published = iso_day(fields.get("DiesEdicti")) or iso_day(fields.get("DiesSigni"))
    since = response.meta.get("since")
    if since and published and published < since:
        return
    yield CandidateItem(
        id=default_instrument_id(fields),
        jurisdiction=JURISDICTION,
        title=fields.get("DocumentTitle") or title,
        url=eli_of(fields) or response.url.removesuffix("/xml"),
        published=published,
        matched_query=f"{response.meta['query']}: {', '.join(matched)}",
        source=SOURCE,
    )


# --------------------------------------------------------------------------- the harvest API


def parse_harvest(response):
    """`/v1/Documents?date=...`: the changed laws to read for discovery (a JSON list)."""
    body = response.body.strip()
    if not body:
        raise RetsinformationError(f"empty body where the harvest list was expected at {response.url}")
    try:
        records = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RetsinformationError(f"not JSON at {response.url}: {body[:60]!r}") from None
    if isinstance(records, dict):
        message = records.get("message") or records.get("title") or records.get("errors") or sorted(records)[:5]
        raise RetsinformationError(f"harvest API error at {response.url}: {message}")
    if not isinstance(records, list):
        raise RetsinformationError(f"expected a JSON list at {response.url}, found {type(records).__name__}")
    day = response.url.rsplit("date=", 1)[-1][:10]
    read = 0
    for record in records:
        if not isinstance(record, dict) or record.get("reasonForChange") == "RemovedDocument":
            continue
        kind = str((record.get("documentType") or {}).get("shortName") or "").upper()
        href = record.get("href")
        if kind not in HARVESTED_TYPES or not href:
            continue
        if read >= MAX_HARVESTED:
            break
        read += 1
        meta = {"query": f"harvest {day}"}
        if response.meta.get("since"):
            meta["since"] = response.meta["since"]
        yield scrapy.Request(href, meta=meta)


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Retsinformation (Denmark, Civilstyrelsen): LexDania XML by ELI and the harvest API",
    kind="legislation",
    base_url=OFFICIAL,
    licence="Not protected by copyright (ophavsretsloven § 9); published as open data",
    licence_url="https://www.retsinformation.dk/offentlig/vejledninger",
    terms_url="https://api.retsinformation.dk/swagger/v1/swagger.json",
    rate_limit_text="harvest API: at most 1 call per 10 s, 03:00-23:45 Danish time, dates within the last 10 days "
                    "(one call per run, inside those hours); document XML: none published, one request at a time, "
                    "2 s apart",
    rate_limit=None,
    download_delay=2.0,
    deadline_seconds=3600,
    alias_hosts=("api.retsinformation.dk",),
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "keys", "query", "since", "today"),
    notes="LexDania 2.1 XML per document (/eli/.../xml); discovery reads the laws the harvest API lists as "
          "changed on one day. No real capture: formats from a real LexDania file kept in a public repository "
          "and the API's public description.",
    curated_instrument_id=None,
)


class RetsinformationSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/v1/Documents$", parse_harvest),
        (r"^/eli/.+/xml$", parse_document),
    ]

    def tracked_requests(self):
        by_document: dict[str, list[dict]] = {}
        for instrument in self.tracked:
            path = eli_path(str(instrument.get("source_identifier") or ""))
            if not path:
                self.logger.warning("retsinformation: %s has no ELI path as source_identifier (%r)",
                                    instrument.get("id"), instrument.get("source_identifier"))
                continue
            by_document.setdefault(path, []).append(instrument)
        count = 0
        for path, instruments in by_document.items():
            for instrument in instruments:
                keys = [str(p["key"]) for p in instrument.get("provisions") or [] if p.get("key")]
                if self.limit is not None and count >= self.limit:
                    return
                count += 1
                # One document serves several curated instruments, each under its own id.
                yield self.request(document_xml_url(path), tracked=True, instrument_id=instrument["id"],
                                   keys=keys).replace(dont_filter=True)

    def discovery_requests(self):
        # The harvest API's hours are the real API's: a mirror (tests, replays) is always open.
        if not self.mirrored() and not harvest_open(datetime.now(HARVEST_TZ)):
            self.logger.info("retsinformation: harvest API closed now (open 03:00-23:45 Danish time); no discovery")
            return
        today = datetime.now(HARVEST_TZ).date()
        yield self.request(harvest_url(harvest_day(self.since, today)), **self.since_meta())
