"""看板's analyses drawn (issue 5, rule 10; the numbers come from db/analysis.py).

Each section is one function the page calls in order. Clickable charts (the
funnel, conversion by group, the distributions, the forecast, the Pareto
charts) list the customers behind a clicked bar right under the chart — the
first :data:`BEHIND` of them, each with a link to its detail — through the
same query the bar was counted with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from db import analysis
from db.access import Actor
from db.analysis import Analyses, Breakdown, analyses, version
from db.connection import base_path, opened
from db.kpis import Period
from db.queries import Query, count_rows, fetch_page
from schema.model import Table
from ui import charts
from ui.charts import EMPTY_KEY, PICK, percent, pick_key
from ui.i18n import lang, t
from ui.tables import record_url
from ui.text import md_escape

#: How many customers a click lists under its chart.
BEHIND = 50
#: The columns of that list.
BEHIND_COLUMNS = ("name", "owner_id", "stage", "score_grade", "tier", "last_follow_up_at")


#: How long analyses read for one version of the data are kept (changes not in the history — a renamed
#: field — show after this long at the latest).
KEEP_SECONDS = 60


@st.cache_resource(ttl=KEEP_SECONDS, max_entries=32, show_spinner=False)
def _kept(path: str, period: Period, actor: Actor, today: dt.date, data: tuple) -> Analyses:
    with opened(path) as db:
        return analyses(db, period, actor=actor, today=today)


def read(period: Period, actor: Actor) -> Analyses:
    """:func:`db.analysis.analyses` for ``period`` over what ``actor`` sees, kept while the data stays the
    same (:func:`db.analysis.version`): a click on a bar reruns the page without counting it all again."""
    with opened(base_path()) as db:
        data = version(db)
    return _kept(str(base_path()), period, actor, dt.date.today(), data)


def label(table: Table, column_name: str, code: Any) -> str:
    """The option label of ``code`` in a select column of ``table`` (as the base names it now), 未填写 for an
    empty one."""
    if code is None:
        return t("charts.unset")
    column = table.column(column_name)
    kind = getattr(column.type, "result", column.type)
    return kind.label(code, lang()) if hasattr(kind, "label") else str(code)


def money(amount: float) -> str:
    """¥1,234,567."""
    return f"¥{amount:,.0f}"


def clicked(event: Any, bars: Sequence[str]) -> str | None:
    """The key of the bar a click on a chart picked (``event``: what ``st.altair_chart`` returned), if it is
    one of ``bars`` — a choice kept from before the filters changed, or sent by a tampered browser, is not.

    >>> from types import SimpleNamespace as Event
    >>> clicked(Event(selection={"pick": [{"key": "lead"}]}), ["lead", "won"]), clicked(Event(selection={}), ["lead"])
    ('lead', None)
    >>> clicked(Event(selection={"pick": [{"key": "'; DROP"}]}), ["lead"]), clicked(None, ["lead"])
    (None, None)
    """
    selection = getattr(event, "selection", None) or {}
    points = selection.get(PICK) or []
    picked = points[0].get("key") if points and isinstance(points[0], Mapping) else None
    return picked if picked in bars else None


def _chart(chart, key: str, bars: Sequence[str]) -> str | None:
    """Draw a clickable chart; return the key of the bar clicked (see :func:`clicked`)."""
    return clicked(st.altair_chart(chart, width="stretch", on_select="rerun", selection_mode=PICK, key=key), bars)


def customers_behind(found: Analyses, query: Query, title: str, actor: Actor, users: Mapping[int, str]) -> None:
    """The customers of ``query`` (a clicked bar): how many, and the first :data:`BEHIND` with links."""
    with opened(base_path()) as db:
        total = count_rows(db, query, actor=actor)
        rows = fetch_page(db, dataclasses.replace(query, page_size=BEHIND), actor=actor)
    with st.container(border=True):
        st.markdown(md_escape(t("dash.behind", title=title, count=f"{total:,}")))
        if not rows:
            st.caption(t("charts.no_rows"))
            return
        customers = found.base.table("customers")
        frame = pd.DataFrame({
            customers.column(name).label.get(lang()): [
                users.get(row[name], "") if name == "owner_id" and row[name] is not None
                else label(customers, name, row[name]) if name in ("stage", "score_grade", "tier")
                else (row[name] or "") for row in rows]
            for name in BEHIND_COLUMNS})
        frame[t("grid.open")] = [record_url(customers, row) for row in rows]
        st.dataframe(frame, hide_index=True, width="stretch", column_config={
            t("grid.open"): st.column_config.LinkColumn(display_text=t("grid.open"))})
        if total > len(rows):
            st.caption(t("dash.behind_more", shown=len(rows), count=f"{total:,}"))


def funnel(found: Analyses, actor: Actor, users: Mapping[int, str]) -> None:
    """The funnel of the customers created in the period, its weakest step in red and named."""
    customers = found.base.table("customers")
    st.subheader(t("charts.funnel"), help=t("dash.funnel_help"))
    weakest = found.weakest
    if weakest:
        st.warning(t("dash.weakest", step=_step(found, weakest), rate=percent(weakest.rate)))
    stage = customers.column("stage").type
    picked = _chart(charts.funnel_chart(found.funnel, weakest.to_stage if weakest else None, clickable=True,
                                        stage=stage), "dash.funnel", [step.stage for step in found.funnel])
    st.dataframe(charts.funnel_frame(found.funnel, stage), hide_index=True, width="stretch")
    lost = next((g.customers for g in found.breakdowns["stage"] if g.code == "lost"), 0)
    st.caption(t("charts.lost", count=f"{lost:,}"))
    if picked:
        customers_behind(found, analysis.funnel_query(found.period, picked),
                         t("dash.reached", stage=label(customers, "stage", picked)), actor, users)


def _step(found: Analyses, weakest: analysis.Weakest) -> str:
    customers = found.base.table("customers")
    return f"{label(customers, 'stage', weakest.from_stage)} → {label(customers, 'stage', weakest.to_stage)}"


def _group_key(groups: list[Breakdown], key: str) -> Any:
    """The code of the group whose :func:`pick_key` is ``key`` (``None`` for the empty group)."""
    return None if key == EMPTY_KEY else next((g.code for g in groups if pick_key(g.code) == key), key)


def conversion(found: Analyses, column_name: str, actor: Actor, users: Mapping[int, str]) -> None:
    """The share won of the customers created in the period, per group of ``column_name``; the weakest
    group (enough customers, lowest share) in red."""
    groups = found.breakdowns[column_name]
    customers = found.base.table("customers")
    name = customers.column(column_name).label.get(lang())
    st.markdown(f"**{md_escape(t('dash.conversion_by', column=name))}**")
    weakest = analysis.weakest_group(groups)
    frame = pd.DataFrame({
        "key": [pick_key(g.code) for g in groups],
        "group": [label(customers, column_name, g.code) for g in groups],
        "rate": [g.rate or 0.0 for g in groups],
        "text": [f"{percent(g.rate)} · {g.won:,}/{g.customers:,}" for g in groups],
        "weak": [weakest is not None and g.code == weakest.code for g in groups],
    })
    picked = _chart(charts.rate_chart(frame, t("dash.won_share")),
                    f"dash.conversion.{column_name}", list(frame["key"]))
    if weakest:
        st.caption(t("dash.weakest_group", group=label(customers, column_name, weakest.code),
                     rate=percent(weakest.rate), count=weakest.customers, least=analysis.MIN_GROUP))
    if picked:
        code = _group_key(groups, picked)
        customers_behind(found, analysis.breakdown_query(found.period, column_name, code),
                         f"{name}：{label(customers, column_name, code)}", actor, users)


def distribution(found: Analyses, column_name: str, actor: Actor, users: Mapping[int, str]) -> None:
    """How many of the customers created in the period are in each group of ``column_name``; for 客户分层
    also their share of the 成交金额 (the 80/20 the tiers are cut by)."""
    groups = found.breakdowns[column_name]
    customers = found.base.table("customers")
    name = customers.column(column_name).label.get(lang())
    st.markdown(f"**{md_escape(t('dash.distribution', column=name))}**")
    total = sum(g.customers for g in groups) or 1
    amount = sum(g.won_amount for g in groups) or 1
    with_amount = column_name == "tier"
    frame = pd.DataFrame({
        "key": [pick_key(g.code) for g in groups],
        "group": [label(customers, column_name, g.code) for g in groups],
        "count": [g.customers for g in groups],
        "text": [f"{g.customers:,} · {g.customers / total:.0%}"
                 + (f" · {t('dash.revenue_share', share=f'{g.won_amount / amount:.0%}')}" if with_amount else "")
                 for g in groups],
    })
    picked = _chart(charts.count_chart(frame, t("charts.count")),
                    f"dash.distribution.{column_name}", list(frame["key"]))
    if picked:
        code = _group_key(groups, picked)
        customers_behind(found, analysis.breakdown_query(found.period, column_name, code),
                         f"{name}：{label(customers, column_name, code)}", actor, users)


def activity(found: Analyses, by: str, users: Mapping[int, str]) -> None:
    """Follow-ups logged per week in the period, stacked by 跟进人 or 跟进方式."""
    rows = found.activity[by]
    follow_ups = found.base.table("follow_ups")
    legend = follow_ups.column(by).label.get(lang())
    st.markdown(f"**{md_escape(t('dash.activity_by', column=legend))}**")
    if not rows:
        st.caption(t("dash.no_activity"))
        return
    who = [users.get(value, t("charts.unset")) if by == "person_id" else label(follow_ups, by, value)
           for _, value, _ in rows]
    frame = pd.DataFrame({"week": [week for week, _, _ in rows], "who": who, "count": [n for *_, n in rows]})
    st.altair_chart(charts.stacked_weeks_chart(frame, t("dash.follow_ups"), legend), width="stretch")


def leaderboard(found: Analyses, users: Mapping[int, str]) -> None:
    """One line per owner, best first."""
    st.subheader(t("dash.leaderboard"), help=t("dash.leaderboard_help"))
    lines = found.leaderboard
    if not lines:
        st.caption(t("charts.no_rows"))
        return
    st.dataframe(pd.DataFrame({
        t("dash.rank"): list(range(1, len(lines) + 1)),
        t("kpis.owners"): [users.get(s.owner_id, "") if s.owner_id is not None else t("dash.pool") for s in lines],
        t("dash.customers"): [s.customers for s in lines],
        t("kpis.new_leads"): [s.new_leads for s in lines],
        t("dash.follow_ups"): [s.follow_ups for s in lines],
        t("kpis.won"): [s.won for s in lines],
        t("dash.won_amount"): [money(s.won_amount) for s in lines],
        t("kpis.conversion"): [percent(s.conversion) for s in lines],
        t("kpis.overdue"): [s.overdue for s in lines],
    }), hide_index=True, width="stretch")


def month_label(bucket: str) -> str:
    """A forecast bucket as shown: 2026-12, 已过预计日期, 未填日期."""
    return t(f"dash.bucket.{bucket}") if bucket in ("past", "undated") else bucket


def forecast(found: Analyses, actor: Actor, users: Mapping[int, str]) -> None:
    """Open deals by expected month: 预计成交金额 and 加权金额 side by side."""
    st.subheader(t("dash.forecast"), help=t("dash.forecast_help"))
    months = found.forecast
    if not months:
        st.caption(t("dash.no_deals"))
        return
    expected, weighted = t("dash.expected"), t("dash.weighted")
    frame = pd.DataFrame([
        {"key": m.bucket, "month": month_label(m.bucket), "kind": kind, "amount": amount,
         "text": f"{money(amount)} · {t('dash.deals', count=m.deals)}"}
        for m in months for kind, amount in ((expected, m.expected), (weighted, m.weighted))])
    picked = _chart(charts.forecast_chart(frame), "dash.forecast", [m.bucket for m in months])
    st.caption(t("dash.forecast_total", expected=money(sum(m.expected for m in months)),
                 weighted=money(sum(m.weighted for m in months)), deals=sum(m.deals for m in months)))
    if picked:
        customers_behind(found, analysis.forecast_query(found.period, picked), month_label(picked), actor, users)


def pareto(found: Analyses, column_name: str, actor: Actor, users: Mapping[int, str]) -> None:
    """流失原因 or 成交关键因素, most frequent first, with the running share."""
    bars = found.paretos[column_name]
    customers = found.base.table("customers")
    name = customers.column(column_name).label.get(lang())
    st.markdown(f"**{md_escape(t('dash.pareto', column=name))}**", help=t(f"dash.pareto_help.{column_name}"))
    if not bars:
        st.caption(t("charts.no_rows"))
        return
    frame = pd.DataFrame({
        "key": [pick_key(b.code) for b in bars],
        "group": [label(customers, column_name, b.code) for b in bars],
        "count": [b.count for b in bars],
        "cumulative": [b.cumulative for b in bars],
        "text": [f"{b.count:,} · {b.share:.0%}（{t('dash.cumulative')} {b.cumulative:.0%}）" for b in bars],
    })
    picked = _chart(charts.pareto_chart(frame, t("charts.count")),
                    f"dash.pareto.{column_name}", list(frame["key"]))
    if picked:
        code = None if picked == EMPTY_KEY else picked
        customers_behind(found, analysis.pareto_query(found.period, column_name, code),
                         f"{name}：{label(customers, column_name, code)}", actor, users)
