"""Undo and the trash: a save taken back exactly, never over a newer edit."""

from __future__ import annotations

import pytest

from db.access import Actor
from db.changes import ChangeSet, RowDelete, RowEdit, apply
from db.errors import StaleRow
from db.queries import stored_drift
from db.undo import UndoRefused, last_change, trash, undo
from tests.conftest import ADMIN, MANAGER, WON


def edit(db, customer: int, actor: Actor = ADMIN, **values) -> None:
    version = db["customers"].get(customer)["version"]
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, version, values),)), actor=actor)


def plain(db, table: str) -> list[dict]:
    """Rows without the bookkeeping that an undo legitimately moves on."""
    return [{k: v for k, v in row.items() if k not in ("version", "updated_at", "updated_by")}
            for row in db[table].rows]


def test_undoing_an_edit_puts_the_old_values_back(db, make_customer):
    customer = make_customer(contact="王明", stage="lead")
    edit(db, customer, contact="李雷", stage="won", **WON)
    undo(db, last_change(db, ADMIN), actor=ADMIN)
    row = db["customers"].get(customer)
    assert (row["contact"], row["stage"], row["won_amount"]) == ("王明", "lead", None)


def test_an_undo_of_a_row_someone_changed_since_is_refused_and_writes_nothing(db, make_customer):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (2, 'lina', '李娜', 'manager')")
    db.conn.commit()
    customer = make_customer(contact="王明")
    edit(db, customer, actor=ADMIN, contact="李雷")
    mine = last_change(db, ADMIN)
    edit(db, customer, actor=MANAGER, phone="13800138000")
    with pytest.raises(UndoRefused) as refused:
        undo(db, mine, actor=ADMIN)
    assert (refused.value.reason, refused.value.params["who"]) == ("undo.changed_since", "李娜")
    assert db["customers"].get(customer)["contact"] == "李雷"


def test_undoing_a_deletion_brings_the_customer_and_its_follow_ups_back_exactly(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司", contact="王明", tags=["comparing"])
    for day in (1, 2, 3):
        make_follow_up(customer, time=f"2026-11-0{day} 10:00", content=f"第{day}次")
    before = plain(db, "customers"), plain(db, "follow_ups")
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    assert (db["customers"].count, db["follow_ups"].count) == (0, 0)

    [deleted] = trash(db, actor=ADMIN)
    assert (deleted.table, deleted.row_ids, deleted.labels, deleted.taken_along) == (
        "customers", [customer], ["甲公司"], 3)
    undo(db, deleted.change_id, actor=ADMIN)

    assert (plain(db, "customers"), plain(db, "follow_ups")) == before
    assert stored_drift(db, "customers") == []
    assert trash(db, actor=ADMIN) == []


def test_undoing_an_addition_removes_it_unless_something_now_hangs_on_it(db, make_customer, make_follow_up):
    alone = make_customer(name="单独")
    undo(db, last_change(db, ADMIN), actor=ADMIN)
    assert db["customers"].count == 0 and alone
    linked = make_customer(name="有跟进")
    added = last_change(db, ADMIN)
    make_follow_up(linked)
    with pytest.raises(UndoRefused) as refused:
        undo(db, added, actor=ADMIN)
    assert refused.value.reason == "undo.has_dependents"


def test_a_change_is_undone_once_and_an_undo_is_not_itself_the_last_change(db, make_customer):
    customer = make_customer(contact="王明")
    edit(db, customer, contact="李雷")
    change = last_change(db, ADMIN)
    undo(db, change, actor=ADMIN)
    with pytest.raises(UndoRefused) as refused:
        undo(db, change, actor=ADMIN)
    assert refused.value.reason == "undo.already"
    assert last_change(db, ADMIN) != change


def test_a_follow_up_whose_customer_is_gone_is_not_restored_before_its_customer(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司")
    lone = make_follow_up(customer, content="先删的跟进")
    make_follow_up(customer, content="随客户删除的跟进")
    apply(db, ChangeSet("follow_ups", deletes=(RowDelete(lone, 1),)), actor=ADMIN)
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, db["customers"].get(customer)["version"]),)),
          actor=ADMIN)
    customer_deletion, follow_up_deletion = trash(db, actor=ADMIN)
    with pytest.raises(UndoRefused) as refused:
        undo(db, follow_up_deletion.change_id, actor=ADMIN)
    assert refused.value.reason == "undo.link_missing"
    undo(db, customer_deletion.change_id, actor=ADMIN)
    undo(db, follow_up_deletion.change_id, actor=ADMIN)
    assert sorted(r["content"] for r in db["follow_ups"].rows) == ["先删的跟进", "随客户删除的跟进"]
    assert stored_drift(db, "customers") == []


def test_an_id_is_never_given_out_twice_so_a_stale_grid_cannot_touch_a_newer_row(db, make_customer):
    make_customer(name="甲公司")
    second = make_customer(name="乙公司")
    apply(db, ChangeSet("customers", deletes=(RowDelete(second, 1),)), actor=ADMIN)
    third = make_customer(name="丙公司")
    assert third > second  # SQLite alone would hand out the deleted highest id again
    applied = apply(db, ChangeSet("customers", deletes=(RowDelete(second, 1),)), actor=ADMIN)  # a stale grid
    assert applied.deleted == 0 and db["customers"].get(third)["name"] == "丙公司"


def test_a_restored_row_comes_back_above_its_last_version_so_stale_edits_stay_refused(db, make_customer):
    customer = make_customer(contact="王明")
    edit(db, customer, contact="李雷")  # version 2: someone's grid still shows this
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 2),)), actor=ADMIN)
    undo(db, trash(db, actor=ADMIN)[0].change_id, actor=ADMIN)
    assert db["customers"].get(customer)["version"] == 3
    with pytest.raises(StaleRow):
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 2, {"contact": "过时的修改"}),)), actor=ADMIN)
