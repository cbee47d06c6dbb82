"""Canadian provincial statutes: sections of the provinces' official statute registers, one
spider driven by one table.

Each province publishes its statutes on a register of its own. Rather than a module per
province, the table `ca_provincial_laws.yaml` beside this module says, per province
(postal code):

* `hosts`: the official host(s) of its register (the one module declares every host it may
  contact; OfficialHostsMiddleware refuses any other, redirects too);
* `delay`: seconds between two requests to that host (Scrapy's per-host download slot);
* `languages` and `urls`: the languages the register serves the statutes in (New Brunswick
  is bilingual: English and French) and, per language, the address of a statute's page,
  built from the document the curated `source_identifier` names;
* `layout`: how a section is found on that page, with the layout's selectors;
* `licence` and `basis` (where the layout is known from); or, instead of all that,
* `curated: <reason>`: the province's instruments stay curated, and the reason says why
  (PDF only, a bot wall, terms that do not fit, a chapter or a layout not established).

Layout `section_element` (the platform of laws.gnb.ca, which LégisQuébec runs too): the
whole statute is one page; `container` (CSS) holds it; `section` (CSS, with {section_id})
is the section's own element; `number` (CSS, with {section_id}) must be in it and show the
section number ("2", or "3(1)" for a section in subsections), else the page is not the
statute asked for; a bare section number is left out of the text, a subsection's kept; `heading` (CSS) is the marginal
note, read from the section's first one; `label_end` (CSS) are the number labels, after
which a space is kept (the page runs "3(1)A person"); `drop` (CSS) and `drop_lines`
(regexes) remove what is not law text (history icons, interface labels). `not_found` is a
regex by which a register answering 200 says it has no such document.

Layout `section_lines` (a register whose text layout is known but not its markup, e.g. the
House of Assembly of Newfoundland and Labrador's static pages): the container's text, one
line per block element, is cut from the line matching `start` (with {section}; what it
matches, the number, is left out of the text) to the next line matching `next` (any
section's opening) or `stop` (a line that ends a section, "Back to Top"), reading only
after the line `after` matches (the enacting words: a table of contents before them lists
the sections too); the line before the start is the marginal note; `drop_lines` remove
history lines. A bare number is left out of the text, a subsection's ("3(1)") kept. With
`note_above`, every section's marginal note is the line above its opening, so the line above
the next section is not this one's text.

Layout `pdf_lines` (a register that publishes its statutes as PDF only, e.g. Alberta's King's
Printer): the contract says `reads_pdf`, so the PDF arrives as its printed text
(crawling.middlewares.PdfTextMiddleware; `sii-atlas parse` does the same to a saved PDF),
pages split by a form feed; `drop_lines` remove running heads and page numbers before
anything else (crawlers/sources/_pdf_sections.printed_lines); the section is then cut as in
`section_lines` (`start`, `next`, `after`) and its wrapped lines joined into the paragraphs
the law numbers (`paragraphs`). An HTML page where the PDF should be (a script shell, an
error page) is an error. A PDF read alone takes its title from its cover, the lines between
`title_after` and `title_before`.

A bilingual page (`same_page`, Manitoba): every language of `languages` is on the first
language's page, each part in English and then in French, so the n-th opening of a section
is its text in the n-th language; the one page gives the provision in both, and no second
page is asked for. A translation the page lacks, when the first language's text was read,
is logged as a warning, not a failed page: the provision is stored in its first language.

Identifiers: a curated `source_identifier` is `{province}/{document}` (`NB/2022-c.1`); a
provision `key` is `section/{number}` (`section/2`, `section/3.1`), the section as cited.
Ids: a curated instrument keeps its own id (the request carries it); its provisions are
`{instrument_id}/{key}`, as the registry's `provision_id` makes them. Without a curated row
(`sii-atlas parse`), an instrument is `ca-{province}-{document}`.

Languages: a province's first language (English) is fetched first; the page in each other
language is asked for once it is read, so that a provision is first stored in English and
gets its French text as its second language, as justice_laws does.

Base URL: the contract names New Brunswick's host as the base and every other supported
host as an alias, so the contract's official hosts are exactly the table's (New Brunswick,
Newfoundland and Labrador, Manitoba, Alberta). A mirror serves
each host's paths under /ca_provincial_laws/<host>/ (`_per_host_mirror`).
Licence: per province in the table (New Brunswick: non-commercial reproduction allowed
without permission; commercial redistribution needs the King's Printer's consent).
Terms: no supported register publishes a rate limit; one request at a time per host, three
seconds apart, robots.txt obeyed.

NO REAL CAPTURE of any provincial register exists in /work/shared/samples, and no real PDF
was captured. Each supported province's `basis` says which public code and search-tool
copies of the pages its structure comes from; the fixtures in tests/examples/ca_provincial_laws/
are written by us in that structure (Alberta's PDF made by tests/pdf_maker.py from its
laid-out text), with statutory wording copied from search-tool copies of the official pages
or, for Alberta's s. 5, a lawyer's reproduction of it (shortened to what was read), and say so.

Discovery: none (the registers' searches are HTML forms of their own; new provincial laws
reach the project through CanLII and curation).

Text: the page's current consolidation. The registers date the consolidation ("current to")
but not the day each section's wording took effect, so `valid_from`, `valid_to` and
`in_force_status` are left unknown rather than guessed.
"""

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import scrapy

