"""The appendix table, format-neutral: finding its header and naming its columns.

Each reader (.txt, .md, .docx) turns its document into rows of cell texts; from there on the table
is the same whatever the format. Agencies label their columns in many ways (`TT`/`STT`, `Tên
nhiệm vụ`/`Nhiệm vụ, giải pháp`, `Đơn vị chủ trì`/`Cơ quan chủ trì thực hiện`, …), in any column
order, and some use a two-row header (`Đơn vị thực hiện` over `Chủ trì | Phối hợp`), so columns
are found by the words of their heading (DESIGN: Reading the appendix table), not by position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from bot.domain.text import match_key


class Column(Enum):
    """A column of the appendix that the importer reads; any other column is kept as text."""

    NO = "no"
    CONTENT = "content"
    LEAD = "lead"
    SUPPORT = "support"
    WHEN = "when"


# The heading rules as data, tried in this order (keys as `match_key` gives them). Extra columns
# come first so that `Kết quả thực hiện` is never taken for a lead column because it holds
# "thực hiện", nor `Văn bản giao nhiệm vụ` for the content.
_EXTRA_PREFIXES = (
    "kết quả",
    "sản phẩm",
    "ghi chú",
    "văn bản",
    "người",
    "nguồn",
    "mức độ",
    "hình thức",
    "kinh phí",
    "dự toán",
    "thuộc nhóm",
)
_NO_HEADINGS = ("tt", "stt", "số tt", "số thứ tự")
_WHEN_PREFIXES = ("thời gian", "thời hạn", "hạn")
_CONTENT_PREFIXES = ("nội dung", "nhiệm vụ", "tên", "chỉ tiêu", "công việc", "hoạt động")
_LEAD_WORDS = ("chủ trì",)
_SUPPORT_WORDS = ("phối hợp",)
# Used only when no heading holds the words above: `Đơn vị thực hiện` is the lead, `Tiến độ` the
# time. Where a real time column exists, `Tiến độ` is a status column (Đã hoàn thành…).
_LEAD_FALLBACK_WORDS = ("thực hiện", "chịu trách nhiệm")
_WHEN_FALLBACK_PREFIXES = ("tiến độ",)

#: What a table must name to be an appendix of tasks: the content, and who or when.
REQUIRED = frozenset({Column.CONTENT})
WHO_OR_WHEN = frozenset({Column.LEAD, Column.WHEN})
_CODE_CELL = re.compile(r"\(?[0-9a-zđ]{1,2}\)?", re.IGNORECASE)
#: A heading cell longer than this is a task's text, not a column name.
_MAX_HEADING = 80


@dataclass(frozen=True, slots=True)
class Header:
    """Where the header is (`index`, over `span` rows) and which column holds what."""

    index: int
    span: int
    columns: Mapping[Column, int]
    width: int


@dataclass(frozen=True, slots=True)
class Row:
    """One body row: its position in its table (1 = first row under the header) and its cells.

    `merged` holds the positions whose cell is merged with the one above (a .docx vertical
    merge); their text is empty here and the importer decides what they carry over.
    A line break inside a cell is kept as `\\n`.
    """

    number: int
    cells: tuple[str, ...]
    merged: frozenset[int] = field(default=frozenset())


@dataclass(frozen=True, slots=True)
class Table:
    """One appendix table: its column map, body rows in document order, and its caption.

    `caption` is the numbered line printed just above the table (`1. Các nhiệm vụ về …`) when
    a document splits its appendix into captioned sub-tables; it heads the table's first rows.
    """

    columns: Mapping[Column, int]
    width: int
    rows: tuple[Row, ...]
    caption: str = ""
    #: True for a .txt/.md copy, where merged cells can only show as empty ones.
    flat: bool = True


def _prefixed(key: str, prefixes: Sequence[str]) -> bool:
    return any(key == p or key.startswith((p + " ", p + "(", p + "/", p + ",")) for p in prefixes)


@lru_cache(maxsize=4096)
def _classify(cell: str) -> tuple[Column | None, bool]:
    """Return the column a heading names and whether only as a fallback (`Đơn vị thực hiện`).

    Cached: every row is checked for a repeated header, and short cells repeat a lot.
    """
    if len(cell) > _MAX_HEADING:
        return None, False
    key = match_key(cell).strip(" .:*[]0123456789")
    if not key or _prefixed(key, _EXTRA_PREFIXES):
        return None, False
    if key in _NO_HEADINGS:
        return Column.NO, False
    if _prefixed(key, _WHEN_PREFIXES):
        return Column.WHEN, False
    if _prefixed(key, _CONTENT_PREFIXES):
        return Column.CONTENT, False
    if any(word in key for word in _LEAD_WORDS):
        return Column.LEAD, False
    if any(word in key for word in _SUPPORT_WORDS):
        return Column.SUPPORT, False
    if any(word in key for word in _LEAD_FALLBACK_WORDS):
        return Column.LEAD, True
    if _prefixed(key, _WHEN_FALLBACK_PREFIXES):
        return Column.WHEN, True
    return None, False


def heading_column(cell: str) -> Column | None:
    """Return the column a header cell names (`Thời gian thực hiện (dự kiến)` → WHEN), if any."""
    return _classify(cell)[0]


def header_columns(cells: Sequence[str]) -> dict[Column, int]:
    """Map each recognised column to its position in one header row.

    A column named outright wins over a fallback (`Chủ trì` over `Đơn vị thực hiện`); among
    equals the first position wins. A merged heading repeated across columns counts once.
    """
    columns: dict[Column, int] = {}
    fallback: dict[Column, int] = {}
    previous = None
    for position, cell in enumerate(cells):
        if cell == previous:  # one merged heading, repeated by the reader
            continue
        previous = cell
        column, is_fallback = _classify(cell)
        if column is not None:
            (fallback if is_fallback else columns).setdefault(column, position)
    for column, position in fallback.items():
        if column not in columns and position not in columns.values():
            columns[column] = position
    return columns


def is_header(columns: Mapping[Column, int]) -> bool:
    """True when the recognised columns are enough for a task table."""
    return columns.keys() >= REQUIRED and bool(columns.keys() & WHO_OR_WHEN)


def find_header(grid: Sequence[Sequence[str]], start: int = 0) -> Header | None:
    """Find the first row (or pair of rows) at or after `start` that heads an appendix table."""
    for index in range(start, len(grid)):
        cells = grid[index]
        if len(cells) < 2:
            continue
        columns = header_columns(cells)
        below = grid[index + 1] if index + 1 < len(grid) else ()
        if columns and len(below) >= 2:
            merged = _two_row_columns(cells, below)
            if (
                len(merged) > len(columns)
                and is_header(merged)
                and not is_header(header_columns(below))
            ):
                return Header(index, 2, merged, max(len(cells), len(below)))
        if is_header(columns):
            return Header(index, 1, columns, len(cells))
    return None


def _two_row_columns(upper: Sequence[str], lower: Sequence[str]) -> dict[Column, int]:
    """Name columns over two header rows; the lower row's finer heading wins where it has one."""
    columns = header_columns(lower)
    for column, position in header_columns(upper).items():
        if column not in columns and position not in columns.values():
            columns[column] = position
    return columns


def is_repeated_header(cells: Sequence[str], columns: Mapping[Column, int]) -> bool:
    """True for a header printed again inside the table (Word repeats it on every page)."""
    found = header_columns(cells)
    return len(found) >= 2 and all(columns.get(column) == at for column, at in found.items())


def is_column_codes(cells: Sequence[str]) -> bool:
    """True for a row of column codes under the header: `A B 1 2 3 4`, `(1) (2) (3)`."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    return len(filled) >= 3 and all(_CODE_CELL.fullmatch(cell) for cell in filled)
