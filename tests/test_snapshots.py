"""Snapshots: consistent copies beside the base, tiered retention, and restores that can be undone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from db import accounts
from db.changes import ChangeSet, RowEdit, apply
from db.connection import opened
from db.snapshots import Snapshot, SnapshotError, listing, prune, restore, take, to_keep
from tests.conftest import ADMIN, ADMIN_NAME, ADMIN_PASSWORD

NOON = dt.datetime(2026, 11, 22, 12, 0, 0)


def contact_of(path: Path, customer: int) -> str | None:
    with opened(path) as db:
        return db["customers"].get(customer)["contact"]


def test_a_snapshot_is_a_whole_consistent_copy(base_file, make_customer, make_follow_up, db):
    customer = make_customer(name="甲公司", contact="王明")
    make_follow_up(customer)
    snapshot = take(base_file, now=NOON)
    assert (snapshot.path.name, snapshot.reason, snapshot.taken_at) == ("20261122-120000-manual.db", "manual", NOON)
    with opened(snapshot.path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (copy["customers"].count, copy["follow_ups"].count, copy["history"].count) == (1, 1, 2)


def test_restoring_brings_the_old_content_back_and_can_itself_be_undone(base_file, make_customer, db):
    customer = make_customer(contact="王明")
    before = take(base_file, now=NOON)
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {"contact": "李雷"}),)), actor=ADMIN)

    safety = restore(base_file, before.path, now=NOON + dt.timedelta(minutes=5))

    assert contact_of(base_file, customer) == "王明"
    assert safety.reason == "before-restore"
    restore(base_file, safety.path, now=NOON + dt.timedelta(minutes=6))
    assert contact_of(base_file, customer) == "李雷"
    with opened(base_file) as fresh:
        assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert fresh.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_only_this_bases_snapshots_can_be_restored(base_file, tmp_path):
    stranger = tmp_path / "20261122-120000-manual.db"
    stranger.write_bytes(b"not a database")
    with pytest.raises(SnapshotError):
        restore(base_file, stranger)


def test_snapshots_are_listed_newest_first(base_file):
    for minutes, reason in [(0, "daily"), (30, "before-bulk"), (10, "manual")]:
        take(base_file, reason=reason, now=NOON + dt.timedelta(minutes=minutes))
    assert [s.reason for s in listing(base_file)] == ["before-bulk", "manual", "daily"]


def snapshots_at(*moments: str) -> list[Snapshot]:
    return [Snapshot(Path(m), dt.datetime.fromisoformat(m), "daily", 1) for m in moments]


@pytest.mark.parametrize(("moments", "kept"), [
    # Two on one day: the newer stays.
    (["2026-11-22T01:00", "2026-11-22T23:00"], {"2026-11-22T23:00"}),
    # The last 7 days (Mon 16 to Sun 22) each keep one; before them only the newest of the week
    # of Mon 9 to Sun 15 survives, and the newest of each earlier week.
    ([f"2026-11-{d:02d}T09:00" for d in range(3, 23)],
     {f"2026-11-{d:02d}T09:00" for d in range(16, 23)} | {"2026-11-15T09:00", "2026-11-08T09:00"}),
    # Months back: the newest of each of the last 6 months.
    (["2026-03-31T09:00", "2026-05-01T09:00", "2026-05-20T09:00", "2026-06-30T09:00"],
     {"2026-06-30T09:00"}),
], ids=["same-day", "days-and-weeks", "months"])
def test_retention_keeps_the_newest_per_day_week_and_month(moments, kept):
    now = dt.datetime(2026, 11, 22, 23, 30)
    assert {str(p) for p in to_keep(snapshots_at(*moments), now)} == kept


def test_pruning_deletes_what_the_retention_does_not_keep(base_file):
    for day in (1, 2, 3):
        take(base_file, reason="daily", now=dt.datetime(2026, 11, day, 9))
    removed = prune(base_file, now=dt.datetime(2026, 11, 3, 12), daily=2, weekly=0, monthly=0)
    assert [p.name for p in removed] == ["20261101-090000-daily.db"]
    assert len(listing(base_file)) == 2


def test_make_backup_takes_a_snapshot_from_the_command_line(base_file, capsys):
    from db.__main__ import main

    assert main(["backup", str(base_file)]) == 0
    assert "Snapshot:" in capsys.readouterr().out
    assert [s.reason for s in listing(base_file)] == ["manual"]


def test_a_restore_keeps_todays_logins_passwords_and_disabled_members(base_file, db):
    leaver = accounts.add_member(db, ADMIN, username="leaver", display_name="离职者", role="sales",
                                 password="leaver-password")
    ended = accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD)
    snapshot = take(base_file, now=dt.datetime(2026, 11, 20, 9, 0))
    accounts.logout(db, ended)
    apply(db, ChangeSet("users", edits=(RowEdit(leaver, 1, {"active": 0}),)), actor=ADMIN)
    accounts.set_password(db, ADMIN, 1, "the-new-password", current=ADMIN_PASSWORD)
    current = accounts.login(db, ADMIN_NAME, "the-new-password")
    restore(base_file, snapshot.path, now=dt.datetime(2026, 11, 22, 9, 0))
    assert accounts.session_actor(db, current) is not None
    assert accounts.session_actor(db, ended) is None
    assert db["users"].get(leaver)["active"] == 0
    with pytest.raises(accounts.LoginRefused):
        accounts.login(db, ADMIN_NAME, ADMIN_PASSWORD)  # the old password stays old
