"""Irish Statute Book (eISB): Acts of the Oireachtas as enacted (Office of the Attorney General).

Base URL: https://www.irishstatutebook.ie
Licence: Oireachtas (Open Data) PSI Licence, which incorporates CC BY 4.0
(https://www.irishstatutebook.ie/eli/open-data.html, read through the search tool).
Terms: no key, no published rate limit or quota. We stay gentle: one request at a time,
two seconds apart.

What this spider does:
(a) tracked instruments: for every curated instrument whose source is
    `irish_statute_book`, fetch the Act's XML by its ELI
    (`/eli/{year}/act/{number}/enacted/en/xml`; the open-data page says the XML of any
    Act from 1922 is the ELI with the format `xml` in place of `html`) and store the
    Act and every section and schedule, with the curated instrument's own id;
(b) no discovery: the site has an HTML search only.

The eISB gives each Act AS ENACTED. Revised (consolidated) Acts are published by the Law
Reform Commission at revisedacts.lawreform.ie as HTML and PDF only; no machine-readable
form is documented, so they are not fetched. A section's text is therefore the enacted
text: `valid_from` is the commencement date where the curated row knows it
(`date_in_force`), and `in_force_status` is left unknown, because a later Act may have
amended or repealed the section without the enacted text saying so.

Format knowledge: the real capture /work/shared/samples/irish_statute_book/
act_20_2024.eisb.xml (Automatic Enrolment Retirement Savings System Act 2024, No. 20:
Parts, Chapters, footnotes, Irish names in headings), and the eISB test files of the
public stephenrigney/ActsETL repository (read through the search tool: a `backmatter`
of `schedule`s with tables; the list of character elements).

Format notes (no namespace, no schema reference in the file):
- Root `act` with `metadata` (`title` in capitals, `number`, `year`,
  `dateofenactment` as YYYYMMDD), `frontmatter` (table of contents, long title),
  `body` of `part`s, which hold `chapter`s or `sect`s directly, and an optional
  `backmatter` of `schedule`s.
- `sect`: `number` ("2."), `title/p` (the heading, often in `b`), then `p`s, one per
  subsection, paragraph or definition; the first `p` starts with the section number
  in bold (`<b>2.</b>`), which is the label, not text. Text quoted into another Act
  is plain `p`s of the quoting section.
- Typographic characters are empty elements: `odq`/`cdq`, `osq`/`csq` (curly quotes),
  `emdash`, `afada`..`Ufada` (vowels with a fada: Irish names such as
  "An tÚdarás Náisiúnta ..."), `euro`, `pound`, and `<unicode ch="00D7"/>` for any
  other code point.
- Footnotes (`fn`: a `marker` with the number, then the note's own `p`) sit inside
  the sentence; the note is kept after the section's text, its marker as "[1]".
- Tables (`table/tr/td/p`, in schedules) read one row a line, cells split by " | ".
- Irish: the English XML carries Irish only as names inside English text; an Act's
  Irish text, where one exists, is a separate document (`/enacted/ga/`), so each text
  here is English and Irish headings are kept as the document gives them.
"""

import re
from copy import deepcopy

from lxml import etree

from ..items import InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "irish_statute_book"
OFFICIAL = "https://www.irishstatutebook.ie"
#: /eli/2020/act/32/enacted/en/xml: the Act's XML by its ELI.
ACT_XML_PATH = re.compile(r"^/eli/(\d{4})/act/(\d+)/enacted/(en|ga)/xml$")
#: A curated `source_identifier`: "eli/2020/act/32".
IDENTIFIER = re.compile(r"^/?eli/(\d{4})/act/(\d+)/?$")

#: The empty elements eISB uses for characters.
CHARACTERS = {
    "odq": "\u201c", "cdq": "\u201d", "osq": "\u2018", "csq": "\u2019",
    "emdash": "\u2014", "endash": "\u2013", "euro": "\u20ac", "pound": "\u00a3", "bull": "\u2022",
    "nbsp": " ", "degree": "\u00b0", "dagger": "\u2020",
    "afada": "\u00e1", "Afada": "\u00c1", "efada": "\u00e9", "Efada": "\u00c9", "ifada": "\u00ed",
    "Ifada": "\u00cd", "ofada": "\u00f3", "Ofada": "\u00d3", "ufada": "\u00fa", "Ufada": "\u00da",
}
#: Elements that are layout, not text.
SKIPPED = {"graphic", "hr1", "marker", "colgroup", "col"}


def act_url(year: str, number: str, fmt: str = "xml", language: str = "en") -> str:
    return f"{OFFICIAL}/eli/{year}/act/{number}/enacted/{language}/{fmt}"


