"""Tiers, churn risk and lifecycle (issue 5, rule 7): S/A/B/C/D by cumulative share of revenue (80/20),
a 流失风险 flag when follow-ups stop or thin out, and the five lifecycle stages — at their boundaries,
moved by the rules page."""

from __future__ import annotations

import datetime as dt

import pytest

from db import settings
from db.queries import Filter, Query, fetch_page, get_row
from tests.conftest import ADMIN, LOST, TODAY, WON


def won(make_customer, amount: float, **values) -> int:
    return make_customer(stage="won", **{**WON, "won_amount": amount}, **values)


def tiers(db) -> dict[float, str | None]:
    rows = fetch_page(db, Query("customers", page_size=500), actor=ADMIN, today=TODAY)
    return {r["won_amount"]: r["tier"] for r in rows if r["won_amount"]}


def test_customers_are_tiered_by_the_revenue_held_by_larger_ones(db, make_customer):
    # 100 in all; the share held by larger customers: 50→0, 20→50, 10→70, 7→80, 5→87, 3→92, 2→95 (both), 1→99.
    # S below 50 %, A below 80 %, B below 90 %, C below 97 %, D the rest.
    for amount in (50, 20, 10, 7, 5, 3, 2, 2, 1):
        won(make_customer, amount)
    make_customer()  # no revenue: no tier
    assert tiers(db) == {50: "S", 20: "A", 10: "A", 7: "B", 5: "B", 3: "C", 2: "C", 1: "D"}


def test_ties_share_a_tier_and_no_revenue_has_none(db, make_customer):
    for amount in (30, 30, 30, 10):
        won(make_customer, amount)
    none = make_customer()
    assert set(tiers(db).items()) == {(30, "S"), (10, "C")}
    assert get_row(db, "customers", none, actor=ADMIN)["tier"] is None


def test_the_tier_cuts_come_from_the_rules(db, make_customer):
    for amount in (50, 20, 10, 7, 5, 3, 2, 1):
        won(make_customer, amount)
    settings.update_rules(db, ADMIN, {"tier_s": 75})  # 20 (50 before) is now S too
    assert tiers(db)[20] == "S"


def test_tiers_filter_in_sql(db, make_customer):
    top = won(make_customer, 1000)
    won(make_customer, 1)
    found = fetch_page(db, Query("customers", filters=(Filter("tier", "in", ("S",)),)), actor=ADMIN, today=TODAY)
    assert [r["id"] for r in found] == [top]


def at(days_ago: int) -> str:
    return (dt.datetime.combine(TODAY, dt.time(10)) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("follow_ups", "stage", "risk"), [
    ([59], "won", 0),                               # followed up 59 days ago
    ([60], "won", 1),                               # exactly 60: at risk
    ([], "won", 0),                                 # never followed up: not "dropped" (it is overdue instead)
    ([60], "lost", 0),                              # already lost
    ([10, 100, 110, 120, 130], "won", 1),           # 4 → 1: fell by more than half
    ([10, 20, 100, 110, 120, 130], "won", 0),       # 4 → 2: exactly half, not more
    ([10, 100], "negotiation", 0),                  # only one before: too few to compare
])
def test_churn_risk_at_its_boundaries(db, make_customer, make_follow_up, follow_ups, stage, risk):
    customer = make_customer(stage=stage, **(WON if stage == "won" else LOST if stage == "lost" else {}))
    for days in follow_ups:
        make_follow_up(customer, time=at(days))
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)["churn_risk"] == risk


def test_churn_days_come_from_the_rules(db, make_customer, make_follow_up):
    customer = won(make_customer, 100)
    make_follow_up(customer, time=at(40))
    settings.update_rules(db, ADMIN, {"churn_days": 30})
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)["churn_risk"] == 1


@pytest.mark.parametrize(("stage", "last", "expected"), [
    ("lead", 5, "acquisition"),
    ("intent", 5, "acquisition"),
    ("proposal", 5, "growth"),
    ("negotiation", 5, "growth"),
    ("won", 5, "maturity"),
    ("won", 70, "decline"),          # at risk: 60 days without a follow-up
    ("won", 120, "leaving"),         # twice the churn days
    ("lead", 119, "acquisition"),
    ("lost", 5, "leaving"),
])
def test_the_lifecycle_stage_follows_the_sales_stage_and_the_follow_ups(db, make_customer, make_follow_up, stage,
                                                                        last, expected):
    extra = WON if stage == "won" else LOST if stage == "lost" else {}
    customer = make_customer(stage=stage, **extra)
    db.execute("UPDATE customers SET created_on = '2026-01-01' WHERE id = ?", [customer])
    db.conn.commit()
    make_follow_up(customer, time=at(last))
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)["lifecycle"] == expected


def test_the_cut_amounts_are_kept_until_a_deal_changes_and_then_worked_out_again(db, make_customer):
    from db.changes import ChangeSet, RowEdit, apply

    small = won(make_customer, 10)
    won(make_customer, 90)
    assert tiers(db) == {90: "S", 10: "C"}
    assert db.execute("SELECT COUNT(*) FROM tier_cuts").fetchone()[0] == 1  # kept
    apply(db, ChangeSet("customers", edits=(RowEdit(small, 1, {"won_amount": 900}),)), actor=ADMIN)
    assert db.execute("SELECT COUNT(*) FROM tier_cuts").fetchone()[0] == 0  # emptied by the change
    assert tiers(db) == {900: "S", 90: "C"}


def test_working_out_the_cuts_inside_a_save_never_commits_it_early(db, make_customer):
    from db.connection import write_transaction
    from db.fields import load_base

    won(make_customer, 10)
    try:
        with write_transaction(db):
            db.execute("UPDATE customers SET notes = '回滚我'")
            load_base(db)  # works the cuts out inside the transaction
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert db.execute("SELECT COUNT(*) FROM customers WHERE notes = '回滚我'").fetchone()[0] == 0
