"""Fields people manage themselves: added columns and the settings of built-in ones, kept in the base.

The ``fields`` table (migration m005) holds one row per field that differs
from the template: an added column (``kind`` set, a generated name such as
``f3`` that is also its SQL column) or a built-in column with a new label,
help, place or visibility, or a built-in select's options (all of them, as
``[[code, 中文, English], …]``: the template's codes, relabelled, and added
ones). :func:`load_base` applies them to the CRM template; every data
function in ``db/`` reads through that base unless given one.

Changing fields is an administrator's right (``manage_schema``). A label is
any text (Chinese, emoji, quotes, ``;--``): it is stored as a value, never
used as an identifier. Deleting an added field moves it to the trash: its
column and data stay in the base until it is restored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from db import access
from db.access import Actor
from db.connection import write_transaction
from db.errors import Refused
from db.numbers import next_number
from db.settings import rules
from db.sql import quote
from db.tiers import tier_cuts
from schema.crm import CRM
from schema.fields import AGGREGATES, DEFAULT_NUMBER_FORMAT, KIND_CODES, FieldSpec, kind, with_fields
from schema.formula import (
    FormulaError,
    formula_column,
    label_reference,
    parse,
    reference_label,
    references,
    result_of,
    rewrite,
)
from schema.labels import Label
from schema.model import Base, Column, Table, UnknownColumn
from schema.rules import with_rules, with_tier_cuts
from schema.templates import empty_table
from schema.types import (
    NOW,
    AutoNumber,
    Checkbox,
    Choice,
    CreatedOn,
    Date,
    DateTime,
    DaysSince,
    Formula,
    InvalidValue,
    Link,
    Lookup,
    MultiChoice,
    Number,
    Option,
    Rollup,
    check_number_format,
    is_empty,
    option_key,
)

#: Tables whose fields people may manage (members are the accounts' business).
MANAGED_TABLES = ("customers", "follow_ups")
MAX_LABEL = 60


class FieldError(Refused):
    """A field change was refused; ``reason`` is a message key, ``params`` fill it in. Nothing was written."""


def stored_options(stored: str | None) -> tuple[Option, ...]:
    """A select's options from their stored JSON (``[[code, 中文, English], …]``)."""
    return tuple(Option(code, Label(zh, en)) for code, zh, en in json.loads(stored or "[]"))


def specs(db: sqlite_utils.Database, *, include_deleted: bool = False) -> list[FieldSpec]:
    """Every field setting in the base (deleted added fields only if ``include_deleted``)."""
    if not db["fields"].exists():
        return []  # a base not yet migrated: the plain template
    rows = db.execute(
        "SELECT table_name, name, kind, label_zh, label_en, help_zh, help_en, options, required, default_value, "
        "hidden, position, deleted_at, expression, result, config FROM fields ORDER BY id").fetchall()
    found = []
    for (table, name, kind_code, label_zh, label_en, help_zh, help_en, options, required, default, hidden,
         position, deleted_at, expression, result, config) in rows:
        if deleted_at and not include_deleted:
            continue
        found.append(FieldSpec(
            table=table, name=name, kind=kind_code,
            label=Label(label_zh, label_en or label_zh) if label_zh else None,
            help=Label(help_zh, help_en or help_zh) if help_zh else None,
            options=stored_options(options), required=bool(required),
            default=json.loads(default) if default else None, hidden=bool(hidden), position=position,
            deleted=bool(deleted_at), expression=expression, result=result,
            config=json.loads(config) if config else None))
    return found


def load_base(db: sqlite_utils.Database, template: Base = CRM) -> Base:
    """The template, plus the tables people added, with this base's fields and sales rules applied:
    what grids, validation and queries work from."""
    current = rules(db)
    base = with_rules(with_fields(Base(tables=template.tables + tuple(user_tables(db))), specs(db)), current)
    return with_tier_cuts(base, tier_cuts(db, current))


def user_tables(db: sqlite_utils.Database) -> list[Table]:
    """The tables people added, as created (their fields are applied by :func:`load_base`)."""
    if not db["user_tables"].exists():
        return []
    return [empty_table(name, Label(zh, en)) for name, zh, en in
            db.execute("SELECT name, label_zh, label_en FROM user_tables ORDER BY id").fetchall()]


def managed_table(base: Base, table_name: str) -> Table:
    """The table ``table_name`` if people may manage its fields; raises FieldError."""
    if table_name not in MANAGED_TABLES and not is_added_table(table_name):
        raise FieldError("field.table_fixed")
    if not base.has_table(table_name):
        raise FieldError("field.not_found")
    return base.table(table_name)


