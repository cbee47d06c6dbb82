"""Légifrance: French legislation and codes (DILA), through the PISTE API, and the LEGI bulk XML.

Source:   Légifrance, run by the Direction de l'information légale et administrative (DILA).
Base URL: https://api.piste.gouv.fr/dila/legifrance/lf-engine-app (production; the sandbox is
          sandbox-api.piste.gouv.fr with its own token host). Every call is a POST with a
          JSON body. Token: https://oauth.piste.gouv.fr/api/oauth/token (client credentials).
Endpoints used (official OpenAPI v2.4.2, /work/shared/samples/legifrance/legifrance-openapi.json):
    /consult/getArticleWithIdAndNum {"id": LEGITEXT, "num": "226-8-1"}: the version in force
        of an article of a code or law, found by its number (no article id needed).
    /consult/getArticle {"id": LEGIARTI}: one version of an article, by its id.
    /consult/getArticleByCid {"cid": LEGIARTI}: every version of one article (its "chronical
        id" is the id of its first version).
    /search {"fond": "CODE_DATE" | "LODA_DATE", "recherche": {...}}: discovery.
Licence:  Licence Ouverte / Etalab 2.0 (the OpenAPI's `info.license`): free reuse, naming the
          source and the date of the data.
Terms:    Légifrance API terms of use (DILA, 2022): register an application on PISTE, accept
          the terms, subscribe it to the Légifrance API. Quotas are set per application in
          PISTE (per second, minute and day; shown in the PISTE console under the
          application's quotas) and are not published; DILA may change them, and overruns
          answer HTTP 429. No figure being public, we declare one request a second and at
          most 1,000 requests a run, far below any quota PISTE is known to set.
Bulk:     DILA's LEGI dumps (https://echanges.dila.gouv.fr/OPENDATA/LEGI/, tar.gz of XML,
          no key) hold the same data as one XML file per article version (`<ARTICLE>`),
          per section (`<SECTION_TA>`) and per text structure (`<TEXTELR>`); their parsers
          are routed by root element, for `sii-atlas parse legifrance FILE`.

Where the format knowledge comes from: the OpenAPI description (field names, the etat
values, request bodies) and four real captures in /work/shared/samples/legifrance/ (one
getArticleByCid answer, one ARTICLE, one SECTION_TA, one TEXTELR). No real capture of
getArticle, getArticleWithIdAndNum or /search answers exists: their parsers follow the
OpenAPI's GetArticleResponse ({"article": Article}) and SearchResponseDTO, and the
Article object of the real getArticleByCid capture.

Tracked instruments: a curated instrument's `source_identifier` is the LEGITEXT id of the
code or law holding its articles (Code pénal: LEGITEXT000006070719), and each key
provision's `key` names one article: "226-8-1" (an article number in that text),
"LEGITEXT…/131-35-1" (an article number in another text), or "LEGIARTI…" (an article id).
For each, the spider asks the article, then every version of it (getArticleByCid). The
provision's id is the curated one (`{instrument id}/{key}`), passed in the request meta;
crawled instruments keep their curated ids, so no `curated_instrument_id` mapping is needed.

Format notes:
- Dates in the API are epoch milliseconds at midnight UTC (the capture: -552528000000 =
  1952-06-29); 2999-01-01 (32472144000000) means "no end". Search results give ISO strings.
- `etat`: VIGUEUR (in force), VIGUEUR_DIFF (in force later), MODIFIE (a past version: it
  applied between its dates), ABROGE / ABROGE_DIFF, ANNULE, PERIME, DISJOINT, TRANSFERE,
  SUBSTITUE, REMPLACE, DENONCE, MODIFIE_MORT_NE (amended before it ever applied), and
  VIGUEUR_ETEN / VIGUEUR_NON_ETEN (collective agreements).
- `texte` is the plain text, `texteHtml` the same with <p>/<br/>; the capture's texteHtml
  starts with an empty <p></p> and stray spaces. Where `texte` is empty the HTML is read.
- An article's `cid` is its first version's id; `articleVersions` lists every version's
  id, etat and dates (no text). `textTitles` names the code or law (LEGITEXT, nature CODE).
- LEGI ARTICLE XML: META_ARTICLE (NUM, ETAT, DATE_DEBUT, DATE_FIN as ISO dates), CONTEXTE
  (the text, its cid and nature), VERSIONS (LIEN_ART per version), BLOC_TEXTUEL/CONTENU
  holding HTML as XML elements: the "cas extrêmes" capture (Annexe 2-4 of the Code de
  l'action sociale et des familles) has 1,811 <p> and three <table>s in 149 KB.
- SECTION_TA lists one LIEN_ART per article version (debut, fin, etat, id, num), no text.
- TEXTELR (a text's table of contents) has no title: its sections (LIEN_SECTION_TA with
  niv, etat, debut, fin) and any articles linked at its top level.
"""

