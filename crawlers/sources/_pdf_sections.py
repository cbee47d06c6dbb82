"""Sections out of a PDF's text: shared by the sources whose official text is PDF only.

A PDF's text (crawlers.pdf_text) comes as printed: pages split by a form feed, running heads
and page numbers on every page, and each paragraph broken across lines at the page's width.
These helpers undo that, so a table-driven spider can describe a PDF with the same few
regular expressions it uses for an HTML chapter page:

* `printed_lines`: the lines of every page, stripped, without the ones that match a
  source's `drop` patterns (heads, footers, page numbers);
* `section_span`: the lines from the one that starts a section to the one that starts the
  next (the same `start` / `next` patterns as a chapter page);
* `paragraphs`: wrapped lines joined back into the paragraphs the law numbers.
"""

import re

from ..pdf_text import PAGE_BREAK

#: A line that begins a paragraph of a statute: "1.", "(a)", "a.", "(iv)", "§ 3.", "Sec. 2."
#: or an article heading. Anything else continues the paragraph above it.
PARAGRAPH_START = re.compile(
    r"^(?:\(?[0-9]{1,3}[A-Za-z]?[.)]|\([a-zA-Z]{1,4}\)|[a-z]{1,2}\.|[ivxlc]{1,5}\.|§|Sec(?:tion)?\.?\s|Art(?:icle|ículo)?\.?\s)\s*")
# Dashes and hyphens some fonts map to their own code points.
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-"})


def printed_lines(text: str, drop: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Every non-empty line of every page, in order, except those a `drop` pattern matches."""
    drops = [re.compile(pattern) for pattern in drop]
    lines = []
    for page in text.split(PAGE_BREAK):
        for line in page.splitlines():
            line = " ".join(line.translate(_DASHES).split())
            if line and not any(pattern.search(line) for pattern in drops):
                lines.append(line)
    return lines


def section_span(lines: list[str], start: re.Pattern, following: re.Pattern) -> list[str] | None:
    """The lines from the first that `start` matches up to (not including) the next line that
    `following` matches; None when no line starts the section."""
    at = next((index for index, line in enumerate(lines) if start.search(line)), None)
    if at is None:
        return None
    end = next((index for index in range(at + 1, len(lines)) if following.search(lines[index])), len(lines))
    return lines[at:end]


def paragraphs(lines: list[str], starts: re.Pattern = PARAGRAPH_START) -> list[str]:
    """Wrapped lines joined into paragraphs: a line that `starts` matches opens one, any other
    continues the one above (a word broken by a hyphen at the line's end is joined whole:
    "non-" + "consensual" gives "non-consensual", never "non- consensual")."""
    joined: list[str] = []
    for line in lines:
        if not joined or starts.match(line):
            joined.append(line)
        elif joined[-1].endswith("-") and not joined[-1].endswith(" -"):
            joined[-1] += line
        else:
            joined[-1] += " " + line
    return joined
