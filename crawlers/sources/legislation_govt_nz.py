"""New Zealand Legislation (legislation.govt.nz): Acts and bills, as published by the
Parliamentary Counsel Office (PCO).

Base URL: https://api.legislation.govt.nz (the PCO's developer API, JSON, every path under
`/v0/`); the documents themselves are on https://www.legislation.govt.nz (the website
relaunched in 2025: a version's XML is `/act/public/{year}/{number}/en/{date}.xml`, its
HTML `/act/public/{year}/{number}/en/{date}/`, numbers unpadded). Both hosts share the
mirror when a crawl runs against one (API paths start with /v0/, documents with the
legislation type).
Endpoints used:
    /v0/works/{work_id}/versions/?sort=desc&per_page=100
        every version (point-in-time consolidation) of a work: `{results, total, page,
        per_page}`; each version has `version_id`, `work_id`, `title`,
        `is_latest_version`, `legislation_type`, `legislation_status`, `act_type`,
        `act_status`, `act_classification` (principal | amendment), and `formats`
        [{type: html | pdf | xml, url}]. There is NO date field: the version's date is the
        end of its id (`act_public_1961_43_en_2026-08-08`, with a letter after it when
        two versions share a date: `..._2025-11-26B`).
    /v0/works/?search_term=..&search_field=content|title&page=n&per_page=100
        works matching a search, each with its `latest_matching_version` (as above).
Work ids: `{type}_{subtype}_{year}_{number}` (act_public_2015_63, bill_government_2025_223);
a `~` marks a segment the PCO has not settled yet (such ids may change).
Auth:     an API key (LEGISLATION_NZ_API_KEY) in the `X-Api-Key` header. The PCO's
          clients send it to the document host too, which may ask for it; the key never
          goes into a URL.
Licence:  no copyright exists in New Zealand Acts, Bills and regulations (Copyright Act
          1994, s 27); the PCO's published versions are Crown copyright, which its site says
          may be reproduced free of charge (copyright page at the URL below [unverified
          address on the 2025 site]); we name the PCO as the source.
Terms:    10,000 requests a day per key; a burst limit of 2,000 requests in 5 minutes per
          IP answers 403 (not 429); 429 when the daily quota is spent (it resets at
          midnight NZ time). The website itself shows automated clients a "human
          verification" page: we never scrape it, only fetch the XML the API names.

NO REAL CAPTURE of an API answer or of a document exists here. The format knowledge comes
from (read through the search tool): the PCO API's public clients (carolinaisslaying/
legislation-nz-mcp: `src/client.ts`, `src/types.ts`, `src/util.ts`, `src/tools/*.ts`,
checked against the live API in 2026, with a trimmed real Crimes Act 1961 XML,
`test/fixtures/crimes-1961-s253-s254.xml`, as at 2026-08-08; the API field names in the
tests of other public clients); and real PCO XML kept in joshgagnon/nzlawapi
(`act-public-1993-0105.xml`, `tests/section41.xml`: the Companies Act 1993). The examples in
tests/examples/legislation_govt_nz/ are written by us in those shapes, with shortened
wording of the tracked sections (not the official text) and placeholder dates.

The XML (one document per version): root `<act>` (or `<bill>`, `<regulation>`) with
`date.as.at`, `date.assent`, `year`, `act.no`; `<cover>` (title), `<front>` (long title),
`<body>` holding `<part>`s (label, heading; `<subpart>`, crossheads) and `<prov>`s. A
`<prov id="DLM..">` (or `LMS..`) is a section: `<label>`, `<heading>`, `<prov.body>` of
`<subprov>` (label, `<para><text>`), `<label-para>` (a, b, i, ii), `<def-para>`,
`<subprov.crosshead>`; then `<notes><history><history-note>` (amendment history, not
law text). What the real documents showed that a short description does not:
- a repealed section stays, with `deletion-status="repealed"` and an empty body, and may
  share its label with the section that replaced it (the Crimes Act has two s 253s);
  `deletion-status="not-in-force"` likewise;
- an amending Act quotes the provisions it inserts inside `<amend>`: those are not its
  own sections; `<end>` may hold `<skeletons>` of other Acts (their `<prov>`s too);
- inline markup inside `<text>`: `<citation>`, `<intref>`, `<extref>`, `<def-term>`,
  `<insertwords>`.

What the spider does, per curated instrument whose source is `legislation_govt_nz`
(`source_identifier`: its work id) and for the subject's works in `SUBJECT_WORKS`:
1. its versions: the instrument (title, citation, kind, status, the version's web page);
2. for each work holding one of its key provisions (`key`: `section/22A` in its own
   work, `act_public_2015_63/section/22A` in another: an amendment Act's sections are read,
   as amended law, in the Act it amended), that work's versions, then the XML of the
   version in force (the latest whose date has come), dated `valid_from` (its date) and
   `valid_to` (the next version's date, when a later one is already published);
3. discovery: content searches on the subject become candidates for review.
A curated (tracked) section missing from the document is an error, after the sections found.
"""

