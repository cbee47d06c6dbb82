"""How long `sii-atlas build` takes, on a fresh database and on an unchanged one, with the
curated YAML read by pure-Python PyYAML (the old way) and by libyaml (the current way).

Run on demand (not a test):  .venv/bin/python benchmarks/build_speed.py
Each figure is the median wall time of a whole `sii-atlas build` process (start-up included),
so it is what a user waits for.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "data"
REPEAT = 3

# Runs the real CLI, choosing the YAML loader first; "libyaml" keeps the module's own choice.
RUN_BUILD = """
import sys, yaml
from crawlers.registry import curated
if sys.argv[1] == "pure-python":
    curated.YAML_LOADER = yaml.SafeLoader
from crawlers.cli import main
sys.exit(main(sys.argv[2:]))
"""


def build_seconds(loader: str, db: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUN_BUILD, loader, "build", "--data", str(DATA), "--db", str(db)],
                   cwd=PROJECT, check=True, capture_output=True)
    return time.perf_counter() - started


def main():
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        print("note: this PyYAML has no libyaml; both rows use pure Python")
    print(f"{'YAML reader':<12} {'fresh database':>15} {'unchanged database':>19}   (median of {REPEAT})")
    for loader in ("pure-python", "libyaml"):
        fresh, unchanged = [], []
        for _ in range(REPEAT):
            with tempfile.TemporaryDirectory() as folder:
                db = Path(folder) / "sii_atlas.db"
                fresh.append(build_seconds(loader, db))
                unchanged.append(build_seconds(loader, db))
        print(f"{loader:<12} {statistics.median(fresh):14.2f}s {statistics.median(unchanged):18.2f}s")


if __name__ == "__main__":
    main()
