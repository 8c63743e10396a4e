"""Reading rows: one page at a time, with computed columns done in SQL.

A :class:`Query` is data (table, search text, filters joined by "all" or
"any", sort keys, page). It is compiled to SQL here and nowhere else. Computed columns (:class:`Rollup`,
:class:`DaysSince`) become correlated subqueries; they are evaluated only for
the rows of the page shown, unless the query sorts or filters by them.
Identifiers come from the schema and are quoted; every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import sqlite_utils

from db.access import SCOPE_COLUMNS, Actor, scope
from db.errors import RowNotFound
from db.fields import load_base
from db.sql import quote
from schema.formula import COMPARISONS, FormulaError, Node, formula_column, parse
from schema.model import Base, Column, Table
from schema.types import (
    Attachments,
    Checkbox,
    Choice,
    ChurnRisk,
    DaysSince,
    Derived,
    DueOn,
    Formula,
    Lifecycle,
    Link,
    Lookup,
    ModifiedAt,
    MultiChoice,
    Phone,
    RevenueTier,
    Rollup,
    ScoreGrade,
    ScoreTotal,
    StageChangedAt,
    StageRate,
    UrgencyClass,
)

#: How deep formulas may refer to formulas (a cycle is refused when saved; this is the backstop).
MAX_FORMULA_DEPTH = 20
#: How deep lookups and rollups may nest through each other (SQLite's parser has a bounded stack).
MAX_SUBQUERY_DEPTH = 8

#: How many linked records a cell lists at most (the rest are counted by a rollup, not listed).
LIST_LIMIT = 50

#: Filter operations a :class:`Filter` may use.
FILTER_OPS = ("in", "not_in", "any_tag", "between", "older_than_days", "label_contains", "compare", "contains",
              "not_contains", "empty", "not_empty")
#: Comparisons a ``compare`` filter may make (the only operators that reach SQL text).
COMPARATORS = ("=", "!=", ">", ">=", "<", "<=")

#: How a query joins its filters: every one must hold (全部满足), or at least one (任一满足).
MATCHES = ("all", "any")

#: At most this many groups are counted by :func:`group_counts` (the largest, for links).
MAX_GROUPS = 50


def error_key(name: str) -> str:
    """The key under which a row read by :func:`fetch_page` says why formula ``name`` failed on it."""
    return f"!{name}"


def holds(column: Column) -> str:
    """SQL true when link ``column`` of the row holds the id bound to ``?`` (one of several, if it takes several)."""
    link = quote(column.name)
    if isinstance(column.type, Link) and column.type.multiple:
        return f"({link} IS NOT NULL AND json_valid({link}) AND ? IN (SELECT value FROM json_each({link})))"
    return f"{link} = ?"


@dataclass(frozen=True)
class Filter:
    """One condition on one column.

    - ``in``: the stored value is one of ``values`` (``None`` stands for empty);
    - ``any_tag``: a multi-choice cell holds at least one of ``values``;
    - ``between``: ``values`` is ``(low, high)``, either may be ``None``; dates
      compare by day, so a high of ``2026-11-08`` includes that whole day;
    - ``older_than_days``: the date is more than ``values[0]`` days before
      today, or empty (未跟进超过 30 天 includes customers never followed up);
    - ``label_contains``: a link whose row's label contains ``values[0]``
      (follow-ups of customers whose name contains 瑞拓);
    - ``not_in``: the value is none of ``values`` (empty counts as none of them);
    - ``compare``: ``values`` is ``(comparator, value)``, one of
      :data:`COMPARATORS` (跟进次数 = 0, 预计成交金额 ≥ 100000, 下次跟进时间 < 2026-12-01);
    - ``contains`` / ``not_contains``: text holding ``values[0]`` (case-blind for
      Latin letters), or not (empty counts as not);
    - ``empty`` / ``not_empty``: nothing there (NULL or blank), or something.
    """

    column: str
    op: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if self.op not in FILTER_OPS:
            raise ValueError(f"unknown filter operation {self.op!r}")
        if self.op == "compare" and (len(self.values) != 2 or self.values[0] not in COMPARATORS):
            raise ValueError(f"a comparison needs one of {COMPARATORS} and a value")


@dataclass(frozen=True)
class Query:
    """What a grid asks for: one page of a table.

    ``match`` joins ``filters``: ``all`` (every one holds) or ``any`` (at least
    one). ``narrow`` filters always hold (the group picked above a grid), as
    does ``search``; and whatever they say, only rows the actor may see match.
    ``sort`` and ``descending`` are the first sort key; ``then`` the further ones
    (然后按), each ``(column, descending)``, used only with a ``sort``.
    """

    table: str
    search: str = ""
    filters: tuple[Filter, ...] = ()
    sort: str | None = None
    descending: bool = False
    page: int = 1
    page_size: int = 100
    match: str = "all"
    narrow: tuple[Filter, ...] = ()
    then: tuple[tuple[str, bool], ...] = ()

    def __post_init__(self) -> None:
        if self.match not in MATCHES:
            raise ValueError(f"unknown match {self.match!r}")

    @property
    def offset(self) -> int:
        """Rows skipped before this page."""
        return (max(self.page, 1) - 1) * self.page_size


def _like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own wildcards in ``text`` escaped (a search for ``%`` finds a percent sign)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Compiler:
    """Turns schema columns and queries into SQL text plus named parameters."""

    base: Base
    today: dt.date
    actor: Actor | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def param(self, value: Any) -> str:
        """A fresh named parameter bound to ``value``."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def expression(self, table: Table, column: Column, alias: str = "t", depth: int = 0) -> str:
        """SQL for the value of ``column`` on a row of ``table`` aliased ``alias``."""
        kind = column.type
        if isinstance(kind, Formula):
            if depth > MAX_FORMULA_DEPTH:  # cycles are refused when a formula is saved; this is a backstop
                return "NULL"
            try:
                return self.formula(table, parse(kind.expression), alias, depth + 1)
            except FormulaError:
                return "NULL"  # a formula that no longer parses shows empty cells, never a broken page
        if isinstance(kind, Rollup):
            return f"{alias}.{quote(column.name)}" if kind.stored else self._rollup(kind, alias, depth)
        if isinstance(kind, Lookup):
            if depth > MAX_SUBQUERY_DEPTH:  # loops across tables are refused when saved; a backstop
                return "NULL"
            target = self.base.table(kind.table)
            if not target.has_column(kind.column):
                return "NULL"  # the looked-up field went to the trash
            looked_up = target.column(kind.column)
            value = self.expression(target, looked_up, "l", depth + 1)
            if isinstance(looked_up.type, Link):  # a link shows the linked row's label (the customer's 负责人)
                value = self.link_labels(looked_up.type, value)
            via = table.column(kind.via).type if table.has_column(kind.via) else None
            if isinstance(via, Link) and via.multiple:  # one value per linked record, listed
                return (f"(SELECT group_concat(v, '、') FROM (SELECT {value} AS v FROM {quote(target.name)} l "
                        f"WHERE l.id IN (SELECT value FROM json_each({alias}.{quote(kind.via)}))"
                        f"{self.scoped(target.name, 'l')} ORDER BY l.id LIMIT {LIST_LIMIT}))")
            implied = SCOPE_COLUMNS.get(table.name) == kind.via  # a visible follow-up's customer is visible
            return (f"(SELECT {value} FROM {quote(target.name)} l WHERE l.id = {alias}.{quote(kind.via)}"
                    f"{'' if implied else self.scoped(target.name, 'l')})")
        if isinstance(kind, ModifiedAt):
            return f"substr({alias}.updated_at, 1, 16)"
        if isinstance(kind, ScoreTotal):  # NULL + anything is NULL: empty until all four are scored
            return "(" + " + ".join(f"{alias}.{quote(name)}" for name in kind.columns) + ")"
        if isinstance(kind, ScoreGrade):
            total = self.expression(table, table.column(kind.total), alias, depth + 1)
            return (f"(CASE WHEN {total} >= {int(kind.a_cut)} THEN 'A' WHEN {total} >= {int(kind.b_cut)} THEN 'B' "
                    f"WHEN {total} IS NOT NULL THEN 'C' END)")
        if isinstance(kind, DueOn):
            return self._due_on(table, kind, alias, depth)
        if isinstance(kind, RevenueTier):
            return self._tier(table, kind, alias)
        if isinstance(kind, ChurnRisk):
            return self._churn_risk(table, kind, alias, depth)
        if isinstance(kind, Lifecycle):
            risk = self.expression(table, table.column(kind.risk), alias, depth + 1)
            last = self.expression(table, table.column(kind.last), alias, depth + 1)
            gone = self.param((self.today - dt.timedelta(days=int(kind.leave_days))).isoformat())
            stage = f"{alias}.{quote(kind.stage)}"
            return (f"(CASE WHEN {stage} = 'lost' OR date(COALESCE({last}, {alias}.{quote(kind.created)})) <= {gone} "
                    f"THEN 'leaving' WHEN {stage} IN ('lead', 'intent') OR {stage} IS NULL THEN 'acquisition' "
                    f"WHEN {stage} IN ('proposal', 'negotiation') THEN 'growth' "
                    f"WHEN {risk} = 1 THEN 'decline' ELSE 'maturity' END)")
        if isinstance(kind, UrgencyClass):
            due = self.expression(table, table.column(kind.due), alias, depth + 1)
            days = f"(julianday({due}) - julianday({self.param(self.today.isoformat())}))"
            return (f"(CASE WHEN {due} IS NULL THEN NULL WHEN {days} <= {int(kind.urgent)} THEN 'urgent' "
                    f"WHEN {days} <= {int(kind.soon)} THEN 'soon' WHEN {days} <= {int(kind.later)} THEN 'later' "
                    "ELSE 'slow' END)")
        if isinstance(kind, StageRate):
            return self._stage_rate(kind, alias)
        if isinstance(kind, StageChangedAt):
            if kind.stored:
                return f"{alias}.{quote(column.name)}"
            return (f"(SELECT s.at FROM {quote(kind.table)} s WHERE s.customer_id = {alias}.id "
                    "ORDER BY s.id DESC LIMIT 1)")
        if isinstance(kind, Attachments):
            return self._attachments(table, column, alias)
        if isinstance(kind, DaysSince):
            source = self.expression(table, table.column(kind.column), alias)
            return f"CAST(julianday({self.param(self.today.isoformat())}) - julianday(date({source})) AS INTEGER)"
        return f"{alias}.{quote(column.name)}"

    def formula(self, table: Table, node: Node, alias: str, depth: int) -> str:
        """SQL for a parsed formula on a row of ``table`` (see schema/formula.py for the language)."""
        def sql(child: Node) -> str:
            return self.formula(table, child, alias, depth)

        if node.kind in ("number", "text"):
            return self.param(node.value)
        if node.kind == "bool":
            return "1" if node.value else "0"
        if node.kind == "ref":
            column = formula_column(table, node.value)
            if column is None:
                return "NULL"
            value = self.expression(table, column, alias, depth)
            kind = getattr(column.type, "result", column.type)
            if isinstance(kind, Choice) and not isinstance(kind, MultiChoice):  # shown by its label
                cases = " ".join(f"WHEN {self.param(o.code)} THEN {self.param(o.label.zh)}" for o in kind.options)
                return f"(CASE {value} {cases} ELSE {value} END)"
            return value
        if node.kind == "neg":
            return f"(-{sql(node.args[0])})"
        if node.kind == "op":
            left, right = node.args
            if node.value in COMPARISONS:
                left_sql, right_sql = self._comparable(table, left, right, alias, depth)
                return f"({left_sql} {node.value} {right_sql})"
            if node.value == "&":
                return f"(COALESCE({sql(left)}, '') || COALESCE({sql(right)}, ''))"
            if node.value == "/":
                return f"({sql(left)} * 1.0 / NULLIF({sql(right)}, 0))"  # ÷ 0: an empty cell, not an error
            return f"({sql(left)} {node.value} {sql(right)})"
        args = [sql(arg) for arg in node.args]
        name = node.value
        if name == "IF":
            return f"(CASE WHEN {args[0]} THEN {args[1]} ELSE {args[2]} END)"
        if name in ("AND", "OR"):
            return "(" + f" {name} ".join(f"({a})" for a in args) + ")"
        if name == "NOT":
            return f"(NOT ({args[0]}))"
        if name == "CONCAT":
            return "(" + " || ".join(f"COALESCE({a}, '')" for a in args) + ")"
        if name == "LEFT":
            return f"substr({args[0]}, 1, {args[1]})"
        if name == "RIGHT":
            return f"substr({args[0]}, -({args[1]}))"
        if name == "LEN":
            return f"length({args[0]})"
        if name == "ROUND":
            return f"round({args[0]}, {args[1] if len(args) > 1 else 0})"
        if name == "ABS":
            return f"abs({args[0]})"
        if name == "TODAY":
            return self.param(self.today.isoformat())
        if name == "DAYS_BETWEEN":
            return f"CAST(julianday(date({args[1]})) - julianday(date({args[0]})) AS INTEGER)"
        if name == "DATE_ADD":
            return f"date({args[0]}, printf('%+d days', {args[1]}))"
        raise FormulaError("formula.unknown_function", name=name)  # pragma: no cover - the parser checks

    def _comparable(self, table: Table, left: Node, right: Node, alias: str, depth: int) -> tuple[str, str]:
        """Both sides of a comparison; a select field compared with text compares option codes
        (``{销售阶段} = "成交"`` matches the label in either language, or the code)."""
        sides = []
        for this, other in ((left, right), (right, left)):
            column = formula_column(table, this.value) if this.kind == "ref" else None
            kind = getattr(column.type, "result", column.type) if column else None
            if isinstance(kind, Choice) and not isinstance(kind, MultiChoice) and other.kind == "text":
                sides.append(self.expression(table, column, alias, depth))
            elif this.kind == "text" and other.kind == "ref":
                target = formula_column(table, other.value)
                target_kind = getattr(target.type, "result", target.type) if target else None
                if isinstance(target_kind, Choice) and not isinstance(target_kind, MultiChoice):
                    code = next((o.code for o in target_kind.options
                                 if this.value.casefold() in (o.code.casefold(), o.label.zh.casefold(),
                                                              o.label.en.casefold())), this.value)
                    sides.append(self.param(code))
                else:
                    sides.append(self.formula(table, this, alias, depth))
            else:
                sides.append(self.formula(table, this, alias, depth))
        return sides[0], sides[1]

    def _tier(self, table: Table, tier: RevenueTier, alias: str) -> str:
        """S/A/B/C/D by comparing the row's amount with the cut amounts ``load_base`` put into the type
        (db/tiers.py): four parameters, no ranking of the customers on each read."""
        amount = f"{alias}.{quote(tier.amount)}"
        cases = " ".join(f"WHEN {amount} >= {self.param(cut)} THEN '{name}'"
                         for name, cut in zip("SABC", tier.amounts, strict=True) if cut is not None)
        return f"(CASE WHEN {amount} IS NULL OR {amount} <= 0 THEN NULL {cases} ELSE 'D' END)"

    def _churn_risk(self, table: Table, risk: ChurnRisk, alias: str, depth: int) -> str:
        """1 for a customer at risk of being lost (see ``ChurnRisk``), else 0; two index range counts per row."""
        last = self.expression(table, table.column(risk.last), alias, depth + 1)
        cutoff = self.param((self.today - dt.timedelta(days=int(risk.days))).isoformat())
        recent_from = self.param((self.today - dt.timedelta(days=90)).isoformat())
        earlier_from = self.param((self.today - dt.timedelta(days=180)).isoformat())
        counted = (f"SELECT COUNT(*) FROM {quote(risk.table)} f WHERE f.{quote(risk.via)} = {alias}.id "
                   f"AND f.{quote(risk.time)}")
        recent = f"({counted} >= {recent_from})"
        earlier = f"({counted} >= {earlier_from} AND f.{quote(risk.time)} < {recent_from})"
        stage = f"{alias}.{quote(risk.stage)}"
        return (f"(CASE WHEN {last} IS NULL OR {stage} = 'lost' THEN 0 WHEN date({last}) <= {cutoff} THEN 1 "
                f"WHEN {earlier} >= 2 AND {recent} * 100 < {earlier} * {100 - int(risk.drop)} THEN 1 ELSE 0 END)")

    def _due_on(self, table: Table, due: DueOn, alias: str, depth: int) -> str:
        """The date the latest follow-up planned, else the last follow-up (or creation) plus the cadence
        of the row's grade; the numbers are the base's rules, written as integers (never user text)."""
        planned = (f"(SELECT p.{quote(due.planned)} FROM {quote(due.table)} p WHERE p.{quote(due.via)} = {alias}.id "
                   f"ORDER BY p.{quote(due.order_by)} DESC, p.id DESC LIMIT 1)")
        grades = [self.expression(table, table.column(name), alias, depth + 1) for name in due.grades]
        grade = f"COALESCE({', '.join(grades)}, 'C')" if grades else "'C'"
        a_days, b_days, c_days = (int(days) for days in due.cadence)
        last = self.expression(table, table.column(due.last), alias, depth + 1)
        created = f"{alias}.{quote(due.created)}"
        cadence = (f"date({last}, '+' || (CASE {grade} WHEN 'A' THEN {a_days} WHEN 'B' THEN {b_days} "
                   f"ELSE {c_days} END) || ' days')")
        return f"COALESCE({planned}, CASE WHEN {last} IS NULL THEN date({created}) ELSE {cadence} END)"

    def link_labels(self, link: Link, value: str) -> str:
        """SQL for what a link cell shows: the linked record's label, or the labels of several (、-joined),
        only those the actor may see."""
        target = self.base.table(link.table)
        label = f"n.{quote(target.label_column)}"
        if link.multiple:
            return (f"(SELECT group_concat(v, '、') FROM (SELECT {label} AS v FROM {quote(target.name)} n "
                    f"WHERE n.id IN (SELECT value FROM json_each({value})){self.scoped(target.name, 'n')} "
                    f"ORDER BY n.id LIMIT {LIST_LIMIT}))")
        return f"(SELECT {label} FROM {quote(target.name)} n WHERE n.id = {value}{self.scoped(target.name, 'n')})"

    def _links_here(self, rollup: Rollup, alias: str, r: str = "r") -> tuple[str, str]:
        """``(FROM, WHERE)`` SQL for the source rows ``r`` that link to row ``alias``: through one link
        (an indexed column), or among several — through ``link_pairs``, kept by triggers, so that the
        records linking here are found by index rather than by reading every list."""
        source = self.base.table(rollup.table)
        via = source.column(rollup.via).type if source.has_column(rollup.via) else None
        if isinstance(via, Link) and via.multiple:
            pairs = f"{r}_pairs"
            return (f"link_pairs {pairs} JOIN {quote(source.name)} {r} ON {r}.id = {pairs}.row_id",
                    f"{pairs}.table_name = {self.param(source.name)} AND {pairs}.field = {self.param(rollup.via)} "
                    f"AND {pairs}.target_id = {alias}.id")
        return f"{quote(source.name)} {r}", f"{r}.{quote(rollup.via)} = {alias}.id"

    def _stage_rate(self, kind: StageRate, alias: str) -> str:
        """实际赢率: a decided stage's fixed rate, else the row's own rate, else its stage's default.

        A CASE on the row's own columns (no subquery), with the rates as parameters: as fast as
        reading a column, sortable and filterable like one.
        """
        stage, own = f"{alias}.{quote(kind.stage)}", f"{alias}.{quote(kind.column)}"
        decided = " ".join(f"WHEN {self.param(code)} THEN {self.param(int(rate))}" for code, rate in kind.decided)
        defaults = " ".join(f"WHEN {self.param(code)} THEN {self.param(int(rate))}" for code, rate in kind.defaults)
        fallback = f"(CASE {stage} {defaults} END)" if defaults else "NULL"
        if not decided:
            return f"COALESCE({own}, {fallback})"
        return f"(CASE {stage} {decided} ELSE COALESCE({own}, {fallback}) END)"

    def _attachments(self, table: Table, column: Column, alias: str) -> str:
        """``📎 2 · 名片.jpg``: how many files the row's field holds and the latest one's name (NULL if none).

        Both read only the covering index ``attachments_row``: no file is read for a grid.
        """
        where = (f"a.table_name = {self.param(table.name)} AND a.row_id = {alias}.id "
                 f"AND a.field = {self.param(column.name)} AND a.deleted_at IS NULL")
        latest = f"(SELECT a.file_name FROM attachments a WHERE {where} ORDER BY a.id DESC LIMIT 1)"
        return f"(SELECT '📎 ' || COUNT(*) || ' · ' || {latest} FROM attachments a WHERE {where} HAVING COUNT(*) > 0)"

    def _rollup(self, rollup: Rollup, alias: str, depth: int = 0) -> str:
        if depth > MAX_SUBQUERY_DEPTH:  # a rollup over a formula over a lookup of that rollup: a backstop
            return "NULL"
        r = f"r{depth}" if depth else "r"  # nested rollups must not shadow each other's rows
        rows, link = self._links_here(rollup, alias, r)
        # Count only what the actor may see — unless seeing this row already means seeing those (a
        # customer's follow-ups are visible exactly when the customer is), which saves a subquery.
        if SCOPE_COLUMNS.get(rollup.table) != rollup.via:
            link += self.scoped(rollup.table, r)
        if rollup.condition is not None:
            column, wanted = rollup.condition
            link += f" AND {r}.{quote(column)} = {self.param(wanted)}"
        if rollup.aggregate == "count":
            return f"(SELECT COUNT(*) FROM {rows} WHERE {link})"
        value = f"{r}.{quote(rollup.column)}"
        source_table = self.base.table(rollup.table) if self.base.has_table(rollup.table) else None
        if source_table is not None and source_table.has_column(rollup.column or ""):
            read = source_table.column(rollup.column)
            if read.computed:  # a formula, lookup or file summary of the linked records: worked out for each
                value = (self._attachments(source_table, read, r) if isinstance(read.type, Attachments)
                         else self.expression(source_table, read, r, depth + 1))
        if rollup.aggregate == "list":  # the labels of the linked records (the other side of a link)
            return f"(SELECT group_concat(v, '、') FROM (SELECT {value} AS v FROM {rows} WHERE {link} " \
                   f"ORDER BY {r}.id LIMIT {LIST_LIMIT}))"
        if rollup.aggregate in ("sum", "avg", "max", "min"):
            return f"(SELECT {rollup.aggregate.upper()}({value}) FROM {rows} WHERE {link})"
        if rollup.aggregate == "next":
            today = self.param(self.today.isoformat())
            return f"(SELECT MIN({value}) FROM {rows} WHERE {link} AND {value} >= {today})"
        if rollup.aggregate == "latest":
            order = f"{r}.{quote(rollup.order_by)}"
            return f"(SELECT {value} FROM {rows} WHERE {link} ORDER BY {order} DESC, {r}.id DESC LIMIT 1)"
        raise ValueError(f"unknown rollup aggregate {rollup.aggregate!r}")

    def sort_key(self, table: Table, column: Column) -> str:
        """SQL to order rows by ``column`` as a person expects.

        Options sort in their declared order (线索 before 意向), links by the
        linked row's label, everything else by value.
        """
        value = self.expression(table, column)
        kind = column.type.result if isinstance(column.type, Derived) else column.type
        if isinstance(kind, Link):
            return self.link_labels(kind, value)
        if isinstance(kind, Choice) and not isinstance(kind, MultiChoice):
            cases = " ".join(
                f"WHEN {self.param(option.code)} THEN {index}" for index, option in enumerate(kind.options)
            )
            # Empty stays NULL (sorted last either way); an unknown code goes after the known ones.
            return f"(CASE WHEN {value} IS NULL THEN NULL ELSE (CASE {value} {cases} ELSE {len(kind.options)} END) END)"
        return value

    def condition(self, table: Table, flt: Filter) -> str:
        """SQL for one filter."""
        column = table.column(flt.column)
        value = self.expression(table, column)
        several = isinstance(column.type, Link) and column.type.multiple
        if flt.op == "in":
            present = [v for v in flt.values if v is not None]
            parts = []
            if present and several:  # holds at least one of them
                parts.append(f"EXISTS (SELECT 1 FROM json_each({value}) "
                             f"WHERE json_each.value IN ({', '.join(self.param(v) for v in present)}))")
            elif present:
                parts.append(f"{value} IN ({', '.join(self.param(v) for v in present)})")
            if len(present) < len(flt.values):
                parts.append(f"{value} IS NULL")
            return "(" + " OR ".join(parts) + ")" if parts else "0"
        if flt.op == "not_in":
            present = [v for v in flt.values if v is not None]
            if several:
                listed = f"EXISTS (SELECT 1 FROM json_each({value}) WHERE json_each.value IN " \
                         f"({', '.join(self.param(v) for v in present)}))" if present else "0"
                return f"NOT ({listed})" if None not in flt.values else f"({value} IS NOT NULL AND NOT ({listed}))"
            outside = f"({value} IS NULL OR {value} NOT IN ({', '.join(self.param(v) for v in present)}))" \
                if present else "1"
            return f"({outside} AND {value} IS NOT NULL)" if None in flt.values else outside
        if flt.op == "compare":
            comparator, wanted = flt.values  # checked against COMPARATORS when the Filter was made
            if comparator == "!=":
                return f"({value} IS NULL OR {value} != {self.param(wanted)})"
            return f"({value} {comparator} {self.param(wanted)})"
        if flt.op in ("contains", "not_contains"):
            found = f"{value} LIKE {self.param(_like_pattern(str(flt.values[0])))} ESCAPE '\\'"
            return f"({found})" if flt.op == "contains" else f"({value} IS NULL OR NOT ({found}))"
        if flt.op == "empty":
            return f"({value} IS NULL OR {value} = '' OR {value} = '[]')"
        if flt.op == "not_empty":
            return f"({value} IS NOT NULL AND {value} != '' AND {value} != '[]')"
        if flt.op == "any_tag":
            tags = ", ".join(self.param(v) for v in flt.values)
            return f"EXISTS (SELECT 1 FROM json_each({value}) WHERE json_each.value IN ({tags}))" if tags else "1"
        if flt.op == "between":
            low, high = flt.values
            parts = []
            if low is not None:
                parts.append(f"{value} >= {self.param(str(low))}")
            if high is not None:
                # "up to 2026-11-08" includes 2026-11-08 14:30.
                day_after = dt.date.fromisoformat(str(high)[:10]) + dt.timedelta(days=1)
                parts.append(f"{value} < {self.param(day_after.isoformat())}")
            return " AND ".join(parts) or "1"
        if flt.op == "older_than_days":
            # "2026-10-23 10:00" < "2026-10-24" exactly when its date is earlier: no date() call,
            # so an index on the column serves the comparison.
            cutoff = self.today - dt.timedelta(days=int(flt.values[0]))
            return f"({value} IS NULL OR {value} < {self.param(cutoff.isoformat())})"
        if flt.op == "label_contains":
            target = self.base.table(column.type.table)
            label = f"l.{quote(target.label_column)}"
            pattern = self.param(_like_pattern(str(flt.values[0])))
            ids = (f"(SELECT l.id FROM {quote(target.name)} l WHERE {label} LIKE {pattern} ESCAPE '\\'"
                   f"{self.scoped(target.name, 'l')})")
            if several:
                return f"EXISTS (SELECT 1 FROM json_each({value}) WHERE json_each.value IN {ids})"
            return f"{value} IN {ids}"
        raise ValueError(flt.op)  # pragma: no cover - checked in Filter

    def search(self, table: Table, text: str) -> str:
        """SQL matching ``text`` anywhere in the table's searchable columns."""
        parts = []
        for column in table.columns:
            if not column.searchable:
                continue
            needle, value = text, self.expression(table, column)
            if isinstance(column.type, Phone):  # 138 0013 and 021-6234 find 13800138000 and 021-62345678
                needle = "".join(ch for ch in text if ch not in " -") or text
                value = f"REPLACE({value}, '-', '')"
            parts.append(f"{value} LIKE {self.param(_like_pattern(needle))} ESCAPE '\\'")
        return "(" + " OR ".join(parts) + ")" if parts else "1"

    def _scope(self, table_name: str, alias: str) -> str:
        """``access.scope`` for the actor, its ``?`` values bound as this compiler's named parameters."""
        condition, params = scope(self.actor, table_name, alias)
        for value in params:
            condition = condition.replace("?", self.param(value), 1)
        return condition

    def scoped(self, table_name: str, alias: str) -> str:
        """`` AND …`` limiting rows of ``table_name`` aliased ``alias`` to the actor's; empty for those
        who see everything (and for the system's own recomputations, which have no actor)."""
        condition = "1" if self.actor is None else self._scope(table_name, alias)
        return "" if condition == "1" else f" AND {condition}"

    def visible(self, table: Table) -> str:
        """SQL true for the rows the actor may see (always the first condition of a WHERE)."""
        if self.actor is None:
            raise ValueError("a query needs an actor")  # reads are never anonymous
        return self._scope(table.name, "t")

    def where(self, table: Table, query: Query) -> str:
        """The WHERE clause of ``query``, limited to the rows the actor may see.

        The actor's scope, the ``narrow`` filters and the search are AND-ed
        with the filters whether those are joined by ``all`` or by ``any``: "any"
        widens the filters, never what the actor may see.
        """
        parts = [self.visible(table)]
        conditions = [f"({self.condition(table, flt)})" for flt in query.filters]
        if query.match == "any" and len(conditions) > 1:
            parts.append("(" + " OR ".join(conditions) + ")")
        else:
            parts += conditions
        parts += [f"({self.condition(table, flt)})" for flt in query.narrow]
        if query.search.strip():
            parts.append(self.search(table, query.search.strip()))
        return " AND ".join(parts)

    def select_list(self, table: Table) -> str:
        """Every stored column, the row metadata and every computed column; for a formula that can fail
        on a row, also why it failed there (under :func:`error_key`, NULL where it did not)."""
        parts = [f"t.{quote(name)}" for name in ("id", "version", "updated_at", "updated_by")]
        parts += [f"{self.expression(table, column)} AS {quote(column.name)}" for column in table.columns]
        for column in table.columns:
            if isinstance(column.type, Formula):
                try:
                    failed = self.formula_error(table, parse(column.type.expression), "t", 1)
                except FormulaError:
                    failed = None
                if failed:
                    parts.append(f"{failed} AS {quote(error_key(column.name))}")
        return ", ".join(parts)

    def formula_error(self, table: Table, node: Node, alias: str, depth: int) -> str | None:
        """SQL naming why a formula fails on a row — ``div0`` (÷ 0), ``date`` (not a date) — or NULL where
        it does not; ``None`` when nothing in it can fail. A branch of IF that is not taken never fails."""
        if depth > MAX_FORMULA_DEPTH:
            return None
        if node.kind == "ref":
            column = formula_column(table, node.value)
            if column is not None and isinstance(column.type, Formula):  # a formula over a failing formula
                try:
                    return self.formula_error(table, parse(column.type.expression), alias, depth + 1)
                except FormulaError:
                    return None
            return None
        if node.kind == "call" and node.value == "IF":
            condition, then, otherwise = (self.formula_error(table, arg, alias, depth) for arg in node.args)
            if not (then or otherwise):
                return condition
            branches = (f"(CASE WHEN {self.formula(table, node.args[0], alias, depth)} "
                        f"THEN {then or 'NULL'} ELSE {otherwise or 'NULL'} END)")
            return f"COALESCE({condition}, {branches})" if condition else branches
        found = [error for error in (self.formula_error(table, arg, alias, depth) for arg in node.args) if error]
        if node.kind == "op" and node.value == "/":
            found.append(f"(CASE WHEN {self.formula(table, node.args[1], alias, depth)} = 0 THEN 'div0' END)")
        if node.kind == "call" and node.value in ("DATE_ADD", "DAYS_BETWEEN"):
            dates = node.args if node.value == "DAYS_BETWEEN" else node.args[:1]
            for arg in dates:
                value = self.formula(table, arg, alias, depth)
                found.append(f"(CASE WHEN {value} IS NOT NULL AND date({value}) IS NULL THEN 'date' END)")
        if not found:
            return None
        return found[0] if len(found) == 1 else f"COALESCE({', '.join(found)})"