from ..items import InstrumentItem, PageError, ProvisionItem
from ._pdf_sections import paragraphs, printed_lines
from ._per_host_mirror import PerHostMirror
from .contract import Auth, SourceContract
from ._site_table import TableError, host_delays, host_owners, licences_in_words, read_site_table, supported_rows
from .spider import SourceSpider, clean, expected_instrument
from .us_state_codes import SectionMissing, block_lines, css, document, first, shows_number, without

SOURCE = "ca_provincial_laws"
LOG = logging.getLogger(__name__)
TABLE_FILE = Path(__file__).with_name("ca_provincial_laws.yaml")
LAYOUTS = ("section_element", "section_lines", "pdf_lines")
#: The layouts read from text lines (the `start` / `next` patterns).
LINE_LAYOUTS = ("section_lines", "pdf_lines")
KEY = re.compile(r"^section/(?P<section>[0-9]+(?:\.[0-9]+)*)$")



@dataclass(frozen=True)
class Province:
    code: str
    name: str = ""
    curated: str | None = None
    hosts: tuple[str, ...] = ()
    delay: float = 3.0
    languages: tuple[str, ...] = ("en",)
    urls: dict = field(default_factory=dict)
    anchor: str | None = None
    layout: str | None = None
    container: str = "body"
    section: str = ""
    number: str = ""
    heading: str | None = None
    label_end: str | None = None
    drop: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()
    not_found: str | None = None
    #: section_lines: the line opening the section (with {section}), the line any section
    #: opens with, and the lines that end a section without opening another.
    start: str = ""
    next: str = ""
    stop: str | None = None
    #: section_lines: the line after which the sections begin (a table of contents before it
    #: lists them too).
    after: str | None = None
    #: section_lines: every section's marginal note is the line above its opening, so the
    #: line above the next section's opening ends this one (it is that section's note).
    note_above: bool = False
    #: Every language of `languages` is on the first language's page, in that order (a
    #: bilingual page): the n-th time a section opens on it is its text in the n-th language.
    same_page: bool = False
    #: pdf_lines: the statute's title is the printed lines between the one `title_after`
    #: matches and the one `title_before` matches (the cover), for a PDF read alone.
    title_after: str | None = None
    title_before: str | None = None
    licence: str = ""
    basis: str = ""

    @property
    def supported(self) -> bool:
        return self.curated is None


def check_province(province: Province) -> None:
    """What a supported province needs beyond any table's rows (crawlers/sources/_site_table.py)."""
    code = province.code
    if not (province.hosts and province.layout in LAYOUTS):
        raise TableError(f"{code}: a supported province needs hosts and a layout in {LAYOUTS}")
    if province.layout == "section_element" and not (province.section and province.number):
        raise TableError(f"{code}: a section_element layout needs section and number selectors")
    if province.layout in LINE_LAYOUTS and not (province.start and province.next):
        raise TableError(f"{code}: a {province.layout} layout needs start and next")
    if province.same_page and province.layout not in LINE_LAYOUTS:
        raise TableError(f"{code}: same_page needs a layout read from text lines {LINE_LAYOUTS}")
    if province.same_page and set(province.urls) != {province.languages[0]}:
        raise TableError(f"{code}: same_page: one url, the first language's ({province.languages[0]})")
    if not province.same_page and set(province.urls) != set(province.languages):
        raise TableError(f"{code}: one url per language of {province.languages}")
    for url in province.urls.values():
        if urlsplit(url).netloc not in province.hosts:
            raise TableError(f"{code}: url {url} is not on its hosts {province.hosts}")


