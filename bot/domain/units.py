"""Units and unit groups: one name per unit, whatever spelling the plan or a person used.

A plan names the same unit several ways (`Ban ISO`, `Ban ISO Sở`; `các phòng chức năng Sở`,
`Các phòng thuộc Sở`). Reminders, confirmations and reports are keyed by unit, so every spelling is
resolved here to one canonical name before anything is stored. Groups stand for many units; a task
led by a group is owed by each member, which is what `expand` returns.

How a cell is cut into units is decided by the data in `unit_rules` (head words, abbreviations,
role words, collective markers); this module is the algorithm that applies it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from bot.domain import unit_rules
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

_EDGES = " \t.,;:-–—•+*"
_NO_GROUPS: Mapping[str, Sequence[str]] = MappingProxyType({})
_NO_NAMES: Mapping[str, str] = MappingProxyType({})


def _words(words: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """Match any of `words` as a whole word (`&` and `-` count as parts of a word)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w&-])(?:{alternatives})(?![\w&-])", flags)


_WRITTEN = _words(unit_rules.ABBREVIATIONS)
_KEYED_ABBREVIATIONS = {
    match_key(written): match_key(words) for written, words in unit_rules.ABBREVIATIONS.items()
}
_KEYED = _words(_KEYED_ABBREVIATIONS)
# Old and new tone placement (`hoá`/`hóa`, `uỷ`/`ủy`) spell the same word.
_TONE_PAIRS = {
    **{f"o{old}": f"{new}a" for old, new in zip("áàảãạ", "óòỏõọ", strict=True)},
    **{f"u{old}": f"{new}y" for old, new in zip("ýỳỷỹỵ", "úùủũụ", strict=True)},
}
_OLD_TONE = re.compile("|".join(_TONE_PAIRS))
_FOOTNOTE = re.compile(r"\s*\[[0-9]{1,3}\]")
_BULLET = re.compile(r"^(?:[-+•*–]\s*)+")
_HEAD = re.compile(
    r"(?:[-+•*–]\s*)*(?:"
    + "|".join(re.escape(h) for h in sorted(unit_rules.HEAD_WORDS, key=len, reverse=True))
    + r"|"
    + "|".join(re.escape(h) for h in unit_rules.LOWER_STARTS)
    + r")(?![\w&-])"
)
_LIST = re.compile(
    r"(?:các|những)\s+("
    + "|".join(re.escape(h) for h in sorted(unit_rules.LIST_HEADS, key=len, reverse=True))
    + r")\s*:\s*(.+)",
    re.IGNORECASE | re.DOTALL,
)
_LIST_ITEMS = re.compile(r"\s*(?:,|;|\s+và\s+)\s*")
_ROLE = re.compile(r"\s(?:" + "|".join(re.escape(w) for w in unit_rules.ROLE_WORDS) + r")(?!\w)")
_COLLECTIVE = _words(unit_rules.COLLECTIVE_MARKERS)
_SEPARATOR = re.compile(r"\s*[,;\n]\s*|\s+(?:và|VÀ|Và)\s+")
#: A cell longer than this is prose; only its start is read for unit names.
_MAX_CELL = 2_000
#: How many distinct cells a catalog remembers the reading of (cells repeat row after row).
_MAX_CACHED_CELLS = 4096
#: How much text after a separator is looked at to tell whether a new unit starts there.
_LOOKAHEAD = 200


@lru_cache(maxsize=8192)
def unit_key(name: str) -> str:
    """Return the key all spellings of a unit share (`GD&ĐT` = `GDĐT` = `Giáo dục và Đào tạo`).

    Cached: a plan names the same few units in row after row.
    """
    key = _FOOTNOTE.sub("", match_key(name)).strip(_EDGES)
    key = _KEYED.sub(lambda m: _KEYED_ABBREVIATIONS[m.group(0)], key)
    key = _OLD_TONE.sub(lambda m: _TONE_PAIRS[m.group(0)], key)
    key = re.sub(r"\s*/\s*", "/", key)
    key = re.sub(r"\s*&\s*", " và ", key)
    return " ".join(key.split())


def _clean(name: str) -> str:
    """Tidy a unit name for display: NFC, single spaces, abbreviations written out, and no
    bullets, footnote marks or trailing punctuation."""
    text = _FOOTNOTE.sub("", tidy(name)).strip(_EDGES)
    text = re.sub(r"\s*/\s*", "/", text)
    text = _WRITTEN.sub(lambda m: unit_rules.ABBREVIATIONS[m.group(0)], text)
    # A name cut from the middle of a cell (`…, các địa phương`) still starts with a capital.
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class CellUnits:
    """The units of one cell, and those the catalog cannot resolve (for the import warnings)."""

    names: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    collective: tuple[str, ...] = ()


