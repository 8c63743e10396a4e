"""Fields people add and arrange themselves: the kinds they can pick, and a base with their settings applied.

A :class:`FieldSpec` is one row of the base's ``fields`` table, as data: for a
column people added (``kind`` set), everything about it; for a built-in
column (``kind`` is ``None``), only what people changed — its label, help,
visibility, place, and a select's options. :func:`with_fields` turns the template plus the specs into
the :class:`Base` everything else works from. Internal names of added columns
are generated (``f1``, ``f2`` …); a label is any text and never reaches SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from schema.labels import L, Label
from schema.model import Base, Column
from schema.types import (
    Attachments,
    AutoNumber,
    Checkbox,
    Choice,
    ColumnType,
    CreatedOn,
    Date,
    DateTime,
    Email,
    Formula,
    Link,
    LongText,
    Lookup,
    ModifiedAt,
    MultiChoice,
    Number,
    Option,
    Phone,
    Rollup,
    Text,
    Url,
)


@dataclass(frozen=True)
class Kind:
    """A kind of field a person can add: its name in the menu and the column type it makes."""

    code: str
    label: Label
    make: Callable[[tuple[Option, ...]], ColumnType]
    has_options: bool = False


#: The 自动编号 format a new field starts with: year, month and a three-digit counter per month.
DEFAULT_NUMBER_FORMAT = "{YYYY}{MM}{seq:3}"

KINDS: tuple[Kind, ...] = (
    Kind("text", L("单行文本", "Single line text"), lambda _: Text()),
    Kind("long_text", L("长文本", "Long text"), lambda _: LongText()),
    Kind("number", L("数字", "Number"), lambda _: Number()),
    Kind("money", L("金额", "Amount"), lambda _: Number(display="money")),
    Kind("percent", L("百分比", "Percent"), lambda _: Number(display="percent")),
    Kind("date", L("日期", "Date"), lambda _: Date()),
    Kind("datetime", L("日期时间", "Date and time"), lambda _: DateTime()),
    Kind("checkbox", L("复选框", "Checkbox"), lambda _: Checkbox()),
    Kind("single", L("单选", "Single select"), lambda options: Choice(options), has_options=True),
    Kind("multi", L("多选", "Multiple select"), lambda options: MultiChoice(options), has_options=True),
    Kind("email", L("邮箱", "E-mail"), lambda _: Email()),
    Kind("phone", L("电话", "Phone"), lambda _: Phone()),
    Kind("url", L("网址", "URL"), lambda _: Url()),
    Kind("rating", L("评分", "Rating"), lambda _: Number(integer=True, minimum=1, maximum=5, display="rating")),
    Kind("person", L("人员", "Person"), lambda _: Link("users", on_delete="SET NULL")),
    Kind("autonumber", L("自动编号", "Auto number"), lambda _: AutoNumber(format=DEFAULT_NUMBER_FORMAT)),
    Kind("created", L("创建时间", "Created time"), lambda _: CreatedOn(with_time=True)),
    Kind("modified", L("修改时间", "Last modified time"), lambda _: ModifiedAt()),
    Kind("formula", L("公式", "Formula"), lambda _: Formula()),
    Kind("lookup", L("查找", "Lookup"), lambda _: Lookup()),
    Kind("rollup", L("汇总", "Rollup"), lambda _: Rollup()),
    Kind("link", L("链接", "Link"), lambda _: Link()),
    Kind("attachment", L("附件", "Attachments"), lambda _: Attachments()),
)
#: Rollup aggregates a person can pick, with their names.
AGGREGATES: dict[str, Label] = {
    "count": L("计数", "Count"), "sum": L("求和", "Sum"), "avg": L("平均值", "Average"),
    "min": L("最小值", "Minimum"), "max": L("最大值", "Maximum"),
    "earliest": L("最早", "Earliest"), "latest_date": L("最晚", "Latest"),
    "latest": L("最近一条的值", "Latest record's value"),
    "list": L("关联记录列表", "Linked records"),
}
#: The column type a formula's result is shown as.
RESULT_TYPES: dict[str, ColumnType] = {"number": Number(), "text": Text(), "date": Date(), "datetime": DateTime(),
                                       "bool": Checkbox()}
KIND_CODES = tuple(kind.code for kind in KINDS)
#: Kinds whose stored values a field can be converted between (see ``db.fields.change_kind``).
CONVERTIBLE_KINDS = ("text", "long_text", "number", "money", "percent", "date", "datetime", "checkbox", "single",
                     "multi", "email", "phone", "url", "rating")


def kind(code: str) -> Kind:
    """The kind called ``code``; raises KeyError."""
    for candidate in KINDS:
        if candidate.code == code:
            return candidate
    raise KeyError(code)


@dataclass(frozen=True)
class FieldSpec:
    """One field's settings. ``kind`` is ``None`` for a built-in column (only overrides apply)."""

    table: str
    name: str
    kind: str | None = None
    label: Label | None = None
    help: Label | None = None
    options: tuple[Option, ...] = ()
    required: bool = False
    default: Any = None
    hidden: bool = False
    position: float | None = None
    deleted: bool = False
    #: A formula field's expression (references by internal name) and what it yields.
    expression: str | None = None
    result: str | None = None
    #: A lookup's ``{"via", "column"}`` or a rollup's ``{"table", "via", "column", "aggregate",
    #: "order_by", "condition"}``.
    config: dict | None = None

    def column(self) -> Column:
        """The column an added field makes (for built-in columns see :func:`with_fields`)."""
        if self.kind == "formula":
            made = Formula(self.expression or "", RESULT_TYPES.get(self.result or "text", Text()))
        elif self.kind in ("lookup", "rollup"):
            made = kind(self.kind).make(())  # typed in with_fields, once every table's columns are known
        elif self.kind == "link":
            made = Link((self.config or {}).get("table", ""), on_delete="SET NULL",
                        multiple=bool((self.config or {}).get("multiple")))
        elif self.kind == "autonumber":
            made = AutoNumber(format=(self.config or {}).get("format") or DEFAULT_NUMBER_FORMAT)
        else:
            made = kind(self.kind).make(self.options)
        label = self.label or L(self.name, self.name)
        typed = not isinstance(made, AutoNumber | CreatedOn | ModifiedAt)
        return Column(self.name, made, label, help=self.help, required=self.required and typed,
                      default=self.default if typed else None, searchable=isinstance(made, Text | AutoNumber),
                      filterable=isinstance(made, Choice), hidden=self.hidden)


