"""公海 (the public pool): customers without an owner, claimed, released and returned automatically.

Seed 003 and issue 5, rule 4, with the numbers of ``schema/rules.py``:

- a customer without an owner (``owner_id`` NULL) is in the pool; every member
  sees it, a salesperson only it and their own;
- :func:`claim` takes pool customers for oneself: refused whole when it would
  own more than ``claim_limit`` customers, for a customer the member let go
  (released, or returned for want of follow-up) less than ``reclaim_days`` ago,
  and for one someone else took meanwhile (checked under the write lock);
- :func:`assign` (managers, administrators) gives pool customers to a member,
  without the limit (the limit is on claiming);
- :func:`release` (放回公海) puts customers back with the member's reason;
- :func:`return_overdue` (the hourly housekeeping) puts back every owned
  customer whose owner has not followed it up for ``pool_days`` days, and
  :func:`about_to_return` lists a member's customers within
  ``pool_warning_days`` of that (即将掉入公海, for the worklist).

**The clock.** Days are counted from the latest of the customer's last
follow-up (最近跟进时间), the day it was created (建档日期) and the moment its
current owner got it (``owned_since``: claimed, assigned, transferred). A
customer claimed today is not overdue because nobody followed it up before;
one never followed up counts from its creation. Days are calendar days: a
customer last followed up on 10-23 at any hour has gone 30 days on 11-22 and
returns that day; on 11-21 (29 days) it stays.

**Every move is recorded.** A move is an ordinary history entry (负责人
before → after, in the same transaction, undone like any save) plus a row of
``pool_moves`` with the same ``change_id`` and its reason: ``claimed``,
``released`` (with the member's words), ``returned_overdue``, ``assigned``,
or ``undone`` (an undo put the customer back or took it out again). Grid edits
of 负责人 into or out of the pool are moves too (:func:`after_edits`): a
salesperson's own claim through the grid meets the same checks as :func:`claim`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import access, history
from db.access import SYSTEM, Actor
from db.connection import write_transaction
from db.errors import InvalidChanges, Problem, Refused
from db.queries import Filter, Query, count_rows, fetch_page
from db.settings import rules

REASONS = ("claimed", "released", "returned_overdue", "assigned", "undone")
#: The longest reason a member may give for a release.
MAX_NOTE = 200
#: The day an owned customer's clock counts from, without its owner's start (indexed, migration m012).
ANCHOR = "MAX(IFNULL(c.last_follow_up_at, ''), c.created_on)"


class PoolRefused(Refused):
    """A claim, release or assignment was refused (``reason`` a message key, ``params`` fill it in);
    nothing was written."""


@dataclass(frozen=True)
class Due:
    """A customer about to return to the pool: who, since when it counts, and how many days are left."""

    customer_id: int
    name: str
    number: str
    last_follow_up_at: str | None
    counted_from: str
    days_left: int
    returns_on: dt.date


def _stamp(now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M:%S")


def _unique(ids: Iterable[Any]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


def pool_query(search: str = "", *, page: int = 1, page_size: int = 50) -> Query:
    """The pool as a grid query: customers without an owner, longest unattended first."""
    return Query("customers", search=search, filters=(Filter("owner_id", "in", (None,)),), sort="last_follow_up_at",
                 page=page, page_size=page_size)


def pool_page(db: sqlite_utils.Database, actor: Actor, *, search: str = "", page: int = 1, page_size: int = 50,
              today: dt.date | None = None) -> tuple[int, list[dict[str, Any]]]:
    """``(how many pool customers match, the rows of one page)``, paged and searched in SQL.

    Only customers without an owner, whoever asks: a salesperson never sees
    another's customer here.
    """
    query = pool_query(search, page=page, page_size=page_size)
    return (count_rows(db, query, actor=actor, today=today),
            fetch_page(db, query, actor=actor, today=today))


def owned_count(db: sqlite_utils.Database, user_id: int) -> int:
    """How many customers ``user_id`` owns now."""
    return db.execute("SELECT COUNT(*) FROM customers WHERE owner_id = ?", [user_id]).fetchone()[0]


def last_let_go(db: sqlite_utils.Database, customer_id: int, user_id: int) -> tuple[str, str] | None:
    """``(when, reason)`` of the latest time ``user_id`` lost ``customer_id`` to the pool (released or
    returned for want of follow-up), or ``None``."""
    return db.execute(
        "SELECT at, reason FROM pool_moves WHERE customer_id = ? AND from_owner = ? "
        "AND reason IN ('released', 'returned_overdue') ORDER BY id DESC LIMIT 1",
        [customer_id, user_id]).fetchone()


def _check_reclaim(db: sqlite_utils.Database, customer_id: int, name: str, user_id: int, today: dt.date,
                   days: int) -> None:
    found = last_let_go(db, customer_id, user_id)
    if found is None:
        return
    ago = (today - dt.date.fromisoformat(found[0][:10])).days
    if ago < days:
        key = "pool.reclaim_released" if found[1] == "released" else "pool.reclaim_returned"
        raise PoolRefused(key + ("_today" if ago == 0 else ""), name=name, days=ago, wait=days - ago)


def _check_limit(owned: int, wanted: int, limit: int) -> None:
    if wanted and owned + wanted > limit:
        if owned >= limit:
            raise PoolRefused("pool.limit_reached", owned=owned, limit=limit)
        raise PoolRefused("pool.over_limit", owned=owned, limit=limit, room=limit - owned, wanted=wanted)


def _pool_rows(db: sqlite_utils.Database, ids: list[int]) -> list[tuple]:
    """``(id, name, owner_id, owner's name)`` of ``ids`` that exist, in the order given; refuses unknown ids."""
    marks = ", ".join("?" for _ in ids)
    rows = {r[0]: r for r in db.execute(
        f"SELECT c.id, c.name, c.owner_id, u.display_name FROM customers c LEFT JOIN users u ON u.id = c.owner_id "
        f"WHERE c.id IN ({marks})", ids).fetchall()}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise PoolRefused("pool.not_found", id=missing[0])
    return [rows[i] for i in ids]


def _refuse_taken(rows: list[tuple], actor: Actor) -> None:
    for _, name, owner, owner_name in rows:
        if owner is not None:
            if not actor.sees_everything and owner != actor.user_id:  # no longer in her sight: the owner only
                raise PoolRefused("pool.taken_by", who=owner_name or "")
            raise PoolRefused("pool.taken", name=name, who=owner_name or "")


def claim(db: sqlite_utils.Database, actor: Actor, customer_ids: Iterable[Any], *,
          now: dt.datetime | None = None) -> int:
    """Take pool customers for ``actor``, all or none; return how many.

    Raises PoolRefused: ``pool.taken`` (someone claimed one meanwhile: the
    owner's name is checked under the write lock), ``pool.reclaim_released`` /
    ``pool.reclaim_returned`` (let go by the actor less than ``reclaim_days``
    ago), ``pool.limit_reached`` / ``pool.over_limit`` (it would own more than
    ``claim_limit``), ``pool.not_found``; AccessDenied for a disabled member.
    """
    ids = _unique(customer_ids)
    now = now or dt.datetime.now()
    if not ids:
        return 0
    with write_transaction(db):
        actor = access.resolve(db, actor)
        if actor.user_id is None:
            raise access.AccessDenied("access.denied", right="claim")
        rows = _pool_rows(db, ids)
        _refuse_taken(rows, actor)
        current = rules(db)
        for customer_id, name, _, _ in rows:
            _check_reclaim(db, customer_id, name, actor.user_id, now.date(), current.reclaim_days)
        _check_limit(owned_count(db, actor.user_id), len(ids), current.claim_limit)
        _move(db, actor, ids, actor.user_id, "claimed", None, now)
    return len(ids)


def assign(db: sqlite_utils.Database, actor: Actor, customer_ids: Iterable[Any], to_user: int, *,
           now: dt.datetime | None = None) -> int:
    """Give pool customers to member ``to_user`` (managers, administrators), all or none; return how many.

    The claim limit and the re-claim wait are the claimer's rules; a manager's
    assignment is not held to them. Raises AccessDenied (not allowed to give
    customers to others) or PoolRefused (``pool.taken``, ``pool.inactive``,
    ``pool.not_found``).
    """
    ids = _unique(customer_ids)
    now = now or dt.datetime.now()
    access.require(actor, "transfer")
    if not ids:
        return 0
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.require(actor, "transfer")
        member = db.execute("SELECT active FROM users WHERE id = ?", [int(to_user)]).fetchone()
        if member is None or not member[0]:
            raise PoolRefused("pool.inactive")
        rows = _pool_rows(db, ids)
        _refuse_taken(rows, actor)
        _move(db, actor, ids, int(to_user), "assigned", None, now)
    return len(ids)


def release(db: sqlite_utils.Database, actor: Actor, customer_ids: Iterable[Any], reason: str, *,
            now: dt.datetime | None = None) -> int:
    """Put customers back in the pool (放回公海) with ``reason``, all or none; return how many.

    The owner releases their own; managers and administrators anyone's.
    Raises PoolRefused (``pool.reason_required``, ``pool.reason_too_long``,
    ``pool.not_owned``: already in the pool, ``pool.not_found``) or
    AccessDenied (another salesperson's customer).
    """
    ids = _unique(customer_ids)
    now = now or dt.datetime.now()
    note = " ".join(str(reason or "").split())
    if not note:
        raise PoolRefused("pool.reason_required")
    if len(note) > MAX_NOTE:
        raise PoolRefused("pool.reason_too_long", limit=MAX_NOTE)
    if not ids:
        return 0
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.check_visible(db, actor, "customers", ids)
        rows = _pool_rows(db, ids)
        for _, name, owner, _ in rows:
            if owner is None:
                raise PoolRefused("pool.not_owned", name=name)
        _move(db, actor, ids, None, "released", note, now)
    return len(ids)


def _move(db: sqlite_utils.Database, actor: Actor, ids: list[int], to_owner: int | None, reason: str,
          note: str | None, now: dt.datetime) -> None:
    """Set the owner of ``ids`` as one save: version, history entry and pool move for each."""
    by = history.stamp(db, actor.user_id, _stamp(now))
    for customer_id in ids:
        before = db.execute("SELECT owner_id FROM customers WHERE id = ?", [customer_id]).fetchone()[0]
        guard = "owner_id IS NULL" if to_owner is not None else "owner_id = ?"
        cursor = db.execute(
            f"UPDATE customers SET owner_id = ?, version = version + 1, updated_at = ?, updated_by = ? "
            f"WHERE id = ? AND {guard}",
            [to_owner, by.at, by.user_id, customer_id, *([] if to_owner is not None else [before])])
        if cursor.rowcount != 1:  # pragma: no cover - checked above under the same lock
            raise PoolRefused("pool.taken", name=str(customer_id), who="")
        history.record(db, by, table="customers", row_id=customer_id, action="update",
                       changes={"owner_id": (before, to_owner)})
        moved(db, by, customer_id, before, to_owner, reason, note)


def moved(db: sqlite_utils.Database, by: history.Stamp, customer_id: int, before: int | None, after: int | None,
          reason: str, note: str | None = None) -> None:
    """Record that ``customer_id``'s owner went from ``before`` to ``after`` in change ``by``.

    Call inside that change's transaction, after its history entry. A move into
    or out of the pool gets a ``pool_moves`` row with ``reason``; any new owner
    starts their clock (``owned_since``).
    """
    if before == after:
        return
    clock = db.execute("SELECT since FROM owned_since WHERE customer_id = ? AND owner_id IS ?",
                       [customer_id, before]).fetchone()
    if (before is None) != (after is None):
        db.execute("INSERT INTO pool_moves (change_id, customer_id, from_owner, to_owner, reason, note, at, user_id, "
                   "clock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [by.change_id, customer_id, before, after, reason, note, by.at, by.user_id,
                    (clock[0] if clock else "") if after is None else None])  # "": no clock of its own
    if after is None:
        db.execute("DELETE FROM owned_since WHERE customer_id = ?", [customer_id])
        return
    since = by.at
    if reason == "undone":  # a release taken back: the owner gets the clock they had, not a fresh 30 days
        kept = db.execute("SELECT clock FROM pool_moves WHERE customer_id = ? AND from_owner = ? AND to_owner IS NULL "
                          "AND clock IS NOT NULL ORDER BY id DESC LIMIT 1", [customer_id, after]).fetchone()
        if kept and kept[0] == "":  # it counted from its creation or last follow-up, as it will again
            db.execute("DELETE FROM owned_since WHERE customer_id = ?", [customer_id])
            return
        since = kept[0] if kept else since
    db.execute("INSERT INTO owned_since (customer_id, owner_id, since) VALUES (?, ?, ?) ON CONFLICT(customer_id) "
               "DO UPDATE SET owner_id = excluded.owner_id, since = excluded.since", [customer_id, after, since])


