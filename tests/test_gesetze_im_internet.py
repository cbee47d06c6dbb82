"""gesetze-im-internet.de: the real captures, the zip's limits, and a crawl into SQLite."""

import io
import zipfile

import pytest
import scrapy
import sqlite_utils
from scrapy.http import Response, XmlResponse

from conftest import crawl, sample
from crawlers.crawling.middlewares import is_media_type, looks_like_media
from crawlers.items import CandidateItem, InstrumentItem, PageError, ProvisionItem
from crawlers.parsing import parse_file
from crawlers.sources import gesetze_im_internet as gii
from fixture_server import EXAMPLES, FixtureServer

STGB = (EXAMPLES / "gesetze_im_internet" / "stgb_excerpt.xml").read_bytes()
TRACKED = {"instruments": [{"id": "de-stgb-201a", "keys": ["§ 201a"], "jurisdiction": "DE", "status": "in_force"}]}


def zipped(members: dict, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def zip_response(body: bytes, meta=None, url="https://www.gesetze-im-internet.de/stgb/xml.zip"):
    return Response(url=url, body=body, request=scrapy.Request(url, meta=meta or {}))


# --- the real captures ---


def test_real_netzdg_document():
    path = sample("gesetze_im_internet", "BJNR335210017.xml")
    records = parse_file("gesetze_im_internet", path, "https://www.gesetze-im-internet.de/netzdg/BJNR335210017.xml")
    instrument = records[0]
    assert instrument["type"] == "instrument" and instrument["id"] == "de-netzdg"
    assert instrument["title"] == "Gesetz zur Verbesserung der Rechtsdurchsetzung in sozialen Netzwerken"
    assert instrument["date_enacted"] == "2017-09-01" and instrument["citation"] == "NetzDG"
    provisions = {r["label"]: r for r in records if r["type"] == "provision"}
    assert list(provisions) == ["§ 1", "(XXXX) §§ 2 bis 3f", "§ 4", "§ 4a", "§ 5", "§ 5a", "§ 6"]
    one = provisions["§ 1"]
    assert one["heading"] == "Anwendungsbereich, Begriffsbestimmungen" and one["language"] == "de"
    assert one["text"].startswith("(1) Dieses Gesetz gilt für Anbieter digitaler Dienste")
    assert "184b, 185 bis 187, 189, 201a" in one["text"] and one["text"].count("\n") == 4
    assert one["url"] == "https://www.gesetze-im-internet.de/netzdg/__1.html"
    assert one["valid_from"] is None  # GII gives the consolidated state only
    assert provisions["§ 5a"]["in_force_status"] == "repealed" and provisions["§ 5a"]["text"] is None
    assert provisions["(XXXX) §§ 2 bis 3f"]["in_force_status"] == "repealed"
    # A list keeps each number on the line of its entry.
    assert "\n1. gegen Anbieter, an die" in provisions["§ 6"]["text"]
    assert "\n2. gegen andere als in Nummer 1" in provisions["§ 6"]["text"]
    # Footnotes (the law's own "Textnachweis") are not provision text.
    assert not any("Textnachweis" in (p["text"] or "") for p in provisions.values())


def test_real_netzdg_document_zipped_as_the_site_serves_it():
    body = zipped({"BJNR335210017.xml": sample("gesetze_im_internet", "BJNR335210017.xml").read_bytes()})
    items = list(gii.parse_law_zip(zip_response(body, url="https://www.gesetze-im-internet.de/netzdg/xml.zip")))
    assert [i["label"] for i in items if isinstance(i, ProvisionItem)][0] == "§ 1"


def test_real_index_gives_candidates_on_the_subject_only():
    path = sample("gesetze_im_internet", "gii-toc.xml")
    records = parse_file("gesetze_im_internet", path, "https://www.gesetze-im-internet.de/gii-toc.xml")
    by_id = {r["id"]: r for r in records}
    assert all(r["type"] == "candidate" for r in records)
    assert {"de-kunsturhg", "de-netzdg", "de-ddg"} <= set(by_id)
    assert by_id["de-ddg"]["title"] == "Digitale-Dienste-Gesetz"  # the footnote mark dropped
    assert by_id["de-kunsturhg"]["url"] == "https://www.gesetze-im-internet.de/kunsturhg/"
    # "homosexueller" is not "sexuell": matching is at the start of a word.
    assert "de-strrehahomg" not in by_id and len(records) < 20


# --- tracked provisions ---


def test_one_law_serves_each_curated_instrument_its_own_provisions():
    meta = {"instruments": [{"id": "de-stgb-184b", "keys": ["§ 184b"]}, {"id": "de-stgb-201a", "keys": ["§ 201a"]}]}
    items = list(gii.parse_law_zip(zip_response(zipped({"BJNR001270871.xml": STGB}), meta)))
    provisions = [(i["instrument_id"], i["id"]) for i in items if isinstance(i, ProvisionItem)]
    assert provisions == [("de-stgb-184b", "de-stgb-184b/§ 184b"), ("de-stgb-201a", "de-stgb-201a/§ 201a")]
    assert [i["id"] for i in items if isinstance(i, InstrumentItem)] == ["de-stgb-184b", "de-stgb-201a"]


def test_a_tracked_provision_missing_from_the_law_is_a_tracked_failure():
    meta = {"instruments": [{"id": "de-stgb-201a", "keys": ["§ 201a", "§ 201c"]}]}
    items = list(gii.parse_law_zip(zip_response(zipped({"BJNR001270871.xml": STGB}), meta)))
    errors = [i for i in items if isinstance(i, PageError)]
    assert len(errors) == 1 and errors[0]["tracked"] and "§ 201c not found in stgb" in errors[0]["reason"]
    assert any(isinstance(i, ProvisionItem) and i["label"] == "§ 201a" for i in items)


def test_spider_asks_each_law_once_for_all_its_instruments():
    tracked = [
        {"id": "de-stgb-201a", "source_identifier": "stgb", "jurisdiction": "DE", "provisions": [{"key": "§ 201a"}]},
        {"id": "de-stgb-184b", "source_identifier": "stgb", "jurisdiction": "DE", "provisions": [{"key": "§ 184b"}]},
        {"id": "de-kunsturhg-22-33", "source_identifier": "kunsturhg", "jurisdiction": "DE",
         "provisions": [{"key": "§ 22"}, {"key": "§ 33"}, {"label": "no key"}]},
    ]
    spider = gii.GesetzeImInternetSpider(tracked=tracked)
    requests = list(spider.tracked_requests())
    assert [r.url for r in requests] == ["https://www.gesetze-im-internet.de/kunsturhg/xml.zip",
                                         "https://www.gesetze-im-internet.de/stgb/xml.zip"]
    assert all(r.meta["tracked"] for r in requests)
    assert [i["id"] for i in requests[1].meta["instruments"]] == ["de-stgb-201a", "de-stgb-184b"]
    assert requests[0].meta["instruments"][0]["keys"] == ["§ 22", "§ 33"]


# --- the zip's limits: refused with a reason, never extracted to disk ---


@pytest.mark.parametrize("body,reason", [
    (b"<html><body>Wartungsarbeiten</body></html>", "not a zip archive"),
    (b"", "not a zip archive"),
    (b"PK\x03\x04 broken", "broken zip archive"),
    (zipped({"a.xml": STGB, "b.xml": STGB}), "expected one XML member, found 2"),
    (zipped({}), "expected one XML member, found 0"),
    (zipped({"law.pdf": b"%PDF-1.4"}), "is not a plain XML file"),
    (zipped({"../../etc/x.xml": STGB}), "is not a plain XML file"),
    (zipped({"law.xml": b"%PDF-1.4 not xml"}), "is not XML"),
    (zipped({"bomb.xml": b"<" + b" " * 5_000_000}), "a zip bomb"),
])
def test_unreadable_or_hostile_zips_are_refused_with_a_reason(body, reason):
    with pytest.raises(gii.ZipRefused, match=reason):
        list(gii.parse_law_zip(zip_response(body)))


def test_declared_and_actual_sizes_are_both_capped():
    with pytest.raises(gii.ZipRefused, match="declares"):
        gii.read_single_xml(zipped({"law.xml": STGB}), limit=1000)
    # A member that declares less than it inflates to (a lying header) is stopped on reading.
    body = bytearray(zipped({"law.xml": STGB}, zipfile.ZIP_DEFLATED))
    name, data = gii.read_single_xml(bytes(body))
    assert name == "law.xml" and data == STGB
    lying = patch_declared_size(bytes(body), 100)
    with pytest.raises(gii.ZipRefused):
        gii.read_single_xml(lying, limit=len(STGB) // 2)


def patch_declared_size(body: bytes, size: int) -> bytes:
    """The zip with its member's uncompressed size (local header and central directory) set to `size`."""
    data = bytearray(body)
    local = data.find(b"PK\x03\x04")
    data[local + 22:local + 26] = size.to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    data[central + 24:central + 28] = size.to_bytes(4, "little")
    return bytes(data)


def test_encrypted_member_is_refused():
    body = bytearray(zipped({"law.xml": STGB}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = body.find(signature)
        body[at + offset] |= 0x1
    with pytest.raises(gii.ZipRefused, match="encrypted"):
        gii.read_single_xml(bytes(body))


def test_not_a_gii_document_is_an_error_not_emptiness():
    other = b"<?xml version='1.0'?><html><body/></html>"
    with pytest.raises(ValueError, match="not a GII document"):
        list(gii.parse_law_zip(zip_response(zipped({"x.xml": other}))))
    with pytest.raises(ValueError, match="without any <norm>"):
        list(gii.parse_law_zip(zip_response(zipped({"x.xml": b"<dokumente/>"}))))
    url = "https://www.gesetze-im-internet.de/gii-toc.xml"
    with pytest.raises(ValueError, match="no laws"):
        list(gii.parse_toc(XmlResponse(url=url, body=b"<items/>")))


def test_the_no_media_middleware_lets_a_zip_through_but_not_unlabelled_binaries():
    assert not is_media_type(b"application/zip") and not looks_like_media(zipped({"a.xml": STGB})[:16])
    assert is_media_type(b"application/octet-stream") and is_media_type(b"image/png")


# --- end to end: fixture server -> SQLite ---


def test_crawl_stores_the_tracked_provisions_with_their_german_text(built_db):
    with FixtureServer() as server:
        result = crawl(built_db, server, "gesetze_im_internet")
        asked = list(server.requests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert asked.count("/stgb/xml.zip") == 1 and "/kunsturhg/xml.zip" in asked and "/gii-toc.xml" in asked
    db = sqlite_utils.Database(built_db)
    rows = {r["id"]: r for r in db.query("SELECT * FROM provisions WHERE source = 'gesetze_im_internet'")}
    assert set(rows) == {"de-stgb-201a/§ 201a", "de-stgb-184b/§ 184b", "de-kunsturhg-22-33/§ 22",
                         "de-kunsturhg-22-33/§ 23", "de-kunsturhg-22-33/§ 33"}
    versions = {r["provision_id"]: r for r in db.query(
        "SELECT * FROM provision_versions WHERE provision_id LIKE 'de-%' AND superseded_at IS NULL")}
    section = versions["de-stgb-201a/§ 201a"]
    assert section["language"] == "de" and section["in_force_status"] == "in_force"
    assert "Bildaufnahme, die geeignet ist, dem Ansehen" in section["text"]
    assert section["valid_from"] is None
    assert "Einwilligung des Abgebildeten" in versions["de-kunsturhg-22-33/§ 22"]["text"]
    candidates = {r["id"] for r in db.query("SELECT id FROM candidate_instruments WHERE source = 'gesetze_im_internet'")}
    assert {"de-kunsturhg", "de-netzdg"} <= candidates
