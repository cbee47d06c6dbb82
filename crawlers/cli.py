"""`sii-atlas`: build, crawl, reparse, serve, parse, status, sources, check-data, link-citations, release.

Every command takes `--db PATH` and `--data DIR`, before or after the command name.
The curated data folder is --data, else $SII_ATLAS_DATA, else a data/ holding codebook.yaml
in the current directory or beside the package source (see curated.find_data_dir). The
database is --db, else $SII_ATLAS_DB, else sii_atlas.db inside that data folder.
"""

import argparse
import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from .registry import curated
from .store.schema import SCHEMA_VERSION, open_database

DATABASE_FILE = "sii_atlas.db"  # Datasette names the database `sii_atlas` after this file
METADATA_FILE = "metadata.yml"


def default_db(data: Path | None) -> Path:
    """$SII_ATLAS_DB, else the database beside the curated files it is built from (in a
    checkout: data/sii_atlas.db, which .gitignore keeps out of git)."""
    if os.environ.get("SII_ATLAS_DB"):
        return Path(os.environ["SII_ATLAS_DB"])
    try:
        return curated.find_data_dir(data) / DATABASE_FILE
    except curated.DataNotFound as error:
        raise curated.DataNotFound(f"{error}; or pass --db PATH (the default database is "
                                   f"{DATABASE_FILE} in the data folder)") from None


# --------------------------------------------------------------------------- build


def build(db_path: Path, data_dir: Path | None = None, quiet: bool = False) -> int:
    data = curated.load(data_dir)
    db = open_database(db_path)
    try:
        counts = curated.load_into(db, data)
    except curated.CuratedDataError as error:
        print(f"build refused: {error}", file=sys.stderr)
        return 1
    db.execute("PRAGMA optimize")
    if not quiet:
        print(
            f"built {db_path} (schema v{SCHEMA_VERSION}): {counts['jurisdictions']} jurisdictions, "
            f"{counts['instruments']} tracked instruments, {counts['coded_answers']} coded answers, "
            f"{counts['cases']} curated cases"
        )
    return 0


def check_data(args) -> int:
    data_dir = curated.find_data_dir(args.data)
    data = curated.load(data_dir)
    problems = curated.check(data)
    for problem in problems:
        print(problem)
    for notice in curated.notices(data):  # gaps that are not errors
        print(f"note: {notice}", file=sys.stderr)
    print(f"{len(problems)} problem(s)" if problems else f"{data_dir} is consistent", file=sys.stderr)
    return 1 if problems else 0


# --------------------------------------------------------------------------- crawl


