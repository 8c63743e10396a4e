"""Automatic numbers (客户编号 and 自动编号 fields): the next one, given under the write lock."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from db.sql import quote
from schema.model import Column, Table
from schema.types import AutoNumber


def next_number(db: sqlite_utils.Database, table: Table, column: Column, today: dt.date) -> str:
    """The next automatic number for ``column`` by its format: 202611001, 202611002, … for 客户编号.

    Must run inside a write transaction: the sequence row is incremented under
    the write lock, so two people adding at once never get the same number.
    The counter is kept per table, column and period (the format's text
    before the counter), so a monthly format starts again each month.
    """
    kind = column.type if isinstance(column.type, AutoNumber) else AutoNumber()
    sequence = f"{table.name}.{column.name}.{kind.period(today)}"
    taken = f"SELECT 1 FROM {quote(table.name)} WHERE {quote(column.name)} = ?"
    while True:
        value = db.execute(
            "INSERT INTO sequences(name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            [sequence],
        ).fetchall()[0][0]
        number = kind.render(today, value)
        if db.execute(taken, [number]).fetchone() is None:  # skip numbers an import already used
            return number


def next_numbers(db: sqlite_utils.Database, table: Table, column: Column, today: dt.date, count: int) -> list[str]:
    """``count`` automatic numbers for ``column`` at once, as :func:`next_number` would give them one by one.

    The counter is moved on by ``count`` in one statement (inside the caller's
    write transaction); numbers already taken (an imported or typed one) are
    replaced by further ones. For imports of many rows.
    """
    if count <= 0:
        return []
    kind = column.type if isinstance(column.type, AutoNumber) else AutoNumber()
    sequence = f"{table.name}.{column.name}.{kind.period(today)}"
    last = db.execute(
        "INSERT INTO sequences(name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value",
        [sequence, count],
    ).fetchall()[0][0]
    numbers = [kind.render(today, value) for value in range(last - count + 1, last + 1)]
    taken: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        taken |= {row[0] for row in db.execute(
            f"SELECT {quote(column.name)} FROM {quote(table.name)} WHERE {quote(column.name)} IN ({marks})", chunk)}
    return [next_number(db, table, column, today) if number in taken else number for number in numbers]
