"""看板's analyses (issue 5, rule 10) and what the 周报/月报 is made of: small aggregates in SQL over the
customers a member sees, for a :class:`db.kpis.Period` (dates, owners, industries, sources).

What the period's dates apply to (also in the README):

- the funnel, conversion by 潜力等级/评分等级/来源渠道/所属行业 and the distributions (评分等级, 潜力等级,
  客户分层): customers **created** (建档日期) in the period — a cohort, and what became of it;
- follow-up activity and the leaderboard's 跟进次数: follow-ups **logged** in the period;
- 成交 and 成交关键因素: customers whose **成交日期** is in the period; 流失原因: customers **moved to
  输单** in the period;
- the forecast: open deals by the month of their 预计成交日期, from this month on, with those already
  past due and those without a date apart; the period's dates do not apply (a forecast looks ahead),
  its filters do.

Every bar a member can click has a ``*_query`` function here returning the :class:`db.queries.Query` of
the customers behind it, built from the same filters, so the list opened shows exactly the customers
the bar counted (tests check the counts agree).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import charts
from db.access import Actor
from db.fields import load_base
from db.kpis import Kpis, Period, follow_ups_of, kpis
from db.queries import Compiler, Filter, Query, quote
from schema.crm import CUSTOMERS, FUNNEL_STAGES
from schema.model import Base
from schema.types import Choice, Derived, MultiChoice

#: The columns the dashboard breaks customers down by (all single selects, computed or typed).
BREAKDOWNS = ("score_grade", "grade", "source", "industry", "tier", "stage")
#: The columns with a Pareto chart, and which customers each counts.
PARETOS = {"loss_reason": "lost", "win_factors": "won"}
#: Follow-up activity can be split by these follow-up columns.
ACTIVITY_BY = ("person_id", "method")
#: A group this small says little about a conversion rate: the weakest group needs at least this many.
MIN_GROUP = 5
OPEN = Filter("stage", "not_in", ("won", "lost"))


@dataclass(frozen=True)
class Breakdown:
    """One group of customers: the column's code (``None``: empty), how many, how many won now, the
    成交金额 of those, and the share won (``None`` for an empty group)."""

    code: Any
    customers: int
    won: int
    won_amount: float

    @property
    def rate(self) -> float | None:
        """Won ÷ customers."""
        return self.won / self.customers if self.customers else None


@dataclass(frozen=True)
class Weakest:
    """The funnel's weakest link: the step from ``from_stage`` to ``to_stage`` with the lowest conversion."""

    from_stage: str
    to_stage: str
    rate: float


@dataclass(frozen=True)
class Standing:
    """One owner's line of the leaderboard (``owner_id`` ``None``: the 公海)."""

    owner_id: int | None
    customers: int
    new_leads: int
    follow_ups: int
    won: int
    won_amount: float
    new_won: int
    overdue: int

    @property
    def conversion(self) -> float | None:
        """Of the customers created in the period, the share won now."""
        return self.new_won / self.new_leads if self.new_leads else None


@dataclass(frozen=True)
class ForecastMonth:
    """Open deals expected in one month (``bucket`` ``2026-12``), or before this month (``past``), or with no
    date (``undated``): how many, 预计成交金额 and 加权金额 (× 实际赢率)."""

    bucket: str
    deals: int
    expected: float
    weighted: float


@dataclass(frozen=True)
class ParetoBar:
    """One reason: its code (``None``: not given), how many customers name it, its share of all the
    mentions and the running share up to it (bars come most frequent first)."""

    code: Any
    count: int
    share: float
    cumulative: float


def _compiled(base: Base, actor: Actor, today: dt.date, filters: tuple[Filter, ...]) -> tuple[Compiler, str]:
    compiler = Compiler(base, today, actor)
    return compiler, compiler.where(base.table("customers"), Query("customers", filters=filters))


