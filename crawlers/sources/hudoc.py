"""HUDOC: judgments of the European Court of Human Rights, with their text.

Source:   HUDOC, the case-law database of the European Court of Human Rights (Council of Europe).
Base URL: https://hudoc.echr.coe.int (the only host this module believes).
Licence:  HUDOC content may be reproduced for private use or for information and education,
          with the source acknowledged (Court's copyright notice,
          https://www.echr.coe.int/copyright-and-disclaimer). No key.
Terms:    no published rate limit: one request at a time, 2 s apart. HUDOC sits behind
          Cloudflare, which may answer an automated client with a challenge page (HTML, 403
          or 503); that is a failed page, never an empty result, and nothing tries to pass it.

Endpoints (none is documented by the Court; the site's own JavaScript calls them):
- /app/query/results?query=<HUDOC query>&select=<columns>&sort=kpdate Descending&start=&length=
  the site's JSON search: `{"resultcount": N, "results": [{"columns": {...}}]}`, one
  `columns` object per document with the selected fields as strings. Paged by `start`
  (offset) and `length`; the next page starts after the results this one gave, until
  `resultcount`. The query syntax is HUDOC's (`contentsitename:ECHR`, `appno:"40419/19"`,
  `documentcollectionid2:"JUDGMENTS"`, `languageisocode:"ENG"`, `article:8`,
  `kpdate>="2024-01-01T00:00:00.0Z"`, phrases in quotes, AND/OR/NOT).
- /app/conversion/docx/html/body?library=ECHR&id={itemid}
  the judgment's Word original converted to an HTML body: one <p> (or heading) per Word
  paragraph, the Court's paragraph numbers written in the text ("1.  The case originated
  ..."), headings ("PROCEDURE", "THE FACTS", "THE LAW", "FOR THESE REASONS, THE COURT")
  as paragraphs of their own, tables for appended lists. HUDOC answers 204 with no body
  for a document it holds only as a placeholder (`isplaceholder` "True").
- /app/transform/rss?library=echreng&query=...: the RSS 2.0 feed the site offers for any
  search (title, date, application numbers, itemid; no text, no articles). Still read
  (`parse_feed`) for feeds saved or fetched by hand; discovery uses the JSON search.

Format knowledge, and where it comes from:
- RSS: the real capture /work/shared/samples/hudoc/echr.rss (2,000 Chamber and Grand
  Chamber judgments, Dec 2020 to May 2025), tested in place.
- JSON search and text: NO real capture. The reply's shape and each column's format are
  taken from public code that calls the live endpoint and keeps what it answered in its
  tests or notes: `resultcount` and `results[].columns`; `itemid` "001-211794"; `appno`
  "40419/19" or "7299/75;7496/76"; `kpdate` "2022-08-30T00:00:00" (ISO, the judgment
  date); `judgementdate` "30/08/2022 00:00:00"; `article` "8;8-1" (";"-separated, "P1-1"
  for a protocol); `conclusion` "Violation of Article 8 - Right to respect for private and
  family life (Article 8-1 - Respect for private life)" (";"-separated findings);
  `doctypebranch` "CHAMBER" / "GRANDCHAMBER" / "COMMITTEE"; `importance` "1".."4";
  `languageisocode` "ENG" / "FRE"; `isplaceholder` "True"/"False"; an absent value is "".
  Reports disagree on whether the search still needs a `rankingModelId` parameter (one
  project says it answers 404 without it, another, checked live in 2026, sends only the
  parameters used here): a 404 there is recorded as a failed page. The text body's
  layout is known from a stored copy of a converted judgment (its text, not its markup:
  Abdullayev v. Azerbaijan, 001-191357) and from projects that parse it as Word HTML
  (paragraphs, CSS classes per Word style); the examples in tests/examples/hudoc/ are
  written by us in that shape and say so.

What the spider does: the tracked judgments by application number (`TRACKED_APPLICATIONS`)
and the subject searches (`JSON_QUERIES`; `SEARCH_QUERIES` are the same subject as RSS
feeds, for fetching by hand), as JSON, page after page; each English judgment found becomes one CaseItem (metadata, the
`article` column as cited provisions) with its text, once the conversion endpoint
answers (without text when it answers empty, or when HUDOC holds only a placeholder).
`--since` adds a `kpdate` bound; `--limit` caps the judgments taken from each page.

RSS format notes (from the real capture):
- `<channel>` dates are day/month/year ("25/05/2025"); item `<pubDate>` is RFC 822
  ("Tue, 14 Sep 2021 00:00:00 GMT") and is the judgment date.
- `<title>` is HUDOC's docname ("CASE OF VOLODINA v. RUSSIA (No. 2)"); "(No. 2)" is part
  of the name, "(REVISION)" marks a later judgment on the same applications.
- `<description>` is "appno;appno;... - Chamber Judgment" (or "Grand Chamber Judgment").
- `<link>` is `http://hudoc.echr.coe.int/eng#{"itemid":["001-211794"]}`: a JSON object
  in the URL fragment. The itemid names one document; an application number does not
  (53 applications in the capture have two judgments: merits and just satisfaction,
  Chamber and Grand Chamber), so our id is the itemid.
"""

