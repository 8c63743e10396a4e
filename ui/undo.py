"""The sidebar's undo button and the trash's restore buttons: callbacks that undo a change."""

from __future__ import annotations

import streamlit as st

from db.access import AccessDenied
from db.connection import base_path, opened
from db.undo import UndoRefused, last_change, undo
from ui.i18n import t
from ui.messages import describe, flash
from ui.session import acting


def undo_change(change_id: int | None, done: str) -> None:
    """Undo ``change_id`` and flash ``done`` (a catalog key), or say why not."""
    if change_id is None:
        flash("info", t("undo.nothing"))
        return
    try:
        with opened(base_path()) as db:
            undo(db, change_id, actor=acting())
    except (UndoRefused, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    flash("success", t(done))


def undo_last() -> None:
    """Undo the logged-in member's latest change (a button callback)."""
    try:
        actor = acting()
    except AccessDenied as refused:
        flash("error", describe(refused)[0])
        return
    with opened(base_path()) as db:
        change = last_change(db, actor)
    undo_change(change, "undo.done")


def undo_button() -> None:
    """The sidebar button."""
    st.sidebar.button(t("undo.button"), help=t("undo.help"), on_click=undo_last, key="app.undo",
                      icon=":material/undo:")
