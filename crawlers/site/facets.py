"""No suggested facets on the pages of views.

Datasette suggests facets by running one extra query per column of the table shown. On a
table that costs an index look-up; on a view it re-runs the whole view each time, and the
comparison views roll up every coded answer: suggesting facets was 90% of their page time
(0.65 s of 0.74 s for `comparison_matrix` on the full registry). The configured facets
(metadata.yml) are still computed and shown, and `_facet=` still works; only the guesses go.
Tables keep their suggestions.
"""

from __future__ import annotations

from urllib.parse import unquote


async def view_names(datasette) -> dict[str, set[str]]:
    names = {}
    for name, database in datasette.databases.items():
        if name != "_internal":
            names[name] = set(await database.view_names())
    return names


def view_of(path: str, views: dict[str, set[str]]) -> bool:
    """/<database>/<view> or /<database>/<view>.<format>: a view's table page."""
    parts = unquote(path).strip("/").split("/")
    if len(parts) != 2 or parts[0] not in views:
        return False
    name = parts[1]
    if name not in views[parts[0]] and "." in name:
        name = name.rsplit(".", 1)[0]
    return name in views[parts[0]]


def without_suggested_facets(app, datasette):
    """ASGI wrapper: asks Datasette not to suggest facets (`_nosuggest=1`) on view pages."""

    async def wrapped(scope, receive, send):
        path = scope.get("path", "")
        if (scope["type"] == "http" and path.count("/") == 2 and not path.startswith("/-/")
                and b"_nosuggest" not in scope.get("query_string", b"")):
            if view_of(scope.get("path", ""), await view_names(datasette)):
                query = scope.get("query_string", b"")
                scope = {**scope, "query_string": query + (b"&" if query else b"") + b"_nosuggest=1"}
        return await app(scope, receive, send)

    return wrapped
