"""govinfo: official texts of US federal bills and laws (Government Publishing Office).

Base URL: https://api.govinfo.gov (the API). Content files are on www.govinfo.gov
(`/content/pkg/{packageId}/uslm/{packageId}.xml`), declared as an alias host.
Endpoints used:
    GET  /packages/{PLAW-...|BILLS-...}/uslm               a text in USLM XML (the summary's
                        `download.uslmLink`; it answers with, or redirects to,
                        www.govinfo.gov/content/pkg/{id}/uslm/{id}.xml) [not seen in a
                        real capture: the summary capture predates USLM links]
    POST /search        {"query", "pageSize", "offsetMark", "sorts"}: the search service,
                        paged by `offsetMark` ("*" first, then the value each page returns)
    GET  /packages/{packageId}/summary                    a package's metadata (JSON)
    GET  /collections/{code}/{since}?offset=&pageSize=    packages changed since a date
    GET  /packages/{packageId}/granules?offset=&pageSize=  a package's granules
Auth:     an api.data.gov key as the `api_key` query parameter. This source reads its own
          variable, GOVINFO_API_KEY, so each source's quota and revocation stand apart; it
          may hold the same api.data.gov key as CONGRESS_GOV_API_KEY (api.data.gov
          then counts both sources' requests against that one key).
Licence:  public domain (17 U.S.C. 105); https://www.govinfo.gov/about/policies.
Terms:    api.data.gov's default limit is 1,000 requests per hour per key
          (https://api.data.gov/docs/rate-limits/); we keep under it.

What the spider does:
(a) tracked instruments: every curated instrument whose source is `govinfo`; its
    `source_identifier` is a govinfo package id (`PLAW-119publ12`). The package's USLM
    text is fetched and each key provision (`key: section/2`) is stored with its text;
    the instrument keeps its curated id (carried in request meta), so the crawl
    completes the curated row instead of adding a second one;
(b) discovery: `POST /search` for the subject's terms over bills and public laws;
    every hit becomes a CandidateItem for review, never a tracked instrument.

The US Code: govinfo's USCODE collection publishes sections as HTML and PDF (with
MODS metadata), not USLM. A curated US Code section names its granule
(`USCODE-2024-title15-chap94A-sec6851`); its HTML is asked of the API
(`/packages/{package}/granules/{granule}/htm`, which answers with, or redirects to,
www.govinfo.gov/content/pkg/{package}/html/{granule}.htm) and the section is stored with
the text between the page's `<!-- field-start:statute -->` and `<!-- field-end:statute -->`
comments: `h3.section-head` ("§6851. Heading"), `h4.subsection-head`, `p.statutory-body`
and `p.statutory-body-1em`... (indent levels); the source credit and the notes lie
outside and are left out. NO REAL CAPTURE of a USCODE page exists here: this structure is
from public parsers of GPO's US Code HTML read through the search tool, and the examples
(tests/examples/govinfo/USCODE-*.htm) are written by us in it. The annual edition lags the
law by a year or more; the edition is part of the granule id.

Format knowledge: real captures in /work/shared/samples/govinfo/ (usgpo/uslm and
usgpo/api samples): a USLM 2.1 bill (BILLS-114s32cds.xml), a USLM 2.0 public law
(115publ6-uslm.xml), a package summary, a collection page, a granule list and a search
reply. What they showed:
- Bills (USLM 2.1) begin with a disclaimer comment inside the root; sections carry
  `identifier="/us/bill/114/s/32/s1"`. Public laws (USLM 2.0) carry none: a section is
  known by its `num/@value`. Comments and processing instructions (`<?I97 131 STAT. ?>`,
  `<?GPOvSpace 08?>`) are not text and are dropped as the file is read.
- Public laws print `sidenote`s (margin notes: short title, "42 USC 1861 note", the
  date and bill number) and `page` breaks ("131 STAT. 12") inside the text: neither is
  law, both are left out. Quoted text inserted into other laws (`quotedContent`) is part
  of the quoting section, not a section of its own.
- `num` values are bare ("2") while the printed number is "SEC. 2. "; soft hyphens
  (U+00AD) sit inside words ("Representa­tives") and are removed.
- The approval date is only in prose: `<action><actionDescription>Approved February
  28, 2017.` at the end of `main`.
- Collection pages have `count`, `nextPage` (a full URL with `offset`) and `packages[]`
  (`packageId`, `lastModified`, `packageLink` to the summary); a last page has
  `nextPage: null` (granule list capture). The search reply has `count`, `offsetMark`
  and `results[]` (`packageId`, `title`, `dateIssued`, `collectionCode`, `download`).
"""

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

