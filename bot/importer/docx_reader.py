"""Appendix and header block of a Word (.docx) plan, read with python-docx.

Official documents put the number and the date in a borderless two-column table above the title,
so the header block is read from paragraphs and from the cells of every table before the first
appendix, in document order. Every later table with a recognisable header is an appendix table
of its own (a second Phụ lục); one without a header but as wide as the table before continues it
(Word splits a long table that was pasted across page breaks).

Merged cells are read from the XML, not from python-docx's `row.cells`, which repeats a merged
cell's text in every column and row it covers: a horizontal span (a section row over the whole
width) is its text once, and a vertical merge is marked so that the importer can carry the lead,
support and time cells down to the sub-rows, and only those.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from docx.document import Document
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from bot.importer.rows import arabic_number, numbered_heading, section_number
from bot.importer.tables import Header, Row, Table, find_header

_CONTINUE = "continue"


@dataclass(frozen=True, slots=True)
class _GridRow:
    """One row as one text per layout column, and the columns merged with the row above."""

    cells: list[str]
    merged: frozenset[int]


@dataclass(frozen=True, slots=True)
class DocxPlan:
    """What a .docx holds: the header block as lines, and its appendix tables (maybe none)."""

    lines: tuple[str, ...]
    tables: tuple[Table, ...]


def read_document(document: Document) -> DocxPlan:
    """Read the plan's lines and appendix tables from an opened Word document."""
    lines: list[str] = []
    tables: list[Table] = []
    caption = ""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not tables:
                lines.extend(block.text.split("\n"))
            if text:
                caption = text if numbered_heading(text) is not None else ""
            continue
        grid = list(_grid(block))
        texts = [row.cells for row in grid]
        found = find_header(texts)
        if found is None and tables and _continues(grid, tables[-1]):
            previous = tables[-1]
            rows = _rows(grid, len(previous.rows))
            tables[-1] = Table(previous.columns, previous.width, (*previous.rows, *rows))
        elif found is not None:
            rows = _rows(grid[found.index + found.span :], 0)
            tables.append(_table(found, rows, caption))
        elif not tables:
            lines.extend(_cell_lines(texts))
        caption = ""
    return DocxPlan(tuple(lines), tuple(tables))


def _table(header: Header, rows: tuple[Row, ...], caption: str) -> Table:
    return Table(header.columns, header.width, rows, caption, flat=False)


def _rows(grid: list[_GridRow], already: int) -> tuple[Row, ...]:
    return tuple(
        Row(already + number, tuple(row.cells), row.merged) for number, row in enumerate(grid, 1)
    )


def _grid(table: DocxTable) -> Iterator[_GridRow]:
    """Yield each row with one text per layout column, each merged cell's text once."""
    for row in table.rows:
        cells = [""] * row.grid_cols_before
        merged: set[int] = set()
        for tc in row._tr.tc_lst:
            if tc.vMerge == _CONTINUE:
                merged.add(len(cells))
                text = ""
            else:
                text = _Cell(tc, table).text
            cells.append(text)
            cells.extend([""] * (tc.grid_span - 1))
        cells.extend([""] * row.grid_cols_after)
        yield _GridRow(cells, frozenset(merged))


def _continues(grid: list[_GridRow], table: Table) -> bool:
    """True when a table without a header goes on with the rows of the appendix above it."""
    if not grid or len(grid[0].cells) != table.width:
        return False
    first = grid[0].cells[0].strip()
    return arabic_number(first) is not None or section_number(first) is not None


def _cell_lines(grid: list[list[str]]) -> Iterator[str]:
    """Yield the text lines of a table above the appendix (the header block), row by row."""
    for cells in grid:
        for text in cells:
            if text:
                yield from text.split("\n")
