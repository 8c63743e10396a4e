"""看板: the sales funnel with conversion rates, and customers by potential and by size."""

import streamlit as st

from db.charts import dashboard
from db.connection import base_path, opened
from ui import charts
from ui.entry import through_app
from ui.i18n import t
from ui.messages import show_flashes
from ui.session import signed_in

through_app()
actor = signed_in()
show_flashes()
st.title(t("charts.title"))
with opened(base_path()) as db:
    numbers = dashboard(db, actor=actor)

if numbers.total == 0:
    st.info(t("charts.empty"))
    st.stop()

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
