"""Charts drawn by Folio as SVG on the server: no script, no inline style (classes only), readable in print.

Every function returns finished markup; the words on it (titles, legends) come in already translated.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT = 1000, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 52
TICK_LABEL_HALF_WIDTH = 28  # half the width of a "2029-11" tick label, in chart units
MIN_BAR_HEIGHT = 3.0  # a day with good pages stays visible however high the quota sets the scale


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span` into about `ticks` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def short_number(value: float) -> str:
    """12,500 -> 12.5k; 3,600,000 -> 3.6M (axis labels)."""
    v = abs(value)
    if v >= 1_000_000:
        text = f"{value / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    elif v >= 10_000:
        text = f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    else:
        text = f"{value:,.0f}"
    return text


def _y_axis(top_value: float, plot_h: float) -> tuple[float, list[str]]:
    step = nice_step(top_value)
    top = max(step, math.ceil(top_value / step) * step)
    parts = []
    v = 0.0
    while v <= top + 1e-9:
        y = TOP + plot_h - plot_h * v / top
        parts.append(f'<line class="grid-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{short_number(v)}</text>')
        v += step
    return top, parts


def _svg(title: str, desc: str, body: list[str], chart_id: str) -> Markup:
    t, d = f"{chart_id}-title", f"{chart_id}-desc"
    # Every piece of text in the chart went through escape(); numbers and dates are formatted here.
    return Markup(  # noqa: S704  # nosec B704
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{t} {d}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{t}">{escape(title)}</title><desc id="{d}">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]], y: float) -> list[str]:
    parts, x = [], LEFT
    for css, label in items:
        parts.append(f'<rect class="legend-key {css}" x="{x}" y="{y - 9}" width="14" height="10"/>')
        parts.append(f'<text class="legend" x="{x + 19}" y="{y}">{escape(label)}</text>')
        x += 34 + 13 * len(label) if any(ord(c) > 0x2E80 for c in label) else 34 + 7 * len(label)
    return parts


@dataclass(frozen=True)
class Bar:
    """One bar: a day (or a week / month starting on `first`) and its good pages."""

    first: date
    last: date
    value: int
    working: bool = True
    reference: float | None = None  # a mark drawn across the bar (e.g. the team's quota that day)


def bin_days(days: Sequence[tuple[date, int, bool, float | None]], max_bars: int = 62) -> tuple[str, list[Bar]]:
    """Daily bars for short periods; weekly (from Monday) or monthly sums beyond `max_bars` days.

    Returns the grain ("day", "week" or "month") and the bars. Reference marks stay on daily bars only.
    """
    if len(days) <= max_bars:
        return "day", [Bar(d, d, v, w, r) for d, v, w, r in days]
    grain = "week" if len(days) <= 7 * max_bars else "month"
    bars: list[Bar] = []
    for d, v, w, _ in days:
        start = d - timedelta(days=d.weekday()) if grain == "week" else d.replace(day=1)
        if bars and bars[-1].first == max(start, days[0][0]):
            b = bars[-1]
            bars[-1] = Bar(b.first, d, b.value + v, b.working or w)
        else:
            bars.append(Bar(max(start, days[0][0]), d, v, w))
    return grain, bars


def grain_is_daily(bars: Sequence[Bar]) -> bool:
    """True when every bar is one day."""
    return all(b.first == b.last for b in bars)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    legend_value: str,
    legend_day_off: str,
    legend_reference: str | None = None,
    chart_id: str = "daily-chart",
) -> Markup:
    """Bars of good pages; days off in a lighter tone; optional reference marks (the team's quota)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    highest = max([b.value for b in bars] + [b.reference or 0 for b in bars] + [1])
    top, parts = _y_axis(highest, plot_h)
    n = max(len(bars), 1)
    slot = plot_w / n
    width = max(slot * 0.72, 1.0)
    label_every = max(1, math.ceil(n / 12))
    for i, b in enumerate(bars):
        x = LEFT + i * slot + (slot - width) / 2
        h = max(plot_h * b.value / top, MIN_BAR_HEIGHT) if b.value else 0.0
        css = "bar" if b.working else "bar bar-off"
        span = b.first.isoformat() if b.first == b.last else f"{b.first.isoformat()} – {b.last.isoformat()}"
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" height="{h:.1f}">'
            f"<title>{span}: {b.value:,}</title></rect>"
        )
        if b.value and n <= 31:  # the figure above each bar: small bars under a high quota mark stay readable
            parts.append(
                f'<text class="bar-value" x="{x + width / 2:.1f}" y="{TOP + plot_h - h - 4:.1f}" '
                f'text-anchor="middle">{b.value:,}</text>'
            )
        if b.reference:
            y = TOP + plot_h - plot_h * b.reference / top
            parts.append(
                f'<line class="ref-mark" x1="{x - 1:.1f}" x2="{x + width + 1:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
            )
        if i % label_every == 0:
            same_year = b.first.year == bars[0].first.year == bars[-1].last.year
            label = b.first.strftime("%m-%d" if same_year or grain_is_daily(bars) else "%Y-%m")
            parts.append(
                f'<text class="tick" x="{LEFT + i * slot + slot / 2:.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle">{label}</text>'
            )
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    legend = [("bar", legend_value), ("bar-off", legend_day_off)]
    if legend_reference:
        legend.append(("ref-key", legend_reference))
    parts.extend(_legend(legend, HEIGHT - 10))
    return _svg(title, desc, parts, chart_id)


