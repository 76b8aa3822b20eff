"""Loading a bench database fast: units, one lead assignment per unit and task, one person (with
one membership) and one contact per unit, by COPY, then the sequences and the planner's
statistics brought up to date.

The PostgreSQL benches load the same shape of data; only their sizes and their plan differ.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


async def copy_units_and_people(
    connection: Any, *, units: int, tasks: int, channel: str, now: datetime
) -> None:
    """COPY `units` units leading each of tasks 1..`tasks`, each unit with one contact."""
    await connection.copy_records_to_table(
        "units",
        columns=["id", "name", "is_group"],
        records=[(u, f"Đơn vị {u:05d}", False) for u in range(1, units + 1)],
    )
    await connection.copy_records_to_table(
        "assignments",
        columns=["id", "task_id", "unit_id", "role", "via_group", "active"],
        records=[
            ((t - 1) * units + u, t, u, "lead", None, True)
            for t in range(1, tasks + 1)
            for u in range(1, units + 1)
        ],
    )
    # What the import keeps on each task (`bot.services.plans.store_plan`).
    await connection.execute(
        "UPDATE tasks SET lead_units = $1, support_units = 0 WHERE id <= $2", units, tasks
    )
    await connection.copy_records_to_table(
        "people",
        columns=["id", "name", "unit_id", "role", "language", "prefer_channel", "created_at"],
        records=[(u, f"Người {u}", u, "head", "vi", "all", now) for u in range(1, units + 1)],
    )
    await connection.copy_records_to_table(
        "memberships",
        columns=["id", "person_id", "unit_id", "role", "since"],
        records=[(u, u, u, "head", now) for u in range(1, units + 1)],
    )
    await connection.copy_records_to_table(
        "contacts",
        columns=["id", "person_id", "channel", "user_id", "chat_id", "name", "since"],
        records=[
            (u, u, channel, str(900_000 + u), str(900_000 + u), f"Người {u}", now)
            for u in range(1, units + 1)
        ],
    )
    for table in ("tasks", "units", "assignments", "people", "memberships", "contacts"):
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT max(id) FROM {table}))"
        )
    await connection.execute("ANALYZE")
