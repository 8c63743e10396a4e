"""Undo: taking back one save (a change set) from its history, and the trash that builds on it.

Undoing plays a change's history entries backwards in one write transaction:
an edit gets its old values back, a new row goes, a deleted row (with the rows
its deletion took along) comes back under the same ids. It is refused, with
nothing written, when any row it touches was changed by a later save: an undo
never clobbers a newer edit. The undo is itself a change, recorded in history
with ``undoes`` pointing at the change it took back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass

import sqlite_utils

from db import access, attachments, history, pool
from db.access import Actor
from db.changes import existing_ids, keep_members_sound
from db.connection import write_transaction
from db.errors import Refused
from db.fields import load_base
from db.queries import holds, quote
from schema.model import Base


class UndoRefused(Refused):
    """A change cannot be undone; ``reason`` is a message key, ``params`` fill it in. Nothing was written."""


@dataclass(frozen=True)
class Deleted:
    """A deletion in the trash: the change that deleted rows, who did it and when, and what went."""

    change_id: int
    at: str
    user: str | None
    table: str
    row_ids: list[int]
    labels: list[str]
    taken_along: int


def last_change(db: sqlite_utils.Database, actor: Actor) -> int | None:
    """The latest change by ``actor`` that can still be undone (not an undo, not undone), or ``None``."""
    row = db.execute(
        "SELECT MAX(change_id) FROM history h WHERE user_id = ? AND undoes IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM history u WHERE u.undoes = h.change_id)", [actor.user_id]).fetchone()
    return row[0]


def _entries(db: sqlite_utils.Database, change_id: int) -> list[tuple]:
    return db.execute(
        "SELECT id, table_name, row_id, action, changes FROM history WHERE change_id = ? ORDER BY id DESC",
        [change_id]).fetchall()


def _changed_since(db: sqlite_utils.Database, change_id: int, entry_id: int, table: str, row_id: int) -> tuple | None:
    return db.execute(
        "SELECT h.at, u.display_name FROM history h LEFT JOIN users u ON u.id = h.user_id "
        "WHERE h.table_name = ? AND h.row_id = ? AND h.id > ? AND h.change_id != ? ORDER BY h.id DESC LIMIT 1",
        [table, row_id, entry_id, change_id]).fetchone()


def undo(db: sqlite_utils.Database, change_id: int, *, actor: Actor, now: dt.datetime | None = None,
         base: Base | None = None) -> int:
    """Take back change ``change_id`` as ``actor``; return the change id of the undo.

    Raises UndoRefused, or AccessDenied when the change is someone else's and
    the actor may not undo others' changes (a salesperson), or when it would
    bring back a row outside the actor's sight.
    """
    base = base or load_base(db)
    now = now or dt.datetime.now()
    with write_transaction(db):
        actor = access.resolve(db, actor)
        entries = _entries(db, change_id)
        if not entries:
            raise UndoRefused("undo.nothing")
        authors = {r[0] for r in db.execute("SELECT DISTINCT user_id FROM history WHERE change_id = ?",
                                            [change_id]).fetchall()}
        if authors != {actor.user_id} and not actor.can("undo_others"):
            raise access.AccessDenied("access.not_your_change")
        if db.execute("SELECT 1 FROM history WHERE undoes = ? LIMIT 1", [change_id]).fetchone():
            raise UndoRefused("undo.already")
        if db.execute("SELECT 1 FROM history WHERE change_id = ? AND purged_at IS NOT NULL LIMIT 1",
                      [change_id]).fetchone():
            raise UndoRefused("undo.purged")
        _check_rights(db, actor, entries)
        by = history.stamp(db, actor.user_id, now.strftime("%Y-%m-%d %H:%M:%S"), undoes=change_id)
        for entry_id, table_name, row_id, action, changes in entries:
            later = _changed_since(db, change_id, entry_id, table_name, row_id)
            if later:
                raise UndoRefused("undo.changed_since", table=table_name, row=row_id, when=later[0],
                                  who=later[1])
            values = {name: pair for name, pair in json.loads(changes).items()}
            if table_name == attachments.TABLE:  # a file uploaded goes to the trash; one deleted comes back
                try:
                    attachments.revert(db, actor, row_id, action, by)
                except attachments.AttachmentError as error:  # erased with the trash
                    raise UndoRefused("undo.purged") from error
                continue
            try:
                {"update": _revert_update, "insert": _revert_insert, "delete": _revert_delete}[action](
                    db, base, table_name, row_id, values, by)
            except sqlite3.IntegrityError as error:  # e.g. an old username taken by a member added since
                raise UndoRefused("undo.conflict", table=table_name, row=row_id) from error
        for table_name in {entry[1] for entry in entries}:  # what comes back must be the actor's too
            access.check_visible(db, actor, table_name, [e[2] for e in entries if e[1] == table_name])
        if any(entry[1] == "users" for entry in entries):
            keep_members_sound(db)
    return by.change_id


def _check_rights(db: sqlite_utils.Database, actor: Actor, entries: list[tuple]) -> None:
    """Undo writes like any save: the same table rights, and only rows the actor may see now.

    Undoing an addition deletes the row: that needs the right to delete it
    (a salesperson cannot delete a customer this way either).
    """
    for table_name in {entry[1] for entry in entries}:
        mine = [entry for entry in entries if entry[1] == table_name]
        access.write_rights(actor, table_name, deleting=any(entry[3] == "insert" for entry in mine))
        access.check_visible(db, actor, table_name, [entry[2] for entry in mine])


def _revert_update(db, base, table_name, row_id, values, by) -> None:
    table = base.table(table_name)
    for name in values:
        if not table.has_column(name):  # a field in the trash: its data must come back as it was
            raise UndoRefused("undo.field_deleted", table=table_name, row=row_id)
    old = {name: before for name, (before, _after) in values.items()}
    for column in table.links():  # a list may name records deleted since: they do not come back
        if column.type.multiple and old.get(column.name):
            old[column.name] = _still_there(db, base, column, old[column.name])
    assignments = [f"{quote(name)} = ?" for name in old] + ["version = version + 1", "updated_at = ?",
                                                            "updated_by = ?"]
    db.execute(f"UPDATE {quote(base.table(table_name).name)} SET {', '.join(assignments)} WHERE id = ?",
               [*old.values(), by.at, by.user_id, row_id])
    history.record(db, by, table=table_name, row_id=row_id, action="update",
                   changes={name: (after, old[name]) for name, (_before, after) in values.items()})
    if table_name == "customers" and "owner_id" in values:  # back out of or into the 公海
        pool.moved(db, by, row_id, values["owner_id"][1], values["owner_id"][0], "undone")


def _still_there(db, base: Base, column, value) -> str | None:
    """A stored link list without the records deleted since."""
    return column.type.stored(existing_ids(db, base.table(column.type.table).name, set(column.type.ids(value))))


def _revert_insert(db, base, table_name, row_id, values, by) -> None:
    table = base.table(table_name)
    for other, column in base.links_to(table_name):
        if db.execute(f"SELECT 1 FROM {quote(other.name)} WHERE {holds(column)} LIMIT 1", [row_id]).fetchone():
            raise UndoRefused("undo.has_dependents", table=table_name, row=row_id, other=other.name)
    before = history.stored_values(db, table, row_id) or {}
    db.execute(f"DELETE FROM {quote(table.name)} WHERE id = ?", [row_id])
    history.record(db, by, table=table_name, row_id=row_id, action="delete",
                   changes={name: (value, None) for name, value in before.items() if value is not None})


def _revert_delete(db, base, table_name, row_id, values, by) -> None:
    table = base.table(table_name)
    if db.execute(f"SELECT 1 FROM {quote(table.name)} WHERE id = ?", [row_id]).fetchone():
        raise UndoRefused("undo.id_taken", table=table_name, row=row_id)
    columns = {c.name for c in table.stored_columns} | set(history.added_columns(db, table.name))
    old = {name: before for name, (before, _after) in values.items() if name in columns}
    for column in table.links():  # e.g. a follow-up whose customer was deleted afterwards
        target = base.table(column.type.table)
        value = old.get(column.name)
        if column.type.multiple:  # several links: keep those whose records are still there
            old[column.name] = _still_there(db, base, column, value)
            continue
        if value is not None and not db.execute(f"SELECT 1 FROM {quote(target.name)} WHERE id = ?",
                                                [value]).fetchone():
            if column.type.on_delete.upper() == "SET NULL":
                old[column.name] = None  # a deleted member: keep the row, drop the link
            else:
                raise UndoRefused("undo.link_missing", table=table_name, row=row_id, other=target.name)
    deleted_at_version = values.get(history.VERSION_KEY, (0, None))[0] or 0
    row = {"id": row_id, **old, "version": deleted_at_version + 1, "updated_at": by.at, "updated_by": by.user_id}
    names = ", ".join(quote(name) for name in row)
    db.execute(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' for _ in row)})",
               list(row.values()))
    history.record(db, by, table=table_name, row_id=row_id, action="insert",
                   changes={name: (None, value) for name, value in old.items()})


#: Days a deletion stays in the trash (``GENJIN_TRASH_DAYS``, default 30).
TRASH_ENV = "GENJIN_TRASH_DAYS"
DEFAULT_TRASH_DAYS = 30


def trash_days() -> int:
    """How many days deletions stay restorable, from ``GENJIN_TRASH_DAYS``."""
    try:
        return max(1, int(os.environ.get(TRASH_ENV, DEFAULT_TRASH_DAYS)))
    except ValueError:
        return DEFAULT_TRASH_DAYS


def purge_trash(db: sqlite_utils.Database, *, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Empty the trash of deletions older than ``days``; return how many deleted rows were purged.

    A purged row's values are erased from every history entry it has up to
    its deletion (who did what and when stays), a customer's stage changes
    with them; it can no longer be restored.
    Rows that exist again (restored, or their id reused) are left alone.
    """
    now = now or dt.datetime.now()
    cutoff = (now - dt.timedelta(days=days or trash_days())).strftime("%Y-%m-%d %H:%M:%S")
    with write_transaction(db):
        gone = db.execute(
            "SELECT h.id, h.table_name, h.row_id FROM history h WHERE h.action = 'delete' AND h.at < ? "
            "AND h.purged_at IS NULL", [cutoff]).fetchall()
        purged = 0
        for entry_id, table_name, row_id in gone:
            if table_name == attachments.TABLE:
                if not attachments.in_trash(db, row_id):  # restored since (or already erased)
                    continue
            elif db.execute(f"SELECT 1 FROM {quote(table_name)} WHERE id = ?", [row_id]).fetchone():
                continue
            attachments.erase(db, table_name, row_id)  # the file's bytes, or the purged row's files
            if table_name == "customers":  # and when its stage changed (migration m013)
                db.execute("DELETE FROM stage_changes WHERE customer_id = ?", [row_id])
            db.execute("UPDATE history SET changes = '{}', purged_at = ? WHERE table_name = ? AND row_id = ? "
                       "AND id <= ? AND purged_at IS NULL",
                       [now.strftime("%Y-%m-%d %H:%M:%S"), table_name, row_id, entry_id])
            purged += 1
    return purged


