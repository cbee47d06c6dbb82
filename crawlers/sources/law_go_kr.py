"""law.go.kr Open API (국가법령정보 공동활용, Ministry of Government Legislation): Korean statutes.

Base URL: https://www.law.go.kr/DRF/ (lawSearch.do: lists; lawService.do: documents).
Auth: `OC`, the user id of a free registration on open.law.go.kr, sent as a query
parameter; it is a secret here (env LAW_GO_KR_OC): the auth middleware adds it to the
outgoing request only, and no URL we build or keep carries it. The API's own links
(`법령상세링크`) do carry the caller's OC, so they are never followed or stored.
Licence: Korean statutes are not protected works (Copyright Act art. 7); the API's data
is offered for free reuse (KOGL type 1) [verify the API terms at registration].
Terms: open.law.go.kr publishes no request rate for the DRF API; traffic limits are set
per registered user by the Ministry. We send one request a second and at most 1,000 per run.

What this spider does:
(a) tracked instruments: for every curated instrument whose source is `law_go_kr`,
    `source_identifier` is the law's name as law.go.kr writes it (성폭력범죄의 처벌 등에
    관한 특례법). The spider asks `lawSearch.do?target=law&query={name}` for its current
    serial number (MST) and 법령ID, then the current text (`lawService.do?target=law&MST=`)
    and the list of every version, past, current and announced (`lawSearch.do?target=eflaw
    &LID={법령ID}&nw=1,2,3`), and fetches each version (`lawService.do?target=eflaw&MST=
    &efYd=`) for the key provisions (`key: article/14-2`, or one paragraph:
    `article/14-2/paragraph/1`): each article text in Korean (language ko), valid from its
    own 조문시행일자 (effective date), so that the store keeps the law's history.
(b) discovery: `lawSearch.do?target=law&search=2&query=` (full-text search) for 딥페이크,
    허위영상물 and 촬영물: every law found is a candidate for review.
(c) precedents (판례): `lawSearch.do?target=prec&search=2&query=` (full-text search of the
    decisions) for `PREC_QUERIES` (허위영상물, 딥페이크, and decisions whose 참조조문 names the
    성폭력처벌법 with 제14조의2: `JO=` filter), newest first (`sort=ddes`); each decision
    listed is fetched (`lawService.do?target=prec&ID={판례일련번호}&type=XML`) and becomes a
    CaseItem (id `kr-prec-{판례정보일련번호}`): court, date, 사건번호, 사건명, the text (판시사항,
    판결요지, 판례내용) and the 참조조문 as cited legislation, which the citation stage
    (crawlers/citations/korea.py) links to the tracked Korean provisions. Decisions whose
    data source is the National Tax Service (데이터출처명 국세법령정보시스템) are served as
    HTML only, so they are not requested. `--since` drops decisions given earlier;
    `--limit` caps the decisions requested.

Where the format knowledge comes from, plainly:
- The ONLY real capture is /work/shared/samples/law_go_kr/three-tier-citation.json, a
  `lawService.do?target=thdCmp&type=JSON` reply (three-level comparison of the Customs
  Act). It shows what the JSON variant does: a nested list holding ONE element comes as
  that element (an object), not a one-element list (`시행령조문목록.시행령조문`,
  `위임행정규칙목록.위임행정규칙`), and chapter headings sit among the articles with an
  empty `조제목`. `parse_three_tier` reads it.
- There is NO real capture of `lawService.do?target=law` or of `lawSearch.do` here. Their
  XML is built from the API's documentation (open.law.go.kr guides lsNwInfoGuide,
  lsNwListGuide, lsEfYdListGuide, lsEfYdInfoGuide, as reproduced in public API
  references read through the search tool): `<법령>` with `<기본정보>` (법령ID, 공포일자,
  공포번호, 법종구분, 법령명_한글, 시행일자, ...), `<조문><조문단위 조문키>` (조문번호,
  조문가지번호, 조문여부 = 조문 | 전문, 조문제목, 조문시행일자, 조문내용, `<항>` with 항번호,
  항내용, `<호>` with 호번호, 호내용, `<목>`), `<부칙>`; and `<LawSearch>` with totalCnt,
  page and `<law id>` entries (법령일련번호, 현행연혁코드, 법령명한글, 법령ID, 공포일자,
  시행일자, 법령상세링크). Our examples in tests/examples/law_go_kr/ follow that
  documentation; when a real reply is captured, check them against it.
- Precedents: there is NO real capture of `target=prec` either. The format is from the
  API guide (precListGuide, precInfoGuide, as public API references reproduce it) and
  from public clients' kept replies and test fixtures (read through the search tool):
  the list is `<PrecSearch>` with `target`, `키워드`, `section` (bdyText for a full-text
  search), `totalCnt`, `page` and `<prec id="n">` entries (판례일련번호, 사건명 in CDATA,
  사건번호, 선고일자 written `2024.10.25`, 법원명, 법원종류코드, 사건종류명, 사건종류코드,
  판결유형, 선고, 데이터출처명, 판례상세링크 carrying the caller's OC); an empty search has
  `totalCnt` 0 and no `<prec>`. A decision is `<PrecService>` with 판례정보일련번호, 사건명,
  사건번호, 선고일자 (`20240530`), 선고, 법원명, 법원종류코드, 사건종류명, 사건종류코드, 판결유형,
  판시사항, 판결요지, 참조조문, 참조판례 and 판례내용, the long ones in CDATA with `<br/>` line
  breaks and 【주    문】-style headings. An unknown ID is answered, with status 200, by
  `<Law>일치하는 판례가 없습니다. 판례명을 확인하여 주십시오.</Law>`: an error, never an
  empty success. The JSON variant wraps the same fields in `{"PrecService": {...}}` and
  `{"PrecSearch": {...}}`.
- XML and JSON are read by one code path: XML is turned into the same nested
  dicts the JSON gives (one child: an object; several: a list), and every list
  field is read through `as_list`, which accepts both shapes.
"""

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import html as lxml_html

