"""/search?q=: one search over laws, provisions, court decisions and bills.

The page runs the canned searches of metadata.yml (`search_instruments`, `search_provisions`,
`search_cases`, `search_bills`), so each kind is searched by one definition whether it is
asked here, on its own page or as JSON; it shows the best few of each kind, each row linked
to its row in the database and to its official page, and links to the full list. It says
how many provisions have their text stored: the others are found by their headings only.
"""

from urllib.parse import quote

from datasette.database import QueryInterrupted
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from .page_paths import case_path, provision_path

#: (kind, canned query, table, key column, columns shown as the title, official link).
KINDS = (
    ("Laws", "search_instruments", "instruments", "id", ("title", "title_en"), "official_url"),
    ("Provisions", "search_provisions", "provisions", "provision_id", ("instrument", "label", "heading", "heading_en"), "url"),
    ("Court decisions", "search_cases", "cases", "id", ("name", "citation"), "url"),
    ("Bills", "search_bills", "bills", "id", ("identifier", "title"), "url"),
)
SHOWN = 10
#: Kinds with a page of their own (one provision with the decisions citing it, one decision
#: with what it cites): their results open it, and still link to the row's fields.
PAGES = {"provisions": provision_path, "cases": case_path}
#: The cap in the canned searches of provisions and decisions (metadata.yml): beyond it,
#: matches are listed unranked (bm25 over that many rows costs seconds and, for words that
#: common, ranks almost nothing).
RANKED_AT_MOST = 20000


def atlas_database(datasette):
    from .plugin import atlas_database as found

    return found(datasette)


async def text_coverage(db) -> dict:
    row = (await db.execute("select count(*), count(text) from provisions")).first()
    return {"provisions": row[0], "with_text": row[1]}


async def search_kind(datasette, db, kind: tuple, q: str) -> dict:
    label, query_name, table, key, title_columns, link = kind
    canned = await datasette.get_canned_query(db.name, query_name, None)
    found = {"label": label, "query": query_name, "rows": [], "more": False, "error": None,
             "all_url": datasette.urls.database(db.name) + f"/{query_name}?q=" + quote(q)}
    if canned is None:
        found["error"] = "this search is not configured"
        return found
    try:
        result = await db.execute(canned["sql"], {"q": q})
    except QueryInterrupted:
        found["error"] = "took too long and was stopped; try rarer or more words"
        return found
    rows = [dict(row) for row in result.rows]
    found["more"] = len(rows) > SHOWN
    found["count"] = len(rows)
    for row in rows[:SHOWN]:
        found["rows"].append({
            "title": " — ".join(dict.fromkeys(str(row[c]) for c in title_columns if row.get(c))),
            "jurisdiction": row.get("jurisdiction"),
            "snippet": row.get("snippet"),
            "text_status": row.get("text_status"),
            "row_url": datasette.urls.row(db.name, table, tilde_encode(str(row[key]))),
            "page_url": PAGES[table](row[key]) if table in PAGES else None,
            "official_url": row.get(link),
        })
    return found


async def page(datasette, request):
    db = atlas_database(datasette)
    q = (request.args.get("q") or "").strip()
    kinds = [await search_kind(datasette, db, kind, q) for kind in KINDS] if q else []
    context = {"q": q, "kinds": kinds, "coverage": await text_coverage(db), "shown": SHOWN,
               "ranked_at_most": RANKED_AT_MOST, "database": db.name}
    return Response.html(await datasette.render_template("search.html", context, request=request))
