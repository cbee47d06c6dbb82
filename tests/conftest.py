"""Shared test helpers: real samples, the `sii-atlas` command, and built databases.

Crawls are slow-ish (a subprocess, a build, a local server), so each source is crawled
once per session into a template database and every test gets its own copy
(`crawled_db`), as it gets its own copy of a freshly built one (`built_db`)."""

import fcntl
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import warm_cli

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


def sii_atlas(db: Path, *args: str, env: dict | None = None, timeout: float = 300,
              warm: bool = False) -> subprocess.CompletedProcess:
    """Run `sii-atlas` in a subprocess (the Twisted reactor cannot restart in one process):
    a cold interpreter, or with `warm`, a new process forked from one that has already
    imported the crawling stack (warm_cli.py: the same code and outputs, seconds sooner)."""
    env = {**os.environ, **(env or {})}
    if warm:
        return warm_cli.run(["--db", str(db), *args], PROJECT, env, timeout)
    return subprocess.run(
        [sys.executable, "-m", "crawlers.cli", "--db", str(db), *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=timeout, env=env,
    )


def fixture_keys(source: str) -> dict:
    """A made-up value for each environment variable a source's crawl needs (its API
    keys): without them the CLI skips the source. The fixture server accepts any."""
    from crawlers.sources import CONTRACTS

    return {name: f"fixture-{name.lower()}" for name in CONTRACTS[source].env_vars} if source in CONTRACTS else {}


def crawl(db: Path, server, source: str = "legislation_gov_uk", *extra: str, env: dict | None = None,
          **kwargs) -> subprocess.CompletedProcess:
    # A source that needs a key gets a test one, unless the test sets its own (an empty
    # value: the source is skipped).
    env = {**fixture_keys(source), **(env or {})}
    return sii_atlas(db, "crawl", source, "--base-url", server.url, *FAST, *extra, env=env,
                     **{"warm": True, **kwargs})


def archive_of(db: Path) -> Path:
    """Where the raw-response archive of a database lives (crawlers.store.archive)."""
    return db.with_name(db.stem + ".archive.sqlite")


def copy_database(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    if archive_of(source).exists():
        shutil.copyfile(archive_of(source), archive_of(target))
    return target


def shared_folder(tmp_path_factory) -> Path:
    """A folder every xdist worker of this session sees (the session's own temp root)."""
    root = tmp_path_factory.getbasetemp()
    return (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "shared"


@contextmanager
def made_once(folder: Path):
    """Yields True to the first process of the session to get here for `folder` (it makes
    the thing, which is then marked done), False to every later one. A maker that fails
    leaves nothing marked: the next one tries again, and fails the same way in its own test."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "done"
        if done.exists():
            yield False
            return
        shutil.rmtree(folder, ignore_errors=True)  # a failed attempt's leftovers
        folder.mkdir()
        yield True
        done.touch()


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    """The curated data built once per session, shared by the workers: copy it, never write it."""
    folder = shared_folder(tmp_path_factory) / "built"
    db = folder / "sii_atlas.db"
    with made_once(folder) as first:
        if first:
            result = sii_atlas(db, "build")
            assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def built_db(tmp_path, built_template) -> Path:
    return copy_database(built_template, tmp_path / "sii_atlas.db")


@pytest.fixture(scope="session")
def crawled_templates(tmp_path_factory, built_template):
    """{source: (database after one fixture crawl, that crawl's result, what its server
    saw)}: each source is crawled once per session, by the first worker that needs it."""
    from fixture_server import FixtureServer, Recorded

    def template(source: str):
        folder = shared_folder(tmp_path_factory) / f"crawled-{source}"
        db = folder / "sii_atlas.db"
        with made_once(folder) as first:
            if first:
                copy_database(built_template, db)
                with FixtureServer() as server:
                    result = crawl(db, server, source, env=fixture_keys(source))
                assert result.returncode == 0, result.stdout + result.stderr
                (folder / "crawl.json").write_text(json.dumps({
                    "result": [result.args, result.returncode, result.stdout, result.stderr],
                    "server": server.record()}))
        made = json.loads((folder / "crawl.json").read_text())
        return db, subprocess.CompletedProcess(*made["result"]), Recorded(made["server"])

    return template


@pytest.fixture
def crawled_db(tmp_path, crawled_templates):
    """A copy of the database after one fixture crawl of `source`: (db, result, server)."""

    def copy(source: str = "legislation_gov_uk"):
        db, result, server = crawled_templates(source)
        return copy_database(db, tmp_path / "sii_atlas.db"), result, server

    return copy


# Fixtures whose tests crawl or build (seconds each, a minute for a rate-limited source).
SLOW_FIXTURES = {"built_db", "built_template", "crawled_db", "crawled_templates"}


def pytest_collection_modifyitems(items):
    """Tests that crawl run first: with the workers stealing work from each other
    (--dist worksteal), the session then ends on short tests that even out, not on a
    minute-long crawl one worker started last. The order is the same in every worker
    (xdist requires it) and no test may depend on it."""
    items.sort(key=lambda item: not (SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))))
