"""看板's analyses (issue 5, rule 10): each counts what its definition says, follows the period and the
filters, stays within the member's sight, and the customers a click opens are exactly the ones counted."""

from __future__ import annotations

import datetime as dt

import pytest

from db import analysis
from db.changes import ChangeSet, RowEdit, apply
from db.charts import FunnelStep
from db.kpis import Period, kpis
from db.queries import count_rows
from tests.conftest import ADMIN, LINA, LOST, TODAY, WON, ZHANGWEI, insert

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
YEAR = Period(dt.date(2025, 11, 23), TODAY)


def customer(db, *, created: str = "2026-11-05", **values) -> int:
    row = insert(db, "customers", **values)
    db.execute("UPDATE customers SET created_on = ? WHERE id = ?", [created, row])
    db.conn.commit()
    return row


def scored(total: int) -> dict:
    """Four scores summing to ``total`` (4–20)."""
    parts = [1, 1, 1, 1]
    for index in range(total - 4):
        parts[index % 4] += 1
    return dict(zip(("score_need", "score_budget", "score_decision", "score_urgency"), parts, strict=True))


@pytest.fixture
def team(db):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (3, 'lina', '李娜', 'sales')")
    db.conn.commit()
    return db


def test_a_breakdown_counts_the_customers_created_in_the_period_per_option_with_their_share_won(team):
    customer(team, name="甲", source="referral", stage="won", **WON, **scored(16))
    customer(team, name="乙", source="referral", **scored(15))
    customer(team, name="丙", source="website", **scored(12))
    customer(team, name="十月", source="referral", created="2026-10-31", **scored(18))
    groups = {g.code: g for g in analysis.breakdown(team, NOVEMBER, "score_grade", actor=ADMIN, today=TODAY)}
    assert list(groups) == ["A", "B", "C"]  # every option, in order, even empty ones
    assert (groups["A"].customers, groups["A"].won, groups["A"].rate) == (2, 1, 0.5)
    assert (groups["B"].customers, groups["C"].customers, groups["C"].rate) == (1, 0, None)
    sources = {g.code: g for g in analysis.breakdown(team, NOVEMBER, "source", actor=ADMIN, today=TODAY)}
    assert (sources["referral"].customers, sources["referral"].won_amount) == (2, WON["won_amount"])


def test_a_breakdown_by_an_unknown_column_is_refused(team):
    with pytest.raises(ValueError):
        analysis.breakdown(team, NOVEMBER, "name", actor=ADMIN, today=TODAY)


@pytest.mark.parametrize(("rates", "weakest"), [
    ((None, 0.5, 0.4, 0.9, 0.3), ("negotiation", "won", 0.3)),
    ((None, 0.5, 0.2, 0.9, 0.2), ("intent", "proposal", 0.2)),  # a tie: the earlier step
    ((None, None, None, None, None), None),
    ((None, 1.0, None, None, None), ("lead", "intent", 1.0)),
])
def test_the_weakest_link_is_the_step_with_the_lowest_conversion(rates, weakest):
    stages = ("lead", "intent", "proposal", "negotiation", "won")
    steps = [FunnelStep(stage, 0, 0, rate, None) for stage, rate in zip(stages, rates, strict=True)]
    found = analysis.weakest(steps)
    assert (found and (found.from_stage, found.to_stage, found.rate)) == (weakest or None)


@pytest.mark.parametrize(("groups", "code"), [
    ([(None, 9, 0), ("A", 10, 5), ("B", 10, 2), ("C", 4, 0)], "B"),  # C too small to judge, empty not a group
    ([("A", 4, 0), ("B", 3, 0)], None),
    ([("A", 5, 1), ("B", 10, 2)], "B"),  # the same rate: the larger group
])
def test_the_weakest_group_has_the_lowest_share_won_among_groups_large_enough(groups, code):
    found = analysis.weakest_group([analysis.Breakdown(c, n, w, 0.0) for c, n, w in groups])
    assert (found.code if found else None) == code


def test_the_funnel_follows_the_period_by_creation_day(team):
    customer(team, name="十一月线索")
    customer(team, name="十一月成交", stage="won", **WON)
    customer(team, name="十月线索", created="2026-10-31")
    steps = analysis.funnel(team, NOVEMBER, actor=ADMIN, today=TODAY)
    assert [s.reached for s in steps] == [2, 1, 1, 1, 1]
    assert analysis.funnel(team, YEAR, actor=ADMIN, today=TODAY)[0].reached == 3


