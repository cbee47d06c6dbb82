"""How a coded answer reads on a page.

The codebook's codes are for data, not for readers: "any_age" reads "any age". A question
rolled up as a list (the `comparison` view joins every in-force law's answer with commas)
gives "adults_only,any_age" or "any_age,adults_only" depending on the order the laws were
read; `answer_key()` puts such a list in one order without repeats, so the same answers always
read, and are grouped on the map, the same. Free-text answers ("EUR 45,000") are left alone.
"""

from __future__ import annotations

import re

CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")


def codes_in(value) -> list[str] | None:
    """The codes of a coded answer or a comma-joined list of them; None for anything else."""
    if not isinstance(value, str):
        return None
    pieces = [piece.strip() for piece in value.split(",")]
    return pieces if all(CODE.match(piece) for piece in pieces) else None


def answer_key(value):
    """One spelling for the same set of coded answers (sorted, without repeats)."""
    if not isinstance(value, str) or "," not in value:  # most answers: nothing to reorder
        return value
    codes = codes_in(value)
    if codes is None or len(codes) == 1:
        return value
    return ",".join(sorted(dict.fromkeys(codes)))


def answer_words(value):
    """The answer as a reader reads it: codes as words, a list as "any age, minors only"."""
    codes = codes_in(answer_key(value))
    if codes is None:
        return value
    return ", ".join(code.replace("_", " ") for code in codes)


def language_names(codes) -> str:
    """"en fr" (ISO 639-1 codes, as `jurisdictions.languages` holds them) -> "English, French";
    a code pycountry does not know stays as it is."""
    import pycountry

    names = []
    for code in str(codes or "").split():
        language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
        name = getattr(language, "common_name", None) or getattr(language, "name", None)
        # "Modern Greek (1453-)" reads "Modern Greek".
        names.append(re.sub(r"\s*\(.*\)$", "", name) if name else code)
    return ", ".join(names)
