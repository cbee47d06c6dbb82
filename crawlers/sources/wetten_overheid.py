"""wetten.overheid.nl / BWB: the Netherlands' consolidated national legislation
(Basiswettenbestand, KOOP for the Ministry of the Interior).

Hosts (both official, both KOOP's):
    https://repository.officiele-overheidspublicaties.nl   the files: per regulation
        /bwb/{BWBR}/manifest.xml                      every version ("expression")
        /bwb/{BWBR}/{date}_{n}/xml/{BWBR}_{date}_{n}.xml   one version ("toestand")
        /bwb/{BWBR}/{BWBR}.WTI                        legal-technical information
    https://zoekservice.overheid.nl                       the SRU 1.2 search
        /sru/Search?version=1.2&operation=searchRetrieve&x-connection=BWB&query={CQL}
    Readers' pages live on https://wetten.overheid.nl/{BWBR}/ (not fetched; linked).
    With `--base-url` both hosts map onto the one mirror by path (/bwb/... and
    /sru/... never overlap), and back again by path (see `official_url_for`).
Licence:  the texts of laws are not protected by copyright (Auteurswet art. 11); the
          BWB metadata is published as open data (CC0).
Terms:    no key, no published rate limit or quota; we send one request at a time,
          1 s apart. Sources: /work/shared/reference/sources.md and KOOP's
          documentation of the SRU and the BWB repository (the toestand, manifest and
          WTI XML schemas named in the files, BWB-toestand/2015-1, BWB-WTI/2015-1).

What the spider does:
(a) tracked instruments: for every curated Dutch instrument whose source is
    `wetten_overheid` (`source_identifier`: the BWB id, e.g. BWBR0001854 for the
    Wetboek van Strafrecht), its manifest, then the toestand in force today: the
    instrument and each key article (`key`: the last step of the article's
    `bwb-ng-variabel-deel`, `Artikel139h`) in Dutch, with the date its wording took
    effect (`artikel/@inwerking`). Then, article by article, back through time: the
    toestand in force the day before that wording started gives the previous wording,
    and so on to the first. One toestand per wording of a tracked article, not one per
    version of the whole code (the Wetboek van Strafrecht has hundreds).
(b) discovery: SRU searches on Dutch terms (`SEARCH_TERMS`); hits become candidates.
    The BWB SRU searches metadata (titles, subjects), not the texts, so it finds
    regulations named after the subject, not articles hidden in a code.

Instrument ids: like BOE, the curated data tracks articles of one code as separate
instruments (nl-sr-139h, nl-sr-240b: both BWBR0001854); the curated id travels with
each request (`targets`). Without it (`sii-atlas parse`), the BWB id names it.

Format notes, from the real captures in /work/shared/samples/wetten_overheid/:
- `BWBR0002458_manifest.xml` (Drank- en Horecawet, generated 2015): root `<work
  label=BWBR>` with `_latestItem`; one `<expression label="2015-01-01_0">` per version,
  its `<metadata>` giving `datum_inwerkingtreding` and `einddatum` (inclusive;
  9999-12-31 = open) and `zichtdatum_*` (publication visibility, not validity), its
  `<manifestation label="xml"><item label="{file}" _deleted="false"/>` the file name.
- `BWBR0002458.WTI` (same law): `<wetstechnische-informatie>` with
  `algemene-informatie` (citeertitel, soort-regeling), `gerelateerde-regelgeving`,
  `wijzigingen` (per date: the amending act's Staatsblad and dossier; "Aanhangig"
  entries are bills still pending) and an `owms:meta` kern. Read for the instrument
  only: the change list names publications, not regulations we track.
- `BWBV0001109_2004-12-28_0.xml` (a treaty, BWBV): root `<toestand bwb-id
  inwerkingtreding>`, `<wetgeving soort="verdrag" inwerkingtredingsdatum>`,
  `<citeertitel>`, then `<verdrag xml:lang="nl">` holding several `<verdragtekst>`
  (the treaty, then protocols: an `Artikel1` occurs in more than one, so the first
  in document order is taken). Articles: `<artikel label="Artikel 4" inwerking
  status="goed" bwb-ng-variabel-deel="//Verdragtekst_1/HoofdstukII/Artikel4">`, with
  `<kop><label/><nr/><titel/></kop>`, `<lid><lidnr/><al/>` and `<lijst><li><li.nr/>`.
  `<meta-data>` (jci references) and `<redactie>` (editorial notes) are not text.
- No real capture exists of an SRU answer or of a `wet` toestand; their shape comes
  from KOOP's documentation and public clients: SRU records
  `srw:record/srw:recordData/gzd:gzd` with `gzd:originalData/overheidbwb:meta/owmskern`
  (dcterms:identifier, title, type, modified) and `bwbipm`
  (`overheidbwb:geldigheidsperiode_startdatum`/`_einddatum`), and
  `gzd:enrichedData/overheidbwb:locatie_toestand`; paging by `srw:nextRecordPosition`;
  errors as `diagnostics` (SRU diagnostic namespaces). A repealed article is marked
  `status="vervallen"` or by a "[Vervallen per ...]" text.
"""

