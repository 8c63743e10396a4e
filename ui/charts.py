"""Altair charts built from small aggregates (never raw rows).

Numbers are formatted in Python the zh-CN way (1,234 and 45.2%) so the chart
shows exactly what the tables beside it show.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from db.charts import FunnelStep
from schema.crm import CUSTOMERS
from schema.types import Choice
from ui.i18n import lang, t

#: 销售阶段 as the template declares it; a page passes the base's (whose labels may be renamed).
STAGE: Choice = CUSTOMERS.column("stage").type
_PALETTE = ["#1f6feb", "#3b82f6", "#60a5fa", "#93c5fd", "#16a34a", "#f59e0b", "#94a3b8"]


def percent(rate: float | None) -> str:
    """A rate as 45.2%, or — when there is none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def funnel_frame(steps: list[FunnelStep], stage: Choice = STAGE) -> pd.DataFrame:
    """One row per funnel stage, labelled (by ``stage``: the base's 销售阶段, whose labels may be renamed), with
    the numbers the funnel and its table show."""
    return pd.DataFrame({
        t("charts.stage"): [stage.label(s.stage, lang()) for s in steps],
        t("charts.reached"): [s.reached for s in steps],
        t("charts.current"): [s.current for s in steps],
        t("charts.step_rate"): [percent(s.step_rate) for s in steps],
        t("charts.overall_rate"): [percent(s.overall_rate) for s in steps],
        t("charts.avg_days"): ["—" if s.avg_days is None else f"{s.avg_days:.1f}" for s in steps],
    })


def funnel_chart(steps: list[FunnelStep], weakest_stage: str | None = None, *, clickable: bool = False,
                 stage: Choice = STAGE) -> alt.LayerChart:
    """The funnel: centred bars, widest at 线索, with counts and conversion labels; the bar of
    ``weakest_stage`` (the stage entered by the weakest step) red; ``clickable``: a click picks a stage.

    Bars are drawn from explicit start/end values (equivalent to
    ``stack="center"``) so that the labels can sit at the bars' centre.
    """
    widest = max((s.reached for s in steps), default=0) or 1
    order = [stage.label(s.stage, lang()) for s in steps]
    frame = pd.DataFrame({
        "stage": order,
        "key": [s.stage for s in steps],
        "reached": [s.reached for s in steps],
        "start": [(widest - s.reached) / 2 for s in steps],
        "end": [(widest + s.reached) / 2 for s in steps],
        "middle": [widest / 2] * len(steps),
        "right": [widest * 1.02] * len(steps),
        "count": [f"{s.reached:,}" for s in steps],
        "rates": [
            f"{t('charts.step_rate')} {percent(s.step_rate)} · {t('charts.overall_rate')} {percent(s.overall_rate)}"
            if s.step_rate is not None else "" for s in steps
        ],
    })
    y = alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelFontSize=13))
    scale = alt.Scale(domain=[0, widest * 1.9])
    bars = alt.Chart(frame).mark_bar(cornerRadius=3).encode(
        y=y,
        x=alt.X("start:Q", scale=scale, axis=None),
        x2="end:Q",
        color=alt.Color("stage:N", sort=order, legend=None, scale=alt.Scale(domain=order, range=[
            WEAK if s.stage == weakest_stage else _PALETTE[index % len(_PALETTE)] for index, s in enumerate(steps)])),
        tooltip=[alt.Tooltip("stage:N", title=t("charts.stage")), alt.Tooltip("count:N", title=t("charts.reached")),
                 alt.Tooltip("rates:N", title=" ")],
    )
    if clickable:
        bars = _clickable(bars)
    counts = alt.Chart(frame).mark_text(color="#0b1f33", fontWeight="bold", fontSize=13).encode(
        y=y, x=alt.X("middle:Q", scale=scale), text="count:N")
    rates = alt.Chart(frame).mark_text(align="left", color="#475569", fontSize=12).encode(
        y=y, x=alt.X("right:Q", scale=scale), text="rates:N")
    return (bars + counts + rates).properties(height=60 * len(steps))


#: The colour that marks the weakest step or group, and the one of the bars that are not.
WEAK = "#dc2626"
BAR = "#3b82f6"
#: The name of the click selection on a clickable chart (``event.selection[PICK]``; see ui/dashboard.py).
PICK = "pick"
EMPTY_KEY = "__empty__"


