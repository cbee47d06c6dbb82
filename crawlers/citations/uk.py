"""England and Wales, Scotland, Northern Ireland (and Ireland, drafted the same way):
Acts are named by short title and year, provisions by section.

  "section 66B(2) of the Sexual Offences Act 2003", "ss. 66A and 66B of the SOA 2003",
  "s. 66B SOA 2003", "Sexual Offences Act 2003, s. 66B", "the Online Safety Act 2023",
  "section 2 of the Abusive Behaviour and Sexual Harm (Scotland) Act 2016"

An Act's key is its short title in lower case; its initials with the year ("SOA 2003")
are a second key. Find Case Law's metadata links legislation.gov.uk ids, which are
our instrument and provision ids.
"""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("GB", "IE")

LABEL = r"\d+[A-Z]{0,3}(?:\(\w{1,4}\))*"
LABELS = rf"{LABEL}(?:\s*(?:,|and|or|to)\s*{LABEL})*"
WORD = r"(?:[A-Z][\w'’\-]*|and|of|the|for|etc\.?|on|in|to|\((?:Scotland|Northern Ireland|Ireland|Wales|Amendment|No\.? ?\d+)\))"
# A short title: capitalised words (with the joining words of titles) ending "Act [(Scotland)] YYYY".
# Words that begin sentences, not titles ("Under the Sexual Offences Act 2003").
NOT_A_TITLE = (r"(?!(?:In|Under|By|As|At|On|For|From|To|With|Section|Sections|See|And|Of|Then|That|This|Where|When|If|"
               r"But|Part|Schedule|Both|Neither|Contrary|Pursuant|Since|Before|After|Following)\b)")
# Statutory instruments are titled the same way, ending "Regulations" or "Order" and the year.
ACT = (rf"{NOT_A_TITLE}[A-Z][\w'’\-]*(?:,?\s+{WORD}){{0,14}}?\s+(?:Act|Regulations|Order)"
       rf"(?:\s+\((?:Scotland|Northern Ireland)\))?,?\s+(?:\d{{4}})")
SECTION = r"(?:[Ss]ections?|ss?\.?|[Rr]egulations?|[Aa]rticles?)"

SECTION_OF_ACT = re.compile(rf"\b{SECTION}\s*(?P<labels>{LABELS})\s+of\s+the\s+(?P<act>{ACT})")
ACT_SECTION = re.compile(rf"(?P<act>{ACT}),?\s+{SECTION}\s*(?P<labels>{LABELS})\b")
SECTION_ABBREVIATION = re.compile(
    rf"\b{SECTION}\s*(?P<labels>{LABELS})\s+(?:of\s+(?:the\s+)?)?(?P<abbr>[A-Z][A-Za-z]{{1,7}}[A-Z])\s+(?P<year>\d{{4}})\b")
BARE_ACT = re.compile(rf"(?<![\w,])(?P<act>{ACT})\b")

LEGISLATION_GOV_UK = re.compile(
    r"legislation\.gov\.uk/(?:id/)?(?P<type>[a-z]+)/(?P<year>\d{4})/(?P<number>\d+)"
    r"(?:/(?P<part>section|schedule|regulation|article|paragraph)/(?P<label>[\w\-]+))?")

MINOR_WORDS = {"and", "of", "the", "for", "etc", "etc.", "on", "in", "to"}


def act_key(jurisdiction: str, name: str) -> str:
    name = re.sub(r"^(?:The|the)\s+", "", " ".join(name.split())).replace(",", "").replace("’", "'")
    return f"{jurisdiction_root(jurisdiction)}:{name.lower()}"


def jurisdiction_root(jurisdiction: str) -> str:
    return (jurisdiction or "").split("-")[0]


def initials_key(jurisdiction: str, name: str) -> str | None:
    """"Sexual Offences Act 2003" -> "GB:soa 2003" (the abbreviation judgments use)."""
    match = re.match(r"(.*?)\s+(\d{4})$", " ".join(name.replace(",", "").split()))
    if not match:
        return None
    words = [w for w in re.sub(r"\([^)]*\)", "", match.group(1)).split() if w.lower() not in MINOR_WORDS]
    if len(words) < 2:
        return None
    return f"{jurisdiction_root(jurisdiction)}:{''.join(w[0] for w in words).lower()} {match.group(2)}"


def extract(text: str, jurisdiction: str) -> list[Citation]:
    found, taken = [], []

    def add(match, act_name, labels, key=None):
        if any(s < match.end() and match.start() < e for s, e in taken):
            return
        taken.append((match.start(), match.end()))
        key = key or act_key(jurisdiction, act_name)
        # A range ("sections 392 to 394") gives its two ends, the sections it names.
        for label in (split_labels(re.sub(r"\s+to\s+", ", ", labels)) if labels else [None]):
            found.append(Citation(key, normalise_label(label), match.group(0), match.start(), match.end()))

    for match in SECTION_OF_ACT.finditer(text):
        add(match, match.group("act"), match.group("labels"))
    for match in ACT_SECTION.finditer(text):
        add(match, match.group("act"), match.group("labels"))
    for match in SECTION_ABBREVIATION.finditer(text):
        add(match, None, match.group("labels"),
            f"{jurisdiction_root(jurisdiction)}:{match.group('abbr').lower()} {match.group('year')}")
    for match in BARE_ACT.finditer(text):
        add(match, match.group("act"), None)
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = re.match(rf"^(?:The\s+)?({ACT})", " ".join((title or "").split()))
    if not match:
        return set()
    keys = {act_key(jurisdiction, match.group(1))}
    initials = initials_key(jurisdiction, match.group(1))
    if initials:
        keys.add(initials)
    return keys


def from_metadata(cited_legislation) -> list[Citation]:
    """Find Case Law marks up the legislation a judgment cites with legislation.gov.uk
    ids: /id/ukpga/2003/42/section/66B is our instrument ukpga-2003-42, provision
    ukpga-2003-42/section/66B."""
    found = []
    for entry in cited_legislation or []:
        match = LEGISLATION_GOV_UK.search((entry or {}).get("href") or "")
        if not match:
            continue
        instrument = f"{match.group('type')}-{match.group('year')}-{match.group('number')}"
        provision = f"{instrument}/{match.group('part')}/{match.group('label')}" if match.group("part") else None
        found.append(Citation(f"id:{instrument}", normalise_label(match.group("label")),
                              (entry.get("title") or match.group(0)).strip(), instrument_id=instrument,
                              provision_id=provision))
    return found
