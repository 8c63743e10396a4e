"""公海: the automatic return at its boundaries, the warning window, claiming within the limit and the
re-claim wait, two claims at once, every move in the history with its reason, undo, and the pages."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest

from db import pool
from db.access import AccessDenied, Actor
from db.changes import ChangeSet, RowEdit, apply
from db.connection import BASE_ENV, opened
from db.errors import InvalidChanges
from db.history import row_history
from db.settings import update_rules
from db.undo import last_change, undo
from tests.conftest import ADMIN, CUSTOMERS_PAGE, LINA, NOW, TODAY, ZHANGWEI, app_for, insert
from web.housekeeping import run_once

SALES = Actor(2, "sales", "李娜")
OTHER = Actor(3, "sales", "张伟")
BOSS = Actor(4, "manager", "王经理")
LONG_AGO = dt.datetime(2026, 1, 5, 9, 0)


@pytest.fixture
def team(db):
    """The empty base with two salespeople (2, 3) and a manager (4) beside its administrator."""
    db.conn.executemany("INSERT INTO users (id, username, display_name, role) VALUES (?, ?, ?, ?)",
                        [(2, "lina", "李娜", "sales"), (3, "zhangwei", "张伟", "sales"),
                         (4, "boss", "王经理", "manager")])
    db.conn.commit()
    return db


def customer(db, *, owner: int | None = None, followed: dt.date | None = None, created: dt.datetime = LONG_AGO,
             name: str | None = None) -> int:
    """A customer created at ``created`` (owned by ``owner`` from then on), followed up once on ``followed``."""
    count = db.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    new = insert(db, "customers", now=created, name=name or f"公海测试{count + 1}有限公司", owner_id=owner)
    if followed:
        insert(db, "follow_ups", now=created, customer_id=new, time=f"{followed.isoformat()} 15:00")
    return new


def owner_of(db, customer_id: int) -> int | None:
    return db.execute("SELECT owner_id FROM customers WHERE id = ?", [customer_id]).fetchone()[0]


def set_rules(db, **values) -> None:
    update_rules(db, ADMIN, values)


# --- the automatic return -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "returns"), [(29, False), (30, True), (31, True), (200, True)])
def test_a_customer_returns_to_the_pool_exactly_when_its_owner_has_not_followed_it_up_for_the_rules_days(
        team, days, returns):
    followed = customer(team, owner=SALES.user_id, followed=TODAY - dt.timedelta(days=days))
    assert pool.return_overdue(team, TODAY, now=NOW) == ([followed] if returns else [])
    assert owner_of(team, followed) == (None if returns else SALES.user_id)


@pytest.mark.parametrize(("days", "returns"), [(29, False), (30, True)])
def test_a_customer_never_followed_up_counts_from_the_day_it_was_created(team, days, returns):
    created = dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(18, 0))
    never = customer(team, owner=SALES.user_id, created=created)
    assert pool.return_overdue(team, TODAY, now=NOW) == ([never] if returns else [])


@pytest.mark.parametrize(("pool_days", "days", "returns"), [(10, 9, False), (10, 10, True), (60, 59, False),
                                                            (60, 60, True)])
def test_the_days_are_the_rules_of_the_base(team, pool_days, days, returns):
    set_rules(team, pool_days=pool_days)
    followed = customer(team, owner=SALES.user_id, followed=TODAY - dt.timedelta(days=days))
    assert bool(pool.return_overdue(team, TODAY, now=NOW)) == returns
    assert (owner_of(team, followed) is None) == returns


@pytest.mark.parametrize(("claimed_days_ago", "returns"), [(29, False), (30, True)])
def test_a_claimed_customer_counts_from_the_day_it_was_claimed_not_from_its_old_follow_ups(
        team, claimed_days_ago, returns):
    old = customer(team, followed=TODAY - dt.timedelta(days=300))
    pool.claim(team, SALES, [old], now=NOW - dt.timedelta(days=claimed_days_ago))
    assert pool.return_overdue(team, TODAY, now=NOW) == ([old] if returns else [])


def test_a_follow_up_logged_after_the_claim_restarts_the_clock(team):
    old = customer(team, followed=TODAY - dt.timedelta(days=300))
    pool.claim(team, SALES, [old], now=NOW - dt.timedelta(days=50))
    insert(team, "follow_ups", customer_id=old, time=(TODAY - dt.timedelta(days=5)).isoformat() + " 10:00")
    assert pool.return_overdue(team, TODAY, now=NOW) == []


def test_pool_customers_and_every_owner_are_handled_in_one_save_by_the_system(team):
    overdue = [customer(team, owner=owner, followed=TODAY - dt.timedelta(days=40)) for owner in (2, 3, 4)]
    already = customer(team, followed=TODAY - dt.timedelta(days=400))
    assert pool.return_overdue(team, TODAY, now=NOW) == overdue
    changes = team.execute("SELECT DISTINCT change_id, user_id FROM history WHERE row_id IN (?, ?, ?) "
                           "AND action = 'update'", overdue).fetchall()
    assert len(changes) == 1 and changes[0][1] is None
    assert owner_of(team, already) is None
    assert pool.return_overdue(team, TODAY, now=NOW) == []  # nothing twice


def test_the_hourly_housekeeping_returns_overdue_customers(base_file):
    with opened(base_file) as db:
        db.execute("INSERT INTO users (id, username, display_name, role) VALUES (2, 'lina', '李娜', 'sales')")
        db.conn.commit()
        due = customer(db, owner=2, followed=TODAY - dt.timedelta(days=30))
        kept = customer(db, owner=2, followed=TODAY - dt.timedelta(days=29))
    done = run_once(base_file, now=NOW)
    assert done["returned_to_pool"] == 1
    with opened(base_file) as db:
        assert (owner_of(db, due), owner_of(db, kept)) == (None, 2)


# --- 即将掉入公海 --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "listed", "days_left"), [(26, False, None), (27, True, 3), (28, True, 2),
                                                           (29, True, 1), (30, True, 0)])
def test_a_customer_is_about_to_return_within_the_warning_days(team, days, listed, days_left):
    followed = customer(team, owner=SALES.user_id, followed=TODAY - dt.timedelta(days=days))
    due = pool.about_to_return(team, SALES, TODAY)
    assert [(d.customer_id, d.days_left) for d in due] == ([(followed, days_left)] if listed else [])
    if listed:
        assert due[0].returns_on == TODAY + dt.timedelta(days=days_left)


@pytest.mark.parametrize(("warning", "days", "listed"), [(7, 22, False), (7, 23, True), (0, 29, False),
                                                         (0, 30, True)])
def test_the_warning_window_is_the_rules_of_the_base(team, warning, days, listed):
    set_rules(team, pool_warning_days=warning)
    customer(team, owner=SALES.user_id, followed=TODAY - dt.timedelta(days=days))
    assert bool(pool.about_to_return(team, SALES, TODAY)) == listed


def test_only_ones_own_customers_are_about_to_return_for_one(team):
    mine = customer(team, owner=SALES.user_id, followed=TODAY - dt.timedelta(days=28))
    customer(team, owner=OTHER.user_id, followed=TODAY - dt.timedelta(days=28))
    customer(team, followed=TODAY - dt.timedelta(days=28))
    assert [d.customer_id for d in pool.about_to_return(team, SALES, TODAY)] == [mine]


# --- claiming -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("owned", "wanted", "refusal"), [
    (4, 1, None),                      # limit − 1: ok, reaching the limit
    (5, 1, "pool.limit_reached"),      # at the limit
    (0, 5, None),
    (3, 3, "pool.over_limit"),         # a multi-claim crossing the limit: refused whole
    (0, 6, "pool.over_limit"),
])
def test_a_claim_is_held_to_the_limit_counting_what_one_owns_and_is_refused_whole(team, owned, wanted, refusal):
    set_rules(team, claim_limit=5)
    for _ in range(owned):
        customer(team, owner=SALES.user_id)
    free = [customer(team) for _ in range(wanted)]
    versions = team.execute("SELECT group_concat(version) FROM customers").fetchone()
    if refusal is None:
        assert pool.claim(team, SALES, free, now=NOW) == wanted
        assert {owner_of(team, i) for i in free} == {SALES.user_id}
        return
    with pytest.raises(pool.PoolRefused) as refused:
        pool.claim(team, SALES, free, now=NOW)
    assert refused.value.reason == refusal
    assert refused.value.params["owned"] == owned and refused.value.params["limit"] == 5
    assert {owner_of(team, i) for i in free} == {None}
    assert team.execute("SELECT group_concat(version) FROM customers").fetchone() == versions
    assert team.execute("SELECT COUNT(*) FROM pool_moves").fetchone()[0] == 0


@pytest.mark.parametrize(("days_after", "refused", "wait"), [(0, True, 7), (1, True, 6), (6, True, 1),
                                                              (7, False, None), (30, False, None)])
def test_one_cannot_claim_back_a_customer_one_released_within_the_rules_days(team, days_after, refused, wait):
    mine = customer(team, owner=SALES.user_id, name="回头客有限公司")
    released = NOW - dt.timedelta(days=days_after)
    pool.release(team, SALES, [mine], "客户暂无需求", now=released)
    if not refused:
        assert pool.claim(team, SALES, [mine], now=NOW) == 1
        return
    with pytest.raises(pool.PoolRefused) as error:
        pool.claim(team, SALES, [mine], now=NOW)
    expected = "pool.reclaim_released_today" if days_after == 0 else "pool.reclaim_released"
    assert (error.value.reason, error.value.params) == (expected, {"name": "回头客有限公司", "days": days_after,
                                                                   "wait": wait})
    assert owner_of(team, mine) is None


def test_someone_else_may_claim_a_released_customer_at_once(team):
    mine = customer(team, owner=SALES.user_id)
    pool.release(team, SALES, [mine], "交给同事", now=NOW)
    assert pool.claim(team, OTHER, [mine], now=NOW) == 1


def test_a_customer_returned_for_want_of_follow_up_cannot_be_claimed_back_by_its_owner_at_once(team):
    late = customer(team, owner=SALES.user_id, followed=TODAY - dt.timedelta(days=31))
    pool.return_overdue(team, TODAY, now=NOW)
    with pytest.raises(pool.PoolRefused) as error:
        pool.claim(team, SALES, [late], now=NOW + dt.timedelta(days=3))
    assert (error.value.reason, error.value.params["wait"]) == ("pool.reclaim_returned", 4)
    assert pool.claim(team, SALES, [late], now=NOW + dt.timedelta(days=7)) == 1


def test_two_salespeople_claiming_one_customer_at_once_one_wins_and_the_other_is_told_who(base_file):
    with opened(base_file) as db:
        db.conn.executemany("INSERT INTO users (id, username, display_name, role) VALUES (?, ?, ?, 'sales')",
                            [(2, "lina", "李娜"), (3, "zhangwei", "张伟")])
        db.conn.commit()
        wanted = customer(db, name="抢手客户有限公司")
    start, outcomes = threading.Barrier(2), {}

    def claim_as(actor: Actor) -> None:
        with opened(base_file) as db:
            start.wait()
            try:
                outcomes[actor.name] = pool.claim(db, actor, [wanted])
            except pool.PoolRefused as refused:
                outcomes[actor.name] = refused

    threads = [threading.Thread(target=claim_as, args=(actor,)) for actor in (SALES, OTHER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, outcome in outcomes.items() if outcome == 1]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, pool.PoolRefused)]
    assert len(winners) == 1 and len(losers) == 1
    # the customer is now out of the loser's sight: she learns who took it, not its name again
    assert (losers[0].reason, losers[0].params) == ("pool.taken_by", {"who": winners[0]})
    with opened(base_file) as db:
        assert db.execute("SELECT COUNT(*) FROM pool_moves").fetchone()[0] == 1


def test_a_claim_of_a_customer_someone_owns_is_refused_whole(team):
    free, taken = customer(team), customer(team, owner=OTHER.user_id, name="别人的客户有限公司")
    with pytest.raises(pool.PoolRefused) as error:
        pool.claim(team, SALES, [free, taken], now=NOW)
    assert error.value.reason == "pool.taken_by" and "name" not in error.value.params  # not hers to know
    assert owner_of(team, free) is None


def test_the_pool_page_holds_only_customers_without_an_owner_even_when_searching_for_anothers(team):
    free = customer(team, name="华东公海机械有限公司")
    customer(team, owner=OTHER.user_id, name="华东张伟机械有限公司")
    customer(team, owner=SALES.user_id, name="华东李娜机械有限公司")
    for actor in (SALES, BOSS):
        total, rows = pool.pool_page(team, actor, search="华东", today=TODAY)
        assert (total, [r["id"] for r in rows]) == (1, [free])


# --- releasing and assigning --------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", "x" * (pool.MAX_NOTE + 1)])
def test_a_release_needs_a_short_reason(team, reason):
    mine = customer(team, owner=SALES.user_id)
    with pytest.raises(pool.PoolRefused):
        pool.release(team, SALES, [mine], reason, now=NOW)
    assert owner_of(team, mine) == SALES.user_id


def test_a_salesperson_releases_only_their_own_customers_and_a_manager_anyones(team):
    theirs = customer(team, owner=OTHER.user_id)
    with pytest.raises(AccessDenied):
        pool.release(team, SALES, [theirs], "不是我的", now=NOW)
    assert pool.release(team, BOSS, [theirs], "张伟跟不过来", now=NOW) == 1


def test_a_manager_assigns_pool_customers_to_an_active_member_beyond_the_claim_limit(team):
    set_rules(team, claim_limit=1)
    customer(team, owner=SALES.user_id)
    free = [customer(team), customer(team)]
    with pytest.raises(AccessDenied):
        pool.assign(team, OTHER, free, SALES.user_id, now=NOW)
    assert pool.assign(team, BOSS, free, SALES.user_id, now=NOW) == 2
    assert pool.owned_count(team, SALES.user_id) == 3
    team.execute("UPDATE users SET active = 0 WHERE id = 3")
    with pytest.raises(pool.PoolRefused):
        pool.assign(team, BOSS, [customer(team)], OTHER.user_id, now=NOW)


# --- the history ----------------------------------------------------------------------------------------------------

def test_every_move_is_in_the_customers_history_with_its_reason(team):
    moving = customer(team, followed=TODAY - dt.timedelta(days=100))
    pool.claim(team, SALES, [moving], now=NOW - dt.timedelta(days=60))
    pool.return_overdue(team, TODAY - dt.timedelta(days=20), now=NOW - dt.timedelta(days=20))
    pool.assign(team, BOSS, [moving], OTHER.user_id, now=NOW - dt.timedelta(days=10))
    pool.release(team, OTHER, [moving], "客户已转给代理商", now=NOW)
    entries = row_history(team, "customers", moving, actor=BOSS)
    moves = [(e.user, e.changes["owner_id"], e.pool_reason, e.pool_note) for e in entries if "owner_id" in e.changes]
    assert moves == [
        ("张伟", (3, None), "released", "客户已转给代理商"),
        ("王经理", (None, 3), "assigned", None),
        (None, (2, None), "returned_overdue", None),
        ("李娜", (None, 2), "claimed", None),
    ]


def test_grid_edits_of_the_owner_are_moves_too_and_a_salespersons_is_held_to_the_limit(team):
    set_rules(team, claim_limit=1)
    first, second = customer(team), customer(team)

    def take(actor: Actor, customer_id: int, owner: int | None):
        version = team.execute("SELECT version FROM customers WHERE id = ?", [customer_id]).fetchone()[0]
        apply(team, ChangeSet("customers", edits=(RowEdit(customer_id, version, {"owner_id": owner}, row=1),)),
              actor=actor, now=NOW)

    take(SALES, first, SALES.user_id)
    with pytest.raises(InvalidChanges) as refused:
        take(SALES, second, SALES.user_id)
    assert [(p.column, p.reason) for p in refused.value.problems] == [("owner_id", "pool.limit_reached")]
    take(SALES, first, None)
    take(BOSS, second, OTHER.user_id)
    assert [(m["reason"], m["from_owner"], m["to_owner"]) for m in pool.moves_of(team, first)] == [
        ("claimed", None, 2), ("released", 2, None)]
    assert [m["reason"] for m in pool.moves_of(team, second)] == ["assigned"]


def test_a_claim_is_undone_like_any_save_and_the_undo_is_a_move_too(team):
    wanted = customer(team)
    pool.claim(team, SALES, [wanted], now=NOW)
    undo(team, last_change(team, SALES), actor=SALES)
    assert owner_of(team, wanted) is None
    assert [m["reason"] for m in pool.moves_of(team, wanted)] == ["claimed", "undone"]
    assert pool.claim(team, SALES, [wanted], now=NOW) == 1  # an undone claim is not a release


# --- the pages ------------------------------------------------------------------------------------------------------

@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the demo base, the one the app serves."""
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def first_in_pool(path: Path) -> int:
    with opened(path) as db:
        return db.execute("SELECT id FROM customers WHERE owner_id IS NULL ORDER BY id LIMIT 1").fetchone()[0]