def _choice_codes(base: Base, column_name: str) -> list:
    column = base.table("customers").column(column_name)
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    return [option.code for option in kind.options] if isinstance(kind, Choice) else []


def breakdowns(db: sqlite_utils.Database, period: Period, names: tuple[str, ...] = BREAKDOWNS, *, actor: Actor,
               today: dt.date | None = None, base: Base | None = None) -> dict[str, list[Breakdown]]:
    """Customers created in the period, per value of each column of ``names`` (:data:`BREAKDOWNS`): every
    option in its order (0 where none), other values after them, the empty ones last if any. One scan of the
    customers for all of them (grouped by every column at once, added up here): on a large base each scan
    is most of the cost. Raises ValueError for a column not in :data:`BREAKDOWNS`."""
    unknown = [name for name in names if name not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"no breakdown by {unknown[0]!r}")
    base = base or load_base(db)
    table = base.table("customers")
    compiler, where = _compiled(base, actor, today or dt.date.today(), period.filters("created_on"))
    values = ", ".join(compiler.expression(table, table.column(name)) for name in names)
    groups = ", ".join(str(index) for index in range(1, len(names) + 1))
    rows = db.execute(
        f"SELECT {values}, COUNT(*), SUM(t.stage = 'won'), TOTAL(CASE WHEN t.stage = 'won' THEN t.won_amount END) "
        f"FROM {quote(table.name)} t WHERE {where} GROUP BY {groups}", compiler.params).fetchall()
    result = {}
    for index, name in enumerate(names):
        found: dict[Any, list] = {}
        for row in rows:
            totals = found.setdefault(row[index], [0, 0, 0.0])
            totals[0] += row[-3]
            totals[1] += row[-2] or 0
            totals[2] += row[-1] or 0.0
        codes = _choice_codes(base, name)
        ordered = [*codes, *(code for code in found if code not in codes and code is not None)]
        ordered += [None] if None in found else []
        result[name] = [Breakdown(code, *found.get(code, (0, 0, 0.0))) for code in ordered]
    return result


def breakdown(db: sqlite_utils.Database, period: Period, column_name: str, *, actor: Actor,
              today: dt.date | None = None, base: Base | None = None) -> list[Breakdown]:
    """:func:`breakdowns` by one column."""
    return breakdowns(db, period, (column_name,), actor=actor, today=today, base=base)[column_name]


def breakdown_query(period: Period, column_name: str, code: Any) -> Query:
    """The customers behind one bar of :func:`breakdown`."""
    return Query("customers", filters=(*period.filters("created_on"), Filter(column_name, "in", (code,))))


def weakest_group(groups: list[Breakdown]) -> Breakdown | None:
    """The group (with a value and at least :data:`MIN_GROUP` customers) with the lowest share won."""
    sized = [g for g in groups if g.code is not None and g.customers >= MIN_GROUP]
    return min(sized, key=lambda g: (g.rate, -g.customers)) if sized else None


def funnel(db: sqlite_utils.Database, period: Period, *, actor: Actor, today: dt.date | None = None,
           stages: list[Breakdown] | None = None) -> list[charts.FunnelStep]:
    """The funnel of the customers created in the period (see :func:`db.charts.funnel`); ``stages``: their
    breakdown by 销售阶段, when already counted."""
    counts = None if stages is None else {group.code: group.customers for group in stages}
    return charts.funnel(db, actor=actor, today=today, narrowed=period.narrowing("created_on"), counts=counts)


def funnel_query(period: Period, stage: str) -> Query:
    """The customers behind a funnel bar: created in the period and at ``stage`` or a later one."""
    later = FUNNEL_STAGES[FUNNEL_STAGES.index(stage):]
    return Query("customers", filters=(*period.filters("created_on"), Filter("stage", "in", later)))


def weakest(steps: list[charts.FunnelStep]) -> Weakest | None:
    """The step into the stage with the lowest stage-to-stage conversion (ties: the earlier step), or
    ``None`` when no step has a rate."""
    found = None
    for previous, step in itertools.pairwise(steps):
        if step.step_rate is not None and (found is None or step.step_rate < found.rate):
            found = Weakest(previous.stage, step.stage, step.step_rate)
    return found


