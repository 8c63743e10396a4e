"""看板: KPI tiles and the analyses for a period (filtered by owner, industry, source) — the funnel with its
weakest step, conversion by group, distributions, follow-up activity, the leaderboard, the forecast, why
deals are won and lost — a click on a bar lists the customers behind it; the 周报/月报; saved charts."""

import streamlit as st

from db.charts import remove_chart, saved_charts
from db.connection import base_path, opened
from db.queries import Query, count_rows, link_options
from ui import dashboard as dash
from ui import kpis as kpis_ui
from ui import quick_chart, report
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
with st.spinner(t("dash.working")):
    found = dash.read(period, actor)
with opened(base_path()) as db:
    pinned = saved_charts(db, actor)
kpis_ui.tiles(found.kpis)
st.caption(t("dash.period_note"))

funnel_tab, groups_tab, activity_tab, team_tab, reasons_tab, report_tab, pinned_tab = st.tabs(
    [t(f"dash.tab.{name}") for name in ("funnel", "groups", "activity", "team", "reasons", "report", "pinned")])
with funnel_tab:
    dash.funnel(found, actor, users)
    for row in (("score_grade", "grade"), ("source", "industry")):
        for cell, column in zip(st.columns(2), row, strict=True):
            with cell:
                dash.conversion(found, column, actor, users)
with groups_tab:
    for cell, column in zip(st.columns(3), ("score_grade", "grade", "tier"), strict=True):
        with cell:
            dash.distribution(found, column, actor, users)
with activity_tab:
    for by in ("person_id", "method"):
        dash.activity(found, by, users)
with team_tab:
    dash.leaderboard(found, users)
    dash.forecast(found, actor, users)
with reasons_tab:
    for cell, column in zip(st.columns(2), ("loss_reason", "win_factors"), strict=True):
        with cell:
            dash.pareto(found, column, actor, users)
with report_tab:
    report.controls(period, actor, users)
with pinned_tab:
    if not pinned:
        st.caption(t("dash.no_pinned"))
    base = current_base()
    for chart_id, title, spec in pinned:
        with st.container(border=True):
            head, action = st.columns([5, 1])
            head.markdown(f"**{md_escape(title)}**")
            action.button(t("charts.remove"), key=f"charts.remove.{chart_id}", on_click=_remove, args=(chart_id,))
            if base.has_table(spec.table) and base.table(spec.table).has_column(spec.column):
                quick_chart.draw(base.table(spec.table), spec, actor)
            else:
                st.caption(t("charts.gone"))
