"""The 视图 bar above a grid: open a saved view (its own URL ``?view=ID``), save the current one, delete.

Opening a view fills 保存视图 with its name (and 共享, 打开时默认显示), so saving after changing a filter
updates that view in place, under the same address; another name saves a new view.

A view is the state of the grid's controls under the page's prefix: filters,
全部满足/任一满足 and the sort keys, 然后按 too (``ui/filters.py``), columns, grouping and the
group picked (``ui/layout.py``); opening one writes that state back before the
controls are drawn, and controls a view does not mention start at their
defaults (views saved before a control existed open as they were). A grid
opens with the member's default view, else the shared one.

The same bar stands above a table's 看板视图 and 日历, whose filter controls
are the grid's (``ui/filter_bar.py``): a view opened there shows its records
as cards or on days, and the bar links an open view to its other two forms.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import streamlit as st

from db import views
from db.access import AccessDenied, Actor
from db.connection import base_path, opened
from ui.filters import clear
from ui.i18n import t
from ui.layout import defaults_key
from ui.messages import describe, flash
from ui.schema import current_base
from ui.session import acting

#: Controls under the prefix that are not part of a view (page number, buttons).
_NOT_STATE = re.compile(r"\.(page|clear|add|remove)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NONE = 0


def _loaded_key(prefix: str) -> str:
    return f"views.{prefix}.loaded"


def current_state(prefix: str) -> dict[str, Any]:
    """What the grid's controls hold now (JSON-ready), leaving out columns never changed from the table's own
    (so the view keeps following the 字段 panel, fields added later included)."""
    defaults = st.session_state.get(defaults_key(prefix), {})
    state = {}
    for key, value in st.session_state.items():
        if isinstance(key, str) and key.startswith(prefix + ".") and not _NOT_STATE.search(key):
            name = key[len(prefix) + 1:]
            if name in defaults and value == defaults[name]:
                continue
            state[name] = value.isoformat() if isinstance(value, dt.date) else value
    return state


def _load(prefix: str, view_id: int, state: dict[str, Any]) -> None:
    clear(prefix)
    for name, value in state.items():  # date inputs: a range's two ends, a condition's day
        is_date = name.endswith((".from", ".to", ".date")) and isinstance(value, str) and _DATE.match(value)
        st.session_state[f"{prefix}.{name}"] = dt.date.fromisoformat(value) if is_date else value
    st.session_state[_loaded_key(prefix)] = view_id


def _prefill(prefix: str, actor: Actor, found: views.View | None) -> None:
    """Fill 保存视图's name (and 共享, 打开时默认显示) from the view just opened, so saving again updates it in
    place; empty them when none is. A view the actor may not change (a shared one, for a salesperson) gives
    only its name: saving then makes her own view of that name."""
    mine = found is not None and (not found.shared or actor.can("transfer"))
    st.session_state[f"views.{prefix}.name"] = found.name if found else ""
    st.session_state[f"views.{prefix}.shared"] = bool(mine and found.shared)
    st.session_state[f"views.{prefix}.default"] = bool(mine and found.is_default)


def _open(prefix: str, table: str) -> None:
    chosen = st.session_state.get(f"views.{prefix}.select", NONE)
    actor = acting()
    if chosen == NONE:
        clear(prefix)
        st.session_state[_loaded_key(prefix)] = NONE
        st.query_params.pop("view", None)
        _prefill(prefix, actor, None)
        return
    with opened(base_path()) as db:
        found = views.view(db, actor, chosen)
    if found is not None:
        _load(prefix, found.id, found.state)
        _prefill(prefix, actor, found)
        st.query_params["view"] = str(found.id)


def _save(prefix: str, table: str) -> None:
    state, actor = st.session_state, acting()
    shared = actor.can("transfer") and bool(state.get(f"views.{prefix}.shared"))  # the box only they see
    try:
        with opened(base_path()) as db:
            view_id = views.save_view(db, actor, table, state.get(f"views.{prefix}.name", ""),
                                      current_state(prefix), shared=shared,
                                      default=bool(state.get(f"views.{prefix}.default")))
    except (views.ViewError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    state[_loaded_key(prefix)] = view_id
    state[f"views.{prefix}.select"] = view_id
    st.query_params["view"] = str(view_id)
    flash("success", t("views.saved"))


def _delete(prefix: str, view_id: int) -> None:
    try:
        with opened(base_path()) as db:
            views.delete_view(db, acting(), view_id)
    except (views.ViewError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    st.session_state[_loaded_key(prefix)] = NONE
    st.session_state[f"views.{prefix}.select"] = NONE
    st.query_params.pop("view", None)
    _prefill(prefix, acting(), None)
    flash("success", t("views.deleted"))


#: The forms a view's records take: the page, its words and icon (the grid's page depends on the table).
_SHOWN_AS = {
    "grid": (None, "views.as_grid", ":material/table_view:"),
    "kanban": ("pages/kanban.py", "views.as_kanban", ":material/view_kanban:"),
    "calendar": ("pages/calendar.py", "views.as_calendar", ":material/calendar_month:"),
}
_GRID_PAGES = {"customers": "pages/customers.py", "follow_ups": "pages/follow_ups.py"}


def _elsewhere(table: str, view_id: int, shown_as: str) -> None:
    """Links that open the view ``view_id`` in its other forms (the grid, the board, the calendar)."""
    from ui import calendar, kanban  # here: they draw records, the bar only links to them

    shown = current_base().table(table)
    usable = {"grid": True, "kanban": bool(kanban.groupable(shown)), "calendar": bool(calendar.dated(shown))}
    places = [place for place in _SHOWN_AS if place != shown_as and usable[place]]  # never a page that would stop
    if not places:
        return
    for place, cell in zip(places, st.columns(len(places) + 2)[:len(places)], strict=True):
        page, words, icon = _SHOWN_AS[place]
        params = {"view": str(view_id)}
        if page is not None or table not in _GRID_PAGES:  # the board, the calendar and 数据表 pick their table
            params = {"table": table} | params
        cell.page_link(page or _GRID_PAGES.get(table, "pages/tables.py"), label=t(words), icon=icon,
                       query_params=params)


def bar(table: str, prefix: str, actor: Actor, *, shown_as: str = "grid") -> None:
    """The view select, 保存视图 and 删除视图, and for an open view links to its other forms; call it before the
    filter controls are drawn. ``shown_as``: the form on this page (``grid``, ``kanban`` or ``calendar``)."""
    with opened(base_path()) as db:
        available = views.views(db, actor, table)
        wanted = st.query_params.get("view")
        if wanted is None and _loaded_key(prefix) not in st.session_state:
            default = views.default_view(db, actor, table)  # first visit in this session
            wanted = str(default.id) if default else None
        loaded = st.session_state.get(_loaded_key(prefix), NONE)
        if wanted and wanted.isdigit() and int(wanted) != loaded:
            found = views.view(db, actor, int(wanted))
            if found is not None and found.table == table:
                _load(prefix, found.id, found.state)
                _prefill(prefix, actor, found)
                st.session_state[f"views.{prefix}.select"] = found.id
            else:  # said once: the address forgets it
                st.warning(t("views.not_found"))
                st.query_params.pop("view", None)
        st.session_state.setdefault(_loaded_key(prefix), NONE)
    names = {NONE: t("views.all")} | {v.id: (f"{v.name}（{t('views.shared')}）" if v.shared else v.name)
                                      for v in available}
    if st.session_state.get(f"views.{prefix}.select") not in names:
        st.session_state[f"views.{prefix}.select"] = NONE
    pick, save, remove = st.columns([3, 1, 1])
    chosen = pick.selectbox(t("views.label"), list(names), format_func=names.get, key=f"views.{prefix}.select",
                            on_change=_open, args=(prefix, table))
    with save.popover(t("views.save"), icon=":material/bookmark_add:"):
        st.text_input(t("views.name"), key=f"views.{prefix}.name", max_chars=views.MAX_NAME,
                      placeholder=t("views.name_placeholder"))
        if actor.can("transfer"):
            st.checkbox(t("views.share"), key=f"views.{prefix}.shared")
        st.checkbox(t("views.default"), key=f"views.{prefix}.default")
        st.button(t("views.save"), on_click=_save, args=(prefix, table), key=f"views.{prefix}.save", type="primary")
    if chosen != NONE:
        remove.button(t("views.delete"), on_click=_delete, args=(prefix, chosen), key=f"views.{prefix}.delete",
                      icon=":material/bookmark_remove:")
        _elsewhere(table, chosen, shown_as)
