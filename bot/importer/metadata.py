"""The plan's identity from its header block: number (`Số: …`), issue date and title.

Decree 30/2020 fixes where these stand in an administrative document: `Số: 187/KH-SGDĐT` top left,
`Hưng Yên, ngày 07 tháng 02 năm 2022` top right, then the document type `KẾ HOẠCH` on its own line
with the title on the next. An appendix sent alone still names its plan (`Kèm theo Kế hoạch số
187/KH-SGDĐT ngày 07/02/2022`), which is used when the header block is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.text import match_key, tidy

_NUMBER = re.compile(r"số\s*:\s*(\S+(?:\s*/\s*\S+)*)", re.IGNORECASE)
_PLACE_DATE = re.compile(
    r",\s*ngày\s+([0-9]{1,2})\s+tháng\s+([0-9]{1,2})\s+năm\s+([0-9]{4})", re.IGNORECASE
)
_DOCUMENT_DATE = re.compile(
    r"ngày\s+([0-9]{1,2})\s+tháng\s+([0-9]{1,2})\s+năm\s+([0-9]{4})", re.IGNORECASE
)
_ATTACHED_TO = re.compile(
    r"kèm theo kế hoạch số\s+(\S+)\s+ngày\s+([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", re.IGNORECASE
)
_YEAR = re.compile(r"\bnăm\s+([0-9]{4})\b", re.IGNORECASE)
_MARKUP = re.compile(r"^[#>\s]+|\*\*|__|^\*|\*$")
# The document types whose next line is the title; a plan often comes as a Quyết định or a
# Thông báo with the plan in its appendix.
_DOCUMENT_TYPES = frozenset(
    {"kế hoạch", "quyết định", "thông báo", "chương trình", "đề án", "chỉ thị", "công văn"}
)


@dataclass(frozen=True, slots=True)
class PlanHeader:
    """Number, issue date and title; empty or None when the document does not show them."""

    number: str
    issued: date | None
    title: str

    @property
    def year(self) -> int | None:
        """The year that dates written without one belong to: the issue year, else the title's."""
        if self.issued is not None:
            return self.issued.year
        match = _YEAR.search(self.title)
        return int(match.group(1)) if match else None


def read_header(lines: Sequence[str]) -> PlanHeader:
    """Read the header block from the document's lines above the appendix table."""
    clean = [_plain(line) for line in lines]
    clean = [line for line in clean if line]
    number = _first_number(clean)
    issued = _first_issue_date(clean)
    attached = _attached_to(clean)
    if attached is not None:
        number = number or attached[0]
        issued = issued or attached[1]
    return PlanHeader(number, issued, _title(clean))


def _plain(line: str) -> str:
    """Tidy a line and drop Markdown decoration (`# `, `**`) that a .md plan may carry."""
    return tidy(_MARKUP.sub("", tidy(line)))


def _first_number(lines: Sequence[str]) -> str:
    for line in lines:
        match = _NUMBER.match(line)
        if match:
            return re.sub(r"\s+", "", match.group(1))
    return ""


def _first_issue_date(lines: Sequence[str]) -> date | None:
    # "Hưng Yên, ngày …" first: a bare "ngày … tháng … năm …" may be a cited decree's date.
    for pattern in (_PLACE_DATE, _DOCUMENT_DATE):
        for line in lines[: _title_index(lines)]:
            match = pattern.search(line)
            if match and (found := _date(*match.groups())):
                return found
    return None


def _attached_to(lines: Sequence[str]) -> tuple[str, date | None] | None:
    for line in lines:
        match = _ATTACHED_TO.search(line)
        if match:
            return match.group(1), _date(*match.groups()[1:])
    return None


def _title_index(lines: Sequence[str]) -> int:
    """Return the position of the `KẾ HOẠCH` (or `QUYẾT ĐỊNH`…) line, or the end if none."""
    for index, line in enumerate(lines):
        if match_key(line) in _DOCUMENT_TYPES:
            return index
    return len(lines)


def _title(lines: Sequence[str]) -> str:
    for line in lines[_title_index(lines) + 1 :]:
        if any(character.isalnum() for character in line):
            return line
    return ""


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None
