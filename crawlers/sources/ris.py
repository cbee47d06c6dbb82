"""RIS: Austria's federal law, consolidated (Rechtsinformationssystem des Bundes, Bundeskanzleramt).

Base URL: https://data.bka.gv.at/ris/api/v2.6 (the OGD-RIS REST API; JSON)
Documents: https://www.ris.bka.gv.at/Dokumente/Bundesnormen/{NOR}/{NOR}.xml (and .html/.pdf/.rtf)
Licence:  Creative Commons Attribution 4.0 (CC BY 4.0), source to be named as
          "Rechtsinformationssystem des Bundes (RIS)"; RIS's OGD page
          (https://www.ris.bka.gv.at/UI/Ogd.aspx) says no registration is needed.
Terms:    no key, no published rate limit or quota; the OGD page asks users to mind its
          "technical conditions" of access. We send one request at a time, 1 s apart.

Endpoints used:
    /Bundesrecht?Applikation=BrKons&Gesetzesnummer={n}&Abschnitt.Von={§}&Abschnitt.Bis={§}
        &Abschnitt.Typ=Paragraph&DokumenteProSeite=OneHundred&Seitennummer={p}
        every version of one paragraph of one law (no Fassung.FassungVom: all versions,
        each with its own document number NOR... and its own validity dates);
    /Bundesrecht?Applikation=BrKons&Suchworte={terms}&Fassung.FassungVom={today}&...
        full-text search of the law in force today (discovery).
    The version's text: the `Xml` ContentUrl of its reference, a "risdok" document.

What the spider does:
(a) tracked instruments: each curated Austrian instrument whose source is `ris` names a
    law by its Gesetzesnummer (`source_identifier: "10002296"`, the StGB) and each key
    provision by its paragraph (`key: 107c`). For each key the spider lists the
    paragraph's versions, then reads each version's risdok XML: one ProvisionItem per
    version, in German, with the dates RIS states. Several curated instruments share one
    law (§§ 120a/107c and § 207a StGB), so the curated id travels in the request
    (`instrument_id`), as for BOE; a page parsed without it names the law `at-ris-{n}`.
(b) discovery: the full-text search on German terms (`SEARCH_TERMS`) in the law in
    force today; every law it hits is a CandidateItem (one per Gesetzesnummer), never a
    tracked instrument.

Where the format knowledge comes from. NO REAL CAPTURE of RIS exists in
/work/shared/samples. The example files in tests/examples/ris/ are ours, written to the
shapes documented by the OGD-RIS API handbook v2.6 (Bundeskanzleramt, May 2024) and seen
in public clients and their recorded responses (the response normalizer of
cyanheads/ris-austria-mcp-server, "observed live 2026-07-05/15"; the lexhybrid RIS
collector; git-for-law-austria's OGD content fetcher tests; a RIS CLI's plan of the v2.6
parameters and envelope; ChristianSchneidewind/RIS_Scraper for the StGB's Gesetzesnummer
and the data licence). What they agree on, and what the parser relies on:
- The envelope is XML serialised as JSON: `{"OgdSearchResult": {"OgdDocumentResults":
  {"Hits": {"@pageNumber", "@pageSize", "#text"}, "OgdDocumentReference": [...]}}}`.
  A list of one comes as a bare object (`OgdDocumentReference`, `ContentReference`,
  `ContentUrl`, `Indizes.item` alike): every such field is read as one-or-many.
- Each reference: `Data.Metadaten.Technisch.ID` (NOR...), `Allgemein.DokumentUrl`,
  `Bundesrecht.{Kurztitel, Titel, Eli, BrKons{Gesetzesnummer, ArtikelParagraphAnlage,
  Paragraphnummer, Typ, Kundmachungsorgan, Inkrafttretensdatum, Ausserkrafttretensdatum,
  GesamteRechtsvorschriftUrl, ...}}` and `Data.Dokumentliste.ContentReference
  {ContentType: MainDocument, Urls.ContentUrl: [{DataType: Xml|Html|Rtf|Pdf, Url}]}`.
- Errors come inside the envelope, on HTTP 200 or 500 alike:
  `{"OgdSearchResult": {"Error": {"Applikation", "Message": "soap:Client. ..."}}}`;
  the message's SOAP prefix is dropped. An empty search gives `Hits` "0" with no
  references, or (some faults) an `OgdSearchResult` without `OgdDocumentResults`:
  both read as no hits. For a tracked paragraph no hits is a recorded failure.
- Dates: ISO `YYYY-MM-DD`. `Ausserkrafttretensdatum` is absent while a version is in
  force; when present it is the LAST day the version applied (a public client measured
  B-VG Art. 11: the successor starts the next day, and a point-in-time query on that
  day still returns the old version). The project's `valid_to` is the first day a text
  no longer applies (the store closes a version at the next one's `valid_from`), so we
  store the day after. A start date of 9000-01-01 or later is RIS's "not yet fixed"
  and is read as unknown (prospective).
- risdok XML (namespace http://www.bka.gv.at): `<risdok><metadaten/><nutzdaten>
  <abschnitt>`; running heads and feet in `kzinhalt`/`fzinhalt` (not law); the
  metadata block as `ueberschrift typ="titel"` labels each followed by an `absatz
  typ="erltext"` value; the law's words are the elements with `ct="text"`:
  `ueberschrift typ="para"` (the paragraph's heading), `absatz typ="abs"` opening with
  `<gldsym>§ 107c.</gldsym>`, `liste/aufzaehlung/listelem` with `<symbol>1.</symbol>`,
  `schlussteil` (the words closing a list). `<gdash/>` is a dash, `<nbsp/>` a space.
"""

