"""The audit log: who confirmed, undid, registered, revoked or set a deadline, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AuditEntry


async def record(
    session: AsyncSession,
    at: datetime,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an entry in the caller's transaction: it stands or falls with the change it records."""
    session.add(
        AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=detail or {})
    )
