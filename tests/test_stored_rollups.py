"""Stored rollups (最近跟进时间, 跟进次数 kept in customers by triggers) always equal a fresh computation."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply, bulk_load
from db.connection import opened, write_transaction
from db.demo import create_base
from db.queries import stored_drift
from tests.conftest import ADMIN, add_admin

TIMES = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
    lambda moment: moment.strftime("%Y-%m-%d %H:%M"))
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 4), TIMES),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 4)),
    st.tuples(st.just("retime"), st.integers(0, 30), TIMES),
    st.tuples(st.just("delete"), st.integers(0, 30), st.none()),
    st.tuples(st.just("delete_customer"), st.integers(0, 4), st.none()),
    st.tuples(st.just("add_customer"), st.none(), st.none()),
), min_size=1, max_size=25)


def _pick(db, table: str, index: int):
    rows = list(db.query(f"SELECT id, version FROM {table} ORDER BY id"))
    return rows[index % len(rows)] if rows else None


def _run(db, operation) -> None:
    kind, first, second = operation
    if kind == "add_customer":
        apply(db, ChangeSet("customers", inserts=(NewRow({"name": "随机客户"}),)), actor=ADMIN,
              check_duplicates=False)  # the same name again and again: not what this test is about
    elif kind == "add" and (customer := _pick(db, "customers", first)):
        apply(db, ChangeSet("follow_ups", inserts=(NewRow({"customer_id": customer["id"], "time": second}),)),
              actor=ADMIN)
    elif kind == "move" and (row := _pick(db, "follow_ups", first)) and (customer := _pick(db, "customers", second)):
        apply(db, ChangeSet("follow_ups", edits=(RowEdit(row["id"], row["version"],
                                                         {"customer_id": customer["id"]}),)), actor=ADMIN)
    elif kind == "retime" and (row := _pick(db, "follow_ups", first)):
        apply(db, ChangeSet("follow_ups", edits=(RowEdit(row["id"], row["version"], {"time": second}),)), actor=ADMIN)
    elif kind == "delete" and (row := _pick(db, "follow_ups", first)):
        apply(db, ChangeSet("follow_ups", deletes=(RowDelete(row["id"], row["version"]),)), actor=ADMIN)
    elif kind == "delete_customer" and (customer := _pick(db, "customers", first)):
        apply(db, ChangeSet("customers", deletes=(RowDelete(customer["id"], customer["version"]),)), actor=ADMIN)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_stored_rollups_match_a_fresh_computation_after_any_changes(tmp_path_factory, operations):
    path = tmp_path_factory.mktemp("rollups") / "base.db"
    create_base(path)
    add_admin(path)
    with opened(path) as db:
        for name in ("甲", "乙", "丙"):
            apply(db, ChangeSet("customers", inserts=(NewRow({"name": name}),)), actor=ADMIN)
        for operation in operations:
            _run(db, operation)
        assert stored_drift(db, "customers") == []


def test_the_demo_base_has_no_drift(demo_db):
    assert stored_drift(demo_db, "customers") == []


def test_drift_is_detected_when_a_stored_value_is_wrong(db, make_customer, make_follow_up):
    customer = make_customer()
    make_follow_up(customer, time="2026-11-20 10:00")
    db.execute("UPDATE customers SET follow_up_count = 5 WHERE id = ?", [customer])
    assert stored_drift(db, "customers") == [(customer, "follow_up_count", 5, 1)]


def test_logging_a_follow_up_does_not_count_as_an_edit_of_the_customer(db, make_customer, make_follow_up):
    customer = make_customer()
    make_follow_up(customer)
    assert db["customers"].get(customer)["version"] == 1


def test_a_bulk_load_recomputes_stored_rollups_and_puts_the_triggers_back(db, make_customer, make_follow_up):
    customer = make_customer()
    with write_transaction(db), bulk_load(db, "follow_ups"):
        db.conn.executemany("INSERT INTO follow_ups (customer_id, time) VALUES (?, ?)",
                            [(customer, f"2026-11-{day:02d} 10:00") for day in range(1, 11)])
    assert stored_drift(db, "customers") == []
    make_follow_up(customer, time="2026-11-21 09:00")  # the insert trigger works again
    assert (db["customers"].get(customer)["follow_up_count"], db["customers"].get(customer)["last_follow_up_at"]) == (
        11, "2026-11-21 09:00")