def after_edits(db: sqlite_utils.Database, actor: Actor, moves: list[tuple[Any, int, int | None, int | None]],
                by: history.Stamp) -> None:
    """A save's edits of 负责人 (``(row as named on screen, id, before, after)``) as pool moves.

    Called by ``db.changes.apply`` inside the save's transaction. Taking a pool
    customer for oneself is a claim, held to the same limit and re-claim wait
    as :func:`claim` (refused as a problem of the 负责人 cell, so the grid keeps
    the input); giving one to someone else is an assignment; emptying it, a
    release. Raises InvalidChanges.
    """
    if not moves:
        return
    today = dt.date.fromisoformat(by.at[:10])
    current = rules(db)
    claims = [(row, customer_id) for row, customer_id, before, after in moves
              if before is None and after is not None and after == actor.user_id]
    for index, (row, customer_id) in enumerate(claims):
        name = db.execute("SELECT name FROM customers WHERE id = ?", [customer_id]).fetchone()[0]
        try:
            _check_reclaim(db, customer_id, name, actor.user_id, today, current.reclaim_days)
            if index == len(claims) - 1:  # the whole save at once, counted after it
                _check_limit(owned_count(db, actor.user_id) - len(claims), len(claims), current.claim_limit)
        except PoolRefused as error:
            raise InvalidChanges("customers", [Problem(row, "owner_id", None, error.reason, error.params)]) from error
    for _, customer_id, before, after in moves:
        reason = ("claimed" if after == actor.user_id else "assigned") if before is None else "released"
        moved(db, by, customer_id, before, after, reason)


