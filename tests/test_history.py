"""History: every change is recorded — who, when, which columns, before → after — in the change's transaction."""

from __future__ import annotations

import sqlite3

import pytest

from db.changes import ChangeSet, RowDelete, RowEdit, apply
from db.errors import InvalidChanges
from db.history import row_history
from tests.conftest import ADMIN, NOW


def changes_of(db, table: str, row_id: int) -> list[tuple[str, dict]]:
    entries = row_history(db, table, row_id, actor=ADMIN)
    return [(e.action, e.changes) for e in entries if e.table == table and e.row_id == row_id]


def test_an_edit_records_only_the_columns_that_changed_with_before_and_after(db, make_customer):
    customer = make_customer(name="甲公司", contact="王明", stage="lead")
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {"contact": "李雷", "stage": "lead",
                                                                  "phone": "138 0013 8000"}),)), actor=ADMIN, now=NOW)
    latest = row_history(db, "customers", customer, actor=ADMIN)[0]
    assert (latest.action, latest.user, latest.at, latest.changes) == (
        "update", "管理员", "2026-11-22 10:30:00", {"contact": ("王明", "李雷"), "phone": (None, "13800138000")})


def test_a_new_row_is_recorded_with_every_value_it_got(db, make_customer):
    customer = make_customer(name="甲公司")
    assert changes_of(db, "customers", customer) == [("insert", {
        "number": (None, "202611001"), "name": (None, "甲公司"), "stage": (None, "lead"),
        "created_on": (None, "2026-11-22")})]


def test_deleting_a_customer_records_it_and_the_follow_ups_it_took_along(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司")
    follow_up = make_follow_up(customer, time="2026-11-20 10:00", content="电话沟通")
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    entries = row_history(db, "customers", customer, actor=ADMIN)
    assert [(e.table, e.action) for e in entries] == [
        ("customers", "delete"), ("follow_ups", "delete"), ("follow_ups", "insert"), ("customers", "insert")]
    assert entries[1].row_id == follow_up
    assert entries[1].changes["content"] == ("电话沟通", None)


def test_a_rejected_save_leaves_no_history(db, make_customer):
    customer = make_customer()
    with pytest.raises(InvalidChanges):
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {"contact": "李雷", "phone": "123"}),)),
              actor=ADMIN)
    assert [e.action for e in row_history(db, "customers", customer, actor=ADMIN)] == ["insert"]


@pytest.mark.parametrize("statement", ["UPDATE history SET changes = '{}'", "DELETE FROM history"])
def test_history_cannot_be_rewritten(db, make_customer, statement):
    make_customer()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(statement)


def test_the_entries_of_one_save_share_a_change_id(db, make_customer):
    first, second = make_customer(name="甲"), make_customer(name="乙")
    apply(db, ChangeSet("customers", edits=(RowEdit(first, 1, {"contact": "王明"}),
                                            RowEdit(second, 1, {"contact": "李雷"}))), actor=ADMIN)
    latest = [row_history(db, "customers", c, actor=ADMIN)[0] for c in (first, second)]
    assert latest[0].change_id == latest[1].change_id > row_history(db, "customers", second, actor=ADMIN)[1].change_id


def test_a_follow_up_moved_to_another_customer_takes_its_later_history_along(db, make_customer, make_follow_up):
    first, second = make_customer(name="甲公司"), make_customer(name="乙公司")
    follow_up = make_follow_up(first, content="在甲公司时写的")
    apply(db, ChangeSet("follow_ups", edits=(RowEdit(follow_up, 1, {"customer_id": second}),)), actor=ADMIN)
    apply(db, ChangeSet("follow_ups", edits=(RowEdit(follow_up, 2, {"content": "移到乙公司之后写的"}),)),
          actor=ADMIN)
    of_first = [e.changes for e in row_history(db, "customers", first, actor=ADMIN) if e.table == "follow_ups"]
    of_second = [e.changes for e in row_history(db, "customers", second, actor=ADMIN) if e.table == "follow_ups"]
    assert [c.get("customer_id") for c in of_first] == [(first, second), (None, first)]  # the move, the insert
    assert "移到乙公司之后写的" not in str(of_first)
    assert [list(c) for c in of_second] == [["content"], ["customer_id"]]