def test_a_salesperson_sees_only_pool_customers_on_the_pool_page_and_claims_one(demo_copy):
    with opened(demo_copy) as db:
        pool_names = {r[0] for r in db.execute("SELECT name FROM customers WHERE owner_id IS NULL")}
        others = {r[0] for r in db.execute("SELECT name FROM customers WHERE owner_id IS NOT NULL")}
    app = app_for(demo_copy, "lina").run()
    app.switch_page("pages/pool.py").run()
    assert not app.exception
    listed = set(app.dataframe[-1].value["客户名称"])
    assert listed == pool_names and not listed & others
    wanted = first_in_pool(demo_copy)
    app.multiselect(key="pool.pick").select(wanted)
    app.button[0].click().run()  # 领取 (a salesperson has no assign select)
    assert [s.value for s in app.success] == ["已领取 1 个客户，它们现在在你的客户列表里。"]
    with opened(demo_copy) as db:
        assert owner_of(db, wanted) == LINA.user_id


def test_the_pool_page_says_why_a_claim_was_refused(demo_copy):
    with opened(demo_copy) as db:
        owned = pool.owned_count(db, LINA.user_id)
        update_rules(db, ADMIN, {"claim_limit": owned})
    app = app_for(demo_copy, "lina").run()
    app.switch_page("pages/pool.py").run()
    app.multiselect(key="pool.pick").select(first_in_pool(demo_copy))
    app.button[0].click().run()
    assert [e.value for e in app.error] == [f"你已拥有 {owned} 个客户，达到上限（{owned} 个），不能再领取。"
                                            "请先跟进、成交或放回一些客户。"]


