"""Small inline SVG charts for evaluation reports: grouped horizontal bars and box plots.

    >>> svg = bar_chart(["FILTER", "SORT"], {"A": [0.9, 0.5], "B": [1.0, 0.75]}, title="accuracy")
    >>> svg.startswith("<svg") and "FILTER" in svg
    True
    >>> low, high = wilson_interval(12, 20)  # 12 of 20 right: 60%, and its 95% interval
    >>> f"{low:.3f} {high:.3f}"
    '0.387 0.781'
    >>> bar = Bar(0.6, low, high, label="12/20")  # a bar with an error bar and its count
    >>> svg = bar_chart(["SUB_ABS"], {"A": [bar]}, title="accuracy")
    >>> "12/20" in svg and "95% CI 38.7–78.1%" in svg
    True

Hand-written rather than a charting library: a report must open offline (no CDN script), the
charts needed are two simple shapes, and a few dozen lines of SVG are easier to keep than a
plotting dependency. Every mark carries a `<title>` so hovering shows the exact numbers; the
counts and intervals are also printed next to the bars, so a screenshot or a print keeps them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pesql.runtime.evals.runs.stats import percentile

__all__ = ["COLORS", "Bar", "bar_chart", "box_plot", "nice_ticks", "wilson_interval"]

# Colour-blind-safe (Okabe-Ito) colours, one per run.
COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
WIDTH, LABEL_W, RIGHT_W, BAR_H, GAP, TOP = 860, 190, 130, 14, 10, 64
Z_95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95% by default); (nan, nan) when n = 0.

    Unlike the normal approximation p ± z·sqrt(p(1-p)/n), it stays inside [0, 1] and is not
    zero-width at 0/n or n/n, which matters for the small groups of a per-operation chart."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Bar:
    """One bar: a value in [0, 1], an optional interval drawn as an error bar, a printed label."""

    value: float
    low: float = math.nan
    high: float = math.nan
    label: str = ""  # printed after the bar, e.g. "12/20"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values 0, step, 2·step, ... covering [0, top] (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if not top > 0 or math.isinf(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-12:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _text(
    x: float, y: float, value: str, anchor: str = "start", size: int = 11, extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
        f"{html.escape(value)}</text>"
    )


def _legend(labels: Sequence[str], y: float = 36) -> str:
    parts = []
    x = float(LABEL_W)
    for i, label in enumerate(labels):
        color = COLORS[i % len(COLORS)]
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<rect x="{x:.0f}" y="{y - 9:.0f}" width="11" height="11" fill="{color}"/>')
        parts.append(_text(x + 15, y, shown, size=12))
        x += 30 + 7 * len(shown)
    return "".join(parts)


def _svg(height: float, title: str, inner: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{html.escape(title)}" '
        'font-family="system-ui, sans-serif">'
        + _text(4, 16, title, size=14, extra=' font-weight="bold"')
        + "".join(inner)
        + "</svg>"
    )


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | Bar]],
    *,
    title: str,
    axis_label: str = "share of examples answered right",
    category_label: str = "",
) -> str:
    """Grouped horizontal bars of values in [0, 1]: a group per category, a bar per series.

    A value may be a `Bar` with an interval (drawn as an error bar with caps) and a label
    printed after it; NaN draws no bar (the series has no example in that category). The x
    axis is labelled in percent at both the top and the bottom, with a grid line every 10%."""
    plot_w = WIDTH - LABEL_W - RIGHT_W
    group_h = BAR_H * max(1, len(series)) + GAP
    plot_top, plot_bottom = TOP, TOP + group_h * len(categories)
    height = plot_bottom + 44
    inner = [_legend(list(series))]

    def x(value: float) -> float:
        return LABEL_W + min(1.0, max(0.0, value)) * plot_w

    for k in range(11):
        tick = k / 10
        stroke = "#bbb" if k % 5 == 0 else "#e6e6e6"
        inner.append(
            f'<line x1="{x(tick):.1f}" y1="{plot_top - 4}" x2="{x(tick):.1f}" '
            f'y2="{plot_bottom + 2}" stroke="{stroke}"/>'
        )
        if k % 2 == 0:
            inner.append(_text(x(tick), plot_top - 8, f"{tick:.0%}", "middle", 11))
            inner.append(_text(x(tick), plot_bottom + 16, f"{tick:.0%}", "middle", 11))
    inner.append(_text(LABEL_W + plot_w / 2, plot_bottom + 34, axis_label, "middle", 12))
    if category_label:
        inner.append(_text(LABEL_W - 18, plot_top - 8, category_label, "end", 11))
    for row, category in enumerate(categories):
        y0 = plot_top + row * group_h
        if row % 2 == 1:
            inner.append(
                f'<rect x="0" y="{y0:.1f}" width="{LABEL_W + plot_w:.0f}" height="{group_h}" '
                'fill="#f6f6f6"/>'
            )
        shown = category if len(category) <= 30 else category[:29] + "…"
        inner.append(_text(LABEL_W - 8, y0 + group_h / 2 + 1, shown, "end", 12))
        for i, (name, values) in enumerate(series.items()):
            item = values[row]
            bar = item if isinstance(item, Bar) else Bar(float(item))
            if math.isnan(bar.value):
                continue
            y = y0 + GAP / 2 + i * BAR_H
            color = COLORS[i % len(COLORS)]
            has_ci = not (math.isnan(bar.low) or math.isnan(bar.high))
            ci = f" (95% CI {_pct(bar.low)[:-1]}–{_pct(bar.high)})" if has_ci else ""
            hover = f"{category} · {name}: {bar.label + ' = ' if bar.label else ''}"
            hover += _pct(bar.value) + ci
            inner.append(
                f'<rect x="{LABEL_W}" y="{y:.1f}" width="{x(bar.value) - LABEL_W:.1f}" '
                f'height="{BAR_H - 3}" fill="{color}"><title>{html.escape(hover)}</title></rect>'
            )
            mid = y + (BAR_H - 3) / 2
            end = x(bar.value)
            if has_ci:
                lo, hi = x(bar.low), x(bar.high)
                inner.append(
                    f'<path d="M{lo:.1f},{mid - 4:.1f}v8M{lo:.1f},{mid:.1f}H{hi:.1f}'
                    f'M{hi:.1f},{mid - 4:.1f}v8" stroke="#222" stroke-width="1.2" fill="none">'
                    f"<title>{html.escape(hover)}</title></path>"
                )
                end = max(end, hi)
            text = f"{bar.label} · {bar.value:.0%}" if bar.label else f"{bar.value:.0%}"
            inner.append(_text(end + 5, mid + 4, text, size=11))
    return _svg(height, title, inner)


def box_plot(
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str = "s",
    axis_label: str = "seconds",
) -> str:
    """One horizontal box per series: p25-p75 box, median line, min-max whiskers."""
    row_h, top_y = 38, 30
    height = top_y + row_h * max(1, len(series)) + 44
    plot_w = WIDTH - LABEL_W - RIGHT_W
    top = max((max(v) for v in series.values() if v), default=1.0) or 1.0
    ticks = nice_ticks(top)
    top = ticks[-1]
    plot_bottom = top_y + row_h * max(1, len(series))
    inner: list[str] = []

    def x(value: float) -> float:
        return LABEL_W + value / top * plot_w

    for tick in ticks:
        inner.append(
            f'<line x1="{x(tick):.1f}" y1="{top_y - 4}" x2="{x(tick):.1f}" y2="{plot_bottom + 2}" '
            'stroke="#e0e0e0"/>'
        )
        inner.append(_text(x(tick), plot_bottom + 16, f"{tick:g} {unit}", "middle", 11))
    inner.append(_text(LABEL_W + plot_w / 2, plot_bottom + 34, axis_label, "middle", 12))
    for i, (label, values) in enumerate(series.items()):
        y = top_y + i * row_h
        mid = y + row_h / 2
        shown = label if len(label) <= 30 else label[:29] + "…"
        inner.append(_text(LABEL_W - 8, mid + 4, shown, "end", 12))
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
            f'<rect x="{x(q1):.1f}" y="{mid - 10:.1f}" width="{max(1.0, x(q3) - x(q1)):.1f}" '
            f'height="20" fill="{color}" fill-opacity="0.35" stroke="{color}">'
            f"<title>{html.escape(label)}: {numbers}</title></rect>",
            f'<line x1="{x(q2):.1f}" y1="{mid - 10:.1f}" x2="{x(q2):.1f}" y2="{mid + 10:.1f}" '
            f'stroke="{color}" stroke-width="3"/>',
            _text(x(high) + 5, mid + 4, f"median {q2:.3f}", size=11),
        ]
    return _svg(height, title, inner)
