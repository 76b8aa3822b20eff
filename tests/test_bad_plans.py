"""Bad input: one clear line and exit 2 for what cannot be a plan, warnings for what can."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from bot.cli import main
from bot.domain.model import ScheduleKind
from bot.importer import PlanFormatError, read_plan

HEAD = "Số: 3/KH-SGDĐT\nHưng Yên, ngày 10 tháng 01 năm 2026\nKẾ HOẠCH\nThử\n\n"
HEADER = "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện\n"
ROW = "{no}\tViệc số {no}\tBan ISO\tVăn phòng Sở\tTrước 15/12/2026\n"


def parse_fails(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    """Run `parse --json` as a user would; return its one line of error."""
    status = main(["parse", str(path), "--json"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    return err.strip()


def test_a_docx_without_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = Document()
    for line in ("Số: 3/KH-SGDĐT", "KẾ HOẠCH", "Một kế hoạch không có phụ lục."):
        document.add_paragraph(line)
    path = tmp_path / "no-table.docx"
    document.save(str(path))
    assert parse_fails(capsys, path).startswith(
        "nhacviec: no-table.docx: Không tìm thấy bảng phụ lục nhiệm vụ."
    )


def test_a_table_without_a_recognisable_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = Document()
    document.add_paragraph("Số: 3/KH-SGDĐT")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Cột A", "Cột B", "Cột C"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("1", "Việc", "Ban ISO"), strict=True):
        cell.text = text
    path = tmp_path / "no-header.docx"
    document.save(str(path))
    assert "Không tìm thấy bảng phụ lục" in parse_fails(capsys, path)
    text = tmp_path / "no-header.txt"
    text.write_text(HEAD + "Cột A\tCột B\tCột C\n1\tViệc\tBan ISO\n", "utf-8")
    assert "Không tìm thấy bảng phụ lục" in parse_fails(capsys, text)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("picture.docx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
        ("binary.txt", bytes(range(256)) * 8),
        ("letter.md", "Kính gửi các phòng,\n\nĐề nghị báo cáo trước ngày 15.\n".encode()),
        ("plan.pdf", b"%PDF-1.7\n"),
    ],
)
def test_a_file_that_is_not_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert parse_fails(capsys, path).startswith(f"nhacviec: {name}: ")


def test_a_table_none_of_whose_rows_is_a_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(HEAD + HEADER + "\t\t\t\tGhi chú cuối bảng\n9\t\t\t\t\n", "utf-8")
    error = parse_fails(capsys, path)
    assert "Đã tìm thấy bảng phụ lục nhưng không đọc được nhiệm vụ nào trong 2 hàng" in error
    with pytest.raises(PlanFormatError):
        read_plan(path)


def test_a_ten_megabyte_plan_is_read_with_its_table(tmp_path: Path) -> None:
    rows = "".join(ROW.format(no=no) for no in range(1, 201))
    prose = "Ghi chú: nội dung dài không thuộc bảng, Sở Tài chính và các đơn vị. " * 150_000
    path = tmp_path / "big.txt"
    path.write_text(HEAD + HEADER + rows + "\n" + prose + "\n", "utf-8")
    assert path.stat().st_size > 10_000_000
    plan = read_plan(path)
    assert len(plan.tasks) == 200
    assert plan.warnings == ()


def test_a_ten_megabyte_file_that_is_not_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.txt"
    # A header row repeated 300,000 times: a table, but not one task in it.
    path.write_text("Nội dung\tChủ trì không phải bảng\n" * 300_000, "utf-8")
    assert path.stat().st_size > 10_000_000
    assert "không đọc được nhiệm vụ nào trong 299999 hàng" in parse_fails(capsys, path)
    prose = tmp_path / "prose.md"
    prose.write_text("Một dòng văn xuôi | không phải bảng.\n" * 300_000, "utf-8")
    assert prose.stat().st_size > 10_000_000
    assert "Không tìm thấy bảng phụ lục" in parse_fails(capsys, prose)


def test_a_row_of_forty_columns_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    wide = "1\tViệc rộng\tBan ISO\t\tNăm 2026" + "\tthừa" * 35 + "\n"
    path.write_text(HEAD + HEADER + wide + ROW.format(no=2), "utf-8")
    plan = read_plan(path)
    assert [t.content for t in plan.tasks] == ["Việc rộng", "Việc số 2"]
    (warning,) = plan.warnings
    assert warning.startswith(
        "Hàng 1 của bảng phụ lục có 40 ô, nhiều hơn 5 cột của hàng tiêu đề; các ô thừa không"
        " được đọc: thừa | thừa"
    )
    assert len(warning) < 300


def test_a_cell_of_a_hundred_thousand_characters(tmp_path: Path) -> None:
    huge = "Trước 15/12/2026 và " * 5_000
    path = tmp_path / "long.txt"
    path.write_text(HEAD + HEADER + f"1\t{'x' * 100_000}\tBan ISO\t\t{huge}\n", "utf-8")
    plan = read_plan(path)
    (task,) = plan.tasks
    assert len(task.content) == 100_000
    assert task.schedule.kind is ScheduleKind.UNKNOWN
    (warning,) = plan.warnings
    assert warning.startswith("Nhiệm vụ 1: không xác định được thời gian thực hiện “Trước")
    assert len(warning) < 300