def test_a_manager_assigns_from_the_pool_page(demo_copy):
    app = app_for(demo_copy, "wanghaitao").run()
    app.switch_page("pages/pool.py").run()
    app.multiselect(key="pool.pick").select(first_in_pool(demo_copy))
    app.selectbox(key="pool.assign_to").set_value(ZHANGWEI.user_id)
    next(b for b in app.button if b.label == "分配").click().run()
    assert "已把 1 个客户分配给 张伟。" in [s.value for s in app.success]


def test_the_owner_releases_a_customer_from_its_detail_with_a_reason_shown_in_its_history(demo_copy):
    with opened(demo_copy) as db:
        mine = db.execute("SELECT id FROM customers WHERE owner_id = 3 ORDER BY id LIMIT 1").fetchone()[0]
    app = app_for(demo_copy, "lina", page=CUSTOMERS_PAGE)
    app.query_params["customer"] = str(mine)
    app.run()
    app.text_input(key=f"customer.{mine}.release.reason").input("客户**暂无**需求 [链接](http://x)")
    next(b for b in app.button if b.label == "放回公海").click().run()
    assert not app.exception
    with opened(demo_copy) as db:
        assert owner_of(db, mine) is None
    history = app.dataframe[-1].value
    assert "放回公海：客户**暂无**需求 [链接](http://x)" in set(history["操作"])  # a table cell: text, not Markdown


