"""BOE datos abiertos: Spain's consolidated state legislation (Agencia Estatal BOE).

Base URL: https://www.boe.es/datosabiertos/api
Endpoints (BOE open-data API, "legislación consolidada"; documented at
https://www.boe.es/datosabiertos/documentacion/legislacion-consolidada and in
/work/shared/reference/sources.md):
    /legislacion-consolidada/id/{BOE-A-...}/metadatos   the norm's record (title, dates, ELI)
    /legislacion-consolidada/id/{BOE-A-...}/texto        every block of the text, every version
    /legislacion-consolidada/id/{BOE-A-...}/texto/bloque/{id}   one block (`a197`: art. 197)
    /legislacion-consolidada?query={JSON}&offset=N&limit=N      search (Elasticsearch-style
        `query_string` in a JSON `query` parameter)
    XML by default; JSON when asked with `Accept: application/json`.
Licence:  reuse of BOE content is free with attribution of the source (Agencia Estatal
          Boletín Oficial del Estado), under Ley 37/2007 on the reuse of public-sector
          information and the BOE's aviso legal (https://www.boe.es/informacion/aviso_legal/).
Terms:    no key, no published rate limit or quota. We send one request at a time with
          a 1 s delay.

What the spider does:
(a) tracked instruments: for every curated Spanish instrument whose source is `boe`
    (`source_identifier`: the BOE id, e.g. BOE-A-1995-25444 for the Código Penal), the
    norm's `/metadatos`, then for each key provision (`key`: the block id, `a197`) its
    `/texto/bloque/{key}`: one ProvisionItem per version of the block, in Spanish, each
    with the dates between which that wording applied;
(b) discovery: the search endpoint on Spanish terms (`SEARCH_TERMS`); every hit is a
    CandidateItem for a person to review, never a tracked instrument.

Instrument ids. The curated data tracks single articles of one code as separate
instruments (es-cp-197-7 and es-cp-189 are both BOE-A-1995-25444), so a BOE id cannot
name a curated instrument by itself. The spider therefore carries the curated id in the
request (`instrument_id`) and uses it for the norm and its blocks; a page parsed
without that context (`sii-atlas parse`) names the norm by its lower-cased BOE id.

Format notes:
- Real captures (/work/shared/samples/boe/): `BOE-A-2015-10566_metadatos.xml` (the
  XML envelope `<response><status><code>200</code><text>ok</text></status><data>`,
  dates as YYYYMMDD, `fecha_actualizacion` as a compact timestamp, coded elements
  `<rango codigo="1300">Ley</rango>`) and a search answer in JSON
  (`Test_1.2_Busqueda_Simple_02_response_raw.json`: BOE's body sits under
  `mcp_response.data` of a third-party test wrapper, which is not BOE's and which
  the parser does not accept; `status.code` there is a string, and `data` a list of
  norms shaped like `metadatos` with coded fields as `{codigo, texto}`).
- No real capture of `/texto` or `/texto/bloque` exists here. Their shape is taken
  from the API documentation and public clients: `<bloque id tipo titulo>` holding
  `<version id_norma fecha_publicacion fecha_vigencia>` elements of `<p class=...>`
  paragraphs (`articulo` is the article's own heading line), with amendment notes in
  `<blockquote>` (editorial, left out of the text). Versions are not always in date
  order (public clients report 1985, 2013, 1990): they are sorted by
  `fecha_vigencia` (else `fecha_publicacion`). A version applies until the next one
  starts; the latest has no end.
- Errors: a status code other than 200 inside the body (XML or JSON) is an error,
  whatever the HTTP status; so is any body that is not BOE's envelope.
"""

import json
import re
from datetime import date
from urllib.parse import quote

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, with_query

SOURCE = "boe"
OFFICIAL = "https://www.boe.es/datosabiertos/api"
SITE = "https://www.boe.es"
CONSOLIDATED = f"{OFFICIAL}/legislacion-consolidada"
LANGUAGE = "es"
JURISDICTION = "ES"
PAGE_SIZE = 50
#: Search pages read per term at most (the API has no total to say when to stop).
MAX_PAGES = 10
JSON_HEADERS = {"Accept": "application/json"}

