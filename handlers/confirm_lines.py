"""What `/status N` adds about the Office's work: extended dates, confirmations made for a unit,
verification and rejections."""

from __future__ import annotations

from bot.i18n import Translator, chat_date
from bot.presentation import local_time, shorten
from bot.services.status import AssignmentStatus, TaskStatus


def extension_line(task: TaskStatus, tr: Translator) -> str | None:
    """`Hạn gốc 09/02/2022 · gia hạn đến 15/12/2022 (lý do)`, when the task was extended."""
    if task.original_due is None or task.due is None:
        return None
    line = tr.gettext(
        "Original deadline {original} · extended to {due}",
        original=chat_date(task.original_due),
        due=chat_date(task.due),
    )
    if task.extension_reason:
        line += " " + tr.gettext("({reason})", reason=shorten(task.extension_reason, 120))
    return line


def assignment_extras(row: AssignmentStatus, tr: Translator) -> str:
    """What follows a unit's line: confirmed for it by the Office, verified, sent back,
    extended for it alone."""
    _ = tr.gettext
    parts: list[str] = []
    if row.on_behalf and row.by_unit:
        parts.append(_("confirmed on its behalf by {unit}", unit=row.by_unit))
    if row.verified and row.verified_by:
        parts.append(_("verified by {by}", by=row.verified_by))
    if row.rejected_reason is not None and row.rejected_at is not None:
        parts.append(
            _(
                "sent back by {by} at {when}: “{reason}”",
                by=row.rejected_by or "?",
                when=local_time(row.rejected_at, tr),
                reason=shorten(row.rejected_reason, 200),
            )
        )
    if row.due is not None:
        part = _("extended for this unit to {due}", due=chat_date(row.due))
        if row.extension_reason:
            part += " " + _("({reason})", reason=shorten(row.extension_reason, 120))
        parts.append(part)
    return "".join(f"\n   ({part})" for part in parts)