def _overridden(column: Column, spec: FieldSpec) -> Column:
    changes: dict[str, Any] = {"hidden": spec.hidden}
    if spec.label is not None:
        changes["label"] = spec.label
    if spec.help is not None:
        changes["help"] = spec.help
    if spec.options and isinstance(column.type, Choice) and column.editable:
        changes["type"] = with_options(column.type, spec.options)
    return replace(column, **changes)


def with_options(kind: Choice, kept: tuple[Option, ...]) -> Choice:
    """A built-in select with the options a base keeps for it: those, in their order and with their labels,
    then any of the template's they lack (so that no code of the template is ever lost).

    >>> from schema.crm import SOURCES
    >>> expo = Option("expo", L("线下展会", "Trade show"))
    >>> [o.label.zh for o in with_options(Choice(SOURCES), (expo, Option("o7", L("抖音", "抖音")))).options]
    ['线下展会', '抖音', '官网表单', '转介绍', '电话咨询', '线上咨询', '其他']
    """
    codes = {option.code for option in kept}
    return replace(kind, options=(*kept, *(option for option in kind.options if option.code not in codes)))


def _following_options(base: Base) -> Base:
    """``base`` with each rollup that shows a select of the records linking here (最近跟进方式) showing that
    select's options as the base has them (an option added to 跟进方式 has its label there too)."""
    def followed(column: Column) -> Column:
        kind = column.type
        if not (isinstance(kind, Rollup) and isinstance(kind.result, Choice) and kind.column
                and base.has_table(kind.table) and base.table(kind.table).has_column(kind.column)):
            return column
        source = base.table(kind.table).column(kind.column).type
        if not isinstance(source, Choice) or source.options == kind.result.options:
            return column
        return replace(column, type=replace(kind, result=replace(kind.result, options=source.options)))

    return Base(tables=tuple(replace(table, columns=tuple(followed(c) for c in table.columns))
                             for table in base.tables))