import json
import re
from datetime import date, datetime, timezone

import scrapy
from bs4 import BeautifulSoup
from lxml import etree

from ..items import CandidateItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider

SOURCE = "legifrance"
OFFICIAL = "https://api.piste.gouv.fr/dila/legifrance/lf-engine-app"
TOKEN_URL = "https://oauth.piste.gouv.fr/api/oauth/token"
SITE = "https://www.legifrance.gouv.fr"
CODE_PENAL = "LEGITEXT000006070719"

#: The subject's terms, in French, as Légifrance's full-text search reads them.
SEARCH_TERMS = (
    "hypertrucage",
    "deepfake",
    "montage à caractère sexuel",
    "contenu visuel ou sonore généré par un traitement algorithmique",
    "image à caractère sexuel",
    "paroles ou images présentant un caractère sexuel",
)
#: Discovery reads the codes and the laws and regulations (LODA), each in its version of today.
SEARCH_FONDS = ("CODE_DATE", "LODA_DATE")
PAGE_SIZE = 50  # the API allows up to 100
MAX_PAGES = 4  # a term that matches more than 200 texts is not precise enough to read on

IN_FORCE = {"VIGUEUR", "VIGUEUR_ETEN", "VIGUEUR_NON_ETEN", "ABROGE_DIFF", "MODIFIE"}
PROSPECTIVE = {"VIGUEUR_DIFF"}
REPEALED = {"ABROGE", "ANNULE", "PERIME", "DISJOINT", "TRANSFERE", "SUBSTITUE", "REMPLACE", "DENONCE"}
#: A version amended before it ever applied is no law at any date: not stored.
NEVER_APPLIED = {"MODIFIE_MORT_NE"}
OPEN_END = "2999-01-01"
TEXT_KINDS = {"CODE": "code_provisions", "LOI": "statute", "LOI_ORGANIQUE": "statute", "ORDONNANCE": "statute",
              "DECRET": "regulation", "ARRETE": "regulation", "CONSTITUTION": "statute"}
ARTICLE_ID = re.compile(r"^(LEGIARTI|JORFARTI)\d{12}$")
TEXT_ID = re.compile(r"^(LEGITEXT|JORFTEXT)\d{12}$")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True,
                              remove_pis=True)


# --------------------------------------------------------------------------- small helpers


def api_url(path: str) -> str:
    return f"{OFFICIAL}{path}"


