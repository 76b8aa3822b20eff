"""The two special values of a stored next-reminder day.

Every assignment and task keeps the first day it may next need a reminder, so a tick reads only
the rows whose day has come. Two days are not dates of any reminder:

- `RECOMPUTE`, earlier than any real day: the facts changed (a confirmation, an undo, an
  extension, a new plan) and the next tick must ask the policy again. Every change writes it,
  so no writer needs to know the policy.
- `NEVER`, later than any real day: nothing more can be due (a confirmed one-off task, a closed
  plan) until a change writes `RECOMPUTE` again.
"""

from __future__ import annotations

from datetime import date

RECOMPUTE = date(1, 1, 1)
NEVER = date(9999, 12, 31)
