"""The status chart: every task of the plan on one picture that reads on a phone.

One row per task: its number, a shortened content line, and under it the task's time on a
January–December axis (a bar for a window, a diamond for a deadline, month cells on a whole-year
stripe for a recurring task, only the words "no deadline yet" for a task without a date). Colour
is the state; the right column is "units done / units owed". Both count lead units only: a
supporting unit owes nothing, so nothing it has not done can colour a row overdue.

Matplotlib is used through `Figure` and the Agg canvas only, inside an `rc_context`: pyplot's
global figure manager and the process-wide backend stay untouched for the rest of the bot.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from bot.domain.model import Every, ScheduleKind, StateKind
from bot.i18n import Translator, chat_date
from bot.presentation import state_label
from bot.reports.citation import cited_document
from bot.reports.data import MISSED, PeriodCounts, ReportData, TaskRow
from bot.reports.text import (
    MISSED_COLOUR,
    REPORT_COLOURS,
    is_missed,
    is_recurring,
    lead_rows,
    shorten,
)

DPI = 100
WIDTH_PX = 1080
ROW_PX = 96
TOP_PX = 190  # title, subtitle, today's label and the top month labels
BOTTOM_PX = 250  # bottom month labels and the legend
LEFT_PX = 62
RIGHT_PX = 92
FONT = "DejaVu Sans"  # bundled with matplotlib and complete for Vietnamese
LABEL_CHARS = 66  # content characters that fit one line at LABEL_SIZE over the plot's width
TITLE_SIZE = 25
LABEL_SIZE = 17
TICK_SIZE = 18
SMALL_SIZE = 15

STRIPE_COLOUR = "#cfd8dc"  # recurring periods still ahead
TODAY_COLOUR = "#37474f"
ZEBRA_COLOUR = "#f3f5f7"
DUE_SOON_INK = "#a86b00"  # the due-soon amber, dark enough to read as text
SHAPE_COLOUR = "#607d8b"  # legend entries that explain a mark's shape, not a state

_RC = {
    "font.family": FONT,
    "font.size": LABEL_SIZE,
    "axes.unicode_minus": False,
    "path.simplify": True,
    "svg.hashsalt": "nhacviec",
}


@dataclass(frozen=True, slots=True)
class _Row:
    """Vertical places of one task: its content line above its time mark."""

    label_y: float
    mark_y: float


def _row(index: int) -> _Row:
    return _Row(label_y=index + 0.30, mark_y=index + 0.70)


BAR_HEIGHT = 0.34


# rc_context swaps the process-wide rcParams for a moment: one chart at a time, so two report
# requests handled in worker threads cannot restore each other's settings half-way.
_STYLE_LOCK = threading.RLock()


@contextmanager
def _chart_style() -> Iterator[None]:
    """Fix fonts and sizes for this chart only; tick labels are made at draw time, so saving
    must happen inside the same context."""
    with _STYLE_LOCK, mpl.rc_context(_RC):
        yield


def render_status_chart(data: ReportData, path: Path, *, tr: Translator) -> Path:
    """Draw the status chart of `data` into a PNG at `path` and return the path."""
    path = Path(path)
    with _chart_style():
        figure = build_status_figure(data, tr=tr)
        figure.savefig(path, format="png", dpi=DPI, facecolor="white")
    return path


def build_status_figure(data: ReportData, *, tr: Translator) -> Figure:
    """Build the chart's Figure without saving it, so tests can read what the user will see."""
    with _chart_style():
        count = max(len(data.tasks), 1)
        height_px = TOP_PX + ROW_PX * count + BOTTOM_PX
        figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(figure)
        axes = figure.add_axes(
            (
                LEFT_PX / WIDTH_PX,
                BOTTOM_PX / height_px,
                1 - (LEFT_PX + RIGHT_PX) / WIDTH_PX,
                ROW_PX * count / height_px,
            )
        )
        year = data.plan_year
        start, end = date2num(date(year, 1, 1)), date2num(date(year + 1, 1, 1))
        axes.set_xlim(start, end)
        axes.set_ylim(count, 0)
        _draw_months(axes, year, tr)
        for index, task in enumerate(data.tasks):
            _draw_task(axes, index, task, data.today, year, tr)
        _draw_task_numbers(axes, data.tasks, tr)
        _draw_done_counts(axes, data.tasks, count, tr)
        _draw_today(axes, data.today, year, tr)
        _draw_titles(figure, data, height_px, tr)
        _draw_legend(figure, height_px, tr)
        return figure


