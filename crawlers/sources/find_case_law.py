"""Find Case Law: judgments and tribunal decisions of the UK courts (The National Archives).

Source:   Find Case Law, The National Archives (TNA), the official record of judgments
          of the UK Supreme Court, Privy Council, Court of Appeal, High Court, Court of
          Protection, Family, Crown and County Courts, the Employment Appeal Tribunal and
          the Upper and First-tier Tribunals.
Base URL: https://caselaw.nationalarchives.gov.uk
Endpoints (nationalarchives/ds-find-caselaw-docs `doc/openapi/public_api.yml`):
    /atom.xml?query=..&order=-date&per_page=50[&from_date_0=D&from_date_1=M&from_date_2=YYYY][&page=N]
        Atom search feed, the same parameters as the site's advanced search.
    /{document_uri}/data.xml
        one document as Akoma Ntoso 3.0 (LegalDocML), `application/akn+xml`.
Licence:  Open Justice Licence (https://caselaw.nationalarchives.gov.uk/open-justice-licence).
          It allows copying and republishing, but it does NOT permit computational
          analysis: programmatic searching in bulk across the records to identify,
          extract or enrich contents needs TNA's (free) transactional licence
          (https://caselaw.nationalarchives.gov.uk/re-use-find-case-law-records/licence-application-process).
          Running this spider beyond a handful of look-ups is that kind of use: hold the
          licence first.
Terms:    terms of use at /terms-of-use; no API key. No published rate limit: we are
          gentle, one request at a time with a 1 s delay (`custom_settings`), robots.txt
          obeyed (TNA allows crawling, ds-find-caselaw-docs ADR 0020).

What the spider does: one Atom search per term of `SEARCH_TERMS`, newest first, and
each listed document's `data.xml`, parsed into one `CaseItem`. `--since` adds the
feed's own date filter and stops paging at the first older entry; `--limit` caps the
number of documents requested in the whole run.

Format notes and history (dated from the public repositories named):
- 2021-12 (early schema, e.g. [2004] EWCA Civ 632 transformed 2021-12-02): FRBR values
  are bare paths (`ewca/civ/2004/632/eng`); the `uk:` prefix in `<proprietary>` is
  bound to the malformed namespace `https:/judgments.gov.uk/`, so metadata is read by
  local name, never by namespace. `TLCOrganization/@shortForm` can be wrong (the Civil
  Division capture says "Court of Appeal Criminal Division"); court names come from
  the `uk:court` code instead.
- 2022-08 (ADR 0008): FRBRWork/FRBRExpression carry one FRBRdate named `judgment` or
  `decision`; the name `dummy` means the parser found no date, so it is not trusted.
  Annexes are nested `doc`s with their own `meta`: only the top-level meta is read.
- 2023 schema: root binds `uk:` to https://caselaw.nationalarchives.gov.uk/akn; FRBR
  values are full URLs (Work under `/id/`); `<proprietary>` holds `uk:court`,
  `uk:year`, `uk:number`, `uk:cite`, `uk:parser`, `uk:hash`, later
  `uk:jurisdiction` (a subject code such as `InformationRights`, not a territory)
  and `uk:tna-enrichment-engine`. Enrichment marks legislation as
  `<ref uk:type="legislation" href="http://www.legislation.gov.uk/id/..."
  uk:canonical="2003 c. 42">`, down to the section.
- Judges: only names the parser marked (`<judge>` in the header, `TLCPerson` with an
  `eId` starting `judge-`) are known; an unmarked name on the cover page (the third
  judge of [2004] EWCA Civ 632) is missed.
- 2025-04 (ADR 0047/0049): new documents get opaque URIs `d-{uuid}`; older ones keep
  `court/year/number`. The Atom `<tna:uri>` is the document URI (stable: our `id`),
  while the entry's `akn+xml` link uses the preferred identifier's slug (the NCN),
  which may change. We therefore fetch `/{tna:uri}/data.xml`.
- Atom feed (public-ui `judgments/feeds.py`): namespace `tna` =
  https://caselaw.nationalarchives.gov.uk; per entry `tna:contenthash`, `tna:uri`,
  from 2025 `tna:identifier` (`type="ukncn"`/`"fclid"`, `slug`). 2023-24 feeds wrote
  the `akn+xml` link as a relative href (`/ewhc/fam/2024/1/data.xml`) and had no
  `tna:identifier`. Paging links `first`/`last`/`next`/`previous` are computed at 10
  results a page whatever `per_page` says, so with `per_page=50` a `next` link can
  point past the end: paging stops at the first page without entries (and a
  `per_page` below 10 would hide real pages, so never use one). An empty result
  has `rel="last"` at `page=0`. Press summaries (`.../press-summary/1`) are listed
  too and are skipped: they are not judgments.
"""

