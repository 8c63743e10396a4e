"""看板视图: customers (or follow-ups) as cards grouped by a single-select field; move a card to change it."""

import streamlit as st

from db.connection import base_path, opened
from db.queries import link_options
from ui import filters, kanban
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in

through_app()
actor = signed_in()
show_flashes()
st.title(t("kanban.title"))
st.caption(t("kanban.caption"))
table = current_base().table("customers")
choices = {c.name: c.label.get(lang()) for c in kanban.groupable(table)}
search_cell, group_cell = st.columns([3, 2])
with search_cell:
    search = filters.search_box(table, "kanban.filters")
group = group_cell.selectbox(t("kanban.group_by"), list(choices), format_func=choices.get, key="kanban.group",
                             index=list(choices).index("stage") if "stage" in choices else 0)
with opened(base_path()) as db:
    owners = link_options(db, "users", actor=actor)
kanban.board(table, table.column(group), actor, search, {"owner_id": owners}, open_param="customer")
