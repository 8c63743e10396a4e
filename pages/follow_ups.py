"""跟进记录: every follow-up in one paged grid; the customer is picked by name."""

from dataclasses import replace

import streamlit as st

from db.connection import base_path, opened
from db.queries import Query, count_rows, fetch_page, link_options
from schema.crm import FOLLOW_UPS
from ui import filters, grid
from ui.i18n import t
from ui.messages import show_flashes

FILTERS = "follow_ups.filters"
GRID = grid.Grid(FOLLOW_UPS, key="follow_ups.editor", columns=tuple(c.name for c in FOLLOW_UPS.columns))

show_flashes()
st.title(t("follow_ups.title"))
st.caption(t("follow_ups.caption"))
with opened(base_path()) as db:
    users = link_options(db, "users")
    links = {"customer_id": link_options(db, "customers"), "person_id": users}
    if not links["customer_id"]:
        st.info(t("follow_ups.no_customers"))
    top = st.columns([3, 2, 1])
    with top[0]:
        search = filters.search_box(FOLLOW_UPS, FILTERS)
    with top[1]:
        period = filters.date_range(FILTERS, "time")
    with top[2]:
        size = filters.page_size(FILTERS)
    with st.expander(t("filters.title")):
        chosen = filters.column_filters(FOLLOW_UPS, FILTERS, links)
        sort, descending = filters.sort_control(FOLLOW_UPS, FILTERS)
        st.button(t("filters.clear"), on_click=filters.clear, args=(FILTERS,))
    query = Query("follow_ups", search, tuple(chosen + period), sort, descending, page_size=size)
    total = count_rows(db, query)
    pages = filters.page_count(total, size)
    page = filters.current_page(FILTERS, pages)
    rows = fetch_page(db, replace(query, page=page))

filters.summary(total, query, page, len(rows))
grid.show(GRID, rows, links, page=page)
st.caption(t("grid.edit_hint"))
filters.pager(FILTERS, pages)
