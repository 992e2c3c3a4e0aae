"""Charts drawn on the server as SVG images with leather (no script, no styles: the site's CSP
serves them as they are). Each chart on a page comes with a table of its numbers."""

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta

import leather
from flask_babel import format_date

from directory.dashboard import RunFigures, StateHistory
from directory.vocab import Verdict

leather.theme.title_font_family = leather.theme.legend_font_family = "sans-serif"
leather.theme.tick_font_family = "sans-serif"

WIDTH, HEIGHT = 720, 360
SMALL_WIDTH, SMALL_HEIGHT = 360, 260
TICKS = 5
VERDICT_COLOURS = {
    Verdict.VERIFIED: "#1b7a3a",
    Verdict.LICENSE_PROBLEM: "#b3261e",
    Verdict.OUT_OF_STATE: "#8a5a00",
    Verdict.UNVERIFIED: "#5f6368",
}
SOURCE_COLOURS = ("#1f5fa8", "#b3261e", "#1b7a3a", "#8a5a00", "#6a3d9a", "#00838f", "#5f6368")

Series = Sequence[tuple[datetime, float]]


def verdicts_by_state(
    history: Sequence[StateHistory],
    labels: Mapping[Verdict, str],
    state_label: Mapping[str, str],
) -> str:
    """Small multiples: per state, a line of listings per verdict over the days counted."""
    grid = leather.Grid()
    for state in history:
        midnights = [datetime.combine(day, time()) for day in state.days]  # leather scales times
        chart = _line_chart(
            state_label[state.state],
            {
                labels[verdict]: list(zip(midnights, counts, strict=True))
                for verdict, counts in state.counts.items()
            },
            [VERDICT_COLOURS[verdict] for verdict in state.counts],
        )
        grid.add_one(chart)
    columns = math.ceil(math.sqrt(len(history)))  # as leather lays out a grid
    rows = math.ceil(len(history) / columns)
    return str(grid.to_svg(width=columns * SMALL_WIDTH, height=rows * SMALL_HEIGHT))


def per_source(title: str, runs: Mapping[str, Sequence[RunFigures]], value: str) -> str | None:
    """A line per source of one figure of its runs (`seconds` or `error_rate`) by start time;
    None when no run has the figure yet."""
    series = {
        name: [
            (_naive_utc(run.started_at), float(figure))
            for run in reversed(source_runs)
            if (figure := getattr(run, value)) is not None
        ]
        for name, source_runs in runs.items()
    }
    series = {name: points for name, points in series.items() if points}
    if not series:
        return None
    colours = [SOURCE_COLOURS[i % len(SOURCE_COLOURS)] for i in range(len(series))]
    return str(_line_chart(title, series, colours).to_svg(width=WIDTH, height=HEIGHT))


def _line_chart(title: str, series: Mapping[str, Series], colours: Sequence[str]) -> leather.Chart:
    """A line per series from zero up, dated below; a series of one point shows as a dot."""
    chart = leather.Chart(title)
    moments = [moment for points in series.values() for moment, _ in points]
    values = [value for points in series.values() for _, value in points]
    first, last = min(moments), max(moments)
    if first == last:  # leather needs a span: a day either side
        first, last = first - timedelta(days=1), last + timedelta(days=1)
    chart.add_x_scale(first, last)
    chart.add_x_axis(
        ticks=_day_ticks(first, last), tick_formatter=lambda value, *_: format_date(value, "d MMM")
    )
    chart.add_y_scale(0, max([*values, 1.0]))
    for (name, points), colour in zip(series.items(), colours, strict=True):
        if len(points) == 1:
            chart.add_dots(points, name=name, fill_color=colour, radius=4)
        else:
            chart.add_line(points, name=name, stroke_color=colour)
    return chart


def _day_ticks(first: datetime, last: datetime) -> list[datetime]:
    """Up to `TICKS` midnights spread over a span, so each tick names a different day."""
    spread = [first + (last - first) * step / (TICKS - 1) for step in range(TICKS)]
    midnights = sorted({datetime.combine(moment.date(), time()) for moment in spread})
    return [tick for tick in midnights if first <= tick <= last] or [first]


def _naive_utc(moment: datetime) -> datetime:
    """A time in UTC without its zone (leather's time scale cannot compare aware times)."""
    return moment.astimezone(UTC).replace(tzinfo=None)