def count_rows(db: sqlite_utils.Database, query: Query, *, actor: Actor, today: dt.date | None = None,
               base: Base | None = None) -> int:
    """How many rows ``actor`` may see match ``query``'s search and filters (``narrow`` too; all pages)."""
    base = base or load_base(db)
    table = base.table(query.table)
    compiler = Compiler(base, today or dt.date.today(), actor)
    where = compiler.where(table, query)
    sql = f"SELECT COUNT(*) FROM {quote(table.name)} t WHERE {where}"
    return db.execute(sql, compiler.params).fetchone()[0]


def groupable(column: Column) -> bool:
    """Whether rows can be grouped (and counted) by ``column``: a single select, a checkbox or a link,
    or a computed field yielding a single select or a checkbox."""
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    if isinstance(kind, Choice):
        return not isinstance(kind, MultiChoice)
    # A link holding several records belongs to several groups at once: charts count those (tags).
    return isinstance(kind, Checkbox) or (isinstance(kind, Link) and not kind.multiple and not column.computed)


@dataclass(frozen=True)
class Group:
    """Rows sharing one value of a column: the stored value (``None``: empty), the linked row's label
    for a link (``None`` when the actor may not see it), and how many rows."""

    value: Any
    label: str | None
    count: int


def group_counts(db: sqlite_utils.Database, query: Query, column_name: str, *, actor: Actor,
                 today: dt.date | None = None, base: Base | None = None) -> list[Group]:
    """How many rows ``actor`` may see match ``query`` (search, filters, narrow), per value of a column.

    Counted in SQL with GROUP BY. Options come in their declared order, other
    values with the most rows first, empty last; at most :data:`MAX_GROUPS`
    groups (those with the most rows). Raises ValueError for a column that
    cannot be grouped by (see :func:`groupable`), UnknownColumn for one that
    does not exist.
    """
    base = base or load_base(db)
    table = base.table(query.table)
    column = table.column(column_name)
    if not groupable(column):
        raise ValueError(f"{column.name} cannot be grouped by")
    compiler = Compiler(base, today or dt.date.today(), actor)
    where = compiler.where(table, query)
    value = compiler.expression(table, column)
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    label = "NULL"
    if isinstance(kind, Link):
        target = base.table(kind.table)
        label = (f"(SELECT l.{quote(target.label_column)} FROM {quote(target.name)} l WHERE l.id = g.v"
                 f"{compiler.scoped(target.name, 'l')})")
    order = "g.n DESC, g.v"
    if isinstance(kind, Choice):
        cases = " ".join(f"WHEN {compiler.param(o.code)} THEN {i}" for i, o in enumerate(kind.options))
        order = f"(CASE g.v {cases} ELSE {len(kind.options)} END), g.n DESC, g.v"
    sql = (f"SELECT g.v, {label}, g.n FROM (SELECT {value} AS v, COUNT(*) AS n FROM {quote(table.name)} t "
           f"WHERE {where} GROUP BY 1) g ORDER BY g.v IS NULL, {order} LIMIT {compiler.param(MAX_GROUPS)}")
    rows = db.execute(sql, compiler.params).fetchall()
    return [Group(value, label, count) for value, label, count in rows]


