"""操作日志 (administrators and managers): every change in the base, filtered by member, table (added ones too) and
date; linked records (a follow-up's 客户) named."""

import datetime as dt

import streamlit as st

from db.connection import base_path, opened
from db.history import activity
from db.queries import link_options
from ui import history, paging
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in

PAGE_SIZE = 100
ALL = "all"

through_app()
actor = signed_in()
show_flashes()
st.title(t("activity.title"))
st.caption(t("activity.caption"))
with opened(base_path()) as db:
    users = link_options(db, "users", actor=actor)
    who_cell, table_cell, since_cell, until_cell = st.columns(4)
    who = who_cell.selectbox(t("activity.who"), [ALL, *users], key="activity.who",
                             format_func=lambda u: t("activity.everyone") if u == ALL else users[u])
    tables = {table.name: table.label.get(lang()) for table in current_base().tables} | {
        "attachments": t("attachments.record")}
    table = table_cell.selectbox(t("activity.table"), [ALL, *tables], key="activity.table",
                                 format_func=lambda n: t("activity.all_tables") if n == ALL else tables[n])
    since = since_cell.date_input(t("activity.since"), value=None, key="activity.since")
    until = until_cell.date_input(t("activity.until"), value=None, key="activity.until")
    filters = {"user_id": None if who == ALL else who, "table_name": None if table == ALL else table,
               "since": since.isoformat() if isinstance(since, dt.date) else None,
               "until": until.isoformat() if isinstance(until, dt.date) else None}
    total, _ = activity(db, actor=actor, limit=0, **filters)
    pages = paging.page_count(total, PAGE_SIZE)
    number = paging.current_page("activity", pages)
    _, entries = activity(db, actor=actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, **filters)
    named = history.linked_names(db, entries, actor) | {"users": users}  # a follow-up's 客户 by name, not #id

st.caption(t("activity.count", count=f"{total:,}"))
history.show(entries, named)
paging.pager("activity", pages)
