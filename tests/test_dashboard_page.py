"""看板 page (issue 5, rules 9–11) in the real Streamlit runtime: every analysis drawn from the demo base, the
period and filters followed, the weakest link named, a salesperson's view limited to hers, the reports."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV
from tests.conftest import app_for

CLICKABLE = ["dash.funnel", "dash.conversion.score_grade", "dash.conversion.grade", "dash.conversion.source",
             "dash.conversion.industry", "dash.distribution.score_grade", "dash.distribution.grade",
             "dash.distribution.tier", "dash.forecast", "dash.pareto.loss_reason", "dash.pareto.win_factors"]


@pytest.fixture
def dashboard(demo_file, tmp_path, monkeypatch):
    """Factory: the 看板 opened by ``username`` on a copy of the demo base."""
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))

    def opened(username: str = "wanghaitao", lang: str | None = None):
        app = app_for(path, username, lang=lang)
        app.switch_page("pages/charts.py").run()
        assert not app.exception, [e.value for e in app.exception]
        return app
    return opened


def charts(app) -> list:
    return app.get("vega_lite_chart")


def test_the_dashboard_draws_every_analysis_in_tabs(dashboard):
    app = dashboard()
    assert [tab.label for tab in app.tabs] == ["漏斗与转化", "等级与分层", "跟进活动", "排行与预测", "输赢原因",
                                               "周报/月报", "我保存的图表"]
    keys = [chart.key for chart in charts(app) if chart.key]
    assert keys == CLICKABLE
    assert len(charts(app)) == len(CLICKABLE) + 2  # and the two activity charts, by person and by method
    assert app.selectbox(key="kpis.preset").value == "last_12_months"


def test_the_funnel_names_its_weakest_link(dashboard):
    app = dashboard()
    assert any(w.value.startswith("最薄弱环节：") and "→" in w.value for w in app.warning)


def test_a_shorter_period_counts_fewer_customers_in_the_funnel(dashboard):
    app = dashboard()
    year = int(app.dataframe[0].value.iloc[0, 1])  # 线索 reached: every customer created in the period
    app.selectbox(key="kpis.preset").set_value("this_month").run()
    assert not app.exception
    assert 0 <= int(app.dataframe[0].value.iloc[0, 1]) < year


def test_a_picked_range_of_dates_is_followed(dashboard):
    app = dashboard()
    app.selectbox(key="kpis.preset").set_value("custom").run()
    app.date_input(key="kpis.range").set_value((dt.date(2001, 1, 1), dt.date(2001, 1, 31))).run()
    assert not app.exception
    assert int(app.dataframe[0].value.iloc[0, 1]) == 0
    assert app.metric[1].value == "0"  # no new leads in 2001


def test_the_leaderboard_of_a_salesperson_shows_only_her_and_the_pool(dashboard):
    app = dashboard("lina")
    board = next(frame.value for frame in app.dataframe if "排名" in frame.value.columns)
    owners = set(board["负责人"])
    assert "李娜" in owners and "张伟" not in owners


def test_the_manager_sees_everyone_on_the_leaderboard(dashboard):
    app = dashboard()
    board = next(frame.value for frame in app.dataframe if "排名" in frame.value.columns)
    assert {"李娜", "张伟"} <= set(board["负责人"])
    assert list(board["排名"]) == list(range(1, len(board) + 1))


def test_an_owner_filter_narrows_every_analysis(dashboard):
    app = dashboard()
    everyone = int(app.dataframe[0].value.iloc[0, 1])
    app.multiselect(key="kpis.owners").set_value([3]).run()
    assert 0 < int(app.dataframe[0].value.iloc[0, 1]) < everyone
    board = next(frame.value for frame in app.dataframe if "排名" in frame.value.columns)
    assert set(board["负责人"]) <= {"李娜", "王海涛", "张伟", "系统管理员"}  # her customers; others only by follow-ups
    assert board.iloc[0]["负责人"] == "李娜"


def test_the_report_tab_names_the_weakest_link_and_offers_both_files(dashboard):
    app = dashboard()
    assert app.radio(key="report.period").value is None  # nothing read for a report until a period is picked
    assert not any("销售" in m.value and "报" in m.value for m in app.markdown)
    app.radio(key="report.period").set_value("this_month").run()
    assert not app.exception
    assert any("销售月报" in m.value for m in app.markdown)
    shown = [text.value for text in app.text]
    assert any(line.startswith("最薄弱环节：") or line.startswith("这个期间没有足够的客户") for line in shown)


def test_the_dashboard_speaks_english(dashboard):
    app = dashboard(lang="en")
    assert app.tabs[0].label == "Funnel & conversion"
    assert app.subheader[0].value == "Sales funnel"


def test_options_added_and_renamed_in_the_fields_panel_show_in_the_filters_and_the_funnel(dashboard):
    import os

    from db import fields
    from db.connection import opened
    from tests.conftest import ADMIN

    with opened(os.environ[BASE_ENV]) as db:
        customers = fields.load_base(db).table("customers")
        sources = [o.label.zh for o in customers.column("source").type.options]
        stages = [o.label.zh for o in customers.column("stage").type.options]
        fields.update_field(db, ADMIN, "customers", "source", options=[*sources, "抖音"])
        fields.update_field(db, ADMIN, "customers", "stage", options=["销售线索", *stages[1:]])
    app = dashboard()
    assert "抖音" in app.multiselect(key="kpis.sources").options
    assert app.dataframe[0].value.iloc[0, 0] == "销售线索"
