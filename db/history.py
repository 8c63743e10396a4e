"""History: every change to a row — who, when, which columns, before → after — kept append-only.

Entries are written by ``db.changes.apply`` inside the same transaction as the
change itself, so a change and its history stand or fall together. Triggers
(migration m003) refuse any UPDATE or DELETE of the history table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db.queries import quote
from schema.crm import CRM
from schema.model import Base, Table


@dataclass(frozen=True)
class Entry:
    """One recorded change of one row: ``changes`` maps a column to ``(before, after)``."""

    id: int
    change_id: int
    at: str
    user: str | None
    table: str
    row_id: int
    action: str
    changes: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class Stamp:
    """Who made a change, when, the save (change set) it belongs to, and the change it undoes if any."""

    user_id: int | None
    at: str
    change_id: int
    undoes: int | None = None


def stamp(db: sqlite_utils.Database, user_id: int | None, at: str, *, undoes: int | None = None) -> Stamp:
    """The stamp of a new save, with a fresh change id (call inside its write transaction)."""
    change_id = db.execute("SELECT COALESCE(MAX(change_id), 0) + 1 FROM history").fetchone()[0]
    return Stamp(user_id, at, change_id, undoes)


def record(db: sqlite_utils.Database, by: Stamp, *, table: str, row_id: int, action: str,
           changes: dict[str, tuple[Any, Any]]) -> None:
    """Append one entry (call inside the change's own write transaction)."""
    db.execute(
        "INSERT INTO history (change_id, at, user_id, table_name, row_id, action, changes, undoes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [by.change_id, by.at, by.user_id, table, int(row_id), action, json.dumps(changes, ensure_ascii=False),
         by.undoes],
    )


def stored_values(db: sqlite_utils.Database, table: Table, row_id: int) -> dict[str, Any] | None:
    """The columns a person can see and change, as stored now, or ``None`` if the row is gone."""
    names = [c.name for c in table.stored_columns]
    row = db.execute(
        f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table.name)} WHERE id = ?", [int(row_id)]
    ).fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


def row_history(db: sqlite_utils.Database, table_name: str, row_id: int, *, limit: int = 200,
                base: Base = CRM) -> list[Entry]:
    """The newest ``limit`` entries of a row and of the rows that belong to it (a customer's follow-ups).

    Rows that belong to it are found through the link recorded in the history
    itself, so deleted follow-ups still show.
    """
    owned = [(other.name, column.name) for other, column in base.links_to(table_name)
             if column.type.on_delete.upper() == "CASCADE"]
    conditions = ["(h.table_name = ? AND h.row_id = ?)"]
    params: list[Any] = [table_name, int(row_id)]
    for other, column in owned:
        # The link value stands in the entry's changes as [before, after]; either side names the owner.
        conditions.append(
            "(h.table_name = ? AND h.row_id IN (SELECT row_id FROM history WHERE table_name = ? AND ("
            "json_extract(changes, ?) = ? OR json_extract(changes, ?) = ?)))")
        params += [other, other, f'$."{column}"[0]', int(row_id), f'$."{column}"[1]', int(row_id)]
    sql = (
        "SELECT h.id, h.change_id, h.at, u.display_name, h.table_name, h.row_id, h.action, h.changes FROM history h "
        f"LEFT JOIN users u ON u.id = h.user_id WHERE {' OR '.join(conditions)} ORDER BY h.id DESC LIMIT ?"
    )
    rows = db.execute(sql, [*params, limit]).fetchall()
    return [Entry(*r[:7], {k: tuple(v) for k, v in json.loads(r[7]).items()}) for r in rows]
