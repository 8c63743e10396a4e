"""A record's detail. A customer's: its computed follow-up figures, its profile, its 附件 and its
follow-ups grid; another table's record: its fields in a one-row grid, its 附件 and its history.

A customer opens from the customer grid's 详情 box or deep-linked as
``?customer=ID``; new follow-ups added there are linked to it already. A
record of an added table opens from its grid's 详情 box, the board or the calendar, as
``/tables?table=t3&record=ID``.
"""

from __future__ import annotations

import re

import streamlit as st

from db import pool
from db.access import AccessDenied, Actor
from db.connection import base_path, opened
from db.errors import RowNotFound
from db.history import row_history
from db.queries import Filter, Query, get_row, link_options
from db.settings import rules
from schema.model import Table
from schema.types import Choice
from ui import attachments, downloads, grid, history, links, paging
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.schema import current_base
from ui.session import acting
from ui.text import md_escape

_FIGURES = ("last_follow_up_at", "follow_up_count", "days_since_follow_up", "next_follow_up_on", "last_method")


def _back() -> None:
    st.query_params.pop("customer", None)


def _figure(customers: Table, name: str, value) -> str:
    kind = customers.column(name).type
    kind = getattr(kind, "result", kind)  # a rollup shows as the type it yields
    if value is None:
        return "—"
    return kind.label(value, lang()) if isinstance(kind, Choice) else str(value)


