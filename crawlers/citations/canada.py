"""Canada: "s. 162.1 of the Criminal Code", "section 162.1(1) of the Criminal Code",
"Criminal Code, s. 162.1", "ss. 162.1 and 163.1 of the Criminal Code", "art. 162.1 du Code criminel",
"s. 162.1 Cr. C.". Provincial Acts are named by title ("s. 3 of the Intimate Images
Protection Act"); their keys carry the province ("CA-BC:intimate images protection act")."""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("CA",)

LABEL = r"\d+(?:\.\d+)*(?:\(\w{1,4}\))*"
LABELS = rf"{LABEL}(?:\s*(?:,|and|or|et)\s*{LABEL})*"
CRIMINAL_CODE = r"(?:the\s+)?(?:Criminal\s+Code|Cr\.\s?C\.|Cr\.\s?Code|C\.\s?cr\.|Code\s+criminel)"
SECTION = r"(?:(?:[Ss]ub)?[Ss]ections?|[Ss]ubsections?|ss?\.?|art(?:icles?|s?\.))"
SECTION_OF_CODE = re.compile(rf"\b{SECTION}\s*(?P<labels>{LABELS})\s+(?:of\s+|du\s+)?{CRIMINAL_CODE}")
CODE_SECTION = re.compile(rf"{CRIMINAL_CODE},?\s+{SECTION}\s*(?P<labels>{LABELS})")
TITLE = r"[A-Z][\w'’\-]*(?:\s+(?:[A-Z][\w'’\-]*|of|and|the|for|on|to|in|-)){0,14}?\s+Act"
SECTION_OF_ACT = re.compile(rf"\b{SECTION}\s*(?P<labels>{LABELS})\s+of\s+(?:the|The)\s+(?P<act>{TITLE})\b")
# A whole Act named by its title ("amends the Competition Act"); "the Act" alone is relative.
BARE_ACT = re.compile(rf"\b(?:the|The)\s+(?P<act>{TITLE})\b")


def extract(text: str, jurisdiction: str = "CA") -> list[Citation]:
    found, taken = [], []
    for pattern in (SECTION_OF_CODE, CODE_SECTION, SECTION_OF_ACT):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            act = match.groupdict().get("act")
            key = f"{jurisdiction}:{act.lower()}" if act else "CA:criminal code"
            for label in split_labels(match.group("labels")):
                found.append(Citation(key, normalise_label(label), match.group(0), match.start(), match.end()))
    for match in BARE_ACT.finditer(text):
        if not any(s < match.end() and match.start() < e for s, e in taken):
            found.append(Citation(f"{jurisdiction}:{match.group('act').lower()}", None, match.group(0),
                                  match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    title = " ".join((title or "").split())
    if re.match(r"^(?:Criminal Code|Code criminel)\b", title):
        return {"CA:criminal code"}
    match = re.match(rf"^(?:The\s+)?({TITLE})\b", title)
    return {f"{jurisdiction}:{match.group(1).lower()}"} if match else set()