def crawl(args) -> int:
    """Exit 0 when every source ran and no tracked document failed; 1 otherwise (a
    failed or crashed source, or any curated document that could not be fetched,
    even when the discovery feeds answered); 2 for bad arguments."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from .sources import SPIDERS

    sources = args.sources or sorted(SPIDERS)
    unknown = [s for s in sources if s not in SPIDERS]
    if unknown:
        print(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(SPIDERS))}", file=sys.stderr)
        return 2
    data_dir = curated.find_data_dir(args.data)
    if build(args.db, data_dir, quiet=True) != 0:
        return 1
    settings = Settings()
    settings.setmodule("crawlers.crawling.settings", priority="project")
    settings.set("SII_ATLAS_DB", str(args.db), priority="cmdline")
    if args.cache:
        settings.set("HTTPCACHE_ENABLED", True, priority="cmdline")
    for assignment in args.setting or []:
        key, _, value = assignment.partition("=")
        settings.set(key, value, priority="cmdline")

    db = open_database(args.db)
    last_run = db.execute("SELECT COALESCE(MAX(id), 0) FROM crawl_runs").fetchone()[0]
    process = CrawlerProcess(settings)
    skipped, crawlers, secrets, secret_params = [], {}, [], set()
    for source in sources:
        spider = SPIDERS[source]
        missing_env = [name for name in spider.contract.env_vars if not os.environ.get(name)]
        if missing_env:
            print(f"{source}: skipped, set {' and '.join('$' + n for n in missing_env)} to crawl it", file=sys.stderr)
            skipped.append(source)
            continue
        secrets += [os.environ[name] for name in spider.contract.env_vars]
        secret_params |= spider.contract.all_secret_params
        arguments = {"base_url": args.base_url, "since": args.since, "limit": args.limit}
        crawler = process.create_crawler(spider)
        crawlers[source] = crawler
        process.crawl(crawler, tracked=curated.tracked_instruments(source, data_dir),
                      **{k: v for k, v in arguments.items() if v is not None})
    if len(skipped) < len(sources):
        if "example.org" in settings["USER_AGENT"] and not os.environ.get("CI"):
            print("warning: set SII_ATLAS_CONTACT to your e-mail address: sources require a real contact "
                  "in the User-Agent", file=sys.stderr)
        redact_logs(secrets, secret_params)
        process.start()

    runs = list(db.query("SELECT * FROM crawl_runs WHERE id > ? ORDER BY id", [last_run]))
    for run in runs:
        run["tracked_failed"] = tracked_failures(db, run, crawlers.get(run["source"]))
    print_table(
        ["source", "outcome", "pages", "new", "changed", "unchanged", "dropped", "errors", "tracked failed"],
        [
            [r["source"], r["outcome"] or "interrupted", r["pages"], r["items_new"], r["items_changed"],
             r["items_unchanged"], r["items_dropped"], r["errors"], r["tracked_failed"]]
            for r in runs
        ]
        + [[source, "skipped", "", "", "", "", "", "", ""] for source in skipped],
    )
    # A source that was started but left no run row crashed before it could say so.
    missing = [s for s in sources if s not in skipped and s not in {r["source"] for r in runs}]
    failed = [r["source"] for r in runs if r["outcome"] in (None, "failed")] + missing
    if failed:
        print(f"failed: {', '.join(failed)} (see the crawl_errors table)", file=sys.stderr)
    lost = [f"{r['source']} ({r['tracked_failed']})" for r in runs if r["tracked_failed"]]
    if lost:
        print(f"tracked documents not fetched: {', '.join(lost)} (see the crawl_errors table)", file=sys.stderr)
    # A source stopped early (deadline, quota, unreachable) never asked for what was still
    # queued, tracked documents included: the crawl did not do its job.
    stopped = [r["source"] for r in runs if r["source"] not in failed and db.execute(
        "SELECT 1 FROM crawl_errors WHERE run_id = ? AND kind = 'run'", [r["id"]]).fetchone()]
    if stopped:
        print(f"stopped early: {', '.join(stopped)} (the reason is in the crawl_errors table)", file=sys.stderr)
    return 1 if failed or lost or stopped else 0


def tracked_failures(db, run: dict, crawler) -> int:
    """How many tracked (curated) documents failed in this run: the run's own count when
    the store keeps one, else what the spider counted in this process."""
    if "tracked_failed" in db["crawl_runs"].columns_dict:
        return run.get("tracked_failed") or 0
    stats = crawler.stats.get_stats() if crawler is not None and crawler.stats else {}
    return stats.get("sii_atlas/tracked_failed", 0)


def redact_logs(secrets: list[str], secret_params: set[str]) -> None:
    """Every log line, whoever writes it (Scrapy's own retry and error messages name
    URLs), with secret query parameters and known key values masked."""
    import logging

    from .redaction import redact_text, redact_url

    url = __import__("re").compile(r"https?://[^\s<>\"']+")

    class Redact(logging.Filter):
        def filter(self, record):
            message = url.sub(lambda m: redact_url(m.group(0), secret_params), record.getMessage())
            record.msg, record.args = redact_text(message, secrets), ()
            if record.exc_info:
                record.exc_text = redact_text(url.sub(lambda m: redact_url(m.group(0), secret_params),
                                                      logging.Formatter().formatException(record.exc_info)), secrets)
                record.exc_info = None
            return True

    for handler in logging.getLogger().handlers:
        handler.addFilter(Redact())


# --------------------------------------------------------------------------- reparse


def reparse(args) -> int:
    """Run the current parsers over every archived page of the sources, offline, into
    the store as a crawl would (a crawl run, validation, batches, errors recorded), with
    each source's current parser_version. Exit 0 when every source's reparse stored
    something or had nothing to do; 1 when one failed; 2 for bad arguments."""
    import time

    from .sources import SPIDERS
    from .store.archive import Archive, archive_path

    sources = args.sources or sorted(SPIDERS)
    unknown = [s for s in sources if s not in SPIDERS]
    if unknown:
        print(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(SPIDERS))}", file=sys.stderr)
        return 2
    path = archive_path(args.db)
    if not path.exists():
        print(f"nothing to reparse: no archive at {path} (a crawl fills it)", file=sys.stderr)
        return 0
    archive = Archive(path)
    try:
        pages, unplaced = archived_pages(archive, sources, SPIDERS)
        if unplaced:
            print(f"{unplaced} archived page(s) belong to no known source: not reparsed", file=sys.stderr)
        if not any(pages.values()):
            print(f"nothing to reparse: {path} holds no page of {', '.join(sources)}", file=sys.stderr)
            return 0
        from .store import Store

        store = Store.open(args.db)
        rows = []
        for source in sources:
            if not pages[source]:
                rows.append([source, "nothing archived", "", "", "", "", "", "", "", ""])
                continue
            started = time.monotonic()
            run, ignored = reparse_source(store, archive, SPIDERS[source], pages[source], path.name)
            rows.append([source, run["outcome"], run["pages"], run["items_new"], run["items_changed"],
                         run["items_unchanged"], run["items_dropped"], run["errors"], ignored,
                         f"{time.monotonic() - started:.1f}"])
    finally:
        archive.close()
    print_table(["source", "outcome", "pages", "new", "changed", "unchanged", "dropped", "errors", "requests ignored",
                 "seconds"], rows)
    legacy = sum(1 for source in sources for page in pages[source] if page["meta"] is None)
    if legacy:
        print(f"{legacy} page(s) were archived before request context was kept: parsed without it "
              "(a curated jurisdiction or status, a search term)", file=sys.stderr)
    failed = [row[0] for row in rows if row[1] == "failed"]
    if any(row[7] for row in rows if row[7] != ""):
        print("errors recorded: see the crawl_errors table", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)} (see the crawl_errors table)", file=sys.stderr)
    return 1 if failed else 0


def archived_pages(archive, sources: list[str], spiders: dict) -> tuple[dict[str, list[dict]], int]:
    """{source: its archived pages' states}, oldest fetch first (robots.txt aside), and
    how many pages no known source claims. Pages archived before the source was
    recorded are claimed by the source whose official hosts serve their URL."""
    by_host = {host: name for name, spider in spiders.items() for host in spider.official_hosts()}
    pages: dict[str, list[dict]] = {source: [] for source in sources}
    unplaced = 0
    for state in archive.entries(sources):
        url = urlsplit(page_request(state["url"])[1])
        if url.path == "/robots.txt":
            continue  # archived as Scrapy's robots check fetched it; no parser of ours reads it
        source = state["source"] or by_host.get(url.netloc)
        if source in pages:
            pages[source].append(state)
        elif source is None:
            unplaced += 1
    return pages, unplaced


def page_request(key: str) -> tuple[str, str]:
    """(method, URL) of an archive key: a URL, or `POST URL BODY-HASH` (ArchiveMiddleware.key)."""
    if key.startswith("POST "):
        return "POST", key.split(" ")[1]
    return "GET", key


def reparse_source(store, archive, spider, pages: list[dict], archive_name: str) -> tuple[dict, int]:
    """One source's pages through its parsers and into the store, as one crawl run:
    batches of the crawl's size, each with the errors met since the last. Returns the
    run's row and how many requests the parsers yielded (not followed)."""
    import scrapy

    from .crawling.pipelines import BATCH_SIZE, record_of
    from .items import PageError
    from .parsing import parse_body
    from .store.archive import DamagedBody

    contract = spider.contract
    store.secret_params = contract.all_secret_params
    store.parser_version = str(contract.parser_version)
    run_id = store.start_run(spider.name, {"reparse": archive_name, "parser_version": store.parser_version})
    counts = {"new": 0, "changed": 0, "unchanged": 0, "dropped": 0}
    pending, errors, ignored, error_count = [], [], 0, 0

    def flush():
        nonlocal pending, errors, error_count
        if not (pending or errors):
            return
        batch_counts, failures = store.write_batch(pending, run_id=run_id, source=spider.name, errors=errors)
        for key, value in batch_counts.items():
            counts[key] += value
        error_count += len(errors) + len(failures)
        pending, errors = [], []

    for page in pages:
        _, url = page_request(page["url"])
        results = []  # what the parser yielded before any failure is kept, as in a crawl
        try:
            body = archive.body(page["sha256"])
            if body is None:
                raise DamagedBody(f"archived body {page['sha256']} is missing")
            for result in parse_body(spider, url, body, page["meta"], page["content_type"]):
                results.append(result)
        except DamagedBody as error:
            errors.append({"url": url, "status": page["status"], "kind": "other", "reason": f"archive: {error}"})
        except Exception as error:  # a parser's failure costs its page, as in a crawl
            errors.append({"url": url, "status": page["status"], "kind": "parse",
                           "reason": f"{type(error).__name__}: {error}"})
        for result in results:
            if isinstance(result, scrapy.Request):
                ignored += 1
            elif isinstance(result, PageError):
                errors.append({"url": result.get("url"), "status": result.get("status"),
                               "kind": result.get("kind") or "parse", "reason": result.get("reason") or ""})
            else:
                pending.append(record_of(result))
        if len(pending) >= BATCH_SIZE:
            flush()
    flush()
    stored = counts["new"] + counts["changed"] + counts["unchanged"]
    if stored == 0 and error_count == 0:
        errors.append({"kind": "empty", "reason": "the archived pages gave no items"})
        flush()
    outcome = "ok" if error_count == 0 else "partial" if stored > 0 else "failed"
    totals = {"pages": len(pages), **{f"items_{key}": value for key, value in counts.items()}, "errors": error_count}
    store.finish_run(run_id, outcome, totals)
    run = dict(zip(["outcome", *totals], [outcome, *totals.values()]))
    return run, ignored


# --------------------------------------------------------------------------- serve


class MetadataNotFound(LookupError):
    """No metadata.yml where we looked; the message says where and how to fix it."""


def serve(args) -> int:
    if not Path(args.db).exists() and build(args.db, args.data) != 0:
        return 1
    from .site import datasette_cli_options

    metadata = find_metadata(args.metadata, args.data)
    command = [
        sys.executable, "-m", "datasette", "serve", str(args.db),
        "--metadata", str(metadata_for(Path(args.db), metadata)),
        *datasette_cli_options(),  # the site's templates and stylesheet (the plugin comes by entry point)
        "--port", str(args.port), "--host", args.host,
        "--setting", "sql_time_limit_ms", "5000",
        "--setting", "facet_time_limit_ms", "1000",
        "--setting", "max_returned_rows", "5000",
    ]
    print(f"serving {args.db} on http://{args.host}:{args.port}/", file=sys.stderr)
    return subprocess.call(command)


def find_metadata(explicit: Path | None, data: Path | None) -> Path:
    """--metadata, else metadata.yml in the folder that holds the data folder (a checkout's
    top level), else in the current directory. It is not part of the installed package."""
    if explicit:
        if not Path(explicit).is_file():
            raise MetadataNotFound(f"--metadata {explicit}: no such file")
        return Path(explicit)
    candidates = []
    try:
        candidates.append(curated.find_data_dir(data).parent / METADATA_FILE)
    except curated.DataNotFound:
        pass  # a database served on its own still finds metadata.yml in the current directory
    candidates.append(Path.cwd() / METADATA_FILE)
    for path in candidates:
        if path.is_file():
            return path
    looked = ", ".join(str(path) for path in dict.fromkeys(candidates))
    raise MetadataNotFound(f"no {METADATA_FILE} found (looked for {looked}); "
                           f"pass --metadata FILE (the repository's {METADATA_FILE})")


def metadata_for(db_path: Path, metadata_path: Path) -> Path:
    """metadata.yml describes the database `sii_atlas`; Datasette names a database after
    its file, so a database at another path gets a copy keyed (and linked) by its name."""
    name = db_path.stem
    if name == Path(DATABASE_FILE).stem:
        return metadata_path
    import tempfile

    metadata = curated.read_yaml(metadata_path)
    metadata["databases"] = {name: metadata["databases"].pop("sii_atlas")}
    metadata["description_html"] = metadata["description_html"].replace("/sii_atlas/", f"/{name}/")
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", prefix="sii-atlas-metadata-", delete=False)
    with handle:
        json.dump(metadata, handle)
    return Path(handle.name)


# --------------------------------------------------------------------------- parse


def parse(args) -> int:
    from .parsing import parse_file

    url = args.url or Path(args.file).resolve().as_uri()
    meta = json.loads(args.meta) if args.meta else None
    try:
        records = parse_file(args.source, Path(args.file), url, meta)
    except LookupError as error:
        print(f"{error}; pass --url with the page's official URL", file=sys.stderr)
        return 2
    except (ValueError, OSError) as error:
        print(f"{args.source} cannot parse {args.file}: {error}", file=sys.stderr)
        return 1
    try:
        for record in records:
            print(json.dumps(record, ensure_ascii=False, sort_keys=True))
    except BrokenPipeError:  # `| head` closed the pipe: not an error
        sys.stderr.close()
    return 0


# --------------------------------------------------------------------------- status


def status(args) -> int:
    """Per source: its terms (key variables set or not, never their values; the enforced
    rate limit; the expected crawl time; the licence) beside its last run."""
    from . import source_table
    from .sources import SPIDERS

    if not Path(args.db).exists():
        print(f"no database at {args.db}; run `sii-atlas build`", file=sys.stderr)
        return 1
    db = open_database(args.db)
    try:
        data_dir = curated.find_data_dir(args.data)
    except curated.DataNotFound:
        data_dir = None  # a database alone: no curated files to count the tracked documents from
    rows = []
    now = datetime.now(timezone.utc)
    for source in db.query("SELECT id, licence FROM sources ORDER BY id"):
        terms = ["", "", ""]
        spider = SPIDERS.get(source["id"])
        if spider is not None:
            expected = ""
            if data_dir is not None:
                tracked = curated.tracked_instruments(source["id"], data_dir)
                expected = source_table.estimate(spider.contract, *source_table.first_requests(spider, tracked)).text()
            terms = [source_table.key_state(spider.contract), source_table.enforced_limit(spider.contract), expected]
        run = next(iter(db.query(
            "SELECT * FROM crawl_runs WHERE source = ? ORDER BY id DESC LIMIT 1", [source["id"]])), None)
        # The data's age is that of the last fetch: a reparse re-reads old pages.
        good = next(iter(db.query(
            "SELECT finished FROM crawl_runs WHERE source = ? AND outcome IN ('ok', 'partial') "
            "AND COALESCE(json_extract(arguments, '$.reparse'), '') = '' ORDER BY id DESC LIMIT 1",
            [source["id"]])), None)
        if run is None:
            rows.append([source["id"], *terms, "never", "", "", "", "", "", "", "", source["licence"] or ""])
            continue
        items = run["items_new"] + run["items_changed"] + run["items_unchanged"]
        age = ""
        if good and good["finished"]:
            delta = now - datetime.fromisoformat(good["finished"])
            age = f"{delta.days}d {delta.seconds // 3600}h"
        took = ""
        if run["finished"]:
            seconds = (datetime.fromisoformat(run["finished"]) - datetime.fromisoformat(run["started"])).total_seconds()
            took = source_table.duration_words(seconds)
        # Why a run stopped early (quota, deadline, unreachable server), as the store recorded it.
        stopped = next(iter(db.query(
            "SELECT reason FROM crawl_errors WHERE run_id = ? AND kind = 'run' ORDER BY id LIMIT 1", [run["id"]])), None)
        tracked = run.get("tracked_failed", "")
        rows.append([source["id"], *terms, run["started"], took, run["outcome"] or "interrupted", items, run["errors"],
                     tracked if tracked is not None else "", age, stopped["reason"] if stopped else "",
                     source["licence"] or ""])
    print_table(["source", "keys", "rate limit (enforced)", "expected crawl", "last run", "took", "outcome", "items",
                 "errors", "tracked failed", "data age", "stopped because", "licence"], rows)
    return 0


def sources(args) -> int:
    """The source table from the declarations: plain, as Markdown, or written into the README."""
    from . import source_table
    from .sources import SPIDERS

    data_dir = curated.find_data_dir(args.data)
    tracked = {source: curated.tracked_instruments(source, data_dir) for source in SPIDERS}
    if args.readme:
        readme = Path(args.readme)
        readme.write_text(source_table.with_table(readme.read_text(), source_table.markdown_table(SPIDERS, tracked)))
        print(f"{readme}: source table rewritten from the declarations", file=sys.stderr)
        return 0
    if args.markdown:
        print(source_table.markdown_table(SPIDERS, tracked), end="")
        return 0
    rows = []
    for source, spider in sorted(SPIDERS.items()):
        crawl = source_table.estimate(spider.contract, *source_table.first_requests(spider, tracked[source]))
        rows.append([source, spider.contract.kind, source_table.key_state(spider.contract),
                     source_table.enforced_limit(spider.contract), crawl.text()])
    print_table(["source", "kind", "keys", "rate limit (enforced)", "expected crawl"], rows)
    return 0


def print_table(headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in [h, *(r[i] for r in rows)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))


# --------------------------------------------------------------------------- link-citations

LINK_BATCH = 200


def link_citations(args) -> int:
    """Re-extract the statutes every stored decision cites, with today's patterns and
    instruments, and make each decision's `case_citations` exactly what they resolve to
    (one transaction per batch). Unresolved citations are counted, not stored."""
    import time
    from collections import Counter

    from . import citations
    from .store import Store

    if not Path(args.db).exists():
        print(f"no database at {args.db}; run `sii-atlas build`", file=sys.stderr)
        return 1
    store = Store.open(args.db)
    linker = citations.Linker.from_database(store.conn)
    totals = Counter()
    unresolved_acts = Counter()
    started, last_id = time.perf_counter(), ""
    while True:
        # Decisions withdrawn at source (gone, no text) keep the links they had.
        rows = store.conn.execute(
            "SELECT id, jurisdiction, text, cited_legislation FROM crawled_cases "
            "WHERE id > ? AND gone_at IS NULL ORDER BY id LIMIT ?", [last_id, LINK_BATCH]).fetchall()
        if not rows:
            break
        batch = {}
        for case_id, jurisdiction, text, cited in rows:
            found = citations.extract(text, jurisdiction, json.loads(cited) if cited else None)
            links, unresolved = citations.links_for(linker, found)
            batch[case_id] = links
            totals["cases"] += 1
            totals["bytes"] += len((text or "").encode("utf-8"))
            totals["found"] += len(found)
            totals["unresolved"] += len(unresolved)
            totals["linked cases"] += bool(links)
            unresolved_acts.update(c.act for c in unresolved)
        totals["links"] += store.replace_citations(batch)
        last_id = rows[-1][0]
    seconds = time.perf_counter() - started
    megabytes = totals["bytes"] / 1e6
    print(f"{totals['cases']} decisions ({megabytes:.1f} MB of text) read in {seconds:.1f} s: "
          f"{totals['found']} citations found, {totals['links']} links stored for {totals['linked cases']} decisions, "
          f"{totals['unresolved']} unresolved")
    if unresolved_acts:
        print("most cited acts not resolved: " + "; ".join(f"{act} ({n})" for act, n in unresolved_acts.most_common(8)))
    return 0


# --------------------------------------------------------------------------- release


def release(args) -> int:
    """A dated release folder (crawlers/publishing/release.py); exit 1 when the folder exists."""
    import time

    from .publishing.release import ReleaseExists, make_release

    if not Path(args.db).exists():
        print(f"no database at {args.db}; run `sii-atlas build`", file=sys.stderr)
        return 1
    release_date = args.date or datetime.now(timezone.utc).date().isoformat()
    out = args.out or Path("releases") / release_date
    url = args.url or os.environ.get("SII_ATLAS_SITE_URL") or None
    started = time.perf_counter()
    try:
        made = make_release(args.db, out, metadata_path=find_metadata(args.metadata, args.data),
                            release_date=release_date, url=url, replace=args.replace)
    except ReleaseExists as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    print(f"release {release_date} written to {made.folder}: {made.files} files, {made.bytes / 1e6:.1f} MB, "
          f"{sum(made.rows.values())} rows in {len(made.rows)} CSV files, {time.perf_counter() - started:.1f} s")
    if not url:
        print("note: no site address given (--url or $SII_ATLAS_SITE_URL): the citation has none", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- main


def iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)



def location_options(default) -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--db", type=Path, default=default,
                         help="SQLite database (default: $SII_ATLAS_DB, else sii_atlas.db in the data folder)")
    options.add_argument("--data", type=Path, default=default,
                         help="curated data folder (default: $SII_ATLAS_DATA, else ./data or the checkout's data/)")
    return options


