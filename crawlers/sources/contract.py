"""The source contract: everything the project must know about a source, declared once.

Each source module declares one `SourceContract` (its `DECLARATION`). Everything else
reads it instead of repeating it:

* the spider (`spider.SourceSpider`): base URL, official hosts (requests and redirects
  to any other host are refused), download delay, deadline, rate limit, secrets;
* the settings (`SourceSpider.update_settings`): delay and deadline per source;
* the CLI: which environment variables a crawl needs (derived from `auth`);
* the registry check: how a curated instrument or case is named by the crawler
  (`curated_instrument_id`, `case_id_for_url`), so curated ids and crawled ids agree;
* the `sources` table (`row()`), so the table and the code cannot disagree;
* the test fixture server (`tests/examples/<id>/server.yaml` is found by `id`).

Sources never import `crawlers.registry`: the registry asks the contract, not the
other way round.
"""

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Auth:
    """How a source wants its requests authenticated.

    kind: "none"; "header" (a key sent in `header`); "query" (a key sent as the query
    parameter `param`, added to the outgoing request only, never to a URL we keep);
    "oauth2" (client credentials: a bearer token fetched from `token_url` and fetched
    again when it expires or a request answers 401).
    """

    kind: str = "none"
    key_env: str | None = None
    header: str | None = None
    #: Put before the key in the header, e.g. "Token " (CourtListener's `Authorization: Token <key>`).
    header_prefix: str = ""
    param: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    token_url: str | None = None
    scope: str | None = None

    @classmethod
    def none(cls) -> "Auth":
        return cls()

    @classmethod
    def header_key(cls, env: str, header: str = "X-Api-Key", prefix: str = "") -> "Auth":
        return cls(kind="header", key_env=env, header=header, header_prefix=prefix)

    @classmethod
    def query_key(cls, env: str, param: str = "api_key") -> "Auth":
        return cls(kind="query", key_env=env, param=param)

    @classmethod
    def oauth2(cls, client_id_env: str, client_secret_env: str, token_url: str, scope: str | None = None) -> "Auth":
        return cls(kind="oauth2", client_id_env=client_id_env, client_secret_env=client_secret_env,
                   token_url=token_url, scope=scope)

    @property
    def env_vars(self) -> tuple[str, ...]:
        """The environment variables a crawl of this source cannot run without."""
        return tuple(name for name in (self.key_env, self.client_id_env, self.client_secret_env) if name)


@dataclass(frozen=True)
class SourceContract:
    id: str
    name: str
    kind: str  # legislation | case_law | bills
    base_url: str
    licence: str
    licence_url: str
    terms_url: str
    #: What the terms say, in words (the `sources.rate_limit` column).
    rate_limit_text: str
    #: (requests, seconds): the most the terms allow, enforced by RateLimitMiddleware.
    rate_limit: tuple[int, float] | None = None
    #: Whether `rate_limit` holds for each official host apart (a table of many sites, each
    #: its own server: the state codes, the provincial registers) rather than for the source.
    rate_limit_per_host: bool = False
    #: A daily (or other) quota from the terms, in words; None when there is none.
    quota_text: str | None = None
    #: The most requests one run may send (a run fits in the quota's period); then it stops.
    run_quota: int | None = None
    #: Seconds between two requests to the source (Scrapy's DOWNLOAD_DELAY for it).
    download_delay: float = 1.0
    #: The whole crawl of this source gives up after this many seconds (outcome partial).
    deadline_seconds: float = 3600.0
    #: Other hosts that serve the same official paths (old aliases).
    alias_hosts: tuple[str, ...] = ()
    auth: Auth = field(default_factory=Auth)
    #: The hosts our credentials are sent to; None: every official host. A source that also
    #: reads other official sites (Open States: the legislatures' bill pages) names its API's
    #: host alone, so no state's server ever sees our key.
    credential_hosts: tuple[str, ...] | None = None
    #: Whether the source's texts come as PDF, read as text at the door (crawlers.pdf_text):
    #: declared only where the official text exists in no other form.
    reads_pdf: bool = False
    #: Query parameters that carry secrets (redacted in every URL we store or log).
    secret_params: frozenset[str] = frozenset()
    #: Bump when the parsers change what they extract (a re-parse is then worth it).
    parser_version: str = "1"
    #: Request meta keys this source's parsers read beyond the common ones
    #: (crawling.middlewares.PARSER_META): archived with each page, so that
    #: `sii-atlas reparse` can run the parser again without the request.
    parser_meta: tuple[str, ...] = ()
    notes: str = ""
    #: source_identifier of a curated instrument -> the id the crawler gives it.
    curated_instrument_id: Callable[[str], str | None] | None = None
    #: official URL of a decision -> the id the crawler gives it (None when not ours).
    case_id_for_url: Callable[[str], str | None] | None = None

    def __post_init__(self):
        # ("key") is a string, not a tuple: a slip that would archive nothing it should.
        if isinstance(self.parser_meta, str):
            raise ContractError(f"{self.id}: parser_meta must be a tuple of names, e.g. ({self.parser_meta!r},)")

    @property
    def official_hosts(self) -> frozenset[str]:
        return frozenset({urlsplit(self.base_url).netloc, *self.alias_hosts})

    def takes_credentials(self, host: str) -> bool:
        return host in (self.credential_hosts if self.credential_hosts is not None else self.official_hosts())

    @property
    def env_vars(self) -> tuple[str, ...]:
        return self.auth.env_vars

    @property
    def all_secret_params(self) -> frozenset[str]:
        return frozenset(self.secret_params | ({self.auth.param} if self.auth.param else set()))

    def row(self) -> dict:
        """This source as a row of the `sources` table."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "base_url": self.base_url,
            "licence": self.licence,
            "licence_url": self.licence_url,
            "terms_url": self.terms_url,
            "rate_limit": self.rate_limit_text + (f"; quota: {self.quota_text}" if self.quota_text else ""),
            "api_key_env": " ".join(self.env_vars) or None,
            "notes": self.notes,
        }


#: Columns of the `sources` table, in order.
SOURCE_COLUMNS = ("id", "name", "kind", "base_url", "licence", "licence_url", "terms_url", "rate_limit",
                  "api_key_env", "notes")


class ContractError(ValueError):
    """The declared sources disagree with each other or with data/sources.yaml."""


def source_rows(contracts, planned: list[dict]) -> list[dict]:
    """The `sources` table: one row per declared source, then each planned one.

    A source is declared once: in its module when it has a spider, else in
    data/sources.yaml. An id found in both, or twice in either, is refused."""
    rows: list[dict] = []
    seen: dict[str, str] = {}
    for where, row in [("module", c.row()) for c in contracts] + [("data/sources.yaml", dict(p)) for p in planned]:
        if row.get("id") in seen:
            raise ContractError(f"source {row.get('id')!r} declared twice ({seen[row['id']]} and {where}); "
                                "a source with a spider is declared only in its module")
        seen[row["id"]] = where
        rows.append({column: row.get(column) for column in SOURCE_COLUMNS})
    return rows
