"""The 导入 wizard's logic: a file read once per upload, the mapping, the preview (plan) kept per inputs, the writes.

The page (``pages/imports.py``) only draws; what it needs between reruns lives in
``st.session_state`` under ``imports.*``: the file read (:func:`raw_table`, by the
upload's bytes), the plan for the current mapping, fixes and exclusions
(:func:`current_plan`), the member's choices per duplicate group and the last
result. Core refusals become sentences here (``ui.messages``); file refusals
(``ImportFileError``) by their code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from db import imports as core
from db.access import AccessDenied
from db.connection import base_path, opened
from db.errors import InvalidChanges, Refused, StaleRow
from db.fields import add_field
from exports import Sheet, to_csv
from imports import ImportFileError, Limits, RawTable, normalize, read, sheet_names, suggest
from schema.model import Table
from ui.i18n import lang, t
from ui.messages import describe, flash, reason_text
from ui.text import md_escape

#: The mapping's choices besides the table's columns.
SKIP_COLUMN, NEW_COLUMN = "", "__new__"
#: Rows with problems shown in the preview grid (all of them are in the downloadable list).
GRID_ROWS = 200
#: Duplicate groups with a choice of their own on the page; the rest follow 其余各组.
GROUPS_SHOWN = 50
_RAW, _PLAN, _FIXES, _RESULT = "imports.raw", "imports.plan", "imports.fixes", "imports.result"


def signature(data: bytes, *parts: Any) -> str:
    """A short fingerprint of an upload (and whatever else names a state), for widget keys and caches."""
    digest = hashlib.sha1(data, usedforsecurity=False)
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()[:12]


def sheets(data: bytes, name: str) -> list[str]:
    """The file's sheet names; raises ImportFileError."""
    return sheet_names(data, name, Limits())


def raw_table(data: bytes, name: str, sheet: str | None, table: Table) -> RawTable:
    """The file read once per upload, sheet and table (kept in the session); raises ImportFileError."""
    key = signature(data, name, sheet, table.name)
    kept = st.session_state.get(_RAW)
    if kept is None or kept[0] != key:
        kept = (key, read(data, name, sheet=sheet, limits=Limits(), table=table))
        st.session_state[_RAW] = kept
        st.session_state.pop(_PLAN, None)
        st.session_state[_FIXES] = ({}, set())
    return kept[1]


def file_error(error: ImportFileError) -> str:
    """Why a file cannot be imported, as a sentence."""
    return t(f"import.error.{error.code}")


def suggestions(raw: RawTable, table: Table) -> list[str]:
    """Per header, the column suggested (``SKIP_COLUMN`` when none)."""
    return [name or SKIP_COLUMN for name in suggest(raw.headers, table)]


def choices(table: Table, admin: bool) -> list[str]:
    """What a header may map to: nothing, the table's writable columns, and (administrators) a new column."""
    return [SKIP_COLUMN, *(c.name for c in table.editable_columns), *([NEW_COLUMN] if admin else [])]


def choice_label(table: Table, name: str) -> str:
    """How a mapping choice reads."""
    if name == SKIP_COLUMN:
        return t("imports.not_imported")
    if name == NEW_COLUMN:
        return t("imports.new_column")
    return table.column(name).label.get(lang())


def create_columns(table: Table, headers: list[str], key: str, actor) -> None:
    """新建列 (a button's callback): a text field added for every header mapped to ``NEW_COLUMN``, named by the
    header, and the header mapped to it; or why not."""
    try:
        with opened(base_path()) as db:
            for index, header in enumerate(headers):
                widget = f"imports.map.{key}.{index}"
                if st.session_state.get(widget) == NEW_COLUMN:
                    st.session_state[widget] = add_field(db, actor, table.name, header or f"列{index + 1}", "text")
    except Refused as error:
        flash("error", "\n".join(describe(error)))


def file_rows(raw: RawTable, table: Table, mapping: list[str], fixes: dict[int, dict[str, Any]]
              ) -> list[tuple[int, dict[str, Any]]]:
    """Each file row as ``(row number, {column: value as its parser accepts})``; the preview's fixes win."""
    columns = [(index, table.column(name)) for index, name in enumerate(mapping)
               if name not in (SKIP_COLUMN, NEW_COLUMN) and table.has_column(name)]
    rows = []
    for number, cells in zip(raw.row_numbers, raw.rows, strict=True):
        values = {column.name: normalize(cells[index] if index < len(cells) else None, column)
                  for index, column in columns}
        for name, value in fixes.get(number, {}).items():
            values[name] = normalize(value, table.column(name))
        rows.append((number, values))
    return rows


def current_plan(raw: RawTable, table: Table, mapping: list[str], actor) -> core.Plan:
    """The plan for the file, mapping, fixes and exclusions as they are now (made again only when one changed)."""
    fixes, excluded = st.session_state.setdefault(_FIXES, ({}, set()))
    key = (st.session_state[_RAW][0], tuple(mapping), repr(sorted(fixes.items())), tuple(sorted(excluded)))
    kept = st.session_state.get(_PLAN)
    if kept is None or kept[0] != key:
        with opened(base_path()) as db:
            kept = (key, core.plan(db, table.name, file_rows(raw, table, mapping, fixes), actor=actor,
                                   excluded=excluded))
        st.session_state[_PLAN] = kept
    return kept[1]