def activity_days(db: sqlite_utils.Database, period: Period, *, actor: Actor, today: dt.date | None = None,
                  base: Base | None = None) -> list[tuple[str, Any, Any, int]]:
    """``[(day, 跟进人, 跟进方式, follow-ups), …]`` logged in the period on the customers the filters keep: one
    pass over the follow-ups (by the ``(time, person_id, method, customer_id)`` index, migration m018) that
    :func:`activity` and :func:`leaderboard` both read from."""
    base = base or load_base(db)
    compiler, where = _compiled(base, actor, today or dt.date.today(), period.filters())
    start = compiler.param(period.start.isoformat())
    after_end = compiler.param((period.end + dt.timedelta(days=1)).isoformat())
    return db.execute(
        f"SELECT substr(f.time, 1, 10), f.person_id, f.method, COUNT(*) {follow_ups_of(where)} "
        f"AND f.time >= {start} AND f.time < {after_end} GROUP BY 1, 2, 3", compiler.params).fetchall()


def activity(days: list[tuple[str, Any, Any, int]], by: str) -> list[tuple[str, Any, int]]:
    """``[(monday, value, follow-ups), …]`` from :func:`activity_days`: per week (its Monday, ``2026-11-23``)
    and per ``by`` (:data:`ACTIVITY_BY`: 跟进人 or 跟进方式); weeks in order, the busiest first within a
    week. Raises ValueError for another column."""
    if by not in ACTIVITY_BY:
        raise ValueError(f"no activity by {by!r}")
    weeks: dict[tuple[str, Any], int] = {}
    for day, person, method, count in days:
        date = dt.date.fromisoformat(day)
        key = ((date - dt.timedelta(days=date.weekday())).isoformat(), person if by == "person_id" else method)
        weeks[key] = weeks.get(key, 0) + count
    return [(week, value, count) for (week, value), count in
            sorted(weeks.items(), key=lambda item: (item[0][0], -item[1], str(item[0][1])))]


def leaderboard(db: sqlite_utils.Database, period: Period, *, actor: Actor, today: dt.date | None = None,
                base: Base | None = None, days: list[tuple[str, Any, Any, int]] | None = None) -> list[Standing]:
    """One line per owner of the customers the filters keep (the 公海 as ``None``): customers owned now,
    created in the period, follow-ups they logged in the period (from ``days``, :func:`activity_days`, read
    when not given), won in the period and its amount, and overdue now. Best first: by amount won, then
    deals won, then follow-ups."""
    today = today or dt.date.today()
    base = base or load_base(db)
    table = base.table("customers")
    compiler, where = _compiled(base, actor, today, period.filters())
    p = compiler.param
    start, end = p(period.start.isoformat()), p(period.end.isoformat())
    created = f"t.created_on BETWEEN {start} AND {end}"
    won = f"(t.stage = 'won' AND t.won_on BETWEEN {start} AND {end})"  # as db.kpis: at 成交 now
    due = compiler.expression(table, table.column("due_on"))
    owners = db.execute(
        # +t.owner_id: grouping by the owner index would read the customers in owner order, twice as slow
        f"SELECT +t.owner_id, COUNT(*), SUM({created}), SUM({won}), TOTAL(CASE WHEN {won} THEN t.won_amount END), "
        f"SUM({created} AND t.stage = 'won'), SUM({due} < {p(today.isoformat())}) "
        f"FROM {quote(table.name)} t WHERE {where} GROUP BY 1", compiler.params).fetchall()
    logged: dict[int, int] = {}
    for _, person, _, count in days if days is not None else activity_days(db, period, actor=actor, today=today,
                                                                            base=base):
        if person is not None:
            logged[person] = logged.get(person, 0) + count
    lines = {owner: Standing(owner, customers, new or 0, logged.pop(owner, 0) if owner is not None else 0,
                             won_count or 0, amount or 0.0, new_won or 0, overdue or 0)
             for owner, customers, new, won_count, amount, new_won, overdue in owners}
    for person, count in logged.items():  # logged follow-ups on customers someone else owns
        lines[person] = Standing(person, 0, 0, count, 0, 0.0, 0, 0)
    return sorted(lines.values(), key=lambda s: (s.owner_id is None, -s.won_amount, -s.won, -s.follow_ups,
                                                 s.owner_id or 0))