def is_added_table(name: str) -> bool:
    """Whether ``name`` is the name of a table people added (``t<number>``)."""
    return len(name) > 1 and name[0] == "t" and name[1:].isdigit()


def clean_label(text: str, *, required: str = "field.label_required", too_long: str = "field.label_too_long") -> str:
    """A label as kept: spaces collapsed; raises FieldError ``required`` if empty, ``too_long`` if too long
    (a table's name is refused in table words: ``table.label_required``, ``table.label_too_long``)."""
    label = " ".join((text or "").split())
    if not label:
        raise FieldError(required)
    if len(label) > MAX_LABEL:
        raise FieldError(too_long, limit=MAX_LABEL)
    return label


def _check_unique(base: Base, table_name: str, label: str, *, except_name: str | None = None) -> None:
    for column in base.table(table_name).columns:
        if column.name != except_name and label.casefold() in (column.label.zh.casefold(),
                                                              column.label.en.casefold()):
            raise FieldError("field.label_taken", label=label)


def options_as_stored(labels: list[str], existing: tuple[Option, ...] = (), lang: str = "zh", *,
                      taken: Iterable[str] = ()) -> list[list[str]]:
    """Options as stored: ``[[code, 中文, English], …]``, keeping codes so that cells follow.

    ``labels`` are the options' labels in ``lang``. A label that is still
    there keeps its option (wherever it moved); the new labels take, in
    order, the codes of the old options that are no longer there (a rename
    keeps the code: cells holding 金 show 黄金); what is left over gets new
    codes — never one in ``taken`` (codes still held by cells of an option
    removed earlier: a new option must not take over their cells). A kept or
    renamed option's label in the other language stays, unless it was the same
    text (an option named once): then it follows. No label, in either
    language, may name two options, nor be another option's code (typing it
    would pick either).
    """
    cleaned = []
    for text in labels:
        label = clean_label(text)
        if option_key(label) in {option_key(c) for c in cleaned}:
            raise FieldError("field.option_twice", label=label)
        cleaned.append(label)
    wanted = {option_key(c) for c in cleaned}
    kept = {option_key(o.label.get(lang)): o for o in existing}
    unmatched = [o for o in existing if option_key(o.label.get(lang)) not in wanted]
    used = {o.code for o in existing} | set(taken)
    rows, number = [], len(existing) + 1
    for label in cleaned:
        option = kept.get(option_key(label))
        if option is None and unmatched:
            option = unmatched.pop(0)  # renamed
        if option is not None:
            zh, en = option.label.zh, option.label.en
            same = zh == en
            rows.append([option.code, label if lang != "en" or same else zh, label if lang == "en" or same else en])
            continue
        while f"o{number}" in used:
            number += 1
        used.add(f"o{number}")
        rows.append([f"o{number}", label, label])
    named: dict[str, str] = {}
    for code, *words in rows:
        for word in words:
            if named.setdefault(option_key(word), code) != code:
                raise FieldError("field.option_twice", label=word)
    codes = {option_key(code): code for code, *_ in rows}
    for code, *words in rows:  # 线上咨询's code is online: a new option labelled Online would never be picked
        for word in words:
            if codes.get(option_key(word), code) != code:
                raise FieldError("field.option_is_code", label=word)
    return rows


def codes_in_cells(db: sqlite_utils.Database, table_name: str, column: Column) -> set[str]:
    """The option codes the cells of select ``column`` hold now (read when its options are edited)."""
    table, name = quote(table_name), quote(column.name)
    if isinstance(column.type, MultiChoice):
        sql = (f"SELECT DISTINCT j.value FROM {table} AS t, json_each(t.{name}) AS j "
               f"WHERE t.{name} IS NOT NULL AND json_valid(t.{name})")
    else:
        sql = f"SELECT DISTINCT {name} FROM {table} WHERE {name} IS NOT NULL"
    return {str(row[0]) for row in db.execute(sql).fetchall()}


def _template_codes(table_name: str, name: str) -> set[str]:
    """The codes of a built-in select's options as the template declares them (code in db/ relies on them)."""
    if not CRM.has_table(table_name) or not CRM.table(table_name).has_column(name):
        return set()
    return {option.code for option in getattr(CRM.table(table_name).column(name).type, "options", ())}


