"""Who is using this browser session: the login check on every run, the language switch, logging out.

The session token comes from the HttpOnly cookie set by the login route
(``web/auth.py``), read through ``st.context.cookies``; tests that drive the
app with AppTest (which cannot send cookies) put a token from
``db.accounts.login`` under :data:`TOKEN_KEY` instead. Either way the token
is checked against the base on every run and every callback, so a session
ended elsewhere (logout everywhere, a disabled member) ends here at once.
"""

from __future__ import annotations

import streamlit as st

from db import accounts
from db.access import AccessDenied, Actor
from db.connection import base_path, opened
from schema.crm import ROLES
from schema.labels import LANGUAGES
from ui.i18n import LANGUAGE_KEY, lang, t
from ui.messages import flash, show_flashes
from ui.text import md_escape

TOKEN_KEY = "auth.token"
_LOGGED_OUT = "auth.logged_out"
_LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def session_token() -> str | None:
    """This browser session's login token, if any."""
    token = st.session_state.get(TOKEN_KEY) or st.context.cookies.get(accounts.SESSION_COOKIE)
    return token if isinstance(token, str) else None  # AppTest's context has no real cookies


def current_actor() -> Actor | None:
    """The member logged in here, as the base knows them now, or ``None``."""
    if st.session_state.get(_LOGGED_OUT):
        return None
    with opened(base_path()) as db:
        return accounts.session_actor(db, session_token())


def acting() -> Actor:
    """The member logged in here, for a callback; raises AccessDenied (shown as a message) if none."""
    actor = current_actor()
    if actor is None:
        raise AccessDenied("access.logged_out")
    return actor


def signed_in() -> Actor:
    """The member logged in here; without one, a page that says how to log in, and the run stops."""
    actor = current_actor()
    if actor is not None:
        return actor
    with opened(base_path()) as db:
        setup = accounts.needs_setup(db)
    st.title(t("app.title"))
    show_flashes()
    if setup:
        st.info(t("auth.setup_needed"))
        st.link_button(t("auth.setup"), "/auth/setup", type="primary")
    else:
        st.info(t("auth.logged_out") if st.session_state.get(_LOGGED_OUT) else t("auth.please_login"))
        st.link_button(t("auth.login"), "/auth/login", type="primary")
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop() ends the run


def _logout() -> None:
    with opened(base_path()) as db:
        accounts.logout(db, session_token())
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[_LOGGED_OUT] = True


def _logout_everywhere() -> None:
    actor = current_actor()
    if actor is not None:
        with opened(base_path()) as db:
            accounts.logout_everywhere(db, actor.user_id)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[_LOGGED_OUT] = True


def _change_password() -> None:
    new = st.session_state.get("auth.new_password", "")
    if new != st.session_state.get("auth.new_password_again", ""):
        flash("error", t("auth.mismatch"))
        return
    try:
        actor = acting()  # the session as it is now, not as it was when the form was drawn
        with opened(base_path()) as db:
            accounts.set_password(db, actor, actor.user_id, new,  # ends every session, this one too
                                  current=st.session_state.get("auth.current_password", ""))
    except (accounts.AccountError, AccessDenied) as refused:
        flash("error", md_escape(t(refused.reason, **refused.params)))
        return
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[_LOGGED_OUT] = True
    flash("success", t("auth.password_changed"))


def sidebar(actor: Actor) -> None:
    """The language switch, who is logged in, and logging out."""
    st.sidebar.radio(t("app.language"), LANGUAGES, format_func=_LANGUAGE_NAMES.get, key=LANGUAGE_KEY,
                     horizontal=True)
    role = next(o.label.get(lang()) for o in ROLES if o.code == actor.role)
    st.sidebar.caption(md_escape(t("auth.signed_in_as", name=actor.name, role=role)))
    out, everywhere = st.sidebar.columns(2)
    out.button(t("auth.logout"), on_click=_logout, key="auth.logout", icon=":material/logout:")
    everywhere.button(t("auth.logout_everywhere"), on_click=_logout_everywhere, key="auth.logout_everywhere",
                      help=t("auth.logout_everywhere_help"))
    with st.sidebar.popover(t("auth.change_password"), icon=":material/key:"), st.form("auth.password_form"):
        st.text_input(t("auth.current_password"), type="password", key="auth.current_password")
        st.text_input(t("auth.new_password"), type="password", key="auth.new_password")
        st.text_input(t("auth.new_password_again"), type="password", key="auth.new_password_again")
        st.form_submit_button(t("auth.change_password"), on_click=_change_password)
