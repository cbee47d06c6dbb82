"""One source over many official sites (a table of registers, one host each): each site's own
pace, and one mirror standing for all of them. Not a source: the loader skips `_` modules.

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

    @classmethod
    def site_delays(cls) -> dict[str, float]:
        """Each site's host and the seconds between two requests to it (the table's `delay`)."""
        return {}

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Each site gets its own pace: Scrapy keys download slots by host.
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for host, delay in cls.site_delays().items():
            slots.setdefault(host, {"concurrency": 1, "delay": delay})
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

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
