"""A database made by the first release upgrades with `nhacviec init` and keeps everything.

`data/release-0.1.sql` is the dump of a database the first release wrote (plan 187 imported, three
people registered, tasks 6 and 4 confirmed, one morning's reminders sent on 01/08/2022). After the
upgrade it is one active plan with its key, and people carry on where they were.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import open_services
from bot.channels.base import Sender
from bot.cli import main
from bot.clock import ManualClock
from bot.config import Config
from bot.domain.model import Role
from bot.services.summary import summarize
from bot.store.models import (
    Confirmation,
    Contact,
    Membership,
    OutboxItem,
    Person,
    Plan,
    Task,
    Unit,
)

DUMP = Path(__file__).parent / "data" / "release-0.1.sql"


@pytest.fixture
def old_database(tmp_path: Path) -> Path:
    path = tmp_path / "nhacviec.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(DUMP.read_text("utf-8"))
    return path


def test_the_fixture_is_a_first_release_database(old_database: Path) -> None:
    with sqlite3.connect(old_database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0001",)
        ]
        columns = {row[1] for row in connection.execute("PRAGMA table_info(plans)")}
    assert "key" not in columns


async def test_upgrade_keeps_plan_contacts_confirmations_and_outbox(old_database: Path) -> None:
    config = Config(database_url=f"sqlite+aiosqlite:///{old_database}")
    services = await open_services(config, clock=ManualClock(datetime(2022, 8, 2, 9, 0)))
    try:
        async with services.db.session() as session:
            [plan] = await session.scalars(select(Plan))
            assert (plan.key, plan.number, plan.end) == ("187", "187/KH-SGDĐT", date(2022, 12, 31))
            assert plan.closed_at is None
            labels = list(await session.scalars(select(Task.label).order_by(Task.no)))
            assert labels == [str(no) for no in range(1, 11)]
            assert await session.scalar(select(func.count(Contact.id))) == 3
            assert await session.scalar(select(func.count(Confirmation.id))) == 2
            sent = await session.scalar(
                select(func.count(OutboxItem.id)).where(OutboxItem.status == "sent")
            )
            assert sent == 10

        # People carry on: the head who confirmed task 4 is told it is already recorded.
        head = await services.find_contact(Sender("console", "th", "th", ""))
        assert head is not None and head.unit == "Phòng Giáo dục Trung học"
        statuses = await services.statuses()
        assert [s.key for s in statuses] == ["187"]
        task6 = statuses[0].task(6)
        iso = task6.for_unit("Ban ISO Sở")
        assert iso.done and iso.note == "Hoàn thành báo cáo đánh giá nội bộ"
        # The units per task, counted once by the upgrade, are what /status and /kehoach read.
        summary = await services.summary(detail=True)
        assert summary == summarize(statuses[0])
        task4 = summary.task(4)
        assert task4 is not None and (task4.lead_count, task4.support_count) == (9, 1)
    finally:
        await services.db.dispose()


async def test_upgrade_gives_each_person_the_unit_and_role_they_had(old_database: Path) -> None:
    """Each person of the first release becomes one membership, held since they registered."""
    config = Config(database_url=f"sqlite+aiosqlite:///{old_database}")
    services = await open_services(config, clock=ManualClock(datetime(2022, 8, 2, 9, 0)))
    try:
        async with services.db.session() as session:
            rows = await session.execute(
                select(Person.name, Unit.name, Membership.role, Membership.since)
                .join(Membership, Membership.person_id == Person.id)
                .join(Unit, Unit.id == Membership.unit_id)
                .order_by(Person.id)
            )
            assert [tuple(row[:3]) for row in rows] == [
                ("Người iso", "Ban ISO Sở", "iso"),
                ("Người vp", "Văn phòng Sở", "office"),
                ("Người th", "Phòng Giáo dục Trung học", "head"),
            ]
            since = await session.scalar(select(Membership.since).limit(1))
            assert since == datetime(2022, 8, 1, 2, 0, tzinfo=UTC)
        office = await services.find_contact(Sender("console", "vp", "vp", ""))
        assert office is not None and office.memberships[0].unit == "Văn phòng Sở"
        # The Office's next code adds a unit to a person of the old release, moving nobody.
        code = (await services.invite("Ban ISO Sở", Role.ISO, created_by="test")).code
        added = await services.register(Sender("console", "vp", "vp", "Người vp"), code)
        assert added.added and added.units == ("Văn phòng Sở", "Ban ISO Sở")
    finally:
        await services.db.dispose()


def test_init_upgrades_and_reports_the_plan(
    old_database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{old_database}"\n', "utf-8")
    assert main(["--config", str(config), "init"]) == 0
    assert "plan 187/KH-SGDĐT loaded (10 tasks)" in capsys.readouterr().out
    assert main(["--config", str(config), "plans", "--json"]) == 0
    [plan] = json.loads(capsys.readouterr().out)
    assert {k: plan[k] for k in ("key", "number", "start", "end", "tasks")} == {
        "key": "187",
        "number": "187/KH-SGDĐT",
        "start": "2022-02-07",
        "end": "2022-12-31",
        "tasks": 10,
    }
    with sqlite3.connect(old_database) as connection:
        [(version,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert version != "0001"
