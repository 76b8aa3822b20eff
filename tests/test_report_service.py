"""Reports from the database: what the Office downloads matches what the units confirmed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from bot.app import open_services
from bot.clock import ManualClock
from bot.config import ConfigError, load_config
from bot.domain.model import Role
from bot.services.facade import BotServices
from tests.conftest import REPO, Chat


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
    # Nothing changed: the same picture is sent again, not drawn again (a draw is 300-400 ms).
    again = await chat.dispatcher.handle(office_message(office, "/status"))
    assert [file.path for file in again.files] == [chart.path]
    # A confirmation changes the counts: a new picture, and the old one is not overwritten.
    old_picture = chart.path.read_bytes()
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    assert "Đã ghi nhận" in await iso.says("/xong 6")
    [changed] = (await chat.dispatcher.handle(office_message(office, "/status"))).files
    assert changed.path != chart.path and changed.path.read_bytes() != old_picture
    assert chart.path.read_bytes() == old_picture
    head = await chat.registered("head", "Thanh tra Sở", Role.HEAD)
    assert "Lệnh này chỉ dành cho Văn phòng Sở." in await head.says("/report")


def office_message(person, text):
    from bot.channels.base import IncomingMessage

    return IncomingMessage(person.sender, text, "1", datetime(2022, 8, 1, 9, 0).astimezone())


# --- [agency] and a plan other than 187, from the config file to the files -----------------------

OTHER_PLAN = """\
Số: 45/KH-SGDĐT

Hưng Yên, ngày 03 tháng 3 năm 2023

KẾ HOẠCH

Triển khai ứng dụng công nghệ thông tin và chuyển đổi số năm 2023

TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện
1\tCập nhật cơ sở dữ liệu ngành\tPhòng Kế hoạch - Tài chính\tVăn phòng Sở\tTrước 15/4/2023
2\tTập huấn chữ ký số cho công chức\tVăn phòng Sở\tThanh tra Sở\tTrước 30/5/2023
"""

AGENCY = """\
[agency]
parent = "UBND TỈNH HƯNG YÊN"
name = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
place = "Hưng Yên"
code = "SGDĐT"
signer_title = "KT. GIÁM ĐỐC\\nPHÓ GIÁM ĐỐC"
signer_name = "Nguyễn Văn Hùng"
recipients = ["Ban Giám đốc Sở", "Lưu: VT, VP"]
"""


def _config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/n.db"\n{text}', "utf-8")
    return path


def test_agency_keys_are_read_from_the_config(tmp_path: Path) -> None:
    agency = load_config(_config_file(tmp_path, AGENCY), environ={}).agency
    assert agency.code == "SGDĐT"
    assert agency.signer_title == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert agency.signer_name == "Nguyễn Văn Hùng"
    assert agency.recipients == ("Ban Giám đốc Sở", "Lưu: VT, VP")
    listed = load_config(
        _config_file(tmp_path, '[agency]\nsigner_title = ["GIÁM ĐỐC"]\nparent = ""\n'), environ={}
    ).agency
    assert (listed.signer_title, listed.parent, listed.signer_name) == (("GIÁM ĐỐC",), "", "")


def test_example_config_is_valid_and_names_the_signer_title() -> None:
    agency = load_config(REPO / "config.example.toml", environ={}).agency
    assert agency.signer_title == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert agency.recipients[-1] == "Lưu: VT, VP"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('code = "BC SGDĐT"', "[agency] code must be a short code without spaces"),
        ('code = "KH/SGDĐT"', "[agency] code must be a short code without spaces"),
        ("signer_title = 3", "[agency] signer_title must be a string"),
        ("signer_name = true", "[agency] signer_name must be a string"),
        ('recipients = "Lưu: VT"', "[agency] recipients must be a list of strings"),
        ('name = "  "', "[agency] name must not be empty"),
        ('place = ""', "[agency] place must not be empty"),
        ('signer = "A"', "unknown key [agency] signer"),
    ],
)
def test_a_bad_agency_key_is_one_line_naming_it(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_config_file(tmp_path, f"[agency]\n{table}\n"), environ={})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


async def test_report_of_another_plan_from_the_database(tmp_path: Path) -> None:
    """A database holding only plan 45/KH-SGDĐT: its own title, the configured signer."""
    plan = tmp_path / "45-KH-SGDDT-2023.txt"
    plan.write_text(OTHER_PLAN, "utf-8")
    clock = ManualClock(datetime(2023, 4, 10, 9, 0))
    services = await open_services(
        load_config(_config_file(tmp_path, AGENCY), environ={}), clock=clock
    )
    try:
        await services.import_plan(services.read_plan(plan))
        chat = Chat(services)
        kh = await chat.registered("kh", "Phòng Kế hoạch - Tài chính", Role.HEAD, "Vũ Minh Tuấn")
        await kh.says("/done 1 Đã cập nhật 312 trường")
        clock.set(datetime(2023, 6, 2, 9, 0))
        document = Document(str(await services.write_report("docx", tmp_path / "r.docx", "vi")))
        book = openpyxl.load_workbook(
            await services.write_report("xlsx", tmp_path / "r.xlsx", "vi")
        )
    finally:
        await services.db.dispose()

    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index("BÁO CÁO") + 1] == (
        "Kết quả thực hiện Kế hoạch số 45/KH-SGDĐT ngày 03/03/2023 về triển khai ứng dụng công "
        "nghệ thông tin và chuyển đổi số năm 2023"
    )
    heading = document.tables[0].rows[0].cells[1].text
    assert heading.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert "Hưng Yên, ngày 02 tháng 6 năm 2023" in heading
    assert "+ Phòng Kế hoạch - Tài chính: Đã cập nhật 312 trường" in texts
    assert "- Chưa hoàn thành: Văn phòng Sở." in texts
    signature = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận"))
    left, right = signature.rows[0].cells
    assert [p.text for p in left.paragraphs] == [
        "Nơi nhận:",
        "- Ban Giám đốc Sở;",
        "- Lưu: VT, VP.",
    ]
    assert [p.text for p in right.paragraphs if p.text] == [
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn Hùng",
    ]
    everything = "\n".join(
        texts + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    for wrong in ("Ký tên", "0 nhiệm vụ", "ISO", "187"):
        assert wrong not in everything

    sheet = book.worksheets[0]
    assert sheet.cell(2, 1).value == (
        "Theo dõi thực hiện Kế hoạch số 45/KH-SGDĐT ngày 03/03/2023 về triển khai ứng dụng công "
        "nghệ thông tin và chuyển đổi số năm 2023"
    )
    assert sheet.cell(3, 1).value == "Tình hình đến ngày 02/06/2023"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=6)]
    support = [(r[0], r[2], r[6]) for r in rows if r[3] == "Phối hợp"]
    assert support == [(1, "Văn phòng Sở", "Phối hợp"), (2, "Thanh tra Sở", "Phối hợp")]
    lead = {r[0]: r[6] for r in rows if r[3] == "Chủ trì"}
    assert lead == {1: "Hoàn thành đúng hạn", 2: "Quá hạn 4 ngày"}  # due 29/05: "Trước 30/5"
