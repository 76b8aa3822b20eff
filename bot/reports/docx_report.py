"""The year report as a Word document in the layout of Nghị định 30/2020/NĐ-CP.

The Office signs and sends this as it is, so the layout follows the decree: A4, margins top and
bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13–14 pt; the two-column heading (issuing
agency left, national motto right); the title; the body; "Nơi nhận" and the signature block.
Numbers, dates and unit lines come from `ReportData`; sentences come from the catalog.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from bot.domain.model import ScheduleKind, StateKind
from bot.i18n import Translator, chat_date, document_date
from bot.presentation import state_label
from bot.reports.citation import (
    about,
    cited_document,
    cited_document_in_text,
    document_kind,
    report_number,
    report_subject,
)
from bot.reports.data import AssignmentRow, ReportData, TaskRow
from bot.reports.summary import (
    awaiting_units,
    current_rows,
    open_units,
    summary_sentences,
    task_progress,
)
from bot.reports.text import (
    every_label,
    is_awaiting,
    is_missed,
    is_recurring,
    is_support,
    lead_rows,
    local_date,
    period_label,
    support_label,
)

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]
# The heading runs 5 mm into each side margin, as agencies' templates do, so that the national
# name fits one line at 12 pt.
HEADING_WIDTHS_MM = (72, TEXT_WIDTH_MM + 10 - 72)
LANDSCAPE_TEXT_WIDTH_MM = PAGE_HEIGHT_MM - MARGINS_MM["left"] - MARGINS_MM["right"]
# TT, Nội dung, Đơn vị chủ trì, Thời hạn, Kết quả, Ngày hoàn thành, Ghi chú: the landscape width.
TABLE_WIDTHS_MM = (10, 48, 26, 28, 72, 24, 44)
BLANK = "\u00a0" * 6  # the gap the Office fills by hand: "Số:      /BC-…"
SIGNATURE_LINES = 4  # empty lines between the signer's title and name, room to sign and seal
LIST_LIMIT = 10  # units or notes named per task in the body; the appendix has them all


def write_year_report(
    data: ReportData, path: Path, *, tr: Translator, appendix: bool = True
) -> Path:
    """Write the year report of `data` as a .docx at `path` and return the path.

    The task table has seven columns of unit lines, too wide for a portrait page, so it goes on
    landscape pages. With `appendix` (the default) those pages are a "Phụ lục" after the
    signature, the way the plan itself carries its task list and reports of this kind do; the
    body then stays on one or two portrait pages. Without it, the table sits in section I.2,
    before "Nơi nhận", on landscape pages of its own.
    """
    path = Path(path)
    document = Document()
    _set_up_page(document)
    _set_up_fonts(document)
    _set_properties(document, data, tr)
    _heading(document, data, tr)
    _title(document, data, tr)
    _opening(document, data, tr)
    _results(document, data, tr, appendix=appendix)
    _shortcomings(document, data, tr)
    _proposals(document, tr)
    closing = _body(
        document,
        tr.gettext(
            "This is the report on carrying out {document}./.",
            document=cited_document(data.plan_number, data.plan_issued, tr),
        ),
    )
    closing.paragraph_format.keep_with_next = True  # never a signature page without text
    _recipients_and_signature(document, data, tr)
    if appendix:
        _start_section(document, landscape=True)
        _appendix_heading(document, data, tr)
        _task_table(document, data, tr)
    document.save(str(path))
    return path


# Child order of w:pPr and w:tblPr in the OOXML schema (ECMA-376 §17.3.1.26, §17.4.60).
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip


# --- page, fonts, properties -------------------------------------------------------------------


def _set_up_page(document: DocxDocument) -> None:
    """A4 portrait, the decree's margins, and the page number centred at the top from page 2."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    header._p.append(field)