def problems_frame(plan: core.Plan, table: Table) -> pd.DataFrame:
    """The problems as a table: 行, 列, 值, 原因 (every one of them)."""
    return pd.DataFrame({
        t("imports.col_row"): [p.row for p in plan.problems],
        t("imports.col_column"): [_column_label(table, p.column) for p in plan.problems],
        t("imports.col_value"): ["" if p.value is None else str(p.value) for p in plan.problems],
        t("imports.col_reason"): [reason_text(table.name, p) for p in plan.problems],
    })


def problems_csv(plan: core.Plan, table: Table) -> bytes:
    """The problem list as a CSV file for Excel (text that looks like a formula is escaped)."""
    frame = problems_frame(plan, table)
    return to_csv(Sheet(t("imports.problems"), list(frame.columns), frame.itertuples(index=False, name=None)))


def _column_label(table: Table, name: str) -> str:
    return table.column(name).label.get(lang()) if table.has_column(name) else name


def fix_frame(raw: RawTable, table: Table, mapping: list[str], plan: core.Plan) -> tuple[pd.DataFrame, list[int]]:
    """The rows with problems (the first ``GRID_ROWS``) as the file holds them, fixes applied, with 排除; and their
    row numbers in order."""
    fixes, excluded = st.session_state.get(_FIXES, ({}, set()))
    wanted = (plan.problem_rows + [r for r in plan.excluded if r not in plan.problem_rows])[:GRID_ROWS]
    by_number = dict(zip(raw.row_numbers, raw.rows, strict=True))
    columns = [(index, name) for index, name in enumerate(mapping) if table.has_column(name)]
    data: dict[str, list] = {t("imports.exclude"): [number in excluded for number in wanted],
                             t("imports.col_row"): wanted}
    for index, name in columns:
        cells = []
        for number in wanted:
            value = fixes.get(number, {}).get(name)
            if value is None:
                row = by_number[number]
                value = row[index] if index < len(row) else None
            cells.append("" if value is None else str(value))
        data[table.column(name).label.get(lang())] = cells
    return pd.DataFrame(data), wanted


def save_fixes(key: str, numbers: list[int], names: dict[str, str]) -> None:
    """The preview grid's edits (``on_change``): typed values become fixes, 排除 ticks exclusions."""
    fixes, excluded = st.session_state.get(_FIXES, ({}, set()))
    fixes, excluded = dict(fixes), set(excluded)
    exclude = t("imports.exclude")
    for position, changed in st.session_state[key].get("edited_rows", {}).items():
        number = numbers[int(position)]
        for label, value in changed.items():
            if label == exclude:
                (excluded.add if value else excluded.discard)(number)
            elif label in names:
                fixes[number] = {**fixes.get(number, {}), names[label]: value}
    st.session_state[_FIXES] = (fixes, excluded)


def decision_label(decision: str) -> str:
    """跳过 / 更新已有客户 / 作为新客户添加."""
    return t(f"imports.decision_{decision}")


def existing_text(existing: core.Existing) -> str:
    """Safe Markdown naming a matched customer: its name (a link) for those who may see it, else only its owner."""
    whose = t("duplicate.owned_by", owner=existing.owner) if existing.owner else t("duplicate.in_pool")
    if existing.visible:
        return t("duplicate.visible", name=md_escape(existing.name), id=int(existing.customer_id),
                 whose=md_escape(whose))
    return md_escape(t("duplicate.hidden", whose=whose))


def decisions(plan: core.Plan) -> dict[int, str]:
    """The member's choice per duplicate group (its own radio for the first groups, else 其余各组)."""
    rest = st.session_state.get("imports.rest", core.SKIP)
    chosen = {}
    for group in plan.groups:
        decision = st.session_state.get(f"imports.group.{group.id}", rest)
        chosen[group.id] = decision if decision in group.choices else core.SKIP
    return chosen


def ask_to_write() -> None:
    """导入 (a button's callback): the page writes on this run, under a progress bar."""
    st.session_state["imports.go"] = True


def asked_to_write() -> bool:
    """Whether 导入 was clicked (once)."""
    return bool(st.session_state.pop("imports.go", False))


def write(plan: core.Plan, chosen: dict[int, str], file_name: str, actor,
          progress: Callable[[float], None]) -> list[str]:
    """Import ``plan``; return the messages of a refusal (``[]`` when written, the result kept for the page)."""
    try:
        with opened(base_path()) as db:
            record = core.run(db, plan, chosen, actor=actor, file_name=file_name, base_path=base_path(),
                              progress=progress)
    except (InvalidChanges, StaleRow, Refused) as error:
        return describe(error)
    st.session_state[_RESULT] = record
    for key in (_RAW, _PLAN, _FIXES):
        st.session_state.pop(key, None)
    st.session_state["imports.upload_round"] = st.session_state.get("imports.upload_round", 0) + 1  # a new uploader
    return []


def result() -> core.ImportRecord | None:
    """The import just written, shown once."""
    return st.session_state.pop(_RESULT, None)


def history(actor) -> list[core.ImportRecord]:
    """The imports this member may see, newest first."""
    with opened(base_path()) as db:
        return core.history(db, actor=actor)


def undo(import_id: int, actor) -> None:
    """撤销此次导入 (a button's callback): the whole import taken back, or why not."""
    try:
        with opened(base_path()) as db:
            core.undo_import(db, import_id, actor=actor)
    except (Refused, AccessDenied, StaleRow) as error:
        flash("error", "\n".join(describe(error)))
        return
    flash("success", t("imports.undone"))


def table_label(table_name: str, tables: list[Table]) -> str:
    """A table's name in the session's language (its internal name if it is gone)."""
    return next((table.label.get(lang()) for table in tables if table.name == table_name), table_name)
