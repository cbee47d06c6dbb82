"""US state codes: sections of the states' official code sites, one spider driven by one table.

Every state publishes its code (statutes) on its own site, each with its own page layout.
Rather than a module per state, the table `us_state_codes.yaml` beside this module says,
per state (USPS code):

* `hosts`: the official host(s) the state's pages come from (the one module declares
  every host it may contact; OfficialHostsMiddleware refuses any other, redirects too);
* `delay`: seconds between two requests to that host (Scrapy's per-host download slot);
* `identifier`: how a curated `source_identifier` (and a provision `key`) reads after
  the state code, e.g. "{code}/{section}" for `CA/CIV/1708.86`;
* `url`: the official address of the page holding a section, built from the identifier's
  parts and a few derived ones (see the table's header);
* `layout`: `section_page` (the page is the section), `chapter_page` (the page is a
  whole chapter; the section is found by its opening line) or `section_xml` (the section
  is an XML document: DC's codified XML), with the layout's selectors;
* `display_url` (optional): the reader's page of a section where the fetched document is a
  data file (DC: the XML on the Council's GitHub, the page on code.dccouncil.gov); the
  provision keeps it as its address, and it is never fetched;
* `licence` and `basis` (where the layout is known from); or, instead of all that,
* `curated: <reason>`: the state's instruments stay curated, and the reason says why
  (no official free site, terms that forbid crawling, PDFs only, a page built by
  scripts, or a layout not yet seen).

Base URL: the contract names California's host as the base and every other host in the
table as an alias, so the contract's official hosts are exactly the table's hosts.
Licence: state statutes are public law: no state claims copyright in the text of its
statutes (Georgia v. Public.Resource.Org, 590 U.S. 255 (2020), holds that even the
annotations legislators make cannot be copyrighted). The exceptions are practical: where
the only free "official" site is a publisher's (Georgia's OCGA, Arkansas, Mississippi,
Tennessee: LexisNexis sites whose terms forbid automated access), the state is curated.
Terms: none of the supported sites publishes a rate limit; we keep to one request at a
time per host, two or three seconds apart, and obey robots.txt.

Layouts (NO REAL CAPTURE of any of these sites exists in /work/shared/samples; each
state's `basis` in the table says which public scrapers and capture notes, read through
the search tool, its structure comes from; the fixtures in tests/examples/us_state_codes/
are written by us in that structure and say so):

* `section_page`: `container` (CSS) holds the section; `number` (CSS, looked up in
  `scope`, default the container) must show the section number, or the page is not the
  section asked for (a search page, another section); `heading` (CSS) or
  `heading_from_number` (a regex with a `heading` group over the number's text) gives
  the catchline (with `heading_regex`, its `heading` group, where the element repeats the
  number); `drop` (CSS) and `drop_lines` (regexes) remove what is not law text
  (hierarchy headings, history notes).
* both: `not_found`, a regex on the page's text by which a site that answers 200 for a
  section it does not have (Florida, Ohio) says so; `drop_text`, regexes removed from
  within a line (Oregon prints a section's history bracket at the end of its last
  paragraph).
* `chapter_page`: the container's text, one line per block, is cut from the line
  matching `start` (the section's opening, with {section}) to the next line matching
  `next` (any section's opening); the heading is read from the opening line
  (`heading_regex`, groups `heading` and `rest`) or is the next line
  (`heading_from: next_block`). `anchor` names the page's anchor for the section, kept in
  the provision's URL.

* `section_xml`: the document's root element must be `container` (local name, any
  namespace); its `number` child must show the section number; `heading` is the catchline;
  each `text` element is a line, a `para`'s own `num` opening its first line, nested paras
  in order; `drop` names elements (local names, e.g. `annotations`) that are not law text.
  A document that is not XML, or whose root is another element, is a parse error.
* `section_json`: the answer is JSON (Alabama's GraphQL API, asked by POSTing `post_json`,
  whose strings are templates like the URL's): `records` is the dotted path to the list of
  records, the record whose `number` field shows the section is the section, `heading`
  names the catchline's field and `container` the field holding the text as HTML (read
  one line per block). GraphQL `errors`, a missing list or a non-JSON answer is a parse
  error. One POST address answers every section, so each section is its own request (the
  body differs; the archive keys a POST by its body's hash, so each keeps its own answer).
* `chapter_pdf`: the official text exists only as PDF (North Dakota's and Guam's code
  chapters, Puerto Rico's acts); the contract's `reads_pdf` makes PdfTextMiddleware hand the
  parser the PDF's printed text, pages split by a form feed (the PDF itself is never kept).
  `drop_lines` removes running heads, page numbers and footers; the section runs from the
  line `start` matches to the next line `next` matches (the next section, a source note, a
  comment), skipping an opening with no text under it (a chapter's list of sections); the
  heading is `heading_regex`'s group on the opening line, continued where the printed
  heading wraps; the wrapped lines are joined back into numbered paragraphs
  (crawlers/sources/_pdf_sections.py). A key may name a subsection ("12.1-27.1-01(13)"):
  `subsection` (with {subsection}) opens it and `subsection_next` opens the next one. The
  provision's address is the PDF with `anchor` naming the section, which also lets
  `sii-atlas parse us_state_codes FILE.pdf --url URL#section` find it. An HTML page where
  the PDF should be is a parse error; an encrypted, broken or scanned PDF is refused at the
  door with its reason (a parse error the crawl records). NO REAL PDF of these sites was
  captured: the fixtures are made by tests/pdf_maker.py from text laid out as the PDFs print
  it, as far as copies read through the search tool show (each state's `basis`).

* `versioned_section` (two steps, Utah): the section's address is a wrapper page whose
  script names the version in force (`version_default`, a regex with groups `name` and
  `version`); its parser yields the request for that version's file, built from the table's
  `version_url` (a file named otherwise is refused), and the version file's parser reads the
  section: bold runs in the container (`number`) give the "Effective M/D/YYYY" banner
  (`effective`, kept as the provision's `valid_from`), the number and the catchline; each
  subsection is a table row of a number cell and a text cell, joined into one line.

* `catalog_pdf` (three steps, Kentucky): each section is a PDF at an address whose id is the
  site's own number (statute.aspx?id=N), as is its chapter's catalog (chapter.aspx?id=N), so
  neither can be built from the section number. The section's `url` is the statutes' root
  page; its parser finds the chapter's link by its label (`chapter_link`, "CHAPTER 531 ...")
  among the links whose absolute address is on the state's hosts and matches `chapter_href`,
  and asks for that catalog; the catalog's parser finds the section's link the same way
  (`section_link`, ".120 ..." or "531.120 ...", `section_href`) and asks for its PDF, read
  like a chapter PDF (`start`, `next`: the "Effective:" / "History:" lines, `subsection`).
  Sections of one chapter share one catalog request, subsections of one section one PDF
  request. A page with no such links at all is a parse error (an error page, a changed
  layout); a label the page does not have is a PageError naming it. The provision's address
  is the section's PDF, as read off the catalog. A saved PDF given to `sii-atlas parse` is the
  section its address's fragment names (statute.aspx?id=N#531.120(3)) or, without one, the
  section its first line opens with (`opening`). NO CAPTURE of Kentucky's site exists: the
  table's `basis` says which public scrapers the tree comes from and what is not known.

A missing container (an error page, a changed layout) is a parse error for the crawl to
record; a page without the section asked for yields a PageError for that section (never
an empty text); a page that redirects to another host is refused by the middleware.

Ids: a curated instrument keeps its own id (the request carries it); its provisions are
`{instrument_id}/{key}` with `key` the provision's path on the source (`CIV/1708.86`),
as the registry's `provision_id` makes them. Without a curated row (`sii-atlas parse`),
an instrument is `us-{state}-code-{section}`.

Discovery: none. Each site's search is an HTML form of its own; new state laws reach the
project as bills (the `open_states` source), and a law found there enters the table's
states through a curated instrument.

Text: the page's current text, in the state's `language` (English; Puerto Rico's acts are
Spanish and stored as such, never translated). The sites show the law as in force on their
edition date without dating sections, so `valid_from`, `valid_to` and `in_force_status`
are left unknown rather than guessed; where a page dates its version (Utah's "Effective"
banner), that day is the provision's `valid_from`.
"""

