"""CourtListener REST API v4 (Free Law Project): United States case law.

Base URL: https://www.courtlistener.com (every API path starts with `/api/rest/v4`; the
base is the bare host because `SourceSpider.to_download_url` joins the base's path to
the official path).
Endpoints used (JSON):
    /api/rest/v4/search/?q={query}&type=o&order_by=dateFiled desc[&filed_after=YYYY-MM-DD]
        opinion search, one result per cluster (a decision: caseName, court, court_id,
        docketNumber, dateFiled, citation [..], neutralCite, cluster_id, opinions[..]);
        `count`, cursor pagination by the full `next` URL (null on the last page).
    /api/rest/v4/clusters/{id}/
        the decision: case_name(_full), date_filed, judges, citations [{volume, reporter,
        page, type}], precedential_status, absolute_url, sub_opinions (opinion URLs).
    /api/rest/v4/dockets/{id}/
        court_id and docket_number, read only for a cluster reached without a search.
    /api/rest/v4/opinions/{id}/
        one opinion of the decision (lead, concurrence, dissent): plain_text, or HTML
        (html_with_citations, html, ...); we keep plain_text, else the HTML's text.
    Docket alerts (webhooks): CourtListener POSTs `{"webhook": {...}, "payload":
        {"results": [docket entries]}}` to a URL we register; `sii-atlas parse` reads
        such a body (`parse_docket_alert`).
Auth:     a token (COURTLISTENER_TOKEN) in the `Authorization: Token <token>` header.
Licence:  the case law is public domain; Free Law Project's own data is dedicated to the
          public domain (CC0). https://www.courtlistener.com/terms/
Terms:    https://www.courtlistener.com/help/api/rest/ : 5,000 requests an hour for an
          authenticated user; a throttled token gets 429 with Retry-After (FLP's help
          pages show waits of a day), which the shared retry honours. Free Law Project has
          announced lower limits for free accounts that we could not read in full, so a
          run stops at 240 requests (about 70 decisions) and waits 2 s between requests.

Format knowledge: the only real capture is a docket-alert webhook body
(/work/shared/samples/courtlistener/cl_post.json, from freelawproject/bigcases2's tests).
There is NO real capture of REST v4 search, cluster or opinion answers: those parsers
follow the API documentation (courtlistener.com/help/api/rest/v4/, "Case Law APIs" and
"Search API") and /work/shared/reference/sources.md, and the examples in
tests/examples/courtlistener/ are written by us in that shape.

What the real capture showed: a webhook body carries no case name, court or docket
number, only the docket's id inside each document's `absolute_url`
(`/docket/{docket id}/{entry}/[{attachment}/]{slug}/`); `description` and
`date_filed` are the entry's; attachments are separate `recap_documents` with an
`attachment_number`; `filepath_ia` and `filepath_local` point at PDFs (never
downloaded). A docket entry is not a decision: each becomes a CandidateItem for review.

What the spider does: one search per query of `SEARCH_QUERIES` (the subject's words) and
`CITATION_QUERIES` (the tracked US statutes' citations), newest first, page after page;
each decision found is fetched (cluster, then each opinion in turn, carried in request
meta) and stored as ONE CaseItem with the opinions' text, in English. `--since` adds
`filed_after`; `--limit` caps the decisions taken from each search page.
"""

import re
from datetime import date
from urllib.parse import urlencode, urlsplit

import scrapy
from bs4 import BeautifulSoup

from ..items import CandidateItem, CaseItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, json_object

SOURCE = "courtlistener"
OFFICIAL = "https://www.courtlistener.com"
API = f"{OFFICIAL}/api/rest/v4"

