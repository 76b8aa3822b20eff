"""The Office's and Ban ISO's checks of what units confirmed: verify (`/verify N [@UNIT]`) and
send back (`/reject N @UNIT reason`).

A rejected confirmation is kept, marked with the reason, who and when, and stops counting: the
unit's part reopens, its reminders resume, and its people are told the reason through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import Role
from bot.domain.plans import TaskRef
from bot.services.addressing import addressing, resolve_task
from bot.services.audit import record
from bot.services.confirmations import MAX_NOTE_LENGTH, actor, named_unit, unit_assignment
from bot.services.errors import (
    NotAllowed,
    NothingToReject,
    NothingToVerify,
    ReasonRequired,
    UnitRequired,
)
from bot.services.notices import queue_rejection
from bot.services.registry import ContactInfo
from bot.services.reminder_dates import recompute_assignments
from bot.store.models import Assignment, Confirmation, Unit

if TYPE_CHECKING:
    from bot.domain.units import UnitCatalog


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
        await unit_assignment(session, task, unit, shown)
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
        actor(contact),
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
    assignment = await unit_assignment(session, task, unit, shown)
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
    await recompute_assignments(session, [assignment.id])
    notified = await queue_rejection(session, latest, assignment, now=now, today=today)
    await record(
        session,
        now,
        actor(contact),
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
