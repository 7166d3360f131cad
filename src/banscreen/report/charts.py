"""Small static SVG charts for the HTML report: no script, no network, print-friendly."""

from __future__ import annotations

from html import escape
from typing import Sequence

PALETTE = ["#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f", "#2c4d75"]


SEVERITY_COLORS = {"error": "#b3261e", "warning": "#a15c00", "note": "#3b6ea5"}


def bar_chart(items: Sequence[tuple[str, float]], title: str, chart_id: str, width: int = 460,
              colors: dict[str, str] | None = None) -> str:
    """Horizontal bars, one per (label, value), largest first; `colors` by label."""
    items = sorted(items, key=lambda kv: -kv[1])[:12]
    if not items:
        return f'<figure class="chart" id="{chart_id}"><figcaption>{escape(title)}</figcaption><p class="empty">' \
               f"nothing to show</p></figure>"
    bar_h, gap, label_w = 22, 6, 190
    height = len(items) * (bar_h + gap) + gap
    top = max(v for _, v in items) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_h + gap)
        w = max(1.0, (width - label_w - 50) * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">{escape(label[:30])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{(colors or {}).get(label, PALETTE[i % len(PALETTE)])}"><title>{escape(label)}: {value:g}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h * 0.7:.1f}">{value:g}</text>')
    return (f'<figure class="chart" id="{chart_id}"><figcaption>{escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}">{"".join(parts)}</svg></figure>')


def histogram(values: Sequence[float], title: str, chart_id: str, low: float = 0.5, high: float = 1.0,
              bins: int = 10, width: int = 460, height: int = 180) -> str:
    """Counts of `values` in equal bins between `low` and `high`."""
    counts = [0] * bins
    for v in values:
        i = min(bins - 1, max(0, int((v - low) / (high - low) * bins)))
        counts[i] += 1
    if not values:
        return f'<figure class="chart" id="{chart_id}"><figcaption>{escape(title)}</figcaption><p class="empty">' \
               f"nothing to show</p></figure>"
    top = max(counts) or 1
    plot_h, base = height - 30, height - 18
    bw = (width - 20) / bins
    parts = []
    for i, c in enumerate(counts):
        h = plot_h * c / top
        x = 10 + i * bw
        lo = low + (high - low) * i / bins
        parts.append(f'<rect class="bar" x="{x + 1:.1f}" y="{base - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                     f'fill="{PALETTE[0]}"><title>{lo:.2f}–{lo + (high - low) / bins:.2f}: {c}</title></rect>')
        if i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 3}">{lo:.2f}</text>')
    return (f'<figure class="chart" id="{chart_id}"><figcaption>{escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}">{"".join(parts)}<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" '
            f'stroke="#999"/></svg></figure>')
