"""Editable grids: editor state to change sets, the save callback, conflicts and deletions.

The pattern (see DESIGN.md §4): the page loads one page of rows from SQL on
every run and draws ``st.data_editor`` under a key that carries the view, the
page and a version. The ``on_change`` callback turns the editor's state (edits
by position, added rows, deleted rows) into a :class:`ChangeSet` with the ids
and row versions bound at render time, applies it in one transaction, and
bumps the version so the grid remounts from the database.

A rejected save *holds* the grid: until the user fixes the input, discards it
or saves it anyway, the grid is drawn from the rows as they were when the user
typed, not from the base (a save naming a customer much like an existing one —
查重 — is held the same way, with 仍然保存). Redrawing fresh rows would either wipe what they
typed (Streamlit resets an editor whose data changes when rows can be added)
or pair it with a newer row version (a fixed-size editor keeps edits across
data changes), which would overwrite someone else's save without a word.
Deletions wait for a confirmation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from db.access import AccessDenied
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.connection import base_path, opened
from db.duplicates import SimilarCustomers
from db.errors import InvalidChanges, StaleRow
from db.queries import current_versions, dependent_counts
from schema.crm import CRM
from schema.model import Table
from schema.types import is_empty
from ui.cells import OPEN, column_config, misfits, to_frame
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.session import acting
from ui.text import md_escape


@dataclass(frozen=True)
class RowName:
    """How a row is named in messages: 第 3 行（华东精密）, or 新增第 1 行."""

    number: int
    label: str = ""
    new: bool = False

    def __str__(self) -> str:
        if self.new:
            return t("grid.new_row", row=self.number)
        return t("grid.row", row=self.number) + (f"（{self.label}）" if self.label else "")


@dataclass(frozen=True)
class Grid:
    """One editable grid of a table.

    ``fixed`` values go into every new row and their columns are hidden (the
    customer of a customer's own follow-ups); ``open_param`` names the query
    parameter that the 详情 checkbox sets to the row's id, along with ``open_with``
    (``{"table": "t3"}``: the table an added table's record belongs to). ``shown`` is the
    columns a saved view shows, in its order (``None``: the table's columns
    less those hidden in 字段).
    """

    table: Table
    key: str
    columns: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    can_add: bool = True
    can_delete: bool = True
    open_param: str | None = None
    open_with: Mapping[str, str] = field(default_factory=dict)
    shown: tuple[str, ...] | None = None

    @property
    def visible(self) -> tuple[str, ...]:
        """The columns shown, in order."""
        if self.shown is not None:
            return tuple(name for name in dict.fromkeys(self.shown) if name in self.columns and name not in self.fixed)
        return tuple(name for name in self.columns if name not in self.fixed and not self.table.column(name).hidden)


# --- session state ---------------------------------------------------------

def _state(grid: Grid, name: str) -> str:
    return f"{grid.key}.{name}"


def editor_key(grid: Grid, page: int, view: str = "") -> str:
    """The widget key for this grid's view (filters, sort) and page at its current version."""
    # The columns are part of the key: a field added, hidden or moved remounts the editor.
    columns = hashlib.sha1(",".join(grid.visible).encode()).hexdigest()[:8]
    return f"{grid.key}.{view}.{columns}.p{page}.v{st.session_state.get(_state(grid, 'version'), 0)}"


def reload(grid: Grid) -> None:
    """Forget unsaved edits, a held grid and pending deletions; remount from the base."""
    st.session_state[_state(grid, "version")] = st.session_state.get(_state(grid, "version"), 0) + 1
    for name in ("held", "pending"):
        st.session_state.pop(_state(grid, name), None)


@dataclass(frozen=True)
class Held:
    """A grid held after a rejected save: what was drawn, what was asked, and why it was refused."""

    key: str
    rows: list[dict[str, Any]]
    changes: ChangeSet
    heading: str
    lines: list[str]
    conflict: bool
    similar: bool = False


# --- grid -> change set -------------------------------------------------------

def changes_from_editor(
    grid: Grid, state: Mapping[str, Any], ids: list[int], versions: list[int], names: list[str] | None = None
) -> tuple[ChangeSet, list[int]]:
    """The change set an editor's state asks for, and the ids ticked to open.

    ``state`` is the data editor's session value (``edited_rows`` by position,
    ``added_rows``, ``deleted_rows``); ``ids`` and ``versions`` are those of
    the rows as drawn, ``names`` their labels for messages. New rows left
    completely empty are not changes yet; edits to rows that are also deleted
    are dropped.
    """
    names = names or [""] * len(ids)
    deleted = sorted({int(pos) for pos in state.get("deleted_rows", [])})
    opened_ids = []
    edits = []
    for pos, cells in sorted(state.get("edited_rows", {}).items(), key=lambda item: int(item[0])):
        pos = int(pos)
        cells = dict(cells)
        if cells.pop(OPEN, False):
            opened_ids.append(int(ids[pos]))
        if cells and pos not in deleted:
            edits.append(RowEdit(int(ids[pos]), int(versions[pos]), cells, row=RowName(pos + 1, names[pos])))
    inserts = []
    for number, cells in enumerate(state.get("added_rows", []), start=1):
        values = {name: value for name, value in cells.items() if name != OPEN and not is_empty(value)}
        if values:
            inserts.append(NewRow({**values, **grid.fixed}, row=RowName(number, new=True)))
    deletes = tuple(RowDelete(int(ids[pos]), int(versions[pos]), row=RowName(pos + 1, names[pos])) for pos in deleted)
    return ChangeSet(grid.table.name, tuple(edits), tuple(inserts), deletes), opened_ids


def save(grid: Grid, changes: ChangeSet, key: str, rows: list[dict[str, Any]], *, allow_similar: bool = False) -> bool:
    """Apply ``changes`` made in the editor ``key`` over ``rows``; return whether anything was written.

    On success the grid reloads and a message says what was written. On a
    rejection the grid is held (see the module docstring) with every problem;
    a near duplicate (查重) holds it with a warning until saved anyway.
    """
    try:
        with opened(base_path()) as db:
            applied = apply(db, changes, actor=acting(), allow_similar=allow_similar)
    except SimilarCustomers as error:
        st.session_state[_state(grid, "held")] = Held(key, rows, changes, "duplicate.similar", describe(error), False,
                                                      similar=True)
        return False
    except (InvalidChanges, StaleRow, AccessDenied) as error:
        conflict = isinstance(error, StaleRow)
        heading = "grid.conflict" if conflict else "grid.rejected"
        st.session_state[_state(grid, "held")] = Held(key, rows, changes, heading, describe(error), conflict)
        return False
    reload(grid)
    counts = {"grid.updated": applied.updated, "grid.inserted": len(applied.inserted), "grid.deleted": applied.deleted}
    parts = [t(name, count=count) for name, count in counts.items() if count]
    flash("success", t("grid.saved", parts=t("app.separator").join(parts)))
    return True


def _on_change(grid: Grid, key: str, rows: list[dict[str, Any]]) -> None:
    ids = [int(row["id"]) for row in rows]
    versions = [int(row["version"]) for row in rows]
    names = [str(row.get(grid.table.label_column) or "") for row in rows]
    changes, opened_ids = changes_from_editor(grid, st.session_state[key], ids, versions, names)
    if changes.deletes:  # nothing opens while a deletion waits for its confirmation
        gone = [names[ids.index(d.row_id)] for d in changes.deletes]
        st.session_state[_state(grid, "pending")] = (key, rows, changes, gone)
        return
    if changes.is_empty():
        if opened_ids:
            _open(grid, opened_ids[-1])
            reload(grid)  # untick the box
        return
    if save(grid, changes, key, rows) and opened_ids:  # edits typed first are saved first; refused, they stay held
        _open(grid, opened_ids[-1])


def _open(grid: Grid, row_id: int) -> None:
    """Show the record ``row_id`` (the 详情 box): its address, read by the page on the rerun."""
    if grid.open_param:
        st.query_params.update({**grid.open_with, grid.open_param: str(row_id)})


def _confirm_delete(grid: Grid) -> None:
    key, rows, changes, _ = st.session_state.pop(_state(grid, "pending"))
    save(grid, changes, key, rows)


def _cancel_delete(grid: Grid) -> None:
    key, rows, changes, _ = st.session_state.pop(_state(grid, "pending"))
    kept = replace(changes, deletes=())
    if kept.is_empty() or save(grid, kept, key, rows):
        reload(grid)
        flash("info", t("delete.cancelled"))


def _show_pending_delete(grid: Grid) -> None:
    _, _, changes, names = st.session_state[_state(grid, "pending")]
    ids = [d.row_id for d in changes.deletes]
    with opened(base_path()) as db:
        cascades = dependent_counts(db, grid.table.name, ids)
    with st.container(border=True):
        st.warning(md_escape(t("delete.confirm_title", count=len(ids))))
        st.caption(md_escape(t("delete.names", names=t("app.separator").join(str(n) for n in names))))
        for table_name, count in cascades.items():
            if count:
                st.caption(md_escape(t("delete.cascade", count=count,
                                       table=CRM.table(table_name).label.get(lang()))))
        left, right, _ = st.columns([1, 1, 4])
        left.button(t("delete.confirm"), type="primary", on_click=_confirm_delete, args=(grid,),
                    key=_state(grid, "confirm"))
        right.button(t("delete.cancel"), on_click=_cancel_delete, args=(grid,), key=_state(grid, "cancel"))


def _discard(grid: Grid) -> None:
    reload(grid)
    flash("info", t("grid.discarded"))


def _overwrite(grid: Grid) -> None:
    """Save the held edits again on top of the rows' current versions (the user chose to)."""
    held: Held = st.session_state[_state(grid, "held")]
    changes = held.changes
    ids = [e.row_id for e in changes.edits] + [d.row_id for d in changes.deletes]
    with opened(base_path()) as db:
        current = current_versions(db, grid.table.name, ids)
    newer = replace(
        changes,
        edits=tuple(replace(e, version=current.get(e.row_id, e.version)) for e in changes.edits),
        deletes=tuple(replace(d, version=current.get(d.row_id, d.version)) for d in changes.deletes),
    )
    save(grid, newer, held.key, held.rows)


def _save_anyway(grid: Grid) -> None:
    """Save the held input although it names customers much like existing ones (the user checked them)."""
    held: Held = st.session_state[_state(grid, "held")]
    save(grid, held.changes, held.key, held.rows, allow_similar=True)


def _height(rows: int, *, adds: bool) -> int:
    """Pixels for the header, up to 14 rows, and the empty row that adds one (35 px each)."""
    return (min(rows, 14) + 1 + int(adds)) * 35 + 3


def _forget_if_elsewhere(grid: Grid, key: str) -> None:
    """Drop a held grid or pending deletion left on another page or view: its editor is gone."""
    held = st.session_state.get(_state(grid, "held"))
    if held is not None and held.key != key:
        st.session_state.pop(_state(grid, "held"))
    pending = st.session_state.get(_state(grid, "pending"))
    if pending is not None and pending[0] != key:
        st.session_state.pop(_state(grid, "pending"))


def show(grid: Grid, rows: list[dict[str, Any]], links: Mapping[str, Mapping[int, str]], *,
         page: int = 1, view: str = "") -> None:
    """Draw the grid for ``rows`` (or the held rows), with any problems and a pending deletion above it."""
    key = editor_key(grid, page, view)
    _forget_if_elsewhere(grid, key)
    held: Held | None = st.session_state.get(_state(grid, "held"))
    if held is not None:
        rows = held.rows
        alert = st.warning if held.similar else st.error
        alert(md_escape(t(held.heading)) + "\n\n" + "\n".join(f"- {line}" for line in held.lines))
        left, right, _ = st.columns([1, 1, 3])
        left.button(t("grid.discard"), on_click=_discard, args=(grid,), key=_state(grid, "discard"))
        if held.similar:
            right.button(t("grid.save_anyway"), type="primary", on_click=_save_anyway, args=(grid,),
                         key=_state(grid, "save_anyway"))
        if held.conflict:
            right.button(t("grid.overwrite"), on_click=_overwrite, args=(grid,), key=_state(grid, "overwrite"))
    if _state(grid, "pending") in st.session_state:
        _show_pending_delete(grid)
    num_rows = {(True, True): "dynamic", (True, False): "add", (False, True): "delete"}.get(
        (grid.can_add, grid.can_delete), "fixed")
    with_open = grid.open_param is not None
    as_text = misfits(grid.table, grid.visible, rows)
    odd = [grid.table.column(name).label.get(lang()) for name in as_text if not grid.table.column(name).computed]
    if odd and held is None:  # a failed formula says why in its cell; stored values that do not fit are told here
        st.warning(md_escape(t("grid.misfits", fields="、".join(odd))))
    st.data_editor(
        to_frame(grid.table, grid.visible, rows, with_open=with_open, as_text=as_text),
        key=key,
        column_config=column_config(grid.table, grid.visible, links, with_open=with_open, as_text=as_text),
        column_order=([OPEN] if with_open else []) + list(grid.visible),
        hide_index=True,
        num_rows=num_rows,
        width="stretch",
        height=_height(len(rows), adds=grid.can_add),
        placeholder="",
        on_change=_on_change,
        args=(grid, key, rows),
    )
