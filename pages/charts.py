"""看板: the sales funnel with conversion rates, and customers by potential and by size."""

import streamlit as st

from db.charts import distribution, funnel
from db.connection import base_path, opened
from db.queries import Query, count_rows
from ui import charts
from ui.i18n import t
from ui.messages import show_flashes

show_flashes()
st.title(t("charts.title"))
with opened(base_path()) as db:
    total = count_rows(db, Query("customers"))
    steps = funnel(db)
    stages = dict(distribution(db, "customers", "stage"))
    grades = distribution(db, "customers", "grade")
    scales = distribution(db, "customers", "scale")

if total == 0:
    st.info(t("charts.empty"))
    st.stop()

st.caption(t("charts.caption", total=f"{total:,}"))
st.subheader(t("charts.funnel"), help=t("charts.funnel_help"))
st.altair_chart(charts.funnel_chart(steps), width="stretch")
st.dataframe(charts.funnel_frame(steps), hide_index=True, width="stretch")
st.caption(t("charts.lost", count=f"{stages.get('lost', 0):,}"))

left, right = st.columns(2)
with left:
    st.subheader(t("charts.grade"))
    st.altair_chart(charts.distribution_chart(grades, "grade"), width="stretch")
with right:
    st.subheader(t("charts.scale"))
    st.altair_chart(charts.distribution_chart(scales, "scale"), width="stretch")
