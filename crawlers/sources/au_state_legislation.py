"""Australian state and territory legislation: sections of the current authorised text on each
register, one spider driven by one table.

Each state and territory keeps its own register, and most of them publish the current text of
an Act only as a file whose address changes with every compilation. Rather than a module per
register, the table `au_state_legislation.yaml` beside this module says, per state or
territory (WA, VIC, ACT, NT, SA):

* `hosts`: the register's official host(s) (the one module declares every host it may
  contact; OfficialHostsMiddleware refuses any other, redirects too), and `delay`, the
  seconds between two requests to it (Scrapy's per-host download slot);
* the act's page, in two steps, because the current text's address is not stable:
  `act_page` (the address of the page listing the Act, with {initial}: the first letter of
  the Act's title) and `act_page_path` (a regex on the paths of such pages); `rows` (CSS)
  are the page's rows, the row whose `row_title` (CSS) reads the Act's title is the Act, and
  its `row_link` (CSS, an <a>) is the address of the current text;
* the document: `document_path` (a regex on the paths of the current texts, after any
  redirect) and `format` (`pdf`: read as text at the door, pages split by a form feed);
  `title_after` (the line after which the Act's title is printed, for a text read alone);
  `after` (the line after which the sections begin: the contents before it list them
  too); `start` (with {section}; its group `heading` is the section's heading) and `next`
  (any section's opening, or a Part or Chapter heading) cut a section out of the printed
  lines; `drop` (regexes) are the running heads and feet of each page, and the Act's title
  line is dropped too; `drop_paragraphs` (regexes) the history notes;
* `licence` and `basis` (where the layout is known from); or, instead of all that,
* `curated: <reason>`: the register's instruments stay curated, and the reason says why
  (a bot wall, a PDF over the 400 pages read, an official text or layout not established).

Identifiers: a curated `source_identifier` is `{state}/{act}`, the Act named by its title as
the register lists it (`WA/Criminal Code Act Compilation Act 1913`); a provision `key` is
`section/{number}` (`section/221BD`). Ids: a curated instrument keeps its own id (the request
carries it); its provisions are `{instrument_id}/{key}`, as the registry's `provision_id`
makes them. Without a curated row (`sii-atlas parse`), an instrument is
`au-{state}-{title}` (`au-wa-criminal-code-act-compilation-act-1913`).

Text: the printed lines of the section, wrapped lines joined into the paragraphs the law
numbers (a line opens a paragraph when it starts with a number or a letter in brackets, or
when the line before it ends a clause: ";", ":", "." or "—"); history notes are left out. A
heading printed over two lines keeps only its first line as the heading (the PDF's text
does not say where a bold heading ends); none of the tracked sections has one. Where an Act
numbers two sections alike (the WA Criminal Code's own ss 1-7 and its compiling Act's), the
first after the long title is read: key the later one only once a layout tells them apart.
The registers date a compilation ("As at 01 Jul 2024"), not each section's wording, so
`valid_from`, `valid_to` and `in_force_status` are left unknown rather than guessed.

Supported: Western Australia (legislation.wa.gov.au: the in-force index by first letter, then
the current compilation's PDF). Curated, each with its reason in the table: Victoria, the ACT
(its Crimes Act republication is over the 400 pages read), the Northern Territory and South
Australia (Cloudflare). New South Wales and Queensland have modules of their own.

Base URL: the contract names WA's register as the base and every other supported host as an
alias, so the contract's official hosts are exactly the table's. A mirror serves each host's
paths under /au_state_legislation/<host>/ (`_per_host_mirror`).
Licence: per register in the table (WA: CC BY 4.0 since November 2019).
Terms: no supported register publishes a rate limit; one request at a time per host, three
seconds apart, robots.txt obeyed. A compilation's PDF is a few megabytes, asked once a crawl.

NO REAL CAPTURE of any state register exists in /work/shared/samples, and no real PDF was
captured. Each supported register's `basis` says which public code, public text extraction
and search-tool copies its structure comes from; the fixtures in
tests/examples/au_state_legislation/ are written by us in that structure (the PDF from its
laid-out text with tests/pdf_maker.py), with statutory wording copied from a public text
extraction of the official PDF, shortened to the pages read, and say so.

Discovery: none (the registers' searches are forms of their own; new state laws reach the
project through curation and the Commonwealth register).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import scrapy

from ..items import InstrumentItem, PageError, ProvisionItem
from ..pdf_text import PAGE_BREAK
from ._pdf_sections import PARAGRAPH_START, paragraphs, printed_lines
from ._per_host_mirror import PerHostMirror
from .contract import Auth, SourceContract
from ._site_table import TableError, host_delays, host_owners, licences_in_words, read_site_table, supported_rows
from .spider import SourceSpider, clean
from .us_state_codes import SectionMissing, css, document

SOURCE = "au_state_legislation"
TABLE_FILE = Path(__file__).with_name("au_state_legislation.yaml")
FORMATS = ("pdf",)
KEY = re.compile(r"^section/(?P<section>[0-9]+[A-Z]*)$")
#: The end of a printed line that ends a clause: the next line opens a paragraph.
CLAUSE_END = re.compile(r"[;:.—]$")
#: A connector printed on a line of its own after a list ("(iii) ... act;" then "and").
CONNECTOR = re.compile(r"^(?:or|and)$")



@dataclass(frozen=True)
class Register:
    code: str
    name: str = ""
    jurisdiction: str = ""
    curated: str | None = None
    hosts: tuple[str, ...] = ()
    delay: float = 3.0
    act_page: str = ""
    act_page_path: str = ""
    rows: str = ""
    row_title: str = ""
    row_link: str = ""
    document_path: str = ""
    format: str = ""
    title_after: str | None = None
    after: str | None = None
    start: str = ""
    next: str = ""
    drop: tuple[str, ...] = ()
    drop_paragraphs: tuple[str, ...] = ()
    licence: str = ""
    basis: str = ""

    @property
    def supported(self) -> bool:
        return self.curated is None


def check_register(register: Register) -> None:
    """What a supported register needs beyond any table's rows (crawlers/sources/_site_table.py)."""
    code = register.code
    if not (register.hosts and register.jurisdiction):
        raise TableError(f"{code}: a supported register needs hosts and its jurisdiction")
    if not (register.act_page and register.act_page_path and register.rows and register.row_title
            and register.row_link):
        raise TableError(f"{code}: say where the current text's address is found (act_page, act_page_path, "
                         "rows, row_title, row_link)")
    if urlsplit(register.act_page).netloc not in register.hosts:
        raise TableError(f"{code}: act_page {register.act_page} is not on its hosts {register.hosts}")
    if register.format not in FORMATS or not (register.document_path and register.start and register.next):
        raise TableError(f"{code}: a supported register needs a format in {FORMATS}, document_path, start "
                         "and next")
    if "{section}" not in register.start:
        raise TableError(f"{code}: start must name the section ({{section}})")


