"""Round trip: a view exported to Excel or CSV imports back as what it came from — every header mapped or
knowingly left out (read-only columns), no problem on any row, every row the customer it was exported from;
and updating every customer from its own export changes no value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.connection import opened
from db.exports import view_sheet
from db.fields import load_base
from db.imports import UPDATE, plan, run
from db.queries import Query
from exports import to_csv, to_xlsx
from imports import normalize, read, suggest
from tests.conftest import ADMIN, NOW


@pytest.fixture
def base(demo_file, tmp_path) -> Path:
    return Path(shutil.copy(demo_file, tmp_path / "demo.db"))


def exported(db, kind: str) -> tuple[bytes, str]:
    customers = load_base(db).table("customers")
    sheet = view_sheet(db, Query("customers"), [c.name for c in customers.columns if not c.hidden],
                       actor=ADMIN, lang="zh")
    return (to_xlsx([sheet]), "客户.xlsx") if kind == "xlsx" else (to_csv(sheet), "客户.csv")


def planned(db, data: bytes, name: str):
    table = load_base(db).table("customers")
    raw = read(data, name, table=table)
    mapping = suggest(raw.headers, table)
    assert all(table.column(m).editable for m in mapping if m)
    unmapped = {h for h, m in zip(raw.headers, mapping, strict=True) if m is None}
    assert unmapped == {c.label.zh for c in table.columns if not c.hidden and not c.editable}
    rows = [(number, {m: normalize(value, table.column(m)) for m, value in zip(mapping, row, strict=True) if m})
            for number, row in zip(raw.row_numbers, raw.rows, strict=True)]
    return plan(db, "customers", rows, actor=ADMIN, now=NOW)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_exported_view_imports_back_without_a_problem_as_the_customers_it_came_from(base, kind):
    with opened(base) as db:
        total = db.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
        found = planned(db, *exported(db, kind))
    assert found.problems == []
    assert found.counts().added == 0 and found.counts().skipped == total  # all known: skipped by default
    assert sum(len(group.rows) for group in found.groups) == total


def test_updating_every_customer_from_its_own_export_changes_no_value(base):
    with opened(base) as db:
        editable = [c.name for c in load_base(db).table("customers").columns if c.editable]
        select = f"SELECT id, {', '.join(editable)} FROM customers ORDER BY id"
        before = db.execute(select).fetchall()
        found = planned(db, *exported(db, "xlsx"))
        decisions = {group.id: UPDATE for group in found.groups if len(group.existing) == 1
                     and UPDATE in group.choices}
        assert decisions
        run(db, found, decisions, actor=ADMIN, file_name="客户.xlsx", base_path=base, now=NOW)
        after = db.execute(select).fetchall()
    changed = [(b[0], name, old, new) for b, a in zip(before, after, strict=True)
               for name, old, new in zip(["id", *editable], b, a, strict=True) if old != new]
    assert changed == []
