"""Atom feeds (RFC 4287) of new and changed laws, provision texts, court decisions and bills.

Every entry is dated by the database's own dates, never by when the feed is read, so the same
database gives the same feed:

- a law (a row of `instruments`): the latest of when a spider fetched a changed version, when a
  curator checked it, when it was enacted, when it came into force (once that day has come by
  the data's as-of date) and when its source withdrew it;
- a provision text (a row of `provision_versions`): when a crawl first stored that text; each
  new text is its own entry ("first text" or "new text");
- a court decision: the latest of its decision date, its fetch and its curator's check;
- a bill: the latest of its status date, its last action and its fetch.

An entry's id is a name-based UUID of what it is about (a law, a bill, a decision; a provision's
text by its content hash), so it stays the same across builds and a changed law comes back as
the same entry with a newer `updated`, which is how Atom readers show a change.

Feeds: `all` (everything), one kind (`laws`, `provisions`, `cases`, `bills`), or one
jurisdiction by code (`FR`, `US`...), which includes its sub-national units (`US` brings the
states' bills). Each holds the `FEED_SIZE` most recently updated entries.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from dataclasses import dataclass, field

from lxml import etree

from datasette.utils import tilde_encode

from .edition import NAME, OWN_LICENCE, utc_stamp

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 100
SUMMARY_CHARS = 600
# Names are hashed in this namespace to make entry and feed ids (urn:uuid:...).
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sii-atlas/feeds")

KINDS = {
    "laws": "laws (tracked instruments)",
    "provisions": "provision texts",
    "cases": "court decisions",
    "bills": "bills",
}

# The latest of several date columns. SQLite's many-argument max() is NULL if any argument
# is, hence the coalesce; with one argument max() is the aggregate, hence the extra ''.
# ISO dates and date-times compare as text.
def latest(*columns: str) -> str:
    return "nullif(max('', " + ", ".join(f"coalesce({c}, '')" for c in columns) + "), '')"


# One query per kind, each giving the same columns, newest first. :places is the set of
# jurisdiction codes asked for (all when NULL); a row's licence is its source's.
QUERIES = {
    "laws": f"""
        select 'law' as kind, i.id as key, i.id as row_id, 'instruments' as site_table,
          i.jurisdiction, coalesce(i.title_en, i.title) as title, i.status as detail,
          coalesce(i.summary, i.citation) as summary, i.official_url as official_url,
          {latest('i.fetched_at', 'i.verified_on', 'i.date_enacted',
                  "case when i.date_in_force <= :as_of then i.date_in_force end", 'i.gone_at')} as updated,
          i.date_enacted as published, i.gone_at, coalesce(s.licence, own.licence) as licence
        from instruments i
        left join sources s on s.id = i.source
        left join sources own on own.id = 'curated'
        where (:all_places or i.jurisdiction in (select code from places))
        order by updated desc, key limit :limit""",
    "provisions": f"""
        select 'provision' as kind, v.provision_id || ' ' || v.language || ' ' || v.content_hash as key,
          v.provision_id as row_id, 'provisions' as site_table, i.jurisdiction,
          coalesce(v.heading, p.label, v.provision_id) as title,
          case when exists (select 1 from provision_versions earlier where earlier.provision_id = v.provision_id
                            and earlier.language = v.language and earlier.first_seen < v.first_seen)
               then 'new text' else 'first text' end as detail,
          p.label || ', ' || coalesce(i.title_en, i.title) || ': ' || coalesce(v.text, '') as summary,
          coalesce(v.url, p.url) as official_url, {latest('v.first_seen')} as updated,
          v.valid_from as published, null as gone_at, s.licence as licence
        from provision_versions v
        join provisions p on p.id = v.provision_id
        join instruments i on i.id = p.instrument_id
        left join sources s on s.id = coalesce(v.source, p.source)
        where (:all_places or i.jurisdiction in (select code from places))
        order by updated desc, key limit :limit""",
    "cases": f"""
        select 'case' as kind, c.id as key, c.id as row_id, 'cases' as site_table, c.jurisdiction,
          coalesce(c.name, c.citation, c.id) as title, c.court as detail,
          coalesce(c.summary, c.citation) as summary, c.url as official_url,
          {latest('c.decision_date', 'c.fetched_at', 'c.verified_on', 'c.gone_at')} as updated,
          c.decision_date as published, c.gone_at, coalesce(s.licence, own.licence) as licence
        from cases c
        left join sources s on s.id = c.source
        left join sources own on own.id = 'curated'
        where (:all_places or c.jurisdiction in (select code from places))
        order by updated desc, key limit :limit""",
    "bills": f"""
        select 'bill' as kind, b.id as key, b.id as row_id, 'bills' as site_table, b.jurisdiction,
          b.identifier || coalesce(': ' || b.title, '') as title,
          coalesce((select a.action || ' on ' || a.date from bill_actions a where a.bill_id = b.id
                    order by a.date desc, a.action limit 1), b.status) as detail,
          b.session as summary, b.url as official_url,
          {latest('b.status_date', '(select max(a.date) from bill_actions a where a.bill_id = b.id)',
                  'b.fetched_at', 'b.gone_at')} as updated,
          null as published, b.gone_at, s.licence as licence
        from bills b
        left join sources s on s.id = b.source
        where (:all_places or b.jurisdiction in (select code from places))
        order by updated desc, key limit :limit""",
}
PLACES = """with recursive places(code) as (
    select code from jurisdictions where code = :place
    union select j.code from jurisdictions j join places on j.parent = places.code)