def build_parser() -> argparse.ArgumentParser:
    # --db and --data work before or after the command: the top-level parser and every
    # command accept them; a command's copy has no default (SUPPRESS), so a value given
    # before the command is not overwritten by the command's default.
    parser = argparse.ArgumentParser(prog="sii-atlas", description=__doc__.splitlines()[0],
                                     parents=[location_options(None)])
    commands = parser.add_subparsers(dest="command", required=True)
    after_command = location_options(argparse.SUPPRESS)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, parents=[after_command])

    command("build", "create or migrate the database and load data/ (offline)")
    command("check-data", "check the curated files in data/ and list every problem")

    crawl_parser = command("crawl", "run spiders into the database")
    crawl_parser.add_argument("sources", nargs="*", help="source ids (default: all)")
    crawl_parser.add_argument("--since", type=iso_date, help="only documents published on or after this date (YYYY-MM-DD)")
    crawl_parser.add_argument("--limit", type=positive_int,
                              help="at most N documents (provision or judgment pages) per source; listing feeds are always read")
    crawl_parser.add_argument("--base-url", help="send every request to this host instead (a mirror or test server)")
    crawl_parser.add_argument("--cache", action="store_true", help="use Scrapy's HTTP cache (development and replay)")
    crawl_parser.add_argument("--setting", "-s", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")

    reparse_parser = command("reparse", "run the current parsers over the raw-response archive into the database (offline)")
    reparse_parser.add_argument("sources", nargs="*", help="source ids (default: all)")

    serve_parser = command("serve", "serve the database with Datasette")
    serve_parser.add_argument("--port", type=int, default=8001)
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--metadata", type=Path,
                              help="Datasette metadata (default: metadata.yml beside the data folder, else in the current directory)")

    parse_parser = command("parse", "run a source's parser on a saved response")
    parse_parser.add_argument("source")
    parse_parser.add_argument("file")
    parse_parser.add_argument("--url", help="the official URL the file was fetched from (picks the callback)")
    parse_parser.add_argument("--meta", help="request meta as JSON, e.g. '{\"query\": \"deepfake\"}'")

    command("status", "per source: keys set, rate limit, expected crawl time, licence; last run, outcome, items, errors, data age")
    sources_parser = command("sources", "per source: kind, keys, rate limit, expected crawl time (from the declarations)")
    sources_parser.add_argument("--markdown", action="store_true", help="the README's table, as Markdown")
    sources_parser.add_argument("--readme", type=Path, metavar="FILE",
                                help="rewrite the generated source table inside FILE (README.md)")
    command("link-citations", "re-extract the statutes every stored decision cites and link them (offline)")

    release_parser = command("release", "write a dated release folder: database copy, CSVs, datapackage.json, licences, citation")
    release_parser.add_argument("--out", type=Path, help="the folder to write (default: releases/<date>)")
    release_parser.add_argument("--date", type=iso_date, help="the release date (default: today, UTC)")
    release_parser.add_argument("--url", help="where the release is served, for the citation (default: $SII_ATLAS_SITE_URL)")
    release_parser.add_argument("--replace", action="store_true", help="replace an existing release folder")
    release_parser.add_argument("--metadata", type=Path,
                                help="Datasette metadata to ship (default: as for serve)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"build": lambda a: build(a.db, a.data), "check-data": check_data, "crawl": crawl, "reparse": reparse,
                "serve": serve, "parse": parse, "status": status, "sources": sources, "link-citations": link_citations,
                "release": release}
    try:
        if args.command != "parse":  # parse reads a file and prints; it has no database
            args.db = Path(args.db) if args.db else default_db(args.data)
        return handlers[args.command](args)
    except (curated.DataNotFound, MetadataNotFound) as error:
        print(f"sii-atlas: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