import re
from datetime import date, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, with_query

SOURCE = "wetten_overheid"
REPOSITORY = "https://repository.officiele-overheidspublicaties.nl"
SEARCH_HOST = "https://zoekservice.overheid.nl"
SRU = f"{SEARCH_HOST}/sru/Search"
READER = "https://wetten.overheid.nl"
LANGUAGE = "nl"
JURISDICTION = "NL"
OPEN_END = "9999-12-31"
PAGE_SIZE = 50
#: Wordings of one article followed back at most (a bound, not an expectation).
MAX_STEPS_BACK = 40

#: The subject's terms in Dutch, as CQL on the BWB SRU.
SEARCH_TERMS = (
    'overheidbwb.titel any "seksueel beeldmateriaal"',
    'overheidbwb.titel any "intieme beelden"',
    'overheidbwb.titel any "deepfake"',
    'overheidbwb.titel any "seksuele misdrijven"',
    'overheidbwb.titel any "wraakporno"',
)

NS = {
    "srw": "http://www.loc.gov/zing/srw/",
    "gzd": "http://standaarden.overheid.nl/sru",
    "dcterms": "http://purl.org/dc/terms/",
    "overheidbwb": "http://standaarden.overheid.nl/bwb/terms/",
    "owms": "http://standaarden.overheid.nl/bwb/owms/",
}
DIAGNOSTIC = ("{http://www.loc.gov/zing/srw/diagnostic/}message",
              "{http://docs.oasis-open.org/ns/search-ws/diagnostic}message")
BWB_ID = re.compile(r"^BWB[RV]\d{7}$")
KINDS = {"wet": "statute", "rijkswet": "statute", "wetboek": "statute", "verdrag": "treaty",
         "AMvB": "regulation", "amvb": "regulation", "ministeriele-regeling": "regulation", "KB": "regulation"}
NOT_TEXT = {"kop", "lidnr", "li.nr", "meta-data", "jcis", "jci", "redactie", "brondata", "notenapparaat"}
REPEALED_TEXT = re.compile(r"^\[?\s*vervallen", re.IGNORECASE)


class BwbError(ValueError):
    """A body that is not the BWB document it should be."""


def parse_xml(response, *roots: str):
    body = response.body
    if not body or not body.strip():
        raise BwbError("empty body where BWB XML was expected")
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as error:
        raise BwbError(f"not XML ({error}); body starts {body[:60]!r}") from error
    name = etree.QName(root).localname
    if name not in roots:
        raise BwbError(f"expected {' or '.join(roots)}, got root element {name!r}")
    return root


def reader_url(bwb_id: str) -> str:
    return f"{READER}/{bwb_id}/"


def default_instrument_id(bwb_id: str) -> str:
    return bwb_id.lower()


def toestand_url(bwb_id: str, expression: dict) -> str:
    return f"{REPOSITORY}/bwb/{bwb_id}/{expression['label']}/xml/{expression['item']}"


# --------------------------------------------------------------------------- manifest


def expressions_of(root) -> list[dict]:
    """Every version in the manifest: label, first and last day in force, XML file."""
    found = []
    for expression in root.findall("expression"):
        item = expression.find("manifestation[@label='xml']/item")
        if item is None or item.get("_deleted") == "true":
            continue
        start = (expression.findtext("metadata/datum_inwerkingtreding") or "").strip()
        end = (expression.findtext("metadata/einddatum") or "").strip() or OPEN_END
        if start:
            found.append({"label": expression.get("label"), "start": start, "end": end, "item": item.get("label")})
    return sorted(found, key=lambda e: (e["start"], e["label"]))


def in_force_on(expressions: list[dict], day: str) -> dict | None:
    """The version in force on `day` (the latest-starting one when several claim it)."""
    matching = [e for e in expressions if e["start"] <= day <= e["end"]]
    return matching[-1] if matching else None