"""
# Characters XML 1.0 forbids (control characters other than tab and line breaks, lone
# surrogates, U+FFFE/U+FFFF): official texts carry form feeds and the like, and lxml refuses them.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
KIND_LABELS = {"law": "Law", "provision": "Provision", "case": "Decision", "bill": "Bill"}


@dataclass
class Feed:
    """What a feed is about: a name (its file name without .atom), a title, and its filter."""
    name: str
    title: str
    kinds: tuple[str, ...] = tuple(KINDS)
    place: str | None = None
    entries: list[dict] = field(default_factory=list)


class UnknownFeed(LookupError):
    pass


def feed_for(conn: sqlite3.Connection, name: str) -> Feed:
    """`all`, a kind, or a jurisdiction code (any case); UnknownFeed otherwise."""
    if name == "all":
        return Feed("all", f"{NAME}: new and changed laws, provisions, decisions and bills")
    if name in KINDS:
        return Feed(name, f"{NAME}: new and changed {KINDS[name]}", kinds=(name,))
    row = conn.execute("select code, name from jurisdictions where code = ?", [name.upper()]).fetchone()
    if row is None:
        raise UnknownFeed(name)
    return Feed(row[0], f"{NAME}: {row[1]} ({row[0]}), new and changed law", place=row[0])


def entries(conn: sqlite3.Connection, feed: Feed, as_of: str | None, limit: int = FEED_SIZE) -> list[dict]:
    """The feed's `limit` most recently updated entries, newest first (ties by key: stable)."""
    found = []
    params = {"as_of": as_of or "9999", "limit": limit, "place": feed.place, "all_places": feed.place is None}
    for kind in feed.kinds:
        sql = PLACES + QUERIES[kind] if feed.place else QUERIES[kind].replace(
            "(select code from places)", "(select null)")
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        found += [row for row in (dict(zip(columns, values)) for values in cursor) if utc_stamp(row["updated"])]
    found.sort(key=lambda row: (utc_stamp(row["updated"]), row["kind"], row["key"]), reverse=True)
    return found[:limit]


def entry_id(kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{kind}:{key}')}"


def shortened(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def render(feed: Feed, rows: list[dict], *, site: str, database: str, self_url: str,
           page_url: str, rights: str) -> bytes:
    """The Atom document. `site` is the site's address (scheme, host, base path; no trailing
    slash), used for links to each row's page."""
    nsmap = {None: ATOM}

    def add(parent, tag: str, text: str | None = None, **attributes):
        element = etree.SubElement(parent, f"{{{ATOM}}}{tag}",
                                   {k: NOT_XML.sub("", str(v)) for k, v in attributes.items() if v})
        if text is not None:
            element.text = NOT_XML.sub("", text)
        return element

    root = etree.Element(f"{{{ATOM}}}feed", nsmap=nsmap)
    add(root, "id", entry_id("feed", feed.name))
    add(root, "title", feed.title)
    add(root, "updated", max((utc_stamp(r["updated"]) for r in rows), default="1970-01-01T00:00:00Z"))
    author = add(root, "author")
    add(author, "name", NAME)
    add(author, "uri", site + "/")
    add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    add(root, "link", rel="alternate", type="text/html", href=page_url)
    add(root, "link", rel="license", href=OWN_LICENCE["path"])
    add(root, "rights", rights)
    add(root, "generator", "SII Atlas feeds")
    for row in rows:
        entry = add(root, "entry")
        add(entry, "id", entry_id(row["kind"], row["key"]))
        label = KIND_LABELS[row["kind"]]
        detail = f" ({row['detail']})" if row.get("detail") else ""
        gone = " - withdrawn at source" if row.get("gone_at") else ""
        add(entry, "title", f"{label}, {row['jurisdiction']}: {row['title']}{detail}{gone}")
        add(entry, "updated", utc_stamp(row["updated"]))
        if utc_stamp(row.get("published")):
            add(entry, "published", utc_stamp(row["published"]))
        row_page = f"{site}/{database}/{row['site_table']}/{tilde_encode(row['row_id'])}"
        if row.get("official_url"):
            add(entry, "link", rel="alternate", type="text/html", href=row["official_url"], title="Official text")
        add(entry, "link", rel="related" if row.get("official_url") else "alternate", type="text/html",
            href=row_page, title=f"{NAME} row")
        add(entry, "category", term=row["jurisdiction"], label=row["jurisdiction"],
            scheme=f"{site}/{database}/jurisdictions")
        add(entry, "category", term=row["kind"], scheme=f"{site}/feeds")
        if row.get("summary"):
            add(entry, "summary", shortened(row["summary"]))
        if row.get("licence"):
            add(entry, "rights", row["licence"])
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
