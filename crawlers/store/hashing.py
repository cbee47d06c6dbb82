"""What counts as "the same text": the content hashes the store compares.

A provision's version is its source text: heading and text, Unicode-normalised
(NFKC) with whitespace collapsed. What a parser adds around it (extent, status,
URL, dates, the parser's own version) is metadata about the version, not part
of it, so a parser upgrade that re-derives the same words finds the same hash.
"""

import hashlib
import json
import unicodedata

# Set by the store, never part of what the source says.
PROVENANCE = frozenset({"fetched_at", "content_hash", "parser_version", "source", "type"})


def normalise(value) -> str:
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def text_hash(heading, text) -> str:
    """The version key of a provision text."""
    payload = normalise(heading) + "\n" + normalise(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record_hash(record: dict) -> str:
    """A hash of what the source says about a document, not of when we fetched it."""
    payload = {key: value for key, value in record.items() if key not in PROVENANCE}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
