"""条件: conditions on any column — computed, linked and formula ones too — in the 筛选与排序 panel.

A condition is a column, an operation that suits the column's type, and a
value: 跟进次数 = 0, 最近跟进时间 早于 30 天前, 标签 包含 意向强烈, 预计成交金额 ≥ 100000.
Each lives in widgets under the page's prefix (``…cond.0.column``), so a
saved view keeps them like every other filter control. :func:`to_filter`
turns one into a :class:`db.queries.Filter`; the SQL is ``db/``'s business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from db.queries import Filter
from schema.model import Column, Table
from schema.types import (
    Attachments,
    Checkbox,
    Choice,
    CreatedOn,
    Date,
    DateTime,
    DaysSince,
    Derived,
    Link,
    MultiChoice,
    Number,
)
from ui.i18n import lang, t

#: The operations each kind of column offers, in menu order.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "number": ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"),
    "date": ("older", "before", "since", "empty", "not_empty"),
    "text": ("contains", "not_contains", "eq", "empty", "not_empty"),
    "select": ("is", "is_not", "empty", "not_empty"),
    "tags": ("has_any", "empty", "not_empty"),
    "checkbox": ("checked", "unchecked"),
    "link": ("label_contains", "empty", "not_empty"),
    "files": ("not_empty", "empty"),
}
_COMPARATORS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def category(column: Column) -> str:
    """Which operations suit ``column``: a key of :data:`OPERATIONS`."""
    if isinstance(column.type, Attachments):
        return "files"
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    if isinstance(kind, MultiChoice):
        return "tags"
    if isinstance(kind, Choice):
        return "select"
    if isinstance(kind, Link) and not column.computed:
        return "link"
    if isinstance(kind, Checkbox):
        return "checkbox"
    if isinstance(kind, Date | DateTime | CreatedOn):
        return "date"
    if isinstance(kind, Number) or isinstance(column.type, DaysSince):
        return "number"
    return "text"


def to_filter(column: Column, operation: str, value: Any) -> Filter | None:
    """The filter a condition stands for; ``None`` while it is incomplete (no text typed yet, say).

    >>> from schema.crm import CUSTOMERS
    >>> to_filter(CUSTOMERS.column("follow_up_count"), "eq", 0)
    Filter(column='follow_up_count', op='compare', values=('=', 0))
    >>> to_filter(CUSTOMERS.column("name"), "contains", "  ") is None
    True
    """
    name = column.name
    if operation in ("empty", "not_empty"):
        return Filter(name, operation, ())
    if operation in _COMPARATORS:
        if category(column) == "text":
            text = str(value or "").strip()
            return Filter(name, "compare", ("=", text)) if text else None
        return None if value is None else Filter(name, "compare", (_COMPARATORS[operation], value))
    if operation == "checked":
        return Filter(name, "compare", ("=", 1))
    if operation == "unchecked":
        return Filter(name, "compare", ("=", 0))
    if operation == "older":
        return None if value is None else Filter(name, "older_than_days", (int(value),))
    if operation in ("before", "since"):
        if value is None:
            return None
        return Filter(name, "compare", ("<" if operation == "before" else ">=", _iso(value)))
    if operation in ("contains", "not_contains", "label_contains"):
        text = str(value or "").strip()
        return Filter(name, operation, (text,)) if text else None
    if operation in ("is", "is_not", "has_any"):
        picked = tuple(value or ())
        if not picked:
            return None
        return Filter(name, {"is": "in", "is_not": "not_in", "has_any": "any_tag"}[operation], picked)
    raise ValueError(operation)


def _iso(day: Any) -> str:
    return day.isoformat() if isinstance(day, dt.date) else str(day)


def _key(prefix: str, index: int, part: str) -> str:
    return f"{prefix}.cond.{index}.{part}"


def _count(prefix: str) -> int:
    return int(st.session_state.get(f"{prefix}.cond.n", 0) or 0)


def _add(prefix: str) -> None:
    st.session_state[f"{prefix}.cond.n"] = _count(prefix) + 1


def _remove(prefix: str, index: int) -> None:
    """Drop condition ``index``: the ones after it move up a place (a button callback)."""
    state, count = st.session_state, _count(prefix)
    for later in range(index, count):
        for part in ("column", "op", "num", "days", "date", "text", "options"):
            source, target = _key(prefix, later + 1, part), _key(prefix, later, part)
            if source in state:
                state[target] = state[source]
            elif target in state:
                del state[target]
    for part in ("column", "op", "num", "days", "date", "text", "options"):
        state.pop(_key(prefix, count - 1, part), None)
    state[f"{prefix}.cond.n"] = count - 1


def editor(table: Table, prefix: str) -> list[Filter]:
    """The 条件 rows and 添加条件; returns the filters of the complete ones."""
    columns = {c.name: c for c in table.columns}
    labels = {name: c.label.get(lang()) for name, c in columns.items()}  # worked out now, not in format_func
    found = []
    for index in range(_count(prefix)):
        column_key = _key(prefix, index, "column")
        if st.session_state.get(column_key) not in columns:
            st.session_state[column_key] = next(iter(columns))
        column_cell, op_cell, value_cell, remove_cell = st.columns([3, 2, 3, 1], vertical_alignment="bottom")
        column = columns[column_cell.selectbox(t("cond.column"), list(columns), format_func=labels.get,
                                               key=column_key)]
        operations = OPERATIONS[category(column)]
        op_key = _key(prefix, index, "op")
        if st.session_state.get(op_key) not in operations:
            st.session_state[op_key] = operations[0]
        names = {op: t(f"cond.{op}") for op in operations}
        operation = op_cell.selectbox(t("cond.op"), list(operations), format_func=names.get, key=op_key)
        with value_cell:
            value = _value_input(column, operation, lambda part, i=index: _key(prefix, i, part))
        remove_cell.button(t("cond.remove"), key=_key(prefix, index, "remove"), on_click=_remove,
                           args=(prefix, index), icon=":material/close:")
        made = to_filter(column, operation, value)
        if made is not None:
            found.append(made)
    st.button(t("cond.add"), key=f"{prefix}.cond.add", on_click=_add, args=(prefix,), icon=":material/add:")
    return found


def _value_input(column: Column, operation: str, key: Callable[[str], str]) -> Any:
    """The input a condition's value needs, if any; returns its value."""
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    if operation in ("empty", "not_empty", "checked", "unchecked"):
        return None
    if operation == "older":
        return st.number_input(t("cond.days"), min_value=0, max_value=3650, step=1, value=30, key=key("days"))
    if operation in ("before", "since"):
        return st.date_input(t("cond.date"), value=None, key=key("date"), format="YYYY-MM-DD")
    if operation in ("is", "is_not", "has_any") and isinstance(kind, Choice):
        options = {o.code: o.label.get(lang()) for o in kind.options}
        return st.multiselect(t("cond.value"), list(options), format_func=options.get, key=key("options"))
    if operation in _COMPARATORS and category(column) == "number":
        return st.number_input(t("cond.value"), value=None, key=key("num"), placeholder="0")
    return st.text_input(t("cond.value"), key=key("text"))
