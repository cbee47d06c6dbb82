"""Laws enacted per year, by region: an SVG bar chart drawn here, and the table it is drawn from.

Every tracked law is counted. A law with neither an enactment nor an in-force date is counted
under "date unknown" rather than left out (the `enactment_timeline` view gives them no year),
so the bars always add up to the number of tracked laws. Older years are grouped in one bar so
the recent ones stay legible. The SVG is plain markup (no script), so it shows without
JavaScript and under the site's Content-Security-Policy.
"""

from __future__ import annotations

from collections import Counter

from markupsafe import Markup, escape

from .jurisdiction_page import dicts

#: The most recent years shown one bar each; earlier ones share a bar.
YEARS_SHOWN = 15
UNKNOWN = "date unknown"
NO_REGION = "no region"
#: The Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
REGION_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]

WIDTH, HEIGHT = 960, 360
MARGIN = {"left": 44, "right": 12, "top": 16, "bottom": 58}


async def enactments(db) -> list[dict]:
    """Every tracked law with its year (None when undated) and region, as the
    `enactment_timeline` view lists them (model acts, law nowhere, left out there)."""
    return await dicts(db, """
        select instrument_id as id, jurisdiction, coalesce(region, :none) as region, year
        from enactment_timeline""", {"none": NO_REGION})


def buckets(years: list[str | None]) -> list[str]:
    """The bars, oldest first: "before YYYY" if needed, one per recent year, then "date unknown"."""
    dated = sorted({year for year in years if year and year.isdigit()})
    if not dated:
        return [UNKNOWN] if years else []
    last = int(dated[-1])
    first_shown = max(int(dated[0]), last - YEARS_SHOWN + 1)
    bars = ([f"before {first_shown}"] if int(dated[0]) < first_shown else []) + [str(year) for year in range(first_shown, last + 1)]
    return bars + ([UNKNOWN] if any(not (year and year.isdigit()) for year in years) else [])


def bucket_of(year: str | None, bars: list[str]) -> str:
    if not (year and year.isdigit()):
        return UNKNOWN
    if bars and bars[0].startswith("before ") and int(year) < int(bars[0].split()[1]):
        return bars[0]
    return year


def counts(laws: list[dict]) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    bars = buckets([law["year"] for law in laws])
    counted = Counter((bucket_of(law["year"], bars), law["region"]) for law in laws)
    totals = Counter(law["region"] for law in laws)
    regions = sorted(totals, key=lambda region: (region == NO_REGION, -totals[region], region))
    return bars, regions, counted


def nice_step(largest: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if largest / step <= 6:
            return step
    return 1000


def bar_chart(bars: list[str], regions: list[str], counted: dict, colours: dict[str, str]) -> Markup:
    """Stacked bars, one per bucket, one colour per region; each piece names itself on hover."""
    plot_width = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_height = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    largest = max([sum(counted.get((bar, region), 0) for region in regions) for bar in bars] or [1]) or 1
    step = nice_step(largest)
    top = -(-largest // step) * step
    slot = plot_width / max(len(bars), 1)
    bar_width = slot * 0.72
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
             '<title id="chart-title">Tracked laws by year enacted (or in force) and region</title>']
    for tick in range(0, top + 1, step):
        y = MARGIN["top"] + plot_height - plot_height * tick / top
        parts.append(f'<line x1="{MARGIN["left"]}" x2="{WIDTH - MARGIN["right"]}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e6ec"/>'
                     f'<text x="{MARGIN["left"] - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{tick}</text>')
    for index, bar in enumerate(bars):
        x = MARGIN["left"] + slot * index + (slot - bar_width) / 2
        base = MARGIN["top"] + plot_height
        total = 0
        for region in regions:
            count = counted.get((bar, region), 0)
            if not count:
                continue
            height = plot_height * count / top
            base -= height
            total += count
            unknown = ' fill-opacity="0.55" stroke="#333" stroke-dasharray="3 2"' if bar == UNKNOWN else ""
            parts.append(f'<rect class="bar" data-bucket="{escape(bar)}" data-region="{escape(region)}" data-count="{count}" '
                         f'x="{x:.1f}" y="{base:.1f}" width="{bar_width:.1f}" height="{height:.1f}" fill="{colours[region]}"{unknown}>'
                         f'<title>{escape(bar)}, {escape(region)}: {count} law{"s" if count != 1 else ""}</title></rect>')
        if total:
            parts.append(f'<text x="{x + bar_width / 2:.1f}" y="{base - 4:.1f}" text-anchor="middle" fill="#222">{total}</text>')
        label_y = MARGIN["top"] + plot_height + 16
        label = escape(bar)
        if len(bar) > 4:  # "before 2012", "date unknown": on two lines
            first, second = bar.split(" ", 1)
            label = Markup(f'<tspan x="{x + bar_width / 2:.1f}">{escape(first)}</tspan>'
                           f'<tspan x="{x + bar_width / 2:.1f}" dy="14">{escape(second)}</tspan>')
        parts.append(f'<text x="{x + bar_width / 2:.1f}" y="{label_y:.1f}" text-anchor="middle" fill="#222">{label}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


async def timeline_context(db) -> dict:
    laws = await enactments(db)
    bars, regions, counted = counts(laws)
    colours = {region: REGION_COLOURS[index % len(REGION_COLOURS)] for index, region in enumerate(regions)}
    dated_in_view = (await db.execute("select count(*) from enactment_timeline where year is not null")).rows[0][0]
    table = [{"bucket": bar, "counts": [counted.get((bar, region), 0) for region in regions],
              "total": sum(counted.get((bar, region), 0) for region in regions)} for bar in bars]
    return {
        "chart": bar_chart(bars, regions, counted, colours),
        "regions": [{"name": region, "colour": colours[region],
                     "total": sum(counted.get((bar, region), 0) for bar in bars)} for region in regions],
        "table": table, "total": len(laws),
        "unknown": sum(row["total"] for row in table if row["bucket"] == UNKNOWN),
        "dated_in_view": dated_in_view,
    }
