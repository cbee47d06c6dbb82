"""How long reading a PDF's text takes, and how much memory, by the number of pages: the
figure behind crawlers/pdf_text.MAX_PAGES (a code chapter is a few dozen pages, Western
Australia's Criminal Code compilation about 360, New Mexico's chapter 30 over 1,100).

Run on demand (not a test):  .venv/bin/python benchmarks/pdf_text_speed.py
The PDFs are made by tests/pdf_maker.py: full pages of statute-like lines (about 60 lines
of 90 characters). A real PDF's fonts and drawing add to its time; this is the floor.
"""

import resource
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from crawlers.pdf_text import pdf_text  # noqa: E402
from pdf_maker import make_pdf  # noqa: E402

LINE = "(a) A person commits an offence who, without consent, shares an intimate image of another,"


def page(number: int) -> str:
    return "\n".join([f"Criminal Code Compilation Act 1913 page {number}"]
                     + [f"{LINE} {number}.{line}" for line in range(60)] + [f"Page {number}"])


def main() -> None:
    for pages in (10, 100, 400, 1000):
        body = make_pdf("\f".join(page(n) for n in range(1, pages + 1)))
        started = time.perf_counter()
        text = pdf_text(body, max_pages=pages)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{pages:>5} pages ({len(body) / 1e6:5.1f} MB PDF, {len(text) / 1e6:5.1f} MB text): "
              f"{seconds:6.2f} s, {1000 * seconds / pages:5.1f} ms a page; process peak {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