import json
import re
from copy import deepcopy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import scrapy
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from ..items import InstrumentItem, PageError, ProvisionItem
from .contract import Auth, SourceContract
from ._pdf_sections import PARAGRAPH_START, paragraphs, printed_lines, section_span
from ._per_host_mirror import PerHostMirror
from ._site_table import TableError, host_delays, host_owners, read_site_table, supported_rows
from .spider import SourceSpider, add_target, clean, expected_instrument, section_target

SOURCE = "us_state_codes"
TABLE_FILE = Path(__file__).with_name("us_state_codes.yaml")



@dataclass(frozen=True)
class State:
    code: str
    name: str = ""
    curated: str | None = None
    hosts: tuple[str, ...] = ()
    delay: float = 2.0
    identifier: str = "{section}"
    url: str = ""
    anchor: str | None = None
    layout: str | None = None
    container: str = "body"
    number: str | None = None
    scope: str | None = None
    heading: str | None = None
    heading_from_number: str | None = None
    drop: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()
    #: Regexes removed from within a line (a history bracket printed at the end of the
    #: section's last paragraph, as Oregon does); a line left empty is dropped.
    drop_text: tuple[str, ...] = ()
    start: str | None = None
    next: str | None = None
    heading_regex: str | None = None
    heading_from: str | None = None
    #: A regex on the page's text meaning "no such section" (a site that answers 200).
    not_found: str | None = None
    #: The reader's address of a section, where the fetched document is a data file
    #: (DC's XML) rather than the page a reader opens; never fetched.
    display_url: str | None = None
    #: A JSON body to POST to `url` (a GraphQL query): its string values are templates
    #: filled like the URL's; without it the page is a GET.
    post_json: dict | None = None
    #: section_json: the dotted path to the list of records in the answer.
    records: str | None = None
    #: Where the host is shared by others (DC's XML sits on raw.githubusercontent.com), the
    #: path every official page starts with: a page elsewhere on that host (a redirect to
    #: another account's files) is refused, whatever it says.
    path_prefix: str | None = None
    #: versioned_section (a two-step layout, Utah): a regex on the wrapper page's source whose
    #: `name` group is the file of the version in force and `version` group its stamp, and the
    #: template of that file's address ({version} the stamp); `effective` a regex on the version
    #: file's banner whose `date` group (M/D/YYYY) is the day that version took effect.
    version_default: str | None = None
    version_url: str | None = None
    effective: str | None = None
    #: The language the state's law is written in (Puerto Rico's is Spanish).
    language: str = "en"
    #: chapter_pdf: a regex (with {subsection}) on the paragraph opening a subsection that a
    #: key names after the section ("12.1-27.1-01(13)"), and one on any subsection's opening.
    subsection: str | None = None
    subsection_next: str | None = None
    #: catalog_pdf (three steps, Kentucky): a regex (with {chapter}) on the text of the root
    #: page's link to the section's chapter, and one the link's absolute address must match;
    #: a regex (with {chapter} and {after_chapter}) on the text of the chapter catalog's link
    #: to the section, and one its address must match; `opening`, a regex whose `section`
    #: group reads the section's number off a section document's first line (a saved file).
    chapter_link: str | None = None
    chapter_href: str | None = None
    section_link: str | None = None
    section_href: str | None = None
    opening: str | None = None
    licence: str = ""
    basis: str = ""

    @property
    def supported(self) -> bool:
        return self.curated is None


LAYOUTS = ("section_page", "chapter_page", "section_xml", "section_json", "chapter_pdf")
#: Two steps: the section's address is a wrapper naming the version file that holds the text.
LAYOUTS += ("versioned_section",)
#: Three steps: the statutes' root page links the chapter, whose catalog links the section's PDF.
LAYOUTS += ("catalog_pdf",)
#: The layouts whose document is a PDF's printed text, cut by `start` / `next`.
PDF_LAYOUTS = ("chapter_pdf", "catalog_pdf")
CATALOG_FIELDS = ("chapter_link", "chapter_href", "section_link", "section_href", "opening")


def check_state(state: State) -> None:
    """What a supported state needs beyond any table's rows (crawlers/sources/_site_table.py)."""
    code = state.code
    if not (state.hosts and state.url and state.layout in LAYOUTS):
        raise TableError(f"{code}: a supported state needs hosts, url and a layout in {LAYOUTS}")
    if urlsplit(state.url).netloc not in state.hosts:
        raise TableError(f"{code}: url {state.url} is not on its hosts {state.hosts}")
    if state.layout in ("chapter_page", *PDF_LAYOUTS) and not (state.start and state.next):
        raise TableError(f"{code}: a {state.layout} needs start and next")
    if bool(state.subsection) != bool(state.subsection_next):
        raise TableError(f"{code}: subsection and subsection_next go together")
    if state.subsection and state.layout not in PDF_LAYOUTS:
        raise TableError(f"{code}: only a PDF layout cuts subsections")
    if state.layout == "catalog_pdf" and not all(getattr(state, name) for name in CATALOG_FIELDS):
        raise TableError(f"{code}: a catalog_pdf needs {', '.join(CATALOG_FIELDS)}")
    if not re.fullmatch(r"[a-z]{2}", state.language):
        raise TableError(f"{code}: language {state.language!r} is not a two-letter code")
    if state.layout == "section_json" and not (state.records and state.number and state.container != "body"):
        raise TableError(f"{code}: a section_json needs records, number and container (the HTML field)")
    if state.layout == "versioned_section" and not (state.version_default and state.version_url
                                                    and urlsplit(state.version_url).netloc in state.hosts):
        raise TableError(f"{code}: a versioned_section needs version_default and a version_url on its hosts")


