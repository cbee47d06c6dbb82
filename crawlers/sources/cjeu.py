"""Court of Justice of the European Union: judgments and Advocates General's opinions,
from EUR-Lex and CELLAR (Publications Office of the EU).

Why a module of its own and not eur_lex.py: the hosts are the same, but the declaration is
not. eur_lex is a legislation source (its `kind`, its tracked instruments by CELEX of
sector 3, its SOAP search needing an account); this one is a case-law source (sector 6
CELEX `6{yyyy}CJ{nnnn}` and `6{yyyy}CC{nnnn}`, CaseItems, SPARQL discovery, no account).
The CELEX grammar, the CELLAR notice readers and the HTML helpers are eur_lex's and are
imported from it, not copied.

Hosts:    https://publications.europa.eu (CELLAR notices by CELEX, the SPARQL endpoint
          /webapi/rdf/sparql) and https://eur-lex.europa.eu (the decision as HTML,
          `/legal-content/EN/TXT/HTML/?uri=CELEX:62012CJ0131`).
Licence:  the Commission's reuse policy (Decision 2011/833/EU); EUR-Lex content is under
          CC BY 4.0. Case law of the Court is published for reuse on the same terms.
Terms:    no published rate limit for CELLAR, SPARQL or the HTML pages: one request at a
          time, 1 s apart. No key.

What the spider does:
(a) discovery: one SPARQL query (`subject_query`) asks for the Court's judgments and
    Advocates General's opinions that interpret or cite the EU acts of the subject
    (`SUBJECT_ACTS`: the GDPR and Directive 95/46, the e-Commerce Directive, the DSA,
    Directive (EU) 2024/1385, Directive 2011/93) and whose English title names the subject
    (`SUBJECT_WORDS`: search engines, hosting, online marketplaces and platforms, erasure,
    sexual content...), newest first; `--since` keeps decisions given since then.
(b) each decision listed: its CELLAR *branch notice* (`/resource/celex/{CELEX}`, `Accept:
    application/xml;notice=branch`) gives the court (and chamber, or the Advocate
    General), the date, the ECLI, the case number, the parties and the EU acts the
    decision interprets or cites (with the article, where CELLAR annotates it); then the
    English text (`/legal-content/EN/TXT/HTML/?uri=CELEX:...`) completes the CaseItem (id
    `cjeu-{celex}`, e.g. `cjeu-62012cj0131`). A notice whose English expression has no
    HTML or XHTML manifestation gives the CaseItem without text. The acts cited become
    `cited_legislation` entries titled as EU acts are cited ("Article 17(1) of Regulation
    2016/679"), which the citation stage links to the tracked EU instruments.
`--limit` caps the decisions requested.

Where the format knowledge comes from, plainly: there is NO real capture of a case-law
notice, of a judgment's HTML, or of a SPARQL answer here (../shared/samples/README.md says
so for SPARQL). The notices follow the two real CELLAR notices of legislation in
../shared/samples/eur_lex/ (the same element grammar: `WORK`, `SAMEAS/URI` with `TYPE`
celex, `EXPRESSION` with `LANG`, `MANIFESTATION` types) and, for the case-law elements,
public clients that read real case-law notices (through the search tool): `ECLI/VALUE`,
`WORK_DATE_DOCUMENT`, `CASE-LAW_DELIVERED_BY_COURT-FORMATION` (`PREFLABEL`),
`CASE-LAW_DELIVERED_BY_ADVOCATE-GENERAL` (`EMBEDDED_NOTICE/AGENT/AGENT_NAME/VALUE`),
`CASE-LAW_INTERPRETES_RESOURCE_LEGAL` and `WORK_CITES_WORK` (links whose `SAMEAS/URI`
names the act's CELEX, with `ANNOTATION/REFERENCE_TO_MODIFIED_LOCATION` such as `A17P1`
for Article 17(1)), `EXPRESSION_TITLE` (parts joined by `#`),
`EXPRESSION_CASE-LAW_PARTIES`, `EXPRESSION_CASE-LAW_IDENTIFIER_CASE` ("Case C-131/12").
A branch notice nests the expressions inside `WORK`; an object notice puts `WORK`,
`EXPRESSION` and `MANIFESTATION` side by side under `NOTICE`: both are read.
The judgment's HTML comes in two dialects, both known from public parsers of real pages:
the Court's own (`p.C01PointnumeroteAltN` opening with `<a name="pointN">N</a>`, then
`C02AlineaAltA`, `C04Titre1`, `C41DispositifIntroduction`, `C77Signatures`), and the
newer EUR-Lex one where each numbered paragraph is a table row (`p.coj-count
id="pointN"` beside `p.coj-normal`). An HTML page with no numbered paragraph (EUR-Lex
answers an unknown CELEX with a 200 page) is an error. SPARQL answers are the W3C JSON
results format (`head.vars`, `results.bindings[].{var}.value`); the endpoint (Virtuoso)
reports a bad query as plain text with HTTP 400, which is read as an error.
"""

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import scrapy
from lxml import etree, html

