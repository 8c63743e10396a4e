"""Altair charts built from small aggregates (never raw rows).

Numbers are formatted in Python the zh-CN way (1,234 and 45.2%) so the chart
shows exactly what the tables beside it show.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from db.charts import FunnelStep
from schema.crm import CUSTOMERS
from ui.i18n import lang, t
from ui.schema import current_base

_PALETTE = ["#1f6feb", "#3b82f6", "#60a5fa", "#93c5fd", "#16a34a", "#f59e0b", "#94a3b8"]


def percent(rate: float | None) -> str:
    """A rate as 45.2%, or — when there is none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def funnel_frame(steps: list[FunnelStep]) -> pd.DataFrame:
    """One row per funnel stage, labelled, with the numbers the funnel and its table show."""
    stage = CUSTOMERS.column("stage").type
    return pd.DataFrame({
        t("charts.stage"): [stage.label(s.stage, lang()) for s in steps],
        t("charts.reached"): [s.reached for s in steps],
        t("charts.current"): [s.current for s in steps],
        t("charts.step_rate"): [percent(s.step_rate) for s in steps],
        t("charts.overall_rate"): [percent(s.overall_rate) for s in steps],
        t("charts.avg_days"): ["—" if s.avg_days is None else f"{s.avg_days:.1f}" for s in steps],
    })


def funnel_chart(steps: list[FunnelStep]) -> alt.LayerChart:
    """The funnel: centred bars, widest at 线索, with counts and conversion labels.

    Bars are drawn from explicit start/end values (equivalent to
    ``stack="center"``) so that the labels can sit at the bars' centre.
    """
    widest = max((s.reached for s in steps), default=0) or 1
    stage = CUSTOMERS.column("stage").type
    order = [stage.label(s.stage, lang()) for s in steps]
    frame = pd.DataFrame({
        "stage": order,
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
        color=alt.Color("stage:N", sort=order, legend=None, scale=alt.Scale(range=_PALETTE)),
        tooltip=[alt.Tooltip("stage:N", title=t("charts.stage")), alt.Tooltip("count:N", title=t("charts.reached")),
                 alt.Tooltip("rates:N", title=" ")],
    )
    counts = alt.Chart(frame).mark_text(color="#0b1f33", fontWeight="bold", fontSize=13).encode(
        y=y, x=alt.X("middle:Q", scale=scale), text="count:N")
    rates = alt.Chart(frame).mark_text(align="left", color="#475569", fontSize=12).encode(
        y=y, x=alt.X("right:Q", scale=scale), text="rates:N")
    return (bars + counts + rates).properties(height=60 * len(steps))


def distribution_chart(counts: list[tuple], column_name: str) -> alt.LayerChart:
    """Bars of how many customers have each option of ``column_name``, with count and share."""
    kind = CUSTOMERS.column(column_name).type
    total = sum(count for _, count in counts) or 1
    labels = [kind.label(code, lang()) if code is not None else t("charts.unset") for code, _ in counts]
    frame = pd.DataFrame({
        "option": labels,
        "count": [count for _, count in counts],
        "text": [f"{count:,} · {count / total * 100:.1f}%" for _, count in counts],
    })
    x = alt.X("option:N", sort=labels, title=None, axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(frame).mark_bar(cornerRadius=3, color="#3b82f6").encode(
        x=x, y=alt.Y("count:Q", title=t("charts.count"), axis=alt.Axis(format=",d")),
        tooltip=[alt.Tooltip("option:N", title=current_base().table("customers").column(column_name).label.get(lang())),
                 alt.Tooltip("text:N", title=t("charts.count"))],
    )
    text = bars.mark_text(dy=-8, color="#334155").encode(text="text:N")
    return (bars + text).properties(height=280)
