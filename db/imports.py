"""导入: rows read from a file, planned before anything is written, then written as one undoable change.

:func:`plan` (reads only) takes the file's rows — ``(file row number,
{column name: value})``, values already normalized by ``imports.values`` —
and says what an import would do: every problem as (file row, column, value,
reason key), the rows it would add, the duplicate groups (查重's keys: the
same company name, phone or e-mail within the file or in the base, a name
much like one in the base, or the same 客户编号) and the counts. Link columns
are resolved by what a person reads, never by id: 负责人/跟进人 by a member's
name or username, a follow-up's 客户 by 客户编号 or else by the exact 客户名称
among the customers the actor may see, any other link by the record's name;
no match, or several, is a problem of that row — never a guess.

:func:`run` takes a snapshot, then writes in one transaction: the updates the
member chose (through ``db.changes.apply``) and the new rows (one
``executemany`` with the table's triggers in place, so 查重 keys, stored
rollups and stage changes stay right), their history under ONE change id, and
a row in ``imports`` — so :func:`undo_import` takes the whole import back.
What a salesperson learns of customers she may not see is what 查重 tells:
that one exists and who owns it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from db import access, snapshots
from db.access import Actor
from db.changes import ChangeSet, NewRow, RowEdit, apply, fresh_id, validate
from db.connection import write_transaction
from db.duplicates import KINDS, email_key, name_key, phone_key, similar_to
from db.errors import InvalidChanges, Problem, Refused
from db.fields import is_added_table, load_base
from db.history import Stamp, added_columns, stamp
from db.numbers import next_numbers
from db.settings import rules
from db.sql import quote
from db.undo import undo
from schema.model import Base, Column, Table
from schema.types import AutoNumber, CreatedOn, is_empty

SKIP, UPDATE, ADD = "skip", "update", "add"
DECISIONS = (SKIP, UPDATE, ADD)
#: Near names (名称相似) are looked for only when the file has at most this many rows: each costs a probe of the
#: pair index, and 100,000 of them would not fit in the minute an import of that size may take.
NEAR_LIMIT = 5_000
#: Rows per statement batch when writing (and ids per ``IN (…)`` when checking).
CHUNK = 2_000
_SEPARATORS = re.compile(r"[,，;；、\n]+")


class ImportRefused(Refused):
    """An import (or its undo) was refused; ``reason`` is a message key, ``params`` fill it in. Nothing written."""


@dataclass(frozen=True)
class Existing:
    """A customer in the base that file rows match: ``customer_id``, ``name`` and ``version`` only when the
    actor may see it (else only its owner: ``None`` for 公海)."""

    customer_id: int | None
    name: str | None
    owner: str | None
    visible: bool
    version: int | None = None


@dataclass(frozen=True)
class DuplicateGroup:
    """File rows that look like one customer (and the existing customers they match), and why
    (``name``, ``phone``, ``email``, ``number``, ``similar``)."""

    id: int
    rows: tuple[int, ...]
    reasons: tuple[str, ...]
    existing: tuple[Existing, ...] = ()

    @property
    def target(self) -> Existing | None:
        """The existing customer an ``update`` writes to: the first one the actor may see."""
        return next((e for e in self.existing if e.visible), None)

    @property
    def choices(self) -> tuple[str, ...]:
        """What the member may choose: skip, update (when there is a customer they may see), add."""
        return (SKIP, UPDATE, ADD) if self.target is not None else (SKIP, ADD)


@dataclass(frozen=True)
class PlannedRow:
    """A row without problems: its values as they would be stored (defaults filled in for a new row) and the
    columns the file gave (what an update writes)."""

    row: int
    values: dict[str, Any]
    given: tuple[str, ...]


@dataclass(frozen=True)
class Counts:
    """How many file rows an import adds, updates and skips (problems and excluded rows included)."""

    added: int
    updated: int
    skipped: int


@dataclass
class Plan:
    """What an import would do (nothing written yet); see :func:`plan`."""

    table: str
    rows: list[PlannedRow]
    problems: list[Problem]
    excluded: list[int]
    groups: list[DuplicateGroup]
    total: int
    near_checked: bool
    problem_rows: list[int] = field(default_factory=list)

    def outcome(self, decisions: Mapping[int, str] | None = None) -> dict[int, tuple[str, int | None]]:
        """``{file row: (add | update | skip, existing customer id or None)}`` for the rows without problems.

        Per group (``decisions`` by group id, ``skip`` unless told): ``add`` adds every row; ``update`` writes
        the group's first row over the existing customer (every column the file filled but its name) and
        skips the rest; ``skip`` skips every row that
        matches an existing customer, and of rows that only repeat each other keeps the first. Raises
        ImportRefused for a decision that is not one of the group's choices.
        """
        decisions = decisions or {}
        result: dict[int, tuple[str, int | None]] = {r.row: (ADD, None) for r in self.rows}
        for group in self.groups:
            decision = decisions.get(group.id, SKIP)
            if decision not in group.choices:
                raise ImportRefused("import.bad_decision", group=group.id)
            rows = [row for row in group.rows if row in result]
            if decision == ADD or not rows:
                continue
            if decision == UPDATE:
                result[rows[0]] = (UPDATE, group.target.customer_id)
                rows = rows[1:]
            elif not group.existing:
                rows = rows[1:]  # the first of rows that repeat each other is added
            for row in rows:
                result[row] = (SKIP, None)
        return result

    def counts(self, decisions: Mapping[int, str] | None = None) -> Counts:
        """The preview's 新增 / 更新 / 跳过 for these decisions."""
        actions = [action for action, _ in self.outcome(decisions).values()]
        added, updated = actions.count(ADD), actions.count(UPDATE)
        return Counts(added, updated, self.total - added - updated)


