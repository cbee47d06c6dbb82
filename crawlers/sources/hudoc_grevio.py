"""HUDOC-GREVIO: the documents of GREVIO, the body that monitors the Istanbul Convention.

Source:   HUDOC-GREVIO, the Council of Europe's database of the documents of the Group of
          Experts on Action against Violence against Women and Domestic Violence (GREVIO).
Base URL: https://hudoc.grevio.coe.int (the only host this module believes).
Licence:  Council of Europe sites allow reproduction for private use and for information and
          education, with the source acknowledged and no charge made (the wording of the
          Council's legal notices, read in copies on its own sites: the Parliamentary
          Assembly's disclaimer and the portal's legal notice as reproduced at
          https://lacs.ecml.at/LACS/Legal-notices). HUDOC-GREVIO's own notice was NOT read:
          check it before any use beyond research. No key.
Terms:    no published rate limit: one request at a time, 2 s apart, as for the Court's HUDOC
          (the same application, on the same infrastructure). A Cloudflare challenge page
          is a failed page, never an empty result, and nothing tries to pass it.

HUDOC-GREVIO runs the HUDOC engine (crawlers/sources/_hudoc_engine.py, shared with
hudoc.py); what differs is the library (`GREVIO`, RSS `grevioeng`), the document key
(`greviosectionid`) and the field names (`greviolanguage`, `greviopublicationdate`,
`greviodocumentid`). Endpoints read here:
- /app/transform/rss?library=grevioeng&query=<HUDOC query>&sort=...&start=0&length=N
  the RSS 2.0 feed the site offers for any search;
- /app/conversion/docx/html/body?library=GREVIO&id={greviosectionid}
  one section's Word original converted to an HTML body (paragraphs, headings).

Format knowledge, and where it comes from. NO REAL CAPTURE of ours exists for this source
(nothing in /work/shared/samples/ and no entry in /work/shared/reference/sources.md):
- The feed: from a public project that saved HUDOC-GREVIO's real RSS answers in its
  repository (two feeds, May 2025, about 2,000 items, fetched with
  `query=contentsitename:GREVIO AND ((greviolanguage="ENG"))` and
  `sort=greviodocumentid ascending,greviopublicationdate descending`), read through the
  search tool. What it shows, and what this parser relies on:
  * HUDOC-GREVIO holds each report SECTION BY SECTION: one feed item per section. The
    item's link is `http://hudoc.grevio.coe.int/eng#{"greviosectionid":["<key>-<n>"]}`,
    where <key> names the document (`GREVIO-Inf(2020)14_Belgium_Baseline_Evaluation_Report_eng`,
    `GREVIO(2024)10_Montenegro_First_thematic_evaluation_report_eng`,
    `Albania_Baseline_Evaluation_Government_responses_to_CoP_recommendations_eng_only`,
    `1_Focus_section_First_General_Report_on_GREVIOs_activities_Final_version_HUDOC_ENG`;
    keys may hold spaces and parentheses) and <n> the section (0 the document's opening).
  * `<title>` is the section's heading ("III. A. 3. Training of professionals (Article
    15)", "Executive summary"), empty for section 0.
  * `<description>` is the document's title, then " - n/N" (section n of N) or " - 0":
    "Baseline Evaluation Report BELGIUM - 6/53",
    "First thematic evaluation report - Building trust by delivering support, protection
    and justice - MONTENEGRO - 10/23", "First thematic evaluation report - 2/23" (Spain's:
    the state is named only in the key), "Government responses to the recommendations
    of the Committee of the Parties - 0" (Albania's: likewise).
  * `<pubDate>` is RFC 822 ("Fri, 22 Nov 2024 00:00:00 GMT"), the publication date;
    the channel's own dates are day/month/year, as on the Court's feed.
  So the state is read from the title (an upper-case state name) or else from the key's
  words, and the kind of document from the title and key (`document_kind`).
- The conversion: from public code that fetches `library=GREVIO&id=<greviosectionid>`
  and reads the HTML body's <p>, <li> and headings, the same shape as the Court's
  (a Word document converted paragraph by paragraph).
- The JSON search (`/app/query/results`) exists on this host too, but no public code or
  document shows its GREVIO columns (state, document type) by name, so this module does
  not guess them: it uses the feed, whose items carry everything stored here.
The examples in tests/examples/hudoc_grevio/ are written by us in the feed's exact shape
and say so; the conversion example's markup is assumed, like hudoc's.

What the spider does: GREVIO's General Recommendation No. 1 on the digital dimension of
violence against women (tracked: a failure counts as a tracked failure) and the subject
searches (`SUBJECT_QUERIES`: image-based abuse, intimate images, the digital dimension,
deepfakes), English documents only. HUDOC searches the sections' words, so a query
returns the sections that speak of the subject, not whole reports. Each section becomes
one MonitoringDocumentItem, linked to the Istanbul Convention (`INSTRUMENT_ID`) and to
the state it concerns, with its text once the conversion answers (without text when it
answers empty). `--since` drops items published before it; `--limit` caps the sections
taken from each feed.
"""

