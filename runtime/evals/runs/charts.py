"""Small inline SVG charts for evaluation reports: grouped horizontal bars and box plots.

    >>> svg = bar_chart(["FILTER", "SORT"], {"A": [0.9, 0.5], "B": [1.0, 0.75]}, title="accuracy")
    >>> svg.startswith("<svg") and "FILTER" in svg
    True

Hand-written rather than a charting library: a report must open offline (no CDN script), the
charts needed are two simple shapes, and a few dozen lines of SVG are easier to keep than a
plotting dependency. Every mark carries a `<title>` so hovering shows the exact number.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

from pesql.runtime.evals.runs.stats import percentile

__all__ = ["COLORS", "bar_chart", "box_plot"]

# Colour-blind-safe (Okabe-Ito) colours, one per run.
COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
WIDTH, LABEL_W, BAR_H, GAP, TOP = 760, 170, 12, 8, 40


def _text(x: float, y: float, value: str, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{html.escape(value)}</text>"
    )


def _legend(labels: Sequence[str]) -> str:
    parts = []
    for i, label in enumerate(labels):
        x = LABEL_W + i * 150
        color = COLORS[i % len(COLORS)]
        parts.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{color}"/>')
        parts.append(_text(x + 14, 31, label[:22]))
    return "".join(parts)


def _svg(height: float, title: str, inner: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{html.escape(title)}">'
        + _text(4, 14, title, size=13)
        + "".join(inner)
        + "</svg>"
    )


def bar_chart(
    categories: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str
) -> str:
    """Grouped horizontal bars of values in [0, 1] (a group per category, a bar per series)."""
    plot_w = WIDTH - LABEL_W - 60
    group_h = BAR_H * max(1, len(series)) + GAP
    height = TOP + group_h * len(categories) + 24
    inner = [_legend(list(series))]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = LABEL_W + tick * plot_w
        inner.append(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 20:.0f}" stroke="#ddd"/>'
        )
        inner.append(_text(x, height - 6, f"{tick:.0%}", "middle", 10))
    for row, category in enumerate(categories):
        y0 = TOP + row * group_h
        inner.append(_text(LABEL_W - 6, y0 + group_h / 2, category[:26], "end"))
        for i, (label, values) in enumerate(series.items()):
            value = values[row]
            y = y0 + i * BAR_H
            if math.isnan(value):
                continue
            color = COLORS[i % len(COLORS)]
            inner.append(
                f'<rect x="{LABEL_W}" y="{y:.1f}" width="{value * plot_w:.1f}" '
                f'height="{BAR_H - 2}" fill="{color}"><title>{html.escape(category)} · '
                f"{html.escape(label)}: {value:.1%}</title></rect>"
            )
            inner.append(_text(LABEL_W + value * plot_w + 3, y + BAR_H - 3, f"{value:.0%}", size=9))
    return _svg(height, title, inner)


def box_plot(series: Mapping[str, Sequence[float]], *, title: str) -> str:
    """One horizontal box per series: p25-p75 box, median line, min-max whiskers."""
    row_h = 34
    height = TOP + row_h * max(1, len(series)) + 24
    plot_w = WIDTH - LABEL_W - 40
    top = max((max(v) for v in series.values() if v), default=1.0) or 1.0
    inner: list[str] = []

    def x(value: float) -> float:
        return LABEL_W + value / top * plot_w

    for k in range(6):
        tick = top * k / 5
        inner.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP - 4}" x2="{x(tick):.1f}" y2="{height - 20:.0f}" '
            'stroke="#ddd"/>'
        )
        inner.append(_text(x(tick), height - 6, f"{tick:.3g}", "middle", 10))
    for i, (label, values) in enumerate(series.items()):
        y = TOP + i * row_h
        mid = y + row_h / 2 - 4
        inner.append(_text(LABEL_W - 6, mid + 4, label[:26], "end"))
        if not values:
            inner.append(_text(LABEL_W, mid + 4, "no data"))
            continue
        low, q1, q2, q3, high = (percentile(values, q) for q in (0, 25, 50, 75, 100))
        color = COLORS[i % len(COLORS)]
        numbers = f"n={len(values)} min {low:.3f} p25 {q1:.3f} median {q2:.3f} "
        numbers += f"p75 {q3:.3f} max {high:.3f}"
        inner += [
            f'<line x1="{x(low):.1f}" y1="{mid:.1f}" x2="{x(high):.1f}" y2="{mid:.1f}" '
            f'stroke="{color}"/>',
            f'<rect x="{x(q1):.1f}" y="{mid - 9:.1f}" width="{max(1.0, x(q3) - x(q1)):.1f}" '
            f'height="18" fill="{color}" fill-opacity="0.35" stroke="{color}">'
            f"<title>{html.escape(label)}: {numbers}</title></rect>",
            f'<line x1="{x(q2):.1f}" y1="{mid - 9:.1f}" x2="{x(q2):.1f}" y2="{mid + 9:.1f}" '
            f'stroke="{color}" stroke-width="3"/>',
            _text(x(high) + 4, mid + 4, f"median {q2:.3f}", size=9),
        ]
    return _svg(height, title, inner)
