"""Confirming a task (`/done`), taking it back (`/undo`), the Office's checks (`/verify`,
`/reject`) and dates (`/deadline`, `/extend`).

A confirmation is never deleted: an undo or a rejection marks it undone, so the audit trail shows
every step. The Office may confirm for a unit (`/done N @UNIT`): the row records who did it and
from which unit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.channels.base import Attachment
from bot.domain.confirming import chat_date_in_span, period_named, split_period
from bot.domain.model import AssignmentRole, Role, Schedule, ScheduleKind
from bot.domain.periods import Period
from bot.domain.plans import TaskRef
from bot.domain.unit_lookup import UnitIndex, UnitMatch
from bot.services.addressing import addressing, resolve_task
from bot.services.audit import record
from bot.services.errors import (
    AlreadyConfirmed,
    AlreadyFinished,
    DateBeforeStart,
    DateOutOfRange,
    InvalidDate,
    NotAllowed,
    NotDated,
    NothingToReject,
    NothingToUndo,
    NothingToVerify,
    NotLater,
    NotRegularTask,
    NotYourTask,
    OnBehalfNotAllowed,
    PeriodNotFound,
    ReasonRequired,
    UnitRequired,
    UnknownUnit,
)
from bot.services.notices import queue_rejection
from bot.services.plans import (
    original_schedule,
    plan_bounds,
    refresh_end,
    task_schedule,
)
from bot.services.registry import ContactInfo
from bot.services.status import current_period, recurring_span
from bot.store.models import Assignment, Confirmation, Plan, Task, Unit

if TYPE_CHECKING:
    from bot.domain.units import UnitCatalog

MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class Confirmed:
    task_no: str  # the task's address as shown now: `6`, or `187.6` with several plans
    unit: str
    period: str
    on: date
    note: str = ""
    #: The Office confirmed for the unit (`/done N @UNIT`).
    on_behalf: bool = False
    #: A period that had already ended (`/done 4 tháng 3`): counted late.
    late: bool = False
    #: `[workflow] verify`: the confirmation waits for the Office or Ban ISO.
    awaiting: bool = False


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


@dataclass(frozen=True)
class Verified:
    task_no: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Rejected:
    task_no: str
    unit: str
    period: str
    reason: str
    notified: int  # how many of the unit's contacts are told


@dataclass(frozen=True)
class Extended:
    task_no: str
    unit: str | None  # None: every unit of the task
    original: date
    due: date
    reason: str


async def _unit_assignment(session: AsyncSession, task: Task, unit: str, shown: str) -> Assignment:
    assignment = await session.scalar(
        select(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id == task.id, Unit.name == unit, Assignment.active)
    )
    if assignment is None:
        raise NotYourTask(shown, unit)
    return assignment


async def _task_units(session: AsyncSession, task: Task) -> list[str]:
    return list(
        await session.scalars(
            select(Unit.name)
            .join(Assignment, Assignment.unit_id == Unit.id)
            .where(Assignment.task_id == task.id, Assignment.active.is_(True))
            .order_by(Assignment.role, Assignment.id)
        )
    )


async def named_unit(
    session: AsyncSession, task: Task, words: str, catalog: UnitCatalog | None
) -> tuple[str, str]:
    """Read `@UNIT rest…`: the unit named (longest match) and the words after it.

    The names that may be meant are the task's units and every unit the catalog knows, so a
    unit with no part in the task is named as such rather than called unknown.
    """
    from bot.domain.units import UnitCatalog

    catalog = catalog or UnitCatalog()
    names = [*await _task_units(session, task), *catalog.units]
    if len(names) > _UNITS_IN_LOOP:
        # A task of thousands of units takes a second to index: keep the event loop free.
        found, near = await asyncio.to_thread(_lookup_unit, names, catalog, words)
    else:
        found, near = _lookup_unit(names, catalog, words)
    if found is None:
        typed = " ".join(words.lstrip("@").split()[:6])[:60]
        raise UnknownUnit(typed, near)
    return found.name, found.rest


#: Up to this many names are matched in the event loop (a few milliseconds).
_UNITS_IN_LOOP = 300


def _lookup_unit(
    names: list[str], catalog: UnitCatalog, words: str
) -> tuple[UnitMatch | None, tuple[str, ...]]:
    """The unit `words` begins with, or None and the names nearest to what was typed."""
    index = UnitIndex(names, catalog)
    found = index.match_prefix(words)
    return found, (() if found is not None else index.closest(words))


async def confirm(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    *,
    now: datetime,
    today: date,
    note: str = "",
    attachment: Attachment | None = None,
    catalog: UnitCatalog | None = None,
    verify: bool = False,
) -> Confirmed:
    """Record that a unit finished a task (this period, or the one `note` begins with).

    `note` is what followed the task: an optional `@UNIT` (the Office, for a unit), an optional
    period of a recurring task (`tháng 3`, `quý I/2022`), then the note itself.
    """
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    schedule = task_schedule(task)
    unit = contact.unit
    period: Period | None = None
    words = note.strip()
    for _ in range(2):  # `@UNIT tháng 3 …` or `tháng 3 @UNIT …`
        if words.startswith("@"):
            unit, words = await named_unit(session, task, words, catalog)
        elif schedule.kind is ScheduleKind.RECURRING and period is None:
            span, rest = split_period(words)
            if span is None:
                break
            period = _named_period(plan, schedule, span, today, shown)
            words = rest
        else:
            break
    on_behalf = unit != contact.unit
    if on_behalf and contact.role is not Role.OFFICE:
        raise OnBehalfNotAllowed(unit)
    assignment = await _unit_assignment(session, task, unit, shown)
    if period is None:
        period = current_period(schedule, today, plan)
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
    text = words.strip()[:MAX_NOTE_LENGTH]
    session.add(
        Confirmation(
            assignment_id=assignment.id,
            period=key,
            confirmed_at=now,
            confirmed_on=today,
            by_contact_id=contact.contact_id,
            by_name=contact.name,
            by_unit=contact.unit,
            on_behalf=on_behalf,
            note=text,
            attachment_kind=attachment.kind if attachment else None,
            attachment_ref=attachment.file_ref if attachment else None,
            attachment_name=attachment.file_name if attachment else None,
        )
    )
    detail: dict[str, object] = {"unit": unit, "period": key, "note": text}
    if on_behalf:
        detail.update(on_behalf=True, by_unit=contact.unit)
    await record(session, now, _actor(contact), "confirm", f"{plan.number} #{task.no}", detail)
    return Confirmed(
        shown,
        unit,
        key,
        today,
        note=text,
        on_behalf=on_behalf,
        late=period is not None and today > period.end,
        awaiting=verify,
    )


def _named_period(
    plan: Plan, schedule: Schedule, span: tuple[int, int, int | None], today: date, shown: str
) -> Period:
    """The period `/done 4 tháng 3` names, which must have begun and lie in the task's span."""
    every = schedule.every
    assert every is not None
    start, end = recurring_span(schedule, plan)
    period = period_named(span, every, schedule.month, today)
    if period is not None and span[2] is None and period.end < start:
        # `quý IV` typed in August of the plan's first year means this year's, not last year's.
        period = period_named((span[0], span[1], today.year), every, schedule.month, today)
    if period is None:
        raise PeriodNotFound(shown, str(every))
    if period.start > today:
        raise PeriodNotFound(shown, str(every), future=True)
    if period.end < start or period.start > end:
        raise PeriodNotFound(shown, str(every))
    return period


