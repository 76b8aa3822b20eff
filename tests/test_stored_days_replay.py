"""Stored next-reminder days lose nothing: a year of plans 187 and 05, lived twice.

Two databases live the same year, with the same people doing the same things on the same
mornings: confirming, taking back, snoozing, being sent back, getting a date or an extension,
a plan closed and reopened, a newcomer, a week with the bot down, a change of the rhythm. One
engine reads only the rows whose stored day has come; the other asks the policy about every row
on every tick, as if no day were stored. Both must send the same messages and leave the same
outbox, while the first reads a small share of what the second does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import open_services
from bot.bundled import bundled_plan
from bot.clock import ManualClock
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import Assignment, OutboxItem, Plan, Task
from bot.store.reminder_days import NEVER
from scheduler.engine import ReminderEngine
from tests.conftest import Chat, Person, make_config
from tests.fakes.recording import RecordingChannel
from tests.pg import PgServer

FIRST = date(2022, 2, 7)
LAST = date(2023, 1, 31)
DOWN = (date(2022, 5, 3), date(2022, 5, 12))  # the bot is down: no tick at all
RHYTHM_CHANGE = date(2022, 10, 3)
SECOND_PLAN = Path(__file__).parent / "data" / "plans" / "05-KH-SGDDT-2022.txt"
DEPARTMENTS = ("Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Thanh tra Sở")


@pytest.fixture(params=["sqlite", "postgresql"])
def twin_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield (
            f"sqlite+aiosqlite:///{tmp_path / 'stored.db'}",
            f"sqlite+aiosqlite:///{tmp_path / 'full.db'}",
        )
        return
    server: PgServer = request.getfixturevalue("pg_server")
    names = (server.create_database(), server.create_database())
    yield server.url(names[0]), server.url(names[1])
    for name in names:
        server.drop_database(name)


@dataclass
class Twin:
    """One of the two databases, its people and its engine."""

    url: str
    stored_days: bool
    tmp_path: Path
    clock: ManualClock
    services: BotServices | None = None
    engine: ReminderEngine | None = None
    people: dict[str, Person] | None = None
    examined: int = 0

    def __post_init__(self) -> None:
        self.channel = RecordingChannel()
        self.replies: list[tuple[date, str, str, str]] = []

    async def open(self, reminders: dict[str, object]) -> None:
        if self.services is not None:
            await self.services.db.dispose()
        config = make_config(self.tmp_path, database_url=self.url, reminders=reminders)
        self.services = await open_services(config, clock=self.clock)
        self.engine = ReminderEngine(
            self.services, {"console": self.channel}, stored_days=self.stored_days
        )
        self.chat = Chat(self.services)
        if self.people is not None:  # the same people, seen through the new services
            self.people = {key: Person(self.chat, p.sender) for key, p in self.people.items()}

    async def says(self, who: str, text: str) -> str:
        assert self.people is not None
        reply = await self.people[who].says(text)
        self.replies.append((self.clock.now().date(), who, text, reply))
        return reply

    async def tick(self, moment: datetime) -> None:
        assert self.engine is not None
        self.clock.set(moment)
        report = await self.engine.tick(moment)
        self.examined += report.examined


@pytest_asyncio.fixture
async def twins(twin_urls: tuple[str, str], tmp_path: Path) -> AsyncIterator[tuple[Twin, Twin]]:
    pair = []
    for url, stored in zip(twin_urls, (True, False), strict=True):
        clock = ManualClock(datetime.combine(FIRST, time(7, 0)))
        twin = Twin(url, stored, tmp_path / ("stored" if stored else "full"), clock)
        twin.tmp_path.mkdir()
        await twin.open({})
        assert twin.services is not None
        await twin.services.import_plan(twin.services.read_plan(bundled_plan()))
        await twin.services.import_plan(twin.services.read_plan(SECOND_PLAN))
        chat = twin.chat
        twin.people = {
            "office": await chat.registered("office", "Văn phòng Sở", Role.OFFICE),
            "iso": await chat.registered("iso", "Ban ISO Sở", Role.ISO),
            "leader": await chat.registered("leader", "Lãnh đạo Sở", Role.LEADER),
            "d0": await chat.registered("d0", DEPARTMENTS[0], Role.HEAD),
            "d1": await chat.registered("d1", DEPARTMENTS[1], Role.HEAD),
        }
        pair.append(twin)
    yield pair[0], pair[1]
    for twin in pair:
        assert twin.services is not None
        await twin.services.db.dispose()


#: What people do, at 10:00 of the day (after that morning's reminders).
DOINGS: dict[date, list[tuple[str, str]]] = {
    date(2022, 2, 10): [("iso", "/xong 187.1")],
    date(2022, 3, 1): [("d0", "/xong 187.4")],
    date(2022, 3, 15): [("d1", "/hoanlai 187.4 5")],
    date(2022, 3, 16): [("office", "/xong 05.1")],
    date(2022, 4, 5): [("office", "/hanchot 187.10 30/06/2022"), ("office", "/xong 05.3")],
    date(2022, 5, 20): [("d0", "/xong 05.2"), ("office", "/xong 05.3")],
    date(2022, 6, 2): [("d0", "/xong 187.4"), ("d1", "/xong 187.5")],
    date(2022, 6, 3): [("d0", "/huy 187.4")],
    date(2022, 6, 20): [("leader", "/xong 187.6")],
    date(2022, 8, 10): [("office", "/giahan 187.2 15/09/2022 hội nghị")],
    date(2022, 8, 22): [("office", f"/giahan 187.2 30/09/2022 @{DEPARTMENTS[1]} chờ số liệu")],
    date(2022, 8, 25): [("d0", "/xong 187.2")],
    date(2022, 8, 29): [("office", f"/tuchoi 187.2 @{DEPARTMENTS[0]} thiếu biên bản")],
    date(2022, 9, 19): [("d0", "/xong 187.2"), ("iso", "/xong 187.8")],
    date(2022, 10, 20): [("office", "/giahan 05.5 30/11/2022 chờ hướng dẫn")],
    date(2022, 11, 7): [("d1", "/hoanlai 187.9 10")],
}


async def live_a_day(twin: Twin, day: date) -> None:
    assert twin.services is not None
    if DOWN[0] <= day <= DOWN[1]:
        return
    if day == RHYTHM_CHANGE:  # the Office shortens the daily overdue phase
        await twin.open({"overdue_daily_working_days": 2})
    if day == date(2022, 7, 4):  # a newcomer hears what their unit is owed today
        assert twin.people is not None
        twin.people["d2"] = await twin.chat.registered("d2", DEPARTMENTS[2], Role.HEAD)
    if day == date(2022, 9, 5):
        await twin.services.set_plan_closed("187", True, actor="test")
    if day == date(2022, 9, 12):
        await twin.services.set_plan_closed("187", False, actor="test")
    if day == date(2022, 11, 14):
        await twin.services.set_plan_end("187", date(2022, 12, 20))
    if day.weekday() >= 5 and day.day > 7:
        return  # a tick on a day off reads nothing; the first weekend of each month shows it
    if day.weekday() in (1, 2, 3) and day.day > 7 and day not in DOINGS:
        return  # midweek the bot is mostly down: the next morning it runs catches up
    await twin.tick(datetime.combine(day, time(8, 0)))
    if day.weekday() == 0 and day.day <= 7:  # the same morning: nothing new
        await twin.tick(datetime.combine(day, time(8, 20)))
    doings = DOINGS.get(day, [])
    twin.clock.set(datetime.combine(day, time(10, 0)))
    for who, text in doings:
        await twin.says(who, text)
    if doings:
        await twin.tick(datetime.combine(day, time(16, 0)))  # a rejection's notice: sent now


def by_person(twin: Twin) -> dict[str, list[str]]:
    """Each person's messages in order (people are served side by side, in any order)."""
    messages: dict[str, list[str]] = {}
    for chat_id, text in twin.channel.sent:
        messages.setdefault(chat_id, []).append(text)
    return messages