def edited_options(table_name: str, column: Column, kind_code: str | None, labels: list[str],
                   lang: str = "zh", *, taken: Iterable[str] = ()) -> list[list[str]]:
    """The options of select ``column`` once edited to ``labels`` (in ``lang``), as stored.

    An added select takes any list; a built-in one (``kind_code`` is None)
    may gain options and have any option relabelled, but never loses one of
    the template's options, whose codes code in db/ relies on (成交 is
    ``won``). A computed select (评分等级, 客户分层 …) takes none. Raises FieldError.
    """
    if kind_code is None:
        if not isinstance(column.type, Choice) or not column.editable:
            computed = isinstance(getattr(column.type, "result", None), Choice)
            raise FieldError("field.options_computed" if computed else "field.no_options",
                             label=column.label.get(lang))
    elif not kind(kind_code).has_options:
        raise FieldError("field.no_options")
    existing = column.type.options
    rows = options_as_stored(labels, existing, lang, taken=taken)
    if not rows:
        raise FieldError("field.options_required")
    removed = _template_codes(table_name, column.name) - {code for code, _, _ in rows}
    for option in existing:
        if option.code in removed:
            raise FieldError("field.option_builtin", label=option.label.get(lang))
    if kind_code is None and (table_name, column.name) in FIXED_OPTIONS:
        added = [label for code, *words in rows if code not in {o.code for o in existing}
                 for label in words[:1]]
        if added:  # the funnel, win rates and the 看板 know each stage
            raise FieldError("field.options_fixed", field=column.label.get(lang), label=added[0])
    return rows


#: Built-in selects whose options may be renamed but never added to: the sales stages, which the funnel, the
#: win rates (规则) and the deal requirements name one by one.
FIXED_OPTIONS = {("customers", "stage")}


def stamp_text(now: dt.datetime | None) -> str:
    """``now`` (or the current time) as the base keeps it."""
    return (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")


def add_field(db: sqlite_utils.Database, actor: Actor, table_name: str, label: str, kind_code: str, *,
              options: list[str] = (), required: bool = False, help_text: str = "", formula: str = "",
              lookup: tuple[str, str] | None = None, rollup: dict | None = None, link: str | None = None,
              number_format: str = "", default: Any = None, multiple: bool = False,
              now: dt.datetime | None = None) -> str:
    """Add a column to ``table_name``; return its generated name. Raises AccessDenied or FieldError.

    The column is added to the SQL table and described in ``fields`` in one
    transaction (DDL is transactional in SQLite). A 公式 field stores no
    values: ``formula`` (references by label) is checked — syntax, known
    fields, no cycle — and kept with references by internal name. A 查找
    field takes ``lookup=(link column, column of the linked table)``; a 汇总
    field ``rollup={"table", "via", "aggregate", "column", "condition"}`` over
    the rows of ``table`` whose link ``via`` points here (``condition``: an
    optional ``[column, value]``). Neither stores values. A 链接 field links
    to table ``link``, to one record per cell or, with ``multiple``, several. A 自动编号 field takes
    ``number_format`` (default ``{YYYY}{MM}{seq:3}``) and numbers the rows
    already there in the order they were added; a 创建时间 field is filled
    with when each row was first recorded. ``default`` (checked like a cell;
    今天 for a date) fills the field on rows added without it.
    """
    access.require(actor, "manage_schema")
    label = clean_label(label)
    if kind_code not in KIND_CODES:
        raise FieldError("field.unknown_kind")
    option_rows = options_as_stored(list(options)) if kind(kind_code).has_options else []
    if kind(kind_code).has_options and not option_rows:
        raise FieldError("field.options_required")
    with write_transaction(db):
        access.resolve(db, actor)
        base = load_base(db)
        table = managed_table(base, table_name)
        _check_unique(base, table.name, label)
        field_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM fields").fetchone()[0]
        name = f"f{field_id}"
        expression = result = config = None
        if kind_code == "formula":
            expression, result = checked_formula(table, name, formula, base)
        elif kind_code == "lookup":
            config = checked_lookup(base, table, lookup)
        elif kind_code == "rollup":
            config = checked_rollup(base, table, rollup)
        elif kind_code == "autonumber":
            config = {"format": _checked_format(number_format or DEFAULT_NUMBER_FORMAT)}
        default_value = checked_default(FieldSpec(table.name, name, kind_code, options=stored_options(
            json.dumps(option_rows)), config=config).column(), default)
        if kind_code not in COMPUTED_KINDS:
            storage = kind(kind_code).make(()).storage
            # Both names are ours: the table is one of MANAGED_TABLES or t<number>, the column f<number>.
            references = ""
            if kind_code == "link":
                config = checked_link(base, link, multiple=multiple)
                # Several links are a JSON list of ids: no foreign key; a deletion empties them (db.changes).
                references = "" if multiple else f' REFERENCES "{config["table"]}"(id) ON DELETE SET NULL'
                storage = "TEXT" if multiple else storage
            elif kind_code == "person":
                references = ' REFERENCES "users"(id) ON DELETE SET NULL'
            db.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{name}" {storage}{references}')
            if kind_code == "link" and multiple:
                _keep_pairs(db, table.name, name)
            _fill(db, table, FieldSpec(table.name, name, kind_code, config=config).column(), now)
        if kind_code == "link":  # two-way: the linked table shows the records that link to it
            _add_backlink(db, actor, base, table, name, label, config["table"], now)
        db.execute(
            "INSERT INTO fields (id, table_name, name, kind, label_zh, label_en, help_zh, help_en, options, "
            "required, default_value, position, expression, result, config, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [field_id, table.name, name, kind_code, label, label, help_text or None, help_text or None,
             json.dumps(option_rows, ensure_ascii=False), int(required and kind_code not in UNTYPED_KINDS),
             default_value,
             float(len(table.columns)), expression, result,
             json.dumps(config, ensure_ascii=False) if config else None, stamp_text(now), actor.user_id])
    return name


