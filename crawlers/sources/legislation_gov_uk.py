"""legislation.gov.uk: the official home of UK legislation (The National Archives).

Base URL: https://www.legislation.gov.uk (older captures use the alias host
legislation.data.gov.uk for the same paths).
Licence: Open Government Licence v3.0 (Crown copyright).
Terms (fair use, legislation/data-documentation `fair-use.md`): at most 3,000
requests per 5 minutes per user; a User-Agent naming the client and a contact is
mandatory (anonymous agents are blocked); obey robots.txt.

What this spider does:
(a) tracked instruments: for every curated instrument in `data/instruments/`
    whose source is `legislation_gov_uk`, fetch each key provision as CLML
    (`/{type}/{year}/{number}/{section/66B}/data.xml`) with its text, extent and
    in-force or prospective status;
(b) discovery: query the Atom list feeds (`/all/data.feed?text=...&sort=published`)
    and the new-legislation feed for the subject's terms; every hit becomes a
    *candidate* for a person to review, never a tracked instrument.

Format notes (CLML, namespace http://www.legislation.gov.uk/namespaces/legislation):
- One parser reads every document shape: a whole Act, a single section, a Part,
  and contents-only documents (`/contents/data.xml`: `<Contents>` with
  `<ContentsItem>` numbers and titles, no body).
- Provisions are `P1` elements with an `IdURI`; `P1`s inside a `BlockAmendment`
  are text quoted into another Act and have no `IdURI`: they belong to the text
  of the provision that quotes them.
- Headings live on the enclosing `P1group/Title`; commentaries (`CommentaryRef`,
  `Commentary`) are editorial annotations, not law, and are left out of the text.
- `Status="Prospective"` marks text not yet in force (`Match="false"`, text not
  valid at the requested date, goes with it and is not read separately);
  `RestrictExtent` gives where it applies ("E+W", "S", "N.I.", "E+W+S+N.I.") and
  `RestrictStartDate` from when. Repealed words often appear only as a row of dots
  with no Status attribute: such a provision is stored as repealed.
- A section document's root carries the section's extent, not the Act's, so the
  instrument's extent is taken from whole documents only.
- Atom feeds: OpenSearch paging (`leg:page`, `leg:morePages`, `link rel="next"`),
  `ukm:DocumentMainType`, `ukm:Year`, `ukm:Number` on each entry. History:
  2015 captures show `legislation.data.gov.uk` links; 2024 captures `www.`.
"""

import re
from urllib.parse import quote, urlsplit

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "legislation_gov_uk"
OFFICIAL = "https://www.legislation.gov.uk"
LEG = "http://www.legislation.gov.uk/namespaces/legislation"
NS = {
    "leg": LEG,
    "ukm": "http://www.legislation.gov.uk/namespaces/metadata",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
}

#: The subject's terms for discovery, as legislation.gov.uk's text search reads them.
SEARCH_TERMS = (
    '"intimate image"',
    '"intimate photograph or film"',
    '"purported intimate image"',
    "deepfake",
    '"sexually explicit" AND "digitally altered"',
)

#: Words that make an entry of the new-legislation feed worth a person's review.
NEW_FEED_TERMS = ("intimate", "deepfake", "sexual", "image", "online safety", "voyeurism", "pornograph", "photograph")

