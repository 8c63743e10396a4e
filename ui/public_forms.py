"""The 公开表单 panel of the 表单 page (managers and administrators): publish a form anyone can fill in, see its
link, stop or start it, and review the submissions that duplicated an existing customer.

The forms themselves are ``db/public_forms.py``; their page is ``web/public_forms.py``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from db import public_forms
from db.access import AccessDenied, Actor
from db.connection import base_path, opened
from db.fields import is_added_table
from db.public_forms import FormError, PublicForm
from db.queries import link_options
from schema.model import Table
from schema.types import Choice, MultiChoice
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.schema import current_base
from ui.session import acting
from ui.text import md_escape

_KEY = "public_forms"
NO_SOURCE = ""
POOL = 0


def _tables() -> dict[str, str]:
    return {table.name: table.label.get(lang()) for table in current_base().tables
            if table.name == "customers" or is_added_table(table.name)}


def _publish(table: Table) -> None:
    state = st.session_state
    source = state.get(f"{_KEY}.source") or None
    owner = state.get(f"{_KEY}.owner") or None
    try:
        with opened(base_path()) as db:
            form = public_forms.publish(db, acting(), table.name, state.get(f"{_KEY}.title", ""),
                                        fields=tuple(state.get(f"{_KEY}.{table.name}.fields") or ()),
                                        source=source if table.name == "customers" else None,
                                        owner_id=owner if table.name == "customers" else None)
    except (FormError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    state[f"{_KEY}.title"] = ""
    flash("success", md_escape(t("public_form.published", title=form.title)))


def _switch(form: PublicForm) -> None:
    try:
        with opened(base_path()) as db:
            public_forms.set_active(db, acting(), form.id, not form.active)
    except (FormError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    flash("success", md_escape(t("public_form.started" if not form.active else "public_form.stopped",
                                 title=form.title)))


def site() -> str:
    """This site's address as the browser sees it (``https://crm.example.com``), or "" when unknown."""
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _new_form(actor: Actor, members: dict[int, str]) -> None:
    tables = _tables()
    state = st.session_state
    if state.get(f"{_KEY}.table") not in tables:
        state[f"{_KEY}.table"] = "customers"
    table_cell, title_cell = st.columns(2)
    name = table_cell.selectbox(t("public_form.table"), list(tables), format_func=tables.get, key=f"{_KEY}.table")
    table = current_base().table(name)
    title_cell.text_input(t("public_form.title_label"), key=f"{_KEY}.title", max_chars=public_forms.MAX_TITLE,
                          placeholder=t("public_form.title_placeholder"))
    labels = {c.name: c.label.get(lang()) for c in public_forms.askable(table)}
    fields_key = f"{_KEY}.{name}.fields"
    if fields_key not in state:
        state[fields_key] = list(public_forms.default_fields(table))
    st.multiselect(t("public_form.fields"), list(labels), format_func=labels.get, key=fields_key,
                   help=t("public_form.fields_help"))
    if name == "customers":
        source_cell, owner_cell = st.columns(2)
        sources = {NO_SOURCE: t("public_form.source_none")} | {
            o.code: o.label.get(lang()) for o in table.column("source").type.options}
        state.setdefault(f"{_KEY}.source", "website" if "website" in sources else NO_SOURCE)
        source_cell.selectbox(t("public_form.source"), list(sources), format_func=sources.get, key=f"{_KEY}.source")
        owners = {POOL: t("public_form.owner_pool")} | members
        owner_cell.selectbox(t("public_form.owner"), list(owners), format_func=owners.get, key=f"{_KEY}.owner")
    st.button(t("public_form.publish"), on_click=_publish, args=(table,), type="primary", key=f"{_KEY}.publish",
              icon=":material/public:")


def _column_label(table: Table, name: str) -> str:
    return table.column(name).label.get(lang()) if table.has_column(name) else name


def _answer_text(table: Table, name: str, value) -> str:
    """What a visitor typed, as a person reads it (tags and options by their labels)."""
    if not table.has_column(name):
        return str(value)
    kind = table.column(name).type
    if isinstance(kind, MultiChoice):
        codes = value if isinstance(value, list) else [part for part in str(value).split(",") if part]
        return t("app.separator").join(kind.label(str(code), lang()) for code in codes)
    if isinstance(kind, Choice):
        return kind.label(value, lang())
    return str(value)


def _listed(form: PublicForm, actor: Actor, users: dict[int, str]) -> None:
    base = current_base()
    with opened(base_path()) as db:
        counts, duplicates = public_forms.posts(db, actor, form.id)
        customers = link_options(db, "customers", actor=actor, limit=0,
                                 include=tuple(p.duplicate_of for p in duplicates if p.duplicate_of))
    table = base.table(form.table) if base.has_table(form.table) else None
    with st.container(border=True):
        st.markdown(f"**{md_escape(form.title)}**")
        st.caption(md_escape(t("public_form.summary", table=table.label.get(lang()) if table else form.table,
                               state=t("public_form.state_active" if form.active else "public_form.state_stopped"),
                               added=counts.get("added", 0), duplicates=counts.get("duplicate", 0),
                               who=users.get(form.created_by, "—"), at=form.created_at[:16])))
        st.code(site() + form.path, language=None)
        if form.active and (problem := public_forms.unusable(form, base)) is not None:
            st.warning(t("public_form.unusable", reason=describe(problem)[0]))
        st.button(t("public_form.stop" if form.active else "public_form.start"), on_click=_switch, args=(form,),
                  key=f"{_KEY}.switch.{form.id}")
        if duplicates and table is not None:
            with st.expander(t("public_form.duplicates")):
                rows = [{t("public_form.at"): post.at[:16],
                         t("public_form.duplicate_of"): customers.get(post.duplicate_of, f"#{post.duplicate_of}"),
                         **{_column_label(table, n): _answer_text(table, n, v)
                            for n, v in post.answers.items() if n != "owner_id"}}
                        for post in duplicates]
                st.dataframe(pd.DataFrame(rows), hide_index=True)


def section(actor: Actor) -> None:
    """The panel (only for those who may publish)."""
    if not actor.can("transfer"):
        return
    with st.expander(t("public_form.section"), icon=":material/public:"):
        st.caption(t("public_form.section_help"))
        with opened(base_path()) as db:
            members = link_options(db, "users", actor=actor, active_only=True)
            users = link_options(db, "users", actor=actor)
            published = public_forms.forms(db, actor)
        _new_form(actor, members)
        st.divider()
        if not published:
            st.info(t("public_form.none"))
        for form in published:
            _listed(form, actor, users)
