"""Rechtspraak.nl open data: decisions of the Dutch courts, by ECLI.

Source:   De Rechtspraak (the Dutch judiciary, Raad voor de rechtspraak), open data service.
Base URL: https://data.rechtspraak.nl
Endpoints (Technische documentatie Open Data van de Rechtspraak; no real capture of the
search feed is held, its shape below is from that documentation):
    /uitspraken/zoeken?type=Uitspraak&subject=<rechtsgebied URI>&date=..|modified=..
                      &return=DOC&max=1000&from=N&sort=DESC
        the ECLI index as an Atom feed: one `<entry>` per ECLI with `<id>` (the ECLI),
        `<title>` ("ECLI, instantie, dd-mm-yyyy, zaaknummer"), `<summary>` (the
        inhoudsindicatie, "-" when there is none), `<updated>` and an HTML `<link>`.
        The index searches metadata only: it has NO full-text search. `max` is at most
        1000; `from` pages (0-based); `return=DOC` lists only ECLIs that have a text.
    /uitspraken/content?id=ECLI:NL:...
        one document: `<open-rechtspraak>` with an RDF block (metadata), the
        `<inhoudsindicatie>` (summary) and the `<uitspraak>` (or, for an advocate
        general's opinion, `<conclusie>`).
Licence:  the open data are published for free reuse ("Open Data van de Rechtspraak";
          decisions are anonymised by the courts before publication). Terms:
          https://www.rechtspraak.nl/Uitspraken/paginas/open-data.aspx. No key.
Terms:    no published rate limit; the documentation asks users not to overload the
          service and to use filters and paging: one request at a time, 1 s apart.

What the spider does: since the index cannot search text, it lists criminal-law
decisions (`subject` = strafrecht) published since `--since` (default: 2020-01-01, when
art. 139h Sr, the offence of sexual images without consent, came into force), newest
first, and fetches only those whose title or inhoudsindicatie contains one of the Dutch
`SEARCH_TERMS`; each becomes one `CaseItem`. `--limit` caps the documents requested.

Format notes (real capture /work/shared/samples/rechtspraak/ECLI.NL.RBGEL.2015.6991.xml):
- The RDF block has two `rdf:Description`s: the first (no `rdf:about`) describes the
  decision: `dcterms:identifier` (ECLI), `dcterms:creator` (instantie, e.g. "Rechtbank
  Gelderland"), `dcterms:date` (uitspraakdatum), `dcterms:issued` (publication),
  `psi:zaaknummer` (as the court wrote it: "AWB - 13 _ 7992"), `dcterms:type`
  (Uitspraak / Conclusie), `dcterms:subject` (rechtsgebied), `dcterms:language`. The
  second (`rdf:about` the deeplink) has the HTML manifestation's `dcterms:title`.
- `inhoudsindicatie` and `uitspraak` are in the namespace
  http://www.rechtspraak.nl/schema/rechtspraak-1.0 (the RDF is not), so elements are
  read by local name. The text is `para`, `bridgehead` and `title` blocks inside
  `parablock`, `paragroup` and `section`; a paragraph number is a sibling `<nr>` block
  before its `para`; tables (`informaltable/tgroup/tbody/row/entry`) hold paras too;
  empty `<para />` elements are spacing. Parties are already anonymised ("[eiseres]").
"""

from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from lxml import etree

from ..items import CaseItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, with_query

SOURCE = "rechtspraak"
OFFICIAL = "https://data.rechtspraak.nl"
#: Where a person reads a decision.
PUBLIC_DETAILS = "https://uitspraken.rechtspraak.nl/details"
ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM}

#: Art. 139h Sr (sexual images without consent, since 2020-01-01), deepfakes, and the
#: words courts use for the images; matched in an entry's title and inhoudsindicatie.
SEARCH_TERMS = [
    "deepfake",
    "deep fake",
    "139h",
    "intieme beelden",
    "seksueel beeldmateriaal",
    "afbeelding van seksuele aard",
]
CRIMINAL_LAW = "http://psi.rechtspraak.nl/rechtsgebied#strafRecht"
DEFAULT_SINCE = date(2020, 1, 1)
PAGE_SIZE = 1000  # the most `max` allows
BLOCKS = frozenset({"para", "bridgehead", "title", "nr"})
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True,
                              remove_pis=True)


