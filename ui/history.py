"""A row's history as a read-only table: one line per changed column, values shown as labels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlite_utils
import streamlit as st

from db.access import Actor
from db.attachments import TABLE as ATTACHMENTS
from db.history import Entry
from db.queries import link_options
from schema.crm import CRM
from schema.labels import Label
from schema.model import Base, UnknownColumn
from schema.types import Choice, Link, MultiChoice
from ui.i18n import lang, t
from ui.schema import current_base, field_labels


def shown(table_name: str, column_name: str, value: Any, links: Mapping[str, Mapping[int, str]], *,
          base: Base = CRM) -> str:
    """A stored value as a person reads it: option labels, linked rows' names, empty as —."""
    if value is None:
        return "—"
    try:
        kind = base.table(table_name).column(column_name).type
    except UnknownColumn:
        return str(value)
    if isinstance(kind, MultiChoice):
        return t("app.separator").join(kind.label(code, lang()) for code in MultiChoice.codes(value))
    if isinstance(kind, Choice):
        return kind.label(value, lang())
    if isinstance(kind, Link):
        return t("app.separator").join(links.get(kind.table, {}).get(i, f"#{i}") for i in kind.ids(value))
    return str(value)


def linked_names(db: sqlite_utils.Database, entries: list[Entry], actor: Actor) -> dict[str, dict[int, str]]:
    """``{table: {id: label}}`` of the records the entries' link values name, before and after (one or several
    each), read for exactly those ids; only records ``actor`` may see are named."""
    base = current_base()
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        table = base.table(entry.table) if base.has_table(entry.table) else None
        for name, values in entry.changes.items() if table is not None else ():
            kind = table.column(name).type if table.has_column(name) else None
            if isinstance(kind, Link):
                wanted[kind.table].update(i for value in values for i in kind.ids(value))
    return {name: link_options(db, name, actor=actor, limit=0, include=tuple(sorted(ids)))
            for name, ids in wanted.items() if ids}


def who_did(entry: Entry) -> str:
    """Who made a change: a member's name, a 公开表单 by its title, else "—"."""
    if entry.user:
        return entry.user
    return t("history.by_form", title=entry.form) if entry.form else "—"


def frame(entries: list[Entry], links: Mapping[str, Mapping[int, str]]) -> pd.DataFrame:
    """One row per changed column of every entry, newest first."""
    lines = []
    base, labels = current_base(), field_labels()
    for entry in entries:
        if entry.table == ATTACHMENTS:
            lines += _file_lines(entry, base)
            continue
        table = base.table(entry.table)
        if not entry.changes:  # emptied with the trash: who, when and what stay
            lines.append({t("history.time"): entry.at, t("history.who"): who_did(entry),
                          t("history.action"): t(f"history.{entry.action}"),
                          t("history.table"): f"{table.label.get(lang())} #{entry.row_id}",
                          t("history.column"): "—", t("history.before"): t("history.purged"),
                          t("history.after"): "—"})
        actions, who = {}, who_did(entry)
        if entry.pool_reason:  # the 负责人 line of a move into or out of the 公海 says why
            moved = t(f"pool_reason.{entry.pool_reason}")
            actions["owner_id"] = t("history.pool_note", reason=moved, note=entry.pool_note) if entry.pool_note \
                else moved
            who = entry.user or t("pool.system")
        for column_name, (before, after) in entry.changes.items():
            if table.has_column(column_name):
                label = table.column(column_name).label.get(lang())
            else:  # a field in the trash
                label = labels.get((entry.table, column_name), Label(column_name, column_name)).get(lang())
            lines.append({
                t("history.time"): entry.at,
                t("history.who"): who,
                t("history.action"): actions.get(column_name, t(f"history.{entry.action}")),
                t("history.table"): f"{table.label.get(lang())} #{entry.row_id}",
                t("history.column"): label,
                t("history.before"): shown(entry.table, column_name, before, links, base=base),
                t("history.after"): shown(entry.table, column_name, after, links, base=base),
            })
    return pd.DataFrame(lines)


def _file_lines(entry: Entry, base: Base) -> list[dict[str, str]]:
    """A file uploaded, deleted or restored, as one line: the row and field it belongs to, its name."""
    values = {name: before if before is not None else after for name, (before, after) in entry.changes.items()}
    record, field = t("attachments.record") + f" #{entry.row_id}", "—"
    if base.has_table(values.get("table_name")):
        table = base.table(values["table_name"])
        record = f"{table.label.get(lang())} #{values.get('row_id')}"
        field = table.column(values["field"]).label.get(lang()) if table.has_column(values.get("field", "")) \
            else t("attachments.title")
    name = values.get("file_name")
    removed = entry.action == "delete"
    return [{t("history.time"): entry.at, t("history.who"): who_did(entry),
             t("history.action"): t(f"history.{entry.action}"), t("history.table"): record,
             t("history.column"): field,
             t("history.before"): (name if removed else "—") if name else t("history.purged"),
             t("history.after"): "—" if removed or not name else name}]


def show(entries: list[Entry], links: Mapping[str, Mapping[int, str]]) -> None:
    """The history table, or a line saying there is none yet."""
    if not entries:
        st.caption(t("history.empty"))
        return
    st.dataframe(frame(entries, links), hide_index=True, width="stretch")