#: The subject's terms, in Spanish, as the search's `query_string` reads them.
SEARCH_TERMS = (
    "texto:ultrafalso",
    "texto:deepfake",
    'texto:"imágenes íntimas"',
    'texto:"contenido sexual" AND texto:"inteligencia artificial"',
    'texto:"ultrafalsificación"',
)

# rango codes and names -> instrument kind; anything else is a regulation.
STATUTE_RANKS = ("ley", "ley orgánica", "real decreto legislativo", "real decreto-ley", "constitución")
BOE_ID = re.compile(r"^BOE-[A-Z]-\d{4}-\d+$")
DEROGATED = re.compile(r"^\(?\s*(derogad|suprimid|sin contenido|anulad)", re.IGNORECASE)
ARTICLE_HEADING = re.compile(r"^(art[íi]culo|disposici[óo]n\s+\w+)\s+[^.]*\.\s*", re.IGNORECASE)


class BoeError(ValueError):
    """A body that is not a good BOE answer."""


def iso(compact: str | None) -> str | None:
    """"20151002" (or "20251120T113850Z") -> "2015-10-02"."""
    if not compact or not re.match(r"^\d{8}", compact.strip()):
        return None
    value = compact.strip()
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}"


def act_url(boe_id: str, block: str | None = None) -> str:
    """The consolidated text on boe.es, the page a reader opens (and the block's anchor)."""
    return f"{SITE}/buscar/act.php?id={boe_id}" + (f"#{block}" if block else "")


def default_instrument_id(boe_id: str) -> str:
    return boe_id.lower()


# --------------------------------------------------------------------------- envelopes


def xml_data(response):
    """The `<data>` of a BOE XML answer; raises BoeError on anything else."""
    body = response.body
    if not body or not body.strip():
        raise BoeError("empty body where a BOE XML answer was expected")
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise BoeError(f"not XML ({error}); body starts {body[:60]!r}") from error
    if root.tag != "response":
        raise BoeError(f"not a BOE answer (root element {root.tag!r})")
    code = (root.findtext("status/code") or "").strip()
    if code != "200":
        raise BoeError(f"BOE answered status {code or '(none)'}: {clean(root.findtext('status/text'))}")
    data = root.find("data")
    if data is None:
        raise BoeError("BOE answer without <data>")
    return data


def json_data(response):
    """The `data` of a BOE JSON answer; raises BoeError on anything else."""
    try:
        answer = json.loads(response.body)
    except ValueError as error:
        raise BoeError(f"not JSON ({error}); body starts {response.body[:60]!r}") from error
    if not isinstance(answer, dict) or not isinstance(answer.get("status"), dict):
        raise BoeError("not a BOE answer (no status object)")
    code = str(answer["status"].get("code") or "").strip()
    if code != "200":
        raise BoeError(f"BOE answered status {code or '(none)'}: {answer['status'].get('text')}")
    return answer.get("data")


def is_json(response) -> bool:
    return response.body.lstrip()[:1] in (b"{", b"[")


# --------------------------------------------------------------------------- parsers


def parse_metadatos(response):
    """`/id/{BOE-A-...}/metadatos` (XML or JSON): the norm as an instrument."""
    if is_json(response):
        data = json_data(response)
        record = data[0] if isinstance(data, list) and data else data
        if not isinstance(record, dict):
            raise BoeError("metadatos answer without a record")
        fields = {key: (value.get("texto") if isinstance(value, dict) else value) for key, value in record.items()}
    else:
        metadatos = xml_data(response).find("metadatos")
        if metadatos is None:
            raise BoeError("metadatos answer without <metadatos>")
        fields = {child.tag: child.text for child in metadatos}
    yield instrument_from(fields, response.meta.get("instrument_id"))


