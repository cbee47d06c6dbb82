"""law.go.kr: the thdCmp parser on the one real capture, both shapes of the API's lists,
faults, and a crawl from the fixture server with a fake OC that must be stored nowhere."""

import json
import sqlite3
import zlib

import pytest
import scrapy
import sqlite_utils
from conftest import archive_of, crawl, sample, sii_atlas
from scrapy.http import TextResponse

from crawlers.parsing import parse_file
from crawlers.sources.law_go_kr import as_list, parse_search, parse_service
from fixture_server import FixtureServer, route

THREE_TIER_URL = "https://www.law.go.kr/DRF/lawService.do?target=thdCmp&ID=001556&type=JSON"


def response(body, url="https://www.law.go.kr/DRF/lawService.do?target=law&MST=1&type=XML", **meta):
    body = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return TextResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta=meta))


# --- the real capture (../shared/samples/law_go_kr), skipped where absent ---


def test_real_three_tier_comparison_gives_the_act_and_the_decree_articles():
    records = parse_file("law_go_kr", sample("law_go_kr", "three-tier-citation.json"), THREE_TIER_URL)
    instruments = [r for r in records if r["type"] == "instrument"]
    assert [(i["id"], i["title"], i["kind"]) for i in instruments] == [
        ("kr-law-001556", "관세법", "statute"), ("kr-law-002421", "관세법 시행령", "regulation")]
    assert instruments[0]["citation"] == "법률 제21490호"
    provisions = {r["id"]: r for r in records if r["type"] == "provision"}
    # Chapter headings (제1장 총칙, 제1절 통칙) listed among the articles are not articles.
    assert [k for k in provisions if k.startswith("kr-law-001556/")] == [
        "kr-law-001556/article/1", "kr-law-001556/article/2", "kr-law-001556/article/3", "kr-law-001556/article/4"]
    first = provisions["kr-law-001556/article/1"]
    assert first["heading"] == "목적" and first["language"] == "ko" and first["label"] == "1"
    assert first["text"].startswith("이 법은 관세의 부과ㆍ징수")
    # 시행령조문목록.시행령조문 came as ONE object, not a list: its article is still read.
    decree = provisions["kr-law-002421/article/1-2"]
    assert decree["heading"] == "체납된 내국세등의 세무서장 징수"
    assert decree["url"] == "https://www.law.go.kr/법령/관세법시행령/제1조의2"


# --- both shapes of a list ---


def test_a_list_field_reads_the_same_as_one_object_or_as_a_list():
    assert as_list(None) == [] and as_list("") == []
    assert as_list({"a": 1}) == [{"a": 1}] and as_list([{"a": 1}, {"a": 2}]) == [{"a": 1}, {"a": 2}]


def law_json(units, paragraphs_as_object=False):
    return {"법령": {"기본정보": {"법령ID": "999001", "법령명_한글": "성폭력범죄의 처벌 등에 관한 특례법",
                               "법종구분": {"법종구분코드": "A0002", "content": "법률"}, "공포번호": "20459",
                               "시행일자": "20241016"},
                   "조문": {"조문단위": units}}}


def test_json_law_with_one_article_and_one_paragraph_as_objects():
    unit = {"조문번호": "14", "조문가지번호": "2", "조문여부": "조문", "조문제목": "허위영상물 등의 반포등",
            "조문내용": "제14조의2(허위영상물 등의 반포등)",
            "항": {"항번호": "①", "항내용": ["① 첫째 줄", "둘째 줄"],
                  "호": [{"호내용": "1. 가"}, {"호내용": "2. 나", "목": {"목내용": "가. 다"}}]}}
    records = list(parse_service(response(law_json(unit))))
    instrument, article = records
    assert instrument["citation"] == "법률 제20459호" and instrument["id"] == "kr-law-999001"
    assert article["id"] == "kr-law-999001/article/14-2"
    assert article["text"] == "제14조의2(허위영상물 등의 반포등)\n① 첫째 줄\n둘째 줄\n1. 가\n2. 나\n가. 다"
    # No 조문시행일자 on the article: the version's 시행일자 dates it.
    assert article["valid_from"] == "2024-10-16"


