"""From a citation to our rows: which instrument (and provision) a decision applies.

Each instrument gets the act keys its own citation and title give, read by the
systems of its jurisdiction ("C. pén. art. 226-8-1" and "Code pénal, article 226-8-1"
give `FR:code pénal`). A citation resolves, for each instrument with its act key:
1. to a provision whose label is the cited one or encloses it ("66B(2)" -> "s. 66B");
2. else to the instrument alone (provision ''), when the instrument is the whole act
   (its citation names no provision) or covers the cited article ("§ 647(j)(4)" of the
   instrument on "§ 647(j)(4)(A)-(B)");
3. else not at all: "article 222-33 du code pénal" is not what our 226-8-1 entry is about.
Only resolved links are stored (case_citations); the rest are counted as unresolved.
"""

from .base import Citation, label_parents, label_root, normalise_label


def _systems(jurisdiction: str | None) -> list:
    from . import SYSTEMS  # the package lists the systems; imported late to avoid a cycle
    root = (jurisdiction or "").split("-")[0]
    return [s for s in SYSTEMS if root in s.JURISDICTIONS]


class Linker:
    def __init__(self, instruments: list[dict], provisions: list[dict]):
        self.by_key: dict[str, list[str]] = {}
        self.instruments: set[str] = set()
        self.whole: set[str] = set()           # instruments that are a whole act
        self.roots: dict[str, set[str]] = {}    # the articles a partial instrument covers
        self.labels: dict[str, dict[str, str]] = {}  # normalised label -> provision id
        self.provision_ids: set[str] = set()
        for instrument in instruments:
            self._index_instrument(instrument)
        for provision in provisions:
            instrument_id, label = provision["instrument_id"], normalise_label(provision["label"])
            self.provision_ids.add(provision["id"])
            if label:
                self.labels.setdefault(instrument_id, {}).setdefault(label, provision["id"])
                self.roots.setdefault(instrument_id, set()).add(label_root(label))

    def _index_instrument(self, instrument: dict) -> None:
        the_id, jurisdiction = instrument["id"], instrument.get("jurisdiction")
        title, citation = instrument.get("title") or "", instrument.get("citation") or ""
        self.instruments.add(the_id)
        keys, partial = {f"id:{the_id}"}, False
        for system in _systems(jurisdiction):
            keys |= system.instrument_keys(title, citation, jurisdiction)
            for found in system.extract(f"{citation}\n{title}", jurisdiction):
                keys.add(found.act)
                if found.label:
                    partial = True
                    self.roots.setdefault(the_id, set()).add(label_root(found.label))
        if not partial:
            self.whole.add(the_id)
        for key in keys:
            self.by_key.setdefault(key, []).append(the_id)

    @classmethod
    def from_database(cls, conn) -> "Linker":
        instruments = [dict(zip(("id", "jurisdiction", "title", "citation"), row)) for row in
                       conn.execute("SELECT id, jurisdiction, title, citation FROM instruments")]
        provisions = [dict(zip(("id", "instrument_id", "label"), row)) for row in
                      conn.execute("SELECT id, instrument_id, label FROM provisions")]
        return cls(instruments, provisions)

    def resolve(self, citation: Citation) -> list[tuple[str, str]]:
        """(instrument id, provision id or '') for each of our rows the citation names."""
        if citation.instrument_id:
            candidates = [citation.instrument_id] if citation.instrument_id in self.instruments else []
        else:
            candidates = self.by_key.get(citation.act, [])
        found = []
        for instrument_id in candidates:
            if citation.provision_id in self.provision_ids:
                found.append((instrument_id, citation.provision_id))
                continue
            labels = self.labels.get(instrument_id, {})
            if citation.label:
                provision = next((labels[form] for form in label_parents(citation.label) if form in labels), None)
                if provision:
                    found.append((instrument_id, provision))
                elif instrument_id in self.whole or label_root(citation.label) in self.roots.get(instrument_id, ()):
                    found.append((instrument_id, ""))
            elif instrument_id in self.whole:
                found.append((instrument_id, ""))
        return found


def links_for(linker: Linker, citations: list[Citation]) -> tuple[list[dict], list[Citation]]:
    """The case_citations entries for what was found (one per row and span), and what
    resolved to nothing."""
    links, seen, unresolved = [], set(), []
    for citation in citations:
        resolved = linker.resolve(citation)
        if not resolved:
            unresolved.append(citation)
        for instrument_id, provision_id in resolved:
            key = (instrument_id, provision_id, citation.span)
            if key not in seen:
                seen.add(key)
                links.append({"instrument_id": instrument_id, "provision_id": provision_id, "span": citation.span})
    return links, unresolved