def burn_up_chart(
    series: Sequence[tuple[date, int]],
    *,
    start: date,
    end: date,
    target: int,
    today: date,
    forecast_finish: date | None,
    title: str,
    desc: str,
    legend_actual: str,
    legend_plan: str,
    legend_forecast: str,
    label_today: str,
    label_end: str,
    chart_id: str = "burnup-chart",
) -> Markup:
    """Cumulative good pages against the straight line to the target, with the forecast to the finish."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first = min([start] + [d for d, _ in series[:1]])
    last = max([end, today] + ([forecast_finish] if forecast_finish else []))
    days = max((last - first).days, 1)
    done = series[-1][1] if series else 0
    top, parts = _y_axis(max(target, done, 1) * 1.04, plot_h)

    def x_of(d: date) -> float:
        return LEFT + plot_w * (d - first).days / days

    def y_of(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    # Year (or month, for short spans) ticks along the bottom.
    tick = date(first.year, first.month, 1)
    monthly = days <= 500
    while tick <= last:
        if tick >= first:
            x = x_of(tick)
            parts.append(f'<line class="grid-line" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>')
            # A label near either edge is anchored inside the chart, so that none is cut off ("2029-1").
            half = TICK_LABEL_HALF_WIDTH
            anchor = "end" if x > WIDTH - RIGHT - half else ("start" if x < LEFT + half else "middle")
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="{anchor}">'
                f"{tick.strftime('%Y-%m')}</text>"
            )
        months = 2 if monthly and days > 200 else (1 if monthly else 6)
        month = tick.month - 1 + months
        tick = date(tick.year + month // 12, month % 12 + 1, 1)
    ty = y_of(target)
    parts.append(f'<line class="target-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
    parts.append(
        f'<line class="plan-line" x1="{x_of(start):.1f}" y1="{y_of(0):.1f}" x2="{x_of(end):.1f}" y2="{ty:.1f}"/>'
    )
    if series:
        step = max(1, len(series) // 800)  # at most ~800 points: the line looks the same, the page stays small
        points = [series[i] for i in range(0, len(series), step)]
        if points[-1] != series[-1]:
            points.append(series[-1])
        path = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in points)
        parts.append(f'<polyline class="actual-line" points="{path}"/>')
    if forecast_finish and series:
        parts.append(
            f'<line class="forecast-line" x1="{x_of(today):.1f}" y1="{y_of(done):.1f}" '
            f'x2="{x_of(forecast_finish):.1f}" y2="{ty:.1f}"/>'
        )
        parts.append(f'<circle class="forecast-dot" cx="{x_of(forecast_finish):.1f}" cy="{ty:.1f}" r="4"/>')
    for d, label, css in ((today, label_today, "today-line"), (end, label_end, "end-line")):
        x = x_of(d)
        parts.append(f'<line class="{css}" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>')
        # Labels in the right half sit left of their line, so that none runs off the chart.
        right = x > LEFT + plot_w / 2
        anchor, lx = ("end", x - 4) if right else ("start", x + 4)
        parts.append(f'<text class="marker" x="{lx:.1f}" y="{TOP + 12}" text-anchor="{anchor}">{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    parts.extend(
        _legend(
            [("actual-key", legend_actual), ("plan-key", legend_plan), ("forecast-key", legend_forecast)], HEIGHT - 10
        )
    )
    return _svg(title, desc, parts, chart_id)