from ..items import CaseItem
from .contract import Auth, SourceContract
from .eur_lex import (CELEX, CELLAR, OFFICIAL, celex_of, clean, expression_language, html_url,
                      manifestation_types, notice_date, notice_url, official_url, visible_text)
from .spider import SourceSpider

SOURCE = "cjeu"
SPARQL = f"{CELLAR}/webapi/rdf/sparql"
COURT = "Court of Justice of the European Union"
#: CELEX type letters of the decisions we read: judgments, Advocates General's opinions, orders.
DECISION_TYPES = {"CJ": "judgment", "CC": "opinion", "CO": "order"}
CASE_CELEX = re.compile(r"^6\d{4}(?:CJ|CC|CO)\d{4}$")

#: The EU acts of the subject whose case law we want (CELEX of sector 3).
SUBJECT_ACTS = ("32016R0679", "31995L0046", "32000L0031", "32022R2065", "32024L1385", "32011L0093")
#: Words of a decision's English title that put it on the subject (a regular expression
#: for the endpoint, case-insensitive, in the XPath syntax SPARQL's REGEX uses: no `(?:`).
SUBJECT_WORDS = ("search engine", "host(ing)? (service )?provider", "hosting", "online marketplace",
                 "online platform", "social network", "right to erasure", "right to be forgotten",
                 "de-?referenc", "intimate", "sexual", "pornograph")
SPARQL_LIMIT = 200
ACT_KINDS = {"R": "Regulation", "L": "Directive", "D": "Decision"}


# --------------------------------------------------------------------------- identifiers


def case_id(celex: str) -> str:
    return f"cjeu-{celex.lower()}"


