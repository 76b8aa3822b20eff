"""Each table shape of DESIGN's "Reading the appendix table", as .txt, .md and .docx alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from bot.domain.model import Every, ParsedPlan, Schedule, ScheduleKind
from bot.importer import read_plan

PREAMBLE = ["Số: 9/KH-UBND", "Hà Nội, ngày 05 tháng 01 năm 2026", "KẾ HOẠCH", "Thử nghiệm"]
Rows = Sequence[Sequence[str]]
Writer = Callable[[Path, Rows], Path]


def write_txt(path: Path, rows: Rows) -> Path:
    lines = [*PREAMBLE, "", *("\t".join(cells) for cells in rows)]
    target = path.with_suffix(".txt")
    target.write_text("\n".join(lines) + "\n", "utf-8")
    return target


def write_md(path: Path, rows: Rows, *, header_rows: int = 1) -> Path:
    width = max(len(cells) for cells in rows)
    lines = [*PREAMBLE, ""]
    for index, cells in enumerate(rows):
        lines.append("| " + " | ".join(cells) + " |")
        if index == header_rows - 1:
            lines.append("|" + "---|" * width)
    target = path.with_suffix(".md")
    target.write_text("\n".join(lines) + "\n", "utf-8")
    return target


def write_docx(path: Path, rows: Rows) -> Path:
    document = Document()
    for line in PREAMBLE:
        document.add_paragraph(line)
    width = max(len(cells) for cells in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=False):
            cell.text = text
    target = path.with_suffix(".docx")
    document.save(str(target))
    return target


WRITERS: dict[str, Writer] = {"txt": write_txt, "md": write_md, "docx": write_docx}


@pytest.fixture(params=sorted(WRITERS))
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def write(fmt: str, tmp_path: Path) -> Callable[[Rows], ParsedPlan]:
    def read(rows: Rows) -> ParsedPlan:
        return read_plan(WRITERS[fmt](tmp_path / "plan", rows))

    return read


def summary(plan: ParsedPlan) -> list[tuple[int, str, str, tuple[str, ...], str]]:
    return [(t.no, t.label, t.section, t.lead, t.when) for t in plan.tasks]


SECTIONS_RESTARTING = [
    ["STT", "Tên nhiệm vụ", "Kết quả dự kiến", "Đơn vị thực hiện", "Thời hạn hoàn thành"],
    ["I", "CƠ CHẾ, CHÍNH SÁCH", "", "", ""],
    ["1", "Rà soát văn bản", "Báo cáo", "Sở Tư pháp", "Quý I/2026"],
    ["2", "Ban hành quy chế", "Quyết định", "Văn phòng UBND tỉnh", "Tháng 6/2026"],
    ["II", "HẠ TẦNG SỐ", "", "", ""],
    ["1", "Nâng cấp mạng", "Hệ thống", "Sở KH&CN", "2026 - 2030"],
    ["", "- Mở rộng đến cấp xã", "Hệ thống", "", "Năm 2027"],
]


def test_roman_sections_restart_numbering_and_label_each_task(
    write: Callable[[Rows], ParsedPlan], fmt: str
) -> None:
    plan = write(SECTIONS_RESTARTING)
    # A flat copy cannot tell an empty cell from a merged one, so it reads it as merged; a
    # .docx says, and these cells were not merged.
    carried = () if fmt == "docx" else ("Sở Khoa học và Công nghệ",)
    assert summary(plan) == [
        (1, "I.1", "I. CƠ CHẾ, CHÍNH SÁCH", ("Sở Tư pháp",), "Quý I/2026"),
        (2, "I.2", "I. CƠ CHẾ, CHÍNH SÁCH", ("Văn phòng Ủy ban nhân dân tỉnh",), "Tháng 6/2026"),
        (3, "II.1", "II. HẠ TẦNG SỐ", ("Sở Khoa học và Công nghệ",), "2026 - 2030"),
        # An unnumbered list item right after a task continues it (a merged number cell).
        (4, "II.1b", "II. HẠ TẦNG SỐ", carried, "Năm 2027"),
    ]
    # The span starts at the plan's issue date (05/01/2026), not before it existed.
    assert plan.tasks[2].schedule == Schedule.recurring(
        Every.YEAR, start=date(2026, 1, 5), end=date(2030, 12, 31)
    )
    # "Kết quả dự kiến" is kept out of every parsed field.
    assert all("Báo cáo" not in (t.when, *t.lead) for t in plan.tasks)
    assert [w for w in plan.warnings if w.startswith("Hàng")] == []


def test_continuous_numbering_under_sections_keeps_plain_labels(
    write: Callable[[Rows], ParsedPlan],
) -> None:
    plan = write(
        [
            ["TT", "Nội dung/nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"],
            ["A", "Nhóm thứ nhất", "", "", ""],
            ["1.", "Việc một", "Ban ISO", "", "Trước 10/02/2026"],
            ["B", "Nhóm thứ hai", "", "", ""],
            ["2.", "Việc hai", "Văn phòng Sở", "Ban ISO", "Hằng quý"],
        ]
    )
    assert [(t.label, t.section) for t in plan.tasks] == [
        ("1", "A. Nhóm thứ nhất"),
        ("2", "B. Nhóm thứ hai"),
    ]
    assert plan.tasks[0].schedule == Schedule.deadline(date(2026, 2, 9))


def test_dotted_numbers_are_kept_as_printed(write: Callable[[Rows], ParsedPlan]) -> None:
    plan = write(
        [
            ["Số TT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"],
            ["1", "Nhóm nhiệm vụ", "Ban ISO", "", "Năm 2026"],
            ["1.1", "Việc con", "Ban ISO", "", "Tháng 3/2026"],
            ["5.1.1", "Việc cháu", "Văn phòng Sở", "", "Theo kế hoạch riêng"],
        ]
    )
    assert [t.label for t in plan.tasks] == ["1", "1.1", "5.1.1"]
    assert plan.tasks[2].schedule == Schedule.as_regulated()


def test_repeated_header_and_column_codes_are_skipped(write: Callable[[Rows], ParsedPlan]) -> None:
    header = ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"]
    plan = write(
        [
            header,
            ["A", "B", "1", "2", "3"],
            ["1", "Việc một", "Ban ISO", "", "Quí IV-2026"],
            header,
            ["2", "Việc hai", "Ban ISO", "", "Quý IV.2026"],
        ]
    )
    assert [t.label for t in plan.tasks] == ["1", "2"]
    window = Schedule.window(date(2026, 10, 1), date(2026, 12, 31))
    assert [t.schedule for t in plan.tasks] == [window, window]
    assert plan.warnings == ()


def test_a_heading_in_the_content_column_and_no_time_column(
    write: Callable[[Rows], ParsedPlan],
) -> None:
    plan = write(
        [
            ["TT", "Chỉ tiêu", "Chủ trì"],
            ["", "I. Kinh tế số", ""],
            ["1", "Kinh tế số chiếm 45% GRDP", "Sở Tài chính"],
            ["", "II. Xã hội số", ""],
            ["1", "Phủ sóng 5G", "Sở KH&CN"],
        ]
    )
    assert [(t.label, t.section, t.schedule.kind) for t in plan.tasks] == [
        ("I.1", "I. Kinh tế số", ScheduleKind.UNKNOWN),
        ("II.1", "II. Xã hội số", ScheduleKind.UNKNOWN),
    ]
    assert plan.warnings[0].startswith("Bảng phụ lục không có cột thời gian")


def test_progress_is_the_time_only_without_a_time_column(
    write: Callable[[Rows], ParsedPlan],
) -> None:
    status = write(
        [
            ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tiến độ"],
            ["1", "Việc một", "Ban ISO", "31/10/2026", "Đã hoàn thành"],
        ]
    )
    assert status.tasks[0].schedule == Schedule.deadline(date(2026, 10, 31))
    progress = write(
        [
            ["STT", "Hoạt động", "Đơn vị chủ trì", "Tiến độ"],
            ["1", "Việc một", "Ban ISO", "Tháng 12 hằng năm"],
        ]
    )
    assert progress.tasks[0].schedule == Schedule.recurring(Every.YEAR, month=12)


@pytest.mark.parametrize("writer", [write_txt, write_md])
def test_a_flattened_merge_carries_lead_and_time_down(writer: Writer, tmp_path: Path) -> None:
    rows = [
        ["STT", "Tên thông tin", "Mức độ", "Thời gian phổ biến", "Đơn vị chịu trách nhiệm"],
        ["1", "Số đơn vị", "Chính thức", "Tháng 6/2025", "Vụ Chính quyền địa phương"],
        ["2", "Số đại biểu", "Chính thức", "", ""],
    ]
    plan = read_plan(writer(tmp_path / "flat", rows))
    assert [(t.lead, t.when) for t in plan.tasks] == [
        (("Vụ Chính quyền địa phương",), "Tháng 6/2025"),
        (("Vụ Chính quyền địa phương",), "Tháng 6/2025"),
    ]


def test_a_row_that_is_neither_task_nor_heading_is_a_warning(
    write: Callable[[Rows], ParsedPlan],
) -> None:
    plan = write(
        [
            ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"],
            ["1", "Việc một", "Ban ISO", "", "Năm 2026"],
            ["2", "", "", "Văn phòng Sở", "Quý II/2026"],
        ]
    )
    assert [t.label for t in plan.tasks] == ["1"]
    assert plan.to_json()["warnings"] == [
        "Hàng 2 của bảng phụ lục không phải nhiệm vụ cũng không phải tiêu đề mục nên chưa được"
        " nhập: 2 | Văn phòng Sở | Quý II/2026"
    ]


def test_a_two_row_header_in_text(tmp_path: Path) -> None:
    rows = [
        ["TT", "Nội dung", "Đơn vị thực hiện", "", "Thời gian thực hiện"],
        ["", "", "Chủ trì", "Phối hợp", ""],
        ["1", "Đánh giá nội bộ", "Ban ISO", "Văn phòng Sở", "Quý III/2026"],
    ]
    for plan in (
        read_plan(write_txt(tmp_path / "two", rows)),
        read_plan(write_md(tmp_path / "two", rows, header_rows=2)),
    ):
        (task,) = plan.tasks
        assert (task.lead, task.support) == (("Ban ISO Sở",), ("Văn phòng Sở",))


# --- .docx merges -------------------------------------------------------------------------------


def test_docx_vertical_and_horizontal_merges(tmp_path: Path) -> None:
    document = Document()
    for line in PREAMBLE:
        document.add_paragraph(line)
    rows = [
        ["STT", "Cơ quan chủ trì", "Cơ quan phối hợp", "Nội dung nhiệm vụ", "Thời hạn hoàn thành"],
        ["A.", "BỘ XÂY DỰNG", "", "", ""],
        ["1", "Bộ Xây dựng", "Bộ Tài chính", "- Việc thứ nhất", "Năm 2026"],
        ["", "", "", "- Việc thứ hai", "Giai đoạn 2026 - 2030"],
        ["", "", "", "- Việc thứ ba", ""],
        ["B.", "BỘ Y TẾ", "", "", ""],
        ["", "Bộ Y tế", "", "Việc không số", "2027"],
        ["I. MỘT NHÓM GHI CẢ VÀO Ô ĐẦU", "", "", "", ""],
        ["1", "Bộ Công an", "", "Việc cuối", "Tháng 12/2026"],
    ]
    table = document.add_table(rows=len(rows), cols=5)
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    table.cell(1, 1).merge(table.cell(1, 4)).text = "BỘ XÂY DỰNG"  # gridSpan section row
    table.cell(5, 1).merge(table.cell(5, 4)).text = "BỘ Y TẾ"
    table.cell(7, 0).merge(table.cell(7, 4)).text = "I. MỘT NHÓM GHI CẢ VÀO Ô ĐẦU"
    for column in (0, 1, 2):  # STT, lead and support merged down over the sub-rows
        table.cell(2, column).merge(table.cell(4, column))
    table.cell(3, 4).merge(table.cell(4, 4)).text = "Giai đoạn 2026 - 2030"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    plan = read_plan(path)
    assert [(t.label, t.section, t.lead, t.support, t.when) for t in plan.tasks] == [
        ("A.1", "A. BỘ XÂY DỰNG", ("Bộ Xây dựng",), ("Bộ Tài chính",), "Năm 2026"),
        ("A.1b", "A. BỘ XÂY DỰNG", ("Bộ Xây dựng",), ("Bộ Tài chính",), "Giai đoạn 2026 - 2030"),
        ("A.1c", "A. BỘ XÂY DỰNG", ("Bộ Xây dựng",), ("Bộ Tài chính",), "Giai đoạn 2026 - 2030"),
        ("B.1", "B. BỘ Y TẾ", ("Bộ Y tế",), (), "2027"),
        ("I.1", "I. MỘT NHÓM GHI CẢ VÀO Ô ĐẦU", ("Bộ Công an",), (), "Tháng 12/2026"),
    ]
    assert [w for w in plan.warnings if w.startswith("Hàng")] == []


def test_docx_an_empty_cell_that_is_not_merged_stays_empty(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "plain",
        [
            ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"],
            ["1", "Việc một", "Ban ISO", "Văn phòng Sở", "Năm 2026"],
            ["2", "Việc hai", "Ban ISO", "", "Năm 2026"],
        ],
    )
    assert read_plan(path).tasks[1].support == ()


def test_several_captioned_tables_in_one_document(tmp_path: Path) -> None:
    document = Document()
    for line in PREAMBLE:
        document.add_paragraph(line)
    for caption, rows in (
        ("1. Nhiệm vụ về dữ liệu", [["1.", "Việc A", "Bộ Công an", "30/09/2025"]]),
        ("2. Nhiệm vụ về hạ tầng", [["1.", "Việc B", "Bộ Tài chính", "31/10/2025"]]),
    ):
        document.add_paragraph(caption)
        table = document.add_table(rows=2, cols=4)
        header = ["STT", "Nhiệm vụ", "Cơ quan chủ trì thực hiện", "Thời hạn hoàn thành"]
        for row, cells in zip(table.rows, [header, *rows], strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    path = tmp_path / "captions.docx"
    document.save(str(path))
    plan = read_plan(path)
    assert [(t.label, t.section, t.schedule.due) for t in plan.tasks] == [
        ("1.1", "1. Nhiệm vụ về dữ liệu", date(2025, 9, 30)),
        ("2.1", "2. Nhiệm vụ về hạ tầng", date(2025, 10, 31)),
    ]
