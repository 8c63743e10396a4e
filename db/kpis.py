"""看板's KPI tiles (issue 5, rule 9): a period's figures over the customers a member sees, in SQL.

Filters: a date range, owners, industries and sources. Definitions (also in
the README): 客户数 — customers matching the filters; 新增线索 — of those,
created in the period; 成交 — at 成交 now and won in the period (成交日期), with
their 成交金额; 转化率 — of the customers created in the period, the share won now;
平均首次响应 — days from creation to the first follow-up, for customers created
in the period that have one; 人均周跟进 — follow-ups in the period per member
who logged any, per week; 逾期待跟进 — customers whose follow-up is overdue
today; 公海客户 — customers without an owner (the owner filter does not apply).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from db.access import Actor
from db.fields import load_base
from db.queries import Compiler, Filter, quote

#: The periods the 看板 offers by name (besides a range picked by hand), and the one it opens with.
PRESETS = ("this_week", "last_week", "this_month", "last_month", "this_quarter", "this_year", "last_12_months")
DEFAULT_PRESET = "last_12_months"


def preset(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """``(first day, last day)`` of the period called ``name`` (:data:`PRESETS`) on ``today``; periods still
    running end today. Raises ValueError for another name.

    >>> [f"{start} – {end}" for start, end in (preset(name, dt.date(2026, 11, 25)) for name in PRESETS)]
    ['2026-11-23 – 2026-11-25', '2026-11-16 – 2026-11-22', '2026-11-01 – 2026-11-25', '2026-10-01 – 2026-10-31', \
'2026-10-01 – 2026-11-25', '2026-01-01 – 2026-11-25', '2025-11-26 – 2026-11-25']
    >>> preset("last_month", dt.date(2026, 1, 15))
    (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
    """
    monday = today - dt.timedelta(days=today.weekday())
    month = today.replace(day=1)
    if name == "this_week":
        return monday, today
    if name == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if name == "this_month":
        return month, today
    if name == "last_month":
        last = month - dt.timedelta(days=1)
        return last.replace(day=1), last
    if name == "this_quarter":
        return month.replace(month=(today.month - 1) // 3 * 3 + 1), today
    if name == "this_year":
        return today.replace(month=1, day=1), today
    if name == "last_12_months":
        return today - dt.timedelta(days=364), today  # 365 days with today
    raise ValueError(f"no period called {name!r}")


#: Date columns (of whole days) by which :meth:`Period.narrowing` may narrow: named in SQL text, so a fixed list.
DATED = ("created_on", "won_on")


@dataclass(frozen=True)
class Period:
    """What the tiles are about: ``start``–``end`` (both included) and the customers' filters."""

    start: dt.date
    end: dt.date
    owners: tuple[int, ...] = ()
    industries: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def narrowed(self) -> tuple[str, list]:
        """The filters (not the dates) as an SQL condition on customers ``t`` with its ``?`` values, for the
        charts (db.charts.dashboard): only the three column names of this module reach the SQL text."""
        parts, values = [], []
        for column, chosen in (("owner_id", self.owners), ("industry", self.industries), ("source", self.sources)):
            if chosen:
                parts.append(f"t.{column} IN ({', '.join('?' for _ in chosen)})")
                values += list(chosen)
        return (" AND ".join(parts) or "1"), values

    def narrowing(self, dated: str | None = None) -> tuple[str, list]:
        """:attr:`narrowed`, and, when ``dated`` is one of :data:`DATED`, that date within the period."""
        sql, values = self.narrowed
        if dated is None:
            return sql, values
        if dated not in DATED:
            raise ValueError(f"cannot narrow by {dated!r}")
        return f"{sql} AND t.{dated} BETWEEN ? AND ?", [*values, self.start.isoformat(), self.end.isoformat()]

    def filters(self, dated: str | None = None) -> tuple[Filter, ...]:
        """The same filters as query filters on customers, and, when ``dated`` names a date column, that
        date within the period: the customers an analysis counts, as a grid or a click would list them."""
        chosen = [Filter(column, "in", values) for column, values in (
            ("owner_id", self.owners), ("industry", self.industries), ("source", self.sources)) if values]
        if dated:
            chosen.append(Filter(dated, "between", (self.start.isoformat(), self.end.isoformat())))
        return tuple(chosen)


def follow_ups_of(where: str) -> str:
    """FROM and WHERE for the follow-ups of the customers ``t`` that ``where`` keeps: without a join when it
    keeps every customer (an administrator, no filters) — a year of a large base is a million follow-ups,
    and looking each one's customer up costs seconds."""
    if where == "1":
        return "FROM follow_ups f WHERE 1"
    return f"FROM follow_ups f JOIN customers t ON t.id = f.customer_id WHERE {where}"


@dataclass(frozen=True)
class Kpis:
    """The tiles' figures (``None`` where there is nothing to work one out from)."""

    customers: int
    new_leads: int
    won: int
    won_amount: float
    conversion: float | None
    first_response_days: float | None
    follow_ups_per_person_week: float | None
    overdue: int
    in_pool: int


def kpis(db: sqlite_utils.Database, period: Period, *, actor: Actor, today: dt.date | None = None,
         overdue: int | None = None) -> Kpis:
    """The KPI tiles for ``period`` over the customers ``actor`` may see; ``overdue``: 逾期待跟进 when the
    caller has counted it already (db.analysis sums its leaderboard's: working out 下次应跟进日期 for a
    large base is most of this function's time)."""
    today = today or dt.date.today()
    base = load_base(db)
    table = base.table("customers")
    compiler = Compiler(base, today, actor)
    p = compiler.param

    def among(column: str, values: tuple) -> str:
        return f" AND t.{quote(column)} IN ({', '.join(p(v) for v in values)})" if values else ""

    kinds = among("industry", period.industries) + among("source", period.sources)
    chosen = f"{compiler.visible(table)}{kinds}{among('owner_id', period.owners)}"
    start, end = p(period.start.isoformat()), p(period.end.isoformat())
    after_end = p((period.end + dt.timedelta(days=1)).isoformat())
    created = f"t.created_on BETWEEN {start} AND {end}"
    # 成交 now: a customer moved on from 成交 keeps its 成交日期 and 成交金额, but is not won any more
    won = f"(t.stage = 'won' AND t.won_on BETWEEN {start} AND {end})"
    due = compiler.expression(table, table.column("due_on"))
    first = "(SELECT MIN(f.time) FROM follow_ups f WHERE f.customer_id = t.id)"
    row = db.execute(
        f"SELECT COUNT(*), SUM({created}), SUM({won}), TOTAL(CASE WHEN {won} THEN t.won_amount END), "
        f"SUM({created} AND t.stage = 'won'), "
        f"AVG(CASE WHEN {created} THEN julianday(date({first})) - julianday(t.created_on) END), "
        f"{'NULL' if overdue is not None else f'SUM({due} < {p(today.isoformat())})'} "
        f"FROM {quote(table.name)} t WHERE {chosen}", compiler.params).fetchone()
    customers, new_leads, won, won_amount, new_won, response, counted = row
    overdue = overdue if overdue is not None else counted
    activity = db.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT f.person_id) {follow_ups_of(chosen)} "
        f"AND f.time >= {start} AND f.time < {after_end}", compiler.params).fetchone()
    in_pool = db.execute(f"SELECT COUNT(*) FROM {quote(table.name)} t WHERE {compiler.visible(table)}{kinds} "
                         "AND t.owner_id IS NULL", compiler.params).fetchone()[0]
    weeks = max(1.0, ((period.end - period.start).days + 1) / 7)
    return Kpis(
        customers=customers or 0, new_leads=new_leads or 0, won=won or 0, won_amount=won_amount or 0.0,
        conversion=(new_won or 0) / new_leads if new_leads else None,
        first_response_days=round(response, 1) if response is not None else None,
        follow_ups_per_person_week=round(activity[0] / activity[1] / weeks, 1) if activity[1] else None,
        overdue=overdue or 0, in_pool=in_pool)