import scrapy
from lxml import etree

from ..crawling.middlewares import SecretsInBodiesMiddleware
from ..items import CandidateItem, CaseItem, InstrumentItem, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider

SOURCE = "law_go_kr"
OFFICIAL = "https://www.law.go.kr"
DRF = f"{OFFICIAL}/DRF"
#: The subject's words for discovery, in Korean: deepfake, false video material, filmed material.
SEARCH_TERMS = ("딥페이크", "허위영상물", "촬영물")
PAGE_SIZE = 100
#: Precedent searches: (words searched in the decisions' text, reference-law filter `JO`).
PREC_QUERIES = (
    ("허위영상물", None),
    ("딥페이크", None),
    ("제14조의2", "성폭력범죄의 처벌 등에 관한 특례법"),
)
#: Where a person reads a decision on law.go.kr.
PREC_PAGE = f"{OFFICIAL}/LSW/precInfoP.do"
#: Data sources whose decisions law.go.kr serves as HTML only (precInfoGuide).
HTML_ONLY_SOURCES = ("국세법령정보시스템",)
CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(20)}  # ① .. ⑳
KINDS = {"법률": "statute", "대통령령": "regulation", "총리령": "regulation", "부령": "regulation"}


# --------------------------------------------------------------------------- reading both formats


def as_list(value) -> list:
    """A list field of the API, whichever shape it came in: absent, one object, or a list."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def text_of(value) -> str:
    """A text field, which may come as a string, a list of strings (항내용 sometimes
    does) or an object with its text under `content`."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(filter(None, (text_of(v) for v in value)))
    if isinstance(value, dict):
        return text_of(value.get("content"))
    return str(value)


def clean(value) -> str | None:
    lines = [" ".join(line.split()) for line in text_of(value).splitlines()]
    text = "\n".join(line for line in lines if line)
    return text or None


