"""Chart aggregates: a handful of counts computed in SQL, never raw rows.

Functions return small lists ready for a chart; labels are the UI's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from db.access import Actor, scope
from db.fields import load_base
from db.queries import quote
from schema.crm import FUNNEL_STAGES
from schema.model import Base
from schema.types import Choice


@dataclass(frozen=True)
class FunnelStep:
    """One funnel stage.

    ``current``: customers at this stage now; ``reached``: customers at this
    stage or a later one (a won customer went through every stage before);
    ``step_rate``: reached here ÷ reached at the previous stage;
    ``overall_rate``: reached here ÷ reached at the first stage.
    Rates are ``None`` where they would divide by zero.
    """

    stage: str
    current: int
    reached: int
    step_rate: float | None
    overall_rate: float | None


def counts_by(db: sqlite_utils.Database, table_name: str, column_name: str, *, actor: Actor,
              base: Base | None = None) -> dict:
    """``{stored value: row count}`` for one column (``None`` for empty cells), over the rows ``actor`` sees."""
    base = base or load_base(db)
    table = base.table(table_name)
    name = quote(table.column(column_name).name)
    visible, params = scope(actor, table.name)
    sql = f"SELECT t.{name}, COUNT(*) FROM {quote(table.name)} t WHERE {visible} GROUP BY t.{name}"
    return {value: count for value, count in db.execute(sql, params).fetchall()}


def distribution(db: sqlite_utils.Database, table_name: str, column_name: str, *, actor: Actor,
                 base: Base | None = None) -> list[tuple]:
    """``[(code, count), …]`` in the column's option order, empty cells last as ``None``.

    Every option is listed, with 0 where no row has it, so charts keep their shape.
    """
    base = base or load_base(db)
    column = base.table(table_name).column(column_name)
    counts = counts_by(db, table_name, column_name, actor=actor, base=base)
    codes = [o.code for o in column.type.options] if isinstance(column.type, Choice) else sorted(
        (c for c in counts if c is not None), key=str)
    result = [(code, counts.get(code, 0)) for code in codes]
    if counts.get(None):
        result.append((None, counts[None]))
    return result


def funnel(db: sqlite_utils.Database, *, actor: Actor) -> list[FunnelStep]:
    """The sales funnel 线索→意向→方案→谈判→成交 with stage and overall conversion.

    输单 customers are left out: where in the funnel they were lost is not recorded.
    """
    counts = counts_by(db, "customers", "stage", actor=actor)
    steps = []
    first = None
    previous = None
    for index, stage in enumerate(FUNNEL_STAGES):
        reached = sum(counts.get(later, 0) for later in FUNNEL_STAGES[index:])
        first = reached if first is None else first
        steps.append(FunnelStep(
            stage=stage,
            current=counts.get(stage, 0),
            reached=reached,
            step_rate=None if previous is None else (reached / previous if previous else None),
            overall_rate=reached / first if first else None,
        ))
        previous = reached
    return steps


@dataclass(frozen=True)
class Dashboard:
    """Everything the 看板 page draws: a few dozen numbers, all counted in SQL."""

    total: int
    funnel: list[FunnelStep]
    stages: dict
    grades: list[tuple]
    scales: list[tuple]


def dashboard(db: sqlite_utils.Database, *, actor: Actor) -> Dashboard:
    """The 看板 page's aggregates over the customers ``actor`` sees: count, funnel, stage, grade and size."""
    stages = counts_by(db, "customers", "stage", actor=actor)
    return Dashboard(
        total=sum(stages.values()),
        funnel=funnel(db, actor=actor),
        stages=stages,
        grades=distribution(db, "customers", "grade", actor=actor),
        scales=distribution(db, "customers", "scale", actor=actor),
    )