def test_a_deleted_article_is_stored_as_repealed_and_a_future_version_as_prospective():
    unit = {"조문번호": "14", "조문가지번호": "4", "조문여부": "조문", "조문내용": "제14조의4 삭제 <2020. 5. 19.>",
            "조문시행일자": "20200519"}
    (_, deleted), = [list(parse_service(response(law_json([unit]))))]
    assert deleted["in_force_status"] == "repealed"
    future = {"조문번호": "2", "조문여부": "조문", "조문내용": "제2조(정의) 새 정의", "조문시행일자": "20990101"}
    (item,) = parse_service(response(law_json([future]), with_instrument=False, version_status="시행예정"))
    assert item["in_force_status"] == "prospective" and item["valid_from"] == "2099-01-01"


def test_tracked_name_matches_whatever_middle_dot_and_spacing_law_go_kr_uses():
    listing = {"LawSearch": {"totalCnt": "1", "page": "1", "law": {
        "법령일련번호": "900011", "현행연혁코드": "현행", "법령명한글": "아동ㆍ청소년의 성보호에 관한 법률", "법령ID": "999002",
        "법령상세링크": "/DRF/lawService.do?OC=someone&target=law&MST=900011&type=HTML"}}}
    requests = list(parse_search(response(listing, "https://www.law.go.kr/DRF/lawSearch.do?target=law&type=JSON",
                                          resolve="아동·청소년의성보호에 관한 법률", instrument_id="kr-youth",
                                          keys=["article/11-2"])))
    assert [r.url for r in requests] == [
        "https://www.law.go.kr/DRF/lawService.do?target=law&MST=900011&type=XML",
        "https://www.law.go.kr/DRF/lawSearch.do?target=eflaw&LID=999002&nw=1%2C2%2C3&display=100&type=XML"]
    assert all("OC" not in r.url for r in requests)  # the API's own links carry the caller's OC
    assert requests[0].meta["tracked"] and requests[0].meta["instrument_id"] == "kr-youth"


def test_a_tracked_name_law_go_kr_does_not_list_is_an_error():
    listing = {"LawSearch": {"totalCnt": "0", "page": "1"}}
    with pytest.raises(ValueError, match="no law named"):
        list(parse_search(response(listing, "https://www.law.go.kr/DRF/lawSearch.do?target=law", resolve="없는 법")))


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><body>error</body></html>", "HTML"),
    (b"{not json", "not valid JSON"),
    (b'{"result": "fail", "msg": "OC mismatch"}', "single root|unknown law.go.kr reply"),
    ('{"Law": "사용자 정보 검증에 실패하였습니다."}'.encode(), "unknown law.go.kr reply"),
    (b"<?xml version='1.0'?><error><msg>bad</msg></error>", "unknown law.go.kr reply"),
])
def test_bad_replies_raise_a_clear_error(body, message):
    with pytest.raises(ValueError, match=message):
        list(parse_service(response(body)))


# --- the crawl ---

FAKE_OC = "oc-secret-7f3a91"


def echo_the_oc(handler, method, path, query):
    """Answer as the real API does: its detail links carry the caller's OC."""
    status, content_type, body = route(path, query, method)
    oc = (query.get("OC") or [""])[0]
    return status, content_type, body.replace("OC=test&".encode(), f"OC={oc}&".encode()), {}


def archived_bodies(db) -> bytes:
    archive = sqlite3.connect(archive_of(db))
    try:
        return b"".join(zlib.decompress(row[0]) for row in archive.execute("SELECT compressed FROM bodies"))
    finally:
        archive.close()


