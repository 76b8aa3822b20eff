"""Confirming a task (`/done`), taking it back (`/undo`) and setting a missing deadline.

A confirmation is never deleted: an undo marks it undone, so the audit trail shows both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.channels.base import Attachment
from bot.domain.model import Role, ScheduleKind
from bot.services.audit import record
from bot.services.errors import (
    AlreadyConfirmed,
    DateOutOfRange,
    NotAllowed,
    NothingToUndo,
    NotRegularTask,
    NotYourTask,
    UnknownTask,
)
from bot.services.plans import current_plan, plan_bounds, task_schedule
from bot.services.registry import ContactInfo
from bot.services.status import current_period
from bot.store.models import Assignment, Confirmation, Plan, Task, Unit

MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class Confirmed:
    task_no: int
    unit: str
    period: str
    on: date


@dataclass(frozen=True)
class Undone:
    task_no: int
    unit: str
    period: str
    confirmed_on: date


@dataclass(frozen=True)
class DeadlineSet:
    task_no: int
    due: date
    previous: date | None


async def find_task(session: AsyncSession, plan: Plan, no: int) -> Task:
    task = await session.scalar(
        select(Task).where(Task.plan_id == plan.id, Task.no == no, Task.removed.is_(False))
    )
    if task is None:
        highest = await session.scalar(
            select(Task.no)
            .where(Task.plan_id == plan.id, Task.removed.is_(False))
            .order_by(Task.no.desc())
        )
        raise UnknownTask(no, highest or 0)
    return task


async def _unit_assignment(session: AsyncSession, task: Task, contact: ContactInfo) -> Assignment:
    assignment = await session.scalar(
        select(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id == task.id, Unit.name == contact.unit, Assignment.active)
    )
    if assignment is None:
        raise NotYourTask(task.no, contact.unit)
    return assignment


async def confirm(
    session: AsyncSession,
    contact: ContactInfo,
    task_no: int,
    *,
    now: datetime,
    today: date,
    note: str = "",
    attachment: Attachment | None = None,
) -> Confirmed:
    plan = await current_plan(session)
    task = await find_task(session, plan, task_no)
    assignment = await _unit_assignment(session, task, contact)
    period = current_period(task_schedule(task), today, plan)
    key = period.key if period else ""
    existing = await session.scalar(
        select(Confirmation).where(
            Confirmation.assignment_id == assignment.id,
            Confirmation.period == key,
            Confirmation.undone_at.is_(None),
        )
    )
    if existing is not None:
        raise AlreadyConfirmed(task_no, existing.confirmed_at, existing.by_name, key)
    session.add(
        Confirmation(
            assignment_id=assignment.id,
            period=key,
            confirmed_at=now,
            confirmed_on=today,
            by_contact_id=contact.contact_id,
            by_name=contact.name,
            note=note.strip()[:MAX_NOTE_LENGTH],
            attachment_kind=attachment.kind if attachment else None,
            attachment_ref=attachment.file_ref if attachment else None,
            attachment_name=attachment.file_name if attachment else None,
        )
    )
    await record(
        session,
        now,
        _actor(contact),
        "confirm",
        f"{plan.number} #{task_no}",
        {"unit": contact.unit, "period": key, "note": note.strip()[:MAX_NOTE_LENGTH]},
    )
    return Confirmed(task_no, contact.unit, key, today)


async def undo(
    session: AsyncSession, contact: ContactInfo, task_no: int, *, now: datetime
) -> Undone:
    plan = await current_plan(session)
    task = await find_task(session, plan, task_no)
    assignment = await _unit_assignment(session, task, contact)
    latest = await session.scalar(
        select(Confirmation)
        .where(Confirmation.assignment_id == assignment.id, Confirmation.undone_at.is_(None))
        .order_by(Confirmation.confirmed_at.desc(), Confirmation.id.desc())
    )
    if latest is None:
        raise NothingToUndo(task_no)
    latest.undone_at = now
    latest.undone_by = contact.name
    await record(
        session,
        now,
        _actor(contact),
        "undo",
        f"{plan.number} #{task_no}",
        {"unit": contact.unit, "period": latest.period, "confirmation_id": latest.id},
    )
    return Undone(task_no, contact.unit, latest.period, latest.confirmed_on)


async def set_deadline(
    session: AsyncSession, contact: ContactInfo | None, task_no: int, due: date, *, now: datetime
) -> DeadlineSet:
    """Give an as_regulated task its date (the Office's `/deadline N dd/mm/yyyy`)."""
    if contact is not None and contact.role is not Role.OFFICE:
        raise NotAllowed("deadline")
    plan = await current_plan(session)
    task = await find_task(session, plan, task_no)
    if task_schedule(task).kind is not ScheduleKind.AS_REGULATED:
        raise NotRegularTask(task_no)
    start, _ = plan_bounds(plan)
    if due < start or due.year > plan.year + 1:
        raise DateOutOfRange(due)
    previous = task.deadline_set
    task.deadline_set = due
    await record(
        session,
        now,
        _actor(contact) if contact else "cli",
        "deadline",
        f"{plan.number} #{task_no}",
        {"due": due.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return DeadlineSet(task_no, due, previous)


async def task_with_units(session: AsyncSession, task_id: int) -> Task:
    return await session.scalar(
        select(Task)
        .options(selectinload(Task.assignments).selectinload(Assignment.unit))
        .where(Task.id == task_id)
    )


def _actor(contact: ContactInfo) -> str:
    return f"{contact.channel}:{contact.user_id} {contact.name} ({contact.unit})"
