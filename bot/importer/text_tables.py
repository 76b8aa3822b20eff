"""Appendix tables in plain text: tab-separated (.txt, as Word's "save as text" writes) and
Markdown pipe tables (.md).

An appendix may be split into several tables (captioned sub-tables, a second Phụ lục); each is
found by its own header and read with its own columns. The work is linear in the file's size:
rows are gathered as lists, never by concatenating strings again and again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.importer.rows import arabic_number, numbered_heading, section_number
from bot.importer.tables import Header, Row, Table, find_header

_PIPE = re.compile(r"(?<!\\)\|")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_RULE_CELL = re.compile(r"\s*:?-+:?\s*")
_EMPHASIS = re.compile(r"\*\*|__")
#: How many lines above a header are searched for the caption of its table.
_CAPTION_REACH = 3


@dataclass(frozen=True, slots=True)
class Found:
    """The appendix found in a text: the lines above it (the header block) and its tables."""

    preamble: tuple[str, ...]
    tables: tuple[Table, ...]


def find_tab_tables(lines: Sequence[str]) -> Found | None:
    """Find the tab-separated appendix tables; their rows may wrap onto continuation lines."""
    grid = [line.split("\t") for line in lines]
    tables: list[Table] = []
    first = None
    start = 0
    while (header := find_header(grid, start)) is not None:
        first = header.index if first is None else first
        body = header.index + header.span
        records, end = _tab_records(grid, body, header.width)
        rows = tuple(
            Row(number, tuple(" ".join(parts) for parts in record))
            for number, record in enumerate(records, 1)
        )
        tables.append(_table(header, rows, _caption(lines, header.index, start)))
        start = max(end, body)
    if first is None:
        return None
    return Found(tuple(lines[:first]), tuple(tables))


def _looks_like_row(cells: Sequence[str], width: int) -> bool:
    first = cells[0].strip()
    numbered = arabic_number(first) is not None or section_number(first) is not None
    return numbered or len(cells) >= width


def _tab_records(
    grid: Sequence[Sequence[str]], start: int, width: int
) -> tuple[list[list[list[str]]], int]:
    """Group body lines into one record per row; return them and where the table ends.

    A line continues the row above when it does not start a row of its own (a cell that
    wrapped), or when only together with the row above does it fill the width (a content cell
    that wrapped just before "2022"). A blank line followed by prose ends the table.
    """
    records: list[list[list[str]]] = []  # rows of cells, each cell in its wrapped parts
    after_blank = False
    index = start
    for index in range(start, len(grid)):
        cells = grid[index]
        if len(cells) == 1 and not cells[0].strip():
            after_blank = True
            continue
        row_like = _looks_like_row(cells, width)
        if records and not after_blank:
            above = len(records[-1])
            fills_row = above < width and above + len(cells) - 1 == width
            if not row_like or fills_row:
                # The wrapped text is kept in parts and joined once: joining at every line
                # would make a cell wrapped over many lines cost the square of its length.
                records[-1][-1].append(cells[0])
                records[-1].extend([cell] for cell in cells[1:])
                continue
        if not row_like and len(cells) == 1:
            return records, index
        records.append([[cell] for cell in cells])
        after_blank = False
    return records, len(grid)


def find_pipe_tables(lines: Sequence[str]) -> Found | None:
    """Find the Markdown pipe tables whose header names the appendix columns."""
    grid = [_pipe_cells(line) if "|" in line else [line] for line in lines]
    tables: list[Table] = []
    first = None
    start = 0
    while (header := find_header(grid, start)) is not None:
        index = header.index + header.span - 1
        if index + 1 >= len(grid) or not _is_rule(grid[index + 1]):
            start = index + 1
            continue
        first = header.index if first is None else first
        rows: list[Row] = []
        end = index + 2
        while end < len(lines) and "|" in lines[end]:
            rows.append(Row(len(rows) + 1, tuple(grid[end])))
            end += 1
        tables.append(_table(header, tuple(rows), _caption(lines, header.index, start)))
        start = end
    if first is None:
        return None
    return Found(tuple(lines[:first]), tuple(tables))


def _table(header: Header, rows: tuple[Row, ...], caption: str) -> Table:
    return Table(header.columns, header.width, rows, caption)


def _caption(lines: Sequence[str], header: int, floor: int) -> str:
    """Return the numbered line just above a header (`1. Các nhiệm vụ …`), else ""."""
    for index in range(header - 1, max(floor, header - _CAPTION_REACH) - 1, -1):
        text = lines[index].strip().strip("#*_ ")
        if text:
            return text if numbered_heading(text) is not None else ""
    return ""


def _pipe_cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [_cell_text(cell) for cell in _PIPE.split(text)]


def _cell_text(cell: str) -> str:
    text = _BREAK.sub("\n", cell.replace("\\|", "|"))
    return _EMPHASIS.sub("", text).strip()


def _is_rule(cells: Sequence[str]) -> bool:
    return all(_RULE_CELL.fullmatch(cell) for cell in cells)