import re
from urllib.parse import urlencode, urlsplit

import scrapy

from ..citations.coe import article_title
from ..items import CaseItem, PageError
from . import _hudoc_engine as engine
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, with_query

SOURCE = "hudoc"
OFFICIAL = "https://hudoc.echr.coe.int"
COURT = "European Court of Human Rights"

_JUDGMENTS = 'contentsitename:ECHR AND documentcollectionid2:"JUDGMENTS" AND article:8'
#: Article 8 judgments on intimate images and online abuse, in HUDOC's query syntax (RSS feeds).
SEARCH_QUERIES = [
    f'{_JUDGMENTS} AND "intimate images"',
    f'{_JUDGMENTS} AND "intimate photographs"',
    f'{_JUDGMENTS} AND "sexual video"',
    f'{_JUDGMENTS} AND "cyberviolence"',
    f'{_JUDGMENTS} AND "deepfake"',
]
#: English judgments only: HUDOC holds each language version as its own document.
_ENGLISH_JUDGMENTS = 'contentsitename:ECHR AND documentcollectionid2:"JUDGMENTS" AND languageisocode:"ENG"'
#: The subject in the JSON search: Article 8 and intimate or sexual images.
JSON_QUERIES = [
    f'{_ENGLISH_JUDGMENTS} AND article:8 AND ("intimate images" OR "intimate photographs" OR "intimate video")',
    f'{_ENGLISH_JUDGMENTS} AND article:8 AND ("sexual images" OR "sexual video" OR "sex video")',
    f'{_ENGLISH_JUDGMENTS} AND article:8 AND ("deepfake" OR "deep fake" OR "revenge porn" OR "revenge pornography")',
    f'{_ENGLISH_JUDGMENTS} AND article:8 AND ("cyberviolence" OR "cyber-violence")',
]
#: Judgments on the subject, by application number: Volodina v. Russia (no. 2) and Khadija
#: Ismayilova v. Azerbaijan (curated in data/cases/europe.yaml), Söderman v. Sweden [GC]
#: (covert filming of a child) and K.U. v. Finland (a child's sexual advert posted in her
#: name), leading Article 8 judgments not yet curated.
TRACKED_APPLICATIONS = ("40419/19", "65286/13", "5786/08", "2872/02")
#: The columns asked of the search (the parser reads these).
SELECT = ("itemid", "docname", "appno", "kpdate", "ecli", "article", "conclusion", "languageisocode",
          "doctypebranch", "importance", "isplaceholder")
PAGE_LENGTH = 100
LANGUAGES = {"ENG": "en", "FRE": "fr"}
FEED_LENGTH = 500
ITEM_ID = re.compile(r"^\d{3}-\d+$")


def feed_url(query: str) -> str:
    params = {"library": "echreng", "query": query, "sort": "kpdate Descending", "start": 0, "length": FEED_LENGTH}
    return f"{OFFICIAL}/app/transform/rss?{urlencode(params)}"


def item_id_of(url: str) -> str | None:
    """The itemid in a HUDOC link's fragment (`eng#{"itemid":["001-211794"]}`)."""
    item_id = engine.id_in_fragment(url, "itemid")
    return item_id if item_id and ITEM_ID.match(item_id) else None


def case_id(item_id: str | None) -> str | None:
    return f"echr-{item_id}" if item_id else None


def judgment_url(item_id: str) -> str:
    return f'{OFFICIAL}/eng#{{"itemid":["{item_id}"]}}'