import scrapy
from lxml import etree
from lxml import html as lxml_html

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, json_object, with_query

SOURCE = "govinfo"
OFFICIAL = "https://api.govinfo.gov"
CONTENT = "https://www.govinfo.gov"
JURISDICTION = "US"

#: The subject's searches, in govinfo's query language, over bills and public laws.
SEARCH_QUERIES = (
    'collection:(BILLS OR PLAW) AND "intimate visual depiction"',
    'collection:(BILLS OR PLAW) AND "digital forgery"',
    'collection:(BILLS OR PLAW) AND "intimate digital forgery"',
    "collection:(BILLS OR PLAW) AND deepfake",
)
PAGE_SIZE = 100

#: Elements whose content is not the law's text: margin notes and page breaks.
NOT_TEXT = frozenset({"sidenote", "page"})
#: A section's own number and heading: kept apart, in `label` and `heading`.
OWN_LABELS = frozenset({"num", "heading"})
#: Elements that start a new line of text.
BLOCKS = frozenset({"section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "item",
                    "subitem", "chapeau", "continuation", "content", "p", "quotedContent", "proviso"})
PACKAGE = re.compile(r"^(?P<package>(?:PLAW|BILLS)-[0-9A-Za-z]+)$")
#: A US Code section's granule: USCODE-2024-title18-partI-chap110-sec2252A.
USCODE_GRANULE = re.compile(r"^(?P<package>USCODE-\d{4}-title\w+?)-(?:[\w-]*-)?sec(?P<section>[0-9A-Za-z.-]+)$")
USCODE_PATH = re.compile(r"^/(?:content/pkg/USCODE-[^/]+/html/(?P<granule>USCODE-[^/]+)\.htm"
                         r"|packages/USCODE-[^/]+/granules/(?P<api_granule>USCODE-[^/]+)/htm)$")
CONTENT_PATH = re.compile(r"^/(?:content/pkg/(?P<package>[^/]+)/uslm/[^/]+\.xml|packages/(?P<api_package>[^/]+)/uslm)$")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True,
                              huge_tree=True)


# --------------------------------------------------------------------------- ids and URLs


def content_url(package: str) -> str:
    """The USLM text of a package, asked of the API (`download.uslmLink`), which sends
    it from www.govinfo.gov/content/pkg/{id}/uslm/{id}.xml. Asked of the API host, not
    of www.govinfo.gov directly: the base spider sends every official host's requests to
    the one download base, so a www URL would reach api.govinfo.gov in a real crawl."""
    return f"{OFFICIAL}/packages/{package}/uslm"


def uscode_url(granule: str) -> str:
    """A US Code section's HTML, asked of the API (see content_url for why)."""
    match = USCODE_GRANULE.match(granule)
    return f"{OFFICIAL}/packages/{match['package']}/granules/{granule}/htm"


def details_url(package: str) -> str:
    return f"{CONTENT}/app/details/{package}"


def package_id(source_identifier: str) -> str | None:
    match = PACKAGE.match(str(source_identifier or "").strip())
    return match["package"] if match else None


def crawled_id(package: str) -> str:
    """The id of a package nobody curated: `us-plaw-115publ6`."""
    return "us-" + package.lower()


# --------------------------------------------------------------------------- USLM text


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def clean(text: str | None) -> str | None:
    text = re.sub(r"\s+", " ", (text or "").replace("\u00ad", "")).strip()
    return text or None


def plain_text(element) -> str | None:
    """A provision's text: one block a line, without margin notes, page breaks, or its own
    number and heading. Nested numbers ("(1)") stay, on the line of the text they number:
    they are how the text is cited."""
    pieces: list[str] = []
    glue = [False]  # after a number, its text stays on the same line

    def newline():
        if not glue[0]:
            pieces.append("\n")

    def text(value):
        if value:
            pieces.append(value)
            if value.strip():
                glue[0] = False

    def walk(node, top: bool):
        name = local(node)
        own = node.getparent() is element  # the section's own number and heading
        if not top and (name in NOT_TEXT or (own and name in OWN_LABELS)):
            text(node.tail)
            return
        if name == "heading":  # a subdivision's heading runs into its text
            text(clean("".join(node.itertext())) + " ")
            glue[0] = True
            text(node.tail)
            return
        if name == "num":
            newline()
            text(clean("".join(node.itertext())) + " ")
            glue[0] = True
            text(node.tail)
            return
        block = name in BLOCKS
        if block:
            newline()
        text(node.text)
        for child in node:
            walk(child, False)
        if block:
            newline()
        if not top:
            text(node.tail)

    # Depth is bounded by the document's nesting (a dozen levels in USLM).
    walk(element, True)
    lines: list[str] = []
    for line in (clean(line) for line in "".join(pieces).split("\n")):
        if not line:
            continue
        if lines and re.fullmatch(r"[.,;:”’\"]+(?: (?:and|or))?", line):
            lines[-1] += line  # punctuation after a quoted block ends the quoting line
        else:
            lines.append(line)
    return "\n".join(lines) or None


