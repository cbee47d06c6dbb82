"""Normattiva: Italy's state legislation in force (Presidenza del Consiglio / Istituto Poligrafico).

Base URL: https://www.normattiva.it (the Open Data API lives on api.normattiva.it).
Licence: CC BY 4.0 per the open-data portal dati.normattiva.it (to be re-checked there:
/work/shared/reference/sources.md marks it [verify]). No key. No rate limit is
published; we ask one page at a time with a 3 s delay.

What this spider does:
(a) tracked instruments: each curated instrument whose source is `normattiva` names its
    act by URN:NIR (`source_identifier: urn:nir:stato:regio.decreto:1930-10-19;1398`, the
    Codice penale) and, per key provision, the article number as the act numbers it
    (`key: 612-ter`). The URN resolver page `/uri-res/N2Ls?{urn}` opens a session and
    carries the export link `caricaAKN?dataGU=...&codiceRedaz=...`; the Akoma Ntoso export
    `/do/atto/caricaAKN?dataGU=&codiceRedaz=&dataVigenza=` (the text in force on
    dataVigenza, which the spider sets to the crawl's day) is then read. One export serves
    every curated instrument drawn from the act (arts. 600-quater.1, 612-ter and 612-quater
    are three instruments of one Code), each getting its own articles under its curated id.
    An act may instead be named by its Normattiva ELI (`source_identifier:
    eli/id/2003/07/29/003G0218`, the Codice privacy: publication date in the Gazzetta
    Ufficiale and codice redazionale): the ELI permalink page `/eli/id/.../CONSOLIDATED`
    then opens the session and carries the same export link. The ELI names the export
    outright and, unlike a URN asked of the resolver, gives each act its own page path.
(b) discovery: the Open Data API simple search (POST
    `api.normattiva.it/t/normattiva.api/bff-opendata/v1/api/v1/ricerca/semplice`, body
    `{"testoRicerca", "orderType", "paginazione": {"paginaCorrente", "numeroElementiPerPagina"}}`)
    on Italian terms of the subject; each act listed is a *candidate*, never tracked.

Format notes, from the real captures in ../shared/samples/normattiva/:
- `20240527_24G00083_VIGENZA_20240902.xml`: the AKN export (`akomaNtoso/act
  name="monovigente"`, namespace akn/3.0). `meta/identification/FRBRWork` has the
  `FRBRalias name="urn:nir"` (urn:nir:stato:legge:2024-05-14;66) and `name="eli"`
  (eli/id/2024/05/27/24G00083/CONSOLIDATED/20240902); `preface` has docType, docDate,
  docNumber, docTitle (the title ends with the codice redazionale in brackets);
  `body/article` with `num` ("Art. 1."), `heading`, `paragraph/num` + `content/p`.
  `attachments/attachment/doc` hold annexes (here the treaty text): not articles of
  the act. Text lines keep the source's straight apostrophes for accents ("e'").
  The export is one consolidated state (the text in force on dataVigenza); it gives
  no per-article validity dates, so `valid_from`/`valid_to` stay empty.
- `legge_2022_53_error_page.html`: when an export fails Normattiva answers 200 with a
  full HTML page titled "Normattiva - Errore" ("Errore nel caricamento delle
  informazioni"). It is an error, never an empty law: the parser raises.
- `ricerca_semplice.json`: the simple search answer (`listaAtti[]` with
  codiceRedazionale, dataGU, denominazioneAtto, descrizioneAtto, titoloAtto cut
  short with "…" and in square brackets, dataEmanazione, numeroProvvedimento;
  `numeroPagine`, `paginaCorrente`, `numeroAttiTrovati`). The capture is kept by an SDK
  inside its own envelope (`{"stato", "tipo_contenuto", "corpo": <the answer>}`); both
  shapes are read. It lists Legge 2 dicembre 2025, n. 181 ("Introduzione del delitto
  di femminicidio e altri interventi ..."): the femicide law, on violence against
  women generally; it came from a search, so it is a candidate for review only.
- No real capture exists of the URN resolver's HTML page; the export link it carries
  is described by public clients of the site (normattiva2md and others) and our
  example page is built from that description. Nor of the ELI permalink page: that it
  shows the act's detail page with the same caricaAKN link is our assumption (public
  code links to `https://www.normattiva.it/eli/id/2003/07/29/003G0218/CONSOLIDATED/...`
  as the Codice privacy's consolidated text); a page without the link is refused.
"""

import json
import re
from urllib.parse import quote, unquote

import scrapy
from lxml import etree