def trash(db: sqlite_utils.Database, *, actor: Actor, days: int = 30, today: dt.date | None = None,
          base: Base | None = None) -> list[Deleted]:
    """Deletions of the last ``days`` days that have not been undone, newest first.

    A salesperson sees only their own deletions; those who may undo others'
    changes see everyone's.
    """
    base = base or load_base(db)
    since = ((today or dt.date.today()) - dt.timedelta(days=days)).isoformat()
    mine, params = ("", []) if actor.can("undo_others") else ("AND h.user_id = ? ", [actor.user_id])
    rows = db.execute(
        "SELECT h.change_id, h.at, u.display_name, h.table_name, h.row_id, h.changes FROM history h "
        "LEFT JOIN users u ON u.id = h.user_id WHERE h.action = 'delete' AND h.undoes IS NULL AND h.at >= ? "
        f"AND h.purged_at IS NULL {mine}AND NOT EXISTS (SELECT 1 FROM history r WHERE r.undoes = h.change_id) "
        "ORDER BY h.change_id DESC, h.id",
        [since, *params]).fetchall()
    grouped: dict[int, dict] = {}
    for change_id, at, user, table_name, row_id, changes in rows:
        item = grouped.setdefault(change_id, {"at": at, "user": user, "rows": []})
        item["rows"].append((table_name, row_id, json.loads(changes)))
    found = []
    for change_id, item in grouped.items():
        main = item["rows"][-1][0]  # the row deleted on purpose is recorded after those it took along
        label = "file_name" if main == attachments.TABLE else base.table(main).label_column
        mine = [(row_id, changes) for table_name, row_id, changes in item["rows"] if table_name == main]
        found.append(Deleted(change_id, item["at"], item["user"], main, [r for r, _ in mine],
                             [str(changes.get(label, [""])[0]) for _, changes in mine],
                             len(item["rows"]) - len(mine)))
    return found
