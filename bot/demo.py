"""`nhacviec demo`: the year 2022 of plan 187 on a fast clock, on the console, with no network.

A temporary SQLite database, the bundled plan, one registered person per unit, and a script of
what they answer: some on time, some late, one never. Every working morning the real engine ticks
at 08:00 and the real dispatcher answers their commands, so what the demo shows is what the bot
does. It is deterministic: the same output on every run.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.app import open_services
from bot.bundled import bundled_plan
from bot.channels.base import Buttons, IncomingMessage, OutgoingFile
from bot.channels.console import console_sender
from bot.clock import LOCAL_TZ, ManualClock
from bot.config import SAMPLE_DEPARTMENTS, Config
from bot.dispatch import Dispatcher
from bot.domain.model import Role, StateKind
from bot.i18n import N_, Translator, chat_date
from handlers.status import overview
from scheduler.engine import ReminderEngine

FIRST_DAY = date(2022, 2, 7)
LAST_DAY = date(2022, 12, 30)
REPLY_TIME = time(10, 0)

#: One person per unit. The names are invented.
PEOPLE: dict[str, tuple[str, Role]] = {
    "Văn phòng Sở": ("Nguyễn Thị Lan", Role.OFFICE),
    "Ban ISO Sở": ("Trần Văn Minh", Role.ISO),
    "Lãnh đạo Sở": ("Phạm Quốc Hùng", Role.LEADER),
    "Phòng Tổ chức cán bộ": ("Lê Thị Hà", Role.HEAD),
    "Phòng Kế hoạch - Tài chính": ("Vũ Đức Thắng", Role.HEAD),
    "Phòng Giáo dục Mầm non": ("Đặng Thu Trang", Role.HEAD),
    "Phòng Giáo dục Tiểu học": ("Bùi Văn Nam", Role.HEAD),
    "Phòng Giáo dục Trung học": ("Hoàng Minh Tuấn", Role.HEAD),
    "Phòng Giáo dục nghề nghiệp - Giáo dục thường xuyên": ("Ngô Thị Mai", Role.HEAD),
    "Phòng Khảo thí và Kiểm định chất lượng giáo dục": ("Đỗ Thanh Bình", Role.HEAD),
    "Thanh tra Sở": ("Trịnh Văn Long", Role.HEAD),
}

#: Departments that confirm their quarterly tasks (4, 5, 9) early in each quarter's second month;
#: the others confirm in the quarter's last days and miss the third quarter.
PROMPT_DEPARTMENTS = SAMPLE_DEPARTMENTS[:6]


@dataclass(frozen=True)
class Step:
    day: date
    unit: str
    text: str


def script() -> list[Step]:
    """What each unit answers during the year: a fixed, deterministic story."""
    steps = [
        Step(date(2022, 2, 9), "Ban ISO Sở", "/xong 1 Đã ban hành Kế hoạch 187/KH-SGDĐT"),
        Step(date(2022, 7, 28), "Lãnh đạo Sở", "/xong 6 Đã đánh giá nội bộ 9 phòng"),
        Step(date(2022, 8, 3), "Ban ISO Sở", "/xong 6 Hoàn thành báo cáo đánh giá nội bộ"),
        Step(date(2022, 9, 7), "Ban ISO Sở", "/xong 3 Đã xây dựng mục tiêu chất lượng của Sở"),
        Step(date(2022, 9, 14), "Lãnh đạo Sở", "/xong 7"),
        Step(date(2022, 9, 15), "Ban ISO Sở", "/xong 7 Đã khắc phục 12 điểm không phù hợp"),
        Step(date(2022, 9, 28), "Lãnh đạo Sở", "/xong 8 Họp xem xét ngày 28/9"),
        Step(date(2022, 9, 28), "Ban ISO Sở", "/xong 8"),
        Step(date(2022, 11, 1), "Văn phòng Sở", "/deadline 10 15/12/2022"),
        Step(date(2022, 12, 14), "Ban ISO Sở", "/xong 10 Báo cáo số 2150/BC-SGDĐT"),
    ]
    for index, unit in enumerate(SAMPLE_DEPARTMENTS):
        if unit != "Phòng Kế hoạch - Tài chính":  # this one never sends task 2
            late = unit == "Thanh tra Sở"
            steps.append(
                Step(
                    date(2022, 8, 29) if late else date(2022, 8, 10 + index),
                    unit,
                    "/xong 2 Đã đánh giá mục tiêu chất lượng năm học 2021-2022",
                )
            )
    for quarter in range(1, 5):
        for index, unit in enumerate(SAMPLE_DEPARTMENTS):
            prompt = unit in PROMPT_DEPARTMENTS
            if not prompt and quarter == 3:
                continue  # these units miss the third quarter
            day = date(2022, 3 * quarter - 1, 8 + index) if prompt else date(2022, 3 * quarter, 26)
            for no in (4, 5, 9):
                steps.append(Step(day, unit, f"/xong {no}"))
    return sorted(steps, key=lambda step: step.day)


STATUS_DAYS = (date(2022, 4, 1), date(2022, 8, 31), date(2022, 10, 3), LAST_DAY)


class DemoChannel:
    """The console channel of the demo: one line per reminder message, the first few in full."""

    name = "console"
    max_text_length = 100_000

    def __init__(
        self,
        out: TextIO,
        labels: dict[str, str],
        full_messages: int = 3,
        roles: dict[str, Role] | None = None,
    ) -> None:
        self.out = out
        self.labels = labels
        self.roles = roles or {}
        self.full_left = full_messages
        self.count = 0
        #: Messages received per chat, for the summary's count per role.
        self.received: Counter[str] = Counter()
        #: The day's heading, written before the day's first line (days with nothing stay silent).
        self.heading: str | None = None

    def write(self, text: str) -> None:
        if self.heading is not None:
            self.out.write(self.heading)
            self.heading = None
        self.out.write(text)

    async def start(self, on_message: object) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send_text(self, chat_id: str, text: str, buttons: Buttons = ()) -> str:
        self.count += 1
        self.received[chat_id] += 1
        if self.full_left > 0:
            self.full_left -= 1
            body = "\n".join(f"    {line}" for line in text.splitlines())
            self.write(f"  → {self.labels[chat_id]}\n{body}\n")
        else:
            self.write(f"  → {self.labels[chat_id]}: {summarise(text)}\n")
        return str(self.count)

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        return await self.send_text(chat_id, file.file_name)


_ITEM = re.compile(r"^(\d+)\. ")


def summarise(message: str) -> str:
    """`[1] quá hạn 3 ngày · [7] bắt đầu từ hôm nay`: each task and what is happening."""
    parts = []
    for block in message.split("\n\n")[1:]:
        lines = block.splitlines()
        match = _ITEM.match(lines[0]) if lines else None
        if match and len(lines) > 1:
            parts.append(f"[{match.group(1)}] {lines[1].rpartition(' — ')[2].strip()}")
    if "Tổng hợp tuần ngày " in message:  # the Office's weekly digest
        parts.append("[tổng hợp tuần]")
    late = " (nhắc bù)" if "Nhắc bù" in message else ""
    return " · ".join(parts) + late


async def run_demo(*, quiet: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    tr = Translator("vi")
    with tempfile.TemporaryDirectory(prefix="nhacviec-demo-") as folder:
        config = Config(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}")
        clock = ManualClock(datetime.combine(FIRST_DAY, time(7, 0), LOCAL_TZ))
        services = await open_services(config, clock=clock)
        try:
            return await _play(services, clock, tr, out, quiet)
        finally:
            await services.db.dispose()


async def _play(services, clock: ManualClock, tr: Translator, out: TextIO, quiet: bool) -> int:
    await services.import_plan(services.read_plan(bundled_plan()))
    labels: dict[str, str] = {}
    roles: dict[str, Role] = {}
    senders = {}
    for unit, (name, role) in PEOPLE.items():
        sender = console_sender(name)
        invite = await services.invite(unit, role, created_by="demo")
        await services.register(sender, invite.code)
        senders[unit] = sender
        labels[sender.chat_id] = f"{name} ({unit})"
        roles[sender.chat_id] = role
    sink = io.StringIO() if quiet else out  # quiet: the year is played, only the summary shown
    channel = DemoChannel(sink, labels, roles=roles)
    engine = ReminderEngine(services, {"console": channel})
    dispatcher = Dispatcher(services)
    steps = script()
    say = channel.write
    say(
        tr.gettext(
            "nhacviec demo: plan {plan}, {count} registered people, a fast clock.\n",
            plan="187/KH-SGDĐT",
            count=len(PEOPLE),
        )
    )
    day = FIRST_DAY
    while day <= LAST_DAY:
        channel.heading = f"\n── {weekday(day, tr)} {chat_date(day)} ──\n"
        clock.set(datetime.combine(day, time(8, 0), LOCAL_TZ))
        if engine.calendar.is_working_day(day):
            await engine.tick()
        clock.set(datetime.combine(day, REPLY_TIME, LOCAL_TZ))
        for step in (step for step in steps if step.day == day):
            sender = senders[step.unit]
            message = IncomingMessage(sender, step.text, f"{day}:{step.text}", clock.now())
            reply = await dispatcher.handle(message)
            say(f"  ← {labels[sender.chat_id]}: {step.text}\n")
            if reply is not None:
                say(f"    {reply.text.splitlines()[0]}\n")
        if day in STATUS_DAYS:
            say(f"  /status — {labels[senders['Văn phòng Sở'].chat_id]}\n")
            text = overview(await services.status(), tr)
            say("\n".join(f"    {line}" for line in text.splitlines()) + "\n")
        day += timedelta(days=1)
    await _summary(services, channel, tr, out)
    return 0


ROLE_COUNTS = {
    Role.OFFICE: N_("the Office: {count}"),
    Role.ISO: N_("Ban ISO: {count}"),
    Role.LEADER: N_("the leadership: {count}"),
}


def messages_by_role(channel: DemoChannel, tr: Translator) -> str:
    """Each role's count of the year's messages, heads together with the most one received."""
    per_role: dict[Role, list[int]] = {}
    for chat_id, role in channel.roles.items():
        per_role.setdefault(role, []).append(channel.received[chat_id])
    parts = [
        tr.gettext(text, count=sum(per_role.get(role, []))) for role, text in ROLE_COUNTS.items()
    ]
    heads = per_role.get(Role.HEAD, []) + per_role.get(Role.MEMBER, [])
    if heads:
        parts.append(
            tr.gettext(
                "{people} heads of unit: {count} (at most {most} for one)",
                people=len(heads),
                count=sum(heads),
                most=max(heads),
            )
        )
    return ", ".join(parts)


WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def weekday(day: date, tr: Translator) -> str:
    return tr.gettext(WEEKDAYS[day.weekday()])


async def _summary(services, channel: DemoChannel, tr: Translator, out: TextIO) -> None:
    status = await services.status()
    done_on_time = sum(1 for t in status.tasks if t.state.kind is StateKind.DONE_ON_TIME)
    done_late = sum(1 for t in status.tasks if t.state.kind is StateKind.DONE_LATE)
    missed = sum(t.missed_periods for t in status.tasks)
    out.write(
        "\n"
        + tr.gettext(
            "Summary of the year: {messages} reminder messages sent ({by_role}); tasks done on "
            "time: {on_time}, done late: {late}, still open: {open}; periods of recurring tasks "
            "missed: {missed}.",
            messages=channel.count,
            by_role=messages_by_role(channel, tr),
            on_time=done_on_time,
            late=done_late,
            open=len(status.tasks) - done_on_time - done_late,
            missed=missed,
        )
        + "\n"
    )