def read_table(path: Path = TABLE_FILE) -> dict[str, Province]:
    """The table, checked: a province is supported (hosts, a url per language, a layout) or
    curated with a reason."""
    return read_site_table(path, "provinces", Province, check_province, "provinces")


PROVINCES = read_table()
SUPPORTED = supported_rows(PROVINCES)
HOST_PROVINCE = host_owners(PROVINCES)


# --------------------------------------------------------------------------- identifiers


def split_identifier(identifier: str) -> tuple[str, str]:
    """`NB/2022-c.1` -> ("NB", "2022-c.1"); ValueError when the province is not supported."""
    code, _, document_id = str(identifier or "").strip().strip("/").partition("/")
    province = PROVINCES.get(code.upper())
    if province is None:
        raise ValueError(f"{identifier!r}: no province {code!r} in the provincial statutes table")
    if not province.supported:
        raise ValueError(f"{identifier!r}: {province.code} is curated ({province.curated})")
    if not document_id:
        raise ValueError(f"{identifier!r}: no document after the province")
    return province.code, document_id


def section_of(key: str) -> str:
    match = KEY.match(str(key or "").strip())
    if not match:
        raise ValueError(f"provision key {key!r} is not section/<number> (section/2, section/3.1)")
    return match.group("section")


def section_id(section: str) -> str:
    """3.1 as the register writes it in element ids: 3_1."""
    return section.replace(".", "_")


def page_url(province: Province, language: str, document_id: str) -> str:
    """The statute's page in `language` (a bilingual page: the one page, in any language)."""
    template = province.urls[province.languages[0]] if province.same_page else province.urls[language]
    return template.format(document=document_id)


def provision_url(province: Province, language: str, document_id: str, section: str) -> str:
    url = page_url(province, language, document_id)
    return f"{url}#{province.anchor.format(section_id=section_id(section))}" if province.anchor else url


def default_instrument_id(province_code: str, document_id: str) -> str:
    return f"ca-{province_code.lower()}-" + re.sub(r"[^a-z0-9]+", "-", document_id.lower()).strip("-")


def curated_instrument_id(source_identifier: str) -> str | None:
    """Curated instruments keep their own ids (the request carries them): no id to derive."""
    return None


def page_language(province: Province, url: str) -> str | None:
    """The language whose address template the URL fits (the register's /en/ or /fr/ path)."""
    path = urlsplit(url).path
    for language, template in province.urls.items():
        prefix = urlsplit(template).path.split("{", 1)[0]
        if path.startswith(prefix):
            return language
    return None


def document_of(province: Province, url: str, language: str) -> str | None:
    """The document a statute's address names (2022-c.1, i22), read back through its template."""
    template = urlsplit(province.urls[language]).path
    prefix, _, rest = template.partition("{document}")
    path = unquote(urlsplit(url).path)
    if not (path.startswith(prefix) and path.endswith(rest)):
        return None
    return path[len(prefix):len(path) - len(rest)].strip("/") or None


# --------------------------------------------------------------------------- the section element


def spaced_labels(element, selector: str | None):
    """The element with a space after each number label ("3(1)" then "A person")."""
    if not selector:
        return element
    for label in css(selector)(element):
        label.tail = " " + (label.tail or "").lstrip()
    return element


def without_own_number(body, selector: str, section: str):
    """The section without its bare number ("2"), which the text does not repeat; a
    subsection's number ("3(1)") stays, as the line's start."""
    number = first(body, selector)
    if number is not None and clean(" ".join(number.itertext())) == section:
        parent = number.getparent()
        if parent is not None:
            previous = number.getprevious()
            if number.tail:
                if previous is not None:
                    previous.tail = (previous.tail or "") + number.tail
                else:
                    parent.text = (parent.text or "") + number.tail
            parent.remove(number)
    return body


