"""客户分层: the 成交金额 at which S, A, B and C begin for this base's rules, kept until deals change.

Ranking every customer's revenue on every read costs a sort of all of them;
the cut amounts change only when a 成交金额 does. They are worked out here
once (one ordered read of the customers with revenue) and kept in
``tier_cuts`` (migration m016), which triggers empty on any change of a
成交金额; a read then works them out again. ``load_base`` puts them into
the 客户分层 column, so the SQL of a page compares each row with four
numbers.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

from schema.rules import Rules


def tier_cuts(db: sqlite_utils.Database, rules: Rules) -> tuple[float | None, ...]:
    """The least 成交金额 of S, A, B and C customers under ``rules`` (``None``: nobody is in that tier)."""
    if not db["tier_cuts"].exists() or not db["customers"].exists():
        return (None,) * 4
    shares = (rules.tier_s, rules.tier_a, rules.tier_b, rules.tier_c)
    key = ",".join(str(share) for share in shares)
    kept = db.execute("SELECT s, a, b, c FROM tier_cuts WHERE rules = ?", [key]).fetchone()
    if kept:
        return tuple(kept)
    keep = "INSERT OR REPLACE INTO tier_cuts (rules, s, a, b, c) VALUES (?, ?, ?, ?, ?)"
    if db.conn.in_transaction:  # inside a save: kept with it (and gone with it if it rolls back)
        cuts = _worked_out(db, shares)
        db.execute(keep, [key, *cuts])
        return cuts
    # Read and keep under the write lock, so no save can change an amount in between (its trigger would
    # empty the table before we wrote cuts from the old amounts); never waiting for a save that holds it.
    waited = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 0")
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # a save is on: work them out now, keep them another time
        return _worked_out(db, shares)
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(waited)}")
    try:
        cuts = _worked_out(db, shares)
        db.execute(keep, [key, *cuts])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return cuts


def _worked_out(db: sqlite_utils.Database, shares: tuple[int, ...]) -> tuple[float | None, ...]:
    return cut_amounts([row[0] for row in db.execute(
        "SELECT won_amount FROM customers WHERE won_amount > 0 ORDER BY won_amount DESC")], shares)


def cut_amounts(amounts: list[float], shares: tuple[int, ...]) -> tuple[float | None, ...]:
    """For amounts largest first: per share (%), the least amount whose larger peers hold less than it.

    >>> cut_amounts([50, 20, 10, 7, 5, 3, 2, 2, 1], (50, 80, 90, 97))
    (50, 10, 5, 2)
    """
    total = sum(amounts)
    found: list[float | None] = [None] * len(shares)
    before, index = 0.0, 0
    while index < len(amounts):
        amount = amounts[index]
        ties = 1
        while index + ties < len(amounts) and amounts[index + ties] == amount:
            ties += 1
        for position, share in enumerate(shares):
            if before * 100 < share * total:
                found[position] = amount  # the least amount so far that is still within this share
        before += amount * ties
        index += ties
    return tuple(found)
