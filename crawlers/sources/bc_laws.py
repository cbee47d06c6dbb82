"""BC Laws (British Columbia): consolidated Acts and regulations, from the King's Printer's
CiviX service.

Base URL: https://www.bclaws.gov.bc.ca (the old host www.bclaws.ca serves the same paths).
Endpoints used (all XML, no key):
    /civix/document/id/complete/statreg/{doc_id}/xml
        one consolidated document: an Act (`23011` = S.B.C. 2023, c. 11: two digits of
        the year, then the chapter on three) or a regulation (`293_2023` = B.C. Reg.
        293/2023). A long Act is split into parts (`98043_01`, ..., table `98043_00`;
        the whole as `98043_00_multi`). The page without `/xml` is the HTML rendition.
    /civix/search/complete/fullsearch?q=..&s=0&e=20&nFrag=5&lFrag=100
        full-text search: `<results>` holding the hit count and one `<doc>` per hit
        with `CIVIX_DOCUMENT_ID`, `CIVIX_DOCUMENT_TITLE`, `CIVIX_INDEX_ID`,
        `CIVIX_DOCUMENT_LOC`, `CIVIX_DOCUMENT_STATUS`, `frag` (snippets); `s`/`e` are
        the first and last hit of a page.
Licence:  King's Printer Licence - British Columbia (reproduction of the consolidations
          allowed with attribution; https://www.bclaws.gov.bc.ca/standards/2014/QP-License_1.0.html).
Terms:    no published rate limit, quota or key; public clients pause 1.5 s between
          sequential requests. We send one request at a time, 2 seconds apart.

NO REAL CAPTURE exists here (/work/shared/samples has none for BC Laws). The format
knowledge comes from public code read through the search tool: the King's Printer's own
XSL stylesheets for the XML (ACT-HTML_1.0.xsl: root `act:act`, `act:title`,
`act:chapter`, `act:yearenacted`, `act:assentedto`, `act:currency/act:currencydate`,
`act:content`, `act:repealedtext`; the regulation stylesheet: `reg:regulation`,
`reg:title`, `reg:regnum`, `reg:oic`, `reg:effective`, `reg:deposited`, `reg:acttitle`),
BC Laws clients that parse the bodies (`bcl:part`, `bcl:division`, `bcl:section` with
`bcl:marginalnote`, `bcl:num`, `bcl:subsection`, `bcl:paragraph`, `bcl:subparagraph`,
`bcl:clause`, `bcl:definition`, `bcl:text` with inline `in:term`, `in:doc`, `bcl:link`,
and `bcl:hnote` amendment history), and clients of the search (`results/doc`, the count
read as `totalhits` by one and `total` by another: both are read here). The examples in
tests/examples/bc_laws/ are written by us in those shapes, with shortened wording of the
tracked sections in our own words (not the official text) and the dates the curated entry gives (assent 2023-03-30) or placeholders.

Versions: the consolidation states when it is current to (`act:currencydate`, else
only on the HTML page) but NOT when each section's wording took effect (public importers
say the same), so a provision's `valid_from` stays empty unless the curated instrument's
own commencement is all there is (the spider passes `date_in_force` for an Act never
amended). Point-in-time versions exist for some Acts as HTML only: not covered.

Keys: `section/5` names a section of the instrument's own document (`source_identifier`);
`293_2023/section/3` one of another document; `293_2023/whole` a whole (short) document
as one provision (the implementing regulation).
"""

import re
from datetime import datetime
from urllib.parse import parse_qs, quote, urlsplit

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, keys_by_document

SOURCE = "bc_laws"
OFFICIAL = "https://www.bclaws.gov.bc.ca"
JURISDICTION = "CA-BC"
ACT = "http://www.gov.bc.ca/2013/legislation/act"
REG = "http://www.gov.bc.ca/2013/legislation/regulation"
BCL = "http://www.gov.bc.ca/2013/bclegislation"

#: 23011, 293_2023, 98043_01, 98043_00_multi
DOC_ID = re.compile(r"^[0-9A-Za-z]+(?:_[0-9A-Za-z]+)*$")
DOCUMENT_PATH = re.compile(r"^/civix/document/id/complete/statreg/(?P<doc>[^/]+)/xml/?$")
KEY = re.compile(r"^(?:(?P<doc>[0-9A-Za-z_]+)/)?(?:section/(?P<section>[0-9A-Za-z.]+)|(?P<whole>whole))$")
#: Subject searches (CiviX full-text syntax) and how many pages of PAGE_SIZE each may read.
SEARCHES = ('"intimate image"', '"intimate images"', "deepfake")
PAGE_SIZE = 20
MAX_PAGES = 3