def statute_container(province: Province, root, url: str):
    """The element holding the statute (section_element layout); ValueError when the page
    has none (an error page, a bot wall) or says the document does not exist."""
    container = first(root, province.container)
    if container is None and province.not_found and re.search(province.not_found, " ".join(root.itertext())):
        raise ValueError(f"{province.code}: {url} says the document does not exist")
    if container is None:
        title = clean(" ".join(root.xpath("//title//text()"))) or "no title"
        raise ValueError(f"{province.code}: no {province.container!r} on {url} ({title!r}): not a statute page "
                         "(an error page, a bot wall, or the layout changed)")
    return container


def read_section_element(province: Province, root, section: str, url: str) -> tuple[str | None, list[str]]:
    container = statute_container(province, root, url)
    the_id = section_id(section)
    element = first(container, province.section.format(section_id=the_id))
    if element is None:
        raise SectionMissing(f"{province.code} s. {section} is not on {url}")
    number = first(element, province.number.format(section_id=the_id))
    number_text = clean(" ".join(number.itertext())) if number is not None else None
    if not shows_number(number_text, section):
        raise SectionMissing(f"{province.code} s. {section} on {url} does not show its number (found {number_text!r})")
    heading_element = first(element, province.heading) if province.heading else None
    heading = clean(" ".join(heading_element.itertext())) if heading_element is not None else None
    body = without_own_number(without(element, (*province.drop, province.heading)),
                              province.number.format(section_id=the_id), section)
    drops = [re.compile(pattern) for pattern in province.drop_lines]
    lines = [line for line in block_lines(spaced_labels(body, province.label_end))
             if not any(drop.search(line) for drop in drops)]
    if not lines:
        raise SectionMissing(f"{province.code} s. {section} on {url} has no text")
    return heading, lines


def pdf_printed_lines(province: Province, text: str, url: str) -> list[str]:
    """The printed lines of a statute's PDF (given as its text, crawlers.pdf_text), without
    the running heads and page numbers `drop_lines` name; ValueError when what came is not
    a PDF's text (an HTML page: a script shell, an error page)."""
    head = text.lstrip()[:200].lower()
    if head.startswith("<") or "<html" in head:
        raise ValueError(f"{province.code}: {url} answered an HTML page, not the statute's PDF: not a statute page "
                         "(a script shell or an error page)")
    return printed_lines(text, province.drop_lines)


def statute_lines(province: Province, page, url: str) -> list[str]:
    """The statute's text lines (section_lines and pdf_lines layouts), from the enacting
    words on; ValueError when the page is not a statute's (no container, no enacting words)
    or says the document does not exist. `page` is the HTML root, or a PDF's text."""
    if province.layout == "pdf_lines":
        lines = pdf_printed_lines(province, page, url)
    else:
        container = first(page, province.container)
        if container is None:
            title = clean(" ".join(page.xpath("//title//text()"))) or "no title"
            raise ValueError(f"{province.code}: no {province.container!r} on {url} ({title!r}): not a statute page")
        lines = block_lines(without(container, province.drop))
    if province.after:
        begin = re.compile(province.after)
        first_line = next((index for index, line in enumerate(lines) if begin.search(line)), None)
        if first_line is None:
            raise ValueError(f"{province.code}: no line {province.after!r} on {url}: not a statute page (an error "
                             "page, a script wall, or the layout changed)")
        lines = lines[first_line + 1:]
    if province.not_found and re.search(province.not_found, "\n".join(lines)):
        raise ValueError(f"{province.code}: {url} says the document does not exist")
    return lines