def parse_manifest(response):
    """`/bwb/{BWBR}/manifest.xml`: the toestand in force today, with the versions known."""
    root = parse_xml(response, "work")
    bwb_id = root.get("label") or bwb_id_of(response.url)
    expressions = expressions_of(root)
    if not expressions:
        raise BwbError(f"manifest of {bwb_id} lists no XML version")
    today = response.meta.get("today") or date.today().isoformat()
    current = in_force_on(expressions, today) or max((e for e in expressions if e["start"] <= today),
                                                     key=lambda e: e["start"], default=expressions[-1])
    yield scrapy.Request(toestand_url(bwb_id, current), meta={
        "tracked": response.meta.get("tracked", False), "targets": response.meta.get("targets") or [],
        "instruments": response.meta.get("instruments") or [], "expressions": expressions, "today": today, "since": response.meta.get("since"), "first": True,
    })


def bwb_id_of(url: str) -> str:
    match = re.search(r"/(BWB[RV]\d{7})", url)
    if not match:
        raise BwbError(f"no BWB id in {url}")
    return match.group(1)


# --------------------------------------------------------------------------- toestand


def parse_toestand(response):
    """One version of a regulation (`/bwb/{BWBR}/{date}_{n}/xml/....xml`): the instrument
    and the tracked articles as they read in it, and the requests for their previous
    wordings. Without targets (a file parsed by hand), every article."""
    root = parse_xml(response, "toestand")
    bwb_id = root.get("bwb-id") or bwb_id_of(response.url)
    wetgeving = root.find("wetgeving")
    if wetgeving is None:
        raise BwbError(f"toestand of {bwb_id} without <wetgeving>")
    targets = response.meta.get("targets") or []
    first = response.meta.get("first", True)
    curated = response.meta.get("instruments") or list(dict.fromkeys(t["instrument_id"] for t in targets))
    instrument_ids = curated or [default_instrument_id(bwb_id)]
    if first:
        for instrument_id in instrument_ids:
            yield instrument_from(wetgeving, bwb_id, instrument_id)
    articles = articles_by_key(wetgeving)
    if not curated:
        for key, artikel in articles.items():
            yield provision_from(artikel, bwb_id, default_instrument_id(bwb_id), key, None)
        return
    missing = []
    earlier: dict[str, list[dict]] = {}
    expressions = response.meta.get("expressions") or []
    since = response.meta.get("since")
    for target in targets:
        artikel = articles.get(target["key"])
        if artikel is None:
            if first:
                missing.append(target["key"])
            continue  # an older version without the article: it did not exist yet
        provision = provision_from(artikel, bwb_id, target["instrument_id"], target["key"], target.get("until"))
        yield provision
        starts = provision["valid_from"]
        steps = int(target.get("steps") or 0)
        if not starts or steps >= MAX_STEPS_BACK or (since and starts <= since):
            continue
        day_before = (date.fromisoformat(starts) - timedelta(days=1)).isoformat()
        previous = in_force_on(expressions, day_before)
        if previous is not None:
            earlier.setdefault(previous["label"], []).append(
                {**target, "until": starts, "steps": steps + 1})
    by_label = {e["label"]: e for e in expressions}
    for label, older_targets in earlier.items():
        # One request per older version for all the articles that need it; the walk only
        # goes back in time, so it ends, and the same version may rightly be asked by
        # two walks: not a duplicate to drop.
        yield scrapy.Request(toestand_url(bwb_id, by_label[label]), dont_filter=True, meta={
            "tracked": response.meta.get("tracked", False), "targets": older_targets,
            "expressions": expressions, "since": since, "first": False,
        })
    if missing:
        raise BwbError(f"{bwb_id}: no article {', '.join(missing)} in {response.url}")


def instrument_from(wetgeving, bwb_id: str, instrument_id: str) -> InstrumentItem:
    title = clean("".join(wetgeving.find("citeertitel").itertext())) if wetgeving.find("citeertitel") is not None \
        else None
    if not title and wetgeving.find("intitule") is not None:
        title = clean("".join(wetgeving.find("intitule").itertext()))
    kind = wetgeving.get("soort")
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=JURISDICTION,
        title=title or bwb_id,
        citation=title or bwb_id,
        kind=KINDS.get(kind, "regulation" if kind else None),
        status="in_force",
        date_in_force=wetgeving.get("inwerkingtredingsdatum"),
        official_url=reader_url(bwb_id),
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "BWBR", "value": bwb_id}],
    )


