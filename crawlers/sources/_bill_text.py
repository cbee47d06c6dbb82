"""The words of a bill or session law from a legislature's HTML page, as lines of text.

State legislatures publish their bill texts as HTML of many makes: word-processor
exports (Washington's session laws, New Jersey's chaptered laws: paragraphs styled
inline, amendments marked by underline and strike-through), plain generated pages
(Mississippi's bill texts: one paragraph per line of the bill) and pages of a site's
own template around the text (menus, headers, search forms). One small reader serves
them all: it drops what is never bill text (scripts, styles, navigation, forms, media),
keeps one line per block element (p, div, li, table cell, br), joins inline markup
within its line, and leaves out words the text marks as deleted (strike-through, <del>,
<s>): in an enacted text they are what the act took out of the law, not law, and
reading them as plain words would say the opposite. A state whose page needs more
(a container, extra furniture to drop) says so in `Layout`.

Some legislatures give an act's final text only as PDF (Arkansas' acts). Its text comes
as printed (crawlers.pdf_text): a line number at the margin of every line, a running head
and a page number on each page, each paragraph wrapped at the page's width.
`pdf_bill_lines` undoes that the way one legislature prints it (`PdfLayout`) and joins the
wrapped lines back into the act's paragraphs (crawlers.sources._pdf_sections). What a
PDF's text cannot show is said, not guessed: where a state marks the words an act deletes
only by striking them through, a section the act rewrites in place would read with its
deleted words as if they were law, so such a text is refused (`StruckWordsUnseen`).

Pure functions over bytes and text: no network, no database.
"""

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

from ..pdf_text import PAGE_BREAK
from ._pdf_sections import paragraphs, printed_lines

#: Never bill text.
FURNITURE = ("script", "style", "noscript", "template", "nav", "header", "footer", "form", "button", "select",
             "input", "iframe", "img", "picture", "video", "audio", "svg", "object", "embed", "canvas", "map")
