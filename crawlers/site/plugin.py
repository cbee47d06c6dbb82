"""Datasette plugin: makes the canned searches safe for whatever people type.

FTS5 has its own query language, in which `l'image`, `art. 226-8-1` or an
unbalanced quote are syntax errors. `fts_query()` turns free text into a query
FTS5 accepts: "quoted phrases" stay phrases, OR stays an operator, every other
word is matched as written. Installed through the `datasette` entry point in
pyproject.toml, so `sii-atlas serve` and the tests load it.
"""

import re

from datasette import hookimpl

TOKEN = re.compile(r'"([^"]+)"|(\S+)')


def fts_query(text: str | None) -> str:
    if not text:
        return '""'
    terms = []
    for phrase, word in TOKEN.findall(text):
        if word == "OR" and terms and terms[-1] != "OR":
            terms.append("OR")
            continue
        value = (phrase or word).replace('"', "")
        if value.strip():
            terms.append('"' + value + '"')
    if terms and terms[-1] == "OR":
        terms.pop()
    return " ".join(terms) or '""'


@hookimpl
def prepare_connection(conn):
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
