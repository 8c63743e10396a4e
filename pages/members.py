"""成员: the team (administrators edit roles and add, disable and reset members) and transferring customers."""

import streamlit as st

from db import accounts
from db.access import AccessDenied
from db.connection import base_path, opened
from db.queries import Query, fetch_page, link_options
from schema.crm import ROLES, USERS
from ui import grid
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import describe, flash, show_flashes
from ui.session import acting, signed_in
from ui.text import md_escape

GRID = grid.Grid(USERS, key="members.editor", columns=("username", "display_name", "role", "active"),
                 can_add=False, can_delete=False)


def _report(action) -> bool:
    """Run ``action``; flash why it was refused, if it was. Return whether it went through."""
    try:
        action()
    except (AccessDenied, accounts.AccountError) as refused:
        flash("error", describe(refused)[0])
        return False
    except Exception as error:  # InvalidChanges and the like: describe() knows them or raises
        flash("error", "\n".join(describe(error)))
        return False
    return True


def _add_member() -> None:
    values = {name: st.session_state.get(f"members.new.{name}", "") for name in
              ("username", "display_name", "role", "password")}

    def add() -> None:
        with opened(base_path()) as db:
            accounts.add_member(db, acting(), **values)

    if _report(add):
        flash("success", md_escape(t("members.added", name=values["display_name"])))


def _reset_password() -> None:
    member, password = st.session_state.get("members.reset.who"), st.session_state.get("members.reset.password", "")

    def reset() -> None:
        with opened(base_path()) as db:
            accounts.set_password(db, acting(), int(member), password)

    if member is not None and _report(reset):
        flash("success", t("members.reset_done"))


def _transfer() -> None:
    giver, taker = st.session_state.get("members.transfer.from"), st.session_state.get("members.transfer.to")
    moved = []

    def transfer() -> None:
        with opened(base_path()) as db:
            moved.append(accounts.transfer_customers(db, acting(), int(giver), int(taker)))

    if giver is not None and taker is not None and _report(transfer):
        flash("success", t("members.transferred", count=moved[0]))


through_app()
actor = signed_in()
show_flashes()
st.title(t("members.title"))
with opened(base_path()) as db:
    members = fetch_page(db, Query("users", page_size=1000), actor=actor)
    everyone = link_options(db, "users", actor=actor)
    active = link_options(db, "users", actor=actor, active_only=True)

if actor.can("manage_users"):
    st.caption(t("members.caption"))
    grid.show(GRID, members, {})
    left, right = st.columns(2)
    with left.expander(t("members.add"), icon=":material/person_add:"), st.form("members.add_form",
                                                                                  clear_on_submit=True):
        st.text_input(t("members.username"), key="members.new.username", max_chars=40)
        st.text_input(t("members.display_name"), key="members.new.display_name", max_chars=40)
        roles = {o.code: o.label.get(lang()) for o in ROLES}
        st.selectbox(t("members.role"), list(roles), index=2, key="members.new.role", format_func=roles.get)
        st.text_input(t("members.password"), type="password", key="members.new.password",
                      help=t("members.password_help", min=accounts.MIN_PASSWORD))
        st.form_submit_button(t("members.add"), on_click=_add_member, type="primary")
    with right.expander(t("members.reset"), icon=":material/key:"), st.form("members.reset_form",
                                                                              clear_on_submit=True):
        st.selectbox(t("members.who"), list(everyone), format_func=everyone.get, key="members.reset.who")
        st.text_input(t("members.password"), type="password", key="members.reset.password",
                      help=t("members.reset_help"))
        st.form_submit_button(t("members.reset"), on_click=_reset_password)
else:
    st.dataframe([{t("members.display_name"): m["display_name"],
                   t("members.role"): next(o.label.get(lang()) for o in ROLES if o.code == m["role"]),
                   t("members.active"): bool(m["active"])} for m in members], hide_index=True)

st.subheader(t("members.transfer"))
st.caption(t("members.transfer_caption"))
with st.form("members.transfer_form"):
    giver_cell, taker_cell = st.columns(2)
    giver_cell.selectbox(t("members.transfer_from"), list(everyone), format_func=everyone.get,
                         key="members.transfer.from")
    taker_cell.selectbox(t("members.transfer_to"), list(active), format_func=active.get, key="members.transfer.to")
    st.form_submit_button(t("members.transfer"), on_click=_transfer, type="primary")
