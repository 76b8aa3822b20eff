"""SendLimiter on virtual time: the pacing is checked to the millisecond without waiting for it."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Iterable
from heapq import heappop, heappush
from typing import Any

import pytest

from bot.channels.ratelimit import Priority, SendLimiter


class VirtualTime:
    """A clock that jumps to the next sleeper's deadline whenever every task is idle."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, awaitable: Awaitable[Any]) -> Any:
        """Run `awaitable` to completion, advancing the clock only when nothing else can run."""
        task = asyncio.ensure_future(awaitable)
        while True:
            for _ in range(50):  # let every ready task take its step
                await asyncio.sleep(0)
            if task.done():
                return task.result()
            while self._sleepers and self._sleepers[0][2].done():
                heappop(self._sleepers)
            if not self._sleepers:
                task.cancel()
                raise AssertionError("deadlock: nothing sleeps and the work is not done")
            deadline, _, future = heappop(self._sleepers)
            self.now = max(self.now, deadline)
            future.set_result(None)


@pytest.fixture
def clock() -> VirtualTime:
    return VirtualTime()


def make_limiter(clock: VirtualTime, **kwargs: Any) -> SendLimiter:
    return SendLimiter(monotonic=clock.monotonic, sleep=clock.sleep, **kwargs)


async def grants(
    clock: VirtualTime,
    limiter: SendLimiter,
    requests: Iterable[tuple[str, Any, Priority, bool]],
) -> list[tuple[str, float]]:
    """Ask for all slots at once (in the given order); return (label, grant time) as granted."""
    granted: list[tuple[str, float]] = []

    async def one(label: str, chat: Any, priority: Priority, is_group: bool) -> None:
        await limiter.acquire(chat, priority=priority, is_group=is_group)
        granted.append((label, clock.now))

    await clock.run(asyncio.gather(*(one(*request) for request in requests)))
    return granted


def reminders(count: int, *, prefix: str = "r") -> list[tuple[str, Any, Priority, bool]]:
    return [(f"{prefix}{i}", 1000 + i, Priority.REMINDER, False) for i in range(count)]


def max_in_window(times: list[float], span: float) -> int:
    """The most grants any closed window [t, t + span] holds."""
    ordered = sorted(times)
    return max(sum(1 for u in ordered[i:] if u <= t + span + 1e-9) for i, t in enumerate(ordered))


async def test_overall_rate_never_exceeds_30_per_second_and_sustains_90_percent(clock):
    limiter = make_limiter(clock)
    times = [t for _, t in await grants(clock, limiter, reminders(300))]

    assert max_in_window(times, 1.0) <= 30
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 30 - 1e-9  # spaced evenly, not in bursts
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate >= 0.9 * 30


async def test_one_chat_gets_one_message_per_interval_without_holding_up_others(clock):
    limiter = make_limiter(clock)
    requests = [(f"a{i}", 7, Priority.REMINDER, False) for i in range(4)]
    requests.append(("b", 8, Priority.REMINDER, False))
    granted = dict(await grants(clock, limiter, requests))

    own = [granted[f"a{i}"] for i in range(4)]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(own))
    assert granted["b"] < 0.1  # chat 8 did not queue behind chat 7's spacing


async def test_a_group_gets_at_most_20_per_minute(clock):
    limiter = make_limiter(clock, per_chat_interval=0.5)
    requests = [(f"g{i}", -100123, Priority.REMINDER, True) for i in range(25)]
    times = [t for _, t in await grants(clock, limiter, requests)]

    assert max_in_window(times, 60.0) <= 20
    assert times[20] >= times[0] + 60.0
    assert times[19] < 15  # the first twenty are not slowed by the minute cap


async def test_a_private_chat_is_not_capped_per_minute(clock):
    limiter = make_limiter(clock, per_chat_interval=0.5)
    requests = [(f"p{i}", 4242, Priority.REMINDER, False) for i in range(25)]
    times = [t for _, t in await grants(clock, limiter, requests)]

    assert times[-1] < 15