def read_table(path: Path = TABLE_FILE) -> dict[str, Register]:
    """The table, checked: a register is supported (hosts, the act's page and its rows, the
    document's format and section patterns, licence, basis) or curated with a reason."""
    return read_site_table(path, "registers", Register, check_register, "registers")


REGISTERS = read_table()
SUPPORTED = supported_rows(REGISTERS)
HOST_REGISTER = host_owners(REGISTERS)


# --------------------------------------------------------------------------- identifiers


def split_identifier(identifier: str) -> tuple[str, str]:
    """`WA/Criminal Code Act Compilation Act 1913` -> ("WA", the title); ValueError when the
    register is not supported or no Act is named."""
    code, _, act = str(identifier or "").strip().partition("/")
    register = REGISTERS.get(code.strip().upper())
    if register is None:
        raise ValueError(f"{identifier!r}: no register {code!r} in the state registers table")
    if not register.supported:
        raise ValueError(f"{identifier!r}: {register.code} is curated ({register.curated})")
    act = clean(act)
    if not act:
        raise ValueError(f"{identifier!r}: no Act's title after the register")
    return register.code, act


def section_of(key: str) -> str:
    match = KEY.match(str(key or "").strip())
    if not match:
        raise ValueError(f"provision key {key!r} is not section/<number> (section/221BD)")
    return match.group("section")