def instrument_from(fields: dict, instrument_id: str | None = None) -> InstrumentItem:
    boe_id = clean(fields.get("identificador"))
    if not boe_id or not BOE_ID.match(boe_id):
        raise BoeError(f"metadatos without a BOE identifier (got {boe_id!r})")
    rank = clean(fields.get("rango"))
    number = clean(fields.get("numero_oficial"))
    repealed = "S" in (fields.get("estatus_derogacion"), fields.get("estatus_anulacion"), fields.get("vigencia_agotada"))
    eli = clean(fields.get("url_eli"))
    return InstrumentItem(
        id=instrument_id or default_instrument_id(boe_id),
        jurisdiction=JURISDICTION,
        title=clean(fields.get("titulo")),
        citation=f"{rank} {number}" if rank and number else boe_id,
        kind="statute" if (rank or "").lower() in STATUTE_RANKS else "regulation",
        status="repealed" if repealed else "in_force",
        date_enacted=iso(fields.get("fecha_disposicion")),
        date_in_force=iso(fields.get("fecha_vigencia")),
        official_url=clean(fields.get("url_html_consolidada")) or act_url(boe_id),
        language=LANGUAGE,
        source=SOURCE,
        identifiers=[{"scheme": "BOE", "value": boe_id}] + ([{"scheme": "ELI", "value": eli}] if eli else []),
    )


def parse_texto(response):
    """`/texto` or `/texto/bloque/{id}`: each block's versions as dated provisions."""
    data = xml_data(response)
    boe_id = boe_id_of(response.url)
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(boe_id)
    wanted = set(response.meta.get("keys") or [])
    today = date.fromisoformat(response.meta["today"]) if response.meta.get("today") else date.today()
    blocks = [data] if data.tag == "bloque" else list(data.iter("bloque"))
    if not blocks:
        raise BoeError("texto answer without any <bloque>")
    for block in blocks:
        if wanted and block.get("id") not in wanted:
            continue
        yield from block_versions(block, boe_id, instrument_id, today)


def boe_id_of(url: str) -> str:
    match = re.search(r"/id/(BOE-[A-Z]-\d{4}-\d+)/", url)
    if not match:
        raise BoeError(f"no BOE id in {url}")
    return match.group(1)


def block_versions(block, boe_id: str, instrument_id: str, today: date):
    block_id = block.get("id")
    if not block_id:
        raise BoeError("a <bloque> without an id")
    versions = []
    for version in block.findall("version"):
        starts = iso(version.get("fecha_vigencia")) or iso(version.get("fecha_publicacion"))
        versions.append((starts or "", version))
    # Sorted by date (the API does not always list them in order); stable for equal dates.
    versions.sort(key=lambda pair: pair[0])
    label = clean(block.get("titulo")) or block_id
    for index, (starts, version) in enumerate(versions):
        ends = versions[index + 1][0] if index + 1 < len(versions) else None
        heading, text = version_text(version)
        yield ProvisionItem(
            id=f"{instrument_id}/{block_id}",
            instrument_id=instrument_id,
            label=label,
            heading=heading,
            text=text,
            language=LANGUAGE,
            url=act_url(boe_id, block_id),
            in_force_status=status_of(text, starts or None, ends, today, last=ends is None),
            valid_from=starts or None,
            valid_to=ends,
            source=SOURCE,
        )


def version_text(version) -> tuple[str | None, str | None]:
    """(heading, text) of one version: the `articulo` line gives the heading (after
    "Artículo N."), the other paragraphs the text; notes in <blockquote> are left out."""
    heading = None
    lines = []
    for element in version:
        if not isinstance(element.tag, str) or element.tag == "blockquote":
            continue
        line = clean("".join(element.itertext()))
        if not line:
            continue
        if element.get("class") == "articulo" and heading is None and not lines:
            heading = clean(ARTICLE_HEADING.sub("", line, count=1)) or None
            continue
        lines.append(line)
    return heading, "\n".join(lines) or None


def status_of(text: str | None, starts: str | None, ends: str | None, today: date, last: bool) -> str | None:
    """in_force / prospective / repealed for the wording of one version; None for a
    wording that was replaced (it is history, not repealed)."""
    now = today.isoformat()
    if starts and starts > now:
        return "prospective"
    if ends and ends <= now:
        return None
    if last and text and DEROGATED.match(text):
        return "repealed"
    return "in_force"