def test_crawl_stores_korean_articles_with_their_versions_and_never_the_oc(built_db):
    with FixtureServer(hook=echo_the_oc) as server:
        result = crawl(built_db, server, "law_go_kr", env={"LAW_GO_KR_OC": FAKE_OC})
    assert result.returncode == 0, result.stdout + result.stderr
    sent = [r for r in server.requests if r.startswith("/DRF/")]
    assert sent and all(f"OC={FAKE_OC}" in r for r in sent)  # the key went to the API...
    db = sqlite_utils.Database(built_db)
    versions = list(db.query("SELECT * FROM provision_versions WHERE provision_id = 'kr-scpsc-14-2/article/14-2' "
                             "ORDER BY valid_from"))
    assert [(v["language"], v["valid_from"]) for v in versions] == [("ko", "2020-06-25"), ("ko", "2024-10-16")]
    assert "반포등을 할 목적으로" in versions[0]["text"] and "소지ㆍ구입ㆍ저장 또는 시청한 자" in versions[1]["text"]
    assert versions[0]["valid_to"] == "2024-10-16" and versions[1]["superseded_at"] is None
    youth = db["provisions"].get("kr-youth-sex-protection-act/article/11-2")
    assert youth["language"] == "ko" and "아동ㆍ청소년성착취물을 이용하여" in youth["text"]
    candidates = {row["id"]: row for row in db.query("SELECT * FROM candidate_instruments WHERE source = 'law_go_kr'")}
    assert candidates["kr-law-999021"]["matched_query"] == "딥페이크"
    # The two laws curated today, found by their names: the state's deletion support and
    # the platforms' duty, each article stored with its Korean text.
    support = db["provisions"].get("kr-sexual-violence-prevention-act-2024/article/7-3")
    assert support["language"] == "ko" and "삭제를 위한 지원" in support["text"]
    duty = db["provisions"].get("kr-telecom-business-act-22-5/article/22-5")
    assert duty["heading"] == "부가통신사업자의 불법촬영물등 유통방지" and "접속차단" in duty["text"]
    # ...and nowhere else: not the database, not the archive, not the log.
    for path in (built_db, archive_of(built_db)):
        assert FAKE_OC.encode() not in path.read_bytes(), path
    bodies = archived_bodies(built_db)  # compressed: a byte search alone would not see it
    assert "법령상세링크".encode() in bodies and b"OC=***&" in bodies and FAKE_OC.encode() not in bodies
    assert FAKE_OC not in result.stderr and FAKE_OC not in result.stdout
    # Precedents: the two decisions the searches list (not the HTML-only tax decision),
    # linked by their 참조조문 and text to the tracked provisions of the 성폭력처벌법.
    cases = {row["id"]: row for row in db.query("SELECT * FROM cases WHERE source = 'law_go_kr'")}
    assert set(cases) == {"kr-prec-900101", "kr-prec-900102"}
    assert cases["kr-prec-900101"]["court"] == "대법원" and cases["kr-prec-900101"]["decision_date"] == "2025-03-13"
    assert not any("ID=900103" in r for r in server.requests)  # HTML only: never asked for
    links = set(db.execute("SELECT case_id, provision_id FROM case_citations WHERE case_id LIKE 'kr-prec-%'").fetchall())
    assert {("kr-prec-900101", "kr-scpsc-14-2/14-2(1)"), ("kr-prec-900101", "kr-scpsc-14-2/14-2(2)"),
            ("kr-prec-900102", "kr-scpsc-14-2/14-2(1)"), ("kr-prec-900102", "kr-scpsc-14-2/14-2(2)")} <= links
    relinked = sii_atlas(built_db, "link-citations")
    assert relinked.returncode == 0, relinked.stderr
    assert set(db.execute("SELECT case_id, provision_id FROM case_citations WHERE case_id LIKE 'kr-prec-%'").fetchall()) == links