async def undo(
    session: AsyncSession, contact: ContactInfo, ref: TaskRef, *, now: datetime
) -> Undone:
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    assignment = await _unit_assignment(session, task, contact.unit, shown)
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
    session: AsyncSession,
    contact: ContactInfo | None,
    ref: TaskRef,
    due: date | str,
    *,
    now: datetime,
    today: date | None = None,
) -> DeadlineSet:
    """Give a task without a date (as regulated, or a time not understood) its date.

    `due` may be the text typed (`15/12`, `15-12-2022`): a date without a year lands in the
    plan's span.
    """
    if contact is not None and contact.role is not Role.OFFICE:
        raise NotAllowed("deadline")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    kind = ScheduleKind(task.schedule.get("kind"))
    if kind not in (ScheduleKind.AS_REGULATED, ScheduleKind.UNKNOWN):
        raise NotRegularTask(shown)
    due = _office_date(plan, due, today or now.date(), "deadline")
    previous = task.deadline_set
    task.deadline_set = due
    task.due_extended = None  # a new date replaces any extension of the old one
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


def _office_date(plan: Plan, value: date | str, today: date, command: str) -> date:
    """A date the Office typed, checked against the plan's span."""
    start, end = plan_bounds(plan)
    if isinstance(value, str):
        parsed = chat_date_in_span(value, start, end, today)
        if parsed is None:
            raise InvalidDate(value.strip()[:40], command)
        value = parsed
    if value < start:
        raise DateBeforeStart(value, start)
    if value > max(end, date(plan.year + 1, 12, 31)):
        raise DateOutOfRange(value)
    return value