def top_sections(main):
    """Sections of the law itself: not those quoted into another law."""
    for section in main.iter("{*}section"):
        if not any(local(a) == "quotedContent" for a in section.iterancestors()):
            yield section


def section_number(section) -> str | None:
    num = section.find("{*}num")
    if num is None:
        return None
    value = num.get("value") or re.sub(r"(?i)^(section|sec\.)\s*", "", clean(num.text) or "").rstrip(". ")
    return value or None


def approval_date(root) -> str | None:
    """"Approved February 28, 2017." at the end of a public law: its date."""
    for description in root.iter("{*}actionDescription"):
        match = re.search(r"Approved\s+([A-Z][a-z]+\s+\d{1,2},\s+\d{4})", "".join(description.itertext()))
        if match:
            try:
                return datetime.strptime(match.group(1), "%B %d, %Y").date().isoformat()
            except ValueError:
                return None
    return None


def meta_text(root, name: str) -> str | None:
    meta = root.find("{*}meta")
    if meta is None:
        return None
    found = next((e for e in meta if local(e) == name), None)
    return clean("".join(found.itertext())) if found is not None else None


def meta_all(root, name: str) -> list[str]:
    meta = root.find("{*}meta")
    return [clean("".join(e.itertext())) for e in meta if local(e) == name] if meta is not None else []


