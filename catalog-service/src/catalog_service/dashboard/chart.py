"""Sales over time as a small standalone SVG: no script, no font or style sheet to fetch, readable in an
e-mail. One line per marketplace (colour and dash both differ), orders on the y axis, a title and a
description for screen readers."""

from __future__ import annotations

import math
from datetime import date
from xml.sax.saxutils import escape

from vitrine_contracts.common import Marketplace

from catalog_service.dashboard.schemas import Granularity, SalesOut

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 120, 48, 48
STYLES = {
    Marketplace.EBAY: ("#1f5fbf", ""),
    Marketplace.ETSY: ("#d9480f", "6 3"),
    Marketplace.VINTED: ("#0b7d6e", "2 3"),
}
MAX_X_LABELS = 7
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def nice_step(top: int, ticks: int = 5) -> int:
    """A step of 1, 2 or 5 times a power of ten giving at most ``ticks`` intervals up to ``top``."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, factor * power)
    return 10 * power


def _label(day: date, granularity: Granularity) -> str:
    return day.strftime("%Y-%m") if granularity is Granularity.MONTH else day.isoformat()


def _title(sales: SalesOut) -> str:
    where = f"on {sales.marketplace.value}" if sales.marketplace else "per marketplace"
    return (
        f"Orders per {sales.granularity.value} {where}, "
        f"{sales.period.start.isoformat()} to {sales.period.end.isoformat()}"
    )


def _description(sales: SalesOut) -> str:
    if not sales.series or all(s.total.orders == 0 for s in sales.series):
        return "No sales in this period."
    parts = []
    for s in sales.series:
        revenue = (
            ", ".join(f"{amount} {currency}" for currency, amount in s.total.revenue.items()) or "no revenue"
        )
        parts.append(f"{s.marketplace.value}: {s.total.orders} orders, {s.total.units} units, {revenue}")
    return "; ".join(parts) + "."


def render_sales_chart(sales: SalesOut) -> str:
    """The SVG document (UTF-8 text) of ``sales``: orders per bucket, one series per marketplace."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(sales.buckets)
    top = max((p.orders for s in sales.series for p in s.points), default=0)
    step = nice_step(top)
    y_max = max(step, math.ceil(top / step) * step)

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / y_max

    title = escape(_title(sales))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{title}</title>',
        f'<desc id="chart-desc">{escape(_description(sales))}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="{TOP - 20}" {FONT} font-size="14" fill="#222222">{title}</text>',
    ]
    # Horizontal grid and the y axis's labels.
    for value in range(0, y_max + 1, step):
        gy = f"{y(value):.1f}"
        out.append(f'<line x1="{LEFT}" y1="{gy}" x2="{LEFT + plot_w}" y2="{gy}" stroke="#e3e3e3"/>')
        out.append(
            f'<text x="{LEFT - 8}" y="{gy}" {FONT} font-size="11" fill="#555555" text-anchor="end" '
            f'dominant-baseline="middle">{value}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333333"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333333"/>'
    )
    out.append(
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" {FONT} font-size="11" fill="#555555" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">Orders</text>'
    )
    # The x axis: at most MAX_X_LABELS labels, evenly spread, the first and last buckets included.
    every = max(1, math.ceil((n - 1) / (MAX_X_LABELS - 1))) if n > 1 else 1
    for i, start in enumerate(sales.buckets):
        if i % every and i != n - 1:
            continue
        if i != n - 1 and n - 1 - i < every / 2 and i:
            continue  # too close to the last label
        out.append(
            f'<line x1="{x(i):.1f}" y1="{TOP + plot_h}" x2="{x(i):.1f}" y2="{TOP + plot_h + 4}" '
            f'stroke="#333333"/>'
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" {FONT} font-size="11" fill="#555555" '
            f'text-anchor="middle">{_label(start, sales.granularity)}</text>'
        )
    for rank, s in enumerate(sales.series):
        colour, dash = STYLES[s.marketplace]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        points = " ".join(f"{x(i):.1f},{y(p.orders):.1f}" for i, p in enumerate(s.points))
        out.append(f'<g aria-label="{s.marketplace.value}">')
        if n > 1:
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
            )
        if n <= 62:
            out.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(p.orders):.1f}" r="2.5" fill="{colour}"/>'
                for i, p in enumerate(s.points)
            )
        out.append("</g>")
        ly = TOP + 8 + rank * 20
        lx = LEFT + plot_w + 16
        out.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 22}" y2="{ly}" stroke="{colour}" stroke-width="2"{dashed}/>'
            f'<text x="{lx + 28}" y="{ly}" {FONT} font-size="12" fill="#222222" '
            f'dominant-baseline="middle">{s.marketplace.value}</text>'
        )
    if not sales.series or top == 0:
        out.append(
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" {FONT} font-size="13" '
            f'fill="#777777" text-anchor="middle">No sales in this period</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
