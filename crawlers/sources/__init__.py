"""One module per source, named for the source. See `spider.SourceSpider` for the base
and `contract.SourceContract` for what each module declares."""

from . import contract
from .find_case_law import FindCaseLawSpider
from .legislation_gov_uk import LegislationGovUkSpider

#: Every spider by source id: the names `sii-atlas crawl` and `parse` accept.
SPIDERS = {spider.name: spider for spider in (LegislationGovUkSpider, FindCaseLawSpider)}
#: Every source with a spider, by id: its one declaration.
CONTRACTS = {source_id: spider.contract for source_id, spider in SPIDERS.items()}


def source_rows(planned: list[dict]) -> list[dict]:
    """Rows of the `sources` table: the sources with a spider (from their modules), then
    the planned ones (`data/sources.yaml`). Raises `contract.ContractError` when an id
    is declared twice."""
    return contract.source_rows(CONTRACTS.values(), planned)
