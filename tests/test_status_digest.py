"""The Office's weekly digest: on the first working day of each week, once, to the Office only.

The policy part is pure (`plan_digests`); the engine part runs plan 187 through the real tick,
outbox and composition, and reads the Vietnamese the Office receives.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import Assignment, OutboxItem
from scheduler.engine import ReminderEngine
from scheduler.policy import Audience, DigestFacts, ReminderKind, plan_digests
from scheduler.settings import ReminderSettings
from tests.conftest import Chat
from tests.fakes.recording import RecordingChannel

SETTINGS = ReminderSettings()
CALENDAR = SETTINGS.calendar()
PLAN = DigestFacts(
    plan_id=1,
    task_id=11,
    task_no=1,
    plan_start=date(2023, 3, 1),
    plan_end=date(2023, 12, 31),
    plan_imported=date(2023, 3, 1),
)
OTHER = DigestFacts(2, 21, 1, date(2023, 5, 10), date(2023, 12, 31), date(2023, 5, 10))


def digests(moment: str, *plans: DigestFacts, since: str | None = None):
    return plan_digests(
        plans or (PLAN,),
        CALENDAR,
        SETTINGS,
        datetime.fromisoformat(moment),
        datetime.fromisoformat(since) if since else None,
    )


def test_monday_morning_one_digest_per_plan_to_the_office() -> None:
    result = digests("2023-06-05T08:00", PLAN, OTHER)
    assert [(r.kind, r.slot, r.task_id, r.audience, r.late) for r in result.due] == [
        (ReminderKind.DIGEST, date(2023, 6, 5), 11, Audience.OFFICE, False),
        (ReminderKind.DIGEST, date(2023, 6, 5), 21, Audience.OFFICE, False),
    ]
    assert all(r.assignment_id is None and r.unit is None for r in result.due)
    assert result.skipped == []


def test_not_before_the_send_time_nor_on_a_day_off() -> None:
    assert digests("2023-06-05T07:59").due == []
    assert digests("2023-06-04T09:00").due == []  # Sunday


def test_later_in_the_week_it_is_the_same_monday_slot_so_the_outbox_sends_it_once() -> None:
    [tuesday] = digests("2023-06-06T08:00").due
    assert (tuesday.slot, tuesday.late) == (date(2023, 6, 5), True)


def test_a_week_starting_with_holidays_has_its_digest_on_its_first_working_day() -> None:
    # Quốc khánh 2024: Monday 02/09 and Tuesday 03/09 are days off.
    assert digests("2024-09-02T09:00").due == []
    assert digests("2024-09-03T09:00").due == []
    plan = DigestFacts(1, 11, 1, date(2024, 1, 2), date(2024, 12, 31), date(2024, 1, 2))
    [wednesday] = digests("2024-09-04T08:00", plan).due
    assert wednesday.slot == date(2024, 9, 4)


def test_a_plan_imported_mid_week_waits_for_next_week() -> None:
    assert digests("2023-05-10T09:00", OTHER).due == []  # imported that Wednesday
    assert digests("2023-05-12T09:00", OTHER).due == []
    [monday] = digests("2023-05-15T08:00", OTHER).due
    assert monday.slot == date(2023, 5, 15)


def test_it_stops_when_overdue_reminders_stop_after_the_plan_ends() -> None:
    # The plan ends 31/12/2023; overdue reminders last 30 more days, and so does the digest.
    assert [r.slot for r in digests("2024-01-29T08:00").due] == [date(2024, 1, 29)]
    assert digests("2024-02-05T08:00").due == []


def test_after_downtime_only_this_weeks_digest_goes_out_and_older_ones_are_skipped() -> None:
    result = digests("2023-06-19T08:00", since="2023-06-01T08:00")
    assert [r.slot for r in result.due] == [date(2023, 6, 19)]
    assert sorted(r.slot for r in result.skipped) == [date(2023, 6, 5), date(2023, 6, 12)]


# --- through the engine -----------------------------------------------------------------------


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def engine(services: BotServices, channel: RecordingChannel) -> ReminderEngine:
    return ReminderEngine(services, {"console": channel})


def at(day: str, time: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}")


async def tick(engine: ReminderEngine, clock: ManualClock, day: str) -> None:
    clock.set(at(day))
    await engine.tick(at(day))


DIGEST = "Tổng hợp tuần ngày "


async def snooze_everything(services: BotServices, until: date) -> None:
    """Every unit holds its reminders: the digest, plan-level, is not held with them."""
    async with services.db.session() as session:
        await session.execute(update(Assignment).values(snoozed_until=until))


async def test_the_office_gets_the_digest_on_monday_and_not_on_tuesday(
    chat: Chat, engine: ReminderEngine, channel: RecordingChannel, clock: ManualClock
) -> None:
    await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    await chat.registered("gdtrh", "Phòng Giáo dục Trung học", Role.HEAD)
    await snooze_everything(chat.services, date(2022, 9, 30))

    await tick(engine, clock, "2022-09-12")  # Monday
    [monday] = channel.to("vp")  # escalations (never held) and the digest, in one message
    digest = monday[monday.index(DIGEST) :]
    assert digest.startswith(
        "Tổng hợp tuần ngày 12/09/2022 gửi Văn phòng\n\nKế hoạch 187/KH-SGDĐT:"
    )
    lines = digest.split("\n")
    assert lines[3] == "Quá hạn (4):"
    assert lines[4].startswith("• 1. Xây dựng kế hoạch duy trì")
    assert lines[4].endswith("— Quá hạn 215 ngày; còn thiếu: Ban ISO Sở")
    assert lines[5] == "• 6. Đánh giá nội bộ — Quá hạn 44 ngày; còn thiếu: Lãnh đạo Sở, Ban ISO Sở"
    assert lines[6].endswith(
        "— Quá hạn 19 ngày; còn thiếu: Văn phòng Sở, P. TCCB, P. KH-TC, P. GDMN, P. GDTH, "
        "P. GDTrH, P. GDNN-GDTX, P. KT&KĐCLGD, Thanh tra Sở"
    )
    assert "Đến hạn trong 7 ngày tới (1):" in lines
    assert (
        "• 7. Tiến hành khắc phục sau đánh giá nội bộ — hạn 15/09/2022; "
        "còn thiếu: Lãnh đạo Sở, Ban ISO Sở"
    ) in lines
    assert "Chưa có hạn (1): 10 — đặt hạn: /hanchot 10 dd/mm/yyyy" in lines
    assert (
        "Đơn vị chủ trì chưa có ai đăng ký (không nhận được nhắc việc): P. TCCB, P. KH-TC, "
        "P. GDMN, P. GDTH, P. GDNN-GDTX, P. KT&KĐCLGD, Thanh tra Sở, Lãnh đạo Sở"
    ) in lines  # Phòng Giáo dục Trung học has its head registered
    assert lines[-1] == "Chi tiết: /tinhhinh 187 · từng đơn vị: /baocao xlsx"
    assert channel.to("gdtrh") == []  # its reminders are held, and the digest is not its
    assert all(DIGEST not in text for text in channel.to("iso"))  # escalations only

    await tick(engine, clock, "2022-09-13")  # Tuesday
    await tick(engine, clock, "2022-09-16")  # Friday
    assert [DIGEST in text for text in channel.to("vp")] == [True]
    async with chat.services.db.session() as session:
        rows = list(await session.scalars(select(OutboxItem).where(OutboxItem.kind == "digest")))
    assert [(row.slot, row.status) for row in rows] == [(date(2022, 9, 12), "sent")]

    await tick(engine, clock, "2022-09-19")  # next Monday
    # Still held by every unit: the digest comes alone.
    assert channel.to("vp")[-1].startswith("Tổng hợp tuần ngày 19/09/2022 gửi Văn phòng\n")


async def test_a_closed_plan_is_left_out_of_the_digest(
    chat: Chat, engine: ReminderEngine, channel: RecordingChannel, clock: ManualClock
) -> None:
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    await tick(engine, clock, "2022-09-12")
    assert DIGEST in channel.to("vp")[-1]
    await office.says("/kehoach dong 187")
    await tick(engine, clock, "2022-09-19")
    assert all(DIGEST not in text for text in channel.to("vp")[1:])


SECOND_PLAN = """\
Số: 45/KH-SGDĐT

