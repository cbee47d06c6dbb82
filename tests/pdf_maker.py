"""Example PDFs for the fixture server, made from their text.

No real PDF of the sources that publish only PDF could be captured here (no internet), so
their examples are written as text, laid out line by line as the official PDF lays it out
(its running heads, page numbers, line breaks and page breaks), and turned into a real
PDF by this module: one Helvetica text line per line, a page per form feed. The crawl and
`sii-atlas parse` then read it through the same code (crawlers.pdf_text) as a real one.

    tests/examples/<source>/<name>.pdf.txt   the text, pages split by a form feed
    tests/examples/<source>/<name>.pdf       made from it (`python tests/pdf_maker.py FILE...`)

The output is byte-for-byte reproducible (no dates, no ids), and
tests/test_pdf_text.py fails when a .pdf no longer matches its .pdf.txt.
"""

import sys
from pathlib import Path

FONT_SIZE = 10
LEADING = 12
TOP, LEFT = 770, 56


def _escape(line: str) -> bytes:
    # WinAnsiEncoding is Windows-1252: French accents, §, curly quotes, dashes.
    data = line.encode("cp1252")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page_stream(text: str) -> bytes:
    lines = [b"BT", f"/F1 {FONT_SIZE} Tf {LEADING} TL {LEFT} {TOP} Td".encode()]
    for line in text.split("\n"):
        lines.append(b"(" + _escape(line) + b") Tj T*")
    lines.append(b"ET")
    return b"\n".join(lines)


def make_pdf(text: str) -> bytes:
    """A PDF whose pages hold `text`, split into pages at each form feed."""
    pages = text.rstrip("\n").split("\f")
    objects: list[bytes] = []  # object n is objects[n - 1]
    font = 3
    first_page = 4
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for index, page in enumerate(pages):
        content = first_page + 2 * index + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font} 0 R >> >> "
                       f"/Contents {content} 0 R >>".encode())
        stream = _page_stream(page.strip("\n"))
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_pdf(text_file: Path) -> Path:
    """Writes `<name>.pdf` beside `<name>.pdf.txt`."""
    target = text_file.with_suffix("")  # drops .txt
    target.write_bytes(make_pdf(text_file.read_text(encoding="utf-8")))
    return target


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(write_pdf(Path(name)))