def _start_section(document: DocxDocument, *, landscape: bool) -> None:
    """A new page in the given orientation; margins stay the decree's (binding edge left)."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.different_first_page_header_footer = False


def _font_element(parent) -> None:
    """Name Times New Roman for every script slot; Word otherwise falls back to the theme's
    East Asian font for Vietnamese runs it classifies as East Asian."""
    fonts = parent.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        parent.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _set_up_fonts(document: DocxDocument) -> None:
    """Times New Roman 14 pt everywhere, Vietnamese as the proofing language."""
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        run_defaults = defaults.find(qn("w:rPrDefault"))
        if run_defaults is not None and run_defaults.find(qn("w:rPr")) is not None:
            _font_element(run_defaults.find(qn("w:rPr")))
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    properties = normal.element.get_or_add_rPr()
    _font_element(properties)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    language.set(qn("w:eastAsia"), "vi-VN")
    properties.append(language)
    paragraph = normal.paragraph_format
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    paragraph.line_spacing = 1.0


def _set_properties(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    properties = document.core_properties
    properties.title = _report_subject(data, tr)
    properties.subject = data.plan_number
    properties.author = data.agency
    properties.last_modified_by = data.agency
    properties.language = "vi-VN"
    properties.revision = 1


# --- blocks of the document -------------------------------------------------------------------


def _report_subject(data: ReportData, tr: Translator) -> str:
    return report_subject(data.plan_number, data.plan_issued, data.plan_title, tr)


def _heading(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    """The decree's two-column heading: agency and number left, motto and date line right."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_widths(table, HEADING_WIDTHS_MM)
    _no_cell_margins(table)
    left, right = table.rows[0].cells

    if data.agency_parent.strip():
        _cell_line(left, data.agency_parent, size=13, first=True)
    _cell_line(left, data.agency, size=13, bold=True, first=not data.agency_parent.strip())
    _rule(left.add_paragraph(), HEADING_WIDTHS_MM[0], 25)
    number = _cell_line(
        left,
        tr.gettext("No.: {blank}{number}", blank=BLANK, number=report_number(data.agency_code)),
        size=13,
    )
    number.paragraph_format.space_before = Pt(6)

    _cell_line(right, tr.gettext("SOCIALIST REPUBLIC OF VIETNAM"), size=12, bold=True, first=True)
    _cell_line(right, tr.gettext("Independence - Freedom - Happiness"), size=13, bold=True)
    _rule(right.add_paragraph(), HEADING_WIDTHS_MM[1], 60)
    place = _cell_line(
        right,
        tr.gettext("{place}, {date}", place=data.place, date=document_date(data.today)),
        size=14,
        italic=True,
    )
    place.paragraph_format.space_before = Pt(6)