#: The subject in the API's query syntax (quoted phrases, AND, OR, parentheses).
SEARCH_QUERIES = (
    '"deepfake" OR "deepfakes" OR "deep fake"',
    '"nudify" OR "nudification" OR "undress app"',
    '"intimate image" AND ("digitally altered" OR "artificial intelligence" OR synthetic OR morphed)',
    '"sexually explicit" AND ("digital forgery" OR "digitally altered" OR "computer-generated")',
)
#: The tracked US statutes (data/instruments/us_*.yaml), as opinions cite them.
CITATION_QUERIES = (
    '"1708.86" AND "Civ. Code"',          # Cal. Civ. Code § 1708.86 (us-ca-civ-1708-86)
    '"647(j)(4)" AND "Penal Code"',       # Cal. Penal Code § 647(j)(4)
    '"6851" AND "U.S.C."',                # 15 U.S.C. § 6851, the federal civil action
    '"21.165" AND "Penal Code"',          # Tex. Penal Code § 21.165
    '"18.2-386.2"',                       # Va. Code Ann. § 18.2-386.2
    '"52-c" AND "Civil Rights Law"',      # N.Y. Civ. Rights Law § 52-c
)

#: CourtListener citation `type` 8 is a neutral (vendor-free) citation.
NEUTRAL_CITATION_TYPE = 8

#: CourtListener court ids of each state's courts (its highest court and appellate
#: courts, the ones that publish opinions); every other court (scotus, ca9, nysd, ...)
#: is federal, and its decisions are filed under US.
STATE_COURTS = {
    "US-AL": ("ala", "alacivapp", "alacrimapp"), "US-AK": ("alaska", "alaskactapp"),
    "US-AZ": ("ariz", "arizctapp"), "US-AR": ("ark", "arkctapp"), "US-CA": ("cal", "calctapp", "calappdeptsuper"),
    "US-CO": ("colo", "coloctapp"), "US-CT": ("conn", "connappct", "connsuperct"), "US-DE": ("del", "delch", "delsuperct"),
    "US-DC": ("dc",), "US-FL": ("fla", "fladistctapp"), "US-GA": ("ga", "gactapp"), "US-HI": ("haw", "hawapp"),
    "US-ID": ("idaho", "idahoctapp"), "US-IL": ("ill", "illappct"), "US-IN": ("ind", "indctapp"),
    "US-IA": ("iowa", "iowactapp"), "US-KS": ("kan", "kanctapp"), "US-KY": ("ky", "kyctapp"),
    "US-LA": ("la", "lactapp"), "US-ME": ("me",), "US-MD": ("md", "mdctspecapp"), "US-MA": ("mass", "massappct"),
    "US-MI": ("mich", "michctapp"), "US-MN": ("minn", "minnctapp"), "US-MS": ("miss", "missctapp"),
    "US-MO": ("mo", "moctapp"), "US-MT": ("mont",), "US-NE": ("neb", "nebctapp"), "US-NV": ("nev", "nevapp"),
    "US-NH": ("nh",), "US-NJ": ("nj", "njsuperctappdiv"), "US-NM": ("nm", "nmctapp"),
    "US-NY": ("ny", "nyappdiv", "nyappterm", "nysupct"), "US-NC": ("nc", "ncctapp"), "US-ND": ("nd", "ndctapp"),
    "US-OH": ("ohio", "ohioctapp"), "US-OK": ("okla", "oklacivapp", "oklacrimapp"), "US-OR": ("or", "orctapp"),
    "US-PA": ("pa", "pasuperct", "pacommwct"), "US-RI": ("ri",), "US-SC": ("sc", "scctapp"), "US-SD": ("sd",),
    "US-TN": ("tenn", "tennctapp", "tenncrimapp"), "US-TX": ("tex", "texapp", "texcrimapp"),
    "US-UT": ("utah", "utahctapp"), "US-VT": ("vt",), "US-VA": ("va", "vactapp"), "US-WA": ("wash", "washctapp"),
    "US-WV": ("wva",), "US-WI": ("wis", "wisctapp"), "US-WY": ("wyo",),
}
COURT_JURISDICTION = {court: code for code, courts in STATE_COURTS.items() for court in courts}

OPINION_PAGE = re.compile(r"^/opinion/(?P<cluster>\d+)(?:/|$)")
API_ID = re.compile(r"/api/rest/v\d+/(?P<kind>clusters|opinions|dockets)/(?P<id>\d+)/?$")
DOCKET_PAGE = re.compile(r"^/docket/(?P<docket>\d+)/")