#: Elements that end a line.
BLOCKS = {"p", "div", "li", "br", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "blockquote", "pre", "table", "ul", "ol", "dd", "dt", "dl", "center", "hr", "main", "body", "address"}
#: Elements that mark words deleted by the act.
DELETED = ("s", "strike", "del")
STRUCK_STYLE = re.compile(r"text-decoration\s*:[^;\"']*line-through", re.IGNORECASE)
#: A page that is the text of a bill says it enacts something or numbers its sections.
ENACTING = re.compile(r"\bbe it enacted\b|\ban act\b|\bsection\s+1\b|\bsec\.\s*1\b|\bnew section\b", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    """What one state's bill pages need beyond the generic reading."""
    #: CSS selector of the element holding the text (else the whole body).
    container: str | None = None
    #: CSS selectors of site furniture to drop besides FURNITURE.
    drop: tuple[str, ...] = ()


GENERIC = Layout()


@dataclass(frozen=True)
class PdfLayout:
    """How one legislature prints an act as PDF: what of each printed line is not the act.

    Patterns are regular expressions over a line with its spaces collapsed."""
    #: Whole lines that are never the act: running heads, page numbers, drafting stamps
    #: (matched before the line number is taken off).
    drop: tuple[str, ...] = ()
    #: The line number printed on every line (at its end or its start), taken off; a line
    #: that was only its number (a blank numbered line) goes.
    line_number: str | None = None
    #: Line numbers run 1, 2, 3... down each page, glued to the line's end or start with no
    #: space (as some PDFs' text comes: "AN ACT1", "2To amend"): taken off by counting, so
    #: a figure that belongs to the act (a section number, a year) is never mistaken for one.
    counted_numbers: bool = False
    #: Parts of a line that are not the act (a stage stamp beside the heading), taken out.
    strip: tuple[str, ...] = ()
    #: A line that begins a paragraph; any other continues the one above it.
    starts: str = r"^(?:\(?[0-9]{1,3}[A-Za-z]?[.)]|\([a-zA-Z]{1,4}\)|SECTION \d+\.|Section \d+\.|Sec\. \d+\.)"
    #: A line that is a paragraph by itself (a heading): the next line starts another.
    alone: str | None = None
    #: Words saying the act rewrites an existing section in place, in a state that marks
    #: the words it deletes by strike-through alone (gone from the PDF's text).
    struck_unseen: str | None = None


class NotBillText(ValueError):
    """The page is not the text of a bill (an error page, a search form, a status page)."""


class StruckWordsUnseen(NotBillText):
    """A PDF act that rewrites a section in place, in a state whose PDFs mark deleted
    words only by striking them through: its text would give deleted words as law."""


def bill_lines(body: bytes | str, layout: Layout = GENERIC, url: str = "") -> list[str]:
    """The text of the bill on an HTML page, one line per block; NotBillText when the page
    holds no bill text (nothing left, or nothing that reads as an enactment)."""
    if not body or not body.strip():
        raise NotBillText(f"empty page at {url}")
    # Bytes go in as they came: the page's own charset declaration (a word processor's
    # windows-1252) decides how they read.
    soup = BeautifulSoup(body, "lxml")
    for name in FURNITURE:
        for tag in soup.find_all(name):
            tag.decompose()
    for selector in layout.drop:
        for tag in soup.select(selector):
            tag.decompose()
    for tag in soup.find_all(DELETED):
        tag.decompose()
    for tag in soup.find_all(style=STRUCK_STYLE):
        tag.decompose()
    root = soup.select_one(layout.container) if layout.container else None
    if layout.container and root is None:
        raise NotBillText(f"no {layout.container!r} on {url}: not a bill text page, or the layout changed")
    root = root or soup.body or soup
    lines = block_lines(root)
    if not lines:
        raise NotBillText(f"no text on {url}")
    if not any(ENACTING.search(line) for line in lines):
        title = " ".join((soup.title.get_text() if soup.title else "").split()) or "no title"
        raise NotBillText(f"{url} ({title!r}) does not read as a bill's text: no enacting words or section 1")
    return lines


def block_lines(root: Tag) -> list[str]:
    """The text under `root`: a line per block element, inline markup kept in its line,
    the line breaks of <pre> kept."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush():
        line = " ".join("".join(buffer).split())
        if line:
            lines.append(line)
        buffer.clear()

    def walk(node, preformatted: bool):
        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                text = str(child)
                if preformatted and "\n" in text:
                    parts = text.split("\n")
                    for part in parts[:-1]:
                        buffer.append(part)
                        flush()
                    buffer.append(parts[-1])
                else:
                    buffer.append(text)
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in BLOCKS:
                flush()
            walk(child, preformatted or name == "pre")
            if name in BLOCKS:
                flush()

    walk(root, root.name == "pre")
    flush()
    return lines


def pdf_bill_lines(text: str, layout: PdfLayout, url: str = "") -> list[str]:
    """The paragraphs of an act from its PDF's text (pages split by form feeds), read as
    `layout` says its legislature prints it; NotBillText when nothing reads as an act."""
    if not text or not text.strip():
        raise NotBillText(f"empty PDF text at {url}")
    number = re.compile(layout.line_number) if layout.line_number else None
    strips = [re.compile(pattern) for pattern in layout.strip]
    printed = (printed_lines(text, drop=layout.drop) if not layout.counted_numbers else
               [line for page in text.split(PAGE_BREAK) for line in uncounted(printed_lines(page, drop=layout.drop))])
    lines = []
    for line in printed:
        if number:
            line = number.sub("", line).strip()
        for pattern in strips:
            line = pattern.sub("", line).strip()
        if line:
            lines.append(line)
    if not lines:
        raise NotBillText(f"no text in the PDF at {url}")
    if not any(ENACTING.search(line) for line in lines):
        raise NotBillText(f"the PDF at {url} does not read as a bill's text: no enacting words or section 1")
    joined = pdf_paragraphs(lines, re.compile(layout.starts), re.compile(layout.alone) if layout.alone else None)
    if layout.struck_unseen:
        # Read in the joined paragraphs: the words may wrap across two printed lines.
        rewrite = next((paragraph for paragraph in joined if re.search(layout.struck_unseen, paragraph)), None)
        if rewrite:
            raise StruckWordsUnseen(
                f"the PDF at {url} rewrites a section in place ({rewrite[:90]!r}): this legislature marks "
                f"deleted words only by striking them through, which the PDF's text cannot show")
    return joined


def uncounted(lines: list[str]) -> list[str]:
    """One page's lines without the numbers counted down its margin (1, 2, 3... glued to a
    line's end or start): the longest run of lines carrying them in order is taken as the
    numbered text; lines outside it (the page's heading) are left as they are."""
    def without(line: str, number: int) -> str | None:
        figure = str(number)
        if line == figure:
            return ""
        if line.endswith(figure) and not line[:-len(figure)][-1:].isdigit():
            return line[:-len(figure)].rstrip()
        if line.startswith(figure) and not line[len(figure):][:1].isdigit():
            return line[len(figure):].lstrip()
        return None

    best_start, best_length = 0, 0
    for start in range(len(lines)):
        length = 0
        while start + length < len(lines) and without(lines[start + length], length + 1) is not None:
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    run = [without(line, offset + 1) for offset, line in enumerate(lines[best_start:best_start + best_length])]
    return [*lines[:best_start], *(line for line in run if line), *lines[best_start + best_length:]]


def pdf_paragraphs(lines: list[str], starts: re.Pattern, alone: re.Pattern | None) -> list[str]:
    """Wrapped lines joined into paragraphs (`_pdf_sections.paragraphs`), a heading line
    that `alone` matches kept as a paragraph of its own."""
    joined: list[str] = []
    block: list[str] = []
    for line in lines:
        if alone and alone.match(line):
            joined += paragraphs(block, starts)
            joined.append(line)
            block = []
        else:
            block.append(line)
    return joined + paragraphs(block, starts)
