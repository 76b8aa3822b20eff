"""The Office's three files, read back the way a person would read them.

Expected values are recomputed here from the sample's assignments rather than taken from the
report code, so a miscount in either shows up.
"""

from __future__ import annotations

import ast
import dataclasses
import warnings
from datetime import date, datetime
from pathlib import Path

import matplotlib as mpl
import pytest
from babel.messages.pofile import read_po
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook
from PIL import Image

from bot.clock import LOCAL_TZ, as_local
from bot.domain.model import AssignmentRole, Schedule, ScheduleKind, State, StateKind
from bot.i18n import Translator, chat_date
from bot.presentation import state_label
from bot.reports import AssignmentRow, ReportData, ReportFormat, TaskRow, write_report
from bot.reports.chart import build_status_figure, render_status_chart
from bot.reports.citation import about, document_kind, report_number
from bot.reports.docx_report import recipient_lines, write_year_report
from bot.reports.sample import sample_report_data
from bot.reports.text import (
    REPORT_COLOURS,
    REPORTED_COLOUR,
    SUPPORT_COLOUR,
    period_label,
    shorten,
)
from bot.reports.xlsx_sheet import HEADER_ROW, sheet_name, write_tracking_sheet
from locales import LOCALES_DIR

REPORTS_DIR = Path(__file__).resolve().parents[1] / "bot" / "reports"
TABLE_HEADERS = [
    "TT",
    "Nội dung",
    "Đơn vị chủ trì",
    "Thời hạn",
    "Kết quả",
    "Ngày hoàn thành",
    "Ghi chú",
]


@pytest.fixture(scope="module")
def data() -> ReportData:
    return sample_report_data()


@pytest.fixture(scope="module")
def tr() -> Translator:
    return Translator("vi")


@pytest.fixture(scope="module")
def docx_doc(data, tr, tmp_path_factory):
    path = write_year_report(data, tmp_path_factory.mktemp("docx") / "report.docx", tr=tr)
    return Document(str(path))


@pytest.fixture(scope="module")
def workbook(data, tr, tmp_path_factory):
    path = write_tracking_sheet(data, tmp_path_factory.mktemp("xlsx") / "sheet.xlsx", tr=tr)
    return load_workbook(path)


def _missed(row, today: date) -> bool:
    return bool(row.period) and row.confirmed_at is None and row.due < today


def _cell_lines(cell) -> list[str]:
    return [paragraph.text for paragraph in cell.paragraphs]


def _task_table(document):
    """The table whose header row is the task table's, wherever the layout put it."""
    return next(t for t in document.tables if t.rows[0].cells[0].text == "TT")


def _signature_table(document):
    return next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận"))


