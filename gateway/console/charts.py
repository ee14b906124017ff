"""Small server-side SVG charts for the console (no script needed, works under a strict CSP)."""

from __future__ import annotations

from datetime import date
from html import escape


def _scale(values: list[int], height: float, pad: float) -> list[float]:
    low, high = min(values), max(values)
    span = (high - low) or 1
    return [pad + (height - 2 * pad) * (1 - (v - low) / span) for v in values]


def sparkline(values: list[int], *, width: int = 120, height: int = 28, label: str = "") -> str:
    """A tiny trend line; empty string when there is nothing to draw."""
    if len(values) < 2:
        return ""
    ys = _scale(values, height, 2)
    step = (width - 4) / (len(values) - 1)
    points = " ".join(f"{2 + i * step:.1f},{y:.1f}" for i, y in enumerate(ys))
    rising = values[-1] >= values[0]
    colour = "#1b7f5a" if rising else "#b3261e"
    title = escape(label or f"{values[0]} → {values[-1]}")
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="{title}"><title>{title}</title>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/></svg>'
    )


def line_chart(
    series: list[tuple[date, int]], *, width: int = 640, height: int = 220, label: str = ""
) -> str:
    """A labelled line chart of daily values (followers per day)."""
    if len(series) < 2:
        return '<p class="muted">暂无足够数据</p>'
    left, right, top, bottom = 64, 12, 12, 28
    values = [v for _, v in series]
    low, high = min(values), max(values)
    span = (high - low) or 1
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / (len(series) - 1)

    def y(v: int) -> float:
        return top + inner_h * (1 - (v - low) / span)

    points = " ".join(f"{left + i * step:.1f},{y(v):.1f}" for i, (_, v) in enumerate(series))
    title = escape(label or "粉丝趋势")
    parts = [
        f'<svg class="chart" width="100%" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{title}"><title>{title}</title>',
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}"'
        ' stroke="#c9d1db"/>',
    ]
    for value in (low, (low + high) // 2, high):
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11"'
            f' fill="#5b6775">{value:,}</text>'
        )
    for i in (0, len(series) // 2, len(series) - 1):
        day = series[i][0]
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle"'
            f' font-size="11" fill="#5b6775">{day.month}/{day.day}</text>'
        )
    parts.append(
        f'<polyline fill="none" stroke="#2456a6" stroke-width="2" points="{points}"/></svg>'
    )
    return "".join(parts)


def bar_chart(
    bars: list[tuple[str, int]], *, width: int = 640, bar_height: int = 20, label: str = ""
) -> str:
    """Horizontal bars with their labels and values (rankings: most-read domains, hot words)."""
    if not bars:
        return '<p class="muted">暂无数据</p>'
    # Room for the longest label (CJK glyphs at font-size 12 are ~12.5 px wide).
    left = min(260, 16 + round(12.5 * max(len(name) for name, _ in bars)))
    right, gap = 56, 6
    high = max(v for _, v in bars) or 1
    inner_w = width - left - right
    height = len(bars) * (bar_height + gap) + gap
    title = escape(label or "排行")
    parts = [
        f'<svg class="chart" width="100%" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{title}"><title>{title}</title>'
    ]
    for i, (name, value) in enumerate(bars):
        y = gap + i * (bar_height + gap)
        w = max(1.0, inner_w * value / high) if value else 0
        text_y = y + bar_height * 0.72
        parts.append(
            f'<text x="{left - 8}" y="{text_y:.1f}" text-anchor="end" font-size="12"'
            f' fill="#1f2933">{escape(name)}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_height}" rx="3"'
            ' fill="#2456a6"/>'
            f'<text x="{left + w + 6:.1f}" y="{text_y:.1f}" font-size="12"'
            f' fill="#5b6775">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
