"""查重: suspected duplicate customers across the base, and merging a group into one customer."""

import pandas as pd
import streamlit as st

from db.connection import base_path, opened
from db.duplicates import group_rows, merge, scan
from db.errors import Refused, StaleRow
from db.settings import rules
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import describe, flash, show_flashes
from ui.schema import current_base
from ui.session import acting, signed_in
from ui.text import md_escape

GROUPS, PAGE_SIZE = "duplicates.groups", 10
COLUMNS = ("name", "phone", "email", "owner_id", "follow_up_count", "created_on")


def _rescan() -> None:
    st.session_state.pop(GROUPS, None)


def _merge(group: int, versions: dict[int, int], names: dict[int, str]) -> None:
    keep = st.session_state[f"duplicates.keep.{group}"]
    try:
        with opened(base_path()) as db:
            merge(db, keep, versions, actor=acting())
    except (StaleRow, Refused) as error:
        flash("error", "\n".join(describe(error)))
        return
    st.session_state[GROUPS] = [g for g in st.session_state.get(GROUPS, []) if set(g[0]) != set(versions)]
    flash("success", md_escape(t("duplicates.merged", count=len(versions) - 1, name=names[keep])))



def _shown(row: dict, name: str):
    """A group row's cell as the table shows it: the owner's name or 公海, and nothing (not "None") for empty."""
    if name == "owner_id":
        return row["owner"] or t("duplicates.pool")
    if name == "follow_up_count":
        return row["follow_ups"]
    return row[name] or ""

through_app()
actor = signed_in()
show_flashes()
customers = current_base().table("customers")
st.title(t("duplicates.title"))
with opened(base_path()) as db:
    st.caption(md_escape(t("duplicates.caption", similarity=rules(db).duplicate_similarity)))
    if GROUPS not in st.session_state:  # first visit, or 重新查重: the whole base, with a progress bar
        bar = st.progress(0.0, text=t("duplicates.scanning"))
        found = scan(db, actor, progress=lambda share: bar.progress(share, text=t("duplicates.scanning")))
        bar.empty()
        st.session_state[GROUPS] = [(g.ids, sorted(g.reasons)) for g in found]
    groups = st.session_state[GROUPS]
    st.button(t("duplicates.rescan"), on_click=_rescan, key="duplicates.rescan")
    if not groups:
        st.success(t("duplicates.none"))
        st.stop()
    pages = (len(groups) + PAGE_SIZE - 1) // PAGE_SIZE
    if st.session_state.get("duplicates.page_number", 1) > pages:  # fewer groups after merges
        st.session_state["duplicates.page_number"] = pages
    page = st.number_input(t("duplicates.page"), 1, pages, 1, key="duplicates.page_number") if pages > 1 else 1
    first = (page - 1) * PAGE_SIZE
    st.caption(t("duplicates.found", count=len(groups), first=first + 1, last=min(first + PAGE_SIZE, len(groups))))
    shown = [(first + n + 1, group_rows(db, ids), reasons) for n, (ids, reasons) in
             enumerate(groups[first:first + PAGE_SIZE])]

for number, rows, reasons in shown:
    if len(rows) < 2:  # merged or deleted since the scan
        continue
    with st.container(border=True):
        why = t("app.separator").join(t(f"duplicates.reason.{reason}") for reason in reasons)
        st.markdown("**" + md_escape(t("duplicates.group", number=number, count=len(rows), reasons=why)) + "**")
        frame = pd.DataFrame({
            t("duplicates.id"): [r["id"] for r in rows],
            **{customers.column(name).label.get(lang()): [_shown(r, name) for r in rows] for name in COLUMNS},
            t("grid.open"): [f"/customers?customer={r['id']}" for r in rows],
        })
        st.dataframe(frame, hide_index=True, width="stretch", column_config={
            t("grid.open"): st.column_config.LinkColumn(display_text=t("grid.open"))})
        names = {r["id"]: r["name"] for r in rows}
        best = max(rows, key=lambda r: (r["follow_ups"] or 0, -r["id"]))["id"]
        choice, action = st.columns([3, 1])
        choice.radio(t("duplicates.keep"), list(names), index=list(names).index(best), horizontal=True,
                     format_func=lambda i, names=names: md_escape(f"{names[i]} · {i}"),
                     key=f"duplicates.keep.{rows[0]['id']}")
        action.button(t("duplicates.merge"), type="primary", key=f"duplicates.merge.{rows[0]['id']}",
                      on_click=_merge, args=(rows[0]["id"], {r["id"]: r["version"] for r in rows}, names))