@dataclass(frozen=True)
class ImportRecord:
    """One import as the history shows it: who, when, which file and table, the counts, and its undo."""

    id: int
    table: str
    file_name: str
    user_id: int | None
    user: str | None
    at: str
    added: int
    updated: int
    skipped: int
    change_id: int | None
    undone_change_id: int | None

    @property
    def undone(self) -> bool:
        """Whether this import has been taken back."""
        return self.undone_change_id is not None


# --- planning ------------------------------------------------------------------------------------------------

def importable(base: Base, table_name: str) -> Table:
    """The table rows may be imported into (客户, 跟进记录, an added table); raises ImportRefused."""
    if table_name not in ("customers", "follow_ups") and not is_added_table(table_name):
        raise ImportRefused("import.table_refused")
    return base.table(table_name)


def plan(db: sqlite_utils.Database, table_name: str, rows: Iterable[tuple[int, Mapping[str, Any]]], *,
         actor: Actor, now: dt.datetime | None = None, base: Base | None = None,
         excluded: Iterable[int] = ()) -> Plan:
    """What importing ``rows`` into ``table_name`` as ``actor`` would do; writes nothing.

    ``rows`` are ``(file row number, {column name: value})``; rows whose number
    is in ``excluded`` are counted as skipped and not looked at. Every problem
    of every row is collected (a row with problems is not written). Raises
    ImportRefused for a table rows cannot be imported into, AccessDenied when
    the actor may not write it.
    """
    base = base or load_base(db)
    now = now or dt.datetime.now()
    table = importable(base, table_name)
    access.write_rights(actor, table.name, deleting=False)
    skip = set(excluded)
    given = [(int(row), dict(values)) for row, values in rows]
    wanted = [(row, values) for row, values in given if row not in skip]
    problems: list[Problem] = []
    numbers: dict[int, str] = {}
    if table.name == "customers":  # 客户编号 is given by the base: in a file it names an existing customer
        for row, values in wanted:
            number = values.pop("number", None)
            if not is_empty(number):
                numbers[row] = _text(number)
    _resolve_links(db, actor, base, table, wanted, problems)
    parsed = _validated(table, wanted, now, base, problems)
    _check_required_when(table, parsed, problems)
    _check_owner(actor, table, parsed, problems)
    bad = {p.row for p in problems}
    filled = {row: tuple(n for n, v in values.items() if not is_empty(v)) for row, values in wanted}
    planned = [PlannedRow(row, values, filled[row]) for row, values in parsed if row not in bad]
    groups, near = [], True
    if table.name == "customers":
        groups, near = _duplicates(db, actor, planned, numbers)
    problems.sort(key=lambda p: (p.row, _order(table, p.column)))
    return Plan(table.name, planned, problems, sorted(skip & {row for row, _ in given}), groups, len(given), near,
                sorted(bad))


