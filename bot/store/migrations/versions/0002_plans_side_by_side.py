"""plans side by side: plan key, end and closing; task label and section; snooze; evidence

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
    # Plain ADD COLUMN, never SQLite's batch copy: copying `plans`, `tasks` or `assignments`
    # drops the old table, and with foreign keys on, ON DELETE CASCADE would empty the tables
    # that hang off it (tasks, assignments, confirmations, outbox).
    op.add_column("plans", sa.Column("key", sa.String(length=32), nullable=True))
    op.add_column("plans", sa.Column("end_derived", sa.Date(), nullable=True))
    op.add_column("plans", sa.Column("end_set", sa.Date(), nullable=True))
    op.add_column(
        "plans",
        sa.Column("closed_at", bot.store.models.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "tasks", sa.Column("label", sa.String(length=32), nullable=False, server_default="")
    )
    op.add_column("tasks", sa.Column("section", sa.Text(), nullable=False, server_default=""))
    op.add_column("assignments", sa.Column("snoozed_until", sa.Date(), nullable=True))

    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confirmation_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("file_ref", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("received_at", bot.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmation_id"],
            ["confirmations.id"],
            name=op.f("fk_evidence_files_confirmation_id_confirmations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index(
        op.f("ix_evidence_files_confirmation_id"), "evidence_files", ["confirmation_id"]
    )

    _fill_plans()
    op.execute("UPDATE tasks SET label = CAST(no AS VARCHAR(32))")

    op.create_index("uq_plans_key", "plans", ["key"], unique=True)
    if op.get_bind().dialect.name != "sqlite":
        # SQLite cannot add NOT NULL to a column in place; the application always sets both.
        op.alter_column("plans", "key", existing_type=sa.String(length=32), nullable=False)
        op.alter_column("plans", "end_derived", existing_type=sa.Date(), nullable=False)


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
    op.drop_table("evidence_files")
    op.drop_index("uq_plans_key", table_name="plans")
    for table, column in (
        ("assignments", "snoozed_until"),
        ("tasks", "section"),
        ("tasks", "label"),
        ("plans", "closed_at"),
        ("plans", "end_set"),
        ("plans", "end_derived"),
        ("plans", "key"),
    ):
        op.drop_column(table, column)