def fetch_page(
    db: sqlite_utils.Database, query: Query, *, actor: Actor, today: dt.date | None = None, base: Base | None = None
) -> list[dict[str, Any]]:
    """The rows of ``query``'s page that ``actor`` may see, in order, each a dict of every column.

    Two statements: the ids of the page (sorting and filtering in SQL), then
    those rows with their computed columns, so each computed value is worked
    out for at most ``page_size`` rows unless the sort or a filter needs it.
    """
    base = base or load_base(db)
    table = base.table(query.table)
    today = today or dt.date.today()
    compiler = Compiler(base, today, actor)
    id_sql = (f"{ordered_ids(compiler, table, query)} "
              f"LIMIT {compiler.param(query.page_size)} OFFSET {compiler.param(query.offset)}")
    ids = [row[0] for row in db.execute(id_sql, compiler.params).fetchall()]
    return rows_by_id(db, table, ids, actor=actor, today=today, base=base)


def ordered_ids(compiler: Compiler, table: Table, query: Query) -> str:
    """SQL selecting the ids of every row of ``query`` the compiler's actor may see, in the grid's order
    (all pages: the caller adds LIMIT/OFFSET for one). Its values are bound in ``compiler.params``."""
    where = compiler.where(table, query)
    if query.sort:
        keys = [_sort_term(compiler, table, query.sort, query.descending)]
        seen = {query.sort}
        for name, descending in query.then:  # 然后按: a column already sorted by cannot change the order
            if name not in seen:
                seen.add(name)
                keys.append(_sort_term(compiler, table, name, bool(descending)))
        # The last tiebreak follows the first key: rows equal on every key keep the order of the first alone.
        order = ", ".join([*(term for term, _ in keys), "t.id DESC" if keys[0][1] else "t.id ASC"])
    else:
        default = table.column(table.default_order) if table.default_order != "id" else None
        direction = "DESC" if table.default_descending else "ASC"
        key = compiler.expression(table, default) if default else "t.id"
        order = f"{key} {direction}, t.id {direction}"
    return f"SELECT t.id FROM {quote(table.name)} t WHERE {where} ORDER BY {order}"


