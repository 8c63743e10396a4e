"""Opening the base: one short-lived connection per script run or callback.

Never keep a connection in Streamlit's session state or resource cache: every
rerun runs on another thread. Connections are cheap (well under a millisecond).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from db.duplicates import register

#: Environment variable naming the base file.
BASE_ENV = "GENJIN_DB"
DEFAULT_BASE = Path("data") / "demo.db"
_savepoints = itertools.count(1)


def base_path() -> Path:
    """The base file named by ``GENJIN_DB``, else ``data/demo.db``."""
    return Path(os.environ.get(BASE_ENV) or DEFAULT_BASE)


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the base at ``path`` with foreign keys on, a 5 s busy timeout and the 查重 key function.

    The file is put in WAL mode (kept by SQLite in the file itself) so that
    readers never wait for a writer.
    """
    conn = sqlite3.connect(str(path), timeout=5.0)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    register(conn)  # the 查重 keys' triggers call it (migration m014)
    return sqlite_utils.Database(conn)


@contextmanager
def opened(path: str | Path) -> Iterator[sqlite_utils.Database]:
    """``connect`` as a context manager that closes the connection."""
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error.

    IMMEDIATE takes the write lock up front, so concurrent savers queue on
    the busy timeout instead of failing half-way with "database is locked".
    Called inside another write transaction, it is a savepoint of that one
    (a transfer is many saves that stand or fall together); sqlite-utils calls
    made inside nest as savepoints too.
    """
    if db.conn.in_transaction:
        name = f"genjin_{next(_savepoints)}"
        db.conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:  # SQLite may have rolled everything back already (disk full)
                db.conn.execute(f"ROLLBACK TO {name}")
                db.conn.execute(f"RELEASE {name}")
            raise
        else:
            db.conn.execute(f"RELEASE {name}")
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")