import re
from urllib.parse import urlencode

import scrapy

from ..items import MonitoringDocumentItem, PageError
from . import _hudoc_engine as engine
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "hudoc_grevio"
OFFICIAL = "https://hudoc.grevio.coe.int"
BODY = "GREVIO"
LIBRARY = "GREVIO"
FEED_LIBRARY = "grevioeng"
ID_KEY = "greviosectionid"
#: Our id of a section: its greviosectionid, which names one section of one document.
ID_PREFIX = "grevio:"
#: The treaty GREVIO monitors: the curated instrument every document is linked to.
INSTRUMENT_ID = "coe-cets-210-istanbul"
FEED_LENGTH = 500
SORT = "greviopublicationdate Descending"
_ENGLISH = 'contentsitename:GREVIO AND ((greviolanguage="ENG"))'
#: GREVIO's General Recommendation No. 1 (2021) on the digital dimension of violence
#: against women: the text that reads the Convention as reaching image-based abuse.
TRACKED_QUERIES = (f'{_ENGLISH} AND "General Recommendation No. 1" AND "digital dimension"',)
#: The subject in GREVIO's words: image-based abuse and the digital dimension of violence.
SUBJECT_QUERIES = (
    f'{_ENGLISH} AND ("image-based sexual abuse" OR "image-based abuse" OR "image-based")',
    f'{_ENGLISH} AND ("intimate images" OR "intimate image" OR "intimate photos" OR "intimate videos")',
    f'{_ENGLISH} AND ("digital dimension of violence against women" OR "digital dimension")',
    f'{_ENGLISH} AND ("deepfake" OR "deepfakes" OR "deep fake" OR "sextortion")',
)
LANGUAGES = {"eng": "en", "fre": "fr"}

#: The states whose documents GREVIO publishes (Council of Europe members and other
#: parties), by the name the feed writes, to ISO 3166-1 alpha-2 (`jurisdictions.code`).
STATES = {
    "ALBANIA": "AL", "ANDORRA": "AD", "ARMENIA": "AM", "AUSTRIA": "AT", "AZERBAIJAN": "AZ", "BELGIUM": "BE",
    "BOSNIA AND HERZEGOVINA": "BA", "BULGARIA": "BG", "CROATIA": "HR", "CYPRUS": "CY", "CZECH REPUBLIC": "CZ",
    "CZECHIA": "CZ", "DENMARK": "DK", "ESTONIA": "EE", "FINLAND": "FI", "FRANCE": "FR", "GEORGIA": "GE",
    "GERMANY": "DE", "GREECE": "GR", "HUNGARY": "HU", "ICELAND": "IS", "IRELAND": "IE", "ITALY": "IT",
    "LATVIA": "LV", "LIECHTENSTEIN": "LI", "LITHUANIA": "LT", "LUXEMBOURG": "LU", "MALTA": "MT",
    "REPUBLIC OF MOLDOVA": "MD", "MOLDOVA": "MD", "MONACO": "MC", "MONTENEGRO": "ME", "NETHERLANDS": "NL",
    "NORTH MACEDONIA": "MK", "NORWAY": "NO", "POLAND": "PL", "PORTUGAL": "PT", "ROMANIA": "RO",
    "SAN MARINO": "SM", "SERBIA": "RS", "SLOVAK REPUBLIC": "SK", "SLOVAKIA": "SK", "SLOVENIA": "SI",
    "SPAIN": "ES", "SWEDEN": "SE", "SWITZERLAND": "CH", "TÜRKIYE": "TR", "TURKIYE": "TR", "TURKEY": "TR",
    "UKRAINE": "UA", "UNITED KINGDOM": "GB",
}
# Longest names first, so that "REPUBLIC OF MOLDOVA" wins over "MOLDOVA".
_STATE_NAME = re.compile(r"\b(" + "|".join(re.escape(name) for name in sorted(STATES, key=len, reverse=True)) + r")\b")
#: The kind of document, by words in its title or key, first match wins (a government's
#: responses are filed under its baseline evaluation, so they are tried first).
KINDS = (
    ("government_response", ("government responses", "government response", "cop recommendations")),
    ("general_recommendation", ("general recommendation",)),
    ("general_report", ("general report",)),
    ("state_comments", ("comments submitted", "comments of", "comments by", "government comments", "final comments")),
    ("thematic_evaluation_report", ("thematic evaluation report",)),
    ("baseline_evaluation_report", ("baseline evaluation report",)),
    ("state_report", ("state report", "report submitted by")),
)
_SECTION = re.compile(r"^(?P<document>.+)-(?P<section>\d+)$")
_POSITION = re.compile(r"\s+-\s+(?P<section>\d+)(?:\s*/\s*(?P<sections>\d+))?\s*$")


