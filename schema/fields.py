"""Fields people add and arrange themselves: the kinds they can pick, and a base with their settings applied.

A :class:`FieldSpec` is one row of the base's ``fields`` table, as data: for a
column people added (``kind`` set), everything about it; for a built-in
column (``kind`` is ``None``), only what people changed — its label, help,
visibility, place. :func:`with_fields` turns the template plus the specs into
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
    Checkbox,
    Choice,
    ColumnType,
    Date,
    DateTime,
    Email,
    Formula,
    LongText,
    MultiChoice,
    Number,
    Option,
    Phone,
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
    Kind("formula", L("公式", "Formula"), lambda _: Formula()),
)
#: The column type a formula's result is shown as.
RESULT_TYPES: dict[str, ColumnType] = {"number": Number(), "text": Text(), "date": Date(), "datetime": DateTime(),
                                       "bool": Checkbox()}
KIND_CODES = tuple(kind.code for kind in KINDS)


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

    def column(self) -> Column:
        """The column an added field makes (for built-in columns see :func:`with_fields`)."""
        if self.kind == "formula":
            made = Formula(self.expression or "", RESULT_TYPES.get(self.result or "text", Text()))
        else:
            made = kind(self.kind).make(self.options)
        label = self.label or L(self.name, self.name)
        return Column(self.name, made, label, help=self.help, required=self.required, default=self.default,
                      searchable=isinstance(made, Text), filterable=isinstance(made, Choice), hidden=self.hidden)


def _overridden(column: Column, spec: FieldSpec) -> Column:
    changes: dict[str, Any] = {"hidden": spec.hidden}
    if spec.label is not None:
        changes["label"] = spec.label
    if spec.help is not None:
        changes["help"] = spec.help
    return replace(column, **changes)


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
    return Base(tables=tuple(tables))

