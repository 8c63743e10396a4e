"""Who is using this browser session, in which language: the sidebar controls.

Until accounts arrive (a later issue), the current member is chosen in the
sidebar; it is recorded as the author of every change.
"""

from __future__ import annotations

import streamlit as st

from db.connection import base_path, opened
from db.queries import link_options
from schema.labels import LANGUAGES
from ui.i18n import LANGUAGE_KEY, t

USER_KEY = "app.user_id"
_LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def current_user_id() -> int | None:
    """The id of the member this session acts as, or ``None``."""
    value = st.session_state.get(USER_KEY)
    return int(value) if value is not None else None


def sidebar() -> None:
    """The language switch and the member picker."""
    st.sidebar.radio(t("app.language"), LANGUAGES, format_func=_LANGUAGE_NAMES.get, key=LANGUAGE_KEY,
                     horizontal=True)
    with opened(base_path()) as db:
        members = link_options(db, "users", active_only=True)
    if not members:
        st.sidebar.warning(t("app.no_users"))
        st.session_state.pop(USER_KEY, None)
        return
    if st.session_state.get(USER_KEY) not in members:
        st.session_state[USER_KEY] = next(iter(members))
    st.sidebar.selectbox(t("app.me"), list(members), format_func=members.get, key=USER_KEY,
                         help=t("app.me_help"))
