"""Appendix and header block of a Word (.docx) plan, read with python-docx.

Official documents put the number and the date in a borderless two-column table above the title,
so the header block is read from paragraphs and from the cells of every table that is not the
appendix, in document order. Word splits a long appendix into several tables when it is pasted
across page breaks; later tables with the appendix's width are read as its continuation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from docx.document import Document
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from bot.importer.tables import Header, Row, Table, find_header, task_number


@dataclass(frozen=True, slots=True)
class DocxPlan:
    """What a .docx holds: the header block as lines, and the appendix (None when it has none)."""

    lines: tuple[str, ...]
    table: Table | None


def read_document(document: Document) -> DocxPlan:
    """Read the plan's lines and appendix from an opened Word document."""
    lines: list[str] = []
    header: Header | None = None
    rows: list[Row] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.extend(block.text.split("\n"))
            continue
        grid = list(_grid(block))
        found = find_header(grid)
        if header is None and found is not None:
            header = found
        elif header is None or not _continues(grid, found, header):
            lines.extend(_cell_lines(grid))
            continue
        body = grid[found.index + found.span :] if found else grid
        for cells in body:
            rows.append(Row(len(rows) + 1, tuple(cells)))
    table = Table(header.columns, header.width, tuple(rows)) if header else None
    return DocxPlan(tuple(lines), table)


def _grid(table: DocxTable) -> Iterator[list[str]]:
    """Yield each row as one text per layout column; merged cells repeat their text."""
    for row in table.rows:
        before = [""] * row.grid_cols_before
        after = [""] * row.grid_cols_after
        yield [*before, *(cell.text for cell in row.cells), *after]


def _continues(grid: list[list[str]], found: Header | None, header: Header) -> bool:
    if found is not None:
        return found.width == header.width
    first = grid[0] if grid else []
    return len(first) == header.width and task_number(first[0]) is not None


def _cell_lines(grid: list[list[str]]) -> Iterator[str]:
    """Yield the text lines of a non-appendix table, each merged cell once, row by row."""
    for cells in grid:
        previous = None
        for text in cells:
            if text != previous:
                yield from text.split("\n")
            previous = text
