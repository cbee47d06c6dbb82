"""The Netherlands: "artikel 139h, eerste lid, Sr", "art. 139h Sr", "artikelen 139h en 240b Sr",
"artikel 139h van het Wetboek van Strafrecht", "artikel 7:12, eerste lid, van de Algemene wet
bestuursrecht (Awb)". An act's key is its usual abbreviation ("NL:sr")."""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("NL",)

# Full names and abbreviations, each to the abbreviation used as key.
ACTS = {
    "Wetboek van Strafrecht": "sr", "Sr": "sr",
    "Wetboek van Strafvordering": "sv", "Sv": "sv",
    "Algemene wet bestuursrecht": "awb", "Awb": "awb",
    "Burgerlijk Wetboek": "bw", "BW": "bw",
    "Wegenverkeerswet 1994": "wvw 1994", "WVW 1994": "wvw 1994",
    "Opiumwet": "opiumwet", "Wet wapens en munitie": "wwm", "WWM": "wwm",
}
ACT = "|".join(sorted((re.escape(name) for name in ACTS), key=len, reverse=True))
LABEL = r"\d+[a-z]{0,3}(?::\d+[a-z]?)?"
LABELS = rf"{LABEL}(?:\s*(?:,|en)\s*{LABEL})*"
ORDINAL = r"(?:eerste|tweede|derde|vierde|vijfde|zesde|zevende|achtste|negende|tiende|\d+(?:e|de))"
PIN = rf"(?P<pin>(?:,?\s*{ORDINAL}\s+lid)?(?:,?\s*(?:aanhef\s+en\s+)?(?:onder|sub)\s+\w+)?(?:,?\s*aanhef)?)"
ARTICLE = re.compile(
    rf"\b(?:[Aa]rtikel(?:en)?|[Aa]rt\.|[Aa]rtt\.)\s*(?P<labels>{LABELS}){PIN},?\s+(?:(?:van\s+)?(?:het|de)\s+)?"
    rf"(?P<act>{ACT})\b(?:\s*\((?:{ACT})\))?")


def extract(text: str, jurisdiction: str = "NL") -> list[Citation]:
    found = []
    for match in ARTICLE.finditer(text):
        key = f"NL:{ACTS[match.group('act')]}"
        labels = split_labels(match.group("labels"))
        pin = match.group("pin") if len(labels) == 1 else ""
        for label in labels:
            found.append(Citation(key, normalise_label(f"{label} {pin}"), match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = re.match(rf"^\s*({ACT})\b", title or "")
    return {f"NL:{ACTS[match.group(1)]}"} if match else set()
