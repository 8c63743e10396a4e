"""The sales rules of this base: the defaults of ``schema/rules.py`` with the values a team changed.

Managers and administrators change them (``manage_rules``) on the 规则 page;
everyone reads them. A change is checked against each rule's bounds and
against the others (B's cut must stay below A's) before anything is
written, and written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sqlite_utils

from db import access
from db.access import Actor
from db.connection import write_transaction
from db.errors import Refused
from schema.model import Base
from schema.rules import Rules, checked, rule
from schema.types import InvalidValue, StageRate

#: Rules are kept in ``settings`` as ``rule.<key>``, beside the base's own flags.
PREFIX = "rule."


class RulesError(Refused):
    """A change to the rules was refused (``reason``, with ``params`` naming the rule). Nothing was written."""


def rules(db: sqlite_utils.Database) -> Rules:
    """This base's rules (the defaults where nobody changed them)."""
    if not db["settings"].exists():
        return Rules.with_changes()
    rows = db.execute("SELECT key, value FROM settings WHERE key LIKE 'rule.%'").fetchall()
    return Rules.with_changes({key.removeprefix(PREFIX): json.loads(value) for key, value in rows})


def with_rules(base: Base, current: Rules) -> Base:
    """``base`` with ``current``'s default win rates in every 实际赢率 column (``StageRate``), so that
    queries compiled from it use this base's rules. Returns ``base`` itself when nothing differs."""
    rates = current.win_rates()
    if not any(isinstance(c.type, StageRate) and c.type.defaults != rates for t in base.tables for c in t.columns):
        return base
    return Base(tables=tuple(
        replace(table, columns=tuple(
            replace(c, type=replace(c.type, defaults=rates)) if isinstance(c.type, StageRate) else c
            for c in table.columns))
        for table in base.tables))


def update_rules(db: sqlite_utils.Database, actor: Actor, changes: Mapping[str, Any], *,
                 now: dt.datetime | None = None) -> Rules:
    """Set the rules in ``changes`` (key → value); return the rules as they now are.

    Raises AccessDenied (not a manager or administrator) or RulesError: an
    unknown rule, a value out of its bounds, or values that contradict each
    other (reason ``rules.*``, ``params["rule"]`` the rule's key).
    """
    access.require(actor, "manage_rules")
    values = {}
    for key, raw in changes.items():
        try:
            rule(key)
        except KeyError:
            raise RulesError("rules.unknown", rule=key) from None
        try:
            values[key] = checked(key, raw)
        except InvalidValue:
            raise RulesError("rules.out_of_range", rule=key, value=str(raw), low=rule(key).minimum,
                             high=rule(key).maximum) from None
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.require(actor, "manage_rules")  # as the base knows them now
        after = Rules({**rules(db).values, **values})
        for key, reason in after.problems():
            raise RulesError(reason, rule=key)
        for key, value in values.items():
            db.execute("INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                       "updated_by = excluded.updated_by", [PREFIX + key, json.dumps(value), stamp, actor.user_id])
    return after