import re
from datetime import date
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, json_object, keys_by_document

SOURCE = "legislation_govt_nz"
API = "https://api.legislation.govt.nz"
WEB = "https://www.legislation.govt.nz"
JURISDICTION = "NZ"

#: `act_public_2015_63`: type, subtype, year, number (a `~` marks an unsettled segment).
WORK_ID = re.compile(r"^(?P<type>act|bill|secondary_legislation|amendment_paper)_(?P<subtype>[a-z_-]+?)_"
                     r"(?P<year>~?\d{4})_(?P<number>~?[0-9A-Za-z-]+)$")
#: A version id ends with its language and date (and a letter when two share a date).
VERSION_DATE = re.compile(r"_(?P<language>[a-z]{2})_(?P<date>\d{4}-\d{2}-\d{2})[A-Za-z]*$")
#: `section/22A` (own work) or `act_public_2015_63/section/22A` (another work).
KEY = re.compile(r"^(?:(?P<work>[a-z_]+_~?\d{4}_~?[0-9A-Za-z-]+)/)?section/(?P<label>[0-9A-Za-z.]+)$")
VERSIONS_PATH = re.compile(r"^/v0/works/(?P<work>[^/]+)/versions/?$")

#: The subject's sections besides the curated ones: {work id: section labels}. The
#: Crimes Act 1961's intimate visual recording offences (Part 9A), which the Harmful
#: Digital Communications Act's posting offence and the pending deepfake member's bill
#: both build on. Fetched as crawled (untracked) instruments.
SUBJECT_WORKS = {
    "act_public_1961_43": ("216G", "216H", "216I", "216J", "216K", "216L", "216M", "216N"),
}
#: Content searches on the subject (Elasticsearch simple query syntax), and how many
#: pages of 100 each may read.
SEARCHES = (('"intimate visual recording"', "content"), ("deepfake", "title"), ('"synthesised" +"intimate"', "content"))
PAGE_SIZE = 100
MAX_PAGES = 3

STATUSES = {"in_force": "in_force", "not_in_force": "enacted_not_in_force", "repealed": "repealed"}
#: Elements whose `<prov>`s are not the document's own sections.
NOT_OWN = {"amend", "end", "skeletons", "skeleton.act", "schedule", "schedule.amendments"}
#: Elements that hold no law text (history notes, comparative notes, editorial aids).
APPARATUS = {"notes", "history", "history-note", "cf", "ird.aids", "label", "heading", "editorial-note"}
DOCUMENT_ROOTS = {"act", "bill", "regulation", "sop"}


# --------------------------------------------------------------------------- ids and URLs


def split_work(work_id: str) -> dict | None:
    match = WORK_ID.match(str(work_id or "").strip())
    return match.groupdict() if match else None


