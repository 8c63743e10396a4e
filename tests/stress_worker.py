"""A process that saves through the real write path, for the durability and concurrency tests.

    python -m tests.stress_worker append BASE CUSTOMER_ID TAG COUNT   # log follow-ups, "ACK …" after each commit
    python -m tests.stress_worker edit BASE CUSTOMER_ID TAG COUNT     # append TAG-n to the notes, retry conflicts

Each line it prints is written only after the save's transaction committed.
"""

from __future__ import annotations

import sys

from db.access import Actor
from db.changes import ChangeSet, NewRow, RowEdit, apply
from db.connection import opened
from db.errors import StaleRow
from db.queries import get_row

#: The base's administrator (tests.conftest.ADMIN; not imported, to keep the worker's start-up short).
ADMIN = Actor(1, "admin")


def append(base: str, customer: int, tag: str, count: int) -> None:
    with opened(base) as db:
        print("READY", flush=True)  # imports done: the killer's clock starts now, however slow the machine
        for n in range(count):
            apply(db, ChangeSet("follow_ups", inserts=(NewRow({"customer_id": customer, "content": f"{tag}-{n}"}),)),
                  actor=ADMIN)
            print(f"ACK {tag}-{n}", flush=True)


def edit(base: str, customer: int, tag: str, count: int) -> None:
    conflicts = 0
    with opened(base) as db:
        for n in range(count):
            while True:
                row = get_row(db, "customers", customer, actor=ADMIN)
                notes = f"{row['notes'] or ''} {tag}-{n}".strip()
                try:
                    apply(db, ChangeSet("customers", edits=(RowEdit(customer, row["version"], {"notes": notes}),)),
                          actor=ADMIN)
                    break
                except StaleRow:
                    conflicts += 1  # reported, re-read, tried again: never written over
    print(f"CONFLICTS {conflicts}", flush=True)


if __name__ == "__main__":
    command, base, customer, tag, count = sys.argv[1:6]
    {"append": append, "edit": edit}[command](base, int(customer), tag, int(count))
