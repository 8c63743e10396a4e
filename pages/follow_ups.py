"""跟进记录: every follow-up in one paged grid; the customer is picked by name."""

import streamlit as st

from db.connection import base_path, opened
from db.queries import Query, link_options
from schema.crm import FOLLOW_UPS
from ui import filters, grid, paging
from ui.i18n import t
from ui.messages import show_flashes

FILTERS = "follow_ups.filters"
GRID = grid.Grid(FOLLOW_UPS, key="follow_ups.editor", columns=tuple(c.name for c in FOLLOW_UPS.columns))

show_flashes()
st.title(t("follow_ups.title"))
st.caption(t("follow_ups.caption"))
with opened(base_path()) as db:
    links = {"customer_id": link_options(db, "customers"), "person_id": link_options(db, "users")}
    if not links["customer_id"]:
        st.info(t("follow_ups.no_customers"))
    search_cell, period_cell, size_cell = st.columns([3, 2, 1])
    with search_cell:
        search = filters.search_box(FOLLOW_UPS, FILTERS)
    with period_cell:
        period = filters.date_range(FILTERS, "time")
    with size_cell:
        size = paging.page_size(FILTERS)
    chosen, sort, descending = filters.more_filters(FOLLOW_UPS, FILTERS, links)
    page = paging.load(db, Query("follow_ups", search, tuple(chosen + period), sort, descending, page_size=size),
                       FILTERS)

paging.show(GRID, page, links, FILTERS)
