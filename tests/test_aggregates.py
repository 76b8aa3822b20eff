"""The chat's aggregates say what the full status says, on varied plans, on both databases.

`/status`, `/plans`, `/tasks` and the chart read SQL aggregates (`bot.services.aggregates`) and
one unit's rows (`bot.services.views`); the reports read the full `plan_status`. Random plans
(seeded: a failure names its seed) with confirmations on time and late, for past periods of
recurring tasks, verified or not, taken back and rejected; dates extended for a task and for
one unit; registered and unregistered units; a second plan: the summary must equal
`summarize(plan_status(...))` on several days, with `[workflow] verify` off and on, and the
chart's period counts those counted from the report's rows.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.model import Role, ScheduleKind, State, StateKind
from bot.domain.periods import periods_between
from bot.i18n import Translator
from bot.reports.chart import period_counts
from bot.services import aggregates, views
from bot.services.facade import BotServices
from bot.services.plans import followed_plans, recount_units, task_schedule
from bot.services.report_data import build_report_data
from bot.services.status import PlanStatus, plan_status
from bot.services.summary import FirstUnits, TaskSummary, summarize
from bot.store.models import Assignment, Confirmation, Plan, Task
from handlers.status import task_detail
from tests.conftest import Chat
from tests.test_status_fit import SCHOOLS, big  # noqa: F401 - the fixture

SECOND_PLAN = """Số: 05/KH-SGDĐT

Hưng Yên, ngày 10 tháng 01 năm 2022

KẾ HOẠCH

Kiểm tra nội bộ năm 2022

TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện
1\tKiểm tra hồ sơ\tCác phòng thuộc Sở\tThanh tra Sở\tTrước 15/7/2022
2\tBáo cáo hằng quý\tCác phòng thuộc Sở\t\tHằng quý
3\tTổng kết\tVăn phòng Sở\tCác phòng thuộc Sở\tTháng 8/2022
4\tRà soát đột xuất\tThanh tra Sở\t\tTheo yêu cầu
"""

DAYS = (date(2022, 3, 1), date(2022, 8, 1), date(2022, 8, 5), date(2022, 12, 30))


async def _scramble(services: BotServices, seed: int) -> None:
    """Confirmations, take-backs, rejections and extensions, at random but reproducibly."""
    rng = random.Random(seed)
    async with services.db.session() as session:
        tasks = list(
            await session.scalars(
                select(Task).options(selectinload(Task.assignments), selectinload(Task.plan))
            )
        )
        for task in tasks:
            schedule = task_schedule(task)
            keys = [""]
            if schedule.every is not None:
                found = periods_between(
                    schedule.every, date(2022, 1, 1), date(2022, 12, 31), schedule.month
                )
                keys = [p.key for p in found]
            if schedule.has_date and rng.random() < 0.2:
                task.due_extended = date(2022, 8, rng.randint(2, 20))
                task.extension_reason = "họp"
            for assignment in task.assignments:
                if rng.random() < 0.15:
                    assignment.due_extended = date(2022, rng.randint(6, 9), rng.randint(1, 28))
                    assignment.extension_reason = "ốm"
                if rng.random() < 0.1:
                    assignment.active = False
                for key in rng.sample(keys, k=min(len(keys), rng.randint(0, 3))):
                    on = date(2022, rng.randint(1, 12), rng.randint(1, 28))
                    at = datetime(on.year, on.month, on.day, 3, tzinfo=UTC)
                    row = Confirmation(
                        assignment_id=assignment.id,
                        period=key,
                        confirmed_at=at,
                        confirmed_on=on,
                        by_name="Người thử",
                        by_unit="Văn phòng Sở",
                        on_behalf=rng.random() < 0.3,
                        note="xong",
                    )
                    fate = rng.random()
                    if fate < 0.15:  # taken back
                        row.undone_at = at + timedelta(hours=1)
                    elif fate < 0.3:  # rejected
                        row.undone_at = row.rejected_at = at + timedelta(hours=2)
                        row.rejected_by, row.reject_reason = "Ban ISO", "thiếu minh chứng"
                    elif fate < 0.6:
                        row.verified_at, row.verified_by = at + timedelta(days=1), "Ban ISO"
                    session.add(row)
        await session.flush()
        # Units dropped here as a new import would drop them: their tasks' counts follow.
        for plan_id in {task.plan_id for task in tasks}:
            await recount_units(session, plan_id)


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_summary_is_the_full_status_cut_down(
    services: BotServices, chat: Chat, tmp_path, seed: int
) -> None:
    path = tmp_path / "05-KH-SGDDT-2022.txt"
    path.write_text(SECOND_PLAN, "utf-8")
    await services.import_plan(services.read_plan(path))
    rng = random.Random(seed)
    units = ["Văn phòng Sở", "Ban ISO Sở", "Thanh tra Sở", "Phòng Tổ chức cán bộ"]
    for n, unit in enumerate(rng.sample(units, k=2)):
        await chat.registered(f"u{n}", unit, Role.HEAD)
    await _scramble(services, seed)

    async with services.db.reading() as session:
        plans = await followed_plans(session)
        assert len(plans) == 2
        # Each day with and without verification across the two seeds (half the work each).
        for n, today in enumerate(DAYS):
            verify = (n + seed) % 2 == 0
            for plan in plans:
                full = await plan_status(session, plan, today, several_plans=True, verify=verify)
                quick = await aggregates.plan_summary(
                    session,
                    plan,
                    today,
                    several_plans=True,
                    verify=verify,
                    chart=True,
                    unregistered=True,
                )
                context = f"seed {seed}, plan {plan.key}, {today}, verify {verify}"
                assert quick == summarize(full), context
                data = await build_report_data(
                    session, plan, today, agency=services.config.agency, status=full
                )
                for row, task in zip(data.tasks, quick.tasks, strict=True):
                    if task.schedule.kind is not ScheduleKind.RECURRING:
                        continue  # the chart draws periods of recurring tasks only
                    assert _cells(task.periods) == _cells(period_counts(row, today)), (
                        f"{context}, task {task.no}"
                    )
                await _same_unit_views(session, plans, plan, full, today, verify)


def _cells(periods: object) -> dict[object, dict[str, int]]:
    return {p.due: dict(p.counts) for p in periods}  # type: ignore[attr-defined]


async def _same_unit_views(
    session: AsyncSession,
    plans: list[Plan],
    plan: Plan,
    full: PlanStatus,
    today: date,
    verify: bool,
) -> None:
    """Each unit's rows read alone are the rows of the full status."""
    options = views.StatusOptions(today=today, several_plans=True, verify=verify)
    units = {a.unit for task in full.tasks for a in task.assignments}
    for unit in units:
        found = await views.unit_tasks(session, plans, unit, options)
        mine = next((p for p in found if p.number == plan.number), None)
        expected = [(t.no, t.for_unit(unit)) for t in full.for_unit(unit)]
        got = [(t.no, part) for t, part in mine.parts] if mine else []
        assert got == expected, (unit, today, verify)
    # A unit's `/status N`: its own row, and the task's state as every unit makes it.
    for task in full.tasks[:4]:
        row = await session.get(Task, task.task_id)
        assert row is not None
        for part in task.assignments:
            found = await views.unit_part(session, plan, row, part.unit, options)
            assert found is not None
            assert found[1] == part
            assert (found[0].state, found[0].missed_periods) == (task.state, task.missed_periods)


