"""Plots drawn on the server as inline SVG: no chart library, no script, nothing to load."""

from __future__ import annotations

from markupsafe import Markup, escape

from peerx.console.render import money

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 200, 8, 34, 18


def _frame(label: str) -> list[str]:
    """The opening of every plot: the SVG element (labelled) and its baseline."""
    return [
        f'<svg class="plot" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-label="{escape(label)}">',
        f'<line x1="0" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}"/>',
    ]


def _day_label(days: list[str], index: int, x: int) -> list[str]:
    """The date under a bar: about seven labels, whatever the range."""
    if index % max(len(days) // 7, 1):
        return []
    return [f'<text x="{x + 2}" y="{HEIGHT - BOTTOM + 14}">{escape(days[index][5:])}</text>']


def bar_chart(days: list[str], values: list[int], currency: str) -> Markup:
    """One bar per day; heights in whole pixels from integer arithmetic (amounts are minor units)."""
    peak = max(values, default=0)
    slot = (WIDTH - LEFT) // max(len(days), 1)
    plot_height = HEIGHT - BOTTOM - TOP
    parts = _frame(f"{currency} volume per day")
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = value * plot_height // peak if peak else 0
        x = LEFT + index * slot
        label = escape(f"{day}: {money(value, currency)}")
        parts.append(
            f'<rect class="bar" x="{x + 2}" y="{HEIGHT - BOTTOM - height}" width="{max(slot - 4, 1)}" '
            f'height="{height}"><title>{label}</title></rect>'
        )
        parts.extend(_day_label(days, index, x))
    parts.append(f'<text x="{LEFT}" y="12">peak {escape(money(peak, currency))}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def stacked_chart(days: list[str], series: dict[str, list[int]], label: str) -> Markup:
    """Counts per day (payouts by outcome, jobs waiting): one bar per day, one segment per series
    (class `bar s<n>` for its colour), stacked in the order given, with a legend."""
    totals = [sum(values) for values in zip(*series.values(), strict=True)] if series else [0] * len(days)
    peak = max(totals, default=0)
    slot = (WIDTH - LEFT) // max(len(days), 1)
    plot_height = HEIGHT - BOTTOM - TOP
    parts = _frame(label)
    for index, day in enumerate(days):
        x, base = LEFT + index * slot, HEIGHT - BOTTOM
        for number, (name, values) in enumerate(series.items()):
            height = values[index] * plot_height // peak if peak else 0
            if height:
                title = escape(f"{day}: {name} {values[index]}")
                parts.append(
                    f'<rect class="bar s{number}" x="{x + 2}" y="{base - height}" width="{max(slot - 4, 1)}" '
                    f'height="{height}"><title>{title}</title></rect>'
                )
                base -= height
        parts.extend(_day_label(days, index, x))
    legend = " · ".join(f"{name} {sum(values)}" for name, values in series.items())
    parts.append(f'<text x="{LEFT}" y="12">peak {peak} · {escape(legend)}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
