"""Geometry of the statistics charts, drawn as inline SVG by the templates (no JavaScript).

Colours are CSS classes (static/css/stats.css) mapped to Digital Agency tokens; every chart
also has its numbers in a table underneath, so nothing is said by colour alone.
"""

import math
import unicodedata
from dataclasses import dataclass, field

from kobepost.stats.filters import Row

SERIES_CLASSES = ("series-1", "series-2", "series-3")
WARD_SHADES = 5


# Coordinates reach the template as text: a day-by-day chart has ~100 markers, and
# localizing each number in the template costs more than str(), which prints the same
# (see kobepost.stats.views.number_text).


@dataclass
class Series:
    key: str
    label: str
    css: str
    points: str = ""
    markers: list[tuple[str, str]] = field(default_factory=list)  # x, y


@dataclass
class Tick:
    value: str
    y: str


@dataclass
class XLabel:
    text: str
    x: str


# The axis font is 12 px in the SVG's own units, so a label's width scales with the chart:
# labels spaced for the viewBox never overlap, at 1366 px on screen or on paper.
AXIS_FONT = 12
LABEL_GAP = 8


def label_width(text: str) -> float:
    """Width of an axis label in SVG units: full-width (Japanese) characters are one em,
    others about 0.6 em (an estimate on the wide side of Noto Sans)."""
    wide = sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")
    return AXIS_FONT * (wide + 0.6 * (len(text) - wide))


def label_every(labels: list[str], step: float) -> int:
    """Show every n-th x label so that neighbours never touch (n ≥ 1)."""
    widest = max((label_width(text) for text in labels), default=0)
    return max(1, math.ceil((widest + LABEL_GAP) / step)) if step > 0 else 1


def nice_max(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def line_chart(rows: list[Row], series: list[tuple[str, str]]) -> dict:
    width, height = 720, 260
    left, right, top, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((int(r.values.get(k) or 0) for r in rows for k, _ in series), default=0)
    top_value = nice_max(peak)
    count = max(len(rows), 1)
    step = plot_w / max(count - 1, 1)

    def xy(index: int, value: int) -> tuple[float, float]:
        x = left + (index * step if count > 1 else plot_w / 2)
        y = top + plot_h - plot_h * value / top_value
        return round(x, 1), round(y, 1)

    drawn = []
    for (key, label), css in zip(series, SERIES_CLASSES, strict=False):
        line = Series(key=key, label=label, css=css)
        coordinates = [xy(i, int(r.values.get(key) or 0)) for i, r in enumerate(rows)]
        line.points = " ".join(f"{x},{y}" for x, y in coordinates)
        if count <= 62:
            line.markers = [(str(x), str(y)) for x, y in coordinates]
        drawn.append(line)
    ticks = [
        Tick(value=str(round(top_value * n / 4)), y=str(round(top + plot_h - plot_h * n / 4, 1)))
        for n in range(5)
    ]
    every = label_every([r.label for r in rows], step if count > 1 else plot_w)
    labels = [
        XLabel(text=r.label, x=str(xy(i, 0)[0])) for i, r in enumerate(rows) if i % every == 0
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_edge": width - right,
        "baseline": top + plot_h,
        "label_y": top + plot_h + 18,
        "series": drawn,
        "ticks": ticks,
        "labels": labels,
    }


@dataclass
class Bar:
    label: str
    y: float
    label_y: float
    parts: list[dict]


def bar_chart(rows: list[Row], series: list[tuple[str, str]]) -> dict:
    """Horizontal grouped bars: long Japanese labels read better on the left."""
    label_w, value_w, width = 260, 60, 720
    bar_h, gap = 14, 10
    plot_w = width - label_w - value_w
    peak = max((int(r.values.get(k) or 0) for r in rows for k, _ in series), default=0)
    top_value = max(peak, 1)
    group_h = bar_h * len(series) + gap
    bars = []
    for index, row in enumerate(rows):
        y = gap + index * group_h
        parts = []
        for offset, ((key, label), css) in enumerate(zip(series, SERIES_CLASSES, strict=False)):
            value = int(row.values.get(key) or 0)
            length = round(plot_w * value / top_value, 1)
            part_y = y + offset * bar_h
            parts.append(
                {
                    "css": css,
                    "label": label,
                    "value": value,
                    "y": part_y,
                    "width": max(length, 0.5 if value else 0),
                    "text_x": label_w + length + 6,
                    "text_y": part_y + bar_h - 3,
                }
            )
        bars.append(
            Bar(label=row.label, y=y, label_y=y + (bar_h * len(series)) / 2 + 5, parts=parts)
        )
    return {
        "width": width,
        "height": gap + len(rows) * group_h,
        "label_x": label_w - 8,
        "plot_x": label_w,
        "bar_h": bar_h - 2,
        "bars": bars,
        "series": [
            {"label": label, "css": css}
            for (_key, label), css in zip(series, SERIES_CLASSES, strict=False)
        ],
    }


# Schematic tile map of Kobe's nine wards: the inland wards above, the coast from west
# (垂水) to east (東灘) below, as one reads a map of the city.
WARD_TILES: dict[str, tuple[int, int]] = {
    "28111": (1, 0),  # 西区
    "28109": (3, 0),  # 北区
    "28108": (0, 1),  # 垂水区
    "28107": (1, 1),  # 須磨区
    "28106": (2, 1),  # 長田区
    "28105": (3, 1),  # 兵庫区
    "28110": (4, 1),  # 中央区
    "28102": (5, 1),  # 灘区
    "28101": (6, 1),  # 東灘区
}


def ward_map(rows: list[Row], key: str = "cases") -> dict:
    tile_w, tile_h, gap = 96, 64, 6
    peak = max((int(r.values.get(key) or 0) for r in rows if r.key in WARD_TILES), default=0)
    tiles = []
    for row in rows:
        if row.key not in WARD_TILES:
            continue
        column, line = WARD_TILES[row.key]
        value = int(row.values.get(key) or 0)
        shade = 0 if not value or not peak else min(WARD_SHADES - 1, 1 + (3 * value) // peak)
        x, y = gap + column * (tile_w + gap), gap + line * (tile_h + gap)
        tiles.append(
            {
                "label": row.label,
                "value": value,
                "shade": shade,
                "x": x,
                "y": y,
                "text_x": x + tile_w / 2,
                "name_y": y + 26,
                "value_y": y + 48,
            }
        )
    return {
        "width": gap + 7 * (tile_w + gap),
        "height": gap + 2 * (tile_h + gap),
        "tile_w": tile_w,
        "tile_h": tile_h,
        "tiles": tiles,
        "legend": [
            {"shade": n, "text": text}
            for n, text in enumerate(("0", "少", "中", "多", "最多"))  # translated in template
        ],
    }
