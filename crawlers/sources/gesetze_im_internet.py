"""gesetze-im-internet.de: Germany's federal law in force, consolidated (Bundesamt für Justiz / juris).

Base URL: https://www.gesetze-im-internet.de
Licence: the texts are official works without copyright (§ 5 UrhG); reuse is free.
Terms: none published for automated access and no rate limit documented; no API key.
We ask one document at a time with a delay (a law is one zip, so a crawl is a handful
of requests).

What this spider does:
(a) tracked instruments: each curated instrument whose source is
    `gesetze_im_internet` names a law by its abbreviation in the site's paths
    (`source_identifier: stgb`) and, per key provision, its `key`: the `enbez` the
    XML gives the norm (`§ 201a`). The law comes whole as `/{abbr}/xml.zip`; one
    download serves every curated instrument drawn from that law (StGB §§ 184b and
    201a are two instruments), and each gets only its own key provisions, under the
    curated id (the id travels in the request's meta, so crawled and curated rows
    agree by construction). A key provision the law no longer contains is reported
    as a tracked failure, not skipped in silence.
(b) discovery: the index `/gii-toc.xml` (`<items><item><title/><link/>`, about 6,800
    laws, no dates) is matched against German terms of the subject; every hit is a
    *candidate* for review, never a tracked instrument.

Format notes (from the real captures in ../shared/samples/gesetze_im_internet/:
`BJNR335210017.xml`, the NetzDG as unzipped from `netzdg/xml.zip`, build 2024-05-13,
and `gii-toc.xml`; the DTD is `gii-norm.dtd` 1.01):
- `<dokumente builddate doknr>` holds one `<norm>` per unit. The first norm is the
  law itself: `<metadaten>` with `jurabk`, `amtabk`, `ausfertigung-datum` (date of
  promulgation), `fundstelle`, `kurzue` (short title), `langue` (long title) and
  `standangabe` (`standtyp` Stand, `standkommentar` "Zuletzt geändert durch ...").
  Its `textdaten` carries only footnotes ("(+++ Textnachweis ab ... +++)").
- Every other norm is a provision: `enbez` ("§ 1", "§ 4a", or a range of repealed
  ones: "(XXXX) §§ 2 bis 3f"), `titel` (its heading; "(weggefallen)" for a repealed
  one) and `textdaten/text/Content` with one `<P>` per paragraph ("(1) ..."), lists
  as `<DL><DT>1.</DT><DD><LA>...</LA></DD></DL>`, `<BR/>`, `<pre>`. A repealed norm
  keeps its number with an empty `<P/>`. Footnotes (`fussnoten`) are editorial and
  stay out of the text. Norms without `enbez` (headings of books, titles,
  sections: "Besonderer Teil") are structure, not provisions.
- GII publishes only the consolidated state at its build date. It says nothing
  about when each provision's wording took effect, so `valid_from`/`valid_to` stay
  empty: the build date is when the text was true, not from when, and storing it as
  a validity date would be false (and would rewrite every version at each rebuild).
- The zip holds exactly one XML member (named after the doknr). Zips are read in
  memory with caps on the declared and on the actually inflated size; a zip with
  several members, a non-XML member, an encrypted member, an implausible
  compression ratio or a broken archive is refused with its reason (a parse error
  the store records). Nothing is ever written to disk.
- Responses: `xml.zip` is binary (application/zip), which the no-media middleware
  lets through: it refuses image/video/audio types, application/octet-stream and
  media signatures only.
"""

import io
import re
import zipfile
from urllib.parse import urlsplit

from lxml import etree

from ..items import CandidateItem, InstrumentItem, PageError, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "gesetze_im_internet"
OFFICIAL = "https://www.gesetze-im-internet.de"
TOC_URL = f"{OFFICIAL}/gii-toc.xml"

