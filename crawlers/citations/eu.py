"""European Union acts, cited in any member state's decisions and in their own recitals:
"Article 5 of Directive (EU) 2024/1385", "Article 5(1)(a) of Directive 2024/1385",
"Art. 50(4) of Regulation (EU) 2024/1689", "article 6 de la directive (UE) 2024/1385",
"Artikel 5 der Richtlinie (EU) 2024/1385", "Regulation (EU) 2022/2065". The key is the act's
kind and number ("EU:directive 2024/1385"), whatever the language."""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("EU",)
UNIVERSAL = True  # read in every jurisdiction's decisions

KINDS = {"directive": "directive", "directiva": "directive", "richtlijn": "directive", "richtlinie": "directive",
         "direttiva": "directive", "regulation": "regulation", "règlement": "regulation",
         "reglamento": "regulation", "verordening": "regulation", "verordnung": "regulation",
         "regolamento": "regulation"}
KIND = r"(?P<kind>directive|directiva|richtlijn|richtlinie|direttiva|regulation|règlement|reglamento|verordening|verordnung|regolamento)"
# Acts before 1999 put a two-digit year first and the treaty after ("Directive 95/46/EC"); the
# key always carries the four-digit year ("EU:directive 1995/46").
NUMBER = (r"(?:\((?:EU|UE|EG|CE|EC|EU,\s*Euratom)\)\s*(?:n°\s*|No\s*|Nr\.\s*)?)?"
          r"(?:(?P<number>(?:19|20)\d{2}/\d{1,4})|(?P<old>[6-9]\d/\d{1,4})(?=/(?:EEC|EC|CEE|CE|EWG|EG|EU)\b))")
ACT = rf"{KIND}\s+{NUMBER}"
LABEL = r"\d+[a-z]?(?:\(\w{1,4}\))*"
LABELS = rf"{LABEL}(?:\s*(?:,|and|et|en|und|y|e)\s*{LABEL})*"
ARTICLE_OF_ACT = re.compile(
    rf"\b(?:articles?|arts?\.|artikel(?:s|en)?|art[ií]culos?|articolo)\s*(?P<labels>{LABELS})"
    rf"(?P<pin>(?:\s*(?:,\s*)?(?:paragraph|par\.|paragraphe|lid|Absatz|Abs\.|Nummer|Nr\.)\s*\d+)*),?\s+"
    rf"(?:of|de|du|der|van|del|della)\s+(?:the\s+|la\s+|het\s+|de\s+)?{ACT}", re.IGNORECASE)
BARE_ACT = re.compile(rf"\b{ACT}", re.IGNORECASE)


def act_key(kind: str, number: str | None, old: str | None = None) -> str:
    if number is None:
        number = f"19{old}"
    return f"EU:{KINDS[kind.lower()]} {number}"


def pinpointed(label: str, pin: str) -> str | None:
    """"5" with " Absatz 4" -> "5(4)" (a single article only: a list's pinpoint is ambiguous)."""
    numbers = re.findall(r"\d+", pin or "")
    return normalise_label(label + "".join(f"({n})" for n in numbers))


def extract(text: str, jurisdiction: str = "EU") -> list[Citation]:
    found, taken = [], []
    for match in ARTICLE_OF_ACT.finditer(text):
        taken.append((match.start(), match.end()))
        key = act_key(match.group("kind"), match.group("number"), match.group("old"))
        labels = split_labels(match.group("labels"))
        for label in labels:
            label = pinpointed(label, match.group("pin")) if len(labels) == 1 else normalise_label(label)
            found.append(Citation(key, label, match.group(0), match.start(), match.end()))
    for match in BARE_ACT.finditer(text):
        if not any(s <= match.start() < e for s, e in taken):
            found.append(Citation(act_key(match.group("kind"), match.group("number"), match.group("old")), None,
                                  match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = BARE_ACT.match((citation or "").strip()) or BARE_ACT.match((title or "").strip())
    return {act_key(match.group("kind"), match.group("number"), match.group("old"))} if match else set()
