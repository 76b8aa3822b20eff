"""The Office's weekly digest: which plans it covers (for the policy) and what it says of them.

The policy (`scheduler.policy.plan_digests`) decides when a plan's digest is due; the outbox sends
it once per plan, week and Office contact; at sending, `DigestBook` reads each plan's summary as
it is at that moment (the same aggregates as `/status`, so a province's plan does not hold the
sender's event loop), once per drain however many Office contacts there are, and
`scheduler.digest_text` words it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_local
from bot.services.aggregates import plan_summary
from bot.services.plans import followed_plans, plan_bounds
from bot.services.summary import PlanSummary
from bot.store.models import OutboxItem, Plan, Task
from scheduler.facts import TaskInfo
from scheduler.policy import DigestFacts, ReminderKind


async def load_digest_facts(session: AsyncSession) -> list[DigestFacts]:
    """Every followed plan that has a task, with its first task (the digest's outbox subject)."""
    plans = {plan.id: plan for plan in await followed_plans(session)}
    if not plans:
        return []
    first_no = (
        select(Task.plan_id, func.min(Task.no).label("no"))
        .where(Task.plan_id.in_(list(plans)), Task.removed.is_(False))
        .group_by(Task.plan_id)
        .subquery()
    )
    rows = await session.execute(
        select(Task.plan_id, Task.id, Task.no).join(
            first_no, (Task.plan_id == first_no.c.plan_id) & (Task.no == first_no.c.no)
        )
    )
    out = []
    for plan_id, task_id, task_no in rows:
        plan = plans[plan_id]
        start, end = plan_bounds(plan)
        out.append(
            DigestFacts(
                plan_id=plan_id,
                task_id=task_id,
                task_no=task_no,
                plan_start=start,
                plan_end=end,
                plan_imported=as_local(plan.imported_at).date(),
            )
        )
    return sorted(out, key=lambda facts: facts.plan_id)


def is_digest(row: OutboxItem) -> bool:
    return row.kind == ReminderKind.DIGEST


class DigestBook:
    """The statuses the digests of one drain quote, each plan computed once."""

    def __init__(self, due_soon_days: int = 7) -> None:
        self.due_soon_days = due_soon_days
        self._statuses: dict[tuple[int, date], PlanSummary] = {}
        # A drain's senders run side by side: the first computes a plan, the others wait for it.
        self._lock = asyncio.Lock()

    async def statuses(
        self,
        session: AsyncSession,
        rows: Iterable[OutboxItem],
        tasks: Mapping[int, TaskInfo],
        today: date,
    ) -> list[PlanSummary]:
        """The status of each plan that `rows` hold a digest of, each plan once."""
        plan_ids = dict.fromkeys(tasks[row.task_id].plan_id for row in rows if is_digest(row))
        return [await self.status(session, plan_id, today) for plan_id in plan_ids]

    async def status(self, session: AsyncSession, plan_id: int, today: date) -> PlanSummary:
        key = (plan_id, today)
        async with self._lock:
            return self._statuses.get(key) or await self._compute(session, key)

    async def _compute(self, session: AsyncSession, key: tuple[int, date]) -> PlanSummary:
        plan_id, today = key
        plan = await session.get(Plan, plan_id)
        assert plan is not None
        several = len(await followed_plans(session)) > 1
        found = await plan_summary(
            session,
            plan,
            today,
            due_soon_days=self.due_soon_days,
            several_plans=several,
            unregistered=True,
        )
        self._statuses[key] = found
        return found
