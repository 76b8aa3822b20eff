"""The one error a plan reader raises: the document is not a plan it can read at all."""

from __future__ import annotations


class PlanFormatError(ValueError):
    """The file holds no appendix table, has an unsupported type, or cannot be opened.

    The message is already translated and says what was expected, so callers show it as is.
    Anything less serious (one unreadable row, an unknown time expression) is a warning instead.
    """
