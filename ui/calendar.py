"""日历: the records of any table placed on a month or week by a date field; a record's name opens it.

The days shown are read in one SQL query (a ``between`` filter on the date
field, with the page's search and filters or a saved view's, for the rows the
member may see), at most :data:`MAX_RECORDS` of them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import replace

import streamlit as st

from db.access import Actor
from db.connection import base_path, opened
from db.queries import Filter, Query, count_rows, fetch_page, link_options
from schema.model import Column, Table
from schema.types import CreatedOn, Date, DateTime
from ui.i18n import lang, t
from ui.tables import record_url
from ui.text import md_escape

MAX_RECORDS = 500
PER_DAY = 4


def dated(table: Table) -> list[Column]:
    """The date fields a calendar can place records by."""
    return [c for c in table.columns if isinstance(getattr(c.type, "result", c.type), Date | DateTime | CreatedOn)]


def days_of(period: str, anchor: dt.date) -> list[dt.date]:
    """The days drawn: whole weeks (Monday first) covering ``anchor``'s month, or ``anchor``'s week.

    >>> days = days_of("month", dt.date(2026, 11, 22)); (days[0], days[-1], len(days))
    (datetime.date(2026, 10, 26), datetime.date(2026, 12, 6), 42)
    >>> days_of("week", dt.date(2026, 11, 22))[0]
    datetime.date(2026, 11, 16)
    """
    if period == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return [start + dt.timedelta(days=i) for i in range(7)]
    first = anchor.replace(day=1)
    start = first - dt.timedelta(days=first.weekday())
    last = anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    end = last + dt.timedelta(days=6 - last.weekday())
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _shift(key: str, period: str, steps: int) -> None:
    anchor = st.session_state.get(key, dt.date.today())
    if period == "week":
        st.session_state[key] = anchor + dt.timedelta(weeks=steps)
    else:
        month = anchor.month - 1 + steps
        st.session_state[key] = dt.date(anchor.year + month // 12, month % 12 + 1, 1)


def show(table: Table, column: Column, actor: Actor, period: str, prefix: str, query: Query) -> None:
    """The calendar of ``table`` by ``column`` around the day kept under ``prefix``, of the records ``query``
    finds (a view's or the page's search and filters)."""
    key = f"{prefix}.anchor"
    st.session_state.setdefault(key, dt.date.today())
    back, title, ahead, today = st.columns([1, 3, 1, 1])
    back.button(t("calendar.back"), on_click=_shift, args=(key, period, -1), key=f"{prefix}.back",
                icon=":material/chevron_left:")
    ahead.button(t("calendar.ahead"), on_click=_shift, args=(key, period, 1), key=f"{prefix}.ahead",
                 icon=":material/chevron_right:")
    today.button(t("calendar.today"), on_click=lambda: st.session_state.update({key: dt.date.today()}),
                 key=f"{prefix}.today")
    anchor = st.session_state[key]
    days = days_of(period, anchor)
    title.markdown(f"### {t('calendar.month_title', year=anchor.year, month=anchor.month)}")
    shown = Filter(column.name, "between", (days[0].isoformat(), days[-1].isoformat()))
    query = replace(query, narrow=(*query.narrow, shown), sort=column.name, descending=False, page=1,
                    page_size=MAX_RECORDS)
    with opened(base_path()) as db:
        total = count_rows(db, query, actor=actor)
        rows = fetch_page(db, query, actor=actor)
        customers = link_options(db, "customers", actor=actor, include=tuple(r.get("customer_id") for r in rows),
                                 limit=0) if table.name == "follow_ups" else {}
    if total > len(rows):
        st.caption(t("calendar.capped", shown=len(rows), total=f"{total:,}"))
    by_day = defaultdict(list)
    for row in rows:
        if row.get(column.name):
            by_day[str(row[column.name])[:10]].append(row)
    weekdays = [t(f"calendar.weekday{i}") for i in range(7)]
    for cell, name in zip(st.columns(7), weekdays, strict=True):
        cell.caption(name)
    for week_start in range(0, len(days), 7):
        for cell, day in zip(st.columns(7), days[week_start:week_start + 7], strict=True):
            with cell.container(border=True, height=170 if period == "month" else 420):
                faded = day.month != anchor.month and period == "month"
                st.caption(("**" if day == dt.date.today() else "") + f"{day.day}" +
                           ("**" if day == dt.date.today() else "") + (" ·" if faded else ""))
                entries = by_day.get(day.isoformat(), [])
                for row in entries[:PER_DAY if period == "month" else 40]:
                    if table.name == "follow_ups":  # a follow-up is named by its customer, and opens it
                        name = customers.get(row["customer_id"], "—")
                    else:
                        name = row.get(table.label_column) or "—"
                    st.markdown(f"[{md_escape(str(name))}]({record_url(table, row)})")
                hidden = len(entries) - (PER_DAY if period == "month" else 40)
                if hidden > 0:
                    st.caption(t("calendar.more", count=hidden))


def label(column: Column) -> str:
    """A date field's name in the session's language."""
    return column.label.get(lang())