Hưng Yên, ngày 03 tháng 3 năm 2022

KẾ HOẠCH

Triển khai chuyển đổi số năm 2022

TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện
1\tCập nhật cơ sở dữ liệu ngành\tPhòng Kế hoạch - Tài chính\tVăn phòng Sở\tTrước 15/9/2022
2\tTập huấn chữ ký số cho công chức\tVăn phòng Sở\tThanh tra Sở\tTrước 30/5/2022
"""


async def test_several_plans_come_in_one_message_grouped_by_plan(
    chat: Chat,
    engine: ReminderEngine,
    channel: RecordingChannel,
    clock: ManualClock,
    tmp_path,
) -> None:
    services = chat.services
    path = tmp_path / "45-KH-SGDDT-2022.txt"
    path.write_text(SECOND_PLAN, "utf-8")
    await services.import_plan(services.read_plan(path))
    await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    await snooze_everything(services, date(2022, 9, 30))

    await tick(engine, clock, "2022-09-12")
    [message] = channel.to("vp")
    digest = message[message.index(DIGEST) :]
    first, second = digest.split("\n\nKế hoạch ")[1:]
    # The plan with the longest overdue task first; addresses carry the plan's key.
    assert first.startswith("187/KH-SGDĐT (mã 187):\nQuá hạn (4):\n• 187.1. ")
    assert second.startswith("45/KH-SGDĐT (mã 45):\nQuá hạn (1):\n")
    assert (
        "• 45.2. Tập huấn chữ ký số cho công chức — Quá hạn 106 ngày; còn thiếu: Văn phòng Sở"
        in second
    )
    assert (
        "Đến hạn trong 7 ngày tới (1):\n• 45.1. Cập nhật cơ sở dữ liệu ngành — hạn 14/09/2022"
        in second
    )
    assert second.endswith("Chi tiết: /tinhhinh 45 · từng đơn vị: /baocao 45 xlsx")
    async with services.db.session() as session:
        slots = list(
            await session.scalars(select(OutboxItem.slot).where(OutboxItem.kind == "digest"))
        )
    assert slots == [date(2022, 9, 12)] * 2  # one row per plan, sent as one message