def read_section_lines(province: Province, page, section: str, url: str,
                       occurrence: int = 1, language: str | None = None) -> tuple[str | None, list[str]]:
    """A page whose markup is not known but whose text is (or a PDF's printed text): one
    block per line, the section from the line `start` opens to the next line opening a
    section (`next`) or ending one (`stop`); its marginal note is the line before it. On a
    bilingual page, the `occurrence`-th opening is the section in that page's n-th language.
    A PDF's wrapped lines are joined back into the paragraphs the law numbers."""
    lines = statute_lines(province, page, url)
    start = re.compile(province.start.format(section=re.escape(section)))
    opening, stop = re.compile(province.next), re.compile(province.stop) if province.stop else None
    drops = [re.compile(pattern) for pattern in province.drop_lines]
    openings = [index for index, line in enumerate(lines) if start.search(line)]
    if len(openings) < occurrence:
        if not any(opening.search(line) for line in lines):
            raise ValueError(f"{province.code}: no section at all on {url}: not a statute page (an error page, "
                             "a script wall, or the layout changed)")
        where = f" in {language or f'its language no. {occurrence}'}" if occurrence > 1 else ""
        raise SectionMissing(f"{province.code} s. {section} is not on {url}{where}")
    at = openings[occurrence - 1]
    end = next((index for index in range(at + 1, len(lines))
                if opening.search(lines[index]) or (stop and stop.search(lines[index]))), len(lines))
    if province.note_above and end < len(lines) and opening.search(lines[end]) and end - 1 > at:
        end -= 1  # the next section's marginal note, above its opening
    before = lines[at - 1] if at else None
    heading = None if before is None or opening.search(before) or (stop and stop.search(before)) \
        or any(drop.search(before) for drop in drops) else before
    number = start.search(lines[at])
    # A bare number is left out ("2. In this Act"); one running straight into its subsection
    # stays, as the law cites it ("3(1) A person").
    joined = lines[at][number.end():].startswith("(") and not number.group(0)[-1:].isspace()
    body = [lines[at] if joined else lines[at][number.end():].strip()] + lines[at + 1:end]
    body = [line for line in body if line and not any(drop.search(line) for drop in drops)]
    if province.layout == "pdf_lines":
        body = paragraphs(body)
    if not body:
        raise SectionMissing(f"{province.code} s. {section} on {url} has no text")
    return heading, body


READERS = {"section_element": read_section_element, "section_lines": read_section_lines,
           "pdf_lines": read_section_lines}


# --------------------------------------------------------------------------- every section of a page

#: A section number as cited (2, 3.1), and as the register writes it in element ids (3_1).
SECTION_NUMBER = r"[0-9]+(?:\.[0-9]+)*"
SECTION_ID = r"[0-9]+(?:_[0-9]+)*"
#: A `section` selector naming the section by an attribute's value: `[id="se:{section_id}"]`.
_BY_ATTRIBUTE = re.compile(r'^(?P<before>[^\[]*)\[(?P<attribute>[\w:-]+)="(?P<prefix>[^"{]*)\{section_id\}'
                           r'(?P<suffix>[^"{]*)"\](?P<after>.*)$')


def element_sections(province: Province, root, url: str) -> list[str]:
    """Every section a section_element page holds, in page order: the elements whose
    attribute the `section` selector names holds a section id (se:1, se:3_1; a part of a
    section, se:1-de:court, is not one)."""
    container = statute_container(province, root, url)
    shape = _BY_ATTRIBUTE.match(province.section)
    if shape is None:
        raise ValueError(f"{province.code}: the section selector {province.section!r} does not name a section by "
                         "an attribute's value, so the sections on a page cannot be listed")
    selector = f'{shape["before"]}[{shape["attribute"]}^="{shape["prefix"]}"]{shape["after"]}'
    value = re.compile(re.escape(shape["prefix"]) + f"(?P<id>{SECTION_ID})" + re.escape(shape["suffix"]) + "$")
    sections: list[str] = []
    for element in css(selector)(container):
        found = value.match(element.get(shape["attribute"]) or "")
        if found and found["id"].replace("_", ".") not in sections:
            sections.append(found["id"].replace("_", "."))
    return sections


def line_sections(province: Province, root, url: str) -> list[str]:
    """Every section a section_lines page holds, in page order: the numbers of the lines
    that open a section (`start`), after the enacting words."""
    start = re.compile(province.start.format(section=f"(?P<number>{SECTION_NUMBER})"))
    sections: list[str] = []
    for line in statute_lines(province, root, url):
        found = start.search(line)
        if found and found["number"] not in sections:
            sections.append(found["number"])
    return sections


LISTERS = {"section_element": element_sections, "section_lines": line_sections, "pdf_lines": line_sections}


# --------------------------------------------------------------------------- parser


