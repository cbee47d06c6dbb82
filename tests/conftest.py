from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
#: Real captures kept beside the project (see ../shared/samples/README.md); absent elsewhere.
SAMPLES = PROJECT.parent / "shared" / "samples"


def sample(source: str, name: str) -> Path:
    """Path of a real capture, skipping the test cleanly where the samples are not present."""
    path = SAMPLES / source / name
    if not path.exists():
        pytest.skip(f"real sample {source}/{name} not present (needs ../shared/samples)")
    return path
