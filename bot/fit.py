"""Make a status or a digest fit one chat message, whatever the plan's size.

Telegram takes 4,096 characters a message and Zalo 2,000 (counted in UTF-16 units). A status is
read on a phone: one message with the summary on top beats three with the summary at the
bottom, so long lists are cut here, saying how many were left out and where the full list is,
instead of being split into parts by the channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from babel.numbers import format_decimal

from bot.domain.short_names import short_name
from bot.domain.text import nfc
from bot.i18n import Translator

TELEGRAM_LIMIT = 4096
ZALO_LIMIT = 2000
#: Where a channel is not known (console, CLI), a status is still kept to Telegram's size.
DEFAULT_LIMIT = TELEGRAM_LIMIT
_LIMITS = {"telegram": TELEGRAM_LIMIT, "zalo": ZALO_LIMIT}
#: A list of units longer than this ends with "và N đơn vị khác".
UNITS_AT_MOST = 10


def limit_for(channel: str) -> int:
    """The length of one message on `channel`."""
    return _LIMITS.get(channel, DEFAULT_LIMIT)


def length(text: str) -> int:
    """The length a chat app counts: UTF-16 units of the composed text."""
    return len(nfc(text).encode("utf-16-le")) // 2


def unit_list(
    units: Sequence[str],
    tr: Translator,
    *,
    at_most: int = UNITS_AT_MOST,
    short: Mapping[str, str] | None = None,
) -> str:
    """`P. KH-TC, P. TCCB và 3 đơn vị khác`: short names, cut after `at_most`."""
    names = [short_name(unit, short or {}) for unit in units[:at_most]]
    shown = ", ".join(names)
    rest = len(units) - len(names)
    if rest <= 0:
        return shown
    return tr.ngettext(
        "{units} and {others} other unit",
        "{units} and {others} other units",
        rest,
        units=shown,
        others=number(rest, tr),
    )


def number(value: int, tr: Translator) -> str:
    """10.000 in Vietnamese, 10,000 in English."""
    return format_decimal(value, locale=tr.language)


def number_ranges(numbers: Iterable[int]) -> str:
    """`1–4, 6, 9–10`: task numbers with runs of three or more written as a range."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{ordered[start]}–{ordered[end]}")
        else:
            parts.extend(str(n) for n in ordered[start : end + 1])
        start = end + 1
    return ", ".join(parts)


def capped(text: str, room: int) -> str:
    """`text` cut at a comma to fit `room`, ending in "…"."""
    if length(text) <= room:
        return text
    cut = text[: max(room - 1, 0)]
    comma = cut.rfind(",")
    return (cut[:comma] if comma > 0 else cut).rstrip() + ", …"


@dataclass
class Section:
    """A titled list of items; what does not fit is counted by `more(count)`."""

    title: str
    items: list[str]
    more: Callable[[int], str]
    #: What the section becomes when not even one item fits: one line, counted.
    collapsed: str = ""

    def fitted(self, room: int) -> str:
        """The title and as many items as fit in `room`, then the count of the others."""
        whole = "\n".join([self.title, *self.items])
        if length(whole) <= room:
            return whole
        lines = [self.title]
        used = length(self.title)
        for index, item in enumerate(self.items):
            more = self.more(len(self.items) - index)
            if used + 1 + length(item) + 1 + length(more) > room:
                lines.append(more)
                break
            lines.append(item)
            used += 1 + length(item)
        if len(lines) == 2:  # the title and the count alone: one line says it better
            return self.collapsed or "\n".join(lines)
        return "\n".join(lines)


@dataclass
class Message:
    """A message of fixed parts (head, tail) and sections that share what room is left."""

    head: list[str]
    sections: list[Section] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def render(self, limit: int) -> str:
        """Join the parts; sections are cut, in order, so that the whole fits `limit`."""
        fixed = "\n\n".join(part for part in (*self.head, *self.tail) if part)
        blocks: list[str] = []
        used = length(fixed)
        for index, section in enumerate(self.sections):
            later = self.sections[index + 1 :]
            # Each later section keeps room for at least its one-line form.
            reserved = sum(length(s.collapsed or s.title) + 2 for s in later)
            room = limit - used - reserved - 2
            text = section.fitted(room) if room > 0 else (section.collapsed or section.title)
            blocks.append(text)
            used += length(text) + 2
        parts = [part for part in (*self.head, *blocks, *self.tail) if part]
        return cut_to(limit, "\n\n".join(parts))


def cut_to(limit: int, text: str) -> str:
    """`text` cut after its last whole line that fits `limit`, as a last resort only."""
    if length(text) <= limit:
        return text
    lines = text.split("\n")
    while lines and length("\n".join([*lines, "…"])) > limit:
        lines.pop()
    return "\n".join([*lines, "…"]) if lines else text[: max(limit - 1, 0)] + "…"
