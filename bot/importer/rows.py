"""What each body row of an appendix is: a task, a section heading, filler, or a problem.

Published appendices mix task rows with section rows (`I`, `A.`, `III.1.2`, `Phần II`, or an
unnumbered heading in the content column), rows continuing a merged task, repeated headers and
column codes. DESIGN's "Reading the appendix table" fixes how each is told apart; this module
is that rule alone, so the assembler only has to act on the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from bot.domain.text import tidy
from bot.importer.tables import Column, is_column_codes, is_repeated_header

# `6`, `6.`, `06`, `6)`, `1.1`, `5.1.1`: a task's own number.
_ARABIC = re.compile(r"([0-9]{1,4}(?:\.[0-9]{1,4}){0,4})[.)]?")
# `I`, `IV.`, `III.1.2`, `A.`, `Đ`, `Phần II`, `Mục 2`, `Chương I`: a section's number.
_SECTION_NUMBER = r"(?:[IVXLC]{1,6}(?:\.[0-9]{1,3}){0,4}|[A-ZĐ])"
_SECTION = re.compile(rf"({_SECTION_NUMBER})[.)]?")
_NAMED_SECTION = re.compile(rf"(?:phần|mục|chương)\s+({_SECTION_NUMBER}|[0-9]{{1,3}})[.:)]?", re.I)
# A heading written in one cell: `I. Kinh tế số`, `A. BỘ XÂY DỰNG`, `Phần II. Nhiệm vụ`.
_NUMBERED_TEXT = re.compile(
    rf"(?:(?:phần|mục|chương)\s+)?({_SECTION_NUMBER}|[0-9]{{1,3}})[.:)]\s+\S", re.I
)
#: An unusual mark in the number cell longer than this is text, not the row's number.
_MAX_ODD_NUMBER = 12
# A row that continues a task rather than heading a section begins like a list item.
_LIST_ITEM = re.compile(r"[-+•*–]\s|[a-zđ]")


class RowKind(Enum):
    """What a body row is to the importer."""

    TASK = "task"
    HEADING = "heading"
    FILLER = "filler"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class RowReading:
    """The answer for one row: its kind, its printed number, and a heading's number and text."""

    kind: RowKind
    number: str = ""
    heading: str = ""
    section_number: str = ""


def arabic_number(cell: str) -> str | None:
    """Read a task number as printed, without leading zeros or a final dot (`01.` → `1`)."""
    match = _ARABIC.fullmatch(cell.strip())
    if match is None:
        return None
    return ".".join(str(int(part)) for part in match.group(1).split("."))


def section_number(cell: str) -> str | None:
    """Read a section number (`II`, `A.`, `III.1.2`, `Phần II`); None when the cell is none."""
    text = cell.strip()
    if match := _SECTION.fullmatch(text) or _NAMED_SECTION.fullmatch(text):
        return match.group(1)
    return None


def numbered_heading(text: str) -> str | None:
    """Return the number of a heading written in one cell (`I. Kinh tế số` → `I`), if any."""
    match = _NUMBERED_TEXT.match(text.strip())
    return match.group(1) if match else None


def read_row(
    cells: Sequence[str],
    columns: Mapping[Column, int],
    *,
    after_task: bool,
    number_merged: bool,
) -> RowReading:
    """Tell what one row is; `cells` already carry what merged cells bring down from above.

    `after_task`: the row above was a task (an unnumbered row may continue it). `number_merged`:
    the number cell is merged with the one above (.docx), so the row is that task's sub-row.
    """
    if not any(cell.strip() for cell in cells):
        return RowReading(RowKind.FILLER)
    if is_repeated_header(cells, columns) or is_column_codes(cells):
        return RowReading(RowKind.FILLER)

    def cell(column: Column) -> str:
        position = columns.get(column)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    number_cell = cell(Column.NO)
    content = cell(Column.CONTENT)
    has_who_or_when = bool(cell(Column.LEAD) or cell(Column.WHEN))
    others = [
        text.strip()
        for position, text in enumerate(cells)
        if text.strip() and position != columns.get(Column.NO)
    ]
    if number_cell:
        if (printed := arabic_number(number_cell)) is not None:
            # A number with no content is nothing the bot can remind anyone of.
            return (
                RowReading(RowKind.TASK, number=printed)
                if content
                else RowReading(RowKind.PROBLEM)
            )
        if (section := section_number(number_cell)) is not None:
            return RowReading(
                RowKind.HEADING, heading=_join(number_cell, _first(others)), section_number=section
            )
        if (section := numbered_heading(number_cell)) is not None and not content:
            return RowReading(RowKind.HEADING, heading=tidy(number_cell), section_number=section)
        if content and has_who_or_when and len(number_cell) <= _MAX_ODD_NUMBER:
            # `a)`, `x`, `*`: not a number DESIGN names, but the plan's own mark for the row.
            return RowReading(RowKind.TASK, number=tidy(number_cell).rstrip(".)"))
        return RowReading(RowKind.PROBLEM)
    if not content:
        text = _first(others)
        if text and not has_who_or_when and (section := numbered_heading(text)):
            return RowReading(RowKind.HEADING, heading=tidy(text), section_number=section)
        return RowReading(RowKind.PROBLEM)
    if numbered_heading(content) is not None and not has_who_or_when:
        return RowReading(
            RowKind.HEADING, heading=tidy(content), section_number=numbered_heading(content) or ""
        )
    if has_who_or_when or number_merged:
        return RowReading(RowKind.TASK)
    if after_task and _LIST_ITEM.match(content):
        return RowReading(RowKind.TASK)
    return RowReading(RowKind.HEADING, heading=tidy(content))


def _first(texts: Sequence[str]) -> str:
    return texts[0] if texts else ""


def _join(number: str, text: str) -> str:
    """Write a heading as the plan prints it: `I. Hoàn thiện thể chế`, `A. BỘ XÂY DỰNG`."""
    number = tidy(number)
    if not text:
        return number
    separator = " " if number.endswith((".", ")", ":")) else ". "
    return f"{number}{separator}{tidy(text)}"
