"""One module per source, named for the source. See `spider.SourceSpider` for the base
and `contract.SourceContract` for what each module declares.

Adding a source is one module here (its `DECLARATION`, parsers and a `SourceSpider`
subclass with `contract = DECLARATION`) and its examples in `tests/examples/<id>/`
(with `server.yaml` for the fixture server): the module is found by scanning this
package, the `sources` table row comes from its declaration, the CLI reads the
environment variables it needs from its `auth`."""

import importlib
import pkgutil

from . import contract
from .spider import SourceSpider

#: Modules of this package that are machinery, not sources.
_MACHINERY = {"contract", "spider"}


def _find_spiders() -> dict[str, type[SourceSpider]]:
    found: dict[str, type[SourceSpider]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _MACHINERY or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, SourceSpider) and value.contract is not None \
                    and value.__module__ == module.__name__:
                if value.name in found:
                    raise contract.ContractError(f"source {value.name!r} has two spiders")
                found[value.name] = value
    return found


#: Every spider by source id: the names `sii-atlas crawl` and `parse` accept.
SPIDERS = _find_spiders()
#: Every source with a spider, by id: its one declaration.
CONTRACTS = {source_id: spider.contract for source_id, spider in SPIDERS.items()}


def source_rows(planned: list[dict]) -> list[dict]:
    """Rows of the `sources` table: the sources with a spider (from their modules), then
    the planned ones (`data/sources.yaml`). Raises `contract.ContractError` when an id
    is declared twice."""
    return contract.source_rows(CONTRACTS.values(), planned)