def page_title(province: Province, root, url: str) -> str | None:
    """The statute's title as the page gives it (a saved page without a curated row); a
    PDF's from its cover, between the lines `title_after` and `title_before`."""
    if province.layout == "pdf_lines":
        if not (province.title_after and province.title_before):
            return None
        lines = pdf_printed_lines(province, root, url)
        after, before = re.compile(province.title_after), re.compile(province.title_before)
        begin = next((index for index, line in enumerate(lines) if after.search(line)), None)
        if begin is None:
            return None
        end = next((index for index in range(begin + 1, len(lines)) if before.search(lines[index])), None)
        if end is None:
            return None
        return " ".join(lines[begin + 1:end]) or None
    for path in ("//*[contains(concat(' ', @class, ' '), ' long-title-document ')]", "//title"):
        found = root.xpath(path)
        if found:
            return clean(" ".join(found[0].itertext()))
    return None


def targets_of(response) -> list[dict]:
    """What the request asked this page for: [{section, key, instrument_id, ...}], or the
    section meta `section` names (`sii-atlas parse --meta`)."""
    targets = response.meta.get("targets")
    if targets:
        return list(targets)
    section = response.meta.get("section")
    if not section:
        raise ValueError(f"which section of {response.url}? (request meta `targets` or `section`)")
    return [{"section": str(section), "key": f"section/{section}"}]


