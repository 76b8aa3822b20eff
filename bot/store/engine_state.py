"""Small named values the engine keeps across restarts (`engine_state`): read and write one.

The last tick, the reminder rules the stored days were worked out under, the day they were
worked out for: each is one row by name. (The tick lease is a row there too, but it is taken
and renewed by compare-and-set in `scheduler.lease`, never by these.)
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import EngineState


async def read_value(session: AsyncSession, name: str) -> str | None:
    """The value named `name`; None when it was never written (or is empty)."""
    row = await session.get(EngineState, name)
    return row.value if row is not None and row.value else None


async def write_value(session: AsyncSession, name: str, value: str) -> None:
    row = await session.get(EngineState, name)
    if row is None:
        session.add(EngineState(name=name, value=value))
    else:
        row.value = value
