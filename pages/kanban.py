"""看板视图: the records of any table as cards grouped by one of its single-select fields; move a card to change it.

``/kanban?table=t3&field=f4`` opens a table's board by a field (销售阶段 for
customers and the first single select otherwise, unless the link names one);
``&view=ID`` shows a saved view's records as the board ("A级未跟进30天"). The
search and filters are the grid's (``ui/filter_bar.py``).
"""

import streamlit as st

from db.connection import base_path, opened
from ui import filter_bar, kanban, views
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in
from ui.tables import pick_table, select

through_app()
actor = signed_in()
show_flashes()
st.title(t("kanban.title"))
st.caption(t("kanban.caption"))
table_cell, group_cell = st.columns(2)
table = pick_table(current_base(), "kanban.table", container=table_cell)
choices = {c.name: c.label.get(lang()) for c in kanban.groupable(table)}
if not choices:
    st.info(t("kanban.no_single_select"))
    st.stop()
group = select(t("kanban.group_by"), f"kanban.{table.name}.group", choices, param="field",
               default=kanban.default_group(table), missing="kanban.field_not_found", container=group_cell)
prefix = f"kanban.{table.name}.filters"
views.bar(table.name, prefix, actor, shown_as="kanban")
with opened(base_path()) as db:
    query = filter_bar.draw(db, table, prefix, actor, grid=False).query
kanban.board(table, table.column(group), actor, query)