def instrument_id(work_id: str) -> str:
    """The id of a work fetched without a curated row: `nz-act-public-1961-43`."""
    return "nz-" + re.sub(r"[^a-z0-9]+", "-", work_id.lower()).strip("-")


def versions_url(work_id: str) -> str:
    return f"{API}/v0/works/{quote(work_id, safe='~')}/versions/?" + urlencode([("sort", "desc"), ("per_page", PAGE_SIZE)])


def search_url(term: str, field: str, page: int = 1) -> str:
    return f"{API}/v0/works/?" + urlencode([("search_term", term), ("search_field", field),
                                            ("page", page), ("per_page", PAGE_SIZE)])


def version_date(version_id: str | None) -> str | None:
    match = VERSION_DATE.search(str(version_id or ""))
    return match["date"] if match else None


def format_url(version: dict, kind: str) -> str | None:
    return next((f.get("url") for f in version.get("formats") or [] if isinstance(f, dict)
                 and str(f.get("type", "")).lower() == kind and f.get("url")), None)


def citation_of(work_id: str) -> str | None:
    """`2015 No 63` for an Act (how New Zealand cites its Acts)."""
    parts = split_work(work_id)
    if not parts or parts["type"] != "act" or "~" in parts["year"] + parts["number"]:
        return None
    return f"{parts['year']} No {parts['number']}"


# --------------------------------------------------------------------------- JSON


def read_json(response, expected_key: str = "results") -> dict:
    data = json_object(response, expected_key, "legislation.govt.nz")
    if not isinstance(data[expected_key], list):
        raise ValueError(f"legislation.govt.nz answer at {response.url}: `{expected_key}` is not a list")
    return data


def current_version(versions: list[dict], today: date) -> tuple[dict | None, dict | None]:
    """(the version in force on `today`, the next published one or None): the newest
    version whose date has come. A version dated ahead (a consolidation published before
    its amendments start) is not the law yet, whatever `is_latest_version` says."""
    dated = sorted(((version_date(v.get("version_id")) or "", v.get("version_id") or "", v)
                    for v in versions if isinstance(v, dict) and format_url(v, "xml")), key=lambda t: t[:2])
    started = [t for t in dated if t[0] and t[0] <= today.isoformat()]
    if not started:
        return None, None
    current = started[-1]
    later = [t for t in dated if t[0] > current[0]]
    return current[2], (later[0][2] if later else None)


# --------------------------------------------------------------------------- parsers


def parse_versions(response):
    """`/v0/works/{work}/versions/`: the instrument (when meta `instrument_id` names
    this work's own row), then the XML of the version in force of each work holding
    tracked sections (meta `texts`: {work id: [keys]}; `instruments`: {instrument id:
    [keys]} when this work only holds another instrument's sections)."""
    data = read_json(response)
    work = VERSIONS_PATH.match(urlsplit(response.url).path)
    work_id = work["work"] if work else next((v.get("work_id") for v in data["results"] if isinstance(v, dict)), None)
    if not data["results"]:
        raise ValueError(f"legislation.govt.nz lists no version of {work_id}")
    today = date.fromisoformat(response.meta["today"]) if response.meta.get("today") else date.today()
    version, following = current_version(data["results"], today)
    newest = max((v for v in data["results"] if isinstance(v, dict)),
                 key=lambda v: (version_date(v.get("version_id")) or "", v.get("version_id") or ""))
    meta = {k: response.meta[k] for k in ("today",) if k in response.meta}
    if response.meta.get("instrument_id") or not response.meta.get("instruments"):
        yield instrument_item(work_id, version or newest, response.meta)
    texts = response.meta.get("texts")
    if texts is None and not response.meta.get("instruments"):
        texts = {work_id: None}  # a work asked for on its own: every section of it
    own_id = response.meta.get("instrument_id") or instrument_id(work_id)
    for text_work, keys in (texts or {}).items():
        if text_work != work_id:
            yield scrapy.Request(versions_url(text_work), meta={
                **meta, "instruments": {own_id: keys}, "tracked": bool(response.meta.get("tracked"))})
    wanted = dict(response.meta.get("instruments") or {})
    if texts and work_id in texts:
        wanted[own_id] = texts[work_id]
    if not wanted:
        return
    if version is None:
        raise ValueError(f"no version of {work_id} in force with an XML document (dates: "
                         f"{sorted(version_date(v.get('version_id')) or '?' for v in data['results'])})")
    yield scrapy.Request(format_url(version, "xml"), meta={
        **meta, "instruments": wanted, "valid_from": version_date(version.get("version_id")),
        "valid_to": version_date(following.get("version_id")) if following else None,
        "version_id": version.get("version_id"), "tracked": bool(response.meta.get("tracked"))})


