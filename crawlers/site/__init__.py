"""The served site: the Datasette plugin, its templates and its static files, in one place.

`sii-atlas serve` and the tests start Datasette with `datasette_options()`, so both see the
same templates and stylesheet; the plugin itself is loaded through the `datasette` entry point.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_MOUNT = "site-static"  # served at /site-static/<file>


def datasette_options() -> dict:
    """Keyword arguments for `Datasette(...)` that give it this site's templates and static files."""
    return {"template_dir": str(TEMPLATES), "static_mounts": [(STATIC_MOUNT, str(STATIC))]}


def datasette_cli_options() -> list[str]:
    """The same, as `datasette serve` options."""
    return ["--template-dir", str(TEMPLATES), "--static", f"{STATIC_MOUNT}:{STATIC}"]
