"""plans side by side: plan key, end and closing; task label and section; snooze

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 05:40:00

A database made by the first release holds one plan. It becomes an active plan with the key its
number gives (`187/KH-SGDĐT` → `187`), and an end computed from its tasks the way the importer
computes it now, so its reminders, confirmations and outbox carry on unchanged.
"""

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

import bot.store.models
from bot.domain.model import Schedule
from bot.domain.plans import choose_key, derive_end

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("end_derived", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_set", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_at", bot.store.models.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("label", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("section", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.Date(), nullable=True))

    _fill_plans()
    op.execute("UPDATE tasks SET label = CAST(no AS VARCHAR(32))")

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("end_derived", existing_type=sa.Date(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_plans_key"), ["key"])


def _fill_plans() -> None:
    """Give each stored plan its key and derived end, oldest first, as `import` would have."""
    connection = op.get_bind()
    plans = connection.execute(
        sa.text("SELECT id, number, issued, title, year FROM plans ORDER BY issued, id")
    ).all()
    taken: list[str] = []
    for plan_id, number, issued, title, year in plans:
        issued_day = _as_date(issued)
        key = choose_key(number, issued_day, taken)
        taken.append(key)
        rows = connection.execute(
            sa.text("SELECT schedule FROM tasks WHERE plan_id = :id AND removed = :no"),
            {"id": plan_id, "no": False},
        ).all()
        schedules = [Schedule.from_json(_as_json(row[0])) for row in rows]
        end = derive_end(issued_day, year, title or "", schedules)
        connection.execute(
            sa.text("UPDATE plans SET key = :key, end_derived = :end WHERE id = :id"),
            {"key": key, "end": end, "id": plan_id},
        )


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_json(value: object) -> dict:
    if isinstance(value, dict):
        return value
    return json.loads(str(value))


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("section")
        batch_op.drop_column("label")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_plans_key"), type_="unique")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("end_set")
        batch_op.drop_column("end_derived")
        batch_op.drop_column("key")
