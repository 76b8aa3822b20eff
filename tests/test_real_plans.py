"""Real published appendices (tests/data/real/, see its README) are read whole.

Each file is read as the CLI reads it (the default config's units), every task row is kept, and a
handful of rows are checked field by field. The expected values come from DESIGN's rules applied
to the rows as printed, not from running the parser.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from bot.app import catalog_for
from bot.cli import main
from bot.config import Config
from bot.domain.model import Every, ParsedPlan, ParsedTask, Schedule, ScheduleKind
from bot.importer import read_plan

REAL = Path(__file__).parent / "data" / "real"
FILES = [
    "ttg-2629-2025.docx",
    "ttg-2530-2025.docx",
    "ttg-2597-2025.txt",
    "vpcp-624-2025.md",
    "bnv-1383-2025.txt",
    "ubnd-bacninh-144-2025.md",
]
# Task rows per file, from the README's row counts: 2629 has 89 rows of which 14 are sections;
# 2530 has 33 task rows and 25 merged sub-rows (each a task of its own) under 14 sections; 2597
# has 32 rows of which 7 are sections; 624 has 138 rows in 4 tables of which 15 are sections;
# 1383 has 29 task rows and a row of column codes; 144 has 21 rows of which 2 are sections.
TASKS = {
    "ttg-2629-2025.docx": 75,
    "ttg-2530-2025.docx": 58,
    "ttg-2597-2025.txt": 25,
    "vpcp-624-2025.md": 123,
    "bnv-1383-2025.txt": 29,
    "ubnd-bacninh-144-2025.md": 19,
}
ARABIC = re.compile(r"[0-9]{1,3}\.?")


@pytest.fixture(scope="module")
def plans() -> dict[str, ParsedPlan]:
    catalog = catalog_for(Config())
    return {name: read_plan(REAL / name, catalog) for name in FILES}


def yearly(start: date, end: date) -> Schedule:
    return Schedule.recurring(Every.YEAR, start=start, end=end)


def month(year: int, number: int, last: int) -> Schedule:
    return Schedule.window(date(year, number, 1), date(year, number, last))


def by_label(plan: ParsedPlan, label: str) -> ParsedTask:
    (task,) = [task for task in plan.tasks if task.label == label]
    return task


def row_warnings(plan: ParsedPlan) -> list[str]:
    """The warnings about rows (not about units or times): none is expected on real files."""
    return [w for w in plan.warnings if w.startswith("Hàng ")]


@pytest.mark.parametrize("name", FILES)
def test_every_task_row_is_kept_and_numbered_in_order(
    plans: dict[str, ParsedPlan], name: str
) -> None:
    plan = plans[name]
    assert len(plan.tasks) == TASKS[name]
    assert [task.no for task in plan.tasks] == list(range(1, TASKS[name] + 1))
    labels = [task.label for task in plan.tasks]
    assert len(set(labels)) == len(labels)
    assert all(task.content for task in plan.tasks)
    assert row_warnings(plan) == []


@pytest.mark.parametrize(
    "name",
    ["ttg-2597-2025.txt", "vpcp-624-2025.md", "bnv-1383-2025.txt", "ubnd-bacninh-144-2025.md"],
)
def test_text_files_keep_as_many_tasks_as_they_have_numbered_rows(
    plans: dict[str, ParsedPlan], name: str
) -> None:
    lines = (REAL / name).read_text("utf-8").splitlines()
    separator = "\t" if name.endswith(".txt") else "|"
    firsts = [line.strip().strip("|").split(separator)[0].strip() for line in lines]
    assert len(plans[name].tasks) == sum(1 for cell in firsts if ARABIC.fullmatch(cell))


def test_word_files_keep_every_row_but_the_section_rows(plans: dict[str, ParsedPlan]) -> None:
    for name, sections in (("ttg-2629-2025.docx", 14), ("ttg-2530-2025.docx", 14)):
        table = docx.Document(str(REAL / name)).tables[-1]
        assert len(plans[name].tasks) == len(table.rows) - 1 - sections


@pytest.mark.parametrize("name", FILES)
def test_the_cli_parses_each_file_with_exit_zero(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["parse", str(REAL / name), "--json"])
    out, _ = capsys.readouterr()
    assert status == 0
    data: dict[str, Any] = json.loads(out)
    assert len(data["tasks"]) == TASKS[name]
    assert list(data["tasks"][0]) == [
        "no",
        "label",
        "section",
        "content",
        "lead",
        "support",
        "when",
        "schedule",
    ]
    assert isinstance(data["warnings"], list) and data["warnings"]


def test_2629_roman_sections_restart_numbering(plans: dict[str, ParsedPlan]) -> None:
    plan = plans["ttg-2629-2025.docx"]
    assert (plan.number, plan.issued) == ("2629/QĐ-TTg", date(2025, 12, 1))
    assert plan.title == "VỀ VIỆC PHÊ DUYỆT CHƯƠNG TRÌNH PHÁT TRIỂN CHÍNH PHỦ SỐ"
    first = plan.tasks[0]
    assert (first.label, first.section) == ("I.1", "I. Hoàn thiện thể chế")
    assert first.lead == ("Bộ Khoa học và Công nghệ",)
    assert first.support == (
        "Bộ Công an",
        "Bộ Tài chính",
        "Bộ Nội vụ",
        "Các bộ, ngành, địa phương khác có liên quan",
    )
    assert first.schedule == month(2025, 12, 31)
    assert plan.tasks[14].label == "II.1"
    # A multi-year span starts at the issue date, not on 01/01/2025.
    assert plan.tasks[14].schedule == yearly(date(2025, 12, 1), date(2030, 12, 31))
    assert by_label(plan, "III.1.1.1").section.startswith("III.1.1. Nhóm các nền tảng số")
    assert by_label(plan, "III.1.1.1").schedule == month(2026, 2, 28)  # "Tháng 02/2026"
    assert by_label(plan, "III.1.2.5").section.startswith("III.1.2. Nhóm các nền tảng phục vụ")
    assert by_label(plan, "I.14").lead == ("Bộ Công an (Trung tâm Dữ liệu quốc gia)",)
    # Role text after the units ("… với các tiêu chuẩn …") is not a unit.
    assert by_label(plan, "I.4").lead == (
        "Bộ Công an",
        "Bộ Khoa học và Công nghệ",
        "Các bộ, ngành",
    )
    unknown = [t.label for t in plan.tasks if t.schedule.kind is ScheduleKind.UNKNOWN]
    assert unknown == ["III.1.3.23"]  # "Bắt đầu triển khai từ năm 2026"
    assert plan.tasks[-1].label == "IX.2"


def test_2530_vertical_merges_make_sub_rows_with_the_lead_carried_down(
    plans: dict[str, ParsedPlan],
) -> None:
    plan = plans["ttg-2530-2025.docx"]
    assert (plan.number, plan.issued) == ("2530/QĐ-TTg", date(2025, 11, 19))
    assert [t.label for t in plan.tasks[:6]] == ["A.1", "A.1b", "A.1c", "A.1d", "A.1e", "A.2"]
    sub_row = plan.tasks[1]
    assert sub_row.section == "A. BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    assert sub_row.lead == ("Bộ Nông nghiệp và Môi trường",)
    assert sub_row.support == (
        "Bộ Khoa học và Công nghệ",
        "Bộ Xây dựng",
        "Bộ Công Thương",
        "Các bộ, ngành liên quan",
        "Ủy ban nhân dân các tỉnh/thành phố",
    )
    # A single-row section with no STT: the row is the section's first task.
    assert [t.label for t in plan.tasks if t.section == "D. BỘ KHOA HỌC VÀ CÔNG NGHỆ"] == [
        "D.1",
        "D.1b",
        "D.1c",
    ]
    # Section G's sub-row has its own supporting unit; lead and STT come from the merge.
    g_sub = by_label(plan, "G.1b")
    assert (g_sub.lead, g_sub.support) == (
        ("Bộ Giáo dục và Đào tạo",),
        ("Các bộ, ngành liên quan",),
    )
    assert by_label(plan, "K.1").lead == ("Bộ Văn hóa, Thể thao và Du lịch",)
    assert by_label(plan, "A.2").schedule == yearly(date(2026, 1, 1), date(2030, 12, 31))
    assert by_label(plan, "D.1c").schedule == Schedule.recurring(Every.QUARTER)
    assert by_label(plan, "N.2").schedule == Schedule.deadline(date(2029, 12, 31))
    assert sum(t.schedule.kind is ScheduleKind.UNKNOWN for t in plan.tasks) == 18
    # Sections F and J do not exist: the Vietnamese alphabet skips them.
    assert not [t for t in plan.tasks if t.label.startswith(("F.", "J."))]


def test_2597_bare_years_and_year_spans(plans: dict[str, ParsedPlan]) -> None:
    plan = plans["ttg-2597-2025.txt"]
    assert (plan.number, plan.issued) == ("2597/QĐ-TTg", date(2025, 11, 27))
    first = plan.tasks[0]
    assert (first.label, first.section) == ("I.1", "I. CƠ CHẾ, CHÍNH SÁCH")
    assert (first.lead, first.support) == (("Bộ Xây dựng",), ("Các bộ, ngành liên quan",))
    assert first.schedule == Schedule.window(date(2026, 1, 1), date(2026, 12, 31))
    assert plan.tasks[2].schedule == yearly(date(2026, 1, 1), date(2027, 12, 31))
    assert plan.tasks[5].label == "II.1"
    assert plan.tasks[-1].label == "VII.3"
    assert plan.tasks[-1].schedule == yearly(date(2026, 1, 1), date(2030, 12, 31))
    # Line 29: "Bộ Xây dựng, các địa phương" is two units; "và" inside a Bộ's name is not a cut.
    line_29 = next(t for t in plan.tasks if t.lead[0] == "Bộ Xây dựng" and len(t.lead) == 2)
    assert (line_29.label, line_29.lead) == ("III.1", ("Bộ Xây dựng", "Các địa phương"))
    assert by_label(plan, "III.3").support == (
        "Bộ Tài chính",
        "Bộ Nông nghiệp và Môi trường",
        "Các địa phương",
    )
    assert by_label(plan, "III.5").support == (
        "Bộ Khoa học và Công nghệ",
        "Các doanh nghiệp viễn thông",
    )
    assert not [t for t in plan.tasks if t.schedule.kind is ScheduleKind.UNKNOWN]


def test_624_captioned_tables_and_irregular_numbering(plans: dict[str, ParsedPlan]) -> None:
    plan = plans["vpcp-624-2025.md"]
    assert (plan.number, plan.issued) == ("624/TB-VPCP", date(2025, 11, 16))
    first = plan.tasks[0]
    assert first.label == "1.1"
    assert first.section == (
        "1. Các nhiệm vụ về khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quá hạn"
        " chưa hoàn thành"
    )
    assert first.schedule == Schedule.deadline(date(2025, 10, 18))
    assert [plan.tasks[9].label, plan.tasks[55].label] == ["2.1", "3.1"]
    second_annex = plan.tasks[74]
    assert (second_annex.label, second_annex.section) == (
        "1",
        "Nhiệm vụ giao Bộ trưởng Bộ Khoa học và Công nghệ chỉ đạo",
    )
    # "Tiến độ" is a status column here (there is a "Thời hạn"): the time is the deadline.
    assert second_annex.when == "10/10/2025"
    # As published: …19, 22, 20, 21, 22…, 36, 37, 37, 39…
    assert [t.label for t in plan.tasks[92:97]] == ["19", "22", "20", "21", "22b"]
    assert [t.label for t in plan.tasks[110:114]] == ["36", "37", "37b", "39"]
    assert plan.tasks[-1].lead == ("EVN",)
    routine = [t.label for t in plan.tasks if t.when == "Nhiệm vụ thường xuyên"]
    assert routine == ["10", "11", "12"]
    assert by_label(plan, "12").schedule == Schedule.recurring(Every.QUARTER)


def test_1383_flattened_merges_carry_time_and_unit_down(plans: dict[str, ParsedPlan]) -> None:
    plan = plans["bnv-1383-2025.txt"]
    assert (plan.number, plan.issued) == ("1383/QĐ-BNV", date(2025, 11, 26))
    assert [t.label for t in plan.tasks] == [str(no) for no in range(1, 30)]
    assert all(task.section == "" for task in plan.tasks)
    second = plan.tasks[1]  # time, form and unit cells empty: merged with row 1
    assert (second.content, second.lead, second.when) == (
        "Số đại biểu Hội đồng nhân dân",
        ("Vụ Chính quyền địa phương",),
        "Tháng 6/2025",
    )
    assert second.schedule == month(2025, 6, 30)
    assert plan.tasks[20].lead == ("Cục Văn thư và Lưu trữ nhà nước",)  # row 21, merged
    assert plan.tasks[28].schedule == month(2026, 3, 31)
    assert all(task.schedule.kind is ScheduleKind.WINDOW for task in plan.tasks)


def test_144_no_time_column_and_sections_in_the_content_column(
    plans: dict[str, ParsedPlan],
) -> None:
    plan = plans["ubnd-bacninh-144-2025.md"]
    assert (plan.number, plan.issued) == ("144/KH-UBND", date(2025, 11, 24))
    assert [t.label for t in plan.tasks[:7]] == ["I.1", "I.2", "I.3", "I.4", "I.5", "I.6", "II.1"]
    assert {t.section for t in plan.tasks} == {"I. Kinh tế số", "II. Xã hội số"}
    assert all(t.schedule == Schedule.unknown() and t.when == "" for t in plan.tasks)
    # "Sở KH&CN chủ trì …; Các sở, ngành, UBND cấp xã thực hiện …"
    assert plan.tasks[1].lead == (
        "Sở Khoa học và Công nghệ",
        "Các sở, ngành",
        "Ủy ban nhân dân cấp xã",
    )
    assert plan.tasks[2].lead == ("Sở Khoa học và Công nghệ",)
    assert plan.tasks[5].lead == (
        "Sở Giáo dục và Đào tạo",
        "Sở Nội vụ",
        "Sở Khoa học và Công nghệ",
    )
    assert plan.warnings[0] == (
        "Bảng phụ lục không có cột thời gian (Thời gian, Thời hạn…); các nhiệm vụ được nhập"
        " nhưng chưa có hạn, chờ Văn phòng đặt hạn."
    )


@pytest.mark.parametrize(
    "name",
    ["ttg-2597-2025.txt", "vpcp-624-2025.md", "bnv-1383-2025.txt", "ubnd-bacninh-144-2025.md"],
)
def test_a_decomposed_copy_reads_the_same(
    plans: dict[str, ParsedPlan], name: str, tmp_path: Path
) -> None:
    copy = tmp_path / name
    copy.write_text(unicodedata.normalize("NFD", (REAL / name).read_text("utf-8")), "utf-8")
    assert read_plan(copy, catalog_for(Config())).to_json() == plans[name].to_json()
