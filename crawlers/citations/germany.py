"""Germany (and Austria, cited the same way): "§ 201a StGB", "§ 201a Abs. 1 Nr. 2 StGB",
"§§ 184b, 201a StGB", "§ 33 KUG", "§ 201a des Strafgesetzbuches". The key is the act's
abbreviation under the jurisdiction ("DE:stgb", "AT:stgb")."""

import re

from .base import Citation, normalise_label, split_labels

JURISDICTIONS = ("DE", "AT")

ALIASES = {"strafgesetzbuch": "stgb", "strafgesetzbuches": "stgb", "strafgesetzbuchs": "stgb",
           "kunsturhg": "kug", "kunsturhebergesetz": "kug", "kunsturhebergesetzes": "kug",
           "netzwerkdurchsetzungsgesetz": "netzdg", "strafprozessordnung": "stpo",
           "bürgerliches gesetzbuch": "bgb", "bürgerlichen gesetzbuches": "bgb", "grundgesetz": "gg",
           "gesetz über ordnungswidrigkeiten": "owig", "gesetzes über ordnungswidrigkeiten": "owig"}
LABEL = r"\d+[a-z]?"
# Statutes list with "oder" and give ranges with "bis" ("§§ 129 bis 129b, 185 bis 187 ... oder 269"):
# a range yields its two ends, the provisions it names.
LABELS = rf"{LABEL}(?:\s*(?:,|und|u\.|oder|bis)\s*{LABEL})*"
# Pinpoints, abbreviated or spelled out as statutes themselves write them ("Absatz 1 Nummer 1").
PIN = (r"(?P<pin>(?:\s+(?:Abs\.|Absatz)\s*\d+[a-z]?)?(?:\s+(?:S\.|Satz)\s*\d+)?"
       r"(?:\s+(?:Nr\.|Nummer)\s*\d+[a-z]?)?(?:\s+Alt\.\s*\d+)?)")
# An act's abbreviation: one capitalised token (StGB, KUG, NetzDG, KunstUrhG), or a named act.
ACT = (r"(?P<act>[A-Z][A-Za-zäöü]{0,12}[A-Z](?:-E)?|(?:des\s+|der\s+)?(?:Strafgesetzbuch(?:e?s)?|Kunsturhebergesetz(?:es)?|"
       r"Gesetz(?:es)?\s+über\s+Ordnungswidrigkeiten))")
PARAGRAPH = re.compile(rf"§§?\s*(?P<labels>{LABELS}){PIN}\s+{ACT}\b")


def act_key(jurisdiction: str, name: str) -> str:
    name = re.sub(r"^(?:des|der)\s+", "", name.strip()).lower()
    return f"{jurisdiction.split('-')[0]}:{ALIASES.get(name, name)}"


def extract(text: str, jurisdiction: str = "DE") -> list[Citation]:
    found = []
    for match in PARAGRAPH.finditer(text):
        key = act_key(jurisdiction, match.group("act"))
        labels = split_labels(re.sub(r"\s+(?:oder|bis)\s+", ", ", match.group("labels")))
        pin = match.group("pin") if len(labels) == 1 else ""
        for label in labels:
            found.append(Citation(key, normalise_label(f"{label} {pin}"), match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    first = re.match(r"^\s*([\wäöüÄÖÜ]+)", title or "")
    if first and first.group(1).lower() in ALIASES:
        return {act_key(jurisdiction, first.group(1))}
    return set()
