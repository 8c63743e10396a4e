"""Accounts: passwords, login sessions, and the members an administrator manages.

Passwords are hashed with scrypt (a random salt each, ~50 ms a check) and
never stored, logged or recorded in history in clear. A login gives a random
token; the base keeps only its SHA-256, with when it was made and last used,
so a session can be revoked (logout, a disabled member, a password reset) and
expires after an idle time. Failed logins are counted per username: after
:data:`FREE_TRIES` failures each further try must wait twice as long as the
last (up to :data:`MAX_WAIT_SECONDS`), whether or not the username exists.

Members are never deleted (history keeps their names); they are disabled.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets

import sqlite_utils

from db import access, snapshots
from db.access import Actor
from db.changes import ChangeSet, NewRow, RowEdit, apply
from db.connection import write_transaction
from db.errors import Refused

#: The cookie that carries a browser's session token (set by web/auth.py, read by ui/session.py).
SESSION_COOKIE = "genjin_session"
MIN_PASSWORD = 8
FREE_TRIES = 5
MAX_WAIT_SECONDS = 300
#: Idle minutes after which a session ends (``GENJIN_IDLE_MINUTES``, default 8 hours).
IDLE_ENV = "GENJIN_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 480
#: However busy, a session ends after this many days (a new login starts a new one).
MAX_SESSION_DAYS = 14
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_TOUCH_EVERY = dt.timedelta(seconds=60)


class AccountError(Refused):
    """An account operation was refused; ``reason`` is a message key, ``params`` fill it in."""


class LoginRefused(AccountError):
    """Wrong username or password, a disabled member, or too many tries (``seconds`` to wait)."""


def idle_minutes() -> int:
    """The idle time after which a session ends, from ``GENJIN_IDLE_MINUTES``."""
    try:
        return max(1, int(os.environ.get(IDLE_ENV, DEFAULT_IDLE_MINUTES)))
    except ValueError:
        return DEFAULT_IDLE_MINUTES


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for ``password``, with a fresh random salt.

    >>> verify_password("正确的密码 1", hash_password("正确的密码 1"))
    True
    >>> verify_password("wrong", hash_password("正确的密码 1"))
    False
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT, dklen=32)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + "$".join(encoded)


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (a :func:`hash_password` result); constant-time compare."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def check_password(password: str) -> None:
    """Raise AccountError if ``password`` is too short to be accepted."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("account.password_short", min=MIN_PASSWORD)


def is_demo(db: sqlite_utils.Database) -> bool:
    """Whether the base is the demo base (its login page may show the demo accounts)."""
    return db.execute("SELECT 1 FROM settings WHERE key = 'demo' AND value = '1'").fetchone() is not None


def needs_setup(db: sqlite_utils.Database) -> bool:
    """Whether the base has no active administrator who can log in (a new base: first start)."""
    return db.execute("SELECT 1 FROM users WHERE role = 'admin' AND active = 1 AND password_hash IS NOT NULL "
                      "LIMIT 1").fetchone() is None


def create_first_admin(db: sqlite_utils.Database, username: str, display_name: str, password: str, *,
                       now: dt.datetime | None = None) -> int:
    """The first administrator of a new base; return their id.

    Raises AccountError if the base already has one (first start is over) or
    the password is too short. A member of that username without a password
    (a base made before accounts existed) becomes the administrator.
    """
    check_password(password)
    username, display_name = username.strip(), display_name.strip()
    if not username or not display_name:
        raise AccountError("account.name_required")
    stamp = _text(now)
    with write_transaction(db):
        if not needs_setup(db):
            raise AccountError("account.setup_done")
        found = db.execute("SELECT id, password_hash FROM users WHERE username = ?", [username]).fetchone()
        if found and found[1] is not None:
            raise AccountError("account.username_taken")
        if found:
            db.execute("UPDATE users SET display_name = ?, role = 'admin', active = 1, password_hash = ?, "
                       "version = version + 1, updated_at = ? WHERE id = ?",
                       [display_name, hash_password(password), stamp, found[0]])
            return found[0]
        cursor = db.execute(
            "INSERT INTO users (username, display_name, role, active, password_hash, updated_at) "
            "VALUES (?, ?, 'admin', 1, ?, ?)", [username, display_name, hash_password(password), stamp])
        return int(cursor.lastrowid)


