"""A database at 0002 (plans side by side) upgrades to 0003 and keeps everything it held."""

from __future__ import annotations

from datetime import date, datetime

from alembic import command
from sqlalchemy import select, text

from bot.store.db import Database
from bot.store.migrations_runner import alembic_config
from bot.store.models import Assignment, Confirmation, OutboxItem, Task


def _upgrade_to(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_a_database_at_0002_upgrades(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0002")
        now = datetime(2022, 8, 1, 2, 0)  # naive UTC, as a raw insert stores it
        async with db.engine.begin() as connection:
            statements = [
                (
                    "INSERT INTO plans (id, number, key, issued, title, year, source, imported_at,"
                    " end_derived) VALUES (1, '187/KH-SGDĐT', '187', :issued, 'KH', 2022, '',"
                    " :now, :end)",
                    {"issued": date(2022, 2, 7), "now": now, "end": date(2022, 12, 31)},
                ),
                (
                    "INSERT INTO tasks (id, plan_id, no, label, section, content, lead, support,"
                    " when_text, schedule, removed) VALUES (1, 1, 2, '2', '', 'Rà soát', '[]',"
                    " '[]', 'Trước 25/8/2022', :schedule, :no)",
                    {"schedule": '{"kind": "deadline", "due": "2022-08-24"}', "no": False},
                ),
                (
                    "INSERT INTO units (id, name, is_group) VALUES (1, 'Ban ISO Sở', :f)",
                    {"f": False},
                ),
                (
                    "INSERT INTO assignments (id, task_id, unit_id, role, active) VALUES"
                    " (1, 1, 1, 'lead', :t)",
                    {"t": True},
                ),
                (
                    "INSERT INTO confirmations (id, assignment_id, period, confirmed_at,"
                    " confirmed_on, by_name, note) VALUES (1, 1, '', :now, :on, 'Hoa', 'xong')",
                    {"now": now, "on": date(2022, 8, 1)},
                ),
            ]
            for sql, values in statements:
                await connection.execute(text(sql), values)
        await db.upgrade()
        async with db.session() as session:
            version = await session.scalar(text("SELECT version_num FROM alembic_version"))
            assert version >= "0003"  # and on to the newest revision
            confirmation = await session.scalar(select(Confirmation))
            assert (confirmation.note, confirmation.by_name) == ("xong", "Hoa")
            assert confirmation.on_behalf is False and confirmation.by_unit is None
            assert confirmation.verified_at is None and confirmation.rejected_at is None
            task = await session.scalar(select(Task))
            assert task.due_extended is None and task.extension_reason == ""
            assignment = await session.scalar(select(Assignment))
            assert assignment.due_extended is None and assignment.extension_reason == ""
            assert await session.scalar(select(OutboxItem)) is None
    finally:
        await db.dispose()