def element_tree(element):
    """An XML element as the JSON variant writes it: text, or {child: value | [values]}
    with attributes as keys of their own."""
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        text = element.text or ""
        return {**dict(element.attrib), "content": text} if element.attrib else text
    tree: dict = dict(element.attrib)
    for child in children:
        value = element_tree(child)
        if child.tag in tree:
            if not isinstance(tree[child.tag], list):
                tree[child.tag] = [tree[child.tag]]
            tree[child.tag].append(value)
        else:
            tree[child.tag] = value
    return tree


def read_body(response) -> dict:
    """The reply as nested dicts, from JSON or XML; an error page or empty body raises."""
    body = response.body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise ValueError("empty response where a law.go.kr reply was expected")
    if body[:1] in (b"{", b"["):
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError as error:
            raise ValueError(f"law.go.kr reply is not valid JSON: {error}") from None
        if not isinstance(data, dict) or len(data) != 1:
            raise ValueError("law.go.kr JSON reply without a single root object")
        return data
    if body[:1] != b"<" or body[:200].lower().lstrip().startswith((b"<!doctype html", b"<html")):
        raise ValueError("law.go.kr answered an HTML or non-XML page (a wrong OC or an error page?)")
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"law.go.kr reply is not XML: {error}") from None
    return {root.tag: element_tree(root)}


def iso_date(value) -> str | None:
    digits = re.sub(r"\D", "", text_of(value))
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 else None


def name_key(name: str) -> str:
    """Law names compared as law.go.kr and our files write them: spaces and the
    middle-dot variants (ㆍ · ・) do not count."""
    return re.sub(r"[\sㆍ·・]", "", name or "")


def page_name(name: str) -> str:
    """The law's page on law.go.kr is named without spaces: /법령/성폭력범죄의처벌등에관한특례법."""
    return re.sub(r"\s", "", name)


def law_page(name: str, article: str | None = None) -> str:
    return f"{OFFICIAL}/법령/{page_name(name)}" + (f"/{article}" if article else "")


def own_id(law_id: str) -> str:
    return f"kr-law-{law_id}"


def article_key(number: str, branch: str | None) -> str:
    number = str(int(number))
    branch = str(int(branch)) if branch and branch.strip("0") else None
    return f"article/{number}" + (f"-{branch}" if branch else "")


def article_title(key: str) -> str:
    """제14조의2 from article/14-2."""
    number, _, branch = key.split("/")[1].partition("-")
    return f"제{number}조" + (f"의{branch}" if branch else "")


def service_url(**params) -> str:
    return f"{DRF}/lawService.do?{urlencode(params)}"


def search_url(**params) -> str:
    return f"{DRF}/lawSearch.do?{urlencode(params)}"


# --------------------------------------------------------------------------- parsers


def parse_service(response):
    """Any lawService.do reply: a law (`target=law` or `eflaw`) or a three-level comparison."""
    data = read_body(response)
    root = next(iter(data))
    if root == "법령":
        yield from parse_law(data[root], response)
    elif root == "PrecService":
        yield from parse_precedent(data[root], response)
    elif root == "ThdCmpLawXService":
        yield from parse_three_tier(data[root], response)
    else:
        raise ValueError(f"unknown law.go.kr reply (root {root!r}; an error message?): {str(data)[:200]}")


