"""Issue 13 in the reports: what the Office reads in the .docx and .xlsx after verifying,
rejecting, extending and confirming for a unit — typed in chat, read back from the files.

The clock is the conftest's: Monday 01/08/2022, 09:00. Task 1 (Ban ISO Sở) is long overdue,
task 2 is due 24/08/2022 for nine units, task 3 (Ban ISO Sở) 04/09/2022, task 4 is quarterly.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path

import openpyxl
import pytest_asyncio
from docx import Document
from openpyxl.worksheet.worksheet import Worksheet

from bot.app import open_services
from bot.bundled import bundled_plan
from bot.clock import ManualClock
from bot.config import WorkflowConfig
from bot.domain.model import Role, StateKind
from bot.i18n import Translator
from bot.reports.docx_report import task_body_lines, time_lines
from bot.reports.sample import sample_report_data
from bot.reports.summary import summary_sentences
from bot.reports.text import extension_label, verification_label
from bot.reports.xlsx_sheet import ASSIGNMENT_COLUMNS, HEADER_ROW
from bot.services.facade import BotServices
from tests.conftest import Chat, make_config

ISO = "Ban ISO Sở"
OFFICE = "Văn phòng Sở"
HEAD_UNIT = "Phòng Giáo dục Trung học"
KHTC = "Phòng Kế hoạch - Tài chính"
TCCB = "Phòng Tổ chức cán bộ"


@pytest_asyncio.fixture
async def verifying(
    tmp_path: Path, clock: ManualClock, database_url: str
) -> AsyncIterator[BotServices]:
    """Plan 187 with `[workflow] verify = true`, on SQLite and PostgreSQL."""
    config = make_config(tmp_path, database_url=database_url, workflow=WorkflowConfig(verify=True))
    services = await open_services(config, clock=clock)
    await services.import_plan(services.read_plan(bundled_plan()))
    yield services
    await services.db.dispose()


# --- reading the files back ----------------------------------------------------------------


def sheet_rows(path: Path) -> dict[tuple[int, str, str | None], dict[str, object]]:
    """The assignment sheet as {(task, unit, period): {column title: value}}, as read in Excel."""
    sheet: Worksheet = openpyxl.load_workbook(path).worksheets[0]
    titles = [cell.value for cell in sheet[HEADER_ROW]]
    found = {}
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        values = dict(zip(titles, row, strict=True))
        found[(values["TT"], values["Đơn vị"], values["Kỳ"])] = values
    return found


def body_paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def task_body(paragraphs: list[str], no: int) -> list[str]:
    """The lines of section I.2 under "Nhiệm vụ N:", up to the next task or section."""
    start = next(i for i, text in enumerate(paragraphs) if text.startswith(f"Nhiệm vụ {no}:"))
    lines = []
    for text in paragraphs[start + 1 :]:
        if text.startswith("Nhiệm vụ ") or not text.startswith(("-", "+")):
            break
        lines.append(text)
    return lines


def appendix_row(path: Path, no: int) -> list[list[str]]:
    """The appendix table's row of task `no`, each cell as its lines."""
    table = Document(str(path)).tables[-1]
    row = next(r for r in table.rows if r.cells[0].text == str(no))
    return [[p.text for p in cell.paragraphs] for cell in row.cells]


# --- [workflow] verify = true ------------------------------------------------------------