def read_table(path: Path = TABLE_FILE) -> dict[str, State]:
    """The table, checked: a state is supported (hosts, url, layout) or curated with a reason."""
    return read_site_table(path, "states", State, check_state, "states")


STATES = read_table()
SUPPORTED = supported_rows(STATES)
HOST_STATE = host_owners(STATES)


# --------------------------------------------------------------------------- identifiers


def pattern_of(template: str) -> re.Pattern:
    """"{code}/{section}" -> a regex with one named group per part (a part has no "/")."""
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def split_identifier(identifier: str) -> tuple[str, dict]:
    """`CA/CIV/1708.86` -> ("CA", {"code": "CIV", "section": "1708.86"}); ValueError when
    the state is not in the table or the rest does not read as its `identifier` says."""
    state_code, _, rest = str(identifier or "").strip().strip("/").partition("/")
    state = STATES.get(state_code.upper())
    if state is None:
        raise ValueError(f"{identifier!r}: no state {state_code!r} in the US state codes table")
    if not state.supported:
        raise ValueError(f"{identifier!r}: {state.code} is curated ({state.curated})")
    return state.code, key_parts(state, rest)


def key_parts(state: State, key: str) -> dict:
    match = pattern_of(state.identifier).match(str(key or "").strip().strip("/"))
    if not match:
        raise ValueError(f"{state.code} key {key!r} does not read as {state.identifier!r}")
    return match.groupdict()


def derived(parts: dict) -> dict:
    """The identifier's parts and the ones the URL templates derive from the section."""
    section = parts["section"]
    chapter = section.rsplit(".", 1)[0] if "." in section else section
    title = section.split("-", 1)[0] if "-" in section else section.split(".", 1)[0]
    digits = re.match(r"\d+", chapter)
    out = {**parts, "chapter": chapter, "title": title, "after_chapter": section[len(chapter) + 1:]}
    if digits:
        number = int(digits.group(0))
        out["chapter3"] = f"{number:03d}" + chapter[digits.end():]
        out["chapter4"] = f"{number:04d}" + chapter[digits.end():]
        out["hundreds"] = f"{number // 100 * 100:04d}-{number // 100 * 100 + 99:04d}"
        out["section4"] = out["chapter4"] + section[len(chapter):]
    if "-" in section:
        out["dash_chapter"] = section.rsplit("-", 1)[0]
        rest = section.split("-", 1)[1]
        out["after_title"] = rest
        if rest.isdigit():
            out["after_title5"] = f"{int(rest):05d}"
    if section.isdigit():
        out["section5"] = f"{int(section):05d}"
    kansas = re.fullmatch(r"(\d+)-(\d+)(\d\d)", section)
    if kansas:
        # K.S.A. 21-6101 is chapter 21, article 61, section 01: ch21/021_061_0001.
        chapter_, article, number_ = (int(x) for x in kansas.groups())
        out["ks_page"] = f"ch{chapter_}/{chapter_:03d}_{article:03d}_{number_:04d}"
    hawaii = re.fullmatch(r"(\d+)([A-Z]?)-(\d+)(?:\.(\d+))?", section)
    if hawaii:
        # HRS § 711-1110.9 is HRS0711/HRS_0711-1110_0009.htm.
        chapter_ = f"{int(hawaii[1]):04d}{hawaii[2]}"
        decimal = f"_{int(hawaii[4]):04d}" if hawaii[4] else ""
        out["hi_page"] = f"HRS{chapter_}/HRS_{chapter_}-{int(hawaii[3]):04d}{decimal}.htm"
    carolina = re.fullmatch(r"(\d+)-(\d+)-(\d+)", section)
    if carolina:
        # S.C. Code § 16-15-330 is in title 16, chapter 15: /code/t16c015.php.
        out["sc_page"] = f"t{int(carolina[1])}c{int(carolina[2]):03d}.php"
    idaho = re.fullmatch(r"(\d+)-(\d+)([A-Z]*)", section)
    if idaho:
        # Idaho Code § 18-1507C is in title 18, chapter 15: Title18/T18CH15/SECT18-1507C.
        out["id_page"] = f"Title{idaho[1]}/T{idaho[1]}CH{int(idaho[2]) // 100}/SECT{section}"
    utah = re.fullmatch(r"(\d+[A-Za-z]?)-(\d+[A-Za-z]?)-(\d+(?:\.\d+)?)", section)
    if utah:
        # Utah Code § 76-5b-205 is Title76/Chapter5B/76-5b-S205.html (the chapter's letter in
        # capitals in the folder, as cited in the file name).
        out["ut_chapter"] = utah[2].upper()
        out["ut_file"] = f"{utah[1]}-{utah[2]}-S{utah[3]}"
    if ":" in section:
        # RSA 638:26-a is chapter 638's section 26-a, in the file 638-26-a.htm.
        out["colon_chapter"] = section.split(":", 1)[0]
        out["colon_file"] = section.replace(":", "-")
    if parts.get("ilcs_chapter") and parts.get("ilcs_act"):
        # ILCS document names: chapter (4 digits), act (4 digits and a 0), "K", section.
        out["ilcs_doc"] = f"{int(parts['ilcs_chapter']):04d}{int(parts['ilcs_act']):04d}0K{section}"
    out.update(pdf_pages(parts))
    return out


def pdf_pages(parts: dict) -> dict:
    """The chapter PDF a section sits in, for the states whose code is chapter PDFs only.
    A key may name a subsection after the section ("12.1-27.1-01(13)"); the file is the section's."""
    section = split_subsection(parts["section"])[0]
    out = {}
    dakota = re.fullmatch(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)-\d+(?:\.\d+)?", section)
    if dakota:
        # NDCC § 12.1-27.1-03.3 is title 12.1, chapter 27.1: cencode/t12-1c27-1.pdf.
        out["nd_file"] = f"t{dakota[1].replace('.', '-')}c{dakota[2].replace('.', '-')}"
    if parts.get("gca_title"):
        # 9 GCA § 28.102 is chapter 28 (before the point); 7 GCA § 53102 is chapter 53 (all
        # but the last three digits): GCA/09gca/9gc028.PDF, GCA/07gca/7gc053.PDF.
        guam = re.fullmatch(r"(\d+)([A-Z]*)(?:\.\d+|\d{3})", section)
        if guam:
            title = int(parts["gca_title"])
            out["gu_dir"], out["gu_file"] = f"{title:02d}gca", f"{title}gc{int(guam[1]):03d}{guam[2]}.PDF"
    return out