def act_page_url(register: Register, act: str) -> str:
    initial = next((character.lower() for character in act if character.isalnum()), "")
    return register.act_page.format(initial=initial)


def default_instrument_id(code: str, act: str) -> str:
    return f"au-{code.lower()}-" + re.sub(r"[^a-z0-9]+", "-", act.lower()).strip("-")


def curated_instrument_id(source_identifier: str) -> str | None:
    """Curated instruments keep their own ids (the request carries them): no id to derive."""
    return None


def register_of(response) -> Register:
    code = response.meta.get("state") or HOST_REGISTER.get(urlsplit(response.url).netloc)
    if code not in SUPPORTED:
        raise ValueError(f"{response.url}: not a page of a register in the state registers table")
    return SUPPORTED[code]


# --------------------------------------------------------------------------- the act's page


def same_title(a: str | None, b: str | None) -> bool:
    return (clean(a) or "").casefold() == (clean(b) or "").casefold()


def document_links(register: Register, root, url: str) -> list[tuple[str, str]]:
    """(title, absolute address of the current text) of every row of the act's page that has
    one; ValueError when the page has no row at all (an error page, a bot wall)."""
    rows = css(register.rows)(root)
    found = []
    for row in rows:
        title_element = next(iter(css(register.row_title)(row)), None)
        link = next(iter(css(register.row_link)(row)), None)
        if title_element is None or link is None or not link.get("href"):
            continue
        found.append((clean(" ".join(title_element.itertext())) or "", urljoin(url, link.get("href").strip())))
    if not found:
        raise ValueError(f"{register.code}: no row with a link to a current text ({register.rows!r}) on {url}: not "
                         "the register's list of Acts (an error page, a bot wall, or the layout changed)")
    return found


def parse_act_page(register: Register, response):
    """The page listing the Act: the request for its current text, carrying the sections
    asked for. Read alone (no meta `act`), a request for every Act the page lists."""
    root = document(response)
    links = document_links(register, root, response.url)
    act = response.meta.get("act")
    targets = list(response.meta.get("targets") or [])
    if not act:
        for title, link in links:
            yield scrapy.Request(link, meta={"state": register.code, "act": title})
        return
    address = next((link for title, link in links if same_title(title, act)), None)
    if address is None:
        reason = f"{register.code}: {act!r} is not listed on {response.url} (repealed, renamed, or not in force)"
        if not targets:
            raise ValueError(reason)
        for instrument_id in dict.fromkeys(t.get("instrument_id") for t in targets):
            yield PageError(url=response.url, status=response.status, kind="parse", reason=reason,
                            tracked=bool(instrument_id))
        return
    # Tracked when it carries curated sections (not read from this request's meta, which a
    # re-parse of the archived page would not have).
    tracked = any(target.get("instrument_id") for target in targets)
    yield scrapy.Request(address, meta={"state": register.code, "act": act, "targets": targets, "tracked": tracked})


# --------------------------------------------------------------------------- the document


def document_text(register: Register, response) -> str:
    """The document's text. PdfTextMiddleware writes a PDF's text as UTF-8, and the archive
    keeps those bytes: they are decoded here as what they are, not as the response claims
    (a response built with a wrong encoding, as the archive's 304 replay once was, would
    turn "—" into "â€”")."""
    try:
        text = response.body.decode("utf-8")
    except UnicodeDecodeError:  # not the middleware's text (a raw PDF, a page in another encoding)
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
    if not text.strip():
        raise ValueError(f"{register.code}: empty document at {response.url}")
    if text.lstrip().startswith("%PDF-"):
        raise ValueError(f"{register.code}: {response.url} came as a PDF, not as its text (read with reads_pdf)")
    if text.lstrip()[:1] == "<":
        raise ValueError(f"{register.code}: {response.url} is a page, not the Act's text (an error page or a wall)")
    return text


