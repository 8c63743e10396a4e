"""Fixtures: real SQLite files in a temporary folder, and factories for rows.

Every test that touches the base gets its own file (``base``), made the way
users make one; the demo base is built once per session for a fixed date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from db.demo import create_base

#: The date the tests live on: computed columns count days from it.
TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 10, 30)


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    """A new, empty base (the CRM template and its one user, 管理员)."""
    path = tmp_path / "base.db"
    create_base(path)
    return path


@pytest.fixture
def db(base_file: Path):
    """A connection to the empty base."""
    with opened(base_file) as connection:
        yield connection


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo base for TODAY, built once (read-only by convention)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    create_base(path, demo=True, today=TODAY)
    return path


@pytest.fixture
def demo_db(demo_file: Path):
    """A connection to the shared demo base."""
    with opened(demo_file) as connection:
        yield connection


def insert(db, table: str, *, user_id: int | None = 1, now: dt.datetime = NOW, **values) -> int:
    """Add one row through the real change-set path; return its id."""
    return apply(db, ChangeSet(table, inserts=(NewRow(values),)), user_id=user_id, now=now).inserted[0]


@pytest.fixture
def make_customer(db):
    """Factory: ``make_customer(name="…", **values) -> id``."""
    counter = iter(range(1, 10_000))

    def make(**values) -> int:
        values.setdefault("name", f"测试客户{next(counter)}有限公司")
        return insert(db, "customers", **values)

    return make


@pytest.fixture
def make_follow_up(db):
    """Factory: ``make_follow_up(customer_id, time="2026-11-20 10:00", **values) -> id``."""

    def make(customer_id: int, **values) -> int:
        values.setdefault("time", "2026-11-20 10:00")
        return insert(db, "follow_ups", customer_id=customer_id, **values)

    return make