def iso_date(value) -> str | None:
    """An ISO date from what the API gives: epoch milliseconds (number or digits), or an
    ISO date or date-time string. The 2999-01-01 "no end" sentinel stays as it is."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"-?\d{6,}", value.strip())):
        return datetime.fromtimestamp(int(value) / 1000, timezone.utc).date().isoformat()
    text = str(value).strip()[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def end_date(value) -> str | None:
    """The end of a version: None when open-ended."""
    found = iso_date(value)
    return None if found is None or found >= OPEN_END else found


def status_of(etat: str | None) -> str | None:
    etat = (etat or "").upper()
    if etat in IN_FORCE:
        return "in_force"
    if etat in PROSPECTIVE:
        return "prospective"
    if etat in REPEALED:
        return "repealed"
    return None


def clean_lines(text: str | None) -> str | None:
    """One line per paragraph, blanks collapsed, empty lines dropped."""
    if not text:
        return None
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line) or None


BLOCK_TAGS = ["p", "div", "tr", "li", "table", "thead", "tbody", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"]


def html_text(html: str | None) -> str | None:
    """Readable text of Légifrance's HTML: a line per paragraph, table cells parted by " | "."""
    if not html or not html.strip():
        return None
    soup = BeautifulSoup(html, "lxml")
    # A table row is one line, its cells parted by " | " (empty cells kept, so the
    # columns still line up); innermost rows first, for tables inside tables.
    for row in reversed(soup.find_all("tr")):
        cells = [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"], recursive=False)]
        row.replace_with("\n" + " | ".join(cells) + "\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line.strip(" |")) or None


def article_url(article_id: str, nature: str | None) -> str:
    kind = "codes" if (nature or "").upper() == "CODE" else "loda"
    return f"{SITE}/{kind}/article_lc/{article_id}"


def text_url(text_id: str, nature: str | None) -> str:
    return f"{SITE}/codes/texte_lc/{text_id}" if (nature or "").upper() == "CODE" else f"{SITE}/loda/id/{text_id}"


def text_instrument_id(text_id: str) -> str:
    """Our id for a code or law read on its own (not a curated instrument): its LEGITEXT id."""
    return text_id.lower()


def load_json(response) -> dict:
    """The answer as a JSON object, or a clear error (an HTML error page, an empty body)."""
    body = response.body.strip()
    if not body:
        raise ValueError(f"empty answer at {response.url}")
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"not JSON at {response.url}: {body[:80]!r}") from None
    if not isinstance(answer, dict):
        raise ValueError(f"expected a JSON object at {response.url}, found {type(answer).__name__}")
    if answer.get("error") or (answer.get("status") and not str(answer.get("status")).startswith("2")):
        raise ValueError(f"the API answered an error at {response.url}: "
                         f"{answer.get('error') or answer.get('status')} {answer.get('message') or ''}".strip())
    return answer


# --------------------------------------------------------------------------- API: articles


def article_text(article: dict) -> str | None:
    return clean_lines(article.get("texte")) or html_text(article.get("texteHtml"))


def text_of(article: dict) -> dict:
    """The code or law an API article belongs to: {id, title, nature}."""
    for title in article.get("textTitles") or []:
        if title.get("cid") or title.get("id"):
            return {"id": title.get("cid") or title.get("id"), "title": title.get("titre") or title.get("titreLong"),
                    "nature": title.get("nature")}
    context = (article.get("context") or {}).get("titreTxt") or []
    for title in context:
        if title.get("cid"):
            return {"id": title["cid"], "title": title.get("titre"), "nature": None}
    return {"id": article.get("cidTexte") or article.get("idTexte"), "title": None, "nature": None}


def instrument_item(text: dict) -> InstrumentItem:
    nature = (text.get("nature") or "").upper()
    return InstrumentItem(
        id=text_instrument_id(text["id"]),
        jurisdiction="FR",
        title=text.get("title"),
        kind=TEXT_KINDS.get(nature),
        official_url=text_url(text["id"], nature),
        language="fr",
        source=SOURCE,
        identifiers=[{"scheme": "LEGITEXT" if text["id"].startswith("LEGITEXT") else "OTHER", "value": text["id"]}],
    )


def provision_item(meta, *, version_id: str, cid: str | None, num: str, text: str | None, etat: str | None,
                   valid_from: str | None, valid_to: str | None, text_info: dict) -> ProvisionItem:
    """One version of one article. Its id is the curated one the request carries, else
    `{text id}/{article number}`."""
    instrument_id = meta.get("instrument_id") or text_instrument_id(text_info["id"])
    identifiers = [{"scheme": "LEGIARTI", "value": version_id}]
    if cid and cid != version_id:
        identifiers.append({"scheme": "LEGIARTI", "value": cid})
    return ProvisionItem(
        id=meta.get("provision_id") or f"{instrument_id}/{num}",
        instrument_id=instrument_id,
        label=meta.get("label") or num,
        heading=None,  # French articles have no headings of their own
        text=text,
        language="fr",
        url=article_url(version_id, text_info.get("nature") or "CODE"),
        in_force_status=status_of(etat),
        valid_from=valid_from,
        valid_to=valid_to,
        source=SOURCE,
        identifiers=identifiers,
    )


def is_future(valid_from: str | None) -> bool:
    return bool(valid_from) and valid_from > date.today().isoformat()


def article_items(article: dict, meta) -> list[ProvisionItem]:
    """The provision version an API Article object is; none for a version that never
    applied or has not started yet (the store refuses a start date in the future)."""
    etat = article.get("etat")
    valid_from = iso_date(article.get("dateDebut"))
    if (etat or "").upper() in NEVER_APPLIED or is_future(valid_from):
        return []
    if not article.get("id") or not article.get("num"):
        raise ValueError(f"article without id or number: {str(article)[:120]}")
    return [provision_item(meta, version_id=article["id"], cid=article.get("cid"), num=article["num"],
                           text=article_text(article), etat=etat, valid_from=valid_from,
                           valid_to=end_date(article.get("dateFin")), text_info=text_of(article))]


def context_meta(response) -> dict:
    """The curated context a tracked request carries, passed on to the versions request."""
    keep = ("instrument_id", "provision_id", "label", "tracked", "expects")
    return {key: response.meta.get(key) for key in keep if response.meta.get(key) is not None}


def parse_article(response):
    """`/consult/getArticle` or `/consult/getArticleWithIdAndNum`: the article's version
    (in force, for the latter), then a request for all its versions."""
    answer = load_json(response)
    article = answer.get("article")
    if not isinstance(article, dict) or not article.get("id"):
        raise ValueError(f"no article in the answer at {response.url}")
    meta = response.meta
    if not meta.get("instrument_id"):
        info = text_of(article)
        if info.get("id") and info.get("title"):
            yield instrument_item(info)
    yield from article_items(article, meta)
    cid = article.get("cid") or article["id"]
    yield scrapy.Request(api_url("/consult/getArticleByCid"), method="POST", body=json.dumps({"cid": cid}),
                         headers={"Content-Type": "application/json"}, meta=context_meta(response))


def parse_article_versions(response):
    """`/consult/getArticleByCid`: every version of one article, oldest first (so each
    one closes the one before in the store)."""
    answer = load_json(response)
    versions = answer.get("listArticle")
    if not isinstance(versions, list):
        raise ValueError(f"no listArticle in the answer at {response.url}")
    if not versions:
        raise ValueError(f"no version of the article at {response.url}")
    meta = response.meta
    if not meta.get("instrument_id"):
        info = text_of(versions[0])
        if info.get("id") and info.get("title"):
            yield instrument_item(info)
    ordered = sorted(versions, key=lambda a: iso_date(a.get("dateDebut")) or "")
    for article in ordered:
        yield from article_items(article, meta)


# --------------------------------------------------------------------------- API: search


def search_body(term: str, fond: str, page: int = 1, on: date | None = None) -> dict:
    """A /search request: the exact phrase anywhere in the texts of `fond`, in their
    version of `on` (today)."""
    return {
        "fond": fond,
        "recherche": {
            "champs": [{"typeChamp": "ALL", "operateur": "ET",
                        "criteres": [{"typeRecherche": "EXACTE", "valeur": term, "operateur": "ET"}]}],
            "filtres": [{"facette": "DATE_VERSION", "singleDate": (on or date.today()).isoformat()}],
            "operateur": "ET",
            "pageNumber": page,
            "pageSize": PAGE_SIZE,
            "sort": "PERTINENCE",
            "typePagination": "DEFAUT",
        },
    }


def parse_search(response):
    """A /search page: each matched article of a code, or each matched law, becomes a
    candidate for a person to review; then the next page.

    Meta read: `query`, `fond`, `page`, `since` (ISO date; older candidates are skipped)."""
    answer = load_json(response)
    results = answer.get("results")
    if not isinstance(results, list):
        raise ValueError(f"no results list in the answer at {response.url}")
    query = response.meta.get("query")
    since = response.meta.get("since")
    for result in results:
        for candidate in search_candidates(result, query):
            if since and candidate.get("published") and candidate["published"] < since:
                continue
            yield candidate
    fond, page = response.meta.get("fond"), int(response.meta.get("page") or 1)
    total = answer.get("totalResultNumber") or 0
    if results and fond and query and page < MAX_PAGES and page * PAGE_SIZE < total:
        meta = {"query": query, "fond": fond, "page": page + 1, **({"since": since} if since else {})}
        yield scrapy.Request(api_url("/search"), method="POST", body=json.dumps(search_body(query, fond, page + 1)),
                             headers={"Content-Type": "application/json"}, meta=meta)


def search_candidates(result: dict, query: str | None):
    titles = result.get("titles") or [{}]
    text = titles[0]
    text_id = text.get("cid") or text.get("id")
    nature = (result.get("nature") or text.get("nature") or "").upper()
    extracts = [extract for section in result.get("sections") or [] for extract in section.get("extracts") or []
                if ARTICLE_ID.match(extract.get("id") or "")]
    if nature == "CODE" or (text_id or "").startswith("LEGITEXT") and extracts:
        # A code: what matched is its articles, each a candidate of its own.
        for extract in extracts:
            yield CandidateItem(
                id=extract["id"],
                jurisdiction="FR",
                title=f"{text.get('title') or text_id}, article {extract.get('num') or '?'}",
                url=article_url(extract["id"], "CODE" if nature == "CODE" else None),
                published=iso_date(extract.get("dateDebut")),
                matched_query=query,
                source=SOURCE,
            )
    elif text_id and TEXT_ID.match(text_id):
        published = iso_date(result.get("datePublication")) or iso_date(result.get("date")) \
            or iso_date(result.get("dateSignature"))
        yield CandidateItem(
            id=text_id,
            jurisdiction="FR",
            title=" ".join((text.get("title") or text_id).split()),
            url=text_url(text_id, nature),
            published=None if published and published >= OPEN_END else published,
            matched_query=query,
            source=SOURCE,
        )


# --------------------------------------------------------------------------- LEGI bulk XML


def _xml(response, expected_root: str):
    try:
        root = etree.fromstring(response.body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable XML at {response.url}: {error}") from None
    if root is None or root.tag != expected_root:
        raise ValueError(f"expected <{expected_root}> at {response.url}, found {getattr(root, 'tag', None)!r}")
    return root


def _context_text(root) -> dict:
    texte = root.find("CONTEXTE/TEXTE")
    if texte is None:
        return {"id": None, "title": None, "nature": None}
    title = texte.find("TITRE_TXT")
    name = None
    if title is not None:
        name = " ".join(("".join(title.itertext()) or title.get("c_titre_court") or "").split()) or None
    return {"id": texte.get("cid"), "title": name, "nature": texte.get("nature")}


def parse_legi_article(response):
    """A LEGI `<ARTICLE>` file: one version of one article, with its text (HTML inside
    CONTENU, tables included), and the code or law it belongs to."""
    root = _xml(response, "ARTICLE")
    version_id = (root.findtext("META/META_COMMUN/ID") or "").strip()
    spec = root.find("META/META_SPEC/META_ARTICLE")
    if not version_id or spec is None:
        raise ValueError(f"ARTICLE without ID or META_ARTICLE at {response.url}")
    num = (spec.findtext("NUM") or "").strip()
    etat = (spec.findtext("ETAT") or "").strip() or None
    info = _context_text(root)
    if not info["id"]:
        raise ValueError(f"ARTICLE {version_id} without the text it belongs to (CONTEXTE/TEXTE/@cid)")
    meta = response.meta
    if not meta.get("instrument_id") and info["title"]:
        yield instrument_item(info)
    valid_from = iso_date(spec.findtext("DATE_DEBUT"))
    if (etat or "") in NEVER_APPLIED or is_future(valid_from):
        return
    # Versions are listed with their ids; the first one is the article's chronical id.
    versions = sorted(root.iterfind("VERSIONS/VERSION/LIEN_ART"), key=lambda link: link.get("debut") or "")
    cid = versions[0].get("id") if versions else None
    contenu = root.find("BLOC_TEXTUEL/CONTENU")
    text = html_text(_inner_xml(contenu)) if contenu is not None else None
    yield provision_item(meta, version_id=version_id, cid=cid, num=num or version_id, text=text, etat=etat,
                         valid_from=valid_from, valid_to=end_date(spec.findtext("DATE_FIN")), text_info=info)


def _inner_xml(element) -> str:
    return (element.text or "") + "".join(etree.tostring(child, encoding="unicode") for child in element)


def current_links(links) -> list:
    """Of every version link (LIEN_ART), the current one per article number: in force if
    one is, else the latest."""
    by_num: dict[str, list] = {}
    for link in links:
        by_num.setdefault(link.get("num") or link.get("id"), []).append(link)
    chosen = []
    for versions in by_num.values():
        in_force = [v for v in versions if (v.get("etat") or "") == "VIGUEUR"]
        chosen.append(max(in_force or versions, key=lambda v: v.get("debut") or ""))
    return chosen


def structure_items(links, info: dict, meta):
    """Articles named in a table of contents: number, dates and status, no text yet."""
    for link in current_links(links):
        if not link.get("id") or (link.get("etat") or "") in NEVER_APPLIED or is_future(iso_date(link.get("debut"))):
            continue
        yield provision_item(meta, version_id=link.get("id"), cid=None, num=link.get("num") or link.get("id"),
                             text=None, etat=link.get("etat"), valid_from=iso_date(link.get("debut")),
                             valid_to=end_date(link.get("fin")), text_info=info)


def parse_legi_section(response):
    """A LEGI `<SECTION_TA>` file: the articles of one section (their current version's
    number, status and dates), without text."""
    root = _xml(response, "SECTION_TA")
    info = _context_text(root)
    if not info["id"]:
        raise ValueError(f"SECTION_TA without the text it belongs to (CONTEXTE/TEXTE/@cid) at {response.url}")
    meta = response.meta
    if not meta.get("instrument_id") and info["title"]:
        yield instrument_item(info)
    yield from structure_items(root.iterfind("STRUCTURE_TA/LIEN_ART"), info, meta)


def text_structure(root) -> dict:
    """A TEXTELR table of contents as data: the text's id and nature, its versions and its
    sections (for a bulk loader that walks section files)."""
    return {
        "id": (root.findtext("META/META_COMMUN/ID") or "").strip() or None,
        "nature": (root.findtext("META/META_COMMUN/NATURE") or "").strip() or None,
        "last_modified": (root.findtext("META/META_SPEC/META_TEXTE_CHRONICLE/DERNIERE_MODIFICATION") or "").strip() or None,
        "versions": [{"etat": link.getparent().get("etat"), "debut": link.get("debut"), "fin": link.get("fin"),
                      "id": link.get("id")} for link in root.iterfind("VERSIONS/VERSION/LIEN_TXT")],
        "sections": [{"id": link.get("id"), "cid": link.get("cid"), "level": int(link.get("niv") or 0),
                      "status": link.get("etat"), "debut": link.get("debut"), "fin": link.get("fin"),
                      "title": " ".join("".join(link.itertext()).split()) or None, "path": link.get("url")}
                     for link in root.iterfind("STRUCT/LIEN_SECTION_TA")],
    }


def parse_legi_structure(response):
    """A LEGI `<TEXTELR>` file: the articles linked at the text's top level. A TEXTELR
    carries no title, so it gives no instrument; its sections are read by `text_structure`."""
    root = _xml(response, "TEXTELR")
    structure = text_structure(root)
    if not structure["id"]:
        raise ValueError(f"TEXTELR without META_COMMUN/ID at {response.url}")
    info = {"id": structure["id"], "title": None, "nature": structure["nature"]}
    yield from structure_items(root.iterfind("STRUCT/LIEN_ART"), info, response.meta)


# --------------------------------------------------------------------------- the spider


def article_request_body(source_identifier: str, key: str) -> tuple[str, dict]:
    """(endpoint, JSON body) that fetches the article a curated provision's `key` names."""
    key = str(key).strip()
    if ARTICLE_ID.match(key):
        return "/consult/getArticle", {"id": key}
    text_id, _, num = key.rpartition("/")
    text_id = text_id or str(source_identifier).strip()
    if not text_id.startswith("LEGITEXT"):
        raise ValueError(f"article {key!r} needs a LEGITEXT id (in the key or as source_identifier), not {text_id!r}")
    return "/consult/getArticleWithIdAndNum", {"id": text_id, "num": num}


DECLARATION = SourceContract(
    id=SOURCE,
    name="Légifrance API (DILA, via PISTE)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="Licence Ouverte / Etalab 2.0",
    licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    terms_url="https://piste.gouv.fr/",
    rate_limit_text="per-application quotas set in PISTE (per second, minute and day), not published; "
                    "we send one request a second (delay) and never more than 60 a minute",
    # No published figure (see the docstring): one a second by the delay, and a cap of 60 a
    # minute that holds even when someone lowers the delay.
    rate_limit=(60, 60.0),
    quota_text="not published (PISTE console, per application); at most 1,000 requests a run",
    run_quota=1000,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.oauth2(client_id_env="LEGIFRANCE_CLIENT_ID", client_secret_env="LEGIFRANCE_CLIENT_SECRET",
                     token_url=TOKEN_URL, scope="openid"),
    parser_version="1",
    parser_meta=("fond", "instrument_id", "label", "page", "provision_id"),
    notes="JSON API (POST, OAuth2 client credentials: LEGIFRANCE_CLIENT_ID, LEGIFRANCE_CLIENT_SECRET); every "
          "version of each tracked article with its dates. DILA's LEGI bulk XML is read by the same module.",
)


class LegifranceSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"/consult/getArticleByCid$", parse_article_versions),
        (r"/consult/getArticle(WithIdAndNum)?$", parse_article),
        (r"/search$", parse_search),
    ]
    json_keys = {"listArticle": parse_article_versions, "article": parse_article, "results": parse_search}
    root_elements = {"ARTICLE": parse_legi_article, "SECTION_TA": parse_legi_section, "TEXTELR": parse_legi_structure}

    def discovery_requests(self):
        since = self.since_meta()
        for term in SEARCH_TERMS:
            for fond in SEARCH_FONDS:
                yield self.request(api_url("/search"), json=search_body(term, fond), query=term, fond=fond,
                                   page=1, **since)

    def tracked_requests(self):
        count = 0
        for instrument in self.tracked:
            for provision in instrument.get("provisions") or []:
                key = provision.get("key")
                if not key:
                    continue
                if self.limit is not None and count >= self.limit:
                    return
                try:
                    endpoint, body = article_request_body(instrument["source_identifier"], key)
                except ValueError as error:
                    self.logger.error("%s: %s", instrument["id"], error)
                    continue
                count += 1
                provision_id = f"{instrument['id']}/{key}"
                yield self.request(api_url(endpoint), json=body, tracked=True, expects=("provision", provision_id),
                                   instrument_id=instrument["id"], provision_id=provision_id,
                                   label=str(provision.get("label") or key))
