"""Nothing lost: writers killed mid-save leave no damage, and concurrent editors lose no update.

The kill loop runs a few dozen kills here; `make stress` runs it with
GENJIN_STRESS_KILLS=120.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from db.queries import stored_drift
from tests.conftest import ADMIN

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("GENJIN_STRESS_KILLS", "30"))


def worker(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.stress_worker", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def new_customer(base: Path) -> int:
    with opened(base) as db:
        return apply(db, ChangeSet("customers", inserts=(NewRow({"name": "压力测试客户"}),)), actor=ADMIN).inserted[0]


def test_writers_killed_at_random_moments_lose_no_acknowledged_save_and_half_apply_none(base_file):
    customer = new_customer(base_file)
    rng = random.Random(7)
    acknowledged: list[str] = []
    for kill in range(KILLS):
        process = worker("append", base_file, customer, f"k{kill}", 10_000)
        lines: list[str] = []
        reader = threading.Thread(target=lambda p=process, out=lines: out.extend(p.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while "READY\n" not in lines and time.monotonic() < deadline:  # start-up is slow on a busy machine
            time.sleep(0.01)
        time.sleep(rng.uniform(0.05, 0.4))  # then saves run for a random while
        process.send_signal(signal.SIGKILL)
        process.wait()
        reader.join(5)
        acknowledged += [line.split()[1] for line in lines if line.startswith("ACK ")]

    with opened(base_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        saved = {row[0] for row in db.execute("SELECT content FROM follow_ups WHERE customer_id = ?", [customer])}
        assert set(acknowledged) <= saved  # every acknowledged save is there
        # None half-applied: each follow-up has its history entry, and the stored rollups add up.
        recorded = db.execute("SELECT COUNT(*) FROM history WHERE table_name = 'follow_ups' AND action = 'insert'"
                              ).fetchone()[0]
        assert recorded == len(saved)
        assert stored_drift(db, "customers") == []
    print(f"\ndurability: {KILLS} kills, {len(acknowledged)} saves acknowledged, {len(saved)} present, lost: 0")
    assert len(acknowledged) > KILLS  # the writers really were saving when killed


def test_four_editors_on_one_row_lose_no_update_and_every_conflict_is_reported(base_file):
    customer = new_customer(base_file)
    editors = [worker("edit", base_file, customer, f"e{i}", 25) for i in range(4)]
    outputs = [editor.communicate(timeout=120) for editor in editors]
    assert [editor.returncode for editor in editors] == [0, 0, 0, 0], [err for _, err in outputs]
    assert all("locked" not in err for _, err in outputs)
    with opened(base_file) as db:
        notes = db["customers"].get(customer)["notes"].split()
    assert sorted(notes) == sorted(f"e{i}-{n}" for i in range(4) for n in range(25))  # no update lost
    conflicts = sum(int(out.split()[1]) for out, _ in outputs)
    print(f"\nconcurrency: 4 editors × 25 saves on one row, {conflicts} conflicts reported and retried, lost: 0")


def test_several_processes_saving_at_once_never_see_database_is_locked(base_file):
    customer = new_customer(base_file)
    writers = [worker("append", base_file, customer, f"w{i}", 60) for i in range(6)]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    assert [writer.returncode for writer in writers] == [0] * 6, [err for _, err in outputs]
    with opened(base_file) as db:
        assert db.execute("SELECT COUNT(*) FROM follow_ups WHERE customer_id = ?", [customer]).fetchone()[0] == 360
