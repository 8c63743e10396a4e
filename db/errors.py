"""The core's exceptions. The UI turns each into one message, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One rejected cell: which row (as the user sees it), which column, the value, why.

    ``row`` is whatever the caller named the row by (a screen row number, 新增第
    1 行), passed through for messages; ``reason`` is a message key and
    ``params`` fill it in.
    """

    row: Any
    column: str
    value: Any
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


class GenjinError(Exception):
    """Base of every error the core raises on purpose."""


class Refused(GenjinError):
    """Something a member asked for was refused, nothing written; ``reason`` is a message key and
    ``params`` fill it in. The UI turns every such refusal into one sentence (``ui.messages.describe``)."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


class InvalidChanges(GenjinError):
    """A change set has values that do not fit; nothing was written."""

    def __init__(self, table: str, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in {table}")
        self.table = table
        self.problems = problems


class StaleRow(GenjinError):
    """A row changed (or vanished) since the user loaded it; nothing was written."""

    def __init__(
        self, table: str, row_id: int, row: Any, changed_by: str | None, changed_at: str | None
    ) -> None:
        super().__init__(f"{table} row {row_id} changed since it was read")
        self.table = table
        self.row_id = row_id
        self.row = row
        self.changed_by = changed_by
        self.changed_at = changed_at

    @property
    def deleted(self) -> bool:
        """Whether the row is gone altogether."""
        return self.changed_at is None


class RowNotFound(GenjinError):
    """No row with that id."""

    def __init__(self, table: str, row_id: int) -> None:
        super().__init__(f"no row {row_id} in {table}")
        self.table = table
        self.row_id = row_id