def forecast(db: sqlite_utils.Database, period: Period, *, actor: Actor, today: dt.date | None = None,
             base: Base | None = None) -> list[ForecastMonth]:
    """Open deals (not 成交, not 输单, with a 预计成交金额) of the customers the filters keep, by the month of
    their 预计成交日期 from this month on; ``past`` first (expected before this month, still open) and
    ``undated`` last, each only when there are any."""
    today = today or dt.date.today()
    base = base or load_base(db)
    table = base.table("customers")
    compiler, where = _compiled(base, actor, today, (*period.filters(), OPEN,
                                                     Filter("expected_amount", "not_empty", ())))
    month = compiler.param(today.replace(day=1).isoformat())
    weighted = compiler.expression(table, table.column("weighted_amount"))
    bucket = (f"CASE WHEN t.expected_on IS NULL OR t.expected_on = '' THEN 'undated' "
              f"WHEN t.expected_on < {month} THEN 'past' ELSE substr(t.expected_on, 1, 7) END")
    rows = db.execute(
        f"SELECT {bucket}, COUNT(*), TOTAL(t.expected_amount), TOTAL({weighted}) FROM {quote(table.name)} t "
        f"WHERE {where} GROUP BY 1", compiler.params).fetchall()
    order = {"past": "0", "undated": "9"}
    return [ForecastMonth(b, n, expected, round(weight, 2))
            for b, n, expected, weight in sorted(rows, key=lambda row: order.get(row[0], row[0]))]


def forecast_query(period: Period, bucket: str, today: dt.date | None = None) -> Query:
    """The open deals behind one bar of :func:`forecast`."""
    month = (today or dt.date.today()).replace(day=1)
    if bucket == "undated":
        dated = Filter("expected_on", "empty", ())
    elif bucket == "past":
        dated = Filter("expected_on", "between", (None, (month - dt.timedelta(days=1)).isoformat()))
    else:
        first = dt.date.fromisoformat(f"{bucket}-01")
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        dated = Filter("expected_on", "between", (first.isoformat(), last.isoformat()))
    return Query("customers", filters=(*period.filters(), OPEN, Filter("expected_amount", "not_empty", ()), dated))


def _pareto_filters(period: Period, column_name: str) -> tuple[Filter, ...]:
    if PARETOS.get(column_name) == "lost":  # lost in the period: moved to 输单 then
        return (*period.filters("stage_changed_at"), Filter("stage", "in", ("lost",)))
    if PARETOS.get(column_name) == "won":
        return (*period.filters("won_on"), Filter("stage", "in", ("won",)))
    raise ValueError(f"no Pareto chart of {column_name!r}")


