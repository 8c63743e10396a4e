"""日历 in the real Streamlit runtime: records on the days of their date field, within the member's scope."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV, opened
from tests.conftest import TODAY, app_for
from ui.calendar import days_of


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def open_calendar(base: Path, username: str, table: str, column: str, period: str = "week"):
    app = app_for(base, username)
    app.session_state["calendar.anchor"] = TODAY
    app.run()
    app.switch_page("pages/calendar.py").run()
    app.selectbox(key="calendar.table").set_value(table).run()
    app.selectbox(key=f"calendar.{table}.column").set_value(column).run()
    app.session_state["calendar.period"] = period
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def linked_ids(app) -> list[int]:
    return [int(m) for md in app.markdown for m in re.findall(r"\(/customers\?customer=(\d+)\)", md.value)]


@pytest.mark.parametrize(("username", "scope"), [("admin", "1"), ("lina", "(owner_id = 3 OR owner_id IS NULL)")])
def test_a_week_shows_every_follow_up_of_that_week_on_its_day_within_the_members_scope(base, username, scope):
    days = days_of("week", TODAY)
    app = open_calendar(base, username, "follow_ups", "time")
    with opened(base) as db:
        expected = [r[0] for r in db.execute(
            f"SELECT customer_id FROM follow_ups WHERE time >= ? AND time < ? AND customer_id IN "
            f"(SELECT id FROM customers WHERE {scope}) ORDER BY time",
            [days[0].isoformat(), (days[-1] + dt.timedelta(days=1)).isoformat()]).fetchall()]
    assert expected and sorted(linked_ids(app)) == sorted(expected)


def test_the_customers_next_follow_ups_fill_the_month_by_default(base):
    app = app_for(base, "admin")
    app.session_state["calendar.anchor"] = TODAY
    app.run()
    app.switch_page("pages/calendar.py").run()
    assert app.selectbox(key="calendar.customers.column").value == "next_follow_up_on"
    assert linked_ids(app)  # the demo has planned follow-ups this month
    assert app.markdown[0].value == "### 2026 年 11 月"