from ..items import CandidateItem, InstrumentItem, PageError, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "normattiva"
OFFICIAL = "https://www.normattiva.it"
API = "https://api.normattiva.it/t/normattiva.api/bff-opendata/v1/api/v1"
SEARCH_URL = f"{API}/ricerca/semplice"
AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
NS = {"akn": AKN}

#: Italian terms of the subject for the simple search.
SEARCH_TERMS = (
    "deepfake", "intelligenza artificiale contenuti falsificati", "immagini sessualmente esplicite",
    "diffusione illecita di immagini", "pornografia virtuale", "revenge porn",
)
PAGE_SIZE = 20
MAX_PAGES = 5

#: A Normattiva ELI: Gazzetta date and codice redazionale (optionally the full permalink).
ELI_IDENTIFIER = re.compile(r"^(?:https?://www\.normattiva\.it)?/?eli/id/(\d{4}/\d{2}/\d{2})/([0-9A-Z]{8})(?:/CONSOLIDATED)?/?$")
EXPORT_LINK = re.compile(r"caricaAKN\?dataGU=(\d{8})&(?:amp;)?codiceRedaz=([0-9A-Z]+)")
# The act types of URN:NIR, from the search's denominazioneAtto.
URN_TYPES = {
    "LEGGE": "legge", "DECRETO LEGISLATIVO": "decreto.legislativo", "DECRETO-LEGGE": "decreto.legge",
    "DECRETO DEL PRESIDENTE DELLA REPUBBLICA": "decreto.del.presidente.della.repubblica",
    "REGIO DECRETO": "regio.decreto", "COSTITUZIONE": "costituzione",
}
REPEALED = re.compile(r"^\(?\s*(articolo\s+)?abrogato\s*\)?\.?$", re.IGNORECASE)


def article_number(num: str | None) -> str | None:
    """"612-ter" from "Art. 612-ter."; "600-quater.1" from "Art. 600-quater.1"."""
    text = clean(num)
    if not text:
        return None
    text = re.sub(r"^(art(icolo)?\.?)\s*", "", text, flags=re.IGNORECASE)
    return text.rstrip(". ").lower() or None


def urn_article(urn: str, number: str) -> str:
    """The permalink of an article: urn...;1398~art612ter."""
    return f"{OFFICIAL}/uri-res/N2Ls?{urn}~art{number.replace('-', '').replace('.', '')}"


def act_page(identifier: str) -> str:
    """The page that opens an act: its ELI permalink, or the URN resolver."""
    eli = ELI_IDENTIFIER.match(identifier)
    if eli:
        return f"{OFFICIAL}/eli/id/{eli.group(1)}/{eli.group(2)}/CONSOLIDATED"
    return f"{OFFICIAL}/uri-res/N2Ls?{quote(identifier, safe=':;~.-')}"


def refuse_error_page(body: bytes) -> None:
    head = body[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]:
        title = re.search(rb"<title>\s*([^<]*?)\s*</title>", body[:20000], re.IGNORECASE)
        message = re.search(rb"Errore nel caricamento[^<]*", body)
        what = (message or title).group(0 if message else 1).decode("utf-8", "replace") if (message or title) else "HTML"
        raise ValueError(f"Normattiva answered an HTML page, not the act: {clean(what)}")


# --------------------------------------------------------------------------- parsers


def parse_resolver(response):
    """The URN resolver page: it opens the session and names the act's export."""
    match = EXPORT_LINK.search(response.text)
    if not match:
        raise ValueError("Normattiva page without an Akoma Ntoso export link (caricaAKN): act unknown or page changed")
    data_gu, code = match.groups()
    on = response.meta.get("vigenza")
    if not on:
        raise ValueError("no vigenza date for the export (the spider sets it)")
    carried = {k: response.meta[k] for k in ("instruments", "urn", "vigenza") if response.meta.get(k)}
    yield scrapy.Request(f"{OFFICIAL}/do/atto/caricaAKN?dataGU={data_gu}&codiceRedaz={code}&dataVigenza={on}",
                         meta={**carried, "tracked": response.meta.get("tracked", False)})