def query_url(query: str, start: int = 0, length: int = PAGE_LENGTH) -> str:
    params = {"query": query, "select": ",".join(SELECT), "sort": "kpdate Descending", "start": start,
              "length": length}
    return f"{OFFICIAL}/app/query/results?{urlencode(params)}"


def text_url(item_id: str) -> str:
    return engine.conversion_url(OFFICIAL, "ECHR", item_id)


def parse_feed(response):
    """One RSS feed: a CaseItem per judgment. Meta read: `since` (ISO date)."""
    items = engine.feed_items(response, "HUDOC")
    since = response.meta.get("since")
    for item in items:
        item_id = item_id_of(item.findtext("link"))
        if item_id is None:
            continue  # not a link to one document: nothing we could name
        decided = engine.rfc822_day(item.findtext("pubDate"))
        if since and decided and decided < since:
            continue
        numbers, _, kind = (item.findtext("description") or "").partition(" - ")
        applications = [n.strip() for n in numbers.split(";") if n.strip()]
        kind = kind.strip()
        court = f"{COURT} (Grand Chamber)" if kind.startswith("Grand Chamber") else COURT
        citation = applications_citation(applications)
        yield CaseItem(
            id=case_id(item_id),
            jurisdiction="COE",
            court=court,
            decision_date=decided,
            name=re.sub(r"\s+", " ", item.findtext("title") or "").strip() or citation or item_id,
            citation=citation,
            url=judgment_url(item_id),
            language="en",
            judges=[],
            text=None,  # the feed carries no text (see the module docstring)
            cited_legislation=[],
            identifiers=[{"scheme": "DOCKET", "value": number} for number in applications]
            + [{"scheme": "HUDOC_ITEMID", "value": item_id}],
            source=SOURCE,
        )


# --------------------------------------------------------------------------- JSON search


def applications_citation(applications: list[str]) -> str | None:
    if len(applications) == 1:
        return f"Application no. {applications[0]}"
    return f"Applications nos. {', '.join(applications)}" if applications else None


def cited_articles(column: str | None) -> list[dict]:
    """HUDOC's `article` column ("8;8-1;41;P1-1") as cited provisions, each titled the way
    the Court writes it ("Article 8 § 1 of the Convention"), so that the citation patterns
    (crawlers/citations/coe.py) read metadata and text alike."""
    found = []
    for code in (column or "").split(";"):
        title = article_title(code)
        if title and title not in [entry["title"] for entry in found]:
            # Keys in sorted order: the archive keeps request meta as sorted JSON, and a
            # re-parse must store the same JSON text the crawl did.
            found.append({"href": None, "title": title})
    return found


def record_from_columns(columns: dict) -> dict | None:
    """What one search result says of a judgment (None: not a document we can name)."""
    item_id = str(columns.get("itemid") or "").strip()
    if not ITEM_ID.match(item_id):
        return None
    applications = [n.strip() for n in str(columns.get("appno") or "").split(";") if n.strip()]
    branch = str(columns.get("doctypebranch") or "").upper()
    ecli = clean(columns.get("ecli"))
    return {
        "id": case_id(item_id),
        "jurisdiction": "COE",
        "court": f"{COURT} (Grand Chamber)" if branch == "GRANDCHAMBER" else COURT,
        "decision_date": iso_day(columns.get("kpdate")),
        "name": clean(columns.get("docname")) or applications_citation(applications) or item_id,
        "citation": applications_citation(applications),
        "url": judgment_url(item_id),
        "language": LANGUAGES.get(str(columns.get("languageisocode") or "").upper()),
        "judges": [],
        "cited_legislation": cited_articles(columns.get("article")),
        "identifiers": [{"scheme": "DOCKET", "value": number} for number in applications]
        + [{"scheme": "HUDOC_ITEMID", "value": item_id}]
        + ([{"scheme": "ECLI", "value": ecli}] if ecli else []),
        "source": SOURCE,
    }


def read_results(response) -> dict:
    """The search's JSON, or a clear error (see `_hudoc_engine.read_results`)."""
    return engine.read_results(response, "HUDOC")


