"""周报/月报 (issue 5, rule 11; seed 000, step 4): one click gives a report of a week or a month — an Excel
workbook with one sheet per analysis and a printable page — naming the weakest link.

The numbers are :mod:`db.analysis`'s and :mod:`db.kpis`'s for the report's period with the 看板's filters
(owners, industries, sources), over what the member may see. :func:`tables` lays them out once as titled
tables; :func:`workbook` writes those through :mod:`exports` (no formula ever leaves) and
:func:`printable` as an HTML page in which every piece of text is escaped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from db.access import Actor
from db.analysis import MIN_GROUP, Analyses, weakest_group
from db.connection import base_path, opened
from db.kpis import Period, preset
from exports import Sheet, file_name, to_xlsx
from ui.dashboard import label, month_label, read
from ui.downloads import still_signed_in
from ui.i18n import lang, t
from ui.session import session_token
from ui.text import md_escape

#: The periods a report covers, by name (see db.kpis.preset).
PERIODS = ("last_week", "this_week", "last_month", "this_month")
#: The groupings whose conversion the report gives, each with its weakest group.
GROUPS = ("score_grade", "grade", "industry", "source")


@dataclass(frozen=True)
class Table:
    """One analysis laid out: a title (the sheet's name), header labels and rows of plain values."""

    title: str
    columns: Sequence[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Report:
    """What a report says: its title, the lines of its summary (the weakest links first) and its tables,
    with every word already in the member's language — the files are made on a download's own thread,
    where the session (and so its language) is out of reach."""

    title: str
    period: Period
    headline: list[str]
    tables: list[Table]
    lang: str = "zh"
    findings: str = "结论"
    made: str = ""
    empty: str = ""


def _rate(rate: float | None) -> float | None:
    """A share as a percentage with one decimal (a number in Excel, not text)."""
    return None if rate is None else round(rate * 100, 1)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def weakest_lines(found: Analyses) -> list[str]:
    """The report's first lines: the funnel's weakest step, then per grouping its lowest-converting group."""
    customers = found.base.table("customers")
    lines = []
    if found.weakest:
        step = " → ".join(label(customers, "stage", stage) for stage in (found.weakest.from_stage,
                                                                            found.weakest.to_stage))
        lines.append(t("dash.weakest", step=step, rate=_pct(found.weakest.rate)))
    else:
        lines.append(t("report.no_weakest"))
    for name in GROUPS:
        group = weakest_group(found.breakdowns[name])
        if group:
            lines.append(t("report.weakest_group", column=customers.column(name).label.get(lang()),
                           group=label(customers, name, group.code), rate=_pct(group.rate), count=group.customers))
    if len(lines) == 1:
        lines.append(t("report.groups_too_small", least=MIN_GROUP))
    return lines


def tables(found: Analyses, users: Mapping[int, str]) -> list[Table]:
    """Every analysis as a titled table, in the report's order."""
    figures = found.kpis
    customers, follow_ups = found.base.table("customers"), found.base.table("follow_ups")
    c = customers.column
    summary = Table(t("report.sheet.summary"), [t("report.item"), t("report.value")], [
        [t("kpis.customers"), figures.customers],
        [t("kpis.new_leads"), figures.new_leads],
        [t("kpis.won"), figures.won],
        [t("dash.won_amount"), figures.won_amount],
        [t("kpis.conversion") + " (%)", _rate(figures.conversion)],
        [t("kpis.first_response") + t("report.in_days"), figures.first_response_days],
        [t("kpis.per_person_week"), figures.follow_ups_per_person_week],
        [t("kpis.overdue"), figures.overdue],
        [t("kpis.in_pool"), figures.in_pool],
    ])
    funnel = Table(t("charts.funnel"), [t("charts.stage"), t("charts.reached"), t("charts.current"),
                                         t("charts.step_rate") + " (%)", t("charts.overall_rate") + " (%)",
                                         t("charts.avg_days")],
                   [[label(customers, "stage", s.stage), s.reached, s.current, _rate(s.step_rate),
                     _rate(s.overall_rate), s.avg_days] for s in found.funnel])
    groups = []
    for name in GROUPS:
        weakest = weakest_group(found.breakdowns[name])
        groups.append(Table(
            t("report.sheet.by", column=c(name).label.get(lang())),
            [c(name).label.get(lang()), t("dash.customers_created"), t("report.won_now"), t("dash.won_share") + " (%)",
             t("dash.won_amount"), t("report.note")],
            [[label(customers, name, g.code), g.customers, g.won, _rate(g.rate), g.won_amount,
              t("report.weakest_mark") if weakest is not None and g.code == weakest.code else ""]
             for g in found.breakdowns[name]]))
    board = Table(t("dash.leaderboard"), [t("dash.rank"), t("kpis.owners"), t("dash.customers"), t("kpis.new_leads"),
                                          t("dash.follow_ups"), t("kpis.won"), t("dash.won_amount"),
                                          t("kpis.conversion") + " (%)", t("kpis.overdue")],
                  [[rank, users.get(s.owner_id, "") if s.owner_id is not None else t("dash.pool"), s.customers,
                    s.new_leads, s.follow_ups, s.won, s.won_amount, _rate(s.conversion), s.overdue]
                   for rank, s in enumerate(found.leaderboard, start=1)])
    activity = Table(t("report.sheet.activity"), [t("dash.week"), follow_ups.column("person_id").label.get(lang()),
                                                  t("dash.follow_ups")],
                     [[week, users.get(person, "") if person is not None else "", count]
                      for week, person, count in found.activity["person_id"]])
    methods = Table(t("report.sheet.methods"), [t("dash.week"), follow_ups.column("method").label.get(lang()),
                                                t("dash.follow_ups")],
                    [[week, label(follow_ups, "method", method), count]
                     for week, method, count in found.activity["method"]])
    paretos = [Table(c(name).label.get(lang()), [c(name).label.get(lang()), t("charts.count"),
                                                 t("charts.share") + " (%)", t("dash.cumulative") + " (%)"],
                     [[label(customers, name, b.code), b.count, _rate(b.share), _rate(b.cumulative)]
                      for b in found.paretos[name]])
               for name in ("loss_reason", "win_factors")]
    forecast = Table(t("dash.forecast"), [t("report.month"), t("report.deals"), t("dash.expected"), t("dash.weighted")],
                     [[month_label(m.bucket), m.deals, m.expected, m.weighted] for m in found.forecast])
    return [summary, funnel, *groups, board, activity, methods, *paretos, forecast]


def period_of(name: str, filters: Period, today: dt.date | None = None) -> Period:
    """The period called ``name`` (:data:`PERIODS`) with the owners, industries and sources of ``filters``."""
    start, end = preset(name, today or dt.date.today())
    return dataclasses.replace(filters, start=start, end=end)


def build(found: Analyses, name: str, users: Mapping[int, str], who: str = "",
          now: dt.datetime | None = None) -> Report:
    """The report called ``name`` (:data:`PERIODS`) of the analyses ``found`` for its period, made by ``who``."""
    kind = t("report.weekly") if "week" in name else t("report.monthly")
    start, end = found.period.start.isoformat(), found.period.end.isoformat()
    title = t("report.title", kind=kind, start=start, end=end)
    made = t("report.made", who=who, when=(now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M"))
    return Report(title, found.period, weakest_lines(found), tables(found, users), lang=lang(),
                  findings=t("report.sheet.headline"), made=made, empty=t("charts.no_rows"))


def workbook(report: Report) -> bytes:
    """The report as XLSX: a first sheet with the title and the weakest links, then one sheet per table."""
    first = Sheet(report.findings, [report.title], [[line] for line in report.headline])
    return to_xlsx([first, *(Sheet(table.title, table.columns, table.rows) for table in report.tables)])


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(str(value))


_PRINT_CSS = """
body { font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif; margin: 2em; color: #0f172a; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 1.6em; }
.headline { border: 2px solid #dc2626; padding: .6em 1em; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { border: 1px solid #cbd5e1; padding: 3px 6px; text-align: left; }
td.n { text-align: right; } th { background: #f1f5f9; }
@media print { body { margin: 0; } section { break-inside: avoid; } }
"""


def printable(report: Report) -> str:
    """The report as one HTML page to print (every text escaped; no script, no outside resource)."""
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if report.lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">",
             f"<title>{html.escape(report.title)}</title><style>{_PRINT_CSS}</style></head><body>",
             f"<h1>{html.escape(report.title)}</h1>",
             f"<p>{html.escape(report.made)}</p>",
             "<div class=\"headline\">" + "".join(f"<p>{html.escape(line)}</p>" for line in report.headline) + "</div>"]
    for table in report.tables:
        head = "".join(f"<th>{html.escape(str(column))}</th>" for column in table.columns)
        body = "".join("<tr>" + "".join(
            f"<td class=\"n\">{_cell(v)}</td>" if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in table.rows)
        empty = f"<p>{html.escape(report.empty)}</p>" if not table.rows else ""
        parts.append(f"<section><h2>{html.escape(table.title)}</h2>{empty}"
                     f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>")
    parts.append("</body></html>")
    return "".join(parts)


def controls(filters: Period, actor: Actor, users: Mapping[int, str]) -> None:
    """Pick 上周/本周/上月/本月; the weakest links on screen; the workbook and the printable page to download
    (made only when clicked)."""
    st.caption(t("report.caption"))
    name = st.radio(t("report.period"), PERIODS, format_func=lambda n: t(f"kpis.preset.{n}"), horizontal=True,
                    key="report.period", index=None)
    if name is None:  # every tab runs on every rerun: a report is read only once its period is picked
        st.caption(t("report.pick"))
        return
    report = build(read(period_of(name, filters), actor), name, users, actor.name)
    st.markdown(f"**{md_escape(report.title)}**")
    for line in report.headline:
        st.text(line)
    left, right = st.columns(2)
    stem, token = report.title, session_token()

    def made(make: Callable[[], bytes]) -> Callable[[], bytes]:
        """``make`` for a download button, refused once this session has ended (ui/downloads.py)."""
        def checked() -> bytes:
            with opened(base_path()) as db:
                still_signed_in(db, token, actor)
            return make()
        return checked

    # Made on a thread of their own when clicked (from the finished Report: no session state needed there);
    # no rerun on click, which would replace the button — and the file it is fetching — under the browser.
    left.download_button(t("report.excel"), data=made(lambda: workbook(report)),
                         file_name=file_name(stem, dt.date.today(), "xlsx"),
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key="report.excel", icon=":material/table:", on_click="ignore")
    right.download_button(t("report.print"), data=made(lambda: printable(report).encode("utf-8")),
                          file_name=file_name(stem, dt.date.today(), "html"), mime="text/html",
                          key="report.print", icon=":material/print:", on_click="ignore")
