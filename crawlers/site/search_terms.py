"""What people type, turned into queries the two search indexes accept.

FTS5 has its own query language, in which `l'image`, `art. 226-8-1` or an unbalanced quote
are syntax errors. Three SQL functions (registered by plugin.py, used by the canned searches
in metadata.yml and by the /search page) turn free text into index queries:

- `fts_query(q)`: for the word index (`*_fts`). "Quoted phrases" stay exact phrases, OR stays
  an operator, every other word is matched with its inflections (see `word_query`).
- `trigram_query(q)`: for the trigram index (`*_trigram`), which finds text in scripts written
  without spaces (Korean, Japanese, Chinese) inside longer words: each such word of three
  characters or more must occur as written. `""` (matches nothing, at no cost) when the
  query has none, so languages written with spaces never pay for the trigram index.
- `short_unspaced(q)`: a one- or two-character word in those scripts, which no trigram can
  hold (딥페, 画像): the searches then look it up as a word start in the word index and as
  a substring in the rows in those languages only (an index on `language` finds them, and
  their number is small); NULL otherwise, and the substring scan is skipped.

Why suffix stripping and a prefix query, rather than a stemming tokenizer: SQLite's only
stemmer (porter) is English, and a tokenizer of our own needs a compiled extension that
Datasette would have to load. Cutting one inflectional ending (plural -s, -es, -x, -aux;
-en, -er, -e, -i, -o, -a) and matching the rest as a prefix makes singular and plural meet
in French, English, Italian, Spanish, German and Dutch (montage/montages -> montag*,
immagine/immagini -> immagin*, Bild/Bilder -> bild*, beeld/beelden -> beeld*), costs no
index change, and the word as typed is also asked for, so exact forms rank first. A stem
shorter than four letters would match too much as a prefix: its forms are then matched
exactly (arts -> "arts" OR "art"). Over-matching (imag* also finds "imagination") is the
price; quote a word to match it exactly.
"""

import re
import unicodedata

TOKEN = re.compile(r'"([^"]+)"|(\S+)')

#: Scripts written without spaces between words: Hangul, kana, CJK ideographs.
UNSPACED = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]"
)
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
#: French and Italian elided articles, pronouns and prepositions: `l'image` is the word image.
ELISION = re.compile(
    r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu|quelqu"
    r"|un|all|dell|nell|dall|sull|coll|pell|quell|quest|bell|sant|tutt|nessun|buon|gl)'(?=\w)",
    re.IGNORECASE,
)
#: Inflectional endings, longest first; one is cut.
SUFFIXES = ("ies", "aux", "es", "en", "er", "s", "x", "e", "i", "o", "a")
MIN_STEM = 4


def fold(word: str) -> str:
    """Lower case without accents, as the word index (unicode61 remove_diacritics 2) stores words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """The word without one inflectional ending (a letters-only, folded word)."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM - 1:
            return word[: -len(suffix)]
    return word


def quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def word_query(word: str) -> str:
    """One typed word as a word-index query: its inflections, or as written."""
    word = ELISION.sub("", word.translate(APOSTROPHES))
    if UNSPACED.search(word):
        # Korean particles follow the word (딥페이크를): a word start matches.
        return quoted(word) + "*"
    folded = fold(word)
    if not folded.isalpha() or len(folded) < 3:
        return quoted(word)
    root = stem(folded)
    if len(root) >= MIN_STEM:
        return quoted(root) + "*" if root == folded else f"({quoted(folded)} OR {quoted(root)}*)"
    return quoted(folded) if root == folded else f"({quoted(folded)} OR {quoted(root)})"


def terms(text: str | None):
    """(phrase, word) pairs of the query, OR kept as an operator between terms."""
    found = []
    for phrase, word in TOKEN.findall(text or ""):
        if word == "OR":
            if found and found[-1] != ("", "OR"):
                found.append(("", "OR"))
            continue
        if (phrase or word).replace('"', "").strip():
            found.append((phrase, word))
    while found and found[-1] == ("", "OR"):
        found.pop()
    return found


def fts_query(text: str | None) -> str:
    parts = []
    for phrase, word in terms(text):
        if word == "OR" and not phrase:
            parts.append("OR")
        elif phrase:
            parts.append(quoted(phrase))
        else:
            parts.append(word_query(word.replace('"', "")))
    return " ".join(parts) or '""'


def unspaced_words(text: str | None) -> list[str]:
    words = []
    for phrase, word in terms(text):
        value = (phrase or word).replace('"', "").strip()
        if value != "OR" and UNSPACED.search(value):
            words.append(value)
    return words


def trigram_query(text: str | None) -> str:
    found = [w for w in unspaced_words(text) if len(w) >= 3]
    return " ".join(quoted(w) for w in found) or '""'


def short_unspaced(text: str | None) -> str | None:
    """The longest short word in an unspaced script, when the query has no longer one."""
    found = unspaced_words(text)
    if not found or any(len(w) >= 3 for w in found):
        return None
    return max(found, key=len)


SQL_FUNCTIONS = {"fts_query": fts_query, "trigram_query": trigram_query, "short_unspaced": short_unspaced}


def register(conn) -> None:
    """The query builders as SQL functions on a connection (Datasette's, or a script's)."""
    for name, function in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)