def _order(table: Table, name: str) -> int:
    return next((i for i, c in enumerate(table.columns) if c.name == name), len(table.columns))


def _text(value: Any) -> str:
    """A cell as text to match by: ``202611001.0`` read from a spreadsheet is ``202611001``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _validated(table: Table, rows: list[tuple[int, dict]], now: dt.datetime, base: Base,
               problems: list[Problem]) -> list[tuple[int, dict]]:
    """Each row's values as stored (defaults filled in); every problem added to ``problems``."""
    inserts = tuple(NewRow(values, row) for row, values in rows)
    try:
        checked = validate(ChangeSet(table.name, inserts=inserts), now=now, base=base)
    except InvalidChanges as error:
        told = {(p.row, p.column) for p in problems}  # a link that named nothing is not "required" as well
        problems.extend(p for p in error.problems if (p.row, p.column) not in told)
        bad = {p.row for p in error.problems}
        good = tuple(new for new in inserts if new.row not in bad)
        checked = validate(ChangeSet(table.name, inserts=good), now=now, base=base)
    return [(new.row, dict(new.values)) for new in checked.inserts]


def _check_required_when(table: Table, rows: list[tuple[int, dict]], problems: list[Problem]) -> None:
    """成交 needs 成交金额 …: what ``db.changes.apply`` refuses on a new row, told before writing."""
    conditional = [c for c in table.columns if c.required_when and c.editable]
    for row, values in rows:
        for column in conditional:
            select, code = column.required_when
            if values.get(select) == code and is_empty(values.get(column.name)):
                problems.append(Problem(row, column.name, None, "invalid.required_when",
                                        {"field": select, "option": code}))


def _check_owner(actor: Actor, table: Table, rows: list[tuple[int, dict]], problems: list[Problem]) -> None:
    """A salesperson imports customers for herself (or the 公海), never for someone else."""
    if actor.sees_everything or table.name != "customers":
        return
    for row, values in rows:
        if values.get("owner_id") not in (None, actor.user_id):
            problems.append(Problem(row, "owner_id", values.get("owner_id"), "invalid.outside_scope"))


# --- links: by what a person reads -----------------------------------------------------------------------------

def _resolve_links(db: sqlite_utils.Database, actor: Actor, base: Base, table: Table,
                   rows: list[tuple[int, dict]], problems: list[Problem]) -> None:
    """Replace each link cell's text by the id(s) it names (in place); a cell naming nothing, or several
    records, becomes a problem and is left out of the row."""
    for column in table.links():
        if not any(not is_empty(values.get(column.name)) for _, values in rows):
            continue
        find = _finder(db, actor, base, column)
        for row, values in rows:
            raw = values.get(column.name)
            if is_empty(raw):
                continue
            parts = [p.strip() for p in _SEPARATORS.split(_text(raw))] if column.type.multiple else [_text(raw)]
            ids = []
            for part in filter(None, parts):
                found = find(part)
                if len(found) != 1:
                    reason = "invalid.no_match" if not found else "invalid.ambiguous"
                    problems.append(Problem(row, column.name, part, reason, {"count": len(found)}))
                    values.pop(column.name)
                    break
                ids.append(found[0])
            else:
                values[column.name] = ids if column.type.multiple else ids[0]


