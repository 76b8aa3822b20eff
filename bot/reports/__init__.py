"""What the Office would otherwise type up by hand: the status chart, the year report, the sheet.

Every writer takes the same plain `ReportData` (built from the database by the report service)
and a `Translator`, writes one file and returns its path.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from bot.i18n import Translator
from bot.reports.data import AssignmentRow, ReminderLogRow, ReportData, TaskRow

__all__ = [
    "AssignmentRow",
    "ReminderLogRow",
    "ReportData",
    "ReportFormat",
    "TaskRow",
    "write_report",
]


class ReportFormat(StrEnum):
    """The file kinds the Office can ask for; the value is the file extension."""

    DOCX = "docx"  # the year report, Nghị định 30 layout
    XLSX = "xlsx"  # the tracking sheet and the reminder log
    PNG = "png"  # the status chart

    @property
    def media_type(self) -> str:
        """The MIME type a channel needs when it uploads the file."""
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PNG: "image/png",
}


def write_report(data: ReportData, fmt: ReportFormat | str, path: Path, *, tr: Translator) -> Path:
    """Write `data` as `fmt` to `path` and return the path.

    The writers are imported here, not at module level, so that asking for a sheet does not
    load matplotlib and a chat process that never draws does not pay for it.
    """
    fmt = ReportFormat(fmt)
    if fmt is ReportFormat.DOCX:
        from bot.reports.docx_report import write_year_report

        return write_year_report(data, Path(path), tr=tr)
    if fmt is ReportFormat.XLSX:
        from bot.reports.xlsx_sheet import write_tracking_sheet

        return write_tracking_sheet(data, Path(path), tr=tr)
    from bot.reports.chart import render_status_chart

    return render_status_chart(data, Path(path), tr=tr)
