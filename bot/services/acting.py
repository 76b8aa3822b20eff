"""Which of the sender's units a command acts for on a task.

A person may hold several memberships (the Chánh Văn phòng also sits on Ban ISO). A command about a
task acts for the one of their units that has a part in it; when several do, nothing is done and
the reply asks for `@UNIT`, since a confirmation recorded for the wrong unit is worse than one
more word. A head or member may only name their own units after `@`.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.domain.model import Role
from bot.domain.units import UnitCatalog
from bot.services.errors import NotOneOfYours, NotYourTask, OnBehalfNotAllowed, WhichUnit
from bot.services.registry import ContactInfo


def own_unit_in(
    contact: ContactInfo,
    task_units: Collection[str],
    shown: str,
    *,
    catalog: UnitCatalog | None = None,
    command: str = "done",
) -> str:
    """The sender's one unit with a part in the task (`task_units`), else a refusal."""
    mine = [unit for unit in contact.units if unit in task_units]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise NotYourTask(shown, ", ".join(contact.units))
    raise WhichUnit(shown, short_names(mine, catalog), command)


def check_own(contact: ContactInfo, unit: str, *, catalog: UnitCatalog | None = None) -> None:
    """Refuse `@UNIT` naming a unit the sender does not act for."""
    if unit in contact.units:
        return
    if contact.several_units or contact.role is Role.OFFICE:
        # The Office confirms for others with /xong only; here it too names its own units.
        raise NotOneOfYours(unit, short_names(contact.units, catalog))
    raise OnBehalfNotAllowed(unit)


def short_names(units: Collection[str], catalog: UnitCatalog | None) -> tuple[str, ...]:
    catalog = catalog or UnitCatalog()
    return tuple(catalog.short_name(unit) for unit in units)
