"""Turn a chat message into a command: `/done 6 ghi chú`, `/xong@nhacviec_bot 6`, `done 6` (Zalo).

The same parser serves every channel, so a command means the same thing wherever it is typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.text import nfc

#: Canonical command → its Vietnamese alias. Telegram allows only a-z, 0-9 and _ in names.
ALIASES: dict[str, tuple[str, ...]] = {
    "start": ("batdau",),
    "help": ("trogiup",),
    "tasks": ("viec",),
    "done": ("xong",),
    "undo": ("huy",),
    "snooze": ("hoanlai",),
    "status": ("tinhhinh",),
    "deadline": ("hanchot",),
    "extend": ("giahan",),
    "verify": ("duyet",),
    "reject": ("tuchoi",),
    "invite": ("moi",),
    "contacts": ("danhba",),
    "revoke": ("thuhoi",),
    "lang": ("ngonngu",),
    "report": ("baocao",),
    "channel": ("kenh",),
    "link": ("lienket",),
    "plans": ("kehoach",),
    "evidence": ("minhchung",),
}

_BY_NAME = {alias: name for name, aliases in ALIASES.items() for alias in (name, *aliases)}
UNKNOWN = "?"
MAX_COMMAND_TEXT = 4096


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: `name` is canonical (or UNKNOWN), `typed` what the person wrote."""

    name: str
    typed: str
    args: tuple[str, ...]
    rest: str

    @property
    def is_known(self) -> bool:
        return self.name != UNKNOWN


def parse_command(text: str, *, allow_bare: bool = False) -> Command | None:
    """Parse a message; None when it is not a command at all.

    With `allow_bare` (Zalo, where people type without the slash), a first word that is a known
    command or alias counts as a command; any other text is not one.
    """
    text = nfc(text or "")[:MAX_COMMAND_TEXT].strip()
    if not text:
        return None
    first, _, rest = text.partition(" ")
    first_line_break = first.find("\n")
    if first_line_break >= 0:
        rest = first[first_line_break + 1 :] + (" " + rest if rest else "")
        first = first[:first_line_break]
    if first.startswith("/"):
        typed = first[1:].split("@", 1)[0].casefold()
        name = _BY_NAME.get(typed, UNKNOWN)
    elif allow_bare and first.casefold() in _BY_NAME:
        typed = first.casefold()
        name = _BY_NAME[typed]
    else:
        return None
    rest = rest.strip()
    return Command(name=name, typed=typed, args=tuple(rest.split()), rest=rest)


def parse_task_number(value: str) -> int | None:
    """A task number as people type it: `6`, `06`, `#6`, `TT6`; None when it is not one."""
    cleaned = value.strip().lstrip("#").casefold().removeprefix("tt").strip(".:")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 6:
        return None
    return int(cleaned)
