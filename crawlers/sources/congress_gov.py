"""congress.gov API v3: United States federal bills (Library of Congress).

Base URL: https://api.congress.gov (every path starts with `/v3`; the base is the bare
host because `SourceSpider.to_download_url` joins the base's path to the official
path, so a base of `.../v3` would ask for `/v3/v3/...` from the real site).
Endpoints used (JSON, `format=json`):
    /v3/bill/{congress}/{type}/{number}              one bill: title, latestAction,
                                                      laws, cosponsors.count, links to parts
    /v3/bill/{congress}/{type}/{number}/actions      the action list (paged)
    /v3/bill/{congress}/{type}/{number}/titles       every title (short, official, as enacted)
    /v3/bill/{congress}/{type}/{number}/text         text versions with links to the texts
    /v3/bill/{congress}/{type}/{number}/summaries    CRS summaries (HTML in `text`)
    /v3/bill/{congress}/{type}/{number}/subjects     legislative subjects and policy area
    /v3/bill/{congress}/{type}/{number}/cosponsors   the cosponsors, withdrawn ones included (paged)
    /v3/bill/{congress} and /v3/bill?fromDateTime=   bill lists (discovery)
Auth:     an api.data.gov key, sent as the `api_key` query parameter
          (CONGRESS_GOV_API_KEY); never part of a URL we keep.
Licence:  works of the US Government are in the public domain (17 U.S.C. 105); the
          Library of Congress asks for no licence (https://www.loc.gov/legal/).
Terms:    https://api.congress.gov/ : 5,000 requests per hour per key (api.data.gov);
          over it the API answers 429 until the hour rolls over.

What the spider does:
(a) bills: every curated instrument whose source is `congress_gov` (its
    `source_identifier` is `{congress}/{type}/{number}`, e.g. `119/s/1837`) and the
    subject's bills in `SUBJECT_BILLS`, each fetched with its actions, titles, text
    versions, CRS summaries, subjects and cosponsors, and stored as ONE `BillItem` (the
    parts travel in request meta from page to page, so a bill is written once per run,
    with one content hash). The bill page gives its sponsor (`sponsors[]`: role
    `primary`, classification `sponsor`) and its policy area; `/cosponsors` (paged by
    `offset` like `/actions`) adds one sponsor per entry with role `cosponsor` and the
    source's own distinction as classification: `original cosponsor` (joined on the day
    of introduction, `isOriginalCosponsor`), `cosponsor` (joined later) or `withdrawn
    cosponsor` (a `sponsorshipWithdrawnDate` is given: the API lists withdrawn members
    among the current ones, and the bill page's `count` leaves them out). `bill_sponsors`
    holds name, party, role and classification only: each entry also keeps `state`,
    `district`, `bioguide_id`, `sponsorship_date` and `withdrawn_date` in the item
    (hashed and archived with it; the schema has no column for them). The store updates
    a stored sponsor's party and classification from the latest page, so a cosponsor
    who withdraws reads `withdrawn cosponsor` at the next crawl (the date is in the item).
    `/subjects` adds the legislative subjects (stored after the policy area);
    `/summaries` gives the summary stored (the latest, as plain text). Each bill
    also keeps `{congress}/{type}/{number}` as an OTHER identifier: what a curator writes
    in `source_identifier`, so the `bill_instruments` view links the two;
(b) discovery: the API has no full-text search. The bill list is read (the current
    Congress in full, or with `--since` the bills updated since then through
    `/bill?fromDateTime=`), and a bill whose title names a subject term becomes a
    `CandidateItem` for review, never a tracked bill. Titles only: a bill on the
    subject whose title says nothing of it is missed.

Format knowledge: real captures in /work/shared/samples/congress_gov/ (bill, text and
summaries of H.R. 21, 117th Congress, from LibraryOfCongress/api.congress.gov
`java/sample_output/`) and the API's documentation (api.congress.gov, the BILLSTATUS
user guide's action codes, the repository's Documentation/BillEndpoint.md). No real
capture of `/actions`, `/titles`, `/subjects` or the bill list was available: those
parsers follow the documented shapes, and the examples in tests/examples/congress_gov/
are written by us in them. `/cosponsors` follows the same repository's sample output
for H.R. 21 (`api_client/java/sample_output/bill_117_hr_21_cosponsors.txt`, not in
the shared samples: tests/examples/congress_gov/bill_117_hr_21_cosponsors.json is a
copy): `isOriginalCosponsor` a JSON boolean, `district` a number (its members are
Representatives; senators have none), `middleName` and `sponsorshipWithdrawnDate` null
when empty, `pagination` with `count` and `total`. The endpoint documentation writes
`isOriginalCosponsor` as "True"/"False" (its XML form): both are read. No real capture
of a withdrawn cosponsor or of a second page was available.

What the real captures showed that the short docs do not:
- `pagination` of a sub-resource may hold only `count` and `total` (no `next`) when
  everything fits on one page; `next`, when present, is a full URL with `offset`.
- Text version `date` is a timestamp at 05:00Z (midnight Eastern) and `formats[].url`
  points at www.congress.gov (not govinfo), with file names `BILLS-{congress}{type}
  {number}{version}`: that name is the govinfo package id, kept as an identifier.
- `summaries[].text` is HTML with a leading space; `versionCode` is a string ("00").
- The bill's `type` is upper case ("HR"), the request's `billType` lower case.
- `sponsors[].district` is a number, `byRequestType` null; `laws` is an empty list on
  a bill that is not law.

Actions are normalised to `vocabulary.BILL_ACTIONS` (`normalise_actions`), keeping the
source's own wording; actions outside that vocabulary (committee referrals, calendar
entries) are not stored. congress.gov has no action for a law taking effect, and
"Became Public Law" is not a signature (a bill can become law unsigned or over a veto):
it is `became_law`, and gives the bill its `Pub. L.` identifier.
"""

