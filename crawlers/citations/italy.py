"""Italy: articles of the codes, and of the privacy code by its decree number.

  "art. 612-ter c.p.", "art. 612 ter del codice penale", "artt. 612-bis e 612-ter c.p.",
  "art. 612-ter, comma 1, c.p.", "art. 600-quater.1 cod. pen.", "Codice penale, art. 612-ter",
  "art. 144-bis del d.lgs. n. 196/2003", "art. 144-bis d.lgs. 30 giugno 2003, n. 196"

A code's key is its name ("IT:codice penale"); a legislative decree's is its number and
year ("IT:dlgs 196/2003"). Labels are written the way our curated provisions are
("612-ter", "600-quater.1"), whether the decision writes "612 ter", "612-ter" or "612ter";
a comma ("comma 1", "co. 1", "primo comma") becomes "(1)".
"""

import re

from .base import Citation, normalise_label

JURISDICTIONS = ("IT",)

LATIN = r"(?:bis|ter|quater|quinquies|sexies|septies|octies|novies|decies)"
LABEL = rf"\d+(?:\s*-?\s*{LATIN})?(?:\.\d+)?"
LABELS = rf"{LABEL}(?:\s*(?:,|e|ed)\s*{LABEL})*"
ORDINALS = {"primo": "1", "secondo": "2", "terzo": "3", "quarto": "4", "quinto": "5", "sesto": "6",
            "settimo": "7", "ottavo": "8"}
PIN = (rf"(?P<pin>,?\s*(?:(?:comma|co\.)\s*\d+|(?:{'|'.join(ORDINALS)})\s+comma)(?:\s*,?\s*(?:lett\.|lettera)\s*[a-z]\))?)?")
CODES = {
    r"c\.\s?p\.\s?p\.|cod\.\s?proc\.\s?pen\.|codice di procedura penale": "codice di procedura penale",
    r"c\.\s?p\.|cod\.\s?pen\.|codice penale": "codice penale",
    r"c\.\s?c\.|cod\.\s?civ\.|codice civile": "codice civile",
}
CODE = "|".join(f"(?:{pattern})" for pattern in CODES)
# Legislative decrees: "d.lgs. n. 196/2003", "d.lgs. 30 giugno 2003, n. 196", "decreto legislativo 196/2003".
DECREE = (r"(?:d\.\s?lgs\.?|decreto\s+legislativo)\s*(?:\d{1,2}\s+\w+\s+(?P<year1>\d{4}),?\s*)?(?:n\.\s*)?"
          r"(?P<number>\d+)(?:\s*/\s*(?P<year2>\d{4})|\s+del\s+(?P<year3>\d{4}))?")
ARTICLE = r"\b(?:artt?\.|articol[oi])\s*"

ARTICLE_OF_CODE = re.compile(rf"{ARTICLE}(?P<labels>{LABELS}){PIN},?\s+(?:del\s+(?:nuovo\s+)?)?(?P<code>{CODE})(?![\w.])",
                             re.IGNORECASE)
CODE_ARTICLE = re.compile(rf"\b(?P<code>{CODE}),?\s+(?:artt?\.|articol[oi])\s*(?P<labels>{LABELS}){PIN}", re.IGNORECASE)
ARTICLE_OF_DECREE = re.compile(rf"{ARTICLE}(?P<labels>{LABELS}){PIN},?\s+(?:del\s+)?{DECREE}", re.IGNORECASE)
#: The privacy code by its name is d.lgs. 196/2003.
PRIVACY_CODE = re.compile(r"codice\s+(?:della\s+privacy|in\s+materia\s+di\s+protezione\s+dei\s+dati\s+personali)",
                          re.IGNORECASE)


def code_key(name: str) -> str:
    for pattern, full in CODES.items():
        if re.fullmatch(pattern, " ".join(name.split()), re.IGNORECASE):
            return f"IT:{full}"
    return f"IT:{name.lower()}"


def decree_key(match) -> str | None:
    year = match.group("year1") or match.group("year2") or match.group("year3")
    return f"IT:dlgs {int(match.group('number'))}/{year}" if year else None


def article_label(label: str, pin: str | None) -> str | None:
    """"612 ter" -> "612-ter"; with ", comma 1" -> "612-ter(1)"."""
    label = re.sub(rf"\s*-?\s*({LATIN})\b", r"-\1", label.strip(), flags=re.IGNORECASE).lower()
    paragraph = None
    if pin:
        number = re.search(r"(?:comma|co\.)\s*(\d+)", pin, re.IGNORECASE)
        ordinal = re.search(rf"({'|'.join(ORDINALS)})\s+comma", pin, re.IGNORECASE)
        paragraph = number.group(1) if number else ORDINALS[ordinal.group(1).lower()] if ordinal else None
    return normalise_label(f"{label}({paragraph})" if paragraph else label)


def split(labels: str) -> list[str]:
    return [part for part in re.split(r"\s*(?:,|\be\b|\bed\b)\s*", labels) if part]


def extract(text: str, jurisdiction: str = "IT") -> list[Citation]:
    found, taken = [], []
    for pattern in (ARTICLE_OF_CODE, CODE_ARTICLE, ARTICLE_OF_DECREE):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            key = code_key(match.group("code")) if "code" in match.groupdict() else decree_key(match)
            if key is None:
                continue
            taken.append((match.start(), match.end()))
            labels = split(match.group("labels"))
            pin = match.group("pin") if len(labels) == 1 else None
            for label in labels:
                found.append(Citation(key, article_label(label, pin), match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    keys = set()
    match = re.match(rf"^\s*({CODE})\b", title or "", re.IGNORECASE)
    if match:
        keys.add(code_key(match.group(1)))
    if PRIVACY_CODE.match((title or "").strip()):
        keys.add("IT:dlgs 196/2003")
    return keys
