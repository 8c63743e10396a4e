"""The base file: migrations match the schema, and the demo base is realistic and repeatable."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from db import accounts
from db.connection import opened
from db.demo import DEMO_PASSWORD, DEMO_USERS, create_base
from db.migrations import is_current, migrate
from schema.crm import CRM
from schema.types import InvalidValue
from tests.conftest import TODAY

META = ["id", "version", "updated_at", "updated_by"]
#: Columns the schema leaves out on purpose: never shown, edited, or written to history.
PRIVATE = {"users": ["password_hash"]}


@pytest.mark.parametrize("table", CRM.tables, ids=lambda t: t.name)
def test_the_migrated_base_has_exactly_the_columns_the_schema_declares(db, table):
    declared = {c.name: c.type.storage for c in table.kept_columns}
    hidden = META + PRIVATE.get(table.name, [])
    actual = {c.name: c.type for c in db[table.name].columns if c.name not in hidden}
    assert actual == declared


def test_migrating_twice_changes_nothing(db):
    assert is_current(db)
    assert migrate(db) == []


def test_a_new_base_has_the_template_no_members_and_no_rows(tmp_path):
    create_base(tmp_path / "new.db")
    with opened(tmp_path / "new.db") as db:
        assert (db["users"].count, db["customers"].count, db["follow_ups"].count) == (0, 0, 0)
        assert accounts.needs_setup(db)


def test_creating_a_base_never_overwrites_a_file(base_file):
    with pytest.raises(FileExistsError):
        create_base(base_file, demo=True)


def test_every_connection_enforces_foreign_keys_and_uses_wal(db):
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_demo_base_looks_like_a_real_sales_team(demo_db):
    customers = list(demo_db["customers"].rows)
    follow_ups = list(demo_db["follow_ups"].rows)
    assert len(customers) >= 300
    assert len(follow_ups) >= 2000
    for column in ("industry", "region", "stage", "grade", "owner_id", "source", "scale"):
        assert len({c[column] for c in customers}) >= 3, column
    times = sorted(f["time"] for f in follow_ups)
    assert times[0] >= (TODAY - dt.timedelta(days=366)).isoformat()
    assert times[-1] < TODAY.isoformat()
    months = {t[:7] for t in times}
    assert len(months) >= 12
    assert 0 < sum(1 for c in customers if not any(f["customer_id"] == c["id"] for f in follow_ups)) < 60


def test_every_demo_value_is_one_the_grid_would_accept(demo_db):
    for table in CRM.tables:
        for stored in demo_db[table.name].rows:
            for column in table.editable_columns:
                value = stored[column.name]
                if value is None:
                    continue
                raw = json.loads(value) if column.name == "tags" else value
                try:
                    assert column.type.parse(raw) == value, (table.name, column.name, value)
                except InvalidValue as error:  # pragma: no cover - the assertion message is the point
                    pytest.fail(f"{table.name}.{column.name} = {value!r}: {error.reason}")


def test_the_demo_base_is_the_same_every_time_for_the_same_day(tmp_path, demo_db):
    again = tmp_path / "again.db"
    create_base(again, demo=True, today=TODAY)
    with opened(again) as other:
        for table in ("users", "customers", "follow_ups", "sequences"):
            salted = PRIVATE.get(table, [])  # the same password, hashed with a fresh salt
            rows = [[{k: v for k, v in row.items() if k not in salted} for row in db[table].rows]
                    for db in (other, demo_db)]
            assert rows[0] == rows[1], table


def test_every_demo_member_logs_in_with_the_documented_password(demo_db):
    for username, _, _ in DEMO_USERS:
        assert accounts.session_actor(demo_db, accounts.login(demo_db, username, DEMO_PASSWORD)) is not None


def test_demo_numbers_continue_where_the_demo_left_off(demo_db):
    latest = demo_db.execute("SELECT MAX(number) FROM customers WHERE number LIKE '202611%'").fetchone()[0]
    sequence = demo_db.execute("SELECT value FROM sequences WHERE name = 'customers.number.202611'").fetchone()[0]
    assert latest == f"202611{sequence:03d}"