import json
import re
from datetime import date
from urllib.parse import urlsplit

import scrapy

from ..items import BillItem, CandidateItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean, iso_day, json_object, with_query

SOURCE = "congress_gov"
OFFICIAL = "https://api.congress.gov"
API = f"{OFFICIAL}/v3"
WEB = "https://www.congress.gov"
JURISDICTION = "US"

#: The subject's bills besides the curated ones: `{congress}/{type}/{number}`, each
#: checked on congress.gov (via its public pages) on 2026-11-30.
SUBJECT_BILLS = (
    "119/s/146",    # TAKE IT DOWN Act, became Public Law 119-12 on 2025-05-19
    "119/hr/633",   # its House companion (Salazar, Dean)
    "118/s/4569",   # TAKE IT DOWN Act as first introduced; passed the Senate in December 2024
    "118/s/3696",   # DEFIANCE Act of 2024; passed the Senate in July 2024, died in the House
    "118/hr/7569",  # its House companion (Ocasio-Cortez)
    "119/s/1837",   # DEFIANCE Act of 2025 (also curated: us-defiance-act-s1837)
    "119/hr/3562",  # its House companion
)

#: Words in a bill's title that make it worth a person's review (lower case).
SUBJECT_TERMS = (
    "intimate image", "intimate visual depiction", "intimate digital forger", "digital forger",
    "deepfake", "deep fake", "nonconsensual", "non-consensual", "explicit forged", "revenge porn",
    "sexually explicit", "synthetic media", "take it down", "defiance act",
)

#: The most a list page may hold (the API's documented maximum `limit`).
PAGE_SIZE = 250

#: The parts of a bill fetched after the bill itself, in order.
PARTS = ("actions", "titles", "text", "summaries", "subjects", "cosponsors")

# Bill type in URLs -> how congress.gov writes the number, and the web page's word.
BILL_TYPES = {
    "hr": ("H.R.", "house-bill"),
    "s": ("S.", "senate-bill"),
    "hjres": ("H.J.Res.", "house-joint-resolution"),
    "sjres": ("S.J.Res.", "senate-joint-resolution"),
    "hconres": ("H.Con.Res.", "house-concurrent-resolution"),
    "sconres": ("S.Con.Res.", "senate-concurrent-resolution"),
    "hres": ("H.Res.", "house-resolution"),
    "sres": ("S.Res.", "senate-resolution"),
}
BILL_PATH = re.compile(r"^/v3/bill/(?P<congress>\d+)/(?P<type>[a-z]+)/(?P<number>\d+)(?:/(?P<part>[a-z]+))?/?$")
LIST_PATH = re.compile(r"^/v3/bill(?:/(?P<congress>\d+)(?:/(?P<type>[a-z]+))?)?/?$")
TEXT_FILE = re.compile(r"/(?P<package>BILLS-\d+[a-z]+\d+[a-z]+|PLAW-\d+(?:publ|pvtl)\d+)\.\w+$")
PUBLIC_LAW = re.compile(r"Became (?:Public|Private) Law No:\s*(?P<number>\d+-\d+)", re.I)
BECAME_LAW = re.compile(r"(?i)^became (public|private) law\b")


