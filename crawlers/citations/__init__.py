"""Statute citations in court decisions, and their links to our instruments and provisions.

`extract(text, jurisdiction, cited_legislation)` reads a decision with the patterns of
its own legal system (one module each) and of the EU, plus the links its source's
metadata gives; `Linker` resolves what was found against the instruments and provisions
in the database (see linker.py). Used by the crawl's CitationPipeline and by
`sii-atlas link-citations`.
"""

from . import canada, coe, eu, france, germany, italy, korea, netherlands, spain, uk, us
from .base import Citation, normalise_label
from .linker import Linker, links_for

SYSTEMS = (uk, france, netherlands, germany, canada, eu, us, italy, spain, korea, coe)


def systems_for(jurisdiction: str | None) -> list:
    """The systems whose citation style a decision of this jurisdiction uses
    (GB-SCT is read as GB; EU acts are read everywhere)."""
    root = (jurisdiction or "").split("-")[0]
    return [s for s in SYSTEMS if root in s.JURISDICTIONS or getattr(s, "UNIVERSAL", False)]


def extract(text: str | None, jurisdiction: str | None, cited_legislation=None) -> list[Citation]:
    found = []
    for system in systems_for(jurisdiction):
        if text:
            found.extend(system.extract(text, jurisdiction or ""))
        if cited_legislation and hasattr(system, "from_metadata"):
            found.extend(system.from_metadata(cited_legislation))
    if cited_legislation:
        # The titles a source lists as cited ("Article 226-8-1 du code pénal."), read as text.
        titles = "\n".join((entry or {}).get("title") or "" for entry in cited_legislation)
        for system in systems_for(jurisdiction):
            found.extend(system.extract(titles, jurisdiction or ""))
    return found


__all__ = ["Citation", "Linker", "SYSTEMS", "extract", "links_for", "normalise_label", "systems_for"]