def instrument_item(work_id: str, version: dict, meta) -> InstrumentItem:
    parts = split_work(work_id) or {}
    classification = version.get("act_classification")
    kind = {"bill": "bill", "secondary_legislation": "regulation"}.get(parts.get("type"),
                                                                        "amendment" if classification == "amendment" else "statute")
    status = version.get("act_status") or version.get("bill_status") or version.get("legislation_status")
    title = clean(version.get("title"))
    if not title:
        raise ValueError(f"a legislation.govt.nz version of {work_id} without a title")
    return InstrumentItem(
        id=meta.get("instrument_id") or instrument_id(work_id),
        jurisdiction=meta.get("jurisdiction") or JURISDICTION,
        title=title,
        citation=citation_of(work_id),
        kind=kind,
        status=meta.get("status") or STATUSES.get(str(status or "")),
        date_enacted=None,
        date_in_force=None,
        official_url=format_url(version, "html") or format_url(version, "xml"),
        language="en",
        extent=None,
        source=SOURCE,
        identifiers=[{"scheme": "OTHER", "value": work_id}],
    )


def parse_document(response):
    """One version's XML: the tracked sections of each instrument named in meta
    `instruments` ({instrument id: [keys]}, or None for every section)."""
    root = read_xml(response)
    body = root.find("body")
    if body is None:
        raise ValueError(f"a legislation.govt.nz <{root.tag}> without a <body> at {response.url}")
    sections = own_sections(body)
    if not sections:
        raise ValueError(f"no sections (<prov> with a <label>) in the <body> at {response.url}")
    valid_from = response.meta.get("valid_from") or clean(root.get("date.as.at"))
    wanted = response.meta.get("instruments") or {instrument_id(document_work(response.url) or "unknown"): None}
    missing = []
    for the_id, keys in wanted.items():
        labels = {}
        for key in keys or []:
            match = KEY.match(str(key))
            if not match:
                raise ValueError(f"provision key {key!r} is not [WORK_ID/]section/LABEL")
            labels[match["label"]] = key
        chosen = sections if keys is None else {label: sections[label] for label in labels if label in sections}
        missing += [labels[label] for label in labels if label not in sections]
        for label, prov in chosen.items():
            key = labels.get(label) or f"section/{label}"
            repealed = bool(prov.get("deletion-status"))
            yield ProvisionItem(
                id=f"{the_id}/{key}",
                instrument_id=the_id,
                label=f"s {label}",
                heading=clean(prov.findtext("heading")),
                text="\n".join(body_lines(prov.find("prov.body"))) or None,
                language="en",
                url=response.url,
                extent=None,
                in_force_status="repealed" if repealed else ("in_force" if valid_from else None),
                valid_from=valid_from,
                valid_to=response.meta.get("valid_to"),
                source=SOURCE,
                identifiers=[{"scheme": "OTHER", "value": prov.get("id")}] if prov.get("id") else None,
            )
    # A curated section the document lacks is an error; a subject work's is not (the
    # Crimes Act's sections are fetched as found).
    if missing and response.meta.get("tracked"):
        raise ValueError(f"tracked sections not found in {response.url}: {', '.join(sorted(missing))}")


