"""公海: customers without an owner, paged and searched in SQL; 领取 (claim) them, or 分配 (assign, managers)."""

import pandas as pd
import streamlit as st

from db import pool
from db.access import AccessDenied
from db.connection import base_path, opened
from db.queries import link_options
from db.settings import rules
from ui import paging
from ui.entry import through_app
from ui.history import shown
from ui.i18n import lang, t
from ui.messages import describe, flash, show_flashes
from ui.schema import current_base
from ui.session import acting, signed_in
from ui.text import md_escape

PREFIX = "pool"
PAGE_SIZE = 50
COLUMNS = ("number", "name", "industry", "region", "grade", "stage", "last_follow_up_at", "follow_up_count")


def _act(action, done: str, **params) -> None:
    """Claim or assign the customers picked (a button callback); flash what happened or why not."""
    picked = [int(i) for i in st.session_state.get(f"{PREFIX}.pick", [])]
    if not picked:
        flash("warning", t("pool.nothing_picked"))
        return
    try:
        with opened(base_path()) as db:
            count = action(db, acting(), picked)
    except (pool.PoolRefused, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    st.session_state[f"{PREFIX}.pick"] = []
    flash("success", md_escape(t(done, count=count, **params)))


def _claim() -> None:
    _act(pool.claim, "pool.claimed")


def _assign(members: dict[int, str]) -> None:
    member = st.session_state.get(f"{PREFIX}.assign_to")
    if member is not None:
        _act(lambda db, actor, ids: pool.assign(db, actor, ids, int(member)), "pool.assigned", who=members[member])


through_app()
actor = signed_in()
show_flashes()
customers = current_base().table("customers")
st.title(t("pool.title"))
search = st.text_input(t("pool.search"), key=f"{PREFIX}.search", help=t("pool.search_help"),
                       placeholder=t("filters.search_placeholder"))
with opened(base_path()) as db:
    current = rules(db)
    owned = pool.owned_count(db, actor.user_id)
    due = pool.about_to_return(db, actor)
    number = st.session_state.get(f"{PREFIX}.page", 1)
    total, rows = pool.pool_page(db, actor, search=search, page=number, page_size=PAGE_SIZE)
    pages = paging.page_count(total, PAGE_SIZE)
    if number > pages:  # the search or a claim shrank the pool
        number = paging.current_page(PREFIX, pages)
        total, rows = pool.pool_page(db, actor, search=search, page=number, page_size=PAGE_SIZE)
    members = link_options(db, "users", actor=actor, active_only=True) if actor.can("transfer") else {}
st.caption(t("pool.caption", days=current.pool_days, warning=current.pool_warning_days, limit=current.claim_limit,
             reclaim=current.reclaim_days))
st.caption(t("pool.owned", owned=f"{owned:,}", limit=f"{current.claim_limit:,}"))

if due:
    with st.expander(t("pool.due_title", count=len(due)), icon=":material/warning:"):
        st.dataframe(pd.DataFrame([{customers.column("name").label.get(lang()): d.name,
                                    customers.column("last_follow_up_at").label.get(lang()): d.last_follow_up_at,
                                    t("pool.due_days"): d.days_left, t("pool.due_on"): d.returns_on.isoformat()}
                                   for d in due]), hide_index=True, width="stretch")

if not rows:
    st.info(t("pool.no_match") if search.strip() else t("pool.empty"))
    st.stop()
first = (number - 1) * PAGE_SIZE + 1
st.caption(t("pool.rows", total=f"{total:,}", first=f"{first:,}", last=f"{first + len(rows) - 1:,}"))
st.dataframe(pd.DataFrame([{customers.column(name).label.get(lang()): shown("customers", name, row[name], {},
                                                                            base=current_base())
                            for name in COLUMNS} for row in rows]), hide_index=True, width="stretch")
paging.pager(PREFIX, pages)

names = {row["id"]: f"{row['name']}（{row['number']}）" for row in rows}  # labels for this run's rows
with st.form(f"{PREFIX}.form"):
    st.multiselect(t("pool.pick"), list(names), format_func=lambda i: names.get(i, f"#{i}"), key=f"{PREFIX}.pick",
                   help=t("pool.pick_help"))
    if members:
        claim_cell, member_cell, assign_cell = st.columns([1, 2, 1], vertical_alignment="bottom")
        claim_cell.form_submit_button(t("pool.claim"), on_click=_claim, type="primary")
        member_cell.selectbox(t("pool.assign_to"), list(members), format_func=lambda i: members.get(i, f"#{i}"),
                              key=f"{PREFIX}.assign_to")
        assign_cell.form_submit_button(t("pool.assign"), on_click=_assign, args=(members,))
    else:
        st.form_submit_button(t("pool.claim"), on_click=_claim, type="primary")
