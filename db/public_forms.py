"""公开表单 (public forms): a link anyone can fill in without an account — 官网咨询, 展会登记 on a visitor's phone.

A manager or administrator publishes a form for 客户 or an added table: a
title, the fields it asks (never links, members, files or computed fields, so
nothing in the base is shown to a visitor), the 来源渠道 it records and who
owns the customers it adds (nobody — the 公海 — unless chosen). Its address
holds a random token (``/f/<token>``, served by ``web/public_forms.py``); it
can be stopped and started again.

A visitor's answers go through ``db.changes.apply`` with the rights of the
member who published the form (a form of a member no longer active or no
longer allowed to publish is closed), so they are checked like the grid's; the
history records them as the form's, under no member. Near duplicates are saved (查重 finds them later);
an exact duplicate of an existing customer is not added — what the visitor typed
is kept with the form as a 重复提交 naming that customer, for a manager to
follow up, and the visitor is thanked like anyone else (a visitor never learns
what the base holds). Each post is logged (when, a hash of the client, the
outcome, refused ones too); a client posts at most :data:`PER_CLIENT` times per
:data:`CLIENT_WINDOW`, a form takes at most :data:`PER_FORM` posts an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from db import access, history
from db.access import AccessDenied, Actor
from db.changes import ChangeSet, NewRow, apply, validate
from db.connection import write_transaction
from db.errors import InvalidChanges, Refused
from db.fields import is_added_table, load_base
from schema.model import Base, Column, Table
from schema.types import Attachments, AutoNumber, CreatedOn, Link

MAX_TITLE = 60
#: Posts one client may make to one form within :data:`CLIENT_WINDOW` (refused ones count too).
PER_CLIENT = 10
CLIENT_WINDOW = dt.timedelta(minutes=10)
#: Posts one form takes in an hour, from everyone (refused ones count too).
PER_FORM = 300
#: The fields a new customer form asks unless the publisher chooses (those the table has, in its order).
CUSTOMER_DEFAULTS = ("name", "contact", "contact_title", "phone", "email", "industry", "region", "needs")
#: Columns never asked: who owns the record is the publisher's choice.
_NEVER = ("owner_id",)


class FormError(Refused):
    """Publishing or changing a public form was refused; nothing written."""


class FormClosed(Refused):
    """The form does not exist, was stopped, or its publisher may no longer publish."""

    def __init__(self) -> None:
        super().__init__("public_form.closed")


class FormBusy(Refused):
    """Too many posts from this client, or to this form, just now; nothing written."""

    def __init__(self) -> None:
        super().__init__("public_form.busy")


@dataclass(frozen=True)
class PublicForm:
    """One published form: its token, table, title, the fields it asks, the 来源渠道 it records and the owner
    of the customers it adds (``None``: the 公海)."""

    id: int
    token: str
    table: str
    title: str
    fields: tuple[str, ...]
    source: str | None
    owner_id: int | None
    created_by: int
    created_at: str
    active: bool

    @property
    def path(self) -> str:
        """The form's address on this site."""
        return f"/f/{self.token}"


def askable(table: Table) -> list[Column]:
    """The fields a public form may ask a visitor: plain values only (never a link, which would show the base's
    records, nor files, nor anything the base computes or numbers)."""
    return [c for c in table.columns
            if c.editable and not c.computed and c.name not in _NEVER
            and not isinstance(c.type, Link | Attachments | AutoNumber | CreatedOn)]


def asked(table: Table, form: PublicForm) -> list[Column]:
    """The fields ``form`` asks, in the table's order: those chosen that still exist and may be asked, every
    required one among them, and never 来源渠道 when the form records it."""
    chosen = set(form.fields)
    return [c for c in askable(table)
            if (c.name in chosen or (c.required and c.default is None))
            and not (form.source and c.name == "source")]


def default_fields(table: Table) -> tuple[str, ...]:
    """What a new form on ``table`` asks unless the publisher chooses: for 客户 the contact details and the
    need; for an added table every field a visitor may fill in."""
    names = [c.name for c in askable(table)]
    if table.name == "customers":
        return tuple(name for name in CUSTOMER_DEFAULTS if name in names)
    return tuple(names)


def _check_table(base: Base, table_name: str) -> Table:
    if table_name != "customers" and not is_added_table(table_name):
        raise FormError("public_form.bad_table")
    if not base.has_table(table_name):
        raise FormError("public_form.bad_table")
    table = base.table(table_name)
    unaskable = [c for c in table.columns if c.required and c.default is None and c.editable
                 and c not in askable(table) and c.name not in _NEVER]
    if unaskable:  # a visitor could never fill it in
        raise FormError("public_form.needs_link", field=unaskable[0].label.zh)
    return table


_COLUMNS = "id, token, table_name, title, fields, source, owner_id, created_by, created_at, active"


def _form(row: tuple) -> PublicForm:
    return PublicForm(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5], row[6], row[7], row[8],
                      bool(row[9]))