def split_subsection(section: str) -> tuple[str, str | None]:
    """"12.1-27.1-01(13)" -> ("12.1-27.1-01", "13"); a plain section has no subsection."""
    match = re.fullmatch(r"(.+?)\(([0-9A-Za-z]+)\)", section)
    return (match[1], match[2]) if match else (section, None)


def section_url(state: State, parts: dict) -> str:
    return state.url.format(**derived(parts))


def filled(template, parts: dict):
    """A JSON body template with its {part} placeholders filled from the identifier's parts.
    Only a known part's name in braces is replaced: a GraphQL query's own braces stay."""
    if isinstance(template, str):
        known = derived(parts)
        return re.sub(r"\{(\w+)\}", lambda m: str(known[m[1]]) if m[1] in known else m[0], template)
    if isinstance(template, dict):
        return {key: filled(value, parts) for key, value in template.items()}
    if isinstance(template, list):
        return [filled(value, parts) for value in template]
    return template


def provision_url(state: State, parts: dict) -> str:
    """The section's own address: the page, with the section's anchor on a chapter page
    (or the reader's page, where the fetched document is a data file)."""
    if state.display_url:
        return state.display_url.format(**derived(parts))
    url = section_url(state, parts)
    return f"{url}#{state.anchor.format(**derived(parts))}" if state.anchor else url


def default_instrument_id(state_code: str, section: str) -> str:
    return f"us-{state_code.lower()}-code-" + re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")


def curated_instrument_id(source_identifier: str) -> str | None:
    """Curated instruments keep their own ids (the request carries them): no id to derive."""
    return None


# --------------------------------------------------------------------------- page text

#: Elements that end a line of text.
BLOCKS = {"p", "div", "li", "br", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "blockquote", "pre", "table", "ul", "ol", "dd", "dt", "center", "hr"}
SKIPPED = {"script", "style", "noscript", "template", "button", "nav", "form", "select"}


def block_lines(element) -> list[str]:
    """The text under `element`, one line per block element (p, div, h3, br ...), inline
    markup (span, b, a, font) kept within its line."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush():
        line = clean("".join(buffer))
        if line:
            lines.append(line)
        buffer.clear()

    def walk(node):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in SKIPPED or not tag:
            return
        if tag in BLOCKS:
            flush()
        buffer.append(node.text or "")
        for child in node:
            walk(child)
            buffer.append(child.tail or "")
        if tag in BLOCKS:
            flush()

    walk(element)
    flush()
    return lines


@lru_cache(maxsize=256)
def css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def first(root, selector: str | None):
    if not selector:
        return None
    found = css(selector)(root)
    return found[0] if found else None


def without(element, selectors) -> etree._Element:
    """A copy of `element` without the elements matching any of `selectors`."""
    copy = deepcopy(element)
    for selector in selectors:
        if not selector:
            continue
        for found in css(selector)(copy):
            if found is copy:
                continue
            parent = found.getparent()
            if parent is not None:
                # Keep the tail: it is the text after the dropped element, not in it.
                previous = found.getprevious()
                if found.tail:
                    if previous is not None:
                        previous.tail = (previous.tail or "") + found.tail
                    else:
                        parent.text = (parent.text or "") + found.tail
                parent.remove(found)
    return copy


def shows_number(text: str | None, section: str) -> bool:
    """Whether a heading's text names `section` ("1708.86.", "SECTION 245.15", "§ 18.2-386.2.")."""
    pattern = rf"(?<![\w.-]){re.escape(section)}(?![\w-]|\.\w)"
    # Some sites print the hyphen as an en dash or a non-breaking hyphen ("§3–809.").
    text = re.sub("[\u2010\u2011\u2012\u2013\u2014]", "-", text or "")
    return bool(re.search(pattern, text, flags=re.IGNORECASE))


def kept(state: State, lines: list[str]) -> list[str]:
    drops = [re.compile(pattern) for pattern in state.drop_lines]
    lines = [line for line in lines if not any(drop.search(line) for drop in drops)]
    for pattern in state.drop_text:
        lines = [clean(re.sub(pattern, "", line)) for line in lines]
    return [line for line in lines if line]


class SectionMissing(LookupError):
    """The page is the state's, but the section asked for is not on it."""


def document(response):
    text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
    if not text.strip():
        raise ValueError(f"empty page at {response.url}")
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ValueError(f"not HTML at {response.url}: {error}") from None


def container_of(state: State, root, url: str):
    container = first(root, state.container)
    if container is None and state.not_found:
        if re.search(state.not_found, " ".join(root.itertext())):
            raise SectionMissing(f"{state.code}: {url} says the section does not exist")
    if container is None:
        title = clean(" ".join(root.xpath("//title//text()"))) or "no title"
        raise ValueError(f"{state.code}: no {state.container!r} on {url} ({title!r}): not a code page "
                         "(an error page, or the layout changed)")
    return container


def read_section_page(state: State, root, section: str, url: str) -> tuple[str | None, list[str]]:
    container = container_of(state, root, url)
    scope = first(root, state.scope) if state.scope else container
    number = first(scope if scope is not None else container, state.number) if state.number else None
    number_text = clean(" ".join(number.itertext())) if number is not None else None
    if state.number and not shows_number(number_text, section):
        raise SectionMissing(f"{state.code} § {section} is not on {url} (the page shows {number_text!r})")
    heading = None
    if state.heading:
        element = first(scope if scope is not None else container, state.heading)
        heading = clean(" ".join(element.itertext())) if element is not None else None
        if heading and state.heading_regex:
            # The heading element repeats the number ("638:26-a Fraudulent Use of Deepfakes. –").
            match = re.match(state.heading_regex, heading)
            heading = clean(match.group("heading")) if match else heading
    elif state.heading_from_number and number_text:
        match = re.search(state.heading_from_number, number_text)
        heading = clean(match.group("heading")) if match else None
    body = without(container, (*state.drop, state.number, state.heading))
    lines = kept(state, block_lines(body))
    if not lines:
        raise SectionMissing(f"{state.code} § {section} on {url} has no text")
    return heading, lines