def _paragraph_texts(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


# --- the sample itself ------------------------------------------------------------------------


def test_sample_holds_every_case_a_report_draws(data):
    kinds = {row.state.kind for task in data.tasks for row in task.assignments}
    assert {StateKind.DONE_ON_TIME, StateKind.DONE_LATE, StateKind.OVERDUE} <= kinds
    assert {StateKind.DUE_SOON, StateKind.NO_DATE} <= kinds
    assert any(_missed(row, data.today) for task in data.tasks for row in task.assignments)
    task10 = data.tasks[-1]
    assert task10.no == 10
    assert task10.schedule.kind is ScheduleKind.AS_REGULATED
    assert task10.schedule.due is None
    for task in data.tasks:  # the summary counts trust missed_periods: it must match the rows
        assert task.missed_periods == sum(_missed(row, data.today) for row in task.assignments)


# --- the Word report --------------------------------------------------------------------------


def test_docx_heading_is_the_decree_two_column_table(docx_doc):
    left, right = docx_doc.tables[0].rows[0].cells
    assert _cell_lines(left)[:2] == ["UBND TỈNH HƯNG YÊN", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert left.paragraphs[1].runs[0].bold
    number = next(line for line in _cell_lines(left) if line.startswith("Số:"))
    assert number.replace("\u00a0", " ").split() == ["Số:", "/BC-SGDĐT"]
    assert _cell_lines(right)[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert all(paragraph.runs[0].bold for paragraph in right.paragraphs[:2])
    date_line = next(p for p in right.paragraphs if p.text.startswith("Hưng Yên, ngày"))
    assert date_line.runs[0].italic
    assert date_line.text == "Hưng Yên, ngày 26 tháng 9 năm 2022"


def test_report_number_is_the_configured_code():
    assert report_number("SGDĐT") == "/BC-SGDĐT"
    assert report_number(" STC ") == "/BC-STC"
    assert report_number("") == "/BC"


def test_document_kind_follows_the_number_type_code(tr):
    assert document_kind("187/KH-SGDĐT", tr) == "Kế hoạch"
    assert document_kind("2530/QĐ-TTg", tr) == "Quyết định"
    assert document_kind("624/TB-VPCP", tr) == "Thông báo"
    assert document_kind("1234/SGDĐT-VP", tr) == "Văn bản"  # a Công văn has no type code
    assert document_kind("không số", tr) == "Văn bản"


def test_title_is_lowered_only_where_it_is_not_a_name():
    assert about("Duy trì áp dụng, cải tiến HTQLCL") == "duy trì áp dụng, cải tiến HTQLCL"
    assert about("Hưng Yên chuyển đổi số") == "Hưng Yên chuyển đổi số"
    assert about("TCVN ISO 9001:2015 tại Sở") == "TCVN ISO 9001:2015 tại Sở"


def test_docx_title_is_built_from_the_plan_number_date_and_title(docx_doc, data, tr, tmp_path):
    texts = _paragraph_texts(docx_doc)
    title = texts.index("BÁO CÁO")
    assert texts[title + 1] == (
        "Kết quả thực hiện Kế hoạch số 187/KH-SGDĐT ngày 07/02/2022 về duy trì áp dụng, cải "
        "tiến Hệ thống quản lý chất lượng theo tiêu chuẩn quốc gia TCVN ISO 9001:2015 vào hoạt "
        "động của Sở Giáo dục và Đào tạo Hưng Yên năm 2022"
    )
    untitled = dataclasses.replace(data, plan_title="", plan_number="624/TB-VPCP")
    path = write_year_report(untitled, tmp_path / "u.docx", tr=tr)
    texts = _paragraph_texts(Document(str(path)))
    assert texts[texts.index("BÁO CÁO") + 1] == (
        "Kết quả thực hiện Thông báo số 624/TB-VPCP ngày 07/02/2022"
    )


def test_docx_opening_cites_the_plan_with_the_decree_date_form(docx_doc):
    opening = next(t for t in _paragraph_texts(docx_doc) if t.startswith("Thực hiện Kế hoạch"))
    assert opening.startswith(
        "Thực hiện Kế hoạch số 187/KH-SGDĐT ngày 07 tháng 02 năm 2022 về duy"
    )
    assert opening.endswith("năm 2022, kết quả thực hiện như sau:")


def test_docx_summary_states_the_counts(docx_doc, data):
    one_off = [t for t in data.tasks if t.schedule.kind is not ScheduleKind.RECURRING]
    on_time = sum(t.state.kind is StateKind.DONE_ON_TIME for t in one_off)
    late = sum(t.state.kind is StateKind.DONE_LATE for t in one_off)
    overdue = sum(t.state.kind is StateKind.OVERDUE for t in one_off)
    missed = sum(_missed(row, data.today) for t in data.tasks for row in t.assignments)
    assert (on_time, late, len(one_off) - on_time - late, overdue, missed) == (2, 1, 4, 2, 18)

    summary = next(t for t in _paragraph_texts(docx_doc) if t.startswith("Tính đến"))
    assert summary.startswith("Tính đến ngày 26 tháng 9 năm 2022, Kế hoạch có 10 nhiệm vụ.")
    assert f"{on_time} nhiệm vụ hoàn thành đúng hạn" in summary
    assert f"{late} nhiệm vụ hoàn thành quá hạn" in summary
    assert f"{len(one_off) - on_time - late} nhiệm vụ chưa hoàn thành" in summary
    assert f"trong đó {overdue} nhiệm vụ quá hạn, 1 nhiệm vụ chưa có hạn" in summary
    assert f"3 nhiệm vụ thực hiện thường xuyên, với {missed} lượt đơn vị" in summary


def test_docx_table_has_a_row_per_task_matching_the_input(docx_doc, data, tr):
    table = _task_table(docx_doc)
    assert [cell.text for cell in table.rows[0].cells] == TABLE_HEADERS
    assert len(table.rows) == len(data.tasks) + 1
    for task, row in zip(data.tasks, table.rows[1:], strict=True):
        no, content, lead, when, result, completed, notes = (_cell_lines(c) for c in row.cells)
        assert no == [str(task.no)]
        assert content == [task.content]
        assert lead == [", ".join(task.lead)]
        assert when[0] == task.when
        leads = [a for a in task.assignments if a.role is AssignmentRole.LEAD]
        if task.schedule.kind is ScheduleKind.RECURRING:
            for unit in dict.fromkeys(a.unit for a in leads):
                rows = [a for a in leads if a.unit == unit]
                done = sum(a.confirmed_at is not None for a in rows)
                line = next(x for x in result if x.startswith(f"{unit}:"))
                assert f"đã xác nhận {done}/{len(rows)} kỳ" in line
                for missed in (a for a in rows if _missed(a, data.today)):
                    period = f"{missed.period[5:]}/{missed.period[:4]}"
                    assert period in line.split("bỏ lỡ kỳ")[1]
            assert completed == [""]
        else:
            for a in leads:
                label = state_label(a.state, tr)
                if a.state.kind is StateKind.DONE_LATE:
                    label = f"Hoàn thành quá hạn {a.late_days} ngày"
                stamp = f" ({chat_date(as_local(a.confirmed_at))})" if a.confirmed_at else ""
                assert f"{a.unit}: {label}{stamp}" in result
            done_days = [as_local(a.confirmed_at).date() for a in leads if a.confirmed_at]
            finished = task.state.kind.is_done
            assert completed == [chat_date(max(done_days)) if finished else ""]
        for a in task.assignments:
            if a.note and not a.period:
                assert f"{a.unit}: {a.note}" in notes
        for unit in {a.unit for a in task.assignments if a.note and a.period}:
            last = max(
                (a for a in task.assignments if a.unit == unit and a.note), key=lambda a: a.period
            )
            assert f"{unit} ({last.period[5:]}/{last.period[:4]}): {last.note}" in notes


def test_docx_table_shows_the_office_example_line_and_supporting_units(docx_doc):
    task2 = _cell_lines(_task_table(docx_doc).rows[2].cells[4])
    assert task2[0] == "Quá hạn 33 ngày (7/9 đơn vị)"
    assert "Phòng Giáo dục Trung học: Hoàn thành đúng hạn (15/08/2022)" in task2
    assert "Phòng Kế hoạch - Tài chính: Quá hạn 33 ngày" in task2
    assert "Ban ISO Sở (phối hợp): Đã báo cáo (20/08/2022)" in task2
    task10 = _task_table(docx_doc).rows[10].cells
    assert _cell_lines(task10[3]) == ["Theo quy định", "(chưa có hạn)"]


def test_docx_lists_shortcomings_and_ends_with_recipients_and_signer(docx_doc):
    texts = _paragraph_texts(docx_doc)
    assert (
        "- Nhiệm vụ 2: chưa hoàn thành: Phòng Kế hoạch - Tài chính (quá hạn 33 ngày); "
        "Phòng Khảo thí và Quản lý chất lượng giáo dục (quá hạn 33 ngày)." in texts
    )
    assert "- Nhiệm vụ 10 chưa có thời hạn cụ thể." in texts
    left, right = _signature_table(docx_doc).rows[0].cells
    assert _cell_lines(left) == [
        "Nơi nhận:",
        "- UBND tỉnh (để báo cáo);",
        "- Giám đốc, các Phó Giám đốc Sở;",
        "- Ban ISO Sở;",
        "- Các phòng thuộc Sở;",
        "- Lưu: VT, VP.",
    ]
    assert _cell_lines(right) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "", "", "", "", "Đỗ Văn Khải"]
    assert all(p.runs[0].bold for p in right.paragraphs if p.text)


def test_periods_read_as_the_office_writes_them(tr):
    # A month stays compact for the sheet's column; "Thường xuyên" is quarterly by default.
    assert period_label("2022-08", tr) == "08/2022"
    assert period_label("2022-Q3", tr) == "quý III/2022"
    assert period_label("2022-H1", tr) == "6 tháng đầu năm 2022"
    assert period_label("2022", tr) == "năm 2022"
    assert period_label("", tr) == ""
    assert period_label("khác", tr) == "khác"


def test_recipient_lines_take_the_decree_punctuation():
    assert recipient_lines(("- Như trên;", "Ban ISO Sở.", "  ", "Lưu: VT, VP;")) == [
        "- Như trên;",
        "- Ban ISO Sở;",
        "- Lưu: VT, VP.",
    ]
    assert recipient_lines(()) == []


def test_docx_page_and_fonts_follow_decree_30(docx_doc):
    first = docx_doc.sections[0]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    mm = {
        side: round(getattr(first, f"{side}_margin").mm, 1)
        for side in ("top", "bottom", "left", "right")
    }
    assert 20 <= mm["top"] <= 25
    assert 20 <= mm["bottom"] <= 25
    assert 30 <= mm["left"] <= 35
    assert 15 <= mm["right"] <= 20
    table_section = docx_doc.sections[1]  # the task table is on landscape pages
    assert table_section.page_width > table_section.page_height
    assert 30 <= round(table_section.left_margin.mm, 1) <= 35
    normal = docx_doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert Pt(13) <= normal.font.size <= Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    sizes = {
        run.font.size
        for cell in _task_table(docx_doc)._cells
        for p in cell.paragraphs
        for run in p.runs
    }
    assert sizes == {Pt(12)}
    widths = sum(cell.width for cell in _task_table(docx_doc).rows[0].cells)
    usable = table_section.page_width - table_section.left_margin - table_section.right_margin
    assert abs(widths - usable) < Mm(1)


def test_docx_task_table_is_a_landscape_appendix_after_the_signature(docx_doc):
    texts = _paragraph_texts(docx_doc)
    assert "Chi tiết kết quả thực hiện từng nhiệm vụ tại Phụ lục kèm theo." in texts
    appendix = texts.index("PHỤ LỤC")
    assert texts[appendix + 1] == "KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ THEO KẾ HOẠCH SỐ 187/KH-SGDĐT"
    assert texts[appendix + 2].replace("\u00a0", " ").split() == [
        "(Kèm", "theo", "Báo", "cáo", "số", "/BC-SGDĐT", "ngày", "26", "tháng", "9", "năm",
        "2022)",
    ]  # fmt: skip
    body = list(docx_doc.element.body)
    assert body.index(_signature_table(docx_doc)._tbl) < body.index(_task_table(docx_doc)._tbl)
    assert len(docx_doc.sections) == 2


def test_docx_task_table_can_stay_in_the_body_before_the_recipients(data, tr, tmp_path):
    path = write_year_report(data, tmp_path / "inline.docx", tr=tr, appendix=False)
    document = Document(str(path))
    body = list(document.element.body)
    assert body.index(_task_table(document)._tbl) < body.index(_signature_table(document)._tbl)
    assert "PHỤ LỤC" not in _paragraph_texts(document)
    orientations = [s.page_width > s.page_height for s in document.sections]
    assert orientations == [False, True, False]
    assert len(_task_table(document).rows) == len(data.tasks) + 1


# --- the tracking sheet -----------------------------------------------------------------------


def test_sheet_names_are_sanitized():
    assert sheet_name("187/KH-SGDĐT") == "187-KH-SGDĐT"
    assert sheet_name("a/b\\c:d*e?f[g]") == "a-b-c-d-e-f-g-"
    assert len(sheet_name("1/" + "X" * 60)) == 31


def test_sheet_has_one_row_per_assignment_with_its_state(workbook, data, tr):
    sheet = workbook.worksheets[0]
    assert workbook.sheetnames == ["187-KH-SGDĐT", "Nhật ký nhắc việc"]
    header = [cell.value for cell in sheet[HEADER_ROW]]
    assert header == [
        "TT",
        "Nội dung",
        "Đơn vị",
        "Vai trò",
        "Kỳ",
        "Hạn",
        "Trạng thái",
        "Xác nhận lúc",
        "Người xác nhận",
        "Ghi chú",
        "Số ngày trễ",
        "Hạn gốc",
        "Gia hạn",
        "Duyệt xác nhận",
        "Minh chứng",
    ]
    assignments = [(task, a) for task in data.tasks for a in task.assignments]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1))
    assert len(rows) == len(assignments) == 244
    for (task, a), row in zip(assignments, rows, strict=True):
        values = [cell.value for cell in row]
        lead = a.role is AssignmentRole.LEAD
        if not lead:
            expected_state = "Đã báo cáo" if a.confirmed_at else "Phối hợp"
        elif _missed(a, data.today):
            expected_state = "Bỏ lỡ kỳ"
        else:
            expected_state = state_label(a.state, tr)
        role = "Chủ trì" if lead else "Phối hợp"
        assert values[0] == task.no
        assert values[1] == task.content  # in full: the sheet is where the Office reads it
        assert values[2:5] == [
            a.unit,
            role,
            f"{a.period[5:]}/{a.period[:4]}" if a.period else None,
        ]
        assert (values[5].date() if values[5] else None) == a.due
        assert values[6] == expected_state
        if a.confirmed_at:
            assert values[7] == as_local(a.confirmed_at).replace(tzinfo=None)
            assert values[8] == a.confirmed_by
        else:
            assert values[7] is None
            assert values[8] is None
        assert values[9] == a.note
        assert values[10] == ((a.late_days or None) if lead else None)
        assert values[11:14] == [None, None, None]  # the sample moves no date, verifies nothing
        if not lead:
            colour = REPORTED_COLOUR if a.confirmed_at else SUPPORT_COLOUR
        else:
            colour = REPORT_COLOURS[StateKind.OVERDUE if _missed(a, data.today) else a.state.kind]
        assert row[6].fill.fgColor.rgb[-6:] == colour.lstrip("#").upper()


