"""the Office's tools: on-behalf confirmations, verify and reject, extended due dates

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 06:15:00

Every column is new and nullable (or has a default), so a database at 0002 keeps every
confirmation, reminder and outbox row as it was: nothing was on behalf, verified, rejected or
extended before.
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("tasks", sa.Column("due_extended", sa.Date(), nullable=True)),
    ("tasks", sa.Column("extension_reason", sa.Text(), nullable=False, server_default="")),
    ("assignments", sa.Column("due_extended", sa.Date(), nullable=True)),
    ("assignments", sa.Column("extension_reason", sa.Text(), nullable=False, server_default="")),
    ("confirmations", sa.Column("by_unit", sa.String(length=255), nullable=True)),
    (
        "confirmations",
        sa.Column("on_behalf", sa.Boolean(), nullable=False, server_default=sa.false()),
    ),
    (
        "confirmations",
        sa.Column("verified_at", bot.store.models.UTCDateTime(timezone=True), nullable=True),
    ),
    ("confirmations", sa.Column("verified_by", sa.String(length=255), nullable=True)),
    (
        "confirmations",
        sa.Column("rejected_at", bot.store.models.UTCDateTime(timezone=True), nullable=True),
    ),
    ("confirmations", sa.Column("rejected_by", sa.String(length=255), nullable=True)),
    ("confirmations", sa.Column("reject_reason", sa.Text(), nullable=True)),
    # Which confirmation a notice is about (its rejection); a lookup, not a constraint.
    ("outbox", sa.Column("confirmation_id", sa.Integer(), nullable=True)),
)


def upgrade() -> None:
    # Plain ADD COLUMN, never SQLite's batch copy: copying `tasks`, `assignments` or
    # `confirmations` drops the old table, and with foreign keys on, ON DELETE CASCADE would
    # empty the tables that hang off it.
    for table, column in _COLUMNS:
        op.add_column(table, column)


def downgrade() -> None:
    for table, column in reversed(_COLUMNS):
        op.drop_column(table, column.name)