def test_a_salesperson_sees_no_release_button_on_a_pool_customer(demo_copy):
    with opened(demo_copy) as db:
        free = db.execute("SELECT id FROM customers WHERE owner_id IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    app = app_for(demo_copy, "lina", page=CUSTOMERS_PAGE)
    app.query_params["customer"] = str(free)
    app.run()
    assert "放回公海" not in [b.label for b in app.button]


def test_the_pool_page_renders_in_english_for_a_manager(demo_copy):
    app = app_for(demo_copy, "wanghaitao", lang="en").run()
    app.switch_page("pages/pool.py").run()
    assert not app.exception
    assert app.title[0].value == "Public pool"


def test_undoing_a_release_gives_back_the_old_clock_not_a_fresh_one(team):
    kept = customer(team, owner=SALES.user_id, created=LONG_AGO)  # owned since January, never followed up
    clock = team.execute("SELECT since FROM owned_since WHERE customer_id = ?", [kept]).fetchone()
    pool.release(team, SALES, [kept], "先放一放", now=NOW)
    undo(team, last_change(team, SALES), actor=SALES, now=NOW)
    assert owner_of(team, kept) == SALES.user_id
    assert team.execute("SELECT since FROM owned_since WHERE customer_id = ?", [kept]).fetchone() == clock
    assert kept in pool.return_overdue(team, TODAY, now=NOW)  # still overdue: release + undo bought no time


def test_undoing_a_release_after_a_claim_gives_back_the_claims_clock(team):
    kept = customer(team)
    claimed_at = dt.datetime(2026, 10, 1, 9, 0)
    pool.claim(team, SALES, [kept], now=claimed_at)
    pool.release(team, SALES, [kept], "先放一放", now=NOW)
    undo(team, last_change(team, SALES), actor=SALES, now=NOW)
    assert team.execute("SELECT since FROM owned_since WHERE customer_id = ?", [kept]).fetchone()[0] == \
        claimed_at.strftime("%Y-%m-%d %H:%M:%S")
