"""The tables the board, calendar and form work on, the picker over them, and where a record opens.

A member may open 客户, 跟进记录 and every table people added (``t<n>``);
members (``users``) are never offered. A deep link names the table
(``/kanban?table=t3``) and, on the board and the calendar, the field
(``&field=f2``); choosing another in the page writes the choice back into the
address, so it can be bookmarked or sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from db.fields import is_added_table
from schema.model import Base, Table
from ui.i18n import lang, t

BUILT_IN = ("customers", "follow_ups")
#: Characters that would end or change a query value; everything else (Chinese too) stays readable.
_URL_SPECIAL = str.maketrans({"%": "%25", "&": "%26", "#": "%23", "+": "%2B", " ": "%20", "=": "%3D"})


def openable(base: Base) -> list[Table]:
    """The tables a member may open in the board, calendar and form: 客户, 跟进记录, then added ones."""
    return [table for table in base.tables if table.name in BUILT_IN or is_added_table(table.name)]


def _chosen(key: str, param: str | None, clears: tuple[str, ...]) -> None:
    if param is None:
        return
    st.session_state[f"{key}.linked"] = st.session_state[key]
    st.query_params[param] = st.session_state[key]
    for other in clears:
        st.query_params.pop(other, None)


def linked(key: str, param: str, options: list[str], missing: str) -> None:
    """Before the select ``key`` over ``options`` is drawn: let the address's ``param`` choose it.

    A new value in the address selects its option once (the member may then
    choose another); a value that is not an option says ``missing`` and is
    left alone.
    """
    wanted = st.query_params.get(param)
    if wanted is None:
        return
    if wanted not in options:
        st.warning(t(missing))
        return
    if wanted != st.session_state.get(f"{key}.linked"):
        st.session_state[f"{key}.linked"] = wanted
        st.session_state[key] = wanted


def select(label: str, key: str, options: Mapping[str, str], *, param: str | None, default: str | None = None,
           missing: str = "tables.not_found", clears: tuple[str, ...] = (), container: Any = st) -> str:
    """A select over ``options`` (``{name: label}``, labels in the session's language) that follows and
    writes the address's ``param`` (unless ``None``); returns the name chosen."""
    names = list(options)
    if param is not None:
        linked(key, param, names, missing)
    if st.session_state.get(key) not in names:
        st.session_state[key] = default if default in names else names[0]
    return container.selectbox(label, names, format_func=options.get, key=key, on_change=_chosen,
                               args=(key, param, clears))


def pick_table(base: Base, key: str, *, param: str | None = "table", container: Any = st) -> Table:
    """The table picker (the address's ``?table=`` selects, and a new choice drops its ``field`` and ``view``);
    returns the table chosen."""
    labels = {table.name: table.label.get(lang()) for table in openable(base)}  # at render time: the session's language
    return base.table(select(t("tables.pick"), key, labels, param=param, default="customers", clears=("field", "view"),
                             container=container))


def linked_table(base: Base) -> Table | None:
    """The table the address names (``?table=t3``; 客户 for a ``?source=`` link), if the member may open it."""
    named = st.query_params.get("table")
    if named is None:
        return base.table("customers") if "source" in st.query_params else None
    return next((table for table in openable(base) if table.name == named), None)


def record_url(table: Table, row: Mapping[str, Any]) -> str:
    """Where a record opens: a customer's detail (a follow-up's customer), else its table's record view.

    >>> from schema.crm import CUSTOMERS, FOLLOW_UPS
    >>> record_url(CUSTOMERS, {"id": 7}), record_url(FOLLOW_UPS, {"id": 9, "customer_id": 7})
    ('/customers?customer=7', '/customers?customer=7')
    >>> from schema.templates import empty_table
    >>> from schema.labels import L
    >>> record_url(empty_table("t3", L("合同", "Contracts")), {"id": 12})
    '/tables?table=t3&record=12'
    """
    if table.name == "customers":
        return f"/customers?customer={int(row['id'])}"
    if table.name == "follow_ups":
        return f"/customers?customer={int(row['customer_id'])}"
    return f"/tables?table={table.name}&record={int(row['id'])}"


def form_url(table: Table, title: str) -> str:
    """The address of ``table``'s form titled ``title`` (user text: what would break the address is encoded).

    >>> from schema.templates import empty_table
    >>> from schema.labels import L
    >>> form_url(empty_table("t3", L("展会", "Expo")), "展会 & 官网登记")
    '/form?table=t3&title=展会%20%26%20官网登记'
    """
    return f"/form?table={table.name}&title={title.translate(_URL_SPECIAL)}"
