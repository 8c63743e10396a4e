"""看板视图: cards of any table grouped by one of its single-select fields; moving a card is an edit like any other.

Each column is one option (and one for empty cells); it shows the first
cards of that option, read one page at a time in SQL with the page's search
and filters applied (those of a saved view when one is picked: "A级未跟进30天"
as a board) and only the rows the member may see. A card names its record (the
link opens it: a customer's detail, an added table's record view), with its
link fields (负责人, 推荐人) underneath. A card's 移到 select saves the new
value through ``db.changes.apply`` — the same validation, version check and
history as the grid — as the member logged in now. A move to an option that
needs fields the card lacks (成交: 成交金额, 成交日期, 成交关键因素; 输单: 流失原因)
first asks for them in a form above the board; they are saved with the move
in one edit, and 取消 writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from db.access import AccessDenied, Actor
from db.changes import ChangeSet, RowEdit, apply
from db.connection import base_path, opened
from db.errors import InvalidChanges, StaleRow
from db.queries import Filter, Query, count_rows, fetch_page, link_options
from schema.model import Column, Table
from schema.types import Choice, Link, MultiChoice, is_empty
from ui.form import field_input, input_value
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


#: The move waiting for its questions to be answered (成交 needs 成交金额 …): table, field, card, target.
PENDING = "kanban.pending"


def missing_for(table: Table, column: str, value: Any, row: dict[str, Any]) -> list[Column]:
    """The fields a card must fill before it can move to ``value`` (成交: 成交金额, 成交日期, 成交关键因素),
    those the row already holds left out."""
    needed = table.required_for(column, value) if value is not None else ()
    return [c for c in needed if is_empty(row.get(c.name))]


def _move(table: Table, column: str, row: dict[str, Any], key: str) -> None:
    target = st.session_state.get(key)
    value = None if target == EMPTY else target
    missing = missing_for(table, column, value, row)
    if missing:  # ask first; nothing is written until the answers are saved
        _forget_answers()
        st.session_state[PENDING] = {"table": table.name, "column": column, "value": value, "key": key,
                                     "row": {"id": int(row["id"]), "version": int(row["version"]),
                                             "name": row.get(table.label_column)},
                                     "ask": [c.name for c in missing]}
        return
    _save(table, column, value, row, {})


def _save(table: Table, column: str, value: Any, row: dict[str, Any], answers: dict[str, Any]) -> Exception | None:
    """Write the move (and the answers) as one edit and flash what happened; the error if it was refused."""
    name = row.get("name", row.get(table.label_column))
    edit = RowEdit(int(row["id"]), int(row["version"]), {column: value, **answers}, row=str(name))
    try:
        with opened(base_path()) as db:
            apply(db, ChangeSet(table.name, edits=(edit,)), actor=acting())
    except (InvalidChanges, StaleRow, AccessDenied) as error:
        flash("error", "\n".join(f"- {line}" for line in describe(error)))
        return error
    label = table.column(column).type.label(value, lang()) if value else t("kanban.empty_column")
    flash("success", md_escape(t("kanban.moved", name=name, to=label)))
    return None


def _answer_key(name: str) -> str:
    return f"kanban.answer.{name}"


def _forget_answers() -> None:
    for key in [k for k in st.session_state if str(k).startswith("kanban.answer.")]:
        del st.session_state[key]


def _confirm(table: Table, pending: dict[str, Any]) -> None:
    answers = {name: input_value(table.column(name), st.session_state.get(_answer_key(name)))
               for name in pending["ask"]}
    error = _save(table, pending["column"], pending["value"], pending["row"], answers)
    if not isinstance(error, InvalidChanges):  # saved, or moot (changed by someone, not allowed): forget it
        _close(pending)


def _cancel(pending: dict[str, Any]) -> None:
    flash("info", md_escape(t("kanban.not_moved", name=pending["row"]["name"])))
    _close(pending)


def _close(pending: dict[str, Any]) -> None:
    """Forget the move and its answers; the card's select goes back to its column."""
    st.session_state.pop(PENDING, None)
    st.session_state.pop(pending["key"], None)
    _forget_answers()


def _questions(table: Table, column: Column) -> None:
    """The form a move waiting for answers shows above the board (成交: 成交金额, 成交日期, 成交关键因素)."""
    pending = st.session_state.get(PENDING)
    if not pending or pending["table"] != table.name or pending["column"] != column.name:
        return
    to = column.type.label(pending["value"], lang())
    with st.form("kanban.ask", border=True):
        st.markdown(t("kanban.ask", name=md_escape(str(pending["row"]["name"])), to=md_escape(to)))
        for name in pending["ask"]:
            field_input(table.column(name), _answer_key(name), {}, required=True)
        save, cancel = st.columns(2)
        save.form_submit_button(t("kanban.ask_save", to=md_escape(to)), type="primary", on_click=_confirm,
                                args=(table, pending), key="kanban.ask.save")
        cancel.form_submit_button(t("kanban.ask_cancel"), on_click=_cancel, args=(pending,),
                                  key="kanban.ask.cancel")


def board(table: Table, column: Column, actor: Actor, query: Query) -> None:
    """One column per option of ``column`` (and one for empty cells), with the first cards of each among the
    records ``query`` finds (a view's or the page's search and filters, in its sort)."""
    options = {o.code: o.label.get(lang()) for o in column.type.options}
    lanes = [*options, EMPTY]
    names = options | {EMPTY: t("kanban.empty_column")}
    details = details_of(table)
    _questions(table, column)
    with opened(base_path()) as db:
        content = {}
        for code in lanes:
            lane = Filter(column.name, "in", (None if code == EMPTY else code,))
            cards = replace(query, narrow=(*query.narrow, lane), page=1, page_size=CARDS_PER_COLUMN)
            content[code] = (count_rows(db, cards, actor=actor), fetch_page(db, cards, actor=actor))
        shown_rows = [row for _, rows in content.values() for row in rows]
        # a card names every record its links hold (a multiple link holds a list of them)
        labels = {c.name: link_options(db, c.type.table, actor=actor, limit=0,
                                       include=tuple({i for row in shown_rows for i in c.type.ids(row.get(c.name))}))
                  for c in details}
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
        known = labels[detail.name]
        named = [str(known[i]) for i in detail.type.ids(row.get(detail.name)) if known.get(i) is not None]
        if named:
            st.caption(md_escape(f"{detail.label.get(lang())}：{t('app.separator').join(named)}"))
    key = f"kanban.{table.name}.{column.name}.{row['id']}.{row['version']}"
    st.selectbox(t("kanban.move"), lanes, index=lanes.index(code), format_func=names.get, key=key,
                 on_change=_move, args=(table, column.name, row, key), label_visibility="collapsed")