# --------------------------------------------------------------------------- ids and URLs


def case_id(cluster_id) -> str:
    """Our id for a decision: its CourtListener cluster id (also in its web page's URL)."""
    return f"courtlistener-{int(cluster_id)}"


def case_id_for_url(url: str) -> str | None:
    """`courtlistener-2345678` for https://www.courtlistener.com/opinion/2345678/slug/."""
    parts = urlsplit(url or "")
    if parts.netloc not in ("www.courtlistener.com", "courtlistener.com"):
        return None
    match = OPINION_PAGE.match(parts.path)
    return case_id(match["cluster"]) if match else None


def web_url(path: str | None) -> str | None:
    return f"{OFFICIAL}{path}" if path and path.startswith("/") else path or None


def api_id(url: str | None, kind: str) -> int | None:
    match = API_ID.search(urlsplit(str(url or "")).path)
    return int(match["id"]) if match and match["kind"] == kind else None


def cluster_url(cluster_id) -> str:
    return f"{API}/clusters/{int(cluster_id)}/"


def opinion_url(opinion_id) -> str:
    return f"{API}/opinions/{int(opinion_id)}/"


def search_url(query: str, since: date | None = None) -> str:
    params = [("q", query), ("type", "o"), ("order_by", "dateFiled desc")]
    if since:
        params.append(("filed_after", since.isoformat()))
    return f"{API}/search/?{urlencode(params)}"


def court_jurisdiction(court_id: str | None) -> str:
    """The state whose court it is (`calctapp` -> US-CA); federal courts -> US."""
    return COURT_JURISDICTION.get(str(court_id or "").lower(), "US")


# --------------------------------------------------------------------------- reading JSON and text


def read_json(response, expected_key: str) -> dict:
    return json_object(response, expected_key, "CourtListener")


def clean_text(text: str | None) -> str | None:
    """An opinion's text with its page layout tidied: no trailing spaces, no runs of
    empty lines (the words and line breaks are the court's)."""
    if not text:
        return None
    lines = [line.rstrip() for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() or None


#: Elements that end a line of text (anything else, a citation link say, runs on in its line).
BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "center", "table")


def html_text(html: str | None) -> str | None:
    """The text of an opinion's HTML: a line per paragraph or other block, the citations
    CourtListener links kept as the words they are."""
    if not html or not str(html).strip():
        return None
    soup = BeautifulSoup(html, "lxml")
    for element in soup(["script", "style"]):
        element.decompose()
    for element in soup.find_all(BLOCKS):
        element.insert_after("\n")
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in soup.get_text().split("\n"))
    return clean_text("\n".join(lines))


def opinion_text(opinion: dict) -> str | None:
    """plain_text when the court's text came as text, else the best HTML we are given."""
    plain = clean_text(opinion.get("plain_text"))
    if plain:
        return plain
    for field in ("html_with_citations", "html", "html_lawbox", "html_columbia", "html_anon_2020", "xml_harvard"):
        text = html_text(opinion.get(field))
        if text:
            return text
    return None


def citation_text(citation: dict) -> str | None:
    parts = [str(citation.get(k) or "").strip() for k in ("volume", "reporter", "page")]
    return " ".join(parts) if all(parts) else None


# --------------------------------------------------------------------------- the case record


def record_from_search(result: dict) -> dict:
    """What a search result says of a decision (the cluster page completes it)."""
    record = {
        "id": case_id(result["cluster_id"]),
        "jurisdiction": court_jurisdiction(result.get("court_id")),
        "court": clean(result.get("court")),
        "decision_date": iso_day(result.get("dateFiled")),
        "name": clean(result.get("caseName")),
        "citation": clean((result.get("citation") or [None])[0]),
        "url": web_url(result.get("absolute_url")),
        "language": "en",
        "source": SOURCE,
        "identifiers": [],
        "texts": [],
    }
    add_identifier(record, "DOCKET", clean(result.get("docketNumber")))
    add_identifier(record, "NEUTRAL", clean(result.get("neutralCite")))
    return record


