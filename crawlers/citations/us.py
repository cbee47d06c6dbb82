"""United States: the U.S. Code and the states' codes, in Bluebook style.

  "18 U.S.C. § 2252A(a)(2)", "15 U.S.C. 6851", "18 U.S.C. §§ 2252A, 2256(8)",
  "Cal. Penal Code § 647(j)(4)", "N.Y. Penal Law § 245.15", "Tex. Penal Code § 21.165",
  "A.R.S. § 13-1425", "RCW 9A.86.030", "La. R.S. 14:73.13"

eyecite (Free Law Project), the maintained US citation library, finds the statutes its
reporters database knows (FullLawCitation: "Cal. Penal Code § 647", "47 U.S.C. § 223");
it misses sections with a letter ("§ 2252A"), the U.S.C. without "§", and codes it does not
list ("Tex. Penal Code"), which the patterns below add. A code's key is its name without
dots, spaces or "Ann." ("US:calpenalcode", "US:18usc").
"""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("US",)

SECTION = r"\d+[A-Za-z]{0,2}(?:[.:\-/]\d+[A-Za-z]{0,2})*(?:\(\w{1,4}\))*"
# A further section of the same code; not the title number of the next citation ("and 18 U.S.C.").
SECTIONS = rf"{SECTION}(?:\s*(?:,|and|or|to|&)\s*(?:§\s*)?{SECTION}(?![\w(])(?!\s+(?:U\.|ILCS|[A-Z])))*"
USC = re.compile(rf"\b(?P<title>\d{{1,2}})\s+U\.\s?S\.\s?C\.(?:\s?A\.)?\s+(?:§§?\s*)?(?P<sections>{SECTIONS})")
STATES = (r"Ala\.|Alaska|Ariz\.|Ark\.|Cal\.|Colo\.|Conn\.|Del\.|D\.C\.|Fla\.|Ga\.|Haw\.|Idaho|Ill\.|Ind\.|Iowa|"
          r"Kan\.|Ky\.|La\.|Me\.|Md\.|Mass\.|Mich\.|Minn\.|Miss\.|Mo\.|Mont\.|Neb\.|Nev\.|N\.\s?H\.|N\.\s?J\.|"
          r"N\.\s?M\.|N\.\s?Y\.|N\.\s?C\.|N\.\s?D\.|Ohio|Okla\.|Or\.|Pa\.|R\.\s?I\.|S\.\s?C\.|S\.\s?D\.|Tenn\.|"
          r"Tex\.|Utah|Vt\.|Va\.|Wash\.|W\.\s?Va\.|Wis\.|Wyo\.")
CODE_WORD = r"(?:[A-Z][A-Za-z&.]*|&|of|and|tit\.\s*\d+,)"
STATE_CODE = re.compile(rf"\b(?P<code>(?:{STATES})(?:\s+{CODE_WORD}){{1,5}}?),?\s+§§?\s*(?P<sections>{SECTIONS})")
# Codes cited by an abbreviation of their own, with or without "§".
OWN_NAMES = (r"A\.R\.S\.|K\.S\.A\.|KRS|RCW|ORS|NRS|O\.C\.G\.A\.|La\.\s?R\.\s?S\.|RSA|NDCC|SDCL|NMSA(?:\s1978)?|"
             r"C\.R\.S\.|MCL|Minn\.\s?Stat\.|Fla\.\s?Stat\.|Wis\.\s?Stat\.|Mo\.\s?Rev\.\s?Stat\.|RSMo|Iowa\s+Code|"
             r"Idaho\s+Code|Utah\s+Code(?:\s+Ann\.)?|Ind\.\s?Code|IC|G\.\s?S\.|N\.C\.G\.S\.|R\.C\.")
