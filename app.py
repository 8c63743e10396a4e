"""Genjin's entry point: page setup, the base opened and migrated once, the login check, sidebar, navigation.

``make run`` serves it through ``server.py``, which adds the login routes
and background housekeeping; the pages a member sees depend on their role.
"""

from __future__ import annotations

import streamlit as st

from db.connection import base_path
from db.demo import prepare_base
from ui.entry import old_customer_link
from ui.i18n import t
from ui.session import sidebar, signed_in
from ui.undo import undo_button


@st.cache_resource(show_spinner=False)
def prepared(path: str) -> str:
    """The base at ``path``, created or brought up to date once per process (server.py does it first)."""
    prepare_base(path)
    return path


st.set_page_config(page_title=t("app.title"), page_icon=":material/contacts:", layout="wide")
prepared(str(base_path()))
actor = signed_in()
sidebar(actor)
# 今日待跟进 is the home page (``/``): what a member should do today comes first; the grid is at /customers.
home = st.Page("pages/today.py", title=t("nav.today"), icon=":material/today:", default=True)
customers = st.Page("pages/customers.py", title=t("nav.customers"), icon=":material/groups:", url_path="customers")
pages = [
    home,
    customers,
    st.Page("pages/follow_ups.py", title=t("nav.follow_ups"), icon=":material/edit_note:", url_path="follow_ups"),
    st.Page("pages/pool.py", title=t("nav.pool"), icon=":material/waves:", url_path="pool"),
    st.Page("pages/tables.py", title=t("nav.tables"), icon=":material/table_view:", url_path="tables"),
    st.Page("pages/form.py", title=t("nav.form"), icon=":material/assignment:", url_path="form"),
    st.Page("pages/calendar.py", title=t("nav.calendar"), icon=":material/calendar_month:", url_path="calendar"),
    st.Page("pages/kanban.py", title=t("nav.kanban"), icon=":material/view_kanban:", url_path="kanban"),
    st.Page("pages/charts.py", title=t("nav.charts"), icon=":material/monitoring:", url_path="charts"),
    st.Page("pages/imports.py", title=t("nav.imports"), icon=":material/upload_file:", url_path="imports"),
    st.Page("pages/trash.py", title=t("nav.trash"), icon=":material/delete:", url_path="trash"),
    st.Page("pages/rules.py", title=t("nav.rules"), icon=":material/tune:", url_path="rules"),
]
if actor.can("activity_log"):
    pages.append(st.Page("pages/activity.py", title=t("nav.activity"), icon=":material/history:",
                         url_path="activity"))
if actor.can("transfer"):
    pages.append(st.Page("pages/members.py", title=t("nav.members"), icon=":material/manage_accounts:",
                         url_path="members"))
if actor.can("merge_duplicates"):
    pages.append(st.Page("pages/duplicates.py", title=t("nav.duplicates"), icon=":material/join_inner:",
                         url_path="duplicates"))
if actor.can("snapshots"):
    pages.append(st.Page("pages/snapshots.py", title=t("nav.snapshots"), icon=":material/backup:",
                         url_path="snapshots"))
navigation = st.navigation(pages)
if navigation is home:
    old_customer_link(customers)
undo_button()
st.sidebar.caption(t("app.base", path=base_path().name))
navigation.run()