def parse_law(law: dict, response):
    """One version of a law: the instrument and its articles (or the key provisions the
    request asks for, in meta `keys`, under the curated id in meta `instrument_id`)."""
    info = law.get("기본정보") or {}
    law_id = clean(info.get("법령ID"))
    name = clean(info.get("법령명_한글")) or clean(info.get("법령명"))
    if not (law_id and name):
        raise ValueError("law.go.kr law without 법령ID or 법령명")
    instrument_id = response.meta.get("instrument_id") or own_id(law_id)
    kind_name = clean(info.get("법종구분"))
    number = clean(info.get("공포번호"))
    version_status = response.meta.get("version_status")
    if response.meta.get("with_instrument", True):
        yield InstrumentItem(
            id=instrument_id,
            jurisdiction=response.meta.get("jurisdiction") or "KR",
            title=name,
            # The latest promulgation of the consolidated text, as law.go.kr cites it.
            citation=f"{kind_name} 제{number}호" if kind_name and number else None,
            kind=KINDS.get(kind_name or "", "statute"),
            status=response.meta.get("status"),
            date_enacted=None,  # 공포일자 is the latest amendment's, not the enactment's
            date_in_force=None,
            official_url=law_page(name),
            language="ko",
            extent=None,
            source=SOURCE,
            identifiers=[{"scheme": "URI", "value": law_page(name)}],
        )
    wanted = response.meta.get("keys")
    effective = iso_date(info.get("시행일자"))
    for unit in as_list((law.get("조문") or {}).get("조문단위")):
        if clean(unit.get("조문여부")) not in (None, "조문"):
            continue  # 전문: a chapter or section heading, not an article
        number_text = clean(unit.get("조문번호"))
        if not number_text or not number_text.isdigit():
            continue
        key = article_key(number_text, clean(unit.get("조문가지번호")))
        asked = [k for k in wanted if k == key or k.startswith(key + "/")] if wanted else [key]
        for requested in asked:
            item = article_item(unit, requested, key, name, instrument_id, effective, version_status)
            if item is not None:
                yield item


def paragraph_number(paragraph: dict) -> str | None:
    mark = clean(paragraph.get("항번호")) or ""
    mark = mark.strip()
    if mark[:1] in CIRCLED:
        return CIRCLED[mark[:1]]
    digits = re.sub(r"\D", "", mark)
    return digits or None


def paragraph_lines(paragraph: dict) -> list[str]:
    lines = [clean(paragraph.get("항내용"))]
    for item in as_list(paragraph.get("호")):
        lines.append(clean(item.get("호내용")))
        for sub in as_list(item.get("목")):
            lines.append(clean(sub.get("목내용")))
    return [line for line in lines if line]


def article_item(unit: dict, requested: str, key: str, law_name: str, instrument_id: str,
                 effective: str | None, version_status: str | None) -> ProvisionItem | None:
    paragraphs = as_list(unit.get("항"))
    label = key.split("/", 1)[1]
    if requested == key:
        lines = [clean(unit.get("조문내용"))] + [line for p in paragraphs for line in paragraph_lines(p)]
    else:
        match = re.fullmatch(re.escape(key) + r"/paragraph/(\d+)", requested)
        if not match:
            return None
        paragraph = next((p for p in paragraphs if paragraph_number(p) == match.group(1)), None)
        if paragraph is None:
            return None
        lines = paragraph_lines(paragraph)
        label = f"{label}({match.group(1)})"
    text = "\n".join(line for line in lines if line) or None
    deleted = bool(text) and re.match(r"^제\d+조(의\d+)?\s*삭제", text) is not None
    status = "repealed" if deleted else ("prospective" if version_status == "시행예정" else "in_force")
    return ProvisionItem(
        id=f"{instrument_id}/{requested}",
        instrument_id=instrument_id,
        label=label,
        heading=clean(unit.get("조문제목")),
        text=text,
        language="ko",
        url=law_page(law_name, article_title(key)),
        extent=None,
        in_force_status=status,
        valid_from=iso_date(unit.get("조문시행일자")) or effective,
        valid_to=None,
        source=SOURCE,
        identifiers=None,
    )


TITLE_HEADING = re.compile(r"^제\d+조(?:의\d+)?\((.*)\)$")


