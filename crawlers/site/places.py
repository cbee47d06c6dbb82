"""Finding a jurisdiction by the name a person types, and which other law applies there.

People type "UK", "Korea", "Deutschland" or "Royaume-Uni", not ISO codes. Each jurisdiction is
known by its code, its name in the registry, the ISO names pycountry holds (common and
official) translated into its own official languages and the languages our users write in,
and the few everyday short names ISO does not give (`EVERYDAY_NAMES`). Matching ignores case,
accents and punctuation.

The registry records the enclosing jurisdiction (`parent`) but not two other facts the
jurisdiction page needs: which states are EU members (EU law binds them) and which nations
form a legal jurisdiction (England and Wales share one criminal law, coded GB-EAW). They are
kept here until the registry carries them (see the report to the data owners).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry

# Languages a reader of this site is likely to type a place name in, besides the place's own.
READER_LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")

# Short names in everyday use that ISO 3166 does not list.
EVERYDAY_NAMES = {
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "US": ("USA", "U.S.", "U.S.A.", "America"),
    "KR": ("Korea", "Republic of Korea", "ROK"),
    "NL": ("Holland",),
    "EU": ("Union européenne", "Europäische Union"),
    "GB-EAW": ("England & Wales",),
    "HK": ("Hong Kong SAR",),
    "US-DC": ("Washington DC", "Washington D.C."),
}

# Member states of the European Union (TEU art. 52), by ISO 3166-1 alpha-2 code.
EU_MEMBERS = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

# Nations whose criminal law is that of a wider legal jurisdiction.
LEGAL_JURISDICTION_OF = {"GB-ENG": "GB-EAW", "GB-WLS": "GB-EAW"}


def normalise(text: str) -> str:
    """Lower case, without accents or punctuation: "Royaume-Uni" -> "royaume uni"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


@lru_cache(maxsize=None)
def _translation(domain: str, language: str):
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def iso_names(code: str, languages: tuple[str, ...]) -> set[str]:
    """The names ISO 3166 (through pycountry) gives the place, in each of `languages`."""
    if "-" in code:
        record, domain = pycountry.subdivisions.get(code=code), "iso3166-2"
        english = {record.name} if record else set()
    else:
        record, domain = pycountry.countries.get(alpha_2=code), "iso3166-1"
        english = {getattr(record, field, None) for field in ("name", "common_name", "official_name")} if record else set()
    english.discard(None)
    names = set(english)
    for language in languages:
        names |= {_translation(domain, language).gettext(name) for name in english}
    return names


def names_for(code: str, name: str, languages: str | None) -> list[str]:
    """Every name the place answers to, its registry name first."""
    own = tuple((languages or "").split())
    found = {code, name, *EVERYDAY_NAMES.get(code, ()), *iso_names(code, own + READER_LANGUAGES)}
    return [name] + sorted(found - {name, code}) + [code]


class Directory:
    """The jurisdictions, searchable by any of their names."""

    def __init__(self, jurisdictions: list[dict]):
        self.by_code = {row["code"]: row for row in jurisdictions}
        self.names = {row["code"]: names_for(row["code"], row["name"], row.get("languages"))
                      for row in jurisdictions}
        # Normalised once: find() runs for every name typed on the comparison page.
        self.normalised = {code: [normalise(name) for name in names] for code, names in self.names.items()}

    def find(self, typed: str) -> list[str]:
        """Codes matching what was typed: the exact match if there is one, else every place
        with a name containing it (at the start of a word for short queries)."""
        query = normalise(typed or "")
        if not query:
            return []
        exact = [code for code, names in self.normalised.items() if query in names]
        if exact:
            return exact
        pattern = re.compile((r"\b" if len(query) < 4 else "") + re.escape(query))
        return sorted((code for code, names in self.normalised.items()
                       if any(pattern.search(name) for name in names)),
                      key=lambda code: self.by_code[code]["name"])

    def choices(self) -> list[dict]:
        """Options for the picker: the registry name, with the other names as a hint."""
        return sorted(({"code": code, "name": names[0], "other_names": [n for n in names[1:] if n != code]}
                       for code, names in self.names.items()), key=lambda choice: choice["name"])


def also_applies(code: str, parent_of: dict[str, str | None]) -> list[str]:
    """Codes of the other jurisdictions whose law applies in `code`, nearest first: the legal
    jurisdiction a nation belongs to, every enclosing jurisdiction, and the EU for a member."""
    chain = []
    if code in LEGAL_JURISDICTION_OF:
        chain.append(LEGAL_JURISDICTION_OF[code])
    current = code
    while parent_of.get(current) and parent_of[current] not in chain and parent_of[current] != code:
        current = parent_of[current]
        chain.append(current)
    country = chain[-1] if chain else code
    if country in EU_MEMBERS and "EU" in parent_of:
        chain.append("EU")
    return [each for each in chain if each in parent_of]