async def test_a_large_task_is_read_as_counts_and_a_small_one_row_by_row(
    services: BotServices,
) -> None:
    """`/status N` reads a task of ≤ 15 units in full, a larger one as counts."""
    async with services.db.reading() as session:
        plan = (await followed_plans(session))[0]
        options = views.StatusOptions(today=date(2022, 8, 1))
        for task in await session.scalars(select(Task).where(Task.plan_id == plan.id)):
            count = len(
                list(
                    await session.scalars(
                        select(Assignment.id).where(
                            Assignment.task_id == task.id, Assignment.active.is_(True)
                        )
                    )
                )
            )
            view = await views.task_view(session, plan, task, options)
            assert isinstance(view.task, TaskSummary) == (count > views.LARGE_TASK)


async def test_a_plan_without_tasks_has_an_empty_summary(services: BotServices) -> None:
    async with services.db.session() as session:
        plan = Plan(
            number="1/KH-X",
            key="1",
            issued=date(2022, 1, 1),
            title="Trống",
            year=2022,
            source="test",
            imported_at=datetime(2022, 1, 1, tzinfo=UTC),
            end_derived=date(2022, 12, 31),
        )
        session.add(plan)
        await session.flush()
        quick = await aggregates.plan_summary(session, plan, date(2022, 8, 1), unregistered=True)
        assert quick == summarize(await plan_status(session, plan, date(2022, 8, 1)))
        assert quick.tasks == () and quick.unregistered_leads == FirstUnits()


async def test_a_10000_unit_task_reads_the_same_as_counts(big: BotServices) -> None:  # noqa: F811
    """The cut lists at scale: first owing units, the count after them, the unregistered ones
    (the unit owing 30 tasks first), a large task's counts per state."""
    chat = Chat(big)
    for n in (1, 2, 3):
        school = await chat.registered(f"s{n}", SCHOOLS[n - 1], Role.HEAD)
        assert "Đã ghi nhận" in await school.says("/xong 1")
    today = big.today()
    async with big.db.reading() as session:
        [plan] = await followed_plans(session)
        full = await plan_status(session, plan, today)
        quick = await aggregates.plan_summary(session, plan, today, unregistered=True)
        assert quick == summarize(full)
        assert quick.unregistered_leads is not None
        assert len(quick.unregistered_leads) == len(full.unregistered_leads) > 9_997
        assert quick.unregistered_leads[0] == "Phòng Kế hoạch - Tài chính"
        task1 = quick.task(1)
        assert task1 is not None and len(task1.owing) == 9_997 and task1.lead_count == 10_000
        first = await session.scalar(select(Task).where(Task.plan_id == plan.id, Task.no == 1))
        assert first is not None
        view = await views.task_view(session, plan, first, views.StatusOptions(today=today))
        assert view.task == task1


async def test_a_large_task_counts_units_waiting_for_verification(services: BotServices) -> None:
    """`Chờ duyệt` has its place among the counts (it raised ValueError before)."""
    today = date(2022, 8, 1)
    async with services.db.reading() as session:
        [plan] = await followed_plans(session)
        [summary] = await aggregates.task_summaries(
            session, plan, [await session.scalar(select(Task).where(Task.no == 2))], today
        )
    awaiting = replace(
        summary,
        lead_states=((State(StateKind.OVERDUE, 5), 12), (State(StateKind.AWAITING), 3)),
    )
    text = task_detail(awaiting, Translator("vi"))
    assert "Đơn vị chủ trì (15): 12 Quá hạn 5 ngày · 3 Chờ duyệt" in text
