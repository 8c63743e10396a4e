"""The search and filter controls of a table's grid, drawn alike wherever its records are shown.

The grid, the 看板视图 and the 日历 of a table draw the same controls under
their own prefix (``customers.filters``, ``kanban.customers.filters`` …), so a
saved view (``ui/views.py``) opened on any of them means the same records:
客户 adds 未跟进超过 N 天, 跟进记录 adds 客户 (by name) and a date range, every
table has the search and the folded 筛选与排序 panel (``ui/filters.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils
import streamlit as st

from db.access import Actor
from db.queries import Filter, Query, groupable, link_options
from schema.model import Table
from ui import filters, paging
from ui.i18n import lang, t
from ui.layout import group_value
from ui.text import md_escape

#: The link fields of the built-in tables whose filters offer every member by name.
_MEMBERS = {"customers": "owner_id", "follow_ups": "person_id"}
#: The 跟进记录 grid's own filters in 筛选与排序 (the rest are in 条件).
_FOLLOW_UP_FILTERS = ("method", "person_id", "status")


@dataclass(frozen=True)
class Controls:
    """What the controls ask for: the query (first page), the link labels they already read (members by id),
    and the text typed into 跟进记录's 客户 box ("" elsewhere)."""

    query: Query
    links: dict[str, dict[int, str]]
    customer_text: str = ""


def draw(db: sqlite_utils.Database, table: Table, prefix: str, actor: Actor, *, grid: bool = True) -> Controls:
    """The table's controls under ``prefix``; returns what they ask for.

    On a grid (``grid``) they include the page size, and the grid's 列与分组
    panel narrows to a picked group; elsewhere (the board, the calendar) the
    group a saved view picked narrows the query here.
    """
    links = {_MEMBERS[table.name]: link_options(db, "users", actor=actor)} if table.name in _MEMBERS else {}
    widths = {"customers": [3, 1], "follow_ups": [2, 2, 2]}.get(table.name, [4])
    cells = st.columns([*widths, 1] if grid else widths)
    found: list[Filter] = []
    customer_text = ""
    with cells[0]:
        search = filters.search_box(table, prefix)
    if table.name == "customers":
        with cells[1]:
            found += filters.stale_filter(prefix, "last_follow_up_at")
    elif table.name == "follow_ups":
        with cells[1]:
            customer_text, by_customer = filters.link_search(table, prefix, "customer_id")
        with cells[2]:
            found += by_customer + filters.date_range(prefix, "time")
    size = 100
    if grid:
        with cells[-1]:
            size = paging.page_size(prefix)
    chosen, sorts, match = filters.more_filters(
        table, prefix, links, columns=_FOLLOW_UP_FILTERS if table.name == "follow_ups" else None)
    sort, descending = sorts[0] if sorts else (None, True)
    narrow = () if grid else _picked_group(table, prefix)
    if narrow:  # the grid shows it as a picked pill; here a line says so
        st.caption(t("filter_bar.picked_group", column=md_escape(table.column(narrow[0].column).label.get(lang()))))
    query = Query(table.name, search, tuple(found + chosen), sort, descending, page_size=size, match=match,
                  narrow=narrow, then=sorts[1:])
    return Controls(query, links, customer_text)


def _picked_group(table: Table, prefix: str) -> tuple[Filter, ...]:
    """The group a view picked in 列与分组 (``ui/layout.py``) as a filter that always holds, without drawing the
    panel."""
    column, picked = st.session_state.get(f"{prefix}.group_by"), st.session_state.get(f"{prefix}.group")
    if not column or picked is None or not table.has_column(column) or not groupable(table.column(column)):
        return ()
    try:
        return (Filter(column, "in", (group_value(picked),)),)
    except (TypeError, ValueError):
        return ()
