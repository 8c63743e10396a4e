"""Accounts: passwords, login, throttling, sessions and their end, members, transfer, the trash's purge."""

from __future__ import annotations

import datetime as dt

import pytest

from db import accounts, snapshots
from db.accounts import AccountError, LoginRefused
from db.changes import ChangeSet, RowDelete, RowEdit, apply
from db.demo import create_base
from db.errors import InvalidChanges
from db.undo import UndoRefused, last_change, purge_trash, trash, undo
from tests.conftest import ADMIN, ADMIN_NAME, ADMIN_PASSWORD, NOW

T0 = dt.datetime(2026, 11, 25, 9, 0)


def test_a_password_is_stored_salted_and_slow_never_in_clear(db):
    stored = db.execute("SELECT password_hash FROM users WHERE id = 1").fetchone()[0]
    assert stored.startswith("scrypt$") and ADMIN_PASSWORD not in stored
    assert accounts.hash_password("同一个密码") != accounts.hash_password("同一个密码")  # a salt each


def test_the_right_password_opens_a_session_the_wrong_one_does_not(db):
    token = accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD, now=T0)
    assert accounts.session_actor(db, token, now=T0).role == "admin"
    with pytest.raises(LoginRefused) as wrong:
        accounts.login(db, ADMIN_NAME, "not-the-password", now=T0)
    with pytest.raises(LoginRefused) as unknown:
        accounts.login(db, "nobody", "whatever-1", now=T0)
    assert wrong.value.reason == unknown.value.reason == "login.wrong"  # nothing tells which usernames exist
    assert accounts.session_actor(db, "a-made-up-token", now=T0) is None
    assert db.execute("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", [token]).fetchone()[0] == 0  # hashed


@pytest.mark.parametrize(("failures", "seconds_later", "waits"), [
    (accounts.FREE_TRIES - 1, 0, 0),
    (accounts.FREE_TRIES, 0, 1),
    (accounts.FREE_TRIES, 1, 0),
    (accounts.FREE_TRIES + 3, 7, 1),
    (accounts.FREE_TRIES + 3, 8, 0),
    (accounts.FREE_TRIES + 30, 10, accounts.MAX_WAIT_SECONDS - 10),
])
def test_repeated_failures_slow_the_next_try_down(db, failures, seconds_later, waits):
    """Free tries, then a wait that doubles with each failure: 1 s, 2 s, 4 s, 8 s … up to 5 minutes."""
    db.execute("INSERT INTO login_failures VALUES ('nobody', ?, ?)", [failures, f"{T0:%Y-%m-%d %H:%M:%S}"])
    db.conn.commit()
    assert accounts.wait_seconds(db, "nobody", now=T0 + dt.timedelta(seconds=seconds_later)) == waits


def test_while_waiting_even_the_right_password_is_turned_away_and_a_success_clears_the_count(db):
    for _ in range(accounts.FREE_TRIES):
        with pytest.raises(LoginRefused):
            accounts.login(db, ADMIN_NAME, "wrong-wrong", now=T0)
    with pytest.raises(LoginRefused) as waiting:
        accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD, now=T0)
    assert (waiting.value.reason, waiting.value.params) == ("login.wait", {"seconds": 1})
    accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD, now=T0 + dt.timedelta(seconds=2))
    assert accounts.wait_seconds(db, ADMIN_NAME, now=T0) == 0


def test_a_session_ends_after_the_idle_time_and_lives_while_used(db, monkeypatch):
    monkeypatch.setenv(accounts.IDLE_ENV, "30")
    token = accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD, now=T0)
    assert accounts.session_actor(db, token, now=T0 + dt.timedelta(minutes=29)) is not None  # used: kept alive
    assert accounts.session_actor(db, token, now=T0 + dt.timedelta(minutes=58)) is not None
    assert accounts.session_actor(db, token, now=T0 + dt.timedelta(minutes=89)) is None
    assert accounts.session_actor(db, token, now=T0 + dt.timedelta(minutes=90)) is None  # and it is gone


def test_logout_ends_one_session_and_logout_everywhere_ends_them_all(db):
    first, second, third = (accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD, now=T0) for _ in range(3))
    accounts.logout(db, first)
    assert [accounts.session_actor(db, t, now=T0) is not None for t in (first, second, third)] == [
        False, True, True]
    assert accounts.logout_everywhere(db, 1) == 2
    assert accounts.session_actor(db, second, now=T0) is None


def test_disabling_a_member_ends_their_sessions_and_they_cannot_log_in(db):
    member = accounts.add_member(db, ADMIN, username="lina", display_name="李娜", role="sales",
                                 password="lina-password")
    token = accounts.login(db, "lina", "lina-password", now=T0)
    apply(db, ChangeSet("users", edits=(RowEdit(member, 1, {"active": 0}),)), actor=ADMIN)
    assert accounts.session_actor(db, token, now=T0) is None
    with pytest.raises(LoginRefused) as refused:
        accounts.login(db, "lina", "lina-password", now=T0)
    assert refused.value.reason == "login.disabled"


def test_a_password_reset_ends_every_session_of_that_member(db):
    token = accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD, now=T0)
    with pytest.raises(AccountError) as refused:  # one's own password: only with the current one
        accounts.set_password(db, ADMIN, 1, "a-brand-new-one", current="a-wrong-guess")
    assert refused.value.reason == "account.wrong_password"
    assert accounts.session_actor(db, token, now=T0) is not None
    accounts.set_password(db, ADMIN, 1, "a-brand-new-one", current=ADMIN_PASSWORD)
    assert accounts.session_actor(db, token, now=T0) is None
    assert accounts.session_actor(db, accounts.login(db, ADMIN_NAME, "a-brand-new-one", now=T0), now=T0)