async def outbox_rows(twin: Twin) -> list[tuple[object, ...]]:
    assert twin.services is not None
    async with twin.services.db.session() as session:
        rows = await session.scalars(select(OutboxItem).order_by(OutboxItem.dedupe_key))
        return [
            (r.dedupe_key, r.kind, r.slot, r.period, r.days, tuple(r.owing_units), r.status)
            for r in rows
        ]


async def test_a_year_with_stored_days_sends_what_full_recomputation_sends(
    twins: tuple[Twin, Twin],
) -> None:
    stored, full = twins
    day = FIRST
    while day <= LAST:
        for twin in twins:
            await live_a_day(twin, day)
        day += timedelta(days=1)

    assert stored.replies == full.replies
    # What people did went through: none of it was refused ("Đã ghi nhận", "Đã gia hạn"…).
    assert all(reply.startswith("Đã ") for *_, reply in stored.replies), stored.replies
    assert by_person(stored) == by_person(full)
    assert len(stored.channel.sent) > 150
    assert await outbox_rows(stored) == await outbox_rows(full)
    # The stored days spared most of the reading: a tick looks only at what may be due.
    assert stored.examined * 5 < full.examined, (stored.examined, full.examined)


async def test_a_closed_plans_rows_are_never_read_again(twins: tuple[Twin, Twin]) -> None:
    stored, _ = twins
    assert stored.services is not None and stored.engine is not None
    await stored.tick(datetime(2022, 8, 1, 8, 0))
    async with stored.services.db.session() as session:
        plan_187 = set(
            await session.scalars(
                select(Task.id).join(Plan, Plan.id == Task.plan_id).where(Plan.key == "187")
            )
        )
    await stored.services.set_plan_closed("187", True, actor="test")
    report = await stored.engine.tick(datetime(2022, 8, 2, 8, 0))
    assert not any(item.reminder.task_id in plan_187 for item in report.queued)
    async with stored.services.db.session() as session:
        days = set(
            await session.scalars(
                select(Assignment.next_reminder_on)
                .join(Task, Task.id == Assignment.task_id)
                .join(Plan, Plan.id == Task.plan_id)
                .where(Plan.key == "187")
            )
        )
    assert days == {NEVER}
    await stored.services.set_plan_closed("187", False, actor="test")
    report = await stored.engine.tick(datetime(2022, 8, 3, 8, 0))
    assert any(item.reminder.task_id in plan_187 for item in report.queued)
