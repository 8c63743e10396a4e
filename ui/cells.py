"""Schema to grid: the data_editor column config of each column type, and rows as a typed DataFrame.

One ``cell_config`` per column type (``functools.singledispatch``), so a new
type is one registration here. Stored codes stay codes in the frame; labels
are shown through ``format_func``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from functools import singledispatch
from typing import Any

import pandas as pd
import streamlit as st

from db.queries import error_key
from schema.model import Column, Table
from schema.types import (
    AutoNumber,
    Checkbox,
    Choice,
    ColumnType,
    CreatedOn,
    Date,
    DateTime,
    DaysSince,
    Derived,
    Formula,
    Link,
    LongText,
    Lookup,
    ModifiedAt,
    MultiChoice,
    Number,
    Rollup,
    StageChangedAt,
    StageRate,
    Text,
    Url,
)
from ui.i18n import lang, t

#: The checkbox column that opens a row's detail; never stored.
OPEN = "_open"


@singledispatch
def cell_config(kind: ColumnType, label: str, help_text: str | None, links: Mapping[int, str]) -> Any:
    """The Streamlit column config for a column of type ``kind``."""
    return st.column_config.TextColumn(label, help=help_text)


@cell_config.register
def _(kind: Text, label, help_text, links):
    return st.column_config.TextColumn(label, help=help_text, max_chars=kind.max_length)


@cell_config.register
def _(kind: LongText, label, help_text, links):
    return st.column_config.TextColumn(label, help=help_text, max_chars=kind.max_length, width="medium")


#: How a number column with a ``display`` shows its values.
_NUMBER_FORMATS = {"money": "¥%.2f", "percent": "%.1f%%", "rating": "%d ★"}


@cell_config.register
def _(kind: Number, label, help_text, links):
    return st.column_config.NumberColumn(
        label, help=help_text, step=1 if kind.integer else None, min_value=kind.minimum, max_value=kind.maximum,
        format=_NUMBER_FORMATS.get(kind.display),
    )


@cell_config.register
def _(kind: Url, label, help_text, links):
    # Text, not a link column: what someone types is shown before it is checked, and must never be
    # clickable. The server checks it (with a message), not the grid (which drops input silently).
    return st.column_config.TextColumn(label, help=help_text)


@cell_config.register
def _(kind: Date, label, help_text, links):
    return st.column_config.DateColumn(label, help=help_text, format="YYYY-MM-DD")


@cell_config.register
def _(kind: DateTime, label, help_text, links):
    return st.column_config.DatetimeColumn(label, help=help_text, format="YYYY-MM-DD HH:mm", step=60)


@cell_config.register
def _(kind: Checkbox, label, help_text, links):
    return st.column_config.CheckboxColumn(label, help=help_text)


@cell_config.register
def _(kind: Choice, label, help_text, links):
    labels = {o.code: o.label.get(lang()) for o in kind.options}
    return st.column_config.SelectboxColumn(
        label, help=help_text, options=list(labels), format_func=lambda code: labels.get(code, code)
    )


@cell_config.register
def _(kind: MultiChoice, label, help_text, links):
    labels = {o.code: o.label.get(lang()) for o in kind.options}
    return st.column_config.MultiselectColumn(
        label, help=help_text, options=list(labels), format_func=lambda code: labels.get(code, code)
    )


@cell_config.register
def _(kind: Link, label, help_text, links):
    if kind.multiple:  # the frame holds ids as text: a multiselect column takes strings
        labels = {str(i): text for i, text in links.items()}
        return st.column_config.MultiselectColumn(
            label, help=help_text, options=list(labels), format_func=lambda i: labels.get(i, f"#{i}"))
    return st.column_config.SelectboxColumn(
        label, help=help_text, options=list(links), format_func=lambda i: links.get(i, str(i))
    )


@cell_config.register
def _(kind: Rollup, label, help_text, links):
    if isinstance(kind.result, Choice):  # the latest method: show its label as text
        return st.column_config.TextColumn(label, help=help_text)
    return cell_config(kind.result, label, help_text, links)


@cell_config.register
def _(kind: Formula, label, help_text, links):
    return cell_config(kind.result, label, help_text, links)


@cell_config.register
def _(kind: Lookup, label, help_text, links):
    if isinstance(kind.result, (Choice, Link)):  # shown as text
        return st.column_config.TextColumn(label, help=help_text)
    return cell_config(kind.result, label, help_text, links)


@cell_config.register
def _(kind: ModifiedAt, label, help_text, links):
    return cell_config(kind.result, label, help_text, links)


@cell_config.register(StageRate)
@cell_config.register(StageChangedAt)
def _(kind, label, help_text, links):
    return cell_config(kind.result, label, help_text, links)


@cell_config.register
def _(kind: DaysSince, label, help_text, links):
    return st.column_config.NumberColumn(label, help=help_text, format="%d")


def column_config(table: Table, names: tuple[str, ...], links: Mapping[str, Mapping[int, str]], *,
                  with_open: bool = False, as_text: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Column configs for the columns ``names`` (and the 详情 box), labelled in the session's language;
    columns in ``as_text`` (holding values that do not fit their type) as plain text."""
    config: dict[str, Any] = {}
    if with_open:
        config[OPEN] = st.column_config.CheckboxColumn(
            t("grid.open"), help=t("grid.open_help") if table.name == "customers" else t("grid.open_record_help"),
            width="small", pinned=True)
    for name in names:
        column = table.column(name)
        help_text = column.help.get(lang()) if column.help else None
        if name in as_text:
            cell = st.column_config.TextColumn(column.label.get(lang()),
                                               help=t("grid.misfit_help", type=help_text or ""))
        else:
            cell = cell_config(column.type, column.label.get(lang()), help_text, links.get(name, {}))
        cell["disabled"] = not column.editable
        if column.width:
            cell["width"] = column.width
        if name == table.label_column:
            cell["pinned"] = True
        config[name] = cell
    return config