def _sort_term(compiler: Compiler, table: Table, name: str, descending: bool) -> tuple[str, bool]:
    """The ORDER BY term of one sort key, empties last either way, and whether it runs descending."""
    column = table.column(name)
    if isinstance(column.type, DaysSince):  # most days since = earliest date: sort by the (indexed) date
        column, descending = table.column(column.type.column), not descending
    key = compiler.sort_key(table, column)
    # SQLite puts NULL first ascending and last descending; descending order can then walk an index.
    return (f"{key} DESC" if descending else f"({key}) IS NULL, {key} ASC"), descending


def rows_by_id(
    db: sqlite_utils.Database, table: Table, ids: list[int], *, actor: Actor, today: dt.date, base: Base | None = None
) -> list[dict[str, Any]]:
    """The rows with these ids that ``actor`` may see, in the order given, computed columns included."""
    base = base or load_base(db)
    if not ids:
        return []
    compiler = Compiler(base, today, actor)
    placeholders = ", ".join(compiler.param(int(i)) for i in ids)
    visible = compiler.visible(table)
    sql = (f"SELECT {compiler.select_list(table)} FROM {quote(table.name)} t "
           f"WHERE t.id IN ({placeholders}) AND {visible}")
    cursor = db.execute(sql, compiler.params)
    names = [d[0] for d in cursor.description]
    by_id = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    return [by_id[i] for i in ids if i in by_id]