#: Kinds whose values are computed, never typed (no SQL column, never required). A 附件 field keeps its
#: files in the ``attachments`` table (db/attachments.py); the grid shows a summary computed from it.
COMPUTED_KINDS = ("formula", "lookup", "rollup", "modified", "attachment")
#: Kinds nobody types into: computed ones and those the base fills (never required, no default).
UNTYPED_KINDS = (*COMPUTED_KINDS, "autonumber", "created")
#: What a person types as the default of a date field to mean "the day the row is added".
TODAY_WORDS = ("今天", "today", "现在", "now", NOW)


def _checked_format(text: str) -> str:
    try:
        return check_number_format(text)
    except InvalidValue:
        raise FieldError("field.number_format", format=text) from None


def checked_default(column: Column, raw: Any) -> str | None:
    """A field's default as kept (JSON), checked like a cell of ``column``; ``None`` for no default.

    今天/today on a date or date-time field means the day (and minute) a row
    is added. Raises FieldError naming why the value does not fit.
    """
    if is_empty(raw):
        return None
    if not column.editable:
        raise FieldError("field.no_default")
    if isinstance(column.type, Date | DateTime) and str(raw).strip().casefold() in TODAY_WORDS:
        return json.dumps(NOW)
    if isinstance(column.type, Link):
        raise FieldError("field.no_default")
    try:
        value = column.type.parse(raw)
    except InvalidValue as error:
        raise FieldError("field.bad_default", value=str(raw), why=error.reason) from None
    return json.dumps(value, ensure_ascii=False)


def _fill(db: sqlite_utils.Database, table: Table, column: Column, now: dt.datetime | None) -> None:
    """Give the rows already in ``table`` their value of a new field the base fills itself.

    自动编号: numbered in the order the rows were added (by id), from a unique
    index so that numbers are never given twice. 创建时间: when the row was
    first recorded in the history, else when it was last changed.
    """
    quoted_table, quoted = quote(table.name), quote(column.name)
    if isinstance(column.type, AutoNumber):
        db.execute(f'CREATE UNIQUE INDEX "{table.name}_{column.name}_unique" ON {quoted_table}({quoted})')
        today = (now or dt.datetime.now()).date()
        ids = [row[0] for row in db.execute(f"SELECT id FROM {quoted_table} ORDER BY id").fetchall()]
        for row_id in ids:
            db.execute(f"UPDATE {quoted_table} SET {quoted} = ? WHERE id = ?",
                       [next_number(db, table, column, today), row_id])
    elif isinstance(column.type, CreatedOn):
        db.execute(
            f"UPDATE {quoted_table} AS t SET {quoted} = COALESCE((SELECT substr(MIN(h.at), 1, 16) FROM history h "
            "WHERE h.table_name = ? AND h.row_id = t.id), substr(t.updated_at, 1, 16))", [table.name])