async def test_an_unverified_confirmation_is_not_done_in_either_file(
    verifying: BotServices, tmp_path: Path
) -> None:
    chat = Chat(verifying)
    iso = await chat.registered("iso", ISO, Role.ISO, "Trần Thị Hoa")
    office = await chat.registered("o", OFFICE, Role.OFFICE, "Nguyễn Thị Lan")
    await iso.says("/xong 3 đã rà soát hồ sơ")
    await iso.says("/xong 1")
    assert (await office.says("/duyet 1")).startswith("Đã duyệt")
    assert "Đã ghi nhận thay cho" in await office.says("/xong 4 @KH-TC quý II nộp muộn")
    status = await verifying.status()
    assert status.task(3).state.kind is StateKind.AWAITING  # what /status says, the files say

    # No status passed in: the path `nhacviec report` takes, which once dropped the flag.
    docx = await verifying.write_report("docx", tmp_path / "r.docx", "vi")
    paragraphs = body_paragraphs(docx)
    overview = paragraphs[paragraphs.index("1. Kết quả chung") + 1]
    assert "1 nhiệm vụ hoàn thành quá hạn" in overview
    assert "1 nhiệm vụ chờ duyệt" in overview
    assert "hoàn thành đúng hạn" not in overview  # task 3 is not counted done
    assert task_body(paragraphs, 3) == [
        "- Tình hình thực hiện: Chờ duyệt.",
        "- Nội dung các đơn vị báo cáo:",
        "+ Ban ISO Sở: đã rà soát hồ sơ",
        "- Chờ duyệt: Ban ISO Sở.",
    ]
    task3 = appendix_row(docx, 3)
    assert task3[4][:2] == ["Chờ duyệt (0/1 đơn vị)", "Ban ISO Sở: Chờ duyệt (01/08/2022)"]
    assert task3[5] == [""]  # no completion date while it waits

    rows = sheet_rows(await verifying.write_report("xlsx", tmp_path / "r.xlsx", "vi"))
    waiting = rows[(3, ISO, None)]
    assert (waiting["Trạng thái"], waiting["Duyệt xác nhận"]) == ("Chờ duyệt", "Chờ duyệt")
    verified = rows[(1, ISO, None)]
    assert verified["Trạng thái"].startswith("Hoàn thành quá hạn")
    assert verified["Duyệt xác nhận"] == "Đã duyệt: Nguyễn Thị Lan"
    # A past quarter confirmed for the unit, not yet verified: waiting, not a missed period.
    quarter = rows[(4, KHTC, "quý II/2022")]
    assert quarter["Trạng thái"] == "Chờ duyệt"
    assert quarter["Người xác nhận"] == "Nguyễn Thị Lan (Văn phòng Sở xác nhận thay)"
    assert rows[(4, TCCB, "quý II/2022")]["Trạng thái"] == "Bỏ lỡ kỳ"
    task4 = appendix_row(docx, 4)[4]
    khtc = next(line for line in task4 if line.startswith(KHTC))
    assert khtc == f"{KHTC}: đã xác nhận 1/3 kỳ; chờ duyệt: quý II/2022; bỏ lỡ kỳ quý I/2022"


# --- extensions, confirmations for a unit, rejections ------------------------------------


