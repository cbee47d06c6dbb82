"""Riksdagen open data: Sweden's consolidated statutes (SFS) from the Riksdag's document API.

Base URL: https://data.riksdagen.se
Endpoints (documented at https://data.riksdagen.se/, "Dokument" and "Dokumentlista"):
    /dokument/{dok_id}.json          one document: {"dokumentstatus": {"dokument": {dok_id,
                                     rm, beteckning, doktyp, subtyp, titel, subtitel, organ,
                                     datum, systemdatum, ..., "html": the text}, ...}};
                                     an SFS statute's dok_id is `sfs-{year}-{number}`
                                     (Brottsbalken, SFS 1962:700: `sfs-1962-700`)
    /dokumentlista/?sok=...&doktyp=sfs&utformat=json&sz=N&p=N
                                     search: {"dokumentlista": {"@traffar", "@sida", "@sidor",
                                     "@nasta_sida" (absent on the last page), "dokument": [...]}}
    An unknown dok_id answers HTTP 404.
Licence:  "Riksdagens öppna data är fria att användas och spridas vidare så länge du anger
          källa" (Källa: Sveriges riksdag), https://data.riksdagen.se/anvandningsvillkor/; no
          fees or licences (https://data.riksdagen.se/hjalp-och-stod/om-riksdagens-oppna-data/).
Terms:    no key, no published rate limit or quota; one request at a time, 1 s apart.

What the spider does:
(a) tracked instruments: for each curated Swedish instrument whose source is `riksdagen`
    (`source_identifier`: the SFS number, `SFS 1962:700`), the statute's document as JSON:
    the instrument (under the curated id), and each key provision (`key`: the paragraph's
    anchor in the text, `K4P6c` for 4 kap. 6 c §), in Swedish;
(b) discovery: the document list searched for SFS statutes on Swedish terms
    (`SEARCH_TERMS`); each is a CandidateItem, never a tracked instrument.

The text. The consolidated statute sits in `dokument.html`: a header of `<b>Key</b>: value`
lines (SFS nr, Departement/myndighet, Utfärdad, Ändrad, Ikraft), a table of contents
(`div.sfstoc`, skipped), chapters as `<h3 name="K4"><a name="K4">4 kap. ...</a></h3>`,
sub-headings as `<h4>`, and each paragraph opened by `<a class="paragraf" name="K4P6c">
<b>6 c §</b></a>`, its text running to the next anchor, with further stycken after
`<p><a name="K4P6cS2"></a></p>`. A paragraph whose wording changes on a known date
appears twice under one anchor, marked `/Upphör att gälla U:2026-04-15/` (that version's
valid_to) and `/Träder i kraft I:2026-04-15/` (valid_from): one provision, two dated
versions. A version not yet in force is `prospective`; one already replaced has no
status (it is history). The closing note `Lag (2017:1136).` (the act that gave the
wording) stays in the text, as the source prints it.

Format knowledge. NO real capture of this API exists in /work/shared/samples. The shapes
come from the API's documentation and from public projects' fixtures and notes: the
`dokumentstatus` JSON of an SFS statute with its `html` field (legalize-dev/
legalize-pipeline, tests/fixtures/se-riksdag-balk-html.json: Brottsbalken, header,
`sfstoc`, chapters, anchors, version markers), the `dokumentlista` envelope with its
`@`-prefixed counters and `@nasta_sida` (several public clients' models, and a note that
a page with one hit gives `dokument` as an object, not a list), and the 404 for an
unknown document. Our examples in tests/examples/riksdagen/ follow those shapes with
Brottsbalken's 4 kap. 6 c-6 d §§ and 16 kap. 10 a §.
Errors: an empty or non-JSON body, an HTML page where JSON was expected, a JSON without
`dokumentstatus`, a document that is not an SFS statute or has no text, a search answer
without `dokumentlista`, and a wanted paragraph missing from the text raise RiksdagenError.
"""

import html as htmllib
import json
import re
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

import scrapy

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day

SOURCE = "riksdagen"
OFFICIAL = "https://data.riksdagen.se"
LANGUAGE = "sv"
JURISDICTION = "SE"
PAGE_SIZE = 50
#: Search pages read per term at most.
MAX_PAGES = 5

#: The subject's terms, in Swedish (free-text search over SFS statutes).
SEARCH_TERMS = (
    "integritetsintrång",
    "barnpornografibrott",
    "deepfake",
    "manipulerad bild",
    "sexuellt ofredande",
)