def _draw_months(axes, year: int, tr: Translator) -> None:
    """Month boundaries as light lines, month names (T1…T12) centred above and below."""
    boundaries = [date2num(date(year, month, 1)) for month in range(1, 13)]
    middles = [date2num(date(year, month, 16)) for month in range(1, 13)]
    axes.set_xticks(boundaries, labels=[""] * 12)
    axes.set_xticks(
        middles, labels=[tr.gettext("M{month}", month=m) for m in range(1, 13)], minor=True
    )
    axes.tick_params(axis="x", which="major", length=0)
    axes.tick_params(
        axis="x", which="minor", length=0, labelsize=TICK_SIZE, top=True, labeltop=True, pad=6
    )
    axes.grid(axis="x", which="major", color="#b0bec5", linewidth=1)
    axes.set_axisbelow(True)
    for side in ("left", "right", "top", "bottom"):
        axes.spines[side].set_color("#90a4ae")


def _draw_task_numbers(axes, tasks: tuple[TaskRow, ...], tr: Translator) -> None:
    """The TT column: each task's number on its content line, "TT" as the column's head."""
    axes.set_yticks(
        [_row(index).label_y for index in range(len(tasks))],
        labels=[str(task.no) for task in tasks],
    )
    axes.tick_params(axis="y", length=0, labelsize=TICK_SIZE, pad=10)
    for label in axes.get_yticklabels():
        label.set_fontweight("bold")
    axes.text(
        -LEFT_PX / 2 / (WIDTH_PX - LEFT_PX - RIGHT_PX),
        1,
        tr.gettext("No."),
        transform=axes.transAxes,
        ha="center",
        va="bottom",
        fontsize=SMALL_SIZE,
        fontweight="bold",
        color=TODAY_COLOUR,
    )


def _draw_done_counts(axes, tasks: tuple[TaskRow, ...], count: int, tr: Translator) -> None:
    """The right column: lead units done / owed (this period's, for a recurring task)."""
    right = axes.twinx()
    right.set_ylim(count, 0)
    right.set_yticks(
        [_row(index).mark_y for index in range(len(tasks))],
        labels=[f"{task.done_units}/{task.owed_units}" for task in tasks],
    )
    right.tick_params(axis="y", length=0, labelsize=TICK_SIZE, pad=10)
    for label, task in zip(right.get_yticklabels(), tasks, strict=True):
        label.set_color(_ink(REPORT_COLOURS[task.state.kind]))
        label.set_fontweight("bold")
    right.text(
        1 + RIGHT_PX / 2 / (WIDTH_PX - LEFT_PX - RIGHT_PX),
        1,
        tr.gettext("Units done"),
        transform=axes.transAxes,
        ha="center",
        va="bottom",
        fontsize=SMALL_SIZE,
        fontweight="bold",
        color=TODAY_COLOUR,
    )


def _draw_task(axes, index: int, task: TaskRow, today: date, year: int, tr: Translator) -> None:
    """One row: zebra background, the content line, and the time mark in the state's colour."""
    place = _row(index)
    background = ZEBRA_COLOUR if index % 2 else "white"
    if index % 2:
        axes.axhspan(index, index + 1, color=ZEBRA_COLOUR, zorder=0, linewidth=0)
    # Above today's line, on the row's own background, so the line never runs through words.
    axes.text(
        date2num(date(year, 1, 4)),
        place.label_y,
        shorten(task.content, LABEL_CHARS),
        va="center",
        ha="left",
        fontsize=LABEL_SIZE,
        color="#212121",
        zorder=8,
        bbox={"boxstyle": "square,pad=0.1", "facecolor": background, "edgecolor": "none"},
    )
    colour = REPORT_COLOURS[task.state.kind]
    schedule = task.schedule
    if is_recurring(task):
        _draw_recurring(axes, place, task, today, year)
    elif schedule.kind is ScheduleKind.WINDOW and schedule.start and schedule.end:
        first, last = _in_year(schedule.start, year), _in_year(schedule.end, year)
        left = date2num(first)
        width = date2num(last + timedelta(days=1)) - left
        axes.add_patch(
            Rectangle(
                (left, place.mark_y - BAR_HEIGHT / 2),
                width,
                BAR_HEIGHT,
                facecolor=colour,
                edgecolor="none",
                zorder=3,
            )
        )
        _mark_text(
            axes,
            first,
            last,
            place.mark_y,
            state_label(task.state, tr),
            today,
            colour,
            2,
        )
    elif schedule.due is not None:
        shown = _in_year(schedule.due, year)
        due = date2num(shown) + 0.5
        axes.plot(
            [due],
            [place.mark_y],
            marker="D",
            markersize=17,
            color=colour,
            markeredgecolor="white",
            markeredgewidth=1.5,
            zorder=5,
        )
        # dd/mm is enough inside the plan's year; a date in another year says which.
        day = chat_date(schedule.due)
        day = day[:5] if schedule.due.year == year else day
        text = f"{day} · {state_label(task.state, tr)}"
        _mark_text(axes, shown, shown, place.mark_y, text, today, colour, 6)
    else:
        axes.text(
            date2num(date(year, 1, 4)),
            place.mark_y,
            tr.gettext("No deadline yet"),
            va="center",
            ha="left",
            fontsize=LABEL_SIZE,
            style="italic",
            color=REPORT_COLOURS[StateKind.NO_DATE],
            zorder=4,
        )