def _cell(column: Column, value: Any) -> Any:
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    several = isinstance(kind, Link) and kind.multiple
    if value is None:
        return [] if isinstance(kind, MultiChoice) or several else None
    if isinstance(kind, MultiChoice):
        return MultiChoice.codes(value)
    if several:
        return [str(i) for i in kind.ids(value)]
    if isinstance(kind, Choice) and column.computed:
        return kind.label(value, lang())
    try:
        if isinstance(kind, Date):
            return dt.date.fromisoformat(str(value)[:10])
        if isinstance(kind, DateTime):
            return dt.datetime.strptime(str(value)[:16], "%Y-%m-%d %H:%M")
    except ValueError:
        if not column.computed:
            raise
        return None  # a formula whose branches yield different things: an empty cell, not a broken page
    if isinstance(kind, Checkbox):
        return bool(value)
    if isinstance(kind, Number) and column.computed and not isinstance(value, (int, float)):
        return None  # likewise: text where a formula promised a number
    return value


def _dtype(column: Column) -> str | None:
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    if (isinstance(kind, Link) and not kind.multiple) or isinstance(kind, DaysSince) or (
            isinstance(kind, Number) and kind.integer):
        return "Int64"
    if isinstance(kind, DateTime):
        return "datetime64[s]"
    if isinstance(kind, (Text, Choice, AutoNumber, CreatedOn)) and not isinstance(kind, MultiChoice):
        return "object"
    return None


def to_frame(table: Table, names: tuple[str, ...], rows: list[dict[str, Any]], *,
             with_open: bool = False, as_text: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The rows as a DataFrame with one column per name in ``names``, typed for the grid (columns in
    ``as_text`` as the text of their values, so that a value that does not fit is still shown)."""
    data: dict[str, Any] = {}
    if with_open:
        data[OPEN] = pd.Series([False] * len(rows), dtype="bool")
    for name in names:
        column = table.column(name)
        if name in as_text:
            data[name] = pd.Series([_as_text(name, row) for row in rows], dtype="object")
        else:
            data[name] = pd.Series([_cell(column, row.get(name)) for row in rows], dtype=_dtype(column))
    return pd.DataFrame(data)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def fits(column: Column, value: Any) -> bool:
    """Whether a stored value is of its column's type. Changing a field's type keeps the values that
    did not convert (db/conversions.py); the grid shows such a column as text instead of failing."""
    kind = column.type
    if value is None or column.computed:
        return True
    if isinstance(kind, Checkbox):
        return value in (0, 1)
    if isinstance(kind, MultiChoice) or (isinstance(kind, Link) and kind.multiple):
        try:
            return isinstance(value, str) and isinstance(json.loads(value), list)
        except json.JSONDecodeError:
            return False
    if isinstance(kind, Number):  # a number out of range (a rating of 9 after a type change) does not fit
        return isinstance(value, (int, float)) and not isinstance(value, bool) and (
            kind.minimum is None or value >= kind.minimum) and (kind.maximum is None or value <= kind.maximum)
    if isinstance(kind, Link):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(kind, DateTime):
        return isinstance(value, str) and bool(_ISO_DATE_TIME.match(value))
    if isinstance(kind, Date):
        return isinstance(value, str) and bool(_ISO_DATE.match(value))
    return True


def misfits(table: Table, names: tuple[str, ...], rows: list[dict[str, Any]]) -> frozenset[str]:
    """Those of ``names`` with a value on these rows that does not fit the column's type, or a formula
    that failed on one of them (shown as text, so that the cell can say why)."""
    return frozenset(name for name in names
                     if any(not fits(table.column(name), row.get(name)) or row.get(error_key(name))
                            for row in rows))


def _as_text(name: str, row: dict[str, Any]) -> str | None:
    """A cell of a column shown as text: why its formula failed, else its value (12.0 as 12)."""
    if row.get(error_key(name)):
        return t(f"formula.failed.{row[error_key(name)]}")
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
