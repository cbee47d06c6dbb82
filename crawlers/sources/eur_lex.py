"""EUR-Lex and CELLAR: the law of the European Union (Publications Office of the EU).

Hosts:    https://eur-lex.europa.eu (documents as HTML, the SOAP search service) and
          https://publications.europa.eu (CELLAR: notices and manifestations by CELEX).
Licence:  the Commission's reuse policy (Decision 2011/833/EU): free reuse with
          attribution; EUR-Lex content is under CC BY 4.0 since 2019
          (https://eur-lex.europa.eu/content/legal-notice/legal-notice.html).
Terms:    no rate limit is published for the HTML pages or CELLAR; we send one request
          at a time with a 1 s delay. The SOAP web service needs a (free) registration;
          its username and password come from the environment (see `WS_ENV`).

What this spider does:
(a) tracked instruments: for every curated instrument whose source is `eur_lex`
    (`source_identifier` = "CELEX:32024L1385"), fetch its CELLAR *branch notice*
    (`/resource/celex/{CELEX}` with `Accept: application/xml;notice=branch`): the
    instrument (title, dates, in force, CELEX and ELI), and the languages it is
    published in. Then, for each wanted language the notice offers (`LANGUAGES`:
    EN, FR, DE, plus the curated language), the document itself as HTML
    (`/legal-content/{LANG}/TXT/HTML/?uri=CELEX:{CELEX}`): every article, numbered
    paragraph and point, one provision per language (the store keys texts by language).
(b) discovery: expert queries on the subject, in the original languages, to the SOAP
    web service (`/EURLexWebService`, SOAP 1.2 `searchRequest`); hits are candidates
    for review, never tracked instruments. It runs only when both `WS_ENV` variables
    are set: the documents themselves need no account, so the source is never skipped
    for want of one.

Ids: an act of sector 3 gets `eu-{dir|reg|dec}-{year}-{number}` from its CELEX
(32024L1385 -> eu-dir-2024-1385); a consolidated CELEX (02009R1223-20191218) is a
version of its base act and gets the base act's id. A treaty the EU concluded is
published in the Official Journal as an international agreement (sector 2, CELEX
`2{year}A{MMDD}({n})` from the OJ issue's date: the Istanbul Convention with the
decisions on the EU's accession, OJ L 143I, 2.6.2023, is 22023A0602(01)); the OJ is
the official publisher of its text for the EU, so a curated treaty of another
jurisdiction (COE) can name this source: it keeps its curated id and jurisdiction,
carried in the request. Provisions are
`{instrument}/art_5`, `art_5.par_1`, `art_5.par_1.pnt_a`, or `art_3.pnt_60` for a point
outside any numbered paragraph (the `key` of a curated provision).

Where the format knowledge comes from, and the variants:
- Real captures in ../shared/samples/eur_lex/ (README there): an HTML page of
  32013R0575 (2015 CONVEX converter), a Formex 4 GDPR `<ACT>` inside a third-party
  `<LEXP.COMBINED>` wrapper, a CELLAR tree notice (procedure 2013/449), a CELLAR branch
  notice (consolidated 02009R1223-20191218), a SOAP search result and a SOAP fault.
- HTML, two dialects. The 2015 capture is flat: `p.ti-art` ("Article 1") and
  `p.sti-art` (heading) start an article, which runs until the next `ti-art` or
  `ti-section-*`; paragraphs are `p.normal` starting "1.   "; points are two-cell
  tables (marker, text), a point within a point a table inside the text cell. The
  OJ format of acts published since 2023 (no real capture here: known from public code
  that parses it, see the report) wraps each article in `div.eli-subdivision#art_N`,
  paragraphs in `div#005.001`, and prefixes every class with `oj-` (`oj-ti-art`,
  `oj-sti-art`, `oj-normal`); the same reader serves both. The OJ header names the
  issue and page before the act-by-act OJ of 1 October 2023 ("LI 143/4", as EUR-Lex
  shows Decision (EU) 2023/1076 of 2.6.2023) and "L series" after it; the example of
  the Istanbul Convention (an OJ L 143I agreement of June 2023) assumes the same
  article markup, which no capture confirms, and a test checks the flat reading of
  the same text gives the same provisions. French numbers its first
  article "Article premier". A page without articles (EUR-Lex answers an unknown
  CELEX with a 200 HTML page) is an error, never an empty success.
- Formex 4: `ARTICLE` (`IDENTIFIER="001"`), `TI.ART`, `STI.ART`, `PARAG`
  (`NO.PARAG`, `ALINEA`), `LIST/ITEM/NP` (`NO.P`, `TXT`); quotes are empty
  `QUOT.START`/`QUOT.END` elements; footnotes (`NOTE`) and `<?PAGE?>` instructions
  are not text. The act can arrive inside a wrapper element: it is found by name.
  CELLAR serves Formex as a set of files per manifestation, so the crawl does not ask
  for it; the parser reads a saved `ACT` (`sii-atlas parse eur_lex FILE`).
- CELLAR notices: elements without namespace; a branch notice has `WORK` at the top
  (`RESOURCE_LEGAL_ID_CELEX`, `ELI`, `WORK_DATE_DOCUMENT`,
  `RESOURCE_LEGAL_DATE_ENTRY-INTO-FORCE`, `EXPRESSION` per language with `LANG` (ENG)
  and `MANIFESTATION`s typed xhtml / html / fmx4 / pdfa2a). A consolidated work's
  document date is the consolidation date, not the act's. A tree notice has a
  `DOSSIER` (a procedure) whose events embed the works they contain: the acts among
  them (sector 3) become candidates. The capture's titles hold a literal "&#13;"
  (escaped twice); it is read as a space.
- SOAP: answers are SOAP 1.2; a result is `searchResults` (namespace
  http://eur-lex.europa.eu/search) with `numhits`, `totalhits`, `page` and per hit
  `content/NOTICE` (`EXPRESSION_TITLE`, `WORK/ID_CELEX`, `WORK_DATE_DOCUMENT` as
  YEAR/MONTH/DAY). The hit's CELEX carries the search highlight as escaped markup
  (`&lt;em>32014R1337&lt;/em>`). A fault (`Fault/Code/Subcode/Value` such as
  `WS_QUERY_SYNTAX_ERROR`, `Reason/Text`) comes with an HTTP error status and is a
  recorded error with its code and message. The request envelope (WS-Security
  UsernameToken with a PasswordText password in the SOAP header; `searchRequest`
  with `expertQuery`, `page`, `pageSize`, `searchLanguage`) follows the WSDL at
  https://eur-lex.europa.eu/eurlex-ws?wsdl as public clients use it; the expert
  query fields (`DTS_SUBDOM`, `TE ~`) come from the site's expert search help and
  are not confirmed by a real capture.
"""