# --- small helpers ---


def _xml(response, expected_root: str):
    try:
        root = etree.fromstring(response.body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable XML at {response.url}: {error}") from None
    if root is None or _local(root) != expected_root:
        raise ValueError(f"expected <{expected_root}> at {response.url}, found "
                         f"{_local(root) if root is not None else None!r}")
    return root


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _iso_date(value) -> str | None:
    return iso_day(str(value or "").strip())  # dates in these XML documents may carry blanks


def case_id(ecli: str | None) -> str | None:
    """Our id for a decision: its ECLI in lower case with dashes (`nl-rbams-2023-6923`)."""
    if not ecli or not ecli.upper().startswith("ECLI:"):
        return None
    return ecli[5:].lower().replace(":", "-")


def content_url(ecli: str) -> str:
    return f"{OFFICIAL}/uitspraken/content?id={ecli}"


def search_url(since: date | None = None, start: int = 0) -> str:
    params = [("type", "Uitspraak"), ("subject", CRIMINAL_LAW)]
    # With --since, what changed since then; else every decision since art. 139h Sr.
    params += [("modified", since.isoformat())] if since else [("date", DEFAULT_SINCE.isoformat())]
    params += [("return", "DOC"), ("max", PAGE_SIZE), ("from", start), ("sort", "DESC")]
    return f"{OFFICIAL}/uitspraken/zoeken?{urlencode(params)}"


def matched_term(*texts) -> str | None:
    haystack = " ".join(t for t in texts if t).casefold()
    return next((term for term in SEARCH_TERMS if term in haystack), None)


# --- the ECLI index (Atom) ---


def parse_search(response):
    """One page of the ECLI index: a request for each entry on the subject, then the
    next page while pages are full. Meta read: `limit` (documents still wanted)."""
    root = _xml(response, "feed")
    limit = response.meta.get("limit")
    limit = int(limit) if limit not in (None, "") else None
    entries = root.findall("atom:entry", NS)
    requested = 0
    for entry in entries:
        ecli = clean(entry.findtext("atom:id", namespaces=NS))
        if not case_id(ecli):
            continue
        term = matched_term(entry.findtext("atom:title", namespaces=NS), entry.findtext("atom:summary", namespaces=NS))
        if term is None:
            continue
        if limit is not None and requested >= limit:
            return
        requested += 1
        yield scrapy.Request(content_url(ecli), meta={"query": term})
    if len(entries) < PAGE_SIZE:
        return  # a page that is not full is the last one
    start = int((parse_qs(urlsplit(response.url).query).get("from") or ["0"])[0]) + len(entries)
    yield scrapy.Request(with_query(response.url, **{"from": start}),
                         meta={"limit": None if limit is None else limit - requested})


# --- one document ---


def _description(rdf, about: bool):
    for description in rdf.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        has_about = description.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") is not None
        if has_about == about:
            return description
    return None


def _meta(description, name: str) -> str | None:
    if description is None:
        return None
    for element in description:
        if _local(element) == name:
            return clean("".join(element.itertext()))
    return None


def block_text(element) -> str | None:
    """The text of a summary or judgment: one line per paragraph, a paragraph number
    on the line of the paragraph it numbers, empty spacing paragraphs dropped."""
    if element is None:
        return None
    lines: list[str] = []
    number = None
    for block in element.iter():
        if _local(block) not in BLOCKS or any(_local(inner) in BLOCKS for inner in block.iterdescendants()):
            continue
        text = clean("".join(block.itertext()))
        if not text:
            continue
        if _local(block) == "nr":
            number = text if number is None else f"{number} {text}"
            continue
        lines.append(f"{number} {text}" if number else text)
        number = None
    if number:
        lines.append(number)
    return "\n".join(lines) or None


def parse_document(response):
    """`/uitspraken/content?id=ECLI`: one CaseItem."""
    root = _xml(response, "open-rechtspraak")
    rdf = next((child for child in root if _local(child) == "RDF"), None)
    if rdf is None:
        raise ValueError(f"no RDF metadata in the document at {response.url}")
    about = _description(rdf, about=False)
    ecli = _meta(about, "identifier")
    if not case_id(ecli):
        ecli = (parse_qs(urlsplit(response.url).query).get("id") or [None])[0]
    if not case_id(ecli):
        raise ValueError(f"no ECLI in the document at {response.url}")
    court = _meta(about, "creator")
    decided = _iso_date(_meta(about, "date"))
    docket = _meta(about, "zaaknummer")
    summary = block_text(next((c for c in root if _local(c) == "inhoudsindicatie"), None))
    body = block_text(next((c for c in root if _local(c) in ("uitspraak", "conclusie")), None))
    # The court's own summary first, under the heading the site gives it.
    text = "\n\n".join(part for part in (f"Inhoudsindicatie\n{summary}" if summary else None, body) if part)
    identifiers = [{"scheme": "ECLI", "value": ecli}]
    if docket:
        identifiers.append({"scheme": "DOCKET", "value": docket})
    # Published decisions are anonymised: the name is the court, the date and the case number.
    day = date.fromisoformat(decided).strftime("%d-%m-%Y") if decided else None
    name = ", ".join(part for part in (court, day, docket) if part) or ecli
    yield CaseItem(
        id=case_id(ecli),
        jurisdiction="NL",
        court=court,
        decision_date=decided,
        name=name,
        citation=ecli,
        url=f"{PUBLIC_DETAILS}?id={ecli}",  # an ECLI needs no escaping: letters, digits, ':' and '.'

        language=_meta(about, "language") or "nl",
        judges=[],
        text=text or None,
        cited_legislation=[],
        identifiers=identifiers,
        source=SOURCE,
    )


# --- the spider ---

#: Hosts whose decision URLs carry the ECLI in `id=`.
DECISION_HOSTS = {"uitspraken.rechtspraak.nl", "data.rechtspraak.nl", "deeplink.rechtspraak.nl"}


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the decision at a rechtspraak.nl URL (None elsewhere)."""
    parts = urlsplit(url or "")
    if parts.netloc not in DECISION_HOSTS:
        return None
    return case_id((parse_qs(parts.query).get("id") or [None])[0])


DECLARATION = SourceContract(
    id=SOURCE,
    name="Rechtspraak.nl open data (De Rechtspraak)",
    kind="case_law",
    base_url=OFFICIAL,
    licence="Open data of De Rechtspraak, free reuse",
    licence_url="https://www.rechtspraak.nl/Uitspraken/paginas/open-data.aspx",
    terms_url="https://www.rechtspraak.nl/Uitspraken/paginas/open-data.aspx",
    rate_limit_text="not published; the documentation asks not to overload the service",
    download_delay=1.0,
    deadline_seconds=2 * 3600,
    auth=Auth.none(),
    parser_version="1",
    notes="ECLI index (Atom, metadata only: no full-text search) and XML documents (RDF metadata, "
          "inhoudsindicatie, uitspraak). Decisions are anonymised by the courts.",
    case_id_for_url=case_id_for_url,
)


class RechtspraakSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/uitspraken/zoeken$", parse_search),
        (r"^/uitspraken/content$", parse_document),
    ]
    root_elements = {"feed": parse_search, "open-rechtspraak": parse_document}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents_requested: set[str] = set()

    def discovery_requests(self):
        yield self.request(search_url(self.since), limit=self.limit)

    def parse(self, response):
        for result in super().parse(response):
            if not isinstance(result, scrapy.Request):
                yield result
            elif urlsplit(result.url).path.endswith("/uitspraken/content"):
                official = self.to_official_url(result.url)
                if official in self.documents_requested or self.limit_reached():
                    continue
                self.documents_requested.add(official)
                # Listed, then 404 or 410: the decision was withdrawn.
                result.meta["expects"] = ("case", case_id_for_url(official))
                yield result
            elif not self.limit_reached():
                yield result

    def limit_reached(self) -> bool:
        return self.limit is not None and len(self.documents_requested) >= self.limit
