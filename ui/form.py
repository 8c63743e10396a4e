"""表单: a one-record entry form for any table, opened by a link (展会登记, 官网咨询) without the grid.

The inputs are derived from the table's fields (added ones included, computed
ones left out); the values go through the
same ``db.changes.apply`` as the grid (parsing, required fields, history).
A ``source`` in the link fills 来源渠道 for every record the form adds.
What someone typed stays in the form until it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from db.access import AccessDenied, Actor
from db.changes import ChangeSet, NewRow, apply
from db.connection import base_path, opened
from db.duplicates import SimilarCustomers
from db.errors import InvalidChanges
from db.queries import get_row
from schema.model import Column, Table
from schema.types import AutoNumber, Checkbox, Choice, CreatedOn, Date, Link, LongText, MultiChoice
from ui import links
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.session import acting
from ui.text import md_escape

#: Columns a form never asks for: set by the base, or by who fills it in.
NOT_ASKED = ("owner_id",)


def fields_of(table: Table, fixed: Mapping[str, Any]) -> list[Column]:
    """The fields the form asks for, in the table's order."""
    return [c for c in table.columns if c.editable and not c.hidden and c.name not in fixed
            and c.name not in NOT_ASKED and not isinstance(c.type, AutoNumber | CreatedOn)]


def fixed_by(table: Table, source: str | None) -> dict[str, Any]:
    """The values a link fixes: 来源渠道 from ``?source=`` (its code or label), if the table has one."""
    if not source or not table.has_column("source"):
        return {}
    options = table.column("source").type.options
    code = next((o.code for o in options if source in (o.code, o.label.zh, o.label.en)), None)
    return {"source": code} if code else {}


def _picked(value: Any) -> list[int]:
    """The ids a link input holds now (none picked: 0, or an empty list)."""
    values = value if isinstance(value, list) else [value]
    return [int(v) for v in values if isinstance(v, int) and not isinstance(v, bool) and v]


def link_choices(table: Table, fixed: Mapping[str, Any], actor: Actor, contains: str = "") -> links.Choices:
    """What the form's link fields offer, only rows ``actor`` may see: active members; of other records, those
    picked already plus at most ``links.CHOICES`` others whose name contains ``contains`` (the 查找链接记录
    box), so that typing reaches any record."""
    asked = [c for c in fields_of(table, fixed) if isinstance(c.type, Link)]
    state = st.session_state
    # A pick inside the form reaches the session only on 提交: what was offered before stays offered, so a pick
    # made before the search changed is still among the options when the form is submitted.
    earlier = {c.name: state.get(_offered_key(table, c), []) for c in asked}
    keep = {c.name: [*_picked(state.get(_key(table, c))), *earlier[c.name]] for c in asked}
    with opened(base_path()) as db:
        offered = links.choices(db, table, [], actor, contains=contains, keep=keep, active_only=True, columns=asked)
    for column in asked:
        ids = list(dict.fromkeys([*earlier[column.name], *offered.labels.get(column.name, {})]))
        state[_offered_key(table, column)] = ids[-MAX_REMEMBERED:]
    return offered


#: Ids a form's link field remembers having offered (a few searches' worth).
MAX_REMEMBERED = 2000


def _offered_key(table: Table, column: Column) -> str:
    return f"form.{table.name}.offered.{column.name}"


def _key(table: Table, column: Column) -> str:
    return f"form.{table.name}.{column.name}"


def _input(table: Table, column: Column, links: Mapping[str, Mapping[int, str]]) -> None:
    field_input(column, _key(table, column), links, required=column.required)


def field_input(column: Column, key: str, links: Mapping[str, Mapping[int, str]], *, required: bool) -> None:
    """The input for one field under ``key`` (also the board's 移到成交 questions); ``required`` marks it."""
    # Widget labels and help render Markdown: a label is user text (字段), so it is escaped.
    label = md_escape(column.label.get(lang())) + (" \\*" if required else "")
    help_text = md_escape(column.help.get(lang())) if column.help else None
    kind = column.type
    if isinstance(kind, MultiChoice):
        labels = {o.code: o.label.get(lang()) for o in kind.options}
        st.multiselect(label, list(labels), format_func=labels.get, key=key, help=help_text)
    elif isinstance(kind, Choice):
        labels = {"": "—"} | {o.code: o.label.get(lang()) for o in kind.options}
        st.selectbox(label, list(labels), format_func=labels.get, key=key, help=help_text)
    elif isinstance(kind, Link) and kind.multiple:
        options = dict(links.get(column.name, {}))
        st.multiselect(label, list(options), format_func=options.get, key=key, help=help_text)
    elif isinstance(kind, Link):
        options = {0: "—"} | dict(links.get(column.name, {}))
        st.selectbox(label, list(options), format_func=options.get, key=key, help=help_text)
    elif isinstance(kind, Checkbox):  # ticked already when the field's default says so
        st.checkbox(label, key=key, help=help_text, value=bool(column.default))
    elif isinstance(kind, Date):
        st.date_input(label, value=None, key=key, help=help_text, format="YYYY-MM-DD")
    elif isinstance(kind, LongText):
        st.text_area(label, key=key, help=help_text, height=100)
    else:  # text, numbers (¥3,000 and 35% are understood), phones, e-mails, dates with a time
        st.text_input(label, key=key, help=help_text)


def input_value(column: Column, raw: Any) -> Any:
    """What an input holds, as the grid would pass it: nothing picked is empty."""
    if isinstance(column.type, Link) and raw == 0:
        return None
    return None if raw in ("", []) else raw


def _submit(table: Table, fixed: Mapping[str, Any], asked: list[str], allow_similar: bool = False) -> None:
    state = st.session_state
    values = {name: input_value(table.column(name), state.get(f"form.{table.name}.{name}")) for name in asked}
    state.pop(f"form.{table.name}.similar", None)
    try:
        with opened(base_path()) as db:
            actor = acting()
            applied = apply(db, ChangeSet(table.name, inserts=(NewRow({**values, **fixed}, row=t("form.row")),)),
                            actor=actor, allow_similar=allow_similar)
            added = get_row(db, table.name, applied.inserted[0], actor=actor)[table.label_column]
    except SimilarCustomers as error:  # 查重: the input stays; 仍然提交 saves it anyway
        lines = "\n".join(f"- {line}" for line in describe(error))
        flash("warning", md_escape(t("duplicate.similar")) + "\n\n" + lines)
        state[f"form.{table.name}.similar"] = True
        return
    except (InvalidChanges, AccessDenied) as error:
        flash("error", "\n".join(f"- {line}" for line in describe(error)))
        return
    for name in asked:  # ready for the next visitor
        state.pop(f"form.{table.name}.{name}", None)
        state.pop(f"form.{table.name}.offered.{name}", None)
    flash("success", md_escape(t("form.done", name=added)))


def show(table: Table, fixed: Mapping[str, Any], links: Mapping[str, Mapping[int, str]]) -> None:
    """The form for ``table``; ``fixed`` values (the link's 来源渠道) go into every record it adds."""
    asked = fields_of(table, fixed)
    with st.form(f"form.{table.name}", border=True):
        for column in asked:
            _input(table, column, links)
        st.form_submit_button(t("form.submit"), type="primary", on_click=_submit,
                              args=(table, dict(fixed), [c.name for c in asked]), width="stretch")
    if st.session_state.get(f"form.{table.name}.similar"):
        st.button(t("form.save_anyway"), on_click=_submit, args=(table, dict(fixed), [c.name for c in asked], True),
                  key=f"form.{table.name}.save_anyway")
