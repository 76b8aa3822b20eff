"""Which task a person means: `187.6` names it; a bare `6` is accepted only when one plan fits.

For a head or member, the plans that fit are those where one of the sender's units has a part in
task 6; for the Office, Ban ISO and the leadership, the plans that have a task 6. When several fit,
nothing is done and the reply lists the addresses to choose from: a confirmation recorded against
the wrong plan is worse than one more tap.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.plans import TaskRef, address
from bot.services.errors import AmbiguousTask, NoPlan, NotYourTask, PlanClosed, UnknownTask
from bot.services.plans import all_plans, find_plan, followed_plans
from bot.services.registry import ContactInfo
from bot.store.models import Assignment, Plan, Task, Unit


@dataclass(frozen=True, slots=True)
class Addressing:
    """How tasks are shown now: bare numbers while one plan is followed, `KEY.NO` with several."""

    several_plans: bool

    def of(self, plan: Plan, no: int) -> str:
        return address(plan.key, no, several_plans=self.several_plans)


async def addressing(session: AsyncSession) -> Addressing:
    return Addressing(len(await followed_plans(session)) > 1)


async def resolve_task(
    session: AsyncSession,
    ref: TaskRef,
    contact: ContactInfo | None,
    *,
    allow_closed: bool = False,
) -> tuple[Plan, Task]:
    """The plan and task `ref` names for `contact` (None: the command line, which sees all).

    `allow_closed` lets reading commands (`/status 187.6`) reach a closed plan's tasks.
    """
    if ref.key is not None:
        plan = await find_plan(session, ref.key)
        if plan.closed_at is not None and not allow_closed:
            raise PlanClosed(plan.key)
        return plan, await _task_in(session, plan, ref.no, several=True)
    return await _resolve_bare(session, ref.no, contact)


async def _task_in(session: AsyncSession, plan: Plan, no: int, *, several: bool) -> Task:
    task = await session.scalar(
        select(Task).where(Task.plan_id == plan.id, Task.no == no, Task.removed.is_(False))
    )
    if task is None:
        highest = await session.scalar(
            select(func.max(Task.no)).where(Task.plan_id == plan.id, Task.removed.is_(False))
        )
        raise UnknownTask(address(plan.key, no, several_plans=several), highest or 0, plan.key)
    return task


async def _resolve_bare(
    session: AsyncSession, no: int, contact: ContactInfo | None
) -> tuple[Plan, Task]:
    followed = await followed_plans(session)
    if not followed:
        if not await all_plans(session):
            raise NoPlan()
        raise UnknownTask(str(no), 0)
    several = len(followed) > 1
    if len(followed) == 1:
        return followed[0], await _task_in(session, followed[0], no, several=False)
    by_id = {plan.id: plan for plan in followed}
    query = select(Task).where(
        Task.plan_id.in_(list(by_id)), Task.no == no, Task.removed.is_(False)
    )
    tasks = list(await session.scalars(query))
    if contact is not None and not contact.role.sees_everything:
        mine = set(
            await session.scalars(
                select(Assignment.task_id)
                .join(Unit, Unit.id == Assignment.unit_id)
                .where(
                    Assignment.task_id.in_([task.id for task in tasks]),
                    Assignment.active.is_(True),
                    Unit.name.in_(contact.units),
                )
            )
        )
        if tasks and not mine:
            raise NotYourTask(str(no), ", ".join(contact.units))
        tasks = [task for task in tasks if task.id in mine]
    if not tasks:
        raise UnknownTask(str(no), 0, keys=tuple(plan.key for plan in followed))
    if len(tasks) > 1:
        candidates = sorted(tasks, key=lambda task: (by_id[task.plan_id].start, task.plan_id))
        raise AmbiguousTask(
            no,
            tuple(address(by_id[t.plan_id].key, no, several_plans=several) for t in candidates),
        )
    task = tasks[0]
    return by_id[task.plan_id], task
