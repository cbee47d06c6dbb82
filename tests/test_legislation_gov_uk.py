"""legislation.gov.uk parsers on the real captures in ../shared/samples (skipped when absent)."""

import time

from conftest import sample
from crawlers.parsing import parse_file
from crawlers.sources.legislation_gov_uk import LegislationGovUkSpider, provision_label

SOURCE = "legislation_gov_uk"


def by_type(records, kind):
    return [r for r in records if r["type"] == kind]


def test_single_section_of_a_revised_act():
    records = parse_file(SOURCE, sample(SOURCE, "ukpga-2000-8-section-91.xml"),
                         "https://www.legislation.gov.uk/ukpga/2000/8/section/91/data.xml")
    [instrument] = by_type(records, "instrument")
    assert instrument["id"] == "ukpga-2000-8"
    assert instrument["title"] == "Financial Services and Markets Act 2000"
    assert instrument["citation"] == "2000 c. 8"
    assert instrument["date_enacted"] == "2000-06-14"
    assert instrument["jurisdiction"] == "GB"
    [provision] = by_type(records, "provision")
    assert provision["id"] == "ukpga-2000-8/section/91"
    assert provision["label"] == "s. 91"
    assert provision["heading"] == "Penalties for breach of Part 6 rules"
    assert provision["text"].startswith("(1) If the FCA considers that—\n(a) an issuer of listed securities, or")
    assert provision["in_force_status"] == "in_force"
    assert provision["extent"] == "E+W+S+N.I."
    # Editorial commentaries are annotations, not law.
    assert "Words in s. 91" not in provision["text"]


def test_whole_act_quickly_with_prospective_sections_and_schedules():
    started = time.perf_counter()
    records = parse_file(SOURCE, sample(SOURCE, "ukpga-2023-29-2024-11-01.xml"),
                         "https://www.legislation.gov.uk/ukpga/2023/29/2024-11-01/data.xml")
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0, f"3 MB Act took {elapsed:.2f}s"
    [instrument] = by_type(records, "instrument")
    assert instrument["title"] == "Financial Services and Markets Act 2023"
    assert instrument["date_enacted"] == "2023-06-29"
    provisions = by_type(records, "provision")
    sections = [p for p in provisions if p["label"].startswith("s. ")]
    paragraphs = [p for p in provisions if p["label"].startswith("Sch. ")]
    assert len(sections) == 87 and len(paragraphs) == 395
    assert len({p["id"] for p in provisions}) == len(provisions)
    assert any(p["in_force_status"] == "prospective" for p in provisions)
    first = sections[0]
    assert first["id"] == "ukpga-2023-29/section/1"
    assert first["heading"].startswith("Revocation of assimilated law")
    assert first["text"].startswith("(1) The legislation referred to in Schedule 1 is revoked.")
    # Sections quoted inside amendments have no IdURI and are not provisions of this Act.
    assert all(p["id"].startswith("ukpga-2023-29/") for p in provisions)


def test_statutory_instrument_contents_only():
    records = parse_file(SOURCE, sample(SOURCE, "exampledoc.xml"),
                         "https://www.legislation.gov.uk/uksi/2015/1978/made/data.xml")
    [instrument] = by_type(records, "instrument")
    assert instrument["citation"] == "S.I. 2015/1978"
    assert instrument["kind"] == "regulation"
    assert instrument["date_enacted"] == "2015-12-07"
    provisions = by_type(records, "provision")
    assert [p["label"] for p in provisions] == [f"reg. {n}" for n in range(1, 7)]
    assert provisions[0]["heading"] == "Citation, commencement and effect"
    # Generated titles are the text's first words, not headings.
    assert provisions[1]["heading"] is None


def test_listing_feed_with_paging():
    records = parse_file(SOURCE, sample(SOURCE, "ukpga.feed"), "https://www.legislation.gov.uk/ukpga/data.feed")
    candidates = by_type(records, "candidate")
    assert len(candidates) == 20
    assert candidates[0] == {
        "type": "candidate", "id": "ukpga-2024-24", "jurisdiction": "GB", "title": "Budget Responsibility Act 2024",
        "url": "https://www.legislation.gov.uk/ukpga/2024/24", "published": "2024-09-10", "matched_query": None,
        "source": SOURCE,
    }
    assert by_type(records, "request") == [{"type": "request", "url": "https://www.legislation.gov.uk/ukpga/data.feed?page=2"}]


def test_new_legislation_feed_on_the_alias_host_and_since_date():
    url = "https://www.legislation.gov.uk/new/data.feed"
    records = parse_file(SOURCE, sample(SOURCE, "latest.feed"), url)
    assert len(by_type(records, "candidate")) == 20
    assert by_type(records, "request")[0]["url"].startswith("https://www.legislation.gov.uk/all/data.feed?")
    # Sorted by publication: an entry older than --since stops the paging.
    recent = parse_file(SOURCE, sample(SOURCE, "latest.feed"), url, {"since": "2015-12-16"})
    assert by_type(recent, "request") == []
    assert all(c["published"] >= "2015-12-16" for c in by_type(recent, "candidate"))


def test_labels():
    assert provision_label("section/66B") == "s. 66B"
    assert provision_label("schedule/7") == "Sch. 7"
    assert provision_label("schedule/2/paragraph/14") == "Sch. 2 para. 14"
    assert provision_label("regulation/3") == "reg. 3"


def test_mirror_urls_map_both_ways():
    spider = LegislationGovUkSpider(base_url="http://127.0.0.1:8999/mirror")
    official = "https://www.legislation.gov.uk/ukpga/2003/42/section/66B/data.xml"
    local = spider.to_download_url(official)
    assert local == "http://127.0.0.1:8999/mirror/ukpga/2003/42/section/66B/data.xml"
    assert spider.to_official_url(local) == official
    assert spider.to_download_url("http://legislation.data.gov.uk/all/data.feed?page=2") == \
        "http://127.0.0.1:8999/mirror/all/data.feed?page=2"


def test_regnal_year_acts():
    from crawlers.sources.legislation_gov_uk import instrument_id, item_key, year_label

    key = item_key("http://www.legislation.gov.uk/id/ukpga/Eliz2/7-8/66/section/1")
    assert key == ("ukpga", "Eliz2/7-8", "66")
    assert instrument_id(*key) == "ukpga-eliz2-7-8-66"
    assert year_label("Eliz2/7-8") == "7 & 8 Eliz. 2" and year_label("Vict/24-25") == "24 & 25 Vict."
    assert year_label("2003") == "2003"
