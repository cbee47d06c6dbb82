"""European Union acts, cited in any member state's decisions and in their own recitals:
"Article 5 of Directive (EU) 2024/1385", "Article 5(1)(a) of Directive 2024/1385",
"Art. 50(4) of Regulation (EU) 2024/1689", "article 6 de la directive (UE) 2024/1385",
"Artikel 5 der Richtlinie (EU) 2024/1385", "Regulation (EU) 2022/2065". The key is the act's
kind and number ("EU:directive 2024/1385"), whatever the language.

Three acts are cited by name more often than by number: the GDPR ("Article 17 GDPR",
"article 6 du RGPD", "Art. 9 DSGVO", "artikel 6 AVG", "the General Data Protection
Regulation"), the Digital Services Act and the AI Act. Their names map to the same keys;
an abbreviation counts only in capitals, and "AVG" and "DSA" only after an article number
(alone they name other things too); "UK GDPR" is the UK's own law, not the EU's."""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("EU",)
UNIVERSAL = True  # read in every jurisdiction's decisions

KINDS = {"directive": "directive", "directiva": "directive", "richtlijn": "directive", "richtlinie": "directive",
         "direttiva": "directive", "regulation": "regulation", "règlement": "regulation",
         "reglamento": "regulation", "verordening": "regulation", "verordnung": "regulation",
         "regolamento": "regulation"}
# Plurals head lists ("Directives 2003/41/EC and 2009/65/EC").
KIND = (r"(?P<kind>directives?|directiva|richtlijn|richtlinie|direttiva|regulations?|règlement|reglamento|verordening|"
        r"verordnung|regolamento)")
# Numbers come in three orders, and the key always carries year/number with a four-digit year:
# "2016/679" (since 2015, and directives always); "No 648/2012" (regulations before 2015:
# number/year); "95/46/EC" (before 1999: a two-digit year first, the treaty after) -> "1995/46".
TREATY = r"(?:EEC|EC|CEE|CE|EWG|EG|EU|UE)"
NUMBER = (r"(?:\((?:EU|UE|EG|CE|EC|EU,\s*Euratom)\)\s*)?(?:(?:n°|No\.?|Nr\.)\s*)?"
          r"(?:(?P<number>(?:19|20)\d{2}/\d{1,4})(?!\d)|(?P<old>[6-9]\d/\d{1,4})(?=/" + TREATY + r"\b)"
          r"|(?P<late>\d{1,4}/(?:19|20)\d{2})(?![\d/]))")
# A further number in a list: "... and 2009/65/EC", "... and (EU) No. 1095/2010".
FURTHER = (rf"(?:/{TREATY}\b)?\s*(?:,|and|et|und|en|e|y)\s*(?:\((?:EU|UE|EG|CE|EC)\)\s*)?(?:(?:n°|No\.?|Nr\.)\s*)?"
           rf"\d{{2,4}}/\d{{1,4}}(?![\d])")
ACT = rf"{KIND}\s+{NUMBER}"
LABEL = r"\d+[a-z]?(?:\(\w{1,4}\))*"
LABELS = rf"{LABEL}(?:\s*(?:,|and|et|en|und|y|e)\s*{LABEL})*"
ARTICLE_OF_ACT = re.compile(
    rf"\b(?:articles?|arts?\.|artikel(?:s|en)?|art[ií]culos?|articolo)\s*(?P<labels>{LABELS})"
    rf"(?P<pin>(?:\s*(?:,\s*)?(?:paragraph|par\.|paragraphe|lid|Absatz|Abs\.|Nummer|Nr\.)\s*\d+)*),?\s+"
    rf"(?:of|de|du|der|van|del|della)\s+(?:the\s+|la\s+|het\s+|de\s+)?{ACT}", re.IGNORECASE)
# Names of acts, each to its key. Full names in any case; abbreviations case-sensitive.
NAMES = {
    "EU:regulation 2016/679": (r"general\s+data\s+protection\s+regulation",
                               r"r[èe]glement\s+g[ée]n[ée]ral\s+sur\s+la\s+protection\s+des\s+donn[ée]es",
                               r"datenschutz-grundverordnung", r"algemene\s+verordening\s+gegevensbescherming",
                               r"reglamento\s+general\s+de\s+protecci[óo]n\s+de\s+datos",
                               r"regolamento\s+generale\s+(?:sulla|per\s+la)\s+protezione\s+dei\s+dati"),
    "EU:regulation 2022/2065": (r"digital\s+services\s+act", r"r[èe]glement\s+sur\s+les\s+services\s+num[ée]riques"),
    "EU:regulation 2024/1689": (r"artificial\s+intelligence\s+act", r"(?-i:AI)\s+act"),
}
# "UK GDPR" is the United Kingdom's retained version, another law: never read as the EU's.
ABBREVIATIONS = {"EU:regulation 2016/679": r"(?<!UK )(?-i:GDPR|RGPD|DSGVO|AVG)",
                 "EU:regulation 2022/2065": r"(?-i:DSA)"}
