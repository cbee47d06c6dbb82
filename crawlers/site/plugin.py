"""Datasette plugin: the site's own pages, safe searches, and the guards that make it publishable.

- `fts_query()`, `trigram_query()`, `short_unspaced()` (search_terms.py) make the searches safe
  for whatever people type, with plurals, elisions and Korean/Japanese/Chinese handled;
  `/search?q=` (search.py) searches laws, provisions, decisions and bills at once.
- `/jurisdiction/<code>`: one page per jurisdiction (jurisdiction_page.py); `/jurisdiction?name=`
  finds one by any of its names (places.py), so the home page's picker works without JavaScript.
- `/compare` (and `/compare.json`, `/compare.csv`): jurisdictions picked by name, side by side (compare_page.py).
- `/provision/<id>` and `/case/<id>`: one provision with the decisions that cite it, one decision
  with the provisions it cites (provision_page.py, case_page.py; addresses in page_paths.py).
- `/map`: the answer to one question, coloured on a map (map_page.py); `/timeline`: laws enacted
  per year by region (charts.py).
- safety.py: value length limit on every connection, security headers, internal tables hidden;
  facets.py: no suggested facets on the views, whose every suggestion re-runs the view.

Installed through the `datasette` entry point in pyproject.toml, so `sii-atlas serve` and the
tests load it; its templates and stylesheet are passed by `crawlers.site.datasette_options()`.
"""

import re
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import STATIC_MOUNT
from . import charts, compare_page, jurisdiction_page, map_page, search, search_terms
from . import case_page, provision_page
from .page_paths import case_path, provision_path
from .facets import without_suggested_facets
from .wording import answer_words, language_names
from .search_terms import fts_query  # noqa: F401 (kept importable from here)
from .safety import limit_value_length, secured
from crawlers.publishing import site as publishing

publishing.register()  # feeds, licence and as-of on exports, citation (its own hooks)


@hookimpl
def prepare_connection(conn):
    search_terms.register(conn)  # fts_query(), trigram_query(), short_unspaced()
    limit_value_length(conn)


@hookimpl
def prepare_jinja2_environment(env):
    # `answer|answer_words`: the codebook's codes as words ("any_age" reads "any age").
    env.filters["answer_words"] = answer_words
    env.filters["language_names"] = language_names  # "en fr" reads "English, French"
    env.filters["provision_url"] = provision_path  # `id|provision_url`: that provision's page
    env.filters["case_url"] = case_path


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: secured(without_suggested_facets(app, datasette), datasette)


def atlas_database(datasette):
    """The database the site describes: the one holding `jurisdictions` is named after its file,
    so it is found by its tables rather than by name."""
    for name, database in datasette.databases.items():
        if name != "_internal" and not database.is_memory:
            return database
    return datasette.get_database()


