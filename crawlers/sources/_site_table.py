"""Reading a table of official sites: the US state codes, the Canadian provinces' statutes,
the Australian states' registers.

Each of those sources is one spider over many sites, described by a YAML table with one
row per place. A row is either SUPPORTED (its hosts, addresses and layout, the licence, and
the `basis` its layout is known from) or CURATED (`curated: <reason>`, and nothing is
fetched). The module that owns a table declares its row as a frozen dataclass with at least
`code`, `curated`, `hosts`, `licence` and `basis`, and checks what only its layouts need;
this module does the rest, the same way for every table:

* a field the dataclass does not declare is an error (a typo would otherwise be ignored);
* lists become tuples, for the fields the dataclass types as tuples;
* a curated row needs a reason; a supported one its licence and basis;
* no host belongs to two rows (a page's host says whose it is).
"""

import dataclasses
import typing
from pathlib import Path
from typing import Callable

import yaml


class TableError(ValueError):
    """A table says something its module cannot do."""


def _is_tuple(field: dataclasses.Field) -> bool:
    kind = field.type
    return typing.get_origin(kind) is tuple or (isinstance(kind, str) and kind.startswith("tuple"))


def read_site_table(path: Path, key: str, row_class, check_supported: Callable[[object], None], what: str) -> dict:
    """The rows under `key` in the YAML file at `path`, as `row_class`, checked;
    `check_supported(row)` raises TableError for what a supported row of this table lacks;
    `what` names the rows in messages ("states")."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))[key]
    fields = {field.name: field for field in dataclasses.fields(row_class)}
    rows: dict = {}
    for code, entry in raw.items():
        entry = dict(entry or {})
        unknown = set(entry) - (set(fields) - {"code"})  # the code is the row's key, never a field
        if unknown:
            raise TableError(f"{code}: unknown fields {sorted(unknown)}")
        for name in entry:
            if _is_tuple(fields[name]) and entry[name] is not None:
                entry[name] = tuple(entry[name])
        row = row_class(code=code, **entry)
        if row.curated is not None:
            if not str(row.curated).strip():
                raise TableError(f"{code}: curated needs a reason")
        else:
            check_supported(row)
            if not row.licence or not row.basis:
                raise TableError(f"{code}: say the licence and where the layout is known from (basis)")
        rows[code] = row
    hosts = [host for row in rows.values() for host in row.hosts]
    if len(hosts) != len(set(hosts)):
        raise TableError(f"a host is listed for two {what}")
    return rows


def supported_rows(rows: dict) -> dict:
    return {code: row for code, row in rows.items() if row.curated is None}


def host_owners(rows: dict) -> dict[str, str]:
    """host -> the code of the supported row that owns it."""
    return {host: code for code, row in supported_rows(rows).items() for host in row.hosts}


def host_delays(rows: dict) -> dict[str, float]:
    """host -> the seconds its row asks between two requests (PerHostMirror.site_delays)."""
    return {host: row.delay for row in supported_rows(rows).values() for host in row.hosts}


def licences_in_words(rows: dict, places: str) -> str:
    """The source's licence as each supported site states its own ("Per province: New
    Brunswick: ...; Manitoba: ..."): a source over many registers has no one licence, and
    a release's LICENCE.md and every export name the source's, so none may be left out."""
    terms = [f"{row.name or code}: {' '.join(str(row.licence).split()).rstrip('.')}."
             for code, row in supported_rows(rows).items()]
    return f"Per {places}, as each states it. " + " ".join(terms)
