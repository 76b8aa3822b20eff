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
from bot.domain.plans import TaskRef
from bot.services.addressing import addressing, resolve_task
from bot.services.audit import record
from bot.services.errors import (
    AlreadyConfirmed,
    DateOutOfRange,
    NotAllowed,
    NothingToUndo,
    NotRegularTask,
    NotYourTask,
)
from bot.services.plans import plan_bounds, refresh_end, task_schedule
from bot.services.registry import ContactInfo
from bot.services.status import current_period
from bot.store.models import Assignment, Confirmation, Task, Unit

MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class Confirmed:
    task_no: str  # the task's address as shown now: `6`, or `187.6` with several plans
    unit: str
    period: str
    on: date


@dataclass(frozen=True)
class Undone:
    task_no: str
    unit: str
    period: str
    confirmed_on: date


@dataclass(frozen=True)
class DeadlineSet:
    task_no: str
    due: date
    previous: date | None


async def _unit_assignment(
    session: AsyncSession, task: Task, contact: ContactInfo, shown: str
) -> Assignment:
    assignment = await session.scalar(
        select(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id == task.id, Unit.name == contact.unit, Assignment.active)
    )
    if assignment is None:
        raise NotYourTask(shown, contact.unit)
    return assignment


async def confirm(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    *,
    now: datetime,
    today: date,
    note: str = "",
    attachment: Attachment | None = None,
) -> Confirmed:
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    assignment = await _unit_assignment(session, task, contact, shown)
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
        raise AlreadyConfirmed(shown, existing.confirmed_at, existing.by_name, key)
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
        f"{plan.number} #{task.no}",
        {"unit": contact.unit, "period": key, "note": note.strip()[:MAX_NOTE_LENGTH]},
    )
    return Confirmed(shown, contact.unit, key, today)


async def undo(
    session: AsyncSession, contact: ContactInfo, ref: TaskRef, *, now: datetime
) -> Undone:
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    assignment = await _unit_assignment(session, task, contact, shown)
    latest = await session.scalar(
        select(Confirmation)
        .where(Confirmation.assignment_id == assignment.id, Confirmation.undone_at.is_(None))
        .order_by(Confirmation.confirmed_at.desc(), Confirmation.id.desc())
    )
    if latest is None:
        raise NothingToUndo(shown)
    latest.undone_at = now
    latest.undone_by = contact.name
    await record(
        session,
        now,
        _actor(contact),
        "undo",
        f"{plan.number} #{task.no}",
        {"unit": contact.unit, "period": latest.period, "confirmation_id": latest.id},
    )
    return Undone(shown, contact.unit, latest.period, latest.confirmed_on)


async def set_deadline(
    session: AsyncSession, contact: ContactInfo | None, ref: TaskRef, due: date, *, now: datetime
) -> DeadlineSet:
    """Give an as_regulated task its date (the Office's `/deadline N dd/mm/yyyy`)."""
    if contact is not None and contact.role is not Role.OFFICE:
        raise NotAllowed("deadline")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    if task_schedule(task).kind is not ScheduleKind.AS_REGULATED:
        raise NotRegularTask(shown)
    start, end = plan_bounds(plan)
    if due < start or due > max(end, date(plan.year + 1, 12, 31)):
        raise DateOutOfRange(due)
    previous = task.deadline_set
    task.deadline_set = due
    await session.flush()
    await refresh_end(session, plan)
    await record(
        session,
        now,
        _actor(contact) if contact else "cli",
        "deadline",
        f"{plan.number} #{task.no}",
        {"due": due.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return DeadlineSet(shown, due, previous)


async def task_with_units(session: AsyncSession, task_id: int) -> Task:
    return await session.scalar(
        select(Task)
        .options(selectinload(Task.assignments).selectinload(Assignment.unit))
        .where(Task.id == task_id)
    )


def _actor(contact: ContactInfo) -> str:
    return f"{contact.channel}:{contact.user_id} {contact.name} ({contact.unit})"
