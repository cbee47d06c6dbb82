"""What every legal system's patterns produce, and the one way provision labels compare.

A `Citation` names an act by a key (`act`) that the same system also derives from
our instruments' citations and titles, so a decision's "art. 139h Sr" and the
instrument cited "Art. 139h Sr" meet on the key `NL:sr`. The key starts with the
jurisdiction whose law it is, so Germany's and Austria's StGB never meet.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    act: str                 # e.g. "GB:sexual offences act 2003", "FR:code pénal", "US:18 usc"
    label: str | None        # the provision as cited, normalised (see `normalise_label`); None: the whole act
    span: str                # the text matched, as written
    start: int = 0
    end: int = 0
    # A source's own link (legislation.gov.uk ids in Find Case Law's metadata) names
    # our ids directly; the linker checks they exist.
    instrument_id: str | None = None
    provision_id: str | None = None


# Words that say "this is a provision number" in the languages we read, at the start of a label.
DESIGNATOR = re.compile(
    # Longest words first, and whole words only: "Artikel" is not "Art" + "ikel".
    r"^(?:sections?|articles?|artikel(?:en)?|art[ií]culos?|articolo|regulation|rule|ss?\.?|§§?|arts?\.?|reg\.|r\.)"
    r"(?![^\W\d])\s*",
    re.IGNORECASE)
ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
            "achtste": 8, "negende": 9, "tiende": 10}
SUBDIVISION = re.compile(
    r"\s*,?\s*(?:abs\.|absatz|lid|co\.|comma|al\.|alinéa|para\.|paragraph|subsection|sub|onder|nr\.|nummer|no\.|stk\.)\s*"
    r"(\w{1,4})\b", re.IGNORECASE)


def normalise_label(label: str | None) -> str | None:
    """A provision label as a comparable string: "s. 66B(2)" -> "66b(2)",
    "§ 201a Abs. 2" -> "201a(2)", "139h lid 1 sub a" -> "139h(1)(a)", "Art. 5(1)(a)" -> "5(1)(a)",
    "Artículo 197 bis" -> "197bis"."""
    if label is None:
        return None
    text = " ".join(str(label).split())
    text = DESIGNATOR.sub("", text)
    for word, number in ORDINALS.items():
        text = re.sub(rf",?\s*{word}\s+lid", f" lid {number}", text, flags=re.IGNORECASE)
    text = SUBDIVISION.sub(lambda m: f"({m.group(1)})", text)
    text = re.sub(r"\s+(bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies)\b", r"\1", text,
                  flags=re.IGNORECASE)
    text = re.sub(r"[\s,]+", "", text).rstrip(".").lower()
    return text or None


def label_root(label: str | None) -> str | None:
    """The article a normalised label belongs to: "66b(2)" -> "66b", "226-8-1" -> "226-8-1"."""
    if not label:
        return None
    return re.split(r"[(]", label, maxsplit=1)[0] or None


def label_parents(label: str) -> list[str]:
    """The label and each enclosing subdivision, most specific first:
    "5(1)(a)" -> ["5(1)(a)", "5(1)", "5"]."""
    found = [label]
    while "(" in label:
        label = label[:label.rindex("(")]
        found.append(label)
    return found


def split_labels(text: str) -> list[str]:
    """"66A and 66B", "226-1 et 226-2", "184b, 201a" -> each label."""
    return [part for part in re.split(r"\s*(?:,|\band\b|\bor\b|\bet\b|\ben\b|\bund\b|\bu\.)\s*", text) if part]


def spaced(text: str) -> str:
    return " ".join(text.split())