def add_identifier(record: dict, scheme: str, value: str | None) -> None:
    entry = {"scheme": scheme, "value": value}
    if value and entry not in record["identifiers"]:
        record["identifiers"].append(entry)


def finished(record: dict) -> CaseItem:
    fields = {k: v for k, v in record.items() if k in CaseItem.fields}
    texts = [t for t in record.get("texts") or [] if t]
    fields["text"] = "\n\n".join(texts) or None
    if not fields.get("name"):
        raise ValueError(f"CourtListener decision {record.get('id')} has no case name")
    return CaseItem(**fields)


def carry(response) -> dict:
    return {k: response.meta[k] for k in ("tracked", "expects") if k in response.meta}


# --------------------------------------------------------------------------- parsers


def parse_search(response):
    """`/search/?type=o`: each decision's cluster is fetched next (its search result's
    facts travel in meta `case`); then the next page. meta `limit`: at most this many
    decisions from one page."""
    data = read_json(response, "results")
    limit = response.meta.get("limit")
    taken = 0
    for result in data["results"] or []:
        if not isinstance(result, dict) or not result.get("cluster_id"):
            continue
        if limit is not None and taken >= int(limit):
            break
        taken += 1
        record = record_from_search(result)
        yield scrapy.Request(cluster_url(result["cluster_id"]), meta={"case": record})
    following = data.get("next")
    if following and data["results"]:
        yield scrapy.Request(following, meta={"limit": limit} if limit is not None else {})


def parse_cluster(response):
    """`/clusters/{id}/`: the decision's names, date, judges and citations; then its opinions."""
    cluster = read_json(response, "sub_opinions")
    record = dict(response.meta.get("case") or {})
    docket = None
    if not record:
        # Not reached from a search: the court and docket number come from the docket.
        cluster_id = cluster.get("id") or api_id(response.url, "clusters")
        docket = api_id(cluster.get("docket"), "dockets")
        if not cluster_id or not docket:
            raise ValueError(f"a cluster without its id or docket at {response.url}")
        record = {"id": case_id(cluster_id), "language": "en", "source": SOURCE, "identifiers": [], "texts": []}
    record["identifiers"] = list(record.get("identifiers") or [])
    record["name"] = clean(cluster.get("case_name")) or clean(cluster.get("case_name_full")) or record.get("name")
    record["decision_date"] = iso_day(cluster.get("date_filed")) or record.get("decision_date")
    record["url"] = web_url(cluster.get("absolute_url")) or record.get("url")
    judges = [clean(j) for j in re.split(r",|;| and ", str(cluster.get("judges") or "")) if clean(j)]
    if judges:
        record["judges"] = judges
    for citation in cluster.get("citations") or []:
        text = citation_text(citation) if isinstance(citation, dict) else None
        if not text:
            continue
        if citation.get("type") == NEUTRAL_CITATION_TYPE:
            add_identifier(record, "NEUTRAL", text)
        record["citation"] = record.get("citation") or text
    opinions = [url for url in cluster.get("sub_opinions") or [] if api_id(url, "opinions")]
    if docket:
        yield scrapy.Request(f"{API}/dockets/{docket}/", meta={**carry(response), "case": record, "opinions": opinions})
        return
    yield from next_opinion(response, record, opinions)


def parse_docket(response):
    """`/dockets/{id}/` (for a cluster reached without a search): court and docket number."""
    docket = read_json(response, "docket_number")
    record = dict(response.meta.get("case") or {})
    if not record:
        raise ValueError(f"a docket is read for a decision (request meta `case`), not on its own: {response.url}")
    record["identifiers"] = list(record.get("identifiers") or [])
    court_id = docket.get("court_id") or str(docket.get("court") or "").rstrip("/").rsplit("/", 1)[-1]
    record["jurisdiction"] = court_jurisdiction(court_id)
    record["court"] = record.get("court") or clean(court_id)
    add_identifier(record, "DOCKET", clean(docket.get("docket_number")))
    yield from next_opinion(response, record, list(response.meta.get("opinions") or []))