def publish(db: sqlite_utils.Database, actor: Actor, table_name: str, title: str, *,
            fields: tuple[str, ...] | None = None, source: str | None = None, owner_id: int | None = None,
            now: dt.datetime | None = None) -> PublicForm:
    """Publish a form; return it (with its new token). Managers and administrators only.

    Raises AccessDenied, or FormError: no title or too long, a table a form
    cannot add to, a required field a visitor cannot fill in, an unknown
    source, an owner who is not an active member, no field to ask.
    """
    access.require(actor, "transfer")
    title = " ".join((title or "").split())
    if not title:
        raise FormError("public_form.title_required")
    if len(title) > MAX_TITLE:
        raise FormError("public_form.title_too_long", limit=MAX_TITLE)
    base = load_base(db)
    table = _check_table(base, table_name)
    sources = {o.code for o in table.column("source").type.options} if table.has_column("source") else set()
    if source is not None and source not in sources:
        raise FormError("public_form.bad_source")
    names = {c.name for c in askable(table)}
    chosen = tuple(name for name in (default_fields(table) if fields is None else fields) if name in names)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.require(actor, "transfer")
        if owner_id is not None and not db.execute("SELECT 1 FROM users WHERE id = ? AND active = 1",
                                                   [owner_id]).fetchone():
            raise FormError("public_form.bad_owner")
        form = PublicForm(0, secrets.token_urlsafe(18), table.name, title, chosen, source, owner_id,
                          int(actor.user_id), stamp, True)
        if not asked(table, form):
            raise FormError("public_form.no_fields")
        form_id = db.execute(
            "INSERT INTO public_forms (token, table_name, title, fields, source, owner_id, created_by, created_at, "
            "active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [form.token, form.table, form.title, json.dumps(list(chosen)), source, owner_id, form.created_by,
             stamp]).lastrowid
    return replace(form, id=int(form_id))


def forms(db: sqlite_utils.Database, actor: Actor) -> list[PublicForm]:
    """Every public form, newest first (managers and administrators; others get none)."""
    if not actor.can("transfer"):
        return []
    return [_form(row) for row in db.execute(f"SELECT {_COLUMNS} FROM public_forms ORDER BY id DESC").fetchall()]


def set_active(db: sqlite_utils.Database, actor: Actor, form_id: int, active: bool) -> None:
    """Stop (``False``) or start again a form; its address stays the same. Raises AccessDenied or FormError."""
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.require(actor, "transfer")
        if db.execute("UPDATE public_forms SET active = ? WHERE id = ?", [int(active), int(form_id)]).rowcount != 1:
            raise FormError("public_form.not_found")


def by_token(db: sqlite_utils.Database, token: str, *, base: Base | None = None) -> PublicForm | None:
    """The form at ``token`` if a visitor can use it now: active, its publisher still may publish, and its table
    still one a visitor can fill in (a required link added since closes it), else ``None``."""
    row = db.execute(f"SELECT {_COLUMNS} FROM public_forms WHERE token = ? AND active = 1", [str(token)]).fetchone()
    if row is None:
        return None
    form = _form(row)
    return form if _publisher(db, form) is not None and unusable(form, base or load_base(db)) is None else None


def unusable(form: PublicForm, base: Base) -> FormError | None:
    """Why ``form`` cannot take answers with the table as it is now (its publisher's panel says so), or ``None``."""
    try:
        _check_table(base, form.table)
    except FormError as problem:
        return problem
    return None


def _publisher(db: sqlite_utils.Database, form: PublicForm) -> Actor | None:
    try:
        actor = access.resolve(db, Actor(form.created_by, "sales"))
    except AccessDenied:
        return None
    return actor if actor.can("transfer") else None


