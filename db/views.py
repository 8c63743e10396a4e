"""Saved views: a named search, filters, sort, columns and grouping of a grid, personal or shared, with a
default per table.

A view's ``state`` is what the grid's controls hold (search text, picked
options, 未跟进超过 N 天, 全部满足/任一满足, the sort keys and their directions, the columns shown
in order, the column grouped by and the group picked), saved as JSON and put
back when the view is opened — so every filter the grid offers, on built-in,
computed and added fields, can be saved, and a control added later needs no
migration (a view without its key opens with the control's default). Shared views are made and removed by
managers and administrators; anyone saves personal ones. Saving again under a view's name updates it in
place, so its address keeps working.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import access
from db.access import Actor
from db.connection import write_transaction
from db.errors import Refused

MAX_NAME = 40


class ViewError(Refused):
    """A view change was refused; ``reason`` is a message key, ``params`` fill it in."""


@dataclass(frozen=True)
class View:
    """One saved view: who owns it (``None``: shared), whether it opens by default, and its state."""

    id: int
    table: str
    name: str
    owner_id: int | None
    is_default: bool
    state: dict[str, Any]

    @property
    def shared(self) -> bool:
        """Whether everyone sees this view."""
        return self.owner_id is None


def _view(row: tuple) -> View:
    return View(row[0], row[1], row[2], row[3], bool(row[4]), json.loads(row[5]))


_COLUMNS = "id, table_name, name, owner_id, is_default, state"


def views(db: sqlite_utils.Database, actor: Actor, table_name: str) -> list[View]:
    """The views of ``table_name`` the actor may open: shared ones, then their own, by name."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM views WHERE table_name = ? AND (owner_id IS NULL OR owner_id = ?) "
        "ORDER BY owner_id IS NOT NULL, name", [table_name, actor.user_id]).fetchall()
    return [_view(row) for row in rows]


def view(db: sqlite_utils.Database, actor: Actor, view_id: int) -> View | None:
    """The view ``view_id`` if the actor may open it (a view's link works only for those who see it)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM views WHERE id = ? AND (owner_id IS NULL OR owner_id = ?)",
                     [int(view_id), actor.user_id]).fetchone()
    return _view(row) if row else None


def default_view(db: sqlite_utils.Database, actor: Actor, table_name: str) -> View | None:
    """The view a grid opens with: the actor's own default, else the shared default, else none."""
    found = [v for v in views(db, actor, table_name) if v.is_default]
    return next((v for v in found if not v.shared), None) or next(iter(found), None)


def save_view(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, state: dict[str, Any], *,
              shared: bool = False, default: bool = False, now: dt.datetime | None = None) -> int:
    """Save the grid state as a view; return its id.

    Saving under a name the actor's views of ``table_name`` already have (or, with ``shared``, the shared
    views) updates that view in place: its id, and so its address ``?view=ID``, stays. A personal view and
    a shared one are apart even under one name: a salesperson saving with a shared view's name makes her
    own view of that name and leaves the shared one as it was. ``default`` makes it the one default of
    the table among the owner's views (or the shared ones); without it the view is no longer the default.

    Raises ViewError (no name, too long) or AccessDenied (a shared view by a salesperson).
    """
    name = " ".join((name or "").split())
    if not name:
        raise ViewError("view.name_required")
    if len(name) > MAX_NAME:
        raise ViewError("view.name_too_long", limit=MAX_NAME)
    if shared:
        access.require(actor, "transfer")  # managers and administrators: they decide what everyone sees
    owner = None if shared else actor.user_id
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    saved = json.dumps(state, ensure_ascii=False, default=str)
    with write_transaction(db):
        access.resolve(db, actor)
        if default:
            db.execute("UPDATE views SET is_default = 0 WHERE table_name = ? AND owner_id IS ?", [table_name, owner])
        found = db.execute("SELECT id FROM views WHERE table_name = ? AND owner_id IS ? AND name = ? ORDER BY id "
                           "LIMIT 1", [table_name, owner, name]).fetchone()
        if found is not None:
            db.execute("UPDATE views SET state = ?, is_default = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                       [saved, int(default), stamp, actor.user_id, found[0]])
            return int(found[0])
        return int(db.execute(
            "INSERT INTO views (table_name, name, owner_id, is_default, state, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [table_name, name, owner, int(default), saved, stamp, actor.user_id]).lastrowid)


def delete_view(db: sqlite_utils.Database, actor: Actor, view_id: int) -> None:
    """Delete one of the actor's views, or a shared one (managers and administrators)."""
    with write_transaction(db):
        found = view(db, actor, view_id)
        if found is None:
            raise ViewError("view.not_found")
        if found.shared:
            access.require(actor, "transfer")
        db.execute("DELETE FROM views WHERE id = ?", [found.id])
