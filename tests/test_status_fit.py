"""`/status` fits one message whatever the plan's size: a plan with a 10,000-unit task.

Plan 12/KH-SGDĐT: task 1 is owed by the 10,000 schools of "Các đơn vị trực thuộc Sở" (three have
confirmed it), tasks 2–31 are overdue, 32–36 due soon, 37–40 not yet due (37 and 38 finished), 41
has no date. On Monday 05/06/2023 the Office asks for the plan and for task 1, on Telegram and on
Zalo, and reads the Vietnamese replies.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest_asyncio

from bot.app import open_services
from bot.clock import ManualClock
from bot.config import SAMPLE_DEPARTMENTS
from bot.domain.model import Role
from bot.domain.short_names import short_name
from bot.domain.units import AFFILIATES, DEPARTMENTS
from bot.fit import TELEGRAM_LIMIT, ZALO_LIMIT, length, number_ranges, unit_list
from bot.i18n import Translator
from bot.services.facade import BotServices
from handlers.status import overview, plans_overview, task_detail
from scheduler.digest_text import digest_text
from tests.conftest import Chat, make_config

SCHOOLS = tuple(f"Trường THCS số {n:05d}" for n in range(1, 10_001))


def big_plan() -> str:
    rows = [
        "1\tBáo cáo số liệu thống kê đầu năm học của từng trường\tCác đơn vị trực thuộc Sở"
        "\tVăn phòng Sở\tTrước 15/5/2023"
    ]
    for no in range(2, 32):  # overdue: due 01/05 … 30/05
        rows.append(
            f"{no}\tRà soát hồ sơ thủ tục hành chính nhóm {no} và cập nhật lên cổng dịch vụ công"
            f"\tPhòng Kế hoạch - Tài chính\tThanh tra Sở\tChậm nhất ngày {no - 1}/5/2023"
        )
    for no in range(32, 37):  # due soon
        rows.append(f"{no}\tTổng hợp báo cáo chuyên đề {no}\tVăn phòng Sở\t\tChậm nhất 9/6/2023")
    for no in range(37, 41):  # not yet due
        rows.append(f"{no}\tSơ kết công tác {no}\tPhòng Tổ chức cán bộ\t\tTrước 30/12/2023")
    rows.append("41\tKiểm tra đột xuất\tThanh tra Sở\t\tTheo yêu cầu")
    return "\n".join(
        [
            "Số: 12/KH-SGDĐT",
            "",
            "Hưng Yên, ngày 01 tháng 3 năm 2023",
            "",
            "KẾ HOẠCH",
            "",
            "Thống kê và cải cách hành chính năm 2023",
            "",
            "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện",
            *rows,
            "",
        ]
    )


@pytest_asyncio.fixture
async def big(tmp_path: Path, database_url: str) -> AsyncIterator[BotServices]:
    clock = ManualClock(datetime(2023, 6, 5, 9, 0))  # Monday
    config = make_config(
        tmp_path,
        database_url=database_url,
        groups={DEPARTMENTS: SAMPLE_DEPARTMENTS, AFFILIATES: SCHOOLS},
    )
    services = await open_services(config, clock=clock)
    path = tmp_path / "12-KH-SGDDT-2023.txt"
    path.write_text(big_plan(), "utf-8")
    await services.import_plan(services.read_plan(path))
    yield services
    await services.db.dispose()


async def test_a_plan_with_a_10000_unit_task_fits_one_message(big: BotServices) -> None:
    chat = Chat(big)
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE, channel="telegram")
    for n in (1, 2, 3):
        school = await chat.registered(f"s{n}", SCHOOLS[n - 1], Role.HEAD)
        assert "Đã ghi nhận" in await school.says("/xong 1")
    tccb = await chat.registered("tccb", "Phòng Tổ chức cán bộ", Role.HEAD)
    for no in (37, 38):
        assert "Đã ghi nhận" in await tccb.says(f"/xong {no}")

    text = await office.says("/status")
    assert length(text) <= TELEGRAM_LIMIT
    lines = text.split("\n")
    assert lines[0] == "Tình hình thực hiện Kế hoạch 12/KH-SGDĐT đến ngày 05/06/2023:"
    assert lines[1] == "41 nhiệm vụ: 2 hoàn thành, 31 quá hạn, 5 sắp đến hạn, 1 chưa có hạn."
    assert lines[3] == "Quá hạn (31):"
    # Most overdue first: task 2 (due 01/05), then 3, …; task 1 (due 14/05) among them.
    assert lines[4].startswith("• 2. Rà soát hồ sơ thủ tục hành chính nhóm 2")
    assert lines[4].endswith("— Quá hạn 35 ngày (hạn 01/05/2023)")
    assert lines[5] == "   Còn thiếu (1/1): P. KH-TC"
    task1 = text.split("\n• 1. ")[1].split("\n• ")[0]
    assert "Quá hạn 22 ngày (hạn 14/05/2023)" in task1
    assert (
        "Còn thiếu (9.997/10.000): Trường THCS số 00004, Trường THCS số 00005, "
        "Trường THCS số 00006, Trường THCS số 00007, Trường THCS số 00008, "
        "Trường THCS số 00009, Trường THCS số 00010, Trường THCS số 00011, "
        "Trường THCS số 00012, Trường THCS số 00013 và 9.987 đơn vị khác"
    ) in task1
    shown = len(re.findall(r"^• \d+\. .* — Quá hạn", text, re.MULTILINE))
    more = re.search(
        r"^… và (\d+) nhiệm vụ quá hạn khác: [\d, –]+ \(danh sách đầy đủ: /baocao xlsx\)$",
        text,
        re.MULTILINE,
    )
    assert more is not None and shown + int(more.group(1)) == 31
    assert "\n\nSắp đến hạn (5):" in text
    assert "\nĐã hoàn thành: 37, 38\n" in text
    assert (
        "Đơn vị chủ trì chưa có ai đăng ký (không nhận được nhắc việc): P. KH-TC, "
        "Trường THCS số 00004"
    ) in text
    assert text.endswith("Chi tiết một nhiệm vụ: /tinhhinh 6 · từng đơn vị: /baocao xlsx")

    detail = await office.says("/status 1")
    assert length(detail) <= TELEGRAM_LIMIT
    assert detail.startswith("Nhiệm vụ 1: Báo cáo số liệu thống kê đầu năm học của từng trường")
    assert "Đơn vị chủ trì (10.000): 9.997 Quá hạn 22 ngày · 3 Hoàn thành quá hạn" in detail
    assert "Đơn vị phối hợp (1): 0 đã báo cáo" in detail
    assert "Còn thiếu (9.997/10.000): Trường THCS số 00004, " in detail
    assert "Trường THCS số 00013 và 9.987 đơn vị khác" in detail
    assert "Chưa có ai đăng ký, không nhận được nhắc việc (9.997): Trường THCS số 00004" in detail
    assert "Danh sách đầy đủ từng đơn vị: /baocao xlsx" in detail
    assert detail.endswith("Xác nhận: /xong 1 · hủy xác nhận: /huy 1")

    # Zalo's messages hold 2,000 characters: the same reply, cut shorter, still one message.
    status = await big.status()
    tr = Translator("vi")
    short = overview(status, tr, limit=ZALO_LIMIT)
    assert length(short) <= ZALO_LIMIT
    assert short.split("\n")[1] == lines[1]
    assert "\nĐã hoàn thành: 37, 38\n" in short
    assert length(task_detail(status.task(1), tr, plan=status, limit=ZALO_LIMIT)) <= ZALO_LIMIT


async def test_a_small_task_is_shown_unit_by_unit_naming_who_has_nobody(chat: Chat) -> None:
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    detail = await office.says("/status 7")
    lead = detail.split("Đơn vị chủ trì:\n")[1].split("\n\n")[0].split("\n")
    assert lead[0].startswith("• Lãnh đạo Sở — chưa xác nhận (")
    assert lead[0].endswith(") — chưa có ai đăng ký nhận nhắc việc")
    assert lead[1].startswith("• Ban ISO Sở — chưa xác nhận (") and "đăng ký" not in lead[1]
    # Supporting units are never reminded: having nobody registered is no news for them.
    assert "đăng ký" not in detail.split("Đơn vị phối hợp:")[1]


def test_short_names_follow_the_offices_abbreviations() -> None:
    assert [short_name(unit) for unit in SAMPLE_DEPARTMENTS] == [
        "Văn phòng Sở",
        "P. TCCB",
        "P. KH-TC",
        "P. GDMN",
        "P. GDTH",
        "P. GDTrH",
        "P. GDNN-GDTX",
        "P. KT&KĐCLGD",
        "Thanh tra Sở",
    ]
    assert short_name("Sở Giáo dục và Đào tạo") == "Sở GD&ĐT"
    assert short_name("Ban Quản lý dự án đầu tư xây dựng") == "Ban QLDAĐTXD"
    # Collectives and proper names stay readable; a configured short name wins.
    assert short_name("Sở Văn hóa, Thể thao và Du lịch") == "Sở Văn hóa, Thể thao và Du lịch"
    assert short_name("Trường THCS Nguyễn Trãi") == "Trường THCS Nguyễn Trãi"
    assert short_name("Phòng Kế hoạch - Tài chính", {"Phòng Kế hoạch - Tài chính": "KHTC"}) == (
        "KHTC"
    )
    long = "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện Văn Lâm"
    assert short_name(long) == "Trung tâm Giáo dục nghề nghiệp - Giáo d…"


def test_unit_lists_stop_at_ten_and_numbers_run_as_ranges() -> None:
    tr = Translator("vi")
    units = [f"Đơn vị {n}" for n in range(1, 13)]
    assert unit_list(units, tr).endswith("Đơn vị 10 và 2 đơn vị khác")
    assert unit_list(units[:10], tr).endswith("Đơn vị 9, Đơn vị 10")
    assert (
        Translator("en").ngettext(
            "{units} and {others} other unit",
            "{units} and {others} other units",
            1,
            units="A",
            others="1",
        )
        == "A and 1 other unit"
    )
    assert number_ranges([9, 1, 2, 3, 4, 6, 10, 12]) == "1–4, 6, 9, 10, 12"


async def test_the_weekly_digest_of_that_plan_fits_one_message_too(big: BotServices) -> None:
    status = await big.status()
    tr = Translator("vi")
    for limit in (TELEGRAM_LIMIT, ZALO_LIMIT):
        text = digest_text([status], tr, status.today, limit=limit)
        assert length(text) <= limit
        assert text.startswith(
            "Tổng hợp tuần ngày 05/06/2023 gửi Văn phòng\n\nKế hoạch 12/KH-SGDĐT:"
        )
        assert "Quá hạn (31):" in text and "Đến hạn trong 7 ngày tới (5):" in text
        assert "Chưa có hạn (1): 41 — đặt hạn: /hanchot 41 dd/mm/yyyy" in text
        assert "Đơn vị chủ trì chưa có ai đăng ký (không nhận được nhắc việc): P. KH-TC, " in text
    roomy = digest_text([status], tr, status.today, limit=TELEGRAM_LIMIT)
    assert "… và 21 nhiệm vụ khác: 1, 12–31\n" in roomy  # ten listed, the rest by number
    assert "Trường THCS số 00007 và 9.994 đơn vị khác\n" in roomy  # nobody registered


async def test_three_hundred_plans_side_by_side_fit_one_line_each(services: BotServices) -> None:
    status = await services.status()
    many = [replace(status, key=f"{n}", number=f"{n}/KH-SGDĐT") for n in range(1, 301)]
    text = plans_overview(many, Translator("vi"))
    assert length(text) <= TELEGRAM_LIMIT
    lines = text.split("\n")
    assert lines[0] == "Tình hình thực hiện các kế hoạch đến ngày 01/08/2022:"
    assert lines[1].startswith("• 1 — 1/KH-SGDĐT: hoàn thành 0/10, ")
    more = re.search(r"^… và (\d+) kế hoạch khác \(xem tất cả: /kehoach\)$", text, re.MULTILINE)
    assert more is not None and len(lines) - 4 + int(more.group(1)) == 300
    assert lines[-1] == "Xem một kế hoạch: /tinhhinh 1 · một nhiệm vụ: /tinhhinh 1.6"
