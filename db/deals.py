"""商机 (deals): when customers changed stage, and how long they stay in each.

``stage_changes`` (migration m013) holds one row per change of a customer's
销售阶段 — from, to, when, by whom — written by triggers in the transaction of
the change itself, whichever way it is made (a save, a card moved on the
board, an undo, a restore). A customer's stay in a stage runs from the change
that brought it there to the next one; these functions measure those stays
in SQL, over the customers the member may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from db.access import Actor, scope


@dataclass(frozen=True)
class StageChange:
    """One change of a customer's stage: from (``None``: it had none, a new customer) → to, when, by whom."""

    from_stage: str | None
    to_stage: str | None
    at: str
    by: str | None


@dataclass(frozen=True)
class StageTime:
    """How long customers stay in one stage.

    ``left``: stays that ended (the customer moved on) and ``avg_days`` their
    average length in days; ``current``: customers in the stage now and
    ``current_avg_days`` how long they have been there so far. Averages are
    ``None`` where there is nothing to average.
    """

    stage: str
    left: int
    avg_days: float | None
    current: int
    current_avg_days: float | None


def changes_of(db: sqlite_utils.Database, customer_id: int) -> list[StageChange]:
    """A customer's stage changes, oldest first (the caller checks that the member may see it)."""
    rows = db.execute(
        "SELECT s.from_stage, s.to_stage, s.at, u.display_name FROM stage_changes s "
        "LEFT JOIN users u ON u.id = s.by WHERE s.customer_id = ? ORDER BY s.id", [int(customer_id)]).fetchall()
    return [StageChange(*row) for row in rows]


def stage_times(db: sqlite_utils.Database, *, actor: Actor, today: dt.date | None = None,
                narrowed: tuple[str, list] = ("1", [])) -> dict[str, StageTime]:
    """``{stage: StageTime}`` over the customers ``actor`` sees, worked out in SQL.

    A stay's end is the customer's next stage change (window function over the
    ``stage_changes(customer_id, id)`` index); a stay still going counts to
    ``today`` in the ``current`` figures only.
    """
    visible, params = scope(actor, "customers")
    now = f"{(today or dt.date.today()).isoformat()} 23:59:59"  # stays still going count to the end of today
    sql = f"""
        WITH stays AS (
            SELECT s.to_stage AS stage, s.at AS started,
                   LEAD(s.at) OVER (PARTITION BY s.customer_id ORDER BY s.id) AS ended
            FROM stage_changes s JOIN customers t ON t.id = s.customer_id
            WHERE {visible} AND {narrowed[0]}
        )
        SELECT stage,
               COUNT(ended), AVG(julianday(ended) - julianday(started)),
               COUNT(*) - COUNT(ended),
               AVG(CASE WHEN ended IS NULL THEN julianday(?) - julianday(started) END)
        FROM stays WHERE stage IS NOT NULL GROUP BY stage"""
    rows = db.execute(sql, [*params, *narrowed[1], now]).fetchall()  # the CTE's parameters come first
    return {stage: StageTime(stage, left, _days(avg), current, _days(current_avg))
            for stage, left, avg, current, current_avg in rows}


def _days(value: float | None) -> float | None:
    return None if value is None else round(max(value, 0.0), 1)


def catch_up(db: sqlite_utils.Database) -> int:
    """Record the stage of every customer whose stage is not the one last recorded (rows written while
    the triggers were set aside, by ``db.changes.bulk_load``); return how many. Call inside a write
    transaction."""
    last = "(SELECT s.to_stage FROM stage_changes s WHERE s.customer_id = c.id ORDER BY s.id DESC LIMIT 1)"
    added = db.execute(
        f"INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, by) "
        f"SELECT c.id, {last}, c.stage, c.updated_at, c.updated_by FROM customers c "
        f"WHERE c.stage IS NOT {last} ORDER BY c.id").rowcount
    latest = "(SELECT s.at FROM stage_changes s WHERE s.customer_id = customers.id ORDER BY s.id DESC LIMIT 1)"
    db.execute(f"UPDATE customers SET stage_changed_at = {latest} WHERE stage_changed_at IS NOT {latest}")
    return added
