"""今日待跟进: the logged-in member's overdue, today's and this week's follow-ups, and new A-grade leads
waiting for a first contact — each with one click to log a follow-up."""

import streamlit as st

from db.connection import base_path, opened
from db.worklist import SECTIONS, worklist
from ui import worklist as lists
from ui.entry import through_app
from ui.i18n import t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in

through_app()
actor = signed_in()
show_flashes()
st.title(t("today.title"))
st.caption(t("today.caption"))
lists.log_form()
with opened(base_path()) as db:
    found = worklist(db, actor)
if found.empty:
    st.success(t("today.all_done"))
customers = current_base().table("customers")
for name in SECTIONS:
    lists.section(found, name, customers)
