"""The text of a PDF, read within bounds, and nothing else of it.

Some official texts exist only as PDF: North Dakota's and Guam's code chapters, Alberta's
and Nova Scotia's consolidated acts, Puerto Rico's laws. A PDF can carry pictures, so we
never keep one. `crawling.middlewares.PdfTextMiddleware` turns it into its text as it
arrives, for the sources that declare `reads_pdf`. Only that text is archived, parsed and
stored. `sii-atlas parse` does the same to a saved PDF (`crawlers.parsing`).

Only the text-showing operators of each page's content are read (pypdf's `extract_text`).
Image objects are never decoded, and nothing is written to disk.

Pages are joined by a form feed (PAGE_BREAK), so a parser can drop running heads and page
numbers. A PDF that is encrypted, broken, longer than MAX_PAGES or has no text layer (a scan)
raises PdfUnreadable, a ValueError whose message says which.
"""

import io
import logging
import re

#: The header a response read from a PDF carries (in a crawl and in `sii-atlas parse` alike),
#: so a parser can tell a PDF's text from a page's, whatever its address says.
TEXT_FROM_HEADER = b"X-SII-Text-From"
#: Joins the pages' texts; a parser splits on it to tell a page's head and foot apart.
PAGE_BREAK = "\f"
#: The longest document read. A consolidated act or a code chapter is a few dozen pages;
#: a whole code volume is not what a section needs, and would take minutes to read.
MAX_PAGES = 400
#: A page averages fewer letters than this in a scanned PDF (its only text is stray marks).
MIN_LETTERS_PER_PAGE = 20

# Characters a PDF's fonts often map to odd code points: a non-breaking space, soft hyphen,
# the ligatures fi/fl, and a zero-width space.
_CLEAN = str.maketrans({"\u00a0": " ", "\u00ad": "", "\ufb01": "fi", "\ufb02": "fl", "\u200b": ""})
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
# pypdf warns at length about small faults it repairs; they are not ours to report.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfUnreadable(ValueError):
    """A PDF whose text cannot be read; the message is the recorded reason."""


def is_pdf(body: bytes) -> bool:
    """By its signature, which the format allows anywhere in the first 1,024 bytes."""
    return b"%PDF-" in body[:1024]


def pdf_text(body: bytes, max_pages: int = MAX_PAGES) -> str:
    """The text of every page, in order, joined by PAGE_BREAK."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as error:  # a dependency in pyproject.toml; say so rather than fail obscurely
        raise PdfUnreadable("PDF text needs the pypdf package") from error
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            raise PdfUnreadable("the PDF is encrypted")
        pages = reader.pages
        if len(pages) > max_pages:
            raise PdfUnreadable(f"the PDF has {len(pages)} pages, more than the {max_pages} read")
        texts = [page.extract_text() or "" for page in pages]
    except PdfUnreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise PdfUnreadable(f"the PDF cannot be read ({type(error).__name__}: {error})") from error
    texts = [_TRAILING_SPACE.sub("", text.translate(_CLEAN)).strip("\n") for text in texts]
    letters = sum(character.isalpha() for text in texts for character in text)
    if not texts or letters < MIN_LETTERS_PER_PAGE * len(texts):
        raise PdfUnreadable("the PDF has no text layer (a scan?); pictures are never read")
    return PAGE_BREAK.join(texts)