def return_overdue(db: sqlite_utils.Database, today: dt.date | None = None, *,
                   now: dt.datetime | None = None) -> list[int]:
    """Put back in the pool, as one save by the system, every owned customer whose owner has not
    followed it up for ``pool_days`` days or more (see the clock above); return their ids.

    Reads only owned customers past the cut-off, through the partial index of
    migration m012; the history shows each return and its reason.
    """
    now = now or dt.datetime.now()
    today = today or now.date()
    with write_transaction(db):
        cut = (today - dt.timedelta(days=rules(db).pool_days - 1)).isoformat()  # counted from before this day
        due = db.execute(
            f"SELECT c.id, c.owner_id FROM customers c WHERE c.owner_id IS NOT NULL AND {ANCHOR} < ? "
            "AND NOT EXISTS (SELECT 1 FROM owned_since o WHERE o.customer_id = c.id AND o.owner_id = c.owner_id "
            "AND o.since >= ?)", [cut, cut]).fetchall()  # no ORDER BY: it would trade the index for a scan
        due.sort()
        if not due:
            return []
        by = history.stamp(db, SYSTEM.user_id, _stamp(now))
        db.conn.executemany("UPDATE customers SET owner_id = NULL, version = version + 1, updated_at = ?, "
                            "updated_by = NULL WHERE id = ?", [(by.at, customer_id) for customer_id, _ in due])
        for customer_id, owner in due:
            history.record(db, by, table="customers", row_id=customer_id, action="update",
                           changes={"owner_id": (owner, None)})
        db.conn.executemany(
            "INSERT INTO pool_moves (change_id, customer_id, from_owner, to_owner, reason, at, user_id) "
            "VALUES (?, ?, ?, NULL, 'returned_overdue', ?, NULL)",
            [(by.change_id, customer_id, owner, by.at) for customer_id, owner in due])
        db.conn.executemany("DELETE FROM owned_since WHERE customer_id = ?", [(i,) for i, _ in due])
    return [customer_id for customer_id, _ in due]


