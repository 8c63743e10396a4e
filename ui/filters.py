"""Search, filter and sort controls that build the parts of a :class:`db.queries.Query`.

Filters are derived from the schema: every ``filterable`` column gets a
multi-select of its options (or of the linked rows); 全部满足 / 任一满足 says
how the filters that are set join. Widget keys are namespaced by the page
(``customers.filters.stage``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import streamlit as st

from db.queries import Filter
from schema.model import Table
from schema.types import Choice, Link, MultiChoice
from ui import conditions
from ui.i18n import lang, t
from ui.text import md_escape

STALE_DAYS = (0, 7, 15, 30, 60, 90)
_DEFAULT_SORT = ""
#: How many sort keys 然后按 adds after the first.
MORE_SORTS = 2
#: Controls under the prefix that 清除筛选 keeps: the grid's columns and grouping (ui/layout.py).
LAYOUT_KEYS = ("columns", "group_by")


def search_box(table: Table, prefix: str) -> str:
    """A search input over the table's searchable columns; returns the text."""
    columns = md_escape(t("app.separator").join(c.label.get(lang()) for c in table.columns if c.searchable))
    return st.text_input(t("filters.search"), key=f"{prefix}.search", placeholder=t("filters.search_placeholder"),
                         help=t("filters.search_help", columns=columns))


def column_filters(table: Table, prefix: str, links: Mapping[str, Mapping[int, str]],
                   columns: tuple[str, ...] | None = None, per_row: int = 4) -> list[Filter]:
    """A multi-select per filterable column; returns the filters that are set."""
    chosen = [c for c in table.columns if c.filterable and (columns is None or c.name in columns)]
    filters = []
    for start in range(0, len(chosen), per_row):
        cells = st.columns(per_row)
        for cell, column in zip(cells, chosen[start:start + per_row], strict=False):
            with cell:
                picked = _multiselect(column, prefix, links.get(column.name, {}))
            if picked:
                op = "any_tag" if isinstance(column.type, MultiChoice) else "in"
                filters.append(Filter(column.name, op, tuple(picked)))
    return filters


def _multiselect(column, prefix: str, links: Mapping[int, str]) -> list:
    if isinstance(column.type, Choice):
        labels = {o.code: o.label.get(lang()) for o in column.type.options}
    elif isinstance(column.type, Link):
        labels = dict(links)
    else:
        return []
    if not isinstance(column.type, MultiChoice):
        labels[None] = t("filters.empty_value")
    return st.multiselect(md_escape(column.label.get(lang())), list(labels),
                          format_func=lambda v: labels.get(v, str(v)), key=f"{prefix}.{column.name}",
                          placeholder=t("filters.all"))


def link_search(table: Table, prefix: str, column_name: str) -> tuple[str, list[Filter]]:
    """A text box matching the label of a linked row (客户名称包含…); returns the text and its filter.

    For links to large tables, where a select of every row would be too big.
    """
    column = table.column(column_name)
    text = st.text_input(t("filters.link_contains", column=column.label.get(lang())), key=f"{prefix}.{column_name}",
                         placeholder=t("filters.search_placeholder")).strip()
    return text, ([Filter(column_name, "label_contains", (text,))] if text else [])


def stale_filter(prefix: str, column: str) -> list[Filter]:
    """未跟进超过 N 天: a select of day counts; returns the filter when one is chosen."""
    # Labels are worked out here, in the script run, not lazily in format_func.
    labels = {d: t("filters.stale_days", days=d) if d else t("filters.stale_off") for d in STALE_DAYS}
    days = st.selectbox(t("filters.stale"), STALE_DAYS, key=f"{prefix}.stale", format_func=labels.get)
    return [Filter(column, "older_than_days", (days,))] if days else []


def date_range(prefix: str, column: str) -> list[Filter]:
    """Two date inputs; returns a ``between`` filter when either is set."""
    left, right = st.columns(2)
    start = left.date_input(t("filters.date_from"), value=None, key=f"{prefix}.{column}.from", format="YYYY-MM-DD")
    end = right.date_input(t("filters.date_to"), value=None, key=f"{prefix}.{column}.to", format="YYYY-MM-DD")
    if start is None and end is None:
        return []
    return [Filter(column, "between", (_iso(start), _iso(end)))]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def sort_control(table: Table, prefix: str) -> tuple[tuple[str, bool], ...]:
    """A select of every column to sort by with a descending toggle, and under it up to :data:`MORE_SORTS`
    more (然后按), each shown once the one above is chosen; returns the keys chosen, ``(column, descending)``
    in order (none: the table's default order).

    Keys ``sort``/``descending``, then ``sort2``/``descending2`` …: plain text and booleans a view saves. A key
    naming a field deleted since (or one already chosen above) starts over at 默认顺序 / （无）.
    """
    labels = {c.name: c.label.get(lang()) for c in table.columns}  # worked out now, not in format_func
    keys: list[tuple[str, bool]] = []
    for number in range(1, MORE_SORTS + 2):
        suffix = "" if number == 1 else str(number)
        sort_key, descending_key = f"{prefix}.sort{suffix}", f"{prefix}.descending{suffix}"
        chosen = {name for name, _ in keys}
        empty = t("filters.sort_default") if number == 1 else t("filters.then_none")
        options = {_DEFAULT_SORT: empty} | {name: label for name, label in labels.items() if name not in chosen}
        if st.session_state.get(sort_key, _DEFAULT_SORT) not in options:
            st.session_state[sort_key] = _DEFAULT_SORT
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        sort = left.selectbox(t("filters.sort") if number == 1 else t("filters.then"), list(options),
                              format_func=options.get, key=sort_key)
        # The first key runs newest/largest first unless told; a further one A→Z, smallest first.
        descending = right.toggle(t("filters.descending"), key=descending_key, value=number == 1)
        if not sort:
            break
        keys.append((sort, bool(descending)))
    return tuple(keys)
def match_control(prefix: str) -> str:
    """全部满足 / 任一满足: whether every filter that is set must hold, or any one of them."""
    labels = {"all": t("filters.match_all"), "any": t("filters.match_any")}  # worked out now, not in format_func
    if st.session_state.get(f"{prefix}.match") not in labels:
        st.session_state[f"{prefix}.match"] = "all"
    return st.radio(t("filters.match"), list(labels), format_func=labels.get, key=f"{prefix}.match",
                    horizontal=True, help=t("filters.match_help"))


def clear(prefix: str, keep: tuple[str, ...] = ()) -> None:
    """Forget every filter widget's value under ``prefix`` but those named in ``keep`` (a button callback)."""
    kept = {f"{prefix}.{name}" for name in keep}
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{prefix}.") and k not in kept]:
        del st.session_state[key]


def more_filters(
    table: Table, prefix: str, links: Mapping[str, Mapping[int, str]], columns: tuple[str, ...] | None = None
) -> tuple[list[Filter], tuple[tuple[str, bool], ...], str]:
    """The folded 筛选与排序 panel: how filters join, column filters (all filterable, or ``columns``),
    conditions on any column (ui/conditions.py), the sort keys (然后按 too),
    and a clear button (which keeps the grid's columns and grouping). Returns the filters, the sort keys
    (``(column, descending)`` in order; none for the default order) and the match (``all`` or ``any``)."""
    with st.expander(t("filters.title")):
        match = match_control(prefix)
        chosen = column_filters(table, prefix, links, columns)
        chosen += conditions.editor(table, prefix)
        sorts = sort_control(table, prefix)
        st.button(t("filters.clear"), on_click=clear, args=(prefix, LAYOUT_KEYS), key=f"{prefix}.clear")
    return chosen, sorts, match