#: How the curated entries write the statute series the XML names (`[SBC 2023] CHAPTER 11`).
CITED = {"SBC": "S.B.C.", "RSBC": "R.S.B.C.", "RSC": "R.S.C."}
#: Numbered units of a section, each a line of its own starting with its number.
NUMBERED = {"subsection", "paragraph", "subparagraph", "clause", "subclause"}
#: Elements that are not law text: headings, numbers, amendment history.
APPARATUS = {"marginalnote", "num", "hnote"}


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def document_url(doc_id: str) -> str:
    return f"{OFFICIAL}/civix/document/id/complete/statreg/{doc_id}/xml"


def page_url(doc_id: str, section: str | None = None) -> str:
    """The HTML rendition (what a reader opens), at a section's anchor."""
    return f"{OFFICIAL}/civix/document/id/complete/statreg/{doc_id}" + (f"#section{section}" if section else "")


def search_url(term: str, page: int = 0) -> str:
    first = page * PAGE_SIZE
    return (f"{OFFICIAL}/civix/search/complete/fullsearch?q={quote(term)}&s={first}&e={first + PAGE_SIZE}"
            "&nFrag=5&lFrag=100")


def instrument_id(doc_id: str) -> str:
    """The id of a document fetched without a curated row: `ca-bc-23011`."""
    return "ca-bc-" + re.sub(r"[^a-z0-9]+", "-", doc_id.lower()).strip("-")


def iso_date(text: str | None) -> str | None:
    """`May 11, 2023` or `2023-05-11` as an ISO date, else None."""
    text = clean(text)
    if not text:
        return None
    for pattern in ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None


def read_xml(response):
    body = response.body
    if not body or not body.strip():
        raise ValueError(f"empty response where BC Laws XML was expected ({response.url})")
    head = body.lstrip()[:300].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise ValueError(f"an HTML page where BC Laws XML was expected ({response.url})")
    try:
        return etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                      remove_comments=True, remove_pis=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML at {response.url}: {error}") from None


# --------------------------------------------------------------------------- text


def inline_text(element) -> str:
    return "".join(element.itertext())


def unit_lines(element, own_number: bool = True) -> list[str]:
    """Readable lines of a section or a part of it: each subsection, paragraph and
    definition on its own line, starting with its number in brackets; history left out.

    `own_number`: False for the section itself (its number is its label, not text)."""
    lines: list[str] = []
    number = None
    if own_number and local(element) in NUMBERED:
        found = element.find(f"{{{BCL}}}num")
        number = f"({clean(inline_text(found))})" if found is not None and clean(inline_text(found)) else None
    for child in element:
        name = local(child)
        if name in APPARATUS or not name:
            continue
        if name == "text":
            words = clean(inline_text(child))
            if words:
                lines.append(f"{number} {words}" if number else words)
                number = None
            continue
        inner = unit_lines(child)
        if number and inner:
            inner[0] = f"{number} {inner[0]}"
            number = None
        lines.extend(inner)
    if number:
        lines.insert(0, number)
    return lines


def repealed(lines: list[str]) -> bool:
    """BC Laws keeps a repealed section as its number and the words `Repealed. [...]`."""
    return len(lines) == 1 and lines[0].lower().startswith("repealed")


# --------------------------------------------------------------------------- documents


def parse_document(response):
    """One consolidated Act or regulation (`.../statreg/{doc_id}/xml`).

    Request meta (optional): `instruments` {curated id: [keys in this document]} and,
    per curated id, `context` (jurisdiction, status, date_in_force, own: whether the
    document is the instrument's own); without it, every section under the spider's id."""
    root = read_xml(response)
    kind = local(root)
    if (kind, etree.QName(root).namespace) not in (("act", ACT), ("regulation", REG)):
        raise ValueError(f"not a BC Laws Act or regulation (root element {kind!r}) at {response.url}")
    match = DOCUMENT_PATH.match(urlsplit(response.url).path)
    doc_id = match["doc"] if match else (root.get("id") or root.get("index"))
    if not doc_id:
        raise ValueError("a BC Laws document without its id (neither in the address nor on the root)")
    doc_id = doc_id.removesuffix("_multi")
    sections = {}
    for section in root.iter(f"{{{BCL}}}section"):
        number = section.find(f"{{{BCL}}}num")
        label = clean(inline_text(number)) if number is not None else None
        if label and label not in sections:
            sections[label] = section
    wanted = response.meta.get("instruments") or {instrument_id(doc_id): None}
    contexts = response.meta.get("context") or {}
    for the_id, keys in wanted.items():
        context = contexts.get(the_id) or {}
        if context.get("own", True):
            yield instrument_item(root, kind, doc_id, the_id, context)
        if keys is None:
            keys = [f"section/{label}" for label in sections]
        missing = []
        for key in keys:
            item = provision_item(root, kind, sections, doc_id, the_id, key, context)
            if item is None:
                missing.append(key)
            else:
                yield item
        if missing:
            # After the sections found: a tracked section the document lacks is a failure, not silence.
            raise ValueError(f"{doc_id}: no section for {', '.join(missing)} (wanted by {the_id})")