async def test_extensions_on_behalf_and_rejections_in_both_files(
    chat: Chat, tmp_path: Path
) -> None:
    office = await chat.registered("o", OFFICE, Role.OFFICE, "Nguyễn Thị Lan")
    iso = await chat.registered("iso", ISO, Role.ISO, "Trần Thị Hoa")
    tccb = await chat.registered("t", TCCB, Role.HEAD, "Đỗ Văn Khánh")
    await office.says("/giahan 2 15/09/2022 chờ số liệu")
    await office.says("/giahan 2 30/09/2022 @KH-TC đang chờ Sở Tài chính")
    await office.says("/xong 2 @GDTrH đã nộp bản giấy")
    await tccb.says("/xong 2 đã gửi")
    assert (await iso.says(f"/tuchoi 2 @{TCCB} thiếu biên bản họp")).startswith("Đã trả lại")

    rows = sheet_rows(await chat.services.write_report("xlsx", tmp_path / "r.xlsx", "vi"))
    everyone = rows[(2, OFFICE, None)]
    assert everyone["Hạn"].date().isoformat() == "2022-09-15"
    assert everyone["Hạn gốc"].date().isoformat() == "2022-08-24"
    assert everyone["Gia hạn"] == "Tất cả các đơn vị: chờ số liệu"
    alone = rows[(2, KHTC, None)]
    assert alone["Hạn"].date().isoformat() == "2022-09-30"
    assert alone["Hạn gốc"].date().isoformat() == "2022-08-24"  # the plan's, not 15/09
    assert alone["Gia hạn"] == "Riêng đơn vị này: đang chờ Sở Tài chính"
    behalf = rows[(2, HEAD_UNIT, None)]
    assert behalf["Người xác nhận"] == "Nguyễn Thị Lan (Văn phòng Sở xác nhận thay)"
    assert behalf["Trạng thái"] == "Hoàn thành đúng hạn"
    assert behalf["Duyệt xác nhận"] is None  # verification is off: nothing waits for it
    sent_back = rows[(2, TCCB, None)]
    assert sent_back["Trạng thái"] == "Chưa đến hạn"
    assert sent_back["Xác nhận lúc"] is None
    assert sent_back["Duyệt xác nhận"] == (
        "Bị Trần Thị Hoa trả lại lúc 09:00 ngày 01/08/2022: “thiếu biên bản họp”"
    )
    untouched = rows[(3, ISO, None)]
    assert (untouched["Hạn gốc"], untouched["Gia hạn"]) == (None, None)

    docx = await chat.services.write_report("docx", tmp_path / "r.docx", "vi")
    body = task_body(body_paragraphs(docx), 2)
    assert body[1:3] == [
        "- Thời hạn ban đầu ngày 24 tháng 8 năm 2022, được gia hạn cho tất cả các đơn vị đến "
        "ngày 15 tháng 9 năm 2022; lý do: chờ số liệu.",
        "- Phòng Kế hoạch - Tài chính: được gia hạn riêng đến ngày 30 tháng 9 năm 2022 (thời "
        "hạn ban đầu ngày 24 tháng 8 năm 2022); lý do: đang chờ Sở Tài chính.",
    ]
    assert TCCB in body[-1] and body[-1].startswith("- Chưa hoàn thành:")
    cells = appendix_row(docx, 2)
    assert cells[3][1:] == ["Hạn gốc: 24/08/2022", "Gia hạn đến: 15/09/2022 (chờ số liệu)"]
    assert f"{KHTC}: Chưa đến hạn (gia hạn riêng cho đơn vị đến 30/09/2022)" in cells[4]
    assert (
        f"{HEAD_UNIT}: Hoàn thành đúng hạn (01/08/2022) (Văn phòng Sở xác nhận thay)" in cells[4]
    )


# --- the same rules on plain rows --------------------------------------------------------


def test_an_extension_without_a_reason_says_no_reason_and_no_placeholder() -> None:
    tr = Translator("vi")
    data = sample_report_data()
    task = next(t for t in data.tasks if t.schedule.due is not None and t.assignments)
    original = task.schedule.due
    later = dataclasses.replace(task.schedule, due=original.replace(year=original.year + 1))
    row = dataclasses.replace(task.assignments[0], original_due=original, due=later.due)
    moved = dataclasses.replace(task, schedule=later, original_due=original, assignments=(row,))
    lines = task_body_lines(moved, data.today, tr)
    extended = next(line for line in lines if line.startswith("- Thời hạn ban đầu"))
    assert extended.endswith(f"{later.due.year}.") and "lý do" not in extended
    assert time_lines(moved, tr)[-1] == f"Gia hạn đến: {later.due:%d/%m/%Y}"
    assert extension_label(row, tr) == "Tất cả các đơn vị"
    alone = dataclasses.replace(row, extended_alone=True)
    assert extension_label(alone, tr) == "Riêng đơn vị này"
    assert verification_label(dataclasses.replace(row, verified=True), tr) == "Đã duyệt"


def test_no_awaiting_clause_without_awaiting_tasks() -> None:
    tr = Translator("vi")
    text = " ".join(summary_sentences(sample_report_data(), tr))
    assert "chờ duyệt" not in text and not re.search(r"\b0 nhiệm vụ", text)


def test_the_new_sheet_columns_follow_the_old_ones() -> None:
    """Issue 13's columns come after "Số ngày trễ", so a kept filter finds its old columns."""
    titles = [column.title for column in ASSIGNMENT_COLUMNS]
    assert titles[10:] == [
        "Days late",
        "Original deadline",
        "Extension",
        "Verification",
        "Evidence",
    ]
