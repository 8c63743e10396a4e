"""客户: the customer grid; with ``?customer=ID``, that customer's detail and follow-ups."""

import streamlit as st

from db.connection import base_path, opened
from ui import downloads, fields, filter_bar, grid, layout, links, paging, quick_chart, views
from ui.detail import show_customer
from ui.entry import through_app
from ui.i18n import t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in

FILTERS = "customers.filters"
LINK_SEARCH = "customers.link_search"

through_app()
actor = signed_in()
show_flashes()
CUSTOMERS = current_base().table("customers")
GRID = grid.Grid(CUSTOMERS, key="customers.editor", columns=tuple(c.name for c in CUSTOMERS.columns),
                 open_param="customer")
if "customer" in st.query_params:
    show_customer(st.query_params["customer"], actor)
    st.stop()

st.title(t("customers.title"))
st.caption(t("customers.caption") + " " + t("customers.open_hint"))
views.bar("customers", FILTERS, actor)
with opened(base_path()) as db:
    controls = filter_bar.draw(db, CUSTOMERS, FILTERS, actor)
    shown = layout.panel(CUSTOMERS, FILTERS)
    query = layout.groups(db, CUSTOMERS, controls.query, shown.group_by, FILTERS, actor, controls.links)
    page = paging.load(db, query, FILTERS, actor)
    offered = links.choices(db, CUSTOMERS, page.rows, actor, known=controls.links,
                            contains=links.typed(LINK_SEARCH))

quick_chart.panel(CUSTOMERS, query, actor)
downloads.buttons(GRID, query, shown.columns, actor, total=page.total,
                  key="customers.export", title=t("customers.title"))
fields.panel(CUSTOMERS, actor)
links.search_box(LINK_SEARCH, offered)
paging.show(GRID, page, offered.labels, FILTERS, shown.columns)
