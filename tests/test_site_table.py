"""The one reader of the site tables (US state codes, provincial statutes, state registers)."""

from dataclasses import dataclass

import pytest

from crawlers.sources import au_state_legislation, ca_provincial_laws, us_state_codes
from crawlers.sources._site_table import TableError, host_owners, read_site_table, supported_rows


@dataclass(frozen=True)
class Row:
    code: str
    curated: str | None = None
    hosts: tuple[str, ...] = ()
    url: str = ""
    licence: str = ""
    basis: str = ""


def needs_url(row: Row) -> None:
    if not row.url:
        raise TableError(f"{row.code}: a supported row needs a url")


def table(tmp_path, text: str) -> dict:
    path = tmp_path / "table.yaml"
    path.write_text("places:\n" + text)
    return read_site_table(path, "places", Row, needs_url, "places")


GOOD = "  AA: {hosts: [a.example], url: 'https://a.example/{section}', licence: open, basis: docs}\n"


def test_rows_are_read_with_lists_as_tuples_and_hosts_owned(tmp_path):
    rows = table(tmp_path, GOOD + "  BB: {curated: 'publisher-only code'}\n")
    assert rows["AA"].hosts == ("a.example",)
    assert list(supported_rows(rows)) == ["AA"] and host_owners(rows) == {"a.example": "AA"}


@pytest.mark.parametrize("text, message", [
    (GOOD.replace("basis: docs", "basis: docs, colour: red"), "unknown fields"),
    (GOOD.replace("hosts", "code: AA, hosts"), "unknown fields"),
    ("  AA: {curated: ' '}\n", "curated needs a reason"),
    (GOOD.replace("licence: open, ", ""), "say the licence"),
    (GOOD.replace("url: 'https://a.example/{section}', ", ""), "needs a url"),
    (GOOD + GOOD.replace("AA", "BB"), "a host is listed for two places"),
])
def test_each_fault_of_a_row_is_refused_with_its_reason(tmp_path, text, message):
    with pytest.raises(TableError, match=message):
        table(tmp_path, text)


@pytest.mark.parametrize("module", [us_state_codes, ca_provincial_laws, au_state_legislation])
def test_every_table_is_read_through_it(module):
    assert module.TableError is TableError
    assert module.read_table() and all(row.curated is None for row in module.SUPPORTED.values())


@pytest.mark.parametrize("module", [ca_provincial_laws, au_state_legislation])
def test_a_source_over_many_registers_states_each_ones_licence(module):
    """A release's LICENCE.md and every export name the source's licence: a row from any
    supported register must find its own terms there, not only the first register's."""
    for row in module.SUPPORTED.values():
        assert f"{row.name}: {' '.join(row.licence.split()).rstrip('.')}." in module.DECLARATION.licence