def meta_text(root, kind: str, name: str) -> str | None:
    element = root.find(f"{{{ACT if kind == 'act' else REG}}}{name}")
    return clean(inline_text(element)) if element is not None else None


def instrument_item(root, kind: str, doc_id: str, the_id: str, context: dict) -> InstrumentItem:
    title = meta_text(root, kind, "title")
    if not title:
        raise ValueError(f"{doc_id}: a BC Laws document without a title")
    if kind == "act":
        year, chapter = meta_text(root, kind, "yearenacted"), meta_text(root, kind, "chapter")
        revised = (root.find(f"{{{ACT}}}yearenacted").get("revised") if root.find(f"{{{ACT}}}yearenacted") is not None
                   else None) or ("RSBC" if year in ("1996", "1960", "1996 (Supp)") else "SBC")
        citation = f"{CITED.get(revised, revised)} {year}, c. {chapter}" if year and chapter else None
        enacted = iso_date(meta_text(root, kind, "assentedto"))
    else:
        number = meta_text(root, kind, "regnum")
        citation = f"B.C. Reg. {number}" if number else None
        enacted = iso_date(meta_text(root, kind, "deposited"))
    repealed_text = meta_text(root, kind, "repealedtext")
    return InstrumentItem(
        id=the_id,
        jurisdiction=context.get("jurisdiction") or JURISDICTION,
        title=title,
        citation=citation,
        kind="statute" if kind == "act" else "regulation",
        status=context.get("status") or ("repealed" if repealed_text else None),
        date_enacted=enacted,
        date_in_force=context.get("date_in_force"),
        official_url=page_url(doc_id),
        language="en",
        extent=None,
        source=SOURCE,
        identifiers=[{"scheme": "URI", "value": document_url(doc_id)}],
    )


def provision_item(root, kind, sections, doc_id, the_id, key, context) -> ProvisionItem | None:
    match = KEY.match(str(key))
    if not match:
        raise ValueError(f"provision key {key!r} is not [DOC_ID/]section/N or [DOC_ID/]whole")
    if match["whole"]:
        body = root.find(f"{{{ACT if kind == 'act' else REG}}}content")
        lines = []
        for section in (body if body is not None else root).iter(f"{{{BCL}}}section"):
            number = section.find(f"{{{BCL}}}num")
            section_lines = unit_lines(section, own_number=False)
            if section_lines:
                section_lines[0] = f"{clean(inline_text(number)) if number is not None else ''} {section_lines[0]}".strip()
            lines.extend(section_lines)
        if not lines:
            return None
        label = meta_text(root, kind, "regnum")
        return ProvisionItem(
            id=f"{the_id}/{key}", instrument_id=the_id,
            label=f"B.C. Reg. {label}" if label else doc_id, heading=meta_text(root, kind, "title"),
            text="\n".join(lines), language="en", url=page_url(doc_id), extent=None,
            in_force_status="repealed" if meta_text(root, kind, "repealedtext") else "in_force",
            valid_from=None, valid_to=None, source=SOURCE,
            identifiers=[{"scheme": "URI", "value": document_url(doc_id)}])
    section = sections.get(match["section"])
    if section is None:
        return None
    lines = unit_lines(section, own_number=False)
    heading = section.find(f"{{{BCL}}}marginalnote")
    never_amended = not any(True for _ in section.iter(f"{{{BCL}}}hnote"))
    gone = repealed(lines)
    return ProvisionItem(
        id=f"{the_id}/{key}",
        instrument_id=the_id,
        label=match["section"],
        heading=clean(inline_text(heading)) if heading is not None else None,
        text="\n".join(lines) or None,
        language="en",
        url=page_url(doc_id, match["section"]),
        extent=None,
        in_force_status="repealed" if gone else "in_force",
        # The consolidation dates no section: only a section never amended (no history
        # note) in an instrument whose commencement the curation knows takes that date.
        valid_from=context.get("date_in_force") if never_amended and not gone and context.get("own", True) else None,
        valid_to=None,
        source=SOURCE,
        identifiers=[{"scheme": "URI", "value": page_url(doc_id, match["section"])}],
    )


# --------------------------------------------------------------------------- search


