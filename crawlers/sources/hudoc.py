"""HUDOC: judgments of the European Court of Human Rights, from HUDOC's RSS search feed.

Source:   HUDOC, the case-law database of the European Court of Human Rights (Council of Europe).
Base URL: https://hudoc.echr.coe.int
Endpoint: /app/transform/rss?library=echreng&query=<HUDOC query>&sort=kpdate Descending
          &start=0&length=500: the RSS 2.0 feed the site offers for any search ("ECHR
          HUDOC Search Feed"). The query syntax (`contentsitename:ECHR`, `article:8`,
          `documentcollectionid2:"JUDGMENTS"`, free text in quotes) is the site's own, as
          /work/shared/reference/sources.md notes it; the exact feed parameters are taken
          from the site's RSS link and are NOT verified against a live reply. HUDOC's JSON
          search (/app/query/results) and the text conversion endpoint
          (/app/conversion/docx/html/body) are undocumented and have no real capture: this
          module does not use them, so judgments are stored without their text.
Licence:  HUDOC content may be reproduced for private use or for information and education,
          with the source acknowledged (Court's copyright notice,
          https://www.echr.coe.int/copyright-and-disclaimer). No key.
Terms:    no published rate limit: one request at a time, 2 s apart.

What the spider does: one feed per query of `SEARCH_QUERIES` (Article 8 judgments on
image-based abuse), every item a `CaseItem`; `--since` drops items judged earlier.

Format notes (real capture /work/shared/samples/hudoc/echr.rss, 2,000 Chamber and Grand
Chamber judgments, Dec 2020 to May 2025):
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

import json
import re
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import scrapy
from lxml import etree

from ..items import CaseItem
from .contract import Auth, SourceContract
from .spider import SourceSpider

SOURCE = "hudoc"
OFFICIAL = "https://hudoc.echr.coe.int"
COURT = "European Court of Human Rights"

_JUDGMENTS = 'contentsitename:ECHR AND documentcollectionid2:"JUDGMENTS" AND article:8'
#: Article 8 judgments on intimate images and online abuse, in HUDOC's query syntax.
SEARCH_QUERIES = [
    f'{_JUDGMENTS} AND "intimate images"',
    f'{_JUDGMENTS} AND "intimate photographs"',
    f'{_JUDGMENTS} AND "sexual video"',
    f'{_JUDGMENTS} AND "cyberviolence"',
    f'{_JUDGMENTS} AND "deepfake"',
]
FEED_LENGTH = 500
ITEM_ID = re.compile(r"^\d{3}-\d+$")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def feed_url(query: str) -> str:
    params = {"library": "echreng", "query": query, "sort": "kpdate Descending", "start": 0, "length": FEED_LENGTH}
    return f"{OFFICIAL}/app/transform/rss?{urlencode(params)}"


def item_id_of(url: str) -> str | None:
    """The itemid in a HUDOC link's fragment (`eng#{"itemid":["001-211794"]}`)."""
    fragment = urlsplit(url or "").fragment
    try:
        found = json.loads(fragment).get("itemid") if fragment else None
    except (ValueError, AttributeError):
        return None
    item_id = found[0] if isinstance(found, list) and found else found
    return item_id if isinstance(item_id, str) and ITEM_ID.match(item_id) else None


def case_id(item_id: str | None) -> str | None:
    return f"echr-{item_id}" if item_id else None


def judgment_url(item_id: str) -> str:
    return f'{OFFICIAL}/eng#{{"itemid":["{item_id}"]}}'


def _date(value) -> str | None:
    try:
        return parsedate_to_datetime((value or "").strip()).date().isoformat()
    except (TypeError, ValueError):
        return None


def parse_feed(response):
    """One RSS feed: a CaseItem per judgment. Meta read: `since` (ISO date)."""
    try:
        root = etree.fromstring(response.body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable XML at {response.url}: {error}") from None
    if root is None or root.tag != "rss" or root.find("channel") is None:
        raise ValueError(f"expected an RSS <channel> at {response.url}, found {getattr(root, 'tag', None)!r}")
    since = response.meta.get("since")
    for item in root.iterfind("channel/item"):
        item_id = item_id_of(item.findtext("link"))
        if item_id is None:
            continue  # not a link to one document: nothing we could name
        decided = _date(item.findtext("pubDate"))
        if since and decided and decided < since:
            continue
        numbers, _, kind = (item.findtext("description") or "").partition(" - ")
        applications = [n.strip() for n in numbers.split(";") if n.strip()]
        kind = kind.strip()
        court = f"{COURT} (Grand Chamber)" if kind.startswith("Grand Chamber") else COURT
        if len(applications) == 1:
            citation = f"Application no. {applications[0]}"
        else:
            citation = f"Applications nos. {', '.join(applications)}" if applications else None
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
    parser_version="1",
    notes="RSS search feed: judgment metadata (title, date, application numbers, itemid), no text.",
    case_id_for_url=case_id_for_url,
)


class HudocSpider(SourceSpider):
    contract = DECLARATION
    routes = [(r"^/app/transform/rss$", parse_feed)]
    root_elements = {"rss": parse_feed}

    def discovery_requests(self):
        since = self.since.isoformat() if self.since else None
        for query in SEARCH_QUERIES:
            yield self.request(feed_url(query), since=since)
