"""客户: the customer grid; with ``?customer=ID``, that customer's detail and follow-ups."""

from dataclasses import replace

import streamlit as st

from db.connection import base_path, opened
from db.queries import Query, count_rows, fetch_page, link_options
from schema.crm import CUSTOMERS
from ui import filters, grid
from ui.detail import show_customer
from ui.i18n import t
from ui.messages import show_flashes

FILTERS = "customers.filters"
GRID = grid.Grid(CUSTOMERS, key="customers.editor", columns=tuple(c.name for c in CUSTOMERS.columns),
                 open_param="customer")

show_flashes()
if "customer" in st.query_params:
    show_customer(st.query_params["customer"])
    st.stop()

st.title(t("customers.title"))
st.caption(t("customers.caption") + " " + t("customers.open_hint"))
with opened(base_path()) as db:
    links = {"owner_id": link_options(db, "users")}
    top = st.columns([3, 1, 1])
    with top[0]:
        search = filters.search_box(CUSTOMERS, FILTERS)
    with top[1]:
        stale = filters.stale_filter(FILTERS, "last_follow_up_at")
    with top[2]:
        size = filters.page_size(FILTERS)
    with st.expander(t("filters.title")):
        chosen = filters.column_filters(CUSTOMERS, FILTERS, links)
        sort, descending = filters.sort_control(CUSTOMERS, FILTERS)
        st.button(t("filters.clear"), on_click=filters.clear, args=(FILTERS,))
    query = Query("customers", search, tuple(chosen + stale), sort, descending, page_size=size)
    total = count_rows(db, query)
    pages = filters.page_count(total, size)
    page = filters.current_page(FILTERS, pages)
    rows = fetch_page(db, replace(query, page=page))

filters.summary(total, query, page, len(rows))
grid.show(GRID, rows, links, page=page)
st.caption(t("grid.edit_hint"))
filters.pager(FILTERS, pages)