def _finder(db: sqlite_utils.Database, actor: Actor, base: Base, column: Column) -> Callable[[str], list[int]]:
    """A function from a cell's text to the ids of the records it names, among those ``actor`` may see."""
    target = base.table(column.type.table)
    index: dict[str, list[int]] = {}
    if target.name == "users":
        for row_id, username, name in db.execute("SELECT id, username, display_name FROM users ORDER BY id"):
            for key in {username.casefold(), name.casefold()}:
                index.setdefault(key, []).append(row_id)
        return lambda text: index.get(text.casefold(), [])
    condition, params = access.scope(actor, target.name)
    label = target.label_column
    if target.name == "customers":
        numbers: dict[str, list[int]] = {}
        for row_id, number, name in db.execute(
                f"SELECT t.id, t.number, t.name FROM customers t WHERE {condition} ORDER BY t.id", params):
            numbers.setdefault(str(number), []).append(row_id)
            index.setdefault(str(name).strip(), []).append(row_id)
        return lambda text: numbers.get(text) or index.get(text, [])
    for row_id, name in db.execute(
            f"SELECT t.id, t.{quote(label)} FROM {quote(target.name)} t WHERE {condition} ORDER BY t.id", params):
        if name is not None:
            index.setdefault(_text(name), []).append(row_id)
    return lambda text: index.get(text, [])


# --- duplicates: 查重's keys --------------------------------------------------------------------------------------

class _Groups:
    """Union–find over file rows (``("r", row)``) and existing customers (``("c", id)``)."""

    def __init__(self) -> None:
        self.parent: dict[tuple, tuple] = {}
        self.reasons: dict[tuple, set[str]] = {}

    def find(self, node: tuple) -> tuple:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, a: tuple, b: tuple, reason: str) -> None:
        ra, rb = self.find(a), self.find(b)
        merged = self.reasons.pop(ra, set()) | self.reasons.pop(rb, set()) | {reason}
        self.parent[ra] = rb
        self.reasons[rb] = merged


def _duplicates(db: sqlite_utils.Database, actor: Actor, rows: list[PlannedRow],
                numbers: Mapping[int, str]) -> tuple[list[DuplicateGroup], bool]:
    """The duplicate groups among ``rows`` and against the base, and whether near names were looked for."""
    groups = _Groups()
    key_of = {"name": name_key, "phone": phone_key, "email": email_key}
    by_key: dict[tuple[str, str], list[int]] = {}
    for planned in rows:
        for kind in KINDS:
            key = key_of[kind](planned.values.get(kind))
            if key is not None:
                by_key.setdefault((kind, key), []).append(planned.row)
    for (kind, _), found in by_key.items():  # within the file
        for other in found[1:]:
            groups.join(("r", found[0]), ("r", other), kind)
    for kind in KINDS:  # against the base, through the indexed keys
        keys = [key for k, key in by_key if k == kind]
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for key, customer_id in db.execute(f"SELECT key, customer_id FROM customer_keys WHERE kind = ? AND key IN "
                                               f"({marks})", [kind, *chunk]):
                for row in by_key[(kind, key)]:
                    groups.join(("r", row), ("c", customer_id), kind)
    valid = {p.row for p in rows}
    wanted = [(row, number) for row, number in numbers.items() if row in valid]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found = dict(db.execute(f"SELECT number, id FROM customers WHERE number IN ({', '.join('?' for _ in chunk)})",
                                [number for _, number in chunk]).fetchall())
        for row, number in chunk:
            if number in found:
                groups.join(("r", row), ("c", found[number]), "number")
    near = len(rows) <= NEAR_LIMIT
    if near:
        threshold = rules(db).duplicate_similarity / 100
        for (kind, key), found in by_key.items():
            if kind == "name":
                for customer_id, _ in similar_to(db, key, threshold=threshold, limit=5):
                    groups.join(("r", found[0]), ("c", customer_id), "similar")
    return _described(db, actor, groups), near


