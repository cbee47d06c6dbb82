"""Justice Laws Website: consolidated federal Acts and regulations of Canada (Department of Justice).

Base URL: https://laws-lois.justice.gc.ca
Licence: Open Government Licence – Canada, and the Reproduction of Federal Law Order
(federal law may be reproduced if accurate and not presented as an official version).
Terms: https://laws-lois.justice.gc.ca/eng/Terms/ publish no rate limit and no quota; no
key. We stay gentle: one request at a time, two seconds apart.

What this spider does:
(a) tracked instruments: for every curated instrument whose source is `justice_laws`,
    fetch the consolidated XML of the Act or regulation it names (`source_identifier`,
    e.g. `C-46`) in English AND in French (`/eng/XML/C-46.xml`, `/fra/XML/C-46.xml`;
    a regulation: `/eng/XML/SOR-2002-227.xml`), and store each key provision (`key:`
    `section/162.1` for a whole section, `section/162.1/subsection/2` for one
    subsection) as ONE provision with a text per language. The document is the whole
    Act (the Criminal Code is over 5 MB): one request per language serves every
    provision of every curated instrument drawn from it. The French document is asked
    for once the English one is read, so English is a provision's first language.
(b) no discovery: the site has no search API (HTML site search only).

Format knowledge comes from the source's own files: the consolidated XML as published
in the justicecanada/laws-lois-xml repository (eng/acts/C-46.xml and fra/lois/C-46.xml,
point in time 2026-06-17, read through the search tool; no copy is kept here) and the
real capture /work/shared/samples/justice_laws/2014-c31_E.XML (an annual statute). The
XML served at /eng/XML/{code}.xml is the same consolidated format (reference/sources.md).

Consolidated format (the LIMS export, namespace `lims` = http://justice.gc.ca/lims):
- Root `Statute` (an Act) or `Regulation`, with `xml:lang`, `in-force="yes"`,
  `lims:pit-date` (the point in time shown), `lims:lastAmendedDate`,
  `hasPreviousVersion`; `Identification/ShortTitle`, `LongTitle`,
  `Chapter/ConsolidatedNumber` (`C-46`) or, for a regulation, `InstrumentNumber`.
- `Body/Section` with `Label` (`162.1`), `MarginalNote` (the heading; in Canada not
  part of the enactment), `Text`, `Subsection/Label` (`(2)`), `Paragraph`
  (`(a)` in English, `a)` in French), `Subparagraph`, `Clause`, `Definition`,
  `Continued*` (text after a list), `HistoricalNote` (amendment citations, not law).
- Every element carries `lims:inforce-start-date`, new or amended ones also
  `lims:enacted-date`; a Section carries `lims:lastAmendedDate`. The text shown
  applies from the latest in-force date found inside the provision (that of its
  most recent amendment), which is the provision's `valid_from`. The root's own
  `lims:inforce-start-date` is a consolidation date, not the Act's commencement, and
  is not used.
- Repealed text reads `<Repealed>[Repealed, 1993, c. 40, s. 8]</Repealed>`: such a
  provision is stored as repealed.
- `lims:id` differs between the English and the French file for the same provision,
  so provisions are matched across languages by their label, never by `lims:id`.

Annual statutes (Bill Exchange DTD v2.5, real capture 2014-c31_E.XML; the source of
that file is the laws-lois-xml repository, annual-statutes-lois-annuelles/): root
`Bill` with `Identification` (`BillNumber`, `Parliament`, `LongTitle`, `ShortTitle`,
`BillHistory/Stages[@stage="assented-to"]/Date`, `Chapter/AnnualStatuteId`), then
`Body/Section` (numbered `1.`, with a trailing dot) of which amending sections quote
the new text in `AmendedText` (sections of the amended Act: part of the amending
section's text, never provisions of their own). The file starts with a byte-order mark
and an Arbortext comment before the DOCTYPE.

Not covered: earlier point-in-time versions (`hasPreviousVersion="true"`): the site
offers them as HTML only, and no XML address for them is documented.
"""

