"""Try an API call again when the server says "later", the same way on every channel.

Each channel says what its errors mean (`Failure`: throttled, transient or final); this module
decides what to do about it: wait as long as the server asked (a 429's `retry_after`), or back
off exponentially up to a cap (a 5xx, a timeout, a refused connection), for a bounded number of
attempts; never try a final refusal again (the person blocked the bot, the chat is gone). The
outcome the core sees is always a `SendError`, `permanent` or not, with the server's wait.

Who retries what: a reply to someone waiting in the chat is retried here, as nobody else will.
A reminder has the outbox behind it (`scheduler/outbox.py`), which retries with its own longer
back-off and records every attempt, so a reminder's first part gets one attempt here. Once a part
of a long text is out, the rest is retried here too: the outbox can only resend the whole text.

A 429 is about the whole bot, not one chat: the channel's limiter is paused for everybody
(`on_throttle`), and the next attempt waits for its slot like any other send. A channel holds
all this in one `Delivery`: its limiter, its reading of errors, its policy and its sleep,
which is injected so tests run the back-off without waiting for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from bot.channels.base import SendError
from bot.channels.ratelimit import Priority, SendLimiter

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[object]]

#: What a sender must still hold when its message leaves (the outbox's claim on a reminder):
#: called once the limiter grants the first part's slot, right before the request; raising
#: cancels the send. A context variable, so the channel's interface stays the same.
send_guard: ContextVar[Callable[[], None] | None] = ContextVar("send_guard", default=None)


class Outcome(Enum):
    """What a failed call means for the next attempt."""

    THROTTLED = "throttled"  # 429: the whole bot must slow down; wait as told
    TRANSIENT = "transient"  # 5xx, timeout, no connection: the same call may work later
    FINAL = "final"  # 4xx: the same call would be refused again


@dataclass(frozen=True, slots=True)
class Failure:
    """A channel's reading of one failed call: its outcome, the reason, the server's wait."""

    outcome: Outcome
    reason: str
    retry_after: float | None = None


#: A channel's reading of its own errors; None for an exception that is not an API failure.
Classify = Callable[[Exception], Failure | None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most `attempts` calls; waits of `base`, 2·`base`, 4·`base`… never above `cap`."""

    attempts: int = 4
    base: float = 1.0
    cap: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base < 0 or self.cap < 0:
            raise ValueError("a retry policy needs at least one attempt and no negative wait")

    def delay(self, failures: int) -> float:
        """The wait after the `failures`-th failure in a row (1, 2, …)."""
        return min(self.cap, self.base * 2 ** max(failures - 1, 0))


#: One attempt: what the outbox's reminders get, as the outbox retries them itself.
ONCE = RetryPolicy(attempts=1)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    classify: Classify,
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
    on_throttle: Callable[[float], object] | None = None,
    what: str = "call",
) -> T:
    """Run `call` until it succeeds, fails for good, or `policy.attempts` are spent.

    A throttled failure waits `retry_after` (or the back-off when the server named none):
    through `on_throttle` when given (a limiter's pause, which the next attempt waits for),
    else by sleeping. Raises `SendError` (its message begins with `what`); an exception
    `classify` does not know passes through.
    """
    failures = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            if failure.outcome is Outcome.FINAL:
                raise SendError(f"{what}: {failure.reason}", permanent=True) from exc
            failures += 1
            wait = failure.retry_after
            if wait is None:
                wait = policy.delay(failures)
            pause = on_throttle if failure.outcome is Outcome.THROTTLED else None
            if pause is not None:
                # Even after the last attempt: every other send would be refused meanwhile.
                pause(wait)
            if failures >= policy.attempts:
                raise SendError(
                    f"{what}: {failure.reason}", retry_after=failure.retry_after
                ) from exc
            log.info("%s: %s; attempt %d in %.2f s", what, failure.reason, failures + 1, wait)
            if pause is None:
                await sleep(wait)


class Delivery:
    """How one channel sends: through its limiter, reading its own errors, with its retries.

    `send` is for messages (a limiter slot for every attempt, retried as `policy_for` says);
    `call` for the channel's other API calls (`setWebhook`), retried by `policy` alone.
    """

    def __init__(
        self,
        channel: str,
        *,
        limiter: SendLimiter,
        classify: Classify,
        policy: RetryPolicy,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.channel = channel
        self.limiter = limiter
        self.classify = classify
        self.policy = policy
        self._sleep = sleep

    async def send(
        self,
        chat_id: str,
        call: Callable[[], Awaitable[T]],
        *,
        priority: Priority,
        is_group: bool = False,
        part: int = 0,
    ) -> T:
        """Send one message (`part` of a longer text) to `chat_id` once the limiter allows."""

        async def attempt() -> T:
            await self.limiter.acquire(chat_id, priority=priority, is_group=is_group)
            guard = send_guard.get()
            if guard is not None and part == 0:
                guard()  # the wait for the slot may have outlasted what the sender held
            return await call()

        return await with_retries(
            attempt,
            classify=self.classify,
            policy=policy_for(priority, part, self.policy),
            sleep=self._sleep,
            on_throttle=self.limiter.pause,
            what=f"{self.channel} chat {chat_id}",
        )

    async def call(self, call: Callable[[], Awaitable[T]], *, method: str) -> T:
        """Make an API call that is not a message, retried as `policy` allows."""
        return await with_retries(
            call,
            classify=self.classify,
            policy=self.policy,
            sleep=self._sleep,
            what=f"{self.channel} {method}",
        )


def policy_for(priority: Priority, part: int, retries: RetryPolicy) -> RetryPolicy:
    """`retries` for a reply or for a later part of a text; one attempt for a reminder's first.

    The outbox resends a failed reminder whole, so retrying its first part here would only
    double its retries; a later part must go now, or the parts before it would come twice.
    """
    if priority is Priority.REPLY or part > 0:
        return retries
    return ONCE
