"""The one vocabulary every spider speaks, and the one definition of each item's fields.

Items are Scrapy `Item` classes with declared fields, so a typo in a field name
raises `KeyError` at the spider instead of silently creating a new column.
Each class maps to one table; `ITEM_TYPES` names them for `sii-atlas parse`
and for the store.

Each field says, in its declaration, what the rest of the code needs to know:
`required` (validation refuses the item without it), `provenance` (set by the
store, never by a spider) and `related` (a list stored in its own table, not a
column). Validation's required fields and the store's columns are derived from
these declarations (see `required_fields`, `column_fields`), and a test checks
that the schema's columns agree with them.

Spiders state what the page says and which source it came from; the store adds
`fetched_at` (when a changed version was last stored) and `content_hash`.
"""

import scrapy


def field(required: bool = False, provenance: bool = False, related: str | None = None) -> scrapy.Field:
    return scrapy.Field(required=required, provenance=provenance, related=related)


# Each entry of the list fields below is a dict with these keys:
#   identifiers: {"scheme": ECLI | ELI | CELEX | LEGIARTI | BWBR | USLM | NEUTRAL | ..., "value": "..."}
#   links:       {"relation": amends | repeals | transposes, "target": instrument id}
#   actions:     {"date": "YYYY-MM-DD", "action": one of BILL_ACTIONS, "wording": the source's own words}
#   sponsors:    {"name": "...", "party": "D" or None, "role": one of SPONSOR_ROLES,
#                 "classification": the source's own word ("sponsor", "author", "cosponsor")}
#   citations:   {"instrument_id": "...", "provision_id": "..." or None, "span": the matched text}


class InstrumentItem(scrapy.Item):
    id = field(required=True)
    jurisdiction = field(required=True)
    title = field(required=True)
    citation = field()
    kind = field()
    status = field()
    date_enacted = field()
    date_in_force = field()
    official_url = field(required=True)
    language = field()
    # What the source says about where the instrument applies ("E+W+S+N.I.").
    extent = field()
    source = field(required=True)
    parser_version = field(provenance=True)
    fetched_at = field(provenance=True)
    content_hash = field(provenance=True)
    identifiers = field(related="identifiers")
    links = field(related="instrument_links")


class ProvisionItem(scrapy.Item):
    id = field(required=True)
    instrument_id = field(required=True)
    label = field(required=True)
    heading = field()
    text = field()
    # The language of this text (ISO 639-1): a provision published in several
    # languages is one provision with one text per language.
    language = field()
    url = field(required=True)
    extent = field()
    # in_force | prospective | repealed, as the source marks it.
    in_force_status = field()
    # The dates between which the text shown applies, as the source states them
    # (legislation.gov.uk RestrictStartDate / RestrictEndDate); not when we saw it.
    valid_from = field()
    valid_to = field()
    source = field(required=True)
    parser_version = field(provenance=True)
    fetched_at = field(provenance=True)
    content_hash = field(provenance=True)
    identifiers = field(related="identifiers")


class CaseItem(scrapy.Item):
    id = field(required=True)
    jurisdiction = field(required=True)
    court = field()
    decision_date = field()
    name = field(required=True)
    citation = field()
    url = field(required=True)
    language = field()
    judges = field()  # list of names
    text = field()
    cited_legislation = field()  # list of {"title", "href"}
    source = field(required=True)
    parser_version = field(provenance=True)
    fetched_at = field(provenance=True)
    content_hash = field(provenance=True)
    identifiers = field(related="identifiers")
    citations = field(related="case_citations")


class BillItem(scrapy.Item):
    id = field(required=True)
    jurisdiction = field(required=True)
    identifier = field(required=True)
    session = field()
    title = field()
    status = field()
    status_date = field()
    url = field(required=True)
    # What the bill does, in the words of its official summary (CRS, the legislature's
    # abstract): plain text, the latest summary the source gives.
    summary = field()
    # The source's subject terms (a list of names, stored as JSON), e.g. congress.gov's
    # policy area first, then its legislative subjects.
    subjects = field()
    source = field(required=True)
    parser_version = field(provenance=True)
    fetched_at = field(provenance=True)
    content_hash = field(provenance=True)
    identifiers = field(related="identifiers")
    actions = field(related="bill_actions")
    # In a table of their own (one row a sponsor), so a sponsor's bills are one query.
    sponsors = field(related="bill_sponsors")


class CandidateItem(scrapy.Item):
    """An instrument a discovery feed turned up: kept apart for a person to review,
    never mixed into the tracked instruments."""

    id = field(required=True)
    jurisdiction = field()
    title = field(required=True)
    url = field(required=True)
    published = field()
    matched_query = field()
    source = field(required=True)
    parser_version = field(provenance=True)
    fetched_at = field(provenance=True)
    content_hash = field(provenance=True)


class MonitoringDocumentItem(scrapy.Item):
    """A treaty-monitoring body's document, or one section of it (HUDOC holds GREVIO's
    reports section by section): linked to the treaty it monitors (`instrument_id`, a
    curated instrument id) and to the state it concerns (`state_code`, ISO 3166-1
    alpha-2, as `jurisdictions.code`; empty for a general text)."""

    id = field(required=True)
    body = field(required=True)  # the monitoring body ("GREVIO")
    instrument_id = field(required=True)
    kind = field()  # one of vocabulary.MONITORING_DOCUMENT_KINDS
    state = field()  # the state's name as the source writes it
    state_code = field()
    document = field(required=True)  # the source's key of the whole document
    title = field(required=True)  # the whole document's title
    section = field()  # this section's number in the document (0: its opening)
    sections = field()  # how many sections the document has, when the source says
    heading = field()
    published = field()
    language = field()
    text = field()
    url = field(required=True)
    source = field(required=True)
    parser_version = field(provenance=True)
    fetched_at = field(provenance=True)
    content_hash = field(provenance=True)


ITEM_TYPES = {
    InstrumentItem: "instrument",
    ProvisionItem: "provision",
    CaseItem: "case",
    BillItem: "bill",
    CandidateItem: "candidate",
    MonitoringDocumentItem: "monitoring_document",
}
ITEM_CLASSES = {name: cls for cls, name in ITEM_TYPES.items()}


def item_type(item) -> str:
    return ITEM_TYPES[type(item)]


def required_fields(kind: str) -> tuple[str, ...]:
    return tuple(name for name, meta in ITEM_CLASSES[kind].fields.items() if meta.get("required"))


def column_fields(kind: str) -> tuple[str, ...]:
    """The fields stored as columns of the item's table (provenance included)."""
    return tuple(name for name, meta in ITEM_CLASSES[kind].fields.items() if not meta.get("related"))


def related_fields(kind: str) -> dict[str, str]:
    """List fields stored in their own tables: field name -> table."""
    return {name: meta["related"] for name, meta in ITEM_CLASSES[kind].fields.items() if meta.get("related")}


class PageError(scrapy.Item):
    """Not data: a page that failed, yielded by errbacks so the store records it."""

    url = scrapy.Field()
    status = scrapy.Field()
    kind = scrapy.Field()  # http | download | refused | ignored (see sources.spider.on_error)
    reason = scrapy.Field()
    # True when the failed request was for a document we track (not a listing or a
    # discovery feed): the run's `tracked_failed` counts these.
    tracked = scrapy.Field()
    # Set when the source says the document is withdrawn (a judgment pulled for
    # anonymisation, HTTP 410): the store marks that row gone and drops its text.
    gone_type = scrapy.Field()  # an item type: "case", "provision", "instrument", "bill"
    gone_id = scrapy.Field()
