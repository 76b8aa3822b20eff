"""The tracking sheet: one row per assignment and the reminder log, for the Office to filter.

Excel cannot hold time zones, so times are written as local Asia/Ho_Chi_Minh wall-clock times:
the Office reads them as the times it lives in. Dates are real dates with a dd/mm/yyyy format so
that sorting and filtering work.

Each sheet opens with title rows (the agency, the plan by its own number, date and title, the
day it was made) so a printed or forwarded sheet still says what it is; the header, the frozen
panes and the filter sit below them. Supporting units show "Phối hợp" or "Đã báo cáo", never a
lateness: they owe nothing. A moved deadline keeps the plan's own date beside the one in force,
and each row says who confirmed (the Office, for the unit) and whether it was verified or sent
back, since the sheet is what the Office audits.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.clock import as_local
from bot.i18n import Translator, chat_date
from bot.reports.citation import cited_with_title
from bot.reports.data import EvidenceRow, ReportData
from bot.reports.text import (
    channel_label,
    confirmer_label,
    extension_label,
    period_label,
    reminder_kind_label,
    reminder_status_label,
    role_label,
    row_colour,
    row_late_days,
    row_state_label,
    verification_label,
)

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
TITLE_ROWS = 3  # agency, plan, as-of date; then one empty row
HEADER_ROW = TITLE_ROWS + 2
SHEET_NAME_MAX = 31  # Excel's limit
_FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Column:
    title: str  # msgid
    width: float
    number_format: str | None = None


ASSIGNMENT_COLUMNS = (
    Column("No.", 6),
    Column("Content", 60),
    Column("Unit", 40),
    Column("Role", 11),
    Column("Period", 10),
    Column("Due", 12, DATE_FORMAT),
    Column("State", 22),
    Column("Confirmed at", 17, DATETIME_FORMAT),
    Column("Confirmed by", 22),
    Column("Notes", 44),
    Column("Days late", 11),
    # Issue 13's columns sit after the original ones, so a filter or formula the Office keeps
    # on the sheet still finds its columns; the evidence stays last, by its links.
    Column("Original deadline", 12, DATE_FORMAT),
    Column("Extension", 30),
    Column("Verification", 36),
    Column("Evidence", 36),
)

EVIDENCE_COLUMNS = (
    Column("No.", 6),
    Column("Unit", 40),
    Column("Period", 10),
    Column("File", 36),
    Column("Size (bytes)", 12),
    Column("SHA-256", 70),
    Column("Received at", 17, DATETIME_FORMAT),
    Column("Sent by", 22),
)

LOG_COLUMNS = (
    Column("Sent at", 17, DATETIME_FORMAT),
    Column("Channel", 11),
    Column("Contact", 22),
    Column("Unit", 40),
    Column("No.", 6),
    Column("Reminder kind", 22),
    Column("Slot", 12, DATE_FORMAT),
    Column("Sending status", 14),
    Column("Sent late", 10),
)


def sheet_name(plan_number: str) -> str:
    """`187/KH-SGDĐT` → `187-KH-SGDĐT`: Excel refuses `/` and a few others in sheet names."""
    name = _FORBIDDEN_IN_SHEET_NAMES.sub("-", plan_number).strip("'") or "Plan"
    return name[:SHEET_NAME_MAX]


def write_tracking_sheet(data: ReportData, path: Path, *, tr: Translator) -> Path:
    """Write the assignments and the reminder log of `data` as an .xlsx at `path`."""
    path = Path(path)
    workbook = Workbook()
    assignments = workbook.active
    assignments.title = sheet_name(data.plan_number)
    _title_rows(assignments, data, tr)
    _fill_assignments(assignments, data, tr, path.parent)
    if any(row.evidence for task in data.tasks for row in task.assignments):
        files = workbook.create_sheet(tr.gettext("Evidence files")[:SHEET_NAME_MAX])
        _title_rows(files, data, tr)
        _fill_evidence(files, data, tr, path.parent)
    log = workbook.create_sheet(tr.gettext("Reminder log")[:SHEET_NAME_MAX])
    _title_rows(log, data, tr)
    _fill_log(log, data, tr)
    workbook.properties.title = f"{data.plan_number} – {data.plan_year}"
    workbook.properties.creator = data.agency
    workbook.save(path)
    return path


def _local(moment: datetime | None) -> datetime | None:
    """Wall-clock time in the agency's zone, without tzinfo, which Excel cannot store."""
    return as_local(moment).replace(tzinfo=None) if moment else None


