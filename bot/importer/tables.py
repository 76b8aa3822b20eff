"""The appendix table, format-neutral: finding its header and naming its columns.

Each reader (.txt, .md, .docx) turns its document into rows of cell texts; from there on the table
is the same whatever the format. Plans label their columns in several ways (`TT`/`STT`,
`Đơn vị chủ trì`/`Chủ trì`, …) and some use a two-row header (`Đơn vị thực hiện` over
`Chủ trì | Phối hợp`), so columns are found by meaning, not by position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from bot.domain.text import match_key


class Column(Enum):
    """A column of the appendix that the importer reads."""

    NO = "no"
    CONTENT = "content"
    LEAD = "lead"
    SUPPORT = "support"
    WHEN = "when"


# Keys (see `match_key`) of the headings each column goes by; longer ones are tried first.
_HEADINGS: Mapping[Column, tuple[str, ...]] = {
    Column.NO: ("tt", "stt", "số tt", "số thứ tự"),
    Column.CONTENT: ("nội dung", "nhiệm vụ", "công việc", "nội dung công việc"),
    Column.LEAD: ("đơn vị chủ trì", "chủ trì", "cơ quan chủ trì"),
    Column.SUPPORT: ("đơn vị phối hợp", "phối hợp", "cơ quan phối hợp"),
    Column.WHEN: (
        "thời gian thực hiện",
        "thời gian hoàn thành",
        "thời hạn",
        "thời hạn hoàn thành",
        "thời gian",
    ),
}
_BY_LENGTH = sorted(
    ((heading, column) for column, headings in _HEADINGS.items() for heading in headings),
    key=lambda pair: -len(pair[0]),
)
REQUIRED = frozenset({Column.NO, Column.CONTENT, Column.LEAD, Column.WHEN})
_NUMBER = re.compile(r"([0-9]{1,4})[.)]?")
_COLUMN_NUMBER = re.compile(r"\(?([0-9]{1,2})\)?")


@dataclass(frozen=True, slots=True)
class Header:
    """Where the header is (`index`, over `span` rows) and which column holds what."""

    index: int
    span: int
    columns: Mapping[Column, int]
    width: int


@dataclass(frozen=True, slots=True)
class Row:
    """One body row: its position in the table (1 = first row under the header) and its cells.

    A line break inside a cell is kept as `\\n`; the importer decides per column what it means.
    """

    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """The appendix: its column map and body rows, in document order."""

    columns: Mapping[Column, int]
    width: int
    rows: tuple[Row, ...]


def heading_column(cell: str) -> Column | None:
    """Return the column a header cell names (`Thời gian thực hiện (dự kiến)` → WHEN), if any."""
    key = match_key(cell).strip(" .:*")
    for heading, column in _BY_LENGTH:
        if key == heading or key.startswith((heading + " ", heading + "(")):
            return column
    return None


def header_columns(cells: Sequence[str]) -> dict[Column, int]:
    """Map each recognised column to its first position in one header row."""
    columns: dict[Column, int] = {}
    for position, cell in enumerate(cells):
        column = heading_column(cell)
        if column is not None:
            columns.setdefault(column, position)
    return columns


def find_header(grid: Sequence[Sequence[str]]) -> Header | None:
    """Find the first row (or pair of rows) that heads an appendix table."""
    for index, cells in enumerate(grid):
        columns = header_columns(cells)
        if columns.keys() >= REQUIRED:
            return Header(index, 1, columns, len(cells))
        if columns and index + 1 < len(grid):
            below = grid[index + 1]
            if header_columns(below).keys() >= REQUIRED:
                continue  # the next row is a header on its own
            merged = _two_row_columns(cells, below)
            if merged.keys() >= REQUIRED:
                return Header(index, 2, merged, max(len(cells), len(below)))
    return None


def _two_row_columns(upper: Sequence[str], lower: Sequence[str]) -> dict[Column, int]:
    columns: dict[Column, int] = {}
    for position in range(max(len(upper), len(lower))):
        column = _heading_at(upper, position) or _heading_at(lower, position)
        if column is not None:
            columns.setdefault(column, position)
    return columns


def _heading_at(cells: Sequence[str], position: int) -> Column | None:
    return heading_column(cells[position]) if position < len(cells) else None


def task_number(cell: str) -> int | None:
    """Read a TT cell: `1`, `01`, `1.` or `1)`; anything else (`I`, `1.1`, empty) is None."""
    match = _NUMBER.fullmatch(cell.strip())
    return int(match.group(1)) if match else None


def is_filler(cells: Sequence[str]) -> bool:
    """Tell rows that carry no task and no mistake: empty, a repeated header, column numbers.

    Word repeats the header on every page and many plans number their columns `(1) (2) (3)`;
    neither deserves a warning.
    """
    filled = [cell.strip() for cell in cells if cell.strip()]
    if not filled:
        return True
    if len(header_columns(cells)) >= len(REQUIRED) - 1:
        return True
    matches = [_COLUMN_NUMBER.fullmatch(cell) for cell in filled]
    numbers = [int(match.group(1)) for match in matches if match]
    return len(filled) > 2 and numbers == list(range(1, len(filled) + 1))