import re
from datetime import date
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from lxml import etree

from ..items import CaseItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day

SOURCE = "find_case_law"
OFFICIAL = "https://caselaw.nationalarchives.gov.uk"
AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
ATOM = "http://www.w3.org/2005/Atom"
TNA = "https://caselaw.nationalarchives.gov.uk"
NS = {"akn": AKN, "atom": ATOM, "tna": TNA}

#: The subject's terms, as Find Case Law's full-text search reads them (words ANDed).
SEARCH_TERMS = [
    "intimate image",
    "deepfake",
    "66B",
    "purported intimate image",
    "sexually explicit deepfake",
    "nudify",
]
#: The feed's documented default; at least 10, see the paging note above.
PER_PAGE = 50

# uk:court code -> (court name as ds-caselaw-utils `court_names.yaml` gives it, jurisdiction).
# Courts of England and Wales are GB-EAW; UK-wide courts and tribunals are GB (the EAT
# sits for Great Britain, which has no code of its own). The Privy Council decides on
# the law of the territory appealed from, so it gets no jurisdiction of ours.
COURTS = {
    "UKSC": ("United Kingdom Supreme Court", "GB"),
    "UKPC": ("Privy Council", None),
    "EWCA-Civil": ("Court of Appeal (Civil Division)", "GB-EAW"),
    "EWCA-Criminal": ("Court of Appeal (Criminal Division)", "GB-EAW"),
    "EWHC-QBD-Admin": ("High Court (Administrative Court)", "GB-EAW"),
    "EWHC-KBD-Admin": ("High Court (Administrative Court)", "GB-EAW"),
    "EWHC-Chancery": ("High Court (Chancery Division)", "GB-EAW"),
    "EWHC-Family": ("High Court (Family Division)", "GB-EAW"),
    "EWHC-KBD": ("High Court (King's Bench Division)", "GB-EAW"),
    "EWHC-QBD": ("High Court (Queen's Bench Division)", "GB-EAW"),
    "EWHC-QBD-Commercial": ("High Court (Commercial Court)", "GB-EAW"),
    "EWHC-KBD-Commercial": ("High Court (Commercial Court)", "GB-EAW"),
    "EWHC-QBD-TCC": ("High Court (Technology and Construction Court)", "GB-EAW"),
    "EWHC-KBD-TCC": ("High Court (Technology and Construction Court)", "GB-EAW"),
    "EWHC-Chancery-Patents": ("High Court (Patents Court)", "GB-EAW"),
    "EWHC-Chancery-IPEC": ("High Court (Intellectual Property Enterprise Court)", "GB-EAW"),
    "EWHC-SeniorCourtsCosts": ("High Court (Senior Court Costs Office)", "GB-EAW"),
    "EWCOP": ("Court of Protection", "GB-EAW"),
    "EWFC": ("Family Court", "GB-EAW"),
    "EWFC-B": ("Family Court (B - district and circuit judges)", "GB-EAW"),
    "EWCR": ("Crown Court", "GB-EAW"),
    "EWCC": ("County Court", "GB-EAW"),
    "EAT": ("Employment Appeal Tribunal", "GB"),
    "UKIPT": ("Investigatory Powers Tribunal", "GB"),
    "UKUT-AAC": ("Upper Tribunal (Administrative Appeals Chamber)", "GB"),
    "UKUT-IAC": ("Upper Tribunal (Immigration and Asylum Chamber)", "GB"),
    "UKUT-LC": ("Upper Tribunal (Lands Chamber)", "GB"),
    "UKUT-TCC": ("Upper Tribunal (Tax and Chancery Chamber)", "GB"),
    "UKFTT-GRC": ("First-tier Tribunal (General Regulatory Chamber)", "GB"),
    "UKFTT-TC": ("First-tier Tribunal (Tax Chamber)", "GB"),
    "UKAIT": ("Asylum & Immigration Tribunal", "GB"),
    "ET": ("First-tier Tribunal (Employment Tribunal)", "GB"),
}
# Court code prefix -> jurisdiction, for codes the table above does not list. Find Case
# Law publishes no Northern Irish or Scottish court today; the last two are for the day it does.
PREFIX_JURISDICTIONS = (("EW", "GB-EAW"), ("UKPC", None), ("UK", "GB"), ("NI", "GB-NIR"), ("SC", "GB-SCT"))
# URL court segment (the search `court` parameter) -> uk:court code, for documents without one.
URL_COURTS = {
    "uksc": "UKSC",
    "ukpc": "UKPC",
    "ewca/civ": "EWCA-Civil",
    "ewca/crim": "EWCA-Criminal",
    "ewhc/admin": "EWHC-KBD-Admin",
    "ewhc/ch": "EWHC-Chancery",
    "ewhc/fam": "EWHC-Family",
    "ewhc/kb": "EWHC-KBD",
    "ewhc/qb": "EWHC-QBD",
    "ewhc/comm": "EWHC-KBD-Commercial",
    "ewhc/tcc": "EWHC-KBD-TCC",
    "ewhc/pat": "EWHC-Chancery-Patents",
    "ewhc/ipec": "EWHC-Chancery-IPEC",
    "ewhc/scco": "EWHC-SeniorCourtsCosts",
    "ewcop": "EWCOP",
    "ewfc/b": "EWFC-B",
    "ewfc": "EWFC",
    "ewcr": "EWCR",
    "ewcc": "EWCC",
    "eat": "EAT",
    "ukiptrib": "UKIPT",
    "ukut/aac": "UKUT-AAC",
    "ukut/iac": "UKUT-IAC",
    "ukut/lc": "UKUT-LC",
    "ukut/tcc": "UKUT-TCC",
    "ukftt/grc": "UKFTT-GRC",
    "ukftt/tc": "UKFTT-TC",
}