def parse_three_tier(service: dict, response):
    """A three-level comparison (`lawService.do?target=thdCmp`, the real capture): the
    Act's articles and the Enforcement Decree articles they delegate to. It gives no
    dates, so the texts carry none."""
    info = service.get("기본정보") or {}
    law_id, law_name = clean(info.get("법령ID")), clean(info.get("법령명"))
    if not (law_id and law_name):
        raise ValueError("three-level comparison without 법령ID or 법령명")
    summary = clean(info.get("법령요약정보")) or ""
    cited = re.match(r"^\[(\S+) 제(\d+)호", summary)
    yield InstrumentItem(
        id=own_id(law_id), jurisdiction="KR", title=law_name,
        citation=f"{cited.group(1)} 제{cited.group(2)}호" if cited else None,
        kind="statute", status=None, date_enacted=None, date_in_force=None,
        official_url=law_page(law_name), language="ko", extent=None, source=SOURCE,
    )
    decree_id, decree_name = clean(info.get("시행령ID")), clean(info.get("시행령명"))
    decree_articles: dict[str, dict] = {}
    comparison = service.get("인용조문삼단비교") or {}
    for article in as_list(comparison.get("법률조문")):
        item = compared_article(article, law_id, law_name)
        if item is not None:
            yield item
        for decree_article in as_list((article.get("시행령조문목록") or {}).get("시행령조문")):
            key = article_key(clean(decree_article.get("조번호")) or "0", clean(decree_article.get("조가지번호")))
            decree_articles.setdefault(key, decree_article)
    if decree_id and decree_name and decree_articles:
        yield InstrumentItem(
            id=own_id(decree_id), jurisdiction="KR", title=decree_name, citation=None, kind="regulation",
            status=None, date_enacted=None, date_in_force=None, official_url=law_page(decree_name),
            language="ko", extent=None, source=SOURCE,
        )
        for decree_article in decree_articles.values():
            item = compared_article(decree_article, decree_id, decree_name)
            if item is not None:
                yield item


def compared_article(article: dict, law_id: str, law_name: str) -> ProvisionItem | None:
    title = clean(article.get("조제목"))
    number = clean(article.get("조번호"))
    if not title or not number or not number.isdigit():
        return None  # a chapter heading (제1장 총칙) listed among the articles
    key = article_key(number, clean(article.get("조가지번호")))
    heading = TITLE_HEADING.match(title)
    return ProvisionItem(
        id=f"{own_id(law_id)}/{key}", instrument_id=own_id(law_id), label=key.split("/", 1)[1],
        heading=heading.group(1) if heading else title, text=clean(article.get("조내용")), language="ko",
        url=law_page(law_name, article_title(key)), extent=None, in_force_status=None,
        valid_from=None, valid_to=None, source=SOURCE,
    )


def parse_search(response):
    """A lawSearch.do list. Depending on the request: the law a tracked name stands for
    (meta `resolve`), the versions of a tracked law (meta `history`), or candidates; or a
    list of precedents (`PrecSearch`)."""
    data = read_body(response)
    root = next(iter(data))
    if root == "PrecSearch":
        yield from parse_prec_search(data[root] if isinstance(data[root], dict) else {}, response)
        return
    if root != "LawSearch":
        raise ValueError(f"not a law.go.kr search reply (root {root!r}): {str(data)[:200]}")
    listing = data[root] if isinstance(data[root], dict) else {}
    laws = as_list(listing.get("law"))
    meta = response.meta
    if meta.get("resolve"):
        yield from resolve_tracked(laws, meta)
        return
    if meta.get("history"):
        yield from version_requests(laws, meta)
        return
    since = meta.get("since")
    for law in laws:
        law_id, name = clean(law.get("법령ID")), clean(law.get("법령명한글"))
        if not (law_id and name):
            continue
        published = iso_date(law.get("공포일자"))
        if since and published and published < since:
            continue
        yield CandidateItem(
            id=own_id(law_id), jurisdiction="KR", title=name, url=law_page(name),
            published=published, matched_query=meta.get("query"), source=SOURCE,
        )
    total, page = int(clean(listing.get("totalCnt")) or 0), int(clean(listing.get("page")) or 1)
    display = int((parse_qs(urlsplit(response.url).query).get("display") or [PAGE_SIZE])[0])
    if laws and page * display < total:
        params = {k: v[0] for k, v in parse_qs(urlsplit(response.url).query).items() if k != "OC"}
        params["page"] = str(page + 1)
        yield scrapy.Request(search_url(**params), meta={k: meta[k] for k in ("query", "since") if meta.get(k)})


