"""客户编号: year + month + sequence, unique even when people add at once."""

from __future__ import annotations

import datetime as dt
import threading

from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from tests.conftest import ADMIN


def add(path, name: str, when: dt.datetime) -> int:
    with opened(path) as db:
        return apply(db, ChangeSet("customers", inserts=(NewRow({"name": name}),)), actor=ADMIN, now=when,
                     allow_similar=True).inserted[0]  # 并发客户1-1, 并发客户1-2 … are alike, not the same


def test_numbers_follow_the_month_and_restart_each_month(base_file):
    for day, name in [(dt.datetime(2026, 11, 30, 9), "甲"), (dt.datetime(2026, 11, 30, 10), "乙"),
                      (dt.datetime(2026, 12, 1, 9), "丙")]:
        add(base_file, name, day)
    with opened(base_file) as db:
        assert [r["number"] for r in db.query("SELECT number FROM customers ORDER BY id")] == [
            "202611001", "202611002", "202612001"]


def test_a_number_already_taken_is_skipped(base_file):
    add(base_file, "甲", dt.datetime(2026, 11, 1))
    with opened(base_file) as db:
        db.execute("UPDATE sequences SET value = 0")  # as if an import had used 202611001 by hand
        db.conn.commit()
    add(base_file, "乙", dt.datetime(2026, 11, 2))
    with opened(base_file) as db:
        assert [r["number"] for r in db.query("SELECT number FROM customers ORDER BY id")] == [
            "202611001", "202611002"]


def test_customer_numbers_stay_unique_under_concurrent_inserts(base_file):
    errors = []
    when = dt.datetime(2026, 11, 22, 9)

    def worker(n: int) -> None:
        try:
            for i in range(20):
                add(base_file, f"并发客户{n}-{i}", when)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with opened(base_file) as db:
        numbers = [r["number"] for r in db.query("SELECT number FROM customers")]
    assert len(numbers) == 160
    assert sorted(numbers) == [f"202611{i:03d}" for i in range(1, 161)]
