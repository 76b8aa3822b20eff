"""/plans (/kehoach): the plans, their state and counts; `/kehoach dong KEY` closes one and
`/kehoach mo KEY` opens it again (the Office only)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.channels.base import Reply
from bot.domain.model import Role
from bot.domain.plans import PlanState
from bot.i18n import N_, Translator, chat_date
from bot.services.errors import NotAllowed
from bot.services.status import PlanStatus
from bot.services.summary import PlanSummary
from handlers.base import CommandContext

#: The sub-commands, in Vietnamese and English, as people type them after /kehoach.
CLOSE_WORDS = frozenset({"dong", "đóng", "close"})
REOPEN_WORDS = frozenset({"mo", "mở", "reopen", "open"})

STATE_NAMES = {
    PlanState.ACTIVE: N_("being followed"),
    PlanState.ENDED: N_("ended"),
    PlanState.CLOSED: N_("closed"),
}


async def handle(ctx: CommandContext) -> Reply:
    args = ctx.command.args
    if args:
        action = args[0].casefold()
        if action not in CLOSE_WORDS | REOPEN_WORDS or len(args) < 2:
            return Reply(
                ctx._(
                    "Type /plans to see the plans, /plans close KEY to stop a plan's reminders"
                    " or /plans open KEY to resume them (for example: /kehoach dong 187)."
                )
            )
        if ctx.registered.role is not Role.OFFICE:
            raise NotAllowed("plans")
        actor = f"{ctx.registered.channel}:{ctx.registered.user_id} {ctx.registered.name}"
        if action in CLOSE_WORDS:
            change = await ctx.services.set_plan_closed(args[1], True, actor=actor)
            if not change.changed:
                return Reply(
                    ctx._(
                        "Plan {number} ({key}) was already closed.",
                        number=change.number,
                        key=change.key,
                    )
                )
            return Reply(
                ctx._(
                    "Plan {number} ({key}) is closed: no more reminders for it. Its status and "
                    "reports stay available; /plans open {key} resumes it.",
                    number=change.number,
                    key=change.key,
                )
            )
        change = await ctx.services.set_plan_closed(args[1], False, actor=actor)
        if not change.changed:
            return Reply(
                ctx._("Plan {number} ({key}) is not closed.", number=change.number, key=change.key)
            )
        return Reply(
            ctx._(
                "Plan {number} ({key}) is followed again: its reminders resume.",
                number=change.number,
                key=change.key,
            )
        )
    statuses = await ctx.services.summaries(include_closed=True)
    if not statuses:
        return Reply(
            ctx._("No plan has been loaded yet. Please ask the Office to import the plan.")
        )
    return Reply(plans_list(statuses, ctx.tr))


def plans_list(statuses: Sequence[PlanSummary | PlanStatus], tr: Translator) -> str:
    """One line per plan: key, number, state, end, tasks and open tasks."""
    _ = tr.gettext
    lines = [_("Plans on {date}:", date=chat_date(statuses[0].today)), ""]
    for status in statuses:
        open_tasks = len(status.tasks) - status.done
        lines.append(
            _(
                "• {key} — {number} ({state}, until {end}): {tasks} tasks, {open} open",
                key=status.key,
                number=status.number,
                state=_(STATE_NAMES[status.state]),
                end=chat_date(status.end),
                tasks=len(status.tasks),
                open=open_tasks,
            )
        )
        if status.title:
            lines.append("   " + status.title[:120])
    lines.append("")
    lines.append(_("One plan: /status {key}", key=statuses[0].key))
    return "\n".join(lines)