import os
import re
from urllib.parse import parse_qs, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import scrapy
from lxml import etree, html

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, root_element

SOURCE = "eur_lex"
OFFICIAL = "https://eur-lex.europa.eu"
CELLAR = "https://publications.europa.eu"
WS_PATH = "/EURLexWebService"
SEARCH_NS = "http://eur-lex.europa.eu/search"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
#: The web service's username and password: optional, discovery only.
WS_ENV = ("EURLEX_WS_USERNAME", "EURLEX_WS_PASSWORD")

#: Languages we want every tracked text in (ISO 639-1 -> the Publications Office's code).
LANGUAGES = {"en": "ENG", "fr": "FRA", "de": "DEU"}
OP_LANGUAGES = {
    "bg": "BUL", "cs": "CES", "da": "DAN", "de": "DEU", "el": "ELL", "en": "ENG", "es": "SPA", "et": "EST",
    "fi": "FIN", "fr": "FRA", "ga": "GLE", "hr": "HRV", "hu": "HUN", "it": "ITA", "lt": "LIT", "lv": "LAV",
    "mt": "MLT", "nl": "NLD", "pl": "POL", "pt": "POR", "ro": "RON", "sk": "SLK", "sl": "SLV", "sv": "SWE",
}
ISO_LANGUAGES = {code: iso for iso, code in OP_LANGUAGES.items()}

#: Expert queries on the subject, each in the language it is written in.
SEARCH_QUERIES = (
    ("en", 'DTS_SUBDOM = LEGISLATION AND TE ~ "intimate images"'),
    ("en", 'DTS_SUBDOM = LEGISLATION AND TE ~ "deep fake"'),
    ("fr", 'DTS_SUBDOM = LEGISLATION AND TE ~ "images intimes"'),
    ("fr", 'DTS_SUBDOM = LEGISLATION AND TE ~ "hypertrucage"'),
    ("de", 'DTS_SUBDOM = LEGISLATION AND TE ~ "intime Bilder"'),
    ("de", 'DTS_SUBDOM = LEGISLATION AND TE ~ "Deepfake"'),
)
PAGE_SIZE = 50

# CELEX type letter of sector 3 -> (id word, ELI type, instrument kind)
ACT_TYPES = {"L": ("dir", "dir", "directive"), "R": ("reg", "reg", "regulation"), "D": ("dec", "dec", None)}
# First word of a title, in the languages we read -> CELEX type letter
TITLE_TYPES = {"regulation": "R", "règlement": "R", "verordnung": "R", "directive": "L", "richtlinie": "L",
               "decision": "D", "décision": "D", "beschluss": "D"}
CELEX = re.compile(r"^(?P<sector>[0-9CE])(?P<year>\d{4})(?P<type>[A-Z]{1,2})(?P<number>\d{4})(?P<suffix>\(\d+\))?"
                   r"(?:-(?P<version>\d{8}))?$")
ORDINALS = {"premier": "1", "première": "1", "erster": "1"}


# --------------------------------------------------------------------------- identifiers


def celex_of(identifier: str | None) -> str | None:
    """"32024L1385" from "CELEX:32024L1385" (or from itself); None when it is no CELEX."""
    value = re.sub(r"<[^>]*>", "", str(identifier or "")).strip()
    value = value.split(":", 1)[1] if value.upper().startswith("CELEX:") else value
    return value if CELEX.match(value) else None


def instrument_id(celex: str) -> str:
    """Our id for an act: "eu-dir-2024-1385"; a consolidated version is its base act."""
    match = CELEX.match(celex)
    if match is None:
        raise ValueError(f"not a CELEX number: {celex!r}")
    act = ACT_TYPES.get(match["type"])
    if match["sector"] in "03" and act and not match["suffix"]:
        return f"eu-{act[0]}-{match['year']}-{int(match['number'])}"
    return "eu-celex-" + re.sub(r"[^a-z0-9]+", "-", celex.lower()).strip("-")