def parse_akn(response):
    """An Akoma Ntoso export: the act, and its articles (all, or a tracked instrument's)."""
    refuse_error_page(response.body)
    try:
        root = etree.fromstring(response.body, etree.XMLParser(remove_comments=True, resolve_entities=False,
                                                                no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not a readable Akoma Ntoso document: {error}") from None
    act = root.find("akn:act", NS)
    if etree.QName(root).localname != "akomaNtoso" or act is None:
        raise ValueError(f"not an Akoma Ntoso act (root element {etree.QName(root).localname!r})")
    work = act.find("akn:meta/akn:identification/akn:FRBRWork", NS)
    aliases = {a.get("name"): a.get("value") for a in work.findall("akn:FRBRalias", NS)} if work is not None else {}
    urn = aliases.get("urn:nir") or response.meta.get("urn")
    if not urn:
        raise ValueError("Akoma Ntoso act without a URN:NIR")
    preface = act.find("akn:preface", NS)
    doc_type = clean(preface.findtext(".//akn:docType", namespaces=NS)) if preface is not None else None
    doc_date = preface.find(".//akn:docDate", NS) if preface is not None else None
    doc_number = clean(preface.findtext(".//akn:docNumber", namespaces=NS)) if preface is not None else None
    title = clean("".join(preface.find(".//akn:docTitle", NS).itertext())) if preface is not None \
        and preface.find(".//akn:docTitle", NS) is not None else None
    title = re.sub(r"\s*\(\w{8}\)\s*$", "", title or "") or None  # the codice redazionale
    citation = " ".join(filter(None, [doc_type.title() if doc_type else None,
                                      doc_date.text.strip() if doc_date is not None and doc_date.text else None,
                                      f"n. {doc_number}" if doc_number else None])) or None
    identifiers = [{"scheme": "URN_NIR", "value": urn}]
    if aliases.get("eli"):
        identifiers.append({"scheme": "ELI", "value": aliases["eli"]})
    articles = {}
    body = act.find("akn:body", NS)
    for article in (body.iter(f"{{{AKN}}}article") if body is not None else ()):
        number = article_number(article.findtext("akn:num", namespaces=NS))
        if number:
            articles.setdefault(number, article)
    if body is None or not articles:
        raise ValueError(f"Akoma Ntoso act {urn} without articles")
    slug = urn.split("stato:", 1)[-1].replace(":", "-").replace(";", "-").replace(".", "-")
    targets = response.meta.get("instruments") or [{"id": f"it-{slug}".lower(), "keys": None, "jurisdiction": "IT"}]
    results = []
    for target in targets:
        keys = target.get("keys")
        wanted = list(articles) if keys is None else [str(k).lower() for k in keys]
        results.append(InstrumentItem(
            id=target["id"], jurisdiction=target.get("jurisdiction") or "IT", title=title,
            citation=(f"{'art.' if len(wanted) == 1 else 'artt.'} {', '.join(wanted)} " + (citation or "")).strip()
            if keys else citation,
            kind="code_provisions" if keys else "statute", status=target.get("status"),
            date_enacted=doc_date.get("date") if doc_date is not None else None,
            official_url=f"{OFFICIAL}/uri-res/N2Ls?{urn}", language="it", source=SOURCE, identifiers=identifiers,
        ))
        for key in wanted:
            article = articles.get(key)
            if article is None:
                results.append(PageError(url=response.url, status=None, kind="parse", tracked=True,
                                         reason=f"art. {key} not found in {urn}"))
                continue
            results.append(article_item(target["id"], urn, key, article))
    return results


def article_item(instrument_id: str, urn: str, number: str, article) -> ProvisionItem:
    # Normattiva puts article headings in brackets: "(Pornografia virtuale)".
    heading = clean(article.findtext("akn:heading", namespaces=NS))
    if heading and heading.startswith("(") and heading.endswith(")"):
        heading = heading[1:-1].strip() or None
    lines = []
    for paragraph in article.iter(f"{{{AKN}}}paragraph"):
        num = clean(paragraph.findtext("akn:num", namespaces=NS))
        content = paragraph.find("akn:content", NS)
        text = clean(" ".join(clean("".join(p.itertext())) or "" for p in content.iter(f"{{{AKN}}}p"))) \
            if content is not None else None
        if text:
            lines.append(f"{num} {text}" if num else text)
    text = "\n".join(lines) or None
    repealed = bool(heading and REPEALED.match(heading)) or bool(text and REPEALED.match(text))
    return ProvisionItem(
        id=f"{instrument_id}/{number}", instrument_id=instrument_id, label=number, heading=heading, text=text,
        language="it", url=urn_article(urn, number), in_force_status="repealed" if repealed else "in_force",
        valid_from=None, valid_to=None, source=SOURCE,
        identifiers=[{"scheme": "URN_NIR", "value": f"{urn}~art{number.replace('-', '').replace('.', '')}"}],
    )


def search_answer(body: bytes) -> dict:
    try:
        answer = json.loads(body)
    except ValueError:
        refuse_error_page(body)
        raise ValueError("Normattiva search answer is not JSON") from None
    if isinstance(answer, dict) and isinstance(answer.get("corpo"), dict):
        answer = answer["corpo"]  # the envelope a client kept the capture in
    if not isinstance(answer, dict) or not isinstance(answer.get("listaAtti"), list):
        raise ValueError("Normattiva search answer without listaAtti")
    return answer


def parse_search(response):
    """The Open Data API simple search: candidates, and the next page."""
    answer = search_answer(response.body)
    query = response.meta.get("query")
    for act in answer["listaAtti"]:
        kind = clean(act.get("denominazioneAtto"))
        made = (act.get("dataEmanazione") or "")[:10]
        number = clean(str(act.get("numeroProvvedimento") or "")) or None
        urn_type = URN_TYPES.get((kind or "").upper())
        if not (kind and made and number):
            continue
        urn = f"urn:nir:stato:{urn_type}:{made};{number}" if urn_type else None
        title = clean((act.get("titoloAtto") or "").strip("[] ").rstrip("…").strip())
        yield CandidateItem(
            id=f"it-{(urn_type or kind.lower()).replace('.', '-').replace(' ', '-')}-{made}-{number}",
            jurisdiction="IT",
            title=f"{clean(act.get('descrizioneAtto')) or kind}" + (f" – {title} …" if title else ""),
            url=f"{OFFICIAL}/uri-res/N2Ls?{urn}" if urn else
            f"{OFFICIAL}/atto/caricaDettaglioAtto?atto.dataPubblicazioneGazzetta={act.get('dataGU')}"
            f"&atto.codiceRedazionale={act.get('codiceRedazionale')}",
            published=act.get("dataGU"),
            matched_query=query,
            source=SOURCE,
        )
    page, pages = answer.get("paginaCorrente") or 1, answer.get("numeroPagine") or 1
    if query and answer["listaAtti"] and page < min(pages, MAX_PAGES):
        yield scrapy.Request(SEARCH_URL, method="POST", body=search_body(query, page + 1),
                             headers={"Content-Type": "application/json"}, meta={"query": query})


def search_body(query: str, page: int) -> str:
    return json.dumps({"testoRicerca": query, "orderType": "recente",
                       "paginazione": {"paginaCorrente": page, "numeroElementiPerPagina": PAGE_SIZE}}, sort_keys=True)


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Normattiva (Presidenza del Consiglio dei Ministri / IPZS)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("normattiva.it", "api.normattiva.it"),
    licence="CC BY 4.0 (open data portal; to verify)",
    licence_url="https://dati.normattiva.it/",
    terms_url="https://dati.normattiva.it/",
    rate_limit_text="none published; one request at a time with a 3 s delay",
    rate_limit=(20, 60),
    download_delay=3.0,
    deadline_seconds=1800,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instruments", "tracked", "urn", "vigenza"),
    notes="Akoma Ntoso export (caricaAKN) opened from the URN:NIR resolver page; Open Data API simple search "
          "for discovery. Consolidated state at the crawl's day; no per-article validity dates. No key.",
    curated_instrument_id=None,  # tracked instruments keep their curated ids (carried in the request)
)


class NormattivaSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/ricerca/semplice$", parse_search),
        (r"/do/atto/caricaAKN$", parse_akn),
        (r"/uri-res/N2Ls$", parse_resolver),
        (r"^/eli/id/\d{4}/\d{2}/\d{2}/[0-9A-Z]{8}/CONSOLIDATED/?$", parse_resolver),
    ]
    json_keys = {"listaAtti": parse_search, "corpo": parse_search}
    root_elements = {"akomaNtoso": parse_akn}

    def __init__(self, *args, vigenza=None, **kwargs):
        super().__init__(*args, **kwargs)
        from datetime import date

        self.vigenza = vigenza or date.today().strftime("%Y%m%d")

    def discovery_requests(self):
        for term in SEARCH_TERMS:
            yield self.request(SEARCH_URL, method="POST", body=search_body(term, 1),
                               headers={"Content-Type": "application/json"}, query=term)

    def tracked_requests(self):
        acts: dict[str, list[dict]] = {}
        for instrument in self.tracked:
            keys = [str(p["key"]) for p in instrument.get("provisions") or [] if p.get("key")]
            if keys:
                acts.setdefault(unquote(str(instrument["source_identifier"]).strip()), []).append(
                    {"id": instrument["id"], "keys": list(dict.fromkeys(keys)),
                     "jurisdiction": instrument.get("jurisdiction"), "status": instrument.get("status")})
        for count, (identifier, instruments) in enumerate(sorted(acts.items())):
            if self.limit is not None and count >= self.limit:
                return
            # An ELI is not a URN: the export's own FRBRalias gives the act's URN then.
            urn = None if ELI_IDENTIFIER.match(identifier) else identifier
            yield self.request(act_page(identifier), tracked=True, instruments=instruments, urn=urn,
                               vigenza=self.vigenza)