import re
from urllib.parse import urlsplit

import scrapy
from lxml import etree

from ..items import InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "justice_laws"
OFFICIAL = "https://laws-lois.justice.gc.ca"
LIMS = "http://justice.gc.ca/lims"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
IN_FORCE_START = f"{{{LIMS}}}inforce-start-date"
LIMS_ID = f"{{{LIMS}}}id"

#: The folder of each language on the site: XML, Acts and regulations pages.
LANGUAGES = {"en": ("eng", "acts", "regulations"), "fr": ("fra", "lois", "reglements")}
#: A consolidated document's address: /eng/XML/C-46.xml.
CONSOLIDATED_PATH = re.compile(r"^/(eng|fra)/XML/([A-Za-z0-9.\-]+)\.xml$")
#: An annual statute's file name: 2014-c31_E.XML.
ANNUAL_FILE = re.compile(r"(\d{4})-c(\d+)_([EF])\.XML$", re.IGNORECASE)

# Elements that are a unit of text of their own (a line each), and those that are not law text.
BLOCKS = {
    "Subsection", "Paragraph", "Subparagraph", "Clause", "Subclause", "Subsubclause", "Definition",
    "ContinuedSectionSubsection", "ContinuedParagraph", "ContinuedSubparagraph", "ContinuedClause",
    "ContinuedSubclause", "ContinuedDefinition", "Provision", "AmendedText", "Section", "Heading",
    "FormulaGroup", "Formula", "FormulaDefinition", "List", "Item", "ReadAsText", "Oath",
}
NOT_TEXT = {"MarginalNote", "HistoricalNote", "Footnote", "FootnoteRef", "Note", "EnablingAuthority"}


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def inline_text(element) -> str:
    """The words of an element, footnote references left out."""
    parts = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and local(child) not in NOT_TEXT:
            parts.append(inline_text(child))
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def text_lines(element, own_label: bool = True) -> list[str]:
    """Readable lines of a provision: each subsection, paragraph or definition on a
    line of its own, starting with its label; headings and history left out.

    `own_label`: False for the provision itself, whose label is its name, not text."""
    lines: list[str] = []
    label = None
    skip_label = not own_label
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if name in NOT_TEXT:
            continue
        if name == "Label":
            if skip_label:  # the provision's own number
                skip_label = False
            else:
                label = clean(inline_text(child))
            continue
        if name == "Text":
            words = clean(inline_text(child))
            if words:
                lines.append(f"{label} {words}" if label else words)
                label = None
            continue
        if name in BLOCKS or child.find(".//Text") is not None:  # SectionPiece and kin hold blocks
            inner = text_lines(child)
            if label and inner:
                inner[0] = f"{label} {inner[0]}"
                label = None
            lines.extend(inner)
            continue
        words = clean(inline_text(child))
        if words:
            lines.append(words)
    if label:
        lines.insert(0, label)
    return lines


def in_force_from(element) -> str | None:
    """When the text shown began to apply: the latest in-force date inside it (its last
    amendment), amendment histories left out."""
    dates = [element.get(IN_FORCE_START)] if element.get(IN_FORCE_START) else []
    for node in element.iter():
        if isinstance(node.tag, str) and node.get(IN_FORCE_START) and not any(
                local(a) == "HistoricalNote" for a in node.iterancestors()):
            dates.append(node.get(IN_FORCE_START))
    return max(dates) if dates else None


def status_of(element) -> str:
    for node in (element, *element.iterancestors()):
        if node.get("in-force") == "no":
            return "prospective"
    texts = [t for t in element.iter() if isinstance(t.tag, str) and local(t) == "Text"
             and not any(local(a) == "HistoricalNote" for a in t.iterancestors())]
    if texts and all(t.find("Repealed") is not None and not clean((t.text or "")) for t in texts):
        return "repealed"
    return "in_force"