# type code -> (citation pattern, kind, jurisdiction when the text gives no extent)
DOCUMENT_TYPES = {
    "ukpga": ("{year} c. {number}", "statute", "GB"),
    "asp": ("{year} asp {number}", "statute", "GB-SCT"),
    "nia": ("{year} c. {number} (N.I.)", "statute", "GB-NIR"),
    "asc": ("{year} asc {number}", "statute", "GB-WLS"),
    "anaw": ("{year} anaw {number}", "statute", "GB-WLS"),
    "uksi": ("S.I. {year}/{number}", "regulation", "GB"),
    "ssi": ("S.S.I. {year}/{number}", "regulation", "GB-SCT"),
    "wsi": ("S.I. {year}/{number}", "regulation", "GB-WLS"),
    "nisr": ("S.R. {year}/{number}", "regulation", "GB-NIR"),
    "nisi": ("S.I. {year}/{number} (N.I.)", "regulation", "GB-NIR"),
    "apni": ("{year} c. {number} (N.I.)", "statute", "GB-NIR"),
    "ukla": ("{year} c. {number}", "statute", "GB"),
    "eur": ("Regulation {year}/{number} (EU-origin)", "regulation", "GB"),
    "eudr": ("Directive {year}/{number} (EU-origin)", "directive", "GB"),
    "eudn": ("Decision {year}/{number} (EU-origin)", "regulation", "GB"),
}
EXTENT_JURISDICTIONS = {
    "E+W": "GB-EAW",
    "E": "GB-ENG",
    "W": "GB-WLS",
    "S": "GB-SCT",
    "N.I.": "GB-NIR",
    "E+W+S+N.I.": "GB",
}
PROVISION_LABELS = {
    "section": "s.", "regulation": "reg.", "article": "art.", "rule": "r.", "schedule": "Sch.",
    "part": "Pt.", "chapter": "Ch.", "paragraph": "para.",
}
NUMBER_ONLY = re.compile(r"^(\([^()\s]+\)\s*)+$|^[0-9A-Z]+$")
# An item is type/year/number; older Acts use a regnal year instead (ukpga/Eliz2/7-8/66).
ITEM_PATH = re.compile(r"/(?:id/)?([a-z]+)/(\d{4}|[A-Z][A-Za-z]+\d*/[\d-]+)/(\d+)")
REGNAL = re.compile(r"^([A-Z][a-z]+)(\d*)/([\d-]+)$")
SKIPPED_IN_TEXT = {"Commentary", "CommentaryRef", "Commentaries", "FootnoteRef", "Footnotes", "MarginNoteRef"}
BLOCKS = {
    "P1para", "P2", "P2para", "P3", "P3para", "P4", "P4para", "P5", "P5para", "Text", "Para",
    "ListItem", "BlockAmendment", "Tabular", "P1group", "Title", "P1",
}


def local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def https(url: str | None) -> str | None:
    """Official URLs as the site serves them today: https, www host."""
    if not url:
        return url
    parts = urlsplit(url)
    return f"{OFFICIAL}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def item_key(uri: str) -> tuple[str, str, str] | None:
    """("ukpga", "2003", "42") from any document, id or feed URI of an item."""
    match = ITEM_PATH.search(urlsplit(uri).path)
    return match.groups() if match else None


def instrument_id(doc_type: str, year: str, number: str) -> str:
    return f"{doc_type}-{year}-{number}".replace("/", "-").lower()


def year_label(year: str) -> str:
    """"2003", or a regnal year as cited: "Eliz2/7-8" -> "7 & 8 Eliz. 2"."""
    match = REGNAL.match(year)
    if not match:
        return year
    monarch, ordinal, sessions = match.groups()
    return f"{sessions.replace('-', ' & ')} {monarch}." + (f" {ordinal}" if ordinal else "")


def jurisdiction_for(doc_type: str, extent: str | None) -> str:
    if extent in EXTENT_JURISDICTIONS:
        return EXTENT_JURISDICTIONS[extent]
    return DOCUMENT_TYPES.get(doc_type, ("", "", "GB"))[2]


# How the text walk treats each element, by tag (cached: a document has few distinct tags).
# P1 is a block whose inner numbers read "71K " rather than "(1) ".
INLINE, BLOCK, P1, NUMBER, SKIPPED = "inline", "block", "P1", "number", "skipped"
_TAG_KINDS: dict = {}
TAG_KINDS_KEPT = 1000  # CLML uses a few hundred tag names
# A line break in the walk's output; XML text can never contain it.
BREAK = "\x00"


def tag_kind(tag) -> str:
    kind = _TAG_KINDS.get(tag)
    if kind is None:
        name = local(tag)
        if name in SKIPPED_IN_TEXT or not name:
            kind = SKIPPED
        elif name == "Pnumber":
            kind = NUMBER
        elif name in BLOCKS:
            kind = P1 if name == "P1" else BLOCK
        else:
            kind = INLINE
        if len(_TAG_KINDS) < TAG_KINDS_KEPT:  # a document inventing tags cannot grow it for ever
            _TAG_KINDS[tag] = kind
    return kind