def parse_statute(response):
    """A statute's page in one language: for each section the request asked for, the
    instrument (first language only) and the section as a provision in this language; a
    PageError for a section the page lacks; then the page in the next language.

    Read alone (a saved page, `sii-atlas parse`, no meta `targets` or `section`): the
    statute as an instrument in the page's language (`ca-{province}-{document}`, titled as
    the page titles it) and every section the page holds, in page order, as its provisions;
    the province, language and document from the URL. A page with no section is an error."""
    host = urlsplit(response.url).netloc
    code = response.meta.get("province") or HOST_PROVINCE.get(host)
    if code not in SUPPORTED:
        raise ValueError(f"{response.url}: not the page of a province in the provincial statutes table")
    province = SUPPORTED[code]
    language = response.meta.get("language") or page_language(province, response.url)
    if language not in province.urls:
        raise ValueError(f"{response.url}: not an address of {province.name}'s statutes in {province.languages}")
    document_id = response.meta.get("document") or document_of(province, response.url, language)
    if not document_id:
        raise ValueError(f"{response.url}: which statute? (request meta `document`, or an address of the register)")
    # A PDF arrives as its text (PdfTextMiddleware); every other layout reads the HTML.
    root = response.text if province.layout == "pdf_lines" else document(response)
    read = READERS[province.layout]
    first_language = language == province.languages[0]
    # A bilingual page gives the section in each of its languages, in the table's order.
    on_page = list(province.languages) if province.same_page else [language]
    alone = not (response.meta.get("targets") or response.meta.get("section"))
    if alone:
        sections = LISTERS[province.layout](province, root, response.url)
        if not sections:
            raise ValueError(f"{province.code}: no section on {response.url}: not a statute page (an error page, "
                             "or the layout changed)")
        targets = [{"section": section, "key": f"section/{section}"} for section in sections]
    else:
        targets = targets_of(response)
    found_any, missing, instruments_given, read_first = False, [], set(), set()
    for target, (occurrence, language) in ((target, read_as) for target in targets
                                           for read_as in enumerate(on_page, start=1)):
        section = str(target["section"])
        url = provision_url(province, language, document_id, section)
        try:
            if province.same_page:
                heading, lines = read(province, root, section, response.url, occurrence=occurrence,
                                      language=language)
            else:
                heading, lines = read(province, root, section, response.url)
        except SectionMissing as error:
            if occurrence > 1 and section in read_first:
                # On a bilingual page whose first language gave the section, the provision is
                # stored: only a translation is missing, a warning (as a missing French text is
                # for justice_laws), not a failed page.
                LOG.warning("%s (the provision is stored in %s only)", error, province.languages[0])
                continue
            if occurrence > 1:
                continue  # missing in the page's first language too: reported once, there
            missing.append(str(error))
            yield PageError(url=url, status=response.status, kind="parse", reason=str(error),
                            tracked=bool(target.get("instrument_id")))
            continue
        if occurrence == 1:
            read_first.add(section)
        found_any = True
        instrument_id = target.get("instrument_id") or default_instrument_id(code, document_id)
        key = target.get("key") or f"section/{section}"
        # A page read alone stands for its statute in any language: nothing else gives it.
        if (first_language or alone) and response.meta.get("with_instrument", True) \
                and instrument_id not in instruments_given:
            instruments_given.add(instrument_id)
            yield InstrumentItem(
                id=instrument_id,
                jurisdiction=target.get("jurisdiction") or f"CA-{code}",
                title=target.get("title") or page_title(province, root, response.url),
                citation=target.get("citation"),
                kind=target.get("kind") or "statute",
                status=target.get("status"),
                date_enacted=None,
                date_in_force=None,
                official_url=target.get("official_url") or page_url(province, language, document_id),
                language=language,
                extent=None,
                source=SOURCE,
                identifiers=[{"scheme": "URI", "value": page_url(province, language, document_id)}],
            )
        yield ProvisionItem(
            id=f"{instrument_id}/{key}",
            instrument_id=instrument_id,
            label=target.get("label") or section,
            heading=heading,
            text="\n".join(lines),
            language=language,
            url=url,
            extent=None,
            in_force_status=None,
            valid_from=None,
            valid_to=None,
            source=SOURCE,
            identifiers=[{"scheme": "URI", "value": url}],
        )
    if not found_any and not missing:
        raise ValueError(f"{response.url}: nothing was asked of this page")
    later = [lang for lang in (response.meta.get("languages_left") or []) if lang in province.urls]
    if later:
        # Only once this language is read: a provision is first stored in the first language.
        carried = {k: response.meta[k] for k in ("province", "document", "targets") if response.meta.get(k)}
        # Tracked when it carries curated sections (not read from this request's meta, which
        # a re-parse of the archived page would not have).
        tracked = any(target.get("instrument_id") for target in response.meta.get("targets") or [])
        yield scrapy.Request(page_url(province, later[0], document_id),
                             meta={**carried, "language": later[0], "languages_left": later[1:], "tracked": tracked})


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Canadian provincial statutes (official provincial registers)",
    kind="legislation",
    base_url=f"https://{SUPPORTED['NB'].hosts[0]}",
    alias_hosts=tuple(host for host in HOST_PROVINCE if host != SUPPORTED["NB"].hosts[0]),
    licence=licences_in_words(PROVINCES, "province"),
    licence_url="https://www2.gnb.ca/content/gnb/en/departments/public-safety/attorney-general/content/"
                "acts_regulations/content/annual_volumes_ofregulations/copyright.html",
    terms_url="https://laws.gnb.ca/en/",
    rate_limit_text="no register publishes a limit; one request at a time per host, 3 s apart (at most 20 a minute to each register), robots.txt obeyed",
    rate_limit=(20, 60.0),
    rate_limit_per_host=True,
    download_delay=3.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    parser_version="2",
    # Alberta's statutes are PDF only: a PDF arrives as its text (PdfTextMiddleware).
    reads_pdf=True,
    parser_meta=("province", "document", "language", "languages_left", "targets", "section", "with_instrument"),
    notes="One spider for the provincial statute registers in crawlers/sources/ca_provincial_laws.yaml: per "
          "province the official host(s), the statute's address per language and the page layout, or "
          "`curated: <reason>`. Supported: " + ", ".join(sorted(SUPPORTED)) + " (New Brunswick and Manitoba in "
          "English and French; Alberta's PDF read as text). No real capture of any register (layouts from public "
          "code and search-tool copies of the pages).",
    curated_instrument_id=curated_instrument_id,
)


class CaProvincialLawsSpider(PerHostMirror, SourceSpider):
    contract = DECLARATION
    routes = [(r".", parse_statute)]
    mirror_prefix = "/" + SOURCE

    @classmethod
    def site_delays(cls) -> dict[str, float]:
        return host_delays(SUPPORTED)

    def tracked_requests(self):
        """One request per statute (every tracked section on it rides in `targets`), in the
        province's first language; the others follow from the parser."""
        pages = self.documents_of_tracked_sections(split_identifier, section_of)
        for (code, document_id), page in pages.items():
            province = SUPPORTED[code]
            language, *later = province.languages
            later = [] if province.same_page else later  # a bilingual page holds them all
            yield self.request(page_url(province, language, document_id), tracked=True,
                               expects=expected_instrument(page), province=code,
                               document=document_id, language=language, languages_left=later,
                               targets=page["targets"])