def _described(db: sqlite_utils.Database, actor: Actor, groups: _Groups) -> list[DuplicateGroup]:
    members: dict[tuple, list[tuple]] = {}
    for node in list(groups.parent):
        members.setdefault(groups.find(node), []).append(node)
    components = [sorted(nodes) for nodes in members.values() if len(nodes) > 1]
    ids = sorted({node[1] for nodes in components for node in nodes if node[0] == "c"})
    about: dict[int, Existing] = {}
    seen: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        seen |= access.visible_ids(db, actor, "customers", chunk)
        for row_id, name, owner, version in db.execute(
                "SELECT c.id, c.name, u.display_name, c.version FROM customers c "
                f"LEFT JOIN users u ON u.id = c.owner_id WHERE c.id IN ({', '.join('?' for _ in chunk)})", chunk):
            visible = row_id in seen
            about[row_id] = Existing(row_id if visible else None, name if visible else None, owner, visible,
                                     version if visible else None)
    found = []
    for nodes in sorted(components, key=lambda n: min(node[1] for node in n if node[0] == "r")):
        rows = tuple(sorted(node[1] for node in nodes if node[0] == "r"))
        existing = tuple(about[node[1]] for node in nodes if node[0] == "c" and node[1] in about)
        reasons = tuple(kind for kind in (*KINDS, "number", "similar") if kind in groups.reasons[groups.find(nodes[0])])
        found.append(DuplicateGroup(len(found) + 1, rows, reasons, existing))
    return found


# --- writing ---------------------------------------------------------------------------------------------------

def run(db: sqlite_utils.Database, plan: Plan, decisions: Mapping[int, str] | None = None, *, actor: Actor,
        file_name: str, base_path: Any, progress: Callable[[float], None] | None = None,
        now: dt.datetime | None = None, base: Base | None = None) -> ImportRecord:
    """Write ``plan`` as ``actor`` with the member's ``decisions`` (per duplicate group); return the record.

    A snapshot of the base at ``base_path`` is taken first; then everything —
    updates, new rows, their history under one change id, the ``imports``
    row — is written in one transaction, or nothing. ``progress(share)`` is
    told along the way. Raises ImportRefused, AccessDenied, InvalidChanges
    (a row no longer fits: rows named by their file row) or StaleRow (a
    customer to update changed since the preview).
    """
    base = base or load_base(db)
    now = now or dt.datetime.now()
    table = importable(base, plan.table)
    access.write_rights(actor, table.name, deleting=False)
    report = progress or (lambda share: None)
    outcome = plan.outcome(decisions)
    by_row = {planned.row: planned for planned in plan.rows}
    versions = {e.customer_id: e.version for g in plan.groups for e in g.existing if e.visible}
    edits = [RowEdit(target, versions[target], {n: by_row[row].values[n] for n in by_row[row].given
                                                 if n != table.label_column}, row)  # its name stays
             for row, (action, target) in outcome.items() if action == UPDATE]
    inserts = [by_row[row] for row, (action, _) in sorted(outcome.items()) if action == ADD]
    snapshots.take(base_path, reason="before-import", now=now)
    report(0.05)
    at = now.strftime("%Y-%m-%d %H:%M:%S")
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.write_rights(actor, table.name, deleting=False)
        by = stamp(db, actor.user_id, at)
        for start in range(0, len(edits), 500):
            apply(db, ChangeSet(table.name, edits=tuple(edits[start:start + 500])), actor=actor, now=now, base=base,
                  allow_similar=True, by=by)
            report(0.05 + 0.15 * min(1.0, (start + 500) / len(edits)))
        _insert(db, actor, base, table, inserts, by, now, lambda share: report(0.2 + 0.75 * share))
        written = db.execute("SELECT 1 FROM history WHERE change_id = ? LIMIT 1", [by.change_id]).fetchone()
        counts = plan.counts(decisions)
        import_id = db.execute(
            "INSERT INTO imports (table_name, file_name, user_id, at, added, updated, skipped, change_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [table.name, file_name, actor.user_id, at, counts.added, counts.updated, counts.skipped,
             by.change_id if written else None]).lastrowid
    report(1.0)
    return record(db, import_id)