# --------------------------------------------------------------------------- ids and URLs


def bill_key(identifier: str) -> tuple[str, str, str] | None:
    """("119", "s", "146") from `119/s/146`, `/v3/bill/119/s/146/actions` or a full API URL."""
    path = urlsplit(str(identifier)).path if "://" in str(identifier) else "/v3/bill/" + str(identifier).strip("/")
    match = BILL_PATH.match(path)
    if not match or match["type"] not in BILL_TYPES:
        return None
    return match["congress"], match["type"], str(int(match["number"]))


def bill_id(congress: str, bill_type: str, number: str) -> str:
    """Our id for a bill: `us-119-s-146`."""
    return f"us-{congress}-{bill_type.lower()}-{int(number)}"


def bill_id_for(source_identifier: str) -> str | None:
    """The id this spider gives the bill a curated instrument names (`119/s/1837`)."""
    key = bill_key(source_identifier)
    return bill_id(*key) if key else None


def bill_label(bill_type: str, number: str) -> str:
    """`S. 146`, `H.R. 633`: how Congress writes a bill's number."""
    return f"{BILL_TYPES[bill_type.lower()][0]} {int(number)}"


def web_url(congress: str, bill_type: str, number: str) -> str:
    """The bill's page on congress.gov (the URL people cite)."""
    return f"{WEB}/bill/{ordinal(int(congress))}-congress/{BILL_TYPES[bill_type.lower()][1]}/{int(number)}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def api_url(congress: str, bill_type: str, number: str, part: str | None = None, **query) -> str:
    path = f"{API}/bill/{congress}/{bill_type.lower()}/{int(number)}" + (f"/{part}" if part else "")
    return with_query(path, format="json", **query)


def current_congress(today: date) -> int:
    """The Congress sitting on `today` (each begins on 3 January of an odd year)."""
    year = today.year - (1 if today.year % 2 == 0 or (today.month == 1 and today.day < 3) else 0)
    return (year - 1789) // 2 + 1


# --------------------------------------------------------------------------- reading JSON


def read_json(response, expected_key: str) -> dict:
    return json_object(response, expected_key, "congress.gov")


