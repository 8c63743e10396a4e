"""Messages: core errors turned into sentences, once, and flashes that survive a rerun.

A callback cannot draw on the page; it queues a message with :func:`flash`
and the page shows it with :func:`show_flashes` on the next run (Flask's
``flash()``, in Streamlit).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from db.access import AccessDenied
from db.duplicates import SimilarCustomers
from db.errors import InvalidChanges, Problem, Refused, StaleRow
from schema.crm import CRM
from schema.model import Table, UnknownColumn
from schema.rules import rule
from schema.types import Choice
from ui.i18n import CATALOG, lang, t
from ui.schema import current_base
from ui.text import md_escape

_FLASHES = "app.flashes"


def flash(kind: str, text: str) -> None:
    """Queue ``text`` (already safe Markdown) to show as ``kind`` (success, info, warning, error)."""
    st.session_state.setdefault(_FLASHES, []).append((kind, text))


def show_flashes() -> None:
    """Show and forget the queued messages — in one container that is drawn with or without them, so what follows
    keeps its place on the page: a panel left open (字段, 筛选与排序) stays open when a message comes or goes."""
    with st.container():
        for kind, text in st.session_state.pop(_FLASHES, []):
            getattr(st, kind)(text)


def row_text(row: object) -> str:
    """How a row is named in messages: a number becomes 第 12 行; a text (新增第 1 行) stays."""
    if row is None:
        return ""
    return t("grid.row", row=row) if isinstance(row, int) else str(row)


def customer_ref(customer_id: int | None, name: str | None, owner: str | None, visible: bool) -> str:
    """Safe Markdown naming an existing customer (查重): a link to it (``/customers?customer=ID``) and its owner
    when the member may see it; otherwise only who owns it — never its name or number (db/duplicates.py sends
    neither)."""
    whose = t("duplicate.owned_by", owner=owner) if owner else t("duplicate.in_pool")
    if visible and customer_id is not None:
        return t("duplicate.visible", name=md_escape(name), id=int(customer_id), whose=md_escape(whose))
    return md_escape(t("duplicate.hidden", whose=whose))


#: Stands for a piece of ready Markdown while the sentence around it is escaped.
_SLOT = "\x00"


def problem_text(table_name: str, problem: Problem) -> str:
    """One problem as a sentence: 「联系电话」第 12 行：“1380013” 不是有效的手机号…"""
    base = current_base()
    table = base.table(table_name)
    try:
        column_label = table.column(problem.column).label.get(lang())
    except UnknownColumn:
        column_label = problem.column
    params = dict(problem.params)
    ref = None
    if problem.reason == "invalid.duplicate":
        ref = customer_ref(params.get("customer"), params.get("name"), params.get("owner"),
                           bool(params.get("visible")))
        params["customer"] = _SLOT
    reason = reason_text(table_name, Problem(problem.row, problem.column, problem.value, problem.reason, params))
    row = row_text(problem.row)
    value = problem.value
    kind = table.column(problem.column).type if table.has_column(problem.column) else None
    if isinstance(kind, Choice) and isinstance(value, str):
        value = kind.label(value, lang())
    if value is None or value == "":
        text = md_escape(t("message.problem_no_value", column=column_label, row=row, reason=reason))
    else:
        text = md_escape(t("message.problem", column=column_label, row=row, value=value, reason=reason))
    return text.replace(_SLOT, ref) if ref is not None else text


def reason_text(table_name: str, problem: Problem) -> str:
    """Why a value was refused, as plain text (not Markdown): 不是有效的手机号… (options and fields by their labels)."""
    return reason_in(current_base().table(table_name), problem, lang())


def reason_in(table: Table, problem: Problem, language: str) -> str:
    """:func:`reason_text` for ``table`` in ``language``, outside a Streamlit session (the public form's page)."""
    params = dict(problem.params)
    if "options" in params:
        params["options"] = CATALOG[language]["app.separator"].join(o.label.get(language) for o in params["options"])
    if table.has_column(params.get("field", "")):  # required when 销售阶段 is 成交: both by their labels
        select = table.column(params["field"])
        if isinstance(select.type, Choice):
            params["option"] = select.type.label(params.get("option"), language)
        params["field"] = select.label.get(language)
    if problem.reason == "invalid.duplicate" and "customer" in params and params["customer"] != _SLOT:
        params["customer"] = ""
    return CATALOG[language][problem.reason].format(**params)


def similar_lines(error: SimilarCustomers) -> list[str]:
    """One line per customer like one being saved: a link to it if the member may see it, else its owner."""
    lines = []
    for match in error.matches:
        ref = customer_ref(match.customer_id, match.name, match.owner, match.visible)
        if not match.visible:
            ref = md_escape(t("duplicate.someone")) + ref
        key = "duplicate.similar_line" if match.score is not None else "duplicate.similar_hidden"
        text = md_escape(t(key, row=row_text(match.row) or t("form.row"), customer=_SLOT,
                           score=f"{match.score:g}" if match.score is not None else ""))
        lines.append(text.replace(_SLOT, ref))
    return lines


def stale_text(error: StaleRow) -> str:
    """The conflict message: who changed the row and when."""
    row = row_text(error.row)
    if error.deleted:
        return md_escape(t("stale.deleted", row=row))
    who = error.changed_by or t("stale.someone")
    return md_escape(t("stale.changed", row=row, who=who, when=error.changed_at))


def _rule_label(key: str) -> str:
    try:
        return rule(key).label.get(lang())
    except KeyError:
        return key


def describe(error: Exception) -> list[str]:
    """The sentences for a core error; raises it again if it is not one of ours."""
    if isinstance(error, InvalidChanges):
        return [problem_text(error.table, p) for p in error.problems]
    if isinstance(error, StaleRow):
        return [stale_text(error)]
    if isinstance(error, SimilarCustomers):
        return similar_lines(error)
    if isinstance(error, Refused):  # undo, access, accounts, fields, views: a reason key and its params
        params = dict(error.params)
        for key in ("table", "other"):
            if key in params and CRM.has_table(params[key]):
                params[key] = current_base().table(params[key]).label.get(lang())
            elif params.get(key) == "attachments":  # an undo about a file (db/attachments.py)
                params[key] = t("attachments.record")
        if "rule" in params:  # a sales rule (db/settings.py): named by its label
            params["rule"] = _rule_label(params["rule"])
        params["who"] = params.get("who") or t("stale.someone")
        return [md_escape(t(error.reason, **params))]
    raise error


def guarded(action: Callable[[], None]) -> list[str]:
    """Run ``action``; return the messages for an expected core error, ``[]`` on success."""
    try:
        action()
    except (InvalidChanges, StaleRow, AccessDenied, SimilarCustomers) as error:
        return describe(error)
    return []