import json
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, PageError, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, json_object, with_query

SOURCE = "ris"
OFFICIAL = "https://data.bka.gv.at/ris/api/v2.6"
SEARCH = f"{OFFICIAL}/Bundesrecht"
SITE = "https://www.ris.bka.gv.at"
LANGUAGE = "de"
JURISDICTION = "AT"
#: A paragraph has a handful of versions: one page of a hundred holds them.
VERSIONS_PAGE_SIZE = "OneHundred"
#: Discovery reads the first pages of ten hits of each query.
SEARCH_PAGE_SIZE = "Ten"
#: Search pages read per query at most.
MAX_PAGES = 5

#: The subject's terms in German, in RIS's full-text syntax (`und`, `oder`, quotes).
SEARCH_TERMS = (
    "Deepfake",
    '"höchstpersönlichen Lebensbereich" und Bildaufnahme',
    '"wirklichkeitsnahe Abbildung"',
    '"unbefugte Bildaufnahmen"',
    '"sexualbezogene Darstellung"',
)

GESETZESNUMMER = re.compile(r"^\d{8}$")
NOR = re.compile(r"^NOR\d+$")
SOAP_PREFIX = re.compile(r"^soap:(Client|Server)(\.\w+:)?[.:]?\s*")
DOTNET_NOISE = re.compile(r"(\w+\.)+\w*Exception:\s*|\s*<STACKTRACE>\s*$")
#: RIS writes a start date it does not know yet as a far-future placeholder.
UNKNOWN_START = "9000-01-01"
RISDOK_NS = "http://www.bka.gv.at"
# ct="text" elements that carry the law's words.
TEXT_TAGS = {"absatz", "listelem", "schlussteil", "ueberschrift"}
GERMAN_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")


class RisError(ValueError):
    """An answer that is not a good OGD-RIS answer."""


def as_list(value) -> list:
    """RIS's one-or-many: a list, a bare object, or nothing ("" included)."""
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def default_instrument_id(gesetzesnummer: str) -> str:
    return f"at-ris-{gesetzesnummer}"


def document_url(nor: str, extension: str = "html") -> str:
    return f"{SITE}/Dokumente/Bundesnormen/{nor}/{nor}.{extension}"


def law_url(gesetzesnummer: str) -> str:
    return f"{SITE}/GeltendeFassung.wxe?Abfrage=Bundesnormen&Gesetzesnummer={gesetzesnummer}"


def paragraph_url(gesetzesnummer: str, key: str, page: int = 1) -> str:
    """Every version of one paragraph of one law."""
    return f"{SEARCH}?" + urlencode([
        ("Applikation", "BrKons"), ("Gesetzesnummer", gesetzesnummer), ("Abschnitt.Von", key),
        ("Abschnitt.Bis", key), ("Abschnitt.Typ", "Paragraph"), ("DokumenteProSeite", VERSIONS_PAGE_SIZE),
        ("Seitennummer", page)])


def search_url(terms: str, today: str) -> str:
    """Full-text search in the federal law in force on `today`."""
    return f"{SEARCH}?" + urlencode([
        ("Applikation", "BrKons"), ("Suchworte", terms), ("Fassung.FassungVom", today),
        ("DokumenteProSeite", SEARCH_PAGE_SIZE), ("Seitennummer", 1)])


# --------------------------------------------------------------------------- dates


