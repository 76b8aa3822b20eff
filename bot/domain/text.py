"""Text normalisation shared by the time-expression parser, the unit catalog and the importer.

Plans arrive from Word, LibreOffice, web forms and chat: the same words come in NFC or NFD, with
non-breaking spaces, doubled spaces and three kinds of dash. Everything that compares text goes
through `match_key`, and everything that is shown back to people goes through `tidy`, so that two
spellings a person would call equal are equal to the bot too.
"""

from __future__ import annotations

import re
import unicodedata

# Every dash-like character Word's autocorrect and keyboards produce, mapped to a hyphen-minus.
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−⁃﹘﹣－"), "-")
# Characters that take no space on screen but break `==` between two equal-looking strings.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"\s+")


#: NUL (PostgreSQL refuses it in text) and lone surrogates (no encoding can store them) can
#: arrive in a JSON body or a stray byte of a .txt export; they become U+FFFD, never a crash.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """Replace the characters no database or encoder accepts with U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def nfc(text: str) -> str:
    """Compose combining marks (NFD `ê` + `́`) into single characters (`ế`), storably."""
    return unicodedata.normalize("NFC", storable(text))


def fold_spaces(text: str) -> str:
    """Turn any run of whitespace (tabs, newlines, NBSP) into one space and trim the ends."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def unify_dashes(text: str) -> str:
    """Write every dash as `-`, so `01/6 – 30/7` and `01/6 - 30/7` read the same."""
    return text.translate(_DASHES)


def tidy(text: str) -> str:
    """Prepare text for display: NFC with single spaces; dashes and case stay as written."""
    return fold_spaces(nfc(text))


def match_key(text: str) -> str:
    """Return a key for comparing text: NFC, one space, `-` for any dash, and casefolded.

    Diacritics are kept on purpose: `Hằng tháng` and `Hàng tháng` are both valid, but `Quý` and
    `Quy` are different words. `Đ` casefolds to `đ`, not to `d`.
    """
    return nfc(unify_dashes(tidy(text)).casefold())
