"""日历: the records of any table on a month or week by one of its date fields; a name opens the record.

``/calendar?table=t3&field=f3`` opens a table's calendar by a field (下次跟进时间
for customers and follow-ups, the first date field otherwise, unless the link names one);
``&view=ID`` places a saved view's records. The search and filters are the grid's
(``ui/filter_bar.py``).
"""

import streamlit as st

from db.connection import base_path, opened
from ui import calendar, filter_bar, views
from ui.entry import through_app
from ui.i18n import t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in
from ui.tables import pick_table, select

through_app()
actor = signed_in()
show_flashes()
st.title(t("calendar.title"))
st.caption(t("calendar.caption"))
table_cell, column_cell, period_cell = st.columns([2, 2, 1])
table = pick_table(current_base(), "calendar.table", container=table_cell)
columns = {c.name: calendar.label(c) for c in calendar.dated(table)}
if not columns:
    st.info(t("calendar.no_date"))
    st.stop()
column = table.column(select(t("calendar.by"), f"calendar.{table.name}.column", columns, param="field",
                             default="next_follow_up_on", missing="calendar.field_not_found",
                             container=column_cell))
periods = {"month": t("charts.month"), "week": t("charts.week")}
period = period_cell.segmented_control(t("calendar.period"), list(periods), format_func=periods.get,
                                       default="month", key="calendar.period") or "month"
prefix = f"calendar.{table.name}.filters"
views.bar(table.name, prefix, actor, shown_as="calendar")
with opened(base_path()) as db:
    query = filter_bar.draw(db, table, prefix, actor, grid=False).query
calendar.show(table, column, actor, period, "calendar", query)
