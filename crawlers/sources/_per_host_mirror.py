"""One mirror standing for many official hosts: the URL mapping a table-driven spider needs
when its table lists several registers (one host each). Not a source: the loader skips
`_` modules.

A mirror (the fixture server, a replay) serves each official host's paths under
`/<prefix>/<host>/<path>`, so one `--base-url` can answer for every register of the table,
and the way back to the official URL keeps the host. This is the scheme
`us_state_codes`, `ca_provincial_laws` and `open_states` (for the legislatures' bill texts) use.
"""

from urllib.parse import urlsplit, urlunsplit


class PerHostMirror:
    """Mixin for a `SourceSpider` whose documents sit on several official hosts (one register,
    state or legislature each). Put it before `SourceSpider` in the bases and set
    `mirror_prefix` ("/ca_provincial_laws"). `mirrored_hosts()` says which hosts are served
    under the prefix (by default every official host); any other URL (an API's own host, the
    mirror's robots.txt) goes the base spider's way."""

    mirror_prefix: str = ""

    def mirrored_hosts(self) -> set[str]:
        return set(self.official_hosts())

    def to_download_url(self, url: str) -> str:
        parts = urlsplit(url)
        if not self.mirrored() or parts.netloc not in self.mirrored_hosts():
            return super().to_download_url(url)
        base = urlsplit(self.download_base)
        return urlunsplit((base.scheme, base.netloc, f"{base.path}{self.mirror_prefix}/{parts.netloc}{parts.path}",
                           parts.query, ""))

    def to_official_url(self, url: str) -> str:
        if not self.mirrored():
            return url
        base = urlsplit(self.download_base)
        parts = urlsplit(url)
        prefix = f"{base.path}{self.mirror_prefix}/"
        if parts.netloc != base.netloc or not parts.path.startswith(prefix):
            # The mirror's own robots.txt: recorded as the base host's, as every source
            # does, so that the archive knows it again on the next run.
            return super().to_official_url(url)
        host, _, path = parts.path[len(prefix):].partition("/")
        return urlunsplit(("https", host, "/" + path, parts.query, ""))
