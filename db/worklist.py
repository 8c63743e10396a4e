"""今日待跟进: the logged-in member's customers that need a follow-up now, worked out in SQL.

Seven lists (seed 001): overdue (with how many days), 即将掉入公海 (the
member's customers the 公海 rule will take back within its warning days,
``db.pool.about_to_return``), due today, due later this week (to Sunday),
new A-grade leads (added in the last 30 days)
nobody has contacted within the rules' first-contact time (those are kept
out of the first two lists, so a customer shows once), and after the sale:
contracts ending within the rules' renewal days (复购/续约) and won
customers due a 回访. The due date and the grade are the
customers' computed columns (``due_on``, ``score_grade``), so the rules
page moves them. Each list is read a page at a time with its full count.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import sqlite_utils

from db import pool
from db.access import Actor
from db.fields import load_base
from db.queries import Compiler, quote
from db.settings import rules
from schema.model import Base

SECTIONS = ("overdue", "pool", "today", "week", "new_a", "renewal", "revisit")
#: How long a lead counts as new: older ones never contacted are simply overdue.
NEW_DAYS = 30


@dataclass(frozen=True)
class Item:
    """One customer on the worklist."""

    customer_id: int
    name: str
    contact: str | None
    phone: str | None
    grade: str | None
    stage: str | None
    due_on: str | None
    last_follow_up_at: str | None
    created_on: str
    #: Days past due (overdue), days waiting since created (new A leads), days left before the customer
    #: returns to the 公海 (pool); 0 otherwise.
    days: int = 0


@dataclass(frozen=True)
class Worklist:
    """The lists, each at most ``limit`` long, and how many each holds in all."""

    items: dict[str, list[Item]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    #: The rules' first-contact time the new A leads were measured by.
    first_contact_hours: int = 24

    @property
    def empty(self) -> bool:
        """Whether nothing needs doing."""
        return not any(self.counts.values())


def week_end(today: dt.date) -> dt.date:
    """The Sunday that ends ``today``'s week (``today`` itself on a Sunday)."""
    return today + dt.timedelta(days=6 - today.weekday())


def worklist(db: sqlite_utils.Database, actor: Actor, *, today: dt.date | None = None, limit: int = 30,
             base: Base | None = None) -> Worklist:
    """The worklist of the customers ``actor`` owns, as of ``today``."""
    base = base or load_base(db)
    today = today or dt.date.today()
    table = base.table("customers")
    compiler = Compiler(base, today, actor)
    due = compiler.expression(table, table.column("due_on"))
    grade = f"COALESCE({compiler.expression(table, table.column('score_grade'))}, t.grade)"
    hours = rules(db).first_contact_hours
    waited = max(1, math.ceil(hours / 24))  # creation is a date, without hours: whole days
    day = compiler.param(today.isoformat())
    late, new = (compiler.param((today - dt.timedelta(days=n)).isoformat()) for n in (waited, NEW_DAYS))
    mine = f"t.owner_id = {compiler.param(actor.user_id)} AND {compiler.visible(table)}"
    # The member's customers with their due date and grade worked out once each (MATERIALIZED: SQLite
    # would otherwise put the expressions back into every condition below); the lists are cut from those.
    sql = (f"WITH mine AS MATERIALIZED (SELECT t.id, t.name, t.contact, t.phone, {grade} AS grade, t.stage, "
           f"{due} AS due, t.last_follow_up_at, t.created_on, t.follow_up_count FROM {quote(table.name)} t "
           f"WHERE {mine}) "
           f"SELECT id, name, contact, phone, grade, stage, due, last_follow_up_at, created_on, section FROM ("
           f"SELECT *, CASE WHEN grade = 'A' AND follow_up_count = 0 AND created_on <= {late} "
           f"AND created_on >= {new} THEN 'new_a' WHEN due < {day} THEN 'overdue' WHEN due = {day} THEN 'today' "
           f"WHEN due <= {compiler.param(week_end(today).isoformat())} THEN 'week' END AS section FROM mine) "
           "WHERE section IS NOT NULL ORDER BY due ASC, id")
    found = Worklist(first_contact_hours=hours)
    for name in SECTIONS:
        found.items[name], found.counts[name] = [], 0
    new_a_ids = []
    for row in db.execute(sql, compiler.params).fetchall():
        *fields, section = row
        if section == "new_a":
            new_a_ids.append(fields[0])
        found.counts[section] += 1
        if len(found.items[section]) < limit:
            found.items[section].append(Item(*fields, days=_days(section, today, fields[6], fields[8])))
    _after_sale(db, actor, today, table, base, found, limit)
    new_leads = set(new_a_ids)
    leaving = [d for d in pool.about_to_return(db, actor, today) if d.customer_id not in new_leads]  # shown once
    shown = leaving[:limit]
    marks = ", ".join(compiler.param(d.customer_id) for d in shown)
    grades = dict(db.execute(f"SELECT t.id, {grade} FROM {quote(table.name)} t WHERE t.id IN ({marks})",
                             compiler.params).fetchall()) if shown else {}
    found.counts["pool"] = len(leaving)
    found.items["pool"] = [Item(d.customer_id, d.name, None, None, grades.get(d.customer_id), None, None,
                                d.last_follow_up_at, d.counted_from[:10], days=d.days_left) for d in shown]
    return found