def read_xml(response):
    body = response.body or b""
    if not body.strip():
        raise ValueError(f"empty response where a legislation.govt.nz XML document was expected ({response.url})")
    start = body.lstrip()[:300].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise ValueError(f"an HTML page (the website's human verification?) where a legislation.govt.nz XML "
                         f"document was expected ({response.url})")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable legislation.govt.nz XML at {response.url} ({error})") from None
    if root.tag not in DOCUMENT_ROOTS:
        raise ValueError(f"not a legislation.govt.nz document: root <{root.tag}> at {response.url}")
    return root


def own_sections(body) -> dict[str, object]:
    """{label: <prov>} of the document's own sections, in order; where a repealed section
    shares its label with a live one, the live one."""
    found: dict[str, object] = {}
    for prov in body.iter("prov"):
        if any(ancestor.tag in NOT_OWN for ancestor in prov.iterancestors()):
            continue
        label = clean(prov.findtext("label"))
        if not label:
            continue
        if label in found and not prov.get("deletion-status") and found[label].get("deletion-status"):
            del found[label]  # a live section replaces the repealed one under its label
        if label not in found:
            found[label] = prov
    return found


def body_lines(element) -> list[str]:
    """The text of a `<prov.body>`, one line a block, each labelled block's label first:
    "(1) A person commits ...", "(a) knowing ...". History notes are not law text."""
    if element is None:
        return []
    lines: list[str] = []
    for child in element:
        if not isinstance(child.tag, str) or child.tag in APPARATUS:
            continue
        if child.tag == "text" or child.tag.endswith(".crosshead"):
            line = clean("".join(child.itertext()))
            if line:
                lines.append(line)
            continue
        inner = body_lines(child)
        label = clean(child.findtext("label")) if child.tag in ("subprov", "label-para") else None
        if label and inner:
            inner[0] = f"({label}) {inner[0]}"
        lines += inner
    return lines


def document_work(url: str) -> str | None:
    """`act_public_1961_43` from `/act/public/1961/43/en/2026-08-08.xml`."""
    match = re.match(r"^/(act|bill|secondary-legislation)/([a-z-]+)/(\d{4})/([0-9A-Za-z~-]+)/", urlsplit(url).path)
    return "_".join([match[1].replace("-", "_"), match[2], match[3], match[4]]) if match else None


def parse_search(response):
    """`/v0/works/?search_term=...`: each work found becomes a candidate for review;
    then the next page (at most MAX_PAGES). An empty result is an empty search. Meta
    `known`: {work id: curated instrument id}, so a work already tracked is named as its
    curated row (and the store does not offer it for review again)."""
    data = read_json(response)
    term = response.meta.get("search_term") or (parse_qs(urlsplit(response.url).query).get("search_term") or [None])[0]
    for work in data["results"]:
        if not isinstance(work, dict) or not split_work(work.get("work_id")):
            continue
        version = work.get("latest_matching_version") or {}
        title = clean(version.get("title"))
        url = format_url(version, "html") or format_url(version, "xml")
        if not title or not url:
            continue
        known = response.meta.get("known") or {}
        yield CandidateItem(id=known.get(work["work_id"]) or instrument_id(work["work_id"]), jurisdiction=JURISDICTION, title=title, url=url,
                            published=version_date(version.get("version_id")), matched_query=term, source=SOURCE)
    try:
        page, per_page, total = int(data.get("page") or 1), int(data.get("per_page") or PAGE_SIZE), int(data.get("total") or 0)
    except (TypeError, ValueError):
        return
    if data["results"] and page * per_page < total and page < MAX_PAGES:
        yield scrapy.Request(re.sub(r"([?&])page=\d+", rf"\g<1>page={page + 1}", response.url),
                             meta={"search_term": term, "known": response.meta.get("known") or {}})


