"""Charts as inline SVG, drawn here without a browser or a plotting library: stacked bars per night
and horizontal bars for a ranking. Every label is escaped; the SVG holds no script and loads nothing."""
from __future__ import annotations

from html import escape

# Colour-blind-safe qualitative palette (Okabe-Ito), then grey for "other".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER_COLOUR = "#999999"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 760, 260, 48, 40, 12


def _nice_ceiling(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 times a power of ten)."""
    value = max(value, 1)
    power = 1
    while True:
        for step in (1, 2, 5):
            if step * power >= value:
                return step * power
        power *= 10


def stacked_bars(title: str, days: list[str], series: dict[str, list[int]]) -> str:
    """One bar per day, stacked by series (in the order given), with a legend and a y axis."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = _nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    band = plot_w / max(len(days), 1)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
             f'width="{WIDTH}" height="{HEIGHT + 22 * ((len(series) + 3) // 4)}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT + 22 * ((len(series) + 3) // 4)}">', f"<title>{escape(title)}</title>"]
    for tick in range(5):
        value = top * tick // 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>')
    colours = _colours(list(series))
    for i, day in enumerate(days):
        base = TOP + plot_h
        x = LEFT + i * band + band * 0.15
        for name, values in series.items():
            if not values[i]:
                continue
            h = plot_h * values[i] / top
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{band * 0.7:.1f}" height="{h:.1f}" '
                         f'fill="{colours[name]}"><title>{escape(day)} {escape(name)}: {values[i]}</title></rect>')
        if i % max(1, len(days) // 10) == 0 or i == len(days) - 1:
            parts.append(f'<text x="{x + band * 0.35:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                         f'font-size="10">{escape(day[5:])}</text>')
    for n, name in enumerate(series):
        lx, ly = LEFT + (n % 4) * 180, HEIGHT + 22 * (n // 4) - 6
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colours[name]}"/>'
                     f'<text x="{lx + 17}" y="{ly}" font-size="12">{escape(_short(name, 24))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def ranking(title: str, items: list[tuple[str, int]]) -> str:
    """Horizontal bars, largest first, each labelled with its name and value."""
    row, label_w = 22, 260
    height = TOP + row * max(len(items), 1) + 8
    top = max((v for _, v in items), default=1) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
             f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">', f"<title>{escape(title)}</title>"]
    for n, (name, value) in enumerate(items):
        y = TOP + n * row
        w = (WIDTH - label_w - 60) * value / top
        parts.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" font-size="12">{escape(_short(name, 40))}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 6}" fill="{PALETTE[0]}">'
                     f'<title>{escape(name)}: {value}</title></rect>'
                     f'<text x="{label_w + max(w, 1) + 6:.1f}" y="{y + 14}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _colours(names: list[str]) -> dict[str, str]:
    return {name: OTHER_COLOUR if name == "other" else PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"
