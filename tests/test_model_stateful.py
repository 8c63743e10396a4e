"""Random sequences of saves, undos and restores keep the base equal to a simple model.

A hypothesis state machine adds, edits and deletes customers and follow-ups,
undoes the member's last change, restores deletions from the trash and tries
undos of older changes. A plain dict model predicts every outcome (including
which undos are refused, and why). After every step the base's rows equal the
model, foreign keys and stored rollups are sound, the trash lists what the
model says, and replaying the whole history from scratch gives back exactly
the rows in the base.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.connection import connect
from db.demo import create_base
from db.duplicates import name_key
from db.errors import InvalidChanges
from db.history import stored_values
from db.queries import stored_drift
from db.undo import UndoRefused, last_change, trash, undo
from schema.crm import CRM
from tests.conftest import ADMIN, add_admin

#: The columns the model keeps, per table.
MODELLED = {"customers": ("name", "contact"), "follow_ups": ("customer_id", "content")}

names = st.text(alphabet="甲乙丙丁ab", min_size=1, max_size=4)
texts = st.text(alphabet="王李明ab", max_size=3)  # "" is stored as NULL
times = st.sampled_from(["2026-11-18 09:00", "2026-11-20 10:00", "2026-11-20 10:00", "2026-11-21 16:30"])
picks = st.integers(min_value=0, max_value=1_000)

Key = tuple[str, int]


def as_stored(text: str) -> str | None:
    """How the base keeps a typed text (these alphabets have no spaces to trim)."""
    return text or None


def pick(keys, index: int):
    """One of ``keys`` (in a stable order), chosen by ``index``."""
    ordered = sorted(keys)
    return ordered[index % len(ordered)]


@dataclass
class Change:
    """One change as the model sees it: the rows it touched, each as it was just before (None: absent).

    ``stored_before`` is the same rows with every stored column, read from the base: what an undo must give back.
    """

    change_id: int
    before: dict[Key, dict | None]
    stored_before: dict[Key, dict | None]
    deletion: bool = False
    undoes: int | None = None
    undone: bool = False


class RandomSavesUndosAndRestoresKeepTheBaseEqualToAModel(RuleBasedStateMachine):
    """The base, driven by random saves and undos, next to a model of what it should hold."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="genjin-stateful-"))
        path = self.folder / "base.db"
        create_base(path)
        add_admin(path)
        self.db = connect(path)
        self.rows: dict[str, dict[int, dict]] = {"customers": {}, "follow_ups": {}}
        self.changes: list[Change] = []

    def teardown(self) -> None:
        self.db.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # The model ---------------------------------------------------------------------------------------------

    def state(self, key: Key) -> dict | None:
        table, row_id = key
        row = self.rows[table].get(row_id)
        return None if row is None else dict(row)

    def follow_ups_of(self, customer: int) -> list[int]:
        return sorted(i for i, row in self.rows["follow_ups"].items() if row["customer_id"] == customer)

    def undoable(self) -> list[Change]:
        """Changes the member may still undo (not an undo themselves, not undone), oldest first."""
        return [c for c in self.changes if c.undoes is None and not c.undone]

    def expected_refusal(self, change: Change) -> str | None:
        """Why undoing ``change`` must be refused, or None when it must succeed."""
        if change.undone:
            return "undo.already"
        later = [c for c in self.changes if c.change_id > change.change_id]  # undos and undone changes count too
        if any(set(c.before) & set(change.before) for c in later):
            return "undo.changed_since"
        customers_after = set(self.rows["customers"])
        for (table, row_id), was in change.before.items():
            if table == "customers":
                if was is None:
                    customers_after.discard(row_id)
                else:
                    customers_after.add(row_id)
        for (table, row_id), was in change.before.items():
            now = self.rows[table].get(row_id)
            assert now is not None or was is not None, "the model lost track of a row"
            if table == "customers" and was is None and any(
                    row["customer_id"] == row_id for key, row in self.rows["follow_ups"].items()
                    if ("follow_ups", key) not in change.before):
                return "undo.has_dependents"
            if table == "follow_ups" and now is None and was["customer_id"] not in customers_after:
                return "undo.link_missing"
        return None

    # Talking to the base -----------------------------------------------------------------------------------

    def latest_change_id(self) -> int | None:
        return self.db.execute("SELECT MAX(change_id) FROM history").fetchone()[0]

    def version(self, table: str, row_id: int) -> int:
        return self.db[table].get(row_id)["version"]

    def stored_row(self, key: Key) -> dict | None:
        return stored_values(self.db, CRM.table(key[0]), key[1])

    def everything(self) -> tuple:
        """Every row of the base, bookkeeping included, and the history: what a refused undo must not touch."""
        return tuple(self.db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                     for table in ("customers", "follow_ups", "history"))

    def save(self, changes: ChangeSet, touched: dict[Key, dict | None], *, deletion: bool = False):
        """Apply ``changes``; check it was recorded as one change over exactly the ``touched`` rows."""
        previous = self.latest_change_id()
        stored_before = {key: self.stored_row(key) for key in touched}
        applied = apply(self.db, changes, actor=ADMIN, allow_similar=True)
        if changes.inserts:
            [new_id] = applied.inserted
            assert new_id not in self.rows[changes.table]
            touched = stored_before = {(changes.table, new_id): None}
        if not touched:  # an edit that changed nothing is no change
            assert self.latest_change_id() == previous
            return applied
        change_id = self.latest_change_id()
        assert change_id == (previous or 0) + 1
        assert self.recorded_rows(change_id) == set(touched)
        self.changes.append(Change(change_id, touched, stored_before, deletion=deletion))
        return applied

    def recorded_rows(self, change_id: int) -> set[Key]:
        return {(t, r) for t, r in self.db.execute(
            "SELECT table_name, row_id FROM history WHERE change_id = ?", [change_id]).fetchall()}

    def take_back(self, change: Change) -> None:
        """Undo ``change`` in the base and, when the model says it goes through, in the model."""
        refusal = self.expected_refusal(change)
        before = self.everything()
        stored_now = {key: self.stored_row(key) for key in change.before}
        try:
            undo_id = undo(self.db, change.change_id, actor=ADMIN)
        except UndoRefused as refused:
            assert refused.reason == refusal, (refused.reason, refused.params)
            assert self.everything() == before, "a refused undo wrote something"
            return
        assert refusal is None, f"undo went through, the model expected {refusal}"
        assert undo_id == self.latest_change_id()
        assert self.recorded_rows(undo_id) == set(change.before)
        assert {key: self.stored_row(key) for key in change.before} == change.stored_before, "not given back exactly"
        now = {key: self.state(key) for key in change.before}
        for (table, row_id), was in change.before.items():
            if was is None:
                del self.rows[table][row_id]
            else:
                self.rows[table][row_id] = dict(was)
        change.undone = True
        self.changes.append(Change(undo_id, now, stored_now, undoes=change.change_id))

    # Rules -------------------------------------------------------------------------------------------------

    @rule(name=names, contact=texts)
    def add_a_customer(self, name: str, contact: str) -> None:
        if name_key(name) in {name_key(row["name"]) for row in self.rows["customers"].values()}:
            previous = self.latest_change_id()  # 查重: the same name again is refused and writes nothing
            try:
                apply(self.db, ChangeSet("customers", inserts=(NewRow({"name": name}),)), actor=ADMIN)
            except InvalidChanges as refused:
                assert [p.reason for p in refused.problems] == ["invalid.duplicate"]
            else:
                raise AssertionError(f"{name!r} was added twice")
            assert self.latest_change_id() == previous
            return
        applied = self.save(ChangeSet("customers", inserts=(NewRow({"name": name, "contact": contact}),)), {})
        self.rows["customers"][applied.inserted[0]] = {"name": name, "contact": as_stored(contact)}

    @precondition(lambda self: self.rows["customers"])
    @rule(index=picks, content=texts, time=times)
    def add_a_follow_up(self, index: int, content: str, time: str) -> None:
        customer = pick(self.rows["customers"], index)
        values = {"customer_id": customer, "time": time, "content": content}
        applied = self.save(ChangeSet("follow_ups", inserts=(NewRow(values),)), {})
        self.rows["follow_ups"][applied.inserted[0]] = {"customer_id": customer, "content": as_stored(content)}

    @precondition(lambda self: self.rows["customers"])
    @rule(index=picks, contact=texts)
    def edit_a_customers_contact(self, index: int, contact: str) -> None:
        customer = pick(self.rows["customers"], index)
        key = ("customers", customer)
        touched = {} if self.rows["customers"][customer]["contact"] == as_stored(contact) else {key: self.state(key)}
        edit = RowEdit(customer, self.version(*key), {"contact": contact})
        self.save(ChangeSet("customers", edits=(edit,)), touched)
        self.rows["customers"][customer]["contact"] = as_stored(contact)

    @precondition(lambda self: self.rows["follow_ups"])
    @rule(index=picks, content=texts)
    def edit_a_follow_ups_content(self, index: int, content: str) -> None:
        follow_up = pick(self.rows["follow_ups"], index)
        key = ("follow_ups", follow_up)
        touched = {} if self.rows["follow_ups"][follow_up]["content"] == as_stored(content) else {key: self.state(key)}
        edit = RowEdit(follow_up, self.version(*key), {"content": content})
        self.save(ChangeSet("follow_ups", edits=(edit,)), touched)
        self.rows["follow_ups"][follow_up]["content"] = as_stored(content)

    @precondition(lambda self: self.rows["customers"])
    @rule(index=picks)
    def delete_a_customer_and_its_follow_ups(self, index: int) -> None:
        customer = pick(self.rows["customers"], index)
        keys = [("customers", customer)] + [("follow_ups", f) for f in self.follow_ups_of(customer)]
        delete = RowDelete(customer, self.version("customers", customer))
        self.save(ChangeSet("customers", deletes=(delete,)), {key: self.state(key) for key in keys}, deletion=True)
        for table, row_id in keys:
            del self.rows[table][row_id]

    @precondition(lambda self: self.rows["follow_ups"])
    @rule(index=picks)
    def delete_a_follow_up(self, index: int) -> None:
        follow_up = pick(self.rows["follow_ups"], index)
        key = ("follow_ups", follow_up)
        delete = RowDelete(follow_up, self.version(*key))
        self.save(ChangeSet("follow_ups", deletes=(delete,)), {key: self.state(key)}, deletion=True)
        del self.rows["follow_ups"][follow_up]

    @rule()
    def undo_my_last_change(self) -> None:
        undoable = self.undoable()
        expected = undoable[-1].change_id if undoable else None
        assert last_change(self.db, ADMIN) == expected
        if undoable:
            self.take_back(undoable[-1])

    @rule(index=picks)
    def restore_a_deletion_from_the_trash(self, index: int) -> None:
        deleted = trash(self.db, actor=ADMIN)
        if deleted:
            item = deleted[index % len(deleted)]
            self.take_back(next(c for c in self.changes if c.change_id == item.change_id))

    @precondition(lambda self: any(c.undoes is None for c in self.changes))
    @rule(index=picks)
    def undo_an_older_change(self, index: int) -> None:
        """Any change of mine, undone or not, touched since or not: the model says what must happen."""
        mine = [c for c in self.changes if c.undoes is None]
        self.take_back(mine[index % len(mine)])

    @rule()
    def undo_a_change_that_never_was(self) -> None:
        before = self.everything()
        try:
            undo(self.db, (self.latest_change_id() or 0) + 1, actor=ADMIN)
        except UndoRefused as refused:
            assert refused.reason == "undo.nothing"
        else:
            raise AssertionError("an undo of a change that never was went through")
        assert self.everything() == before

    # Invariants --------------------------------------------------------------------------------------------

    @invariant()
    def the_base_holds_what_the_model_holds(self) -> None:
        for table, columns in MODELLED.items():
            rows = self.db.execute(f"SELECT id, {', '.join(columns)} FROM {table}").fetchall()
            assert {r[0]: dict(zip(columns, r[1:], strict=True)) for r in rows} == self.rows[table], table

    @invariant()
    def links_and_stored_rollups_are_sound(self) -> None:
        assert self.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert stored_drift(self.db, "customers") == []

    @invariant()
    def the_trash_lists_the_deletions_not_undone_newest_first(self) -> None:
        expected = [c for c in reversed(self.changes) if c.deletion and not c.undone]
        deleted = trash(self.db, actor=ADMIN)
        assert [d.change_id for d in deleted] == [c.change_id for c in expected]
        for item, change in zip(deleted, expected, strict=True):
            main = [key for key, was in change.before.items() if was is not None and key[0] == item.table]
            if item.table == "customers":
                assert (item.row_ids, item.taken_along) == ([main[0][1]], len(change.before) - 1)
            else:
                assert (item.row_ids, item.taken_along) == ([k[1] for k in main], 0)

    @invariant()
    def replaying_the_history_gives_back_the_rows_in_the_base(self) -> None:
        replayed: dict[Key, dict[str, Any]] = {}
        for table, row_id, action, changes in self.db.execute(
                "SELECT table_name, row_id, action, changes FROM history ORDER BY id").fetchall():
            key = (table, row_id)
            after = {name: pair[1] for name, pair in json.loads(changes).items()}
            if action == "insert":
                assert key not in replayed, f"{key} inserted twice without a deletion in between"
                replayed[key] = after
            elif action == "update":
                assert key in replayed, f"{key} updated while it did not exist"
                replayed[key].update(after)
            else:
                assert key in replayed, f"{key} deleted while it did not exist"
                del replayed[key]
        for table in MODELLED:
            columns = [c.name for c in CRM.table(table).stored_columns]
            in_base = {row_id: stored_values(self.db, CRM.table(table), row_id)
                       for (row_id,) in self.db.execute(f"SELECT id FROM {table}").fetchall()}
            from_history = {row_id: {c: values.get(c) for c in columns}
                            for (t, row_id), values in replayed.items() if t == table}
            assert from_history == in_base, table


RandomSavesUndosAndRestoresKeepTheBaseEqualToAModel.TestCase.settings = settings(
    max_examples=50, stateful_step_count=25, deadline=None)
TestRandomSavesUndosAndRestoresKeepTheBaseEqualToAModel = RandomSavesUndosAndRestoresKeepTheBaseEqualToAModel.TestCase