def test_activity_counts_follow_ups_per_week_from_monday_by_person_and_by_method(team):
    mine = customer(team, name="甲", owner_id=3)
    for time, method in (("2026-11-22 18:00", "phone"), ("2026-11-23 09:00", "visit"),
                         ("2026-11-23 10:00", "visit"), ("2026-10-31 10:00", "phone")):
        insert(team, "follow_ups", customer_id=mine, time=time, person_id=3, method=method)
    days = analysis.activity_days(team, NOVEMBER, actor=ADMIN, today=TODAY)
    by_person = analysis.activity(days, "person_id")
    assert by_person == [("2026-11-16", 3, 1), ("2026-11-23", 3, 2)]  # 22nd is a Sunday; October is outside
    by_method = analysis.activity(days, "method")
    assert by_method == [("2026-11-16", "phone", 1), ("2026-11-23", "visit", 2)]


def test_the_leaderboard_ranks_owners_by_amount_won_in_the_period_and_counts_their_work(team):
    lina_won = customer(team, name="李娜成交", owner_id=3, stage="won", **{**WON, "won_amount": 50000})
    customer(team, name="管理员成交", owner_id=1, stage="won", **{**WON, "won_amount": 90000})
    customer(team, name="管理员旧成交", owner_id=1, stage="won", created="2026-01-05",
             **{**WON, "won_on": "2026-02-01", "won_amount": 999999})
    customer(team, name="公海客户")
    insert(team, "follow_ups", customer_id=lina_won, time="2026-11-10 10:00", person_id=3)
    board = analysis.leaderboard(team, NOVEMBER, actor=ADMIN, today=TODAY)
    assert [s.owner_id for s in board] == [1, 3, None]  # the pool last
    admin, lina, pool = board
    assert (admin.customers, admin.new_leads, admin.won, admin.won_amount, admin.conversion) == (2, 1, 1, 90000, 1.0)
    assert (lina.follow_ups, lina.won_amount) == (1, 50000)
    assert (pool.customers, pool.won) == (1, 0)


def test_the_forecast_sums_open_deals_by_expected_month_weighted_by_win_rate(team):
    deal = {"expected_amount": 100000, "win_rate": 40}
    customer(team, name="本月", expected_on="2026-11-28", **deal)
    customer(team, name="下月", expected_on="2026-12-15", **deal)
    customer(team, name="下月二", expected_on="2026-12-31", **{**deal, "win_rate": 10})
    customer(team, name="逾期", expected_on="2026-10-15", **deal)
    customer(team, name="无日期", **deal)
    customer(team, name="已成交", expected_on="2026-12-01", stage="won", **deal, **WON)
    customer(team, name="已输单", expected_on="2026-12-01", stage="lost", **deal, **LOST)
    months = {m.bucket: m for m in analysis.forecast(team, NOVEMBER, actor=ADMIN, today=TODAY)}
    assert list(months) == ["past", "2026-11", "2026-12", "undated"]
    assert (months["2026-12"].deals, months["2026-12"].expected, months["2026-12"].weighted) == (2, 200000, 50000)
    for bucket, month in months.items():
        assert count_rows(team, analysis.forecast_query(NOVEMBER, bucket, TODAY), actor=ADMIN,
                          today=TODAY) == month.deals


def test_the_pareto_charts_list_reasons_most_frequent_first_with_a_running_share(team):
    for number, reason in enumerate(("price", "competitor", "price", "price")):
        customer(team, name=f"输单{number}", stage="lost", loss_reason=reason)
    customer(team, name="成交甲", stage="won", **{**WON, "win_factors": ["price", "fit"]})
    customer(team, name="成交乙", stage="won", **{**WON, "win_factors": ["fit"]})
    lost = analysis.pareto(team, NOVEMBER, "loss_reason", actor=ADMIN, today=TODAY)
    assert [(b.code, b.count) for b in lost] == [("price", 3), ("competitor", 1)]
    assert [round(b.cumulative, 2) for b in lost] == [0.75, 1.0]
    won = analysis.pareto(team, NOVEMBER, "win_factors", actor=ADMIN, today=TODAY)
    assert [(b.code, b.count) for b in won] == [("fit", 2), ("price", 1)]
    for column, bars in (("loss_reason", lost), ("win_factors", won)):
        for bar in bars:
            assert count_rows(team, analysis.pareto_query(NOVEMBER, column, bar.code), actor=ADMIN,
                              today=TODAY) == bar.count


