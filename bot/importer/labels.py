"""Task labels: the plan's own numbering, made unique (DESIGN: `label`).

People find a task in the printed plan by its printed number, but many appendices restart the
numbering in each section (I: 1, 2, 3; II: 1, 2…), print sub-rows without a number, or repeat a
number by mistake. A label keeps what is printed and adds only what makes it unique: the
section's number when numbering restarts (`II.3`), a letter for an unnumbered sub-row (`II.1b`)
or a repeated number (`22b`).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Numbered:
    """One task as printed: its number ("" when none), its section's number, and its run.

    `section` counts the sections in document order (0 before any heading), so that two
    sections with the same printed number still restart apart.
    """

    printed: str
    section_number: str
    section: int


def make_labels(tasks: Sequence[Numbered]) -> list[str]:
    """Return one unique label per task, in order."""
    prefix = _restarts(tasks)
    used: set[str] = set()
    labels: list[str] = []
    previous: Numbered | None = None
    previous_base = ""
    sub_rows = 0
    in_section = 0
    for task in tasks:
        if previous is None or task.section != previous.section:
            in_section = 0
        in_section += 1
        if task.printed:
            base = _prefixed(task.section_number, task.printed, prefix)
            sub_rows = 0
        elif previous is not None and previous.section == task.section:
            sub_rows += 1
            base = previous_base + _letter(sub_rows)
        else:  # an unnumbered first task of its section: number it as the section's first
            base = _prefixed(task.section_number, str(in_section), True)
            sub_rows = 0
        label = _unique(base, used)
        used.add(label)
        if task.printed or not previous or previous.section != task.section:
            previous_base = label
        labels.append(label)
        previous = task
    return labels


def _restarts(tasks: Sequence[Numbered]) -> bool:
    """True when a later section's numbering starts again below what earlier ones reached."""
    highest = 0
    section = None
    for task in tasks:
        top = task.printed.split(".")[0]
        if not (top.isascii() and top.isdigit()):
            continue
        value = int(top)
        if task.section != section:
            if section is not None and value <= highest:
                return True
            section = task.section
        highest = max(highest, value)
    return False


def _prefixed(section_number: str, number: str, prefix: bool) -> str:
    return f"{section_number}.{number}" if prefix and section_number else number


def _letter(count: int) -> str:
    """Return `b` for the first sub-row, `c` for the next… (`a` is the numbered row itself)."""
    letters = string.ascii_lowercase
    index = count  # 1 → "b"
    if index < len(letters):
        return letters[index]
    return letters[-1] + str(index)


def _unique(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    count = 1
    while (candidate := base + _letter(count)) in used:
        count += 1
    return candidate
