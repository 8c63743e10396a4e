"""Undo and the trash: a save taken back exactly, never over a newer edit."""

from __future__ import annotations

import pytest

from db.changes import ChangeSet, RowDelete, RowEdit, apply
from db.queries import stored_drift
from db.undo import UndoRefused, last_change, trash, undo


def edit(db, customer: int, user_id: int = 1, **values) -> None:
    version = db["customers"].get(customer)["version"]
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, version, values),)), user_id=user_id)


def plain(db, table: str) -> list[dict]:
    """Rows without the bookkeeping that an undo legitimately moves on."""
    return [{k: v for k, v in row.items() if k not in ("version", "updated_at", "updated_by")}
            for row in db[table].rows]


def test_undoing_an_edit_puts_the_old_values_back(db, make_customer):
    customer = make_customer(contact="王明", stage="lead")
    edit(db, customer, contact="李雷", stage="won")
    undo(db, last_change(db, 1), user_id=1)
    row = db["customers"].get(customer)
    assert (row["contact"], row["stage"]) == ("王明", "lead")


def test_an_undo_of_a_row_someone_changed_since_is_refused_and_writes_nothing(db, make_customer):
    db.execute("INSERT INTO users (username, display_name) VALUES ('lina', '李娜')")
    db.conn.commit()
    customer = make_customer(contact="王明")
    edit(db, customer, user_id=1, contact="李雷")
    mine = last_change(db, 1)
    edit(db, customer, user_id=2, phone="13800138000")
    with pytest.raises(UndoRefused) as refused:
        undo(db, mine, user_id=1)
    assert (refused.value.reason, refused.value.params["who"]) == ("undo.changed_since", "李娜")
    assert db["customers"].get(customer)["contact"] == "李雷"


def test_undoing_a_deletion_brings_the_customer_and_its_follow_ups_back_exactly(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司", contact="王明", tags=["comparing"])
    for day in (1, 2, 3):
        make_follow_up(customer, time=f"2026-11-0{day} 10:00", content=f"第{day}次")
    before = plain(db, "customers"), plain(db, "follow_ups")
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), user_id=1)
    assert (db["customers"].count, db["follow_ups"].count) == (0, 0)

    [deleted] = trash(db)
    assert (deleted.table, deleted.row_ids, deleted.labels, deleted.taken_along) == (
        "customers", [customer], ["甲公司"], 3)
    undo(db, deleted.change_id, user_id=1)

    assert (plain(db, "customers"), plain(db, "follow_ups")) == before
    assert stored_drift(db, "customers") == []
    assert trash(db) == []


def test_undoing_an_addition_removes_it_unless_something_now_hangs_on_it(db, make_customer, make_follow_up):
    alone = make_customer(name="单独")
    undo(db, last_change(db, 1), user_id=1)
    assert db["customers"].count == 0 and alone
    linked = make_customer(name="有跟进")
    added = last_change(db, 1)
    make_follow_up(linked)
    with pytest.raises(UndoRefused) as refused:
        undo(db, added, user_id=1)
    assert refused.value.reason == "undo.has_dependents"


def test_a_change_is_undone_once_and_an_undo_is_not_itself_the_last_change(db, make_customer):
    customer = make_customer(contact="王明")
    edit(db, customer, contact="李雷")
    change = last_change(db, 1)
    undo(db, change, user_id=1)
    with pytest.raises(UndoRefused) as refused:
        undo(db, change, user_id=1)
    assert refused.value.reason == "undo.already"
    assert last_change(db, 1) != change


def test_a_follow_up_whose_customer_is_gone_is_not_restored_before_its_customer(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司")
    lone = make_follow_up(customer, content="先删的跟进")
    make_follow_up(customer, content="随客户删除的跟进")
    apply(db, ChangeSet("follow_ups", deletes=(RowDelete(lone, 1),)), user_id=1)
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, db["customers"].get(customer)["version"]),)),
          user_id=1)
    customer_deletion, follow_up_deletion = trash(db)
    with pytest.raises(UndoRefused) as refused:
        undo(db, follow_up_deletion.change_id, user_id=1)
    assert refused.value.reason == "undo.link_missing"
    undo(db, customer_deletion.change_id, user_id=1)
    undo(db, follow_up_deletion.change_id, user_id=1)
    assert sorted(r["content"] for r in db["follow_ups"].rows) == ["先删的跟进", "随客户删除的跟进"]
    assert stored_drift(db, "customers") == []
