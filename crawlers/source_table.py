"""Each source's terms as a table, read from its declaration: the README's source table
(`sii-atlas sources --markdown`) and the columns `sii-atlas status` adds to each run.

The expected crawl duration is computed here and nowhere else, from what the source
declares and what its spider would ask first: the requests its `tracked_requests()` makes
for the curated instruments it tracks and those its `discovery_requests()` makes (each
search and feed's first page), counted without sending anything. Each waits the declared
download delay, or longer where the rate limit's window fills; a source limited per host
runs its sites side by side (at most CONCURRENT_REQUESTS at a time). That is a floor:
what those first answers lead to (further pages, the decisions a search finds, a
notice's language versions) adds requests no declaration counts. The ceiling is the run
quota at the same pace, else the deadline.
"""

import asyncio
import inspect
import math
import os
from dataclasses import dataclass
from unittest import mock
from urllib.parse import urlsplit

from .crawling.settings import CONCURRENT_REQUESTS


@dataclass(frozen=True)
class CrawlEstimate:
    tracked: int  # first requests for the curated documents
    discovery: int  # first requests of the searches and feeds
    requests: int  # of those, what the run quota lets a run send
    interval: float  # seconds between two requests to one site
    parallel: int  # sites crawled side by side
    seconds: float  # the first requests at that pace: the crawl's floor
    ceiling: float  # the most a run can take: its quota at that pace, else its deadline
    ceiling_reason: str

    def text(self) -> str:
        """"at least 19 s: 38 first requests at 0.5 s; at most 2 h (the deadline)"."""
        words = (f"at least {duration_words(self.seconds)}: {self.requests} first request{'s' * (self.requests != 1)}"
                 f" at {number(self.interval)} s")
        if self.parallel > 1:
            words += f", {self.parallel} sites at a time"
        return words + f"; at most {duration_words(self.ceiling)} ({self.ceiling_reason})"


def pace(contract, requests: int, parallel: int = 1) -> float:
    """Seconds `requests` take at the declared delay and within the declared rate limit."""
    per_site = math.ceil(requests / parallel)
    seconds = per_site * contract.download_delay
    if contract.rate_limit and per_site > contract.rate_limit[0]:
        # A sliding window: `count` requests go at the delay, then each further `count` waits a window.
        count, window = contract.rate_limit
        seconds = max(seconds, (math.ceil(per_site / count) - 1) * window + count * contract.download_delay)
    return seconds


def estimate(contract, tracked: int, discovery: int, hosts: int = 1) -> CrawlEstimate:
    """The crawl time of `contract`'s source whose spider first asks `tracked` + `discovery`
    requests of `hosts` sites."""
    parallel = min(max(hosts, 1), CONCURRENT_REQUESTS) if contract.rate_limit_per_host else 1
    requests = tracked + discovery
    if contract.run_quota:
        requests = min(requests, contract.run_quota)
    floor = min(pace(contract, requests, parallel), contract.deadline_seconds)
    per_site = math.ceil(requests / parallel)
    ceiling, reason = contract.deadline_seconds, "the deadline"
    if contract.run_quota and pace(contract, contract.run_quota, parallel) < ceiling:
        ceiling, reason = pace(contract, contract.run_quota, parallel), f"the {contract.run_quota:,}-request run quota"
    return CrawlEstimate(tracked=tracked, discovery=discovery, requests=requests,
                         interval=floor / per_site if per_site else contract.download_delay,
                         parallel=parallel, seconds=floor, ceiling=ceiling, ceiling_reason=reason)


class _EveryVariableSet(dict):
    """An environment in which every variable is set, so that a spider plans the crawl it
    would make with all its keys (a search that needs one is counted), whoever runs this."""

    def get(self, name, default=None):
        return super().get(name, "set")

    def __getitem__(self, name):
        return self.get(name)

    def __contains__(self, name):
        return True


def first_requests(spider_class, tracked: list[dict]) -> tuple[int, int, int]:
    """(tracked requests, discovery requests, sites they go to) that `spider_class` would
    start a full crawl of `tracked` with. Nothing is sent: the requests are only counted."""
    hosts = set()

    def count(requests) -> int:
        if inspect.isasyncgen(requests):
            async def listed():
                return [request async for request in requests]
            requests = asyncio.run(listed())
        found = list(requests)
        hosts.update(urlsplit(request.url).netloc for request in found)
        return len(found)

    with mock.patch.object(os, "environ", _EveryVariableSet()):
        spider = spider_class(tracked=tracked)
        spider_logger = mock.patch.object(type(spider), "logger", mock.Mock())  # "skipped, set $X" is not news here
        with spider_logger:
            tracked_count, discovery_count = count(spider.tracked_requests()), count(spider.discovery_requests())
    return tracked_count, discovery_count, len(hosts)


def duration_words(seconds: float) -> str:
    """"19 s", "26 min", "2 h", "1 h 30 min"."""
    if seconds < 120:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def number(value: float) -> str:
    return f"{round(value, 1):g}" if value < 10 else f"{value:,.0f}"


def enforced_limit(contract) -> str:
    """The numbers the crawler enforces: "0.5 s apart, at most 3,000 per 300 s, 4,500 a run"."""
    parts = [f"{number(contract.download_delay)} s apart"]
    if contract.rate_limit:
        count, window = contract.rate_limit
        parts.append(f"at most {count:,} per {number(window)} s" + (" per site" if contract.rate_limit_per_host else ""))
    if contract.run_quota:
        parts.append(f"{contract.run_quota:,} a run")
    return ", ".join(parts)


def key_variables(contract) -> str:
    return ", ".join(f"`{name}`" for name in contract.env_vars) or "none"


def key_state(contract, environ=None) -> str:
    """Whether the source's key variables are set: names only, never a value."""
    environ = os.environ if environ is None else environ
    if not contract.env_vars:
        return "none needed"
    missing = [name for name in contract.env_vars if not environ.get(name)]
    return f"missing {' '.join('$' + name for name in missing)}" if missing else "set"


def markdown_table(spiders: dict, tracked: dict[str, list[dict]]) -> str:
    """The README's source table: one row per source ({id: spider class}), from its
    declaration and the curated instruments it tracks ({source id: instruments})."""
    lines = ["| source | kind | licence | key variables | rate limit (terms; enforced) | expected full crawl |",
             "|---|---|---|---|---|---|"]
    for source in sorted(spiders):
        contract = spiders[source].contract
        rate = contract.rate_limit_text + (f"; quota: {contract.quota_text}" if contract.quota_text else "")
        crawl = estimate(contract, *first_requests(spiders[source], tracked.get(source, [])))
        cells = [f"`{contract.id}`", contract.kind.replace("_", " "), f"[{contract.licence}]({contract.licence_url})",
                 key_variables(contract), f"{rate}; enforced: {enforced_limit(contract)}", crawl.text()]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


#: The README's generated table sits between these two lines.
BEGIN = "<!-- source table: generated by `sii-atlas sources --markdown`; edit the declarations, not this -->"
END = "<!-- end of source table -->"


def readme_table(readme: str) -> str:
    """The generated table as the README holds it now ("" when the markers are missing)."""
    start, end = readme.find(BEGIN), readme.find(END)
    return readme[start + len(BEGIN):end].strip("\n") + "\n" if 0 <= start < end else ""


def with_table(readme: str, table: str) -> str:
    start, end = readme.find(BEGIN), readme.find(END)
    if not 0 <= start < end:
        raise ValueError(f"README has no {BEGIN!r} ... {END!r} block to fill")
    return readme[:start + len(BEGIN)] + "\n" + table + readme[end:]