# Alone, only the unambiguous abbreviations ("AVG" and "DSA" name other things too).
BARE_ABBREVIATIONS = {"EU:regulation 2016/679": r"(?<!UK )(?-i:GDPR|RGPD|DSGVO)"}
NAMED_KEYS = [(re.compile(rf"\b(?:the\s+)?(?:{'|'.join(names)})\b", re.IGNORECASE), key) for key, names in NAMES.items()]
ARTICLE_OF_NAMED = [
    (re.compile(rf"\b(?:articles?|arts?\.|artikel(?:s|en)?|art[ií]culos?|articolo)\s*(?P<labels>{LABELS})"
                rf"(?P<pin>(?:\s*(?:,\s*)?(?:paragraph|par\.|paragraphe|lid|Absatz|Abs\.)\s*\d+)*),?\s+"
                rf"(?:(?:of|de|du|der|van|del|della)\s+)?(?:the\s+|la\s+|het\s+|de\s+)?"
                rf"(?:{'|'.join(NAMES[key])}|{ABBREVIATIONS.get(key, '(?!)')})\b", re.IGNORECASE), key)
    for key in NAMES]
BARE_ABBREVIATION = [(re.compile(rf"\b{pattern}\b"), key) for key, pattern in BARE_ABBREVIATIONS.items()]
BARE_ACT = re.compile(rf"\b{ACT}(?P<further>(?:{FURTHER})*)", re.IGNORECASE)
ONE_NUMBER = re.compile(rf"{NUMBER}", re.IGNORECASE)


def act_key(kind: str, number: str | None, old: str | None = None, late: str | None = None) -> str:
    if old:
        number = f"19{old}"
    elif late:
        serial, year = late.split("/")
        number = f"{year}/{serial}"
    kind = kind.lower()
    return f"EU:{KINDS.get(kind) or KINDS[kind[:-1]]} {number}"


def key_of(match, kind: str | None = None) -> str:
    return act_key(kind or match.group("kind"), match.group("number"), match.group("old"), match.group("late"))


def pinpointed(label: str, pin: str) -> str | None:
    """"5" with " Absatz 4" -> "5(4)" (a single article only: a list's pinpoint is ambiguous)."""
    numbers = re.findall(r"\d+", pin or "")
    return normalise_label(label + "".join(f"({n})" for n in numbers))


def extract(text: str, jurisdiction: str = "EU") -> list[Citation]:
    found, taken = [], []

    def articles(match, key: str) -> None:
        taken.append((match.start(), match.end()))
        labels = split_labels(match.group("labels"))
        for label in labels:
            label = pinpointed(label, match.group("pin")) if len(labels) == 1 else normalise_label(label)
            found.append(Citation(key, label, match.group(0), match.start(), match.end()))

    for match in ARTICLE_OF_ACT.finditer(text):
        articles(match, key_of(match))
    for pattern, key in ARTICLE_OF_NAMED:
        for match in pattern.finditer(text):
            if not any(s <= match.start() < e for s, e in taken):
                articles(match, key)
    for match in BARE_ACT.finditer(text):
        if not any(s <= match.start() < e for s, e in taken):
            found.append(Citation(key_of(match), None, match.group(0), match.start(), match.end()))
            for further in ONE_NUMBER.finditer(match.group("further") or ""):
                found.append(Citation(key_of(further, match.group("kind")), None, match.group(0),
                                      match.start(), match.end()))
    # A name alone, unless it is an act's short title in brackets after its full title
    # ("Regulation (EU) 2016/679 ... (General Data Protection Regulation)") or the act is
    # already cited in this text: one act, one citation.
    for pattern, key in NAMED_KEYS + BARE_ABBREVIATION:
        for match in pattern.finditer(text):
            bracketed = text[:match.start()].endswith("(") and text[match.end():].startswith(")")
            if bracketed or any(s <= match.start() < e for s, e in taken) or any(c.act == key for c in found):
                continue
            taken.append((match.start(), match.end()))
            found.append(Citation(key, None, match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = BARE_ACT.match((citation or "").strip()) or BARE_ACT.match((title or "").strip())
    return {key_of(match)} if match else set()