def start_date(value) -> str | None:
    day = iso_day(value)
    return None if day is None or day >= UNKNOWN_START else day


def end_date(value) -> str | None:
    """RIS's last day in force -> the first day out of force (the project's `valid_to`)."""
    day = iso_day(value)
    if day is None or day >= UNKNOWN_START:
        return None
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def status_of(valid_from: str | None, valid_to: str | None, today: str) -> str | None:
    """in_force / prospective for a version's dates; None for a text that was replaced."""
    if valid_to and valid_to <= today:
        return None
    if valid_from is None or valid_from > today:
        return "prospective"
    return "in_force"


# --------------------------------------------------------------------------- the JSON envelope


def search_results(response) -> tuple[list[dict], int, int, int]:
    """(references, total hits, page number, page size) of an OGD-RIS search answer."""
    data = json_object(response, "OgdSearchResult", "OGD-RIS")
    result = data["OgdSearchResult"]
    if not isinstance(result, dict):
        raise RisError(f"OgdSearchResult is not an object at {response.url}")
    if result.get("Error"):
        raise RisError(error_message(result["Error"]))
    documents = result.get("OgdDocumentResults")
    if not documents:
        return [], 0, 1, 0
    hits = documents.get("Hits")
    if isinstance(hits, dict):
        total, page, size = hits.get("#text"), hits.get("@pageNumber"), hits.get("@pageSize")
    else:
        total, page, size = hits, 1, None
    references = [ref for ref in as_list(documents.get("OgdDocumentReference")) if isinstance(ref, dict)]
    try:
        total = int(total)
    except (TypeError, ValueError):
        raise RisError(f"no hit count in the OGD-RIS answer at {response.url}") from None
    return references, total, int(page or 1), int(size or len(references) or 1)


def error_message(error) -> str:
    """RIS's in-band error (`{"Applikation", "Message": "soap:Client. ..."}`) in words."""
    message = str(error.get("Message") or "unspecified error") if isinstance(error, dict) else str(error)
    message = SOAP_PREFIX.sub("", DOTNET_NOISE.sub("", message)).strip()
    application = error.get("Applikation") if isinstance(error, dict) else None
    return f"OGD-RIS error ({application or 'no application'}): {message}"


def envelope_error(body: bytes | None) -> str | None:
    """The in-band error of a body, when it is RIS's envelope (RIS sends the same envelope
    with HTTP 500 for a rejected parameter); None for anything else."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    result = data.get("OgdSearchResult") if isinstance(data, dict) else None
    return error_message(result["Error"]) if isinstance(result, dict) and result.get("Error") else None


def metadata_of(reference: dict) -> dict:
    """The fields the parsers need from one OgdDocumentReference, flattened."""
    data = reference.get("Data") or {}
    metadaten = data.get("Metadaten") or {}
    federal = metadaten.get("Bundesrecht") or {}
    kons = federal.get("BrKons") or {}
    urls = {}
    for content in as_list((data.get("Dokumentliste") or {}).get("ContentReference")):
        if content.get("ContentType") not in (None, "MainDocument"):
            continue
        for entry in as_list((content.get("Urls") or {}).get("ContentUrl")):
            if isinstance(entry, dict) and entry.get("DataType") and entry.get("Url"):
                urls.setdefault(entry["DataType"].lower(), entry["Url"])
    return {
        "nor": clean((metadaten.get("Technisch") or {}).get("ID")),
        "document_url": clean((metadaten.get("Allgemein") or {}).get("DokumentUrl")),
        "published": iso_day((metadaten.get("Allgemein") or {}).get("Veroeffentlicht")),
        "short_title": clean(federal.get("Kurztitel")),
        "title": clean(federal.get("Titel")),
        "eli": clean(federal.get("Eli")),
        "gesetzesnummer": clean(kons.get("Gesetzesnummer")),
        "label": clean(kons.get("ArtikelParagraphAnlage")),
        "type": clean(kons.get("Typ")),
        "promulgation": clean(kons.get("Kundmachungsorgan")),
        "valid_from": start_date(kons.get("Inkrafttretensdatum")),
        "valid_to": end_date(kons.get("Ausserkrafttretensdatum")),
        "law_url": clean(kons.get("GesamteRechtsvorschriftUrl")),
        "urls": urls,
    }


# --------------------------------------------------------------------------- parsers


def parse_search(response):
    """A BrKons search: a tracked paragraph's versions (meta `key`), or discovery hits."""
    references, total, page, size = search_results(response)
    records = [metadata_of(reference) for reference in references]
    if response.meta.get("key"):
        yield from versions_of(response, records, total)
    else:
        yield from candidates_of(response, records)
    if page * size < total and page < MAX_PAGES and references:
        carried = {k: response.meta[k] for k in ("instrument_id", "key", "query", "since", "today")
                   if response.meta.get(k)}
        yield scrapy.Request(with_query(response.url, Seitennummer=page + 1), meta={**carried, "page": page + 1})