def parse_uslm(response):
    """A USLM bill (`<bill>`) or public law (`<pLaw>`): the instrument and its sections.

    Meta read: `instrument_id` (the curated id of a tracked instrument), `jurisdiction`,
    `status`, `keys` (the curated provisions' keys: only those are stored; all when absent)."""
    try:
        root = etree.fromstring(response.body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable XML at {response.url}: {error}") from None
    if root is None or local(root) not in ("bill", "pLaw", "resolution", "enrolledBill"):
        raise ValueError(f"not a USLM bill or public law at {response.url} (root {local(root) if root is not None else None!r})")
    match = CONTENT_PATH.match(urlsplit(response.url).path)
    package = (match["package"] or match["api_package"]) if match else None
    the_id = response.meta.get("instrument_id") or (crawled_id(package) if package else None)
    if not the_id:
        raise ValueError(f"no package id in {response.url} and no instrument id in meta")
    is_law = local(root) == "pLaw"
    congress = meta_text(root, "congress")
    number = meta_text(root, "docNumber")
    citable = meta_all(root, "citableAs")
    title = meta_text(root, "title")
    if title and not is_law:
        title = re.sub(r"^\d+\s+[A-Z. ]+\d+\s+[A-Z]+:\s*", "", title)  # "114 S 32 CDS: To provide ..."
    elif title:
        title = re.sub(r"^Public Law \d+[–-]\d+:\s*", "", title)
    short = root.find(".//{*}shortTitle")
    official_url = details_url(package) if package else response.url
    identifiers = [{"scheme": "OTHER", "value": value.replace("–", "-")} for value in citable[:2]]
    if not is_law:
        kind = "bill"
        preface = root.find("{*}preface")
        printed = [clean("".join(e.itertext())) for e in (preface if preface is not None else []) if local(e) in ("type", "docNumber")]
        citation = " ".join(p for p in printed if p) or (citable[0] if citable else None)
        if citation and congress:
            citation = f"{citation} ({ordinal(int(congress))} Congress)"
        stage = meta_text(root, "docStage")
        if stage:
            citation = f"{citation}, {stage}" if citation else stage
        for section in root.iter("{*}section"):
            uslm = re.match(r"^(/us/bill/\d+/[a-z]+/\d+)/", section.get("identifier") or "")
            if uslm:
                identifiers.append({"scheme": "USLM", "value": uslm.group(1)})
                break
    else:
        kind = "statute"
        citation = "Pub. L. " + citable[0].split()[-1].replace("–", "-") if citable else None
        if congress and number:
            identifiers.append({"scheme": "USLM", "value": f"/us/pl/{congress}/{number}"})
    yield InstrumentItem(
        id=the_id,
        jurisdiction=response.meta.get("jurisdiction") or JURISDICTION,
        # The short title names a law or bill best; the long title otherwise.
        title=clean("".join(short.itertext())).strip("“”\"") if short is not None else title,
        citation=citation,
        kind=kind,
        status=response.meta.get("status"),
        date_enacted=approval_date(root) if is_law else None,
        official_url=official_url,
        language="en",
        source=SOURCE,
        identifiers=identifiers,
    )
    main = root.find("{*}main")
    if main is None:
        return
    keys = response.meta.get("keys")
    for section in top_sections(main):
        label = section_number(section)
        if not label:
            continue
        key = f"section/{label}"
        if keys and key not in keys:
            continue
        heading = section.find("{*}heading")
        yield ProvisionItem(
            id=f"{the_id}/{key}",
            instrument_id=the_id,
            label=label,
            heading=clean("".join(heading.itertext())).rstrip(".") if heading is not None else None,
            text=plain_text(section),
            language="en",
            url=official_url,
            source=SOURCE,
        )


def parse_uscode(response):
    """A US Code section's HTML (USCODE collection): the section, as the curated instrument
    (meta `instrument_id`, `jurisdiction`, `status`) and one provision `section/{number}`."""
    match = USCODE_PATH.match(urlsplit(response.url).path)
    granule = (match["granule"] or match["api_granule"]) if match else None
    page = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
    statute = re.search(r"<!--\s*field-start:statute\s*-->(.*?)<!--\s*field-end:statute\s*-->", page, re.S)
    head = re.search(r"<h3[^>]*class=\"section-head\"[^>]*>(.*?)</h3>", page, re.S)
    if not statute or not head:
        raise ValueError(f"not a US Code section page at {response.url} (no section-head or statute field)")
    heading = clean(lxml_text(head.group(1)))
    number = re.match(r"^\W*(?P<number>[0-9A-Za-z.-]+)\.\s*(?P<heading>.*)$", heading or "")
    if not number:
        raise ValueError(f"no section number in {heading!r} at {response.url}")
    lines = [clean(lxml_text(block)) for block in re.findall(r"<(?:p|h4)\b[^>]*>(.*?)</(?:p|h4)>", statute.group(1), re.S)]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError(f"US Code section {number['number']} has no text at {response.url}")
    title = re.search(r"-title(\w+?)-", granule or "")
    title_number = title.group(1) if title else None
    the_id = response.meta.get("instrument_id") or f"us-usc-{title_number}-{number['number']}".lower()
    package = USCODE_GRANULE.match(granule) if granule else None
    official_url = f"{CONTENT}/content/pkg/{package['package']}/html/{granule}.htm" if package else response.url
    citation = f"{title_number} U.S.C. § {number['number']}" if title_number else None
    yield InstrumentItem(id=the_id, jurisdiction=response.meta.get("jurisdiction") or JURISDICTION,
                         title=number["heading"] or citation, citation=citation, kind="code_provisions",
                         status=response.meta.get("status"), official_url=official_url, language="en",
                         source=SOURCE, identifiers=[{"scheme": "OTHER", "value": granule}] if granule else [])
    yield ProvisionItem(id=f"{the_id}/section/{number['number']}", instrument_id=the_id, label=number["number"],
                        heading=clean(number["heading"]), text="\n".join(lines), language="en", url=official_url,
                        source=SOURCE)


def lxml_text(fragment: str) -> str:
    """The text of an HTML fragment (entities decoded, tags dropped)."""
    return "".join(lxml_html.fragment_fromstring(fragment, create_parent="div").itertext())


# --------------------------------------------------------------------------- JSON services


def read_json(response, expected_key: str) -> dict:
    return json_object(response, expected_key, "govinfo")


def keyless(url: str) -> str:
    return with_query(url, api_key=None)


def candidate(package: str, title, published, query) -> CandidateItem:
    return CandidateItem(
        id=crawled_id(package),
        jurisdiction=JURISDICTION,
        title=clean(title) or package,
        url=details_url(package),
        published=(published or "")[:10] or None,
        matched_query=query,
        source=SOURCE,
    )


def search_body(query: str, offset_mark: str = "*") -> dict:
    return {"query": query, "pageSize": PAGE_SIZE, "offsetMark": offset_mark,
            "sorts": [{"field": "publishdate", "sortOrder": "DESC"}]}


def parse_search(response):
    """`POST /search`: each result a candidate; then the next page by `offsetMark`.

    Meta read: `query` (the search sent). Paging stops on an empty page and when the
    mark returned is the one sent (the service's way of saying there is no more)."""
    data = read_json(response, "results")
    query = response.meta.get("query")
    sent = response.meta.get("offset_mark", "*")
    results = [r for r in data["results"] or [] if isinstance(r, dict) and r.get("packageId")]
    for result in results:
        yield candidate(result["packageId"], result.get("title"), result.get("dateIssued"), query)
    mark = data.get("offsetMark")
    if results and query and mark and mark != sent:
        yield scrapy.Request(f"{OFFICIAL}/search", method="POST", body=json.dumps(search_body(query, mark), sort_keys=True),
                             headers={"Content-Type": "application/json"}, meta={"query": query, "offset_mark": mark})


def parse_summary(response):
    """`/packages/{id}/summary`: the package as a candidate for review."""
    data = read_json(response, "packageId")
    yield candidate(data["packageId"], data.get("title"), data.get("dateIssued"), response.meta.get("query"))


def parse_collection(response):
    """`/collections/{code}/{since}`: each package's summary, then `nextPage`.

    Not part of the crawl's start (BILLS lists ~200,000 packages since 2018, a summary
    request each); read when a caller asks for a collection's updates."""
    data = read_json(response, "packages")
    for package in data["packages"] or []:
        if isinstance(package, dict) and package.get("packageLink"):
            yield scrapy.Request(keyless(package["packageLink"]))
    if data.get("nextPage") and data["packages"]:
        yield scrapy.Request(keyless(data["nextPage"]))


def parse_granules(response):
    """`/packages/{id}/granules`: each granule's summary, then `nextPage` (null at the end)."""
    data = read_json(response, "granules")
    for granule in data["granules"] or []:
        if isinstance(granule, dict) and granule.get("granuleLink"):
            yield scrapy.Request(keyless(granule["granuleLink"]))
    if data.get("nextPage") and data["granules"]:
        yield scrapy.Request(keyless(data["nextPage"]))


# --------------------------------------------------------------------------- the spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="govinfo (US Government Publishing Office)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("www.govinfo.gov",),
    licence="US public domain (17 U.S.C. 105)",
    licence_url="https://www.govinfo.gov/about/policies",
    terms_url="https://api.govinfo.gov/docs/",
    rate_limit_text="api.data.gov default: 1,000 requests per hour per key",
    rate_limit=(1000, 3600),
    quota_text="1,000 requests per hour per key (api.data.gov default)",
    run_quota=900,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.query_key(env="GOVINFO_API_KEY", param="api_key"),
    parser_version="1",
    parser_meta=("instrument_id", "keys", "offset_mark"),
    notes="USLM XML of bills and public laws, JSON search/summary/collections. Key in GOVINFO_API_KEY (may be the "
          "same api.data.gov key as congress_gov). Curated US Code sections: the USCODE granule's HTML.",
)


class GovinfoSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/content/pkg/[^/]+/uslm/[^/]+\.xml$", parse_uslm),
        (r"^/content/pkg/USCODE-[^/]+/html/[^/]+\.htm$", parse_uscode),
        (r"^/packages/USCODE-[^/]+/granules/[^/]+/htm$", parse_uscode),
        (r"^/packages/[^/]+/uslm$", parse_uslm),
        (r"^/search$", parse_search),
        (r"^/packages/[^/]+/granules/?$", parse_granules),
        (r"^/packages/[^/]+(/granules/[^/]+)?/summary$", parse_summary),
        (r"^/collections/[A-Z]+/", parse_collection),
    ]
    json_keys = {"results": parse_search, "packages": parse_collection, "granules": parse_granules,
                 "collectionCode": parse_summary}
    root_elements = {"bill": parse_uslm, "pLaw": parse_uslm}

    def discovery_requests(self):
        for query in SEARCH_QUERIES:
            if self.since:
                query = f"{query} AND publishdate:range({self.since.isoformat()},)"
            yield self.request(f"{OFFICIAL}/search", json=search_body(query), query=query, offset_mark="*")

    def tracked_requests(self):
        for count, instrument in enumerate(i for i in self.tracked if package_id(i.get("source_identifier"))):
            if self.limit is not None and count >= self.limit:
                return
            package = package_id(instrument["source_identifier"])
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            yield self.request(content_url(package), tracked=True, expects=("instrument", instrument["id"]),
                               instrument_id=instrument["id"], jurisdiction=instrument.get("jurisdiction"),
                               status=instrument.get("status"), keys=keys or None)
        for instrument in self.tracked:
            granule = str(instrument.get("source_identifier") or "").strip()
            if USCODE_GRANULE.match(granule):
                yield self.request(uscode_url(granule), tracked=True, expects=("instrument", instrument["id"]),
                                   instrument_id=instrument["id"], jurisdiction=instrument.get("jurisdiction"),
                                   status=instrument.get("status"))