def eli_of(celex: str) -> str | None:
    """The act's ELI (the Official Journal version), for acts that have one."""
    match = CELEX.match(celex)
    act = ACT_TYPES.get(match["type"]) if match else None
    if not act or match["sector"] not in "03" or match["suffix"]:
        return None
    return f"http://data.europa.eu/eli/{act[1]}/{match['year']}/{int(match['number'])}/oj"


def base_celex(celex: str) -> str:
    """The act a consolidated CELEX (02009R1223-20191218) is a version of: 32009R1223."""
    match = CELEX.match(celex)
    if match and match["sector"] == "0":
        return f"3{match['year']}{match['type']}{match['number']}"
    return celex


def html_url(celex: str, language: str) -> str:
    return f"{OFFICIAL}/legal-content/{language.upper()}/TXT/HTML/?uri=CELEX:{celex}"


def notice_url(celex: str) -> str:
    return f"{CELLAR}/resource/celex/{celex}"


def official_url(celex: str) -> str:
    eli = eli_of(celex)
    return OFFICIAL + urlsplit(eli).path if eli else f"{OFFICIAL}/legal-content/EN/ALL/?uri=CELEX:{celex}"


def identifiers_for(celex: str, eli: str | None = None) -> list[dict]:
    found = [{"scheme": "CELEX", "value": celex}]
    eli = eli or eli_of(celex)
    if eli:
        found.append({"scheme": "ELI", "value": eli})
    return found


def curated_instrument_id(source_identifier: str) -> str | None:
    """The id this spider gives the curated instrument "CELEX:32024L1385".

    None for an international agreement the Official Journal publishes (sector 2,
    "CELEX:22023A0602(01)"): the treaty is not an EU act of its own, so it keeps its
    curated id (`coe-cets-210-istanbul`), which the request carries."""
    celex = celex_of(source_identifier)
    if celex is None or CELEX.match(celex)["sector"] not in "03":
        return None
    return instrument_id(base_celex(celex))


# --------------------------------------------------------------------------- text helpers


def clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.replace("&#13;", " ").split())
    return text or None


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def point_key(marker: str) -> str | None:
    """"a" from "(a)", "a)" or "a."; None for a dash or bullet, which numbers nothing."""
    match = re.fullmatch(r"\(?([0-9]+[a-z]*|[a-z]{1,4})[).]?", marker.strip())
    return match.group(1) if match else None


# A paragraph's number opens its first line: "1.   " in most languages, "(1)   " in German.
PARAGRAPH_START = re.compile(r"^(?:(\d+[a-z]*)\.|\((\d+[a-z]*)\))\s+")


