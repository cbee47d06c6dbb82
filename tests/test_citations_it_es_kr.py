"""The Italian, Spanish and Korean citation patterns (issue 9) on realistic sentences, in
the styles courts and law.go.kr's 참조조문 write, each linked to the curated provision."""

import pytest

from crawlers.citations import Linker, extract, links_for
from crawlers.registry.curated import load, provision_id


@pytest.fixture(scope="module")
def linker() -> Linker:
    data = load()
    instruments = [{"id": i["id"], "jurisdiction": i["jurisdiction"], "title": i["title"],
                    "citation": i.get("citation")} for i in data.instruments]
    provisions = [{"id": provision_id(i["id"], p), "instrument_id": i["id"], "label": p["label"]}
                  for i in data.instruments for p in i.get("provisions") or []]
    return Linker(instruments, provisions)


def found(text, jurisdiction):
    return [(c.act, c.label) for c in extract(text, jurisdiction) if not c.act.startswith("EU:")]


def linked(linker, text, jurisdiction):
    links, _ = links_for(linker, extract(text, jurisdiction))
    return {(link["instrument_id"], link["provision_id"]) for link in links}


SENTENCES = [
    ("IT", "l'imputato è stato condannato per il reato di cui all'art. 612-ter c.p. per avere diffuso",
     {("it-cp-612-ter", "it-cp-612-ter/612-ter")}),
    ("IT", "integra il delitto previsto dall'art. 612 ter del codice penale la condotta di chi",
     {("it-cp-612-ter", "it-cp-612-ter/612-ter")}),
    ("IT", "ai sensi dell'art. 612-ter, comma 2, c.p., chi avendoli ricevuti li diffonde",
     {("it-cp-612-ter", "it-cp-612-ter/612-ter co. 2")}),
    ("IT", "la nuova fattispecie dell'art. 612-quater c.p. punisce la diffusione di contenuti generati",
     {("it-cp-612-quater", "it-cp-612-quater/612-quater")}),
    ("IT", "immagini virtuali ai sensi dell'art. 600-quater.1 cod. pen.",
     {("it-cp-600-quater-1", "it-cp-600-quater-1/600-quater.1")}),
    ("ES", "como autor de un delito de descubrimiento y revelación de secretos del artículo 197.7 del Código Penal",
     {("es-cp-197-7", "es-cp-197-7/a197")}),
    ("ES", "condenado por un delito del art. 189.1.a) del C.P. a la pena de", {("es-cp-189", "es-cp-189/a189")}),
    ("KR", "피고인의 행위는 성폭력범죄의 처벌 등에 관한 특례법 제14조의2 제1항에 해당한다",
     {("kr-scpsc-14-2", "kr-scpsc-14-2/14-2(1)")}),
    ("KR", "성폭력처벌법 제14조의3을 위반하여 촬영물을 이용하여 협박하였다",
     {("kr-scpsc-14-2", "kr-scpsc-14-2/article/14-3")}),
    ("KR", "아동·청소년의 성보호에 관한 법률 제11조의2 제1항", {(
        "kr-youth-sex-protection-act", "kr-youth-sex-protection-act/article/11-2")}),
    ("KR", "전기통신사업법 제22조의5에 따른 유통방지 조치", {("kr-telecom-business-act-22-5",
                                                  "kr-telecom-business-act-22-5/article/22-5")}),
]


@pytest.mark.parametrize("jurisdiction, text, expected", SENTENCES)
def test_each_sentence_links_to_the_curated_provision(linker, jurisdiction, text, expected):
    assert linked(linker, text, jurisdiction) == expected


def test_italian_forms():
    assert found("artt. 612-bis e 612-ter c.p.", "IT") == [("IT:codice penale", "612-bis"), ("IT:codice penale", "612-ter")]
    assert found("art. 612-ter, secondo comma, del codice penale", "IT") == [("IT:codice penale", "612-ter(2)")]
    assert found("Codice penale, art. 612-ter – Diffusione illecita", "IT") == [("IT:codice penale", "612-ter")]
    assert found("art. 144-bis del d.lgs. 30 giugno 2003, n. 196", "IT") == [("IT:dlgs 196/2003", "144-bis")]
    assert found("art. 572 c.p.p.", "IT") == [("IT:codice di procedura penale", "572")]
    # "c.p." must end the citation: "c.p.c." is another code, which we do not read.
    assert found("art. 612 c.p.c.", "IT") == []


def test_spanish_forms():
    assert found("art. 173 bis CP", "ES") == [("ES:código penal", "173bis")]
    assert found("arts. 197.7 y 189 CP", "ES") == [("ES:código penal", "197(7)"), ("ES:código penal", "189")]
    assert found("el artículo 197, apartado 7, del Código Penal", "ES") == [("ES:código penal", "197(7)")]
    assert found("tras la reforma de la Ley Orgánica 10/2022", "ES") == [("ES:lo 10/2022", None)]


def test_korean_reference_provisions_as_law_go_kr_writes_them():
    text = ("[1] 형법 제30조, 제37조 / [2] 구 성폭력범죄의 처벌 등에 관한 특례법(2020. 5. 19. 법률 제17264호로 "
            "개정되기 전의 것) 제14조의2 제1항, 제4항, 같은 법 제14조의3 제1항")
    citations = extract(text, "KR")
    assert [(c.act, c.label) for c in citations] == [
        ("KR:형법", "30"), ("KR:형법", "37"), ("KR:성폭력범죄의처벌등에관한특례법", "14-2(1)"),
        ("KR:성폭력범죄의처벌등에관한특례법", "14-2(4)"), ("KR:성폭력범죄의처벌등에관한특례법", "14-3(1)")]
    assert citations[2].span.startswith("구 성폭력범죄의") and citations[4].span == "같은 법 제14조의3 제1항"


def test_korean_same_article_names_the_article_cited_before():
    text = "성폭력범죄의 처벌 등에 관한 특례법 제14조의2 제1항의 '허위영상물'에 해당하는지 여부 [2] 같은 조 제2항의 '반포등'"
    assert found(text, "KR") == [("KR:성폭력범죄의처벌등에관한특례법", "14-2(1)"),
                                 ("KR:성폭력범죄의처벌등에관한특례법", "14-2(2)")]
    assert found("같은 조 제2항", "KR") == []  # nothing cited before: nothing to refer to


def test_korean_act_names_and_prose():
    assert found("피고인은 「성폭력범죄의 처벌 등에 관한 특례법」 제14조의2를", "KR") == [
        ("KR:성폭력범죄의처벌등에관한특례법", "14-2")]
    assert found("청소년성보호법 제2조제5호, 제11조", "KR") == [
        ("KR:아동청소년의성보호에관한법률", "2(5)"), ("KR:아동청소년의성보호에관한법률", "11")]
    # An article with no act before it, or a law named only "법률", names nothing.
    assert found("이 사건 제14조의2는", "KR") == [] and found("관한 법률 제3조", "KR") == []


def test_an_article_of_an_act_we_do_not_track_is_unresolved(linker):
    links, unresolved = links_for(linker, extract("형법 제30조", "KR"))
    assert links == [] and [(c.act, c.label) for c in unresolved] == [("KR:형법", "30")]
