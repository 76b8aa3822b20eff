"""Units and unit groups: one name per unit, whatever spelling the plan or a person used.

A plan names the same unit several ways (`Ban ISO`, `Ban ISO Sở`; `các phòng chức năng Sở`,
`Các phòng thuộc Sở`). Reminders, confirmations and reports are keyed by unit, so every spelling is
resolved here to one canonical name before anything is stored. Groups stand for many units; a task
led by a group is owed by each member, which is what `expand` returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from bot.domain.text import match_key, nfc, tidy

BAN_ISO = "Ban ISO Sở"
LEADERSHIP = "Lãnh đạo Sở"
OFFICE = "Văn phòng Sở"
DEPARTMENTS = "Các phòng thuộc Sở"
DISTRICT_OFFICES = "Phòng GDĐT các huyện, thị xã, thành phố"
AFFILIATES = "Các đơn vị trực thuộc Sở"

UNIT_NAMES: tuple[str, ...] = (BAN_ISO, LEADERSHIP, OFFICE)
GROUP_NAMES: tuple[str, ...] = (DEPARTMENTS, DISTRICT_OFFICES, AFFILIATES)

# The other spellings the plan itself uses (DESIGN: Domain), each mapped to its canonical name.
ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "Ban ISO": BAN_ISO,
        "các phòng chức năng Sở": DEPARTMENTS,
        "các phòng chuyên môn, nghiệp vụ thuộc Sở": DEPARTMENTS,
        "Phòng GDĐT các huyện/TP/TX": DISTRICT_OFFICES,
        "các phòng Giáo dục và Đào tạo huyện, thị xã, thành phố": DISTRICT_OFFICES,
    }
)

# Names of Vietnamese sectors that contain "và" or a comma; an unknown unit named after one of
# them ("Sở Giáo dục và Đào tạo") must not be cut in two when a cell is split into units.
_SECTOR_PHRASES = (
    r"giáo dục và đào tạo",
    r"khoa học và công nghệ",
    r"thông tin và truyền thông",
    r"tài nguyên và môi trường",
    r"kế hoạch và đầu tư",
    r"nông nghiệp và phát triển nông thôn",
    r"lao động\s*-\s*thương binh và xã hội",
    r"văn h(?:óa|oá), thể thao và du lịch",
)
_SECTORS = re.compile("|".join(p.replace(" ", r"\s+") for p in _SECTOR_PHRASES), re.IGNORECASE)
_SEPARATOR = re.compile(r"(\s*[,;\n]\s*|\s+và\s+)", re.IGNORECASE)
# Stand-ins for separators inside a protected phrase while a cell is split.
_HIDDEN = {",": "\x00", "và": "\x01", "VÀ": "\x02", "Và": "\x03"}
_EDGES = " \t.,;:-–—•+*"
# The longest run of cell fragments tried as one name; known names have at most a few commas.
_MAX_FRAGMENTS = 8
_NO_GROUPS: Mapping[str, Sequence[str]] = MappingProxyType({})


def unit_key(name: str) -> str:
    """Return the key all spellings of a unit share (`GD&ĐT` = `GDĐT`, `TP / TX` = `TP/TX`)."""
    key = match_key(name).strip(_EDGES)
    key = re.sub(r"\s*/\s*", "/", key)
    return re.sub(r"\s*&\s*", "", key)


def _clean(name: str) -> str:
    """Tidy a unit name for display: NFC, single spaces, no bullets or trailing punctuation."""
    return tidy(name).strip(_EDGES)


class UnitCatalog:
    """The units and groups the bot knows, and how to read a plan's unit cells against them."""

    def __init__(
        self,
        units: Iterable[str] = (),
        groups: Mapping[str, Sequence[str]] = _NO_GROUPS,
    ) -> None:
        self._names: dict[str, str] = {}
        self._groups: dict[str, tuple[str, ...]] = {}
        for name in (*UNIT_NAMES, *GROUP_NAMES):
            self._learn(name, name)
        for alias, name in ALIASES.items():
            self._learn(alias, name)
        for name in GROUP_NAMES:
            self._groups[name] = ()
        for unit in units:
            self._learn_new(unit)
        for group, members in groups.items():
            name = self._learn_new(group)
            known = self._groups.get(name, ())
            self._groups[name] = _unique((*known, *(self._learn_new(m) for m in members)))

    def _learn(self, spelling: str, name: str) -> None:
        key = unit_key(spelling)
        if key:
            self._names.setdefault(key, name)

    def _learn_new(self, spelling: str) -> str:
        """Register a name from the config unless it is another spelling of a known one."""
        name = self.canonical(spelling)
        self._learn(name, name)
        return name

    def canonical(self, name: str) -> str:
        """Return the unit's canonical name; an unknown name is kept as written, only tidied."""
        return self._names.get(unit_key(name), _clean(name))

    def is_known(self, name: str) -> bool:
        return unit_key(name) in self._names

    def is_group(self, name: str) -> bool:
        return self.canonical(name) in self._groups

    @property
    def units(self) -> tuple[str, ...]:
        """Every canonical unit and group name, built-in ones first."""
        return _unique(self._names.values())

    def members(self, group: str) -> tuple[str, ...]:
        """Return the group's members as configured; () for a unit or a group with none listed."""
        return self._groups.get(self.canonical(group), ())

    def expand(self, name: str) -> tuple[str, ...]:
        """Return the units that owe a task given to `name`: a group's members, or the unit.

        A group whose members are not configured stands for itself, so that its tasks are still
        owed by someone (the Office sees them) rather than silently by nobody.
        """
        return _unique(self._expand(self.canonical(name), frozenset()))

    def _expand(self, name: str, seen: frozenset[str]) -> Iterable[str]:
        if name in seen:  # a group listed inside itself (config mistake) adds nobody new
            return ()
        members = self._groups.get(name, ())
        if not members:
            return (name,)
        return [unit for member in members for unit in self._expand(member, seen | {name})]

    def parse_cell(self, cell: str) -> tuple[str, ...]:
        """Split a table cell into canonical unit names, in order and without repeats.

        The cell is cut at `,`, `;`, line breaks and ` và `; fragments are then joined back while
        together they spell a known name, so `Phòng GDĐT các huyện, thị xã, thành phố` stays one.
        """
        text = _SECTORS.sub(_hide_separators, nfc(cell))
        parts = _SEPARATOR.split(text)
        fragments, separators = parts[0::2], parts[1::2]
        names: list[str] = []
        start = 0
        while start < len(fragments):
            end, name = self._longest_known(fragments, separators, start)
            if end == start:
                name = self.canonical(_show_separators(fragments[start]))
            if name:
                names.append(name)
            start = end + 1
        return _unique(names)

    def _longest_known(
        self, fragments: list[str], separators: list[str], start: int
    ) -> tuple[int, str]:
        """Find the longest run fragments[start..end] (end > start) that spells a known name."""
        last = min(len(fragments) - 1, start + _MAX_FRAGMENTS)
        for end in range(last, start, -1):
            joined = fragments[start] + "".join(
                separators[i] + fragments[i + 1] for i in range(start, end)
            )
            name = self._names.get(unit_key(_show_separators(joined)))
            if name:
                return end, name
        return start, ""


def lead_and_support(
    lead_cell: str, support_cell: str, catalog: UnitCatalog
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read a task's lead and supporting units; a unit that leads is not also a supporter."""
    lead = catalog.parse_cell(lead_cell)
    support = tuple(unit for unit in catalog.parse_cell(support_cell) if unit not in lead)
    return lead, support


def _hide_separators(match: re.Match[str]) -> str:
    text = match.group(0)
    for separator, stand_in in _HIDDEN.items():
        text = text.replace(separator, stand_in)
    return text


def _show_separators(text: str) -> str:
    for separator, stand_in in _HIDDEN.items():
        text = text.replace(stand_in, separator)
    return text


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