def _keep_pairs(db: sqlite_utils.Database, table_name: str, name: str) -> None:
    """Triggers that keep ``link_pairs`` equal to the lists in column ``name`` (m011), and the pairs of the
    rows already there. Both names are ours (a managed table, f<number>); values never reach the SQL."""
    listed = f"CASE WHEN json_valid(NEW.\"{name}\") THEN NEW.\"{name}\" ELSE '[]' END"  # never fail a save
    pairs = f"INSERT OR IGNORE INTO link_pairs (table_name, field, target_id, row_id) SELECT '{table_name}', " \
            f"'{name}', value, NEW.id FROM json_each({listed}) WHERE typeof(value) = 'integer'"
    gone = f"DELETE FROM link_pairs WHERE table_name = '{table_name}' AND field = '{name}' AND row_id = OLD.id"
    on = quote(table_name)
    db.execute(f'CREATE TRIGGER "{table_name}_{name}_pairs_insert" AFTER INSERT ON {on} BEGIN {pairs}; END')
    db.execute(f'CREATE TRIGGER "{table_name}_{name}_pairs_update" AFTER UPDATE OF "{name}" ON {on} '
               f'BEGIN {gone}; {pairs}; END')
    db.execute(f'CREATE TRIGGER "{table_name}_{name}_pairs_delete" AFTER DELETE ON {on} BEGIN {gone}; END')
    rebuild_pairs(db, table_name, name)


def rebuild_pairs(db: sqlite_utils.Database, table_name: str, name: str) -> None:
    """Set ``link_pairs`` of list column ``name`` from the lists themselves (after a load without triggers)."""
    db.execute("DELETE FROM link_pairs WHERE table_name = ? AND field = ?", [table_name, name])
    db.execute(f'INSERT OR IGNORE INTO link_pairs (table_name, field, target_id, row_id) SELECT ?, ?, j.value, t.id '
               f'FROM "{table_name}" t, json_each(t."{name}") j WHERE json_valid(t."{name}") '
               f"AND typeof(j.value) = 'integer'", [table_name, name])


def checked_link(base: Base, target: str | None, *, multiple: bool = False) -> dict:
    """A link's config: the table it links to (customers, follow-ups or an added table), and whether a
    cell holds several records."""
    if not target or not base.has_table(target) or target == "users":
        raise FieldError("field.link_table")
    return {"table": target, "multiple": True} if multiple else {"table": target}


def _add_backlink(db: sqlite_utils.Database, actor: Actor, base: Base, table: Table, via: str, label: str,
                  target: str, now: dt.datetime | None) -> None:
    """On ``target``, a field listing the ``table`` records that link to it (the other side of a link)."""
    other = base.table(target)
    name_taken = {c.label.zh.casefold() for c in other.columns}
    backlink = table.label.zh if table.label.zh.casefold() not in name_taken else f"{table.label.zh}（{label}）"
    field_id = db.execute("SELECT COALESCE(MAX(id), 0) + 2 FROM fields").fetchone()[0]  # after the link's own
    config = {"table": table.name, "via": via, "aggregate": "list", "column": table.label_column,
              "order_by": table.default_order, "condition": None}
    db.execute(
        "INSERT INTO fields (id, table_name, name, kind, label_zh, label_en, position, config, updated_at, "
        "updated_by) VALUES (?, ?, ?, 'rollup', ?, ?, ?, ?, ?, ?)",
        [field_id, other.name, f"f{field_id}", backlink, backlink, float(len(other.columns)),
         json.dumps(config, ensure_ascii=False), stamp_text(now), actor.user_id])


def checked_lookup(base: Base, table: Table, lookup: tuple[str, str] | None) -> dict:
    """A lookup's config, checked: a link column of ``table`` and a column of the table it links to."""
    via, column = lookup or ("", "")
    link = table.column(via) if table.has_column(via) else None
    if link is None or not isinstance(link.type, Link):
        raise FieldError("field.lookup_link")
    if not base.table(link.type.table).has_column(column):
        raise FieldError("field.not_found")
    return {"via": via, "column": column}