def about_to_return(db: sqlite_utils.Database, actor: Actor, today: dt.date | None = None) -> list[Due]:
    """``actor``'s own customers within ``pool_warning_days`` of returning to the pool, fewest days left
    first (即将掉入公海, for the worklist).

    ``days_left`` is how many days remain before the hourly housekeeping puts
    the customer back (0: today; it is due and goes at the next run); with the
    defaults (30 and 3) a customer last followed up 27 days ago has 3 days left
    and is listed, one 26 days ago is not.
    """
    today = today or dt.date.today()
    current = rules(db)
    cut = (today - dt.timedelta(days=current.pool_days - current.pool_warning_days - 1)).isoformat()
    rows = db.execute(
        f"SELECT c.id, c.name, c.number, c.last_follow_up_at, MAX({ANCHOR}, IFNULL(o.since, '')) AS counted "
        "FROM customers c LEFT JOIN owned_since o ON o.customer_id = c.id AND o.owner_id = c.owner_id "
        "WHERE c.owner_id = ? AND counted < ? ORDER BY counted, c.id", [actor.user_id, cut]).fetchall()
    found = []
    for customer_id, name, number, last, counted in rows:
        returns_on = dt.date.fromisoformat(counted[:10]) + dt.timedelta(days=current.pool_days)
        found.append(Due(customer_id, name, number, last, counted, max(0, (returns_on - today).days), returns_on))
    return found


def moves_of(db: sqlite_utils.Database, customer_id: int) -> list[dict[str, Any]]:
    """Every pool move of a customer, oldest first: ``reason``, ``note``, ``from_owner``, ``to_owner``, ``at``."""
    cursor = db.execute("SELECT change_id, reason, note, from_owner, to_owner, at, user_id FROM pool_moves "
                        "WHERE customer_id = ? ORDER BY id", [int(customer_id)])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def start_clocks(db: sqlite_utils.Database, since: dt.datetime) -> None:
    """Start the clock of every owned customer that has none at ``since`` (a new demo base: the pool rule
    begins with it, as it does on an upgrade)."""
    db.execute("INSERT OR IGNORE INTO owned_since (customer_id, owner_id, since) "
               "SELECT id, owner_id, ? FROM customers WHERE owner_id IS NOT NULL", [_stamp(since)])