def versions_of(response, records: list[dict], total: int):
    key = response.meta["key"]
    if not total:
        yield PageError(url=response.url, status=response.status, kind="parse", tracked=True,
                        reason=f"RIS lists no version of § {key} (no hits)")
        return
    first = records[0] if records else {}
    gesetzesnummer = first.get("gesetzesnummer") or ""
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(gesetzesnummer)
    if int(response.meta.get("page") or 1) == 1 and gesetzesnummer:
        yield instrument_from(first, instrument_id)
    for record in records:
        xml = record["urls"].get("xml") or (document_url(record["nor"], "xml") if record.get("nor") else None)
        if not xml:
            yield PageError(url=response.url, status=response.status, kind="parse", tracked=True,
                            reason=f"a version of § {key} without a document number or XML address")
            continue
        yield scrapy.Request(xml, meta={
            "instrument_id": instrument_id, "key": key, "tracked": True,
            "valid_from": record["valid_from"], "valid_to": record["valid_to"], "label": record["label"],
            "page_url": record["document_url"], **({"today": response.meta["today"]} if response.meta.get("today") else {}),
        })


def instrument_from(record: dict, instrument_id: str) -> InstrumentItem:
    number = record["gesetzesnummer"]
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=JURISDICTION,
        title=record.get("title") or record.get("short_title") or f"Gesetzesnummer {number}",
        citation=record.get("short_title"),
        kind="regulation" if (record.get("type") or "").startswith("V") else "statute",
        official_url=record.get("law_url") or law_url(number),
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "OTHER", "value": f"RIS Gesetzesnummer {number}"}],
    )


def candidates_of(response, records: list[dict]):
    since = response.meta.get("since")
    seen = set()
    for record in records:
        number = record.get("gesetzesnummer")
        if not number or number in seen:
            continue
        seen.add(number)
        if since and record.get("published") and record["published"] < since:
            continue
        yield CandidateItem(
            id=default_instrument_id(number),
            jurisdiction=JURISDICTION,
            title=record.get("title") or record.get("short_title") or f"Gesetzesnummer {number}",
            url=record.get("law_url") or law_url(number),
            published=record.get("published"),
            matched_query=response.meta.get("query"),
            source=SOURCE,
        )


def parse_document(response):
    """One version's risdok XML: the paragraph's heading and words as a ProvisionItem."""
    body = response.body
    if not body.strip():
        raise RisError(f"empty body where a risdok document was expected at {response.url}")
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise RisError(f"not XML ({error}); body starts {body[:60]!r}") from error
    if etree.QName(root).localname != "risdok":
        raise RisError(f"not a risdok document (root element {etree.QName(root).localname!r})")
    nor = nor_of(response.url)
    fields = metadata_fields(root)
    heading, text = words_of(root)
    if not text:
        raise RisError(f"risdok {nor} has no text (no ct=\"text\" element)")
    key = response.meta.get("key") or paragraph_key(fields.get("§/Artikel/Anlage") or "")
    number = fields.get("Gesetzesnummer") or ""
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(number)
    valid_from = response.meta.get("valid_from") or start_date(german_day(fields.get("Inkrafttretensdatum")))
    valid_to = response.meta.get("valid_to") or end_date(german_day(fields.get("Außerkrafttretensdatum")))
    today = response.meta.get("today") or date.today().isoformat()
    yield ProvisionItem(
        id=f"{instrument_id}/{key}",
        instrument_id=instrument_id,
        label=response.meta.get("label") or fields.get("§/Artikel/Anlage") or key,
        heading=heading,
        text=text,
        language=LANGUAGE,
        url=response.meta.get("page_url") or document_url(nor),
        in_force_status=status_of(valid_from, valid_to, today),
        valid_from=valid_from,
        valid_to=valid_to,
        source=SOURCE,
        identifiers=[{"scheme": "OTHER", "value": f"RIS {nor}"}],
    )


def nor_of(url: str) -> str:
    match = re.search(r"/(NOR\d+)\.xml$", url)
    if not match:
        raise RisError(f"no NOR document number in {url}")
    return match.group(1)