def _release(customer_id: int, name: str) -> None:
    """放回公海 with the reason typed (a form callback)."""
    reason = st.session_state.get(f"customer.{customer_id}.release.reason", "")
    try:
        with opened(base_path()) as db:
            pool.release(db, acting(), [customer_id], reason)
    except (pool.PoolRefused, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    flash("success", md_escape(t("pool.released", name=name)))


def _release_form(customer: dict, actor: Actor, reclaim_days: int) -> None:
    """放回公海 for the owner, managers and administrators: asks for the reason first."""
    if customer["owner_id"] is None or not (customer["owner_id"] == actor.user_id or actor.can("transfer")):
        return
    key = f"customer.{customer['id']}.release"
    with st.expander(t("pool.release"), icon=":material/undo:"), st.form(f"{key}.form", clear_on_submit=True):
        st.text_input(t("pool.release_reason"), key=f"{key}.reason", max_chars=pool.MAX_NOTE,
                      placeholder=t("pool.release_placeholder"), help=t("pool.release_help", days=reclaim_days))
        st.form_submit_button(t("pool.release"), on_click=_release, args=(customer["id"], customer["name"]))


def show_customer(raw_id: str, actor: Actor) -> None:
    """Draw the detail of customer ``raw_id`` (as found in the URL), or say it is not there.

    A customer ``actor`` may not see is "not there" too: a salesperson
    typing another's ``?customer=ID`` sees the same message as for a wrong id.
    """
    st.button(t("customers.back"), on_click=_back, key="customer.back")
    customer_id = int(raw_id) if re.fullmatch(r"[0-9]{1,15}", raw_id) else None
    base = current_base()
    customers, follow_up_table = base.table("customers"), base.table("follow_ups")
    search = f"customer.{customer_id}.link_search"
    try:
        if customer_id is None:
            raise RowNotFound("customers", raw_id)
        with opened(base_path()) as db:
            customer = get_row(db, "customers", customer_id, actor=actor)
            users = link_options(db, "users", actor=actor)
            prefix = f"customer.{customer_id}.follow_ups"
            query = Query("follow_ups", filters=(Filter("customer_id", "in", (customer_id,)),), sort="time",
                          descending=True, page_size=50)
            follow_ups = paging.load(db, query, prefix, actor)
            entries = row_history(db, "customers", customer_id, actor=actor)
            named = history.linked_names(db, entries, actor)
            reclaim_days = rules(db).reclaim_days
            # the profile's and the follow-ups' link fields (an added 所属项目 too), narrowed by the search box
            profile_links = links.choices(db, customers, [customer], actor, known={"owner_id": users},
                                          contains=links.typed(search))
            follow_up_links = links.choices(db, follow_up_table, follow_ups.rows, actor, contains=links.typed(search),
                                            known={"person_id": users,
                                                   "customer_id": {customer_id: customer["name"]}})
    except RowNotFound:
        st.warning(md_escape(t("customers.not_found", id=raw_id)))
        return

    st.title(md_escape(customer["name"]))
    owner = users.get(customer["owner_id"], "—")
    base = current_base()
    customers, follow_up_table = base.table("customers"), base.table("follow_ups")
    stage = customers.column("stage").type.label(customer["stage"], lang())
    st.caption(md_escape(f"{customer['number']} · {stage} · {owner}"))
    _release_form(customer, actor, reclaim_days)
    downloads.customer_button(customer_id, customer["name"], actor)
    for cell, name in zip(st.columns([3, 1, 2, 2, 2]), _FIGURES, strict=True):
        cell.metric(md_escape(customers.column(name).label.get(lang())), _figure(customers, name, customer[name]))

    st.subheader(t("customers.profile"))
    links.search_box(search, profile_links, follow_up_links)
    profile = grid.Grid(customers, key=f"customer.{customer_id}.profile",
                        columns=tuple(c.name for c in customers.stored_columns), can_add=False, can_delete=False)
    grid.show(profile, [customer], profile_links.labels)
    attachments.section(customers, customer_id, actor, key=f"customer.{customer_id}.attachments")

    st.subheader(t("customers.follow_ups"))
    st.caption(t("customers.add_follow_up_hint") if follow_ups.total else t("customers.no_follow_ups"))
    records = grid.Grid(follow_up_table, key=prefix + ".editor",
                        columns=tuple(c.name for c in follow_up_table.columns),
                        fixed={"customer_id": customer_id})
    grid.show(records, follow_ups.rows, follow_up_links.labels, page=follow_ups.number)
    paging.pager(prefix, follow_ups.count)

    with st.expander(t("customers.history")):
        named["users"] = users
        named.setdefault("customers", {})[customer_id] = customer["name"]
        history.show(entries, named)


def _back_to_table() -> None:
    st.query_params.pop("record", None)


def show_record(table: Table, raw_id: str, actor: Actor) -> None:
    """Draw record ``raw_id`` (as found in the URL) of ``table``: its fields to edit, the files of each 附件
    field (thumbnails, downloads, an uploader: as in a customer's detail) and its history, or say it is not
    there (a record ``actor`` may not see is not there either)."""
    st.button(t("tables.back", table=md_escape(table.label.get(lang()))), on_click=_back_to_table,
              key="tables.record.back")
    record_id = int(raw_id) if re.fullmatch(r"[0-9]{1,15}", raw_id) else None
    search = f"tables.{table.name}.record.{record_id}.link_search"
    try:
        if record_id is None:
            raise RowNotFound(table.name, raw_id)
        with opened(base_path()) as db:
            record = get_row(db, table.name, record_id, actor=actor)
            # every record its links hold (a multiple link holds a list), and others by name to pick from
            offered = links.choices(db, table, [record], actor, contains=links.typed(search))
            users = link_options(db, "users", actor=actor)
            entries = row_history(db, table.name, record_id, actor=actor)
            named = history.linked_names(db, entries, actor)
    except RowNotFound:
        st.warning(md_escape(t("tables.record_not_found", id=raw_id)))
        return
    st.subheader(md_escape(record[table.label_column] or "—"))
    st.caption(md_escape(f"{table.label.get(lang())} #{record_id}"))
    links.search_box(search, offered)
    fields = grid.Grid(table, key=f"tables.{table.name}.record.{record_id}",
                       columns=tuple(c.name for c in table.columns), can_add=False, can_delete=False)
    grid.show(fields, [record], offered.labels)
    attachments.section(table, record_id, actor, key=f"tables.{table.name}.record.{record_id}.attachments")
    with st.expander(t("customers.history")):
        named["users"] = dict(users)
        named.setdefault(table.name, {})[record_id] = record[table.label_column]
        history.show(entries, named)