# A block of an article, the same for HTML and Formex:
#   ("text", line)  or  ("point", marker, [blocks of the point])
def render(blocks, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if block[0] == "text":
            lines.append(block[1])
        else:
            inner = render(block[2], depth + 1)
            first = inner.pop(0) if inner else ""
            lines.append(f"{block[1]} {first}".strip())
            lines.extend(inner)
    return lines


def article_provisions(the_id, number, heading, parts, language, url, meta):
    """The provisions of one article: the article, its numbered paragraphs, and the
    points directly under a paragraph (or under the article, outside any paragraph).

    `parts`: [(paragraph number or None, blocks)] in order."""
    common = {"instrument_id": the_id, "heading": heading, "language": language, "url": url, "source": SOURCE,
              "in_force_status": meta.get("in_force_status"), "valid_from": meta.get("valid_from")}
    article = f"art_{number}"
    all_lines = [line for _, blocks in parts for line in render(blocks)]
    yield ProvisionItem(id=f"{the_id}/{article}", label=f"Art. {number}", text="\n".join(all_lines) or None, **common)
    for paragraph, blocks in parts:
        key, label = (f"{article}.par_{paragraph}", f"Art. {number}({paragraph})") if paragraph else (article, f"Art. {number}")
        if paragraph:
            yield ProvisionItem(id=f"{the_id}/{key}", label=label, text="\n".join(render(blocks)) or None, **common)
        for block in blocks:
            marker = point_key(block[1]) if block[0] == "point" else None
            if marker:
                yield ProvisionItem(id=f"{the_id}/{key}.pnt_{marker}", label=f"{label}({marker})",
                                    text="\n".join(render([block])), **common)


def split_paragraphs(blocks) -> list[tuple[str | None, list]]:
    """HTML paragraphs are only a number at the start of a line ("1.   Member States...")."""
    parts: list[tuple[str | None, list]] = []
    for block in blocks:
        match = PARAGRAPH_START.match(block[1]) if block[0] == "text" else None
        if match or not parts:
            parts.append(((match.group(1) or match.group(2)) if match else None, []))
        parts[-1][1].append(block)
    return parts


def article_number(text: str | None) -> str | None:
    words = (clean(text) or "").split()
    if len(words) < 2:
        return None
    word = words[1].lower()
    return ORDINALS.get(word) or (words[1] if re.fullmatch(r"\d+[a-z]*", words[1]) else None)


# --------------------------------------------------------------------------- HTML


HEADING_CLASSES = re.compile(r"\b(?:oj-)?(?:ti-art|sti-art|title-article-norm|stitle-article-norm)\b")
ARTICLE_CLASS = re.compile(r"\b(?:oj-)?ti-art\b|\btitle-article-norm\b")
DIVISION_CLASS = re.compile(r"\b(?:oj-)?ti-section-\d\b|\b(?:oj-)?doc-end\b|\b(?:oj-)?final\b|\b(?:oj-)?note\b|\bseparator\b")
SKIPPED_CLASS = re.compile(r"note-tag|\bnote\b")


def html_blocks(nodes) -> list:
    blocks = []
    for node in nodes:
        if not isinstance(node.tag, str):
            continue
        classes = node.get("class") or ""
        if node.tag == "p":
            if HEADING_CLASSES.search(classes):
                continue
            text = visible_text(node)
            if text:
                blocks.append(("text", text))
        elif node.tag == "table":
            for row in node.xpath("./tr | ./tbody/tr"):
                cells = row.xpath("./td")
                marker = visible_text(cells[0]) if len(cells) == 2 else ""
                if marker and len(marker) <= 8:
                    blocks.append(("point", marker, html_blocks(list(cells[1]))))
                else:  # a real table: its row as one line
                    line = " | ".join(filter(None, (visible_text(cell) for cell in cells)))
                    if line:
                        blocks.append(("text", line))
        elif node.tag in ("div", "span", "section") and not SKIPPED_CLASS.search(classes):
            blocks.extend(html_blocks(list(node)))
    return blocks


def visible_text(element) -> str:
    """Text of an element, footnote calls left out."""
    pieces = []
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        if not isinstance(node.tag, str):
            continue
        if event == "start":
            if node is not element and (SKIPPED_CLASS.search(node.get("class") or "")
                                        or (node.tag == "a" and (node.get("id") or "").startswith("ntc"))):
                walker.skip_subtree()
                continue
            pieces.append(node.text or "")
        elif node is not element:
            pieces.append(node.tail or "")
    return clean("".join(pieces)) or ""


def document_context(response):
    """(CELEX, language) of an EUR-Lex HTML page, from its official URL."""
    parts = urlsplit(response.url)
    match = re.search(r"/legal-content/([A-Za-z]{2})/", parts.path)
    query = parse_qs(parts.query)
    celex = celex_of((query.get("uri") or [""])[0]) or celex_of(response.meta.get("celex"))
    return celex, (match.group(1).lower() if match else response.meta.get("language"))


def parse_xhtml(response):
    """An act as EUR-Lex HTML (`/legal-content/{LANG}/TXT/HTML/?uri=CELEX:...`): its provisions."""
    body = response.body
    if not body.strip():
        raise ValueError(f"empty page at {response.url}")
    # The encoding the response declares (header, meta or BOM), not lxml's latin-1 default.
    encoding = getattr(response, "encoding", None) or "utf-8"
    root = html.fromstring(body, parser=html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True))
    celex, language = document_context(response)
    if celex is None:
        raise ValueError(f"no CELEX number in {response.url}")
    the_id = response.meta.get("instrument_id") or instrument_id(base_celex(celex))
    url = html_url(celex, language or "en")
    meta = {"in_force_status": response.meta.get("in_force_status"), "valid_from": response.meta.get("valid_from")}
    found = 0
    for number, heading, nodes in html_articles(root):
        found += 1
        yield from article_provisions(the_id, number, heading, split_paragraphs(html_blocks(nodes)), language,
                                      f"{url}#art_{number}", meta)
    if not found:
        title = clean(root.findtext(".//title")) or clean(root.text_content())[:120] if len(root) else ""
        raise ValueError(f"no articles in the page at {response.url} (page says: {title!r})")


def html_articles(root):
    """(number, heading, content nodes) of every article, in either dialect."""
    subdivisions = [div for div in root.iter("div") if re.fullmatch(r"art_\w+", div.get("id") or "")
                    and "eli-subdivision" in (div.get("class") or "")]
    if subdivisions:  # OJ format: one div per article
        for div in subdivisions:
            title = next((p for p in div.iter("p") if ARTICLE_CLASS.search(p.get("class") or "")), None)
            number = div.get("id")[4:] or article_number(visible_text(title) if title is not None else None)
            heading = next((visible_text(p) for p in div.iter("p") if re.search(r"\b(?:oj-)?sti-art\b|stitle-article-norm",
                                                                                 p.get("class") or "")), None)
            nodes = [child for child in div if not (child.tag == "div" and re.fullmatch(r"art_\w+", child.get("id") or ""))]
            yield number, heading, nodes
        return
    # Flat: an article runs from its title to the next article or division title.
    current = None
    for node in root.iter("p", "table", "hr", "div"):
        classes = node.get("class") or ""
        if node.tag == "p" and ARTICLE_CLASS.search(classes):
            if current:
                yield current
            current = (article_number(visible_text(node)), None, [])
        elif current is None:
            continue
        elif node.tag == "p" and re.search(r"\b(?:oj-)?sti-art\b", classes) and not current[2]:
            current = (current[0], visible_text(node), current[2])
        elif DIVISION_CLASS.search(classes) or node.tag == "hr":
            yield current
            current = None
        elif node.getparent() is not None and any(a.tag in ("table", "p") for a in node.iterancestors()):
            continue  # inside a table already taken whole
        elif node.tag in ("p", "table"):
            current[2].append(node)
    if current:
        yield current


