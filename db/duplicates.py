"""查重: the same customer found by phone, e-mail or company name, on every save and across the base.

Keys. Each customer has normalized keys in ``customer_keys`` (migration m014):
its name (:func:`name_key`), its phone (:func:`phone_key`), its e-mail
(:func:`email_key`) and the character pairs of its name (``gram``, the index
near matches are found through). Triggers on ``customers`` keep them in the
same statement as every insert, update and delete — saves, undo, restore,
merges and any later writer alike — by calling :func:`keys_json`, which
:func:`register` puts on every connection (``db.connection.connect``).
:func:`key_drift` compares them with a fresh computation.

On a save (``db.changes.apply``), for the rows written and the columns it
wrote: an **exact** match (the same name, phone or e-mail key as another
customer) is refused as an ``invalid.duplicate`` problem naming the existing
customer; a **near** match (name similarity ≥ the rule
``duplicate_similarity``, rapidfuzz's ``ratio`` of the keys) raises
:class:`SimilarCustomers` unless the save says ``allow_similar``.

What a member learns about a customer they may not see (another
salesperson's): only that it exists and who owns it. Its id, name and values
never leave this module for them (``visible`` is false, ``customer_id`` and
``name`` are ``None``).

The 查重 page uses :func:`scan` (groups of suspected duplicates) and
:func:`merge` (a group into one customer, in one recorded change).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from rapidfuzz import fuzz, process

from db import access
from db.access import Actor
from db.errors import Problem, Refused
from schema.types import Email, InvalidValue, Phone, is_empty, to_half_width

#: The kinds of exact key, each the customers column it is made from.
KINDS = ("name", "phone", "email")

# --- normalization -----------------------------------------------------------

#: Legal forms dropped from the end of a company name (longest first), again and again:
#: 上海瑞拓科技集团股份有限公司 → 上海瑞拓科技.
SUFFIXES = ("有限责任公司", "股份有限公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "集团", "公司")
_EN_SUFFIX = re.compile(
    r"(?<![a-z0-9])(?:co\W*ltd|co\W*limited|ltd|limited|inc|incorporated|corp|corporation|company|co|llc|group)"
    r"\W*$")
_CHINA = re.compile(r"[(\[【]中国[)\]】]")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\W_]+(?=\d)")


def name_key(raw: Any) -> str | None:
    """A company name as compared: half-width, case-folded, (中国) and legal forms dropped, only letters and digits
    (and ``-`` between two digits).

    >>> name_key("上海瑞拓科技（中国）有限公司")
    '上海瑞拓科技'
    >>> name_key(" Acme Trading Co., Ltd. ")
    'acmetrading'
    >>> name_key("有限公司") is None
    False
    """
    if is_empty(raw):
        return None
    text = unicodedata.normalize("NFKC", to_half_width(str(raw))).casefold().strip()
    text = _CHINA.sub("", text)
    while (stripped := _EN_SUFFIX.sub("", text).rstrip()) != text and stripped:
        text = stripped
    text = _BETWEEN_DIGITS.sub("\x01", text)  # 1-11 and 11-1 stay apart
    letters = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN" or ch == "\x01").replace("\x01", "-")
    key = letters
    while key not in SUFFIXES:  # a name that is only a legal form stays as it is
        suffix = next((s for s in SUFFIXES if key.endswith(s) and len(key) > len(s)), None)
        if suffix is None:
            break
        key = key[: -len(suffix)]
    return key or letters or None


def phone_key(raw: Any) -> str | None:
    """A phone as stored (``13800138000``, ``021-62345678``; +86, spaces and dashes ignored); digits if it does
    not parse."""
    if is_empty(raw):
        return None
    try:
        return Phone().parse(raw)
    except InvalidValue:
        return re.sub(r"\D", "", to_half_width(str(raw))) or None


def email_key(raw: Any) -> str | None:
    """An e-mail address lower-cased (full-width ＠ too)."""
    if is_empty(raw):
        return None
    try:
        return Email().parse(raw)
    except InvalidValue:
        return to_half_width(str(raw)).replace("＠", "@").strip().lower() or None


def grams(key: str | None) -> list[str]:
    """The distinct character pairs of a name key, in order (the key itself when it is one character)."""
    if not key:
        return []
    if len(key) == 1:
        return [key]
    return list(dict.fromkeys(key[i:i + 2] for i in range(len(key) - 1)))


def keys(name: Any, phone: Any, email: Any) -> list[tuple[str, str]]:
    """Every ``(kind, key)`` of a customer: name, gram…, phone, email."""
    found = []
    if (name_ := name_key(name)) is not None:
        found.append(("name", name_))
        found += [("gram", gram) for gram in grams(name_)]
    if (phone_ := phone_key(phone)) is not None:
        found.append(("phone", phone_))
    if (email_ := email_key(email)) is not None:
        found.append(("email", email_))
    return found


def keys_json(name: Any, phone: Any, email: Any) -> str:
    """:func:`keys` as JSON, for the triggers (never raises: a value it cannot read gives no key)."""
    try:
        return json.dumps(keys(name, phone, email), ensure_ascii=False)
    except Exception:
        return "[]"


def register(conn: Any) -> None:
    """Put ``genjin_customer_keys(name, phone, email)`` on a sqlite3 connection (the triggers call it)."""
    conn.create_function("genjin_customer_keys", 3, keys_json, deterministic=True)


def rebuild_keys(db: sqlite_utils.Database) -> None:
    """Compute every customer's keys afresh (after a bulk load that set the triggers aside), in the caller's
    transaction. The secondary indexes are set aside meanwhile (their SQL read back from the base) and built
    again in one sort each: at 100k customers that is several times faster than keeping them row by row."""
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer_keys' "
                         "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    db.execute("DELETE FROM customer_keys")
    db.execute("INSERT OR IGNORE INTO customer_keys (kind, key, customer_id) "
               "SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), c.id "
               "FROM customers c, json_each(genjin_customer_keys(c.name, c.phone, c.email)) j ORDER BY 1, 2, 3")
    for _, sql in indexes:
        db.execute(sql)


def key_drift(db: sqlite_utils.Database) -> list[tuple[str, int, str, str]]:
    """``[("missing" | "extra", customer id, kind, key), …]`` wherever the kept keys differ from fresh ones."""
    kept = set(db.execute("SELECT customer_id, kind, key FROM customer_keys").fetchall())
    fresh = {(row_id, kind, key) for row_id, name, phone, email in
             db.execute("SELECT id, name, phone, email FROM customers").fetchall()
             for kind, key in keys(name, phone, email)}
    return sorted([("missing", *k) for k in fresh - kept] + [("extra", *k) for k in kept - fresh])


# --- near matches ------------------------------------------------------------

def _destroyed(n: int, threshold: float) -> int:
    """The most character pairs of a name of ``n`` characters that an edit within ``threshold`` can break.

    A name ``b`` within the threshold is ``a`` with ``k`` characters deleted
    and ``l`` inserted, ``k + l <= (1 - t) * (len a + len b)``; a deletion
    breaks at most two of ``a``'s pairs, an insertion one.
    """
    worst = 0
    for k in range(n + 1):
        for inserted in range(2 * n + 2):
            if k + inserted > (1 - threshold) * (2 * n - k + inserted) + 1e-9:
                break
            worst = max(worst, 2 * k + inserted)
    return worst


def _probe(db: sqlite_utils.Database, key: str, threshold: float) -> list[str]:
    """The rarest pairs of ``key`` of which any name within ``threshold`` holds at least one (prefix filtering).

    When the name is too short for that guarantee, every pair (best effort).
    """
    pairs = grams(key)
    shared = (len(key) - 1) - _destroyed(len(key), threshold) - (len(key) - 1 - len(pairs))
    if shared < 1 or len(pairs) <= 1:
        return pairs
    counts = {gram: db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM customer_keys WHERE kind = 'gram' AND key = ? "
                               "LIMIT 5000)", [gram]).fetchone()[0] for gram in pairs}
    return sorted(pairs, key=lambda gram: (counts[gram], gram))[: len(pairs) - shared + 1]


#: At most this many candidates are scored for one name (a name made only of very common pairs).
CANDIDATES = 5000


def similar_to(db: sqlite_utils.Database, key: str, *, threshold: float, exclude: Iterable[int] = (),
               limit: int = 10) -> list[tuple[int, float]]:
    """``[(customer id, score 0–100), …]`` of names similar to the name key ``key`` (not equal), best first.

    Candidates come from the pair index only (never a scan of the table);
    ``threshold`` is 0–1.
    """
    wanted = _probe(db, key, threshold)
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    rows = db.execute(
        "SELECT n.customer_id, n.key FROM customer_keys n WHERE n.kind = 'name' AND n.customer_id IN "
        f"(SELECT g.customer_id FROM customer_keys g WHERE g.kind = 'gram' AND g.key IN ({marks})) LIMIT ?",
        [*wanted, CANDIDATES]).fetchall()
    skip = set(exclude)
    choices = {row_id: other for row_id, other in rows if row_id not in skip and other != key}
    found = process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=threshold * 100, limit=limit)
    return [(row_id, round(score, 1)) for _, score, row_id in found]


# --- the check on save ---------------------------------------------------------

@dataclass(frozen=True)
class Similar:
    """A customer like one being saved: ``row`` as the save names it; ``customer_id`` and ``name`` are ``None``
    when the member may not see it (then only its owner is told)."""

    row: Any
    customer_id: int | None
    name: str | None
    owner: str | None
    #: How alike (0–100); ``None`` for a customer the member may not see.
    score: float | None
    visible: bool


class SimilarCustomers(Refused):
    """A save names customers much like existing ones (``matches``); nothing was written. Save again with
    ``allow_similar=True`` to keep it anyway."""

    def __init__(self, matches: list[Similar]) -> None:
        super().__init__("duplicate.similar", count=len(matches))
        self.matches = matches


def _described(db: sqlite_utils.Database, actor: Actor, ids: list[int]) -> dict[int, tuple]:
    """``{id: (name or None, owner's name or None, visible)}``; the name only for customers the actor may see."""
    if not ids:
        return {}
    seen = access.visible_ids(db, actor, "customers", ids)
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(f"SELECT c.id, c.name, u.display_name FROM customers c LEFT JOIN users u ON u.id = c.owner_id "
                      f"WHERE c.id IN ({marks})", ids).fetchall()
    return {row_id: (name if row_id in seen else None, owner, row_id in seen) for row_id, name, owner in rows}


def check(db: sqlite_utils.Database, actor: Actor, written: list[tuple[Any, int, set[str]]],
          values: Mapping[int, Mapping[str, Any]], new_rows: Mapping[int, Any], *, threshold: float,
          allow_similar: bool) -> list[Problem]:
    """Problems for exact duplicates among rows just written (inside the save's transaction); raises
    SimilarCustomers for near ones when there are no exact ones and ``allow_similar`` is false.

    ``written`` is ``(row as named, id, kinds written)``; ``values`` the values written per id;
    ``new_rows`` the rows this save adds, by id, so a duplicate between two of them names the other row.
    """
    problems = []
    for row, row_id, kinds in written:
        wanted = [kind for kind in KINDS if kind in kinds]
        if not wanted:
            continue
        marks = ", ".join("?" for _ in wanted)
        hits = db.execute(
            "SELECT mine.kind, MIN(other.customer_id) FROM customer_keys mine JOIN customer_keys other "
            "ON other.kind = mine.kind AND other.key = mine.key AND other.customer_id != mine.customer_id "
            f"WHERE mine.customer_id = ? AND mine.kind IN ({marks}) GROUP BY mine.kind", [row_id, *wanted]).fetchall()
        about = _described(db, actor, [other for _, other in hits])
        for kind, other in sorted(hits, key=lambda hit: KINDS.index(hit[0])):
            if other in new_rows:
                if other < row_id:  # told once, on the later of two new rows
                    problems.append(Problem(row, kind, values[row_id].get(kind), "invalid.duplicate_in_save",
                                            {"other": str(new_rows[other])}))
                continue
            name, owner, visible = about[other]
            problems.append(Problem(row, kind, values[row_id].get(kind), "invalid.duplicate",
                                    {"customer": other if visible else None, "name": name, "owner": owner,
                                     "visible": visible}))
    if problems or allow_similar:
        return problems
    _check_similar(db, actor, written, threshold)
    return []


def _check_similar(db: sqlite_utils.Database, actor: Actor, written: list[tuple[Any, int, set[str]]],
                   threshold: float) -> None:
    ids = [row_id for _, row_id, _ in written]
    matches = []
    for row, row_id, kinds in written:
        if "name" not in kinds:
            continue
        key = db.execute("SELECT key FROM customer_keys WHERE customer_id = ? AND kind = 'name'",
                         [row_id]).fetchone()
        if key is None:
            continue
        found = similar_to(db, key[0], threshold=threshold, exclude=ids, limit=5)
        about = _described(db, actor, [other for other, _ in found])
        for other, score in found:
            name, owner, visible = about[other]
            # A customer she may not see: not even how alike (the score would let her guess its name).
            matches.append(Similar(row, other if visible else None, name, owner, score if visible else None,
                                   visible))
    if matches:
        raise SimilarCustomers(matches)


# --- the whole base ------------------------------------------------------------

@dataclass
class Group:
    """Customers that look like one: their ids (oldest first) and why (``name``, ``phone``, ``email``, ``similar``)."""

    ids: list[int]
    reasons: set[str] = field(default_factory=set)


#: The scan compares each name with this many neighbours, in the order of names and of reversed names.
WINDOW = 8


def scan(db: sqlite_utils.Database, actor: Actor, *, threshold: float | None = None,
         progress: Callable[[float], None] | None = None) -> list[Group]:
    """Every group of suspected duplicates in the base, largest first.

    Customers sharing a name, phone or e-mail key are grouped (from the
    index); so are names within ``threshold`` (the rule by default), found by
    sorted-neighbourhood blocking: each name is scored against its
    :data:`WINDOW` neighbours in the order of names and in the order of
    reversed names, so a difference at the start or the end of a name is
    found either way. Groups are joined when they share a customer.
    ``progress`` is called with 0–1. Raises AccessDenied without the right
    ``merge_duplicates``.
    """
    access.require(actor, "merge_duplicates")
    if threshold is None:
        from db.settings import rules  # here: db.settings → db.connection imports this module

        threshold = rules(db).duplicate_similarity / 100
    parent: dict[int, int] = {}
    why: dict[int, set[str]] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int, reason: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
        for i in (a, b):
            why.setdefault(i, set()).add(reason)

    for kind, members in db.execute(
            "SELECT kind, group_concat(customer_id) FROM customer_keys WHERE kind IN ('name', 'phone', 'email') "
            "GROUP BY kind, key HAVING COUNT(*) > 1").fetchall():
        ids = [int(i) for i in members.split(",")]
        for other in ids[1:]:
            join(ids[0], other, kind)
    names = db.execute("SELECT customer_id, key FROM customer_keys WHERE kind = 'name'").fetchall()
    orders = [sorted(names, key=lambda r: r[1]), sorted(names, key=lambda r: r[1][::-1])]
    total = max(1, len(names) * len(orders))
    done = 0
    cutoff = threshold * 100
    for order in orders:
        for index, (row_id, key) in enumerate(order):
            for other_id, other in order[index + 1: index + 1 + WINDOW]:
                if other != key and fuzz.ratio(key, other, score_cutoff=cutoff):
                    join(row_id, other_id, "similar")
            done += 1
            if progress and done % 5000 == 0:
                progress(done / total)
    groups: dict[int, Group] = {}
    for i in parent:
        group = groups.setdefault(root(i), Group([]))
        group.ids.append(i)
        group.reasons |= why.get(i, set())
    if progress:
        progress(1.0)
    found = [Group(sorted(g.ids), g.reasons) for g in groups.values() if len(g.ids) > 1]
    return sorted(found, key=lambda g: (-len(g.ids), g.ids[0]))


def group_rows(db: sqlite_utils.Database, ids: list[int]) -> list[dict[str, Any]]:
    """What the 查重 page shows of each customer of a group (oldest first): id, version, name, phone, e-mail,
    owner, follow-up count, created on. Customers gone since the scan are left out."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        "SELECT c.id, c.version, c.name, c.phone, c.email, c.owner_id, u.display_name, c.follow_up_count, "
        f"c.created_on FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE c.id IN ({marks}) ORDER BY c.id",
        [int(i) for i in ids]).fetchall()
    names = ("id", "version", "name", "phone", "email", "owner_id", "owner", "follow_ups", "created_on")
    return [dict(zip(names, row, strict=True)) for row in rows]


# --- merging -------------------------------------------------------------------

class MergeRefused(Refused):
    """A merge was refused (``duplicate.merge_*``); nothing was written."""


#: Columns a merge never fills from the others: given by the base, or a file list.
_NOT_FILLED = ("number", "created_on", "attachments")


def merge(db: sqlite_utils.Database, keep: int, versions: Mapping[int, int], *, actor: Actor,
          now: dt.datetime | None = None) -> int:
    """Merge the customers of ``versions`` (id → the version the page read) into ``keep``; return the change id.

    In one transaction and one recorded change (one undo takes it all back):
    every record linking to another customer of the group (its follow-ups,
    links of added tables) links to ``keep`` instead, as recorded edits; the
    others are deleted (to the trash); then each empty field of ``keep`` is
    filled from the first of the others (oldest first) that has a value
    (not 客户编号, 建档日期 or 附件; a value that no longer fits its field is
    skipped). Raises MergeRefused (fewer than two customers, or ``keep`` not
    among them), StaleRow (a customer changed or vanished since it was
    read) or AccessDenied.
    """
    from db import changes as saving  # here: db.changes and db.connection import this module
    from db import history
    from db.connection import write_transaction
    from db.fields import load_base
    from db.queries import current_versions, holds, quote

    access.require(actor, "merge_duplicates")
    ids = sorted(int(i) for i in versions)
    others = [i for i in ids if i != int(keep)]
    if int(keep) not in ids or not others:
        raise MergeRefused("duplicate.merge_nothing")
    base = load_base(db)
    table = base.table("customers")
    now = now or dt.datetime.now()
    with write_transaction(db):
        actor = access.resolve(db, actor)
        access.require(actor, "merge_duplicates")
        current = current_versions(db, "customers", ids, base=base)
        for row_id in ids:
            if current.get(row_id) != int(versions[row_id]):
                raise saving._stale(db, table, row_id, row_id)
        by = history.stamp(db, actor.user_id, now.strftime("%Y-%m-%d %H:%M:%S"))
        for other_table, column in base.links_to("customers"):
            edits = []
            for other in others:
                found = db.execute(f"SELECT id, version, {quote(column.name)} FROM {quote(other_table.name)} "
                                   f"WHERE {holds(column)} ORDER BY id", [other]).fetchall()
                for row_id, version, value in found:
                    if column.type.multiple:
                        moved = list(dict.fromkeys(int(keep) if i in others else i for i in column.type.ids(value)))
                        edits.append(saving.RowEdit(row_id, version, {column.name: moved}))
                    else:
                        edits.append(saving.RowEdit(row_id, version, {column.name: int(keep)}))
            edits = list({e.row_id: e for e in edits}.values())  # a record linking to two of them: once
            if edits:
                saving.apply(db, saving.ChangeSet(other_table.name, edits=tuple(edits)), actor=actor, now=now,
                             base=base, by=by)
        fill = _fill(db, table, int(keep), others)
        saving.apply(db, saving.ChangeSet("customers", deletes=tuple(
            saving.RowDelete(o, current[o]) for o in others)), actor=actor, now=now, base=base, by=by)
        if fill:
            edit = saving.RowEdit(int(keep), current[int(keep)], fill)
            saving.apply(db, saving.ChangeSet("customers", edits=(edit,)), actor=actor, now=now, base=base, by=by,
                         check_duplicates=False)
    return by.change_id


def _fill(db: sqlite_utils.Database, table: Any, keep: int, others: list[int]) -> dict[str, Any]:
    """The empty fields of ``keep`` with the first value the others have (already as stored)."""
    from db.history import stored_values

    kept = stored_values(db, table, keep) or {}
    rows = [stored_values(db, table, other) or {} for other in others]
    fill = {}
    for column in table.editable_columns:
        if column.name in _NOT_FILLED or not is_empty(kept.get(column.name)):
            continue
        for row in rows:
            value = row.get(column.name)
            if is_empty(value):
                continue
            try:
                column.type.parse(value)
            except InvalidValue:
                continue
            fill[column.name] = value
            break
    return fill