SFS_NUMBER = re.compile(r"^(?:SFS\s*)?(?P<year>\d{4}):(?P<number>\d+)$", re.IGNORECASE)
DOK_ID = re.compile(r"^sfs-(?P<year>\d{4})-(?P<number>[0-9a-z]+)$")
#: A paragraph's anchor: chapter (when the statute has chapters) and paragraph, `K4P6c`.
ANCHOR_NAME = re.compile(r"^(?:K(?P<chapter>\d+[a-z]?))?P(?P<paragraph>\d+[a-z]?)$")
PARAGRAPH_ANCHOR = re.compile(r'<a\s+class="paragraf"\s+name="(?P<name>[^"]+)"[^>]*>(?P<label>.*?)</a>',
                              re.IGNORECASE | re.DOTALL)
CHAPTER = re.compile(r'<h3[^>]*\bname="K(?P<chapter>\d+[a-z]?)"[^>]*>(?P<title>.*?)</h3>', re.IGNORECASE | re.DOTALL)
SUBHEADING = re.compile(r"<h4[^>]*>(?P<title>.*?)</h4>", re.IGNORECASE | re.DOTALL)
TOC = re.compile(r'<div\s+class="sfstoc">.*?</div>', re.IGNORECASE | re.DOTALL)
HEADER_LINE = re.compile(r"<b>\s*(?P<key>[^<:]+?)\s*</b>\s*:\s*(?P<value>[^<]*)", re.IGNORECASE)
BOUNDARY = re.compile(r'<a\s+class="paragraf"|<h3[\s>]|<h4[\s>]', re.IGNORECASE)
ENDS = re.compile(r"/\s*Upphör att gälla U:(?P<date>\d{4}-\d{2}-\d{2})\s*/")
STARTS = re.compile(r"/\s*Träder i kraft I:(?P<date>\d{4}-\d{2}-\d{2})\s*/")
#: Any other `/.../` editorial marker (`/Rubriken träder i kraft I:.../`, chapter markers).
MARKER = re.compile(r"/[^/\n]*(?:[UI]:\d{4}-\d{2}-\d{2})[^/\n]*/")
REPEALED = re.compile(r"^(har upphävts|upphävd|/upphävd)", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


class RiksdagenError(ValueError):
    """A body that is not a good answer of Riksdagen's open-data API."""


def dok_id_for(source_identifier: str) -> str | None:
    """`SFS 1962:700` (or `1962:700`, or `sfs-1962-700`) -> `sfs-1962-700`."""
    value = str(source_identifier or "").strip()
    if DOK_ID.match(value):
        return value
    match = SFS_NUMBER.match(value)
    return f"sfs-{match['year']}-{match['number']}" if match else None


def document_url(dok_id: str, extension: str = "json") -> str:
    return f"{OFFICIAL}/dokument/{dok_id}.{extension}"


def default_instrument_id(dok_id: str) -> str:
    return f"se-{dok_id}"


def json_body(response) -> dict:
    body = response.body.strip()
    if not body:
        raise RiksdagenError(f"empty body at {response.url}")
    if body[:1] == b"<":
        raise RiksdagenError(f"an HTML page where the API's JSON was expected at {response.url}: {body[:60]!r}")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise RiksdagenError(f"not JSON at {response.url}: {body[:60]!r}") from None
    if not isinstance(data, dict):
        raise RiksdagenError(f"expected a JSON object at {response.url}, found {type(data).__name__}")
    return data


def as_list(value) -> list:
    """The API gives one hit as an object and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(fragment: str) -> str:
    """Plain text of an HTML fragment: `<p>` and `<br>` end lines, tags go, entities are
    decoded, spaces collapse, empty lines go."""
    fragment = re.sub(r"<br\s*/?>|<p[\s>][^>]*>|<p>|</p>", "\n", fragment, flags=re.IGNORECASE)
    plain = htmllib.unescape(TAG.sub("", fragment))
    return "\n".join(line for line in (clean(line) for line in plain.split("\n")) if line)


# --------------------------------------------------------------------------- documents


def parse_document(response):
    """`/dokument/{dok_id}.json`: an SFS statute as an instrument and its paragraphs."""
    data = json_body(response)
    status = data.get("dokumentstatus")
    if not isinstance(status, dict) or not isinstance(status.get("dokument"), dict):
        raise RiksdagenError(f"no dokumentstatus.dokument at {response.url} (keys: {sorted(data)[:8]})")
    document = status["dokument"]
    dok_id = clean(document.get("dok_id"))
    if not dok_id or not DOK_ID.match(dok_id):
        raise RiksdagenError(f"not an SFS statute at {response.url}: dok_id {dok_id!r}, doktyp {document.get('doktyp')!r}")
    body = document.get("html") or ""
    if not body.strip():
        raise RiksdagenError(f"{dok_id} has no text (empty html) at {response.url}")
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(dok_id)
    header = header_of(body)
    yield instrument_from(document, header, dok_id, instrument_id)
    today = date.fromisoformat(response.meta["today"]) if response.meta.get("today") else date.today()
    paragraphs = list(paragraphs_of(body))
    if not paragraphs:
        raise RiksdagenError(f"{dok_id}: no paragraph anchors (a.paragraf) in the text")
    wanted = list(response.meta.get("keys") or [])
    found = {p["key"] for p in paragraphs}
    for paragraph in paragraphs:
        if wanted and paragraph["key"] not in wanted:
            continue
        yield from versions(paragraph, paragraphs, dok_id, instrument_id, today)
    missing = [key for key in wanted if key not in found]
    if missing:
        raise RiksdagenError(f"{dok_id}: no paragraph {', '.join(missing)} in the text")


def header_of(body: str) -> dict:
    """The `<b>Key</b>: value` lines before the first `<hr>`."""
    head = re.split(r"<hr\s*/?>", body, maxsplit=1, flags=re.IGNORECASE)[0]
    return {clean(m["key"]): clean(htmllib.unescape(m["value"])) for m in HEADER_LINE.finditer(head)}


def instrument_from(document: dict, header: dict, dok_id: str, instrument_id: str) -> InstrumentItem:
    number = clean(document.get("beteckning")) or header.get("SFS nr")
    repealed = any(key.lower().startswith("upphävd") for key in header) or "upphävd" in (document.get("status") or "").lower()
    title = clean(document.get("titel")) or f"SFS {number}"
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=JURISDICTION,
        title=title,
        citation=f"SFS {number}" if number else dok_id,
        kind="code_provisions" if re.search(r"balk\b", title, re.IGNORECASE) else "statute",
        status="repealed" if repealed else "in_force",
        date_enacted=iso_day(header.get("Utfärdad")) or iso_day(document.get("datum")),
        date_in_force=iso_day(header.get("Ikraft")),
        official_url=document_url(dok_id, "html"),
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "OTHER", "value": f"SFS {number}"}] if number else [],
    )


def paragraphs_of(body: str):
    """Each paragraph anchor's text, in order: {key, label, heading, text, valid_from, valid_to}."""
    text = TOC.sub("", body)
    chapter_at = [(m.start(), m["chapter"]) for m in CHAPTER.finditer(text)]
    heading_at = [(m.start(), m.end(), text_of(m["title"])) for m in SUBHEADING.finditer(text)]
    anchors = list(PARAGRAPH_ANCHOR.finditer(text))
    previous_end = 0
    for anchor in anchors:
        name = anchor["name"]
        match = ANCHOR_NAME.match(name)
        if not match:
            continue
        end = BOUNDARY.search(text, anchor.end())
        segment = text[anchor.end(): end.start() if end else len(text)]
        words = text_of(segment)
        ends = ENDS.search(words)
        starts = STARTS.search(words)
        words = "\n".join(line for line in (clean(MARKER.sub("", line)) for line in words.split("\n")) if line)
        chapter = next((c for at, c in reversed(chapter_at) if at < anchor.start()), None)
        heading = next((h for start, stop, h in reversed(heading_at) if previous_end <= start and stop <= anchor.start()),
                       None)
        previous_end = anchor.end()
        label = clean(text_of(anchor["label"]))
        yield {
            "key": name,
            "label": f"{chapter} kap. {label}" if chapter and label else label or name,
            "heading": heading,
            "text": words or None,
            "valid_from": starts["date"] if starts else None,
            "valid_to": ends["date"] if ends else None,
        }


def versions(paragraph: dict, every: list, dok_id: str, instrument_id: str, today: date):
    """One provision per version; only the first version of a key yields all of them
    (versions of a key are its paragraphs sharing that anchor)."""
    same = [p for p in every if p["key"] == paragraph["key"]]
    if paragraph is not same[0]:
        return
    for version in same:
        yield ProvisionItem(
            id=f"{instrument_id}/{version['key']}",
            instrument_id=instrument_id,
            label=version["label"],
            heading=version["heading"],
            text=version["text"],
            language=LANGUAGE,
            url=f"{document_url(dok_id, 'html')}#{version['key']}",
            in_force_status=status_of(version, today),
            valid_from=version["valid_from"],
            valid_to=version["valid_to"],
            source=SOURCE,
        )


def status_of(version: dict, today: date) -> str | None:
    now = today.isoformat()
    if version["valid_from"] and version["valid_from"] > now:
        return "prospective"
    if version["valid_to"] and version["valid_to"] <= now:
        return None  # replaced: history, not repealed
    if version["text"] and REPEALED.match(version["text"]):
        return "repealed"
    return "in_force"


# --------------------------------------------------------------------------- search


def parse_search(response):
    """`/dokumentlista/?...&utformat=json`: every SFS document found, then the next page."""
    data = json_body(response)
    listing = data.get("dokumentlista")
    if not isinstance(listing, dict):
        raise RiksdagenError(f"no dokumentlista at {response.url} (keys: {sorted(data)[:8]})")
    query = response.meta.get("query")
    since = response.meta.get("since")
    for hit in as_list(listing.get("dokument")):
        dok_id = clean(hit.get("dok_id"))
        if not dok_id or (hit.get("doktyp") or "").lower() != "sfs":
            continue
        published = iso_day(hit.get("datum"))
        if since and published and published < since:
            continue
        yield CandidateItem(
            id=default_instrument_id(dok_id),
            jurisdiction=JURISDICTION,
            title=clean(hit.get("titel")) or dok_id,
            url=document_url(dok_id, "html"),
            published=published,
            matched_query=query,
            source=SOURCE,
        )
    following = clean(listing.get("@nasta_sida"))
    page = int(response.meta.get("page") or 1)
    if following and page < MAX_PAGES:
        meta = {key: value for key, value in (("query", query), ("since", since)) if value}
        yield scrapy.Request(official(following), meta={**meta, "page": page + 1})


def official(url: str) -> str:
    """`@nasta_sida` comes as `http://data.riksdagen.se/...`: the same page over https."""
    parts = urlsplit(url if "//" in url else f"{OFFICIAL}{url}")
    if parts.netloc and parts.netloc != urlsplit(OFFICIAL).netloc:
        raise RiksdagenError(f"next page on another host: {url}")
    return urlunsplit(("https", urlsplit(OFFICIAL).netloc, parts.path, parts.query, ""))


def search_url(term: str) -> str:
    return f"{OFFICIAL}/dokumentlista/?" + urlencode({"sok": term, "doktyp": "sfs", "sort": "rel", "sortorder": "desc",
                                                      "utformat": "json", "sz": PAGE_SIZE, "p": 1})


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Riksdagens öppna data: Svensk författningssamling (Sveriges riksdag)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="Free to use and share with the source named (Källa: Sveriges riksdag)",
    licence_url="https://data.riksdagen.se/anvandningsvillkor/",
    terms_url="https://data.riksdagen.se/anvandningsvillkor/",
    rate_limit_text="none published; one request at a time, 1 s apart",
    rate_limit=None,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "keys", "today", "query", "page"),
    notes="Document API: an SFS statute's consolidated text as HTML inside its JSON (dokumentstatus), paragraphs "
          "by their K/P anchors with dated versions; document list search as JSON; no key.",
    # Several curated instruments may share one statute (Brottsbalken): the spider
    # carries the curated id in each request instead of deriving it.
    curated_instrument_id=None,
)


class RiksdagenSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/dokumentlista/?$", parse_search),
        (r"^/dokument/[^/]+\.json$", parse_document),
    ]

    def discovery_requests(self):
        since = self.since_meta()
        for term in SEARCH_TERMS:
            yield self.request(search_url(term), query=term, page=1, **since)

    def tracked_requests(self):
        for instrument in self.tracked_within_limit():
            dok_id = dok_id_for(instrument.get("source_identifier"))
            if not dok_id:
                self.logger.warning("riksdagen: %s has no SFS number as source_identifier (%r)",
                                    instrument.get("id"), instrument.get("source_identifier"))
                continue
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            yield self.request(document_url(dok_id), tracked=True,
                               instrument_id=instrument["id"], keys=keys).replace(dont_filter=True)