def article_key(artikel) -> str | None:
    path = artikel.get("bwb-ng-variabel-deel")
    if path:
        return path.rstrip("/").rsplit("/", 1)[-1]
    label = artikel.get("label")
    return label.replace(" ", "") if label else None


def articles_by_key(wetgeving) -> dict:
    """Every article by its key; the first in document order wins (a treaty repeats
    article numbers in its protocols)."""
    found = {}
    for artikel in wetgeving.iter("artikel"):
        key = article_key(artikel)
        if key and key not in found:
            found[key] = artikel
    return found


def provision_from(artikel, bwb_id: str, instrument_id: str, key: str, until: str | None) -> ProvisionItem:
    kop = artikel.find("kop")
    number = clean(kop.findtext("nr")) if kop is not None else None
    label = clean(artikel.get("label")) or (f"Artikel {number}" if number else key)
    heading = clean("".join(kop.find("titel").itertext())) if kop is not None and kop.find("titel") is not None else None
    text = article_text(artikel)
    status = artikel.get("status")
    if status == "vervallen" or (text and REPEALED_TEXT.match(text)):
        in_force = "repealed"
    elif status == "nog-niet-in-werking":
        in_force = "prospective"
    elif until:
        in_force = None  # a wording that was replaced: history, not repealed
    else:
        in_force = "in_force"
    return ProvisionItem(
        id=f"{instrument_id}/{key}",
        instrument_id=instrument_id,
        label=label,
        heading=heading,
        text=text,
        language=LANGUAGE,
        # The jci link opens the article itself on wetten.overheid.nl.
        url=f"{READER}/jci1.3:c:{bwb_id}&artikel={quote(number)}" if number else reader_url(bwb_id),
        in_force_status=in_force,
        valid_from=artikel.get("inwerking"),
        valid_to=until,
        source=SOURCE,
    )


def article_text(artikel) -> str | None:
    """One line per paragraph (`al`) or table row; a member's number (lid 1, item a.)
    opens the first line it numbers. Headings, jci references and editorial notes are
    not text."""
    lines: list[str] = []
    pending = [""]  # a number waiting for the first line it numbers

    def walk(element):
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in NOT_TEXT:
                continue
            if tag == "lid":
                number = clean(child.findtext("lidnr"))
                pending[0] = f"{number}. " if number and not number.endswith(".") else (f"{number} " if number else "")
                walk(child)
            elif tag == "li":
                number = clean(child.findtext("li.nr"))
                pending[0] = f"{pending[0]}{number} " if number else pending[0]
                walk(child)
            elif tag in ("al", "tussenkop"):
                line = clean("".join(child.itertext()))
                if line:
                    lines.append(pending[0] + line)
                    pending[0] = ""
            elif tag == "row":
                cells = [clean("".join(entry.itertext())) or "" for entry in child.iter("entry")]
                if any(cells):
                    lines.append(pending[0] + " | ".join(cells))
                    pending[0] = ""
            else:
                walk(child)

    walk(artikel)
    return "\n".join(lines) or None


# --------------------------------------------------------------------------- WTI


def parse_wti(response):
    """`/bwb/{BWBR}/{BWBR}.WTI`: the regulation's title, kind and first day in force."""
    root = parse_xml(response, "wetstechnische-informatie")
    bwb_id = root.get("bwb-id") or clean(root.findtext("algemene-informatie/identificatienummer")) \
        or bwb_id_of(response.url)
    general = root.find("algemene-informatie")
    title = clean(general.findtext("citeertitel")) if general is not None else None
    kind = clean(general.findtext("soort-regeling")) if general is not None else None
    itself = root.find(f"gerelateerde-regelgeving/regeling/wetsfamilie/gerelateerde-regeling[@bwb-id='{bwb_id}']")
    yield InstrumentItem(
        id=response.meta.get("instrument_id") or default_instrument_id(bwb_id),
        jurisdiction=JURISDICTION,
        title=title or clean(root.findtext("owms:meta/owms:kern/dcterms:title", namespaces=NS)) or bwb_id,
        citation=title or bwb_id,
        kind=KINDS.get(kind, "regulation" if kind else None),
        date_in_force=itself.get("geldig-van") if itself is not None else None,
        official_url=reader_url(bwb_id),
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "BWBR", "value": bwb_id}],
    )


# --------------------------------------------------------------------------- SRU


