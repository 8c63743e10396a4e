"""Snapshots: consistent copies of the base, kept with a tiered retention, and restored whole.

A snapshot is ``VACUUM INTO`` a file beside the base (``<base>.snapshots/``):
one transaction's consistent view, compact, taken while others keep working.
Restoring copies a snapshot back with SQLite's online backup API — the base
file stays the same file, other connections simply see the restored content —
after taking a snapshot of the current state first, so a restore can itself be
undone.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from db.connection import opened, write_transaction
from db.migrations import migrate

_NAME = re.compile(r"^(?P<stamp>\d{8}-\d{6})-(?P<reason>[a-z-]+?)(?:-(?P<n>\d+))?\.db$")
REASONS = ("manual", "daily", "before-bulk", "before-restore", "before-import")


class SnapshotError(Exception):
    """A snapshot could not be taken, found or restored."""


@dataclass(frozen=True)
class Snapshot:
    """One snapshot file: when it was taken, why, and how big it is."""

    path: Path
    taken_at: dt.datetime
    reason: str
    size: int


def folder(base: str | Path) -> Path:
    """Where the snapshots of ``base`` live: ``<base>.snapshots`` beside it."""
    base = Path(base)
    return base.with_name(base.name + ".snapshots")


def take(base: str | Path, *, reason: str = "manual", now: dt.datetime | None = None) -> Snapshot:
    """A new snapshot of ``base``; raises SnapshotError for an unknown reason.

    Two snapshots in the same second get ``-2``, ``-3``… after the reason.
    """
    if reason not in REASONS:
        raise SnapshotError(f"unknown snapshot reason {reason!r}")
    now = now or dt.datetime.now()
    target = folder(base) / f"{now:%Y%m%d-%H%M%S}-{reason}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    number = 1
    while target.exists():
        number += 1
        target = folder(base) / f"{now:%Y%m%d-%H%M%S}-{reason}-{number}.db"
    with opened(base) as db:
        db.execute("VACUUM INTO ?", [str(target)])
    return _describe(target)


def _describe(path: Path) -> Snapshot:
    match = _NAME.match(path.name)
    if not match:
        raise SnapshotError(f"{path.name} is not a snapshot")
    taken_at = dt.datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
    return Snapshot(path, taken_at, match["reason"], path.stat().st_size)


def listing(base: str | Path) -> list[Snapshot]:
    """Every snapshot of ``base``, newest first."""
    where = folder(base)
    if not where.exists():
        return []
    found = [_describe(p) for p in where.iterdir() if _NAME.match(p.name)]
    return sorted(found, key=lambda s: s.taken_at, reverse=True)


def to_keep(snapshots: list[Snapshot], now: dt.datetime, *, daily: int = 7, weekly: int = 4,
            monthly: int = 6) -> set[Path]:
    """The snapshots a tiered retention keeps: the newest of each of the last ``daily`` days,
    ``weekly`` ISO weeks and ``monthly`` months, counted back from ``now``.
    """
    keep: set[Path] = set()
    tiers = (
        (daily, lambda t: t.date(), lambda d: (now.date() - d).days),
        (weekly, lambda t: t.isocalendar()[:2], lambda w: _weeks_between(now, w)),
        (monthly, lambda t: (t.year, t.month), lambda m: (now.year - m[0]) * 12 + now.month - m[1]),
    )
    for count, bucket_of, age_of in tiers:
        newest: dict = {}
        for snapshot in sorted(snapshots, key=lambda s: s.taken_at):
            newest[bucket_of(snapshot.taken_at)] = snapshot
        keep |= {s.path for bucket, s in newest.items() if 0 <= age_of(bucket) < count}
    return keep


def _weeks_between(now: dt.datetime, week: tuple[int, int]) -> int:
    monday = dt.date.fromisocalendar(week[0], week[1], 1)
    this_monday = now.date() - dt.timedelta(days=now.weekday())
    return (this_monday - monday).days // 7


def prune(base: str | Path, *, now: dt.datetime | None = None, **retention: int) -> list[Path]:
    """Delete the snapshots the retention no longer keeps; return their paths."""
    snapshots = listing(base)
    keep = to_keep(snapshots, now or dt.datetime.now(), **retention)
    removed = [s.path for s in snapshots if s.path not in keep]
    for path in removed:
        path.unlink()
    return removed


def restore(base: str | Path, snapshot: str | Path, *, now: dt.datetime | None = None) -> Snapshot:
    """Replace the content of ``base`` with ``snapshot``; return the snapshot taken just before.

    Raises SnapshotError if ``snapshot`` is not one of this base's snapshots or is damaged.
    """
    snapshot = Path(snapshot)
    if snapshot.parent.resolve() != folder(base).resolve() or not snapshot.exists():
        raise SnapshotError(f"{snapshot.name} is not a snapshot of this base")
    source = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise SnapshotError(f"{snapshot.name} is damaged")
        safety = take(base, reason="before-restore", now=now)
        with opened(base) as db:
            sessions = _current_sessions(db)
            source.backup(db.conn)
    finally:
        source.close()
    with opened(base) as db:
        migrate(db)  # an older snapshot comes back up to date
        _keep_sessions(db, sessions)
    return safety


def _current_sessions(db) -> tuple[list[tuple], list[tuple]]:
    """The logins and the members' passwords and states as they are now."""
    if not db["sessions"].exists():
        return [], []
    return (db.execute("SELECT token_hash, user_id, created_at, last_seen FROM sessions").fetchall(),
            db.execute("SELECT password_hash, active, id FROM users").fetchall())


def _keep_sessions(db, now: tuple[list[tuple], list[tuple]]) -> None:
    """Access as it is now, not as in the snapshot: a restore logs nobody out, and revives no ended
    session, no old password and no disabled member (a member who left stays locked out)."""
    sessions, members = now
    with write_transaction(db):
        db.conn.executemany("UPDATE users SET password_hash = ?, active = MIN(active, ?) WHERE id = ?", members)
        db.execute("DELETE FROM sessions")
        db.conn.executemany(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen) "
            "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ? AND active = 1)",
            [(*row, row[1]) for row in sessions])