def plain_text(element) -> str:
    """Readable text of a provision: one line per block, subsection numbers in
    brackets, editorial commentaries left out.

    One pass of lxml's own walk (no Python recursion, each element seen once):
    text goes out as it comes, with BREAK where a block starts or ends, and
    `lines_of` cuts the lines afterwards. The walk does not report comments or
    processing instructions, so the tree must come from `parse_clml`, which drops
    them and joins the text around them.
    """
    parts: list[str] = []
    append = parts.append
    kinds = _TAG_KINDS
    open_kinds: list[str] = []  # the kinds of the element and its open descendants
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            kind = kinds.get(node.tag) or tag_kind(node.tag)
            if kind is INLINE:
                text = node.text
                if text:
                    append(text)
            elif kind is BLOCK or kind is P1:
                append(BREAK)
                text = node.text
                if text:
                    append(text)
            else:
                walker.skip_subtree()  # its end event still comes, to add its tail
                # The provision's own number is its label, not text (it is the only
                # element open); inner numbers read as (1), (a); sections quoted
                # inside an amendment keep their bare number.
                if kind is NUMBER and len(open_kinds) > 1:
                    number = ("".join(node.itertext()) if len(node) else node.text or "").strip()
                    append(f"{number} " if open_kinds[-1] is P1 else f"({number}) ")
            open_kinds.append(kind)
        else:
            kind = open_kinds.pop()
            if kind is BLOCK or kind is P1:
                append(BREAK)
            tail = node.tail
            if tail:
                append(tail)
    if element.tail:
        parts.pop()  # the provision's own tail follows it and is not its text
    return lines_of("".join(parts))


def lines_of(text: str) -> str:
    """Cut the walk's output into lines at block boundaries: whitespace collapsed,
    and a subsection number stays on the line of the text it numbers."""
    lines: list[str] = []
    pending = ""  # text not yet a line: a number waiting for the text it numbers
    for piece in text.split(BREAK):
        if not piece or piece.isspace():
            # Back-to-back boundaries, or only blanks between them: no new line,
            # though a blank still parts a waiting number from its text.
            if pending and piece:
                pending += " "
            continue
        if pending:
            piece = pending + piece
        line = piece.strip()
        # Collapse only where needed: every blank but the space is unprintable.
        if "  " in line or not line.isprintable():
            line = " ".join(line.split())
        if not NUMBER_ONLY.match(line):
            lines.append(line)
            pending = ""
        else:
            pending = piece
    leftover = " ".join(pending.split())
    return "\n".join(lines + ([leftover] if leftover and not lines else []))


def status_of(element) -> str:
    for node in (element, *element.iterancestors()):
        status = node.get("Status")
        if status == "Prospective":
            return "prospective"
        if status in ("Repealed", "Discarded"):
            return "repealed"
    return "in_force"


def inherited(element, attribute: str) -> str | None:
    for node in (element, *element.iterancestors()):
        if node.get(attribute):
            return node.get(attribute)
    return None


def provision_label(path: str) -> str:
    """"s. 66B" from "section/66B"; "Sch. 1 Pt. 2 para. 3" from "schedule/1/part/2/paragraph/3"."""
    parts = path.split("/")
    words = []
    for index in range(0, len(parts), 2):
        name = PROVISION_LABELS.get(parts[index])
        if name is None:
            return path
        words.append(f"{name} {parts[index + 1]}" if index + 1 < len(parts) else name)
    return " ".join(words)


def heading_of(element) -> str | None:
    """A section's heading is its P1group's title; a schedule's is in its TitleBlock."""
    parent = element.getparent()
    title = parent.find(f"{{{LEG}}}Title") if parent is not None and local(parent.tag) == "P1group" else None
    if title is None:
        title = element.find(f"{{{LEG}}}Title")
    if title is None:
        title = element.find(f"{{{LEG}}}TitleBlock/{{{LEG}}}Title")
    return clean("".join(title.itertext())) if title is not None else None


# --------------------------------------------------------------------------- parsers


def parse_clml(body: bytes):
    """The document tree, without comments and processing instructions: they are
    not text, and dropping them as the file is read joins the text around them,
    which lets `plain_text` use lxml's walk (blind to comments, so to their tails)."""
    return etree.fromstring(body, etree.XMLParser(remove_comments=True, remove_pis=True, collect_ids=False))


