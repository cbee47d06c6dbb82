"""Statute-citation extraction measured against hand-annotated real text.

Run on demand:  .venv/bin/python benchmarks/citation_accuracy.py [--verbose]
The gold is tests/citations_gold/sentences.yaml (its README says how it was written).
The texts are stored in the gold itself, so this runs without ../shared/samples.

Matching: each passage is read with `extract(text, jurisdiction)`, as a decision of that
jurisdiction is. A predicted citation is correct when its act key and normalised
provision label equal those of a gold citation of the same passage (None = the whole
act); each gold citation is matched at most once, so a citation found twice counts one
hit and one false positive. Spans are not compared (they are recorded in the gold for
the reader). A citation's legal system is its act key's prefix ("GB", "IE", "EU", ...),
for hits, misses and false positives alike. References the gold lists under
`not_scored` (relative ones such as "section 31 of this Act", and treaties) are neither
expected nor forgiven: if the extractor reports them, they count as false positives.

Thresholds (issue 9): precision >= 0.95, recall >= 0.85; tests/test_citation_gold.py
asserts them, so a regression in the patterns fails the suite.
"""

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from crawlers.citations import extract  # noqa: E402

GOLD = PROJECT / "tests" / "citations_gold" / "sentences.yaml"
HELD_OUT = PROJECT / "tests" / "citations_gold" / "heldout.yaml"
PRECISION_GOAL = 0.95
RECALL_GOAL = 0.85


def load_gold(path: Path = GOLD) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def system_of(act: str) -> str:
    return act.split(":", 1)[0]


@dataclass
class Score:
    hits: int = 0
    misses: int = 0
    false_positives: int = 0

    @property
    def precision(self) -> float:
        found = self.hits + self.false_positives
        return self.hits / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.hits + self.misses
        return self.hits / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Result:
    overall: Score = field(default_factory=Score)
    by_system: dict = field(default_factory=lambda: defaultdict(Score))
    misses: list = field(default_factory=list)           # (id, act, label)
    false_positives: list = field(default_factory=list)  # (id, act, label, span)


def compare(entry: dict) -> tuple[list, list, list]:
    """Hits, misses and false positives of one passage, each as (act, label[, span])."""
    expected = Counter((c["act"], None if c["label"] is None else str(c["label"]))
                       for c in entry.get("citations") or [])
    hits, false_positives = [], []
    for citation in extract(entry["text"], entry["jurisdiction"]):
        key = (citation.act, citation.label)
        if expected[key] > 0:
            expected[key] -= 1
            hits.append(key)
        else:
            false_positives.append((*key, citation.span))
    misses = [key for key, count in expected.items() for _ in range(count)]
    return hits, misses, false_positives


def measure(gold: list[dict] | None = None) -> Result:
    result = Result()
    for entry in gold if gold is not None else load_gold():
        hits, misses, false_positives = compare(entry)
        for act, _label in hits:
            result.overall.hits += 1
            result.by_system[system_of(act)].hits += 1
        for act, label in misses:
            result.overall.misses += 1
            result.by_system[system_of(act)].misses += 1
            result.misses.append((entry["id"], act, label))
        for act, label, span in false_positives:
            result.overall.false_positives += 1
            result.by_system[system_of(act)].false_positives += 1
            result.false_positives.append((entry["id"], act, label, span))
    return result


def report(result: Result, gold: list[dict]) -> str:
    passages = Counter(entry["jurisdiction"] for entry in gold)
    expected = Counter(system_of(c["act"]) for entry in gold for c in entry.get("citations") or [])
    lines = [f"{len(gold)} passages, {sum(expected.values())} gold citations",
             f"{'system':8} {'passages':>8} {'gold':>5} {'hits':>5} {'miss':>5} {'FP':>4} "
             f"{'prec':>6} {'recall':>6} {'F1':>6}"]
    for system in sorted(set(passages) | set(result.by_system)):
        s = result.by_system.get(system, Score())
        lines.append(f"{system:8} {passages.get(system, 0):>8} {expected.get(system, 0):>5} {s.hits:>5} "
                     f"{s.misses:>5} {s.false_positives:>4} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}")
    o = result.overall
    lines.append(f"{'overall':8} {len(gold):>8} {sum(expected.values()):>5} {o.hits:>5} {o.misses:>5} "
                 f"{o.false_positives:>4} {o.precision:>6.3f} {o.recall:>6.3f} {o.f1:>6.3f}")
    lines.append(f"goal: precision >= {PRECISION_GOAL}, recall >= {RECALL_GOAL}: "
                 f"{'met' if o.precision >= PRECISION_GOAL and o.recall >= RECALL_GOAL else 'NOT met'}")
    lines.append("misses:")
    lines.extend(f"  {i}: {act} {label}" for i, act, label in result.misses)
    lines.append("false positives:")
    lines.extend(f"  {i}: {act} {label}  <- {span!r}" for i, act, label, span in result.false_positives)
    return "\n".join(lines)


if __name__ == "__main__":
    for title, path in (("gold (sentences.yaml)", GOLD), ("held out (heldout.yaml)", HELD_OUT)):
        gold = load_gold(path)
        print(f"== {title}")
        print(report(measure(gold), gold))
        print()