def get_row(
    db: sqlite_utils.Database, table_name: str, row_id: int, *, actor: Actor, today: dt.date | None = None,
    base: Base | None = None
) -> dict[str, Any]:
    """One row with its computed columns; raises RowNotFound if it is gone or ``actor`` may not see it.

    A row outside the actor's scope is "not found", not "forbidden": a
    salesperson typing another's ``?customer=ID`` learns nothing about it.
    """
    base = base or load_base(db)
    rows = rows_by_id(db, base.table(table_name), [int(row_id)], actor=actor, today=today or dt.date.today(),
                      base=base)
    if not rows:
        raise RowNotFound(table_name, row_id)
    return rows[0]


def link_options(
    db: sqlite_utils.Database, table_name: str, *, actor: Actor, active_only: bool = False,
    include: tuple[int, ...] = (), limit: int | None = None, contains: str = "", base: Base | None = None
) -> dict[int, str]:
    """``{id: label}`` of rows of ``table_name`` for the select of a link column (负责人, 客户).

    Without ``limit``, every row (for small tables such as users); with it, the
    rows in ``include`` (those on screen) plus at most ``limit`` others whose
    label contains ``contains``, so a select never carries a whole large table.
    ``active_only`` leaves out users who are no longer active. Only rows
    ``actor`` may see are offered.
    """
    base = base or load_base(db)
    table = base.table(table_name)
    label = quote(table.label_column)
    visible, params = scope(actor, table.name)
    conditions = [visible]
    if active_only and table.has_column("active"):
        conditions.append("t.active = 1")
    if contains:
        conditions.append(f"t.{label} LIKE ? ESCAPE '\\'")
        params.append(_like_pattern(contains))
    where = "WHERE " + " AND ".join(conditions)
    sql = f"SELECT t.id, t.{label} FROM {quote(table.name)} t {where} ORDER BY t.{label}, t.id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    options = {row[0]: row[1] for row in db.execute(sql, params).fetchall()}
    shown = [int(i) for i in include if i is not None and int(i) not in options]
    if shown:
        marks = ", ".join("?" for _ in shown)
        found = db.execute(f"SELECT t.id, t.{label} FROM {quote(table.name)} t WHERE t.id IN ({marks}) AND {visible}",
                           [*shown, *scope(actor, table.name)[1]]).fetchall()
        options |= {row[0]: row[1] for row in found}
    return options