def read_chapter_page(state: State, root, section: str, url: str) -> tuple[str | None, list[str]]:
    container = container_of(state, root, url)
    lines = block_lines(without(container, state.drop))
    start = re.compile(state.start.format(section=re.escape(section)))
    following = re.compile(state.next)
    at = next((index for index, line in enumerate(lines) if start.search(line)), None)
    if at is None:
        raise SectionMissing(f"{state.code} § {section} is not on {url}")
    end = next((index for index in range(at + 1, len(lines)) if following.search(lines[index])), len(lines))
    heading, body = None, lines[at + 1:end]
    if state.heading_from == "next_block":
        heading, body = (body[0], body[1:]) if body else (None, body)
    elif state.heading_regex:
        match = re.match(state.heading_regex, lines[at])
        if match:
            heading = clean(match.group("heading"))
            rest = clean(match.groupdict().get("rest"))
            body = ([rest] if rest else []) + body
    body = kept(state, body)
    if not body:
        raise SectionMissing(f"{state.code} § {section} on {url} has no text")
    return heading, body


def xml_document(response):
    body = response.body if hasattr(response, "body") else response.text.encode("utf-8")
    if not body.strip():
        raise ValueError(f"empty document at {response.url}")
    try:
        return etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML at {response.url}: {error}") from None


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def child(element, name: str):
    return next((node for node in element if local(node) == name), None)


def read_section_xml(state: State, root, section: str, url: str) -> tuple[str | None, list[str]]:
    """A section as an XML document (DC's law-xml: section > num, heading, text, para > num,
    text, para ..., annotations): one line per text, a para's num opening its first line;
    `drop` names the elements (by local name) that are not law text."""
    if local(root) != state.container:
        raise ValueError(f"{state.code}: {url} is not a <{state.container}> document (root <{local(root)}>): "
                         "not a code section (an error page, or the format changed)")
    number = child(root, state.number or "num")
    number_text = clean("".join(number.itertext())) if number is not None else None
    if not shows_number(number_text, section):
        raise SectionMissing(f"{state.code} § {section} is not at {url} (the document is {number_text!r})")
    heading_element = child(root, state.heading or "heading")
    heading = clean("".join(heading_element.itertext())) if heading_element is not None else None
    skipped = {state.number or "num", state.heading or "heading", *state.drop}
    lines: list[str] = []

    def walk(element, lead: str = ""):
        for node in element:
            name = local(node)
            if name in skipped:
                continue
            if name == "para":
                if lead:  # the parent's number, when its first part is a nested para
                    lines.append(lead)
                    lead = ""
                own = child(node, "num")
                walk(node, clean("".join(own.itertext())) if own is not None else "")
            elif name == "text":
                line = clean(" ".join(filter(None, [lead, "".join(node.itertext())])))
                lead = ""
                if line:
                    lines.append(line)
        if lead:  # a numbered para with no text of its own
            lines.append(lead)

    walk(root)
    lines = kept(state, lines)
    if not lines:
        raise SectionMissing(f"{state.code} § {section} at {url} has no text")
    return heading, lines


def json_document(response):
    text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
    if not text.strip():
        raise ValueError(f"empty answer at {response.url}")
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(f"not JSON at {response.url} ({text[:80]!r})") from None


def read_section_json(state: State, root, section: str, url: str) -> tuple[str | None, list[str]]:
    """A section as a JSON record (Alabama's GraphQL answer): `records` is the dotted path to
    the list of records, `number` the field holding the section number, `heading` the
    catchline's field, `container` the field holding the text as HTML."""
    if not isinstance(root, dict):
        raise ValueError(f"{state.code}: {url} did not answer a JSON object")
    if root.get("errors"):
        raise ValueError(f"{state.code}: {url} answered errors: {str(root['errors'])[:200]}")
    found = root
    for name in (state.records or "").split("."):
        found = found.get(name) if isinstance(found, dict) else None
    if not isinstance(found, list):
        raise ValueError(f"{state.code}: {url} has no {state.records!r} list: not a code answer (the API changed?)")
    record = next((r for r in found if isinstance(r, dict) and shows_number(str(r.get(state.number) or ""), section)),
                  None)
    if record is None:
        raise SectionMissing(f"{state.code} § {section} is not in the answer of {url}")
    heading = clean(str(record.get(state.heading) or "")) or None if state.heading else None
    html = str(record.get(state.container) or "")
    lines = kept(state, block_lines(lxml_html.fragment_fromstring(html, create_parent="div"))) if html.strip() else []
    if not lines:
        raise SectionMissing(f"{state.code} § {section} in the answer of {url} has no text")
    return heading, lines


def pdf_document(response) -> str:
    """The printed text of a PDF, as PdfTextMiddleware (or `sii-atlas parse`) gives it: pages
    split by a form feed. A PDF still in binary form, or an HTML page where the PDF should be
    (a 200 error page, a login wall), is a parse error, never text to cut sections from.

    The text is always UTF-8 (PdfTextMiddleware and `sii-atlas parse` encode it so), and it
    is decoded as such whatever encoding the response claims: a response built with a wrong
    one (as the archive's 304 replay once was) would turn "§" into "Â§" and lose every Guam
    section."""
    text = response.body.decode("utf-8", "replace")
    head = text[:1024].lstrip().lower()
    if not head:
        raise ValueError(f"empty document at {response.url}")
    if head.startswith("%pdf-"):
        raise ValueError(f"{response.url}: a PDF whose text was not read (the source must declare reads_pdf)")
    if head.startswith(("<!doctype html", "<html", "<?xml")):
        title = re.search(r"<title[^>]*>(.*?)</title>", text[:4096], flags=re.IGNORECASE | re.DOTALL)
        raise ValueError(f"{response.url}: an HTML page where a PDF was expected "
                         f"({clean(title[1]) if title else 'no title'!r}): an error page, or the address moved")
    return text


def read_chapter_pdf(state: State, text: str, section: str, url: str) -> tuple[str | None, list[str]]:
    """A section out of a chapter PDF's printed text (North Dakota's and Guam's code chapters,
    Puerto Rico's acts): the lines of every page without the running heads, page numbers and
    footers (`drop_lines`), from the line `start` matches to the next one `next` matches (any
    section's opening, a source note, a comment). The first line gives the heading
    (`heading_regex`), continued on the next line where the printed heading wraps; the
    wrapped lines of the text are joined back into its numbered paragraphs. A chapter's list
    of sections prints each opening too: an opening with no text under it is skipped. A
    key's subsection ("12.1-27.1-01(13)") is cut from the section's paragraphs."""
    base, subsection = split_subsection(section)
    lines = printed_lines(text, state.drop_lines)
    start = re.compile(state.start.format(section=re.escape(base)))
    following = re.compile(state.next)
    heading, body = None, []
    for at in (index for index, line in enumerate(lines) if start.search(line)):
        heading, body = _pdf_heading(state, section_span(lines[at:], start, following))
        if body:
            break
    if not body:
        raise SectionMissing(f"{state.code} § {base} is not in {url}")
    body = paragraphs(body)
    if subsection:
        opening = re.compile(state.subsection.format(subsection=re.escape(subsection))) if state.subsection else None
        at = next((index for index, line in enumerate(body) if opening and opening.search(line)), None)
        if at is None:
            raise SectionMissing(f"{state.code} § {base} in {url} has no subsection {subsection}")
        others = re.compile(state.subsection_next)
        end = next((index for index in range(at + 1, len(body)) if others.search(body[index])), len(body))
        body = body[at:end]
    for pattern in state.drop_text:
        body = [clean(re.sub(pattern, "", line)) for line in body]
    body = [line for line in body if line]
    if not body:
        raise SectionMissing(f"{state.code} § {section} in {url} has no text")
    return heading, body