def _insert(db: sqlite_utils.Database, actor: Actor, base: Base, table: Table, rows: list[PlannedRow],
            by: Stamp, now: dt.datetime, progress: Callable[[float], None]) -> None:
    """Add ``rows`` in the caller's transaction as ``db.changes.apply`` would — fresh ids, automatic numbers,
    创建时间, a salesperson's customers hers, links only to rows she may see, an insert entry in history for
    each — but a batch of rows per statement, the table's triggers keeping 查重 keys, rollups and stages."""
    if not rows:
        progress(1.0)
        return
    values = [dict(planned.values) for planned in rows]
    if not actor.sees_everything and table.has_column("owner_id"):
        for row in values:
            row["owner_id"] = row.get("owner_id") or actor.user_id
    _check_links(db, actor, base, table, rows, values)
    first = fresh_id(db, table)
    for column in table.stored_columns:
        if isinstance(column.type, AutoNumber):
            for row, number in zip(values, next_numbers(db, table, column, now.date(), len(values)), strict=True):
                row[column.name] = number
        elif isinstance(column.type, CreatedOn):
            for row in values:
                row[column.name] = column.type.stamp(now)
    for offset, row in enumerate(values):
        for name in [n for n, v in row.items() if is_empty(v)]:
            del row[name]  # left to the column's own default, as a save does
        row.update(id=first + offset, updated_at=by.at, updated_by=by.user_id)
    last = first + len(values) - 1
    with _row_triggers_set_aside(db, table.name, first, last):
        for start in range(0, len(values), CHUNK):
            batch: dict[tuple[str, ...], list[tuple]] = {}
            for row in values[start:start + CHUNK]:
                batch.setdefault(tuple(row), []).append(tuple(row.values()))
            for names, tuples in batch.items():
                db.conn.executemany(f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                                    f"VALUES ({', '.join('?' for _ in names)})", tuples)
            progress(0.7 * min(1.0, (start + CHUNK) / len(values)))
    progress(0.85)
    _record(db, table, first, last, by)
    progress(1.0)


#: Insert triggers that cost most per row, and what does their work for a range of new rows in one statement each
#: (the new ids are fresh: no stage was ever recorded for them).
_SET_ASIDE = {
    "customers": (("customer_keys_insert", "customers_stage_insert"), (
        "INSERT OR IGNORE INTO customer_keys (kind, key, customer_id) "
        "SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), c.id "
        "FROM customers c, json_each(genjin_customer_keys(c.name, c.phone, c.email)) j "
        "WHERE c.id BETWEEN :first AND :last ORDER BY 1, 2, 3",
        "INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, by) "
        "SELECT id, NULL, stage, updated_at, updated_by FROM customers "
        "WHERE id BETWEEN :first AND :last AND stage IS NOT NULL ORDER BY id",
        "UPDATE customers SET stage_changed_at = updated_at WHERE id BETWEEN :first AND :last AND stage IS NOT NULL",
    )),
}


@contextmanager
def _row_triggers_set_aside(db: sqlite_utils.Database, table_name: str, first: int, last: int) -> Iterator[None]:
    """Inside the write transaction: the costliest per-row insert triggers of ``table_name`` set aside while rows
    ``first``–``last`` are inserted, their work done for those rows in one sorted statement each, the triggers
    put back (their SQL read back from the base: migrations stay their only author; DDL rolls back with the
    transaction). The 查重 keys and stage changes come out as the triggers would have made them."""
    names, statements = _SET_ASIDE.get(table_name, ((), ()))
    marks = ", ".join("?" for _ in names)
    triggers = db.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
                          list(names)).fetchall() if names else []
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {quote(name)}")
    yield
    for statement in statements:
        db.execute(statement, {"first": first, "last": last})
    for _, sql in triggers:
        db.execute(sql)


