"""Reading what an export holds: the rows of a grid's view, or a customer with its follow-ups, as people see them.

An export is the grid, not the base: the same search, filters (全部满足/任一满足), group and sort as
:class:`db.queries.Query`, the columns the view shows in its order, and only the rows the actor may see
(a 销售 her own and the 公海's customers and their follow-ups — the scope of ``db.access``). Values are
what the grid shows: option labels in the member's language (not codes), linked records' names (not
ids), members' names, computed columns (最近跟进时间, 跟进次数, formulas, lookups), tags joined with
“、”, dates as dates and numbers as numbers. A checkbox is 是/否 (Yes/No in English): a word reads the
same in every spreadsheet and filters as text; Excel's TRUE/FALSE would show in English even in a
Chinese Excel. A formula that failed on a row (÷ 0) is an empty cell.

Rows are read in batches (:data:`BATCH` at a time) while the ids stream from one ordered statement,
so an export of 100,000 customers never holds them all in memory. The batches are read inside one
read transaction: the file is one consistent snapshot even while others save.

Files are written by :mod:`exports` (no SQL there); this module returns its :class:`exports.Sheet`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlite_utils

from db.access import Actor
from db.errors import RowNotFound
from db.fields import load_base
from db.queries import Compiler, Filter, Query, ordered_ids
from db.sql import quote
from exports import Sheet
from schema.labels import L
from schema.model import Base, Column, Table
from schema.types import (
    Checkbox,
    Choice,
    CreatedOn,
    Date,
    DateTime,
    DaysSince,
    Derived,
    Link,
    MultiChoice,
    Number,
)

#: How many rows are read from the base at a time.
BATCH = 2_000

YES_NO = (L("是", "Yes"), L("否", "No"))
FIELD, VALUE = L("字段", "Field"), L("值", "Value")

Convert = Callable[[Any], Any]


def headers(table: Table, columns: Sequence[str], lang: str) -> list[str]:
    """The labels of ``columns`` of ``table`` in ``lang`` (what the grid's header says)."""
    return [table.column(name).label.get(lang) for name in columns]


def view_rows(db: sqlite_utils.Database, query: Query, columns: Sequence[str], *, actor: Actor, lang: str,
              today: dt.date | None = None, base: Base | None = None, batch: int = BATCH) -> Iterator[list[Any]]:
    """Every row of ``query`` (all pages; its page and page size are ignored) that ``actor`` may see, in the
    grid's order, as the values of ``columns`` the grid shows in ``lang``.

    A generator: rows are read ``batch`` at a time within one read transaction, ended when the
    generator is exhausted or closed. Raises ``UnknownColumn`` (from the schema) for a column the table
    lacks and ``ValueError`` for an actor of ``None``.
    """
    base = base or load_base(db)
    table = base.table(query.table)
    today = today or dt.date.today()
    compiler = Compiler(base, today, actor)
    id_sql = ordered_ids(compiler, table, query)
    reader = _Reader(base, table, columns, actor=actor, lang=lang, today=today)
    opened_here = not db.conn.in_transaction
    if opened_here:
        db.conn.execute("BEGIN")  # one snapshot for every batch (WAL: writers are not held up)
    try:
        cursor = db.conn.execute(id_sql, compiler.params)
        while ids := [row[0] for row in cursor.fetchmany(batch)]:
            yield from reader.rows(db, ids)
    finally:  # also when the generator is dropped half-way; its connection may be closed by then
        with contextlib.suppress(sqlite3.ProgrammingError):
            if opened_here and db.conn.in_transaction:
                db.conn.execute("COMMIT")


def view_sheet(db: sqlite_utils.Database, query: Query, columns: Sequence[str], *, actor: Actor, lang: str,
               today: dt.date | None = None, base: Base | None = None, title: str | None = None) -> Sheet:
    """The export of a grid's view: titled ``title`` (else the table's label), the columns' labels, and
    :func:`view_rows`.

    The rows are a generator: write the sheet while ``db`` is still open.
    """
    base = base or load_base(db)
    table = base.table(query.table)
    return Sheet(title or table.label.get(lang), headers(table, columns, lang),
                 view_rows(db, query, columns, actor=actor, lang=lang, today=today, base=base))


def customer_sheets(db: sqlite_utils.Database, customer_id: int, *, actor: Actor, lang: str,
                    today: dt.date | None = None, base: Base | None = None,
                    titles: tuple[str, str] | None = None) -> tuple[Sheet, Sheet]:
    """A customer's detail as two sheets: its fields (字段 / 值, every field not hidden in 字段, in order)
    and its follow-ups (newest first, every follow-up field not hidden, but the customer); titled
    ``titles``, else by the two tables' labels.

    Raises ``RowNotFound`` for a customer that is gone or that ``actor`` may not see.
    """
    base = base or load_base(db)
    today = today or dt.date.today()
    customers, follow_ups = base.table("customers"), base.table("follow_ups")
    fields = [c.name for c in customers.columns if not c.hidden]
    found = _Reader(base, customers, fields, actor=actor, lang=lang, today=today).rows(db, [int(customer_id)])
    if not found:
        raise RowNotFound("customers", customer_id)
    titles = titles or (customers.label.get(lang), follow_ups.label.get(lang))
    profile = Sheet(titles[0], [FIELD.get(lang), VALUE.get(lang)],
                    [[label, value] for label, value in zip(headers(customers, fields, lang), found[0], strict=True)])
    columns = [c.name for c in follow_ups.columns if not c.hidden and c.name != "customer_id"]
    listed = Query("follow_ups", filters=(Filter("customer_id", "in", (int(customer_id),)),), sort="time",
                   descending=True)
    return profile, Sheet(titles[1], headers(follow_ups, columns, lang),
                          list(view_rows(db, listed, columns, actor=actor, lang=lang, today=today, base=base)))


class _Reader:
    """Reads rows of ``table`` by id as the export shows them: one SELECT built once, values converted."""

    def __init__(self, base: Base, table: Table, columns: Sequence[str], *, actor: Actor, lang: str,
                 today: dt.date) -> None:
        compiler = Compiler(base, today, actor)
        wanted = [table.column(name) for name in columns]
        parts = []
        for column in wanted:
            value = compiler.expression(table, column)
            if isinstance(column.type, Link):  # a stored link: ids -> names, only those the actor may see
                value = compiler.link_labels(column.type, value)
            parts.append(value)
        self.select = ", ".join(["t.id", *parts])
        self.where = compiler.visible(table)
        self.table = table
        self.params = compiler.params
        self.converters = [converter(column, lang) for column in wanted]

    def rows(self, db: sqlite_utils.Database, ids: list[int]) -> list[list[Any]]:
        """The rows with these ids that the actor may see, in the order of ``ids``, converted."""
        marks = ", ".join(f":id{n}" for n in range(len(ids)))
        sql = f"SELECT {self.select} FROM {quote(self.table.name)} t WHERE t.id IN ({marks}) AND {self.where}"
        params = self.params | {f"id{n}": int(i) for n, i in enumerate(ids)}
        by_id = {row[0]: row[1:] for row in db.execute(sql, params).fetchall()}
        return [[convert(value) for convert, value in zip(self.converters, by_id[i], strict=True)]
                for i in ids if i in by_id]


def converter(column: Column, lang: str) -> Convert:
    """How a value of ``column`` read by :func:`_select` becomes what the grid shows, in ``lang``."""
    kind = column.type.result if isinstance(column.type, Derived) else column.type
    if isinstance(kind, MultiChoice):
        return lambda value: _tags(kind, value, lang)
    if isinstance(kind, Choice):
        return lambda value: None if value is None else kind.label(value, lang)
    if isinstance(kind, Checkbox):
        yes, no = (word.get(lang) for word in YES_NO)
        return lambda value: None if value is None else (yes if value else no)
    if isinstance(kind, DateTime) or (isinstance(kind, CreatedOn) and kind.with_time):
        return lambda value: _parsed(value, column, lambda text: dt.datetime.strptime(text[:16], "%Y-%m-%d %H:%M"))
    if isinstance(kind, Date | CreatedOn):
        return lambda value: _parsed(value, column, lambda text: dt.date.fromisoformat(text[:10]))
    if isinstance(kind, Number | DaysSince):
        return lambda value: _number(value, column)
    return _text


def _tags(kind: MultiChoice, value: Any, lang: str) -> str | None:
    try:
        codes = MultiChoice.codes(value)
    except (TypeError, ValueError):
        return _text(value)  # a value that did not fit when the field's type changed: shown as it is
    return "、".join(kind.label(code, lang) for code in codes) or None


def _parsed(value: Any, column: Column, parse: Callable[[str], Any]) -> Any:
    if value is None or value == "":
        return None
    try:
        return parse(str(value))
    except ValueError:
        return None if column.computed else str(value)  # as the grid: a misfit is text, a formula's is empty


def _number(value: Any, column: Column) -> Any:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return None if column.computed else _text(value)


def _text(value: Any) -> Any:
    """A value the grid shows as text (12.0 as 12, as the grid's text cells do)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