def _days(section: str, today: dt.date, due: str | None, created: str) -> int:
    """Days past due for an overdue follow-up, days waiting for a new A lead, else 0."""
    if section == "overdue" and due:
        return (today - dt.date.fromisoformat(due[:10])).days
    if section == "new_a":
        return (today - dt.date.fromisoformat(created[:10])).days
    return 0


def _after_sale(db: sqlite_utils.Database, actor: Actor, today: dt.date, table, base: Base, found: Worklist,
                limit: int) -> None:
    """合同即将到期 (a contract ending within the rules' renewal days: time to sell again) and 回访到期 (a
    won customer not revisited for the rules' revisit days since the last 回访, or since it was won)."""
    current = rules(db)
    compiler = Compiler(base, today, actor)
    # One's own customers are within every role's sight; "+" keeps SQLite on the small partial index of
    # 合同到期日 (and the index of 成交 customers) instead of walking the owner's thousands of customers.
    owned = f"+t.owner_id = {compiler.param(actor.user_id)}"
    columns = "t.id, t.name, t.contact, t.phone, COALESCE(t.grade, ''), t.stage"
    ending = db.execute(
        f"SELECT {columns}, t.contract_ends_on, t.last_follow_up_at, t.created_on FROM customers t WHERE {owned} "
        f"AND t.contract_ends_on BETWEEN {compiler.param(today.isoformat())} AND "
        f"{compiler.param((today + dt.timedelta(days=current.renewal_days)).isoformat())} "
        "ORDER BY t.contract_ends_on, t.id", compiler.params).fetchall()
    found.counts["renewal"] = len(ending)
    found.items["renewal"] = [Item(*row, days=(dt.date.fromisoformat(row[6]) - today).days) for row in ending[:limit]]
    revisited = compiler.expression(table, table.column("last_revisit_at"))
    since = f"COALESCE({revisited}, t.won_on)"
    due = db.execute(
        f"SELECT * FROM (SELECT {columns}, date({since}, '+{int(current.revisit_days)} days') AS due, "
        f"t.last_follow_up_at, t.created_on FROM customers t WHERE {owned} AND t.stage = 'won') "
        f"WHERE due <= {compiler.param(today.isoformat())} ORDER BY due, id", compiler.params).fetchall()
    found.counts["revisit"] = len(due)
    found.items["revisit"] = [Item(*row, days=(today - dt.date.fromisoformat(row[6])).days) for row in due[:limit]]