def _title(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    kind = _centred(document, tr.gettext("REPORT"), bold=True)
    kind.paragraph_format.space_before = Pt(18)
    _centred(document, _report_subject(data, tr), bold=True)
    rule = document.add_paragraph()
    _rule(rule, TEXT_WIDTH_MM, 40)
    rule.paragraph_format.space_after = Pt(12)


def _opening(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    """Cite the plan answered ("Thực hiện Kế hoạch số …") with the decree's date form."""
    cited = cited_document_in_text(data.plan_number, data.plan_issued, tr)
    title = " ".join(data.plan_title.split()).rstrip(".")
    if not title:
        text = tr.gettext("Pursuant to {document}, the results are as follows:", document=cited)
    else:
        text = tr.gettext(
            "Pursuant to {document} on {title}, the results are as follows:",
            document=cited,
            title=about(title),
        )
    _body(document, text)


def _results(document: DocxDocument, data: ReportData, tr: Translator, *, appendix: bool) -> None:
    _section(document, tr.gettext("I. RESULTS"))
    _section(document, tr.gettext("1. Overview"))
    _body(document, summary_sentence(data, tr))
    if not data.tasks:
        return
    _section(document, tr.gettext("2. Results of each task"))
    for task in data.tasks:
        _task_paragraphs(document, task, data.today, tr)
    if appendix:
        _body(document, tr.gettext("Details of each task are in the attached appendix."))
        return
    _start_section(document, landscape=True)
    _task_table(document, data, tr)
    _start_section(document, landscape=False)


def _task_paragraphs(document: DocxDocument, task: TaskRow, today: date, tr: Translator) -> None:
    """One task in the body: its content, how far it is, what units wrote, who still owes it."""
    heading = _body(document, "")
    label = heading.add_run(tr.gettext("Task {no}:", no=task.no) + " ")
    label.bold = True
    heading.add_run(" ".join(task.content.split()))
    heading.paragraph_format.keep_with_next = True
    for line in task_body_lines(task, today, tr):
        _body(document, line)


def _first_items(items: list[str], more: str) -> list[str]:
    """The first LIST_LIMIT items as `+` lines, then `more` when some were left out."""
    shown = [f"+ {item}" for item in items[:LIST_LIMIT]]
    return [*shown, more] if len(items) > LIST_LIMIT else shown


def task_body_lines(task: TaskRow, today: date, tr: Translator) -> list[str]:
    """The lines under a task in section I.2; nothing is said of what is zero or empty."""
    lines = [tr.gettext("- Progress: {progress}.", progress=task_progress(task, today, tr))]
    lines += extension_lines(task, tr)
    notes = note_lines(task, tr)
    if notes:
        lines.append(tr.gettext("- What the units reported:"))
        lines += _first_items(
            notes, tr.gettext("+ {count} more in the appendix.", count=len(notes) - LIST_LIMIT)
        )
    files = evidence_lines(task, tr)
    if files:
        lines.append(tr.gettext("- Evidence files:"))
        lines += _first_items(
            files,
            tr.gettext("+ {count} more in the tracking sheet.", count=len(files) - LIST_LIMIT),
        )
    waiting = awaiting_units(task, today)
    if waiting:
        lines.append(
            tr.gettext("- Awaiting verification: {units}.", units=_unit_list(waiting, tr))
        )
    owing = open_units(task, today)
    if owing:
        lines.append(tr.gettext("- Not done yet: {units}.", units=_unit_list(owing, tr)))
    return lines


def extension_lines(task: TaskRow, tr: Translator) -> list[str]:
    """The moved deadlines, in the decree's date form: for every unit, then each unit's own.

    The original date stays in the line: a reader of the report must see the task was given
    more time, not that the plan said so.
    """
    lines = []
    if task.original_due is not None and task.schedule.due is not None:
        values = {
            "original": document_date(task.original_due),
            "due": document_date(task.schedule.due),
        }
        reason = task.extension_reason.strip()
        lines.append(
            tr.gettext(
                "- Original deadline {original}, extended for every unit to {due}; "
                "reason: {reason}.",
                reason=reason,
                **values,
            )
            if reason
            else tr.gettext(
                "- Original deadline {original}, extended for every unit to {due}.", **values
            )
        )
    for row in lead_rows(task):
        if row.extended_alone and row.due is not None and row.original_due is not None:
            values = {
                "unit": row.unit,
                "due": document_date(row.due),
                "original": document_date(row.original_due),
            }
            reason = row.extension_reason.strip()
            lines.append(
                tr.gettext(
                    "- {unit}: deadline extended for this unit to {due} (original deadline "
                    "{original}); reason: {reason}.",
                    reason=reason,
                    **values,
                )
                if reason
                else tr.gettext(
                    "- {unit}: deadline extended for this unit to {due} (original deadline "
                    "{original}).",
                    **values,
                )
            )
    return lines


def evidence_lines(task: TaskRow, tr: Translator) -> list[str]:
    """One line per unit (and period) that sent files: `Ban ISO Sở: bien-ban.pdf, anh.jpg`."""
    lines = []
    for row in task.assignments:
        if row.evidence:
            period = f" ({period_label(row.period, tr)})" if row.period else ""
            names = ", ".join(file.name for file in row.evidence)
            lines.append(f"{row.unit}{period}: {names}")
    return lines


def _unit_list(units: list[str], tr: Translator) -> str:
    """Up to LIST_LIMIT names, then "và N đơn vị khác": a body line, not a directory."""
    shown = ", ".join(units[:LIST_LIMIT])
    if len(units) <= LIST_LIMIT:
        return shown
    return tr.gettext(
        "{units} and {count} other units", units=shown, count=len(units) - LIST_LIMIT
    )


def _appendix_heading(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    """Head the appendix: PHỤ LỤC, its title, and the report it belongs to (blanks to fill)."""
    _centred(document, tr.gettext("APPENDIX"), bold=True)
    title = tr.gettext(
        "RESULTS OF EACH TASK OF {kind} No. {number}",
        kind=document_kind(data.plan_number, tr).upper(),
        number=data.plan_number,
    )
    _centred(document, title, bold=True)
    attached = _centred(
        document,
        tr.gettext(
            "(Attached to Report No. {blank}{number} {date})",
            blank=BLANK,
            number=report_number(data.agency_code),
            date=document_date(data.today),
        ),
    )
    for run in attached.runs:
        run.italic = True
    _rule(document.add_paragraph(), LANDSCAPE_TEXT_WIDTH_MM, 40)
    document.paragraphs[-1].paragraph_format.space_after = Pt(12)


def summary_sentence(data: ReportData, tr: Translator) -> str:
    """The counts in one paragraph: one-off tasks by state, recurring ones by missed periods."""
    return " ".join(summary_sentences(data, tr))


def _shortcomings(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    """What the Office would otherwise list by hand: who is overdue, what was missed."""
    _section(document, tr.gettext("II. SHORTCOMINGS"))
    lines = shortcoming_lines(data, tr)
    for line in lines or [tr.gettext("None.")]:
        _body(document, line)


def shortcoming_lines(data: ReportData, tr: Translator) -> list[str]:
    lines: list[str] = []
    for task in data.tasks:
        if is_recurring(task):
            if task.missed_periods:
                lines.append(
                    tr.gettext(
                        "- Task {no}: {count} unit-periods ended without a confirmation.",
                        no=task.no,
                        count=task.missed_periods,
                    )
                )
            continue
        overdue = [row for row in lead_rows(task) if row.state.kind is StateKind.OVERDUE]
        if overdue:
            named = [
                f"{row.unit} ({_lower_first(state_label(row.state, tr))})"
                for row in overdue[:LIST_LIMIT]
            ]
            units = "; ".join(named)
            if len(overdue) > LIST_LIMIT:
                units = tr.gettext(
                    "{units} and {count} other units", units=units, count=len(overdue) - LIST_LIMIT
                )
            lines.append(
                tr.gettext("- Task {no}: not done yet: {units}.", no=task.no, units=units)
            )
        elif task.state.kind is StateKind.NO_DATE:
            lines.append(tr.gettext("- Task {no} has no deadline yet.", no=task.no))
    return lines


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _proposals(document: DocxDocument, tr: Translator) -> None:
    """Left for the Office to write: two dotted lines across the page, as in printed forms."""
    _section(document, tr.gettext("III. PROPOSALS"))
    for _ in range(2):
        line = _body(document, "\t", indent=False)
        line.paragraph_format.tab_stops.add_tab_stop(
            Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )


def recipient_lines(recipients: tuple[str, ...]) -> list[str]:
    """`- Ban ISO Sở;` … `- Lưu: VT, VP.`: the decree's dashes, ";" between and "." last."""
    bare = [line.strip().lstrip("-–+ ").rstrip(" ;,.") for line in recipients]
    bare = [line for line in bare if line]
    return [f"- {line}{'.' if i == len(bare) - 1 else ';'}" for i, line in enumerate(bare)]


def _recipients_and_signature(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    """Put the recipients (Nơi nhận) left in 12/11 pt, the signer and room to sign right.

    Only what `[agency]` configures is printed: without a signer the block stays blank for the
    Office to fill by hand, never a made-up title or a "(Ký tên, đóng dấu)" placeholder.
    """
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _set_widths(table, (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2))
    _keep_row_on_one_page(table.rows[0])
    left, right = table.rows[0].cells
    heading = _cell_line(
        left,
        tr.gettext("Recipients:"),
        size=12,
        bold=True,
        italic=True,
        first=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )
    heading.paragraph_format.space_before = Pt(12)
    for line in recipient_lines(data.recipients):
        _cell_line(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    titles = data.signer_title or ("",)
    for index, line in enumerate(titles):
        title = _cell_line(right, line, size=14, bold=True, first=index == 0)
        if index == 0:
            title.paragraph_format.space_before = Pt(12)
    for _ in range(SIGNATURE_LINES):
        _cell_line(right, "", size=14)
    _cell_line(right, data.signer_name, size=14, bold=True)


# --- the table of tasks -----------------------------------------------------------------------


TABLE_HEADERS = (
    "No.",
    "Content",
    "Lead units",
    "Time limit",
    "Result",
    "Completed on",
    "Notes",
)


def _task_table(document: DocxDocument, data: ReportData, tr: Translator) -> None:
    table = document.add_table(rows=1, cols=len(TABLE_HEADERS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, title in zip(header.cells, TABLE_HEADERS, strict=True):
        _table_cell(cell, [tr.gettext(title)], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for task in data.tasks:
        cells = table.add_row().cells
        _table_cell(cells[0], [str(task.no)], align=WD_ALIGN_PARAGRAPH.CENTER)
        _table_cell(cells[1], [task.content])
        _table_cell(cells[2], [", ".join(task.lead)])
        _table_cell(cells[3], time_lines(task, tr))
        result = result_lines(task, data.today, tr)
        _table_cell(cells[4], result, bold_first=True)
        _table_cell(cells[5], [completed_on(task)], align=WD_ALIGN_PARAGRAPH.CENTER)
        _table_cell(cells[6], note_lines(task, tr))
    _set_widths(table, TABLE_WIDTHS_MM)


def time_lines(task: TaskRow, tr: Translator) -> list[str]:
    """The plan's own words, then the date the bot counts from."""
    schedule = task.schedule
    lines = [task.when]
    if schedule.kind is ScheduleKind.WINDOW and schedule.start and schedule.end:
        lines.append(f"{chat_date(schedule.start)} – {chat_date(schedule.end)}")
    elif schedule.kind is ScheduleKind.RECURRING:
        lines.append(f"({every_label(schedule.every, tr).lower()})")
    elif schedule.due is not None and task.original_due is not None:
        lines.append(tr.gettext("Original deadline: {date}", date=chat_date(task.original_due)))
        extended = tr.gettext("Extended to: {date}", date=chat_date(schedule.due))
        if task.extension_reason.strip():
            extended += " " + tr.gettext("({reason})", reason=task.extension_reason.strip())
        lines.append(extended)
    elif schedule.due is not None:
        lines.append(tr.gettext("Due: {date}", date=chat_date(schedule.due)))
    else:
        lines.append(f"({state_label(task.state, tr).lower()})")
    return lines


def result_lines(task: TaskRow, today: date, tr: Translator) -> list[str]:
    """The task's state first, then one line per unit: its confirmation or how late it is."""
    units = tr.gettext("{done}/{owed} units", done=task.done_units, owed=task.owed_units)
    if is_recurring(task):
        current = current_rows(task, today)
        head = f"{state_label(task.state, tr)} ({units})"
        if current:
            head = tr.gettext(
                "Period {period}: {state} ({units})",
                period=period_label(current[0].period, tr),
                state=state_label(task.state, tr),
                units=units,
            )
        return [head, *_recurring_unit_lines(task, today, tr)]
    head = f"{state_label(task.state, tr)} ({units})"
    lines = [head]
    for row in task.assignments:
        if is_support(row) and row.confirmed_at is None:
            continue  # supporting units owe nothing; only what they did is reported
        lines.append(unit_result_line(row, tr))
    return lines


def unit_result_line(row: AssignmentRow, tr: Translator) -> str:
    """`Phòng Giáo dục Trung học: Hoàn thành đúng hạn (15/08/2022)`."""
    unit = row.unit
    if is_support(row):
        unit = tr.gettext("{unit} (support)", unit=unit)
        state = support_label(row, tr)  # never late or overdue: a supporting unit owes nothing
    elif row.state.kind is StateKind.DONE_LATE and row.late_days:
        state = tr.ngettext("Done {count} day late", "Done {count} days late", row.late_days)
    else:
        state = state_label(row.state, tr)
    when = f" ({chat_date(local_date(row.confirmed_at))})" if row.confirmed_at else ""
    extras = [
        tr.gettext("confirmed on its behalf by {unit}", unit=row.on_behalf_by)
        if row.on_behalf_by
        else "",
        tr.gettext("extended for this unit to {due}", due=chat_date(row.due))
        if row.extended_alone and row.due is not None and not is_support(row)
        else "",
    ]
    return f"{unit}: {state}{when}" + "".join(f" ({extra})" for extra in extras if extra)


def _recurring_unit_lines(task: TaskRow, today: date, tr: Translator) -> list[str]:
    """Per unit: periods confirmed out of periods owed so far, which of them still await
    verification (confirmed, so counted, but not yet complete), and which were missed."""
    by_unit: dict[str, list[AssignmentRow]] = {}
    for row in lead_rows(task):
        by_unit.setdefault(row.unit, []).append(row)
    lines = []
    for unit, rows in by_unit.items():
        done = sum(row.state.kind.is_done or is_awaiting(row) for row in rows)
        line = tr.gettext(
            "{unit}: {done}/{total} periods confirmed", unit=unit, done=done, total=len(rows)
        )
        waiting = [period_label(row.period, tr) for row in rows if is_awaiting(row)]
        if waiting:
            line += tr.gettext("; awaiting verification: {periods}", periods=", ".join(waiting))
        missed = [period_label(row.period, tr) for row in rows if is_missed(row, today)]
        if missed:
            line += tr.gettext("; missed {periods}", periods=", ".join(missed))
        lines.append(line)
    return lines


def completed_on(task: TaskRow) -> str:
    """The day the last lead unit confirmed a finished one-off task; blank otherwise."""
    if is_recurring(task) or not task.state.kind.is_done:
        return ""
    days = [local_date(row.confirmed_at) for row in lead_rows(task) if row.confirmed_at]
    return chat_date(max(days)) if days else ""


def note_lines(task: TaskRow, tr: Translator) -> list[str]:
    """One line per unit that left a note; for a recurring task its latest note and period."""
    units = list(dict.fromkeys(row.unit for row in task.assignments))  # the result column's order
    latest: dict[str, AssignmentRow] = {}
    for row in task.assignments:
        if row.note:
            current = latest.get(row.unit)
            if current is None or row.period >= current.period:
                latest[row.unit] = row
    lines = []
    for unit in units:
        row = latest.get(unit)
        if row is not None:
            period = f" ({period_label(row.period, tr)})" if row.period else ""
            lines.append(f"{unit}{period}: {row.note}")
    return lines


# --- small helpers ----------------------------------------------------------------------------


def _set_widths(table, widths_mm) -> None:
    """Word reads cell widths, LibreOffice the grid: set both."""
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _no_cell_margins(table) -> None:
    """Let heading text use the whole column: Word's default cell margins are 1.9 mm a side."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    _insert_in_order(table._tbl.tblPr, margins, _TBLPR_ORDER)


def _keep_row_on_one_page(row) -> None:
    """Recipients and signature move to the next page together rather than split."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))


def _repeat_as_header(row) -> None:
    """Repeat the header row on every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table_cell(
    cell: _Cell,
    lines: list[str],
    *,
    bold: bool = False,
    bold_first: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT,
) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    for index, line in enumerate(lines or [""]):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(2)
        run = paragraph.add_run(line)
        run.font.size = Pt(TABLE_PT)
        run.bold = bold or (bold_first and index == 0)


def _cell_line(
    cell: _Cell,
    text: str,
    *,
    size: int,
    bold: bool = False,
    italic: bool = False,
    first: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> Paragraph:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = align
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    return paragraph


def _rule(paragraph: Paragraph, width_mm: float, rule_mm: float) -> None:
    """A short centred line under a heading: the bottom border of an empty paragraph indented
    from both sides (python-docx draws no shapes), its mark 2 pt high so the line sits close."""
    side = max((width_mm - rule_mm) / 2, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(side)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    _insert_in_order(properties, borders, _PPR_ORDER)
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")  # half-points
    mark.append(size)
    _insert_in_order(properties, mark, _PPR_ORDER)


def _insert_in_order(parent, element, sequence: tuple[str, ...]) -> None:
    """Insert where the schema wants it: Word rejects properties out of order."""
    tag = element.tag
    names = [qn(name) for name in sequence]
    parent.insert_element_before(element, *sequence[names.index(tag) + 1 :])


def _centred(document: DocxDocument, text: str, *, bold: bool = False) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    return paragraph


def _section(document: DocxDocument, text: str) -> Paragraph:
    paragraph = _body(document, text)
    for run in paragraph.runs:
        run.bold = True
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _body(document: DocxDocument, text: str, *, indent: bool = True) -> Paragraph:
    """A justified body paragraph: first line indented 1 cm, 6 pt after, 1.15 line spacing."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = paragraph.paragraph_format
    if indent:
        fmt.first_line_indent = Cm(1)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15
    paragraph.add_run(text)
    return paragraph