def section_label(section) -> str | None:
    label = section.findtext("Label")
    return clean(label.rstrip(".")) if label else None


def subsection_number(subsection) -> str | None:
    """"2" from the label "(2)", "4.1" from "(4.1)"."""
    label = clean(subsection.findtext("Label"))
    return label.strip("()") if label else None


def heading_of(element, section) -> str | None:
    note = element.find("MarginalNote")
    if note is None and element is not section:
        note = section.find("MarginalNote")
    return clean(inline_text(note)) if note is not None else None


def parse_xml(body: bytes):
    if not body or not body.strip():
        raise ValueError("empty response where Justice Laws XML was expected")
    try:
        return etree.fromstring(body, etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False,
                                                      no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML (an HTML error page?): {error}") from None


# --------------------------------------------------------------------------- addresses


def own_id(code: str) -> str:
    """The id the spider gives a consolidated Act or regulation nobody curated: ca-c-46."""
    return "ca-" + re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")


def is_regulation(code: str) -> bool:
    return code.upper().startswith(("SOR", "SI-", "C.R.C", "CRC"))


def document_url(code: str, language: str) -> str:
    return f"{OFFICIAL}/{LANGUAGES[language][0]}/XML/{code}.xml"


def page_url(code: str, language: str, section: str | None = None) -> str:
    """The official HTML page of an Act or regulation, or of one of its sections."""
    folder, acts, regulations = LANGUAGES[language]
    base = f"{OFFICIAL}/{folder}/{regulations if is_regulation(code) else acts}/{code}/"
    if section is None:
        return base
    return base + (f"section-{section}.html" if language == "en" else f"art-{section}.html")


def provision_key(section: str, subsection: str | None = None) -> str:
    return f"section/{section}" + (f"/subsection/{subsection}" if subsection else "")


def provision_label(section: str, subsection: str | None = None) -> str:
    """As the curated entries number it: 162.1, 162.1(2)."""
    return section + (f"({subsection})" if subsection else "")


KEY = re.compile(r"^section/([^/]+)(?:/subsection/([^/]+))?$")


# --------------------------------------------------------------------------- parsers


def parse_consolidated(response):
    """A consolidated Act or regulation (`/eng/XML/C-46.xml`, `/fra/XML/C-46.xml`).

    Request meta (optional): `instruments` {curated instrument id: [provision keys]}:
    the provisions wanted and the ids to give them; without it, every section of the
    document, under the spider's own id. The English document also gives the instrument."""
    root = parse_xml(response.body)
    if local(root) not in ("Statute", "Regulation"):
        raise ValueError(f"not a consolidated Justice Laws document (root element {local(root)!r})")
    match = CONSOLIDATED_PATH.match(urlsplit(response.url).path)
    language = root.get(XML_LANG) or ("fr" if match and match.group(1) == "fra" else "en")
    identification = root.find("Identification")
    code = None
    if identification is not None:
        code = clean(identification.findtext("Chapter/ConsolidatedNumber")) or clean(
            identification.findtext("InstrumentNumber"))
    if not code and match:
        code = match.group(2)
    if not code:
        raise ValueError("consolidated document without a chapter or instrument number")
    code = code.replace("/", "-").replace(" ", "")  # SOR/2002-227 is SOR-2002-227 in addresses
    wanted = response.meta.get("instruments") or {own_id(code): None}
    sections = {}
    for section in root.iterfind("Body//Section"):
        if any(local(a) == "AmendedText" for a in section.iterancestors()):
            continue
        label = section_label(section)
        if label and label not in sections:
            sections[label] = section
    for instrument_id, keys in wanted.items():
        if language == "en":
            yield instrument_item(root, identification, code, instrument_id, response.meta)
        if keys is None:
            keys = [provision_key(label) for label in sections]
        for key in keys:
            item = provision_item(sections, key, code, instrument_id, language)
            if item is not None:
                yield item
    if language == "en" and response.meta.get("instruments"):
        # The French text after the English one, so that English is always the text a
        # provision is first stored with, and French its second language.
        carried = {k: response.meta[k] for k in ("instruments", "jurisdiction", "status") if response.meta.get(k)}
        yield scrapy.Request(document_url(code, "fr"), meta={**carried, "tracked": bool(response.meta.get("tracked"))})


def instrument_item(root, identification, code: str, instrument_id: str, meta) -> InstrumentItem:
    title = clean(inline_text(identification.find("ShortTitle"))) if identification.find("ShortTitle") is not None else None
    if not title and identification.find("LongTitle") is not None:
        title = clean(inline_text(identification.find("LongTitle")))
    regulation = local(root) == "Regulation"
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=meta.get("jurisdiction") or "CA",
        title=title,
        citation=None,  # the consolidated file gives the chapter (C-46), not its citation
        kind="regulation" if regulation else "statute",
        status=meta.get("status") or ("in_force" if root.get("in-force", "yes") == "yes" else "enacted_not_in_force"),
        date_enacted=None,
        date_in_force=None,
        official_url=page_url(code, "en"),
        language="en",
        extent=None,
        source=SOURCE,
        identifiers=[{"scheme": "URI", "value": document_url(code, "en")},
                     {"scheme": "URI", "value": document_url(code, "fr")}],
    )


