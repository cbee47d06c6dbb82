"""Shared test helpers: real samples, the `sii-atlas` command, and built databases.

Crawls are slow-ish (a subprocess, a build, a local server), so each source is crawled
once per session into a template database and every test gets its own copy
(`crawled_db`), as it gets its own copy of a freshly built one (`built_db`)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
#: Real captures kept beside the project (see ../shared/samples/README.md); absent elsewhere.
SAMPLES = PROJECT.parent / "shared" / "samples"
# Politeness settings are for the real sites; the local server needs no delay.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=1",
        "-s", "RETRY_BACKOFF_BASE_SECONDS=0.01", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def sample(source: str, name: str) -> Path:
    """Path of a real capture, skipping the test cleanly where the samples are not present."""
    path = SAMPLES / source / name
    if not path.exists():
        pytest.skip(f"real sample {source}/{name} not present (needs ../shared/samples)")
    return path


def sii_atlas(db: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `sii-atlas` in a subprocess (the Twisted reactor cannot restart in one process)."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "crawlers.cli", "--db", str(db), *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )


#: What a source needing credentials is given against the fixture server (never a real key).
def fixture_credentials(source: str) -> dict:
    from crawlers.sources import CONTRACTS

    contract = CONTRACTS.get(source)
    return {name: f"fixture-{name.lower()}" for name in (contract.env_vars if contract else ())}


def crawl(db: Path, server, source: str = "legislation_gov_uk", *extra: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs["env"] = {**fixture_credentials(source), **(kwargs.get("env") or {})}
    return sii_atlas(db, "crawl", source, "--base-url", server.url, *FAST, *extra, **kwargs)


def archive_of(db: Path) -> Path:
    """Where the raw-response archive of a database lives (crawlers.store.archive)."""
    return db.with_name(db.stem + ".archive.sqlite")


def copy_database(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    if archive_of(source).exists():
        shutil.copyfile(archive_of(source), archive_of(target))
    return target


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("built") / "sii_atlas.db"
    result = sii_atlas(db, "build")
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def built_db(tmp_path, built_template) -> Path:
    return copy_database(built_template, tmp_path / "sii_atlas.db")


@pytest.fixture(scope="session")
def crawled_templates(tmp_path_factory, built_template):
    """{source: (database after one fixture crawl, that crawl's result, its server)}, made on first use."""
    from fixture_server import FixtureServer

    made = {}

    def template(source: str):
        if source not in made:
            db = copy_database(built_template, tmp_path_factory.mktemp(source) / "sii_atlas.db")
            with FixtureServer() as server:
                result = crawl(db, server, source)
            assert result.returncode == 0, result.stdout + result.stderr
            made[source] = (db, result, server)
        return made[source]

    return template


@pytest.fixture
def crawled_db(tmp_path, crawled_templates):
    """A copy of the database after one fixture crawl of `source`: (db, result, server)."""

    def copy(source: str = "legislation_gov_uk"):
        db, result, server = crawled_templates(source)
        return copy_database(db, tmp_path / "sii_atlas.db"), result, server

    return copy