def parse_document(response):
    """Any CLML document (`.../data.xml`): whole Act, a section, a Part, or contents only."""
    root = parse_clml(response.body)
    if local(root.tag) != "Legislation":
        raise ValueError(f"not a CLML document (root element {local(root.tag)!r})")
    key = item_key(root.get("IdURI") or root.get("DocumentURI") or response.url)
    if key is None:
        raise ValueError("CLML document without an item URI")
    doc_type, year, number = key
    the_id = instrument_id(*key)
    meta = root.find("ukm:Metadata", NS)
    identifier = meta.findtext("dc:identifier", namespaces=NS) if meta is not None else None
    fragment = fragment_path(identifier or response.url, key)
    # A section's extent is the section's, not the Act's: only a whole document says
    # where the instrument applies.
    extent = None if fragment else root.get("RestrictExtent")
    pattern, kind, _ = DOCUMENT_TYPES.get(doc_type, ("{year}/{number}", "statute", "GB"))
    enacted = meta.find(".//ukm:EnactmentDate", NS) if meta is not None else None
    made = meta.find(".//ukm:Made", NS) if meta is not None else None
    date_enacted = (enacted if enacted is not None else made)
    yield InstrumentItem(
        id=the_id,
        jurisdiction=response.meta.get("jurisdiction") or jurisdiction_for(doc_type, root.get("RestrictExtent")),
        title=clean(meta.findtext("dc:title", namespaces=NS)) if meta is not None else None,
        citation=pattern.format(year=year_label(year), number=number),
        kind=kind,
        status=response.meta.get("status"),
        date_enacted=date_enacted.get("Date") if date_enacted is not None else None,
        date_in_force=None,
        official_url=f"{OFFICIAL}/{doc_type}/{year}/{number}",
        language=(meta.findtext("dc:language", namespaces=NS) if meta is not None else None) or "en",
        extent=extent,
        source=SOURCE,
    )
    provisions = [p for p in root.iter(f"{{{LEG}}}P1") if p.get("IdURI")]
    requested = requested_element(root, key, fragment)
    if requested is not None and requested not in provisions:
        # A schedule or Part fetched as itself: one provision for the whole of it,
        # besides its paragraphs.
        yield provision_item(the_id, requested)
    if provisions:
        for p1 in provisions:
            yield provision_item(the_id, p1)
    elif requested is None:
        yield from contents_items(the_id, root)


VERSION_SUFFIX = re.compile(r"/(made|enacted|created|adopted|prospective|\d{4}-\d{2}-\d{2})$")
DOTS_ONLY = re.compile(r"^[\s.…]+$")


def fragment_path(uri: str, key: tuple[str, str, str]) -> str:
    """"section/66B" from ".../ukpga/2003/42/section/66B/2024-01-31/data.xml"; "" for a whole item."""
    path = urlsplit(uri).path
    path = re.sub(r"/data\.(xml|feed|akn|htm|html|rdf)$", "", path)
    path = path.split("/{}/{}/{}".format(*key), 1)[-1]
    while VERSION_SUFFIX.search(path):  # e.g. .../section/1/made/2024-01-31
        path = VERSION_SUFFIX.sub("", path)
    path = path.strip("/")
    return "" if path in ("", "contents", "introduction", "body") else path


def requested_element(root, key, fragment: str):
    if not fragment:
        return None
    wanted = "/{}/{}/{}/{}".format(*key, fragment)
    for element in root.iter():
        # The root names the item (and in some captures the fragment too): look inside it.
        if element is not root and isinstance(element.tag, str) and (element.get("IdURI") or "").endswith(wanted):
            return element
    return None


def provision_item(the_id: str, p1) -> ProvisionItem:
    key = item_key(p1.get("IdURI"))
    doc_type, year, number = key
    path = fragment_path(p1.get("IdURI"), key)
    text = plain_text(p1) or None
    # Repealed words are shown as a row of dots, often with no Status attribute.
    status = "repealed" if text and DOTS_ONLY.match(text) else status_of(p1)
    return ProvisionItem(
        id=f"{the_id}/{path}",
        instrument_id=the_id,
        label=provision_label(path),
        heading=heading_of(p1),
        text=text,
        language="en",
        url=f"{OFFICIAL}/{doc_type}/{year}/{number}/{path}",
        extent=inherited(p1, "RestrictExtent"),
        in_force_status=status,
        valid_from=inherited(p1, "RestrictStartDate"),
        source=SOURCE,
    )


def contents_items(the_id: str, root):
    """A table of contents: provisions with numbers and titles, but no text yet."""
    for entry in root.iter(f"{{{LEG}}}ContentsItem"):
        uri = entry.get("IdURI") or entry.get("DocumentURI")
        key = item_key(uri or "")
        if key is None:
            continue
        doc_type, year, number = key
        path = urlsplit(uri).path.split(f"/{doc_type}/{year}/{number}/", 1)[-1]
        path = VERSION_SUFFIX.sub("", path)
        title = entry.find(f"{{{LEG}}}ContentsTitle")
        # Generated titles are the first words of the text, not a heading.
        heading = None if title is None or title.get("Generated") == "true" else clean("".join(title.itertext()))
        yield ProvisionItem(
            id=f"{the_id}/{path}",
            instrument_id=the_id,
            label=provision_label(path),
            heading=heading,
            text=None,
            language="en",
            url=f"{OFFICIAL}/{doc_type}/{year}/{number}/{path}",
            extent=entry.get("RestrictExtent"),
            in_force_status=status_of(entry),
            valid_from=None,
            source=SOURCE,
        )


