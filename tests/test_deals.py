"""商机 (deals): what 成交 and 输单 require, the effective win rate from the base's rules, and stage changes
recorded with their time however they are made (saves, undo, restores, bulk loads), measured in SQL."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from db import deals
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply, bulk_load
from db.charts import funnel
from db.connection import connect, write_transaction
from db.demo import create_base
from db.errors import InvalidChanges, Problem
from db.migrations import migrate, migrations
from db.queries import Filter, Query, fetch_page, get_row, stored_drift
from db.settings import update_rules
from db.undo import last_change, purge_trash, undo
from tests.conftest import ADMIN, LOST, MANAGER, TODAY, WON

WON_PROBLEM = {"field": "stage", "option": "won"}


def at(day: int, hour: int = 9) -> dt.datetime:
    """A moment in November 2026."""
    return dt.datetime(2026, 11, day, hour)


def edit(db, customer: int, *, now: dt.datetime | None = None, actor=ADMIN, **values) -> None:
    version = db["customers"].get(customer)["version"]
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, version, values, row=1),)), actor=actor, now=now)


def refused(db, customer: int, **values) -> list[Problem]:
    before = db["customers"].get(customer)
    with pytest.raises(InvalidChanges) as error:
        edit(db, customer, **values)
    assert db["customers"].get(customer) == before  # nothing written
    return error.value.problems


def changes_of(db, customer: int) -> list[tuple]:
    return [(c.from_stage, c.to_stage, c.at, c.by) for c in deals.changes_of(db, customer)]


# 成交 and 输单: what they require -------------------------------------------------------------


@pytest.mark.parametrize("missing", ["won_amount", "won_on", "win_factors"])
def test_moving_to_won_without_one_required_field_is_refused_naming_it(db, make_customer, missing):
    customer = make_customer(stage="negotiation")
    given = {name: value for name, value in WON.items() if name != missing}
    assert refused(db, customer, stage="won", **given) == [Problem(1, missing, None, "invalid.required_when",
                                                                   WON_PROBLEM)]


def test_moving_to_won_with_nothing_names_every_missing_field_and_keeps_nothing(db, make_customer):
    customer = make_customer(stage="negotiation")
    problems = refused(db, customer, stage="won", win_factors=[])
    assert [(p.column, p.reason) for p in problems] == [("won_amount", "invalid.required_when"),
                                                        ("won_on", "invalid.required_when"),
                                                        ("win_factors", "invalid.required_when")]


def test_moving_to_won_with_amount_date_and_a_factor_is_saved(db, make_customer):
    customer = make_customer(stage="negotiation")
    edit(db, customer, stage="won", won_amount="¥128,000", won_on="2026年11月20日", win_factors="价格优势、产品匹配度")
    row = db["customers"].get(customer)
    assert (row["stage"], row["won_amount"], row["won_on"], json.loads(row["win_factors"])) == (
        "won", 128000, "2026-11-20", ["price", "fit"])


def test_a_new_customer_added_as_won_needs_the_same_fields(db):
    with pytest.raises(InvalidChanges) as error:
        apply(db, ChangeSet("customers", inserts=(NewRow({"name": "新成交公司", "stage": "won"}, row="新增第 1 行"),)),
              actor=ADMIN)
    assert [p.column for p in error.value.problems] == ["won_amount", "won_on", "win_factors"]
    assert db["customers"].count == 0


def test_moving_to_lost_needs_a_loss_reason(db, make_customer):
    customer = make_customer(stage="proposal")
    assert refused(db, customer, stage="lost") == [
        Problem(1, "loss_reason", None, "invalid.required_when", {"field": "stage", "option": "lost"})]
    edit(db, customer, stage="lost", loss_reason="选择竞品")
    assert db["customers"].get(customer)["loss_reason"] == "competitor"


def test_emptying_a_required_field_of_a_won_customer_is_refused(db, make_customer):
    customer = make_customer(stage="won", **WON)
    assert [p.column for p in refused(db, customer, won_amount="")] == ["won_amount"]


def test_a_won_customer_from_before_the_rule_can_still_be_edited_for_something_else(db, make_customer):
    customer = make_customer(stage="negotiation")
    db.execute("UPDATE customers SET stage = 'won' WHERE id = ?", [customer])  # as an older base holds it
    edit(db, customer, contact="王明")
    assert db["customers"].get(customer)["contact"] == "王明"


@pytest.mark.parametrize(("raw", "stored"), [("0", 0), ("100", 100), ("35%", 35), ("", None)])
def test_a_win_rate_from_0_to_100_is_kept(db, make_customer, raw, stored):
    customer = make_customer()
    edit(db, customer, win_rate=raw)
    assert db["customers"].get(customer)["win_rate"] == stored


@pytest.mark.parametrize(("raw", "reason"), [("101", "invalid.too_large"), ("-1", "invalid.too_small"),
                                             ("50.5", "invalid.integer"), ("很高", "invalid.number")])
def test_a_win_rate_outside_0_to_100_or_not_whole_is_refused(db, make_customer, raw, reason):
    customer = make_customer()
    assert [(p.column, p.value, p.reason) for p in refused(db, customer, win_rate=raw)] == [("win_rate", raw, reason)]


# 实际赢率 and 加权金额 -------------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "extra", "rate"), [
    ("lead", {}, 10), ("intent", {}, 25), ("proposal", {}, 50), ("negotiation", {}, 75),
    ("won", WON, 100), ("lost", LOST, 0), (None, {}, None),
])
def test_an_empty_win_rate_falls_back_to_the_stage_default(db, make_customer, stage, extra, rate):
    customer = make_customer(stage=stage or "lead", expected_amount=200000, **extra)
    if stage is None:  # a stage emptied: no default to fall back to
        edit(db, customer, stage=None)
    row = get_row(db, "customers", customer, actor=ADMIN)
    assert (row["effective_win_rate"], row["weighted_amount"]) == (rate, None if rate is None else 2000 * rate)


def test_a_win_rate_of_its_own_wins_over_the_default_until_the_deal_is_decided(db, make_customer):
    customer = make_customer(stage="proposal", expected_amount=200000, win_rate=60)
    assert get_row(db, "customers", customer, actor=ADMIN)["weighted_amount"] == 120000
    edit(db, customer, stage="lost", **LOST)
    assert get_row(db, "customers", customer, actor=ADMIN)["effective_win_rate"] == 0


def test_the_effective_win_rate_follows_a_change_of_the_rules(db, make_customer):
    customer = make_customer(stage="intent", expected_amount=100000)
    own = make_customer(stage="intent", win_rate=40)
    update_rules(db, ADMIN, {"win_intent": 30})
    assert get_row(db, "customers", customer, actor=ADMIN)["weighted_amount"] == 30000
    assert get_row(db, "customers", own, actor=ADMIN)["effective_win_rate"] == 40


def test_rows_sort_and_filter_by_the_effective_win_rate_in_sql(db, make_customer):
    lead = make_customer(name="线索公司", stage="lead")
    mine = make_customer(name="自定公司", stage="lead", win_rate=90)
    talks = make_customer(name="谈判公司", stage="negotiation")
    ordered = fetch_page(db, Query("customers", sort="effective_win_rate", descending=True), actor=ADMIN)
    assert [r["id"] for r in ordered] == [mine, talks, lead]
    found = fetch_page(db, Query("customers", filters=(Filter("effective_win_rate", "compare", (">=", 50)),)),
                       actor=ADMIN)
    assert {r["id"] for r in found} == {mine, talks}


# Stage changes --------------------------------------------------------------------------------------------


def test_a_new_customer_enters_its_stage_when_added(db):
    customer = apply(db, ChangeSet("customers", inserts=(NewRow({"name": "甲公司"}),)), actor=ADMIN,
                     now=at(2, 10)).inserted[0]
    assert changes_of(db, customer) == [(None, "lead", "2026-11-02 10:00:00", "管理员")]
    assert db["customers"].get(customer)["stage_changed_at"] == "2026-11-02 10:00:00"


def test_every_stage_change_is_recorded_with_its_time_and_author_and_nothing_else_is(db, make_customer):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (2, 'wang', '王海涛', 'manager')")
    customer = make_customer(stage="lead")
    edit(db, customer, stage="intent", now=at(5))
    edit(db, customer, contact="王明", now=at(6))  # not a stage change
    edit(db, customer, stage="intent", notes="同一阶段", now=at(7))  # the same stage again: no change
    edit(db, customer, stage="proposal", now=at(10), actor=MANAGER)
    assert changes_of(db, customer)[1:] == [("lead", "intent", "2026-11-05 09:00:00", "管理员"),
                                            ("intent", "proposal", "2026-11-10 09:00:00", "王海涛")]
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)["stage_changed_at"] == "2026-11-10 09:00:00"
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)["days_in_stage"] == 12


def test_an_undo_of_a_stage_change_is_a_stage_change_back(db, make_customer):
    customer = make_customer(stage="negotiation")
    edit(db, customer, stage="won", now=at(20), **WON)
    undo(db, last_change(db, ADMIN), actor=ADMIN, now=at(21, 15))
    assert changes_of(db, customer)[-2:] == [("negotiation", "won", "2026-11-20 09:00:00", "管理员"),
                                             ("won", "negotiation", "2026-11-21 15:00:00", "管理员")]
    assert db["customers"].get(customer)["stage_changed_at"] == "2026-11-21 15:00:00"


def test_a_customer_restored_from_the_trash_did_not_change_stage(db, make_customer):
    customer = make_customer(stage="intent")
    edit(db, customer, stage="proposal", now=at(3))
    before = changes_of(db, customer)
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, db["customers"].get(customer)["version"]),)),
          actor=ADMIN, now=at(4))
    undo(db, last_change(db, ADMIN), actor=ADMIN, now=at(5))
    assert changes_of(db, customer) == before
    assert db["customers"].get(customer)["stage_changed_at"] == "2026-11-03 09:00:00"


def test_emptying_the_trash_erases_a_customers_stage_changes(db, make_customer):
    customer = make_customer(stage="intent")
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN, now=at(1))
    assert purge_trash(db, days=1, now=at(22)) == 1
    assert changes_of(db, customer) == []


def test_customers_loaded_in_bulk_get_their_stages_recorded(db):
    with write_transaction(db), bulk_load(db, "customers"):
        db.conn.executemany("INSERT INTO customers (number, name, stage, created_on, updated_at) "
                            "VALUES (?, ?, ?, ?, ?)",
                            [(f"2026110{i}", f"批量{i}", stage, "2026-11-01", "2026-11-01 08:00:00")
                             for i, stage in enumerate(("lead", "won", None))])
    assert [changes_of(db, i) for i in (1, 2, 3)] == [[(None, "lead", "2026-11-01 08:00:00", None)],
                                                      [(None, "won", "2026-11-01 08:00:00", None)], []]
    assert stored_drift(db, "customers") == []


def test_days_in_each_stage_are_averaged_over_the_stays_that_ended(db, make_customer):
    first, second = make_customer(stage="lead"), make_customer(stage="lead")
    db.execute("UPDATE stage_changes SET at = '2026-11-01 09:00:00'")  # both added on 1 November
    edit(db, first, stage="intent", now=at(5))       # 4 days as a lead
    edit(db, second, stage="intent", now=at(11))     # 10 days as a lead
    edit(db, first, stage="proposal", now=at(8))     # 3 days at 意向
    times = deals.stage_times(db, actor=ADMIN, today=TODAY)
    assert (times["lead"].left, times["lead"].avg_days, times["lead"].current) == (2, 7.0, 0)
    assert (times["intent"].left, times["intent"].avg_days, times["intent"].current) == (1, 3.0, 1)
    assert times["intent"].current_avg_days == pytest.approx(11.6, abs=0.05)  # since 11 Nov 09:00, to today's end
    steps = {s.stage: s for s in funnel(db, actor=ADMIN, today=TODAY)}
    assert (steps["lead"].avg_days, steps["intent"].avg_days, steps["proposal"].avg_days) == (7.0, 3.0, None)


def test_a_bases_history_gives_its_customers_their_stage_changes_when_migrated(tmp_path):
    db = connect(tmp_path / "old.db")
    migrations.apply(db, stop_before="m013_deals")
    db.execute("INSERT INTO users (id, username, display_name) VALUES (1, 'admin', '管理员')")
    for row, created in ((1, "2026-10-01"), (2, "2026-10-02"), (3, "2026-10-03")):
        db.execute("INSERT INTO customers (id, number, name, stage, created_on) VALUES (?, ?, ?, 'proposal', ?)",
                   [row, f"20261000{row}", f"客户{row}", created])
    history = [  # 1: added, then moved twice (and once more to the same stage); 2: restored after a deletion
        (1, "2026-10-01 10:00:00", 1, "insert", {"name": [None, "客户1"], "stage": [None, "lead"]}),
        (1, "2026-10-05 10:00:00", 1, "update", {"stage": ["lead", "intent"]}),
        (1, "2026-10-09 10:00:00", 1, "update", {"stage": ["intent", "proposal"]}),
        (2, "2026-10-02 10:00:00", 1, "insert", {"stage": [None, "proposal"]}),
        (2, "2026-10-03 10:00:00", 1, "delete", {"stage": ["proposal", None]}),
        (2, "2026-10-04 10:00:00", 1, "insert", {"stage": [None, "proposal"]}),
    ]  # 3: made without history (a demo base): it entered its stage the day it was created
    for change, (row, when, user, action, values) in enumerate(history, start=1):
        db.execute("INSERT INTO history (change_id, at, user_id, table_name, row_id, action, changes) "
                   "VALUES (?, ?, ?, 'customers', ?, ?, ?)", [change, when, user, row, action, json.dumps(values)])
    assert migrate(db)[0] == "m013_deals"
    assert changes_of(db, 1) == [(None, "lead", "2026-10-01 10:00:00", "管理员"),
                                 ("lead", "intent", "2026-10-05 10:00:00", "管理员"),
                                 ("intent", "proposal", "2026-10-09 10:00:00", "管理员")]
    assert changes_of(db, 2) == [(None, "proposal", "2026-10-02 10:00:00", "管理员")]
    assert changes_of(db, 3) == [(None, "proposal", "2026-10-03 00:00:00", None)]
    assert [db["customers"].get(i)["stage_changed_at"] for i in (1, 2, 3)] == [
        "2026-10-09 10:00:00", "2026-10-02 10:00:00", "2026-10-03 00:00:00"]
    db.close()


# The demo base --------------------------------------------------------------------------------------------


def test_demo_deals_follow_the_rules(demo_db):
    customers = list(demo_db["customers"].rows)
    won = [c for c in customers if c["stage"] == "won"]
    lost = [c for c in customers if c["stage"] == "lost"]
    assert won and lost
    assert all(c["won_amount"] and c["won_on"] and json.loads(c["win_factors"]) for c in won)
    assert all(c["loss_reason"] for c in lost)
    assert not any(c["won_amount"] or c["loss_reason"] for c in customers if c["stage"] not in ("won", "lost"))
    assert all(0 <= c["win_rate"] <= 100 for c in customers if c["win_rate"] is not None)
    assert sum(c["expected_amount"] is not None for c in customers) > len(customers) / 2
    assert all(c["won_on"] == c["stage_changed_at"][:10] for c in won)


def test_demo_stage_changes_run_from_creation_to_before_today_ending_at_the_current_stage(demo_db):
    for customer in demo_db["customers"].rows:
        changes = changes_of(demo_db, customer["id"])
        times = [c[2] for c in changes]
        assert times == sorted(times) and times[0][:10] == customer["created_on"] and times[-1] < TODAY.isoformat()
        assert changes[-1][1] == customer["stage"] and customer["stage_changed_at"] == times[-1]
        assert all(later[0] == earlier[1] for earlier, later in itertools.pairwise(changes))
    assert stored_drift(demo_db, "customers") == []


def test_the_demo_is_the_same_every_time_for_the_same_day(tmp_path):
    for name in ("a.db", "b.db"):
        create_base(tmp_path / name, demo=True, today=TODAY, customers=40, follow_ups=100)
    one, two = connect(tmp_path / "a.db"), connect(tmp_path / "b.db")
    for sql in ("SELECT * FROM stage_changes ORDER BY id", "SELECT * FROM customers ORDER BY id"):
        assert one.execute(sql).fetchall() == two.execute(sql).fetchall()
    one.close()
    two.close()