def paragraph_key(label: str) -> str:
    """"§ 107c" -> "107c" (the key curated data gives a paragraph)."""
    return re.sub(r"^(§|Art\.?|Artikel)\s*", "", label).replace(" ", "") or label


def german_day(value: str | None) -> str | None:
    match = GERMAN_DATE.match(value or "")
    return f"{match.group(3)}-{match.group(2)}-{match.group(1)}" if match else value


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def element_text(element) -> str | None:
    """An element's words: the designation (`gldsym`) left out, dashes and spaces restored."""
    return clean(inner_text(element))


def inner_text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        name = local(child)
        if name == "gdash":
            parts.append("-")
        elif name == "nbsp":
            parts.append(" ")
        elif name == "symbol":  # a list item's number: "1." then its words
            parts.append(inner_text(child) + " ")
        elif name and name != "gldsym":
            parts.append(inner_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def metadata_fields(root) -> dict:
    """The metadata block: each `ueberschrift typ="titel"` label and the value after it."""
    fields = {}
    for heading in root.iter(f"{{{RISDOK_NS}}}ueberschrift", "ueberschrift"):
        if heading.get("typ") != "titel":
            continue
        value = heading.getnext()
        while value is not None and not isinstance(value.tag, str):
            value = value.getnext()
        if value is not None and local(value) == "absatz":
            fields.setdefault(clean("".join(heading.itertext())), clean("".join(value.itertext())))
    return fields


def words_of(root) -> tuple[str | None, str | None]:
    """(heading, text): the `ct="text"` elements outside running heads and feet."""
    heading, lines = None, []
    for element in root.iter():
        if local(element) not in TEXT_TAGS or element.get("ct") != "text":
            continue
        if any(local(parent) in ("kzinhalt", "fzinhalt") for parent in element.iterancestors()):
            continue
        line = element_text(element)
        if not line:
            continue
        if local(element) == "ueberschrift":
            if element.get("typ") == "para" and heading is None and not lines:
                heading = line
            continue
        lines.append(line)
    return heading, "\n".join(lines) or None


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="RIS: Rechtsinformationssystem des Bundes, Bundesrecht konsolidiert (Austria, Bundeskanzleramt)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="CC BY 4.0 (Rechtsinformationssystem des Bundes)",
    licence_url="https://www.ris.bka.gv.at/UI/Ogd.aspx",
    terms_url="https://www.ris.bka.gv.at/UI/Ogd.aspx",
    rate_limit_text="none published (OGD interfaces open without registration); one request at a time, 1 s apart",
    rate_limit=None,
    download_delay=1.0,
    deadline_seconds=3600,
    # The version texts live on the RIS web host, the API on data.bka.gv.at.
    alias_hosts=("www.ris.bka.gv.at",),
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "key", "page", "today", "valid_from", "valid_to", "label", "page_url"),
    notes="OGD-RIS API v2.6, Applikation BrKons: one record per version of a paragraph, each with its validity "
          "dates and a risdok XML text. No real capture: formats from the API handbook and public clients.",
    # Several curated instruments share one law (StGB): the curated id travels in the request.
    curated_instrument_id=None,
)


class RisSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/ris/api/v2\.6/Bundesrecht$", parse_search),
        (r"/Dokumente/Bundesnormen/NOR\d+/NOR\d+\.xml$", parse_document),
    ]

    def tracked_requests(self):
        count = 0
        for instrument in self.tracked:
            number = str(instrument.get("source_identifier") or "").strip()
            if not GESETZESNUMMER.match(number):
                self.logger.warning("ris: %s has no Gesetzesnummer as source_identifier (%r)", instrument.get("id"), number)
                continue
            for provision in instrument.get("provisions") or []:
                key = provision.get("key")
                if not key:
                    continue
                if self.limit is not None and count >= self.limit:
                    return
                count += 1
                # Two curated instruments may ask for the same law: not a duplicate.
                yield self.request(paragraph_url(number, key), tracked=True, instrument_id=instrument["id"],
                                   key=key, page=1).replace(dont_filter=True)

    def on_error(self, failure):
        """A failed page, with RIS's own explanation when its error envelope came with it."""
        response = getattr(failure.value, "response", None)
        explained = envelope_error(response.body) if response is not None else None
        for error in super().on_error(failure):
            if explained:
                error["reason"] = self.redact(f"{error['reason']}: {explained}")
            yield error

    def discovery_requests(self):
        today = date.today().isoformat()
        for terms in SEARCH_TERMS:
            yield self.request(search_url(terms, today), query=terms, page=1, **self.since_meta())
