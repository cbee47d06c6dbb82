"""Every parser over every saved example, compared with reviewed expected output.

Layout, one folder per source (juriscraper-style):

    tests/examples/<source>/examples.yaml     file name -> {url, meta}
    tests/examples/<source>/<file>            a response in the source's real format
    tests/examples/<source>/<file>.expected.json   the reviewed records it must give

A missing expected file is written from the current output and the test fails,
so that a person reviews it before it counts. A source without examples fails.
A parser slower than PARSE_BUDGET_SECONDS on one example fails too.
"""

import json
import time
from pathlib import Path

import pytest
import yaml

from crawlers.parsing import parse_file
from crawlers.sources import SPIDERS

EXAMPLES = Path(__file__).parent / "examples"
PARSE_BUDGET_SECONDS = 2.0


def all_examples():
    for source in sorted(SPIDERS):
        manifest = EXAMPLES / source / "examples.yaml"
        for file_name, spec in (yaml.safe_load(manifest.read_text()) if manifest.exists() else {}).items():
            yield pytest.param(source, file_name, spec, id=f"{source}/{file_name}")


@pytest.mark.parametrize("source", sorted(SPIDERS))
def test_every_source_has_examples(source):
    manifest = EXAMPLES / source / "examples.yaml"
    assert manifest.exists() and yaml.safe_load(manifest.read_text()), f"{source} has no examples"


@pytest.mark.parametrize("source,file_name,spec", list(all_examples()))
def test_example_matches_reviewed_output(source, file_name, spec):
    path = EXAMPLES / source / file_name
    started = time.perf_counter()
    records = parse_file(source, path, spec["url"], spec.get("meta"))
    elapsed = time.perf_counter() - started
    assert elapsed < PARSE_BUDGET_SECONDS, f"parser took {elapsed:.2f}s"
    if not spec.get("expect_empty"):
        assert records, f"{file_name} should give results and gave none"

    expected_path = path.with_name(path.name + ".expected.json")
    rendered = json.dumps(records, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if not expected_path.exists():
        expected_path.write_text(rendered, encoding="utf-8")
        pytest.fail(f"wrote {expected_path.name}: review it, then re-run")
    assert json.loads(rendered) == json.loads(expected_path.read_text(encoding="utf-8"))
