"""What the provision page and the decision page share: a decision's identifiers as they read,
the words a decision cited by, and the page for an id the atlas does not hold."""

from __future__ import annotations

import json
from collections import defaultdict

from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from .jurisdiction_page import dicts
from .page_paths import id_from

#: How the identifier schemes of a decision read on a page (crawlers/vocabulary.py IDENTIFIER_SCHEMES).
SCHEME_NAMES = {"ECLI": "ECLI", "NEUTRAL": "Neutral citation", "DOCKET": "Docket number", "CELEX": "CELEX",
                "HUDOC_ITEMID": "HUDOC item", "URI": "URI", "OTHER": "Other identifier"}


async def case_identifiers(db, case_ids: list[str]) -> dict[str, list[dict]]:
    """The ECLI, neutral citation, docket number... of each decision (ECLI first), by its id."""
    found = defaultdict(list)
    if not case_ids:
        return found
    for row in await dicts(db, """
            select item_id, scheme, value from identifiers
            where item_type = 'case' and item_id in (select value from json_each(:ids))
            order by scheme = 'ECLI' desc, scheme, value""", {"ids": json.dumps(list(case_ids))}):
        found[row["item_id"]].append({**row, "name": SCHEME_NAMES.get(row["scheme"], row["scheme"])})
    return found


def longest_spans(spans: list[str]) -> list[str]:
    """The words a decision cited by, once each whatever their case, without those inside
    longer ones ("section 66B(2)" beside "section 66B(2) of the Sexual Offences Act 2003" says
    nothing more), in their first order and first spelling."""
    unique = list({span.lower(): span for span in reversed(spans) if span}.values())[::-1]
    return [span for span in unique if not any(span.lower() != other.lower() and span.lower() in other.lower()
                                               for other in unique)]


async def not_found(datasette, request, db, kind: str, the_id: str):
    """A page that says what was asked for and where to look instead, answered 404. (Datasette's
    own 404 would redirect an address holding %-escapes to a tilde-encoded one first.)"""
    context = {"kind": kind, "asked_id": the_id, "database": db.name}
    html = await datasette.render_template("record_not_found.html", context, request=request)
    return Response.html(html, status=404)


async def record_page(datasette, request, *, id_var: str, table: str, kind: str, template: str, page_context):
    """One record's page: its id from the route, its context (None: our 404 page), and a link
    to all its fields in the table it lives in."""
    from .plugin import atlas_database  # the plugin imports the page modules

    db = atlas_database(datasette)
    the_id = id_from(request.url_vars[id_var])
    context = await page_context(db, the_id)
    if context is None:
        return await not_found(datasette, request, db, kind, the_id)
    context["database"] = db.name
    context["fields_url"] = datasette.urls.row(db.name, table, tilde_encode(the_id))
    return Response.html(await datasette.render_template(template, context, request=request))
