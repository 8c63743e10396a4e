"""History: every change to a row — who, when, which columns, before → after — kept append-only.

Entries are written by ``db.changes.apply`` inside the same transaction as the
change itself, so a change and its history stand or fall together. Triggers
(migration m003) refuse any UPDATE or DELETE of the history table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from db import access
from db.access import Actor
from db.fields import load_base
from db.queries import quote
from schema.model import Base, Table

#: In a deletion's entry, the row's version when it was deleted (not a column; undo restores above it).
VERSION_KEY = "_version"


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
    #: A move into or out of the 公海 (db/pool.py): why (``claimed``, ``released``, ``returned_overdue``,
    #: ``assigned``, ``undone``) and, for a release, the member's own words.
    pool_reason: str | None = None
    pool_note: str | None = None
    #: A record a visitor added through a 公开表单 (db/public_forms.py): the form's title (``user`` is ``None``).
    form: str | None = None


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
    """The columns a person can see and change, as stored now, or ``None`` if the row is gone.

    Added fields in the trash count too (their column and data are still in
    the table): a row deleted meanwhile must keep those values for a restore.
    """
    names = [c.name for c in table.stored_columns]
    names += [name for name in added_columns(db, table.name) if name not in names]
    row = db.execute(
        f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table.name)} WHERE id = ?", [int(row_id)]
    ).fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


def added_columns(db: sqlite_utils.Database, table_name: str) -> list[str]:
    """The SQL columns of ``table_name`` that hold added fields (``f<number>``), trashed ones included."""
    return [row[1] for row in db.execute(f"PRAGMA table_info({quote(table_name)})").fetchall()
            if re.fullmatch(r"f[0-9]+", row[1])]


def row_history(db: sqlite_utils.Database, table_name: str, row_id: int, *, actor: Actor, limit: int = 200,
                base: Base | None = None) -> list[Entry]:
    """The newest ``limit`` entries of a row and of the rows that belong to it (a customer's follow-ups).

    Rows that belong to it are found through the link recorded in the history
    itself, so deleted follow-ups still show. Raises AccessDenied unless the
    row is one ``actor`` may see (or the actor may read the activity log).
    """
    base = base or load_base(db)
    if not actor.can("activity_log") and not access.visible_ids(db, actor, table_name, [row_id]):
        raise access.AccessDenied("access.not_yours", table=table_name, row=row_id)
    columns = "h.id, h.change_id, h.at, u.display_name, h.table_name, h.row_id, h.action, h.changes"
    rows = db.execute(
        f"SELECT {columns} FROM history h LEFT JOIN users u ON u.id = h.user_id "
        "WHERE h.table_name = ? AND h.row_id = ? ORDER BY h.id DESC LIMIT ?", [table_name, int(row_id), limit]
    ).fetchall()
    rows += db.execute(  # its files: uploaded, deleted, restored (db/attachments.py)
        f"SELECT {columns} FROM history h LEFT JOIN users u ON u.id = h.user_id WHERE h.table_name = 'attachments' "
        "AND h.row_id IN (SELECT a.id FROM attachments a WHERE a.table_name = ? AND a.row_id = ?)",
        [table_name, int(row_id)]).fetchall()
    for other, column in base.links_to(table_name):
        if column.type.on_delete.upper() != "CASCADE":
            continue
        # Candidates: rows whose link named this row at some time (either side of [before, after]) ...
        candidates = db.execute(
            f"SELECT {columns} FROM history h LEFT JOIN users u ON u.id = h.user_id WHERE h.table_name = ? "
            "AND h.row_id IN (SELECT row_id FROM history WHERE table_name = ? AND "
            "(json_extract(changes, ?) = ? OR json_extract(changes, ?) = ?)) ORDER BY h.id",
            [other.name, other.name, f'$."{column.name}"[0]', int(row_id), f'$."{column.name}"[1]', int(row_id)],
        ).fetchall()
        rows += _while_linked(candidates, column.name, int(row_id))
    rows.sort(key=lambda r: r[0], reverse=True)
    return with_form_titles(db, with_pool_reasons(db, [_entry(r) for r in rows[:limit]]))


def with_form_titles(db: sqlite_utils.Database, entries: list[Entry]) -> list[Entry]:
    """``entries`` with the title of the 公开表单 that wrote each change made under no member."""
    changes = sorted({e.change_id for e in entries if e.user is None})
    if not changes:
        return entries
    marks = ", ".join("?" for _ in changes)
    titles = dict(db.execute(
        "SELECT p.change_id, f.title FROM public_form_posts p JOIN public_forms f ON f.id = p.form_id "
        f"WHERE p.change_id IN ({marks})", changes).fetchall())
    return [replace(e, form=titles[e.change_id]) if e.change_id in titles else e for e in entries]


def with_pool_reasons(db: sqlite_utils.Database, entries: list[Entry]) -> list[Entry]:
    """``entries`` with the reason of each move into or out of the 公海 (``pool_moves``, migration m012),
    matched by change and customer."""
    changes = sorted({e.change_id for e in entries if e.table == "customers" and "owner_id" in e.changes})
    if not changes:
        return entries
    marks = ", ".join("?" for _ in changes)
    reasons = {(r[0], r[1]): (r[2], r[3]) for r in db.execute(
        f"SELECT change_id, customer_id, reason, note FROM pool_moves WHERE change_id IN ({marks})", changes)}
    found = []
    for entry in entries:
        reason, note = reasons.get((entry.change_id, entry.row_id), (None, None)) if entry.table == "customers" \
            else (None, None)
        found.append(replace(entry, pool_reason=reason, pool_note=note) if reason else entry)
    return found


def _while_linked(entries: list[tuple], link: str, owner: int) -> list[tuple]:
    """... and of their entries, those made while the row belonged to ``owner`` (in id order).

    A follow-up moved to another customer takes its later history with it:
    the first customer's history shows the move, not what was written after.
    """
    linked_to: dict[int, Any] = {}
    kept = []
    for entry in entries:
        row_id, changes = entry[5], json.loads(entry[7])
        before = linked_to.get(row_id)
        if link in changes:
            before, after = changes[link][0], changes[link][1]
        else:
            after = None if entry[6] == "delete" else before
        if owner in (before, after):
            kept.append(entry)
        linked_to[row_id] = after
    return kept


def activity(db: sqlite_utils.Database, *, actor: Actor, user_id: int | None = None, table_name: str | None = None,
             since: str | None = None, until: str | None = None, limit: int = 100,
             offset: int = 0) -> tuple[int, list[Entry]]:
    """The base-wide activity log: ``(how many entries match, the page of them newest first)``.

    Filters: who (``user_id``), which table, and a date range (``since`` and
    ``until`` are ``YYYY-MM-DD``, both days included). Raises AccessDenied
    unless ``actor`` may read the activity log (administrators and managers).
    """
    access.require(actor, "activity_log")
    conditions, params = ["1"], []
    if user_id is not None:
        conditions.append("h.user_id = ?")
        params.append(int(user_id))
    if table_name:
        conditions.append("h.table_name = ?")
        params.append(table_name)
    if since:
        conditions.append("h.at >= ?")
        params.append(str(since)[:10])
    if until:
        conditions.append("h.at < date(?, '+1 day')")
        params.append(str(until)[:10])
    where = " AND ".join(conditions)
    total = db.execute(f"SELECT COUNT(*) FROM history h WHERE {where}", params).fetchone()[0]
    rows = db.execute(
        "SELECT h.id, h.change_id, h.at, u.display_name, h.table_name, h.row_id, h.action, h.changes FROM history h "
        f"LEFT JOIN users u ON u.id = h.user_id WHERE {where} ORDER BY h.id DESC LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)]).fetchall()
    return total, with_form_titles(db, with_pool_reasons(db, [_entry(r) for r in rows]))


def _entry(row: tuple) -> Entry:
    """An Entry from a history row; bookkeeping keys (the deleted row's version) are left out."""
    changes = {k: tuple(v) for k, v in json.loads(row[7]).items() if k != VERSION_KEY}
    return Entry(*row[:7], changes)
