"""Read a plan document (.txt, .md or .docx) into a `ParsedPlan`."""

from __future__ import annotations

import codecs
from pathlib import Path

import docx

from bot.domain.model import Every, ParsedPlan
from bot.domain.text import nfc
from bot.domain.timeexpr import DEFAULT_ROUTINE_EVERY
from bot.domain.units import UnitCatalog
from bot.i18n import DEFAULT_LANGUAGE, Translator
from bot.importer.assemble import build_plan
from bot.importer.docx_reader import read_document
from bot.importer.errors import PlanFormatError
from bot.importer.text_tables import find_pipe_tables, find_tab_tables

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
DOCX_SUFFIX = ".docx"


def read_plan(
    path: Path,
    catalog: UnitCatalog | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    routine_every: Every = DEFAULT_ROUTINE_EVERY,
) -> ParsedPlan:
    """Read a plan file; raise `PlanFormatError` (translated, naming the file) if it is none.

    `routine_every` is the period a bare "Thường xuyên" stands for (`[reminders]`).
    """
    translator = Translator(language)
    path = Path(path)
    catalog = catalog or UnitCatalog()
    suffix = path.suffix.lower()
    try:
        if suffix == DOCX_SUFFIX:
            return _read_docx(path, catalog, translator, routine_every)
        if suffix in TEXT_SUFFIXES:
            return parse_plan_text(
                _read_text(path, translator),
                catalog,
                language=language,
                routine_every=routine_every,
            )
        raise PlanFormatError(
            translator.gettext(
                "Unsupported file type “{suffix}”. Expected a plan as a .docx, .txt or .md file"
                " (a .doc or .pdf file: open it in Word and save it as .docx).",
                suffix=path.suffix or path.name,
            )
        )
    except PlanFormatError as error:
        raise PlanFormatError(f"{path.name}: {error}") from error.__cause__


def parse_plan_text(
    text: str,
    catalog: UnitCatalog | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    routine_every: Every = DEFAULT_ROUTINE_EVERY,
) -> ParsedPlan:
    """Parse a plan given as text: a tab-separated appendix, or a Markdown pipe table."""
    translator = Translator(language)
    lines = nfc(text).removeprefix("\ufeff").splitlines()
    found = find_tab_tables(lines) or find_pipe_tables(lines)
    if found is None:
        raise PlanFormatError(_no_appendix(translator))
    return build_plan(
        found.preamble, found.tables, catalog or UnitCatalog(), translator, routine_every
    )


def _read_docx(
    path: Path, catalog: UnitCatalog, translator: Translator, routine_every: Every
) -> ParsedPlan:
    try:
        document = docx.Document(str(path))
    except OSError as error:
        raise PlanFormatError(_unreadable(translator, error)) from error
    except Exception as error:
        # python-docx reports a damaged or foreign file with many exception types (zip, XML,
        # missing part); to the user they all mean the same thing.
        raise PlanFormatError(
            translator.gettext(
                "The file is not a valid Word document (.docx) or it is damaged. Open it in Word"
                " or LibreOffice and save it again as .docx."
            )
        ) from error
    content = read_document(document)
    if not content.tables:
        raise PlanFormatError(_no_appendix(translator))
    return build_plan(content.lines, content.tables, catalog, translator, routine_every)


def _read_text(path: Path, translator: Translator) -> str:
    """Read UTF-8 (with or without BOM) or UTF-16 with BOM, as Notepad saves "Unicode"."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PlanFormatError(_unreadable(translator, error)) from error
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlanFormatError(
            translator.gettext(
                "The file is not UTF-8 text. Save it again with the UTF-8 encoding, or as .docx."
            )
        ) from error


def _unreadable(translator: Translator, error: OSError) -> str:
    return translator.gettext(
        "The file could not be opened ({reason}). Expected a readable .docx, .txt or .md file.",
        reason=error.strerror or error.__class__.__name__,
    )


def _no_appendix(translator: Translator) -> str:
    return translator.gettext(
        "No appendix table of tasks was found. Expected a table whose header row has the columns"
        " TT, Nội dung, Đơn vị chủ trì, Đơn vị phối hợp and Thời gian thực hiện: separated by"
        " tabs in a .txt file, a pipe table in a .md file, a table in a .docx file."
    )
