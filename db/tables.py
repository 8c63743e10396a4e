"""Tables people add: created from scratch or from a template, with the grid, history and trash of any table.

An added table is named ``t<number>``; it has the row bookkeeping every
table has (version, updated_at, updated_by) and one field, 名称. Its other
fields are ordinary fields (``db/fields.py``); a template adds them in the
same transaction as the table. Everyone may read and write added tables;
creating them is an administrator's right.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from db import access, fields
from db.access import Actor
from db.connection import write_transaction
from schema.templates import TITLE, template


def create_table(db: sqlite_utils.Database, actor: Actor, label: str, *, template_code: str | None = None,
                 now: dt.datetime | None = None) -> str:
    """A new table called ``label`` (from ``template_code``'s fields, if given); return its name.

    With a template and no ``label``, the table takes the template's name in both languages — numbered
    (转介绍记录 2 / Referrals 2) when a table has it already. Raises AccessDenied or FieldError:
    ``table.label_required`` (no label, no template), ``table.label_too_long``, ``table.label_taken`` (a
    label already used by a table, in either language), ``table.unknown_template``.
    """
    access.require(actor, "manage_schema")
    start = None
    if template_code:
        try:
            start = template(template_code)
        except KeyError:
            raise fields.FieldError("table.unknown_template") from None
    by_template = start is not None and not (label or "").strip()
    if not by_template:
        label = fields.clean_label(label, required="table.label_required", too_long="table.label_too_long")
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    with write_transaction(db):
        access.resolve(db, actor)
        base = fields.load_base(db)
        taken = {name.casefold() for t in base.tables for name in (t.label.zh, t.label.en)}
        if by_template:
            label_zh, label_en = start.label.zh, start.label.en
            number = 1
            while label_zh.casefold() in taken or label_en.casefold() in taken:
                number += 1
                label_zh, label_en = f"{start.label.zh} {number}", f"{start.label.en} {number}"
        elif label.casefold() in taken:
            raise fields.FieldError("table.label_taken", label=label)
        else:
            label_zh = label_en = label
        table_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM user_tables").fetchone()[0]
        name = f"t{table_id}"
        # The name is ours (t<number>); the label is a value.
        db.execute(f'''
            CREATE TABLE "{name}" (
                id INTEGER PRIMARY KEY,
                "{TITLE}" TEXT,
                version INTEGER NOT NULL DEFAULT 1,
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
                updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL
            )''')
        db.execute("INSERT INTO user_tables (id, name, label_zh, label_en, template, created_at, created_by) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", [table_id, name, label_zh, label_en, template_code, stamp,
                                                     actor.user_id])
        for field_label, kind_code, extra in start.fields if start else ():
            fields.add_field(db, actor, name, field_label, kind_code, now=now,
                             options=list(extra) if kind_code in ("single", "multi") else (),
                             link=extra if kind_code == "link" else None)
    return name