def parse_sru(response):
    """An SRU searchRetrieve answer: one candidate per regulation, then the next page."""
    root = parse_xml(response, "searchRetrieveResponse")
    for path in DIAGNOSTIC:
        problem = root.find(f".//{path}")
        if problem is not None:
            raise BwbError(f"the SRU search said: {clean(problem.text)}")
    query = response.meta.get("query")
    since = response.meta.get("since")
    seen = set()
    for record in root.iter("{http://standaarden.overheid.nl/sru}gzd"):
        bwb_id = clean(record.findtext(".//dcterms:identifier", namespaces=NS))
        if not bwb_id or not BWB_ID.match(bwb_id) or bwb_id in seen:
            continue
        seen.add(bwb_id)  # one record per version of a regulation: one candidate
        modified = clean(record.findtext(".//dcterms:modified", namespaces=NS))
        started = clean(record.findtext(".//overheidbwb:geldigheidsperiode_startdatum", namespaces=NS))
        if since and modified and modified < since:
            continue
        yield CandidateItem(
            id=default_instrument_id(bwb_id),
            jurisdiction=JURISDICTION,
            title=clean(record.findtext(".//dcterms:title", namespaces=NS)) or bwb_id,
            url=reader_url(bwb_id),
            published=started or modified,
            matched_query=query,
            source=SOURCE,
        )
    next_position = clean(root.findtext("srw:nextRecordPosition", namespaces=NS))
    if next_position and next_position.isdigit():
        yield scrapy.Request(with_query(response.url, startRecord=next_position),
                             meta={k: v for k, v in (("query", query), ("since", since)) if v})


def search_url(cql: str) -> str:
    return (f"{SRU}?version=1.2&operation=searchRetrieve&x-connection=BWB"
            f"&query={quote(cql)}&maximumRecords={PAGE_SIZE}&startRecord=1")


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="wetten.overheid.nl / Basiswettenbestand (KOOP)",
    kind="legislation",
    base_url=REPOSITORY,
    alias_hosts=(urlsplit(SEARCH_HOST).netloc,),
    licence="Public domain (Auteurswet art. 11); BWB metadata CC0",
    licence_url="https://wetten.overheid.nl/copyright",
    terms_url="https://www.overheid.nl/english/terms-of-use",
    rate_limit_text="none published; one request at a time, 1 s apart",
    rate_limit=None,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("expressions", "first", "instrument_id", "instruments", "targets", "today", "tracked"),
    notes="BWB toestand XML, manifest and WTI from the repository host; SRU search on zoekservice.overheid.nl; "
          "no key. Curated instruments keep their own ids (several articles of one code share a BWB id).",
    curated_instrument_id=None,
)


class WettenOverheidSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/sru/Search$", parse_sru),
        (r"^/bwb/[^/]+/manifest\.xml$", parse_manifest),
        (r"^/bwb/[^/]+/[^/]+\.WTI$", parse_wti),
        (r"^/bwb/[^/]+/[^/]+/xml/[^/]+\.xml$", parse_toestand),
    ]
    root_elements = {"work": parse_manifest, "toestand": parse_toestand, "wetstechnische-informatie": parse_wti,
                     "searchRetrieveResponse": parse_sru}

    def to_official_url(self, url: str) -> str:
        """Back from the mirror by path: the search lives on its own host."""
        official = super().to_official_url(url)
        parts = urlsplit(official)
        if parts.path.startswith("/sru/") and parts.netloc == urlsplit(REPOSITORY).netloc:
            search = urlsplit(SEARCH_HOST)
            return urlunsplit((search.scheme, search.netloc, parts.path, parts.query, ""))
        return official

    def discovery_requests(self):
        since = self.since_meta()
        for term in SEARCH_TERMS:
            yield self.request(search_url(term), query=term, **since)

    def tracked_requests(self):
        """One manifest per BWB id, carrying every curated article asked of it."""
        by_bwb: dict[str, dict] = {}
        for instrument in self.tracked:
            bwb_id = str(instrument.get("source_identifier") or "").strip()
            if not BWB_ID.match(bwb_id):
                self.logger.warning("wetten_overheid: %s has no BWB id as source_identifier (%r)",
                                    instrument.get("id"), bwb_id)
                continue
            wanted = by_bwb.setdefault(bwb_id, {"instruments": [], "targets": []})
            wanted["instruments"].append(instrument["id"])
            wanted["targets"] += [{"instrument_id": instrument["id"], "key": p["key"]}
                        for p in instrument.get("provisions") or [] if p.get("key")]
        since = self.since_meta()
        for count, (bwb_id, wanted) in enumerate(by_bwb.items()):
            if self.limit is not None and count >= self.limit:
                return
            yield self.request(f"{REPOSITORY}/bwb/{bwb_id}/manifest.xml", tracked=True, **wanted, **since)