def _text(moment: dt.datetime | None) -> str:
    return (moment or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def wait_seconds(db: sqlite_utils.Database, username: str, *, now: dt.datetime | None = None) -> int:
    """How long ``username`` must wait before the next try (0: may try now)."""
    row = db.execute("SELECT failures, last_at FROM login_failures WHERE username = ?", [username]).fetchone()
    if row is None or row[0] < FREE_TRIES:
        return 0
    wait = min(2 ** (row[0] - FREE_TRIES), MAX_WAIT_SECONDS)
    elapsed = ((now or dt.datetime.now()) - dt.datetime.fromisoformat(row[1])).total_seconds()
    return max(0, int(wait - elapsed + 0.999))


def login(db: sqlite_utils.Database, username: str, password: str, *, now: dt.datetime | None = None) -> str:
    """Check ``username`` and ``password``; return a new session token. Raises LoginRefused.

    The same answer (``login.wrong``) for an unknown username and a wrong
    password, and the same work (one scrypt) for both.
    """
    username = (username or "").strip()
    # Every try counts as a failure until the password is found right, and the count is checked and
    # raised in one write transaction: parallel guesses cannot all slip through the free tries.
    with write_transaction(db):
        waiting = wait_seconds(db, username, now=now)
        if not waiting:
            db.execute("INSERT INTO login_failures (username, failures, last_at) VALUES (?, 1, ?) "
                       "ON CONFLICT(username) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at",
                       [username, _text(now)])
    if waiting:
        raise LoginRefused("login.wait", seconds=waiting)
    row = db.execute("SELECT id, active, password_hash FROM users WHERE username = ?", [username]).fetchone()
    matches = verify_password(password or "", row[2] if row and row[2] else _DUMMY_HASH)
    if row is None or not matches:
        raise LoginRefused("login.wrong")
    if not row[1]:
        raise LoginRefused("login.disabled")
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE username = ?", [username])
        db.execute("INSERT INTO sessions (token_hash, user_id, created_at, last_seen) VALUES (?, ?, ?, ?)",
                   [_token_hash(token), row[0], _text(now), _text(now)])
    return token


#: Checked against when the username is unknown, so that both cases cost one scrypt.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def session_actor(db: sqlite_utils.Database, token: str | None, *, now: dt.datetime | None = None) -> Actor | None:
    """The member a session token belongs to, or ``None`` (no such session, expired, member disabled).

    Using a session keeps it alive (``last_seen`` is written at most once a
    minute); an expired one is deleted.
    """
    if not isinstance(token, str) or not token:
        return None
    now = now or dt.datetime.now()
    row = db.execute(
        "SELECT s.user_id, s.created_at, s.last_seen, u.role, u.active, u.display_name FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", [_token_hash(token)]).fetchone()
    if row is None:
        return None
    user_id, created, seen, role, active, name = row
    last_seen = dt.datetime.fromisoformat(seen)
    expired = (now - last_seen > dt.timedelta(minutes=idle_minutes())
               or now - dt.datetime.fromisoformat(created) > dt.timedelta(days=MAX_SESSION_DAYS))
    if expired or not active:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE token_hash = ?", [_token_hash(token)])
        return None
    if now - last_seen > _TOUCH_EVERY:
        with write_transaction(db):
            db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", [_text(now), _token_hash(token)])
    return Actor(user_id, role, name)


def logout(db: sqlite_utils.Database, token: str | None) -> None:
    """End one session (this browser)."""
    if token:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE token_hash = ?", [_token_hash(token)])


def logout_everywhere(db: sqlite_utils.Database, user_id: int) -> int:
    """End every session of a member (every browser, every device); return how many ended."""
    with write_transaction(db):
        return db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id]).rowcount


def purge_expired_sessions(db: sqlite_utils.Database, *, now: dt.datetime | None = None) -> int:
    """Delete sessions idle too long or too old, and day-old failed-login counts; return how many sessions.

    (Background housekeeping.)
    """
    now = now or dt.datetime.now()
    idle = _text(now - dt.timedelta(minutes=idle_minutes()))
    old = _text(now - dt.timedelta(days=MAX_SESSION_DAYS))
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE last_at < ?", [_text(now - dt.timedelta(days=1))])
        return db.execute("DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", [idle, old]).rowcount


def add_member(db: sqlite_utils.Database, actor: Actor, *, username: str, display_name: str, role: str,
               password: str, now: dt.datetime | None = None) -> int:
    """A new member who can log in at once; return their id.

    Raises AccessDenied (not an administrator), AccountError (short password)
    or InvalidChanges (a taken username, an unknown role), nothing written.
    """
    access.require(actor, "manage_users")
    check_password(password)
    with write_transaction(db):
        values = {"username": username.strip(), "display_name": display_name.strip(), "role": role, "active": 1}
        new_id = apply(db, ChangeSet("users", inserts=(NewRow(values),)), actor=actor, now=now).inserted[0]
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hash_password(password), new_id])
    return new_id


def set_password(db: sqlite_utils.Database, actor: Actor, user_id: int, password: str, *,
                 current: str | None = None) -> None:
    """Give a member a new password and end all their sessions.

    Members change their own by giving the ``current`` one; administrators
    reset anyone else's. Raises AccessDenied or AccountError.
    """
    check_password(password)
    with write_transaction(db):
        actor = access.resolve(db, actor)
        if actor.user_id == user_id and actor.role != "system":
            stored = db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()[0]
            if not verify_password(current or "", stored):
                raise AccountError("account.wrong_password")
        elif actor.user_id != user_id:
            access.require(actor, "manage_users")
        if db.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                      [hash_password(password), user_id]).rowcount != 1:
            raise AccountError("account.no_member")
        db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
        db.execute("DELETE FROM login_failures WHERE username = (SELECT username FROM users WHERE id = ?)",
                   [user_id])


def transfer_customers(db: sqlite_utils.Database, actor: Actor, from_user: int, to_user: int, *,
                       now: dt.datetime | None = None) -> int:
    """Give every customer of ``from_user`` to ``to_user`` in one save; return how many moved.

    A snapshot is taken first (a bulk change). Each customer's history shows
    the new owner; one undo takes the whole transfer back. Raises
    AccessDenied (not a manager or administrator) or AccountError (the same
    member twice, or a receiver who is disabled).
    """
    access.require(actor, "transfer")
    if from_user == to_user:
        raise AccountError("account.transfer_same")
    snapshots.take(database_file(db), reason="before-bulk", now=now)
    with write_transaction(db):
        receiver = db.execute("SELECT active FROM users WHERE id = ?", [to_user]).fetchone()
        if receiver is None or not receiver[0]:
            raise AccountError("account.transfer_inactive")
        rows = db.execute("SELECT id, version FROM customers WHERE owner_id = ? ORDER BY id", [from_user]).fetchall()
        if not rows:
            return 0
        edits = tuple(RowEdit(row_id, version, {"owner_id": to_user}) for row_id, version in rows)
        return apply(db, ChangeSet("customers", edits=edits), actor=actor, now=now).updated


def database_file(db: sqlite_utils.Database) -> str:
    """The path of the file ``db`` is connected to."""
    return db.execute("PRAGMA database_list").fetchone()[2]
