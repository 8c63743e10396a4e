"""跟进记录: every follow-up in one paged grid; the customer is picked by name."""

import streamlit as st

from db.connection import base_path, opened
from db.queries import link_options
from ui import attachments, downloads, fields, filter_bar, grid, layout, links, paging, quick_chart, views
from ui.entry import through_app
from ui.i18n import t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in

FILTERS = "follow_ups.filters"
LINK_SEARCH = "follow_ups.link_search"
#: How many customers the 客户 select offers besides those on the page: never the whole table.
CUSTOMER_CHOICES = 200

through_app()
actor = signed_in()
show_flashes()
FOLLOW_UPS = current_base().table("follow_ups")
GRID = grid.Grid(FOLLOW_UPS, key="follow_ups.editor", columns=tuple(c.name for c in FOLLOW_UPS.columns))
st.title(t("follow_ups.title"))
st.caption(t("follow_ups.caption", limit=CUSTOMER_CHOICES))
views.bar("follow_ups", FILTERS, actor)
with opened(base_path()) as db:
    controls = filter_bar.draw(db, FOLLOW_UPS, FILTERS, actor)
    users = controls.links["person_id"]
    shown = layout.panel(FOLLOW_UPS, FILTERS)
    query = layout.groups(db, FOLLOW_UPS, controls.query, shown.group_by, FILTERS, actor, controls.links)
    page = paging.load(db, query, FILTERS, actor)
    customers = link_options(db, "customers", actor=actor, include=tuple(r["customer_id"] for r in page.rows),
                             limit=CUSTOMER_CHOICES, contains=controls.customer_text)
    if not customers and not controls.customer_text:
        st.info(t("follow_ups.no_customers"))

    known = {"customer_id": customers, "person_id": users}
    offered = links.choices(db, FOLLOW_UPS, page.rows, actor, known=known, contains=links.typed(LINK_SEARCH))

quick_chart.panel(FOLLOW_UPS, query, actor)
downloads.buttons(GRID, query, shown.columns, actor, total=page.total,
                  key="follow_ups.export", title=t("follow_ups.title"))
fields.panel(FOLLOW_UPS, actor)
links.search_box(LINK_SEARCH, offered)
paging.show(GRID, page, offered.labels, FILTERS, shown.columns)
attachments.picker(FOLLOW_UPS, page.rows, actor, key="follow_ups.attachments")
