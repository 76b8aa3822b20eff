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


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_extended", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("extension_reason", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_extended", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("extension_reason", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("by_unit", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("on_behalf", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("verified_at", bot.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("verified_by", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("rejected_at", bot.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rejected_by", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("reject_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_confirmation_id_confirmations"),
            "confirmations",
            ["confirmation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_confirmation_id_confirmations"), type_="foreignkey"
        )
        batch_op.drop_column("confirmation_id")
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        for column in (
            "reject_reason",
            "rejected_by",
            "rejected_at",
            "verified_by",
            "verified_at",
            "on_behalf",
            "by_unit",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("due_extended")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("due_extended")