OWN_CODE = re.compile(rf"(?<![\w.])(?P<code>{OWN_NAMES})\s+(?:§§?\s*)?(?P<sections>{SECTIONS})")
ILCS = re.compile(rf"\b(?P<chapter>\d{{3}})\s+ILCS\s+(?P<sections>{SECTIONS})")
# Statutes written out, as Congress's own texts cite them: "Title 17 Section 105 of the United
# States Code", "section 2252A of title 18, United States Code", and Acts by their title
# ("section 1009 of the Controlled Substances Import and Export Act", key "US:controlled
# substances import and export act"), which eyecite does not read.
USC_WRITTEN = re.compile(
    rf"\b(?:[Tt]itle\s+(?P<title1>\d{{1,2}}),?\s+[Ss]ections?\s+(?P<sections1>{SECTIONS})\s+of\s+the"
    rf"|[Ss]ections?\s+(?P<sections2>{SECTIONS})\s+of\s+title\s+(?P<title2>\d{{1,2}}),?)\s+United\s+States\s+Code\b")
TITLE = (r"(?!United\s+States\s+Code)[A-Z][\w'’\-]*(?:,?\s+(?:[A-Z][\w'’\-]*|and|of|the|for|on|to|in|by)){0,14}?"
         r"\s+Act(?:\s+of\s+\d{4})?")
SECTION_OF_ACT = re.compile(rf"\b[Ss]ections?\s+(?P<sections>{SECTIONS})\s+of\s+the\s+(?P<act>{TITLE})(?![\w'’])")

ALIASES = {"calpencode": "calpenalcode", "californiapenalcode": "calpenalcode", "nypenal": "nypenallaw",
           "nrs": "nevrevstat", "nevrevstat": "nevrevstat", "ars": "ars", "rsmo": "morevstat"}


def code_key(name: str) -> str:
    name = re.sub(r"\bAnn\.|\bAnnotated\b|[\s.,]", "", name).lower()
    return f"US:{ALIASES.get(name, name)}"


def extract(text: str, jurisdiction: str = "US") -> list[Citation]:
    found, taken = [], []

    def add(start, end, key, sections):
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        for section in split_labels(re.sub(r"§\s*", "", sections.replace("&", ","))):
            found.append(Citation(key, normalise_label(section), text[start:end], start, end))

    for match in USC.finditer(text):
        add(match.start(), match.end(), f"US:{match.group('title')}usc", match.group("sections"))
    for match in USC_WRITTEN.finditer(text):
        title = match.group("title1") or match.group("title2")
        add(match.start(), match.end(), f"US:{title}usc", match.group("sections1") or match.group("sections2"))
    for match in SECTION_OF_ACT.finditer(text):
        add(match.start(), match.end(), f"US:{' '.join(match.group('act').split()).lower()}", match.group("sections"))
    for match in ILCS.finditer(text):
        add(match.start(), match.end(), f"US:{match.group('chapter')}ilcs", match.group("sections"))
    for match in STATE_CODE.finditer(text):
        add(match.start(), match.end(), code_key(match.group("code")), match.group("sections"))
    for match in OWN_CODE.finditer(text):
        add(match.start(), match.end(), code_key(match.group("code")), match.group("sections"))
    for citation in eyecite_statutes(text):
        start, end = citation.span()
        groups = citation.groups
        key = f"US:{groups['title']}usc" if groups.get("title") and "U.S.C" in groups.get("reporter", "") \
            else code_key(groups.get("reporter", ""))
        add(start, end, key, groups.get("section", "") + (citation.metadata.pin_cite or ""))
    return found


def eyecite_statutes(text: str) -> list:
    """eyecite's FullLawCitations, or none where it is not installed."""
    try:
        from eyecite import get_citations
        from eyecite.models import FullLawCitation
    except ImportError:  # pragma: no cover - it is a declared dependency
        return []
    return [c for c in get_citations(text) if isinstance(c, FullLawCitation) and c.groups.get("section")]


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    return set()  # US codes are named in the instrument's citation, which the linker reads