def decision_url(celex: str) -> str:
    """Where a person reads the decision on EUR-Lex (all languages, metadata, text)."""
    return f"{OFFICIAL}/legal-content/EN/TXT/?uri=CELEX:{celex}"


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the decision at a EUR-Lex URL naming a sector-6 CELEX."""
    parts = urlsplit(url or "")
    if parts.netloc not in ("eur-lex.europa.eu", "publications.europa.eu"):
        return None
    celex = celex_of((parse_qs(parts.query).get("uri") or [""])[0]) or celex_of(parts.path.rsplit("/", 1)[-1])
    return case_id(celex) if celex and CASE_CELEX.match(celex) else None


def case_number(celex: str) -> str | None:
    """"C-131/12" from 62012CJ0131 (the Court of Justice's own cases)."""
    match = re.match(r"^6\d\d(\d\d)C[JCO](\d{4})$", celex)
    return f"C-{int(match.group(2))}/{match.group(1)}" if match else None


def act_title(celex: str, location: str | None = None) -> str | None:
    """An EU act as decisions cite it, from its CELEX: "Article 17(1) of Regulation
    2016/679" (the article from CELLAR's annotation `A17P1`), or "Directive 2000/31"."""
    match = CELEX.match(celex or "")
    if not match or match["sector"] != "3" or match["type"] not in ACT_KINDS:
        return None
    act = f"{ACT_KINDS[match['type']]} {match['year']}/{int(match['number'])}"
    article = re.match(r"^A0*(\d+)(?:P0*(\d+))?(?:PT\(?([A-Za-z0-9]{1,3})\)?)?", (location or "").strip())
    if not article:
        return act
    label = article.group(1) + "".join(f"({part.lower()})" for part in article.groups()[1:] if part)
    return f"Article {label} of {act}"


# --------------------------------------------------------------------------- SPARQL discovery


#: CELLAR's resource URIs, as the RDF writes them: with http, whatever the host serves.
RESOURCE_URI = "http://publications.europa.eu/resource"


def subject_query(since: str | None = None, limit: int = SPARQL_LIMIT) -> str:
    acts = " ".join(f"<{RESOURCE_URI}/celex/{celex}>" for celex in SUBJECT_ACTS)
    since_filter = f'  FILTER(?date >= "{since}"^^xsd:date)\n' if since else ""
    words = "|".join(SUBJECT_WORDS)
    return (
        "PREFIX cdm: <http://publications.europa.eu/ontology/cdm#>\n"
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "SELECT DISTINCT ?celex ?ecli ?date WHERE {\n"
        f"  VALUES ?act {{ {acts} }}\n"
        "  ?actWork owl:sameAs ?act .\n"
        "  { ?work cdm:case-law_interpretes_resource_legal ?actWork } UNION { ?work cdm:work_cites_work ?actWork }\n"
        "  ?work cdm:resource_legal_id_celex ?celex .\n"
        '  FILTER(REGEX(STR(?celex), "^6[0-9]{4}C[JC][0-9]{4}$"))\n'
        "  ?work cdm:work_date_document ?date .\n"
        f"{since_filter}"
        "  OPTIONAL { ?work cdm:case-law_ecli ?ecli }\n"
        "  ?expression cdm:expression_belongs_to_work ?work ;\n"
        f"    cdm:expression_uses_language <{RESOURCE_URI}/authority/language/ENG> ;\n"
        "    cdm:expression_title ?title .\n"
        f'  FILTER(REGEX(STR(?title), "{words}", "i"))\n'
        f"}} ORDER BY DESC(?date) LIMIT {int(limit)}"
    )


def sparql_url(query: str) -> str:
    return f"{SPARQL}?{urlencode({'query': query, 'format': 'application/sparql-results+json'})}"


def notice_request(celex: str, **meta) -> scrapy.Request:
    return scrapy.Request(notice_url(celex), headers={"Accept": "application/xml;notice=branch",
                                                      "Accept-Language": "eng"},
                          meta={**meta, "expects": ("case", case_id(celex))})


def parse_sparql(response):
    """The SPARQL answer: a notice request for each decision it lists (`limit` in meta)."""
    body = response.body.strip()
    if response.status >= 400 or not body.startswith(b"{"):
        message = clean(body[:300].decode("utf-8", "replace")) or "empty body"
        raise ValueError(f"the CELLAR SPARQL endpoint answered HTTP {response.status}, not JSON results: {message}")
    try:
        data = json.loads(body)
        bindings = data["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"not a SPARQL JSON result at {response.url}") from None
    limit = response.meta.get("limit")
    requested = 0
    for binding in bindings:
        celex = celex_of((binding.get("celex") or {}).get("value"))
        if not celex or not CASE_CELEX.match(celex):
            continue
        if limit is not None and requested >= int(limit):
            return
        requested += 1
        yield notice_request(celex, query="SPARQL: case law on the subject acts")


# --------------------------------------------------------------------------- notices


def children(parent, name: str) -> list:
    return [] if parent is None else [child for child in parent if child.tag == name]


def value(parent, name: str) -> str | None:
    found = children(parent, name)
    return clean(found[0].findtext("VALUE")) if found else None


def linked_celexes(work, name: str) -> list[tuple[str, str | None]]:
    """(CELEX, annotated location) of every work linked by `name`."""
    found = []
    for link in children(work, name):
        celex = None
        for uri in link.iter("URI"):
            if (uri.findtext("TYPE") or "").strip() == "celex":
                celex = celex_of(uri.findtext("IDENTIFIER"))
                break
        if celex is None:
            embedded = link.find("EMBEDDED_NOTICE/WORK")
            celex = celex_of(value(embedded, "RESOURCE_LEGAL_ID_CELEX") or value(embedded, "ID_CELEX"))
        if celex:
            locations = [clean(a.findtext("REFERENCE_TO_MODIFIED_LOCATION")) for a in link.iter("ANNOTATION")]
            found.extend((celex, location) for location in (locations or [None]))
    return found


def cited_legislation(work) -> list[dict]:
    """The EU acts (sector 3) the decision interprets or cites, as cited_legislation."""
    entries, seen = [], set()
    for name in ("CASE-LAW_INTERPRETES_RESOURCE_LEGAL", "WORK_CITES_WORK"):
        for celex, location in linked_celexes(work, name):
            for part in re.split(r"\s*[,;]\s*", location or "") or [None]:
                title = act_title(celex, part or None)
                if title and title not in seen:
                    seen.add(title)
                    # Keys in sorted order: the archive keeps request meta as sorted JSON, and
                    # a reparse must give the very same list back.
                    entries.append({"href": official_url(celex), "title": title})
    return entries


def english_expression(root, work):
    expressions = children(work, "EXPRESSION") + children(root, "EXPRESSION")
    by_language = {expression_language(e): e for e in expressions}
    english = by_language.get("en")
    if english is None and expressions:
        english = expressions[0]
    return english, by_language


def parse_notice(response):
    """A CELLAR notice of a decision: the CaseItem's metadata, then its English text."""
    try:
        root = etree.fromstring(response.body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable CELLAR notice at {response.url}: {error}") from None
    if root is None or root.tag != "NOTICE" or root.find("WORK") is None:
        raise ValueError(f"expected a CELLAR <NOTICE> with a WORK at {response.url}, found {getattr(root, 'tag', None)!r}")
    work = root.find("WORK")
    celex = celex_of(value(work, "RESOURCE_LEGAL_ID_CELEX") or value(work, "ID_CELEX"))
    if not celex or not CASE_CELEX.match(celex):
        raise ValueError(f"the notice at {response.url} is not a decision of the Court (CELEX {celex!r})")
    expression, by_language = english_expression(root, work)
    title_parts = [clean(p) for p in (value(expression, "EXPRESSION_TITLE") or "").split("#")]
    title_parts = [p for p in title_parts if p]
    kind = DECISION_TYPES[celex[5:7]]
    formation = clean(root.findtext(".//CASE-LAW_DELIVERED_BY_COURT-FORMATION/PREFLABEL"))
    advocate_general = clean(root.findtext(".//CASE-LAW_DELIVERED_BY_ADVOCATE-GENERAL//AGENT_NAME/VALUE"))
    if kind == "opinion":
        court = f"{COURT} (Advocate General {advocate_general})" if advocate_general else f"{COURT} (Advocate General)"
    else:
        court = f"{COURT} ({formation})" if formation else COURT
    parties = value(expression, "EXPRESSION_CASE-LAW_PARTIES") or (title_parts[1].rstrip(".") if len(title_parts) > 1 else None)
    number = re.sub(r"^Case\s+", "", value(expression, "EXPRESSION_CASE-LAW_IDENTIFIER_CASE") or "").rstrip(".") \
        or case_number(celex)
    number = (number or "").replace("\u2011", "-") or None
    ecli = value(work, "ECLI") or next((clean(uri.findtext("IDENTIFIER")) for uri in work.iter("URI")
                                        if (uri.findtext("TYPE") or "").strip() == "ecli"), None)
    name = parties or title_parts[0] if title_parts else parties
    if kind == "opinion" and name:
        name = f"{name} (Opinion of Advocate General {advocate_general})" if advocate_general else f"{name} (Opinion)"
    identifiers = [{"scheme": "CELEX", "value": celex}]
    if ecli:
        identifiers.append({"scheme": "ECLI", "value": ecli})
    if number:
        identifiers.append({"scheme": "DOCKET", "value": number})
    case = {
        "id": case_id(celex), "jurisdiction": "EU", "court": court,
        "decision_date": notice_date(work.find("WORK_DATE_DOCUMENT")),
        "name": name or number or celex,
        "citation": ", ".join(part for part in (number, ecli) if part) or celex,
        "url": decision_url(celex), "language": expression_language(expression) if expression is not None else "en",
        "judges": [], "text": None,
        "cited_legislation": cited_legislation(work), "identifiers": identifiers, "source": SOURCE,
    }
    english = by_language.get("en")
    manifestations = manifestation_types(english) if english is not None else set()
    if english is not None and english in children(root, "EXPRESSION"):
        # An object notice: the expression's manifestations stand beside it, under NOTICE.
        for manifestation in children(root, "MANIFESTATION"):
            manifestations |= manifestation_types(manifestation)
    if manifestations & {"xhtml", "html"}:
        yield scrapy.Request(html_url(celex, "en"), meta={"case": case, "expects": ("case", case["id"]),
                                                          "query": response.meta.get("query")})
    else:
        yield CaseItem(**case)  # no English text to read: the metadata alone


# --------------------------------------------------------------------------- the decision's text


NUMBERED = re.compile(r"^point\d+$")


def judgment_lines(root) -> list[str]:
    """The decision's text, one line per paragraph, a numbered paragraph with its number."""
    lines: list[str] = []
    taken = set()
    for node in root.iter("p", "table"):
        if node in taken or any(a in taken for a in node.iterancestors()):
            continue
        if node.tag == "table":
            numbered = [p for p in node.iter("p") if NUMBERED.match(p.get("id") or "")]
            if not numbered:
                continue
            taken.add(node)
            for row in node.iter("tr"):
                cells = [visible_text(p) for p in row.iter("p")]
                line = " ".join(cell for cell in cells if cell)
                if line:
                    lines.append(line)
            continue
        text = visible_text(node)
        if text:
            lines.append(text)
    return lines


def has_numbered_paragraphs(root) -> bool:
    return any(NUMBERED.match(a.get("name") or a.get("id") or "") for a in root.iter("a", "p")) \
        or any("C01PointnumeroteAltN" in (p.get("class") or "") for p in root.iter("p"))


def parse_judgment(response):
    """The decision as EUR-Lex HTML: the CaseItem the notice began (meta `case`), with its text."""
    if not response.body.strip():
        raise ValueError(f"empty page at {response.url}")
    root = html.fromstring(response.body, parser=html.HTMLParser(encoding=getattr(response, "encoding", None) or "utf-8",
                                                                remove_comments=True, remove_pis=True))
    celex = celex_of((parse_qs(urlsplit(response.url).query).get("uri") or [""])[0])
    if not celex or not CASE_CELEX.match(celex):
        raise ValueError(f"no decision CELEX in {response.url}")
    if not has_numbered_paragraphs(root):
        title = clean(root.findtext(".//title")) or ""
        raise ValueError(f"no numbered paragraphs in the page at {response.url} (page says: {title!r})")
    case = dict(response.meta.get("case") or {})
    if not case:  # a saved page read alone (`sii-atlas parse`): what the page itself says
        number = case_number(celex)
        case = {"id": case_id(celex), "jurisdiction": "EU", "court": COURT, "name": number or celex,
                "citation": number or celex, "url": decision_url(celex), "language": "en", "judges": [],
                "cited_legislation": [], "identifiers": [{"scheme": "CELEX", "value": celex}], "source": SOURCE}
    case["text"] = "\n".join(judgment_lines(root)) or None
    yield CaseItem(**case)


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Court of Justice of the EU case law via EUR-Lex and CELLAR (Publications Office of the EU)",
    kind="case_law",
    base_url=OFFICIAL,
    alias_hosts=("publications.europa.eu",),
    licence="Commission reuse policy (Decision 2011/833/EU), CC BY 4.0",
    licence_url="https://eur-lex.europa.eu/content/legal-notice/legal-notice.html",
    terms_url="https://eur-lex.europa.eu/content/legal-notice/legal-notice.html",
    rate_limit_text="not published for CELLAR, SPARQL or the HTML pages; one request at a time",
    download_delay=1.0,
    deadline_seconds=2 * 3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("case", "limit"),
    notes="SPARQL discovery of judgments and AG opinions interpreting or citing the subject's EU acts; CELLAR "
          "branch notices (court, date, ECLI, parties, acts cited) and the English HTML text.",
    case_id_for_url=case_id_for_url,
)


class CjeuSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/webapi/rdf/sparql$", parse_sparql),
        (r"^/resource/celex/", parse_notice),
        (r"^/legal-content/[A-Za-z]{2}/TXT/HTML/?$", parse_judgment),
    ]
    root_elements = {"NOTICE": parse_notice, "html": parse_judgment}

    def to_official_url(self, url: str) -> str:
        # CELLAR's paths (notices, SPARQL) live on its own host, not on eur-lex.europa.eu.
        official = super().to_official_url(url)
        parts = urlsplit(official)
        if parts.netloc == urlsplit(OFFICIAL).netloc and parts.path.startswith(("/resource/", "/webapi/")):
            return urlunsplit(("https", urlsplit(CELLAR).netloc, parts.path, parts.query, ""))
        return official

    def discovery_requests(self):
        # The endpoint reports a bad query with HTTP 400 and its message: the parser reads it.
        yield self.request(sparql_url(subject_query(self.since.isoformat() if self.since else None)),
                           headers={"Accept": "application/sparql-results+json"}, limit=self.limit,
                           handle_httpstatus_list=[400])
