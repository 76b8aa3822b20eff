"""Reports from the database: what the Office downloads matches what the units confirmed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from docx import Document

from bot.domain.model import Role
from bot.services.facade import BotServices
from tests.conftest import Chat


async def scripted_year(chat: Chat, services: BotServices) -> None:
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO, "Trần Văn Minh")
    leader = await chat.registered("leader", "Lãnh đạo Sở", Role.LEADER, "Phạm Quốc Hùng")
    head = await chat.registered("head", "Phòng Giáo dục Trung học", Role.HEAD, "Hoàng Minh Tuấn")
    services.clock.set(datetime(2022, 2, 9, 10, 0))
    await iso.says("/done 1 Đã ban hành kế hoạch")
    services.clock.set(datetime(2022, 7, 28, 10, 0))
    await leader.says("/done 6 Đánh giá 9 phòng")
    services.clock.set(datetime(2022, 8, 3, 10, 0))
    await iso.says("/done 6 Báo cáo đánh giá nội bộ")
    await head.says("/done 4")
    services.clock.set(datetime(2022, 9, 30, 10, 0))


async def test_year_report_and_sheet_match_the_database(
    chat: Chat, services: BotServices, tmp_path: Path
) -> None:
    await scripted_year(chat, services)
    docx_path = await services.write_report("docx", tmp_path / "r.docx", "vi")
    document = Document(str(docx_path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "TCVN ISO 9001:2015 năm 2022" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    joined = "\n".join(cells)
    assert "Lãnh đạo Sở: Hoàn thành đúng hạn" in joined
    assert "Ban ISO Sở: Hoàn thành quá hạn" in joined
    assert "Báo cáo đánh giá nội bộ" in joined and "Đã ban hành kế hoạch" in joined

    xlsx_path = await services.write_report("xlsx", tmp_path / "r.xlsx", "vi")
    book = openpyxl.load_workbook(xlsx_path)
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    task6 = {row[2]: row for row in rows if row[0] == 6}
    assert set(task6) >= {"Lãnh đạo Sở", "Ban ISO Sở"}
    assert "Hoàn thành quá hạn" in task6["Ban ISO Sở"]
    assert "Trần Văn Minh" in task6["Ban ISO Sở"]
    august = [row for row in rows if row[0] == 4 and row[2] == "Phòng Giáo dục Trung học"]
    assert any("Hoàn thành đúng hạn" in row for row in august)
    assert sheet.freeze_panes == "A6" and sheet.auto_filter.ref.startswith("A5:")


async def test_report_and_status_send_files_in_chat(chat: Chat, services: BotServices) -> None:
    office = await chat.registered("office", "Văn phòng Sở", Role.OFFICE)
    reply = await chat.dispatcher.handle(office_message(office, "/baocao"))
    assert reply.text.startswith("Dự thảo báo cáo kết quả thực hiện Kế hoạch 187/KH-SGDĐT")
    [document] = reply.files
    assert document.kind == "document" and document.file_name.endswith(".docx")
    assert document.path.stat().st_size > 10_000
    status = await chat.dispatcher.handle(office_message(office, "/status"))
    [chart] = status.files
    assert chart.kind == "photo" and chart.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    head = await chat.registered("head", "Thanh tra Sở", Role.HEAD)
    assert "Lệnh này chỉ dành cho Văn phòng Sở." in await head.says("/report")


def office_message(person, text):
    from bot.channels.base import IncomingMessage

    return IncomingMessage(person.sender, text, "1", datetime(2022, 8, 1, 9, 0).astimezone())
