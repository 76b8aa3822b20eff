"""Plan 187/KH-SGDĐT read from every format the Office may hold it in, and what is reported."""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from docx import Document
from docx.table import Table as DocxTable

from bot.domain.model import ParsedPlan, ScheduleKind
from bot.domain.units import UnitCatalog
from bot.importer import PlanFormatError, parse_plan_text, read_plan

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "bot" / "data" / "187-KH-SGDDT-2022.txt"
EXPECTED = Path(__file__).resolve().parent / "data" / "187-KH-SGDDT-2022.expected.json"
SHARED_EXPECTED = REPO.parent / "shared" / "plans" / "187-KH-SGDDT-2022.expected.json"
IMPORTER_PO = REPO / "locales" / "vi" / "LC_MESSAGES" / "importer.po"
TITLE_MISSING = (
    "Không tìm thấy trích yếu của văn bản (dòng ngay sau “KẾ HOẠCH”, “QUYẾT ĐỊNH” hoặc"
    " “THÔNG BÁO”)."
)
TASK_1 = (
    "Xây dựng kế hoạch duy trì và áp dụng HTQLCL tiêu chuẩn quốc gia TCVN ISO 9001:2015 năm 2022"
)


@pytest.fixture(scope="module")
def plan_text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference(plan_text: str) -> dict[str, Any]:
    """The plan as read from the bundled .txt: what every other format must give too."""
    return parse_plan_text(plan_text).to_json()


