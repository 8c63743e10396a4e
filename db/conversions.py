"""Changing a field's type: its values converted where they fit, kept as they were where they do not.

A type change is a schema change and a data change at once: the field's
kind in ``fields``, its SQL column rebuilt when the new type stores
differently, and every rewritten cell a recorded edit — in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import access, fields, history
from db.access import Actor
from db.connection import write_transaction
from db.sql import quote
from schema.fields import CONVERTIBLE_KINDS, kind
from schema.types import Checkbox, Choice, ColumnType, Date, DateTime, InvalidValue, MultiChoice


@dataclass(frozen=True)
class Conversion:
    """What changing a field's type did: cells rewritten, cells kept as they were (they do not fit the new
    type and show as invalid until someone corrects them), and a few of those kept."""

    converted: int
    kept: int
    examples: tuple[str, ...] = ()
    #: Converted cells that lost something on the way (a date-time's time, a long text's line breaks).
    shortened: int = 0


def _as_text(kind_: ColumnType, value: Any) -> Any:
    """A stored value as a person would type it again: an option by its label, a checkbox as 是/否."""
    if isinstance(kind_, MultiChoice):
        return "，".join(kind_.label(code, "zh") for code in MultiChoice.codes(value))
    if isinstance(kind_, Choice):
        return kind_.label(value, "zh")
    if isinstance(kind_, Checkbox):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _shortened(old: ColumnType, new: ColumnType, stored: Any, converted: Any) -> int:
    """1 if converting ``stored`` lost something a person would miss: a time of day, a line break."""
    if isinstance(old, DateTime) and isinstance(new, Date) and not isinstance(new, DateTime):
        return int(not str(stored).endswith("00:00"))
    if isinstance(stored, str) and "\n" in stored and isinstance(converted, str) and "\n" not in converted:
        return 1
    return 0


def _options_from(values: list[Any], multi: bool) -> list[str]:
    """Options for a field becoming a select: the distinct texts in its cells, in order of appearance."""
    seen: dict[str, str] = {}
    for value in values:
        parts = re.split(r"[,，;；、]", str(value)) if multi else [str(value)]
        for part in (" ".join(p.split()) for p in parts):
            if part and part.casefold() not in seen and len(seen) < MAX_DERIVED_OPTIONS:
                seen[part.casefold()] = part[:fields.MAX_LABEL]
    return list(seen.values())


#: Options made from a field's values when it becomes a select without options given.
MAX_DERIVED_OPTIONS = 100


def change_kind(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, kind_code: str, *,
                options: list[str] | None = None, now: dt.datetime | None = None) -> Conversion:
    """Change an added field's type, converting its values; return what was converted and what was kept.

    Each cell is read as a person would type it (an option by its label) and
    checked as the new type; what fits is rewritten, what does not is kept
    as it was (shown as invalid, never lost). A field becoming a select
    without ``options`` gets its distinct values as options. Every rewritten
    cell is a recorded edit (its row's version moves on, so an open grid is
    told rather than overwritten). The SQL column is rebuilt when the new
    type stores differently (numbers, text), in the same transaction. Only
    between :data:`CONVERTIBLE_KINDS`; raises AccessDenied or FieldError.
    """
    access.require(actor, "manage_schema")
    if kind_code not in CONVERTIBLE_KINDS:
        raise fields.FieldError("field.not_convertible")
    stamp = fields.stamp_text(now)
    with write_transaction(db):
        access.resolve(db, actor)
        table = fields.managed_table(fields.load_base(db), table_name)
        found = db.execute("SELECT id, kind, options FROM fields WHERE table_name = ? AND name = ? "
                           "AND deleted_at IS NULL", [table.name, name]).fetchone()
        if not table.has_column(name):
            raise fields.FieldError("field.not_found")
        if found is None or found[1] is None:
            raise fields.FieldError("field.builtin")
        row, old_kind, old_options = found
        if old_kind not in CONVERTIBLE_KINDS:
            raise fields.FieldError("field.not_convertible")
        if old_kind == kind_code:
            return Conversion(0, 0)
        old = table.column(name).type
        quoted_table, quoted = quote(table.name), quote(name)
        cells = db.execute(f"SELECT id, {quoted} FROM {quoted_table} WHERE {quoted} IS NOT NULL ORDER BY id"
                           ).fetchall()
        typed = {row_id: _as_text(old, value) for row_id, value in cells}
        option_rows: list[list[str]] = []
        if kind(kind_code).has_options:
            labels = options if options else (
                [o.label.zh for o in fields.stored_options(old_options)] if isinstance(old, Choice) and kind_code in (
                    "single", "multi") else _options_from(list(typed.values()), kind_code == "multi"))
            option_rows = fields.options_as_stored(labels, fields.stored_options(old_options)) if labels else []
            if not option_rows:
                raise fields.FieldError("field.options_required")
        new = kind(kind_code).make(fields.stored_options(json.dumps(option_rows)))
        values, kept, shortened = {}, [], 0
        # A value is tried as a person reads it (an option's label, 是/否), then as it is stored (a checkbox's
        # 0/1 for a number). What fits neither is kept: as stored, or as its label where the stored code
        # would mean nothing any more (an option or a checkbox turned into something else).
        readable = isinstance(old, Choice | Checkbox)
        for row_id, stored in cells:
            for attempt in dict.fromkeys((typed[row_id], stored)):
                try:
                    values[row_id] = new.parse(attempt)
                    break
                except InvalidValue:
                    continue
            else:
                values[row_id] = typed[row_id] if readable else stored
                kept.append(typed[row_id])
                continue
            shortened += _shortened(old, new, stored, values[row_id])
        if new.storage != kind(old_kind).make(()).storage:
            scratch = quote(f"{name}_converting")
            db.execute(f"ALTER TABLE {quoted_table} ADD COLUMN {scratch} {new.storage}")
            db.conn.executemany(f"UPDATE {quoted_table} SET {scratch} = ? WHERE id = ?",
                           [(value, row_id) for row_id, value in values.items()])
            db.execute(f"ALTER TABLE {quoted_table} DROP COLUMN {quoted}")
            db.execute(f"ALTER TABLE {quoted_table} RENAME COLUMN {scratch} TO {quoted}")
        changed = {row_id: (stored, values[row_id]) for row_id, stored in cells if values[row_id] != stored}
        if changed:
            by = history.stamp(db, actor.user_id, stamp)
            for row_id, (before, after) in changed.items():
                db.execute(f"UPDATE {quoted_table} SET {quoted} = ?, version = version + 1, updated_at = ?, "
                           "updated_by = ? WHERE id = ?", [after, stamp, actor.user_id, row_id])
                history.record(db, by, table=table.name, row_id=row_id, action="update",
                               changes={name: (before, after)})
        fields.write_settings(db, row, {"kind": kind_code, "options": json.dumps(option_rows, ensure_ascii=False),
                         "default_value": None}, actor, now)
    return Conversion(len(cells) - len(kept), len(kept), tuple(str(v) for v in kept[:5]), shortened)