def feed_url(query: str) -> str:
    params = {"library": FEED_LIBRARY, "query": query, "sort": SORT, "start": 0, "length": FEED_LENGTH}
    return f"{OFFICIAL}/app/transform/rss?{urlencode(params)}"


def text_url(section_id: str) -> str:
    return engine.conversion_url(OFFICIAL, LIBRARY, section_id)


def section_url(section_id: str) -> str:
    return f'{OFFICIAL}/eng#{{"{ID_KEY}":["{section_id}"]}}'


def document_id(section_id: str) -> str:
    return f"{ID_PREFIX}{section_id}"


def section_id_of(record_id: str) -> str:
    return record_id[len(ID_PREFIX):]


def _words(text: str) -> str:
    """Upper-case words of a title or key ("GREVIO(2024)11_Spain_First..." -> "... SPAIN FIRST ...")."""
    return re.sub(r"\s+", " ", re.sub(r"[_()\[\]]", " ", text or "")).strip().upper()


def state_of(title: str, key: str) -> tuple[str | None, str | None]:
    """(the state's name, its ISO code) as the title or, failing that, the key names it."""
    for text in (title, key):
        found = _STATE_NAME.search(_words(text))
        if found:
            return found.group(1).title().replace(" And ", " and ").replace(" Of ", " of "), STATES[found.group(1)]
    return None, None


def document_kind(title: str, key: str) -> str:
    words = " ".join([_words(title), _words(key)]).lower()
    for kind, phrases in KINDS:
        if any(phrase in words for phrase in phrases):
            return kind
    return "other"


def language_of(key: str) -> str | None:
    for word in _words(key).lower().split():
        if word in LANGUAGES:
            return LANGUAGES[word]
    return None


def record_from_item(item) -> dict | None:
    """What one feed item says of a section (None: a link that names no section)."""
    section_id = engine.id_in_fragment(item.findtext("link"), ID_KEY)
    if section_id is None:
        return None
    return section_record(section_id, clean(item.findtext("description")) or "",
                          heading=clean(item.findtext("title")),
                          published=engine.rfc822_day(item.findtext("pubDate")))


def section_record(section_id: str, description: str = "", heading: str | None = None,
                   published: str | None = None) -> dict:
    """A section's record from its greviosectionid and what a feed item adds (the
    description "<title> - n/N", the heading, the publication date). Without a feed item
    the title is the document's key, and the heading, date and section count stay empty:
    only the feed says them."""
    section_id = section_id.strip()
    parts = _SECTION.match(section_id)
    key = parts.group("document") if parts else section_id
    position = _POSITION.search(description)
    title = clean(description[:position.start()] if position else description) or key
    state, code = state_of(title, key)
    return {
        "id": document_id(section_id),
        "body": BODY,
        "instrument_id": INSTRUMENT_ID,
        "kind": document_kind(title, key),
        "state": state,
        "state_code": code,
        "document": key,
        "title": title,
        "section": int(parts.group("section")) if parts else None,
        "sections": int(position.group("sections")) if position and position.group("sections") else None,
        "heading": heading,
        "published": published,
        "language": language_of(key),
        "url": section_url(section_id),
        "source": SOURCE,
    }