def stored_drift(db: sqlite_utils.Database, table_name: str, *, base: Base | None = None) -> list[tuple]:
    """``[(id, column, kept value, fresh value), …]`` wherever a stored rollup differs from a fresh computation.

    Empty when the triggers have kept every stored rollup right.
    """
    base = base or load_base(db)
    table = base.table(table_name)
    compiler = Compiler(base, dt.date.today())
    drift = []
    for column in table.computed_columns:
        if not getattr(column.type, "stored", False):
            continue
        fresh = compiler.expression(table, replace(column, type=replace(column.type, stored=False)))
        kept = f"t.{quote(column.name)}"
        sql = f"SELECT t.id, {kept}, {fresh} FROM {quote(table.name)} t WHERE {kept} IS NOT {fresh}"
        drift += [(row[0], column.name, row[1], row[2]) for row in db.execute(sql).fetchall()]
    return drift


def current_versions(db: sqlite_utils.Database, table_name: str, ids: list[int], *,
                     base: Base | None = None) -> dict[int, int]:
    """``{id: version}`` of those rows as they are now (rows that are gone are left out)."""
    base = base or load_base(db)
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    sql = f"SELECT id, version FROM {quote(base.table(table_name).name)} WHERE id IN ({placeholders})"
    return dict(db.execute(sql, [int(i) for i in ids]).fetchall())


def dependent_counts(
    db: sqlite_utils.Database, table_name: str, ids: list[int], *, base: Base | None = None
) -> dict[str, int]:
    """For rows about to be deleted: how many rows of each table go with them.

    Only links declared ``ON DELETE CASCADE`` count (a customer's follow-ups).
    """
    base = base or load_base(db)
    counts = {}
    if not ids:
        return counts
    placeholders = ", ".join("?" for _ in ids)
    for other, column in base.links_to(table_name):
        if column.type.on_delete.upper() != "CASCADE":
            continue
        sql = f"SELECT COUNT(*) FROM {quote(other.name)} WHERE {quote(column.name)} IN ({placeholders})"
        counts[other.name] = db.execute(sql, [int(i) for i in ids]).fetchone()[0]
    return counts