# --------------------------------------------------------------------------- Formex


def formex_text(element) -> str:
    """Text of a Formex element: quotes as quotation marks, footnotes left out."""
    pieces = []
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        name = local(node)
        if event == "start":
            if node is not element and name in ("NOTE", "NO.P", "NO.PARAG", "LIST"):
                walker.skip_subtree()
                continue
            if name == "QUOT.START":
                pieces.append("‘")
            elif name == "QUOT.END":
                pieces.append("’")
            pieces.append(node.text or "")
        elif node is not element:
            pieces.append(node.tail or "")
    return clean("".join(pieces)) or ""


def formex_blocks(element) -> list:
    """Blocks of an ALINEA, TXT, NP or P: its text lines, and its lists' items as points."""
    children = [child for child in element if local(child) in ("P", "LIST", "ALINEA", "TXT")]
    if not children:
        text = formex_text(element)
        return [("text", text)] if text else []
    blocks = []
    own = clean(element.text)
    if own:
        blocks.append(("text", own))
    for child in children:
        if local(child) != "LIST":
            blocks.extend(formex_blocks(child))
            continue
        for item in child.iterfind("ITEM"):
            np = item.find("NP")
            if np is None:
                blocks.extend(formex_blocks(item))
            else:
                blocks.append(("point", clean(np.findtext("NO.P")) or "", formex_blocks(np)))
    return blocks