def tracked_meta(meta) -> dict:
    return {k: meta[k] for k in ("instrument_id", "keys", "jurisdiction", "status") if meta.get(k) is not None}


def resolve_tracked(laws: list, meta):
    """The current version of the tracked law named in meta `resolve`: fetch it, and list its versions."""
    wanted = name_key(meta["resolve"])
    found = [law for law in laws if name_key(text_of(law.get("법령명한글"))) == wanted]
    if not found:
        raise ValueError(f"law.go.kr lists no law named {meta['resolve']!r} (the curated source_identifier)")
    current = next((law for law in found if clean(law.get("현행연혁코드")) in (None, "현행")), found[0])
    mst, law_id = clean(current.get("법령일련번호")), clean(current.get("법령ID"))
    context = tracked_meta(meta)
    # No `expects`: the address names one version (MST), so a 404 says nothing of the law.
    yield scrapy.Request(service_url(target="law", MST=mst, type="XML"),
                         meta={**context, "tracked": True, "version_status": "현행"})
    if law_id and meta.get("history", True) is not False:
        yield scrapy.Request(search_url(target="eflaw", LID=law_id, nw="1,2,3", display=str(PAGE_SIZE), type="XML"),
                             meta={**context, "history": True, "current_mst": mst, "since": meta.get("since")})


def version_requests(laws: list, meta):
    """Every other version of a tracked law, each fetched as of its effective date; texts
    of the provisions it asks for carry their own effective dates."""
    since = meta.get("since")
    for law in laws:
        mst, effective = clean(law.get("법령일련번호")), clean(law.get("시행일자"))
        if not mst or not effective or mst == meta.get("current_mst"):
            continue
        if since and (iso_date(effective) or "") < since:
            continue
        yield scrapy.Request(service_url(target="eflaw", MST=mst, efYd=effective, type="XML"),
                             meta={**tracked_meta(meta), "with_instrument": False,
                                   "version_status": clean(law.get("현행연혁코드"))})


# --------------------------------------------------------------------------- precedents (판례)


def prec_id(serial: str) -> str:
    return f"kr-prec-{serial}"


def prec_page(serial: str) -> str:
    return f"{PREC_PAGE}?{urlencode({'precSeq': serial})}"


def prec_search_url(query: str, jo: str | None = None, page: int | None = None) -> str:
    params = {"target": "prec", "search": "2", "query": query}
    if jo:
        params["JO"] = jo
    params.update({"sort": "ddes", "display": str(PAGE_SIZE), "type": "XML"})
    if page:
        params["page"] = str(page)
    return search_url(**params)


def prec_service_url(serial: str) -> str:
    return service_url(target="prec", ID=serial, type="XML")


def parse_prec_search(listing: dict, response):
    """A list of precedents: a request for each decision (given since meta `since`), then
    the next page while there are more."""
    meta = response.meta
    since = meta.get("since")
    precedents = as_list(listing.get("prec"))
    for entry in precedents:
        serial = clean(entry.get("판례일련번호")) or clean(entry.get("판례정보일련번호"))
        if not serial or not serial.isdigit():
            continue
        if clean(entry.get("데이터출처명")) in HTML_ONLY_SOURCES:
            continue  # served as HTML only: no XML text to read
        decided = iso_date(entry.get("선고일자"))
        if since and decided and decided < since:
            continue
        yield scrapy.Request(prec_service_url(serial), meta={"query": meta.get("query"),
                                                             "expects": ("case", prec_id(serial))})
    total, page = int(clean(listing.get("totalCnt")) or 0), int(clean(listing.get("page")) or 1)
    display = int((parse_qs(urlsplit(response.url).query).get("display") or [PAGE_SIZE])[0])
    if precedents and page * display < total:
        params = {k: v[0] for k, v in parse_qs(urlsplit(response.url).query).items() if k != "OC"}
        params["page"] = str(page + 1)
        yield scrapy.Request(search_url(**params), meta={k: meta[k] for k in ("query", "since") if meta.get(k)})