#: Lines a printed heading may wrap onto before the text begins.
_HEADING_LINES = 3


def _pdf_heading(state: State, span: list[str]) -> tuple[str | None, list[str]]:
    """(heading, text lines) of a section's span: the opening line's `heading` group, with
    the lines it wraps onto (a heading not yet ended by a period, followed by a line that
    opens no paragraph), and its `rest` (text printed on the opening line) first."""
    match = re.match(state.heading_regex, span[0]) if state.heading_regex else None
    if not match:
        return None, span[1:]
    heading = clean(match.group("heading")) or None
    rest = clean(match.groupdict().get("rest"))
    body = span[1:]
    wrapped = 0
    while heading and not rest and body and wrapped < _HEADING_LINES and not heading.endswith(".") \
            and not PARAGRAPH_START.match(body[0]):
        heading, wrapped = f"{heading} {body.pop(0)}", wrapped + 1
    return heading, ([rest] if rest else []) + body


READERS = {"section_page": read_section_page, "chapter_page": read_chapter_page, "section_xml": read_section_xml,
           "section_json": read_section_json, "chapter_pdf": read_chapter_pdf,
           # A section's own PDF (Kentucky) is cut like a chapter's: from its opening to its history.
           "catalog_pdf": read_chapter_pdf}
#: How each layout's document is read from the response.
DOCUMENTS = {"section_xml": xml_document, "section_json": json_document, "chapter_pdf": pdf_document,
             "catalog_pdf": pdf_document}


# --------------------------------------------------------------------------- parser


def targets_of(response, state: State) -> list[dict]:
    """What the request asked this page for: [{section, key, instrument_id, ...}]. Without
    request meta (a saved file), the section the URL names, where a URL names one."""
    targets = response.meta.get("targets")
    if targets:
        return list(targets)
    section = response.meta.get("section") or section_from_url(state, response.url)
    if not section:
        raise ValueError(f"{state.code}: which section of {response.url}? (request meta `targets` or `section`)")
    return [{"section": section, "key": response.meta.get("key")}]


#: Derived URL parts that give the section back: New Hampshire's file 638-26-a is RSA 638:26-a.
SECTION_FROM_PART = {"section": lambda value: value, "colon_file": lambda value: value.replace("-", ":", 1),
                     # Utah's file 76-5b-S205 is § 76-5b-205.
                     "ut_file": lambda value: re.sub(r"-S(?=[^-]+$)", "-", value)}


def section_from_url(state: State, url: str) -> str | None:
    """The section an official address names, read back through the state's own URL pattern
    (and the anchor, on a chapter page): `sii-atlas parse` on a saved page needs no meta when
    the address says which section it is. None where the pattern names the section only
    through a part that cannot be read back (Florida's padded number, Kansas' page name)."""
    # A version file's address (Utah's C76-5b-S205_<stamp>.html) before the wrapper's, which it also fits.
    for pattern in filter(None, [f"{state.url}#{state.anchor}" if state.anchor else None, state.version_url,
                                 state.url]):
        named = [part for part in SECTION_FROM_PART if "{" + part + "}" in pattern]
        if not named:
            continue
        part = named[0]
        regex = "".join(
            f"(?P<{part}>[^/?&#]+?)" if piece == "{" + part + "}" else "[^/?&#]*?" if piece.startswith("{")
            else re.escape(piece)
            for piece in re.split(r"(\{[a-z0-9_]+\})", pattern) if piece)
        # A part used twice (Alaska's secStart and secEnd) must read the same both times.
        regex = _once(regex, part)
        match = re.fullmatch(regex, unquote(url))
        if match:
            return SECTION_FROM_PART[part](match.group(part))
    return None


def _once(regex: str, part: str) -> str:
    """Every group named `part` after the first becomes a back-reference to it."""
    group = f"(?P<{part}>[^/?&#]+?)"
    head, first, tail = regex.partition(group)
    return head + first + tail.replace(group, f"(?P={part})")


def parse_section(response):
    """A state code page: for each section the request asked for, the instrument it belongs
    to and the section as a provision; a PageError for a section the page does not have."""
    host = urlsplit(response.url).netloc
    state_code = response.meta.get("state") or HOST_STATE.get(host)
    if state_code not in SUPPORTED:
        raise ValueError(f"{response.url}: not the page of a state in the US state codes table")
    state = SUPPORTED[state_code]
    if state.path_prefix and not urlsplit(response.url).path.startswith(state.path_prefix):
        raise ValueError(f"{response.url}: not under {state.path_prefix}, the only official path on a shared host")
    if state.layout == "versioned_section" and not is_version_file(state, response.url):
        yield from follow_version(state, response)
        return
    if state.layout == "catalog_pdf":
        step = catalog_step(state, response.url)
        if step != "section":
            yield from (follow_chapters if step == "root" else follow_sections)(state, response)
            return
    root = DOCUMENTS.get(state.layout, document)(response)
    read = READERS[state.layout]
    valid_from = effective_date(state, root) if state.effective else None
    targets = targets_of(response, state) if state.layout != "catalog_pdf" else catalog_targets(state, response, root)
    found_any = False
    missing: list[str] = []
    for target in targets:
        section = target["section"]
        parts = {**(target.get("parts") or {}), "section": section}
        # A section found through a catalog has no address of its own to build: it is the document's.
        own_url = state.layout != "catalog_pdf" and _complete(state, parts)
        # (without the fragment a saved section's address may carry to name the section)
        page_url = response.url.split("#", 1)[0] if state.layout == "catalog_pdf" else response.url
        try:
            heading, lines = read(state, root, section, response.url)
        except SectionMissing as error:
            missing.append(str(error))
            yield PageError(url=provision_url(state, parts) if own_url else page_url,
                            status=response.status, kind="parse", reason=str(error),
                            tracked=bool(target.get("instrument_id")))
            continue
        found_any = True
        instrument_id = target.get("instrument_id") or default_instrument_id(state.code, section)
        key = target.get("key") or section
        url = provision_url(state, parts) if own_url else page_url
        yield InstrumentItem(
            id=instrument_id,
            jurisdiction=target.get("jurisdiction") or f"US-{state.code}",
            title=target.get("title") or " ".join(filter(None, [f"{state.name} § {section}", heading])),
            citation=target.get("citation"),
            kind=target.get("kind") or "code_provisions",
            status=target.get("status"),
            date_enacted=None,
            date_in_force=None,
            official_url=target.get("official_url") or url,
            language=state.language,
            extent=None,
            source=SOURCE,
            # The instrument's own address, not this page's: an instrument whose sections
            # sit on several pages (DC's chapter 30A, Nebraska's one page per section) is the
            # same record from each of them, so a recrawl in another order changes nothing.
            identifiers=[{"scheme": "URI", "value": target.get("official_url") or url}],
        )
        yield ProvisionItem(
            id=f"{instrument_id}/{key}",
            instrument_id=instrument_id,
            label=target.get("label") or section,
            heading=heading,
            text="\n".join(lines),
            language=state.language,
            url=url,
            extent=None,
            in_force_status=None,
            valid_from=valid_from,
            valid_to=None,
            source=SOURCE,
            identifiers=[{"scheme": "URI", "value": url}],
        )
    if not found_any and not missing:
        raise ValueError(f"{response.url}: nothing was asked of this page")


