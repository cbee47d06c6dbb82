"""The whole-instrument HTML markup shared by the New South Wales and Queensland legislation
sites (one platform: the same page shell, `oqpc_boot` style sheets and `frag-*` classes), read
by `nsw_legislation` and `qld_legislation`. Not a source: the loader skips `_` modules.

Markup (from public parsers of these pages; no real capture here): a section is a
`div.frag-clause` (or `frag-section`) with id `sec.91Q` (`sch.1-sec.223` inside a
schedule), its `div.heading` holding `span.frag-no` (number) and `span.frag-heading`; the
text is in `blockquote.children`, subsections `frag-subclause`, paragraphs `frag-li`,
notes `frag-note`, penalties `frag-penalty`, plain blocks `frag-block`, defined terms
`frag-defterm`; `div.frag-historynote` is amendment history (not law); schedules are
`div.frag-schedule` (id `sch.1`). Point-in-time versions are linked as
`/view/whole/html/inforce/YYYY-MM-DD/{id}` (or without `whole/`).
A client the site refuses gets a Cloudflare challenge page ("Just a moment...").
"""

import re
from datetime import date

from lxml import etree, html as lxml_html

from .spider import SourceSpider, clean

SECTION_CLASSES = ("frag-clause", "frag-section")
CHALLENGE = (b"Just a moment", b"cf-chl", b"challenge-platform")


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def read_page(response, site: str):
    body = response.body
    if not body or not body.strip():
        raise ValueError(f"empty response where a {site} page was expected ({response.url})")
    head = body[:20000]
    if any(marker in head for marker in CHALLENGE):
        raise ValueError(f"a Cloudflare challenge page, not the text ({response.url}): the site refuses this "
                         "address; ask the publisher to whitelist it")
    try:
        return lxml_html.document_fromstring(body, parser=lxml_html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as error:
        raise ValueError(f"unreadable {site} page ({error})") from None


def block_lines(element) -> list[str]:
    """Readable lines of a section's body: each subsection, paragraph, note and penalty on
    its own line (with its number), amendment history left out."""
    lines: list[str] = []
    pending: list[str] = []  # words of the current line, gathered across inline elements

    def flush():
        words = clean("".join(pending))
        if words:
            lines.append(words)
        pending.clear()

    def walk(node):
        if not isinstance(node.tag, str):
            return
        own = classes(node)
        # History notes are not law; the section's own heading is its label (a note's
        # "Note." heading stays, with the note).
        if node is not element and ("frag-historynote" in own or ("heading" in own and node.getparent() is element)):
            if node.tail:
                pending.append(node.tail)
            return
        block = node.tag in ("div", "blockquote", "p", "li", "tr") and (
            own & {"frag-subclause", "frag-li", "frag-note", "frag-penalty", "frag-block", "frag-definition"}
            or node.tag in ("p", "tr"))
        if block:
            flush()
        if node.text:
            pending.append(node.text)
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail and node is not element:
            pending.append(node.tail)

    walk(element)
    flush()
    # A number on a line of its own belongs to the words after it: "(1)" + "A person ..."
    merged: list[str] = []
    for line in lines:
        if merged and re.fullmatch(r"\(?[0-9A-Za-z.]+\)?", merged[-1]):
            merged[-1] = f"{merged[-1]} {line}"
        else:
            merged.append(line)
    return merged


def schedule_of(element) -> str | None:
    """The number of the schedule a section sits in (`1` for `sch.1`), None in the body."""
    for ancestor in element.iterancestors():
        if "frag-schedule" in classes(ancestor):
            match = re.match(r"^sch\.([0-9A-Za-z]+)$", ancestor.get("id") or "")
            return match.group(1) if match else "?"
    return None


def sections_of(root, schedule: str | None = None) -> dict[str, tuple[str | None, list[str], object]]:
    """{number: (heading, lines, element)} of the sections of the instrument's body (or,
    with `schedule`, of that schedule, e.g. the Criminal Code in Schedule 1 of the
    Criminal Code Act 1899), in document order."""
    found = {}
    for element in root.iter("div"):
        if not classes(element) & set(SECTION_CLASSES):
            continue
        if schedule_of(element) != schedule:
            continue
        heading_box = next((c for c in element if isinstance(c.tag, str) and "heading" in classes(c)), None)
        if heading_box is None:
            continue
        number = heading_box.find(".//span[@class='frag-no']")
        label = clean(number.text_content()).rstrip(".") if number is not None and clean(number.text_content()) else None
        if not label or label in found:
            continue
        heading = heading_box.find(".//span[@class='frag-heading']")
        found[label] = (clean(heading.text_content()) if heading is not None else None, block_lines(element), element)
    return found


def version_start(root, instrument: str, today: str) -> str | None:
    """The latest point-in-time date the page links for this instrument, not after `today`."""
    pattern = re.compile(rf"/view/(?:whole/)?html/inforce/(\d{{4}}-\d{{2}}-\d{{2}})/{re.escape(instrument)}\b")
    dates = {m.group(1) for a in root.iter("a") for m in [pattern.search(a.get("href") or "")] if m}
    dates = [d for d in dates if d <= today]
    return max(dates) if dates else None




class WholeInstrumentSpider(SourceSpider):
    """The crawl shape both sites share: one request for each instrument's whole in-force
    page, carrying every curated entry drawn from it. A module sets `INSTRUMENT` and `KEY`
    (its id and provision-key patterns), `whole_url`, and `site` and `example` for messages."""

    INSTRUMENT: re.Pattern
    KEY: re.Pattern
    site = ""
    example = ""

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = date.fromisoformat(today) if today else date.today()

    @staticmethod
    def whole_url(instrument: str) -> str:
        raise NotImplementedError

    def tracked_requests(self):
        by_instrument: dict[str, dict] = {}
        for entry in self.tracked_within_limit():
            instrument = str(entry.get("source_identifier") or "").strip()
            if not self.INSTRUMENT.match(instrument):
                self.logger.warning("%s: source_identifier %r is not %s instrument id (%s)",
                                    entry.get("id"), instrument, self.site, self.example)
                continue
            keys = [str(p["key"]) for p in entry.get("provisions") or [] if p.get("key")]
            for key in keys:
                if not self.KEY.match(key):
                    raise ValueError(f"{entry.get('id')}: provision key {key!r} does not match {self.KEY.pattern}")
            slot = by_instrument.setdefault(instrument, {"instruments": {}, "context": {}})
            slot["instruments"][entry["id"]] = keys
            slot["context"][entry["id"]] = {"jurisdiction": entry.get("jurisdiction"), "status": entry.get("status")}
        for instrument, slot in by_instrument.items():
            yield self.request(self.whole_url(instrument), tracked=True,
                               expects=("instrument", next(iter(slot["instruments"]))),
                               today=self.today.isoformat(), **slot)
