"""The map page: every jurisdiction as a marker coloured by its answer to one question.

There are no boundary files here, but every jurisdiction has a latitude and longitude, so each
is a coloured circle; sub-national units that legislate (US states, Australian states,
Canadian provinces, UK nations) get their own, smaller circle beside their country's. Leaflet
comes from the datasette-leaflet plugin (served by this site); only the background tiles come
from a tile server, at browse time. When the tiles fail (no network, a blocked host) the
circles, the legend and the table below still say everything: the tiles are decoration.

The tile server is plugin configuration (metadata.yml, `plugins: sii_atlas: map_tiles`), and
the Content-Security-Policy (safety.py) allows images from that one origin and no other.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

from crawlers.vocabulary import VICTIM_GROUPS

from .compare_page import UNITS, is_number
from .jurisdiction_page import dicts, shown_number
from .wording import answer_key, answer_words

PLUGIN = "sii_atlas"
DEFAULT_TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    "max_zoom": 8,
}
DEFAULT_QUESTION = "creating"

#: Colours readable by people with the common colour-vision deficiencies (ColorBrewer PiYG ends,
#: an amber, a grey), one per yes/no answer; numbers use a sequential blue scale.
ANSWER_COLOURS = {"yes": "#1b7837", "unclear": "#d8a300", "no": "#c51b7d"}
NOT_CODED = {"key": "not coded", "label": "no law coded", "colour": "#9a9a9a"}
SEQUENTIAL = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"]
CATEGORICAL = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]


def tile_settings(datasette) -> dict:
    configured = (datasette.plugin_config(PLUGIN) or {}).get("map_tiles") or {}
    return {**DEFAULT_TILES, **configured}


def tile_origin(datasette) -> str | None:
    """scheme://host of the tile server ({s} subdomains allowed as a wildcard), for the CSP."""
    url = tile_settings(datasette).get("url") or ""
    parts = urlsplit(url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def number_bins(values: list[float]) -> list[tuple[float, float]]:
    """Up to four ranges (low, high, both included) of about as many distinct values each."""
    distinct = sorted(set(values))
    size = max(1, -(-len(distinct) // len(SEQUENTIAL)))
    groups = [distinct[start:start + size] for start in range(0, len(distinct), size)]
    return [(group[0], group[-1]) for group in groups]


def categories(question: dict, answers: list) -> tuple[list[dict], Callable]:
    """The legend's categories and a function placing one answer in one of them."""
    if question.get("answer_type") == "number":
        numbers = [float(answer) for answer in answers if is_number(answer)]
        bins = number_bins(numbers)
        unit = UNITS.get(question["id"], "")
        scale = SEQUENTIAL[len(SEQUENTIAL) - len(bins):]
        legend = [{"key": f"{low}-{high}", "colour": scale[index],
                   "label": f"{shown_number(low)}{'' if low == high else ' to ' + shown_number(high)} {unit}".strip()}
                  for index, (low, high) in enumerate(bins)]
        non_numbers = sorted({answer for answer in answers if answer is not None and not is_number(answer)})
        legend += [{"key": text, "label": text, "colour": ANSWER_COLOURS.get(text, CATEGORICAL[i % len(CATEGORICAL)])}
                   for i, text in enumerate(non_numbers)]

        def place(answer):
            if is_number(answer):
                for (low, high), entry in zip(bins, legend):
                    if low <= float(answer) <= high:
                        return entry
            return next((entry for entry in legend if entry["key"] == answer), None)
    elif question.get("answer_type") == "yes_no" and question.get("rollup") == "any_yes":
        legend = [{"key": key, "label": key, "colour": colour} for key, colour in ANSWER_COLOURS.items()]

        def place(answer):
            return next((entry for entry in legend if entry["key"] == answer), None)
    else:
        counted = {}
        for answer in answers:
            if answer is not None:
                counted[answer_key(answer)] = counted.get(answer_key(answer), 0) + 1
        common = sorted(counted, key=lambda key: (-counted[key], key))[:len(CATEGORICAL) - 1]
        legend = [{"key": key, "label": answer_words(key), "colour": ANSWER_COLOURS.get(key, CATEGORICAL[index])}
                  for index, key in enumerate(common)]
        if len(counted) > len(common):
            legend.append({"key": "other", "label": "other answers", "colour": CATEGORICAL[-1]})

        def place(answer):
            return next((entry for entry in legend if entry["key"] == answer_key(answer)), legend[-1] if legend else None)
    return legend, place


async def map_context(db, question_id: str | None, scope: str | None) -> dict:
    questions = await dicts(db, "select * from codebook_questions order by position")
    by_id = {question["id"]: question for question in questions}
    question = by_id.get(question_id or DEFAULT_QUESTION) or by_id.get(DEFAULT_QUESTION) or questions[0]
    scope = scope if scope in VICTIM_GROUPS else VICTIM_GROUPS[0]
    rows = await dicts(db, """
        select j.code, j.name, j.kind, j.parent, j.region, j.latitude, j.longitude,
               c.answer, c.answer_number, c.supporting_provisions
        from jurisdictions j
        left join comparison c on c.jurisdiction = j.code and c.question_id = :question and c.scope = :scope
        order by j.parent is not null, j.name""", {"question": question["id"], "scope": scope})
    for row in rows:
        if row["answer_number"] is not None:
            row["answer"] = shown_number(row["answer_number"])
    legend, place = categories(question, [row["answer"] for row in rows])
    for entry in legend + [NOT_CODED]:
        entry["places"] = []
    for row in rows:
        entry = place(row["answer"]) if row["answer"] is not None else None
        entry = entry or NOT_CODED
        row["colour"] = entry["colour"]
        row["category"] = entry["label"]
        row["url"] = f"/jurisdiction/{row['code']}#q-{question['id']}"
        entry["places"].append(row)
    markers = [{"code": row["code"], "name": row["name"], "lat": row["latitude"], "lon": row["longitude"],
                "answer": row["answer"], "category": row["category"], "colour": row["colour"], "url": row["url"],
                "subnational": bool(row["parent"]) and row["kind"] not in ("country", "supranational")}
               for row in rows if row["latitude"] is not None and row["longitude"] is not None]
    shown_legend = [entry for entry in legend + [NOT_CODED] if entry["places"]]
    return {"questions": questions, "question": question, "scope": scope, "groups": VICTIM_GROUPS,
            "legend": shown_legend, "markers": markers,
            "without_position": [row for row in rows if row["latitude"] is None or row["longitude"] is None]}