@pytest.mark.parametrize("actor", [ADMIN, LINA, ZHANGWEI], ids=["admin", "lina", "zhangwei"])
def test_every_bar_opens_exactly_the_customers_it_counted_on_the_demo_base(demo_db, actor):
    for column in analysis.BREAKDOWNS:
        for group in analysis.breakdown(demo_db, YEAR, column, actor=actor, today=TODAY):
            query = analysis.breakdown_query(YEAR, column, group.code)
            assert count_rows(demo_db, query, actor=actor, today=TODAY) == group.customers, (column, group)
    for step in analysis.funnel(demo_db, YEAR, actor=actor, today=TODAY):
        assert count_rows(demo_db, analysis.funnel_query(YEAR, step.stage), actor=actor,
                          today=TODAY) == step.reached
    for month in analysis.forecast(demo_db, YEAR, actor=actor, today=TODAY):
        assert count_rows(demo_db, analysis.forecast_query(YEAR, month.bucket, TODAY), actor=actor,
                          today=TODAY) == month.deals
    for column in analysis.PARETOS:
        for bar in analysis.pareto(demo_db, YEAR, column, actor=actor, today=TODAY):
            assert count_rows(demo_db, analysis.pareto_query(YEAR, column, bar.code), actor=actor,
                              today=TODAY) == bar.count


def test_a_salesperson_sees_only_her_own_and_the_pool_in_every_analysis(demo_db):
    everyone = sum(g.customers for g in analysis.breakdown(demo_db, YEAR, "stage", actor=ADMIN, today=TODAY))
    hers = sum(g.customers for g in analysis.breakdown(demo_db, YEAR, "stage", actor=LINA, today=TODAY))
    assert 0 < hers < everyone
    owners = {s.owner_id for s in analysis.leaderboard(demo_db, YEAR, actor=LINA, today=TODAY) if s.customers}
    assert owners == {3, None}  # others appear only with follow-ups they logged on pool customers
    logged = sum(n for *_, n in analysis.activity_days(demo_db, YEAR, actor=LINA, today=TODAY))
    assert 0 < logged < sum(n for *_, n in analysis.activity_days(demo_db, YEAR, actor=ADMIN, today=TODAY))


def test_the_filters_narrow_every_analysis(demo_db):
    it = Period(YEAR.start, YEAR.end, industries=("it",))
    total = sum(g.customers for g in analysis.breakdown(demo_db, YEAR, "industry", actor=ADMIN, today=TODAY))
    only = analysis.breakdown(demo_db, it, "industry", actor=ADMIN, today=TODAY)
    assert 0 < sum(g.customers for g in only) < total
    assert all(g.customers == 0 for g in only if g.code != "it")


@pytest.mark.parametrize("actor", [ADMIN, LINA], ids=["admin", "lina"])
def test_the_tiles_read_with_the_analyses_are_the_tiles_read_alone(demo_db, actor):
    it = Period(YEAR.start, YEAR.end, industries=("it", "retail"))
    for period in (YEAR, it, NOVEMBER):
        assert analysis.analyses(demo_db, period, actor=actor, today=TODAY).kpis == kpis(
            demo_db, period, actor=actor, today=TODAY)


def test_a_deal_moved_on_from_won_no_longer_counts_as_won_though_it_keeps_its_won_date(team):
    reopened = customer(team, name="重开的单", owner_id=3, stage="won", **WON)
    version = team.execute("SELECT version FROM customers WHERE id = ?", [reopened]).fetchone()[0]
    apply(team, ChangeSet("customers", edits=(RowEdit(reopened, version, {"stage": "negotiation"}),)), actor=ADMIN)
    assert team.execute("SELECT won_on FROM customers WHERE id = ?", [reopened]).fetchone()[0] == WON["won_on"]
    tiles = kpis(team, NOVEMBER, actor=ADMIN, today=TODAY)
    assert (tiles.won, tiles.won_amount) == (0, 0)
    lina = next(s for s in analysis.leaderboard(team, NOVEMBER, actor=ADMIN, today=TODAY) if s.owner_id == 3)
    assert (lina.won, lina.won_amount, lina.new_won) == (0, 0, 0)
