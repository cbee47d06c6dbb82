"""Datasette plugin: the site's own pages, safe searches, and the guards that make it publishable.

- `fts_query()`, `trigram_query()`, `short_unspaced()` (search_terms.py) make the searches safe
  for whatever people type, with plurals, elisions and Korean/Japanese/Chinese handled;
  `/search?q=` (search.py) searches laws, provisions, decisions and bills at once.
- `/jurisdiction/<code>`: one page per jurisdiction (jurisdiction_page.py); `/jurisdiction?name=`
  finds one by any of its names (places.py), so the home page's picker works without JavaScript.
- safety.py: value length limit on every connection, security headers, internal tables hidden.

Installed through the `datasette` entry point in pyproject.toml, so `sii-atlas serve` and the
tests load it; its templates and stylesheet are passed by `crawlers.site.datasette_options()`.
"""

import re
from urllib.parse import quote

from markupsafe import Markup, escape

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import STATIC_MOUNT
from . import jurisdiction_page
from . import search, search_terms
from .search_terms import fts_query  # noqa: F401 (kept importable from here)
from .safety import limit_value_length, secured

@hookimpl
def prepare_connection(conn):
    search_terms.register(conn)  # fts_query(), trigram_query(), short_unspaced()
    limit_value_length(conn)


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: secured(app, datasette)


def atlas_database(datasette):
    """The database the site describes: the one holding `jurisdictions` is named after its file,
    so it is found by its tables rather than by name."""
    for name, database in datasette.databases.items():
        if name != "_internal" and not database.is_memory:
            return database
    return datasette.get_database()


async def jurisdiction(datasette, request):
    db = atlas_database(datasette)
    code = request.url_vars["code"].upper()
    context = await jurisdiction_page.page_context(db, code)
    if context is None:
        return await choose_jurisdiction(datasette, request, request.url_vars["code"])
    context["database"] = db.name
    return Response.html(await datasette.render_template("jurisdiction.html", context, request=request))


async def find_jurisdiction(datasette, request):
    return await choose_jurisdiction(datasette, request, request.args.get("name", ""))


async def choose_jurisdiction(datasette, request, typed: str):
    """One match: go to its page. Several: list them. None: say so, with every name to pick from."""
    db = atlas_database(datasette)
    places = await jurisdiction_page.directory(db)
    found = places.find(typed)
    if len(found) == 1:
        return Response.redirect("/jurisdiction/" + quote(found[0]))
    context = {"typed": typed, "found": [places.by_code[code] for code in found],
               "choices": places.choices(), "database": db.name}
    html = await datasette.render_template("jurisdiction_choose.html", context, request=request)
    return Response.html(html, status=200 if found else 404)


@hookimpl
def register_routes():
    return [
        (r"^/jurisdiction$", find_jurisdiction),
        (r"^/jurisdiction/(?P<code>[A-Za-z0-9-]+)$", jurisdiction),
        (r"^/search$", search.page),
    ]


@hookimpl
def extra_template_vars(template, datasette):
    async def picker():
        if template not in ("index.html", "jurisdiction.html", "jurisdiction_choose.html"):
            return {}
        places = await jurisdiction_page.directory(atlas_database(datasette))
        return {"jurisdiction_choices": places.choices()}

    return picker


JURISDICTION_CODE = re.compile(r"^[A-Z]{2,3}(-[A-Z0-9]{1,3})?$")


@hookimpl
def render_cell(value, column):
    """A `jurisdiction` code in any table, view or search result links to that jurisdiction's
    page, so a search result opens onto the law around it."""
    if column == "jurisdiction" and isinstance(value, str) and JURISDICTION_CODE.match(value):
        return Markup(f'<a href="/jurisdiction/{escape(value)}">{escape(value)}</a>')
    return None


@hookimpl
def extra_css_urls():
    return [f"/{STATIC_MOUNT}/site.css"]