def rich_text(value) -> str | None:
    """A long precedent field: HTML fragments (`<br/>`, `<p>`) inside CDATA, as lines."""
    raw = text_of(value)
    if not raw.strip():
        return None
    if "<" in raw:
        raw = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>", "\n", raw)
        try:
            raw = lxml_html.fromstring(f"<div>{raw}</div>").text_content()
        except (ValueError, etree.LxmlError):
            raw = re.sub(r"<[^>]+>", "", raw)
    return clean(raw)


def reference_provisions(value) -> list[dict]:
    """참조조문 as cited legislation, one entry per numbered point ("[1] 형법 제30조 / [2] ...")."""
    text = rich_text(value)
    if not text:
        return []
    parts = re.split(r"\s*(?:\n|/)\s*(?=\[\d+\])|\n", text)
    entries = []
    for part in parts:
        part = re.sub(r"^\[\d+\]\s*", "", part.strip()).strip(" /")
        if part:
            entries.append({"title": part, "href": None})
    return entries


def parse_precedent(decision: dict, response):
    """One decision (`lawService.do?target=prec`): a CaseItem."""
    serial = clean(decision.get("판례정보일련번호")) or \
        (parse_qs(urlsplit(response.url).query).get("ID") or [None])[0]
    docket = clean(decision.get("사건번호"))
    if not serial or not docket:
        raise ValueError(f"law.go.kr precedent without 판례정보일련번호 or 사건번호 at {response.url}")
    court = clean(decision.get("법원명"))
    decided = iso_date(decision.get("선고일자"))
    # "판결 : 확정" (a judgment, final): the citation names the kind only.
    kind = clean((clean(decision.get("판결유형")) or "").split(":")[0])
    pronounced = clean(decision.get("선고")) or "선고"
    day = f"{int(decided[:4])}. {int(decided[5:7])}. {int(decided[8:])}." if decided else None
    # As Korean courts cite a decision: 대법원 2024. 5. 30. 선고 2024도1234 판결
    citation = " ".join(part for part in (court, day, pronounced if day else None, docket, kind) if part)
    sections = [("판시사항", rich_text(decision.get("판시사항"))), ("판결요지", rich_text(decision.get("판결요지"))),
                ("참조조문", rich_text(decision.get("참조조문"))), ("참조판례", rich_text(decision.get("참조판례")))]
    head = "\n\n".join(f"【{title}】\n{body}" for title, body in sections if body)
    text = "\n\n".join(part for part in (head, rich_text(decision.get("판례내용"))) if part)
    yield CaseItem(
        id=prec_id(serial),
        jurisdiction="KR",
        court=court,
        decision_date=decided,
        name=clean(decision.get("사건명")) or docket,
        citation=citation,
        url=prec_page(serial),
        language="ko",
        judges=[],
        text=text or None,
        cited_legislation=reference_provisions(decision.get("참조조문")),
        identifiers=[{"scheme": "DOCKET", "value": docket}],
        source=SOURCE,
    )