def title_of(register: Register, text: str) -> str | None:
    """The Act's title as the document prints it: the line after `title_after` (the cover)."""
    if not register.title_after:
        return None
    pattern = re.compile(register.title_after)
    lines = [clean(line) for line in text.split(PAGE_BREAK, 1)[0].splitlines()]
    lines = [line for line in lines if line]
    at = next((index for index, line in enumerate(lines) if pattern.search(line)), None)
    return lines[at + 1] if at is not None and at + 1 < len(lines) else None


def title_from_url(url: str) -> str | None:
    """The title a filestore address names (`.../$FILE/Criminal Code Act ... 1913 - [19-af0-01].pdf`)."""
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    match = re.match(r"^(?P<title>.+?)\s+-\s+\[[^\]]+\]\.[a-z]+$", name)
    return clean(match["title"]) if match else None


def body_lines(register: Register, text: str, act: str | None, url: str) -> list[str]:
    """The printed lines from the one after `after` on, without running heads and feet (and
    without the Act's title, which heads its pages)."""
    drop = list(register.drop) + ([rf"^{re.escape(act)}$"] if act else [])
    lines = printed_lines(text, drop)
    if register.after:
        after = re.compile(register.after)
        at = next((index for index, line in enumerate(lines) if after.search(line)), None)
        if at is None:
            raise ValueError(f"{register.code}: no line {register.after!r} in {url}: not an Act's text (or the "
                             "layout changed)")
        lines = lines[at + 1:]
    return lines


def rejoined(lines: list[str]) -> list[str]:
    """Printed lines joined into paragraphs: `paragraphs` within each run of lines that ends
    a clause (a definition's or a paragraph's last line ends with ";", ":", "." or "—", so the
    next line opens a new one even when it starts with a word, as a defined term does); a
    lone "or" or "and" closes the paragraph before it."""
    joined: list[str] = []
    run: list[str] = []
    for line in lines:
        if CONNECTOR.match(line) and not run and joined:
            joined[-1] += " " + line
            continue
        run.append(line)
        if CLAUSE_END.search(line):
            joined.extend(paragraphs(run, PARAGRAPH_START))
            run = []
    return joined + paragraphs(run, PARAGRAPH_START)


def read_section(register: Register, lines: list[str], section: str, url: str) -> tuple[str | None, list[str]]:
    start = re.compile(register.start.format(section=re.escape(section)))
    following = re.compile(register.next)
    at = next((index for index, line in enumerate(lines) if start.search(line)), None)
    if at is None:
        raise SectionMissing(f"{register.code} s. {section} is not in {url}")
    end = next((index for index in range(at + 1, len(lines)) if following.search(lines[index])), len(lines))
    opening = start.search(lines[at])
    heading = clean(opening.groupdict().get("heading")) if opening else None
    drops = [re.compile(pattern) for pattern in register.drop_paragraphs]
    text = [paragraph for paragraph in rejoined(lines[at + 1:end]) if not any(d.search(paragraph) for d in drops)]
    if not text:
        raise SectionMissing(f"{register.code} s. {section} in {url} has no text")
    return heading, text


def sections_in(register: Register, lines: list[str]) -> list[str]:
    """Every section the text holds, in order (the first of two numbered alike)."""
    start = re.compile(register.start.format(section=r"(?P<number>[0-9]+[A-Z]*)"))
    found: list[str] = []
    for line in lines:
        match = start.search(line)
        if match and match["number"] not in found:
            found.append(match["number"])
    return found