def _check_links(db: sqlite_utils.Database, actor: Actor, base: Base, table: Table, rows: list[PlannedRow],
                 values: list[dict]) -> None:
    """Refuse links to records that are gone or that the actor may not see (checked under the write lock)."""
    problems = []
    for column in table.links():
        target = base.table(column.type.table).name
        wanted = sorted({i for row in values for i in column.type.ids(row.get(column.name))})
        seen: set[int] = set()
        for start in range(0, len(wanted), 500):
            seen |= access.visible_ids(db, actor, target, wanted[start:start + 500])
        for planned, row in zip(rows, values, strict=True):
            missing = set(column.type.ids(row.get(column.name))) - seen
            if missing:
                problems.append(Problem(planned.row, column.name, min(missing), "invalid.link_missing"))
    if problems:
        raise InvalidChanges(table.name, problems)


def _record(db: sqlite_utils.Database, table: Table, first: int, last: int, by: Stamp) -> None:
    """An ``insert`` history entry for each row added, with every value it holds (as ``history.record``)."""
    names = [c.name for c in table.stored_columns]
    names += [name for name in added_columns(db, table.name) if name not in names]
    cursor = db.execute(f"SELECT id, {', '.join(quote(n) for n in names)} FROM {quote(table.name)} "
                        "WHERE id BETWEEN ? AND ? ORDER BY id", [first, last])
    while batch := cursor.fetchmany(CHUNK):
        db.conn.executemany(
            "INSERT INTO history (change_id, at, user_id, table_name, row_id, action, changes, undoes) "
            "VALUES (?, ?, ?, ?, ?, 'insert', ?, NULL)",
            [(by.change_id, by.at, by.user_id, table.name, row[0],
              json.dumps({n: (None, v) for n, v in zip(names, row[1:], strict=True) if v is not None},
                         ensure_ascii=False)) for row in batch])


# --- the history of imports, and undoing one --------------------------------------------------------------------

_RECORD = ("SELECT i.id, i.table_name, i.file_name, i.user_id, u.display_name, i.at, i.added, i.updated, i.skipped, "
           "i.change_id, i.undone_change_id FROM imports i LEFT JOIN users u ON u.id = i.user_id")


def record(db: sqlite_utils.Database, import_id: int) -> ImportRecord:
    """The import ``import_id``; raises ImportRefused when there is none."""
    row = db.execute(f"{_RECORD} WHERE i.id = ?", [int(import_id)]).fetchone()
    if row is None:
        raise ImportRefused("import.not_found")
    return ImportRecord(*row)


def history(db: sqlite_utils.Database, *, actor: Actor, limit: int = 50) -> list[ImportRecord]:
    """The latest imports, newest first: a salesperson's own, everyone's for managers and administrators."""
    mine, params = ("", []) if actor.sees_everything else (" WHERE i.user_id = ?", [actor.user_id])
    rows = db.execute(f"{_RECORD}{mine} ORDER BY i.id DESC LIMIT ?", [*params, limit]).fetchall()
    return [ImportRecord(*row) for row in rows]


def undo_import(db: sqlite_utils.Database, import_id: int, *, actor: Actor, now: dt.datetime | None = None,
                base: Base | None = None) -> ImportRecord:
    """Take back a whole import (``db.undo.undo`` of its one change) and record it; return the record.

    Raises ImportRefused (no such import for this member, already undone,
    nothing was written), UndoRefused (a row was changed since, or already
    has follow-ups) or AccessDenied (undoing additions deletes rows: a
    salesperson may not delete customers).
    """
    found = record(db, import_id)
    if not actor.sees_everything and found.user_id != actor.user_id:
        raise ImportRefused("import.not_found")
    if found.undone:
        raise ImportRefused("import.already_undone")
    if found.change_id is None:
        raise ImportRefused("import.nothing_written")
    with write_transaction(db):
        undone = undo(db, found.change_id, actor=actor, now=now, base=base)
        db.execute("UPDATE imports SET undone_change_id = ? WHERE id = ?", [undone, found.id])
    return record(db, found.id)