def html_text(html: str | None) -> str | None:
    """Plain text of a CRS summary's HTML: one paragraph a line, entities kept as written."""
    if not html:
        return None
    text = re.sub(r"(?i)</p>|<br\s*/?>|</li>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    lines = (clean(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line) or None


# --------------------------------------------------------------------------- actions


def normalise_actions(actions: list[dict]) -> list[dict]:
    """congress.gov actions -> [{date, action, wording}] in `BILL_ACTIONS`, oldest first.

    Passage is read per chamber: the first chamber to pass a bill gives
    `passed_one_chamber`, the other chamber's passage `passed_both` (the same
    chamber's passage reported twice, by the floor and by the Library, keeps its label)."""
    ordered = sorted((a for a in actions if isinstance(a, dict)), key=lambda a: str(a.get("actionDate") or ""))
    passed: dict[str, str] = {}  # chamber -> the label its passage got
    normalised = []
    for action in ordered:
        wording = clean(action.get("text"))
        when = iso_day(action.get("actionDate"))
        if not wording:
            continue
        label = None
        chamber = passage_chamber(wording)
        if re.match(r"(?i)introduced in (the )?(house|senate)\b", wording):
            label = "introduced"
        elif chamber:
            if chamber not in passed:
                passed[chamber] = "passed_one_chamber" if not passed else "passed_both"
            label = passed[chamber]
        elif BECAME_LAW.match(wording):
            label = "became_law"
        elif re.match(r"(?i)signed by (the )?president", wording):
            label = "signed"
        elif re.search(r"(?i)\b(pocket )?vetoed by (the )?president", wording):
            label = "vetoed"
        elif re.search(r"(?i)failed of passage|motion to pass failed|failed to pass", wording):
            label = "failed"
        if label:
            normalised.append({"date": when, "action": label, "wording": wording})
    return normalised


def passage_chamber(wording: str) -> str | None:
    """"house" or "senate" when the action says that chamber passed the bill."""
    match = re.match(r"(?i)(?:passed/agreed to in|passed) (house|senate)\b", wording)
    if match:
        return match.group(1).lower()
    return None


# --------------------------------------------------------------------------- the bill record


def bill_record(response) -> dict:
    """The bill as gathered so far: carried in meta from part to part, or started from
    the page's own URL (a saved page parsed on its own)."""
    carried = response.meta.get("bill")
    if carried:
        return {**carried, "identifiers": list(carried.get("identifiers") or []),
                "actions": list(carried.get("actions") or [])}
    key = bill_key(response.url)
    if key is None:
        # A saved page parsed without its URL: every API answer repeats what was asked
        # in its `request` block (billUrl, or congress, billType and billNumber).
        asked = (json.loads(response.body).get("request") or {}) if response.body.lstrip()[:1] == b"{" else {}
        key = bill_key(asked.get("billUrl") or "") or (
            (str(asked["congress"]), str(asked["billType"]).lower(), str(asked["billNumber"]))
            if all(asked.get(k) for k in ("congress", "billType", "billNumber")) else None)
    if key is None:
        raise ValueError(f"not a bill URL, and no `request` block naming the bill: {response.url}")
    return new_record(*key)


def new_record(congress: str, bill_type: str, number: str) -> dict:
    return {
        "id": bill_id(congress, bill_type, number),
        "jurisdiction": JURISDICTION,
        "identifier": bill_label(bill_type, number),
        "session": str(int(congress)),
        "url": web_url(congress, bill_type, number),
        "source": SOURCE,
        "identifiers": [{"scheme": "USLM", "value": f"/us/bill/{int(congress)}/{bill_type.lower()}/{int(number)}"},
                        # The form a curated instrument's source_identifier takes (`bill_instruments`).
                        {"scheme": "OTHER", "value": f"{int(congress)}/{bill_type.lower()}/{int(number)}"}],
        "actions": [],
    }


def add_identifier(record: dict, scheme: str, value: str | None) -> None:
    entry = {"scheme": scheme, "value": value}
    if value and entry not in record["identifiers"]:
        record["identifiers"].append(entry)


def next_step(response, record: dict):
    """The next part of this bill to fetch, or the finished BillItem."""
    remaining = list(response.meta.get("parts") or [])
    if remaining:
        part = remaining.pop(0)
        congress, bill_type, number = bill_key(response.url)
        meta = {**carry(response), "bill": record, "parts": remaining}
        yield scrapy.Request(api_url(congress, bill_type, number, part, limit=PAGE_SIZE), meta=meta)
        return
    yield finished(record)


def finished(record: dict) -> BillItem:
    actions = record.get("actions") or []
    fields = {k: v for k, v in record.items() if k in BillItem.fields and k not in ("actions",)}
    # A part parsed on its own (no bill page read): the furthest step taken stands in.
    if not fields.get("status") and actions:
        last = actions[-1]
        fields["status"], fields["status_date"] = last["action"], last["date"]
    if fields.get("sponsors"):
        # One row a (name, role) in `bill_sponsors`, the first written kept: a member who
        # withdrew and joined again is listed twice, and the current entry must be that row.
        fields["sponsors"] = sorted(dedupe(fields["sponsors"]), key=lambda s: bool(s.get("withdrawn_date")))
    return BillItem(**fields, actions=dedupe(actions))


def dedupe(entries: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for entry in entries:
        key = tuple(sorted(entry.items()))
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept


def carry(response) -> dict:
    """The context the next page needs (tracked documents keep `tracked` and `expects`)."""
    return {k: response.meta[k] for k in ("tracked", "expects") if k in response.meta}


def next_page_url(data: dict, url: str) -> str | None:
    """`pagination.next`, without any key it may carry (the spider adds its own)."""
    following = (data.get("pagination") or {}).get("next")
    if not following or following == url:
        return None
    return with_query(following, api_key=None)


# --------------------------------------------------------------------------- parsers


def parse_bill(response):
    """`/v3/bill/{congress}/{type}/{number}`: title, latest action, laws; then the parts."""
    data = read_json(response, "bill")
    bill = data["bill"] or {}
    record = bill_record(response)
    record["title"] = clean(bill.get("title")) or record.get("title")
    for law in bill.get("laws") or []:
        if law.get("number"):
            kind = "Pvt. L." if "private" in str(law.get("type", "")).lower() else "Pub. L."
            add_identifier(record, "OTHER", f"{kind} {law['number']}")
    sponsors = [sponsor(s) for s in bill.get("sponsors") or [] if isinstance(s, dict)]
    if any(sponsors):
        record["sponsors"] = [s for s in sponsors if s]
    policy_area = clean((bill.get("policyArea") or {}).get("name"))
    if policy_area:
        record["subjects"] = merged_subjects(policy_area, record.get("subjects") or [])
    # The status is the latest action in the source's words ("Became Public Law No: 119-12.").
    latest = bill.get("latestAction") or {}
    if latest.get("text"):
        record["status"] = clean(latest["text"])
    if latest.get("actionDate"):
        record["status_date"] = iso_day(latest["actionDate"])
    if not bill.get("laws") and latest.get("text"):
        law = PUBLIC_LAW.search(latest["text"])
        if law:
            add_identifier(record, "OTHER", f"Pub. L. {law['number']}")
    yield from next_step(response, record)


def parse_actions(response):
    """`/actions`: one page of actions; after the last page, the whole list in the
    vocabulary (passage needs every action, in date order), then the next part."""
    data = read_json(response, "actions")
    record = bill_record(response)
    record["raw_actions"] = list(record.get("raw_actions") or []) + [
        {k: a.get(k) for k in ("actionDate", "text")} for a in data["actions"] or [] if isinstance(a, dict)]
    following = next_page_url(data, response.url)
    if following:
        yield scrapy.Request(following, meta={**carry(response), "bill": record,
                                              "parts": response.meta.get("parts") or []})
        return
    raw = record.pop("raw_actions")
    record["actions"] = dedupe(record["actions"] + normalise_actions(raw))
    for action in raw:
        law = PUBLIC_LAW.search(str(action.get("text") or ""))
        if law:
            add_identifier(record, "OTHER", f"Pub. L. {law['number']}")
    yield from next_step(response, record)


def parse_titles(response):
    """`/titles`: congress.gov's display title names the bill, else a short title (enacted
    before passed before introduced); a title the bill page gave is kept."""
    data = read_json(response, "titles")
    record = bill_record(response)
    titles = [t for t in data["titles"] or [] if isinstance(t, dict) and t.get("title")]
    preferred = None
    for wanted in ("display title", "short title(s) as enacted", "short title(s) as passed",
                   "short title(s) as introduced"):
        preferred = next((t for t in titles if wanted in str(t.get("titleType", "")).lower()), None)
        if preferred:
            break
    if preferred and not record.get("title"):
        record["title"] = clean(preferred["title"])
    yield from next_step(response, record)


def parse_text_versions(response):
    """`/text`: each version's texts; the XML link and the govinfo package id are kept."""
    data = read_json(response, "textVersions")
    record = bill_record(response)
    for version in data["textVersions"] or []:
        for text_format in version.get("formats") or []:
            url = text_format.get("url") or ""
            package = TEXT_FILE.search(url)
            if package:
                add_identifier(record, "OTHER", package["package"])
            if "xml" in str(text_format.get("type", "")).lower():
                add_identifier(record, "URI", url)
    yield from next_step(response, record)


def text_versions(data: dict) -> list[dict]:
    """[{date, type, package, urls: {format type: url}}] of a `/text` page (for callers
    that want more than the identifiers the BillItem keeps)."""
    versions = []
    for version in data.get("textVersions") or []:
        urls = {f.get("type"): f.get("url") for f in version.get("formats") or [] if f.get("url")}
        package = next((m["package"] for m in map(TEXT_FILE.search, urls.values()) if m), None)
        versions.append({"date": iso_day(version.get("date")), "type": version.get("type"), "package": package, "urls": urls})
    return versions


def summaries(data: dict) -> list[dict]:
    """[{date, stage, version, text}] of a `/summaries` page, oldest first, text as plain text."""
    found = [
        {"date": iso_day(s.get("actionDate")), "stage": clean(s.get("actionDesc")),
         "version": str(s.get("versionCode")) if s.get("versionCode") is not None else None,
         "text": html_text(s.get("text"))}
        for s in data.get("summaries") or [] if isinstance(s, dict)
    ]
    return sorted(found, key=lambda s: s["date"] or "")


def subjects(data: dict) -> dict:
    """{"policy_area": name, "subjects": [names]} of a `/subjects` page."""
    block = data.get("subjects") or {}
    return {
        "policy_area": clean((block.get("policyArea") or {}).get("name")),
        "subjects": [clean(s.get("name")) for s in block.get("legislativeSubjects") or [] if s.get("name")],
    }


def sponsor(member: dict) -> dict | None:
    """A `sponsors[]` entry of the bill page as a BillItem sponsor."""
    found = member_facts(member)
    return {**found, "role": "primary", "classification": "sponsor"} if found else None


def cosponsor(member: dict) -> dict | None:
    """A `/cosponsors` entry as a BillItem sponsor: role `cosponsor`, the source's own
    distinction (original, later, withdrawn) as classification, its dates kept."""
    found = member_facts(member)
    if not found:
        return None
    withdrawn = iso_day(member.get("sponsorshipWithdrawnDate"))
    original = is_true(member.get("isOriginalCosponsor"))
    classification = "withdrawn cosponsor" if withdrawn else "original cosponsor" if original else "cosponsor"
    return {**found, "role": "cosponsor", "classification": classification,
            "sponsorship_date": iso_day(member.get("sponsorshipDate")), "withdrawn_date": withdrawn}


def member_facts(member: dict) -> dict | None:
    """Name, party, state, district and Bioguide id of a member entry (sponsor or cosponsor)."""
    # "Ted Cruz" rather than the display form "Sen. Cruz, Ted [R-TX]", whose party is its own field.
    name = clean(" ".join(str(member.get(k) or "") for k in ("firstName", "middleName", "lastName"))) \
        if member.get("lastName") else clean(member.get("fullName"))
    if not name:
        return None
    # `district` is a number in JSON (0 for an at-large seat) and absent for senators.
    district = member.get("district")
    return {"name": name, "party": clean(member.get("party")), "state": clean(member.get("state")),
            "district": str(district) if district not in (None, "") else None,
            "bioguide_id": clean(member.get("bioguideId"))}


def is_true(value) -> bool:
    """A flag the JSON gives as a boolean and the documentation as "True"/"False"."""
    return value is True or str(value).strip().lower() == "true"


def merged_subjects(policy_area: str | None, others: list[str]) -> list[str]:
    """The policy area first, then the legislative subjects, each once."""
    return list(dict.fromkeys(s for s in [policy_area, *others] if s))


def parse_summaries(response):
    """`/summaries`: the latest CRS summary becomes the bill's summary (plain text)."""
    found = [s for s in summaries(read_json(response, "summaries")) if s["text"]]
    record = bill_record(response)
    if found:
        record["summary"] = found[-1]["text"]
    yield from next_step(response, record)


def parse_subjects(response):
    """`/subjects`: the policy area and the legislative subjects become the bill's subjects."""
    found = subjects(read_json(response, "subjects"))
    record = bill_record(response)
    current = record.get("subjects") or []
    merged = merged_subjects(found["policy_area"] or (current[0] if current else None), found["subjects"] + current[1:])
    if merged:
        record["subjects"] = merged
    yield from next_step(response, record)


def parse_cosponsors(response):
    """`/cosponsors`: one page of cosponsors added to the bill's sponsors; then the next
    page (`pagination.next`, by offset), and after the last the next part."""
    data = read_json(response, "cosponsors")
    record = bill_record(response)
    found = [cosponsor(m) for m in data["cosponsors"] or [] if isinstance(m, dict)]
    sponsors = list(record.get("sponsors") or []) + [c for c in found if c]
    if sponsors:
        record["sponsors"] = sponsors
    following = next_page_url(data, response.url)
    if following and data["cosponsors"]:
        yield scrapy.Request(following, meta={**carry(response), "bill": record,
                                              "parts": response.meta.get("parts") or []})
        return
    yield from next_step(response, record)


def parse_bill_list(response):
    """`/v3/bill[/{congress}[/{type}]]`: bills whose title names a subject term become
    candidates; then the next page (`pagination.next`, by offset)."""
    data = read_json(response, "bills")
    for bill in data["bills"] or []:
        if not isinstance(bill, dict):
            continue
        title = clean(bill.get("title"))
        term = matched_term(title)
        bill_type = str(bill.get("type") or "").lower()
        if not term or bill_type not in BILL_TYPES or not bill.get("number") or not bill.get("congress"):
            continue
        congress, number = str(bill["congress"]), str(bill["number"])
        yield CandidateItem(
            id=bill_id(congress, bill_type, number),
            jurisdiction=JURISDICTION,
            title=f"{bill_label(bill_type, number)} ({ordinal(int(congress))} Congress): {title}",
            url=web_url(congress, bill_type, number),
            published=iso_day((bill.get("latestAction") or {}).get("actionDate")) or iso_day(bill.get("updateDate")),
            matched_query=term,
            source=SOURCE,
        )
    following = next_page_url(data, response.url)
    if following and data["bills"]:
        yield scrapy.Request(following)


def matched_term(title: str | None) -> str | None:
    lowered = (title or "").lower()
    return next((term for term in SUBJECT_TERMS if term in lowered), None)


# --------------------------------------------------------------------------- the spider


def list_url(today: date, since: date | None = None) -> str:
    """Discovery's first page: bills updated since `since`, else the current Congress."""
    if since:
        return with_query(f"{API}/bill", format="json", limit=PAGE_SIZE, sort="updateDate+desc",
                          fromDateTime=f"{since.isoformat()}T00:00:00Z")
    return with_query(f"{API}/bill/{current_congress(today)}", format="json", limit=PAGE_SIZE)


DECLARATION = SourceContract(
    id=SOURCE,
    name="congress.gov API v3 (Library of Congress)",
    kind="bills",
    base_url=OFFICIAL,
    licence="US public domain (17 U.S.C. 105)",
    licence_url="https://www.loc.gov/legal/",
    terms_url="https://api.congress.gov/",
    rate_limit_text="5,000 requests per hour per api.data.gov key",
    rate_limit=(5000, 3600),
    quota_text="5,000 requests per hour per key",
    run_quota=4500,
    download_delay=0.8,
    deadline_seconds=3600,
    auth=Auth.query_key(env="CONGRESS_GOV_API_KEY", param="api_key"),
    parser_version="3",
    parser_meta=("bill", "parts"),
    notes="Bills with actions (normalised), titles, text versions, sponsor and cosponsors, CRS summary and subjects; discovery by title over the bill list "
          "(the API has no full-text search). api.data.gov key in CONGRESS_GOV_API_KEY.",
)


class CongressGovSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/v3/bill/\d+/[a-z]+/\d+/actions/?$", parse_actions),
        (r"^/v3/bill/\d+/[a-z]+/\d+/titles/?$", parse_titles),
        (r"^/v3/bill/\d+/[a-z]+/\d+/text/?$", parse_text_versions),
        (r"^/v3/bill/\d+/[a-z]+/\d+/summaries/?$", parse_summaries),
        (r"^/v3/bill/\d+/[a-z]+/\d+/subjects/?$", parse_subjects),
        (r"^/v3/bill/\d+/[a-z]+/\d+/cosponsors/?$", parse_cosponsors),
        (r"^/v3/bill/\d+/[a-z]+/\d+/?$", parse_bill),
        (r"^/v3/bill(/\d+(/[a-z]+)?)?/?$", parse_bill_list),
    ]
    json_keys = {"bill": parse_bill, "actions": parse_actions, "titles": parse_titles, "textVersions": parse_text_versions,
                 "summaries": parse_summaries, "subjects": parse_subjects, "cosponsors": parse_cosponsors,
                 "bills": parse_bill_list}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = date.fromisoformat(today) if today else date.today()

    def discovery_requests(self):
        yield self.request(list_url(self.today, self.since))

    def tracked_requests(self):
        """The curated bills (tracked: a failure fails the crawl), then the subject's."""
        wanted: dict[str, bool] = {}
        for instrument in self.tracked:
            key = bill_key(instrument.get("source_identifier") or "")
            if key:
                wanted["/".join(key)] = True
        for identifier in SUBJECT_BILLS:
            wanted.setdefault("/".join(bill_key(identifier)), False)
        for count, (identifier, tracked) in enumerate(wanted.items()):
            if self.limit is not None and count >= self.limit:
                return
            congress, bill_type, number = identifier.split("/")
            yield self.request(api_url(congress, bill_type, number), tracked=tracked,
                               expects=("bill", bill_id(congress, bill_type, number)),
                               bill=new_record(congress, bill_type, number), parts=list(PARTS))


