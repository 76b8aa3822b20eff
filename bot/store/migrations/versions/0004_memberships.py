"""memberships: a person may act for several units, each in its own role

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 08:10:00

Until now a person had one unit and one role (`people.unit_id`, `people.role`), and a second
invite code moved them to the new unit. Each person becomes one membership with the unit and role
they had, registered when they were, so everyone keeps what they could do and what they were
reminded of. `people.unit_id` and `people.role` stay (dropping them needs SQLite's table copy)
as the first membership still held; rights and recipients are read from `memberships`.
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table and INSERT … SELECT only, never SQLite's batch copy of `people`: dropping the
    # old table with foreign keys on would cascade into the tables that hang off it.
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("since", bot.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_memberships_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_memberships_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "person_id", "unit_id", "role", name="uq_memberships_person_unit_role"
        ),
    )
    op.create_index(op.f("ix_memberships_person_id"), "memberships", ["person_id"])
    op.create_index(op.f("ix_memberships_unit_id"), "memberships", ["unit_id"])
    op.execute(
        "INSERT INTO memberships (person_id, unit_id, role, since) "
        "SELECT id, unit_id, role, created_at FROM people ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_memberships_unit_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_person_id"), table_name="memberships")
    op.drop_table("memberships")
