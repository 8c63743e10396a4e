"""回收站: deletions of the last 30 days, restored exactly with what they took along."""

import streamlit as st

from db.connection import base_path, opened
from db.undo import trash, trash_days
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in
from ui.text import md_escape
from ui.undo import undo_change

RETENTION_DAYS = trash_days()

through_app()
actor = signed_in()
base = current_base()
show_flashes()
st.title(t("trash.title"))
st.caption(t("trash.caption", days=RETENTION_DAYS))
with opened(base_path()) as db:
    deleted = trash(db, actor=actor, days=RETENTION_DAYS)

if not deleted:
    st.info(t("trash.empty"))
for item in deleted:
    with st.container(border=True):
        text, action = st.columns([5, 1])
        names = t("app.separator").join(item.labels)
        table = base.table(item.table).label.get(lang()) if base.has_table(item.table) else t("attachments.record")
        text.markdown(md_escape(t("trash.item", table=table, names=names)))
        meta = t("trash.meta", who=item.user or t("stale.someone"), when=item.at)
        if item.taken_along:
            meta += " · " + t("trash.taken_along", count=item.taken_along)
        text.caption(md_escape(meta))
        action.button(t("trash.restore"), key=f"trash.restore.{item.change_id}", on_click=undo_change,
                      args=(item.change_id, "trash.restored"))
