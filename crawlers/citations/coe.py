"""Council of Europe treaties, as the European Court of Human Rights cites them:

  "Article 8 of the Convention", "Articles 8 and 13 of the Convention",
  "Article 8 § 1 of the Convention", "Article 35 §§ 1 and 4 of the Convention",
  "Article 8 of the European Convention on Human Rights", "Article 8 ECHR",
  "Article 1 of Protocol No. 1 (to the Convention)", "Article 33 of the Istanbul Convention",
  "Article 20 of the Lanzarote Convention", "Article 9 of the Budapest Convention" /
  "of the Convention on Cybercrime"

A treaty's key is its number in the Council of Europe Treaty Series ("COE:cets 5" for the
Convention on Human Rights; ETS and CETS are one numbering), which our instruments carry
in their citation ("CETS No. 210", "ETS No. 185"). A protocol to the Convention is keyed
under the Convention ("COE:cets 5 protocol 1"). In a judgment of the Court "the
Convention" is always the European Convention on Human Rights; a bare "Article 8" (no
"of the ...") is not read, since the same judgments cite domestic codes that way.

HUDOC's `article` metadata ("8;8-1;41;P1-1") is handed over by the hudoc spider as
titles in this same style ("Article 8 § 1 of the Convention"), so one pattern reads both.
"""

import re

from .base import Citation

JURISDICTIONS = ("COE",)

#: The Convention on Human Rights in the Treaty Series.
ECHR = 5
#: Named treaties as judgments name them, to their Treaty Series number.
NAMED = {
    "istanbul convention": 210,
    "lanzarote convention": 201,
    "budapest convention": 185,
    "convention on cybercrime": 185,
    "cybercrime convention": 185,
    "european convention on human rights": ECHR,
    "european convention for the protection of human rights and fundamental freedoms": ECHR,
    "convention for the protection of human rights and fundamental freedoms": ECHR,
}
NAME = "|".join(sorted((re.escape(n).replace(r"\ ", r"\s+") for n in NAMED), key=len, reverse=True))

ARTICLE = r"\d+(?:\s*§§?\s*\d+(?:\s*\([a-z]\))?)?"
ARTICLES = rf"{ARTICLE}(?:\s*(?:,|and|or)\s*{ARTICLE})*"
PROTOCOL = r"Protocol\s+No\.\s*(?P<protocol>\d+)(?:\s+to\s+the\s+Convention)?"
ARTICLE_OF = re.compile(
    rf"\bArticles?\s+(?P<labels>{ARTICLES})\s+of\s+(?:the\s+)?"
    rf"(?:{PROTOCOL}|(?P<name>{NAME})|(?P<convention>Convention)\b)", re.IGNORECASE)
ARTICLE_ECHR = re.compile(rf"\bArticles?\s+(?P<labels>{ARTICLES})\s+(?:of\s+the\s+)?ECHR\b")
TREATY_NUMBER = re.compile(r"\b(?:C?ETS)\s+(?:No\.\s*)?(?P<number>\d+)\b")


def treaty_key(number: int | str, protocol: str | None = None) -> str:
    return f"COE:cets {int(number)}" + (f" protocol {int(protocol)}" if protocol else "")


def labels_of(text: str) -> list[str]:
    """"8 § 1 and 13" -> ["8(1)", "13"]; "35 §§ 1 and 4" -> ["35(1)", "35(4)"];
    "35 § 3 (a)" -> ["35(3)(a)"]."""
    found, article, paragraphs = [], None, False
    for part in re.split(r"\s*(?:,|\band\b|\bor\b)\s*", text):
        match = re.match(r"^(?:(?P<article>\d+)\s*)?(?:(?P<mark>§§?)\s*(?P<paragraph>\d+))?(?:\s*\((?P<point>[a-z])\))?$",
                         part.strip())
        if not match or not (match["article"] or match["paragraph"]):
            continue
        paragraph = match["paragraph"]
        if match["article"] and paragraphs and not match["mark"]:
            paragraph = match["article"]  # "§§ 1 and 4": the 4 is a paragraph of the same article
        elif match["article"]:
            article = match["article"]
        if not article:
            continue
        if match["mark"]:
            paragraphs = match["mark"] == "§§"
        label = article
        if paragraph:
            label += f"({paragraph})"
        if match["point"]:
            label += f"({match['point']})"
        found.append(label)
    return found


def extract(text: str, jurisdiction: str = "COE") -> list[Citation]:
    found, taken = [], []
    for pattern in (ARTICLE_OF, ARTICLE_ECHR):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            groups = match.groupdict()
            if groups.get("protocol"):
                key = treaty_key(ECHR, groups["protocol"])
            elif groups.get("name"):
                key = treaty_key(NAMED[" ".join(groups["name"].lower().split())])
            else:
                key = treaty_key(ECHR)
            for label in labels_of(match.group("labels")):
                found.append(Citation(key, label, match.group(0), match.start(), match.end()))
    return found


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    match = TREATY_NUMBER.search(citation or "") or TREATY_NUMBER.search(title or "")
    keys = {treaty_key(match["number"])} if match else set()
    named = re.search(rf"\b(?:the\s+)?({NAME})\b", title or "", re.IGNORECASE)
    if named:
        keys.add(treaty_key(NAMED[" ".join(named.group(1).lower().split())]))
    return keys


def article_title(code: str) -> str | None:
    """One entry of HUDOC's `article` column as a citation title: "8" -> "Article 8 of the
    Convention", "8-1" -> "Article 8 § 1 of the Convention", "35-3-a" -> "Article 35 § 3 (a)
    of the Convention", "P1-1" -> "Article 1 of Protocol No. 1 to the Convention"."""
    match = re.fullmatch(r"(?:P(?P<protocol>\d+)-)?(?P<article>\d+)(?:-(?P<paragraph>\d+))?(?:-(?P<point>[a-z]))?",
                         (code or "").strip())
    if not match:
        return None
    label = f"Article {match['article']}"
    if match["paragraph"]:
        label += f" § {match['paragraph']}"
    if match["point"]:
        label += f" ({match['point']})"
    where = f"Protocol No. {match['protocol']} to the Convention" if match["protocol"] else "the Convention"
    return f"{label} of {where}"