def checked_rollup(base: Base, table: Table, rollup: dict | None) -> dict:
    """A rollup's config, checked: a link into ``table``, a known aggregate, a column it can apply to,
    and a condition whose value fits its column."""
    rollup = dict(rollup or {})
    sources = {(other.name, column.name): other for other, column in base.links_to(table.name)}
    source = sources.get((rollup.get("table"), rollup.get("via")))
    if source is None:
        raise FieldError("field.rollup_source")
    aggregate = rollup.get("aggregate", "count")
    if aggregate not in AGGREGATES:
        raise FieldError("field.rollup_aggregate")
    column = rollup.get("column")
    if aggregate != "count":
        if not source.has_column(column or ""):
            raise FieldError("field.not_found")
        read = getattr(source.column(column).type, "result", source.column(column).type)
        if aggregate in ("sum", "avg") and not isinstance(read, Number):
            raise FieldError("field.rollup_number")
    condition = rollup.get("condition")
    if condition:
        name, value = condition
        if not source.has_column(name):
            raise FieldError("field.not_found")
        try:
            value = source.column(name).type.parse(value)
        except InvalidValue:
            raise FieldError("field.rollup_condition") from None
        condition = [name, value]
    return {"table": source.name, "via": rollup["via"], "aggregate": aggregate,
            "column": column if aggregate != "count" else None, "order_by": source.default_order,
            "condition": condition or None}


def checked_formula(table: Table, name: str, text: str, base: Base | None = None) -> tuple[str, str]:
    """``(expression with references by internal name, what it yields)`` for formula field ``name``.

    Raises FieldError: a syntax error (with where), an unknown function or
    field, or a cycle (naming the fields on it) — within the table, or across
    tables through lookups and rollups of ``base``.
    """
    try:
        node = parse(text)
        names: dict[str, str] = {}
        for reference in references(node):
            column = formula_column(table, reference)
            if column is None:
                raise FieldError("formula.unknown_field", label=reference_label(reference) or reference)
            names[reference] = column.name
        expression = rewrite(text, lambda reference: "#" + names[reference])
    except FormulaError as error:
        raise FieldError(error.reason, **error.params) from None
    _refuse_cycles(base or Base(tables=(table,)), table, name, expression)

    def result_of_ref(reference: str) -> str:
        column = table.column(reference[1:]) if reference[1:] != name else None
        if column is None:
            return "text"
        kind_ = getattr(column.type, "result", column.type)
        if isinstance(kind_, Number) or isinstance(column.type, DaysSince):
            return "number"
        if isinstance(kind_, DateTime):
            return "datetime"
        if isinstance(kind_, Date):
            return "date"
        if isinstance(kind_, Checkbox):
            return "bool"
        return "text"

    return expression, result_of(parse(expression), result_of_ref)


def _refuse_cycles(base: Base, table: Table, name: str, expression: str) -> None:
    """Raise FieldError naming the cycle if what formula ``name`` (about to be ``expression``) reads —
    following formulas, lookups and rollups, across tables — comes back to it."""
    start = (table.name, name)

    def reads(node: tuple[str, str]) -> list[tuple[str, str]]:
        table_name, column_name = node
        if node == start:
            return [(table_name, r[1:]) for r in references(parse(expression)) if r.startswith("#")]
        if not base.has_table(table_name) or not base.table(table_name).has_column(column_name):
            return []
        kind_ = base.table(table_name).column(column_name).type
        if isinstance(kind_, Formula):
            try:
                return [(table_name, r[1:]) for r in references(parse(kind_.expression)) if r.startswith("#")]
            except FormulaError:
                return []
        if isinstance(kind_, Lookup):
            return [(kind_.table, kind_.column)]
        if isinstance(kind_, Rollup) and kind_.column and not kind_.stored:
            return [(kind_.table, kind_.column)]
        if isinstance(kind_, DaysSince):
            return [(table_name, kind_.column)]
        return []

    def walk(node: tuple[str, str], path: list[tuple[str, str]]) -> None:
        for target in reads(node):
            if target == start:
                labels = [_label_of(base, table, n) for n in [*path, start]]
                raise FieldError("formula.cycle", path=" → ".join(labels))
            if target not in path:
                walk(target, [*path, target])

    walk(start, [start])


def _label_of(base: Base, table: Table, node: tuple[str, str]) -> str:
    """A field on a cycle as a person names it: its label, with its table's when it is another table's."""
    table_name, name = node
    other = base.table(table_name) if base.has_table(table_name) else None
    if other is None or not other.has_column(name):
        return name
    label = other.column(name).label.zh
    return label if table_name == table.name else f"{other.label.zh}·{label}"


def formula_text(table: Table, expression: str, lang: str = "zh") -> str:
    """A stored expression as a person writes it: references by label in ``lang`` (braces, backslashes and
    a leading ``#`` in a label escaped, so that the text parses back to the same formula)."""
    def label(reference: str) -> str:
        column = formula_column(table, reference)
        return label_reference(column.label.get(lang)) if column else reference
    try:
        return rewrite(expression, label)
    except FormulaError:
        return expression


