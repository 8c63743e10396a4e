"""日历: customers or follow-ups on a month or week by a date field (下次跟进时间 by default)."""

import streamlit as st

from ui import calendar
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in

through_app()
actor = signed_in()
show_flashes()
st.title(t("calendar.title"))
st.caption(t("calendar.caption"))
base = current_base()
tables = {name: base.table(name).label.get(lang()) for name in ("customers", "follow_ups")}
table_cell, column_cell, period_cell = st.columns([2, 2, 1])
table = base.table(table_cell.selectbox(t("calendar.table"), list(tables), format_func=tables.get,
                                        key="calendar.table"))
columns = {c.name: calendar.label(c) for c in calendar.dated(table)}
default = list(columns).index("next_follow_up_on") if "next_follow_up_on" in columns else 0
column = table.column(column_cell.selectbox(t("calendar.by"), list(columns), format_func=columns.get, index=default,
                                            key=f"calendar.{table.name}.column"))
periods = {"month": t("charts.month"), "week": t("charts.week")}
period = period_cell.segmented_control(t("calendar.period"), list(periods), format_func=periods.get,
                                       default="month", key="calendar.period") or "month"
calendar.show(table, column, actor, period, "calendar")