#: Caps on one law's XML (the StGB is about 3 MB; the largest GII laws stay far below).
MAX_XML_BYTES = 64 * 1024 * 1024
#: XML compresses about 5-20 times; far beyond that the zip is a bomb, not a law.
MAX_COMPRESSION_RATIO = 200
# A member first; an empty archive is only its end record.
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")

#: German terms of the subject, matched at the start of a word in the index's titles.
DISCOVERY_TERMS = (
    "Bildaufnahme", "Bildnis", "Persönlichkeitsrecht", "Deepfake", "intim", "sexuell", "pornogra",
    "Photographie", "Fotografie", "sozialen Netzwerken", "Netzwerkdurchsetzung", "digitale Gewalt",
    "Digitale-Dienste", "digitale Dienste", "Jugendmedienschutz", "Gewaltschutz",
)
TERM_PATTERNS = [(term, re.compile(r"(?<![\w-])" + re.escape(term.lower()))) for term in DISCOVERY_TERMS]

TITLE_FOOTNOTE = re.compile(r"\s*\*\)?$")
REPEALED = re.compile(r"^\(?\s*weggefallen\s*\)?$", re.IGNORECASE)
BLOCKS = {"P", "DL", "DT", "DD", "LA", "pre", "table", "row", "entry", "Title", "Subtitle"}
SKIPPED = {"FnR", "Footnotes", "Footnote", "IMG", "img", "noindex", "kommentar"}


class ZipRefused(ValueError):
    """A law's zip that we will not read, with the reason."""


# --------------------------------------------------------------------------- zip


def read_single_xml(body: bytes, limit: int = MAX_XML_BYTES) -> tuple[str, bytes]:
    """(member name, XML bytes) of a GII zip, read in memory within `limit`.

    Refused: anything not a zip, several members, a member that is not .xml,
    encrypted, declared or actually larger than `limit`, or inflating beyond
    MAX_COMPRESSION_RATIO."""
    if not body.startswith(ZIP_SIGNATURES):
        raise ZipRefused(f"not a zip archive (starts {body[:16]!r})")
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as error:
        raise ZipRefused(f"broken zip archive: {error}") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        raise ZipRefused(f"expected one XML member, found {len(members)}: {[m.filename for m in members][:5]}")
    member = members[0]
    if not member.filename.lower().endswith(".xml") or "/" in member.filename.strip("/") or ".." in member.filename:
        raise ZipRefused(f"member {member.filename!r} is not a plain XML file")
    if member.flag_bits & 0x1:
        raise ZipRefused(f"member {member.filename!r} is encrypted")
    if member.file_size > limit:
        raise ZipRefused(f"member {member.filename!r} declares {member.file_size} bytes, more than the {limit} allowed")
    if member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO:
        raise ZipRefused(f"member {member.filename!r} inflates {member.file_size // member.compress_size}x: a zip bomb")
    # The declared size can lie: count what actually comes out, and stop past the cap.
    chunks, total = [], 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1024 * 1024):
                total += len(chunk)
                if total > limit or (member.compress_size and total / member.compress_size > MAX_COMPRESSION_RATIO):
                    raise ZipRefused(f"member {member.filename!r} inflates past its declared size "
                                     f"({member.file_size} bytes) and the caps")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError) as error:  # bad CRC, truncated data, bad compression
        raise ZipRefused(f"member {member.filename!r} cannot be read: {error}") from None
    data = b"".join(chunks)
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ZipRefused(f"member {member.filename!r} is not XML (starts {data[:16]!r})")
    return member.filename, data


# --------------------------------------------------------------------------- text


