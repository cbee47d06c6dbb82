"""The addresses of one provision's page and one decision's page, and the ids read back from them.

Provision ids hold slashes, spaces and any script ("gr-pk-346/346 παρ. 2",
"de-bt-drs-21-1383/§ 201b Abs. 3 StGB-E"): the address keeps the slashes, so it reads like the
id, and percent-encodes everything else. Datasette routes on the raw (still encoded) path, so
the view decodes what its pattern captured with `id_from()`.
"""

from urllib.parse import quote, unquote

PROVISION = "/provision/"
CASE = "/case/"


def provision_path(provision_id) -> str:
    return PROVISION + quote(str(provision_id), safe="/")


def case_path(case_id) -> str:
    return CASE + quote(str(case_id), safe="/")


def id_from(captured: str) -> str:
    """The id in a captured piece of the address ("%C2%A7%20201b" -> "§ 201b")."""
    return unquote(captured)