def title_lines(data: ReportData, tr: Translator) -> list[str]:
    """The agency, the plan as its own number, date and title name it, and the as-of date."""
    agency = " - ".join(part for part in (data.agency_parent.strip(), data.agency) if part)
    plan = cited_with_title(data.plan_number, data.plan_issued, data.plan_title, tr)
    return [
        agency,
        tr.gettext("Tracking {document}", document=plan),
        tr.gettext("As of {date}", date=chat_date(data.today)),
    ]


def _title_rows(sheet: Worksheet, data: ReportData, tr: Translator) -> None:
    """Rows 1–3 above the table; the text runs across the empty cells to its right."""
    for index, text in enumerate(title_lines(data, tr), start=1):
        cell = sheet.cell(index, 1, text)
        cell.font = Font(bold=index < TITLE_ROWS, italic=index == TITLE_ROWS, size=13)
    sheet.append([])


def _fill_assignments(sheet: Worksheet, data: ReportData, tr: Translator, folder: Path) -> None:
    _header(sheet, ASSIGNMENT_COLUMNS, tr)
    state_column = 7
    evidence_column = len(ASSIGNMENT_COLUMNS)
    for task in data.tasks:
        content = " ".join(task.content.split())
        for row in task.assignments:
            sheet.append(
                [
                    task.no,
                    content,
                    row.unit,
                    role_label(row.role, tr),
                    period_label(row.period, tr),
                    row.due,
                    row_state_label(row, data.today, tr),
                    _local(row.confirmed_at),
                    confirmer_label(row, tr),
                    row.note or "",
                    row_late_days(row) or None,
                    row.original_due,
                    extension_label(row, tr),
                    verification_label(row, tr),
                    "\n".join(file.name for file in row.evidence),
                ]
            )
            linked = next((f for f in row.evidence if f.location is not None), None)
            if linked is not None:
                _link(sheet.cell(sheet.max_row, evidence_column), linked, folder)
            state = sheet.cell(sheet.max_row, state_column)
            state.fill = PatternFill(
                "solid", fgColor=row_colour(row, data.today).lstrip("#").upper()
            )
            state.font = Font(bold=True, color="FFFFFF")
    _finish(sheet, ASSIGNMENT_COLUMNS)


def _fill_evidence(sheet: Worksheet, data: ReportData, tr: Translator, folder: Path) -> None:
    """One row per file: its name linked to the stored copy, its size and SHA-256."""
    _header(sheet, EVIDENCE_COLUMNS, tr)
    for task in data.tasks:
        for row in task.assignments:
            for file in row.evidence:
                sheet.append(
                    [
                        task.no,
                        row.unit,
                        period_label(row.period, tr),
                        file.name,
                        file.size,
                        file.sha256 or "",
                        _local(file.received_at),
                        file.by,
                    ]
                )
                if file.location is not None:
                    _link(sheet.cell(sheet.max_row, 4), file, folder)
    _finish(sheet, EVIDENCE_COLUMNS)


def _link(cell, file: EvidenceRow, folder: Path) -> None:
    """Link the stored copy, relative to the sheet's folder (absolute when it cannot be)."""
    assert file.location is not None
    try:
        target = os.path.relpath(file.location, folder.resolve())
    except ValueError:  # another drive on Windows
        target = str(file.location)
    cell.hyperlink = target.replace(os.sep, "/")
    cell.font = Font(color="0563C1", underline="single")


def _fill_log(sheet: Worksheet, data: ReportData, tr: Translator) -> None:
    _header(sheet, LOG_COLUMNS, tr)
    for entry in data.reminders:
        sheet.append(
            [
                _local(entry.at),
                channel_label(entry.channel),
                entry.contact,
                entry.unit,
                entry.task_no,
                reminder_kind_label(entry.kind, tr),
                entry.slot,
                reminder_status_label(entry.status, tr),
                tr.gettext("Yes") if entry.late else "",
            ]
        )
        if entry.status == "failed":
            sheet.cell(sheet.max_row, 8).font = Font(bold=True, color="C62828")
    _finish(sheet, LOG_COLUMNS)


def _header(sheet: Worksheet, columns: tuple[Column, ...], tr: Translator) -> None:
    sheet.append([tr.gettext(column.title) for column in columns])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _finish(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    """Widths, number formats, a frozen header and a filter over every row."""
    last_column = get_column_letter(len(columns))
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index):
                cell.number_format = column.number_format
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{max(sheet.max_row, HEADER_ROW)}"
