"""`sii-atlas release`: a dated folder an NGO can publish, archive or serve as it is.

    releases/2026-11-30/
      sii_atlas.db          the database (VACUUM INTO: a consistent, compact copy, even while a crawl writes)
      metadata.yml          the site's Datasette metadata, to serve the release (Dockerfile)
      inspect.json          table counts and file hash for `datasette serve -i --inspect-file`
      csv/<table>.csv       one per table or view that matters (datapackage.RELEASED)
      datapackage.json      Frictionless Data Package v1 descriptor, with the codebook
      README.md             what is in it, as of when, how to cite, how to serve it
      LICENCE.md            ours (CC BY 4.0) and each source's licence, from the sources table
      CITATION.cff          how to cite (Citation File Format 1.2)
      SHA256SUMS            every file's checksum

Nothing is ever half written: the folder is made under a hidden temporary name beside its
destination and renamed into place when complete (the database inside it too is written under
a temporary name first), so a crash leaves the old release, or none, never a partial one. An
existing release is kept unless `replace` is asked for.

Deterministic: the same database and release date give the same bytes in every file except
datapackage.json's `created` (when the release was made).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from . import datapackage
from .edition import NAME, OWN_LICENCE, RELEASE_DESCRIPTOR, as_of, citation, source_licences

DATABASE_FILE = "sii_atlas.db"  # Datasette names the database `sii_atlas`, as metadata.yml expects
METADATA_FILE = "metadata.yml"
INSPECT_FILE = "inspect.json"


class ReleaseExists(FileExistsError):
    pass


@dataclass
class Made:
    folder: Path
    files: int
    bytes: int
    rows: dict[str, int]


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of `source` at `target` (written beside it, then renamed): VACUUM INTO
    reads one snapshot, so a crawl writing meanwhile cannot tear it; the copy is compact and
    in rollback-journal mode, a single file that opens read-only and immutable."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        conn.execute("VACUUM INTO ?", [str(partial)])
    finally:
        conn.close()
    check = sqlite3.connect(partial)
    try:
        problems = check.execute("PRAGMA quick_check").fetchall()
        check.execute("PRAGMA journal_mode = DELETE")
    finally:
        check.close()
    if problems != [("ok",)]:
        partial.unlink()
        raise sqlite3.DatabaseError(f"the copy of {source} failed its check: {problems[:3]}")
    os.replace(partial, target)


def inspect_data(conn: sqlite3.Connection, path: Path) -> dict:
    """What `datasette inspect` records, for an immutable database served from this folder:
    the file's hash and size and each table's row count (so Datasette need not count them)."""
    digest = datapackage.file_facts(path)["hash"].removeprefix("sha256:")
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    counts = {}
    for table in tables:
        try:
            counts[table] = {"count": conn.execute(f"SELECT count(*) FROM {datapackage.quoted(table)}").fetchone()[0]}
        except sqlite3.OperationalError:
            continue  # a virtual table whose module this Python lacks
    return {path.stem: {"hash": digest, "size": path.stat().st_size, "file": path.name, "tables": counts}}


def readme(release_date: str, stamp: str | None, cited: str, package: dict, url: str | None) -> str:
    tables = [r for r in package["resources"] if r.get("profile") == "tabular-data-resource"]
    lines = [
        f"# {NAME}, release {release_date}",
        "",
        "A provision-level, source-linked atlas of the law on synthetic intimate imagery (sexual deepfakes,",
        "nudify apps, intimate-image abuse): laws, provisions and their versions, court decisions, bills,",
        "and a coded comparison of jurisdictions.",
        "",
        f"- Data as of: {stamp or 'unknown'} (the last crawl, build or curator's check recorded in the database)",
        f"- Cite as: {cited}",
        "- Licences: mixed, see LICENCE.md (each crawled row is under its source's licence; our registry,",
        "  summaries and coding are CC BY 4.0)",
        "",
        "## Files",
        "",
        f"- `{DATABASE_FILE}`: the SQLite database, every table (open it with any SQLite tool, or serve it, below)",
        f"- `{RELEASE_DESCRIPTOR}`: Frictionless Data Package descriptor: every file, its schema and checksum, the codebook",
        "- `csv/`: one CSV per table (UTF-8, a header row, empty field for no value):",
        "",
        "| file | rows | what it holds |",
        "|---|---:|---|",
    ]
    for resource in tables:
        lines.append(f"| `{resource['path']}` | {resource['rows']} | {resource.get('description', '').replace('|', '/')} |")
    lines += [
        "",
        f"- `{METADATA_FILE}`, `{INSPECT_FILE}`: to serve the release with Datasette",
        "- `LICENCE.md`, `CITATION.cff`, `SHA256SUMS` (check with `sha256sum -c SHA256SUMS`)",
        "",
        "## Serve it",
        "",
        "Read-only and immutable, as many replicas as needed (see the project's Dockerfile):",
        "",
        "```",
        f"datasette serve -i {DATABASE_FILE} --metadata {METADATA_FILE} --inspect-file {INSPECT_FILE}",
        "```",
        "",
        "(with the `sii-atlas` package installed, which brings the site's plugin, templates and feeds).",
    ]
    if url:
        lines += ["", f"Online: {url}"]
    return "\n".join(lines) + "\n"


def licence_text(conn: sqlite3.Connection) -> str:
    lines = [
        f"# Licences of {NAME} releases",
        "",
        "The data is under mixed licences. Every crawled row names its `source`; that source's licence",
        "applies to it (and its terms, linked below). The SII Atlas registry, summaries, coding",
        f"and codebook are licensed under {OWN_LICENCE['title']} ({OWN_LICENCE['path']}).",
        "The software that built this release is licensed separately (MIT; not part of the data).",
        "",
        "| source | name | licence | licence URL | terms |",
        "|---|---|---|---|---|",
    ]
    for source in source_licences(conn):
        cells = [source["id"], source["name"], source["licence"], source["licence_url"], source["terms_url"]]
        lines.append("| " + " | ".join((str(cell) if cell else "").replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def citation_file(release_date: str, version: str, url: str | None) -> str:
    document = {
        "cff-version": "1.2.0",
        "message": "If you use this data, please cite it as below. Crawled rows keep their sources' licences (LICENCE.md).",
        "type": "dataset",
        "title": NAME,
        "version": version,
        "date-released": release_date,
        "authors": [{"name": NAME}],
        "license": OWN_LICENCE["name"],
    }
    if url:
        document["url"] = url
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def checksums(folder: Path) -> str:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == RELEASE_DESCRIPTOR:
            continue  # its `created` changes every time; it holds every other file's hash itself
        digest = datapackage.file_facts(path)["hash"].removeprefix("sha256:")
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}")
    return "\n".join(lines) + "\n"


def make_release(database: Path, out: Path, *, metadata_path: Path, release_date: str, url: str | None = None,
                 replace: bool = False, created: datetime | None = None) -> Made:
    out = Path(out)
    if out.exists() and not replace:
        raise ReleaseExists(f"{out} already exists (pass --replace to replace it, or --out another folder)")
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = yaml.safe_load(metadata_path.read_text(encoding="utf-8")) or {}
    created_at = (created or datetime.now(timezone.utc)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        copy_database(Path(database), work / DATABASE_FILE)
        shutil.copyfile(metadata_path, work / METADATA_FILE)
        conn = sqlite3.connect(f"file:{work / DATABASE_FILE}?mode=ro", uri=True)
        try:
            stamp = as_of(conn)
            cited = citation(release_date, stamp, url)
            package = datapackage.descriptor(conn, work, metadata=metadata, release_date=release_date,
                                             created=created_at, as_of=stamp, citation=cited, url=url,
                                             database_file=DATABASE_FILE)
            (work / INSPECT_FILE).write_text(json.dumps(inspect_data(conn, work / DATABASE_FILE), indent=2,
                                                        sort_keys=True) + "\n", encoding="utf-8")
            (work / "LICENCE.md").write_text(licence_text(conn), encoding="utf-8")
        finally:
            conn.close()
        (work / "README.md").write_text(readme(release_date, stamp, cited, package, url), encoding="utf-8")
        (work / "CITATION.cff").write_text(citation_file(release_date, package["version"], url), encoding="utf-8")
        (work / RELEASE_DESCRIPTOR).write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        (work / "SHA256SUMS").write_text(checksums(work), encoding="utf-8")
        (work / DATABASE_FILE).chmod(0o444)  # a release is never written to
        work.chmod(0o755)  # mkdtemp makes it private; a release is for everyone to read
        install(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    files = [p for p in out.rglob("*") if p.is_file()]
    rows = {r["name"]: r["rows"] for r in package["resources"] if "rows" in r}
    return Made(out, len(files), sum(p.stat().st_size for p in files), rows)


def install(work: Path, out: Path) -> None:
    """Put the finished folder at `out`: one rename, or (replacing) the old one moved aside first
    and deleted only once the new one is in place."""
    if not out.exists():
        os.rename(work, out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rename(out, aside / out.name)
    try:
        os.rename(work, out)
    except OSError:
        os.rename(aside / out.name, out)  # put the old release back
        raise
    shutil.rmtree(aside, ignore_errors=True)
