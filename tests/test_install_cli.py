"""The package installed for real (not editable) finds its data only where told, and the
CLI takes --db and --data before or after the command.

The install is `pip install --no-deps --target`: the venv already holds the dependencies,
so it only builds our wheel. It runs from a copy of the sources so that the build leaves
no build/ folder in the checkout (and two test runs cannot race on one).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawlers import cli
from crawlers.registry import curated

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "data"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(site folder holding the installed package, an empty working directory)."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    shutil.copytree(PROJECT / "crawlers", source / "crawlers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    site = root / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target", str(site), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    elsewhere = root / "elsewhere"  # neither the repository nor a folder with data/
    elsewhere.mkdir()
    return site, elsewhere


def sii_atlas(installed, *args: str) -> subprocess.CompletedProcess:
    site, elsewhere = installed
    env = {key: value for key, value in os.environ.items() if not key.startswith("SII_ATLAS_")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "crawlers.cli", *args],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)


def test_the_installed_copy_is_the_one_that_runs(installed):
    site, elsewhere = installed
    done = subprocess.run([sys.executable, "-c", "import crawlers.cli; print(crawlers.cli.__file__)"],
                          cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(site)},
                          capture_output=True, text=True, timeout=60)
    assert Path(done.stdout.strip()).is_relative_to(site)


def test_without_data_the_error_says_what_was_looked_for_and_how_to_fix_it(installed):
    done = sii_atlas(installed, "build")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "codebook.yaml" in done.stderr and "--data" in done.stderr and "SII_ATLAS_DATA" in done.stderr


def test_a_wrong_data_folder_is_named_not_replaced_by_a_fallback(installed, tmp_path):
    done = sii_atlas(installed, "check-data", "--data", str(tmp_path))
    assert done.returncode == 2
    assert f"--data {tmp_path}: no codebook.yaml there" in done.stderr and "Traceback" not in done.stderr


def test_build_with_options_before_and_after_the_command(installed, tmp_path):
    db = tmp_path / "x.db"
    before = sii_atlas(installed, "--data", str(DATA), "--db", str(db), "build")
    assert before.returncode == 0, before.stderr
    assert db.exists() and not (installed[1] / "data").exists()
    after = sii_atlas(installed, "build", "--db", str(db), "--data", str(DATA))
    assert after.returncode == 0, after.stderr
    assert str(db) in after.stdout


def test_check_data_with_data(installed):
    done = sii_atlas(installed, "check-data", "--data", str(DATA))
    assert done.returncode == 0, done.stdout + done.stderr


def test_serve_without_metadata_says_so(installed, tmp_path):
    db = tmp_path / "sii_atlas.db"
    db.touch()  # an existing database is served as it is: no build, no data folder needed
    done = sii_atlas(installed, "serve", "--db", str(db))
    assert done.returncode == 2
    assert "metadata.yml" in done.stderr and "--metadata" in done.stderr and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- in process


@pytest.mark.parametrize("argv", [
    ["--db", "x.db", "--data", "d", "crawl", "legislation_gov_uk", "--limit", "2"],
    ["crawl", "legislation_gov_uk", "--db", "x.db", "--limit", "2", "--data", "d"],
    ["--db", "other.db", "crawl", "--db", "x.db", "--data", "d", "legislation_gov_uk", "--limit", "2"],
])
def test_db_and_data_anywhere_keep_the_other_flags(argv):
    args = cli.build_parser().parse_args(argv)
    assert (args.db, args.data) == (Path("x.db"), Path("d"))
    assert (args.sources, args.limit) == (["legislation_gov_uk"], 2)


def test_without_options_the_defaults_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SII_ATLAS_DB", "/somewhere/atlas.db")
    args = cli.build_parser().parse_args(["status"])
    assert args.db is None and args.data is None
    assert cli.default_db(None) == Path("/somewhere/atlas.db")
    monkeypatch.delenv("SII_ATLAS_DB")
    assert cli.default_db(DATA) == DATA.resolve() / "sii_atlas.db"


def test_metadata_is_found_beside_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.find_metadata(None, DATA) == PROJECT / "metadata.yml"


def test_libyaml_reads_the_curated_files_exactly_as_pure_python_does(monkeypatch):
    if curated.YAML_LOADER is yaml.SafeLoader:
        pytest.skip("PyYAML was built without libyaml")
    fast = curated.load(DATA)
    monkeypatch.setattr(curated, "YAML_LOADER", yaml.SafeLoader)
    slow = curated.load(DATA)
    assert fast == slow  # a date read as a string (or the reverse) would compare unequal


def test_the_readme_names_every_source_module_and_every_key_variable():
    """The README's sources table is what a newcomer reads first: it may not fall behind the modules."""
    from crawlers.sources import CONTRACTS

    readme = (PROJECT / "README.md").read_text()
    missing = [source for source in CONTRACTS if f"`{source}`" not in readme]
    assert not missing, f"README's sources table lacks {missing}"
    variables = {name for contract in CONTRACTS.values() for name in contract.env_vars}
    assert not [name for name in sorted(variables) if name not in readme]