async def extend(
    session: AsyncSession,
    contact: ContactInfo | None,
    ref: TaskRef,
    date_text: str,
    words: str = "",
    *,
    now: datetime,
    today: date,
    catalog: UnitCatalog | None = None,
) -> Extended:
    """Move a dated task's due date for every unit, or with `@UNIT` for one; keep the original.

    Reminders, states and reports follow the extended date; `/status N` shows both.
    """
    if contact is not None and contact.role is not Role.OFFICE:
        raise NotAllowed("extend")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    original = original_schedule(task)
    if not original.has_date or original.due is None:
        raise NotDated(shown, original.kind is ScheduleKind.RECURRING)
    due = _office_date(plan, date_text, today, "extend")
    unit: str | None = None
    words = words.strip()
    if words.startswith("@"):
        unit, words = await named_unit(session, task, words, catalog)
    reason = words.strip()[:MAX_NOTE_LENGTH]
    current = task_schedule(task).due
    assert current is not None
    if unit is not None:
        assignment = await _unit_assignment(session, task, unit, shown)
        if await _standing(session, [assignment.id]):
            raise AlreadyFinished(shown, unit)
        current = assignment.due_extended or current
        if due <= current:
            raise NotLater(shown, due, current)
        assignment.due_extended = due
        assignment.extension_reason = reason
    else:
        leads = list(
            await session.scalars(
                select(Assignment).where(
                    Assignment.task_id == task.id,
                    Assignment.active.is_(True),
                    Assignment.role == str(AssignmentRole.LEAD),
                )
            )
        )
        if leads and len(await _standing(session, [a.id for a in leads])) == len(leads):
            raise AlreadyFinished(shown, None)
        if due <= current:
            raise NotLater(shown, due, current)
        task.due_extended = due
        task.extension_reason = reason
        for assignment in leads:  # a unit's own earlier extension is overtaken by this one
            if assignment.due_extended is not None and assignment.due_extended < due:
                assignment.due_extended = None
    await session.flush()
    await refresh_end(session, plan)
    await record(
        session,
        now,
        _actor(contact) if contact else "cli",
        "extend",
        f"{plan.number} #{task.no}",
        {
            "unit": unit,
            "due": due.isoformat(),
            "previous": current.isoformat(),
            "original": original.due.isoformat(),
            "reason": reason,
        },
    )
    return Extended(shown, unit, original.due, due, reason)


async def _standing(session: AsyncSession, assignment_ids: list[int]) -> set[int]:
    """The assignments among these with a confirmation that counts (one-off tasks)."""
    return set(
        await session.scalars(
            select(Confirmation.assignment_id).where(
                Confirmation.assignment_id.in_(assignment_ids),
                Confirmation.undone_at.is_(None),
                Confirmation.period == "",
            )
        )
    )


async def verify(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    words: str = "",
    *,
    now: datetime,
    catalog: UnitCatalog | None = None,
) -> Verified:
    """The Office or Ban ISO checked the confirmations of task N (of one unit with `@UNIT`)."""
    if contact.role not in (Role.OFFICE, Role.ISO):
        raise NotAllowed("verify")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    unit: str | None = None
    if words.strip().startswith("@"):
        unit, _ = await named_unit(session, task, words.strip(), catalog)
        await _unit_assignment(session, task, unit, shown)
    query = (
        select(Confirmation, Unit.name)
        .join(Assignment, Assignment.id == Confirmation.assignment_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(
            Assignment.task_id == task.id,
            Assignment.active.is_(True),
            Confirmation.undone_at.is_(None),
            Confirmation.verified_at.is_(None),
        )
        .order_by(Assignment.id, Confirmation.period)
    )
    if unit is not None:
        query = query.where(Unit.name == unit)
    found = list(await session.execute(query))
    if not found:
        raise NothingToVerify(shown, unit)
    for confirmation, _ in found:
        confirmation.verified_at = now
        confirmation.verified_by = contact.name
    units = tuple(dict.fromkeys(name for _, name in found))
    await record(
        session,
        now,
        _actor(contact),
        "verify",
        f"{plan.number} #{task.no}",
        {"units": list(units), "confirmation_ids": [c.id for c, _ in found]},
    )
    return Verified(shown, units)


async def reject(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    words: str = "",
    *,
    now: datetime,
    today: date,
    catalog: UnitCatalog | None = None,
) -> Rejected:
    """Send a unit's confirmation back: it stops counting, the unit is told why, and its
    reminders resume. The confirmation stays, marked rejected."""
    if contact.role not in (Role.OFFICE, Role.ISO):
        raise NotAllowed("reject")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    words = words.strip()
    if not words.startswith("@"):
        raise UnitRequired("reject", shown)
    unit, reason = await named_unit(session, task, words, catalog)
    assignment = await _unit_assignment(session, task, unit, shown)
    reason = reason.strip()[:MAX_NOTE_LENGTH]
    if not reason:
        raise ReasonRequired(shown, unit)
    latest = await session.scalar(
        select(Confirmation)
        .where(Confirmation.assignment_id == assignment.id, Confirmation.undone_at.is_(None))
        .order_by(Confirmation.confirmed_at.desc(), Confirmation.id.desc())
    )
    if latest is None:
        raise NothingToReject(shown, unit)
    latest.rejected_at = latest.undone_at = now
    latest.rejected_by = latest.undone_by = contact.name
    latest.reject_reason = reason
    await session.flush()
    notified = await queue_rejection(session, latest, assignment, now=now, today=today)
    await record(
        session,
        now,
        _actor(contact),
        "reject",
        f"{plan.number} #{task.no}",
        {
            "unit": unit,
            "period": latest.period,
            "confirmation_id": latest.id,
            "reason": reason,
            "notified": notified,
        },
    )
    return Rejected(shown, unit, latest.period, reason, notified)


async def task_with_units(session: AsyncSession, task_id: int) -> Task:
    return await session.scalar(
        select(Task)
        .options(selectinload(Task.assignments).selectinload(Assignment.unit))
        .where(Task.id == task_id)
    )


def _actor(contact: ContactInfo) -> str:
    return f"{contact.channel}:{contact.user_id} {contact.name} ({contact.unit})"