def _complete(state: State, parts: dict) -> bool:
    """Whether `parts` fill the state's URL template (a saved file may know the section only)."""
    try:
        section_url(state, parts)
        return True
    except (KeyError, IndexError, ValueError):
        return False


# --------------------------------------------------------------------------- versioned sections (Utah)

#: A line that is only subsection markers: the number cell of a subsection's table row, whose
#: text is the next cell (or, where the subsection opens with a nested one, the next row's).
SUBSECTION_MARKS = re.compile(r"^(\([0-9A-Za-z]{1,6}\)\s*)+$")


def is_version_file(state: State, url: str) -> bool:
    """Whether `url` is a version file (the second step) rather than the section's wrapper."""
    return bool(state.version_url and _version_pattern(state.version_url).fullmatch(unquote(url)))


@lru_cache(maxsize=16)
def _version_pattern(template: str) -> re.Pattern:
    return re.compile("".join("[^/?&#]+" if piece.startswith("{") else re.escape(piece)
                              for piece in re.split(r"(\{[a-z0-9_]+\})", template) if piece))


def follow_version(state: State, response):
    """The wrapper page of a versioned section (Utah's Title76/Chapter5B/76-5b-S205.html): its
    script names the version in force (`version_default`); the request for that version's file,
    built from the table's own `version_url`, carries the page's targets on. A wrapper naming
    no version, or another section's file, is a parse error, never an empty section."""
    text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
    if not text.strip():
        raise ValueError(f"empty page at {response.url}")
    found = re.search(state.version_default, text)
    if not found:
        title = clean(" ".join(document(response).xpath("//title//text()"))) or "no title"
        raise ValueError(f"{state.code}: {response.url} names no version in force ({title!r}): not a section "
                         "wrapper (an error page, or the layout changed)")
    targets = targets_of(response, state)
    parts = {**(targets[0].get("parts") or {}), "section": targets[0]["section"]}
    url = state.version_url.format(**derived(parts), version=found["version"])
    if urlsplit(url).path.rsplit("/", 1)[-1] != found["name"] + ".html":
        raise ValueError(f"{state.code}: {response.url} names the version file {found['name']!r}, "
                         f"not one of § {parts['section']}")
    # Tracked when it carries curated sections (a re-parse of the archived wrapper has no
    # `tracked` in its meta, but has its targets).
    tracked = any(target.get("instrument_id") for target in targets)
    yield scrapy.Request(url, meta={"state": state.code, "targets": targets, "tracked": tracked})


def read_version_file(state: State, root, section: str, url: str) -> tuple[str | None, list[str]]:
    """A version file (Utah's C76-5b-S205_<stamp>.html): in the container, bold runs give the
    "Effective" banner, the number ("76-5b-205.") and the catchline; each subsection is a
    table row of a number cell and a text cell, nested rows for nested subsections; the
    history line ("Amended by Chapter ...") closes it."""
    container = container_of(state, root, url)
    bold = [clean(" ".join(b.itertext())) for b in css(state.number)(root)] if state.number else []
    bold = [text for text in bold if text and not (state.effective and re.match(state.effective, text))]
    number_text = bold[0] if bold else None
    if not shows_number(number_text, section):
        raise SectionMissing(f"{state.code} § {section} is not on {url} (the page shows {number_text!r})")
    heading = bold[1] if len(bold) > 1 else None
    lines: list[str] = []
    marks = ""
    for line in block_lines(without(container, (*state.drop, state.number))):
        if SUBSECTION_MARKS.match(line):
            marks = f"{marks} {line}".strip()
            continue
        lines.append(f"{marks} {line}".strip())
        marks = ""
    if marks:
        lines.append(marks)
    lines = kept(state, lines)
    if not lines:
        raise SectionMissing(f"{state.code} § {section} on {url} has no text")
    return heading, lines


def effective_date(state: State, root) -> str | None:
    """The ISO day the page's banner says this version took effect ("Effective 5/1/2024")."""
    for element in css(state.number or "b")(root):
        found = re.match(state.effective, clean(" ".join(element.itertext())) or "")
        if found:
            month, day, year = (int(x) for x in found["date"].split("/"))
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


READERS["versioned_section"] = read_version_file


# --------------------------------------------------------------------------- catalogs (Kentucky)


def catalog_step(state: State, url: str) -> str:
    """Which step of a catalog_pdf an address is: the statutes' root page, a chapter's catalog
    or a section's document. Any other address on the host is a parse error."""
    url = url.split("#", 1)[0]
    if url == state.url:
        return "root"
    if re.fullmatch(state.chapter_href, url):
        return "chapter"
    if re.fullmatch(state.section_href, url):
        return "section"
    raise ValueError(f"{state.code}: {url} is neither the statutes' root page, a chapter catalog nor a section")


def _catalog_parts(target: dict) -> dict:
    """The URL parts of the section a target names, without a key's subsection
    ("531.120(1)" is looked up as 531.120)."""
    return derived({"section": split_subsection(target["section"])[0]})


def _links(state: State, response, href_pattern: str) -> list[tuple[str, str]]:
    """(text, absolute address) of each link of the page whose address is on the state's hosts
    and matches `href_pattern`: the next step's request is built from nothing else."""
    found = []
    for anchor in document(response).iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        url = urljoin(response.url, href).split("#", 1)[0]
        if urlsplit(url).netloc in state.hosts and re.fullmatch(href_pattern, url):
            found.append((clean(anchor.text_content()) or "", url))
    return found