async def home(datasette, request):
    """The home page, without Datasette's index work: it counted the rows of every table and read
    every foreign key (about 200 ms) for a page that shows none of it."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    db = atlas_database(datasette)
    context = {"metadata": datasette.metadata() or {}, "databases": [{"name": db.name}], "database": db.name}
    return Response.html(await datasette.render_template("index.html", context, request=request))


async def jurisdiction(datasette, request):
    db = atlas_database(datasette)
    code = request.url_vars["code"].upper()
    context = await jurisdiction_page.page_context(db, code)
    if context is None:
        return await choose_jurisdiction(datasette, request, request.url_vars["code"])
    context["database"] = db.name
    return Response.html(await datasette.render_template("jurisdiction.html", context, request=request))


async def find_jurisdiction(datasette, request):
    # A jurisdiction page's picker has two buttons: "Open" (this) and "Compare with <it>".
    if request.args.get("compare_with"):
        return Response.redirect("/compare?" + urlencode([("j", request.args["compare_with"]), ("j", request.args.get("name", ""))]))
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


async def compare(datasette, request):
    db = atlas_database(datasette)
    context = await compare_page.compare(db, request.args.getlist("j"), request.args.getlist("q"))
    if request.url_vars.get("format") == "json":
        return Response.json(compare_page.as_json(context))
    if request.url_vars.get("format") == "csv":
        # The file saved keeps the date of the data in its name (the licence and the as-of
        # time are in the answer's headers, which a saved file loses).
        stamp = (await publishing.AS_OF.get(db) or "")[:10]
        name = f"sii-atlas-comparison-{stamp}.csv" if stamp else "sii-atlas-comparison.csv"
        return Response(compare_page.as_csv(context), content_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}"'})
    query = request.query_string

    def replace_url(typed: str, code: str) -> str:
        """This comparison with `typed` replaced by the jurisdiction the reader chose."""
        values = [(key, code if key == "j" and value.strip() == typed else value)
                  for key in request.args for value in request.args.getlist(key)]
        return "/compare?" + urlencode(values)

    def add_url(codes: list[str]) -> str:
        """This comparison with `codes` added."""
        values = [(key, value) for key in request.args for value in request.args.getlist(key)]
        return "/compare?" + urlencode(values + [("j", code) for code in codes])

    context.update({
        "database": db.name, "asked": set(request.args.getlist("q")),
        "fields": min(compare_page.MAX_JURISDICTIONS, max(6, len(context["jurisdictions"]) + 2)),
        "replace_url": replace_url, "add_url": add_url, "units_of": compare_page.UNITS,
        "json_url": "/compare.json" + ("?" + query if query else ""), "csv_url": "/compare.csv" + ("?" + query if query else ""),
        "coding_marks": jurisdiction_page.CODING_MARKS,
    })
    return Response.html(await datasette.render_template("compare.html", context, request=request))


async def world_map(datasette, request):
    db = atlas_database(datasette)
    context = await map_page.map_context(db, request.args.get("q"), request.args.get("scope"))
    context["database"] = db.name
    context["tiles"] = map_page.tile_settings(datasette)
    html = await datasette.render_template("map.html", context, request=request)
    # The tile server asks which site shows its tiles (OpenStreetMap's tile policy requires a
    # Referer); the page's own address and query are still never sent.
    return Response.html(html, headers={"Referrer-Policy": "strict-origin"})


async def timeline(datasette, request):
    db = atlas_database(datasette)
    context = await charts.timeline_context(db)
    context["database"] = db.name
    return Response.html(await datasette.render_template("timeline.html", context, request=request))


#: The site's own pages: (path pattern, view). Other parts of the site add theirs to this list.
ROUTES = [
    (r"^/$", home),
    (r"^/jurisdiction$", find_jurisdiction),
    (r"^/jurisdiction/(?P<code>[A-Za-z0-9-]+)$", jurisdiction),
    (r"^/compare(\.(?P<format>json|csv))?$", compare),
    (r"^/map$", world_map),
    (r"^/timeline$", timeline),
    (r"^/search$", search.page),
    # Ids hold slashes and any character: everything after the prefix is the (encoded) id.
    (r"^/provision/(?P<provision_id>.+)$", provision_page.page),
    (r"^/case/(?P<case_id>.+)$", case_page.page),
]

#: Pages whose template offers the jurisdiction names (the picker's datalist).
PICKER_TEMPLATES = {"index.html", "jurisdiction.html", "jurisdiction_choose.html", "compare.html"}


@hookimpl
def register_routes():
    return ROUTES


@hookimpl
def extra_template_vars(template, datasette):
    async def picker():
        if template not in PICKER_TEMPLATES:
            return {}
        places = await jurisdiction_page.directory(atlas_database(datasette))
        return {"jurisdiction_choices": places.choices()}

    return picker


JURISDICTION_CODE = re.compile(r"^[A-Z]{2,3}(-[A-Z0-9]{1,3})?$")


#: Columns that hold a yes/no as 1/0 (SQLite has no booleans); pages say yes or no, while
#: CSV and JSON keep the numbers.
FLAG_COLUMNS = {"curated", "reaches_synthetic"}
#: Columns that hold the id of a provision or a decision, and the page each opens.
RECORD_PAGES = {"provision_id": provision_path, "case_id": case_path}


@hookimpl
def render_cell(value, column):
    """A `jurisdiction` code in any table, view or search result links to that jurisdiction's
    page, so a search result opens onto the law around it; a `provision_id` or `case_id` to its
    page; a 1/0 flag reads yes or no."""
    if column == "jurisdiction" and isinstance(value, str) and JURISDICTION_CODE.match(value):
        return Markup(f'<a href="/jurisdiction/{escape(value)}">{escape(value)}</a>')
    if column in RECORD_PAGES and isinstance(value, str) and value:
        # A provision or a decision named in any view or search opens its own page.
        return Markup(f'<a href="{escape(RECORD_PAGES[column](value))}">{escape(value)}</a>')
    if column in FLAG_COLUMNS and value in (0, 1) and not isinstance(value, float):
        return "yes" if value else "no"
    return None


@hookimpl
def extra_css_urls():
    return [f"/{STATIC_MOUNT}/site.css"]
