"""France: articles of the codes and numbered lois.

  "l'article 226-8-1 du code pénal", "articles 226-1 et 226-2 du code pénal",
  "l'article L. 721-3, 2°, du code de commerce", "art. 226-8-1 C. pén.",
  "C. pén., art. 226-8", "la loi n° 2024-449 du 21 mai 2024",
  "l'article 20 dudit code" (the code named last before it), "les articles 3 et 7 de la loi
  du 1er juillet 1901" (an older loi cited by its date), "l'article 89 de la Constitution"

Judilibre's `visa` ("Article 226-8-1 du code pénal.") is read the same way.
A code's key is its name ("FR:code pénal"); a loi's is its number ("FR:loi 2024-449") or,
when cited by date only, its date ("FR:loi du 1er juillet 1901"); our instruments titled
"Loi n° ... du <date>" carry both keys, so either way of citing them links.
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
# "dudit code", "du même code": the code named last before it in the same text.
ARTICLE_OF_SAID_CODE = re.compile(
    rf"\b(?:articles?|art\.)\s+(?P<labels>{LABELS}){PIN},?\s+(?:dudit|du\s+même|de\s+ce)\s+code\b", re.IGNORECASE)
MONTHS = r"(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
# "la loi du 29 juillet 1881", "loi du 1 juillet 1901": a loi by date alone (never "loi n° ... du ...",
# which LOI reads by its number).
DATE = rf"(?P<day>\d{{1,2}})(?:er)?\s+(?P<month>{MONTHS})\s+(?P<year>\d{{4}})"
ARTICLE_OF_DATED_LOI = re.compile(
    rf"\b(?:articles?|art\.)\s+(?P<labels>{LABELS}){PIN},?\s+de\s+la\s+loi\s+du\s+{DATE}", re.IGNORECASE)
DATED_LOI = re.compile(rf"\bloi\s+du\s+{DATE}", re.IGNORECASE)
NUMBERED_DATED_LOI = re.compile(rf"\bloi\s+(?:organique\s+)?n°\s*\d{{2,4}}-\d+\s+du\s+{DATE}", re.IGNORECASE)
ARTICLE_OF_CONSTITUTION = re.compile(
    rf"\b(?:articles?|art\.)\s+(?P<labels>{LABELS}){PIN},?\s+de\s+la\s+Constitution\b(?:\s+du\s+4\s+octobre\s+1958)?")


def code_key(name: str) -> str:
    name = " ".join(name.replace("’", "'").split()).lower()
    for pattern, full in ABBREVIATIONS.items():
        if re.fullmatch(pattern, name, re.IGNORECASE):
            return f"FR:{full}"
    return f"FR:{name}"


def dated_loi_key(match) -> str:
    """"1 juillet 1901" and "1er juillet 1901" are one date: the key writes the first "1er"."""
    day = int(match.group("day"))
    return f"FR:loi du {'1er' if day == 1 else day} {match.group('month').lower()} {match.group('year')}"


def extract(text: str, jurisdiction: str = "FR") -> list[Citation]:
    found, taken = [], []

    def articles(match, key: str) -> None:
        taken.append((match.start(), match.end()))
        for label in split_labels(match.group("labels")):
            label = re.sub(r"^([LRDA])\.?\s?\*?", r"\1", label)  # "L. 721-3" -> "L721-3"
            found.append(Citation(key, normalise_label(label), match.group(0), match.start(), match.end()))

    def free(match) -> bool:
        return not any(s < match.end() and match.start() < e for s, e in taken)

    named = []  # (position, code key): what "dudit code" refers back to
    for pattern in (ARTICLE_OF_CODE, ARTICLE_ABBREVIATED, ABBREVIATED_ARTICLE):
        for match in pattern.finditer(text):
            if free(match):
                key = code_key(match.group("code"))
                named.append((match.start(), key))
                articles(match, key)
    for match in ARTICLE_OF_SAID_CODE.finditer(text):
        earlier = [(start, key) for start, key in named if start < match.start()]
        if earlier and free(match):
            articles(match, max(earlier)[1])
    for match in ARTICLE_OF_DATED_LOI.finditer(text):
        if free(match):
            articles(match, dated_loi_key(match))
    for match in ARTICLE_OF_CONSTITUTION.finditer(text):
        if free(match):
            articles(match, "FR:constitution")
    for match in DATED_LOI.finditer(text):
        if free(match):
            found.append(Citation(dated_loi_key(match), None, match.group(0), match.start(), match.end()))
    for match in LOI.finditer(text):
        found.append(Citation(f"FR:loi {match.group('number')}", None, match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    keys = set()
    match = re.match(rf"^\s*({CODE}|{ABBREVIATION})", title or "", re.IGNORECASE)
    if match:
        keys.add(code_key(match.group(1)))
    # "Loi n° 2024-449 du 21 mai 2024": also its date, for decisions that cite it so.
    for text in (title or "", citation or ""):
        dated = NUMBERED_DATED_LOI.search(text)
        if dated:
            keys.add(dated_loi_key(dated))
    return keys