def provision_item(sections: dict, key: str, code: str, instrument_id: str, language: str) -> ProvisionItem | None:
    match = KEY.match(key)
    if not match:
        raise ValueError(f"provision key {key!r} is not section/N or section/N/subsection/M")
    number, sub = match.groups()
    section = sections.get(number)
    if section is None:
        return None  # not in this document: the store keeps what it had
    element = section
    if sub:
        element = next((s for s in section.iterfind("Subsection") if subsection_number(s) == sub), None)
        if element is None:
            return None
    lines = text_lines(element, own_label=bool(sub))
    lims_id = element.get(LIMS_ID)
    return ProvisionItem(
        id=f"{instrument_id}/{key}",
        instrument_id=instrument_id,
        label=provision_label(number, sub),
        heading=heading_of(element, section),
        text="\n".join(lines) or None,
        language=language,
        url=page_url(code, language, number),
        extent=None,
        in_force_status=status_of(element),
        valid_from=in_force_from(element),
        valid_to=None,
        source=SOURCE,
        identifiers=[{"scheme": "LIMS", "value": lims_id}] if lims_id else None,
    )


def date_of(node) -> str | None:
    if node is None:
        return None
    year, month, day = (node.findtext(part) for part in ("YYYY", "MM", "DD"))
    if not (year and month and day):
        return None
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def parse_annual_statute(response):
    """An annual statute as enacted (Bill Exchange XML, `2014-c31_E.XML`): the Act and
    its sections, amending sections with the text they insert."""
    root = parse_xml(response.body)
    if local(root) != "Bill":
        raise ValueError(f"not a Bill Exchange document (root element {local(root)!r})")
    ident = root.find("Identification")
    if ident is None:
        raise ValueError("Bill Exchange document without Identification")
    year = clean(ident.findtext("Chapter/AnnualStatuteId/YYYY"))
    chapter = clean(ident.findtext("Chapter/AnnualStatuteId/AnnualStatuteNumber"))
    if not (year and chapter):
        file_match = ANNUAL_FILE.search(urlsplit(response.url).path)
        if not file_match:
            raise ValueError("annual statute without a year and chapter")
        year, chapter = file_match.group(1), file_match.group(2)
    language = root.get(XML_LANG) or "en"
    folder = LANGUAGES.get(language, LANGUAGES["en"])[0]
    instrument_id = response.meta.get("instrument_id") or f"ca-sc-{year}-c-{chapter}"
    page = f"{OFFICIAL}/{folder}/{'annualstatutes' if language == 'en' else 'LoisAnnuelles'}/{year}_{chapter}/"
    long_title = clean(inline_text(ident.find("LongTitle"))) if ident.find("LongTitle") is not None else None
    short_title = clean(inline_text(ident.find("ShortTitle"))) if ident.find("ShortTitle") is not None else None
    bill = clean(ident.findtext("BillNumber"))
    parliament, session = clean(ident.findtext("Parliament/Number")), clean(ident.findtext("Parliament/Session"))
    identifiers = [{"scheme": "URI", "value": page}]
    if bill and parliament and session:
        identifiers.append({"scheme": "OTHER", "value": f"Bill {bill}, {parliament}th Parliament, session {session}"})
    yield InstrumentItem(
        id=instrument_id,
        jurisdiction=response.meta.get("jurisdiction") or "CA",
        title=short_title or long_title,
        citation=f"S.C. {year}, c. {chapter}" if language == "en" else f"L.C. {year}, ch. {chapter}",
        kind="amendment" if (long_title or "").lower().startswith(("an act to amend", "loi modifiant")) else "statute",
        status=response.meta.get("status"),
        date_enacted=date_of(ident.find("BillHistory/Stages[@stage='assented-to']/Date")),
        date_in_force=None,
        official_url=page,
        language=language,
        extent=None,
        source=SOURCE,
        identifiers=identifiers,
    )
    body = root.find("Body")
    for section in (body.findall("Section") if body is not None else []):
        number = section_label(section)
        if not number:
            continue
        yield ProvisionItem(
            id=f"{instrument_id}/section/{number}",
            instrument_id=instrument_id,
            label=number,
            heading=heading_of(section, section),
            text="\n".join(text_lines(section, own_label=False)) or None,
            language=language,
            url=page,
            extent=None,
            in_force_status=None,  # an Act as enacted: its commencement is in its own sections
            valid_from=None,
            valid_to=None,
            source=SOURCE,
        )


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Justice Laws Website (Department of Justice Canada)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="Open Government Licence – Canada; Reproduction of Federal Law Order",
    licence_url="https://open.canada.ca/en/open-government-licence-canada",
    terms_url="https://laws-lois.justice.gc.ca/eng/Terms/",
    rate_limit_text="not published; one request at a time, 2 s apart",
    rate_limit=None,
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "instruments", "tracked"),
    notes="Consolidated Acts and regulations as LIMS XML (/eng/XML/, /fra/XML/), English and French; "
          "annual statutes in Bill Exchange XML. No key, no search API.",
    # A curated instrument keeps its own id: one Act (C-46) serves several curated
    # entries, so the spider takes the id from the tracked row (see tracked_requests).
    curated_instrument_id=None,
)


class JusticeLawsSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/(eng|fra)/XML/[^/]+\.xml$", parse_consolidated),
        (r"\d{4}-c\d+_[EF]\.XML$", parse_annual_statute),
    ]
    root_elements = {"Statute": parse_consolidated, "Regulation": parse_consolidated, "Bill": parse_annual_statute}

    def tracked_requests(self):
        """One request per document, asking for the key provisions of every curated
        instrument drawn from it."""
        by_code: dict[str, dict[str, list[str]]] = {}
        context: dict[str, dict] = {}
        for instrument in self.tracked:
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            if not keys:
                continue
            code = str(instrument["source_identifier"]).strip()
            by_code.setdefault(code, {})[instrument["id"]] = keys
            context.setdefault(code, {"jurisdiction": instrument.get("jurisdiction")})
        for count, (code, instruments) in enumerate(by_code.items()):
            if self.limit is not None and count >= self.limit:
                return
            # English first; its page asks for the French one (see parse_consolidated).
            yield self.request(document_url(code, "en"), tracked=True, instruments=instruments, **context[code])
