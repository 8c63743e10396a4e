"""Writing rows: validated change sets applied in one transaction, or not at all.

A :class:`ChangeSet` is what a grid (or a form) wants written: edited cells
with the row version the user saw, new rows, deleted rows. :func:`apply`
parses every value by its column type, reports every problem together
(:class:`InvalidChanges`), refuses any row that changed since it was read
(:class:`StaleRow`), and writes all of it in one ``BEGIN IMMEDIATE``
transaction, or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from typing import Any

import sqlite_utils

from db import access, deals, duplicates, history, pool
from db.access import Actor
from db.connection import write_transaction
from db.errors import InvalidChanges, Problem, StaleRow
from db.fields import load_base, rebuild_pairs
from db.numbers import next_number
from db.queries import Compiler, holds, quote
from db.settings import rules
from schema.crm import CRM
from schema.model import Base, Column, Table
from schema.types import NOW, AutoNumber, CreatedOn, Date, InvalidValue, is_empty


@dataclass(frozen=True)
class RowEdit:
    """New values for some cells of an existing row.

    ``version`` is the row version the user saw; ``row`` names the row in
    messages (the row number on screen), nothing else.
    """

    row_id: int
    version: int
    values: Mapping[str, Any]
    row: Any = None


@dataclass(frozen=True)
class NewRow:
    """A row to add; ``row`` numbers new rows in messages (新增第 1 行)."""

    values: Mapping[str, Any]
    row: Any = None


@dataclass(frozen=True)
class RowDelete:
    """A row to delete, at the version the user saw."""

    row_id: int
    version: int
    row: Any = None


@dataclass(frozen=True)
class ChangeSet:
    """Everything one save wants written to one table."""

    table: str
    edits: tuple[RowEdit, ...] = ()
    inserts: tuple[NewRow, ...] = ()
    deletes: tuple[RowDelete, ...] = ()

    def is_empty(self) -> bool:
        """Whether there is nothing to write."""
        return not (self.edits or self.inserts or self.deletes)


@dataclass
class Applied:
    """What a save wrote: how many rows were updated, the new ids, how many deleted."""

    updated: int = 0
    inserted: list[int] = field(default_factory=list)
    deleted: int = 0


def _parse_cells(
    table: Table, values: Mapping[str, Any], row: Any, problems: list[Problem],
    columns: Mapping[str, Column] | None = None,
) -> dict[str, Any]:
    columns = columns if columns is not None else {c.name: c for c in table.columns}
    parsed = {}
    for name, raw in values.items():
        column = columns.get(name)
        if column is None:
            problems.append(Problem(row, name, raw, "invalid.unknown_column"))
            continue
        if not column.editable:
            problems.append(Problem(row, name, raw, "invalid.read_only"))
            continue
        try:
            value = column.type.parse(raw)
        except InvalidValue as error:
            problems.append(Problem(row, name, error.value, error.reason, error.params))
            continue
        if value is None and column.required:
            problems.append(Problem(row, name, raw, "invalid.required"))
            continue
        parsed[name] = value
    return parsed


def _default(column: Column, now: dt.datetime) -> Any:
    if column.default == NOW:
        return now.date().isoformat() if isinstance(column.type, Date) else now.strftime("%Y-%m-%d %H:%M")
    return column.default


def validate(changes: ChangeSet, *, now: dt.datetime, base: Base = CRM) -> ChangeSet:
    """The change set with every value parsed to its stored form.

    New rows get their columns' defaults. Raises InvalidChanges listing every
    problem (row, column, value, reason); pure, touches no database.
    """
    table = base.table(changes.table)
    problems: list[Problem] = []
    columns = {c.name: c for c in table.columns}
    edits = tuple(
        RowEdit(int(e.row_id), int(e.version), _parse_cells(table, e.values, e.row, problems, columns), e.row)
        for e in changes.edits
    )
    inserts = []
    editable = table.editable_columns  # once, not per row: an import validates 100,000 rows
    for new in changes.inserts:
        values = _parse_cells(table, new.values, new.row, problems, columns)
        for column in editable:
            if column.default is not None and is_empty(new.values.get(column.name)):  # a box left empty too
                values[column.name] = _default(column, now)
            if column.required and values.get(column.name) is None and not _reported(problems, new.row, column):
                problems.append(Problem(new.row, column.name, None, "invalid.required"))
        inserts.append(NewRow(values, new.row))
    if problems:
        raise InvalidChanges(table.name, problems)
    return ChangeSet(table.name, edits, tuple(inserts), changes.deletes)


def _reported(problems: list[Problem], row: Any, column: Column) -> bool:
    return any(p.row == row and p.column == column.name for p in problems)


def _stored_ids(db: sqlite_utils.Database, table: Table, column: Column, row_id: int) -> set[int]:
    found = db.execute(f"SELECT {quote(column.name)} FROM {quote(table.name)} WHERE id = ?", [row_id]).fetchone()
    return set(column.type.ids(found[0])) if found else set()


def existing_ids(db: sqlite_utils.Database, table_name: str, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    return {r[0] for r in db.execute(f"SELECT id FROM {quote(table_name)} WHERE id IN ({marks})", list(ids))}


def _keep_hidden_links(db: sqlite_utils.Database, table: Table, changes: ChangeSet, base: Base,
                       actor: Actor) -> ChangeSet:
    """Edits of link lists as the member meant them: records they may not see stay in the list (they
    could neither see nor remove them), and records deleted since are dropped rather than refused."""
    several = [c for c in table.links() if c.type.multiple]
    if not several or not changes.edits:
        return changes
    edits = []
    for edit in changes.edits:
        values = dict(edit.values)
        for column in several:
            if column.name not in values:
                continue
            target = base.table(column.type.table).name
            current = _stored_ids(db, table, column, edit.row_id)
            there = existing_ids(db, target, current)
            hidden = there - access.visible_ids(db, actor, target, list(there))
            wanted = (set(column.type.ids(values[column.name])) - (current - there)) | hidden
            values[column.name] = column.type.stored(wanted)
        edits.append(dataclass_replace(edit, values=values))
    return dataclass_replace(changes, edits=tuple(edits))


def _check_links(db: sqlite_utils.Database, table: Table, changes: ChangeSet, base: Base, actor: Actor) -> None:
    """Refuse links to rows that do not exist or that the actor may not see (the same message for both,
    so trying ids tells nothing), rather than fail on a constraint. In a list, only the records an edit
    adds are checked: those already there stay, whoever may see them."""
    problems = []
    rows = [(e.row, e.values, e.row_id) for e in changes.edits] + [(n.row, n.values, None) for n in changes.inserts]
    for column in table.links():
        target = base.table(column.type.table).name
        for row, values, row_id in rows:
            if column.name not in values:
                continue
            wanted = set(column.type.ids(values.get(column.name)))
            if column.type.multiple and row_id is not None:
                wanted -= _stored_ids(db, table, column, row_id)
            missing = wanted - access.visible_ids(db, actor, target, list(wanted))
            if missing:
                shown = values.get(column.name) if not column.type.multiple else min(missing)
                problems.append(Problem(row, column.name, shown, "invalid.link_missing"))
    if problems:
        raise InvalidChanges(table.name, problems)


def _check_required_when(db: sqlite_utils.Database, table: Table, changes: ChangeSet) -> None:
    """Refuse rows this save leaves at an option that needs fields they lack (成交 without 成交金额).

    A column declared ``required_when=(select, code)`` must be filled on every
    row whose ``select`` holds ``code`` — checked on new rows, and on edited rows
    whose save sets the select or touches the column, against the row as it
    would be (stored values under the edited ones). Rows edited for something
    else keep what they hold. Every missing column is named, each a problem of
    its own; call inside the write transaction.
    """
    conditional = [c for c in table.columns if c.required_when and c.editable]
    if not conditional:
        return
    watched = {c.required_when[0] for c in conditional} | {c.name for c in conditional}
    edits = [e for e in changes.edits if watched & set(e.values)]
    stored: dict[int, dict[str, Any]] = {}
    if edits:
        names = sorted(watched)
        marks = ", ".join("?" for _ in edits)
        found = db.execute(f"SELECT id, {', '.join(quote(n) for n in names)} FROM {quote(table.name)} "
                           f"WHERE id IN ({marks})", [e.row_id for e in edits]).fetchall()
        stored = {row[0]: dict(zip(names, row[1:], strict=True)) for row in found}
    rows = [(e.row, {**stored[e.row_id], **e.values}, set(e.values)) for e in edits if e.row_id in stored]
    rows += [(new.row, dict(new.values), None) for new in changes.inserts]
    problems = []
    for row, values, touched in rows:
        for column in conditional:
            select, code = column.required_when
            if values.get(select) != code or (touched is not None and not {select, column.name} & touched):
                continue
            if is_empty(values.get(column.name)):
                problems.append(Problem(row, column.name, None, "invalid.required_when",
                                        {"field": select, "option": code}))
    if problems:
        raise InvalidChanges(table.name, problems)


@contextmanager
def bulk_load(db: sqlite_utils.Database, table_name: str, *, base: Base | None = None) -> Iterator[None]:
    """Inside a write transaction: insert many rows into ``table_name`` without per-row triggers.

    The table's triggers are set aside (their SQL is read back from the base,
    so migrations stay their only author), the rows are written, every stored
    rollup that depends on the table is recomputed in one statement each, the
    triggers are put back, and for customers their stages are recorded
    (``db.deals.catch_up``), all in the caller's transaction (DDL is
    transactional in SQLite: if the load fails, the rollback restores them).
    """
    base = base or load_base(db)
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [table_name]).fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {quote(name)}")
    yield
    for table in base.tables:
        recompute_stored(db, table.name, source=table_name, base=base)
    for column in base.table(table_name).links():  # lists' pairs, which the triggers set aside would keep
        if column.type.multiple:
            rebuild_pairs(db, table_name, column.name)
    if table_name == "customers":  # 成交金额 may have changed without the trigger that says so
        db.execute("DELETE FROM tier_cuts")
        duplicates.rebuild_keys(db)  # the 查重 keys' triggers were set aside too
    for _, sql in triggers:
        db.execute(sql)
    if table_name == "customers" and db["stage_changes"].exists():
        deals.catch_up(db)  # what the stage triggers would have recorded, in one statement


def recompute_stored(db: sqlite_utils.Database, table_name: str, *, source: str | None = None,
                     base: Base | None = None) -> None:
    """Set every stored rollup of ``table_name`` (drawn from ``source``, or any table) from scratch."""
    base = base or load_base(db)
    table = base.table(table_name)
    compiler = Compiler(base, dt.date.today())
    assignments = [
        f"{quote(column.name)} = {compiler.expression(table, _computed_afresh(column))}"
        for column in table.computed_columns
        if getattr(column.type, "stored", False) and source in (None, column.type.table)
    ]
    if assignments:
        db.execute(f"UPDATE {quote(table.name)} AS t SET {', '.join(assignments)}", compiler.params)


def _computed_afresh(column: Column) -> Column:
    """The same column computed afresh instead of read from its stored copy."""
    return dataclass_replace(column, type=dataclass_replace(column.type, stored=False))


def _dependents(db: sqlite_utils.Database, table: Table, row_id: int, base: Base) -> list[tuple[str, int, dict]]:
    """``(table, id, stored values)`` of every row a deletion of ``row_id`` takes along (ON DELETE CASCADE)."""
    found = []
    for other, column in base.links_to(table.name):
        if column.type.on_delete.upper() != "CASCADE":
            continue
        ids = [r[0] for r in db.execute(
            f"SELECT id FROM {quote(other.name)} WHERE {quote(column.name)} = ? ORDER BY id", [row_id]).fetchall()]
        found += [(other.name, i, _with_version(db, other, i, history.stored_values(db, other, i))) for i in ids]
    return found


def _with_version(db: sqlite_utils.Database, table: Table, row_id: int, values: dict | None) -> dict | None:
    """A row's stored values plus its version under ``history.VERSION_KEY``, for its deletion entry.

    Undoing the deletion brings the row back one version above it, so a grid
    that still shows the row as it was before the deletion cannot save over it.
    """
    if values is None:
        return None
    version = db.execute(f"SELECT version FROM {quote(table.name)} WHERE id = ?", [row_id]).fetchone()[0]
    return {**values, history.VERSION_KEY: version}


def fresh_id(db: sqlite_utils.Database, table: Table) -> int:
    """An id no row of ``table`` ever had: above every id in the table and in its history.

    SQLite would hand the highest id out again after that row is deleted;
    then a grid still showing the deleted row at version 1 would edit or
    delete the new row (also at version 1), and the new row would inherit the
    old one's history. Call inside the write transaction.
    """
    sql = (f"SELECT MAX(IFNULL((SELECT MAX(id) FROM {quote(table.name)}), 0), "
           "IFNULL((SELECT MAX(row_id) FROM history WHERE table_name = ?), 0)) + 1")
    return db.execute(sql, [table.name]).fetchone()[0]


def _unlink(db: sqlite_utils.Database, table: Table, row_id: int, by: history.Stamp, base: Base) -> None:
    """Empty the links other rows hold to a row about to be deleted, as recorded edits.

    SQLite would do it silently (``ON DELETE SET NULL``): no version, no history, nothing for an undo
    of the deletion to put back. Members are never deleted, so links to them are left to SQLite.
    """
    for other, column in base.links_to(table.name):
        if column.type.on_delete.upper() != "SET NULL" or table.name == "users":
            continue
        link = quote(column.name)
        found = db.execute(f"SELECT id, {link} FROM {quote(other.name)} WHERE {holds(column)} ORDER BY id",
                           [row_id]).fetchall()
        for linked, before in found:
            rest = [i for i in column.type.ids(before) if i != row_id]
            after = column.type.stored(rest) if column.type.multiple else None
            db.execute(f"UPDATE {quote(other.name)} SET {link} = ?, version = version + 1, "
                       "updated_at = ?, updated_by = ? WHERE id = ?", [after, by.at, by.user_id, linked])
            history.record(db, by, table=other.name, row_id=linked, action="update",
                           changes={column.name: (before, after)})


def _record_deletion(db: sqlite_utils.Database, rows: list[tuple[str, int, dict]], by: history.Stamp) -> None:
    """History for deleted rows: every stored value as ``(before, None)``."""
    for table_name, row_id, before in rows:
        gone = {name: (value, None) for name, value in before.items() if value is not None}
        history.record(db, by, table=table_name, row_id=row_id, action="delete", changes=gone)


def _stale(db: sqlite_utils.Database, table: Table, row_id: int, row: Any) -> StaleRow:
    current = db.execute(
        f"SELECT t.updated_at, u.display_name FROM {quote(table.name)} t "
        "LEFT JOIN users u ON u.id = t.updated_by WHERE t.id = ?",
        [row_id],
    ).fetchone()
    if current is None:
        return StaleRow(table.name, row_id, row, None, None)
    return StaleRow(table.name, row_id, row, current[1], current[0])


_UNIQUE = re.compile(r"UNIQUE constraint failed: \w+\.(\w+)")


def apply(
    db: sqlite_utils.Database,
    changes: ChangeSet,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
    base: Base | None = None,
    allow_similar: bool = False,
    check_duplicates: bool = True,
    by: history.Stamp | None = None,
) -> Applied:
    """Validate and write ``changes`` as ``actor`` in one transaction; return what was written.

    Raises InvalidChanges (bad values, or an exact duplicate of another
    customer — ``invalid.duplicate``; nothing written), StaleRow (a row was
    changed or deleted by someone else since it was read, nothing written),
    AccessDenied (the actor may not touch a row or the table, nothing written)
    or SimilarCustomers (a customer's name is much like another's, nothing
    written, unless ``allow_similar``). ``check_duplicates=False`` is for a
    merge; ``by`` makes this save part of a larger recorded change (inside
    its transaction).
    """
    base = base or load_base(db)
    now = now or dt.datetime.now()
    table = base.table(changes.table)
    parsed = validate(changes, now=now, base=base)
    applied = Applied()
    try:
        with write_transaction(db):
            actor = access.resolve(db, actor)
            access.write_rights(actor, table.name, deleting=bool(parsed.deletes))
            access.check_visible(db, actor, table.name,
                                 [e.row_id for e in parsed.edits] + [d.row_id for d in parsed.deletes])
            parsed = _owned_by_default(actor, table, parsed)
            parsed = _keep_hidden_links(db, table, parsed, base, actor)
            _check_links(db, table, parsed, base, actor)
            _check_required_when(db, table, parsed)
            by = by or history.stamp(db, actor.user_id, now.strftime("%Y-%m-%d %H:%M:%S"))
            owners = []
            for edit in parsed.edits:
                changed = _update(db, table, edit, by)
                applied.updated += 1
                if table.name == "customers" and "owner_id" in changed:
                    owners.append((edit.row, edit.row_id, *changed["owner_id"]))
            pool.after_edits(db, actor, owners, by)  # into or out of the 公海: recorded with its reason
            for new in parsed.inserts:
                applied.inserted.append(_insert(db, table, new, by, now))
            for gone in parsed.deletes:
                applied.deleted += _delete(db, table, gone, by, base)
            _check_still_visible(db, actor, table, parsed, applied)
            if table.name == "customers" and check_duplicates:
                _check_duplicates(db, actor, parsed, applied, allow_similar)
            if table.name == "users":
                keep_members_sound(db, parsed)
    except sqlite3.IntegrityError as error:
        match = _UNIQUE.search(str(error))
        if not match:  # NOT NULL and links are checked before writing: anything else is a bug
            raise
        raise InvalidChanges(table.name, [Problem(None, match.group(1), None, "invalid.unique")]) from error
    return applied


def _owned_by_default(actor: Actor, table: Table, changes: ChangeSet) -> ChangeSet:
    """A salesperson's new customers are theirs unless they chose an owner (their own row, not the pool's)."""
    if actor.sees_everything or not table.has_column("owner_id"):
        return changes
    inserts = tuple(
        NewRow({**new.values, "owner_id": actor.user_id}, new.row) if new.values.get("owner_id") is None else new
        for new in changes.inserts
    )
    return dataclass_replace(changes, inserts=inserts)


def _check_still_visible(db: sqlite_utils.Database, actor: Actor, table: Table, changes: ChangeSet,
                         applied: Applied) -> None:
    """Refuse (roll back) a save that moved a row out of the actor's sight.

    A salesperson may not give a customer to someone else (that is
    reassigning, a manager's job) nor hang a follow-up on a customer that is
    not theirs; the problem names the row and the column that did it.
    """
    if actor.sees_everything:
        return
    written = [(e.row, e.row_id) for e in changes.edits] + list(
        zip([n.row for n in changes.inserts], applied.inserted, strict=True))
    seen = access.visible_ids(db, actor, table.name, [row_id for _, row_id in written])
    column = access.SCOPE_COLUMNS.get(table.name)
    problems = [Problem(row, column, None, "invalid.outside_scope") for row, row_id in written if row_id not in seen]
    if problems:
        raise InvalidChanges(table.name, problems)


def _check_duplicates(db: sqlite_utils.Database, actor: Actor, changes: ChangeSet, applied: Applied,
                      allow_similar: bool) -> None:
    """Refuse (roll back) customers written with the name, phone or e-mail of another (InvalidChanges), or
    with a name much like another's (SimilarCustomers) unless ``allow_similar``; see db/duplicates.py."""
    written = [(e.row, e.row_id, set(e.values)) for e in changes.edits]
    written += [(n.row, row_id, set(duplicates.KINDS))
                for n, row_id in zip(changes.inserts, applied.inserted, strict=True)]
    values = {e.row_id: e.values for e in changes.edits}
    values |= dict(zip(applied.inserted, (n.values for n in changes.inserts), strict=True))
    new_rows = dict(zip(applied.inserted, (n.row for n in changes.inserts), strict=True))
    problems = duplicates.check(db, actor, written, values, new_rows,
                                threshold=rules(db).duplicate_similarity / 100, allow_similar=allow_similar)
    if problems:
        raise InvalidChanges("customers", problems)


def keep_members_sound(db: sqlite_utils.Database, changes: ChangeSet | None = None) -> None:
    """After a change to members (a save or an undo): one active administrator remains, else
    InvalidChanges; disabled members are logged out."""
    if db.execute("SELECT 1 FROM users WHERE role = 'admin' AND active = 1 LIMIT 1").fetchone() is None:
        edits = changes.edits if changes else ()
        row = next((e.row for e in edits if {"role", "active"} & set(e.values)), None)
        raise InvalidChanges("users", [Problem(row, "role", None, "invalid.last_admin")])
    db.execute("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE active = 0)")


def _update(db: sqlite_utils.Database, table: Table, edit: RowEdit, by: history.Stamp) -> dict[str, tuple]:
    """Write one edit at the version the user saw; return the columns it changed, ``(before, after)``."""
    before = history.stored_values(db, table, edit.row_id)
    assignments = [f"{quote(name)} = ?" for name in edit.values]
    assignments += ["version = version + 1", "updated_at = ?", "updated_by = ?"]
    sql = f"UPDATE {quote(table.name)} SET {', '.join(assignments)} WHERE id = ? AND version = ?"
    cursor = db.execute(sql, [*edit.values.values(), by.at, by.user_id, edit.row_id, edit.version])
    if cursor.rowcount != 1:
        raise _stale(db, table, edit.row_id, edit.row)
    changed = {name: (before[name], value) for name, value in edit.values.items() if before[name] != value}
    if changed:
        history.record(db, by, table=table.name, row_id=edit.row_id, action="update", changes=changed)
    return changed


def _insert(
    db: sqlite_utils.Database, table: Table, new: NewRow, by: history.Stamp, now: dt.datetime
) -> int:
    values = {name: value for name, value in new.values.items() if not is_empty(value)}
    for column in table.stored_columns:
        if isinstance(column.type, AutoNumber):
            values[column.name] = next_number(db, table, column, now.date())
        elif isinstance(column.type, CreatedOn):
            values[column.name] = column.type.stamp(now)
    row_id = fresh_id(db, table)
    values.update(id=row_id, updated_at=by.at, updated_by=by.user_id)
    names = ", ".join(quote(name) for name in values)
    marks = ", ".join("?" for _ in values)
    db.execute(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", list(values.values()))
    created = {name: (None, value) for name, value in (history.stored_values(db, table, row_id) or {}).items()
               if value is not None}
    history.record(db, by, table=table.name, row_id=row_id, action="insert", changes=created)
    return row_id


def _delete(db: sqlite_utils.Database, table: Table, gone: RowDelete, by: history.Stamp, base: Base) -> int:
    row_id = int(gone.row_id)
    before = _with_version(db, table, row_id, history.stored_values(db, table, row_id))
    taken_along = _dependents(db, table, row_id, base) if before is not None else []
    if before is not None and db.execute(f"SELECT version FROM {quote(table.name)} WHERE id = ?",
                                         [row_id]).fetchone()[0] == int(gone.version):
        _unlink(db, table, row_id, by, base)
        for other, dependent, _ in taken_along:  # the follow-ups going along may be in lists too
            _unlink(db, base.table(other), dependent, by, base)
    cursor = db.execute(f"DELETE FROM {quote(table.name)} WHERE id = ? AND version = ?", [row_id, int(gone.version)])
    if cursor.rowcount == 1:
        _record_deletion(db, [*taken_along, (table.name, row_id, before)], by)
        return 1
    stale = _stale(db, table, int(gone.row_id), gone.row)
    if stale.deleted:
        return 0  # already gone: what the user wanted
    raise stale

