"""France: articles of the codes and numbered lois.

  "l'article 226-8-1 du code pénal", "articles 226-1 et 226-2 du code pénal",
  "l'article L. 721-3, 2°, du code de commerce", "art. 226-8-1 C. pén.",
  "C. pén., art. 226-8", "la loi n° 2024-449 du 21 mai 2024"

Judilibre's `visa` ("Article 226-8-1 du code pénal.") is read the same way.
A code's key is its name ("FR:code pénal"); a loi's is its number ("FR:loi 2024-449").
"""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("FR",)

LABEL = r"(?:[LRDA]\.?\s?\*?)?\d+(?:[-.]\d+)*(?:\s(?:bis|ter|quater|quinquies))?"
LABELS = rf"{LABEL}(?:\s*(?:,|et)\s*{LABEL})*"
# "2°", "alinéa 1er", "§ 1": a pinpoint inside the article, kept in the span only.
PIN = r"(?:,?\s*(?:\d+°|(?:alinéa|al\.)\s*\d+(?:er)?|§\s*\d+|I{1,3}V?|premier alinéa))*"
QUALIFIERS = r"(?:pénale|civile|judiciaire|administrative|publique|sociale|pénitentiaire|intérieure|intellectuelle|" \
             r"électorale|militaire|monétaire et financier|des familles)"
CODE = rf"code\s+(?:pénal|civil|(?:de|du|des)\s+(?:la\s+|l['’])?[\wéèêô\-]+(?:\s+{QUALIFIERS})?)"
ABBREVIATIONS = {r"C\.\s?pén\.": "code pénal", r"C\.\s?pr\.\s?pén\.|CPP": "code de procédure pénale",
                 r"C\.\s?civ\.": "code civil"}
ABBREVIATION = "|".join(f"(?:{a})" for a in ABBREVIATIONS)

ARTICLE_OF_CODE = re.compile(rf"\b(?:articles?|art\.)\s+(?P<labels>{LABELS}){PIN},?\s+du\s+(?P<code>{CODE})",
                             re.IGNORECASE)
ARTICLE_ABBREVIATED = re.compile(rf"\b(?:articles?|arts?\.)\s+(?P<labels>{LABELS}){PIN},?\s+(?:du\s+)?"
                                 rf"(?P<code>{ABBREVIATION})")
ABBREVIATED_ARTICLE = re.compile(rf"(?P<code>{ABBREVIATION}),?\s+arts?\.\s*(?P<labels>{LABELS})")
LOI = re.compile(r"\bloi\s+(?:organique\s+)?n°\s*(?P<number>\d{2,4}-\d+)", re.IGNORECASE)


def code_key(name: str) -> str:
    name = " ".join(name.replace("’", "'").split()).lower()
    for pattern, full in ABBREVIATIONS.items():
        if re.fullmatch(pattern, name, re.IGNORECASE):
            return f"FR:{full}"
    return f"FR:{name}"


def extract(text: str, jurisdiction: str = "FR") -> list[Citation]:
    found, taken = [], []
    for pattern in (ARTICLE_OF_CODE, ARTICLE_ABBREVIATED, ABBREVIATED_ARTICLE):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            key = code_key(match.group("code"))
            for label in split_labels(match.group("labels")):
                label = re.sub(r"^([LRDA])\.?\s?\*?", r"\1", label)  # "L. 721-3" -> "L721-3"
                found.append(Citation(key, normalise_label(label), match.group(0), match.start(), match.end()))
    for match in LOI.finditer(text):
        found.append(Citation(f"FR:loi {match.group('number')}", None, match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = re.match(rf"^\s*({CODE}|{ABBREVIATION})", title or "", re.IGNORECASE)
    return {code_key(match.group(1))} if match else set()
