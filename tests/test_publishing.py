"""Publishing: Atom feeds, licence and as-of on every export, release folders, and the
Dockerfile's command serving a release read-only and immutable."""

import csv
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette
from lxml import etree

from conftest import PROJECT, sii_atlas
from crawlers.publishing import datapackage, release
from crawlers.publishing.edition import as_of
from crawlers.site import datasette_options

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
RELEASE_DATE = "2026-11-30"
# Crawled changes come after the curators' last check (every verified_on is today or earlier).
SOON = (date.today() + timedelta(days=1)).isoformat()
LATER = (date.today() + timedelta(days=2)).isoformat()


def site_for(db: Path) -> Datasette:
    metadata = yaml.safe_load((PROJECT / "metadata.yml").read_text())
    return Datasette([str(db)], metadata=metadata, **datasette_options())


def add_changes(db: Path) -> None:
    """What crawls add to a built database: two texts of one French provision, a French
    decision, a Californian bill with its actions."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO provisions (id, instrument_id, label, heading, text, language, url, source, fetched_at) "
                     "VALUES ('LEGIARTI000049590034', 'fr-cp-226-8-1', 'art. 226-8-1', 'Article 226-8-1', "
                     "'Est puni de deux ans...', 'fr', 'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000049590034', "
                     "'legifrance', ?)", [f"{SOON}T09:00:00+00:00"])
        for number, (seen, superseded) in enumerate([(f"{SOON}T08:00:00+00:00", f"{SOON}T09:00:00+00:00"),
                                                     (f"{SOON}T09:00:00+00:00", None)]):
            conn.execute("INSERT INTO provision_versions (provision_id, language, content_hash, heading, text, source, "
                         "first_seen, superseded_at) VALUES ('LEGIARTI000049590034', 'fr', ?, 'Article 226-8-1', ?, "
                         "'legifrance', ?, ?)", [f"hash{number}", f"texte {number}\x0csuite\x08", seen, superseded])  # control characters, as converted texts have
        conn.execute("INSERT INTO cases (id, jurisdiction, court, decision_date, name, url, source, fetched_at) "
                     "VALUES ('JURITEXT000050000001', 'FR', 'Cour de cassation', '2026-06-12', 'Crim. 12 juin 2026', "
                     "'https://www.courdecassation.fr/decision/1', 'judilibre', ?)", [f"{SOON}T10:00:00+00:00"])
        conn.execute("INSERT INTO bills (id, jurisdiction, identifier, session, title, status, status_date, url, source, "
                     "fetched_at) VALUES ('ocd-bill/ca-ab-1', 'US-CA', 'AB 1', '20252026', 'Deepfake pornography', "
                     "'passed_one_chamber', '2026-05-01', 'https://leginfo.legislature.ca.gov/ab1', 'open_states', "
                     "?)", [f"{SOON}T11:00:00+00:00"])
        conn.executemany("INSERT INTO bill_actions (bill_id, date, action, wording) VALUES ('ocd-bill/ca-ab-1', ?, ?, ?)",
                         [("2026-02-01", "introduced", "Introduced"), (SOON, "signed", "Chaptered")])
    conn.close()


@pytest.fixture
def changed_db(built_db):
    add_changes(built_db)
    return built_db


async def feed(site, name: str):
    response = await site.client.get(f"/feeds/{name}.atom")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/atom+xml")
    return etree.fromstring(response.content)


def entries(root) -> list[dict]:
    found = []
    for entry in root.findall(f"{ATOM}entry"):
        found.append({
            "id": entry.findtext(f"{ATOM}id"), "title": entry.findtext(f"{ATOM}title"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "links": {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")},
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
            "rights": entry.findtext(f"{ATOM}rights"),
        })
    return found


# --------------------------------------------------------------------------- feeds


async def test_site_feed_is_valid_atom_with_every_kind_of_change(changed_db):
    root = await feed(site_for(changed_db), "all")
    assert root.tag == f"{ATOM}feed"
    # RFC 4287: a feed has an id, a title, an updated date and an author (for entries without one).
    assert root.findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert root.findtext(f"{ATOM}title") and RFC3339.match(root.findtext(f"{ATOM}updated"))
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "SII Atlas"
    assert "CC BY 4.0" in root.findtext(f"{ATOM}rights")
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/feeds/all.atom")
    found = entries(root)
    assert 0 < len(found) <= 100
    for entry in found:
        assert entry["id"].startswith("urn:uuid:") and entry["title"] and RFC3339.match(entry["updated"]), entry
        assert entry["links"].get("alternate"), entry
    assert len({e["id"] for e in found}) == len(found)
    assert [e["updated"] for e in found] == sorted((e["updated"] for e in found), reverse=True)
    # Each crawled change, dated by the database: the bill's fetch after its signature, the
    # decision's fetch, each text when first seen.
    newest = {e["categories"][1]: e for e in reversed(found)}
    assert set(newest) == {"bill", "case", "provision", "law"}
    bill = newest["bill"]
    assert bill["updated"] == f"{SOON}T11:00:00Z" and f"signed on {SOON}" in bill["title"]
    assert bill["links"]["alternate"] == "https://leginfo.legislature.ca.gov/ab1"
    assert bill["links"]["related"].endswith("/sii_atlas/bills/ocd-bill~2Fca-ab-1")
    assert "CC BY 4.0" in bill["rights"]  # Open States' licence, from the sources table
    case = newest["case"]
    assert case["links"]["alternate"] == "https://www.courdecassation.fr/decision/1"
    assert case["links"]["related"].endswith("/sii_atlas/cases/JURITEXT000050000001")
    texts = [e for e in found if e["categories"][1] == "provision"]
    assert [("new text" in e["title"], e["updated"]) for e in texts] == [
        (True, f"{SOON}T09:00:00Z"), (False, f"{SOON}T08:00:00Z")]
    # The feed is XML that any reader parses: lxml's own check of the namespace and structure.
    assert etree.tostring(root).count(b"<entry>") == len(found)


async def test_feed_ids_are_stable_across_builds_and_a_change_keeps_its_entry(changed_db, tmp_path):
    first = {e["id"]: e["updated"] for e in entries(await feed(site_for(changed_db), "all"))}
    rebuilt = tmp_path / "again" / "sii_atlas.db"
    rebuilt.parent.mkdir()
    assert sii_atlas(rebuilt, "build").returncode == 0
    add_changes(rebuilt)
    assert {e["id"]: e["updated"] for e in entries(await feed(site_for(rebuilt), "all"))} == first
    # A law fetched again with a changed text is the same entry, now the newest.
    conn = sqlite3.connect(rebuilt)
    with conn:
        conn.execute("UPDATE instruments SET fetched_at = ? WHERE id = 'fr-cp-226-8-1'", [f"{LATER}T00:00:00+00:00"])
    conn.close()
    top = entries(await feed(site_for(rebuilt), "laws"))[0]
    assert top["updated"] == f"{LATER}T00:00:00Z" and top["id"] in first and first[top["id"]] < top["updated"]


async def test_jurisdiction_and_kind_feeds_filter(changed_db):
    site = site_for(changed_db)
    french = entries(await feed(site, "FR"))
    assert french and {e["categories"][0] for e in french} == {"FR"}
    assert {"case", "provision", "law"} <= {e["categories"][1] for e in french}
    # A country's feed brings its states' changes; a state's feed only its own.
    american = entries(await feed(site, "us"))
    assert any(e["categories"] == ["US-CA", "bill"] for e in american)
    assert all(e["categories"][0] == "US" or e["categories"][0].startswith("US-") for e in american)
    assert {e["categories"][0] for e in entries(await feed(site, "US-CA"))} == {"US-CA"}
    assert {e["categories"][1] for e in entries(await feed(site, "cases"))} == {"case"}
    assert (await site.client.get("/feeds/XX-NOWHERE.atom")).status_code == 404
    listing = await site.client.get("/feeds")
    assert listing.status_code == 200 and "/feeds/FR.atom" in listing.text and "/feeds/cases.atom" in listing.text


async def test_pages_announce_their_feed(built_db):
    site = site_for(built_db)
    for path, href in (("/", "/feeds/all.atom"), ("/jurisdiction/FR", "/feeds/FR.atom")):
        page = (await site.client.get(path)).text
        assert f'<link rel="alternate" type="application/atom+xml" title="SII Atlas: new and changed law" href="{href}">' in page


# --------------------------------------------------------------------------- exports


async def test_exports_carry_licence_and_as_of(built_db):
    site = site_for(built_db)
    conn = sqlite3.connect(built_db)
    stamp = as_of(conn)
    conn.close()
    assert RFC3339.match(stamp)
    for path in ("/sii_atlas/instruments.csv", "/sii_atlas/coded_answers.csv?_stream=on",
                 "/sii_atlas/comparison.json?_shape=array", "/sii_atlas.json?sql=select+1+as+one",
                 "/sii_atlas/cases.json", "/feeds/all.atom"):
        response = await site.client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["x-sii-atlas-as-of"] == stamp, path
        assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in response.headers["link"], path
        assert '</sii_atlas/sources>; rel="license"' in response.headers["link"], path
        assert response.headers["x-sii-atlas-license"], path
    # A table's own licence statement, from metadata.yml.
    response = await site.client.get("/sii_atlas/instruments.csv")
    assert response.headers["x-sii-atlas-license"] == "Each row under its source's licence (see the sources table)"
    # JSON objects gain the keys (a query's answer had none); arrays stay arrays.
    document = (await site.client.get("/sii_atlas.json?sql=select+1+as+one")).json()
    assert document["as_of"] == stamp and document["license_url"] and document["source_licences"] == "/sii_atlas/sources"
    assert document["rows"] == [[1]]
    assert isinstance((await site.client.get("/sii_atlas/comparison.json?_shape=array")).json(), list)
    # HTML pages are left alone.
    assert "x-sii-atlas-as-of" not in (await site.client.get("/sii_atlas/instruments")).headers


async def test_the_api_note_says_how_to_get_every_row_and_it_works(built_db):
    site = site_for(built_db)
    home = (await site.client.get("/")).text
    for words in ("_size=max", "next_url", "_next", "_shape=array", "_stream=on", "X-SII-Atlas-As-Of", 'rel="license"'):
        assert words in home, words
    assert re.search(r"Cite as: SII Atlas, data as of \d{4}-\d{2}-\d{2}, http://localhost/", home)
    conn = sqlite3.connect(built_db)
    total = conn.execute("select count(*) from coded_answers").fetchone()[0]
    conn.close()
    assert total > 1000
    # A JSON page stops at 100 rows and says where the next one is; _size=max takes more.
    page = (await site.client.get("/sii_atlas/coded_answers.json")).json()
    assert len(page["rows"]) == 100 and "_next=" in page["next_url"]
    following = (await site.client.get(page["next_url"].replace("http://localhost", ""))).json()
    assert len(following["rows"]) == 100 and following["rows"][0] != page["rows"][0]
    assert len((await site.client.get("/sii_atlas/coded_answers.json?_size=max")).json()["rows"]) == 1000
    # The whole table streams as CSV.
    streamed = (await site.client.get("/sii_atlas/coded_answers.csv?_stream=on")).text
    assert len(list(csv.reader(streamed.splitlines()))) == total + 1


# --------------------------------------------------------------------------- release


@pytest.fixture(scope="module")
def released(tmp_path_factory, built_template):
    """One release of a built database (made by the command), shared by the read-only checks."""
    folder = tmp_path_factory.mktemp("releases") / RELEASE_DATE
    result = sii_atlas(built_template, "release", "--out", str(folder), "--date", RELEASE_DATE,
                       "--url", "https://atlas.example.org/")
    assert result.returncode == 0, result.stderr
    assert f"release {RELEASE_DATE} written to {folder}" in result.stdout
    return folder


def test_release_folder_is_complete(released, built_template):
    expected = {"sii_atlas.db", "metadata.yml", "inspect.json", "datapackage.json", "README.md", "LICENCE.md",
                "CITATION.cff", "SHA256SUMS"}
    assert expected <= {p.name for p in released.iterdir()}
    assert not [p for p in released.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left
    conn = sqlite3.connect(built_template)
    tables = [row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view')")]
    assert {p.stem for p in (released / "csv").iterdir()} == {t for t in datapackage.RELEASED if t in tables}
    # The copy holds exactly what the database holds, and opens read-only.
    copy = sqlite3.connect(f"file:{released / 'sii_atlas.db'}?mode=ro", uri=True)
    for table in ("instruments", "coded_answers", "jurisdictions", "cases"):
        assert copy.execute(f"select * from {table} order by 1, 2").fetchall() == \
            conn.execute(f"select * from {table} order by 1, 2").fetchall()
    assert copy.execute("pragma journal_mode").fetchone()[0] == "delete"
    # Every CSV has a header and one line per row of its table.
    for path in (released / "csv").iterdir():
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [r[1] for r in conn.execute(f"pragma table_info([{path.stem}])")]
        assert len(rows) - 1 == conn.execute(f"select count(*) from [{path.stem}]").fetchone()[0], path.name
    # Licences: every source's, from the sources table; the citation line everywhere it belongs.
    licence = (released / "LICENCE.md").read_text()
    for (source, text) in conn.execute("select id, licence from sources"):
        assert f"| {source} |" in licence and text.replace("|", "/") in licence
    line = f"SII Atlas, release {RELEASE_DATE}, https://atlas.example.org/"
    assert line in (released / "README.md").read_text()
    cff = yaml.safe_load((released / "CITATION.cff").read_text())
    assert cff["date-released"] == RELEASE_DATE and cff["cff-version"] == "1.2.0" and cff["title"] == "SII Atlas"
    sums = dict(reversed(line.split("  ")) for line in (released / "SHA256SUMS").read_text().splitlines())
    assert sums["sii_atlas.db"] == hashlib.sha256((released / "sii_atlas.db").read_bytes()).hexdigest()
    assert json.loads((released / "inspect.json").read_text())["sii_atlas"]["tables"]["instruments"]["count"] == \
        conn.execute("select count(*) from instruments").fetchone()[0]


def test_datapackage_follows_the_spec(released, built_template):
    package = json.loads((released / "datapackage.json").read_text())
    # Data Package v1: `resources` required, each with a name and a path; recommended keys present.
    for key in ("name", "title", "version", "created", "licenses", "sources", "contributors", "resources", "profile"):
        assert package[key], key
    assert re.match(r"^[a-z0-9._-]+$", package["name"])
    assert package["version"] == "2026.11.30" and package["release_date"] == RELEASE_DATE
    assert RFC3339.match(package["created"]) and RFC3339.match(package["as_of"])
    assert package["citation"] == f"SII Atlas, release {RELEASE_DATE}, https://atlas.example.org/"
    assert all(("name" in licence or "path" in licence) for licence in package["licenses"])
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert all(source["title"] for source in package["sources"]) and package["contributors"][0]["title"] == "SII Atlas"
    conn = sqlite3.connect(built_template)
    urls = {row[0] for row in conn.execute("select licence_url from sources where licence_url is not null")}
    assert urls <= {licence.get("path") for licence in package["licenses"]}
    questions = conn.execute("select id, label, answer_type from codebook_questions order by position").fetchall()
    assert [(q["id"], q["label"], q["answer_type"]) for q in package["codebook"]] == questions
    names = [resource["name"] for resource in package["resources"]]
    assert len(names) == len(set(names))
    for resource in package["resources"]:
        assert re.match(r"^[a-z0-9._-]+$", resource["name"]) and (released / resource["path"]).is_file()
        data = (released / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data) and resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        if resource.get("profile") != "tabular-data-resource":
            continue
        fields = resource["schema"]["fields"]
        assert all(field["type"] in {"string", "integer", "number"} for field in fields)
        header = next(csv.reader(data.decode("utf-8").splitlines()))
        assert [field["name"] for field in fields] == header
    by_name = {resource["name"]: resource for resource in package["resources"]}
    types = {field["name"]: field["type"] for field in by_name["coded_answers"]["schema"]["fields"]}
    assert types["answer_number"] == "integer" and types["answer"] == "string"
    assert {f["name"]: f["type"] for f in by_name["jurisdictions"]["schema"]["fields"]}["latitude"] == "number"
    assert by_name["instruments"]["schema"]["primaryKey"] == ["id"]
    assert "Jurisdiction code" in {f.get("description") for f in by_name["instruments"]["schema"]["fields"]}


def test_release_is_deterministic(released, built_template, tmp_path):
    again = release.make_release(built_template, tmp_path / "again", metadata_path=PROJECT / "metadata.yml",
                                 release_date=RELEASE_DATE, url="https://atlas.example.org/").folder
    files = sorted(p.relative_to(released) for p in released.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for relative in files:
        first, second = (released / relative).read_bytes(), (again / relative).read_bytes()
        if relative.name == "datapackage.json":  # only `created` may differ
            first, second = json.loads(first), json.loads(second)
            first.pop("created"), second.pop("created")
        assert first == second, relative


def test_release_never_leaves_a_partial_folder_or_overwrites_one(built_db, tmp_path, monkeypatch):
    out = tmp_path / "releases" / RELEASE_DATE

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(datapackage, "descriptor", broken)
    with pytest.raises(OSError, match="disk full"):
        release.make_release(built_db, out, metadata_path=PROJECT / "metadata.yml", release_date=RELEASE_DATE)
    assert not out.exists() and list(out.parent.iterdir()) == []
    monkeypatch.undo()

    # A write transaction still open while the release is made is not in the copy.
    writer = sqlite3.connect(built_db)
    writer.execute("begin immediate")
    writer.execute("update jurisdictions set name = 'half written' where code = 'FR'")
    made = release.make_release(built_db, out, metadata_path=PROJECT / "metadata.yml", release_date=RELEASE_DATE)
    writer.rollback()
    writer.close()
    copy = sqlite3.connect(made.folder / "sii_atlas.db")
    assert copy.execute("select name from jurisdictions where code = 'FR'").fetchone()[0] == "France"
    copy.close()

    # An existing release is kept unless replacing is asked for.
    before = (out / "datapackage.json").read_bytes()
    result = sii_atlas(built_db, "release", "--out", str(out), "--date", RELEASE_DATE)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (out / "datapackage.json").read_bytes() == before
    result = sii_atlas(built_db, "release", "--out", str(out), "--date", "2026-12-01", "--replace")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "datapackage.json").read_text())["release_date"] == "2026-12-01"
    assert sorted(p.name for p in out.parent.iterdir()) == [RELEASE_DATE]


# --------------------------------------------------------------------------- container


def dockerfile_command(release_folder: Path) -> list[str]:
    """The Dockerfile's CMD, with the image's paths mapped onto this checkout and a release."""
    text = (PROJECT / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD (\[.*?\])\s*$", text.replace("\\\n", ""), re.M | re.S).group(1))
    assert command[:3] == ["datasette", "serve", "-i"]
    mapped = [part.replace("/release", str(release_folder)).replace("/app/", f"{PROJECT}/") for part in command]
    return [sys.executable, "-m", *mapped]


@pytest.mark.parametrize("path, expected", [
    ("/-/databases.json", '"is_mutable": false'),
    ("/", f"SII Atlas, release {RELEASE_DATE}, http://localhost/"),  # the plugin, templates and release found
])
def test_dockerfile_command_serves_a_release_immutable(released, path, expected):
    command = dockerfile_command(released)
    assert "--inspect-file" in command and "--metadata" in command
    result = subprocess.run([*command, "--get", path], cwd=released.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-500:] + result.stderr[-2000:]
    assert expected in result.stdout
