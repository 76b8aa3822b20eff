"""Translations loaded straight from the `.po` catalogs under `locales/`.

Catalogs are compiled in memory at first use: the `.po` files stay the only source of truth and a
checkout never runs with a stale `.mo`. Each part of the bot keeps its own catalog (`core.po`,
`talk.po`, `remind.po`, …) so that parts can be translated and reviewed separately; they are merged
into one translation per language. Message ids are English; English replies are the ids themselves.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from locales import LOCALES_DIR

DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")


@cache
def translations(language: str) -> Translations:
    """Merge every catalog of one language into a single gettext translation."""
    merged: Translations | None = None
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        loaded = Translations(fp=buffer)
        # The first catalog is the base so that its Plural-Forms header governs ngettext.
        merged = loaded if merged is None else merged.merge(loaded)
    return merged if merged is not None else Translations()


class Translator:
    """The gettext calls for one language; placeholders are named and filled after translating."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._translations = translations(self.language)

    def gettext(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, count)
        return text.format(count=count, **values)


def translator(language: str | None = None) -> Translator:
    return Translator(language or DEFAULT_LANGUAGE)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for a deferred message
    """Mark a message for extraction without translating it yet."""
    return message


def chat_date(value: date | datetime) -> str:
    """A date as people read it in chat: dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")


def document_date(value: date) -> str:
    """A date in Nghị định 30/2020's form: ngày 07 tháng 02 năm 2022, ngày 05 tháng 6 năm 2022."""
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"
