"""The one vocabulary every spider speaks.

Items are Scrapy `Item` classes with declared fields, so a typo in a field name
raises `KeyError` at the spider instead of silently creating a new column.
Each class maps to one table; `ITEM_TYPES` names them for `sii-atlas parse`
and for the store.

Spiders state what the page says and which source it came from; the store adds
`fetched_at` (when a changed version was last stored) and `content_hash`.
"""

import scrapy


class InstrumentItem(scrapy.Item):
    # Core fields (names fixed by the data model).
    id = scrapy.Field()
    jurisdiction = scrapy.Field()
    title = scrapy.Field()
    citation = scrapy.Field()
    kind = scrapy.Field()
    status = scrapy.Field()
    date_enacted = scrapy.Field()
    date_in_force = scrapy.Field()
    official_url = scrapy.Field()
    language = scrapy.Field()
    # What the source says about where the instrument applies ("E+W+S+N.I.").
    extent = scrapy.Field()
    source = scrapy.Field()
    fetched_at = scrapy.Field()
    content_hash = scrapy.Field()


class ProvisionItem(scrapy.Item):
    id = scrapy.Field()
    instrument_id = scrapy.Field()
    label = scrapy.Field()
    heading = scrapy.Field()
    text = scrapy.Field()
    language = scrapy.Field()
    url = scrapy.Field()
    extent = scrapy.Field()
    # in_force | prospective | repealed, as the source marks it.
    in_force_status = scrapy.Field()
    # The date from which the text shown applies (legislation.gov.uk RestrictStartDate).
    valid_from = scrapy.Field()
    source = scrapy.Field()
    fetched_at = scrapy.Field()
    content_hash = scrapy.Field()


class CaseItem(scrapy.Item):
    id = scrapy.Field()
    jurisdiction = scrapy.Field()
    court = scrapy.Field()
    decision_date = scrapy.Field()
    name = scrapy.Field()
    citation = scrapy.Field()
    url = scrapy.Field()
    language = scrapy.Field()
    judges = scrapy.Field()  # list of names
    text = scrapy.Field()
    cited_legislation = scrapy.Field()  # list of {"title", "href"}
    source = scrapy.Field()
    fetched_at = scrapy.Field()
    content_hash = scrapy.Field()


class BillItem(scrapy.Item):
    id = scrapy.Field()
    jurisdiction = scrapy.Field()
    identifier = scrapy.Field()
    session = scrapy.Field()
    title = scrapy.Field()
    status = scrapy.Field()
    status_date = scrapy.Field()
    url = scrapy.Field()
    source = scrapy.Field()
    fetched_at = scrapy.Field()
    content_hash = scrapy.Field()


class CandidateItem(scrapy.Item):
    """An instrument a discovery feed turned up: kept apart for a person to review,
    never mixed into the tracked instruments."""

    id = scrapy.Field()
    jurisdiction = scrapy.Field()
    title = scrapy.Field()
    url = scrapy.Field()
    published = scrapy.Field()
    matched_query = scrapy.Field()
    source = scrapy.Field()
    fetched_at = scrapy.Field()
    content_hash = scrapy.Field()


ITEM_TYPES = {
    InstrumentItem: "instrument",
    ProvisionItem: "provision",
    CaseItem: "case",
    BillItem: "bill",
    CandidateItem: "candidate",
}


def item_type(item) -> str:
    return ITEM_TYPES[type(item)]


class PageError(scrapy.Item):
    """Not data: a page that failed, yielded by errbacks so the store records it."""

    url = scrapy.Field()
    status = scrapy.Field()
    kind = scrapy.Field()  # http | download | refused | ignored (see sources.spider.on_error)
    reason = scrapy.Field()
    # A curated document the crawl was asked to fetch: its failure fails the crawl.
    tracked = scrapy.Field()
    # When a known document answers 404 or 410: the stored record that is gone.
    gone_type = scrapy.Field()
    gone_id = scrapy.Field()
