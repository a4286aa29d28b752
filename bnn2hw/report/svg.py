"""Small deterministic SVG charts for the build report (no plotting library, no timestamps).

Every chart is a self-contained ``<svg>`` element (inline in report.html, or a file) with a
title, labelled axes and a legend; the same data always gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["PALETTE", "Series", "bar_chart", "hbar_chart"]

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1")
FONT = "font-family='Helvetica, Arial, sans-serif'"


@dataclass(frozen=True)
class Series:
    """One named row of values (None: no value for that category)."""

    name: str
    values: Sequence[float | None]
    color: str = ""


def _fmt(v: float) -> str:
    """A short axis label: 1.2k, 35M, 0.5."""
    a = abs(v)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            s = f"{v / div:.2f}".rstrip("0").rstrip(".")
            return s + suffix
    return f"{v:.2f}".rstrip("0").rstrip(".") if a < 10 and v != int(v) else f"{round(v)}"


def _nice_max(v: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k at or above v (for the value axis)."""
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v * (1 - 1e-12):
            return m * e
    return 10 * e


def _n(x: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros (stable output)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(title: str, width: int, height: int) -> list[str]:
    """A chart's first elements: the svg element, a white background and the title."""
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title, quote=True)}'>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
        f"<text x='{width / 2:.0f}' y='20' text-anchor='middle' font-size='14' {FONT}>"
        f"{escape(title)}</text>",
    ]


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    line: tuple[str, float] | None = None,
    highlight: int | None = None,
    width: int = 720,
    height: int = 300,
) -> str:
    """Grouped vertical bars: one group per category, one bar per series.

    ``line`` draws a labelled horizontal reference line (e.g. the target cycles); ``highlight``
    outlines one category (e.g. the bottleneck layer)."""
    if not categories:
        raise ValueError("bar_chart: no categories")
    left, right, top, bottom = 64, 16, 36, 72
    pw, ph = width - left - right, height - top - bottom
    vals = [v for s in series for v in s.values if v is not None]
    vmax = max([*vals, line[1] if line else 0.0, 0.0])
    ymax = _nice_max(vmax)
    n, k = len(categories), max(1, len(series))
    gw = pw / n
    bw = gw * 0.8 / k
    out = _open(title, width, height)
    for i in range(5):  # grid and value axis
        v = ymax * i / 4
        y = top + ph - ph * i / 4
        out.append(f"<line x1='{left}' y1='{_n(y)}' x2='{left + pw}' y2='{_n(y)}' stroke='#ddd'/>")
        out.append(
            f"<text x='{left - 6}' y='{_n(y + 4)}' text-anchor='end' font-size='11' {FONT}>"
            f"{_fmt(v)}</text>"
        )
    if unit:
        out.append(
            f"<text x='14' y='{_n(top + ph / 2)}' font-size='11' {FONT} text-anchor='middle' "
            f"transform='rotate(-90 14 {_n(top + ph / 2)})'>{escape(unit)}</text>"
        )
    for ci, cat in enumerate(categories):
        gx = left + gw * ci
        if highlight == ci:
            out.append(
                f"<rect x='{_n(gx + 1)}' y='{top}' width='{_n(gw - 2)}' height='{ph}' "
                "fill='#fff3cd' stroke='#e0a800'/>"
            )
        for si, s in enumerate(series):
            val = s.values[ci] if ci < len(s.values) else None
            if val is None:
                continue
            h = ph * max(val, 0.0) / ymax
            x = gx + gw * 0.1 + bw * si
            color = s.color or PALETTE[si % len(PALETTE)]
            out.append(
                f"<rect x='{_n(x)}' y='{_n(top + ph - h)}' width='{_n(bw)}' height='{_n(h)}' "
                f"fill='{color}'><title>{escape(cat)}: {escape(s.name)} {val:,.6g}</title></rect>"
            )
        lx, ly = gx + gw / 2, top + ph + 10
        out.append(
            f"<text x='{_n(lx)}' y='{_n(ly)}' font-size='10' {FONT} text-anchor='end' "
            f"transform='rotate(-40 {_n(lx)} {_n(ly)})'>{escape(cat)}</text>"
        )
    out.append(
        f"<line x1='{left}' y1='{top + ph}' x2='{left + pw}' y2='{top + ph}' stroke='#333'/>"
    )
    if line is not None:
        y = top + ph - ph * line[1] / ymax
        out.append(
            f"<line x1='{left}' y1='{_n(y)}' x2='{left + pw}' y2='{_n(y)}' stroke='#e15759' "
            "stroke-dasharray='6 4'/>"
        )
        out.append(
            f"<text x='{left + pw - 4}' y='{_n(y - 4)}' text-anchor='end' font-size='11' "
            f"fill='#e15759' {FONT}>{escape(line[0])}</text>"
        )
    if len(series) > 1:  # legend
        x = left
        for si, s in enumerate(series):
            color = s.color or PALETTE[si % len(PALETTE)]
            out.append(f"<rect x='{x}' y='{height - 14}' width='10' height='10' fill='{color}'/>")
            out.append(
                f"<text x='{x + 14}' y='{height - 5}' font-size='11' {FONT}>{escape(s.name)}</text>"
            )
            x += 24 + 7 * len(s.name)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def hbar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    limit: float = 100.0,
    unit: str = "%",
    width: int = 720,
) -> str:
    """Horizontal bars of (label, value, annotation), e.g. board utilisation in percent, with a
    dashed line at ``limit``; bars past the limit are red."""
    if not rows:
        raise ValueError("hbar_chart: no rows")
    left, right, top, rh = 110, 150, 36, 26
    height = top + rh * len(rows) + 24
    pw = width - left - right
    xmax = _nice_max(max([limit, *(v for _, v, _ in rows)]))
    out = _open(title, width, height)
    for i, (label, v, note) in enumerate(rows):
        y = top + rh * i
        w = pw * max(v, 0.0) / xmax
        color = PALETTE[3] if v > limit else PALETTE[0]
        out.append(
            f"<text x='{left - 8}' y='{_n(y + rh * 0.65)}' text-anchor='end' font-size='12' "
            f"{FONT}>{escape(label)}</text>"
        )
        out.append(
            f"<rect x='{left}' y='{_n(y + 4)}' width='{_n(w)}' height='{rh - 8}' fill='{color}'>"
            f"<title>{escape(label)}: {v:.1f}{escape(unit)}</title></rect>"
        )
        out.append(
            f"<text x='{_n(left + w + 6)}' y='{_n(y + rh * 0.65)}' font-size='11' {FONT}>"
            f"{v:.1f}{escape(unit)} {escape(note)}</text>"
        )
    lx = left + pw * limit / xmax
    out.append(
        f"<line x1='{_n(lx)}' y1='{top}' x2='{_n(lx)}' y2='{top + rh * len(rows)}' "
        "stroke='#333' stroke-dasharray='4 3'/>"
    )
    out.append(
        f"<text x='{_n(lx)}' y='{top + rh * len(rows) + 16}' text-anchor='middle' "
        f"font-size='11' {FONT}>{_fmt(limit)}{escape(unit)}</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
