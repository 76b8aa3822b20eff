"""Cut a long message into parts a chat app accepts, the same way on every channel.

Telegram takes 4,096 characters a message and Zalo 2,000; a `/status` or a merged morning
reminder can be longer. People read the parts one after another, so a cut falls where a reader
would pause: between lines first, then between words; a word is cut only when it alone is longer
than a message. The text is composed to NFC first: NFD Vietnamese (`ệ` as three code points)
would count up to three times its length and could be cut between a letter and its accent.

Lengths are counted in UTF-16 code units, as Telegram counts them: for Vietnamese text that is
one per character, and an emoji beyond the Basic Multilingual Plane counts two, so a part full of
them still fits.
"""

from __future__ import annotations

import unicodedata

from bot.domain.text import nfc

_ZWJ = "\u200d"
#: Characters that belong to the one before them on screen: a cut before them would orphan them.
_JOINERS = frozenset({_ZWJ, "\ufe0e", "\ufe0f"})
_SKIN_TONES = range(0x1F3FB, 0x1F400)


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into parts of at most `limit` UTF-16 units, on lines, then spaces.

    A text that fits comes back whole (composed to NFC); a blank one gives no part at all. At a
    cut the line break or the spaces between the parts are dropped (and blank lines with them),
    so joining the parts of a text cut between lines with "\\n" gives the text back; a line
    keeps its indentation.
    """
    if limit < 2:
        raise ValueError(f"a message limit must be at least 2, got {limit}")
    text = nfc(text)
    if not text.strip():
        return []
    wide = any(ord(ch) > 0xFFFF for ch in text)
    if _window_end(text, 0, limit, wide) >= len(text):
        return [text]
    parts: list[str] = []
    start, end = _resume(text, 0), len(text)
    while start < end:
        stop = _window_end(text, start, limit, wide)
        if stop >= end:
            parts.append(text[start:end].rstrip())
            break
        cut = _cut(text, start, stop)
        part = text[start:cut].rstrip()
        if part:
            parts.append(part)
        start = _resume(text, cut)
    return parts


def _window_end(text: str, start: int, limit: int, wide: bool) -> int:
    """The end of the longest slice from `start` that fits `limit` UTF-16 units."""
    if not wide:
        return start + limit
    units, index = 0, start
    while index < len(text):
        units += 2 if ord(text[index]) > 0xFFFF else 1
        if units > limit:
            break
        index += 1
    return index


def _cut(text: str, start: int, stop: int) -> int:
    """Where the part `text[start:stop]` (too short for the rest) should end.

    The last line break in it; failing that the last space; failing that (one word longer than
    a message) `stop` itself, moved back so that no accent, joiner or skin tone is orphaned.
    """
    if text[stop] == "\n":
        return stop
    newline = text.rfind("\n", start + 1, stop)
    if newline > start:
        return newline
    if text[stop] == " ":
        return stop
    space = text.rfind(" ", start + 1, stop)
    if space > start:
        return space
    cut = stop
    while cut > start + 1 and _belongs_to_previous(text, cut):
        cut -= 1
    return cut


def _belongs_to_previous(text: str, index: int) -> bool:
    char = text[index]
    return (
        unicodedata.combining(char) != 0
        or char in _JOINERS
        or ord(char) in _SKIN_TONES
        or text[index - 1] == _ZWJ
    )


def _resume(text: str, index: int) -> int:
    """Where the part after a cut at `index` begins: past the separator and any blank lines,
    at the start of the next line that has text (its indentation kept), or at the next word."""
    visible = index
    while visible < len(text) and text[visible].isspace():
        visible += 1
    line_start = text.rfind("\n", index, visible) + 1
    if line_start > 0:
        return line_start
    return visible if index > 0 else 0