class UnitCatalog:
    """The units and groups the bot knows, and how to read a plan's unit cells against them."""

    def __init__(
        self,
        units: Iterable[str] = (),
        groups: Mapping[str, Sequence[str]] = _NO_GROUPS,
        aliases: Mapping[str, str] = _NO_NAMES,
        short: Mapping[str, str] = _NO_NAMES,
    ) -> None:
        self._names: dict[str, str] = {}
        self._groups: dict[str, tuple[str, ...]] = {}
        self._short: dict[str, str] = {}
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
        for alias, name in aliases.items():
            self._learn(alias, self._learn_new(name))
        for name, short_name in short.items():
            canonical = self._learn_new(name)
            self._short[canonical] = tidy(short_name)
            self._learn(short_name, canonical)
        self._keys_by_length = sorted(self._names, key=len, reverse=True)
        self._cells: dict[str, CellUnits] = {}

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

    def is_collective(self, name: str) -> bool:
        """True for a name that stands for many units (`Các bộ, ngành`), a group or not."""
        return self.is_group(name) or _COLLECTIVE.search(match_key(name)) is not None

    def short_name(self, name: str) -> str:
        """Return the unit's short name for lists (`[units.short]`), else its canonical name."""
        canonical = self.canonical(name)
        return self._short.get(canonical, canonical)

    def closest(self, name: str) -> str | None:
        """Return the known unit whose name is nearest to `name`, if any is near at all."""
        keys = difflib.get_close_matches(unit_key(name), list(self._names), n=1, cutoff=0.6)
        return self._names[keys[0]] if keys else None

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
        """Split a table cell into canonical unit names, in order and without repeats."""
        return self.read_cell(cell).names

    def read_cell(self, cell: str) -> CellUnits:
        """Split a cell into units, cut only where a new unit starts (DESIGN: Units in a cell).

        `Sở Văn hóa, Thể thao và Du lịch` stays whole; `Sở Tài chính, Sở Nội vụ và UBND các
        huyện` is three units; `Các Sở: Tài chính, Nội vụ` spreads its head over the list.
        """
        cell = cell[:_MAX_CELL]
        if (known := self._cells.get(cell)) is not None:
            return known
        if len(self._cells) >= _MAX_CACHED_CELLS:
            self._cells.clear()
        self._cells[cell] = found = self._read(cell)
        return found

    def _read(self, cell: str) -> CellUnits:
        names: list[str] = []
        for piece in self._pieces(nfc(cell)):
            names.extend(self._spread(piece))
        found = tuple(name for name in _unique(names) if name)
        unknown = tuple(n for n in found if not self.is_known(n) and not self.is_collective(n))
        # A known group stands for its members (or, without any, for itself as the Office set
        # it up); only a collective name the catalog has never heard of needs a warning.
        collective = tuple(n for n in found if self.is_collective(n) and not self.is_known(n))
        return CellUnits(found, unknown, collective)

    def _pieces(self, text: str) -> Iterator[str]:
        """Yield the cell's unit texts; a separator counts only before the start of a new unit.

        A `;` always separates, and nothing inside parentheses does (`Bộ Công an (Trung tâm Dữ
        liệu quốc gia)` is one unit).
        """
        current: list[str] = []
        position = 0
        depth = 0
        for match in _SEPARATOR.finditer(text):
            before = text[position : match.start()]
            depth += before.count("(") - before.count(")")
            current.append(before)
            following = text[match.end() : match.end() + _LOOKAHEAD]
            if depth <= 0 and (";" in match.group(0) or self._starts_unit(following)):
                yield "".join(current)
                current = []
            else:
                current.append(match.group(0))
            position = match.end()
        current.append(text[position:])
        yield "".join(current)

    def _starts_unit(self, text: str) -> bool:
        """True when `text` begins with a head word (capitalised) or a name the catalog knows."""
        if _HEAD.match(text):
            return True
        key = unit_key(_BULLET.sub("", text))
        return any(
            key.startswith(known) and key[len(known) : len(known) + 1] in ("", " ", ",")
            for known in self._keys_by_length
        )

    def _spread(self, piece: str) -> list[str]:
        """Read one unit text: a prefix list spreads its head; role text after a name is cut."""
        text = _BULLET.sub("", tidy(piece)).strip(_EDGES)
        if not text:
            return []
        if match := _LIST.fullmatch(text):
            head = match.group(1)
            head = head[:1].upper() + head[1:]
            items = [item.strip(_EDGES) for item in _LIST_ITEMS.split(match.group(2))]
            return [self.canonical(f"{head} {item}") for item in items if item]
        if self.is_known(text):
            return [self.canonical(text)]
        if role := _ROLE.search(text):
            text = text[: role.start()]
        return [self.canonical(text)] if text.strip(_EDGES) else []


def lead_and_support(
    lead_cell: str, support_cell: str, catalog: UnitCatalog
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read a task's lead and supporting units; a unit that leads is not also a supporter."""
    lead = catalog.parse_cell(lead_cell)
    support = tuple(unit for unit in catalog.parse_cell(support_cell) if unit not in lead)
    return lead, support


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