def _ink(colour: str) -> str:
    """The colour for words: amber fills are too pale for text on white, so words go darker."""
    return DUE_SOON_INK if colour == REPORT_COLOURS[StateKind.DUE_SOON] else colour


def _in_year(day: date, year: int) -> date:
    """Keep a mark on the plan year's axis: a date outside it sits at the nearest edge."""
    return min(max(day, date(year, 1, 1)), date(year, 12, 31))


def _mark_text(
    axes, first: date, last: date, y: float, text: str, today: date, colour: str, gap: float
) -> None:
    """Words beside a mark spanning `first`..`last`: on the side away from today's line when
    the mark is past, else after it; flipped when they would leave the plot."""
    before = date2num(first) - gap
    after = date2num(last) + 1 + gap
    label = axes.text(
        after,
        y,
        text,
        va="center",
        ha="left",
        fontsize=SMALL_SIZE,
        color=_ink(colour),
        fontweight="bold",
        zorder=4,
    )
    renderer = axes.figure.canvas.get_renderer()
    plot = axes.get_window_extent(renderer)
    width = label.get_window_extent(renderer).width
    x_before = axes.transData.transform((before, y))[0]
    x_after = axes.transData.transform((after, y))[0]
    fits_before = x_before - width >= plot.x0 + 4
    fits_after = x_after + width <= plot.x1 - 4
    if (last < today and fits_before) or not fits_after:
        label.set_x(before)
        label.set_horizontalalignment("right")


def _draw_recurring(axes, place: _Row, task: TaskRow, today: date, year: int) -> None:
    """A whole-year stripe, each period so far filled with the colour of how it went."""
    bottom = place.mark_y - BAR_HEIGHT / 2
    periods = {p.due: dict(p.counts) for p in task.periods or period_counts(task, today)}
    # The stripe starts with the first period the plan owes, not on 1 January.
    first_day = _period_start(min(periods), task.schedule.every) if periods else date(year, 1, 1)
    start = date2num(max(first_day, date(year, 1, 1)))
    axes.add_patch(
        Rectangle(
            (start, bottom),
            date2num(date(year + 1, 1, 1)) - start,
            BAR_HEIGHT,
            facecolor=STRIPE_COLOUR,
            edgecolor="none",
            zorder=2,
        )
    )
    for due in sorted(periods):
        first = _period_start(due, task.schedule.every)
        left = date2num(max(first, date(year, 1, 1)))
        right = date2num(min(due + timedelta(days=1), date(year + 1, 1, 1)))
        if right <= left:
            continue
        counts = periods[due]
        # One cell per period, split by how its units did: on time, late, missed, still open.
        x = left
        for colour, share in _period_shares(counts):
            width = (right - left) * share / sum(counts.values())
            axes.add_patch(
                Rectangle(
                    (x, bottom),
                    width,
                    BAR_HEIGHT,
                    facecolor=colour,
                    edgecolor="none",
                    zorder=3,
                )
            )
            x += width
        axes.add_patch(
            Rectangle(
                (left, bottom),
                right - left,
                BAR_HEIGHT,
                fill=False,
                edgecolor="white",
                linewidth=2.5,
                zorder=3.5,
            )
        )


_MONTHS_PER_PERIOD: dict[Every | None, int] = {
    Every.QUARTER: 3,
    Every.HALF_YEAR: 6,
    Every.YEAR: 12,
}


def _period_start(due: date, every: Every | None) -> date:
    """The first day of the period that ends on `due`."""
    if every is Every.WEEK:
        return due - timedelta(days=6)
    month = due.month - _MONTHS_PER_PERIOD.get(every, 1) + 1
    year = due.year
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