def content_text(content) -> str | None:
    """A norm's text: one line per paragraph or list entry, a list number kept with
    its entry; footnote references and images left out."""
    lines: list[str] = []
    current: list[str] = []

    def flush():
        line = clean("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(node):
        name = node.tag if isinstance(node.tag, str) else ""
        if name in SKIPPED or not name:
            if node.tail:
                current.append(node.tail)
            return
        if name == "BR":
            flush()
        elif name in BLOCKS and name not in ("DD", "LA"):
            flush()
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
        # A list number (DT) stays on the line of the entry (DD) it numbers.
        if name in BLOCKS and name not in ("DT", "LA"):
            flush()
        elif name == "DT":
            current.append(" ")
        if node.tail:
            current.append(node.tail)

    walk(content)
    flush()
    return "\n".join(lines) or None


# --------------------------------------------------------------------------- parsers


def abbreviation_from_url(url: str) -> str | None:
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[0].lower() if len(parts) >= 2 else None


def provision_page(abbr: str, enbez: str) -> str:
    """The provision's HTML page on the site: `§ 201a` -> /stgb/__201a.html; `Art 5` -> /gg/art_5.html."""
    match = re.fullmatch(r"§\s*(\S+)", enbez)
    if match:
        return f"{OFFICIAL}/{abbr}/__{match.group(1)}.html"
    match = re.fullmatch(r"Art\.?\s*(\S+)", enbez)
    if match:
        return f"{OFFICIAL}/{abbr}/art_{match.group(1)}.html"
    return f"{OFFICIAL}/{abbr}/index.html"


def iso_date(text: str | None) -> str | None:
    return text if text and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None


def parse_law_zip(response):
    """`/{abbr}/xml.zip`: the zip is opened in memory and its one XML parsed."""
    _, xml = read_single_xml(response.body)
    yield from law_items(xml, response.url, response.meta)


def parse_law_xml(response):
    """A GII XML document as it comes out of the zip (a saved file, or a test)."""
    yield from law_items(response.body, response.url, response.meta)


def law_items(xml: bytes, url: str, meta) -> list:
    parser = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not a readable GII XML document: {error}") from None
    if root.tag != "dokumente":
        raise ValueError(f"not a GII document (root element {root.tag!r})")
    norms = root.findall("norm")
    if not norms:
        raise ValueError("GII document without any <norm>")
    head = norms[0].find("metadaten")
    jurabk = clean(head.findtext("jurabk")) if head is not None else None
    abbr = abbreviation_from_url(url) or (jurabk or "").lower().replace(" ", "_")
    if not abbr:
        raise ValueError("GII document that names no law")
    title = clean(head.findtext("langue")) or clean(head.findtext("kurzue")) or jurabk
    doknr = root.get("doknr") or norms[0].get("doknr")
    # The curated instruments drawn from this law, each with its key provisions; none
    # (a saved file, a discovery follow-up): the whole law under its own id.
    targets = meta.get("instruments") or [{"id": f"de-{abbr}", "keys": None, "jurisdiction": "DE"}]
    provisions = {}
    for norm in norms[1:]:
        data = norm.find("metadaten")
        enbez = clean(data.findtext("enbez")) if data is not None else None
        if enbez:
            provisions.setdefault(enbez, norm)
    results = []
    for target in targets:
        keys = target.get("keys")
        wanted = list(provisions) if keys is None else list(keys)
        citation = (", ".join(wanted) + " " + (jurabk or "")).strip() if keys else jurabk
        results.append(InstrumentItem(
            id=target["id"],
            jurisdiction=target.get("jurisdiction") or "DE",
            title=title,
            citation=citation,
            kind="code_provisions" if keys else "statute",
            status=target.get("status"),
            date_enacted=iso_date(clean(head.findtext("ausfertigung-datum"))) if head is not None else None,
            official_url=f"{OFFICIAL}/{abbr}/",
            language="de",
            source=SOURCE,
            identifiers=[{"scheme": "GII_DOKNR", "value": doknr}] if doknr else [],
        ))
        for key in wanted:
            norm = provisions.get(key)
            if norm is None:
                # A tracked provision missing from the law: renumbered or repealed outright.
                results.append(PageError(url=url, status=None, kind="parse", tracked=True,
                                         reason=f"{key} not found in {abbr} (GII build {root.get('builddate')})"))
                continue
            results.append(provision_item(target["id"], abbr, key, norm))
    return results


def provision_item(instrument_id: str, abbr: str, enbez: str, norm) -> ProvisionItem:
    data = norm.find("metadaten")
    heading = clean("".join(data.find("titel").itertext())) if data.find("titel") is not None else None
    content = norm.find("textdaten/text/Content")
    text = content_text(content) if content is not None else None
    repealed = bool(heading and REPEALED.match(heading)) or bool(text and REPEALED.match(text)) \
        or enbez.startswith("(XXXX)")
    return ProvisionItem(
        id=f"{instrument_id}/{enbez}",
        instrument_id=instrument_id,
        label=enbez,
        heading=heading,
        text=text,
        language="de",
        url=provision_page(abbr, enbez),
        in_force_status="repealed" if repealed else "in_force",
        # GII gives the consolidated state only: no per-provision validity dates.
        valid_from=None,
        valid_to=None,
        source=SOURCE,
        identifiers=[{"scheme": "GII_DOKNR", "value": norm.get("doknr")}] if norm.get("doknr") else [],
    )


def matching_terms(title: str) -> list[str]:
    lowered = title.lower()
    return [term for term, pattern in TERM_PATTERNS if pattern.search(lowered)]


def parse_toc(response):
    """`/gii-toc.xml`: every law whose title speaks of the subject, as a candidate."""
    try:
        root = etree.fromstring(response.body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not a readable GII index: {error}") from None
    if root.tag != "items":
        raise ValueError(f"not the GII index (root element {root.tag!r})")
    if not len(root):
        raise ValueError("GII index with no laws in it")
    for item in root.iter("item"):
        # Some titles end in a footnote mark ("Digitale-Dienste-Gesetz *)").
        title = TITLE_FOOTNOTE.sub("", clean(item.findtext("title")) or "") or None
        link = item.findtext("link") or ""
        abbr = abbreviation_from_url(link)
        if not title or not abbr:
            continue
        terms = matching_terms(title)
        if terms:
            yield CandidateItem(
                id=f"de-{abbr}",
                jurisdiction="DE",
                title=title,
                url=f"{OFFICIAL}/{abbr}/",
                published=None,
                matched_query=", ".join(terms),
                source=SOURCE,
            )


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Gesetze im Internet (Bundesministerium der Justiz / juris)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("gesetze-im-internet.de",),
    licence="Official works, not protected by copyright (§ 5 UrhG)",
    licence_url="https://www.gesetze-im-internet.de/hinweise.html",
    terms_url="https://www.gesetze-im-internet.de/hinweise.html",
    rate_limit_text="none published; one request at a time with a 2 s delay",
    rate_limit=(30, 60),
    download_delay=2.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instruments",),  # read by law_items through the meta it is handed
    notes="Whole laws as GII XML in xml.zip (one XML member); index gii-toc.xml. Consolidated state only, "
          "no per-provision validity dates. No key.",
    # The crawler gives each tracked instrument its curated id (carried in the request),
    # so there is no id to derive from the abbreviation.
    curated_instrument_id=None,
)


class GesetzeImInternetSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/gii-toc\.xml$", parse_toc),
        (r"/xml\.zip$", parse_law_zip),
    ]
    root_elements = {"items": parse_toc, "dokumente": parse_law_xml}

    def discovery_requests(self):
        yield self.request(TOC_URL)

    def tracked_requests(self):
        """One request per law, carrying every curated instrument drawn from it."""
        laws: dict[str, list[dict]] = {}
        for instrument in self.tracked:
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            if keys:
                laws.setdefault(str(instrument["source_identifier"]).strip("/").lower(), []).append(
                    {"id": instrument["id"], "keys": list(dict.fromkeys(keys)),
                     "jurisdiction": instrument.get("jurisdiction"), "status": instrument.get("status")})
        for count, (abbr, instruments) in enumerate(sorted(laws.items())):
            if self.limit is not None and count >= self.limit:
                return
            yield self.request(f"{OFFICIAL}/{abbr}/xml.zip", tracked=True, instruments=instruments)