async def test_a_reply_overtakes_a_queued_fan_out(clock):
    limiter = make_limiter(clock)
    requests = [*reminders(1000), ("reply", 99, Priority.REPLY, False)]
    order = [label for label, _ in await grants(clock, limiter, requests)]

    assert order[0] == "reply"


async def test_a_reply_during_a_long_fan_out_goes_out_within_a_slot(clock):
    limiter = make_limiter(clock)
    latencies: list[float] = []

    async def reply_later(at: float, chat: int) -> None:
        await clock.sleep(at)
        asked = clock.now
        await limiter.acquire(chat, priority=Priority.REPLY)
        latencies.append(clock.now - asked)

    async def scenario() -> None:
        fan_out = grants_in_background(limiter, reminders(600))
        await asyncio.gather(fan_out, reply_later(5.0, 99), reply_later(12.34, 98))

    await clock.run(scenario())

    assert len(latencies) == 2
    assert max(latencies) <= 1 / 30 + 0.05 + 1e-9


async def grants_in_background(limiter: SendLimiter, requests: list[Any]) -> None:
    await asyncio.gather(
        *(limiter.acquire(chat, priority=prio, is_group=grp) for _, chat, prio, grp in requests)
    )


async def test_a_reply_to_a_chat_just_reminded_waits_at_most_the_chat_interval(clock):
    limiter = make_limiter(clock)
    requests = [("reminder", 5, Priority.REMINDER, False), ("reply", 5, Priority.REPLY, False)]
    granted = dict(await grants(clock, limiter, requests))

    # The reply asked second, in the same instant: it goes first, the reminder a second later.
    assert granted["reply"] == 0.0
    assert 1.0 <= granted["reminder"] <= 1.1


async def test_pause_holds_every_slot_until_it_ends(clock):
    limiter = make_limiter(clock)
    granted: list[float] = []

    async def send(chat: int) -> None:
        await limiter.acquire(chat)
        granted.append(clock.now)

    async def scenario() -> None:
        sends = asyncio.gather(*(send(chat) for chat in range(100)))
        await clock.sleep(1.0)
        limiter.pause(5.0)
        limiter.pause(2.0)  # a shorter pause does not cut the longer one short
        await sends

    await clock.run(scenario())

    assert not [t for t in granted if 1.0 < t < 6.0]
    assert len([t for t in granted if t <= 1.0]) in range(25, 32)
    assert min(t for t in granted if t > 1.0) == pytest.approx(6.0)
    assert limiter.paused_until == pytest.approx(6.0)


async def test_pause_before_any_send_delays_the_first(clock):
    limiter = make_limiter(clock)
    limiter.pause(3.0)
    granted = await grants(clock, limiter, reminders(1))

    assert granted[0][1] == pytest.approx(3.0)


async def test_a_cancelled_waiter_frees_its_place(clock):
    limiter = make_limiter(clock)

    async def scenario() -> list[float]:
        await limiter.acquire(1)
        second = asyncio.ensure_future(limiter.acquire(1))
        third = asyncio.ensure_future(limiter.acquire(1))
        await asyncio.sleep(0)
        second.cancel()
        await third
        return [clock.now]

    (third_at,) = await clock.run(scenario())

    assert third_at == pytest.approx(1.05)
    assert limiter.waiting == 0


async def test_the_dispatcher_ends_when_nobody_waits(clock):
    limiter = make_limiter(clock)
    await grants(clock, limiter, reminders(3))
    await clock.run(asyncio.sleep(0))

    assert limiter.waiting == 0
    assert limiter._task is None or limiter._task.done()


async def test_zalo_style_slower_rate(clock):
    limiter = make_limiter(clock, overall_per_second=2, per_chat_interval=0)
    times = [t for _, t in await grants(clock, limiter, reminders(10))]

    assert max_in_window(times, 1.0) <= 2
    assert times[-1] == pytest.approx(4.5, abs=0.3)


async def test_defaults_on_the_real_clock_do_not_delay_distinct_chats_much():
    limiter = SendLimiter()
    started = time.monotonic()
    await asyncio.gather(*(limiter.acquire(chat) for chat in range(5)))

    assert time.monotonic() - started < 0.5
    await limiter.close()
