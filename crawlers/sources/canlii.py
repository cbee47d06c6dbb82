"""CanLII REST API: Canadian decisions' metadata and the legislation they cite. No texts.

Source:   CanLII, the Canadian Legal Information Institute (the Federation of Law Societies).
Base URL: https://api.canlii.org (every path starts with /v1; the only host this module
          knows: decisions' texts live on www.canlii.org, which is not an official host
          here, so a request there is refused by the host check and no route reads one).
Endpoints (JSON, documented at github.com/canlii/API_documentation, EN.md and FR.md):
    /v1/caseBrowse/{lang}/{databaseId}/?offset=&resultCount=&decisionDateAfter=
        a court's decisions, newest first: {"cases": [{databaseId, caseId: {lang: id},
        title, citation}]}; paged by offset and resultCount (at most 10,000).
    /v1/caseBrowse/{lang}/{databaseId}/{caseId}/
        one decision's metadata: databaseId, caseId (a plain string here), url (a
        canlii.ca short link), title, citation, language, docketNumber, decisionDate,
        keywords, concatenatedId.
    /v1/caseCitator/en/{databaseId}/{caseId}/citedLegislations
        the statutes and regulations it cites: {"citedLegislations": [{databaseId,
        legislationId, title, citation, type}]} (English only, per the documentation);
        whole statutes ("Criminal Code", "RSC 1985, c C-46"), never sections.
Auth:     an API key CanLII issues on request, sent as the `api_key` query parameter
          (CANLII_API_KEY); added to outgoing requests only, never stored or logged.
Terms:    CanLII's API access plan, as the projects holding keys quote it: metadata only,
          5,000 queries a day, 2 requests a second, one at a time. CanLII's terms forbid
          bulk copying of decisions' texts: this module fetches none, and stores each
          decision's CanLII link for people to read it there.
          https://www.canlii.org/en/info/terms.html

Format knowledge: NO real capture exists. The replies follow CanLII's own documentation
(the example replies in EN.md/FR.md: case list, Dunsmuir's metadata, citedCases) and what
public clients record of the live API in their tests: citedLegislations entries
({"databaseId": "cas", "legislationId": "rsc-1985-c-c-46", "title": "Criminal Code",
"citation": "RSC 1985, c C-46", "type": "STATUTE"}), the 10 MB cap answered as
{"error": "TOO_LONG", "message": ...}. The examples in tests/examples/canlii/ are written
by us in that shape; their decisions are fictional.

What the spider does:
- the tracked decisions (`TRACKED_DECISIONS`: Canadian decisions on intimate images and
  sexual deepfakes), each: metadata, then cited legislation;
- discovery: each database of `DISCOVERY_DATABASES` lists its decisions since `--since`
  (default: the last `DISCOVERY_DAYS` days), page after page; a listed decision's metadata
  is read, and it is kept only when its title or CanLII's keywords are on the subject
  (`SUBJECT`); the API has no full-text search, and we read no text to search in.
A decision is one CaseItem, text None, written once its cited legislation is read. A
statute's sections are named only where CanLII's keywords name them ("s. 162.1"), so
the citation patterns can link the tracked provision.
"""

import re
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import scrapy

from ..items import CaseItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, json_object, with_query

SOURCE = "canlii"
OFFICIAL = "https://api.canlii.org"
API = f"{OFFICIAL}/v1"
PAGE_SIZE = 100
DISCOVERY_DAYS = 90