def section_url(year: str, number: str, section: str) -> str:
    return f"{OFFICIAL}/eli/{year}/act/{number}/section/{section}/enacted/en/html"


def instrument_id(year: str, number: str) -> str:
    """The id of an Act fetched without a curated row (e.g. by `sii-atlas parse`)."""
    return f"ie-act-{year}-{number}"


def inline_text(element, notes: list[str] | None = None) -> str:
    """The text of a `p` (or a title), characters decoded; footnotes go to `notes`."""
    parts: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in CHARACTERS:
            parts.append(CHARACTERS[tag])
        elif tag == "unicode":
            try:
                parts.append(chr(int(child.get("ch") or "", 16)))
            except ValueError:
                parts.append("\ufffd")  # a code point we cannot read: marked, not dropped
        elif tag == "fn":
            number = clean("".join(child.find("marker").itertext())) if child.find("marker") is not None else None
            if notes is not None:
                body = " ".join(inline_text(p) for p in child.findall("p"))
                if number and body.startswith(number):
                    body = body[len(number):]
                notes.append(f"[{number or len(notes) + 1}] {clean(body) or ''}".strip())
            parts.append(f"[{number}]" if number else "")
        elif tag in SKIPPED or not tag:
            pass
        else:
            parts.append(inline_text(child, notes))
        parts.append(child.tail or "")
    return "".join(parts)


def block_lines(element, notes: list[str], skip_first_number: str | None = None) -> list[str]:
    """One line per `p` (or table row) under `element`, its title left out."""
    lines: list[str] = []
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("title", "number") or tag in SKIPPED or not tag:
            continue
        if tag == "p":
            if skip_first_number and not lines:
                line = clean(inline_text(without_own_number(child, skip_first_number), notes))
            else:
                line = clean(inline_text(child, notes))
            if line:
                lines.append(line)
        elif tag == "table":
            for row in child.iter("tr"):
                cells = [clean(" ".join(inline_text(p, notes) for p in cell.iter("p"))) or ""
                         for cell in row if cell.tag in ("td", "th")]
                if any(cells):
                    lines.append(" | ".join(cells))
        else:
            lines.extend(block_lines(child, notes))
    return lines


def without_own_number(p, number: str):
    """A copy of the first `p` without its leading `<b>2.</b>`: the label, not text."""
    first = p[0] if len(p) else None
    if first is None or first.tag != "b" or (p.text or "").strip():
        return p
    if clean("".join(first.itertext())) != number:
        return p
    rest = list(p)[1:]
    # Older Acts follow the number with a dash: "<b>5.</b><emdash/>(1) ...".
    if rest and rest[0].tag == "emdash" and not (first.tail or "").strip():
        first, rest = rest[0], rest[1:]
    copy = etree.Element("p")
    copy.text = first.tail
    for child in rest:
        copy.append(deepcopy(child))
    return copy


def title_lines(element) -> list[str]:
    title = element.find("title")
    if title is None:
        return []
    return [line for line in (clean(inline_text(p)) for p in title.iter("p")) if line]


def number_of(text: str | None) -> str | None:
    """"2" from "2."; "1" from "SCHEDULE 1"; "" for a lone "SCHEDULE"."""
    text = clean(text) or ""
    text = re.sub(r"^(SCHEDULE|Schedule|PART|Part|CHAPTER|Chapter)\b", "", text).strip()
    return text.rstrip(".")


def english_date(yyyymmdd: str | None) -> str | None:
    text = (yyyymmdd or "").strip()
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return None


def titlecase(title: str) -> str:
    """The metadata gives titles in capitals ("... ACT 2024"): cited as "... Act 2024"."""
    small = {"and", "of", "the", "for", "to", "in", "on", "or", "by", "with", "an", "a", "as", "at"}
    words = title.split()
    out = []
    for index, word in enumerate(words):
        lower = word.lower()
        if index and lower in small:
            out.append(lower)
        else:
            out.append(re.sub(r"[A-Za-z\u00c0-\u024f]+", lambda m: m.group(0).capitalize(), word, count=1)
                       if word.isupper() else word)
    return " ".join(out)


# --------------------------------------------------------------------------- parser


