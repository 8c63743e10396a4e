"""图表: a one-click chart of the grid's current view — pick a field, get a chart and its numbers.

The groups are counted (or summed) in SQL over exactly the rows the grid's
search and filters select (``db.charts.chart_groups``); this module only
labels them and draws. A group that is a linked record (跟进记录 by 客户) is
named by reading the labels of exactly the records the chart shows, within
the member's sight. A chart can be kept on the 看板 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
import sqlite_utils
import streamlit as st

from db.access import Actor
from db.charts import ChartSpec, chart_groups, chartable, save_chart
from db.connection import base_path, opened
from db.queries import Query, link_options
from schema.model import Table
from schema.types import Checkbox, Choice, Link, Number
from ui.i18n import lang, t
from ui.messages import flash
from ui.session import acting


def _label(table: Table, name: str, value, links: Mapping[str, Mapping[int, str]]) -> str:
    """A group's key as a person reads it."""
    if value is None or value == (None, None):
        return t("charts.empty_group")
    kind = getattr(table.column(name).type, "result", table.column(name).type)
    if isinstance(value, tuple):
        low, high = value
        return f"{low:,.0f}–{high:,.0f}" if float(low).is_integer() and float(high).is_integer() \
            else f"{low:,.1f}–{high:,.1f}"
    if isinstance(kind, Choice):
        return kind.label(value, lang())
    if isinstance(kind, Link):
        return links.get(name, {}).get(value, f"#{value}")
    if isinstance(kind, Checkbox):
        return t("charts.yes") if value else t("charts.no")
    return str(value)


def frame(table: Table, spec: ChartSpec, groups, links) -> pd.DataFrame:
    """The groups as a labelled frame, in the order a person expects (options, dates and bins in order)."""
    how = chartable(table.column(spec.column))
    kind = getattr(table.column(spec.column).type, "result", table.column(spec.column).type)

    def order(value) -> tuple:
        if value is None or value == (None, None):
            return (2, 0, "")
        if isinstance(kind, Choice):
            codes = [o.code for o in kind.options]
            return (0, codes.index(value) if value in codes else len(codes), "")
        if how in ("date", "number"):
            return (0, 0, value if how == "date" else value[0])
        return (1, 0, "")

    rows = sorted(groups, key=lambda g: (order(g[0]), -g[2]))
    return pd.DataFrame({
        "x": [_label(table, spec.column, g[0], links) for g in rows],
        "by": [_label(table, spec.by, g[1], links) if spec.by else "" for g in rows],
        "value": [g[2] for g in rows],
    })


def chart(data: pd.DataFrame, spec: ChartSpec, x_title: str, value_title: str) -> alt.Chart:
    """Bars per group (stacked by the second field when there is one)."""
    order = list(dict.fromkeys(data["x"]))
    encoding = {
        "x": alt.X("x:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=-30)),
        "y": alt.Y("value:Q", title=value_title),
        "tooltip": [alt.Tooltip("x:N", title=x_title), alt.Tooltip("value:Q", title=value_title, format=",")],
    }
    if spec.by:
        encoding["color"] = alt.Color("by:N", title=None)
        encoding["tooltip"].insert(1, alt.Tooltip("by:N", title=""))
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=320)


def group_labels(db: sqlite_utils.Database, table: Table, spec: ChartSpec, groups: list[tuple[Any, Any, float]],
                 actor: Actor) -> dict[str, Mapping[int, str]]:
    """``{column: {id: label}}`` for the chart's link fields (its x and its second field): the labels of
    exactly the records its groups are, only those ``actor`` may see (another's customer stays unnamed)."""
    labels: dict[str, Mapping[int, str]] = {}
    for position, name in ((0, spec.column), (1, spec.by)):
        kind = table.column(name).type if name else None
        if isinstance(kind, Link):
            ids = tuple(sorted({g[position] for g in groups
                                if isinstance(g[position], int) and not isinstance(g[position], bool)}))
            labels[name] = link_options(db, kind.table, actor=actor, limit=0, include=ids) if ids else {}
    return labels


def draw(table: Table, spec: ChartSpec, actor: Actor) -> None:
    """The chart of ``spec`` and the table of its numbers, side by side."""
    try:
        with opened(base_path()) as db:
            groups = chart_groups(db, spec, actor=actor)
            links = group_labels(db, table, spec, groups, actor)
    except (KeyError, ValueError):  # a saved chart over a field (or filter) that has since been deleted
        st.warning(t("charts.gone"))
        return
    if not groups:
        st.info(t("charts.no_rows"))
        return
    data = frame(table, spec, groups, links)
    x_title = table.column(spec.column).label.get(lang())
    value_title = (t("charts.sum_of", column=table.column(spec.sum_of).label.get(lang())) if spec.sum_of
                   else t("charts.records"))
    left, right = st.columns([3, 2])
    left.altair_chart(chart(data, spec, x_title, value_title), width="stretch")
    shown = data.rename(columns={"x": x_title, "by": table.column(spec.by).label.get(lang()) if spec.by else "",
                                 "value": value_title})
    right.dataframe(shown if spec.by else shown.drop(columns=[""]), hide_index=True, width="stretch")


def _save(spec: ChartSpec, key: str) -> None:
    title = st.session_state.get(key, "")
    with opened(base_path()) as db:
        save_chart(db, acting(), spec, title)
    flash("success", t("charts.saved"))


def panel(table: Table, query: Query, actor: Actor) -> None:
    """The 图表 expander above a grid: pick a field (and optionally a second one or a number to sum)."""
    prefix = f"quick_chart.{table.name}.{lang()}"
    candidates = {c.name: c.label.get(lang()) for c in table.columns if chartable(c)}
    stackable = {c.name: c.label.get(lang()) for c in table.columns
                 if chartable(c) == "category" and not c.computed}
    numbers = {c.name: c.label.get(lang()) for c in table.columns
               if isinstance(getattr(c.type, "result", c.type), Number)}
    with st.expander(t("charts.quick"), icon=":material/bar_chart:"):
        st.caption(t("charts.quick_help"))
        column_cell, by_cell, sum_cell, period_cell = st.columns(4)
        none = {"": t("charts.none")}
        column = column_cell.selectbox(t("charts.quick_column"), ["", *list(candidates)],
                                       format_func=(none | candidates).get, key=f"{prefix}.column")
        by = by_cell.selectbox(t("charts.quick_by"), ["", *list(stackable)], format_func=(none | stackable).get,
                               key=f"{prefix}.by")
        sum_of = sum_cell.selectbox(t("charts.quick_sum"), ["", *list(numbers)], format_func=(none | numbers).get,
                                    key=f"{prefix}.sum")
        periods = {"month": t("charts.month"), "week": t("charts.week")}
        period = period_cell.selectbox(t("charts.quick_period"), list(periods), format_func=periods.get,
                                       key=f"{prefix}.period")
        if not column:
            return
        spec = ChartSpec(table.name, column, by or None, sum_of or None, period, query.search, query.filters,
                         query.match, query.narrow)
        draw(table, spec, actor)
        title_cell, save_cell = st.columns([3, 1])
        title_key = f"{prefix}.title"
        title_cell.text_input(t("charts.title_input"), key=title_key, max_chars=100,
                              placeholder=f"{table.label.get(lang())} · {candidates[column]}")
        save_cell.button(t("charts.save"), on_click=_save, args=(spec, title_key), key=f"{prefix}.save",
                         icon=":material/push_pin:")