#: CanLII databases we read: (our jurisdiction code, the court's name). Ontario is not
#: among the registry's jurisdictions (data/jurisdictions/commonwealth.csv), so its courts'
#: decisions are filed under Canada, whose Criminal Code they apply.
DATABASES = {
    "csc-scc": ("CA", "Supreme Court of Canada"),
    "qcca": ("CA-QC", "Court of Appeal of Quebec"),
    "qccq": ("CA-QC", "Court of Québec"),
    "qccs": ("CA-QC", "Superior Court of Quebec"),
    "onca": ("CA", "Court of Appeal for Ontario"),
    "onsc": ("CA", "Superior Court of Justice (Ontario)"),
    "oncj": ("CA", "Ontario Court of Justice"),
    "bcca": ("CA-BC", "Court of Appeal for British Columbia"),
    "bcpc": ("CA-BC", "Provincial Court of British Columbia"),
    "bccrt": ("CA-BC", "Civil Resolution Tribunal (British Columbia)"),
    "abca": ("CA-AB", "Court of Appeal of Alberta"),
    "mbca": ("CA-MB", "Court of Appeal of Manitoba"),
    "nsca": ("CA-NS", "Nova Scotia Court of Appeal"),
    "skca": ("CA-SK", "Court of Appeal for Saskatchewan"),
}
#: Decisions on the subject, by (language, databaseId, caseId; CanLII's caseId is the
#: neutral citation run together). R. c. Larouche, 2023 QCCQ 1853 (Cour du Québec,
#: 14 April 2023: sentence for child sexual abuse material made by "hypertrucage",
#: deepfake; checked on SOQUIJ) and Jane Doe 464533 v. N.D., 2016 ONSC 541 (the tort of
#: public disclosure of private facts for an intimate video posted online).
TRACKED_DECISIONS = (
    ("fr", "qccq", "2023qccq1853"),
    ("en", "onsc", "2016onsc541"),
)
#: Courts whose new decisions are listed (criminal trial courts where s. 162.1 cases are
#: decided, and British Columbia's intimate-images tribunal), with the language asked.
DISCOVERY_DATABASES = (("fr", "qccq"), ("en", "oncj"), ("en", "onsc"), ("en", "bcpc"), ("en", "bccrt"))
#: The subject in a decision's title or CanLII's keywords (English and French).
SUBJECT = re.compile(
    r"intimate\s+image|image\s+intime|162\.1|deep\s?fake|hypertrucage|nudif|non-?consensual\s+(?:distribution|sharing)"
    r"|distribution\s+non\s+consensuelle|revenge\s+porn|sextortion|voyeurism|voyeurisme", re.IGNORECASE)
#: A section as keywords name it: "s. 162.1", "section 162.1", "art. 162.1", "ss. 162.1".
SECTION = re.compile(r"\b(?:ss?\.|sections?|arts?\.|articles?)\s*(\d{1,3}(?:\.\d+)?(?:\(\d+\))?)", re.IGNORECASE)
#: The statutes whose sections keywords may name (legislationId on CanLII).
CRIMINAL_CODE = "rsc-1985-c-c-46"


# --------------------------------------------------------------------------- ids and URLs


def case_id(database: str, canlii_case: str) -> str:
    return f"canlii-{database}-{canlii_case}"


def case_list_url(language: str, database: str, after: date | None, offset: int = 0) -> str:
    params = {"offset": offset, "resultCount": PAGE_SIZE}
    if after:
        params["decisionDateAfter"] = after.isoformat()
    return f"{API}/caseBrowse/{language}/{database}/?{urlencode(params)}"


def metadata_url(language: str, database: str, canlii_case: str) -> str:
    return f"{API}/caseBrowse/{language}/{database}/{canlii_case}/"


def cited_legislation_url(database: str, canlii_case: str) -> str:
    return f"{API}/caseCitator/en/{database}/{canlii_case}/citedLegislations"


