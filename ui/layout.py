"""The 列与分组 panel above a grid: which columns it shows in what order, and a group-by with counts.

Its controls live under the page's filter prefix (``customers.filters.columns``,
``….group_by``, ``….group``), so a saved view keeps and restores them with the
filters (``ui/views.py``). The 字段 panel's hidden flags stay the table's
default: a view that never chose its columns follows them. The groups are
counted in SQL over the same search, filters and scope as the grid
(``db.queries.group_counts``); picking one narrows the grid to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

import sqlite_utils
import streamlit as st

from db.access import Actor
from db.queries import MAX_GROUPS, Filter, Group, Query, count_rows, group_counts, groupable
from schema.model import Table
from schema.types import Checkbox, Choice, Derived
from ui.i18n import lang, t
from ui.text import md_escape

NO_GROUP = ""


@dataclass(frozen=True)
class Layout:
    """What the panel chose: the columns in order (``None``: the table's own) and the column to group by."""

    columns: tuple[str, ...] | None
    group_by: str | None


def defaults_key(prefix: str) -> str:
    """Where the panel leaves its defaults, so a saved view leaves out what was never changed."""
    return f"views.{prefix}.defaults"


def always_shown(table: Table) -> tuple[str, ...]:
    """Columns every view shows first: the one that names a row, and those a new row cannot do without."""
    return tuple(c.name for c in table.columns
                 if c.name == table.label_column or (c.required and c.default is None and c.editable))


def default_columns(table: Table) -> list[str]:
    """The columns the picker starts from: the table's, in its order, without those hidden in 字段."""
    always = always_shown(table)
    return [c.name for c in table.columns if not c.hidden and c.name not in always]


def _column_picker(table: Table, prefix: str) -> tuple[str, ...] | None:
    key = f"{prefix}.columns"
    always = always_shown(table)
    labels = {c.name: c.label.get(lang()) for c in table.columns if c.name not in always}
    default = default_columns(table)
    state = st.session_state
    before, current = state.get(defaults_key(prefix), {}).get("columns"), state.get(key)
    if not isinstance(current, list) or current == before:  # never chosen: follow the table's fields
        if current != default:
            state[key] = default
    elif any(name not in labels for name in state[key]):  # a field deleted since the view was saved
        state[key] = [name for name in state[key] if name in labels]
    state[defaults_key(prefix)] = {"columns": default}
    names = t("app.separator").join(table.column(name).label.get(lang()) for name in always)
    picked = st.multiselect(t("layout.columns"), list(labels), format_func=labels.get, key=key,
                            placeholder=t("layout.columns_placeholder"),
                            help=t("layout.columns_help", always=md_escape(names)))
    return None if picked == default else always + tuple(picked)


def _forget_group(prefix: str) -> None:
    st.session_state.pop(f"{prefix}.group", None)


def _group_picker(table: Table, prefix: str) -> str | None:
    key = f"{prefix}.group_by"
    options = {NO_GROUP: t("layout.no_group")} | {c.name: c.label.get(lang()) for c in table.columns if groupable(c)}
    if st.session_state.get(key) not in options:  # a view from before grouping, or a field deleted since
        st.session_state[key] = NO_GROUP
    chosen = st.selectbox(t("layout.group_by"), list(options), format_func=options.get, key=key,
                          on_change=_forget_group, args=(prefix,), help=t("layout.group_by_help"))
    return chosen or None


def panel(table: Table, prefix: str) -> Layout:
    """The folded 列与分组 panel: the columns shown, in order, and the column to group by."""
    with st.expander(t("layout.title"), icon=":material/view_column:"):
        columns_cell, group_cell = st.columns([3, 1])
        with columns_cell:
            columns = _column_picker(table, prefix)
        with group_cell:
            group_by = _group_picker(table, prefix)
    return Layout(columns, group_by)


def label(table: Table, name: str, group: Group, links: Mapping[str, Mapping[int, str]]) -> str:
    """A group's value as a person reads it."""
    column = table.column(name)
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    if group.value is None:
        return t("filters.empty_value")
    if isinstance(kind, Choice):
        return kind.label(group.value, lang())
    if isinstance(kind, Checkbox):
        return t("charts.yes") if group.value else t("charts.no")
    return group.label or links.get(name, {}).get(group.value) or f"#{group.value}"


def group_value(token: str) -> str | int | float | None:
    """The value a picked group's token stands for (the JSON the pills are keyed by); raises ValueError or
    TypeError for a token that is not one."""
    value = json.loads(token)
    if not isinstance(value, str | int | float | None):
        raise ValueError(token)
    return value


def groups(db: sqlite_utils.Database, table: Table, query: Query, group_by: str | None, prefix: str, actor: Actor,
           links: Mapping[str, Mapping[int, str]]) -> Query:
    """The groups of ``query``'s rows by ``group_by`` with their counts, as pills; ``query`` narrowed to the
    group picked (unchanged when none is)."""
    key = f"{prefix}.group"
    if group_by is None:
        st.session_state.pop(key, None)
        return query
    counted = group_counts(db, query, group_by, actor=actor)
    found = {json.dumps(g.value): g for g in counted}
    picked = st.session_state.get(key)
    if picked is not None and picked not in found:  # filtered away since it was picked, or not among the largest
        try:
            value = group_value(picked)
            narrowed = replace(query, narrow=(*query.narrow, Filter(group_by, "in", (value,))))
            found[picked] = Group(value, None, count_rows(db, narrowed, actor=actor))
        except (TypeError, ValueError):
            st.session_state.pop(key)
    if not found:
        return query
    # Labels are worked out here, in the script run, not lazily in format_func.
    labels = {token: t("layout.group", label=md_escape(label(table, group_by, g, links)), count=f"{g.count:,}")
              for token, g in found.items()}
    chosen = st.pills(t("layout.groups", column=md_escape(table.column(group_by).label.get(lang()))), list(found),
                      format_func=labels.get, key=key, selection_mode="single", help=t("layout.groups_help"))
    if len(counted) == MAX_GROUPS:
        st.caption(t("layout.groups_capped", limit=MAX_GROUPS))
    if chosen is None:
        return query
    return replace(query, narrow=(*query.narrow, Filter(group_by, "in", (found[chosen].value,))))