def test_without_the_oc_the_source_is_skipped(built_db):
    result = sii_atlas(built_db, "crawl", "law_go_kr", "--base-url", "http://127.0.0.1:9", env={"LAW_GO_KR_OC": ""})
    assert "law_go_kr: skipped" in result.stderr


# --- precedents (판례) ---

PREC_URL = "https://www.law.go.kr/DRF/lawService.do?target=prec&ID=900101&type=XML"


def test_an_unknown_precedent_is_an_error_not_an_empty_result():
    body = '<?xml version="1.0" encoding="utf-8"?><Law>일치하는 판례가 없습니다.  판례명을 확인하여 주십시오.</Law>'.encode()
    with pytest.raises(ValueError, match="일치하는 판례가 없습니다"):
        list(parse_service(response(body, PREC_URL)))


def test_a_json_precedent_reads_like_the_xml_one():
    decision = {"PrecService": {"판례정보일련번호": "900101", "사건명": "성폭력범죄의처벌등에관한특례법위반(허위영상물편집·반포등)",
                                "사건번호": "2099도99901", "선고일자": "20250313", "법원명": "대법원", "판결유형": "판결",
                                "참조조문": "성폭력범죄의 처벌 등에 관한 특례법 제14조의2 제1항", "판례내용": "【주    문】<br/>상고를 기각한다."}}
    (case,) = parse_service(response(decision, PREC_URL))
    assert case["id"] == "kr-prec-900101" and case["citation"] == "대법원 2025. 3. 13. 선고 2099도99901 판결"
    assert case["text"].endswith("【주 문】\n상고를 기각한다.")
    assert case["cited_legislation"] == [{"title": "성폭력범죄의 처벌 등에 관한 특례법 제14조의2 제1항", "href": None}]


def test_a_precedent_without_its_docket_is_an_error():
    with pytest.raises(ValueError, match="사건번호"):
        list(parse_service(response({"PrecService": {"판례정보일련번호": "1", "사건명": "x"}}, PREC_URL)))


def test_precedent_search_pages_and_keeps_to_since():
    listing = {"PrecSearch": {"totalCnt": "3", "page": "1", "prec": [
        {"판례일련번호": "11", "선고일자": "2025.01.02"}, {"판례일련번호": "12", "선고일자": "2019.12.31"}]}}
    url = "https://www.law.go.kr/DRF/lawSearch.do?target=prec&search=2&query=x&display=2&type=XML"
    requests = list(parse_search(response(listing, url, query="x", since="2020-01-01")))
    assert [r.url for r in requests] == [
        "https://www.law.go.kr/DRF/lawService.do?target=prec&ID=11&type=XML",
        "https://www.law.go.kr/DRF/lawSearch.do?target=prec&search=2&query=x&display=2&type=XML&page=2"]
    assert requests[0].meta["expects"] == ("case", "kr-prec-11") and requests[1].meta["since"] == "2020-01-01"


def test_a_precedent_page_url_names_the_crawled_case():
    from crawlers.sources.law_go_kr import case_id_for_url

    assert case_id_for_url("https://www.law.go.kr/LSW/precInfoP.do?precSeq=900101") == "kr-prec-900101"
    assert case_id_for_url("https://www.law.go.kr/법령/형법") is None


def test_discovery_asks_for_precedents_on_the_subject_and_by_reference_law():
    from urllib.parse import parse_qs, urlsplit

    from crawlers.sources.law_go_kr import LawGoKrSpider

    spider = LawGoKrSpider(since="2024-01-01")
    queries = [parse_qs(urlsplit(r.url).query) for r in spider.discovery_requests()]
    precedents = [q for q in queries if q["target"] == ["prec"]]
    assert [(q["query"][0], q.get("JO", [None])[0]) for q in precedents] == [
        ("허위영상물", None), ("딥페이크", None), ("제14조의2", "성폭력범죄의 처벌 등에 관한 특례법")]
    assert all(q["search"] == ["2"] and q["sort"] == ["ddes"] and "OC" not in q for q in precedents)
