"""看板's KPI tiles (issue 5, rule 9): each figure over the period and filters, within the member's sight."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV
from db.kpis import Period, kpis
from tests.conftest import ADMIN, LINA, WON, app_for, insert

TODAY = dt.date(2026, 11, 25)
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def customer(db, *, created: str, **values) -> int:
    row = insert(db, "customers", **values)
    db.execute("UPDATE customers SET created_on = ? WHERE id = ?", [created, row])
    db.conn.commit()
    return row


@pytest.fixture
def team(db):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (3, 'lina', '李娜', 'sales')")
    db.conn.commit()
    october = customer(db, name="十月客户", created="2026-10-10", owner_id=3, industry="manufacturing")
    won = customer(db, name="十一月成交", created="2026-11-02", owner_id=3, stage="won",
                   **{**WON, "won_on": "2026-11-20", "won_amount": 300000}, industry="it")
    fresh = customer(db, name="十一月新线索", created="2026-11-05", owner_id=1, industry="it")
    customer(db, name="公海客户", created="2026-11-06", industry="it")
    insert(db, "follow_ups", customer_id=won, time="2026-11-04 10:00", person_id=3)   # 2 days after created
    insert(db, "follow_ups", customer_id=fresh, time="2026-11-09 10:00", person_id=1)  # 4 days after
    insert(db, "follow_ups", customer_id=october, time="2026-10-12 10:00", person_id=3)  # outside the period
    return db


def test_the_tiles_count_what_their_definitions_say(team):
    figures = kpis(team, NOVEMBER, actor=ADMIN, today=TODAY)
    assert (figures.customers, figures.new_leads, figures.won, figures.won_amount) == (4, 3, 1, 300000)
    assert figures.conversion == pytest.approx(1 / 3)
    assert figures.first_response_days == 3.0  # (2 + 4) / 2; the pool customer has none yet
    assert figures.follow_ups_per_person_week == round(2 / 2 / (30 / 7), 1)
    assert figures.in_pool == 1


def test_the_filters_narrow_every_tile_but_the_pool_ignores_owners(team):
    it_only = Period(NOVEMBER.start, NOVEMBER.end, industries=("it",), owners=(3,))
    figures = kpis(team, it_only, actor=ADMIN, today=TODAY)
    assert (figures.customers, figures.new_leads, figures.won, figures.in_pool) == (1, 1, 1, 1)


def test_a_salesperson_sees_only_her_own_and_the_pool(team):
    figures = kpis(team, NOVEMBER, actor=LINA, today=TODAY)
    assert (figures.customers, figures.new_leads) == (3, 2)  # her two and the pool's, not the admin's


def test_an_empty_period_has_dashes_not_errors(team):
    figures = kpis(team, Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)), actor=ADMIN, today=TODAY)
    assert (figures.new_leads, figures.conversion, figures.first_response_days) == (0, None, None)


def test_the_dashboard_shows_the_tiles_and_follows_a_filter(demo_file, tmp_path, monkeypatch):
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    app = app_for(path, "wanghaitao")
    app.switch_page("pages/charts.py").run()
    labels = [m.label for m in app.metric]
    assert labels[:8] == ["客户数", "新增线索", "成交", "转化率", "平均首次响应", "人均每周跟进", "逾期待跟进",
                          "公海客户"]
    everyone = int(app.metric[0].value.replace(",", ""))
    app.multiselect(key="kpis.industries").set_value(["it"]).run()
    assert 0 < int(app.metric[0].value.replace(",", "")) < everyone


def test_filters_never_reach_the_sql_as_text():
    sql, values = Period(NOVEMBER.start, NOVEMBER.end, industries=("it'); DROP TABLE customers; --",)).narrowed
    assert "DROP" not in sql and values == ["it'); DROP TABLE customers; --"]
