"""The Office's day over real HTTP: python-telegram-bot → fake Bot API → TelegramChannel → core.

The Office confirms task 2 for Phòng Kế hoạch - Tài chính, which reported on paper; then finds
the minutes missing and sends it back, and the unit's head receives the reason on Telegram; then
extends the deadline and `/status 2` shows both dates; a head confirms his three quarterly tasks in
one message. The clock is the conftest's ManualClock (Monday 01/08/2022, 09:00).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import Confirmation, OutboxItem
from scheduler.engine import ReminderEngine
from tests.fakes.telegram_server import FakeTelegramServer
from tests.test_telegram_story import bot, registered, tg  # noqa: F401 (fixtures)

KHTC = "Phòng Kế hoạch - Tài chính"
HEAD_UNIT = "Phòng Giáo dục Trung học"


async def test_the_office_confirms_rejects_and_extends_over_telegram(
    tg: FakeTelegramServer,  # noqa: F811
    bot: TelegramChannel,  # noqa: F811
    services: BotServices,
) -> None:
    office = await registered(services, tg, 1001, "Văn phòng Sở", Role.OFFICE, "Nguyễn Văn", "Nam")
    khtc = await registered(services, tg, 3003, KHTC, Role.HEAD, "Đỗ Thị", "Mai")
    head = await registered(services, tg, 3004, HEAD_UNIT, Role.HEAD, "Lê Văn", "Bình")

    # On behalf: the unit reported on paper.
    recorded = await office.says("/xong 2 @KH-TC đã nộp bản giấy")
    assert recorded.startswith(
        "Đã ghi nhận thay cho Phòng Kế hoạch - Tài chính: hoàn thành nhiệm vụ 2 ngày 01/08/2022 "
        "(người xác nhận: Nguyễn Văn Nam, Văn phòng Sở).\nGhi chú: đã nộp bản giấy"
    )
    detail = await office.says("/status 2")
    assert (
        "• Phòng Kế hoạch - Tài chính — Hoàn thành đúng hạn, lúc 09:00 ngày 01/08/2022, "
        "người xác nhận: Nguyễn Văn Nam — ghi chú: “đã nộp bản giấy”\n"
        "   (Văn phòng Sở xác nhận thay)"
    ) in detail
    refused = await head.says("/xong 2 @KH-TC")
    assert refused.startswith("Chỉ Văn phòng Sở được xác nhận thay đơn vị khác")

    # The minutes are missing: sent back, and the unit hears why on Telegram.
    rejected = await office.says("/tuchoi 2 @KH-TC thiếu biên bản họp")
    assert rejected.startswith("Đã trả lại xác nhận nhiệm vụ 2 của Phòng Kế hoạch - Tài chính")
    assert "Lý do sẽ được gửi tới 1 người đã đăng ký của đơn vị." in rejected
    engine = ReminderEngine(services, {"telegram": bot})
    await engine.drain(datetime(2022, 8, 1, 9, 1))
    [notice] = khtc.replies()
    assert notice.text.startswith("Nhắc việc ngày 01/08/2022 — Phòng Kế hoạch - Tài chính")
    assert (
        "Xác nhận hoàn thành của đơn vị đã bị Nguyễn Văn Nam trả lại: “thiếu biên bản họp”. "
        "Đề nghị đơn vị hoàn thiện phần còn thiếu và xác nhận lại."
    ) in notice.text
    assert notice.text.rstrip().endswith("Khi xong: /xong 2")
    await engine.drain(datetime(2022, 8, 1, 9, 2))  # sent once
    assert len(khtc.replies()) == 1
    async with services.db.session() as session:
        row = await session.scalar(select(Confirmation))
        sent = await session.scalar(select(OutboxItem))
    assert row.reject_reason == "thiếu biên bản họp" and row.undone_at is not None
    assert (sent.kind, sent.status) == ("rejected", "sent")

    # Two more weeks for every unit; /status 2 shows both dates.
    extended = await office.says("/giahan 2 15/09/2022 chờ số liệu")
    assert extended.startswith(
        "Đã gia hạn nhiệm vụ 2 đến ngày 15/09/2022 cho tất cả các đơn vị (hạn gốc 24/08/2022)."
    )
    detail = await office.says("/status 2")
    assert "Hạn gốc 24/08/2022 · gia hạn đến 15/09/2022 (chờ số liệu)" in detail
    assert "• Phòng Kế hoạch - Tài chính — chưa xác nhận (Chưa đến hạn)" in detail

    # Three quarterly tasks in one message.
    three = await head.says("/xong 4 5 9")
    assert three == (
        "Đã ghi nhận Phòng Giáo dục Trung học hoàn thành 3 nhiệm vụ (ngày 01/08/2022):\n"
        "• Nhiệm vụ 4 — quý III/2022\n"
        "• Nhiệm vụ 5 — quý III/2022\n"
        "• Nhiệm vụ 9 — quý III/2022\n"
        "\n"
        "Nếu xác nhận nhầm nhiệm vụ nào, gõ /huy kèm số nhiệm vụ đó (4 5 9)."
    )
    commas = await head.says("/xong 4,5,9")
    assert commas.startswith("Chưa ghi nhận:\n• Nhiệm vụ 4 (quý III/2022) đã được")
