"""Change sets: validated first, written in one transaction or not at all, never over a newer edit."""

from __future__ import annotations

import datetime as dt

import pytest

from db.access import Actor
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.errors import InvalidChanges, Problem, StaleRow
from db.queries import dependent_counts
from tests.conftest import ADMIN, NOW


def row(db, table: str, row_id: int) -> dict:
    return dict(db[table].get(row_id))


def edit(db, table: str, row_id: int, *, actor: Actor = ADMIN, version: int | None = None, row_no=1, **values):
    version = row(db, table, row_id)["version"] if version is None else version
    return apply(db, ChangeSet(table, edits=(RowEdit(row_id, version, values, row=row_no),)), actor=actor,
                 now=NOW + dt.timedelta(minutes=5))


def test_a_valid_save_writes_exactly_the_edited_cells(db, make_customer):
    customer = make_customer(name="华东精密机械有限公司", phone="13800138000", stage="intent")
    before = row(db, "customers", customer)

    edit(db, "customers", customer, phone="+86 139 0000 1111", contact="王明")

    after = row(db, "customers", customer)
    assert after == before | {
        "phone": "13900001111", "contact": "王明", "version": before["version"] + 1,
        "updated_at": "2026-11-22 10:35:00", "updated_by": 1,
    }


def test_an_invalid_save_writes_nothing_and_names_every_problem(db, make_customer):
    first = make_customer(name="甲公司")
    second = make_customer(name="乙公司")
    before = [row(db, "customers", first), row(db, "customers", second)]
    changes = ChangeSet("customers", edits=(
        RowEdit(first, 1, {"contact": "李雷"}, row=1),  # valid, but must not be written alone
        RowEdit(second, 1, {"phone": "1380013", "email": "not-an-email", "stage": "签约"}, row=2),
    ))

    with pytest.raises(InvalidChanges) as error:
        apply(db, changes, actor=ADMIN)

    assert [(p.row, p.column, p.value, p.reason) for p in error.value.problems] == [
        (2, "phone", "1380013", "invalid.phone"),
        (2, "email", "not-an-email", "invalid.email"),
        (2, "stage", "签约", "invalid.choice"),
    ]
    assert [row(db, "customers", first), row(db, "customers", second)] == before


def test_a_required_column_cannot_be_emptied(db, make_customer):
    customer = make_customer(name="甲公司")
    with pytest.raises(InvalidChanges) as error:
        edit(db, "customers", customer, name="  ")
    assert error.value.problems == [Problem(1, "name", "  ", "invalid.required")]
    assert row(db, "customers", customer)["name"] == "甲公司"


@pytest.mark.parametrize(("column", "value"), [
    ("number", "202601999"), ("created_on", "2020-01-01"), ("follow_up_count", 9), ("last_follow_up_at", "x"),
])
def test_system_and_computed_columns_are_read_only(db, make_customer, column, value):
    customer = make_customer()
    with pytest.raises(InvalidChanges) as error:
        edit(db, "customers", customer, **{column: value})
    assert error.value.problems[0].reason == "invalid.read_only"


def test_a_save_over_a_newer_edit_is_refused_and_says_who_made_it(db, make_customer):
    customer = make_customer(name="甲公司")
    edit(db, "customers", customer, actor=ADMIN, contact="第一个人写的")  # version 1 -> 2

    with pytest.raises(StaleRow) as error:
        edit(db, "customers", customer, actor=ADMIN, version=1, contact="第二个人写的")

    assert (error.value.changed_by, error.value.changed_at, error.value.deleted) == (
        "管理员", "2026-11-22 10:35:00", False)
    assert row(db, "customers", customer)["contact"] == "第一个人写的"


def test_a_stale_row_rolls_back_the_whole_save(db, make_customer):
    fresh = make_customer(name="甲公司")
    stale = make_customer(name="乙公司")
    edit(db, "customers", stale, contact="别人先改了")
    changes = ChangeSet("customers", edits=(
        RowEdit(fresh, 1, {"contact": "不该写入"}, row=1),
        RowEdit(stale, 1, {"contact": "过期版本"}, row=2),
    ))
    with pytest.raises(StaleRow):
        apply(db, changes, actor=ADMIN)
    assert row(db, "customers", fresh)["contact"] is None


def test_editing_a_deleted_row_says_it_is_gone(db, make_customer):
    customer = make_customer()
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    with pytest.raises(StaleRow) as error:
        edit(db, "customers", customer, version=1, contact="王明")
    assert error.value.deleted


def test_a_new_customer_gets_a_number_a_creation_date_and_defaults(db):
    applied = apply(db, ChangeSet("customers", inserts=(NewRow({"name": "新客户有限公司"}),)), actor=ADMIN, now=NOW)
    created = row(db, "customers", applied.inserted[0])
    assert (created["number"], created["created_on"], created["stage"], created["version"]) == (
        "202611001", "2026-11-22", "lead", 1)


def test_a_new_row_without_its_required_columns_is_refused(db):
    with pytest.raises(InvalidChanges) as error:
        apply(db, ChangeSet("customers", inserts=(NewRow({"contact": "王明"}, row="新增第 1 行"),)), actor=ADMIN)
    assert error.value.problems == [Problem("新增第 1 行", "name", None, "invalid.required")]
    assert db["customers"].count == 0


def test_a_new_follow_up_defaults_to_now(db, make_customer):
    customer = make_customer()
    applied = apply(db, ChangeSet("follow_ups", inserts=(NewRow({"customer_id": customer}),)), actor=ADMIN, now=NOW)
    assert row(db, "follow_ups", applied.inserted[0])["time"] == "2026-11-22 10:30"


def test_a_link_to_a_missing_row_is_refused_with_a_message(db, make_customer):
    with pytest.raises(InvalidChanges) as error:
        apply(db, ChangeSet("follow_ups", inserts=(NewRow({"customer_id": 999, "time": "2026-11-20"}, row=1),)),
              actor=ADMIN)
    assert error.value.problems == [Problem(1, "customer_id", 999, "invalid.link_missing")]


def test_deleting_a_customer_takes_its_follow_ups_along(db, make_customer, make_follow_up):
    kept, gone = make_customer(), make_customer()
    make_follow_up(kept)
    for _ in range(3):
        make_follow_up(gone)
    assert dependent_counts(db, "customers", [gone]) == {"follow_ups": 3}

    applied = apply(db, ChangeSet("customers", deletes=(RowDelete(gone, 1),)), actor=ADMIN)

    assert applied.deleted == 1
    assert [r["customer_id"] for r in db["follow_ups"].rows] == [kept]


def test_deleting_a_row_someone_just_edited_is_refused(db, make_customer):
    customer = make_customer()
    edit(db, "customers", customer, contact="刚改过")
    with pytest.raises(StaleRow):
        apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    assert db["customers"].count == 1


def test_a_duplicate_username_is_refused_as_a_problem(db):
    with pytest.raises(InvalidChanges) as error:
        apply(db, ChangeSet("users", inserts=(NewRow({"username": "admin", "display_name": "另一个"}),)), actor=ADMIN)
    assert (error.value.problems[0].column, error.value.problems[0].reason) == ("username", "invalid.unique")


def test_user_text_is_stored_verbatim_and_never_runs_as_sql(db, make_customer):
    hostile = "'); DROP TABLE customers; -- \"x\" [点我](http://x) <script>alert(1)</script>"
    customer = make_customer(name=hostile)
    assert row(db, "customers", customer)["name"] == hostile
    assert db["customers"].exists()
