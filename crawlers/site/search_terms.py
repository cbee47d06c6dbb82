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

Why generated inflections, rather than a stemming tokenizer or a prefix query: SQLite's only
stemmer (porter) is English, and a tokenizer of our own needs a compiled extension that
Datasette would have to load; a prefix query (`montag*`) merges the postings of every word
it covers before returning a row, which at a million provisions costs hundreds of
milliseconds for a common stem, and matches unrelated words (imag* finds imagination).
Instead one inflectional ending is cut (plural -s, -es, -x, -aux; -en, -ern, -er, -e, -i, -o,
-a) and the usual endings of French, English, Italian, Spanish, German and Dutch are put
back, each form an exact word, OR-ed: montages -> montage, montages, ...; immagini ->
immagine; Bilder -> Bild; beelden -> beeld; bodies -> body; journaux -> journal. An exact
word costs one lookup, and one that occurs nowhere costs nothing more; no index changes.
A stem shorter than four letters is often another word (offer -> off): only the typed
word's own plural or singular is added then (arts -> art). Quote a word to match it exactly as written.
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
#: Inflectional endings, longest first: one is cut, and endings are put back (below).
SUFFIXES = ("ies", "aux", "ern", "es", "en", "er", "s", "x", "e", "i", "o", "a")
#: What a cut ending leaves in place of itself (bodies -> body, journaux -> journal).
REPLACED = {"ies": "y", "aux": "al"}
#: The endings put back on a stem: every form of it the six languages usually make.
ENDINGS = ("", "s", "e", "es", "en", "er", "n", "i", "a", "o", "x")
MIN_STEM = 4


def fold(word: str) -> str:
    """Lower case without accents, as the word index (unicode61 remove_diacritics 2) stores words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """The word without one inflectional ending (a letters-only, folded word)."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM - 1:
            return word[: -len(suffix)] + REPLACED.get(suffix, "")
    return word


def inflections(word: str) -> list[str]:
    """The forms of a folded word to look for, the word itself first."""
    root = stem(word)
    # The typed word's own plural and singular too: imagen -> imágenes, effigies -> effigie.
    own = [word + "s", word + "es"] + ([word[:-1]] if word.endswith("s") else [])
    if len(root) < MIN_STEM:
        forms = [word] + own  # a short stem is often another word (offer -> off, under -> und)
    else:
        forms = [word] + own + [root + ending for ending in ENDINGS]
        if root.endswith("al"):
            forms.append(root[:-2] + "aux")
        if root.endswith("y") and root[-2:-1] not in "aeiou":
            forms.append(root[:-1] + "ies")
    return list(dict.fromkeys(forms))


def quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def word_query(word: str) -> str:
    """One typed word as a word-index query: its inflections, or as written."""
    word = ELISION.sub("", word.translate(APOSTROPHES))
    if UNSPACED.search(word):
        # Korean particles follow the word (딥페이크를): a word start matches. Unspaced
        # words are few in the word index, so the prefix stays cheap.
        return quoted(word) + "*"
    folded = fold(word)
    if not folded.isalpha() or len(folded) < 3:
        return quoted(word)
    forms = inflections(folded)
    return quoted(forms[0]) if len(forms) == 1 else "(" + " OR ".join(quoted(f) for f in forms) + ")"


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
            continue
        if parts and parts[-1] != "OR":
            parts.append("AND")  # FTS5 takes no implicit AND after a bracket
        parts.append(quoted(phrase) if phrase else word_query(word.replace('"', "")))
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
