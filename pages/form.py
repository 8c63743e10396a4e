"""表单: add one record to any table through a form opened by a link, e.g. ``/form?table=t3&title=展会登记``.

``table`` names the table (the form then has no picker; ``/form?source=expo``
is a customer form), ``source`` fixes 来源渠道 of customers, ``title`` names the
form. Opened from the menu, the form starts on 客户 with a picker and shows
the link to send. Anyone logged in can fill it in, on a phone too. Managers
publish 公开表单 here too: forms anyone can fill in without an account
(``ui/public_forms.py``).
"""

import streamlit as st

from ui import form, links, public_forms
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in
from ui.tables import form_url, linked_table, pick_table
from ui.text import md_escape

through_app()
actor = signed_in()
base = current_base()
heading = st.empty()
show_flashes()
table = linked_table(base)
title = st.query_params.get("title") if table else None
if table is None:  # from the menu, or a link naming no table the member may open
    if "table" in st.query_params:
        st.warning(t("tables.not_found"))
    table = pick_table(base, "form.table", param=None)
    st.caption(t("form.share"))
    st.code(form_url(table, t("form.title", table=table.label.get(lang()))), language=None)
heading.title(md_escape((title or t("form.title", table=table.label.get(lang())))[:60]))
fixed = form.fixed_by(table, st.query_params.get("source"))
if fixed:
    st.caption(t("form.fixed_source", source=table.column("source").type.label(fixed["source"], lang())))
st.caption(t("form.caption"))
search = f"form.{table.name}.link_search"
offered = form.link_choices(table, fixed, actor, links.typed(search))
links.search_box(search, offered)
form.show(table, fixed, offered.labels)
if actor.can("transfer") and table.has_column("source"):
    with st.expander(t("form.links")):
        st.caption(t("form.links_help"))
        for option in table.column("source").type.options:
            st.code(f"/form?source={option.code}&title={option.label.zh}登记", language=None)
public_forms.section(actor)