def test_sheet_opens_with_title_rows_above_the_table(workbook):
    for sheet in workbook.worksheets:
        assert [sheet.cell(row, 1).value for row in range(1, HEADER_ROW)] == [
            "UBND TỈNH HƯNG YÊN - SỞ GIÁO DỤC VÀ ĐÀO TẠO",
            "Theo dõi thực hiện Kế hoạch số 187/KH-SGDĐT ngày 07/02/2022 về duy trì áp dụng, "
            "cải tiến Hệ thống quản lý chất lượng theo tiêu chuẩn quốc gia TCVN ISO 9001:2015 "
            "vào hoạt động của Sở Giáo dục và Đào tạo Hưng Yên năm 2022",
            "Tình hình đến ngày 26/09/2022",
            None,
        ]
        assert sheet["A1"].font.bold


def test_sheet_header_is_frozen_filtered_and_dates_are_real_dates(workbook):
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A6"
        last = sheet.cell(HEADER_ROW, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A5:{last}{sheet.max_row}"
        assert all(cell.font.bold for cell in sheet[HEADER_ROW])
        widths = [sheet.column_dimensions[cell.column_letter].width for cell in sheet[HEADER_ROW]]
        assert min(widths) >= 6
    plan = workbook.worksheets[0]
    assert plan["F6"].is_date
    assert plan["F6"].number_format == "dd/mm/yyyy"
    assert plan["H6"].is_date
    assert plan["H6"].number_format == "dd/mm/yyyy hh:mm"


def test_log_sheet_lists_every_reminder_in_vietnamese(workbook, data):
    log = workbook["Nhật ký nhắc việc"]
    rows = [[cell.value for cell in row] for row in log.iter_rows(min_row=HEADER_ROW + 1)]
    assert len(rows) == len(data.reminders)
    for entry, row in zip(data.reminders, rows, strict=True):
        assert row[0] == as_local(entry.at).replace(tzinfo=None)
        assert row[2:5] == [entry.contact, entry.unit, entry.task_no]
        assert row[6].date() == entry.slot
        assert row[8] == ("Có" if entry.late else None)
    by_kind = {(e.kind, e.status): row for e, row in zip(data.reminders, rows, strict=True)}
    assert by_kind[("upcoming", "failed")][5:8:2] == ["Nhắc trước hạn", "Gửi lỗi"]
    assert by_kind[("escalation", "sent")][5] == "Cảnh báo quá hạn"
    assert by_kind[("overdue", "skipped")][7] == "Bỏ qua"
    assert by_kind[("upcoming", "failed")][1] == "Zalo"


# --- the chart --------------------------------------------------------------------------------


def test_chart_png_is_phone_sized_and_deterministic(data, tr, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = render_status_chart(data, tmp_path / "a.png", tr=tr)
    assert not [w for w in caught if "missing from" in str(w.message)]  # every glyph drawn
    second = render_status_chart(data, tmp_path / "b.png", tr=tr)
    with Image.open(first) as image:
        assert image.width >= 1000
        assert image.height > image.width  # a scroll on a phone, not a squeeze
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_size < 300_000


def test_chart_draws_every_task_row(data, tr):
    figure = build_status_figure(data, tr=tr)
    axes, counts = figure.axes
    assert [label.get_text() for label in axes.get_yticklabels()] == [
        str(task.no) for task in data.tasks
    ]
    assert [label.get_text() for label in counts.get_yticklabels()] == [
        f"{task.done_units}/{task.owed_units}" for task in data.tasks
    ]
    texts = [text.get_text() for text in axes.texts]
    for task in data.tasks:
        assert any(text == shorten(task.content, 66) for text in texts)
    assert "TT" in texts
    assert texts.count("Chưa có hạn") == 1  # only task 10 has no date
    assert "24/08 · Quá hạn 33 ngày" in texts
    ticks = axes.xaxis.get_minor_ticks()
    assert [tick.label1.get_text() for tick in ticks] == [f"T{m}" for m in range(1, 13)]
    assert all(tick.label2.get_visible() for tick in ticks)  # months above the rows too
    notes = [child.get_text() for child in axes.get_children() if hasattr(child, "get_text")]
    assert "Hôm nay 26/09/2022" in notes
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert {"Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Quá hạn, bỏ lỡ kỳ"} <= set(legend)


def test_chart_keeps_a_date_outside_the_plan_year_on_the_axis(data, tr):
    task8 = dataclasses.replace(
        data.tasks[7],
        schedule=Schedule.deadline(date(2023, 1, 15)),
        state=State(StateKind.NOT_DUE, 111),
    )
    moved = dataclasses.replace(data, tasks=(*data.tasks[:7], task8, *data.tasks[8:]))
    axes = build_status_figure(moved, tr=tr).axes[0]
    label = next(t for t in axes.texts if t.get_text() == "15/01/2023 · Chưa đến hạn")
    left, right = axes.get_xlim()
    assert left <= label.get_position()[0] <= right
    assert label.get_horizontalalignment() == "right"  # no room after 31/12: it reads leftwards


def test_chart_leaves_global_matplotlib_state_alone(data, tr, tmp_path):
    before = dict(mpl.rcParams)
    render_status_chart(data, tmp_path / "c.png", tr=tr)
    assert dict(mpl.rcParams) == before


# --- the entry point and the catalog ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "magic"),
    [(ReportFormat.DOCX, b"PK"), (ReportFormat.XLSX, b"PK"), ("png", b"\x89PNG")],
)
def test_write_report_dispatches_on_format(data, tr, tmp_path, fmt, magic):
    path = write_report(data, fmt, tmp_path / f"out.{ReportFormat(fmt).value}", tr=tr)
    assert path.read_bytes().startswith(magic)
    assert ReportFormat(fmt).media_type


def test_an_empty_plan_still_renders(data, tr, tmp_path):
    empty = dataclasses.replace(data, tasks=(), reminders=(), plan_issued=None)
    for fmt in ReportFormat:
        assert write_report(empty, fmt, tmp_path / f"empty.{fmt.value}", tr=tr).exists()


def test_english_report_uses_the_message_ids(data, tmp_path):
    document = Document(str(write_year_report(data, tmp_path / "en.docx", tr=Translator("en"))))
    assert "REPORT" in _paragraph_texts(document)


def _used_msgids() -> set[str]:
    from bot.reports.docx_report import TABLE_HEADERS as DOCX_HEADERS
    from bot.reports.xlsx_sheet import ASSIGNMENT_COLUMNS, LOG_COLUMNS

    found = set(DOCX_HEADERS) | {c.title for c in (*ASSIGNMENT_COLUMNS, *LOG_COLUMNS)}
    for source in REPORTS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = getattr(node.func, "attr", getattr(node.func, "id", None))
                if name in ("gettext", "ngettext", "N_"):
                    found.add(node.args[0].value)
    return found


def _messages(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    return {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def test_report_catalog_is_complete_and_well_formed():
    folder = LOCALES_DIR / "vi" / "LC_MESSAGES"
    with (folder / "report.po").open("rb") as handle:
        report = read_po(handle, locale="vi")
    assert report.plural_forms == "nplurals=1; plural=0;"
    assert report.charset.lower() == "utf-8"
    assert all(m.string for m in report if m.id)

    ours = _messages(folder / "report.po")
    others: dict[str, object] = {}
    for path in sorted(folder.glob("*.po")):
        if path.name != "report.po":
            others.update(_messages(path))
    # The catalogs are merged into one: a msgid translated differently elsewhere would win or lose
    # depending on file order.
    assert {m for m in ours.keys() & others.keys() if ours[m] != others[m]} == set()
    assert _used_msgids() - ours.keys() - others.keys() == set()


# --- a plan other than 187 --------------------------------------------------------------------


def _other_plan() -> ReportData:
    """Sở Tài chính Bắc Ninh's own plan 12/KH-STC: nothing of plan 187, its wording or signer.

    Task 1 is done by its lead while a supporting unit never reported; task 2 is overdue for one
    lead unit, and its supporting unit reported after the deadline. Nothing recurs and every task
    has a date, so a "0 …" clause would show up if zero counts were written.
    """
    today = date(2025, 6, 5)
    lead, other, support = "Phòng Ngân sách", "Phòng Tin học - Thống kê", "Văn phòng Sở"

    def row(no, unit, role, due, state, confirmed=None, note=None, late=0):
        at = (
            datetime(2025, confirmed[1], confirmed[0], 9, 30, tzinfo=LOCAL_TZ)
            if confirmed
            else None
        )
        return AssignmentRow(no, unit, role, "", due, state, at, "Lê Văn Cường" if at else None,
                             note, late)  # fmt: skip

    due1, due2 = date(2025, 4, 30), date(2025, 5, 20)
    task1 = TaskRow(
        no=1,
        content="Rà soát danh mục dữ liệu dùng chung của ngành tài chính",
        lead=(lead,),
        support=(support,),
        when="Trước 01/5/2025",
        schedule=Schedule.deadline(due1),
        state=State(StateKind.DONE_ON_TIME),
        done_units=1,
        owed_units=1,
        missed_periods=0,
        assignments=(
            row(
                1,
                lead,
                AssignmentRole.LEAD,
                due1,
                State(StateKind.DONE_ON_TIME),
                (28, 4),
                "Đã trình Giám đốc danh mục 42 nhóm dữ liệu",
            ),
            row(1, support, AssignmentRole.SUPPORT, due1, State(StateKind.OVERDUE, 36), late=36),
        ),
    )
    task2 = TaskRow(
        no=2,
        content="Triển khai chữ ký số cho 100% công chức",
        lead=(lead, other),
        support=(support,),
        when="Chậm nhất ngày 20/5/2025",
        schedule=Schedule.deadline(due2),
        state=State(StateKind.OVERDUE, 16),
        done_units=1,
        owed_units=2,
        missed_periods=0,
        assignments=(
            row(2, lead, AssignmentRole.LEAD, due2, State(StateKind.DONE_ON_TIME), (19, 5)),
            row(2, other, AssignmentRole.LEAD, due2, State(StateKind.OVERDUE, 16), late=16),
            row(
                2,
                support,
                AssignmentRole.SUPPORT,
                due2,
                State(StateKind.DONE_LATE, 3),
                (23, 5),
                "Đã cấp 35 chứng thư số",
                late=3,
            ),
        ),
    )
    return ReportData(
        agency_parent="UBND TỈNH BẮC NINH",
        agency="SỞ TÀI CHÍNH",
        place="Bắc Ninh",
        plan_number="12/KH-STC",
        plan_issued=date(2025, 1, 6),
        plan_title="Triển khai thực hiện chuyển đổi số năm 2025",
        plan_year=2025,
        today=today,
        tasks=(task1, task2),
        reminders=(),
        agency_code="STC",
        signer_title=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        signer_name="Trần Thị Bình",
        recipients=("UBND tỉnh (để báo cáo)", "Lưu: VT, VP"),
    )


@pytest.fixture(scope="module")
def other() -> ReportData:
    return _other_plan()


@pytest.fixture(scope="module")
def other_docx(other, tr, tmp_path_factory):
    return Document(str(write_year_report(other, tmp_path_factory.mktemp("o") / "o.docx", tr=tr)))


def _all_docx_text(document) -> str:
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(_paragraph_texts(document) + cells)


def test_other_plan_docx_carries_its_own_heading_title_and_signer(other_docx):
    left, right = other_docx.tables[0].rows[0].cells
    assert _cell_lines(left)[:2] == ["UBND TỈNH BẮC NINH", "SỞ TÀI CHÍNH"]
    number = next(line for line in _cell_lines(left) if line.startswith("Số:"))
    assert number.replace("\u00a0", " ").split() == ["Số:", "/BC-STC"]
    assert _cell_lines(right)[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert "Bắc Ninh, ngày 05 tháng 6 năm 2025" in _cell_lines(right)
    texts = _paragraph_texts(other_docx)
    assert texts[texts.index("BÁO CÁO") + 1] == (
        "Kết quả thực hiện Kế hoạch số 12/KH-STC ngày 06/01/2025 về triển khai thực hiện "
        "chuyển đổi số năm 2025"
    )
    assert (
        "Thực hiện Kế hoạch số 12/KH-STC ngày 06 tháng 01 năm 2025 về triển khai thực hiện "
        "chuyển đổi số năm 2025, kết quả thực hiện như sau:" in texts
    )
    assert (
        "Trên đây là báo cáo kết quả thực hiện Kế hoạch số 12/KH-STC ngày 06/01/2025./." in texts
    )
    signature = _signature_table(other_docx).rows[0].cells
    assert _cell_lines(signature[0]) == [
        "Nơi nhận:",
        "- UBND tỉnh (để báo cáo);",
        "- Lưu: VT, VP.",
    ]
    assert _cell_lines(signature[1]) == [
        "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "", "", "", "", "Trần Thị Bình",
    ]  # fmt: skip
    everything = _all_docx_text(other_docx)
    for foreign in ("187", "ISO", "HƯNG YÊN", "Hưng Yên", "Ký tên", "đóng dấu", "HOÀ", "SGDĐT"):
        assert foreign not in everything


def test_other_plan_docx_states_no_zero_count(other_docx):
    texts = _paragraph_texts(other_docx)
    summary = next(t for t in texts if t.startswith("Tính đến"))
    assert summary == (
        "Tính đến ngày 05 tháng 6 năm 2025, Kế hoạch có 2 nhiệm vụ. Trong các nhiệm vụ thực "
        "hiện một lần: 1 nhiệm vụ hoàn thành đúng hạn, 1 nhiệm vụ chưa hoàn thành (trong đó 1 "
        "nhiệm vụ quá hạn)."
    )
    everything = _all_docx_text(other_docx)
    assert "0 nhiệm vụ" not in everything
    assert "0 lượt" not in everything
    assert "thường xuyên" not in summary


def test_other_plan_section_i2_lists_notes_and_open_units_per_task(other_docx):
    texts = _paragraph_texts(other_docx)
    first = texts.index("Nhiệm vụ 1: Rà soát danh mục dữ liệu dùng chung của ngành tài chính")
    second = texts.index("Nhiệm vụ 2: Triển khai chữ ký số cho 100% công chức")
    assert texts[first + 1 : second] == [
        "- Tình hình thực hiện: Hoàn thành đúng hạn.",
        "- Nội dung các đơn vị báo cáo:",
        "+ Phòng Ngân sách: Đã trình Giám đốc danh mục 42 nhóm dữ liệu",
    ]
    assert texts[second + 1 : second + 5] == [
        "- Tình hình thực hiện: Quá hạn 16 ngày; 1/2 đơn vị đã hoàn thành.",
        "- Nội dung các đơn vị báo cáo:",
        "+ Văn phòng Sở: Đã cấp 35 chứng thư số",
        "- Chưa hoàn thành: Phòng Tin học - Thống kê.",
    ]
    assert "- Nhiệm vụ 2: chưa hoàn thành: Phòng Tin học - Thống kê (quá hạn 16 ngày)." in texts


def test_other_plan_docx_never_shows_a_supporting_unit_late(other_docx):
    table = _task_table(other_docx)
    results = [line for row in table.rows[1:] for line in _cell_lines(row.cells[4])]
    support = [line for line in results if line.startswith("Văn phòng Sở")]
    assert support == ["Văn phòng Sở (phối hợp): Đã báo cáo (23/05/2025)"]
    shortcomings = [t for t in _paragraph_texts(other_docx) if t.startswith("- Nhiệm vụ")]
    assert not [line for line in shortcomings if "Văn phòng Sở" in line]


def test_unconfigured_signer_leaves_the_block_blank(other, tr, tmp_path):
    bare = dataclasses.replace(other, signer_title=(), signer_name="", recipients=())
    document = Document(str(write_year_report(bare, tmp_path / "bare.docx", tr=tr)))
    left, right = _signature_table(document).rows[0].cells
    assert _cell_lines(left) == ["Nơi nhận:"]
    assert [line.strip() for line in _cell_lines(right)] == [""] * 6
    assert "Ký tên" not in _all_docx_text(document)


def test_other_plan_sheet_has_its_title_rows_and_support_rows_never_overdue(other, tr, tmp_path):
    book = load_workbook(write_tracking_sheet(other, tmp_path / "o.xlsx", tr=tr))
    sheet = book.worksheets[0]
    assert book.sheetnames == ["12-KH-STC", "Nhật ký nhắc việc"]
    assert [sheet.cell(row, 1).value for row in range(1, 4)] == [
        "UBND TỈNH BẮC NINH - SỞ TÀI CHÍNH",
        "Theo dõi thực hiện Kế hoạch số 12/KH-STC ngày 06/01/2025 về triển khai thực hiện "
        "chuyển đổi số năm 2025",
        "Tình hình đến ngày 05/06/2025",
    ]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    assert [(r[0], r[2], r[3], r[6], r[10]) for r in rows] == [
        (1, "Phòng Ngân sách", "Chủ trì", "Hoàn thành đúng hạn", None),
        (1, "Văn phòng Sở", "Phối hợp", "Phối hợp", None),
        (2, "Phòng Ngân sách", "Chủ trì", "Hoàn thành đúng hạn", None),
        (2, "Phòng Tin học - Thống kê", "Chủ trì", "Quá hạn 16 ngày", 16),
        (2, "Văn phòng Sở", "Phối hợp", "Đã báo cáo", None),
    ]
    assert rows[1][1] == "Rà soát danh mục dữ liệu dùng chung của ngành tài chính"
    assert not [r for r in rows if r[3] == "Phối hợp" and "Quá hạn" in str(r[6])]


def test_other_plan_chart_shows_no_supporting_unit_overdue(other, tr):
    figure = build_status_figure(other, tr=tr)
    axes, counts = figure.axes
    texts = [text.get_text() for text in axes.texts]
    assert "30/04 · Hoàn thành đúng hạn" in texts  # task 1: its supporting unit never reported
    assert "20/05 · Quá hạn 16 ngày" in texts  # task 2: the lead unit still owing
    assert [label.get_text() for label in counts.get_yticklabels()] == ["1/1", "1/2"]
    title = [text.get_text() for text in figure.texts]
    assert "Tiến độ thực hiện Kế hoạch số 12/KH-STC" in title
