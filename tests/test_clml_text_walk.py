"""The text walks of the CLML and judgment parsers: same text as before they were
made fast, and no tree or reference cycle left behind.

Speed itself is measured by benchmarks/clml_parse.py, not here (timings on a shared
machine make flaky tests).
"""

import gc
import hashlib
from pathlib import Path

import pytest
from conftest import sample
from lxml import etree

from crawlers.items import ProvisionItem
from crawlers.parsing import parse_file, response_from_file
from crawlers.sources.legislation_gov_uk import parse_document

SOURCE = "legislation_gov_uk"
EXAMPLES = Path(__file__).parent / "examples" / SOURCE
WHOLE_ACT_URL = "https://www.legislation.gov.uk/asp/2030/9/data.xml"
#: Every provision text of the 3 MB Act as the recursive walk wrote it, hashed; a
#: change here means the text changed, not just the speed.
ACT_2023_29_TEXTS_SHA256 = "99e3b36921083f8ff8f6e947574d5b51e42cd6f975da951d71966bed2b039626"


def elements_of(root_id: str) -> list:
    """Every live lxml element whose document is the one with this IdURI."""
    return [obj for obj in gc.get_objects()
            if isinstance(obj, etree._Element) and obj.getroottree().getroot().get("IdURI") == root_id]


def test_parsing_leaves_no_element_tree_alive_without_the_garbage_collector():
    # lxml elements take no weak references; with the collector off, any element
    # still reachable after the parse (a reference cycle, a cache, an item holding
    # one) shows up among the live objects and keeps its whole document in memory.
    path = EXAMPLES / "intimate-images-act-whole.xml"
    root_id = etree.parse(str(path)).getroot().get("IdURI")
    gc.collect()
    gc.disable()
    try:
        assert elements_of(root_id) == []
        response = response_from_file(path, WHOLE_ACT_URL)
        records = list(parse_document(response))
        del response
        assert elements_of(root_id) == []
    finally:
        gc.enable()
    assert any(isinstance(r, ProvisionItem) and r["text"] for r in records)


@pytest.mark.parametrize("source,name,url", [
    (SOURCE, "intimate-images-act-whole.xml", WHOLE_ACT_URL),
    # Find Case Law's body text had the same self-calling closure (holding its text).
    ("find_case_law", "judgment_2023_schema.xml", "https://caselaw.nationalarchives.gov.uk/uksc/2023/1/data.xml"),
])
def test_parsers_make_no_reference_cycles(source, name, url):
    path = EXAMPLES.parent / source / name
    parse_file(source, path, url)  # first use: imports and caches
    gc.collect()
    gc.disable()
    try:
        records = parse_file(source, path, url)
        assert gc.collect() == 0, "the parse left reference cycles for the garbage collector"
    finally:
        gc.enable()
    assert any(r.get("text") for r in records)


def test_comments_and_processing_instructions_leave_the_text_around_them(tmp_path):
    body = b"""<?xml version="1.0"?>
<Legislation xmlns="http://www.legislation.gov.uk/namespaces/legislation"
    IdURI="http://www.legislation.gov.uk/id/ukpga/2031/4"><Primary><Body>
<P1group><Title>Heading<!-- editor's note --></Title>
<P1 IdURI="http://www.legislation.gov.uk/id/ukpga/2031/4/section/1"><Pnumber>1</Pnumber>
<P1para><Text>Words <!-- a comment -->kept<?pi ignored?> whole, <Emphasis>inline<!--x--></Emphasis> too.</Text></P1para>
<P1para><Text>(a)</Text>
<!-- between -->
<Text>joins its text</Text></P1para>
</P1></P1group></Body></Primary></Legislation>"""
    path = tmp_path / "data.xml"
    path.write_bytes(body)
    [provision] = [item for item in parse_document(response_from_file(path, "https://www.legislation.gov.uk/ukpga/2031/4/data.xml"))
                   if isinstance(item, ProvisionItem)]
    assert provision["heading"] == "Heading"
    assert provision["text"] == "Words kept whole, inline too.\n(a) joins its text"


def test_whole_act_text_is_unchanged():
    records = parse_file(SOURCE, sample(SOURCE, "ukpga-2023-29-2024-11-01.xml"),
                         "https://www.legislation.gov.uk/ukpga/2023/29/2024-11-01/data.xml")
    texts = [r["text"] or "" for r in records if r["type"] == "provision"]
    assert len(texts) == 482
    assert hashlib.sha256("\x1e".join(texts).encode()).hexdigest() == ACT_2023_29_TEXTS_SHA256
