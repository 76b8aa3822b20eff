"""Pace outgoing sends so a channel stays under its server's flood limits by construction.

Telegram answers 429 when a bot sends more than about 30 messages a second overall, more than one
a second to one chat, or more than 20 a minute to one group. Rather than provoke 429s and back off,
every send first asks `SendLimiter.acquire` for a slot. Slots are handed out one at a time by a
single dispatcher task, highest priority first, so a command's reply overtakes a reminder fan-out
to thousands of people; a chat that must still wait never holds up the chats that need not.

The clock and the sleep are injected, so tests run the pacing on virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from enum import IntEnum
from heapq import heappop, heappush


class Priority(IntEnum):
    """Who goes first when several sends wait: lower values are served earlier."""

    REPLY = 0  # someone is looking at the chat, waiting for the answer
    REMINDER = 1  # fan-out from the outbox; a few seconds late is fine


_Entry = tuple[int, int, "asyncio.Future[None]"]


class _Chat:
    """The pacing state of one chat: when it may receive again, and who waits for it."""

    __slots__ = ("filed", "is_group", "queue", "ready_at", "recent")

    def __init__(self) -> None:
        self.ready_at = -math.inf
        self.recent: deque[float] = deque()  # grant times inside the group window
        self.queue: list[_Entry] = []  # heap of (priority, seq, future)
        self.is_group = False
        self.filed = 0  # stamp of the chat's one valid entry in the limiter's indexes

    def head(self) -> _Entry | None:
        """The next live waiter; drops waiters whose caller gave up."""
        while self.queue and self.queue[0][2].done():
            heappop(self.queue)
        return self.queue[0] if self.queue else None


class SendLimiter:
    """Hand out send slots that respect an overall rate, a per-chat interval and a group cap.

    - overall: slots at least `1 / overall_per_second` apart, and never more than
      `overall_per_second` in any window of one second (plus `margin`);
    - per chat: one slot per `per_chat_interval` (plus `margin`) to the same chat;
    - per group: at most `group_per_minute` slots in any 60 s (plus `margin`) to one group;
    - `pause(seconds)`: no slot at all until then (the server said 429).

    `margin` absorbs the jitter between our clock and the moment the server counts the request;
    with the defaults the sustained overall rate is 30 / 1.05 ≈ 28.6 per second.
    """

    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        margin: float = 0.05,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if overall_per_second <= 0 or group_per_minute <= 0:
            raise ValueError("rates must be positive")
        self.overall_per_second = overall_per_second
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.margin = margin
        self._monotonic = monotonic
        self._sleep = sleep

        self._spacing = 1.0 / overall_per_second
        self._window_count = max(1, math.floor(overall_per_second))
        self._recent: deque[float] = deque()  # the last `_window_count` grant times
        self._paused_until = -math.inf
        self._chats: dict[Hashable, _Chat] = {}
        # Each chat with waiters has exactly one valid entry in one of these heaps; re-filing a
        # chat stamps a new entry and leaves the old ones to be skipped when popped.
        self._ready: list[tuple[int, int, int, Hashable]] = []  # (priority, seq, stamp, chat)
        self._blocked: list[tuple[float, int, Hashable]] = []  # (ready_at, stamp, chat)
        self._stamps = itertools.count(1)
        self._seq = itertools.count()
        self._live = 0  # waiters neither granted nor cancelled
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sweep_at = 1024

    @property
    def waiting(self) -> int:
        """How many sends wait for a slot."""
        return self._live

    @property
    def paused_until(self) -> float:
        return self._paused_until

    async def acquire(
        self,
        chat_id: Hashable,
        *,
        priority: Priority = Priority.REMINDER,
        is_group: bool = False,
    ) -> None:
        """Wait for a slot to send one message to `chat_id`; the caller sends right after."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        seq = next(self._seq)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        chat.is_group = chat.is_group or is_group
        heappush(chat.queue, (int(priority), seq, future))
        self._live += 1
        if chat.head() is not None and chat.queue[0][2] is future:
            self._file(chat_id, chat, self._monotonic())  # a new head: re-index the chat
        self._kick()
        try:
            await future
        except asyncio.CancelledError:
            if future.cancelled():  # not granted: nobody will use this slot
                self._live -= 1
                self._kick()
            raise

    def pause(self, seconds: float) -> None:
        """Hold every slot for `seconds` from now (a 429's retry_after); pauses never shorten."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        self._wakeup.set()

    async def close(self) -> None:
        """Stop the dispatcher; sends still waiting are cancelled."""
        for chat in self._chats.values():
            for _, _, future in chat.queue:
                future.cancel()
        self._live = 0
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # ---- the dispatcher ----------------------------------------------------------------------

    def _kick(self) -> None:
        self._wakeup.set()
        if self._live and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(
                self._dispatch(), name="SendLimiter.dispatch"
            )

    async def _dispatch(self) -> None:
        """Grant slots one by one until nobody waits; then end (the next acquire restarts it)."""
        while self._live > 0:
            self._wakeup.clear()
            now = self._monotonic()
            if now < self._paused_until:
                await self._nap(self._paused_until - now)
                continue
            slot = self._next_overall_slot()
            if slot > now:
                await self._nap(slot - now)
                continue
            self._release_blocked(now)
            granted = self._grant_best(now)
            if not granted:
                if not self._blocked:
                    return  # only dead waiters were left
                await self._nap(self._blocked[0][0] - now)

    async def _nap(self, seconds: float) -> None:
        """Sleep, but wake early for a new arrival or a pause (the plan may have changed)."""
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wakeup.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    def _next_overall_slot(self) -> float:
        if not self._recent:
            return -math.inf
        slot = self._recent[-1] + self._spacing
        if len(self._recent) >= self._window_count:
            slot = max(slot, self._recent[0] + 1.0 + self.margin)
        return slot

    def _release_blocked(self, now: float) -> None:
        while self._blocked and self._blocked[0][0] <= now:
            _, stamp, chat_id = heappop(self._blocked)
            chat = self._chats.get(chat_id)
            if chat is not None and chat.filed == stamp:
                self._file(chat_id, chat, now)

    def _file(self, chat_id: Hashable, chat: _Chat, now: float) -> None:
        """Index the chat under its current head waiter: ready now, or blocked until ready_at."""
        chat.filed = stamp = next(self._stamps)
        head = chat.head()
        if head is None:
            return
        if chat.ready_at <= now:
            heappush(self._ready, (head[0], head[1], stamp, chat_id))
        else:
            heappush(self._blocked, (chat.ready_at, stamp, chat_id))

    def _grant_best(self, now: float) -> bool:
        """Give the slot to the best waiter of a ready chat, skipping superseded entries."""
        while self._ready:
            priority, seq, stamp, chat_id = heappop(self._ready)
            chat = self._chats.get(chat_id)
            if chat is None or chat.filed != stamp:
                continue
            head = chat.head()
            if head is None or head[:2] != (priority, seq):
                # The head gave up (cancelled) since: index the chat under its new head.
                self._file(chat_id, chat, now)
                continue
            heappop(chat.queue)
            self._record(chat, now)
            head[2].set_result(None)
            self._live -= 1
            self._file(chat_id, chat, now)
            if len(self._chats) > self._sweep_at:
                self._sweep(now)
            return True
        return False

    def _record(self, chat: _Chat, now: float) -> None:
        self._recent.append(now)
        while len(self._recent) > self._window_count:
            self._recent.popleft()
        ready_at = now
        if self.per_chat_interval > 0:
            ready_at = now + self.per_chat_interval + self.margin
        if chat.is_group:
            window = 60.0 + self.margin
            chat.recent.append(now)
            while chat.recent and chat.recent[0] <= now - window:
                chat.recent.popleft()
            if len(chat.recent) >= self.group_per_minute:
                ready_at = max(ready_at, chat.recent[-self.group_per_minute] + window)
        chat.ready_at = ready_at

    def _sweep(self, now: float) -> None:
        """Forget idle chats, so the state of a fan-out to thousands does not pile up."""
        for chat_id in [
            key
            for key, chat in self._chats.items()
            if chat.head() is None
            and chat.ready_at <= now
            and not (chat.recent and chat.recent[-1] > now - 60.0 - self.margin)
        ]:
            del self._chats[chat_id]
        self._sweep_at = max(1024, 2 * len(self._chats))
