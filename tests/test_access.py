"""The permission matrix: every role × every action, through the data functions themselves.

The UI hides what a role may not do, but the rules live in ``db/``: these
tests call the data functions directly as 管理员, 经理 and 销售 on a copy of
the demo base, and check both that allowed actions work and that refused ones
raise and write nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from db import accounts, pool
from db.access import SYSTEM, AccessDenied
from db.analysis import breakdown
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.connection import opened
from db.errors import InvalidChanges, RowNotFound
from db.history import activity, row_history
from db.kpis import Period
from db.queries import Filter, Query, count_rows, fetch_page, get_row, link_options
from db.undo import last_change, trash, undo
from tests.conftest import ADMIN, LINA, MANAGER, ZHANGWEI

ROLES = {"admin": ADMIN, "manager": MANAGER, "sales": LINA}


@pytest.fixture
def base(demo_file: Path, tmp_path: Path) -> Path:
    """A private copy of the demo base, to write on."""
    return Path(shutil.copy(demo_file, tmp_path / "demo.db"))


def customer_of(db, owner: int | None) -> int:
    """A customer owned by ``owner`` (None: one in the pool) that has follow-ups."""
    owned = "owner_id IS NULL" if owner is None else "owner_id = ?"
    return db.execute(f"SELECT id FROM customers c WHERE {owned} AND follow_up_count > 0 ORDER BY id LIMIT 1",
                      [] if owner is None else [owner]).fetchone()[0]


def follow_up_of(db, customer: int) -> int:
    return db.execute("SELECT id FROM follow_ups WHERE customer_id = ? ORDER BY id LIMIT 1", [customer]).fetchone()[0]


def version(db, table: str, row_id: int) -> int:
    return db.execute(f"SELECT version FROM {table} WHERE id = ?", [row_id]).fetchone()[0]


def edit(db, actor, table: str, row_id: int, **values):
    return apply(db, ChangeSet(table, edits=(RowEdit(row_id, version(db, table, row_id), values),)), actor=actor)


def delete(db, actor, table: str, row_id: int):
    return apply(db, ChangeSet(table, deletes=(RowDelete(row_id, version(db, table, row_id)),)), actor=actor)


def add(db, actor, table: str, **values):
    return apply(db, ChangeSet(table, inserts=(NewRow(values),)), actor=actor)


# Each action does one thing as ``actor``; "mine" is LINA's customer when LINA acts, else ZHANGWEI's.
def read_mine(db, actor, mine, theirs, pool):
    get_row(db, "customers", mine, actor=actor)


def read_pool(db, actor, mine, theirs, pool):
    get_row(db, "customers", pool, actor=actor)


def read_theirs(db, actor, mine, theirs, pool):
    get_row(db, "customers", theirs, actor=actor)


def read_their_follow_ups(db, actor, mine, theirs, pool):
    rows = fetch_page(db, Query("follow_ups", filters=(Filter("customer_id", "in", (theirs,)),)), actor=actor)
    if not rows:
        raise RowNotFound("follow_ups", theirs)


def edit_mine(db, actor, mine, theirs, pool):
    edit(db, actor, "customers", mine, contact="新联系人")


def edit_theirs(db, actor, mine, theirs, pool):
    edit(db, actor, "customers", theirs, contact="新联系人")


def claim_from_pool(db, actor, mine, theirs, pool):
    edit(db, actor, "customers", pool, owner_id=actor.user_id)


def claim_through_the_pool(db, actor, mine, theirs, pool_customer):
    pool.claim(db, actor, [pool_customer])


def release_mine_to_the_pool(db, actor, mine, theirs, pool_customer):
    pool.release(db, actor, [mine], "客户暂无需求")


def release_theirs_to_the_pool(db, actor, mine, theirs, pool_customer):
    pool.release(db, actor, [theirs], "客户暂无需求")


def assign_from_the_pool(db, actor, mine, theirs, pool_customer):
    pool.assign(db, actor, [pool_customer], ZHANGWEI.user_id)


def reassign_mine(db, actor, mine, theirs, pool):
    edit(db, actor, "customers", mine, owner_id=ZHANGWEI.user_id if actor != ZHANGWEI else LINA.user_id)


def add_customer(db, actor, mine, theirs, pool):
    add(db, actor, "customers", name="矩阵测试新客户有限公司")


def log_follow_up_on_mine(db, actor, mine, theirs, pool):
    add(db, actor, "follow_ups", customer_id=mine, time="2026-11-20 10:00", content="电话沟通")


def log_follow_up_on_theirs(db, actor, mine, theirs, pool):
    add(db, actor, "follow_ups", customer_id=theirs, time="2026-11-20 10:00", content="电话沟通")


def delete_my_follow_up(db, actor, mine, theirs, pool):
    delete(db, actor, "follow_ups", follow_up_of(db, mine))


def delete_a_customer(db, actor, mine, theirs, pool):
    delete(db, actor, "customers", mine)


def restore_my_deletion(db, actor, mine, theirs, pool):
    delete(db, actor, "follow_ups", follow_up_of(db, mine))
    undo(db, trash(db, actor=actor)[0].change_id, actor=actor)


def restore_someone_elses_deletion(db, actor, mine, theirs, pool):
    delete(db, SYSTEM, "follow_ups", follow_up_of(db, pool))
    undo(db, trash(db, actor=ADMIN)[0].change_id, actor=actor)


def undo_my_change(db, actor, mine, theirs, pool):
    edit(db, actor, "customers", mine, contact="写错了")
    undo(db, last_change(db, actor), actor=actor)


def undo_someone_elses_change(db, actor, mine, theirs, pool):
    edit(db, ADMIN, "customers", pool, contact="管理员改的")
    undo(db, last_change(db, ADMIN), actor=actor)


def undo_my_new_customer(db, actor, mine, theirs, pool):
    add(db, actor, "customers", name="刚加错的客户有限公司")
    undo(db, last_change(db, actor), actor=actor)  # deletes it: only for those who may delete customers


def undo_a_change_to_a_member(db, actor, mine, theirs, pool):
    edit(db, ADMIN, "users", ZHANGWEI.user_id, role="manager")
    edit(db, ADMIN, "users", ZHANGWEI.user_id, role="sales")
    undo(db, last_change(db, ADMIN), actor=actor)  # would make 张伟 a manager again


def transfer(db, actor, mine, theirs, pool):
    accounts.transfer_customers(db, actor, ZHANGWEI.user_id, MANAGER.user_id)


def manage_members(db, actor, mine, theirs, pool):
    accounts.add_member(db, actor, username="newbie", display_name="新同事", role="sales", password="a-long-pass")


def change_a_role(db, actor, mine, theirs, pool):
    edit(db, actor, "users", ZHANGWEI.user_id, role="manager")


def see_history_of_mine(db, actor, mine, theirs, pool):
    row_history(db, "customers", mine, actor=actor)


def see_history_of_theirs(db, actor, mine, theirs, pool):
    row_history(db, "customers", theirs, actor=actor)


def see_the_activity_log(db, actor, mine, theirs, pool):
    activity(db, actor=actor)


#: action: allowed for (admin, manager, sales).
MATRIX = {
    read_mine: (True, True, True),
    read_pool: (True, True, True),
    read_theirs: (True, True, False),
    read_their_follow_ups: (True, True, False),
    edit_mine: (True, True, True),
    edit_theirs: (True, True, False),
    claim_from_pool: (True, True, True),
    claim_through_the_pool: (True, True, True),
    release_mine_to_the_pool: (True, True, True),
    release_theirs_to_the_pool: (True, True, False),
    assign_from_the_pool: (True, True, False),
    reassign_mine: (True, True, False),
    add_customer: (True, True, True),
    log_follow_up_on_mine: (True, True, True),
    log_follow_up_on_theirs: (True, True, False),
    delete_my_follow_up: (True, True, True),
    delete_a_customer: (True, True, False),
    restore_my_deletion: (True, True, True),
    restore_someone_elses_deletion: (True, True, False),
    undo_my_change: (True, True, True),
    undo_someone_elses_change: (True, True, False),
    undo_my_new_customer: (True, True, False),
    undo_a_change_to_a_member: (True, False, False),
    transfer: (True, True, False),
    manage_members: (True, False, False),
    change_a_role: (True, False, False),
    see_history_of_mine: (True, True, True),
    see_history_of_theirs: (True, True, False),
    see_the_activity_log: (True, True, False),
}
#: Actions that write something themselves before the step that is refused.
SET_UP_WRITES = (restore_someone_elses_deletion, undo_someone_elses_change, undo_my_new_customer,
                 undo_a_change_to_a_member)
CASES = [(action, role, allowed[index]) for action, allowed in MATRIX.items()
         for index, role in enumerate(ROLES)]


def refused(error: Exception) -> bool:
    """Whether ``error`` is one of the ways the core says no."""
    if isinstance(error, InvalidChanges):
        return all(p.reason in ("invalid.outside_scope", "invalid.link_missing") for p in error.problems)
    return isinstance(error, AccessDenied | RowNotFound)


def snapshot_of(db) -> tuple:
    return tuple(db.execute(sql).fetchone()[0] for sql in (
        "SELECT COUNT(*) FROM history", "SELECT COUNT(*) FROM users",
        "SELECT group_concat(id || ':' || version || ':' || IFNULL(owner_id, ''), ',') FROM customers",
        "SELECT COUNT(*) FROM follow_ups"))


@pytest.mark.parametrize(("action", "role", "allowed"), CASES,
                         ids=[f"{a.__name__}-{r}-{'yes' if ok else 'no'}" for a, r, ok in CASES])
def test_every_role_may_do_exactly_what_the_matrix_says(base, action, role, allowed):
    actor = ROLES[role]
    with opened(base) as db:
        mine = customer_of(db, LINA.user_id if actor == LINA else ZHANGWEI.user_id)
        theirs = customer_of(db, ZHANGWEI.user_id if actor == LINA else LINA.user_id)
        pool = customer_of(db, None)
        before = snapshot_of(db)
        if allowed:
            action(db, actor, mine, theirs, pool)
        else:
            with pytest.raises(Exception) as error:
                action(db, actor, mine, theirs, pool)
            assert refused(error.value), error.value
            if action not in SET_UP_WRITES:
                assert snapshot_of(db) == before, "a refused action wrote something"


def test_a_salespersons_grid_count_and_selects_hold_only_their_own_and_pool_customers(demo_db):
    sql = "SELECT COUNT(*) FROM customers WHERE owner_id = ? OR owner_id IS NULL"
    expected = demo_db.execute(sql, [LINA.user_id]).fetchone()[0]
    assert 0 < expected < demo_db["customers"].count
    assert count_rows(demo_db, Query("customers"), actor=LINA) == expected
    owners = {r["owner_id"] for r in fetch_page(demo_db, Query("customers", page_size=1000), actor=LINA)}
    assert owners == {LINA.user_id, None}
    assert len(link_options(demo_db, "customers", actor=LINA)) == expected
    everything = Period(dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    assert sum(g.customers for g in breakdown(demo_db, everything, "stage", actor=LINA)) == expected
    assert count_rows(demo_db, Query("customers"), actor=MANAGER) == demo_db["customers"].count


def test_a_salespersons_new_customer_is_theirs_not_the_pools(base):
    with opened(base) as db:
        new = add(db, LINA, "customers", name="李娜的新客户有限公司").inserted[0]
        assert db["customers"].get(new)["owner_id"] == LINA.user_id


def test_a_disabled_member_can_no_longer_write(base):
    with opened(base) as db:
        edit(db, ADMIN, "users", LINA.user_id, active=0)
        with pytest.raises(AccessDenied):
            add(db, LINA, "customers", name="停用后新增有限公司")


def test_the_ui_never_acts_as_the_system():
    root = Path(__file__).resolve().parent.parent
    sources = [*root.glob("ui/*.py"), *root.glob("pages/*.py"), root / "app.py", *root.glob("web/*.py")]
    assert [p.name for p in sources if "SYSTEM" in p.read_text(encoding="utf-8")] == []


def test_a_salesperson_cannot_undo_onto_a_customer_that_is_no_longer_theirs(base):
    with opened(base) as db:
        mine = customer_of(db, LINA.user_id)
        add(db, LINA, "follow_ups", customer_id=mine, time="2026-11-20 10:00", content="李娜记的")
        added = last_change(db, LINA)
        edit(db, MANAGER, "customers", mine, owner_id=ZHANGWEI.user_id)  # the manager reassigns it
        with pytest.raises(AccessDenied):
            undo(db, added, actor=LINA)  # would delete a follow-up of 张伟's customer
        assert db.execute("SELECT COUNT(*) FROM follow_ups WHERE content = '李娜记的'").fetchone()[0] == 1


def test_members_are_never_deleted_by_an_undo_either(base):
    with opened(base) as db:
        accounts.add_member(db, ADMIN, username="newbie", display_name="新同事", role="sales",
                            password="a-long-pass")
        with pytest.raises(AccessDenied):
            undo(db, last_change(db, ADMIN), actor=ADMIN)
        assert db.execute("SELECT COUNT(*) FROM users WHERE username = 'newbie'").fetchone()[0] == 1