@pytest.mark.parametrize("values", [{"role": "sales"}, {"active": 0}])
def test_the_last_active_administrator_cannot_be_demoted_or_disabled(db, values):
    with pytest.raises(InvalidChanges) as refused:
        apply(db, ChangeSet("users", edits=(RowEdit(1, 1, values),)), actor=ADMIN)
    assert refused.value.problems[0].reason == "invalid.last_admin"
    assert db["users"].get(1)["role"] == "admin" and db["users"].get(1)["active"] == 1


def test_members_are_never_deleted_and_usernames_are_unique(db):
    accounts.add_member(db, ADMIN, username="lina", display_name="李娜", role="sales", password="lina-password")
    with pytest.raises(InvalidChanges):
        accounts.add_member(db, ADMIN, username="lina", display_name="另一个李娜", role="sales",
                            password="lina-password")
    with pytest.raises(accounts.access.AccessDenied):
        apply(db, ChangeSet("users", deletes=(RowDelete(2, 1),)), actor=ADMIN)
    with pytest.raises(AccountError):
        accounts.add_member(db, ADMIN, username="short", display_name="短密码", role="sales", password="1234567")


def test_first_start_creates_one_administrator_and_only_once(tmp_path):
    create_base(tmp_path / "new.db")
    from db.connection import opened

    with opened(tmp_path / "new.db") as db:
        assert accounts.needs_setup(db)
        with pytest.raises(AccountError):
            accounts.create_first_admin(db, "boss", "老板", "short")
        accounts.create_first_admin(db, "boss", "老板", "boss-password")
        assert not accounts.needs_setup(db)
        with pytest.raises(AccountError) as again:
            accounts.create_first_admin(db, "intruder", "闯入者", "intruder-password")
        assert again.value.reason == "account.setup_done"
        assert [r["username"] for r in db["users"].rows] == ["boss"]


def test_a_transfer_moves_every_customer_after_a_snapshot_and_one_undo_takes_it_back(db, base_file, make_customer):
    leaver = accounts.add_member(db, ADMIN, username="leaver", display_name="离职者", role="sales",
                                 password="leaver-password")
    heir = accounts.add_member(db, ADMIN, username="heir", display_name="接手人", role="sales",
                               password="heir-password")
    theirs = [make_customer(owner_id=leaver) for _ in range(3)]
    other = make_customer(owner_id=heir)
    assert accounts.transfer_customers(db, ADMIN, leaver, heir, now=NOW) == 3
    owners = {r["id"]: r["owner_id"] for r in db["customers"].rows}
    assert owners == {**dict.fromkeys(theirs, heir), other: heir}
    assert [s.reason for s in snapshots.listing(base_file)] == ["before-bulk"]
    undo(db, last_change(db, ADMIN), actor=ADMIN)
    assert [db["customers"].get(c)["owner_id"] for c in theirs] == [leaver] * 3
    with pytest.raises(AccountError):
        accounts.transfer_customers(db, ADMIN, heir, heir)


def test_the_trash_is_emptied_after_its_retention_and_a_purged_deletion_cannot_come_back(db, make_customer,
                                                                                          make_follow_up):
    old, recent = make_customer(name="很久以前删除的有限公司"), make_customer(name="昨天删除的有限公司")
    make_follow_up(old, content="旧的跟进")
    apply(db, ChangeSet("customers", deletes=(RowDelete(old, 1),)), actor=ADMIN, now=NOW - dt.timedelta(days=31))
    apply(db, ChangeSet("customers", deletes=(RowDelete(recent, 1),)), actor=ADMIN, now=NOW - dt.timedelta(days=1))
    assert len(trash(db, actor=ADMIN, days=60, today=NOW.date())) == 2

    assert purge_trash(db, days=30, now=NOW) == 2  # the old customer and its follow-up
    [left] = trash(db, actor=ADMIN, days=60, today=NOW.date())
    assert left.labels == ["昨天删除的有限公司"]
    erased = db.execute("SELECT changes FROM history WHERE table_name = 'customers' AND row_id = ?", [old]).fetchall()
    assert erased and {row[0] for row in erased} == {"{}"}
    assert "很久以前" not in str(db.execute("SELECT group_concat(changes) FROM history").fetchone()[0])
    purged_change = db.execute("SELECT change_id FROM history WHERE row_id = ? AND action = 'delete' "
                               "AND table_name = 'customers'", [old]).fetchone()[0]
    with pytest.raises(UndoRefused) as refused:
        undo(db, purged_change, actor=ADMIN)
    assert refused.value.reason == "undo.purged"
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE history SET changes = '{\"name\": [1, 2]}' WHERE id = 1")


def test_parallel_guesses_get_no_more_free_tries_than_one_after_another(base_file):
    from concurrent.futures import ThreadPoolExecutor

    from db.connection import opened

    def guess(_: int) -> str:
        with opened(base_file) as db:
            try:
                accounts.login(db, ADMIN_NAME, "a-parallel-guess", now=T0)
            except LoginRefused as refused:
                return refused.reason
        return "in"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(24)))
    assert answers.count("login.wrong") == accounts.FREE_TRIES
    assert answers.count("login.wait") == 24 - accounts.FREE_TRIES