def update_field(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, *,
                 label: str | None = None, help_text: str | None = None, hidden: bool | None = None,
                 required: bool | None = None, options: list[str] | None = None, formula: str | None = None,
                 default: Any = None, clear_default: bool = False, number_format: str | None = None,
                 lang: str = "zh", now: dt.datetime | None = None) -> None:
    """Change a field's label, help, visibility, requiredness, options, default or number format
    (given ones only; ``clear_default`` removes the default).

    A new number format applies to rows added from now on; numbers already
    given stay as they are.

    A new label is the label in ``lang``; the other language's label follows
    when it was the same text (an added field named once), else it is kept.

    Built-in columns take a new label, help and visibility, and a built-in
    select new options and new labels for its options (never losing one of
    the template's: see :func:`edited_options`); added fields also
    requiredness and options. ``options`` are labels in ``lang``. An option
    whose label is kept keeps its code, so cells holding it follow a rename
    made by reordering or editing others; a removed option's code stays in
    its cells, shown as it is. Raises AccessDenied or FieldError.
    """
    access.require(actor, "manage_schema")
    with write_transaction(db):
        access.resolve(db, actor)
        base = load_base(db)
        table = managed_table(base, table_name)
        try:
            column = table.column(name)
        except UnknownColumn:
            raise FieldError("field.not_found") from None
        row = _ensure_row(db, table.name, name)
        added = db.execute("SELECT kind, options FROM fields WHERE id = ?", [row]).fetchone()
        changes: dict[str, Any] = {}
        if label is not None:
            text = clean_label(label)
            _check_unique(base, table.name, text, except_name=name)
            same = column.label.zh == column.label.en
            zh = text if lang != "en" or same else column.label.zh
            en = text if lang == "en" or same else column.label.en
            changes.update(label_zh=zh, label_en=en)
        if help_text is not None:
            old = column.help or Label("", "")
            text, same = help_text.strip() or None, old.zh == old.en
            changes.update(help_zh=text if lang != "en" or same else old.zh or None,
                           help_en=text if lang == "en" or same else old.en or None)
        if hidden is not None:
            if hidden and name == table.label_column:
                raise FieldError("field.label_column")
            if hidden and (column.required if required is None else required):
                raise FieldError("field.required_hidden")  # nobody could add a row any more
            changes["hidden"] = int(hidden)
        elif required and column.hidden:
            raise FieldError("field.required_hidden")
        if formula is not None:
            if added[0] != "formula":
                raise FieldError("field.not_formula")
            changes["expression"], changes["result"] = checked_formula(table, name, formula, base)
        if default is not None or clear_default:
            if added[0] is None:
                raise FieldError("field.builtin")
            changes["default_value"] = None if clear_default else checked_default(column, default)
        if number_format is not None:
            if added[0] != "autonumber":
                raise FieldError("field.not_autonumber")
            config = json.loads(db.execute("SELECT config FROM fields WHERE id = ?", [row]).fetchone()[0] or "{}")
            changes["config"] = json.dumps({**config, "format": _checked_format(number_format)}, ensure_ascii=False)
        if required is not None:
            if added[0] is None:
                raise FieldError("field.builtin")
            if required and added[0] in UNTYPED_KINDS:
                raise FieldError("field.no_required")
            changes["required"] = int(required)
        if options is not None:
            rows = edited_options(table.name, column, added[0], options, lang,
                                  taken=codes_in_cells(db, table.name, column))
            changes["options"] = json.dumps(rows, ensure_ascii=False)
        if changes:
            write_settings(db, row, changes, actor, now)


def _ensure_row(db: sqlite_utils.Database, table_name: str, name: str) -> int:
    """The id of the ``fields`` row of a column, made (empty) for a built-in column seen for the first time."""
    found = db.execute("SELECT id FROM fields WHERE table_name = ? AND name = ?", [table_name, name]).fetchone()
    if found:
        return found[0]
    return int(db.execute("INSERT INTO fields (table_name, name) VALUES (?, ?)", [table_name, name]).lastrowid)