def case_id_for_url(url: str) -> str | None:
    """The id this spider gives the decision at a law.go.kr precedent page (None elsewhere)."""
    parts = urlsplit(url or "")
    if parts.netloc not in ("www.law.go.kr", "law.go.kr") or not parts.path.endswith("precInfoP.do"):
        return None
    serial = (parse_qs(parts.query).get("precSeq") or [""])[0]
    return prec_id(serial) if serial.isdigit() else None


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="law.go.kr Open API (National Law Information Center, Ministry of Government Legislation)",
    kind="legislation",
    base_url=OFFICIAL,
    alias_hosts=("law.go.kr",),
    licence="Korean statutes: not protected works (Copyright Act art. 7); API data under KOGL type 1",
    licence_url="https://www.kogl.or.kr/info/license.do",
    terms_url="https://open.law.go.kr/LSO/openApi/guideList.do",
    rate_limit_text="no published rate; traffic limits are set per registered user (OC)",
    rate_limit=(60, 60.0),
    quota_text="per registered user, set by the Ministry; we send at most 1,000 requests a run",
    run_quota=1000,
    download_delay=1.0,
    deadline_seconds=3600,
    auth=Auth.query_key(env="LAW_GO_KR_OC", param="OC"),
    parser_version="2",
    parser_meta=("current_mst", "history", "instrument_id", "keys", "resolve", "version_status", "with_instrument"),
    notes="DRF Open API: lawSearch.do and lawService.do, XML (JSON read too): statutes (target=law, eflaw) "
          "and precedents (target=prec). OC user id required.",
    # The spider takes a curated instrument's id from its tracked row: source_identifier
    # is the law's name, and law.go.kr's own 법령ID is only learnt from the search.
    curated_instrument_id=None,
    case_id_for_url=case_id_for_url,
)


class MaskOcInBodiesMiddleware(SecretsInBodiesMiddleware):
    """law.go.kr writes the caller's OC into the links of its replies (법령상세링크, as
    `lawService.do?OC=...&target=...`). An OC is a short user id that could also be a
    word of a law, so (unlike the project-wide masking of long keys) it is masked only
    as `OC=<value>` in a query, before the raw-response archive or a parser sees it (a
    downloader middleware of this spider only, between decompression (590) and the
    archive (585))."""

    ORDER = 588
    MIN_LENGTH = 1

    def mask(self, body: bytes, secret: bytes) -> bytes:
        pattern = re.compile(rb"([?&;]OC=)" + re.escape(secret) + rb"(?![\w.\-])")
        return pattern.sub(rb"\1***", body)


class LawGoKrSpider(SourceSpider):
    contract = DECLARATION

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares[f"{__name__}.MaskOcInBodiesMiddleware"] = MaskOcInBodiesMiddleware.ORDER
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")
    routes = [
        (r"^/DRF/lawService\.do$", parse_service),
        (r"^/DRF/lawSearch\.do$", parse_search),
    ]
    json_keys = {"법령": parse_service, "ThdCmpLawXService": parse_service, "PrecService": parse_service,
                 "LawSearch": parse_search, "PrecSearch": parse_search}
    root_elements = {"법령": parse_service, "PrecService": parse_service, "LawSearch": parse_search,
                     "PrecSearch": parse_search}

    def __init__(self, *args, history="yes", **kwargs):
        super().__init__(*args, **kwargs)
        self.history = history not in ("no", "false", "0")
        self.precedents_requested: set[str] = set()

    def parse(self, response):
        """`--limit` also caps the precedents requested (the searches list many)."""
        for result in super().parse(response):
            if isinstance(result, scrapy.Request) and "target=prec" in result.url and "lawService.do" in result.url:
                if self.limit is not None and len(self.precedents_requested) >= self.limit:
                    continue
                self.precedents_requested.add(result.url)
            yield result

    def tracked_requests(self):
        since = self.since_meta()
        count = 0
        for instrument in self.tracked:
            keys = [p["key"] for p in instrument.get("provisions") or [] if p.get("key")]
            if not keys:
                continue
            if self.limit is not None and count >= self.limit:
                break
            count += 1
            name = str(instrument["source_identifier"]).strip()
            yield self.request(
                search_url(target="law", query=name, display=str(PAGE_SIZE), type="XML"), tracked=True,
                resolve=name, instrument_id=instrument["id"], keys=keys, jurisdiction=instrument.get("jurisdiction"),
                status=instrument.get("status"), history=self.history, **since)

    def discovery_requests(self):
        for term in SEARCH_TERMS:
            yield self.request(search_url(target="law", search="2", query=term, display=str(PAGE_SIZE), type="XML"),
                               query=term, **self.since_meta())
        for query, jo in PREC_QUERIES:
            yield self.request(prec_search_url(query, jo), query=f"{jo} {query}" if jo else query, **self.since_meta())

