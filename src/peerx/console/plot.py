"""Plots drawn on the server as inline SVG: no chart library, no script, nothing to load."""

from __future__ import annotations

from markupsafe import Markup, escape

from peerx.console.render import money

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 200, 8, 34, 18


def bar_chart(days: list[str], values: list[int], currency: str) -> Markup:
    """One bar per day; heights in whole pixels from integer arithmetic (amounts are minor units)."""
    peak = max(values, default=0)
    slot = (WIDTH - LEFT) // max(len(days), 1)
    plot_height = HEIGHT - BOTTOM - TOP
    parts = [
        f'<svg class="plot" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-label="{escape(currency)} volume per day">',
        f'<line x1="0" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}"/>',
    ]
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = value * plot_height // peak if peak else 0
        x = LEFT + index * slot
        label = escape(f"{day}: {money(value, currency)}")
        parts.append(
            f'<rect class="bar" x="{x + 2}" y="{HEIGHT - BOTTOM - height}" width="{max(slot - 4, 1)}" '
            f'height="{height}"><title>{label}</title></rect>'
        )
        if index % max(len(days) // 7, 1) == 0:  # about seven date labels, whatever the range
            parts.append(f'<text x="{x + 2}" y="{HEIGHT - BOTTOM + 14}">{escape(day[5:])}</text>')
    parts.append(f'<text x="{LEFT}" y="12">peak {escape(money(peak, currency))}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
