"""Every text a person can read is in the Vietnamese catalog, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from bot.i18n import translations

REPO = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def known(msgid: str) -> bool:
    catalog = translations("vi")._catalog
    return msgid in catalog or (msgid, 0) in catalog


def used_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("bot", "handlers", "scheduler"):
        for filename, _line, message, _comments, _context in extract_from_dir(
            REPO / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            singular = message[0] if isinstance(message, tuple) else message
            if singular:
                found[singular] = f"{folder}/{filename}"
    return found


def test_every_message_has_a_vietnamese_translation() -> None:
    missing = [
        f"{where}: {msgid!r}" for msgid, where in used_messages().items() if not known(msgid)
    ]
    assert missing == [], "untranslated:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    vi = translations("vi")
    wrong = []
    for msgid in used_messages():
        catalog = vi._catalog
        translated = catalog.get(msgid) or catalog.get((msgid, 0)) or msgid
        if set(PLACEHOLDER.findall(translated)) != set(PLACEHOLDER.findall(msgid)):
            wrong.append(f"{msgid!r} → {translated!r}")
    assert wrong == []