DECISION_PAGE = re.compile(r"^/(?:en|fr)/[a-z]{2}/(?P<database>[a-z-]+)/doc/\d{4}/(?P<case>[a-z0-9]+)/")


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the decision at its canlii.org page
    (https://www.canlii.org/en/qc/qccq/doc/2023/2023qccq1853/2023qccq1853.html), a link
    we store but never fetch; None for anything else (a canlii.ca short link names no
    court)."""
    parts = urlsplit(url or "")
    if parts.netloc not in ("www.canlii.org", "canlii.org"):
        return None
    match = DECISION_PAGE.match(parts.path)
    return case_id(match["database"], match["case"]) if match else None


def _query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


def _path_parts(url: str) -> list[str]:
    return [part for part in urlsplit(url).path.split("/") if part]


def read(response, key: str) -> dict:
    return json_object(response, key, "CanLII")


# --------------------------------------------------------------------------- parsers


def parse_case_list(response):
    """`caseBrowse/{lang}/{db}/`: each listed decision's metadata is read next (meta
    `discovered`: kept only when on the subject); a full page asks for the next one."""
    data = read(response, "cases")
    cases = data["cases"]
    if not isinstance(cases, list):
        raise ValueError(f"CanLII case list without a list of cases at {response.url}")
    language, database = _path_parts(response.url)[2:4]
    limit = response.meta.get("limit")
    taken = 0
    for listed in cases:
        ids = listed.get("caseId") if isinstance(listed, dict) else None
        canlii_case = (ids.get(language) or next(iter(ids.values()), None)) if isinstance(ids, dict) else ids
        if not canlii_case:
            continue
        if limit is not None and taken >= int(limit):
            break
        taken += 1
        yield scrapy.Request(metadata_url(language, listed.get("databaseId") or database, canlii_case),
                             meta={"discovered": True})
    query = _query(response.url)
    asked = int(query.get("resultCount") or PAGE_SIZE)
    if cases and len(cases) >= asked:
        following = with_query(response.url, offset=int(query.get("offset") or 0) + len(cases))
        yield scrapy.Request(following, meta={"limit": limit} if limit is not None else {})


NEUTRAL = re.compile(r"\b(?:19|20)\d{2}\s+[A-Z][A-Za-z]*(?:-[A-Z]+)?\s+\d+\b")


def neutral_citation(citation) -> str | None:
    """The court's own citation in CanLII's ("2008 SCC 9" in "[2008] 1 SCR 190, 2008 SCC 9
    (CanLII)"); None for a citation CanLII made up ("1999 CanLII 1527 (ON CA)")."""
    found = [m.group(0) for m in NEUTRAL.finditer(str(citation or "")) if "CanLII" not in m.group(0)]
    return found[0] if found else None


def record_from_metadata(data: dict, url: str) -> dict:
    database = clean(data.get("databaseId"))
    canlii_case = clean(data.get("caseId"))
    if not database or not canlii_case:
        raise ValueError(f"CanLII metadata without databaseId and caseId at {url}")
    jurisdiction, court = DATABASES.get(database, ("CA", None))
    record = {
        "id": case_id(database, canlii_case),
        "jurisdiction": jurisdiction,
        "court": court or database,
        "decision_date": iso_day(data.get("decisionDate")),
        "name": clean(data.get("title")) or clean(data.get("citation")) or canlii_case,
        "citation": clean(data.get("citation")),
        # The link out: CanLII's page of the decision, for people (never fetched).
        "url": clean(data.get("url")),
        "language": clean(data.get("language")),
        "judges": [],
        "text": None,  # CanLII's terms forbid copying the texts; the API has none
        "cited_legislation": [],
        "identifiers": [{"scheme": "NEUTRAL", "value": neutral} for neutral in [neutral_citation(data.get("citation"))]
                        if neutral],
        "source": SOURCE,
    }
    docket = clean(data.get("docketNumber"))
    if docket:
        record["identifiers"].append({"scheme": "DOCKET", "value": docket})
    if not record["url"]:
        raise ValueError(f"CanLII metadata without the decision's link at {url}")
    return record


def parse_case_metadata(response):
    """`caseBrowse/{lang}/{db}/{caseId}/`: the decision's metadata travels (meta `case`)
    to the legislation it cites. Meta `discovered`: from a listing, kept only on the subject."""
    data = read(response, "caseId")
    record = record_from_metadata(data, response.url)
    if response.meta.get("discovered"):
        words = " ".join(str(data.get(k) or "") for k in ("title", "keywords"))
        if not SUBJECT.search(words):
            return  # a decision of the listed court on another subject
    sections = SECTION.findall(str(data.get("keywords") or ""))
    # The decision is written once, complete, by the citator's page.
    yield scrapy.Request(cited_legislation_url(clean(data["databaseId"]), clean(data["caseId"])),
                         meta={"case": record, "sections": sections})


def cited_entry(legislation: dict, sections: list[str]) -> list[dict]:
    """One cited statute as cited-legislation titles: "Criminal Code, RSC 1985, c C-46",
    and, for the Criminal Code, "Criminal Code, s. 162.1" per section CanLII's keywords
    name (the citator names statutes, never sections)."""
    title = clean(legislation.get("title"))
    if not title:
        return []
    citation = clean(legislation.get("citation"))
    # Keys in sorted order, as the archive's JSON keeps them (a re-parse stores the same text).
    entries = [{"href": None, "title": f"{title}, {citation}" if citation else title}]
    if legislation.get("legislationId") == CRIMINAL_CODE:
        entries += [{"href": None, "title": f"{title}, s. {section}"} for section in sections]
    return entries


def parse_cited_legislation(response):
    """`caseCitator/en/{db}/{caseId}/citedLegislations`: the decision again, with the
    statutes it cites (request meta `case`, `sections`)."""
    data = read(response, "citedLegislations")
    if not isinstance(data["citedLegislations"], list):
        raise ValueError(f"CanLII citator without a list at {response.url}")
    record = dict(response.meta.get("case") or {})
    if not record:
        raise ValueError(f"CanLII cited legislation is read for a decision (meta `case`), not alone: {response.url}")
    sections = list(response.meta.get("sections") or [])
    cited = []
    for legislation in data["citedLegislations"]:
        for entry in cited_entry(legislation, sections) if isinstance(legislation, dict) else []:
            if entry not in cited:
                cited.append(entry)
    yield CaseItem(**{**record, "cited_legislation": cited})


# --------------------------------------------------------------------------- the spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="CanLII API (Canadian Legal Information Institute)",
    kind="case_law",
    base_url=OFFICIAL,
    licence="CanLII Terms of Use: metadata through the API; decisions' texts may not be copied in bulk "
            "(none is fetched: each decision links to its CanLII page)",
    licence_url="https://www.canlii.org/en/info/terms.html",
    terms_url="https://github.com/canlii/API_documentation/blob/master/EN.md",
    rate_limit_text="2 requests a second, one at a time (CanLII API access plan)",
    rate_limit=(2, 1.0),
    quota_text="5,000 queries a day; we stop a run at 1,000 requests",
    run_quota=1000,
    download_delay=0.5,
    deadline_seconds=3600,
    auth=Auth.query_key(env="CANLII_API_KEY", param="api_key"),
    parser_version="1",
    parser_meta=("discovered", "case", "sections", "limit"),
    case_id_for_url=case_id_for_url,
    notes="Canadian decisions' metadata and cited legislation (no texts, by CanLII's terms): the tracked "
          "decisions, and recent decisions of a few courts kept when their keywords are on the subject. "
          "Key in CANLII_API_KEY.",
)


class CanliiSpider(SourceSpider):
    contract = DECLARATION
    # API paths only: no route reads a page of www.canlii.org (nor is that host official).
    routes = [
        (r"^/v1/caseBrowse/(?:en|fr)/[^/]+/?$", parse_case_list),
        (r"^/v1/caseBrowse/(?:en|fr)/[^/]+/[^/]+/?$", parse_case_metadata),
        (r"^/v1/caseCitator/en/[^/]+/[^/]+/citedLegislations/?$", parse_cited_legislation),
    ]
    json_keys = {"citedLegislations": parse_cited_legislation, "cases": parse_case_list,
                 "concatenatedId": parse_case_metadata}

    def tracked_requests(self):
        for language, database, canlii_case in TRACKED_DECISIONS:
            yield self.request(metadata_url(language, database, canlii_case), tracked=True,
                               expects=("case", case_id(database, canlii_case)))

    def discovery_requests(self):
        after = self.since or (date.today() - timedelta(days=DISCOVERY_DAYS))
        for language, database in DISCOVERY_DATABASES:
            meta = {"limit": self.limit} if self.limit is not None else {}
            yield self.request(case_list_url(language, database, after), **meta)