def _follow_links(state: State, response, href_pattern: str, label_pattern: str, what: str, group_by: str):
    """The requests for the next step: each target's link, found by its label (`label_pattern`
    filled from the target's parts), its targets carried on; targets sharing a link (a chapter's
    sections, a section's subsections) share one request. A page with no such links at all is
    not the page asked for (an error page, a changed layout); a label not on it is a parse error
    naming it, for the targets that need it."""
    targets = targets_of(response, state)
    links = _links(state, response, href_pattern)
    if not links:
        title = clean(" ".join(document(response).xpath("//title//text()"))) or "no title"
        raise ValueError(f"{state.code}: {response.url} links no {what} ({title!r}): not the page asked for "
                         "(an error page, or the layout changed)")
    follow: dict[str, list[dict]] = {}
    for target in targets:
        parts = _catalog_parts(target)
        label = re.compile(label_pattern.format(**{name: re.escape(str(value)) for name, value in parts.items()}))
        url = next((url for text, url in links if label.search(text)), None)
        if url is None:
            yield PageError(url=response.url, status=response.status, kind="parse",
                            reason=f"{state.code}: {response.url} has no {what} labelled {parts[group_by]} "
                                   f"(for § {target['section']})",
                            tracked=bool(target.get("instrument_id")))
            continue
        follow.setdefault(url, []).append(target)
    for url, group in follow.items():
        tracked = any(target.get("instrument_id") for target in group)
        yield scrapy.Request(url, meta={"state": state.code, "targets": group, "tracked": tracked})


def follow_chapters(state: State, response):
    """The statutes' root page (Kentucky's /law/statutes/): the link to each target's chapter,
    found by its label ("CHAPTER 531 ..."), the chapter's id being the site's own number."""
    yield from _follow_links(state, response, state.chapter_href, state.chapter_link, "chapter", "chapter")


def follow_sections(state: State, response):
    """A chapter's catalog (Kentucky's chapter.aspx?id=N): the link to each target's section,
    found by its label (".120 ..." or "531.120 ..."), the section's document being the site's own number."""
    yield from _follow_links(state, response, state.section_href, state.section_link, "section", "section")


def catalog_targets(state: State, response, text: str) -> list[dict]:
    """What a section's document was asked for: the request's targets, or (a saved file) the
    section the address's fragment names ("statute.aspx?id=N#531.120"), or the number the
    document's first line opens with (`opening`)."""
    if response.meta.get("targets") or response.meta.get("section"):
        return targets_of(response, state)
    section = unquote(urlsplit(response.url).fragment)
    if not section:
        first = next(iter(printed_lines(text, state.drop_lines)), "")
        found = re.match(state.opening, first)
        section = found["section"] if found else None
    if not section:
        raise ValueError(f"{state.code}: which section is {response.url}? (request meta `targets`, or the address "
                         "with the section as its fragment)")
    return [{"section": section, "key": section}]


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="US state codes (official state legislature code sites)",
    kind="legislation",
    base_url=f"https://{SUPPORTED['CA'].hosts[0]}",
    alias_hosts=tuple(host for host in HOST_STATE if host != SUPPORTED["CA"].hosts[0]),
    licence="Public domain (state statutes are not copyrightable: Georgia v. Public.Resource.Org, 2020); "
            "states whose only free site is a publisher's are curated",
    licence_url="https://www.supremecourt.gov/opinions/19pdf/18-1150_7m58.pdf",
    terms_url="https://leginfo.legislature.ca.gov/faces/home.xhtml",
    rate_limit_text="no state site publishes a limit; one request at a time per host, 2-3 s apart (at most 30 a minute to each state's site), robots.txt obeyed",
    rate_limit=(30, 60.0),
    rate_limit_per_host=True,
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("targets", "state", "section", "key"),
    # North Dakota's and Guam's code chapters, Puerto Rico's acts and Kentucky's sections exist only as PDF.
    reads_pdf=True,
    notes="One spider for every state code in crawlers/sources/us_state_codes.yaml: per state the official "
          "host(s), the section URL pattern and the page layout, or `curated: <reason>`. Supported: "
          + ", ".join(sorted(SUPPORTED)) + ". No real capture of any state site (layouts from public scrapers).",
    curated_instrument_id=curated_instrument_id,
)


class UsStateCodesSpider(PerHostMirror, SourceSpider):
    contract = DECLARATION
    routes = [(r".", parse_section)]
    # A mirror (the fixture server, a replay) serves each state's host under /us_state_codes/<host>/.
    mirror_prefix = "/" + SOURCE

    @classmethod
    def site_delays(cls) -> dict[str, float]:
        return host_delays(SUPPORTED)

    def tracked_requests(self):
        """One request per page: every tracked section on it rides in the request's `targets`."""
        pages: dict[str, dict] = {}
        for instrument in self.tracked_within_limit():
            try:
                state_code, identifier_parts = split_identifier(instrument.get("source_identifier"))
            except ValueError as error:
                self.logger.warning("%s: %s", instrument.get("id"), error)
                continue
            state = SUPPORTED[state_code]
            for key, label in self.keys_of(instrument, state, identifier_parts):
                try:
                    parts = key_parts(state, key)
                    url = section_url(state, parts)
                    body = filled(state.post_json, parts) if state.post_json else None
                except (ValueError, KeyError) as error:
                    self.logger.warning("%s: %s", instrument.get("id"), error)
                    continue
                # A POST API answers one section per body at one address: the body is part of the page.
                add_target(pages, (url, json.dumps(body, sort_keys=True) if body else None),
                           section_target(instrument, parts["section"], key, label, parts=parts),
                           state=state_code, body=body)
        for (url, _), page in pages.items():
            # A catalog's root page is no instrument's document: its 404 must not withdraw one.
            expects = expected_instrument(page) if SUPPORTED[page["state"]].layout != "catalog_pdf" else None
            yield self.request(url, json=page["body"], tracked=True, expects=expects,
                               state=page["state"], targets=page["targets"])

    @staticmethod
    def keys_of(instrument: dict, state: State, identifier_parts: dict):
        """(key, label) of each section to fetch: the provisions' keys, else the section the
        source_identifier names (labelled as the first provision)."""
        keyed = [(str(p["key"]), str(p.get("label") or p["key"])) for p in instrument.get("provisions") or []
                 if p.get("key")]
        if keyed:
            return list(dict.fromkeys(keyed))
        key = state.identifier.format(**identifier_parts)
        provisions = instrument.get("provisions") or []
        return [(key, str(provisions[0].get("label")) if provisions else identifier_parts["section"])]
