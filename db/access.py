"""Who may do what: roles, the rows each role sees, and the checks every read and write goes through.

Three roles (seed 003 and the issue on accounts):

- 管理员 ``admin``: everything, including members, fields (字段) and snapshots;
- 经理 ``manager``: every customer and follow-up, reassigning (transfer),
  deleting customers, 查重 (scanning for and merging duplicates), restoring
  anyone's deletion, the base-wide activity log;
- 销售 ``sales``: their own customers and the unowned ones (公海), and those
  customers' follow-ups; never another salesperson's customers.

An :class:`Actor` (a member and their role) is passed to every data function
in ``db/``. Reads add :func:`scope` to their SQL; writes call :func:`require`
and :func:`check_visible` inside their transaction and refuse rows that would
leave the actor's scope. ``SYSTEM`` (no member, every right) is for the command
line, the demo and migrations, never for the UI; a test checks that ``ui/`` and
``pages/`` never name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db.errors import Refused

ROLES = ("admin", "manager", "sales")

#: Actions a role may take, besides reading and writing rows in its scope.
RIGHTS: dict[str, frozenset[str]] = {
    "admin": frozenset({"manage_users", "manage_schema", "snapshots", "transfer", "delete_customers",
                        "undo_others", "activity_log", "manage_rules", "merge_duplicates"}),
    "manager": frozenset({"transfer", "delete_customers", "undo_others", "activity_log", "manage_rules",
                          "merge_duplicates"}),
    "sales": frozenset(),
}


class AccessDenied(Refused):
    """The actor may not do this; ``reason`` is a message key, ``params`` fill it in. Nothing was written."""


@dataclass(frozen=True)
class Actor:
    """A member acting on the base: their id, role and name (``user_id`` is ``None`` only for SYSTEM)."""

    user_id: int | None
    role: str
    name: str = ""

    @property
    def sees_everything(self) -> bool:
        """Whether no row is hidden from this actor."""
        return self.role in ("system", "admin", "manager")

    def can(self, right: str) -> bool:
        """Whether this actor has ``right`` (a key of :data:`RIGHTS`)."""
        return self.role == "system" or right in RIGHTS.get(self.role, ())


#: The command line, the demo data and migrations: no member, every right. Never used by the UI.
SYSTEM = Actor(None, "system", "system")


def require(actor: Actor, right: str) -> None:
    """Raise AccessDenied unless ``actor`` has ``right``."""
    if not actor.can(right):
        raise AccessDenied("access.denied", right=right)


def resolve(db: sqlite_utils.Database, actor: Actor) -> Actor:
    """``actor`` as the base knows them now (role changed, member disabled); raises AccessDenied.

    Writes call this inside their transaction, so a role taken away a moment
    ago already counts.
    """
    if actor.role == "system":
        return actor
    row = db.execute("SELECT role, active, display_name FROM users WHERE id = ?", [actor.user_id]).fetchone()
    if row is None or not row[1]:
        raise AccessDenied("access.inactive")
    return Actor(actor.user_id, row[0], row[2])


def scope(actor: Actor, table: str, alias: str = "t") -> tuple[str, list[Any]]:
    """SQL (with ``?`` parameters) that is true for the rows of ``table`` the actor may see.

    ``("1", [])`` for those who see everything. For a salesperson: customers
    they own or nobody owns; follow-ups of those customers. Tables without an
    owner (members) are visible to all: their names fill the selects.
    """
    if actor.sees_everything:
        return "1", []
    if table == "customers":
        return f"({alias}.owner_id = ? OR {alias}.owner_id IS NULL)", [actor.user_id]
    if table == "follow_ups":
        return (f"{alias}.customer_id IN (SELECT c.id FROM customers c WHERE c.owner_id = ? OR c.owner_id IS NULL)",
                [actor.user_id])
    return "1", []


#: The column that puts a row in or out of a salesperson's sight.
SCOPE_COLUMNS = {"customers": "owner_id", "follow_ups": "customer_id"}


def visible_ids(db: sqlite_utils.Database, actor: Actor, table: str, ids: list[int]) -> set[int]:
    """Those of ``ids`` that exist and that ``actor`` may see."""
    if not ids:
        return set()
    condition, params = scope(actor, table)
    marks = ", ".join("?" for _ in ids)
    sql = f'SELECT t.id FROM "{table}" t WHERE t.id IN ({marks}) AND {condition}'  # table: a schema name
    return {row[0] for row in db.execute(sql, [*(int(i) for i in ids), *params]).fetchall()}


def check_visible(db: sqlite_utils.Database, actor: Actor, table: str, ids: list[int]) -> None:
    """Raise AccessDenied naming the first of ``ids`` that exists but is outside the actor's scope.

    Rows that do not exist are left to the caller (a stale row, or not found).
    """
    if actor.sees_everything or not ids:
        return
    seen = visible_ids(db, actor, table, ids)
    marks = ", ".join("?" for _ in ids)
    existing = {r[0] for r in db.execute(f'SELECT id FROM "{table}" WHERE id IN ({marks})',
                                         [int(i) for i in ids]).fetchall()}
    hidden = sorted(existing - seen)
    if hidden:
        raise AccessDenied("access.not_yours", table=table, row=hidden[0])


def write_rights(actor: Actor, table: str, *, deleting: bool) -> None:
    """Raise AccessDenied if ``actor`` may not write ``table`` at all (or not delete from it)."""
    if table == "users":
        require(actor, "manage_users")
        if deleting:  # history keeps their name: members are disabled, never deleted
            raise AccessDenied("access.never_delete_members")
    if deleting and table == "customers":
        require(actor, "delete_customers")