def write_settings(db: sqlite_utils.Database, row: int, changes: dict[str, Any], actor: Actor,
                   now: dt.datetime | None) -> None:
    """Apply ``changes`` to the ``fields`` row ``row``, moving its version on (inside a write transaction)."""
    # The names come from the dict literals above, never from user input.
    assignments = ", ".join(f"{name} = ?" for name in changes)
    db.execute(f"UPDATE fields SET {assignments}, version = version + 1, updated_at = ?, updated_by = ? "
               "WHERE id = ?", [*changes.values(), stamp_text(now), actor.user_id, row])


def move_field(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, steps: int, *,
               now: dt.datetime | None = None) -> None:
    """Move a column ``steps`` places (negative: to the left) among the table's columns."""
    _move(db, actor, table_name, name, lambda others, index: max(0, min(len(others), index + steps)), now)


def move_field_after(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, after: str | None, *,
                     now: dt.datetime | None = None) -> None:
    """Move a column to just after column ``after`` (``None``: to the front), in one step however far that is.
    Raises AccessDenied or FieldError (either column not there)."""
    def place(others: list[str], index: int) -> int:
        if after is None:
            return 0
        if after == name:
            return index
        if after not in others:
            raise FieldError("field.not_found")
        return others.index(after) + 1

    _move(db, actor, table_name, name, place, now)


def _move(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, place, now: dt.datetime | None) -> None:
    """Move column ``name`` to ``place(the other columns in order, its index)``: its index among them."""
    access.require(actor, "manage_schema")
    with write_transaction(db):
        access.resolve(db, actor)
        table = managed_table(load_base(db), table_name)
        names = [column.name for column in table.columns]
        if name not in names:
            raise FieldError("field.not_found")
        index = names.index(name)
        names.pop(index)
        names.insert(place(names, index), name)
        for position, moved in enumerate(names):
            write_settings(db, _ensure_row(db, table.name, moved), {"position": float(position)}, actor, now)


def delete_field(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, *,
                 now: dt.datetime | None = None) -> None:
    """Move an added field to the trash: it leaves every grid, its data stays until it is restored.

    Built-in columns cannot be deleted, only hidden. Raises AccessDenied or FieldError.
    """
    access.require(actor, "manage_schema")
    with write_transaction(db):
        access.resolve(db, actor)
        managed_table(load_base(db), table_name)
        found = db.execute("SELECT id, kind FROM fields WHERE table_name = ? AND name = ? AND deleted_at IS NULL",
                           [table_name, name]).fetchone()
        if found is None:
            raise FieldError("field.not_found")
        if found[1] is None:
            raise FieldError("field.builtin_delete")
        write_settings(db, found[0], {"deleted_at": stamp_text(now)}, actor, now)
        for backlink in _backlinks(db, table_name, name, deleted=False):  # the other side of a link goes too
            write_settings(db, backlink, {"deleted_at": stamp_text(now)}, actor, now)


def deleted_fields(db: sqlite_utils.Database, table_name: str) -> list[FieldSpec]:
    """The added fields of ``table_name`` in the trash, newest first."""
    return [s for s in reversed(specs(db, include_deleted=True)) if s.deleted and s.table == table_name]


def restore_field(db: sqlite_utils.Database, actor: Actor, table_name: str, name: str, *,
                  now: dt.datetime | None = None) -> None:
    """Bring a deleted field back with its data. Raises AccessDenied or FieldError (e.g. its label is taken)."""
    access.require(actor, "manage_schema")
    with write_transaction(db):
        access.resolve(db, actor)
        found = db.execute("SELECT id, label_zh FROM fields WHERE table_name = ? AND name = ? "
                           "AND deleted_at IS NOT NULL", [table_name, name]).fetchone()
        if found is None:
            raise FieldError("field.not_found")
        _check_unique(load_base(db), table_name, found[1])
        write_settings(db, found[0], {"deleted_at": None}, actor, now)
        for backlink in _backlinks(db, table_name, name, deleted=True):
            write_settings(db, backlink, {"deleted_at": None}, actor, now)


def _backlinks(db: sqlite_utils.Database, table_name: str, name: str, *, deleted: bool) -> list[int]:
    """The ids of the fields that list, on the other table, the records linking through ``name``."""
    rows = db.execute("SELECT id, config FROM fields WHERE kind = 'rollup' AND config IS NOT NULL AND "
                      f"deleted_at IS {'NOT ' if deleted else ''}NULL").fetchall()
    wanted = {"table": table_name, "via": name, "aggregate": "list"}
    return [row_id for row_id, config in rows
            if {key: json.loads(config).get(key) for key in wanted} == wanted]