def hit_count(results) -> int | None:
    for name in ("totalhits", "total", "allhits"):
        value = results.findtext(name)
        if value is None:
            value = results.get(name)
        if value is not None and clean(value) and clean(value).isdigit():
            return int(clean(value))
    return None


def parse_search(response):
    """A full-text search answer: each hit a candidate (curated ones under their own id),
    then the next page while hits remain (up to MAX_PAGES)."""
    results = read_xml(response)
    if local(results) != "results":
        raise ValueError(f"not a CiviX search answer (root element {local(results)!r}) at {response.url}")
    query = parse_qs(urlsplit(response.url).query)
    term = response.meta.get("search_term") or (query.get("q") or [""])[0]
    known = response.meta.get("known") or {}
    docs = results.findall("doc")
    total = hit_count(results)
    if total is None and docs:
        raise ValueError(f"a CiviX search answer without its hit count at {response.url}")
    for doc in docs:
        doc_id = clean(doc.findtext("CIVIX_DOCUMENT_ID"))
        title = clean(doc.findtext("CIVIX_DOCUMENT_TITLE"))
        if not doc_id or not title:
            continue
        index = clean(doc.findtext("CIVIX_INDEX_ID")) or "statreg"
        yield CandidateItem(id=known.get(doc_id) or instrument_id(doc_id), jurisdiction=JURISDICTION, title=title,
                            url=f"{OFFICIAL}/civix/document/id/complete/{index}/{doc_id}", published=None,
                            matched_query=term, source=SOURCE)
    first = int((query.get("s") or ["0"])[0] or 0)
    page = first // PAGE_SIZE
    if docs and total is not None and first + len(docs) < total and page + 1 < MAX_PAGES:
        yield scrapy.Request(search_url(term, page + 1), meta={"search_term": term, "known": known})


# --------------------------------------------------------------------------- spider


def documents_of(instrument: dict) -> dict[str, list[str]]:
    return keys_by_document(instrument, KEY, "[DOC_ID/]section/N or whole")


DECLARATION = SourceContract(
    id=SOURCE,
    name="BC Laws (King's Printer, British Columbia)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("bclaws.gov.bc.ca", "www.bclaws.ca"),
    licence="King's Printer Licence - British Columbia",
    licence_url="https://www.bclaws.gov.bc.ca/standards/2014/QP-License_1.0.html",
    terms_url="https://www.bclaws.gov.bc.ca/standards/Disclaimer.html",
    rate_limit_text="not published, no key; one request at a time, 2 s apart",
    rate_limit=None,
    download_delay=2.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instruments", "context", "search_term", "known", "tracked"),
    notes="CiviX XML of consolidated Acts and regulations (/civix/document/id/complete/statreg/{id}/xml) and "
          "its full-text search. The consolidation dates no section. No real capture (built from the King's "
          "Printer's XSL and public clients).",
    # A curated instrument keeps its own id; the request carries it.
    curated_instrument_id=None,
)


class BcLawsSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (DOCUMENT_PATH.pattern, parse_document),
        (r"^/civix/search/complete/fullsearch/?$", parse_search),
    ]
    root_elements = {"act": parse_document, "regulation": parse_document, "results": parse_search}

    def tracked_requests(self):
        """One request per document, for every curated instrument drawn from it."""
        by_document: dict[str, dict] = {}
        for instrument in self.tracked_within_limit():
            own = str(instrument.get("source_identifier") or "").strip()
            if not DOC_ID.match(own):
                self.logger.warning("%s: source_identifier %r is not a CiviX document id", instrument.get("id"), own)
                continue
            documents = documents_of(instrument)
            documents.setdefault(own, [])
            for doc_id, keys in documents.items():
                entry = by_document.setdefault(doc_id, {"instruments": {}, "context": {}})
                entry["instruments"][instrument["id"]] = keys
                entry["context"][instrument["id"]] = {
                    "jurisdiction": instrument.get("jurisdiction"), "status": instrument.get("status"),
                    "date_in_force": str(instrument["date_in_force"]) if instrument.get("date_in_force") else None,
                    "own": doc_id == own}
        for doc_id, entry in by_document.items():
            own_ids = [the_id for the_id, context in entry["context"].items() if context["own"]]
            yield self.request(document_url(doc_id), tracked=True,
                               expects=("instrument", own_ids[0]) if own_ids else None, **entry)

    def discovery_requests(self):
        # Every document a curated instrument draws on (its regulation too) is known by it.
        known = {}
        for instrument in self.tracked:
            for doc_id in (str(instrument.get("source_identifier") or ""), *documents_of(instrument)):
                if doc_id:
                    known.setdefault(doc_id, instrument["id"])
        for term in SEARCHES:
            yield self.request(search_url(term), search_term=term, known=known)
