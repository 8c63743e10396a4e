"""数据表: the tables a team added (from scratch or a template), each with a full grid; new tables (admins).

``?table=t3`` opens a table; ``&record=ID`` opens one of its records (the grid's 详情 box, the board or the
calendar lead there). A new table left unnamed takes its template's name, in the member's language.
"""

import streamlit as st

from db import tables
from db.access import AccessDenied
from db.connection import base_path, opened
from db.fields import FieldError, is_added_table, load_base
from schema.templates import TEMPLATES
from ui import attachments, downloads, fields, filter_bar, grid, layout, links, paging, quick_chart, views
from ui.detail import show_record
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import describe, flash, show_flashes
from ui.schema import current_base
from ui.session import acting, signed_in
from ui.tables import select
from ui.text import md_escape


def _create() -> None:
    state = st.session_state
    label, code = state.get("tables.new_label", ""), state.get("tables.template") or None
    try:  # left empty with a template: the template's name (the one shown greyed out in the box)
        with opened(base_path()) as db:
            name = tables.create_table(db, acting(), label, template_code=code)
            label = load_base(db).table(name).label.get(lang())
    except (FieldError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    state["tables.pick"] = name
    state["tables.new_label"] = ""
    flash("success", md_escape(t("tables.created", label=label)))


def _what_templates_give() -> str:
    """One line per template: its name and the fields it brings (besides 名称)."""
    lines = [f"- **{md_escape(tp.label.get(lang()))}** — "
             + md_escape(t("app.separator").join(label for label, _, _ in tp.fields)) for tp in TEMPLATES]
    return "\n".join([t("tables.templates"), *lines])


through_app()
actor = signed_in()
show_flashes()
st.title(t("tables.title"))
st.caption(t("tables.caption"))
base = current_base()
added = {table.name: table.label.get(lang()) for table in base.tables if is_added_table(table.name)}

if actor.can("manage_schema"):
    with st.expander(t("tables.new"), icon=":material/add_box:", expanded=not added):
        templates = {"": t("tables.blank")} | {tp.code: tp.label.get(lang()) for tp in TEMPLATES}
        name_cell, template_cell = st.columns(2)
        picked = template_cell.selectbox(t("tables.template"), list(templates), format_func=templates.get,
                                         key="tables.template")
        # A picked template's name, greyed out, is the name the table takes if none is typed; a blank table has none.
        name_cell.text_input(t("tables.new_label"), key="tables.new_label", max_chars=40,
                             placeholder=templates[picked] if picked else None, help=t("tables.new_label_help"))
        st.caption(_what_templates_give())
        st.button(t("tables.new"), on_click=_create, type="primary", key="tables.create")

if not added:
    st.info(t("tables.empty"))
    st.stop()

table = base.table(select(t("tables.pick"), "tables.pick", added, param="table", clears=("record", "view")))
if "record" in st.query_params:
    show_record(table, st.query_params["record"], actor)
    st.stop()
st.caption(t("tables.open_hint"))
prefix = f"tables.{table.name}.filters"
search = f"tables.{table.name}.link_search"
views.bar(table.name, prefix, actor)
with opened(base_path()) as db:
    controls = filter_bar.draw(db, table, prefix, actor)
    shown = layout.panel(table, prefix)
    query = layout.groups(db, table, controls.query, shown.group_by, prefix, actor, {})
    page = paging.load(db, query, prefix, actor)
    offered = links.choices(db, table, page.rows, actor, contains=links.typed(search))

table_grid = grid.Grid(table, key=f"tables.{table.name}.editor", columns=tuple(c.name for c in table.columns),
                       open_param="record", open_with={"table": table.name})
quick_chart.panel(table, query, actor)
downloads.buttons(table_grid, query, shown.columns, actor, total=page.total,
                  key=f"tables.{table.name}.export")
fields.panel(table, actor)
links.search_box(search, offered)
paging.show(table_grid, page, offered.labels, prefix, shown.columns)
attachments.picker(table, page.rows, actor, key=f"tables.{table.name}.attachments")