def parse_xml(body: bytes):
    if not body or not body.strip():
        raise ValueError("empty response where eISB XML was expected")
    try:
        root = etree.fromstring(body, etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML where eISB XML was expected ({error})") from None
    if root.tag != "act" or root.find("metadata") is None:
        raise ValueError(f"not an eISB Act (root element {root.tag!r}); an HTML page or an error answer?")
    return root


def parse_act(response):
    """An Act as enacted (`/eli/{year}/act/{number}/enacted/en/xml`): the Act, its
    sections and its schedules."""
    root = parse_xml(response.body)
    meta = root.find("metadata")
    year = clean(meta.findtext("year"))
    number = clean(meta.findtext("number"))
    match = ACT_XML_PATH.match(response.url.split(OFFICIAL, 1)[-1]) if response.url.startswith(OFFICIAL) else None
    if not (year and number) and match:
        year, number = match.group(1), match.group(2)
    if not (year and number):
        raise ValueError("eISB Act without a year and number")
    the_id = response.meta.get("instrument_id") or instrument_id(year, number)
    title = clean(meta.findtext("title"))
    enacted = english_date(meta.findtext("dateofenactment"))
    commenced = response.meta.get("date_in_force")
    sections = list(root.iter("sect"))
    schedules = list(root.iter("schedule"))
    if not sections and not schedules:
        raise ValueError(f"eISB Act {number} of {year} has no sections: a truncated document?")
    yield InstrumentItem(
        id=the_id,
        jurisdiction=response.meta.get("jurisdiction") or "IE",
        title=titlecase(title) if title and title.isupper() else title,
        citation=f"No. {number} of {year}",
        kind="statute",
        status=response.meta.get("status"),
        date_enacted=enacted,
        date_in_force=str(commenced) if commenced else None,
        official_url=act_url(year, number, "html"),
        language="en",
        extent=None,
        source=SOURCE,
        identifiers=[{"scheme": "ELI", "value": f"{OFFICIAL}/eli/{year}/act/{number}/enacted/en/html"}],
    )
    for sect in sections:
        label_number = number_of(sect.findtext("number"))
        if not label_number:
            continue
        notes: list[str] = []
        lines = block_lines(sect, notes, skip_first_number=f"{label_number}.")
        url = section_url(year, number, label_number)
        yield ProvisionItem(
            id=f"{the_id}/section/{label_number}",
            instrument_id=the_id,
            label=f"s. {label_number}",
            heading=" ".join(title_lines(sect)) or None,
            text="\n".join(lines + notes) or None,
            language="en",
            url=url,
            extent=None,
            in_force_status=None,
            valid_from=str(commenced) if commenced else None,
            source=SOURCE,
            identifiers=[{"scheme": "ELI", "value": url}],
        )
    for schedule in schedules:
        titles = title_lines(schedule)
        label_number = number_of(titles[0]) if titles else ""
        notes = []
        lines = block_lines(schedule, notes)
        key = f"schedule/{label_number}" if label_number else "schedule"
        yield ProvisionItem(
            id=f"{the_id}/{key}",
            instrument_id=the_id,
            label=f"Sch. {label_number}".strip() if label_number else "Sch.",
            heading=" ".join(titles[1:]) or None,
            text="\n".join(lines + notes) or None,
            language="en",
            # No per-schedule address is documented: the Act's page.
            url=act_url(year, number, "html"),
            extent=None,
            in_force_status=None,
            valid_from=str(commenced) if commenced else None,
            source=SOURCE,
        )


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Irish Statute Book (eISB, Office of the Attorney General)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("irishstatutebook.ie",),
    licence="Oireachtas (Open Data) PSI Licence (CC BY 4.0)",
    licence_url="https://www.irishstatutebook.ie/eli/open-data.html",
    terms_url="https://www.irishstatutebook.ie/eli/open-data.html",
    rate_limit_text="not published; one request at a time, 2 s apart",
    rate_limit=None,
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "jurisdiction", "status", "date_in_force"),
    notes="Acts as enacted, eISB XML by ELI (/eli/{year}/act/{number}/enacted/en/xml); no key, no search API. "
          "Revised Acts (revisedacts.lawreform.ie) are HTML/PDF only and not fetched.",
    # A curated instrument keeps its own id (ie-act-2020-32-cocos-law): the request
    # carries it (see tracked_requests), so no id is derived from source_identifier.
    curated_instrument_id=None,
)


class IrishStatuteBookSpider(SourceSpider):
    contract = DECLARATION
    routes = [(r"^/eli/\d{4}/act/\d+/enacted/(en|ga)/xml$", parse_act)]
    root_elements = {"act": parse_act}

    def tracked_requests(self):
        for instrument in self.tracked_within_limit():
            match = IDENTIFIER.match(str(instrument.get("source_identifier") or "").strip())
            if not match:
                self.logger.warning("%s: source_identifier %r is not eli/{year}/act/{number}",
                                    instrument.get("id"), instrument.get("source_identifier"))
                continue
            year, number = match.groups()
            yield self.request(
                act_url(year, number), tracked=True, expects=("instrument", instrument["id"]),
                instrument_id=instrument["id"], jurisdiction=instrument.get("jurisdiction"),
                status=instrument.get("status"),
                date_in_force=str(instrument["date_in_force"]) if instrument.get("date_in_force") else None,
            )
