"""Chart aggregates: a handful of counts computed in SQL, never raw rows.

Functions return small lists ready for a chart; labels are the UI's business.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from db import deals
from db.access import Actor, scope
from db.connection import write_transaction
from db.fields import load_base
from db.queries import Compiler, Filter, Query, quote
from schema.crm import FUNNEL_STAGES
from schema.model import Base, Column
from schema.types import (
    Attachments,
    Checkbox,
    Choice,
    CreatedOn,
    Date,
    DateTime,
    DaysSince,
    Link,
    LongText,
    MultiChoice,
    Number,
    Text,
)


@dataclass(frozen=True)
class FunnelStep:
    """One funnel stage.

    ``current``: customers at this stage now; ``reached``: customers at this
    stage or a later one (a won customer went through every stage before);
    ``step_rate``: reached here ÷ reached at the previous stage;
    ``overall_rate``: reached here ÷ reached at the first stage.
    Rates are ``None`` where they would divide by zero.
    ``avg_days``: how many days customers who moved on from this stage spent
    in it on average; ``current_days``: how long those at it now have been
    there so far (``None``: nobody); see :func:`db.deals.stage_times`.
    """

    stage: str
    current: int
    reached: int
    step_rate: float | None
    overall_rate: float | None
    avg_days: float | None = None
    current_days: float | None = None


#: Customers a chart is limited to: an SQL condition on ``t`` with its ``?`` values (see db.kpis.Period.narrowed).
Narrowed = tuple[str, list]
EVERYONE: Narrowed = ("1", [])


def counts_by(db: sqlite_utils.Database, table_name: str, column_name: str, *, actor: Actor,
              base: Base | None = None, narrowed: Narrowed = EVERYONE) -> dict:
    """``{stored value: row count}`` for one column (``None`` for empty cells), over the rows ``actor`` sees
    (and that ``narrowed`` keeps)."""
    base = base or load_base(db)
    table = base.table(table_name)
    name = quote(table.column(column_name).name)
    visible, params = scope(actor, table.name)
    sql = (f"SELECT t.{name}, COUNT(*) FROM {quote(table.name)} t WHERE {visible} AND {narrowed[0]} "
           f"GROUP BY t.{name}")
    return {value: count for value, count in db.execute(sql, [*params, *narrowed[1]]).fetchall()}


def funnel(db: sqlite_utils.Database, *, actor: Actor, today: dt.date | None = None,
           narrowed: Narrowed = EVERYONE, counts: dict | None = None) -> list[FunnelStep]:
    """The sales funnel 线索→意向→方案→谈判→成交 with stage and overall conversion, and the average
    days customers spend in each stage.

    输单 customers are left out of the counts. ``counts``: ``{stage: customers}`` of the same customers when
    the caller has counted them already.
    """
    counts = counts if counts is not None else counts_by(db, "customers", "stage", actor=actor, narrowed=narrowed)
    times = deals.stage_times(db, actor=actor, today=today, narrowed=narrowed)
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
            avg_days=times[stage].avg_days if stage in times else None,
            current_days=times[stage].current_avg_days if stage in times else None,
        ))
        previous = reached
    return steps


@dataclass(frozen=True)
class ChartSpec:
    """A one-click chart of a grid's current view: group by ``column`` (and ``by``), count or sum ``sum_of``.

    ``search``, ``filters`` (joined by ``match``) and ``narrow`` are the view's (see
    :class:`db.queries.Query`); ``period`` buckets dates by ``month`` or ``week``.
    """

    table: str
    column: str
    by: str | None = None
    sum_of: str | None = None
    period: str = "month"
    search: str = ""
    filters: tuple[Filter, ...] = ()
    match: str = "all"
    narrow: tuple[Filter, ...] = ()

    @property
    def query(self) -> Query:
        """The rows this chart counts, as a query."""
        return Query(self.table, self.search, self.filters, match=self.match, narrow=self.narrow)

    def to_json(self) -> str:
        """The spec as JSON (to save a chart onto the 看板)."""
        data = asdict(self)
        for name in ("filters", "narrow"):
            data[name] = [[f.column, f.op, list(f.values)] for f in getattr(self, name)]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ChartSpec:
        """The spec saved by :meth:`to_json`."""
        data = json.loads(text)  # charts saved before match and narrow existed have neither
        for name in ("filters", "narrow"):
            data[name] = tuple(Filter(c, op, tuple(v)) for c, op, v in data.get(name, []))
        return cls(**data)


#: At most this many (group, second group) pairs are read, the largest first.
MAX_GROUPS = 1200
HISTOGRAM_BINS = 10


def chartable(column: Column) -> str | None:
    """How a column can be the x of a one-click chart: ``category``, ``tags``, ``date``, ``number`` or None."""
    if isinstance(column.type, Attachments):
        return None  # a summary of files, not a value to count by
    kind = getattr(column.type, "result", column.type)
    if isinstance(kind, MultiChoice) or (isinstance(kind, Link) and kind.multiple):
        return "tags"
    if isinstance(kind, Choice | Link | Checkbox):
        return "category"
    if isinstance(kind, Date | DateTime | CreatedOn):
        return "date"
    if isinstance(kind, Number) or isinstance(column.type, DaysSince):
        return "number"
    if isinstance(kind, Text) and not isinstance(kind, LongText) and column.computed:
        return "category"  # a formula or lookup yielding short text
    return None


def chart_groups(db: sqlite_utils.Database, spec: ChartSpec, *, actor: Actor, today: dt.date | None = None,
                 base: Base | None = None) -> list[tuple[Any, Any, float]]:
    """``[(x, by, value), …]`` for ``spec`` over the rows ``actor`` sees, computed in SQL.

    ``x`` is an option code, a link id, 0/1, a month (``2026-11``) or week
    (``2026-W47``), or for numbers a bin's ``(low, high)``; ``value`` counts
    rows, or sums ``sum_of``. Raises ValueError for a column that cannot be charted.
    """
    base = base or load_base(db)
    table = base.table(spec.table)
    column = table.column(spec.column)
    how = chartable(column)
    if how is None:
        raise ValueError(f"{column.name} cannot be charted")
    compiler = Compiler(base, today or dt.date.today(), actor)
    where = compiler.where(table, spec.query)
    value = compiler.expression(table, column)
    source = f"{quote(table.name)} t"
    if how == "tags":
        source += f" JOIN json_each({value}) tag"
        x = "tag.value"
    elif how == "date":
        x = f"substr({value}, 1, 7)" if spec.period != "week" else f"strftime('%Y-W%W', {value})"
    elif how == "number":
        low, high = db.execute(f"SELECT MIN({value}), MAX({value}) FROM {source} WHERE {where}",
                               compiler.params).fetchone()
        if low is None:
            return []
        kind = getattr(column.type, "result", column.type)
        whole = isinstance(column.type, DaysSince) or (isinstance(kind, Number) and kind.integer)
        width = max(1, -(-(high - low + 1) // HISTOGRAM_BINS)) if whole else ((high - low) / HISTOGRAM_BINS or 1)
        x = (f"(CASE WHEN {value} IS NULL THEN NULL ELSE MIN(CAST(({value} - {compiler.param(low)}) / "
             f"{compiler.param(width)} AS INTEGER), {HISTOGRAM_BINS - 1}) END)")
    else:
        x = value
    by = compiler.expression(table, table.column(spec.by)) if spec.by else "NULL"
    amount = f"SUM({compiler.expression(table, table.column(spec.sum_of))})" if spec.sum_of else "COUNT(*)"
    sql = (f"SELECT {x} AS x, {by} AS grp, {amount} FROM {source} WHERE {where} GROUP BY 1, 2 "
           f"ORDER BY 3 DESC LIMIT {MAX_GROUPS}")
    rows = db.execute(sql, compiler.params).fetchall()
    if how == "number":
        last = 1 if whole else 0  # whole numbers: 0–4, 5–9; others: 0.0–2.5, 2.5–5.0
        return [((None, None) if b is None else (low + b * width, low + (b + 1) * width - last), g, v or 0)
                for b, g, v in rows]
    return [(x_value, g, v or 0) for x_value, g, v in rows]


def save_chart(db: sqlite_utils.Database, actor: Actor, spec: ChartSpec, title: str) -> int:
    """Keep a one-click chart on the actor's 看板; return its id."""
    with write_transaction(db):
        return int(db.execute(
            "INSERT INTO saved_charts (user_id, title, spec, created_at) VALUES (?, ?, ?, ?)",
            [actor.user_id, title.strip()[:100] or spec.column, spec.to_json(),
             dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")]).lastrowid)


def saved_charts(db: sqlite_utils.Database, actor: Actor) -> list[tuple[int, str, ChartSpec]]:
    """``[(id, title, spec), …]`` of the charts the actor saved, oldest first."""
    rows = db.execute("SELECT id, title, spec FROM saved_charts WHERE user_id = ? ORDER BY id",
                      [actor.user_id]).fetchall()
    return [(row[0], row[1], ChartSpec.from_json(row[2])) for row in rows]


def remove_chart(db: sqlite_utils.Database, actor: Actor, chart_id: int) -> None:
    """Take one of the actor's saved charts off their 看板."""
    with write_transaction(db):
        db.execute("DELETE FROM saved_charts WHERE id = ? AND user_id = ?", [chart_id, actor.user_id])
