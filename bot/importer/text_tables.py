"""Appendix tables in plain text: tab-separated (.txt, as Word's "save as text" writes) and
Markdown pipe tables (.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.importer.tables import Row, Table, find_header, task_number

_PIPE = re.compile(r"(?<!\\)\|")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_RULE_CELL = re.compile(r":?-+:?")
_EMPHASIS = re.compile(r"\*\*|__")


@dataclass(frozen=True, slots=True)
class Found:
    """An appendix found in a text: the lines above it (the plan's header block) and the table."""

    preamble: tuple[str, ...]
    table: Table


def find_tab_table(lines: Sequence[str]) -> Found | None:
    """Find a tab-separated appendix; its rows may wrap onto continuation lines."""
    header = find_header([line.split("\t") for line in lines])
    if header is None:
        return None
    records = _tab_records(lines[header.index + header.span :], header.width)
    rows = tuple(
        Row(number, tuple(record.split("\t"))) for number, record in enumerate(records, 1)
    )
    return Found(tuple(lines[: header.index]), Table(header.columns, header.width, rows))


def _tab_records(lines: Sequence[str], width: int) -> list[str]:
    """Group body lines into one record per row.

    A line continues the row above when it does not start with a task number (a cell that
    wrapped), or when it starts with a number but only together with the row above does it fill
    the table's width (a content cell that wrapped just before "2022"). A blank line followed by
    prose ends the table.
    """
    records: list[str] = []
    after_blank = False
    for line in lines:
        if not line.strip():
            after_blank = True
            continue
        cells = line.split("\t")
        looks_like_row = task_number(cells[0]) is not None or len(cells) >= width
        if records and not after_blank:
            above = records[-1].count("\t") + 1
            fills_row = above < width and above + len(cells) - 1 == width
            if not looks_like_row or fills_row:
                records[-1] = f"{records[-1]} {line}"
                continue
        if not looks_like_row and "\t" not in line:
            break
        records.append(line)
        after_blank = False
    return records


def find_pipe_table(lines: Sequence[str]) -> Found | None:
    """Find a Markdown pipe table whose header names the appendix columns."""
    grid = [_pipe_cells(line) if "|" in line else [line] for line in lines]
    start = 0
    while start < len(grid):
        header = find_header(grid[start:])
        if header is None:
            return None
        index = start + header.index + header.span - 1
        if index + 1 < len(grid) and _is_rule(grid[index + 1]):
            rows: list[Row] = []
            for line, cells in zip(lines[index + 2 :], grid[index + 2 :], strict=True):
                if "|" not in line:
                    break
                rows.append(Row(len(rows) + 1, tuple(cells)))
            table = Table(header.columns, header.width, tuple(rows))
            return Found(tuple(lines[: start + header.index]), table)
        start = index + 1
    return None


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
    return all(_RULE_CELL.fullmatch(cell.strip()) for cell in cells)
