"""Which unit the Office means by `@…`: `@Phòng Kế hoạch - Tài chính`, `@KH-TC`, `@Thanh tra`.

A unit name holds spaces and dashes, and a note may follow it, so `@` takes the longest run of
words that names a unit. A unit is named by its canonical name, a spelling the catalog knows (an
alias, an abbreviation, a short name), its name without the head word (`Kế hoạch - Tài chính`) or
without a closing `Sở` (`Thanh tra`), or the initials of that (`KH-TC`, `TCCB`) when only one unit
has them. Pure: the caller passes the names that may be meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.text import match_key
from bot.domain.units import UnitCatalog, unit_key

_HEADS = ("văn phòng ", "phòng ", "ban ", "trung tâm ", "trường ", "chi cục ", "cục ")
_SKIPPED_IN_INITIALS = frozenset({"và", "&"})
_INITIAL = {"trung": "tr"}
#: The longest unit name tried, in words; a name is rarely longer than this.
_MAX_WORDS = 16


@dataclass(frozen=True, slots=True)
class UnitMatch:
    """The unit named and what follows it (the note, the reason)."""

    name: str
    rest: str


class UnitIndex:
    """The spellings of the units that may be meant, each leading to one canonical name."""

    def __init__(self, names: Iterable[str], catalog: UnitCatalog) -> None:
        self.catalog = catalog
        self.names = tuple(dict.fromkeys(names))
        exact: dict[str, str] = {}
        loose: dict[str, set[str]] = {}
        for name in self.names:
            exact.setdefault(unit_key(name), name)
            for spelling in _spellings(name):
                loose.setdefault(spelling, set()).add(name)
        self._exact = exact
        # A spelling two units share (`GDTH`: Tiểu học and Trung học) names neither.
        self._loose = {key: next(iter(found)) for key, found in loose.items() if len(found) == 1}

    def lookup(self, text: str) -> str | None:
        """The unit `text` names exactly (no note after it); None when it names none."""
        key = unit_key(text)
        if not key:
            return None
        if key in self._exact:
            return self._exact[key]
        if key in self._loose:
            return self._loose[key]
        for head in _HEADS:  # `Phòng KH-TC`: the head word, then a short spelling
            if key.startswith(head) and key[len(head) :] in self._loose:
                return self._loose[key[len(head) :]]
        if self.catalog.is_known(text):
            return self.catalog.canonical(text)
        # A catalog that writes abbreviations out (`KH-TC` → `Kế hoạch - Tài chính`).
        written = unit_key(self.catalog.canonical(text))
        return self._exact.get(written) or self._loose.get(written)

    def match_prefix(self, text: str) -> UnitMatch | None:
        """The longest run of words at the start of `text` that names a unit, and the rest."""
        words = text.strip().lstrip("@").split()
        for count in range(min(len(words), _MAX_WORDS), 0, -1):
            name = self.lookup(" ".join(words[:count]))
            if name is not None:
                return UnitMatch(name, " ".join(words[count:]))
        return None

    def closest(self, text: str, limit: int = 3) -> tuple[str, ...]:
        """The names nearest to what was typed, for "did you mean"."""
        words = text.strip().lstrip("@").split()
        keys = {unit_key(name): name for name in self.names}
        keys.update({spelling: name for spelling, name in self._loose.items()})
        found: dict[str, None] = {}
        for count in range(min(len(words), 5), 0, -1):
            typed = unit_key(" ".join(words[:count]))
            for key in difflib.get_close_matches(typed, list(keys), n=limit, cutoff=0.5):
                found.setdefault(keys[key])
            if len(found) >= limit:
                break
        return tuple(found)[:limit]


def _spellings(name: str) -> set[str]:
    """Other ways people type a unit: without its head word or `Sở`, and its initials."""
    key = match_key(name)
    out: set[str] = set()
    if key.endswith(" sở") and len(key) > 6:
        out.add(unit_key(key[: -len(" sở")]))
    for head in _HEADS:
        if key.startswith(head):
            body = key[len(head) :]
            if len(body) >= 3 and body != "sở":
                out.add(unit_key(body))
                out.add(_initials(body))
            break
    out.discard("")
    return out


def _initials(body: str) -> str:
    """`kế hoạch - tài chính` → `kh-tc`; `tổ chức cán bộ` → `tccb`; `giáo dục trung học` →
    `gdtrh` (as agencies write `Trung` apart from `Tiểu`)."""
    parts = [part.split() for part in body.split("-")]
    return "-".join(
        "".join(_INITIAL.get(word, word[0]) for word in words if word not in _SKIPPED_IN_INITIALS)
        for words in parts
        if words
    )
