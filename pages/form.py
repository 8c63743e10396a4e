"""表单: add one customer (or follow-up) through a form opened by a link, e.g. ``/form?source=expo``.

``table`` picks the table (客户 by default), ``source`` fixes 来源渠道, ``title``
names the form (展会登记). Anyone logged in can fill it in, on a phone too.
"""

import streamlit as st

from db.connection import base_path, opened
from db.queries import link_options
from ui import form
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in
from ui.text import md_escape

through_app()
actor = signed_in()
base = current_base()
name = st.query_params.get("table", "customers")
table = base.table(name if name in ("customers", "follow_ups") else "customers")
fixed = {}
source = st.query_params.get("source")
sources = table.column("source").type if table.has_column("source") else None
if sources is not None and source:
    code = next((o.code for o in sources.options if source in (o.code, o.label.zh, o.label.en)), None)
    if code:
        fixed["source"] = code
title = st.query_params.get("title") or t("form.title", table=table.label.get(lang()))
st.title(md_escape(title[:60]))
show_flashes()
if "source" in fixed:
    st.caption(t("form.fixed_source", source=sources.label(fixed["source"], lang())))
st.caption(t("form.caption"))
with opened(base_path()) as db:
    links = {"person_id": link_options(db, "users", actor=actor, active_only=True),
             "customer_id": link_options(db, "customers", actor=actor, limit=200)}
form.show(table, fixed, links)
if actor.can("transfer"):
    with st.expander(t("form.links")):
        st.caption(t("form.links_help"))
        for option in sources.options if sources else ():
            st.code(f"/form?source={option.code}&title={option.label.zh}登记", language=None)