def parse_search(response):
    """`/legislacion-consolidada?query=...` (JSON, as the spider asks): candidates, then the next page."""
    if is_json(response):
        data = json_data(response)
        records = data if isinstance(data, list) else []
        norms = [{k: (v.get("texto") if isinstance(v, dict) else v) for k, v in r.items()} for r in records]
    else:
        xml_data(response)  # an error status or a foreign page says so here
        raise BoeError("search answered in XML; the spider asks for JSON (Accept: application/json)")
    query = response.meta.get("query")
    since = response.meta.get("since")
    for norm in norms:
        boe_id = clean(norm.get("identificador"))
        if not boe_id:
            continue
        published = iso(norm.get("fecha_publicacion"))
        if since and published and published < since:
            continue
        yield CandidateItem(
            id=default_instrument_id(boe_id),
            jurisdiction=JURISDICTION,
            title=clean(norm.get("titulo")) or boe_id,
            url=clean(norm.get("url_html_consolidada")) or act_url(boe_id),
            published=published,
            matched_query=query,
            source=SOURCE,
        )
    page = int(response.meta.get("page") or 1)
    if len(norms) >= PAGE_SIZE and page < MAX_PAGES:
        offset = page * PAGE_SIZE
        yield scrapy.Request(with_query(response.url, offset=offset, limit=PAGE_SIZE), headers=JSON_HEADERS,
                             meta={**{k: v for k, v in (("query", query), ("since", since)) if v}, "page": page + 1})


def search_url(term: str) -> str:
    body = {"query": {"query_string": {"query": term}}, "sort": [{"fecha_publicacion": "desc"}]}
    return f"{CONSOLIDATED}?query={quote(json.dumps(body, ensure_ascii=False, separators=(',', ':')))}" \
           f"&offset=0&limit={PAGE_SIZE}"


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="BOE datos abiertos: legislación consolidada (Agencia Estatal Boletín Oficial del Estado)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="Reuse with attribution (Ley 37/2007; BOE aviso legal)",
    licence_url="https://www.boe.es/informacion/aviso_legal/",
    terms_url="https://www.boe.es/datosabiertos/",
    rate_limit_text="none published; one request at a time, 1 s apart",
    rate_limit=None,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "keys", "page", "today"),
    notes="Consolidated legislation API: metadatos and texto/bloque as XML, search as JSON; no key. "
          "Curated instruments keep their own ids (several articles of one code share a BOE id).",
    # Not derivable from the BOE id alone (see the module docstring): the spider carries
    # the curated id in each request instead.
    curated_instrument_id=None,
)


class BoeSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/legislacion-consolidada/id/[^/]+/metadatos$", parse_metadatos),
        (r"/legislacion-consolidada/id/[^/]+/texto(/bloque/[^/]+)?$", parse_texto),
        (r"/legislacion-consolidada$", parse_search),
    ]

    def discovery_requests(self):
        since = self.since_meta()
        for term in SEARCH_TERMS:
            yield self.request(search_url(term), headers=JSON_HEADERS, query=term, page=1, **since)

    def tracked_requests(self):
        count = 0
        for instrument in self.tracked:
            boe_id = str(instrument.get("source_identifier") or "").strip()
            if not BOE_ID.match(boe_id):
                self.logger.warning("boe: %s has no BOE id as source_identifier (%r)", instrument.get("id"), boe_id)
                continue
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            if self.limit is not None and count >= self.limit:
                return
            count += 1
            # Several curated instruments share one norm: each asks for it under its own id.
            yield self.request(f"{CONSOLIDATED}/id/{boe_id}/metadatos", tracked=True,
                               instrument_id=instrument["id"]).replace(dont_filter=True)
            for key in keys:
                if self.limit is not None and count >= self.limit:
                    return
                count += 1
                yield self.request(f"{CONSOLIDATED}/id/{boe_id}/texto/bloque/{quote(key)}", tracked=True,
                                   expects=("provision", f"{instrument['id']}/{key}"),
                                   instrument_id=instrument["id"], keys=[key]).replace(dont_filter=True)