def next_opinion(response, record: dict, opinions: list[str]):
    if opinions:
        first, rest = opinions[0], opinions[1:]
        yield scrapy.Request(opinion_url(api_id(first, "opinions")),
                             meta={**carry(response), "case": record, "opinions": rest})
        return
    yield finished(record)


def parse_opinion(response):
    """`/opinions/{id}/`: one opinion's text joins the decision's; then the next opinion."""
    opinion = read_json(response, "type")
    record = dict(response.meta.get("case") or {})
    if not record:
        # An opinion on its own names no case or court: its decision is read from the cluster.
        cluster_id = opinion.get("cluster_id") or api_id(opinion.get("cluster"), "clusters")
        if not cluster_id:
            raise ValueError(f"an opinion without its cluster at {response.url}")
        yield scrapy.Request(cluster_url(cluster_id))
        return
    record["texts"] = list(record.get("texts") or []) + [opinion_text(opinion)]
    yield from next_opinion(response, record, list(response.meta.get("opinions") or []))


def parse_docket_alert(response):
    """A docket-alert webhook body: each new docket entry becomes a CandidateItem, for a
    person to see what was filed in a case we follow (a docket entry is not a decision)."""
    data = read_json(response, "webhook")
    payload = data.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise ValueError(f"a CourtListener webhook without payload.results at {response.url}")
    for entry in payload["results"]:
        if not isinstance(entry, dict):
            continue
        documents = [d for d in entry.get("recap_documents") or [] if isinstance(d, dict)]
        main = next((d for d in documents if d.get("attachment_number") is None), documents[0] if documents else {})
        path = str(main.get("absolute_url") or "")
        docket = DOCKET_PAGE.match(path)
        number = entry.get("entry_number") if entry.get("entry_number") is not None else main.get("document_number")
        if not docket or number is None:
            raise ValueError(f"a docket entry without its docket or number at {response.url}")
        description = clean(entry.get("description")) or clean(main.get("description")) or "(no description)"
        yield CandidateItem(
            id=f"courtlistener-docket-{docket['docket']}-{number}",
            title=f"Docket {docket['docket']}, entry {number}: {description}",
            url=web_url(path),
            published=iso_day(entry.get("date_filed")),
            matched_query="docket alert",
            source=SOURCE,
        )


# --------------------------------------------------------------------------- the spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="CourtListener REST API v4 (Free Law Project)",
    kind="case_law",
    base_url=OFFICIAL,
    licence="Public domain (case law); CC0 (Free Law Project data)",
    licence_url="https://www.courtlistener.com/terms/",
    terms_url="https://www.courtlistener.com/help/api/rest/",
    rate_limit_text="5,000 requests an hour per authenticated user (lower for free accounts, per FLP notices)",
    rate_limit=(5000, 3600),
    quota_text="none published in full for free accounts; we stop a run at 240 requests",
    run_quota=240,
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.header_key(env="COURTLISTENER_TOKEN", header="Authorization", prefix="Token "),
    parser_version="1",
    parser_meta=("case", "opinions", "limit"),
    case_id_for_url=case_id_for_url,
    notes="US decisions found by full-text search on the subject and the tracked US statutes' citations, "
          "with the opinions' text; docket-alert webhook bodies become candidates. Token in COURTLISTENER_TOKEN.",
)


class CourtListenerSpider(SourceSpider):
    contract = DECLARATION

    routes = [
        (r"^/api/rest/v4/search/?$", parse_search),
        (r"^/api/rest/v4/clusters/\d+/?$", parse_cluster),
        (r"^/api/rest/v4/opinions/\d+/?$", parse_opinion),
        (r"^/api/rest/v4/dockets/\d+/?$", parse_docket),
    ]
    json_keys = {"webhook": parse_docket_alert, "sub_opinions": parse_cluster, "results": parse_search,
                 "plain_text": parse_opinion, "docket_number": parse_docket}

    def discovery_requests(self):
        for query in SEARCH_QUERIES + CITATION_QUERIES:
            meta = {"limit": self.limit} if self.limit is not None else {}
            yield self.request(search_url(query, self.since), query=query, **meta)