def parse_feed(response):
    """An Atom list or search feed (`.../data.feed`): candidates for review, and the next page."""
    root = etree.fromstring(response.body)
    if local(root.tag) != "feed":
        raise ValueError(f"not an Atom feed (root element {local(root.tag)!r})")
    since = response.meta.get("since")
    query = response.meta.get("query")
    # The new-legislation feed lists everything: keep only entries on the subject.
    match_terms = response.meta.get("match_terms")
    reached_since = False
    for entry in root.findall("atom:entry", NS):
        key = item_key(entry.findtext("atom:id", namespaces=NS) or "")
        if key is None:
            continue
        published = entry_date(entry)
        if since and published and published < since:
            reached_since = True
            continue
        if match_terms and not mentions(entry, match_terms):
            continue
        doc_type, year, number = key
        yield CandidateItem(
            id=instrument_id(*key),
            jurisdiction=DOCUMENT_TYPES.get(doc_type, ("", "", "GB"))[2],
            title=clean(entry.findtext("atom:title", namespaces=NS)),
            url=f"{OFFICIAL}/{doc_type}/{year}/{number}",
            published=published,
            matched_query=query,
            source=SOURCE,
        )
    next_link = root.find("atom:link[@rel='next']", NS)
    if next_link is not None and not reached_since:
        yield scrapy.Request(https(next_link.get("href")), meta=carry(response))


def carry(response) -> dict:
    """The context a next page needs, copied from this page's request."""
    return {key: response.meta.get(key) for key in ("since", "query", "match_terms") if response.meta.get(key)}


def entry_date(entry) -> str | None:
    """When an entry was published; feeds without <published> fall back to <updated>
    and then to the document's creation date."""
    for text in (entry.findtext("atom:published", namespaces=NS), entry.findtext("atom:updated", namespaces=NS)):
        if text and text[:10].count("-") == 2:
            return text[:10]
    created = entry.find("ukm:CreationDate", NS)
    return created.get("Date") if created is not None else None


def mentions(entry, terms) -> bool:
    words = " ".join(filter(None, (entry.findtext("atom:title", namespaces=NS),
                                   entry.findtext("atom:summary", namespaces=NS)))).lower()
    return any(term in words for term in terms)


# --------------------------------------------------------------------------- spider


def curated_instrument_id(source_identifier: str) -> str | None:
    """The id this spider gives the curated instrument `ukpga/2003/42`."""
    key = item_key("/" + str(source_identifier).strip("/"))
    return instrument_id(*key) if key else None


DECLARATION = SourceContract(
    id=SOURCE,
    name="legislation.gov.uk (The National Archives)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("legislation.gov.uk", "legislation.data.gov.uk"),
    licence="Open Government Licence v3.0",
    licence_url="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    terms_url="https://www.legislation.gov.uk/developer/fair-use",
    rate_limit_text="3,000 requests per 5 minutes per user; named User-Agent with contact required",
    # Fair-use terms: 3,000 requests per 5 minutes per user. The delay keeps us far below.
    rate_limit=(3000, 300),
    download_delay=0.5,
    deadline_seconds=2 * 3600,
    auth=Auth.none(),
    parser_version="1",
    notes="CLML XML (data.xml) and Atom feeds (data.feed); no key.",
    curated_instrument_id=curated_instrument_id,
)


class LegislationGovUkSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/data\.feed$", parse_feed),
        (r"/data\.xml$", parse_document),
    ]
    root_elements = {"feed": parse_feed, "Legislation": parse_document}

    def discovery_requests(self):
        since = self.since_meta()
        for term in SEARCH_TERMS:
            url = f"{OFFICIAL}/all/data.feed?text={quote(term)}&sort=published"
            yield self.request(url, query=term, **since)
        yield self.request(f"{OFFICIAL}/new/data.feed", query="new legislation", match_terms=list(NEW_FEED_TERMS), **since)

    def tracked_requests(self):
        count = 0
        for instrument in self.tracked:
            for provision in instrument.get("provisions") or []:
                path = provision.get("key")
                if not path:
                    continue
                if self.limit is not None and count >= self.limit:
                    return
                count += 1
                yield self.request(
                    f"{OFFICIAL}/{instrument['source_identifier']}/{path}/data.xml",
                    tracked=True,
                    expects=("provision", f"{curated_instrument_id(instrument['source_identifier'])}/{path}"),
                    jurisdiction=instrument["jurisdiction"],
                    status=instrument.get("status"),
                )
