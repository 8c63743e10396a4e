"""看板: KPI tiles for a period (filtered by owner, industry, source), the sales funnel with conversion rates,
and customers by potential and by size."""

import streamlit as st

from db.charts import dashboard, remove_chart, saved_charts
from db.connection import base_path, opened
from db.kpis import kpis
from db.queries import Query, count_rows, link_options
from ui import charts, quick_chart
from ui import kpis as kpis_ui
from ui.entry import through_app
from ui.i18n import t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import acting, signed_in
from ui.text import md_escape


def _remove(chart_id: int) -> None:
    with opened(base_path()) as db:
        remove_chart(db, acting(), chart_id)


through_app()
actor = signed_in()
show_flashes()
st.title(t("charts.title"))
with opened(base_path()) as db:
    users = link_options(db, "users", actor=actor)
    everyone = count_rows(db, Query("customers"), actor=actor)
if everyone == 0:
    st.info(t("charts.empty"))
    st.stop()

period = kpis_ui.filters(users, can_pick_owner=actor.sees_everything)
with opened(base_path()) as db:
    figures = kpis(db, period, actor=actor)
    numbers = dashboard(db, actor=actor, narrowed=period.narrowed)
    pinned = saved_charts(db, actor)
kpis_ui.tiles(figures)
st.caption(t("kpis.charts_note"))
st.caption(t("charts.caption", total=f"{numbers.total:,}"))
st.subheader(t("charts.funnel"), help=t("charts.funnel_help"))
st.altair_chart(charts.funnel_chart(numbers.funnel), width="stretch")
st.dataframe(charts.funnel_frame(numbers.funnel), hide_index=True, width="stretch")
st.caption(t("charts.lost", count=f"{numbers.stages.get('lost', 0):,}"))

left, right = st.columns(2)
with left:
    st.subheader(t("charts.grade"))
    st.altair_chart(charts.distribution_chart(numbers.grades, "grade"), width="stretch")
with right:
    st.subheader(t("charts.scale"))
    st.altair_chart(charts.distribution_chart(numbers.scales, "scale"), width="stretch")

if pinned:
    st.subheader(t("charts.pinned"))
    base = current_base()
for chart_id, title, spec in pinned:
    with st.container(border=True):
        head, action = st.columns([5, 1])
        head.markdown(f"**{md_escape(title)}**")
        action.button(t("charts.remove"), key=f"charts.remove.{chart_id}", on_click=_remove, args=(chart_id,))
        if base.has_table(spec.table) and base.table(spec.table).has_column(spec.column):
            quick_chart.draw(base.table(spec.table), spec, actor, {"owner_id": users, "person_id": users})
