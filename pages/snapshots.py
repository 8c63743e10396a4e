"""快照 (administrators): the base's snapshots, taking one now, and restoring one."""

import streamlit as st

from db import access, snapshots
from db.connection import base_path
from ui.entry import through_app
from ui.i18n import t
from ui.messages import describe, flash, show_flashes
from ui.session import acting, signed_in

REASONS = {"manual": "snapshots.manual", "daily": "snapshots.daily", "before-bulk": "snapshots.before_bulk",
           "before-restore": "snapshots.before_restore", "before-import": "snapshots.before_import"}


def _allowed() -> bool:
    """Whether the member logged in now may handle snapshots; says why not if not."""
    try:
        access.require(acting(), "snapshots")
    except access.AccessDenied as refused:
        flash("error", describe(refused)[0])
        return False
    return True


def _take() -> None:
    if _allowed():
        snapshot = snapshots.take(base_path(), reason="manual")
        flash("success", t("snapshots.taken", name=snapshot.path.name))


def _restore(name: str) -> None:
    if not _allowed():
        return
    try:
        safety = snapshots.restore(base_path(), snapshots.folder(base_path()) / name)
    except snapshots.SnapshotError as error:
        flash("error", t("snapshots.failed", reason=str(error)))
        return
    st.session_state.pop("snapshots.confirm", None)
    flash("success", t("snapshots.restored", name=name, safety=safety.path.name))


through_app()
actor = signed_in()
show_flashes()
st.title(t("snapshots.title"))
if not actor.can("snapshots"):
    st.warning(t("access.denied"))
    st.stop()
st.caption(t("snapshots.caption"))
st.button(t("snapshots.take"), on_click=_take, icon=":material/backup:", type="primary")
listing = snapshots.listing(base_path())
if not listing:
    st.info(t("snapshots.empty"))
for snapshot in listing:
    with st.container(border=True):
        text, action = st.columns([5, 1])
        reason = t(REASONS.get(snapshot.reason, "snapshots.manual"))
        text.markdown(f"**{snapshot.taken_at:%Y-%m-%d %H:%M:%S}** · {reason}")
        text.caption(t("snapshots.size", size=f"{snapshot.size / 1_048_576:,.1f}"))
        name = snapshot.path.name
        if st.session_state.get("snapshots.confirm") == name:
            action.button(t("snapshots.confirm"), key=f"snapshots.yes.{name}", on_click=_restore, args=(name,),
                          type="primary")
            text.warning(t("snapshots.confirm_text"))
        else:
            action.button(t("snapshots.restore"), key=f"snapshots.restore.{name}",
                          on_click=lambda n=name: st.session_state.update({"snapshots.confirm": n}))
