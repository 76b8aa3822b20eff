"""province scale: each assignment and task keeps the day it may next need a reminder

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 08:30:00

Every row starts at the "recompute" day (0001-01-01), so the first tick after the upgrade asks
the policy about everything once, as every tick did before, and stores what it found; from then
on a tick reads only the rows whose day has come.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TABLES = ("tasks", "assignments")


def upgrade() -> None:
    # Plain ADD COLUMN, never SQLite's batch copy (it would drop and refill the tables, and ON
    # DELETE CASCADE would empty the ones that hang off them).
    for table in _TABLES:
        op.add_column(
            table,
            sa.Column("next_reminder_on", sa.Date(), nullable=False, server_default="0001-01-01"),
        )
        op.add_column(
            table, sa.Column("reminder_gen", sa.Integer(), nullable=False, server_default="0")
        )
        op.create_index(f"ix_{table}_next_reminder_on", table, ["next_reminder_on"])


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_index(f"ix_{table}_next_reminder_on", table_name=table)
        op.drop_column(table, "reminder_gen")
        op.drop_column(table, "next_reminder_on")