def pick_key(code: object) -> str:
    """A bar's code as the text a click gives back (empty codes included)."""
    return EMPTY_KEY if code is None else str(code)


def _clickable(chart: alt.Chart) -> alt.Chart:
    """``chart`` with a click selection on its ``key`` field; unselected bars fade."""
    pick = alt.selection_point(name=PICK, fields=["key"], on="click", clear="dblclick")
    return chart.add_params(pick).encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)))


def rate_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Horizontal bars of the share won per group (``frame``: key, group, rate, text, weak), clickable."""
    y = alt.Y("group:N", sort=list(frame["group"]), title=None)
    bars = _clickable(alt.Chart(frame).mark_bar(cornerRadius=3).encode(
        y=y, x=alt.X("rate:Q", title=title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.condition("datum.weak", alt.value(WEAK), alt.value(BAR)),
        tooltip=[alt.Tooltip("group:N", title=" "), alt.Tooltip("text:N", title=title)]))
    text = alt.Chart(frame).mark_text(align="left", dx=4, color="#334155").encode(y=y, x="rate:Q", text="text:N")
    return (bars + text).properties(height=max(120, 32 * len(frame)))


def count_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Vertical bars of how many (``frame``: key, group, count, text), clickable, with the text above each."""
    x = alt.X("group:N", sort=list(frame["group"]), title=None, axis=alt.Axis(labelAngle=0))
    bars = _clickable(alt.Chart(frame).mark_bar(cornerRadius=3, color=BAR).encode(
        x=x, y=alt.Y("count:Q", title=title, axis=alt.Axis(format=",d")),
        tooltip=[alt.Tooltip("group:N", title=" "), alt.Tooltip("text:N", title=title)]))
    text = alt.Chart(frame).mark_text(dy=-8, color="#334155").encode(x=x, y="count:Q", text="text:N")
    return (bars + text).properties(height=280)


def stacked_weeks_chart(frame: pd.DataFrame, title: str, legend: str) -> alt.Chart:
    """Follow-ups per week (``frame``: week, who, count), stacked by ``who``."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("week:N", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("count:Q", title=title, axis=alt.Axis(format=",d")),
        color=alt.Color("who:N", title=legend),
        tooltip=[alt.Tooltip("week:N", title=t("dash.week")), alt.Tooltip("who:N", title=legend),
                 alt.Tooltip("count:Q", title=title, format=",d")],
    ).properties(height=300)


def forecast_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """预计成交金额 beside 加权金额 per month (``frame``: key, month, kind, amount, text), clickable."""
    return _clickable(alt.Chart(frame).mark_bar(cornerRadius=2).encode(
        x=alt.X("month:N", sort=list(dict.fromkeys(frame["month"])), title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("kind:N", sort=list(dict.fromkeys(frame["kind"]))),
        y=alt.Y("amount:Q", title=t("dash.amount"), axis=alt.Axis(format=",.0f")),
        color=alt.Color("kind:N", title=None, sort=list(dict.fromkeys(frame["kind"])),
                        scale=alt.Scale(range=["#93c5fd", "#1d4ed8"])),
        tooltip=[alt.Tooltip("month:N", title=" "), alt.Tooltip("kind:N", title=" "),
                 alt.Tooltip("text:N", title=t("dash.amount"))],
    )).properties(height=300)


def pareto_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Pareto: bars most frequent first (``frame``: key, group, count, cumulative, text) and the running share
    as a line on its own axis; the bars are clickable."""
    x = alt.X("group:N", sort=list(frame["group"]), title=None, axis=alt.Axis(labelAngle=0))
    bars = _clickable(alt.Chart(frame).mark_bar(cornerRadius=3, color=BAR).encode(
        x=x, y=alt.Y("count:Q", title=title, axis=alt.Axis(format=",d")),
        tooltip=[alt.Tooltip("group:N", title=" "), alt.Tooltip("text:N", title=title)]))
    line = alt.Chart(frame).mark_line(point=True, color="#f59e0b").encode(
        x=x, y=alt.Y("cumulative:Q", title=t("dash.cumulative"), axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, 1])))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=300)
