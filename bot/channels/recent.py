"""Remember the last ids a platform delivered, to handle an update it delivers twice only once.

Telegram resends a webhook update whose answer got lost; Zalo's getUpdates hands the same update
out again. Both channels keep the most recent ids here, in bounded memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class RecentIds:
    """The last `size` ids seen, oldest forgotten first."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._ids: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, item: Hashable) -> bool:
        """Remember `item`; True if it is new."""
        if item in self._ids:
            return False
        self._ids[item] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True
