"""Plan 187 as the pure policy sees it: one `AssignmentFacts` per unit and task, no database.

The policy tests replay 187's year morning by morning; they build its facts here, with the group
"Các phòng thuộc Sở" standing for the departments a test chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.bundled import bundled_plan
from bot.domain.model import AssignmentRole
from bot.importer import read_plan
from scheduler.policy import AssignmentFacts

PLAN_187 = read_plan(bundled_plan())
DEPARTMENTS_GROUP = "Các phòng thuộc Sở"


def facts_of_187(
    departments: Sequence[str],
    start: date,
    end: date,
    imported: date | None = None,
) -> list[AssignmentFacts]:
    """Every unit's part in every task of plan 187, ids from 1, task ids 100 + the task's no."""
    out: list[AssignmentFacts] = []
    for task in PLAN_187.tasks:
        for role, units in (
            (AssignmentRole.LEAD, task.lead),
            (AssignmentRole.SUPPORT, task.support),
        ):
            for unit in units:
                for name in departments if unit == DEPARTMENTS_GROUP else (unit,):
                    out.append(
                        AssignmentFacts(
                            assignment_id=len(out) + 1,
                            task_id=100 + task.no,
                            task_no=task.no,
                            unit=name,
                            role=role,
                            schedule=task.schedule,
                            plan_start=start,
                            plan_end=end,
                            plan_imported=imported,
                        )
                    )
    return out