def parse_results(response):
    """`/app/query/results`: a CaseItem per judgment (metadata), a request for its text,
    then the next page. Meta read: `since` (ISO date), `limit` (judgments per page)."""
    data = read_results(response)
    since, limit = response.meta.get("since"), response.meta.get("limit")
    taken = 0
    for result in data["results"]:
        columns = result.get("columns") if isinstance(result, dict) else None
        record = record_from_columns(columns) if isinstance(columns, dict) else None
        if record is None:
            continue
        if since and record["decision_date"] and record["decision_date"] < since:
            continue
        if limit is not None and taken >= int(limit):
            break
        taken += 1
        # One item per judgment and run, written once it is complete (the text page
        # yields it); a placeholder has no text to wait for.
        if str(columns.get("isplaceholder") or "").lower() == "true":
            yield CaseItem(text=None, **record)
        else:
            yield scrapy.Request(text_url(columns["itemid"]), meta={"case": record})
    start = int(engine.query_value(response.url, "start") or 0)
    following = start + len(data["results"])
    if data["results"] and following < data["resultcount"]:
        yield scrapy.Request(with_query(response.url, start=following),
                             meta={k: response.meta[k] for k in ("since", "limit") if response.meta.get(k) is not None})


# --------------------------------------------------------------------------- judgment text

#: The judgment's paragraphs in order (the engine's reading of a converted Word document).
judgment_paragraphs = engine.document_paragraphs


def parse_text(response):
    """`/app/conversion/docx/html/body`: the judgment's text joins its search record
    (request meta `case`); alone, the page names no judgment and is an error. An empty
    reply (HUDOC's 204) stores the judgment without text and records the page as empty."""
    record = dict(response.meta.get("case") or {})
    item_id = engine.query_value(response.url, "id")
    if not response.body.strip():
        reason = f"HUDOC converted no text for {item_id} (empty reply: a placeholder document?)"
        if not record:
            raise ValueError(reason)
        yield CaseItem(**{**record, "text": None})
        yield PageError(url=response.url, status=response.status, kind="empty", reason=reason, tracked=False)
        return
    if engine.is_bot_challenge(response.body):
        raise ValueError(f"HUDOC answered a bot challenge, not a judgment, at {response.url}")
    paragraphs = judgment_paragraphs(response.body)
    if not paragraphs:
        raise ValueError(f"no paragraph in HUDOC's text of {item_id} at {response.url}")
    if not record:
        raise ValueError(f"a HUDOC text is read for a judgment found by the search (meta `case`): {response.url}")
    if record.get("id") != case_id(item_id):
        raise ValueError(f"HUDOC text of {item_id} does not belong to {record.get('id')}")
    yield CaseItem(**{**record, "text": "\n\n".join(paragraphs)})


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the judgment at a HUDOC itemid link (None for others,
    an application-number link included: it may name several judgments)."""
    if urlsplit(url or "").netloc != urlsplit(OFFICIAL).netloc:
        return None
    return case_id(item_id_of(url))


DECLARATION = SourceContract(
    id=SOURCE,
    name="HUDOC (European Court of Human Rights)",
    kind="case_law",
    base_url=OFFICIAL,
    licence="Reproduction permitted with the source acknowledged (ECHR copyright notice)",
    licence_url="https://www.echr.coe.int/copyright-and-disclaimer",
    terms_url="https://www.echr.coe.int/copyright-and-disclaimer",
    rate_limit_text="not published; one request at a time with a delay",
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="2",
    parser_meta=("case", "since", "limit"),
    notes="JSON search (the tracked judgments by application number, Article 8 judgments on intimate images): "
          "judgment metadata with the Convention articles applied, and the judgment's text from HUDOC's "
          "conversion of the Word original; the RSS feed is still read.",
    case_id_for_url=case_id_for_url,
)


class HudocSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/app/transform/rss$", parse_feed),
        (r"^/app/query/results$", parse_results),
        (r"^/app/conversion/docx/html/body$", parse_text),
    ]
    root_elements = {"rss": parse_feed}
    json_keys = {"resultcount": parse_results, "results": parse_results}

    def _search(self, query: str, dated: bool = True, **meta):
        if self.since and dated:
            query += f' AND kpdate>="{self.since.isoformat()}T00:00:00.0Z"'
        meta = {**meta, **(self.since_meta() if dated else {}),
                **({"limit": self.limit} if self.limit is not None else {})}
        return self.request(query_url(query), **meta)

    def tracked_requests(self):
        """The curated judgments, by application number (one may have several documents)."""
        for number in TRACKED_APPLICATIONS:
            yield self._search(f'{_ENGLISH_JUDGMENTS} AND appno:"{number}"', dated=False, tracked=True)

    def discovery_requests(self):
        for query in JSON_QUERIES:
            yield self._search(query)
