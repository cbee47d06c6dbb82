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
           "gesetz über ordnungswidrigkeiten": "owig", "gesetzes über ordnungswidrigkeiten": "owig",
           "zivilprozessordnung": "zpo"}
LABEL = r"\d+[a-z]?"
# Statutes list with "oder" and give ranges with "bis" ("§§ 129 bis 129b, 185 bis 187 ... oder 269"):
# a range yields its two ends, the provisions it names.
LABELS = rf"{LABEL}(?:\s*(?:,|und|u\.|oder|bis)\s*{LABEL})*"
# Pinpoints, abbreviated or spelled out as statutes themselves write them ("Absatz 1 Nummer 1").
PIN = (r"(?P<pin>(?:\s+(?:Abs\.|Absatz)\s*\d+[a-z]?)?(?:\s+(?:S\.|Satz)\s*\d+)?"
       r"(?:\s+(?:Nr\.|Nummer)\s*\d+[a-z]?(?:\s+bis\s+\d+[a-z]?)?)?(?:\s+Alt\.\s*\d+)?)")
# An act's abbreviation: one capitalised token (StGB, KUG, NetzDG, KunstUrhG), or a named act.
ACT = (r"(?P<act>[A-Z][A-Za-zäöü]{0,12}[A-Z](?:-E)?|(?:des\s+|der\s+)?(?:Strafgesetzbuch(?:e?s)?|Kunsturhebergesetz(?:es)?|"
       r"Gesetz(?:es)?\s+über\s+Ordnungswidrigkeiten|Zivilprozessordnung|Strafprozessordnung))")
PARAGRAPH = re.compile(rf"§§?\s*(?P<labels>{LABELS}){PIN}\s+{ACT}\b")


def act_key(jurisdiction: str, name: str) -> str:
    name = re.sub(r"^(?:des|der)\s+", "", name.strip()).lower()
    return f"{jurisdiction.split('-')[0]}:{ALIASES.get(name, name)}"


def extract(text: str, jurisdiction: str = "DE") -> list[Citation]:
    found = []
    for match in PARAGRAPH.finditer(text):
        key = act_key(jurisdiction, match.group("act"))
        labels = split_labels(re.sub(r"\s+(?:oder|bis)\s+", ", ", match.group("labels")))
        pins = pinpoints(match.group("pin")) if len(labels) == 1 else [""]
        for label in labels:
            for pin in pins:
                found.append(Citation(key, normalise_label(f"{label} {pin}"), match.group(0), match.start(), match.end()))
    return found


def pinpoints(pin: str) -> list[str]:
    """A pinpoint as subdivisions: a Satz inside an Absatz is one more level ("Abs. 2 Satz 3" ->
    "Abs. 2(3)"), and a range of numbers gives its two ends ("Nr. 1 bis 3" -> "Nr. 1", "Nr. 3")."""
    pin = re.sub(r"((?:Abs\.|Absatz)\s*\d+[a-z]?)\s+(?:S\.|Satz)\s*(\d+)", r"\1(\2)", pin or "")
    ends = re.search(r"(\d+[a-z]?)\s+bis\s+(\d+[a-z]?)$", pin)
    if ends:
        head = pin[:ends.start()]
        return [head + ends.group(1), head + ends.group(2)]
    return [pin]


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    first = re.match(r"^\s*([\wäöüÄÖÜ]+)", title or "")
    if first and first.group(1).lower() in ALIASES:
        return {act_key(jurisdiction, first.group(1))}
    return set()
