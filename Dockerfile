# Serves one SII Atlas release, read-only and immutable, so any number of identical replicas
# can stand behind any load balancer: nothing is written, no state is shared, every replica
# answers the same (Datasette's -i: the database is opened immutable, counts come from the
# release's inspect.json).
#
#   sii-atlas release                                   # writes releases/<YYYY-MM-DD>/
#   docker build --build-arg RELEASE=releases/2026-11-30 -t sii-atlas:2026-11-30 .
#   docker run --read-only -p 8001:8001 -e SII_ATLAS_SITE_URL=https://atlas.example.org sii-atlas:2026-11-30
#
# The release folder must be inside the build context (the checkout). SII_ATLAS_SITE_URL is
# the public address, for the citation line and the feeds' links (else the request's host).
# tests/test_publishing.py runs this CMD's datasette command against a release.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY crawlers ./crawlers
# The package brings the site's plugin (the `datasette` entry point: pages, feeds, export labels).
RUN pip install . && useradd --system --no-create-home atlas

ARG RELEASE
COPY ${RELEASE}/ /release/
RUN test -f /release/sii_atlas.db -a -f /release/metadata.yml -a -f /release/inspect.json \
      || { echo "pass --build-arg RELEASE=releases/<date> (a folder made by sii-atlas release)" >&2; exit 1; } \
    && chmod -R a-w /release

USER atlas
EXPOSE 8001
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/-/versions.json', timeout=4)"
CMD ["datasette", "serve", "-i", "/release/sii_atlas.db", \
     "--metadata", "/release/metadata.yml", "--inspect-file", "/release/inspect.json", \
     "--template-dir", "/app/crawlers/site/templates", "--static", "site-static:/app/crawlers/site/static", \
     "--host", "0.0.0.0", "--port", "8001", "--cors", \
     "--setting", "sql_time_limit_ms", "5000", "--setting", "facet_time_limit_ms", "1000", \
     "--setting", "max_returned_rows", "5000", "--setting", "default_cache_ttl", "3600"]
