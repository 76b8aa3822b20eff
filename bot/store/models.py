"""The database tables. State lives here, never in memory: a restart loses and repeats nothing.

Datetimes are stored in UTC (aware on the Python side, whatever the backend keeps), dates as dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.store.reminder_days import RECOMPUTE

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which forgets zones) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class BoundedString(TypeDecorator[str]):
    """A VARCHAR(n) for text people write (names, subjects): cut to n, never refused.

    PostgreSQL refuses a value longer than the column; SQLite keeps it whole. Cutting it here makes
    both keep the same first n characters, so a 300-character display name registers everywhere.
    """

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.max_length = length

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return value[: self.max_length] if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (Index("uq_plans_key", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(BoundedString(64), unique=True)
    #: What people type before a task number (`187` in `187.6`): unique, never changed once set.
    key: Mapped[str] = mapped_column(String(32))
    issued: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The last day the plan's own tasks reach (at least 31/12 of its year), kept at import.
    end_derived: Mapped[date] = mapped_column(Date)
    #: The end the Office set (`nhacviec plan KEY --end`), which wins over the derived one.
    end_set: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def start(self) -> date:
        return self.issued or date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return self.end_set or self.end_derived

    tasks: Mapped[list[Task]] = relationship(back_populates="plan", order_by="Task.no")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    no: Mapped[int] = mapped_column(Integer)
    #: The plan's own number for the row (`II.3`, `1.1`); `no` is its place, 1..N.
    label: Mapped[str] = mapped_column(BoundedString(32), default="")
    section: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)
    lead: Mapped[list[str]] = mapped_column(JSON)
    support: Mapped[list[str]] = mapped_column(JSON)
    when_text: Mapped[str] = mapped_column(Text)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The date the Office set for an as_regulated task (`/deadline N dd/mm/yyyy`).
    deadline_set: Mapped[date | None] = mapped_column(Date)
    #: The Office moved the due date for every unit (`/giahan N dd/mm/yyyy`); the plan's own
    #: date (or `deadline_set`) is kept as the original.
    due_extended: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The first day the task itself (its escalation, the Office's ask for a date) may next
    #: need a reminder; see `bot.services.reminder_dates`.
    next_reminder_on: Mapped[date] = mapped_column(
        Date, default=RECOMPUTE, server_default=RECOMPUTE.isoformat(), index=True
    )
    reminder_gen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: How many units lead and support the task (active assignments), kept by the import, the
    #: only writer of assignments: the chat's counts read these, not a province's rows.
    lead_units: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    support_units: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="task")


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(BoundedString(255), unique=True)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )


class Assignment(Base):
    """One unit's part in one task: the thing that is reminded and confirmed."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id"),
        # The few units the Office gave a date of their own (`/giahan N … @UNIT`).
        Index(
            "ix_assignments_own_due",
            "task_id",
            sqlite_where=text("due_extended IS NOT NULL"),
            postgresql_where=text("due_extended IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    #: The group this assignment came from ("Các phòng thuộc Sở"), or None when named directly.
    via_group: Mapped[str | None] = mapped_column(BoundedString(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The unit asked for quiet (`/hoanlai`): its reminders of this task are held through this
    #: day. The due date, the escalation and the Office's digest do not move.
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    #: The Office moved this unit's due date only (`/giahan N dd/mm/yyyy @UNIT`); it wins over
    #: the task's date, original or extended.
    due_extended: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    #: The first day this unit's part may next need a reminder: the tick reads only the rows
    #: whose day has come, by this index (`bot.services.reminder_dates`).
    next_reminder_on: Mapped[date] = mapped_column(
        Date, default=RECOMPUTE, server_default=RECOMPUTE.isoformat(), index=True
    )
    #: Raised by every change of the facts the date was computed from, so a tick that read the
    #: facts before the change does not write a date computed from the old ones.
    reminder_gen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    task: Mapped[Task] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()


class Person(Base):
    """A human being, who may be reachable on several channels (Telegram, Zalo).

    What the person may do and which units they act for are their `memberships`. `unit_id` and
    `role` are legacy (the first release's single unit): kept as the first membership still held,
    read by nothing that decides rights or recipients.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(BoundedString(255), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    #: Where reminders go: "all" channels the person has, or one channel's name.
    prefer_channel: Mapped[str] = mapped_column(String(16), default="all")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="person")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", order_by="Membership.id"
    )


class Membership(Base):
    """A person acts for a unit in a role: the Chánh Văn phòng may also sit on Ban ISO.

    A removed membership is deleted (the audit log keeps who removed it and when), so every row
    here is one the person holds now.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("person_id", "unit_id", "role", name="uq_memberships_person_unit_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="memberships")
    unit: Mapped[Unit] = relationship()


class Contact(Base):
    """A person's identity on one channel: where replies and reminders are sent."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(BoundedString(255), default="")
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="contacts")


class Invite(Base):
    """A one-time registration code. Only its hash is kept, so a database dump reveals no code."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(BoundedString(255), default="")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    #: Set for a code that links a second channel to an existing person.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    unit: Mapped[Unit] = relationship()


class FailedAttempt(Base):
    """A wrong registration code, counted per sender to throttle guessing."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_sender", "channel", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Confirmation(Base):
    """ "Unit U finished task N (for period P)": who, when, the note and the evidence.

    Never deleted: `undone_at` is set when it stops counting, because the unit took it back
    (`/huy`) or the Office or Ban ISO rejected it (`rejected_at`, with the reason).
    """

    __tablename__ = "confirmations"
    __table_args__ = (Index("ix_confirmations_assignment", "assignment_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16), default="")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_on: Mapped[date] = mapped_column(Date)
    by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    by_name: Mapped[str] = mapped_column(BoundedString(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    attachment_kind: Mapped[str | None] = mapped_column(String(16))
    attachment_ref: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(BoundedString(255))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(BoundedString(255))
    #: The unit of the person who confirmed; another unit than the assignment's when the Office
    #: confirmed on the unit's behalf (`/xong N @UNIT`), and then `on_behalf` is set.
    by_unit: Mapped[str | None] = mapped_column(BoundedString(255))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(BoundedString(255))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by: Mapped[str | None] = mapped_column(BoundedString(255))
    reject_reason: Mapped[str | None] = mapped_column(Text)


class EvidenceFile(Base):
    """A file a unit sent with its confirmation, kept in `[storage] dir` when it was received.

    Keeping a copy (with its size and SHA-256) is what lets an ISO audit open the evidence years
    later: a chat app's file id may stop working, the copy and its hash do not.
    """

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    confirmation_id: Mapped[int] = mapped_column(
        ForeignKey("confirmations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str] = mapped_column(Text)  # the channel's id, to send the file again
    name: Mapped[str] = mapped_column(BoundedString(255), default="")
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: Where the copy is, relative to `[storage] dir`; None while it could not be downloaded.
    path: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class OutboxItem(Base):
    """One reminder for one contact, written before sending: the row is the proof of sending."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: assignment-or-task | kind | slot | contact: the reminder is sent once per key.
    dedupe_key: Mapped[str] = mapped_column(String(160))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    slot: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(16), default="")
    days: Mapped[int] = mapped_column(Integer, default=0)
    owing_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: pending → sending → sent; failed rows wait for `next_attempt_at`; skipped is never sent.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(BoundedString(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: A notice about one confirmation (its rejection): the reason is read from it when sent.
    confirmation_id: Mapped[int | None] = mapped_column(Integer)


class AuditEntry(Base):
    """Who did what and when: confirmations, undos, registrations, revocations, deadlines."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(BoundedString(255))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(BoundedString(255), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EngineState(Base):
    """Small named values the engine keeps across restarts (the last tick) and leases."""

    __tablename__ = "engine_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    holder: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