def parse_document(register: Register, response):
    """The current text of an Act: for each section asked for, the instrument (once) and the
    section as a provision; a PageError for a section the text lacks.

    Read alone (a saved PDF, `sii-atlas parse`, no meta `targets` or `section`): the Act as an
    instrument titled as its cover prints it (`au-{state}-{title}`) and every section, in order."""
    text = document_text(register, response)
    act = response.meta.get("act") or title_from_url(response.url) or title_of(register, text)
    lines = body_lines(register, text, act, response.url)
    targets = list(response.meta.get("targets") or [])
    if not targets and response.meta.get("section"):
        targets = [{"section": str(response.meta["section"]), "key": f"section/{response.meta['section']}"}]
    if not targets:
        numbers = sections_in(register, lines)
        if not numbers:
            raise ValueError(f"{register.code}: no section in {response.url}: not an Act's text (or the layout changed)")
        targets = [{"section": number, "key": f"section/{number}"} for number in numbers]
    instruments_given = set()
    for target in targets:
        section = str(target["section"])
        try:
            heading, paragraphs_ = read_section(register, lines, section, response.url)
        except SectionMissing as error:
            yield PageError(url=response.url, status=response.status, kind="parse", reason=str(error),
                            tracked=bool(target.get("instrument_id")))
            continue
        instrument_id = target.get("instrument_id") or default_instrument_id(register.code, act or "act")
        if instrument_id not in instruments_given:
            instruments_given.add(instrument_id)
            yield InstrumentItem(
                id=instrument_id,
                jurisdiction=target.get("jurisdiction") or register.jurisdiction,
                title=target.get("title") or act,
                citation=target.get("citation"),
                kind=target.get("kind") or "statute",
                status=target.get("status"),
                date_enacted=None,
                date_in_force=None,
                official_url=target.get("official_url") or response.url,
                language="en",
                extent=None,
                source=SOURCE,
                identifiers=[{"scheme": "URI", "value": response.url}],
            )
        key = target.get("key") or f"section/{section}"
        yield ProvisionItem(
            id=f"{instrument_id}/{key}",
            instrument_id=instrument_id,
            label=target.get("label") or section,
            heading=heading,
            text="\n".join(paragraphs_),
            language="en",
            url=response.url,
            extent=None,
            in_force_status=None,
            valid_from=None,
            valid_to=None,
            source=SOURCE,
            identifiers=[{"scheme": "URI", "value": response.url}],
        )


def parse_register_page(response):
    """A register's page: the page listing an Act (`act_page_path`) or an Act's current text
    (`document_path`), told apart by the address."""
    register = register_of(response)
    path = urlsplit(response.url).path
    if re.search(register.act_page_path, path):
        yield from parse_act_page(register, response)
    elif re.search(register.document_path, path):
        yield from parse_document(register, response)
    else:
        raise ValueError(f"{response.url}: neither {register.name}'s list of Acts nor an Act's current text")


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Australian state and territory legislation (official registers)",
    kind="legislation",
    base_url=f"https://{SUPPORTED['WA'].hosts[0]}",
    alias_hosts=tuple(host for host in HOST_REGISTER if host != SUPPORTED["WA"].hosts[0]),
    licence=licences_in_words(REGISTERS, "register"),
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    # The State Law Publisher's copyright notice, which states the CC BY 4.0 licence for the WA
    # Legislation website (read through the search tool); no WA page on crawling was found.
    terms_url="https://www.slp.wa.gov.au/clauses/copyrt.htm",
    rate_limit_text="no register publishes a limit; one request at a time per host, 3 s apart (at most 20 a minute "
                    "to each register), robots.txt obeyed",
    rate_limit=(20, 60.0),
    rate_limit_per_host=True,
    download_delay=3.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    reads_pdf=True,
    parser_version="1",
    parser_meta=("state", "act", "targets", "section"),
    notes="One spider for the state and territory registers in crawlers/sources/au_state_legislation.yaml: per "
          "register the official host(s), the page listing an Act (where the current text's changing address is "
          "found) and the text's layout, or `curated: <reason>`. Supported: " + ", ".join(sorted(SUPPORTED)) +
          " (the current compilation's PDF, read as text). No real capture of any register (layouts from public "
          "code, a public text extraction of the official PDF and search-tool copies).",
    curated_instrument_id=curated_instrument_id,
)


class AuStateLegislationSpider(PerHostMirror, SourceSpider):
    contract = DECLARATION
    routes = [(r".", parse_register_page)]
    mirror_prefix = "/" + SOURCE

    @classmethod
    def site_delays(cls) -> dict[str, float]:
        return host_delays(SUPPORTED)

    def tracked_requests(self):
        """One request per Act (every tracked section in it rides in `targets`) for the page
        listing it; that page's parser asks for the current text."""
        acts = self.documents_of_tracked_sections(split_identifier, section_of)
        for (code, act), page in acts.items():
            yield self.request(act_page_url(SUPPORTED[code], act), tracked=True, state=code, act=act,
                               targets=page["targets"])