def split_plan(text: str) -> tuple[list[str], list[str], list[list[str]]]:
    """Cut the .txt into the lines above the appendix, its header cells and its rows."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TT\t"))
    return (
        lines[:start],
        lines[start].split("\t"),
        [line.split("\t") for line in lines[start + 1 :]],
    )


def without_prose(plan: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """Keep only the fields expected.json holds (it leaves out the title, content, labels…)."""
    keys = expected["tasks"][0].keys()
    tasks = [{k: v for k, v in task.items() if k in keys} for task in plan["tasks"]]
    return {"number": plan["number"], "issued": plan["issued"], "tasks": tasks}


def replace_row(text: str, no: int, new_line: str) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{no}\t"))
    lines[index] = new_line
    return "\n".join(lines)


def task_numbers(plan: ParsedPlan) -> list[int]:
    return [task.no for task in plan.tasks]


# --- the shared plan ----------------------------------------------------------------------------


def test_the_shared_plan_gives_exactly_the_expected_json() -> None:
    plan = read_plan(BUNDLED)
    data = plan.to_json()
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert without_prose(data, expected) == expected
    assert [(t["label"], t["section"]) for t in data["tasks"]] == [
        (str(no), "") for no in range(1, 11)
    ]
    assert data["warnings"] == []
    assert data["title"].startswith("Duy trì áp dụng, cải tiến Hệ thống quản lý chất lượng")
    assert all(task["content"] for task in data["tasks"])
    assert data["tasks"][0]["content"] == TASK_1
    assert plan.warnings == ()


@pytest.mark.skipif(not SHARED_EXPECTED.exists(), reason="no shared/ folder beside the repo")
def test_the_test_copy_of_expected_json_is_the_shared_one() -> None:
    shared = json.loads(SHARED_EXPECTED.read_text(encoding="utf-8"))
    assert json.loads(EXPECTED.read_text(encoding="utf-8")) == shared


def test_task_10_lead_is_not_repeated_as_support() -> None:
    task = read_plan(BUNDLED).tasks[-1]
    assert task.lead == ("Ban ISO Sở",)
    assert task.support == ("Lãnh đạo Sở", "Các phòng thuộc Sở")
    assert task.schedule.kind is ScheduleKind.AS_REGULATED


# --- the same plan in other shapes --------------------------------------------------------------


def _multi_line_cell(text: str, cell: Any) -> None:
    """Write the text into a Word cell as two paragraphs, the second holding a line break."""
    words = text.split(" ")
    cell.text = " ".join(words[:4])
    run = cell.add_paragraph().add_run(" ".join(words[4:7]))
    run.add_break()
    cell.paragraphs[-1].add_run(" ".join(words[7:]))


def _fill(table: DocxTable, rows: list[list[str]]) -> None:
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value


def write_docx(path: Path, text: str, *, split_at: int | None = None) -> Path:
    """Rebuild the plan as an official .docx: header block in a borderless table, then the
    body paragraphs, then the appendix table (optionally split in two, header repeated)."""
    preamble, header, rows = split_plan(text)
    document = Document()
    block = document.add_table(rows=1, cols=2)
    left, right = block.rows[0].cells
    left.text = "SỞ GIÁO DỤC VÀ ĐÀO TẠO\nHƯNG YÊN"
    left.add_paragraph("Số: 187/KH-SGDĐT")
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    right.add_paragraph("Độc lập - Tự do - Hạnh phúc")
    right.add_paragraph("Hung Yên, ngày 07 tháng 02 năm 2022")
    for line in preamble:
        if line.strip() and not line.startswith(("Số:", "Hung Yên")):
            document.add_paragraph(line)
    parts = [rows[:split_at], rows[split_at:]] if split_at else [rows]
    for part in parts:
        table = document.add_table(rows=len(part) + 1, cols=len(header))
        _fill(table, [header, *part])
        for row, cells in zip(table.rows[1:], part, strict=True):
            if cells[1] == TASK_1:
                _multi_line_cell(TASK_1, row.cells[1])
        document.add_paragraph("")
    document.save(str(path))
    return path


def write_markdown(path: Path, text: str) -> Path:
    preamble, header, rows = split_plan(text)
    lines = [f"**{line}**" if line == "KẾ HOẠCH" else line for line in preamble]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for cells in rows:
        if cells[1] == TASK_1:
            cells = [cells[0], TASK_1.replace(" HTQLCL ", " HTQLCL<br>"), *cells[2:]]
        lines.append("| " + " | ".join(cells) + " |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_docx_with_a_multi_line_cell_reads_the_same(
    tmp_path: Path, plan_text: str, reference: dict[str, Any]
) -> None:
    plan = read_plan(write_docx(tmp_path / "187.docx", plan_text))
    assert plan.to_json() == reference
    assert plan.tasks[0].content == TASK_1
    assert plan.warnings == ()


def test_an_appendix_split_over_two_word_tables_reads_as_one(
    tmp_path: Path, plan_text: str, reference: dict[str, Any]
) -> None:
    plan = read_plan(write_docx(tmp_path / "187.docx", plan_text, split_at=5))
    assert plan.to_json() == reference
    assert plan.warnings == ()


def test_a_word_table_with_a_two_row_header_and_merged_cells(tmp_path: Path) -> None:
    document = Document()
    for line in ("Số: 05/KH-SGDĐT", "Hưng Yên, ngày 05 tháng 6 năm 2023", "KẾ HOẠCH", "Thử"):
        document.add_paragraph(line)
    table = document.add_table(rows=5, cols=5)
    _fill(
        table,
        [
            ["TT", "Nội dung", "Đơn vị thực hiện", "", "Thời gian thực hiện"],
            ["", "", "Chủ trì", "Phối hợp", ""],
            ["1", "Đánh giá nội bộ", "Ban ISO", "Văn phòng Sở", "Quý III"],
            ["2", "Khắc phục", "Lãnh đạo Sở\nBan ISO", "", ""],
            ["II", "Nhóm nhiệm vụ khác", "", "", ""],
        ],
    )
    table.cell(0, 2).merge(table.cell(0, 3)).text = "Đơn vị thực hiện"
    for column in (0, 1, 4):
        table.cell(0, column).merge(table.cell(1, column))
    table.cell(2, 4).merge(table.cell(3, 4)).text = "Quý III"  # both tasks in one time cell
    path = tmp_path / "two-row-header.docx"
    document.save(str(path))
    plan = read_plan(path)
    assert [(t.no, t.lead, t.support, t.when) for t in plan.tasks] == [
        (1, ("Ban ISO Sở",), ("Văn phòng Sở",), "Quý III"),
        (2, ("Lãnh đạo Sở", "Ban ISO Sở"), (), "Quý III"),
    ]
    assert plan.tasks[1].schedule.to_json() == {
        "kind": "window",
        "start": "2023-07-01",
        "end": "2023-09-30",
    }
    assert plan.warnings == ()  # the trailing "II" row is a section heading with no task


def test_a_markdown_pipe_table_reads_the_same(
    tmp_path: Path, plan_text: str, reference: dict[str, Any]
) -> None:
    plan = read_plan(write_markdown(tmp_path / "187.md", plan_text))
    assert plan.to_json() == reference
    assert plan.warnings == ()


def test_decomposed_unicode_reads_the_same(plan_text: str, reference: dict[str, Any]) -> None:
    decomposed = unicodedata.normalize("NFD", plan_text)
    assert decomposed != plan_text
    assert parse_plan_text(decomposed).to_json() == reference


def test_a_windows_file_with_bom_and_crlf_reads_the_same(
    tmp_path: Path, plan_text: str, reference: dict[str, Any]
) -> None:
    path = tmp_path / "187.txt"
    path.write_bytes(b"\xef\xbb\xbf" + plan_text.replace("\n", "\r\n").encode("utf-8"))
    assert read_plan(path).to_json() == reference
    path.write_bytes(unicodedata.normalize("NFD", plan_text).encode("utf-16"))
    assert read_plan(path).to_json() == reference


def test_a_row_wrapped_over_several_lines_is_joined(
    plan_text: str, reference: dict[str, Any]
) -> None:
    wrapped = plan_text.replace(
        f"1\t{TASK_1}\t",
        "1\tXây dựng kế hoạch duy trì\nvà áp dụng HTQLCL tiêu chuẩn quốc gia\n"
        "TCVN ISO 9001:2015 năm 2022\t",
    ).replace("\tTừ 01/6 đến 30/7/2022", "\tTừ 01/6\nđến 30/7/2022")
    assert parse_plan_text(wrapped).to_json() == reference


def test_column_numbers_and_a_repeated_header_are_not_rows(plan_text: str) -> None:
    _, header, _ = split_plan(plan_text)
    text = plan_text.replace("\n1\t", "\n(1)\t(2)\t(3)\t(4)\t(5)\n1\t", 1)
    text = text.replace("\n6\t", "\n" + "\t".join(header) + "\n6\t", 1)
    plan = parse_plan_text(text)
    assert task_numbers(plan) == list(range(1, 11))
    assert plan.warnings == ()


def test_columns_are_found_by_their_heading_not_their_position() -> None:
    text = (
        "STT\tThời hạn\tNhiệm vụ\tCơ quan phối hợp\tCHỦ TRÌ\n"
        "1\tHằng quý\tBáo cáo tiến độ\tBan ISO\tVăn phòng Sở\n"
    )
    plan = parse_plan_text(text)
    (task,) = plan.tasks
    assert (task.no, task.content, task.lead, task.support) == (
        1,
        "Báo cáo tiến độ",
        ("Văn phòng Sở",),
        ("Ban ISO Sở",),
    )
    assert task.schedule.to_json() == {"kind": "recurring", "every": "quarter"}


def test_configured_units_are_canonical_in_tasks() -> None:
    catalog = UnitCatalog(units=["Phòng Kế hoạch, Tài chính"])
    text = (
        "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện\n"
        "1\tLập dự toán\tphòng kế hoạch, tài chính\tBan ISO, Văn phòng Sở\tTrước 15/12/2022\n"
    )
    (task,) = parse_plan_text(text, catalog).tasks
    assert task.lead == ("Phòng Kế hoạch, Tài chính",)
    assert task.support == ("Ban ISO Sở", "Văn phòng Sở")


# --- what cannot be read is reported, never dropped ---------------------------------------------


def test_a_row_with_an_odd_number_is_still_a_task_under_its_own_label(plan_text: str) -> None:
    text = replace_row(
        plan_text, 5, "x\tRà soát các quy trình ISO\tCác phòng thuộc Sở\tBan ISO\tThường xuyên"
    )
    plan = parse_plan_text(text)
    assert task_numbers(plan) == list(range(1, 11))
    assert (plan.tasks[4].label, plan.tasks[4].content) == ("x", "Rà soát các quy trình ISO")
    assert plan.warnings == ()


def test_a_numbered_row_without_content_is_reported_and_the_others_kept(plan_text: str) -> None:
    text = replace_row(plan_text, 5, "5\t\tCác phòng thuộc Sở\tBan ISO\tThường xuyên")
    plan = parse_plan_text(text)
    assert [task.label for task in plan.tasks] == ["1", "2", "3", "4", "6", "7", "8", "9", "10"]
    assert task_numbers(plan) == list(range(1, 10))
    (warning,) = plan.warnings
    assert warning == (
        "Hàng 5 của bảng phụ lục không phải nhiệm vụ cũng không phải tiêu đề mục nên chưa được"
        " nhập: 5 | Các phòng thuộc Sở | Ban ISO | Thường xuyên"
    )


def test_a_row_with_missing_cells_is_reported(plan_text: str) -> None:
    text = replace_row(
        plan_text, 7, "7\tTiến hành khắc phục\tLãnh đạo Sở, Ban ISO\tTháng 01/8 đến 15/9/2022"
    )
    plan = parse_plan_text(text)
    assert [task.label for task in plan.tasks] == ["1", "2", "3", "4", "5", "6", "8", "9", "10"]
    (warning,) = plan.warnings
    assert warning.startswith("Hàng 7 của bảng phụ lục có 4 ô thay vì 5 ô")
    assert "Tiến hành khắc phục" in warning


def test_a_duplicate_task_number_is_reported(plan_text: str) -> None:
    text = replace_row(
        plan_text, 9, "8\tRà soát tài liệu bên ngoài\tCác phòng thuộc Sở\tBan ISO\tThường xuyên"
    )
    plan = parse_plan_text(text)
    assert task_numbers(plan) == list(range(1, 11))
    assert [task.label for task in plan.tasks][7:] == ["8", "8b", "10"]
    assert plan.tasks[8].content == "Rà soát tài liệu bên ngoài"
    assert plan.warnings == ()


def test_an_unknown_time_is_kept_with_a_warning_naming_the_task(plan_text: str) -> None:
    text = plan_text.replace("\tTrước 30/9/2022", "\tSau Tết Nguyên đán")
    plan = parse_plan_text(text)
    task = plan.tasks[7]
    assert (task.no, task.when, task.schedule.kind) == (
        8,
        "Sau Tết Nguyên đán",
        ScheduleKind.UNKNOWN,
    )
    assert plan.warnings == (
        "Nhiệm vụ 8: không xác định được thời gian thực hiện “Sau Tết Nguyên đán”; "
        "nhiệm vụ vẫn được nhập nhưng chưa có hạn.",
    )


def test_warnings_follow_the_language(plan_text: str) -> None:
    text = plan_text.replace("\tTrước 30/9/2022", "\tkhi xong")
    plan = parse_plan_text(text, language="en")
    assert plan.warnings == (
        "Task 8: the time “khi xong” was not understood; the task was kept without a date.",
    )


def test_an_appendix_alone_takes_number_and_date_from_its_caption(plan_text: str) -> None:
    appendix = plan_text[plan_text.index("PHỤ LỤC") :]
    plan = parse_plan_text(appendix)
    assert (plan.number, plan.issued.isoformat() if plan.issued else None) == (
        "187/KH-SGDĐT",
        "2022-02-07",
    )
    assert plan.warnings == (TITLE_MISSING,)


def test_a_bare_table_warns_about_the_missing_header_block() -> None:
    text = (
        "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện\n"
        "1\tA\tBan ISO\t\tTrước 25/8\n"
    )
    plan = parse_plan_text(text)
    assert len(plan.tasks) == 1
    assert plan.tasks[0].schedule.kind is ScheduleKind.UNKNOWN  # no year to place 25/8 in
    assert plan.warnings[:3] == (
        "Không tìm thấy số văn bản (dòng “Số: …”).",
        "Không tìm thấy ngày ban hành (dòng “…, ngày … tháng … năm …”).",
        TITLE_MISSING,
    )


# --- files that are not plans --------------------------------------------------------------------


def test_a_text_without_appendix_is_a_format_error(tmp_path: Path, plan_text: str) -> None:
    path = tmp_path / "no-appendix.txt"
    path.write_text(plan_text[: plan_text.index("TT\t")], encoding="utf-8")
    with pytest.raises(PlanFormatError) as raised:
        read_plan(path)
    message = str(raised.value)
    assert message.startswith("no-appendix.txt: Không tìm thấy bảng phụ lục nhiệm vụ.")
    assert "TT, Nội dung, Đơn vị chủ trì, Đơn vị phối hợp và Thời gian thực hiện" in message


def test_a_docx_without_appendix_is_a_format_error(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Một kế hoạch không có phụ lục")
    document.save(str(tmp_path / "plain.docx"))
    with pytest.raises(PlanFormatError, match="Không tìm thấy bảng phụ lục"):
        read_plan(tmp_path / "plain.docx")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.pdf", b"%PDF-1.7", "Không hỗ trợ loại tệp “.pdf”"),
        ("plan.docx", b"not a zip file", "không phải là văn bản Word (.docx) hợp lệ"),
        ("plan.txt", b"TT\tN\xf4i dung", "không phải văn bản mã hóa UTF-8"),
    ],
)
def test_unreadable_files_are_format_errors(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanFormatError, match=re.escape(message)):
        read_plan(path)


def test_a_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFormatError, match="Không mở được tệp"):
        read_plan(tmp_path / "missing.txt")


# --- the Vietnamese catalog ----------------------------------------------------------------------


def _importer_msgids() -> set[str]:
    ids = set()
    for source in (REPO / "bot" / "importer").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "gettext":
                argument = node.args[0]
                if isinstance(argument, ast.Constant):
                    ids.add(argument.value)
    return ids


def test_every_importer_message_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    with IMPORTER_PO.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    translations = {message.id: message.string for message in catalog if message.id}
    assert _importer_msgids() <= translations.keys()
    for msgid, msgstr in translations.items():
        assert msgstr, msgid
        assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", msgstr)), msgid