def period_counts(task: TaskRow, today: date) -> tuple[PeriodCounts, ...]:
    """A recurring task's periods counted from its rows: lead units per state kind, "missed"
    for a period that ended unconfirmed (the chat's chart gets the same counts from SQL)."""
    periods: dict[date, Counter[str]] = {}
    for row in lead_rows(task):
        if row.due is not None:
            key = MISSED if is_missed(row, today) else row.state.kind.value
            periods.setdefault(row.due, Counter())[key] += 1
    return tuple(PeriodCounts(due, tuple(sorted(c.items()))) for due, c in periods.items())


def _period_shares(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Colours and unit counts of one period, in the order on time, late, missed, open."""
    shares: dict[str, int] = {}
    order = [
        REPORT_COLOURS[StateKind.DONE_ON_TIME],
        REPORT_COLOURS[StateKind.DONE_LATE],
        MISSED_COLOUR,
        REPORT_COLOURS[StateKind.OVERDUE],
        REPORT_COLOURS[StateKind.DUE_SOON],
        REPORT_COLOURS[StateKind.NOT_DUE],
        REPORT_COLOURS[StateKind.NO_DATE],
    ]
    for key, count in counts.items():
        colour = MISSED_COLOUR if key == MISSED else REPORT_COLOURS[StateKind(key)]
        shares[colour] = shares.get(colour, 0) + count
    return [(colour, shares[colour]) for colour in dict.fromkeys(order) if colour in shares]


def _draw_today(axes, today: date, year: int, tr: Translator) -> None:
    """A dashed line at today, labelled with the date above the top month names."""
    if not date(year, 1, 1) <= today <= date(year, 12, 31):
        return
    x = date2num(today) + 0.5
    axes.axvline(x, color=TODAY_COLOUR, linestyle=(0, (5, 3)), linewidth=2.2, zorder=6)
    transform = blended_transform_factory(axes.transData, axes.transAxes)
    axes.annotate(
        tr.gettext("Today {date}", date=chat_date(today)),
        xy=(x, 1),
        xycoords=transform,
        xytext=(0, 44),
        textcoords="offset points",
        ha="center" if 2 <= today.month <= 11 else ("left" if today.month < 2 else "right"),
        va="bottom",
        fontsize=SMALL_SIZE,
        fontweight="bold",
        color="white",
        bbox={"boxstyle": "round,pad=0.3", "facecolor": TODAY_COLOUR, "edgecolor": "none"},
        arrowprops={"arrowstyle": "-", "color": TODAY_COLOUR, "linewidth": 2.2},
        annotation_clip=False,
        zorder=7,
    )


def _draw_titles(figure: Figure, data: ReportData, height_px: int, tr: Translator) -> None:
    figure.text(
        LEFT_PX / WIDTH_PX / 2,
        1 - 18 / height_px,
        tr.gettext("Progress of {document}", document=cited_document(data.plan_number, None, tr)),
        ha="left",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color="#212121",
    )
    figure.text(
        LEFT_PX / WIDTH_PX / 2,
        1 - 62 / height_px,
        tr.gettext("Year {year} · right column: units done / units owed", year=data.plan_year),
        ha="left",
        va="top",
        fontsize=SMALL_SIZE,
        color="#546e7a",
    )


def _legend_entries(tr: Translator) -> list[tuple[str, str]]:
    return [
        (REPORT_COLOURS[StateKind.DONE_ON_TIME], tr.gettext("Done on time")),
        (REPORT_COLOURS[StateKind.DONE_LATE], tr.gettext("Done late")),
        (REPORT_COLOURS[StateKind.NOT_DUE], tr.gettext("In progress")),
        (REPORT_COLOURS[StateKind.DUE_SOON], tr.gettext("Due soon")),
        (REPORT_COLOURS[StateKind.OVERDUE], tr.gettext("Overdue or period missed")),
        (STRIPE_COLOUR, tr.gettext("Recurring: periods ahead")),
    ]


def _draw_legend(figure: Figure, height_px: int, tr: Translator) -> None:
    """Colours in Vietnamese, plus what the marks mean, in two columns under the chart."""
    handles: list[Patch | Line2D] = [
        Patch(facecolor=colour, edgecolor="none", label=label)
        for colour, label in _legend_entries(tr)
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            markersize=14,
            color=SHAPE_COLOUR,
            label=tr.gettext("Deadline day"),
        )
    )
    handles.append(
        Line2D([], [], linewidth=11, color=SHAPE_COLOUR, label=tr.gettext("Time window"))
    )
    figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 12 / height_px),
        ncols=2,
        fontsize=SMALL_SIZE + 1,
        frameon=False,
        handlelength=1.6,
        handleheight=1.1,
        columnspacing=2.0,
        labelspacing=0.6,
    )
