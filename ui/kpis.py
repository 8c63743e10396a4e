"""看板's filters and KPI tiles (see db/kpis.py for what each figure means)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import streamlit as st

from db.kpis import DEFAULT_PRESET, PRESETS, Kpis, Period, preset
from ui.i18n import lang, t
from ui.schema import current_base


def filters(users: Mapping[int, str], *, can_pick_owner: bool) -> Period:
    """A period (by name — the last 12 months by default — or picked by hand), owners (managers and
    administrators), industries and sources."""
    today = dt.date.today()
    when, owners, industries, sources = st.columns([2, 2, 2, 2])
    named = when.selectbox(t("kpis.period"), [*PRESETS, "custom"], index=PRESETS.index(DEFAULT_PRESET),
                           format_func=lambda name: t(f"kpis.preset.{name}"), key="kpis.preset")
    if named == "custom":
        picked = when.date_input(t("kpis.range"), value=preset("this_month", today), key="kpis.range",
                                 min_value=dt.date(2000, 1, 1),
                                 format="YYYY-MM-DD")
        start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else preset("this_month", today)
    else:
        start, end = preset(named, today)
        when.caption(t("kpis.dates", start=start.isoformat(), end=end.isoformat()))
    names = dict(users)  # worked out now, not in format_func
    chosen = owners.multiselect(t("kpis.owners"), list(names), format_func=names.get, key="kpis.owners",
                                placeholder=t("filters.all"), disabled=not can_pick_owner)
    customers = current_base().table("customers")  # the options as this base has them (抖音 added, 展会 renamed)
    industry_labels = {o.code: o.label.get(lang()) for o in customers.column("industry").type.options}
    source_labels = {o.code: o.label.get(lang()) for o in customers.column("source").type.options}
    picked_industries = industries.multiselect(t("kpis.industries"), list(industry_labels),
                                               format_func=industry_labels.get, key="kpis.industries",
                                               placeholder=t("filters.all"))
    picked_sources = sources.multiselect(t("kpis.sources"), list(source_labels), format_func=source_labels.get,
                                         key="kpis.sources", placeholder=t("filters.all"))
    return Period(start, end, tuple(chosen), tuple(picked_industries), tuple(picked_sources))


def tiles(figures: Kpis) -> None:
    """Eight tiles in two rows."""
    empty = "—"
    first = st.columns(4)
    first[0].metric(t("kpis.customers"), f"{figures.customers:,}")
    first[1].metric(t("kpis.new_leads"), f"{figures.new_leads:,}")
    first[2].metric(t("kpis.won"), f"{figures.won:,}", help=t("kpis.won_help", amount=f"¥{figures.won_amount:,.0f}"))
    first[3].metric(t("kpis.conversion"),
                    f"{figures.conversion:.0%}" if figures.conversion is not None else empty,
                    help=t("kpis.conversion_help"))
    second = st.columns(4)
    second[0].metric(t("kpis.first_response"), t("kpis.days", days=figures.first_response_days)
                     if figures.first_response_days is not None else empty, help=t("kpis.first_response_help"))
    second[1].metric(t("kpis.per_person_week"), f"{figures.follow_ups_per_person_week}"
                     if figures.follow_ups_per_person_week is not None else empty)
    second[2].metric(t("kpis.overdue"), f"{figures.overdue:,}")
    second[3].metric(t("kpis.in_pool"), f"{figures.in_pool:,}")
    st.caption(t("kpis.won_amount", amount=f"¥{figures.won_amount:,.0f}"))