def parse_feed(response):
    """One RSS feed: a request for each section's text (its record in the meta `document`),
    or the section itself when the feed is read on its own (`sii-atlas parse`: meta
    `text` "no"). Meta read: `since` (ISO date), `limit` (sections per feed)."""
    items = engine.feed_items(response, "HUDOC-GREVIO")
    since, limit = response.meta.get("since"), response.meta.get("limit")
    with_text = str(response.meta.get("text", "yes")).lower() != "no"
    taken = 0
    for item in items:
        record = record_from_item(item)
        if record is None:
            continue  # not a link to one section: nothing we could name
        if since and record["published"] and record["published"] < since:
            continue
        if limit is not None and taken >= int(limit):
            break
        taken += 1
        if with_text:
            yield scrapy.Request(text_url(section_id_of(record["id"])), meta={"document": record})
        else:
            yield MonitoringDocumentItem(text=None, **record)


def parse_text(response):
    """`/app/conversion/docx/html/body`: a section's text joins its feed record (meta
    `document`). Read alone (a saved page, `sii-atlas parse`), the URL's `id=` names the
    section: its record is what the id tells (document key, section number, state and kind
    from the key's words, language), with the title the key and the heading, date and
    section count empty (only the feed says them). An empty reply stores the section
    without text and records the page as empty; alone, it is an error."""
    section_id = engine.query_value(response.url, "id")
    record = dict(response.meta.get("document") or {})
    alone = not record
    if not response.body.strip():
        reason = f"HUDOC-GREVIO converted no text for {section_id} (empty reply)"
        if not record:
            raise ValueError(reason)
        yield MonitoringDocumentItem(**{**record, "text": None})
        yield PageError(url=response.url, status=response.status, kind="empty", reason=reason, tracked=False)
        return
    if engine.is_bot_challenge(response.body):
        raise ValueError(f"HUDOC-GREVIO answered a bot challenge, not a document, at {response.url}")
    if response.body.lstrip()[:1] in (b"{", b"["):
        raise ValueError(f"HUDOC-GREVIO answered JSON, not a converted document, at {response.url}")
    paragraphs = engine.document_paragraphs(response.body)
    if not paragraphs:
        raise ValueError(f"no paragraph in HUDOC-GREVIO's text of {section_id} at {response.url}")
    if alone:
        if not (section_id and section_id.strip()):
            raise ValueError(f"which HUDOC-GREVIO section is {response.url}? (the URL's `id=`, or the feed's "
                             "record in meta `document`)")
        section_id = section_id.strip()
        record = section_record(section_id)
    if record.get("id") != document_id(section_id or ""):
        raise ValueError(f"HUDOC-GREVIO text of {section_id} does not belong to {record.get('id')}")
    yield MonitoringDocumentItem(**{**record, "text": "\n\n".join(paragraphs)})


DECLARATION = SourceContract(
    id=SOURCE,
    name="HUDOC-GREVIO (Istanbul Convention monitoring)",
    kind="case_law",
    base_url=OFFICIAL,
    licence="Reproduction for information and education with the source acknowledged (Council of Europe legal "
            "notice; HUDOC-GREVIO's own notice not read)",
    licence_url="https://lacs.ecml.at/LACS/Legal-notices",
    terms_url="https://lacs.ecml.at/LACS/Legal-notices",
    rate_limit_text="not published; one request at a time with a delay",
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("document", "since", "limit", "text"),
    notes="GREVIO's documents (evaluation reports, state reports and comments, general reports, General "
          "Recommendation No. 1) from the RSS feed of HUDOC-GREVIO searches on image-based abuse and the digital "
          "dimension, section by section with each section's text; stored in monitoring_documents, linked to the "
          "Istanbul Convention and to the state each concerns. No real capture of ours: built from a public copy "
          "of the real feed and public code.",
)


class HudocGrevioSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/app/transform/rss$", parse_feed),
        (r"^/app/conversion/docx/html/body$", parse_text),
    ]
    root_elements = {"rss": parse_feed}

    def _feed(self, query: str, **meta):
        meta = {**meta, **self.since_meta(), **({"limit": self.limit} if self.limit is not None else {})}
        return self.request(feed_url(query), **meta)

    def tracked_requests(self):
        for query in TRACKED_QUERIES:
            yield self._feed(query, tracked=True)

    def discovery_requests(self):
        for query in SUBJECT_QUERIES:
            yield self._feed(query)
