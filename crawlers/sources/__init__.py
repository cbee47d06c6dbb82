"""One module per source, named for the source. See `base.SourceSpider` for the contract."""

from .find_case_law import FindCaseLawSpider
from .legislation_gov_uk import LegislationGovUkSpider

#: Every spider by source id: the names `sii-atlas crawl` and `parse` accept.
SPIDERS = {spider.name: spider for spider in (LegislationGovUkSpider, FindCaseLawSpider)}
