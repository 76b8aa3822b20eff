"""The Office's tools in chat: several tasks at once, past periods, confirming for a unit,
verifying and rejecting, extending and setting dates — text in, Vietnamese out, rows checked.

The clock is the conftest's: Monday 01/08/2022, 09:00, the third quarter of plan 187.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.app import open_services
from bot.bundled import bundled_plan
from bot.cli_plans import _status_json
from bot.clock import ManualClock
from bot.config import WorkflowConfig
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import Assignment, AuditEntry, Confirmation, OutboxItem, Task, Unit
from scheduler.engine import ReminderEngine
from tests.conftest import Chat, make_config
from tests.fakes.recording import RecordingChannel

HEAD_UNIT = "Phòng Giáo dục Trung học"
KHTC = "Phòng Kế hoạch - Tài chính"


async def rows(chat: Chat, model, *where) -> list:
    async with chat.services.db.session() as session:
        return list(await session.scalars(select(model).where(*where)))


async def count(chat: Chat, column) -> int:
    async with chat.services.db.session() as session:
        return await session.scalar(select(func.count(column)))


# --- several tasks, past periods -----------------------------------------------------------


async def test_done_several_tasks_in_one_message(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD, "Lê Văn Bình")
    reply = await head.says("/xong 4 5 9")
    assert reply.startswith(
        "Đã ghi nhận Phòng Giáo dục Trung học hoàn thành 3 nhiệm vụ (ngày 01/08/2022):"
    )
    for no in (4, 5, 9):
        assert f"• Nhiệm vụ {no} — quý III/2022" in reply
    assert "Chưa ghi nhận" not in reply
    assert await count(chat, Confirmation.id) == 3

    # The comma form; all three are already there, each refusal says why; task 2 is new.
    again = await head.says("/xong 4,5,9,2")
    assert again.startswith(
        "Đã ghi nhận Phòng Giáo dục Trung học hoàn thành 1 nhiệm vụ (ngày 01/08/2022):"
    )
    assert "• Nhiệm vụ 2\n" in again
    assert "Chưa ghi nhận:" in again
    assert "• Nhiệm vụ 4 (quý III/2022) đã được Lê Văn Bình xác nhận" in again
    assert await count(chat, Confirmation.id) == 4

    # A list with a task that does not exist: the others are recorded, the wrong one named.
    other = await chat.registered("h2", KHTC, Role.HEAD)
    mixed = await other.says("/xong 4, 99")
    assert "• Nhiệm vụ 4 — quý III/2022" in mixed
    assert "• Kế hoạch không có nhiệm vụ số 99" in mixed


async def test_a_number_in_the_note_is_still_a_note(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    reply = await head.says("/xong 2 đã nộp 5 bản")
    assert "hoàn thành nhiệm vụ số 2 (ngày 01/08/2022)." in reply
    assert "Ghi chú: đã nộp 5 bản" in reply
    [row] = await rows(chat, Confirmation)
    assert row.note == "đã nộp 5 bản" and row.period == ""


async def test_a_past_period_is_confirmed_late(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    reply = await head.says("/xong 4 quý II đã báo cáo")
    assert "Kỳ: quý II/2022 (xác nhận muộn)." in reply
    assert "Ghi chú: đã báo cáo" in reply
    assert "quý I/2022 (xác nhận muộn)" in await head.says("/xong 4 quý 1/2022")
    # A month names the quarter that holds it; that quarter is already confirmed.
    assert "Nhiệm vụ 4 (quý I/2022) đã được" in await head.says("/xong 4 tháng 3")
    future = await head.says("/xong 4 quý IV")
    assert "chưa bắt đầu; chỉ xác nhận được kỳ hiện tại hoặc kỳ đã qua" in future
    half = await head.says("/xong 4 6 tháng đầu năm")
    assert "Nhiệm vụ 4 được xác nhận theo quý" in half and "/xong 4 quý I" in half
    periods = sorted(row.period for row in await rows(chat, Confirmation))
    assert periods == ["2022-Q1", "2022-Q2"]

    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    await office.says("/status 4")  # still answers with late periods recorded
    status = await chat.services.status()
    task4 = status.task(4)
    assert task4 is not None and task4.missed_periods == 9 * 2 - 2  # 9 units x Q1, Q2


@pytest.mark.parametrize("reminders", [{"routine_every": "half_year"}])
async def test_a_past_half_year_is_confirmed_late(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    reply = await head.says("/xong 4 6 tháng đầu năm")
    assert "Kỳ: 6 tháng đầu năm 2022 (xác nhận muộn)." in reply
    [row] = await rows(chat, Confirmation)
    assert row.period == "2022-H1"


# --- on behalf -----------------------------------------------------------------------------


async def test_the_office_confirms_for_a_unit(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE, "Nguyễn Thị Lan")
    reply = await office.says("/xong 2 @KH-TC đã nộp bản giấy")
    assert reply.startswith(
        "Đã ghi nhận thay cho Phòng Kế hoạch - Tài chính: hoàn thành nhiệm vụ 2 ngày 01/08/2022 "
        "(người xác nhận: Nguyễn Thị Lan, Văn phòng Sở)."
    )
    assert "Ghi chú: đã nộp bản giấy" in reply
    assert reply.endswith("Nếu xác nhận nhầm, gõ /tuchoi 2 @Phòng Kế hoạch - Tài chính kèm lý do.")
    [row] = await rows(chat, Confirmation)
    assert (row.by_name, row.by_unit, row.on_behalf, row.note) == (
        "Nguyễn Thị Lan",
        "Văn phòng Sở",
        True,
        "đã nộp bản giấy",
    )
    [audit] = await rows(chat, AuditEntry, AuditEntry.action == "confirm")
    assert audit.detail["unit"] == KHTC and audit.detail["on_behalf"] is True
    assert audit.detail["by_unit"] == "Văn phòng Sở"
    assert "Nguyễn Thị Lan (Văn phòng Sở)" in audit.actor

    # The full name with spaces, a note after it; the longest name wins.
    long = await office.says("/xong 4 @Phòng Kế hoạch - Tài chính quý II nộp muộn")
    assert "Đã ghi nhận thay cho Phòng Kế hoạch - Tài chính" in long
    assert "Kỳ: quý II/2022 (xác nhận muộn)." in long and "Ghi chú: nộp muộn" in long

    detail = await office.says("/status 2")
    line = next(li for li in detail.split("\n• ") if li.startswith(KHTC))
    assert "Hoàn thành đúng hạn" in line and "Nguyễn Thị Lan" in line
    assert "(Văn phòng Sở xác nhận thay)" in line

    status = _status_json(await chat.services.status())
    task2 = next(t for t in status["tasks"] if t["no"] == 2)
    khtc = next(a for a in task2["assignments"] if a["unit"] == KHTC)
    assert khtc["by"] == ("Nguyễn Thị Lan (Văn phòng Sở, on behalf of Phòng Kế hoạch - Tài chính)")
    assert khtc["verified"] is False and khtc["done"] is True
    never = next(a for a in task2["assignments"] if a["unit"] == HEAD_UNIT)
    assert never["verified"] is None and never["by"] is None


async def test_confirming_for_a_unit_refusals(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    wrong = await office.says("/xong 2 @Phòng Kế hoạch tài vụ")
    assert "Không tìm thấy đơn vị “Phòng Kế hoạch tài vụ”." in wrong
    assert "Các đơn vị có tên gần giống: Phòng Kế hoạch - Tài chính" in wrong
    nothing = await office.says("/xong 2 @Zzz")
    assert "ghi tên, tên ngắn hoặc tên viết tắt của đơn vị sau dấu @" in nothing
    assert "Lãnh đạo Sở không tham gia nhiệm vụ 2" in await office.says("/xong 2 @Lãnh đạo")

    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    refused = await head.says("/xong 2 @KH-TC")
    assert refused.startswith(
        "Chỉ Văn phòng Sở được xác nhận thay đơn vị khác (Phòng Kế hoạch - Tài chính)."
    )
    assert "/xong 6" in refused
    # Naming one's own unit is no confirmation for another.
    assert "Đã ghi nhận Phòng Giáo dục Trung học" in await head.says("/xong 2 @GDTrH")
    assert await count(chat, Confirmation.id) == 1


# --- verify and reject ---------------------------------------------------------------------


@pytest_asyncio.fixture
async def verifying(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotServices]:
    """Plan 187 on SQLite with `[workflow] verify = true`."""
    config = make_config(tmp_path, workflow=WorkflowConfig(verify=True))
    services = await open_services(config, clock=clock)
    await services.import_plan(services.read_plan(bundled_plan()))
    yield services
    await services.db.dispose()


async def test_verify_makes_a_task_complete(verifying: BotServices) -> None:
    chat = Chat(verifying)
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO, "Trần Thị Hoa")
    leader = await chat.registered("l", "Lãnh đạo Sở", Role.LEADER)
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)

    reply = await iso.says("/xong 1")
    assert "Xác nhận đang chờ Văn phòng Sở hoặc Ban ISO duyệt." in reply
    detail = await office.says("/status 1")
    assert "Tình trạng: Chờ duyệt" in detail
    assert "• Ban ISO Sở — Chờ duyệt, lúc 09:00 ngày 01/08/2022" in detail
    status = await verifying.status()
    assert not status.task(1).state.kind.is_done and status.task(1).owing == ()

    refused = await leader.says("/duyet 1")
    assert refused.startswith("Lệnh này chỉ dành cho Văn phòng Sở và Ban ISO.")
    verified = await office.says("/duyet 1 @Ban ISO")
    assert verified == "Đã duyệt xác nhận hoàn thành nhiệm vụ 1 của Ban ISO Sở."
    assert "Tình trạng: Hoàn thành quá hạn" in await office.says("/status 1")
    assert (await verifying.status()).task(1).state.kind.is_done
    again = await iso.says("/verify 1")
    assert again == "Nhiệm vụ 1 không có xác nhận nào đang chờ duyệt."
    json_row = _status_json(await verifying.status())["tasks"][0]["assignments"][0]
    assert json_row["verified"] is True


async def test_reject_reopens_and_tells_the_unit(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD, "Lê Văn Bình")
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO, "Trần Thị Hoa")
    await head.says("/xong 2 đã gửi")

    assert "Vui lòng ghi đơn vị bị trả lại xác nhận và lý do" in await iso.says("/tuchoi 2")
    assert "Vui lòng ghi lý do để Phòng Giáo dục Trung học biết" in await iso.says(
        "/tuchoi 2 @GDTrH"
    )
    assert "chưa xác nhận nhiệm vụ 2 nên không có gì để trả lại" in await iso.says(
        "/tuchoi 2 @KH-TC thiếu"
    )
    assert "Lệnh này chỉ dành cho Văn phòng Sở và Ban ISO." in await head.says(
        "/tuchoi 2 @GDTrH x"
    )
    [before] = await rows(chat, Confirmation)
    assert before.rejected_at is None and before.undone_at is None

    reply = await iso.says("/tuchoi 2 @Phòng Giáo dục Trung học thiếu biên bản họp")
    assert reply.startswith(
        "Đã trả lại xác nhận nhiệm vụ 2 của Phòng Giáo dục Trung học: xác nhận này không còn "
        "được tính"
    )
    assert "Lý do: thiếu biên bản họp" in reply
    assert "Lý do sẽ được gửi tới 1 người đã đăng ký của đơn vị." in reply
    [kept] = await rows(chat, Confirmation)
    assert kept.rejected_by == "Trần Thị Hoa" and kept.reject_reason == "thiếu biên bản họp"
    assert kept.undone_at is not None and kept.note == "đã gửi"

    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    detail = await office.says("/status 2")
    line = next(li for li in detail.split("\n• ") if li.startswith(HEAD_UNIT))
    assert "chưa xác nhận (Sắp đến hạn)" not in line or "bị Trần Thị Hoa trả lại" in line
    assert "bị Trần Thị Hoa trả lại lúc 09:00 ngày 01/08/2022: “thiếu biên bản họp”" in line
    task2 = _status_json(await chat.services.status())["tasks"][1]
    row = next(a for a in task2["assignments"] if a["unit"] == HEAD_UNIT)
    assert row["done"] is False and row["verified"] is False

    # The notice goes out through the outbox, once, whatever the hour.
    channel = RecordingChannel()
    engine = ReminderEngine(chat.services, {"console": channel})
    await engine.drain(datetime(2022, 8, 1, 9, 5))
    [notice] = channel.to("h1")
    assert "Xác nhận hoàn thành của đơn vị đã bị Trần Thị Hoa trả lại: “thiếu biên bản họp”" in (
        notice
    )
    assert "hoàn thiện phần còn thiếu và xác nhận lại" in notice and "Khi xong: /xong 2" in notice
    await engine.drain(datetime(2022, 8, 1, 9, 6))
    assert len(channel.to("h1")) == 1
    [outbox_row] = await rows(chat, OutboxItem)
    assert outbox_row.kind == "rejected" and outbox_row.status == "sent"

    # Reminders resume: on the due day the unit is reminded again.
    report = await engine.tick(datetime(2022, 8, 24, 8, 0))
    assert any(
        item.reminder.unit == HEAD_UNIT and item.reminder.task_no == 2 for item in report.queued
    )
    # The unit confirms again; the new confirmation counts.
    assert "Đã ghi nhận" in await head.says("/xong 2 đã bổ sung biên bản")


# --- dates ---------------------------------------------------------------------------------


async def test_the_office_extends_a_deadline(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    reply = await office.says("/giahan 2 15/09/2022 chờ số liệu")
    assert reply.startswith(
        "Đã gia hạn nhiệm vụ 2 đến ngày 15/09/2022 cho tất cả các đơn vị (hạn gốc 24/08/2022)."
    )
    assert "Lý do: chờ số liệu" in reply
    detail = await office.says("/status 2")
    assert "Hạn gốc 24/08/2022 · gia hạn đến 15/09/2022 (chờ số liệu)" in detail
    assert "Tình trạng: Chưa đến hạn" in detail
    status = await chat.services.status()
    assert status.task(2).due == date(2022, 9, 15)
    assert status.task(2).original_due == date(2022, 8, 24)
    [task] = await rows(chat, Task, Task.no == 2)
    assert task.schedule == {"kind": "deadline", "due": "2022-08-24"}  # the plan's own kept

    # One unit, a date without a year, dashes.
    one = await office.says("/extend 2 30-09 @KH-TC đang chờ Sở Tài chính")
    assert "cho Phòng Kế hoạch - Tài chính (hạn gốc 24/08/2022)" in one
    assert "đến ngày 30/09/2022" in one
    detail = await office.says("/status 2")
    line = next(li for li in detail.split("\n• ") if li.startswith(KHTC))
    assert "gia hạn riêng cho đơn vị đến 30/09/2022 (đang chờ Sở Tài chính)" in line
    [assignment] = await rows(
        chat,
        Assignment,
        Assignment.unit_id.in_(select(Unit.id).where(Unit.name == KHTC)),
        Assignment.task_id == task.id,
    )
    assert assignment.due_extended == date(2022, 9, 30)

    # On 25/09 every unit is overdue but KH-TC, whose own date is still ahead.
    chat.services.clock.advance(datetime(2022, 9, 25, 9) - datetime(2022, 8, 1, 9))
    status = await chat.services.status()
    task2 = status.task(2)
    assert task2.state.kind == "overdue" and task2.state.days == 10
    khtc = task2.for_unit(KHTC)
    assert khtc is not None and khtc.state.kind == "due_soon"


async def test_extension_refusals_change_nothing(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    await iso.says("/xong 1")
    cases = {
        "/giahan": "Vui lòng gõ: /giahan SỐ dd/mm/yyyy [@ĐƠN_VỊ] [lý do]",
        "/giahan 2": "Vui lòng gõ: /giahan SỐ dd/mm/yyyy",
        "/giahan x 15/09/2022": "“x” không phải là số thứ tự nhiệm vụ.",
        "/giahan 2 31/02/2022": "“31/02/2022” không phải là ngày hợp lệ.",
        "/giahan 2 01/01/2022": "Ngày 01/01/2022 ở trước ngày ban hành kế hoạch (07/02/2022).",
        "/giahan 2 20/08/2022": "Nhiệm vụ 2 đang có hạn 24/08/2022; ngày gia hạn phải sau",
        "/giahan 1 15/09/2022": "đã được tất cả đơn vị chủ trì hoàn thành, không cần gia hạn",
        "/giahan 4 15/09/2022": "Nhiệm vụ 4 thực hiện theo từng kỳ",
        "/giahan 10 15/09/2022": "Nhiệm vụ 10 chưa có hạn. Vui lòng đặt hạn trước: /hanchot 10",
        "/giahan 2 15/09/2022 @Zzz": "Không tìm thấy đơn vị “Zzz”.",
        "/giahan 2 15/09/2022 @Lãnh đạo Sở": "Lãnh đạo Sở không tham gia nhiệm vụ 2",
        "/hanchot 6 15/12/2022": "Để gia hạn, gõ: /giahan 6 dd/mm/yyyy",
    }
    for text, expected in cases.items():
        assert expected in await office.says(text), text
    assert "Lệnh này chỉ dành cho Văn phòng Sở." in await head.says("/giahan 2 15/09/2022")
    await head.says("/xong 2")
    assert "Phòng Giáo dục Trung học đã hoàn thành nhiệm vụ 2, không cần gia hạn." in (
        await office.says("/giahan 2 15/09/2022 @GDTrH")
    )
    tasks = await rows(chat, Task)
    assert all(t.due_extended is None and t.deadline_set is None for t in tasks)
    assert all(a.due_extended is None for a in await rows(chat, Assignment))
    assert await count(chat, AuditEntry.id) == 2 * 3 + 2  # invites, registrations, two confirms


async def test_deadline_for_an_unknown_time_and_a_date_in_the_plans_span(chat: Chat) -> None:
    async with chat.services.db.session() as session:
        task = await session.scalar(select(Task).where(Task.no == 10))
        task.schedule = {"kind": "unknown"}
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    reply = await office.says("/hanchot 10 15-12")
    assert reply.startswith("Đã đặt hạn cho nhiệm vụ 10: 15/12/2022.")
    assert "Đã đặt hạn cho nhiệm vụ 10: 20/12/2022." in await office.says("/hanchot 10 20.12.2022")
    status = await chat.services.status()
    assert status.task(10).due == date(2022, 12, 20)
    # Once dated, it can be extended; the date the Office set is the original.
    extended = await office.says("/giahan 10 10/01/2023")
    assert "đến ngày 10/01/2023 cho tất cả các đơn vị (hạn gốc 20/12/2022)" in extended
    status = await chat.services.status()
    assert status.end == date(2023, 1, 10)  # the plan runs until its last task is due


async def test_english_replies_for_the_office(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    await office.says("/lang en")
    reply = await office.says("/extend 2 15/09/2022")
    assert reply.startswith("Task 2 extended to 15/09/2022 for every unit")


def test_workflow_verify_is_read_from_the_config(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text("[workflow]\nverify = true\n", encoding="utf-8")
    assert load_config(path).workflow.verify is True
    path.write_text('[workflow]\nverify = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[workflow\] verify must be true or false"):
        load_config(path)
    assert replace(load_config(None), source=None).workflow.verify is False


async def test_reminders_follow_the_extended_dates_and_quote_both(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    await chat.registered("khtc", KHTC, Role.HEAD)
    await chat.registered("tccb", "Phòng Tổ chức cán bộ", Role.HEAD)
    await office.says("/giahan 2 15/09/2022")
    await office.says("/giahan 2 30/09/2022 @KH-TC")
    channel = RecordingChannel()
    engine = ReminderEngine(chat.services, {"console": channel})

    def task2(chat_id: str) -> list[str]:
        """Task 2's block in each message this person received, the newest last."""
        return [
            text.split("\n2. ")[1].split("\n\n")[0]
            for text in channel.to(chat_id)
            if "\n2. " in text
        ]

    await engine.tick(datetime(2022, 8, 25, 8, 0))  # the plan's own date has passed: no one late
    assert task2("tccb") == [] and task2("khtc") == []
    await engine.tick(datetime(2022, 9, 8, 8, 0))  # 7 days before the extended date
    [tccb] = task2("tccb")
    assert "Hạn gốc 24/08/2022 · gia hạn đến 15/09/2022" in tccb
    assert "(hạn 15/09/2022) — còn 7 ngày" in tccb
    assert task2("khtc") == []  # its own date is 30/09
    await engine.tick(datetime(2022, 9, 23, 8, 0))  # 7 days before KH-TC's own date
    [khtc] = task2("khtc")
    assert "Hạn gốc 24/08/2022 · gia hạn đến 30/09/2022" in khtc
    assert "(hạn 30/09/2022) — còn 7 ngày" in khtc


async def test_the_unit_sees_why_its_confirmation_came_back(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE, "Nguyễn Thị Lan")
    await head.says("/xong 2")
    await office.says("/tuchoi 2 @GDTrH thiếu biên bản")
    await office.says("/giahan 2 30/09/2022 @GDTrH để bổ sung biên bản")
    tasks = await head.says("/viec")
    block = tasks.split("\n2. ")[1].split("\n\n")[0]
    assert "(bị Nguyễn Thị Lan trả lại lúc 09:00 ngày 01/08/2022: “thiếu biên bản”)" in block
    assert "(gia hạn riêng cho đơn vị đến 30/09/2022 (để bổ sung biên bản))" in block
