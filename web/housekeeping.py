"""Background work, once per server process (``st.App`` lifespan), never once per browser session.

At start: create or migrate the base. Every hour: take the day's snapshot if there is none yet and prune old ones
(7 daily, 4 weekly, 6 monthly), empty the trash of deletions past their
retention, forget expired login sessions, and return to the 公海 every customer whose owner has not
followed it up for the rule's days (``db.pool.return_overdue``, one save by the system, in the history).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from db import accounts, pool, public_forms, snapshots
from db.connection import base_path, opened
from db.demo import prepare_base
from db.undo import purge_trash

log = logging.getLogger("genjin.housekeeping")
EVERY_SECONDS = 3600


def run_once(base: str | Path, *, now: dt.datetime | None = None) -> dict[str, int]:
    """One round of housekeeping on ``base``; return what it did (for the log and the tests)."""
    now = now or dt.datetime.now()
    done = {"snapshot": 0, "pruned": 0, "purged": 0, "sessions": 0, "returned_to_pool": 0, "form_posts": 0}
    if not Path(base).exists():
        return done
    if not any(s.taken_at.date() == now.date() and s.reason == "daily" for s in snapshots.listing(base)):
        snapshots.take(base, reason="daily", now=now)
        done["snapshot"] = 1
    done["pruned"] = len(snapshots.prune(base, now=now))
    with opened(base) as db:
        done["purged"] = purge_trash(db, now=now)
        done["sessions"] = accounts.purge_expired_sessions(db, now=now)
        done["returned_to_pool"] = len(pool.return_overdue(db, now.date(), now=now))
        done["form_posts"] = public_forms.purge_posts(db, now=now)
    return done


async def _loop(base: Path) -> None:
    while True:
        try:
            done = await run_in_threadpool(run_once, base)
            log.info("housekeeping: %s", done)
        except Exception:  # a failed round must not stop the next one
            log.exception("housekeeping failed")
        await asyncio.sleep(EVERY_SECONDS)


@contextlib.asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """Before the first request: the base exists and is up to date (the login gate reads it).
    Then the hourly housekeeping runs until the server stops."""
    await run_in_threadpool(prepare_base, base_path())
    task = asyncio.create_task(_loop(base_path()))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
