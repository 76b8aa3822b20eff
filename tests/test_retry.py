"""The one retry of failed sends, alone: what is tried again, how long it waits, when it stops.

The channels' use of it over real HTTP is in test_telegram_channel.py and test_zalo_channel.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from bot.channels.base import SendError
from bot.channels.ratelimit import Priority
from bot.channels.retry import ONCE, Failure, Outcome, RetryPolicy, policy_for, with_retries


class ApiDown(Exception):
    """What a client raises; `failure` is how its channel reads it (None: not an API error)."""

    def __init__(self, failure: Failure | None) -> None:
        super().__init__(failure.reason if failure else "a bug")
        self.failure = failure


def classify(exc: Exception) -> Failure | None:
    return exc.failure if isinstance(exc, ApiDown) else None


THROTTLED = Failure(Outcome.THROTTLED, "Too Many Requests", retry_after=7.0)
THROTTLED_NO_HINT = Failure(Outcome.THROTTLED, "Too Many Requests")
DOWN = Failure(Outcome.TRANSIENT, "Bad Gateway")
BLOCKED = Failure(Outcome.FINAL, "Forbidden: bot was blocked by the user")


class Server:
    """Answers each call with the next scripted failure, then "sent"; counts the calls."""

    def __init__(self, failures: Iterable[Failure | None]) -> None:
        self.script = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.script:
            raise ApiDown(self.script.pop(0))
        return f"message {self.calls}"


class Waits:
    """The injected sleep and limiter pause: they record, never wait."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.paused: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def pause(self, seconds: float) -> None:
        self.paused.append(seconds)


async def run(server: Server, waits: Waits, policy: RetryPolicy, *, pause: bool = True) -> str:
    return await with_retries(
        server,
        classify=classify,
        policy=policy,
        sleep=waits.sleep,
        on_throttle=waits.pause if pause else None,
        what="Zalo chat 42",
    )


async def test_a_429_then_success_waits_as_told_through_the_limiter() -> None:
    server, waits = Server([THROTTLED]), Waits()
    assert await run(server, waits, RetryPolicy(attempts=3)) == "message 2"
    assert (server.calls, waits.paused, waits.slept) == (2, [7.0], [])


async def test_a_429_without_a_limiter_sleeps_and_without_a_hint_backs_off() -> None:
    server, waits = Server([THROTTLED, THROTTLED_NO_HINT]), Waits()
    assert await run(server, waits, RetryPolicy(attempts=3, base=0.5), pause=False)
    assert waits.slept == [7.0, 1.0]  # as told; then the back-off after the second failure


async def test_5xx_backs_off_exponentially_up_to_the_cap() -> None:
    server, waits = Server([DOWN] * 5), Waits()
    assert await run(server, waits, RetryPolicy(attempts=6, base=1.0, cap=5.0)) == "message 6"
    assert waits.slept == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert waits.paused == []  # a server error is about this call, not the whole bot


async def test_attempts_are_bounded_and_the_error_says_to_try_later() -> None:
    server, waits = Server([DOWN, DOWN, THROTTLED]), Waits()
    with pytest.raises(SendError) as raised:
        await run(server, waits, RetryPolicy(attempts=3))
    assert server.calls == 3
    assert not raised.value.permanent
    assert raised.value.retry_after == 7.0  # the outbox waits at least that long
    assert str(raised.value) == "Zalo chat 42: Too Many Requests"
    assert waits.paused == [7.0]  # still paused: every other send would be refused too


async def test_a_block_is_final_at_once() -> None:
    server, waits = Server([BLOCKED]), Waits()
    with pytest.raises(SendError) as raised:
        await run(server, waits, RetryPolicy(attempts=5))
    assert raised.value.permanent and raised.value.retry_after is None
    assert (server.calls, waits.slept, waits.paused) == (1, [], [])


async def test_an_error_that_is_not_an_api_failure_is_not_swallowed() -> None:
    server, waits = Server([None]), Waits()
    with pytest.raises(ApiDown, match="a bug"):
        await run(server, waits, RetryPolicy(attempts=5))
    assert server.calls == 1


async def test_once_is_one_call() -> None:
    server, waits = Server([DOWN]), Waits()
    with pytest.raises(SendError):
        await run(server, waits, ONCE)
    assert (server.calls, waits.slept) == (1, [])


def test_replies_and_later_parts_are_retried_and_a_reminders_first_part_is_not() -> None:
    retries = RetryPolicy(attempts=4)
    assert policy_for(Priority.REPLY, 0, retries) is retries
    assert policy_for(Priority.REPLY, 3, retries) is retries
    assert policy_for(Priority.REMINDER, 0, retries) is ONCE
    assert policy_for(Priority.REMINDER, 1, retries) is retries


def test_a_policy_needs_an_attempt() -> None:
    with pytest.raises(ValueError, match="at least one attempt"):
        RetryPolicy(attempts=0)
    assert [RetryPolicy(base=0.25, cap=1).delay(n) for n in range(1, 6)] == [
        0.25,
        0.5,
        1,
        1,
        1,
    ]
