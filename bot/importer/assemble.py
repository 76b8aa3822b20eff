"""Turn an appendix table and a header block into a `ParsedPlan`, collecting warnings.

Every row either becomes a task or a warning that names it: the Office must be able to trust that
what it does not see in the bot is listed in the import report, never silently lost.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bot.domain.model import Every, ParsedPlan, ParsedTask, ScheduleKind
from bot.domain.text import tidy
from bot.domain.timeexpr import DEFAULT_ROUTINE_EVERY, parse_when
from bot.domain.units import UnitCatalog, lead_and_support
from bot.i18n import Translator
from bot.importer.metadata import PlanHeader, read_header
from bot.importer.tables import Column, Row, Table, is_filler, task_number

_EXCERPT_WIDTH = 80


def build_plan(
    lines: Sequence[str],
    table: Table,
    catalog: UnitCatalog,
    translator: Translator,
    routine_every: Every = DEFAULT_ROUTINE_EVERY,
) -> ParsedPlan:
    """Build the plan from the header block's lines and the appendix table."""
    header = read_header(lines)
    warnings = _header_warnings(header, translator)
    tasks: list[ParsedTask] = []
    seen: set[int] = set()
    for row in table.rows:
        cells = _fit(row.cells, table.width)
        if is_filler(cells):
            continue
        problem = _row_problem(row, cells, table, seen, translator)
        if problem:
            warnings.append(problem)
            continue
        task = _task(cells, table, catalog, header.year, routine_every)
        seen.add(task.no)
        tasks.append(task)
        warnings.extend(_task_warnings(task, translator))
    if not tasks and not warnings:
        warnings.append(translator.gettext("The appendix table has no task rows."))
    return ParsedPlan(header.number, header.issued, header.title, tuple(tasks), tuple(warnings))


def _fit(cells: Sequence[str], width: int) -> tuple[str, ...]:
    """Drop empty cells past the table's width (trailing tabs, empty pipe columns)."""
    cells = tuple(cells)
    while len(cells) > width and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _row_problem(
    row: Row, cells: Sequence[str], table: Table, seen: set[int], translator: Translator
) -> str | None:
    excerpt = textwrap.shorten(
        " | ".join(tidy(cell) for cell in cells if cell.strip()), _EXCERPT_WIDTH, placeholder="…"
    )
    if len(cells) != table.width:
        return translator.gettext(
            "Row {row} of the appendix has {found} cells instead of {expected} and was not"
            " imported: {excerpt}",
            row=row.number,
            found=len(cells),
            expected=table.width,
            excerpt=excerpt,
        )
    number = task_number(cells[table.columns[Column.NO]])
    if number is None:
        return translator.gettext(
            "Row {row} of the appendix has no task number (TT) and was not imported: {excerpt}",
            row=row.number,
            excerpt=excerpt,
        )
    if number in seen:
        return translator.gettext(
            "Row {row} of the appendix repeats task number {no} and was not imported: {excerpt}",
            row=row.number,
            no=number,
            excerpt=excerpt,
        )
    return None


def _task(
    cells: Sequence[str],
    table: Table,
    catalog: UnitCatalog,
    year: int | None,
    routine_every: Every,
) -> ParsedTask:
    def cell(column: Column) -> str:
        position = table.columns.get(column)
        return cells[position] if position is not None else ""

    lead, support = lead_and_support(cell(Column.LEAD), cell(Column.SUPPORT), catalog)
    when = tidy(cell(Column.WHEN))
    return ParsedTask(
        no=task_number(cell(Column.NO)) or 0,
        content=tidy(cell(Column.CONTENT)),
        lead=lead,
        support=support,
        when=when,
        schedule=parse_when(when, year, routine_every),
    )


def _task_warnings(task: ParsedTask, translator: Translator) -> list[str]:
    warnings = []
    if not task.content:
        warnings.append(translator.gettext("Task {no}: the content is empty.", no=task.no))
    if not task.lead:
        warnings.append(translator.gettext("Task {no}: no lead unit is given.", no=task.no))
    if task.schedule.kind is ScheduleKind.UNKNOWN:
        warnings.append(
            translator.gettext(
                "Task {no}: the time “{when}” was not understood; the task was kept without a"
                " date.",
                no=task.no,
                when=task.when,
            )
        )
    return warnings


def _header_warnings(header: PlanHeader, translator: Translator) -> list[str]:
    warnings = []
    if not header.number:
        warnings.append(translator.gettext("The plan number (“Số: …”) was not found."))
    if header.issued is None:
        warnings.append(
            translator.gettext("The issue date (“…, ngày … tháng … năm …”) was not found.")
        )
    if not header.title:
        warnings.append(translator.gettext("The title (the line after “KẾ HOẠCH”) was not found."))
    return warnings
