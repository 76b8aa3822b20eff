"""Short unit names for lists on a phone: `P. KH-TC` for `Phòng Kế hoạch - Tài chính`.

A configured short name (`[units.short]`) always wins. Otherwise a name that is short already is
kept; a department-like name (`Phòng …`, `Ban …`, `Sở …`) is written the way Vietnamese offices
abbreviate it, the first letter of each syllable without its marks (`Tổ chức cán bộ` → `TCCB`,
`và` → `&`, `Đ` kept); any other name (a school, a named centre, a collective) is kept, cut to a
readable length: `Trường THCS Nguyễn Trãi` must stay recognisable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from bot.domain.text import tidy

#: Names up to this many characters are shown as they are.
SHORT_ENOUGH = 16
#: A name that cannot be abbreviated is cut to this many characters.
LONGEST = 40

# Head words that start a common-noun unit name, and how they are written in a short name.
_HEADS = (("Phòng", "P."), ("Ban", "Ban"), ("Sở", "Sở"))
_NO_SHORT: Mapping[str, str] = MappingProxyType({})
_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)


def short_name(name: str, configured: Mapping[str, str] = _NO_SHORT) -> str:
    """Return the name a list on a phone shows for `name`."""
    if name in configured:
        return configured[name]
    name = tidy(name)
    if len(name) <= SHORT_ENOUGH:
        return name
    for head, short_head in _HEADS:
        if name.startswith(head + " "):
            initials = _initials(name[len(head) + 1 :])
            if initials:
                return f"{short_head} {initials}"
    return _cut(name)


def _initials(phrase: str) -> str:
    """`Kế hoạch - Tài chính` → `KH-TC`; '' when the phrase is not a plain common-noun phrase.

    Commas (a collective: `các huyện, thị xã`), digits and bracketed parts are left alone.
    """
    if any(mark in phrase for mark in ",;()/0123456789"):
        return ""
    pieces = [piece.strip() for piece in phrase.split(" - ")]
    out: list[str] = []
    for piece in pieces:
        words = piece.split()
        if not words:
            return ""
        letters: list[str] = []
        for word in words:
            if word.lower() == "và":
                letters.append("&")
            elif word.isupper() and len(word) > 1:  # an acronym already: GDĐT
                letters.append(word)
            elif not _SYLLABLE.fullmatch(word):
                return ""
            else:
                letters.append(_letter(word[0]))
        joined = "".join(letters)
        # The Sở GDĐT's own usage: Giáo dục Trung học is GDTrH, not GDTH (Tiểu học).
        if [w.lower() for w in words[-2:]] == ["trung", "học"]:
            joined = joined[:-2] + "TrH"
        out.append(joined)
    result = "-".join(out)
    return result if len(result) >= 2 else ""


def _letter(first: str) -> str:
    """A syllable's initial as offices write it: no tone or vowel marks, but Đ stays Đ."""
    upper = first.upper()
    if upper == "Đ":
        return upper
    return unicodedata.normalize("NFD", upper)[0]


def _cut(name: str) -> str:
    if len(name) <= LONGEST:
        return name
    return name[: LONGEST - 1].rstrip(" ,;-") + "…"