def pareto(db: sqlite_utils.Database, period: Period, column_name: str, *, actor: Actor,
           today: dt.date | None = None, base: Base | None = None) -> list[ParetoBar]:
    """流失原因 (customers lost in the period) or 成交关键因素 (won in the period; a customer may name
    several) as Pareto bars: most frequent first, the empty ones last. Raises ValueError for another column."""
    filters = _pareto_filters(period, column_name)
    base = base or load_base(db)
    table = base.table("customers")
    column = table.column(column_name)
    compiler, where = _compiled(base, actor, today or dt.date.today(), filters)
    value = f"t.{quote(column.name)}"
    if isinstance(column.type, MultiChoice):
        sql = (f"SELECT tag.value, COUNT(*) FROM {quote(table.name)} t JOIN json_each(CASE WHEN "
               f"json_valid({value}) AND {value} != '[]' THEN {value} ELSE '[null]' END) tag WHERE {where} GROUP BY 1")
    else:
        sql = f"SELECT {value}, COUNT(*) FROM {quote(table.name)} t WHERE {where} GROUP BY 1"
    counts = db.execute(sql, compiler.params).fetchall()
    total = sum(count for _, count in counts) or 1
    bars, running = [], 0
    for code, count in sorted(counts, key=lambda row: (row[0] is None, -row[1], str(row[0]))):
        running += count
        bars.append(ParetoBar(code, count, count / total, running / total))
    return bars


def pareto_query(period: Period, column_name: str, code: Any) -> Query:
    """The customers behind one bar of :func:`pareto` (``None``: those who gave no reason)."""
    filters = _pareto_filters(period, column_name)
    tags = isinstance(CUSTOMERS.column(column_name).type, MultiChoice)  # built-in: its type is the template's
    if code is None:
        chosen = Filter(column_name, "empty", ())
    else:
        chosen = Filter(column_name, "any_tag" if tags else "in", (code,))
    return Query("customers", filters=(*filters, chosen))


@dataclass(frozen=True)
class Analyses:
    """Everything the 看板's analyses and the 周报/月报 show for one period (a few hundred numbers)."""

    period: Period
    base: Base  # the schema the numbers were read with: its labels are the ones to show
    kpis: Kpis
    funnel: list[charts.FunnelStep]
    weakest: Weakest | None
    breakdowns: dict[str, list[Breakdown]]
    activity: dict[str, list[tuple[str, Any, int]]]  # by ACTIVITY_BY
    leaderboard: list[Standing]
    forecast: list[ForecastMonth]
    paretos: dict[str, list[ParetoBar]]

    @property
    def weakest_groups(self) -> dict[str, Breakdown]:
        """Per breakdown by 评分等级, 潜力等级, 来源渠道 and 所属行业, its weakest group (where one is)."""
        found = {name: weakest_group(self.breakdowns[name]) for name in ("score_grade", "grade", "source", "industry")}
        return {name: group for name, group in found.items() if group is not None}


def analyses(db: sqlite_utils.Database, period: Period, *, actor: Actor, today: dt.date | None = None) -> Analyses:
    """Every analysis of this module and the KPI tiles for ``period``, over what ``actor`` sees."""
    today = today or dt.date.today()
    base = load_base(db)
    groups = breakdowns(db, period, actor=actor, today=today, base=base)
    steps = funnel(db, period, actor=actor, today=today, stages=groups["stage"])
    days = activity_days(db, period, actor=actor, today=today, base=base)
    board = leaderboard(db, period, actor=actor, today=today, base=base, days=days)
    return Analyses(
        period=period,
        base=base,
        kpis=kpis(db, period, actor=actor, today=today, overdue=sum(line.overdue for line in board)),
        funnel=steps,
        weakest=weakest(steps),
        breakdowns=groups,
        activity={by: activity(days, by) for by in ACTIVITY_BY},
        leaderboard=board,
        forecast=forecast(db, period, actor=actor, today=today, base=base),
        paretos={name: pareto(db, period, name, actor=actor, today=today, base=base) for name in PARETOS},
    )


def version(db: sqlite_utils.Database) -> tuple:
    """What changes whenever a number of the analyses may have: the latest history entry (every save, undo,
    pool move and merge writes one), the schema (fields added or changed) and the rules. The 看板 keeps
    analyses read for a version a short while, so a click on a bar does not count everything again."""
    return db.execute(
        "SELECT (SELECT MAX(id) FROM history), (SELECT schema_version FROM pragma_schema_version), "
        "(SELECT group_concat(key || '=' || value, ';') FROM settings WHERE key LIKE 'rule.%')").fetchone()
