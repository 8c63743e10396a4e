"""看板视图: cards of any table grouped by one of its single-select fields; moving a card is an edit like any other.

Each column is one option (and one for empty cells); it shows the first
cards of that option, read one page at a time in SQL with the page's search
applied and only the rows the member may see. A card names its record (the
link opens it: a customer's detail, an added table's record view), with its
link fields (负责人, 推荐人) underneath. A card's 移到 select saves the new
value through ``db.changes.apply`` — the same validation, version check and
history as the grid — as the member logged in now.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from db.access import AccessDenied, Actor
from db.changes import ChangeSet, RowEdit, apply
from db.connection import base_path, opened
from db.errors import InvalidChanges, StaleRow
from db.queries import Filter, Query, count_rows, fetch_page, link_options
from schema.model import Column, Table
from schema.types import Choice, Link, MultiChoice
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.session import acting
from ui.tables import record_url
from ui.text import md_escape

#: Cards shown per column; the count says how many there are in all.
CARDS_PER_COLUMN = 20
EMPTY = "__empty__"
#: Link fields named on a card under its title.
DETAILS = 2


def groupable(table: Table) -> list[Column]:
    """The single-select fields a board can be grouped by."""
    return [c for c in table.columns if isinstance(c.type, Choice) and not isinstance(c.type, MultiChoice)
            and c.editable]


def default_group(table: Table) -> str | None:
    """The field a board groups by unless told: 销售阶段 for customers, else the first single select."""
    names = [c.name for c in groupable(table)]
    return "stage" if "stage" in names else next(iter(names), None)


def details_of(table: Table) -> list[Column]:
    """The link fields a card shows under its title (负责人 on a customer, 推荐人 on a referral)."""
    return [c for c in table.columns if isinstance(c.type, Link) and not c.hidden][:DETAILS]


def _move(table: Table, column: str, row: dict[str, Any], key: str) -> None:
    target = st.session_state.get(key)
    value = None if target == EMPTY else target
    edit = RowEdit(int(row["id"]), int(row["version"]), {column: value}, row=str(row.get(table.label_column)))
    try:
        with opened(base_path()) as db:
            apply(db, ChangeSet(table.name, edits=(edit,)), actor=acting())
    except (InvalidChanges, StaleRow, AccessDenied) as error:
        flash("error", "\n".join(describe(error)))
        return
    label = table.column(column).type.label(value, lang()) if value else t("kanban.empty_column")
    flash("success", md_escape(t("kanban.moved", name=row.get(table.label_column), to=label)))


def board(table: Table, column: Column, actor: Actor, search: str) -> None:
    """One column per option of ``column`` (and one for empty cells), with the first cards of each."""
    options = {o.code: o.label.get(lang()) for o in column.type.options}
    lanes = [*options, EMPTY]
    names = options | {EMPTY: t("kanban.empty_column")}
    details = details_of(table)
    with opened(base_path()) as db:
        content = {}
        for code in lanes:
            query = Query(table.name, search, (Filter(column.name, "in", (None if code == EMPTY else code,)),),
                          page_size=CARDS_PER_COLUMN)
            content[code] = (count_rows(db, query, actor=actor), fetch_page(db, query, actor=actor))
        shown_rows = [row for _, rows in content.values() for row in rows]
        labels = {c.name: link_options(db, c.type.table, actor=actor, limit=0,
                                       include=tuple(row.get(c.name) for row in shown_rows)) for c in details}
    shown = [code for code in lanes if code != EMPTY or content[code][0]]
    for code, cell in zip(shown, st.columns(len(shown)), strict=True):
        total, rows = content[code]
        cell.markdown(f"**{md_escape(names[code])}** · {total:,}")
        for row in rows:
            with cell.container(border=True):
                _card(table, column, row, code, lanes, names, details, labels)
        if total > len(rows):
            cell.caption(t("kanban.more", count=f"{total - len(rows):,}"))


def _card(table: Table, column: Column, row: dict[str, Any], code: str, lanes: list[str], names: dict[str, str],
          details: list[Column], labels: dict[str, dict[int, str]]) -> None:
    title = md_escape(str(row.get(table.label_column) or "—"))
    st.markdown(f"[{title}]({record_url(table, row)})")
    for detail in details:  # a linked record the member may not see is not named
        if (linked := labels[detail.name].get(row.get(detail.name))) is not None:
            st.caption(md_escape(f"{detail.label.get(lang())}：{linked}"))
    key = f"kanban.{table.name}.{column.name}.{row['id']}.{row['version']}"
    st.selectbox(t("kanban.move"), lanes, index=lanes.index(code), format_func=names.get, key=key,
                 on_change=_move, args=(table, column.name, row, key), label_visibility="collapsed")