def parse_formex(response):
    """A Formex 4 act (`<ACT>`, alone or inside a wrapper): the instrument and its provisions."""
    try:
        root = etree.fromstring(response.body, etree.XMLParser(remove_pis=True, remove_comments=True,
                                                                resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable Formex at {response.url}: {error}") from None
    act = root if local(root) == "ACT" else next(root.iter("ACT"), None)
    if act is None:
        raise ValueError(f"no Formex <ACT> at {response.url} (root element {local(root)!r})")
    bib = act.find("BIB.INSTANCE")
    language = (bib.findtext("LG.DOC") or "").strip().lower() or None if bib is not None else None
    title = clean(" ".join(formex_text(p) for p in act.iterfind("TITLE/TI/P")))
    celex = celex_of(response.meta.get("celex")) or formex_celex(bib, title)
    if celex is None:
        raise ValueError(f"cannot tell which act the Formex at {response.url} is (no CELEX)")
    the_id = response.meta.get("instrument_id") or instrument_id(base_celex(celex))
    date = bib.find("DATE") if bib is not None else None
    kind = ACT_TYPES.get(CELEX.match(celex)["type"], (None, None, None))[2]
    yield InstrumentItem(
        id=the_id, jurisdiction="EU", title=title, citation=formex_citation(title), kind=kind,
        status=response.meta.get("status"), date_enacted=iso_date(date.get("ISO")) if date is not None else None,
        official_url=official_url(celex), language=language, source=SOURCE, identifiers=identifiers_for(celex),
    )
    url = html_url(celex, language or "en")
    meta = {"in_force_status": response.meta.get("in_force_status"), "valid_from": response.meta.get("valid_from")}
    for article in act.iter("ARTICLE"):
        number = article_number(formex_text(article.find("TI.ART"))) if article.find("TI.ART") is not None else None
        number = number or str(int(article.get("IDENTIFIER"))) if (article.get("IDENTIFIER") or "").isdigit() else number
        if not number:
            continue
        heading = clean(formex_text(article.find("STI.ART"))) if article.find("STI.ART") is not None else None
        parts = []
        for child in article:
            name = local(child)
            if name == "PARAG":
                number_text = clean(child.findtext("NO.PARAG")) or ""
                blocks = [block for alinea in child.iterfind("ALINEA") for block in formex_blocks(alinea)]
                if blocks and blocks[0][0] == "text":
                    blocks[0] = ("text", f"{number_text} {blocks[0][1]}".strip())
                parts.append((number_text.rstrip(".") or None, blocks))
            elif name == "ALINEA":
                if parts and parts[-1][0] is None:
                    parts[-1][1].extend(formex_blocks(child))
                else:
                    parts.append((None, formex_blocks(child)))
        yield from article_provisions(the_id, number, heading, parts, language, f"{url}#art_{number}", meta)


def formex_celex(bib, title: str | None) -> str | None:
    """CELEX of an act from its Formex number (NO.DOC) and the first word of its title."""
    if bib is None:
        return None
    number, year = bib.findtext("NO.DOC/NO.CURRENT"), bib.findtext("NO.DOC/YEAR")
    letter = TITLE_TYPES.get(((title or "").split() or [""])[0].lower())
    if not (number and year and letter and number.strip().isdigit()):
        return None
    return f"3{year.strip()}{letter}{int(number):04d}"


def formex_citation(title: str | None) -> str | None:
    match = re.match(r"^(\w+ \([A-Z]+\)\s*(?:No )?\d+/\d+)", title or "")
    return match.group(1) if match else None


def iso_date(value: str | None) -> str | None:
    value = (value or "").strip()
    if re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value) else None


# --------------------------------------------------------------------------- CELLAR notices


def notice_date(element) -> str | None:
    if element is None:
        return None
    value = iso_date(element.findtext("VALUE"))
    if value:
        return value
    year, month, day = (element.findtext(name) for name in ("YEAR", "MONTH", "DAY"))
    if year and month and day:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return None


def expression_language(expression) -> str | None:
    code = expression.findtext("LANG") or expression.findtext("EXPRESSION_USES_LANGUAGE/IDENTIFIER") \
        or expression.findtext("EXPRESSION_USES_LANGUAGE/OP-CODE") or expression.findtext("EXPRESSION_USES_LANGUAGE/URI/IDENTIFIER")
    return ISO_LANGUAGES.get((code or "").strip().upper())


def manifestation_types(expression) -> set[str]:
    types = set()
    for manifestation in expression.iter("MANIFESTATION"):
        value = manifestation.get("manifestation-type") or manifestation.findtext("TYPE/VALUE") \
            or manifestation.findtext("MANIFESTATION_TYPE/VALUE")
        if value:
            types.add(value.strip().lower())
    return types


def parse_notice(response):
    """A CELLAR notice: a branch notice gives the act and requests its text in each wanted
    language; a tree notice of a procedure gives the acts it contains as candidates."""
    try:
        root = etree.fromstring(response.body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable CELLAR notice at {response.url}: {error}") from None
    if local(root) != "NOTICE":
        raise ValueError(f"expected a CELLAR <NOTICE> at {response.url}, found {local(root)!r}")
    work = root.find("WORK")
    if work is not None:
        yield from branch_notice(work, response)
    elif root.find("DOSSIER") is not None:
        yield from tree_notice(root, response)
    else:
        raise ValueError(f"CELLAR notice of type {root.get('type')!r} at {response.url} has neither WORK nor DOSSIER")


def branch_notice(work, response):
    celex = celex_of(work.findtext("RESOURCE_LEGAL_ID_CELEX/VALUE") or work.findtext("ID_CELEX/VALUE"))
    if celex is None:
        raise ValueError(f"CELLAR notice at {response.url} names no CELEX")
    meta = response.meta
    consolidated = celex.startswith("0")
    the_id = meta.get("instrument_id") or instrument_id(base_celex(celex))
    # A consolidated work is a version of its base act: the instrument keeps the act's
    # own CELEX and ELI, not the version's.
    eli = None if consolidated else clean(work.findtext("ELI/VALUE"))
    expressions = {expression_language(e): e for e in work.iterfind("EXPRESSION")}
    primary = meta.get("primary_language") or "en"
    decoding = expressions.get(primary)
    if decoding is None:
        decoding = next(iter(expressions.values()), None)
    title = clean(decoding.findtext("EXPRESSION_TITLE/VALUE")) if decoding is not None else None
    if title:
        # The real capture's title ends with its language's code after the text ("... en").
        title = title.removesuffix(f" {expression_language(decoding)}")
    in_force = (work.findtext("RESOURCE_LEGAL_IN-FORCE/VALUE") or "").strip().lower()
    entry_into_force = notice_date(work.find("RESOURCE_LEGAL_DATE_ENTRY-INTO-FORCE"))
    kind = meta.get("kind") or ACT_TYPES.get(CELEX.match(celex)["type"], (None, None, None))[2]
    yield InstrumentItem(
        id=the_id, jurisdiction=meta.get("jurisdiction") or "EU", title=title,
        citation=meta.get("citation"), kind=kind,
        status=meta.get("status") or ("in_force" if in_force == "true" else None),
        # A consolidated work is dated by its consolidation, not by the act's adoption.
        date_enacted=None if consolidated else notice_date(work.find("WORK_DATE_DOCUMENT")),
        date_in_force=None if consolidated else entry_into_force,
        official_url=official_url(base_celex(celex)), language=primary if decoding is not None else None,
        source=SOURCE, identifiers=identifiers_for(base_celex(celex), eli),
    )
    wanted = list(dict.fromkeys([primary, *(meta.get("languages") or LANGUAGES)]))
    text_meta = {"instrument_id": the_id, "tracked": bool(meta.get("tracked")),
                 "in_force_status": "in_force" if in_force == "true" else None,
                 "valid_from": entry_into_force}
    for language in wanted:
        expression = expressions.get(language)
        if expression is not None and manifestation_types(expression) & {"xhtml", "html"}:
            yield scrapy.Request(html_url(celex, language), meta={**text_meta, "language": language})


def tree_notice(root, response):
    dossier = root.find("DOSSIER")
    reference = clean(dossier.findtext("PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE/VALUE"))
    seen = set()
    for embedded in root.iter("EMBEDDED_NOTICE"):
        work = embedded.find("WORK")
        celex = celex_of(work.findtext("ID_CELEX/VALUE") or work.findtext("RESOURCE_LEGAL_ID_CELEX/VALUE")) \
            if work is not None else None
        if not celex or not celex.startswith("3") or celex in seen:
            continue  # proposals, opinions and positions are not law
        seen.add(celex)
        expression = embedded.find("EXPRESSION")
        yield CandidateItem(
            id=instrument_id(celex), jurisdiction="EU",
            title=clean(expression.findtext("EXPRESSION_TITLE/VALUE")) if expression is not None else celex,
            url=official_url(celex), published=notice_date(work.find("WORK_DATE_DOCUMENT")),
            matched_query=response.meta.get("query") or (f"procedure {reference}" if reference else None), source=SOURCE,
        )


def parse_cellar(response):
    """Whatever CELLAR answered for a CELEX or cellar URI: a notice, or a Formex act."""
    root = root_element(response.body) if response.body.strip() else None
    if root in ("ACT", "LEXP.COMBINED"):
        return parse_formex(response)
    return parse_notice(response)


# --------------------------------------------------------------------------- SOAP search


class SoapFault(ValueError):
    """The web service answered with a SOAP fault: an error, never an empty result."""


#: Where the WS-Security header goes; filled by `WsSecurityMiddleware` on the way out only.
WSSE_SLOT = "<!--ws-security-->"


def search_envelope(query: str, page: int, language: str, page_size: int = PAGE_SIZE) -> bytes:
    """A SOAP 1.2 searchRequest, credentials left out (see `WsSecurityMiddleware`)."""
    return (
        f'<soap:Envelope xmlns:soap="{SOAP12}" xmlns:sear="{SEARCH_NS}">'
        f"<soap:Header>{WSSE_SLOT}</soap:Header><soap:Body><sear:searchRequest>"
        f"<sear:expertQuery>{escape(query)}</sear:expertQuery><sear:page>{int(page)}</sear:page>"
        f"<sear:pageSize>{int(page_size)}</sear:pageSize><sear:searchLanguage>{escape(language)}</sear:searchLanguage>"
        "</sear:searchRequest></soap:Body></soap:Envelope>"
    ).encode("utf-8")


def search_request(query: str, language: str, page: int = 1) -> scrapy.Request:
    return scrapy.Request(
        OFFICIAL + WS_PATH, method="POST", body=search_envelope(query, page, language),
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        # Faults come with an HTTP error status: the parser must see them to record
        # their code and message. Search answers are not archived (see the report).
        meta={"query": query, "language": language, "page": page, "eurlex_ws": True, "dont_archive": True,
              "handle_httpstatus_list": [400, 401, 403, 500]},
    )


def ws_security_header(username: str, password: str) -> str:
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    text = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
    return (f'<wsse:Security xmlns:wsse="{wsse}" soap:mustUnderstand="true">'
            f'<wsse:UsernameToken xmlns:wsu="{wsu}" wsu:Id="UsernameToken-1">'
            f"<wsse:Username>{escape(username)}</wsse:Username>"
            f'<wsse:Password Type="{text}">{escape(password)}</wsse:Password>'
            "</wsse:UsernameToken></wsse:Security>")


def parse_search(response):
    """A web service answer: candidates and the next page, or a SoapFault raised."""
    if not response.body.strip():
        raise ValueError(f"empty answer from the EUR-Lex web service ({response.status})")
    try:
        root = etree.fromstring(response.body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"the EUR-Lex web service answered something that is not XML ({response.status}): {error}") from None
    if local(root) != "Envelope":
        raise ValueError(f"expected a SOAP Envelope from the EUR-Lex web service, found {local(root)!r}")
    fault = next((e for e in root.iter() if local(e) == "Fault"), None)
    if fault is not None:
        raise SoapFault(fault_message(fault, response.status))
    results = next((e for e in root.iter(f"{{{SEARCH_NS}}}searchResults")), None)
    if results is None:
        raise ValueError(f"SOAP answer without searchResults or Fault ({response.status})")
    ns = {"s": SEARCH_NS}
    query = response.meta.get("query")
    for result in results.iterfind("s:result", ns):
        notice = result.find("s:content/s:NOTICE", ns)
        celex = celex_of(notice.findtext("s:WORK/s:ID_CELEX/s:VALUE", namespaces=ns)) if notice is not None else None
        if celex is None:
            continue
        title = clean(notice.findtext("s:EXPRESSION/s:EXPRESSION_TITLE/s:VALUE", namespaces=ns))
        date = notice.find("s:WORK/s:WORK_DATE_DOCUMENT", ns)
        published = None
        if date is not None:
            parts = [date.findtext(f"s:{name}", namespaces=ns) for name in ("YEAR", "MONTH", "DAY")]
            if all(parts):
                published = f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
        yield CandidateItem(id=instrument_id(base_celex(celex)), jurisdiction="EU", title=re.sub(r"<[^>]*>", "", title or celex),
                            url=official_url(celex) if eli_of(celex) else f"{OFFICIAL}/legal-content/EN/ALL/?uri=CELEX:{celex}",
                            published=published, matched_query=query, source=SOURCE)
    page = int(results.findtext("s:page", "1", ns) or 1)
    total = int(results.findtext("s:totalhits", "0", ns) or 0)
    page_size = int(response.meta.get("page_size") or PAGE_SIZE)
    if query and page * page_size < total:
        yield search_request(query, response.meta.get("language") or "en", page + 1)


def fault_message(fault, status) -> str:
    """"WS_QUERY_SYNTAX_ERROR: Error at line 1 character 8." from a SOAP 1.2 (or 1.1) fault."""
    values = [clean(e.text) for e in fault.iter() if local(e) == "Value"]
    code = (values[-1] if values else None) or clean(next((e.text for e in fault.iter() if local(e) == "faultcode"), None))
    reason = clean(next((e.text for e in fault.iter() if local(e) in ("Text", "faultstring")), None))
    code = code.split(":", 1)[-1] if code else "unknown fault"
    return f"{code}: {reason or 'no reason given'} (HTTP {status})"


class WsSecurityMiddleware:
    """Puts the web service credentials into a search request just before it is sent,
    and takes them out again as soon as the answer (or the failure) comes back.

    It sits closest to the download (after the HTTP cache and the archive), so no
    cache file, archive key, log line or retry copy ever holds the password. The
    contract's auth kinds cannot express a WS-Security header, hence this module's own."""

    def process_request(self, request):
        if not request.meta.get("eurlex_ws"):
            return None
        username, password = (os.environ.get(name, "") for name in WS_ENV)
        body = request.body.decode("utf-8")
        if WSSE_SLOT in body:
            request.meta["_eurlex_ws_clean_body"] = request.body
            request._set_body(body.replace(WSSE_SLOT, ws_security_header(username, password)).encode("utf-8"))
        return None

    @staticmethod
    def restore(request):
        clean_body = request.meta.pop("_eurlex_ws_clean_body", None)
        if clean_body is not None:
            request._set_body(clean_body)

    def process_response(self, request, response):
        self.restore(request)
        return response

    def process_exception(self, request, exception):
        self.restore(request)
        return None


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="EUR-Lex and CELLAR (Publications Office of the EU)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("publications.europa.eu",),
    licence="Commission reuse policy (Decision 2011/833/EU), CC BY 4.0",
    licence_url="https://eur-lex.europa.eu/content/legal-notice/legal-notice.html",
    terms_url="https://eur-lex.europa.eu/content/legal-notice/legal-notice.html",
    rate_limit_text="not published for HTML and CELLAR; the web service needs registration; one request at a time",
    download_delay=1.0,
    deadline_seconds=2 * 3600,
    # Documents and notices need no account. The SOAP search does (WS-Security username
    # token from EURLEX_WS_USERNAME and EURLEX_WS_PASSWORD), which no Auth kind expresses:
    # WsSecurityMiddleware adds it, and discovery is left out when they are not set.
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("celex", "citation", "in_force_status", "instrument_id", "kind", "language", "languages",
                 "page_size", "primary_language", "tracked", "valid_from"),
    notes="CELLAR branch notices, EUR-Lex HTML in EN, FR and DE, Formex 4 (parse only); discovery through the SOAP "
          "web service when EURLEX_WS_USERNAME and EURLEX_WS_PASSWORD are set.",
    curated_instrument_id=curated_instrument_id,
)


class EurLexSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/legal-content/[A-Za-z]{2}/TXT/HTML/?$", parse_xhtml),
        (r"^/resource/(?:celex|cellar)/", parse_cellar),
        (rf"^{WS_PATH}$", parse_search),
    ]
    root_elements = {"NOTICE": parse_notice, "ACT": parse_formex, "LEXP.COMBINED": parse_formex,
                     "Envelope": parse_search, "html": parse_xhtml}

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Added to the project's middlewares, closest to the download (after the source
        # auth at 950); `custom_settings` would replace the project's dict instead.
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        settings.set("DOWNLOADER_MIDDLEWARES", {**middlewares, f"{__name__}.WsSecurityMiddleware": 960}, priority="spider")

    def secret_values(self) -> list[str]:
        return super().secret_values() + [os.environ[name] for name in WS_ENV if os.environ.get(name)]

    def to_official_url(self, url: str) -> str:
        # CELLAR's paths live on its own host, not on eur-lex.europa.eu.
        official = super().to_official_url(url)
        parts = urlsplit(official)
        if parts.netloc == urlsplit(OFFICIAL).netloc and parts.path.startswith("/resource/"):
            return urlunsplit(("https", urlsplit(CELLAR).netloc, parts.path, parts.query, ""))
        return official

    def discovery_requests(self):
        if not all(os.environ.get(name) for name in WS_ENV):
            self.logger.warning("eur_lex: discovery skipped, set $%s and $%s (EUR-Lex web service registration)", *WS_ENV)
            return
        for language, query in SEARCH_QUERIES:
            request = search_request(query, language)
            yield request.replace(url=self.to_download_url(request.url), callback=self.parse, errback=self.on_error)

    def tracked_requests(self):
        for instrument in self.tracked_within_limit():
            celex = celex_of(instrument.get("source_identifier"))
            if celex is None:
                self.logger.error("eur_lex: %s has no CELEX source_identifier", instrument.get("id"))
                continue
            primary = instrument.get("language") or "en"
            yield self.request(
                notice_url(celex), tracked=True,
                headers={"Accept": "application/xml;notice=branch", "Accept-Language": OP_LANGUAGES.get(primary, "ENG").lower()},
                instrument_id=curated_instrument_id(celex) or instrument.get("id"), jurisdiction=instrument.get("jurisdiction"),
                status=instrument.get("status"), kind=instrument.get("kind"), citation=instrument.get("citation"),
                primary_language=primary, languages=list(LANGUAGES),
            )