# Elements whose text runs on within a line; every other element is a block of its own.
INLINE = frozenset(
    "a abbr b br courtType date def docDate docNumber docTitle docketNumber docProponent "
    "embeddedStructure entity event i img inline judge lawyer location marker mref "
    "neutralCitation noteRef object organization party person quantity ref role rref "
    "signature span sub sup term u".split()
)
PRESS_SUMMARY = re.compile(r"/press-summary/\d+/?$")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True, remove_pis=True)


# --- small helpers ---


def _xml(response, expected_root: str):
    """The parsed document, or a clear error: a page that is not what it should be is
    recorded as a failed page by the crawl, never passed over in silence."""
    try:
        root = etree.fromstring(response.body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable XML at {response.url}: {error}") from None
    if root is None or _local(root) != expected_root:
        found = _local(root) if root is not None else None
        raise ValueError(f"expected <{expected_root}> at {response.url}, found {found!r}")
    return root


def _local(element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _iso_date(value) -> str | None:
    return iso_day(str(value or "").strip())  # dates in these XML documents may carry blanks


def case_id(document_uri: str | None) -> str | None:
    """Our id for a decision: its document URI with dashes (`ewca-civ-2004-632`)."""
    return document_uri.replace("/", "-") if document_uri else None


def document_uri(url: str) -> str | None:
    """`ewca/civ/2004/632` from `https://caselaw.nationalarchives.gov.uk/ewca/civ/2004/632/data.xml`."""
    path = urlsplit(url).path.strip("/")
    path = re.sub(r"(^|/)data\.(xml|html|pdf)$", "", path)
    return path or None


def search_url(term: str, since: date | None = None, page: int | None = None) -> str:
    """The official Atom search URL for one term, newest first."""
    params = [("query", term), ("order", "-date"), ("per_page", PER_PAGE)]
    if since:
        # The advanced-search form's date field, split into day, month and year.
        params += [("from_date_0", since.day), ("from_date_1", since.month), ("from_date_2", since.year)]
    if page:
        params.append(("page", page))
    return f"{OFFICIAL}/atom.xml?{urlencode(params)}"


def court_jurisdiction(code: str | None) -> str | None:
    if not code:
        return None
    if code in COURTS:
        return COURTS[code][1]
    for prefix, jurisdiction in PREFIX_JURISDICTIONS:
        if code.upper().startswith(prefix):
            return jurisdiction
    return None


# --- Atom search feed ---


def parse_search_feed(response):
    """One Atom page: a request for each listed document's data.xml, then the next page.

    Meta read: `query` (the search term, passed on), `since` (ISO date: entries
    handed down earlier are skipped and paging stops there, as the feed is newest
    first), `limit` (documents still wanted from this search; paging stops at 0).
    """
    root = _xml(response, "feed")
    query = response.meta.get("query")
    since = _iso_date(response.meta.get("since"))
    limit = response.meta.get("limit")
    limit = int(limit) if limit not in (None, "") else None
    entries = root.findall("atom:entry", NS)
    passed_since = False
    requested = 0
    for entry in entries:
        published = _iso_date(entry.findtext("atom:published", namespaces=NS))
        if since and published and published < since:
            passed_since = True
            continue
        url = _judgment_url(entry, response.url)
        if url is None:
            continue
        if limit is not None and requested >= limit:
            break
        requested += 1
        yield scrapy.Request(url, meta={"query": query})

    if not entries or passed_since or (limit is not None and requested >= limit):
        return
    next_link = root.find("atom:link[@rel='next']", NS)
    if next_link is not None and next_link.get("href"):
        meta = {"query": query, "since": since, "limit": None if limit is None else limit - requested}
        yield scrapy.Request(urljoin(response.url, next_link.get("href")), meta=meta)


def _judgment_url(entry, base_url: str) -> str | None:
    uri = (entry.findtext("tna:uri", namespaces=NS) or "").strip().strip("/")
    if uri:
        return None if PRESS_SUMMARY.search(uri) else f"{OFFICIAL}/{uri}/data.xml"
    # No document URI: fall back on the XML link, then on the page link.
    for link in entry.findall("atom:link", NS):
        if link.get("type") == "application/akn+xml" and link.get("href"):
            url = urljoin(base_url, link.get("href"))
            return None if PRESS_SUMMARY.search(url.removesuffix("/data.xml")) else url
    for link in entry.findall("atom:link", NS):
        if link.get("rel", "alternate") == "alternate" and not link.get("type") and link.get("href"):
            url = urljoin(base_url, link.get("href")).rstrip("/")
            return None if PRESS_SUMMARY.search(url) else f"{url}/data.xml"
    return None


# --- LegalDocML document ---


def parse_judgment(response):
    """One document's data.xml: one CaseItem (nothing for a press summary; an error for
    anything that is not LegalDocML)."""
    root = _xml(response, "akomaNtoso")
    document = next((child for child in root if isinstance(child.tag, str)), None)
    if document is None or document.get("name") == "pressSummary":
        return
    meta = document.find("akn:meta", NS)
    if urlsplit(response.url).netloc == urlsplit(OFFICIAL).netloc:
        uri = document_uri(response.url) or _expression_uri(meta)
    else:  # a saved file parsed without its official URL: trust the document itself
        uri = _expression_uri(meta) or document_uri(response.url)
    code = _proprietary(meta, "court")
    if not code and uri:
        code = next((c for segment, c in URL_COURTS.items() if uri == segment or uri.startswith(segment + "/")), None)
    citation = _proprietary(meta, "cite") or _first_text(document, "akn:header//akn:neutralCitation")
    yield CaseItem(
        id=case_id(uri),
        jurisdiction=court_jurisdiction(code),
        court=_court_name(code, meta),
        decision_date=_decision_date(document, meta),
        name=clean(_attr(meta, "akn:identification/akn:FRBRWork/akn:FRBRname", "value")),
        citation=citation,
        url=f"{OFFICIAL}/{uri}" if uri else None,
        language="en",
        judges=_judges(document, meta),
        text=_body_text(document),
        cited_legislation=_legislation(document),
        source=SOURCE,
    )


def _attr(meta, path: str, name: str) -> str | None:
    if meta is None:
        return None
    element = meta.find(path, NS)
    return element.get(name) if element is not None else None


def _first_text(element, path: str) -> str | None:
    found = element.find(path, NS)
    return clean("".join(found.itertext())) if found is not None else None


def _proprietary(meta, name: str) -> str | None:
    # By local name: the early schema binds `uk:` to a malformed namespace.
    if meta is None:
        return None
    for proprietary in meta.findall("akn:proprietary", NS):
        for element in proprietary:
            if _local(element) == name:
                return clean(element.text)
    return None


def _expression_uri(meta) -> str | None:
    value = _attr(meta, "akn:identification/akn:FRBRExpression/akn:FRBRuri", "value")
    if not value:
        return None
    path = urlsplit(value).path if "://" in value else value
    return re.sub(r"/eng$", "", path.strip("/")) or None


def _court_name(code: str | None, meta) -> str | None:
    if code in COURTS:
        return COURTS[code][0]
    # The court the Work names as author, as the document itself spells it.
    author = (_attr(meta, "akn:identification/akn:FRBRWork/akn:FRBRauthor", "href") or "").lstrip("#")
    if author and meta is not None:
        for organization in meta.iterfind("akn:references/akn:TLCOrganization", NS):
            if organization.get("eId") == author and organization.get("showAs"):
                return clean(organization.get("showAs"))
    return code


def _decision_date(document, meta) -> str | None:
    for path in ("akn:identification/akn:FRBRWork/akn:FRBRdate", "akn:identification/akn:FRBRExpression/akn:FRBRdate"):
        element = meta.find(path, NS) if meta is not None else None
        # "dummy" marks a date the parser could not find (ADR 0008).
        if element is not None and element.get("name") != "dummy":
            found = _iso_date(element.get("date"))
            if found:
                return found
    doc_date = document.find("akn:header//akn:docDate", NS)
    return _iso_date(doc_date.get("date")) if doc_date is not None else None


def _judges(document, meta) -> list[str]:
    names = [clean("".join(judge.itertext())) for judge in document.iterfind("akn:header//akn:judge", NS)]
    if meta is not None:
        names += [
            clean(person.get("showAs"))
            for person in meta.iterfind("akn:references/akn:TLCPerson", NS)
            if (person.get("eId") or "").startswith("judge-")
        ]
    judges, seen = [], set()
    for name in names:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            judges.append(name)
    return judges


def _legislation(document) -> list[dict]:
    cited, seen = [], set()
    for ref in document.iter(f"{{{AKN}}}ref"):
        href = (ref.get("href") or "").strip()
        kind = next((value for key, value in ref.attrib.items() if etree.QName(key).localname == "type"), None)
        if kind != "legislation" and "legislation.gov.uk" not in href:
            continue
        title = clean("".join(ref.itertext()))
        key = href or title
        if key and key not in seen:
            seen.add(key)
            cited.append({"title": title, "href": href or None})
    return cited


def _body_text(document) -> str | None:
    body = document.find("akn:judgmentBody", NS)
    if body is None:
        body = document.find("akn:mainBody", NS)
    if body is None:
        return None
    pieces: list[str] = []
    glue = [False]  # after a paragraph number, its text stays on the same line

    def newline():
        if not glue[0]:
            pieces.append("\n")

    def text(value):
        # Source line breaks are layout, not structure: only blocks start lines.
        value = re.sub(r"\s+", " ", value or "")
        if value:
            pieces.append(value)
            if value.strip():
                glue[0] = False

    def start(element):
        """Open an element: whether it is a block, or None when its content is done."""
        name = _local(element)
        if name == "num":
            text("".join(element.itertext()) + " ")
            glue[0] = True
            return None
        block = name not in INLINE
        if block:
            newline()
        elif name == "br":
            pieces.append("\n")
        text(element.text)
        return block

    # Depth first with a stack of open elements, not a recursive closure: a nested
    # function that calls itself is a reference cycle holding the tree until the
    # garbage collector runs.
    stack = [(body, iter(body), start(body))]
    while stack:
        element, children, block = stack[-1]
        child = next(children, None)
        if child is not None:
            child_block = start(child)
            if child_block is None:
                text(child.tail)
            else:
                stack.append((child, iter(child), child_block))
            continue
        stack.pop()
        if block:
            newline()
        if stack:
            text(element.tail)
    lines = (re.sub(r" +", " ", line).strip() for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line) or None


# --- the spider ---


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the decision at an official URL (None for other sites)."""
    if urlsplit(url or "").netloc != urlsplit(OFFICIAL).netloc:
        return None
    return case_id(document_uri(url))


DECLARATION = SourceContract(
    id=SOURCE,
    name="Find Case Law (The National Archives)",
    kind="case_law",
    base_url=OFFICIAL,
    licence="Open Justice Licence",
    licence_url="https://caselaw.nationalarchives.gov.uk/open-justice-licence",
    terms_url="https://caselaw.nationalarchives.gov.uk/re-use-find-case-law-records",
    rate_limit_text="not published; one request at a time with a delay",
    download_delay=1.0,
    deadline_seconds=2 * 3600,
    auth=Auth.none(),
    parser_version="1",
    notes="LegalDocML (Akoma Ntoso) judgments and an Atom search feed. Computational analysis of the records "
          "needs TNA's free transactional licence.",
    case_id_for_url=case_id_for_url,
)


class FindCaseLawSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/atom\.xml$", parse_search_feed),
        (r"/data\.xml$", parse_judgment),
    ]
    root_elements = {"feed": parse_search_feed, "akomaNtoso": parse_judgment}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.judgments_requested: set[str] = set()

    def discovery_requests(self):
        since = self.since.isoformat() if self.since else None
        for term in SEARCH_TERMS:
            yield self.request(search_url(term, self.since), query=term, since=since, limit=self.limit)

    def parse(self, response):
        # The parsers see one page; the cap on documents holds for the whole run, so it
        # is counted here, over every search term, each document once.
        for result in super().parse(response):
            if not isinstance(result, scrapy.Request):
                yield result
            elif urlsplit(result.url).path.endswith("/data.xml"):
                if result.url in self.judgments_requested or self.limit_reached():
                    continue
                self.judgments_requested.add(result.url)
                # A listed judgment that answers 404 or 410 was withdrawn (pulled for
                # anonymisation, say): the error names the case, so a stored copy can be marked.
                result.meta["expects"] = ("case", case_id_for_url(self.to_official_url(result.url)))
                yield result
            elif not self.limit_reached():
                yield result

    def limit_reached(self) -> bool:
        return self.limit is not None and len(self.judgments_requested) >= self.limit
