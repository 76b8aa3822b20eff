"""The plan that ships with nhacviec (Kế hoạch 187/KH-SGDĐT), loaded into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.facade import BotServices
    from bot.services.plans import ImportSummary


def bundled_plan() -> Path:
    return Path(__file__).resolve().parent / "data" / "187-KH-SGDDT-2022.txt"


async def ensure_plan(services: BotServices) -> ImportSummary | None:
    """Import the configured (or bundled) plan when the database has none; None if it had one.

    Raises `PlanFormatError` when the configured plan file cannot be read.
    """
    if await services.has_plan():
        return None
    path = services.config.plan_file or bundled_plan()
    return await services.import_plan(services.read_plan(path), source=str(path))