def with_fields(base: Base, specs: Iterable[FieldSpec]) -> Base:
    """``base`` with the specs applied: added fields appended, built-in columns relabelled, hidden
    or moved, deleted fields left out.

    Columns keep the template's order unless a spec gives a ``position``
    (a column's place is its index in the template, or the position given).

    >>> from schema.crm import CRM
    >>> base = with_fields(CRM, [FieldSpec("customers", "f1", "rating", L("满意度", "Satisfaction")),
    ...                          FieldSpec("customers", "region", label=L("城市", "City"), position=0.5)])
    >>> [c.name for c in base.table("customers").columns][:3], base.table("customers").column("f1").label.zh
    (['number', 'region', 'name'], '满意度')
    """
    by_table: dict[str, list[FieldSpec]] = {}
    for spec in specs:
        by_table.setdefault(spec.table, []).append(spec)
    tables = []
    for table in base.tables:
        mine = {spec.name: spec for spec in by_table.get(table.name, [])}
        placed: list[tuple[float, int, Column]] = []
        for index, column in enumerate(table.columns):
            spec = mine.get(column.name)
            if spec is None:
                placed.append((float(index), index, column))
            else:
                position = spec.position if spec.position is not None else float(index)
                placed.append((position, index, _overridden(column, spec)))
        count = len(table.columns)
        for order, spec in enumerate(s for s in mine.values() if s.kind is not None and not s.deleted):
            position = spec.position if spec.position is not None else float(count + order)
            placed.append((position, count + order, spec.column()))
        columns = tuple(column for _, _, column in sorted(placed, key=lambda item: (item[0], item[1])))
        tables.append(replace(table, columns=columns))
    base = Base(tables=tuple(tables))
    if any(spec.kind is None and spec.options for spec in specs):
        base = _following_options(base)
    derived = {(s.table, s.name): s for s in specs if s.kind in ("lookup", "rollup") and not s.deleted}
    if not derived:
        return base
    return Base(tables=tuple(
        replace(table, columns=tuple(
            replace(c, type=_derived_type(base, derived[(table.name, c.name)]))
            if (table.name, c.name) in derived else c for c in table.columns))
        for table in base.tables))


def _derived_type(base: Base, spec: FieldSpec) -> ColumnType:
    """A lookup's or rollup's type, with the result type of the column it reads."""
    config = spec.config or {}
    if spec.kind == "lookup":
        link = base.table(spec.table).column(config["via"]) if base.table(spec.table).has_column(
            config.get("via", "")) else None
        if link is None or not isinstance(link.type, Link):
            return Lookup(config.get("via", ""), "", config.get("column", ""))
        target = base.table(link.type.table)
        result = target.column(config["column"]).type if target.has_column(config.get("column", "")) else Text()
        result = getattr(result, "result", result)
        return Lookup(config["via"], link.type.table, config.get("column", ""),
                      Text() if isinstance(result, Link) else result)
    source = base.table(config["table"])
    aggregate = config.get("aggregate", "count")
    column = config.get("column")
    condition = tuple(config["condition"]) if config.get("condition") else None
    if aggregate == "count" or not source.has_column(column or ""):
        return Rollup(source.name, config["via"], None, "count", result=Number(integer=True), condition=condition)
    read = source.column(column).type
    read = getattr(read, "result", read)
    sql_aggregate = {"earliest": "min", "latest_date": "max"}.get(aggregate, aggregate)
    result = Number() if aggregate in ("sum", "avg") else Text() if aggregate == "list" else read
    return Rollup(source.name, config["via"], column, sql_aggregate, order_by=config.get("order_by"),
                  result=result, condition=condition)

