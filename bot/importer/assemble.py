"""Turn the appendix tables and the header block into a `ParsedPlan`, collecting warnings.

Every row becomes a task, a section heading, silently skipped filler (an empty row, a repeated
header, column codes) or a warning that names it: the Office must be able to trust that what it
does not see in the bot is listed in the import report, never silently lost.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.model import Every, ParsedPlan, ParsedTask, ScheduleKind
from bot.domain.text import tidy
from bot.domain.timeexpr import DEFAULT_ROUTINE_EVERY, parse_when
from bot.domain.units import CellUnits, UnitCatalog, unit_key
from bot.i18n import Translator
from bot.importer.errors import PlanFormatError
from bot.importer.labels import Numbered, make_labels
from bot.importer.metadata import PlanHeader, read_header
from bot.importer.rows import RowKind, numbered_heading, read_row
from bot.importer.tables import Column, Row, Table

_EXCERPT_WIDTH = 80
#: Cells a merged (or flattened merged) row brings down from the task above.
_CARRIED = (Column.LEAD, Column.SUPPORT, Column.WHEN)


@dataclass(slots=True)
class _Draft:
    """A task row read but not yet numbered: labels need every row of the plan first."""

    numbered: Numbered
    section: str
    content: str
    lead: CellUnits
    support: CellUnits
    when: str
    timed: bool


@dataclass(slots=True)
class _Reading:
    """What has been read so far, across the appendix's tables."""

    drafts: list[_Draft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    sections: int = 0


def build_plan(
    lines: Sequence[str],
    tables: Sequence[Table],
    catalog: UnitCatalog,
    translator: Translator,
    routine_every: Every = DEFAULT_ROUTINE_EVERY,
) -> ParsedPlan:
    """Build the plan from the header block's lines and the appendix tables, in order.

    Raises `PlanFormatError` when the tables hold rows but none of them is a task: an empty
    plan would look imported while reminding nobody of anything.
    """
    header = read_header(lines)
    reading = _Reading(warnings=_header_warnings(header, translator))
    for table in tables:
        _read_table(table, catalog, translator, reading)
    if not reading.drafts:
        raise PlanFormatError(
            translator.gettext(
                "The appendix table was found, but none of its {rows} rows could be read as a"
                " task: each task row needs its content and a number, a lead unit or a time.",
                rows=reading.rows,
            )
        )
    tasks = _tasks(reading.drafts, header, routine_every)
    warnings = reading.warnings
    for task, draft in zip(tasks, reading.drafts, strict=True):
        warnings.extend(_task_warnings(task, draft.timed, translator))
    warnings.extend(_unit_warnings(reading.drafts, catalog, translator))
    return ParsedPlan(header.number, header.issued, header.title, tuple(tasks), tuple(warnings))


def _read_table(
    table: Table, catalog: UnitCatalog, translator: Translator, reading: _Reading
) -> None:
    if Column.WHEN not in table.columns:
        reading.warnings.append(
            translator.gettext(
                "The appendix table has no time column (Thời gian, Thời hạn…); its tasks were"
                " kept without a date, for the Office to set."
            )
        )
    section = tidy(table.caption)
    section_number = numbered_heading(section) or ""
    if section:
        reading.sections += 1
    above: tuple[str, ...] | None = None  # the last task's cells, while rows continue it
    for row in table.rows:
        reading.rows += 1
        cells = _fit(row, table, translator, reading)
        cells = _carry_down(cells, row, table, above, only_merged=True)
        result = read_row(
            cells,
            table.columns,
            after_task=above is not None,
            number_merged=table.columns.get(Column.NO) in row.merged,
        )
        if result.kind is RowKind.FILLER:
            continue
        if result.kind is RowKind.HEADING:
            section, section_number = result.heading, result.section_number
            reading.sections += 1
            above = None
            continue
        if result.kind is RowKind.TASK and table.flat and len(row.cells) < table.width:
            # In a .txt or .md copy a missing cell shifts the ones after it: the time would be
            # read as a supporting unit. Such a row is shown, not guessed at.
            reading.warnings.append(
                translator.gettext(
                    "Row {row} of the appendix has {found} cells instead of {expected} and was"
                    " not imported: {excerpt}",
                    row=reading.rows,
                    found=len(row.cells),
                    expected=table.width,
                    excerpt=_excerpt(cells),
                )
            )
            above = None
            continue
        if result.kind is RowKind.PROBLEM:
            reading.warnings.append(
                translator.gettext(
                    "Row {row} of the appendix is neither a task nor a section heading and was"
                    " not imported: {excerpt}",
                    row=reading.rows,
                    excerpt=_excerpt(cells),
                )
            )
            continue
        cells = _carry_down(cells, row, table, above, only_merged=False)
        numbered = Numbered(result.number, section_number, reading.sections)
        reading.drafts.append(_draft(cells, table.columns, numbered, section, catalog))
        above = cells


def _fit(row: Row, table: Table, translator: Translator, reading: _Reading) -> tuple[str, ...]:
    """Give the row the table's width: pad a short row, warn about text beyond the header."""
    cells = tuple(row.cells[: table.width])
    beyond = [cell for cell in row.cells[table.width :] if cell.strip()]
    if beyond:
        reading.warnings.append(
            translator.gettext(
                "Row {row} of the appendix has {found} cells, more than the {expected} columns of"
                " its header; the cells beyond were not read: {excerpt}",
                row=reading.rows,
                found=len(row.cells),
                expected=table.width,
                excerpt=_excerpt(beyond),
            )
        )
    return cells + ("",) * (table.width - len(cells))


def _carry_down(
    cells: tuple[str, ...],
    row: Row,
    table: Table,
    above: tuple[str, ...] | None,
    *,
    only_merged: bool,
) -> tuple[str, ...]:
    """Fill a task row's empty lead, support and time cells from the task above.

    A .docx says which cells are merged; a .txt or .md copy of a merged table only leaves them
    empty, so there an empty cell of a task that follows a task is read as merged.
    """
    if above is None:
        return cells
    filled = list(cells)
    for column in _CARRIED:
        position = table.columns.get(column)
        if position is None or filled[position].strip():
            continue
        if position in row.merged or (not only_merged and table.flat):
            filled[position] = above[position]
    return tuple(filled)


def _draft(
    cells: Sequence[str],
    columns: Mapping[Column, int],
    numbered: Numbered,
    section: str,
    catalog: UnitCatalog,
) -> _Draft:
    def cell(column: Column) -> str:
        position = columns.get(column)
        return cells[position] if position is not None else ""

    return _Draft(
        numbered=numbered,
        section=section,
        content=tidy(cell(Column.CONTENT)),
        lead=catalog.read_cell(cell(Column.LEAD)),
        support=catalog.read_cell(cell(Column.SUPPORT)),
        when=tidy(cell(Column.WHEN)),
        timed=Column.WHEN in columns,
    )


def _tasks(drafts: Sequence[_Draft], header: PlanHeader, every: Every) -> list[ParsedTask]:
    labels = make_labels([draft.numbered for draft in drafts])
    spelling = _first_spellings(drafts)
    tasks = []
    for no, (draft, label) in enumerate(zip(drafts, labels, strict=True), 1):
        lead = tuple(dict.fromkeys(spelling[unit_key(u)] for u in draft.lead.names))
        support = tuple(
            name
            for name in dict.fromkeys(spelling[unit_key(u)] for u in draft.support.names)
            if name not in lead
        )
        tasks.append(
            ParsedTask(
                no=no,
                content=draft.content,
                lead=lead,
                support=support,
                when=draft.when,
                schedule=parse_when(draft.when, header.year, every, issued=header.issued),
                label=label,
                section=draft.section,
            )
        )
    return tasks


def _first_spellings(drafts: Sequence[_Draft]) -> dict[str, str]:
    """Give each unit the spelling it first has in the plan (`Bộ Khoa học và công nghệ` is the
    same unit as `Bộ Khoa học và Công nghệ`), so that one unit is never counted twice."""
    spelling: dict[str, str] = {}
    for draft in drafts:
        for name in (*draft.lead.names, *draft.support.names):
            spelling.setdefault(unit_key(name), name)
    return spelling


def _task_name(task: ParsedTask) -> str:
    """Name a task in a warning by its number, and its printed label when that differs."""
    return str(task.no) if task.label in ("", str(task.no)) else f"{task.no} ({task.label})"


def _task_warnings(task: ParsedTask, timed: bool, translator: Translator) -> list[str]:
    warnings = []
    name = _task_name(task)
    if not task.lead:
        warnings.append(translator.gettext("Task {no}: no lead unit is given.", no=name))
    if timed and not task.when:
        warnings.append(
            translator.gettext(
                "Task {no}: no time is given; the task was kept without a date.", no=name
            )
        )
    if task.schedule.kind is ScheduleKind.UNKNOWN and task.when:
        warnings.append(
            translator.gettext(
                "Task {no}: the time “{when}” was not understood; the task was kept without a"
                " date.",
                no=name,
                when=textwrap.shorten(task.when, _EXCERPT_WIDTH, placeholder="…"),
            )
        )
    return warnings


def _unit_warnings(
    drafts: Sequence[_Draft], catalog: UnitCatalog, translator: Translator
) -> list[str]:
    """One warning per unit the config does not know, and per collective name without members."""
    spelling = _first_spellings(drafts)
    unknown: dict[str, None] = {}
    collective: dict[str, None] = {}
    for draft in drafts:
        for cell in (draft.lead, draft.support):
            unknown.update(dict.fromkeys(spelling[unit_key(name)] for name in cell.unknown))
            collective.update(dict.fromkeys(spelling[unit_key(n)] for n in cell.collective))
    warnings = [
        translator.gettext(
            "“{unit}” stands for several units and has no members in [units.groups]; it was kept"
            " as one unit.",
            unit=name,
        )
        for name in collective
    ]
    for name in unknown:
        closest = catalog.closest(name)
        if closest:
            warnings.append(
                translator.gettext(
                    "The unit “{unit}” is not in the config; it was kept as written (the closest"
                    " known unit is “{closest}”).",
                    unit=name,
                    closest=closest,
                )
            )
        else:
            warnings.append(
                translator.gettext(
                    "The unit “{unit}” is not in the config; it was kept as written.", unit=name
                )
            )
    return warnings


def _excerpt(cells: Sequence[str]) -> str:
    text = " | ".join(tidy(cell[:1000]) for cell in cells if cell.strip())
    return textwrap.shorten(text, _EXCERPT_WIDTH, placeholder="…")


def _header_warnings(header: PlanHeader, translator: Translator) -> list[str]:
    warnings = []
    if not header.number:
        warnings.append(translator.gettext("The plan number (“Số: …”) was not found."))
    if header.issued is None:
        warnings.append(
            translator.gettext("The issue date (“…, ngày … tháng … năm …”) was not found.")
        )
    if not header.title:
        warnings.append(
            translator.gettext(
                "The title (the line after “KẾ HOẠCH”, “QUYẾT ĐỊNH” or “THÔNG BÁO”) was not found."
            )
        )
    return warnings
