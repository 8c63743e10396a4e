"""The 今日待跟进 lists and the short form that logs a follow-up from them (made for a phone screen too).

记跟进 on a customer opens one form at the top of the page: 跟进方式, 沟通内容
and 下次跟进时间 (by default the customer's cadence from today). It is saved
through ``db.changes.apply`` like a row of the follow-up grid — checked the
same way, recorded in the history — and on a refusal what was typed stays.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from db.access import AccessDenied
from db.changes import ChangeSet, NewRow, apply
from db.connection import base_path, opened
from db.errors import InvalidChanges, StaleRow
from db.settings import rules
from db.worklist import Item, Worklist
from schema.model import Table
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.schema import current_base
from ui.session import acting
from ui.text import md_escape

LOGGING = "today.logging"


def _start(item: Item, section: str = "") -> None:
    st.session_state[LOGGING] = item
    st.session_state["today.method"] = "revisit" if section == "revisit" else "phone"
    st.session_state["today.satisfaction"] = None
    with opened(base_path()) as db:
        found = rules(db)
    days = {"A": found.cadence_a, "B": found.cadence_b}.get(item.grade or "C", found.cadence_c)
    st.session_state["today.next"] = dt.date.today() + dt.timedelta(days=days)
    st.session_state["today.content"] = ""


def _cancel() -> None:
    st.session_state.pop(LOGGING, None)


def _save() -> None:
    state = st.session_state
    item: Item = state[LOGGING]
    actor = acting()
    values = {"customer_id": item.customer_id, "time": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
              "method": state.get("today.method"), "content": state.get("today.content", ""),
              "next_follow_up_on": state.get("today.next"), "person_id": actor.user_id, "status": "done",
              "satisfaction": state.get("today.satisfaction") if state.get("today.method") == "revisit" else None}
    try:
        with opened(base_path()) as db:
            apply(db, ChangeSet("follow_ups", inserts=(NewRow(values),)), actor=actor)
    except (InvalidChanges, StaleRow, AccessDenied) as refused:
        flash("error", "\n".join(describe(refused)))
        return  # the form stays open with what was typed
    state.pop(LOGGING, None)
    flash("success", md_escape(t("today.logged", name=item.name)))


def log_form() -> None:
    """The 记跟进 form for the customer picked, if any."""
    item: Item | None = st.session_state.get(LOGGING)
    if item is None:
        return
    with st.container(border=True):
        st.markdown(f"**{md_escape(t('today.log_title', name=item.name))}**")
        options = current_base().table("follow_ups").column("method").type.options  # as this base has them
        methods = {o.code: o.label.get(lang()) for o in options}  # worked out now, not in format_func
        st.radio(t("today.method"), list(methods), format_func=methods.get, key="today.method", horizontal=True)
        if st.session_state.get("today.method") == "revisit":
            st.radio(t("today.satisfaction"), [1, 2, 3, 4, 5], key="today.satisfaction", horizontal=True,
                     format_func=lambda n: "★" * n, index=None)
        st.text_area(t("today.content"), key="today.content", height=100, placeholder=t("today.content_hint"))
        st.date_input(t("today.next"), key="today.next", format="YYYY-MM-DD")
        save, cancel, _ = st.columns([1, 1, 3])
        save.button(t("today.save"), type="primary", on_click=_save, key="today.save")
        cancel.button(t("today.cancel"), on_click=_cancel, key="today.cancel")


def section(found: Worklist, name: str, customers: Table | None = None) -> None:
    """One list with its count, each customer with 记跟进 and a link to the detail; its empty line if none.
    Grades and stages are named as ``customers`` (this base's table, read once by the page) has them."""
    count = found.counts.get(name, 0)
    st.subheader(t(f"today.{name}", count=count, hours=found.first_contact_hours))
    if not count:
        st.caption(t(f"today.{name}_none"))
        return
    customers = customers or current_base().table("customers")
    grades = {o.code: o.label.get(lang())
              for o in (*customers.column("score_grade").type.result.options, *customers.column("grade").type.options)}
    stages = {o.code: o.label.get(lang()) for o in customers.column("stage").type.options}
    for item in found.items[name]:
        text, action = st.columns([5, 1], vertical_alignment="center")
        detail = [grades.get(item.grade or "", ""), stages.get(item.stage or "", ""),
                  " ".join(part for part in (item.contact, item.phone) if part)]
        when = {"overdue": t("today.days_overdue", days=item.days),
                "pool": t("today.days_left", days=item.days),
                "renewal": t("today.contract_ends", day=item.due_on, days=item.days),
                "revisit": t("today.revisit_due", days=item.days),
                "new_a": t("today.days_waiting", days=item.days)}.get(name, t("today.due", day=item.due_on))
        text.markdown(f"[{md_escape(item.name)}](/customers?customer={item.customer_id}) · {md_escape(when)}  \n"
                      f":gray[{md_escape(' · '.join(part for part in detail if part))}]")
        action.button(t("today.log"), key=f"today.log.{name}.{item.customer_id}", on_click=_start, args=(item, name),
                      icon=":material/add_comment:")
    if count > len(found.items[name]):
        st.caption(t("today.more", count=count - len(found.items[name])))
