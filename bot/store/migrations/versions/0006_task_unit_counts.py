"""province scale: each task keeps how many units lead and support it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 12:00:00

`/plans` and `/status` counted every assignment of every plan per task on each request (208 ms at
200,000 assignments, 741 ms at 1,000,000). The import, the only writer of assignments, now keeps
the counts on the task; the few units with a date of their own are found by a partial index.
Existing tasks are counted once here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OWN_DUE = sa.text("due_extended IS NOT NULL")


def upgrade() -> None:
    # Plain ADD COLUMN, never SQLite's batch copy (see 0005).
    for column in ("lead_units", "support_units"):
        op.add_column("tasks", sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    for column, role in (("lead_units", "lead"), ("support_units", "support")):
        op.execute(
            f"UPDATE tasks SET {column} = (SELECT count(*) FROM assignments"
            " WHERE assignments.task_id = tasks.id AND assignments.active"
            f" AND assignments.role = '{role}')"
        )
    op.create_index(
        "ix_assignments_own_due",
        "assignments",
        ["task_id"],
        sqlite_where=_OWN_DUE,
        postgresql_where=_OWN_DUE,
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_own_due", table_name="assignments")
    op.drop_column("tasks", "support_units")
    op.drop_column("tasks", "lead_units")