def client_key(address: str) -> str:
    """What the post log keeps of a client's address: a hash, enough to count its posts."""
    return hashlib.sha256(f"genjin-form:{address}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Outcome:
    """What a post did: ``added`` (``record_id`` is the new record) or ``duplicate`` (``duplicate_of`` is the
    customer it matched; nothing added, the answers kept with the form)."""

    kind: str
    record_id: int | None = None
    duplicate_of: int | None = None


def submit(db: sqlite_utils.Database, token: str, answers: Mapping[str, Any], client: str, *,
           now: dt.datetime | None = None) -> Outcome:
    """Add one record from a visitor's ``answers`` (``{column: raw text}``; others are ignored).

    Raises FormClosed, FormBusy, or InvalidChanges (values that do not fit;
    each problem names its column — never an exact duplicate, which is kept
    as a 重复提交). Answers are checked before the base's write lock is taken;
    a refused post is logged (it counts towards the limits) without its
    answers. The record, its history (as the form's, under no member: the
    publisher's 撤销 never takes a visitor's record back) and the post's log
    are written in one transaction or not at all.
    """
    now = now or dt.datetime.now()
    at = now.strftime("%Y-%m-%d %H:%M:%S")
    base = load_base(db)
    form = by_token(db, token, base=base)
    if form is None:
        raise FormClosed()
    _throttle(db, form, client, now)
    table = base.table(form.table)
    values = {c.name: answers.get(c.name) for c in asked(table, form)}
    if form.source:
        values["source"] = form.source
    if table.has_column("owner_id"):  # an owner disabled since the form was published: the 公海 instead
        active = form.owner_id is not None and db.execute(
            "SELECT 1 FROM users WHERE id = ? AND active = 1", [form.owner_id]).fetchone()
        values["owner_id"] = form.owner_id if active else None
    changes = ChangeSet(table.name, inserts=(NewRow(values, row=1),))
    try:
        validate(changes, now=now, base=base)  # before the lock: a refused post never holds up the base
    except InvalidChanges:
        with write_transaction(db):
            _log(db, form, at, client, "refused", None, None, None)
        raise
    with write_transaction(db):
        publisher = _publisher(db, form)
        if publisher is None or by_token(db, token, base=base) is None:  # closed meanwhile
            raise FormClosed()
        _throttle(db, form, client, now)
        by = history.stamp(db, None, at)
        try:
            applied = apply(db, changes, actor=publisher, now=now, base=base, allow_similar=True, by=by)
        except InvalidChanges as error:
            duplicates = [p for p in error.problems if p.reason == "invalid.duplicate"]
            if not duplicates or len(duplicates) != len(error.problems):
                raise
            matched = duplicates[0].params.get("customer")
            kept = {name: value for name, value in values.items() if value not in (None, "", [])}
            _log(db, form, at, client, "duplicate", None, matched, kept)
            return Outcome("duplicate", duplicate_of=matched)
        _log(db, form, at, client, "added", applied.inserted[0], None, None, change_id=by.change_id)
        return Outcome("added", record_id=applied.inserted[0])


def _throttle(db: sqlite_utils.Database, form: PublicForm, client: str, now: dt.datetime) -> None:
    since_client = (now - CLIENT_WINDOW).strftime("%Y-%m-%d %H:%M:%S")
    since_hour = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    by_client = db.execute("SELECT COUNT(*) FROM public_form_posts WHERE form_id = ? AND client = ? AND at > ?",
                           [form.id, client, since_client]).fetchone()[0]
    by_form = db.execute("SELECT COUNT(*) FROM public_form_posts WHERE form_id = ? AND at > ?",
                         [form.id, since_hour]).fetchone()[0]
    if by_client >= PER_CLIENT or by_form >= PER_FORM:
        raise FormBusy()


def _log(db: sqlite_utils.Database, form: PublicForm, at: str, client: str, outcome: str, record_id: int | None,
         duplicate_of: int | None, answers: Mapping[str, Any] | None, *, change_id: int | None = None) -> None:
    db.execute(
        "INSERT INTO public_form_posts (form_id, at, client, outcome, record_id, duplicate_of, answers, change_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [form.id, at, client, outcome, record_id, duplicate_of,
         json.dumps(dict(answers), ensure_ascii=False, default=str) if answers is not None else None, change_id])


@dataclass(frozen=True)
class Post:
    """One post to a form, as its publisher reviews it: when, what came of it, and for a duplicate what the
    visitor typed and the customer it matched."""

    at: str
    outcome: str
    record_id: int | None
    duplicate_of: int | None
    answers: dict[str, Any]


def posts(db: sqlite_utils.Database, actor: Actor, form_id: int, *, limit: int = 50) -> tuple[dict[str, int],
                                                                                              list[Post]]:
    """How many posts ``form_id`` took by outcome, and its latest ``limit`` duplicates (managers and
    administrators)."""
    access.require(actor, "transfer")
    counts = dict(db.execute("SELECT outcome, COUNT(*) FROM public_form_posts WHERE form_id = ? GROUP BY outcome",
                             [int(form_id)]).fetchall())
    rows = db.execute(
        "SELECT at, outcome, record_id, duplicate_of, answers FROM public_form_posts "
        "WHERE form_id = ? AND outcome = 'duplicate' ORDER BY id DESC LIMIT ?", [int(form_id), int(limit)]).fetchall()
    return counts, [Post(r[0], r[1], r[2], r[3], json.loads(r[4] or "{}")) for r in rows]


def purge_posts(db: sqlite_utils.Database, *, now: dt.datetime | None = None, keep_days: int = 90) -> int:
    """Forget the log of posts older than ``keep_days`` that added a record (the record and its history stay) or
    were refused (housekeeping); return how many went. Duplicates are kept: their answers are nowhere else."""
    before = ((now or dt.datetime.now()) - dt.timedelta(days=keep_days)).strftime("%Y-%m-%d %H:%M:%S")
    with write_transaction(db):
        return db.execute("DELETE FROM public_form_posts WHERE outcome != 'duplicate' AND at < ?", [before]).rowcount
