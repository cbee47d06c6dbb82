"""The Datasette hooks that publish: Atom feeds, licence and as-of on every export, and the
how-to-cite line in every page's footer.

A plugin module of its own, registered by crawlers/site/plugin.py (`register()`), so the
site's pages and these hooks change independently.

Routes: `/feeds` (the list of feeds), `/feeds/<name>.atom` (feeds.py: `all`, a kind or a
jurisdiction code). The site's own address (for the citation and the feeds' absolute links)
is $SII_ATLAS_SITE_URL when set (a replica behind a load balancer or a TLS proxy), else the
address the request came to.
"""

from __future__ import annotations

import os
import sys

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import exports, feeds
from .edition import citation, release_of

PLUGIN_NAME = "sii_atlas_publishing"
SITE_URL_VARIABLE = "SII_ATLAS_SITE_URL"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
AS_OF = exports.AsOfCache()
# Rendered feeds, by (feed, site address, database file's signature): a feed changes only when
# the database does, and an immutable replica renders each feed once.
RENDERED: dict[tuple, bytes] = {}
RENDERED_MAX = 512


def register() -> None:
    """Register these hooks with Datasette once (plugin.py calls this when it is loaded)."""
    from datasette.plugins import pm

    module = sys.modules[__name__]
    if not pm.is_registered(module):
        pm.register(module, name=PLUGIN_NAME)


def atlas_database(datasette):
    from crawlers.site.plugin import atlas_database as find  # the site's one definition

    return find(datasette)


def site_url(datasette, request) -> str:
    """The site's address without a trailing slash (base_url setting included)."""
    configured = os.environ.get(SITE_URL_VARIABLE, "").strip()
    if configured:
        return configured.rstrip("/")
    base = datasette.urls.instance().rstrip("/")
    return f"{request.scheme}://{request.host}{base}" if request is not None else base


async def feed(datasette, request):
    db = atlas_database(datasette)
    name = request.url_vars["name"]
    site = site_url(datasette, request)
    key = (name, site, exports.AsOfCache.signature(db.path) if db.path else None)
    if key[2] is not None and key in RENDERED:
        return Response(RENDERED[key], content_type=ATOM_TYPE)
    stamp = await AS_OF.get(db)

    def read(conn):
        chosen = feeds.feed_for(conn, name)
        return chosen, feeds.entries(conn, chosen, stamp)

    try:
        chosen, rows = await db.execute_fn(read)
    except feeds.UnknownFeed:
        return Response.text(f"No feed called {name}: see /feeds for the list.", status=404)
    page = f"{site}/jurisdiction/{chosen.place}" if chosen.place else f"{site}/"
    body = feeds.render(chosen, rows, site=site, database=db.name, self_url=f"{site}/feeds/{chosen.name}.atom",
                        page_url=page, rights=datasette.metadata("license") or feeds.OWN_LICENCE["title"])
    if key[2] is not None:
        if len(RENDERED) >= RENDERED_MAX:
            RENDERED.clear()
        RENDERED[key] = body
    return Response(body, content_type=ATOM_TYPE)


async def feed_list(datasette, request):
    db = atlas_database(datasette)
    places = await db.execute("select code, name from jurisdictions order by code")
    context = {"kinds": feeds.KINDS, "places": [dict(row) for row in places.rows], "database": db.name}
    return Response.html(await datasette.render_template("atlas_feeds.html", context, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/feeds/?$", feed_list),
        (r"^/feeds/(?P<name>[A-Za-z0-9-]+)\.atom$", feed),
    ]


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: exports.labelled(app, datasette, atlas_database, AS_OF)


@hookimpl
def extra_template_vars(datasette, request):
    """`atlas_citation`, `atlas_as_of`, `atlas_metadata` (every page's footer) and `atlas_feed` (the Atom feed of
    the page's jurisdiction, else the site's; for <link rel="alternate">)."""

    async def variables():
        db = atlas_database(datasette)
        stamp = await AS_OF.get(db)
        code = (request.url_vars or {}).get("code") if request is not None else None
        base = datasette.urls.instance().rstrip("/")
        return {
            "atlas_as_of": stamp,
            # The site's licence and source, for the footer of pages without metadata of their own.
            "atlas_metadata": datasette.metadata() or {},
            "atlas_citation": citation(release_of(db.path), stamp, site_url(datasette, request) + "/"),
            "atlas_feed": f"{base}/feeds/{code.upper()}.atom" if code else f"{base}/feeds/all.atom",
        }

    return variables
