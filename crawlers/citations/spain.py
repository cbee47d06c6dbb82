"""Spain: articles of the Código Penal and of the organic laws.

  "artículo 197.7 del Código Penal", "art. 197.7 CP", "arts. 197.7 y 189 CP",
  "art. 173 bis CP", "artículo 197, apartado 7, del Código Penal", "art. 189.1.a) del C.P.",
  "Código Penal, artículo 197.7", "la Ley Orgánica 10/2022", "LO 1/2015"

Spanish practice numbers a paragraph (apartado) after a dot: "197.7" is article 197,
apartado 7, and is read as "197(7)", so that it links to the curated article 197 (and
to "197(7)" where a provision has that label). A code's key is its name
("ES:código penal"); an organic law's is its number ("ES:lo 10/2022").
"""

import re

from .base import Citation, normalise_label

JURISDICTIONS = ("ES",)

LATIN = r"(?:bis|ter|quater|quinquies|sexies)"
LABEL = rf"\d+(?:\s+{LATIN})?(?:\.\d+)*(?:\.?\s?[a-z]\))?"
LABELS = rf"{LABEL}(?:\s*(?:,|y|e)\s*{LABEL})*"
PIN = r"(?P<pin>,?\s*(?:apartado|apdo\.|párrafo|núm\.|número)\s*(?P<apartado>\d+)\s*,?)?"
CODES = {r"C[óo]digo\s+Penal|C\.\s?P\.|CP": "código penal",
         r"Ley\s+de\s+Enjuiciamiento\s+Criminal|LECrim|L\.E\.Crim\.": "ley de enjuiciamiento criminal"}
CODE = "|".join(f"(?:{pattern})" for pattern in CODES)
ARTICLE = r"\b(?:art[ií]culos?|arts?\.)\s*"

ARTICLE_OF_CODE = re.compile(rf"{ARTICLE}(?P<labels>{LABELS}){PIN}\s+(?:del\s+|de\s+la\s+)?(?P<code>{CODE})(?![\w.])",
                             re.IGNORECASE)
CODE_ARTICLE = re.compile(rf"\b(?P<code>C[óo]digo\s+Penal),?\s+(?:art[ií]culos?|arts?\.)\s*(?P<labels>{LABELS}){PIN}",
                          re.IGNORECASE)
ORGANIC_LAW = re.compile(r"\b(?:Ley\s+Org[áa]nica|L\.?\s?O\.?)\s+(?P<number>\d{1,2})/(?P<year>\d{4})")


def code_key(name: str) -> str:
    for pattern, full in CODES.items():
        if re.fullmatch(pattern, " ".join(name.split()), re.IGNORECASE):
            return f"ES:{full}"
    return f"ES:{name.lower()}"


def article_label(label: str, apartado: str | None) -> str | None:
    """"197.7" -> "197(7)", "189.1.a)" -> "189(1)(a)", "173 bis" -> "173bis"."""
    label = " ".join(label.split())
    letter = re.search(r"\.?\s?([a-z])\)$", label)
    if letter:
        label = label[:letter.start()]
    article, *parts = label.split(".")
    parts = [p for p in parts if p] + ([apartado] if apartado and not parts else []) + ([letter.group(1)] if letter else [])
    return normalise_label(article + "".join(f"({p})" for p in parts))


def split(labels: str) -> list[str]:
    return [part for part in re.split(r"\s*(?:,|\by\b|\be\b)\s*", labels) if part]


def extract(text: str, jurisdiction: str = "ES") -> list[Citation]:
    found, taken = [], []
    for pattern in (ARTICLE_OF_CODE, CODE_ARTICLE):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            labels = split(match.group("labels"))
            apartado = match.group("apartado") if len(labels) == 1 else None
            for label in labels:
                found.append(Citation(code_key(match.group("code")), article_label(label, apartado), match.group(0),
                                      match.start(), match.end()))
    for match in ORGANIC_LAW.finditer(text):
        found.append(Citation(f"ES:lo {int(match.group('number'))}/{match.group('year')}", None, match.group(0),
                              match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = re.match(rf"^\s*({CODE})\b", title or "", re.IGNORECASE)
    return {code_key(match.group(1))} if match else set()