def parse_listing(response):
    """A saved `results` answer without its URL: versions, or a search (whose works carry
    `latest_matching_version`)."""
    data = read_json(response)
    first = next((r for r in data["results"] if isinstance(r, dict)), {})
    return parse_search(response) if "latest_matching_version" in first or not first else parse_versions(response)


# --------------------------------------------------------------------------- the spider


def text_works(instrument: dict) -> dict[str, list[str]]:
    return keys_by_document(instrument, KEY, "[WORK_ID/]section/LABEL")


DECLARATION = SourceContract(
    id=SOURCE,
    name="New Zealand Legislation (Parliamentary Counsel Office)",
    kind="legislation",
    base_url=API,
    alias_hosts=("www.legislation.govt.nz", "legislation.govt.nz"),
    licence="No copyright in Acts, Bills and regulations (Copyright Act 1994 s 27); PCO versions Crown copyright, "
            "reproducible free of charge",
    licence_url="https://www.legislation.govt.nz/about/copyright/",
    terms_url="https://www.legislation.govt.nz/learn-more/legislation-data/developer-api/",
    rate_limit_text="10,000 requests a day per key; 2,000 requests in 5 minutes per IP (403 past it)",
    rate_limit=(2000, 300),
    quota_text="10,000 requests a day per key (resets at midnight NZ time)",
    run_quota=9000,
    download_delay=0.5,
    deadline_seconds=3600,
    auth=Auth.header_key(env="LEGISLATION_NZ_API_KEY", header="X-Api-Key"),
    secret_params=frozenset({"api_key"}),
    parser_version="1",
    parser_meta=("instrument_id", "jurisdiction", "status", "texts", "instruments", "valid_from", "valid_to",
                 "version_id", "today", "search_term", "known", "tracked"),
    notes="PCO developer API (api.legislation.govt.nz/v0: works, versions) for metadata and the version in force; "
          "text from that version's XML on www.legislation.govt.nz. Key in LEGISLATION_NZ_API_KEY (X-Api-Key). "
          "No real capture (built from public clients' documentation and real PCO XML kept in public repositories).",
    # A curated instrument keeps its own id; the request carries it.
    curated_instrument_id=None,
)


class LegislationGovtNzSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (VERSIONS_PATH.pattern, parse_versions),
        (r"^/v0/works/?$", parse_search),
        (r"^/(act|bill|secondary-legislation)/.+\.xml/?$", parse_document),
    ]
    json_keys = {"results": parse_listing}
    root_elements = {root: parse_document for root in DOCUMENT_ROOTS}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = date.fromisoformat(today) if today else date.today()

    def tracked_requests(self):
        """The curated instruments (tracked), then the subject's works not curated."""
        curated_works = set()
        for instrument in self.tracked_within_limit():
            work_id = str(instrument.get("source_identifier") or "").strip()
            if not split_work(work_id):
                self.logger.warning("%s: source_identifier %r is not a legislation.govt.nz work id",
                                    instrument.get("id"), work_id)
                continue
            texts = text_works(instrument)
            curated_works |= {work_id, *texts}
            yield self.request(versions_url(work_id), tracked=True, expects=("instrument", instrument["id"]),
                               instrument_id=instrument["id"], jurisdiction=instrument.get("jurisdiction"),
                               status=instrument.get("status"), texts=texts, today=self.today.isoformat())
        for work_id, labels in SUBJECT_WORKS.items():
            if work_id in curated_works:
                continue
            yield self.request(versions_url(work_id), texts={work_id: [f"section/{label}" for label in labels]},
                               today=self.today.isoformat())

    def discovery_requests(self):
        known = {str(i.get("source_identifier")): i["id"] for i in self.tracked if split_work(i.get("source_identifier"))}
        for term, field in SEARCHES:
            yield self.request(search_url(term, field), search_term=term, known=known)
