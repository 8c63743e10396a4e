"""今日待跟进 (issue 5, rule 2): a member's overdue, today's and this week's follow-ups and new A leads not
contacted within 24 hours, at their boundaries; a follow-up logged from the page in one click."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV, opened
from db.worklist import week_end, worklist
from tests.conftest import ADMIN, LINA, app_for, insert

TODAY = dt.date(2026, 11, 25)  # a Wednesday
NOW = dt.datetime(2026, 11, 25, 9, 0)


@pytest.fixture
def lina(db):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (3, 'lina', '李娜', 'sales')")
    db.conn.commit()
    return LINA


def customer(db, *, name: str, created: dt.date = dt.date(2026, 10, 1), owner: int = 3, **values) -> int:
    row = insert(db, "customers", name=name, owner_id=owner, **values)
    db.execute("UPDATE customers SET created_on = ? WHERE id = ?", [created.isoformat(), row])
    db.conn.commit()
    return row


def followed(db, customer_id: int, day: dt.date, planned: dt.date | None = None) -> None:
    insert(db, "follow_ups", customer_id=customer_id, time=f"{day.isoformat()} 10:00",
           next_follow_up_on=planned.isoformat() if planned else None)


def names(found, section: str) -> list[str]:
    return [item.name for item in found.items[section]]


def test_week_end_is_the_coming_sunday():
    assert [week_end(dt.date(2026, 11, d)).isoformat() for d in (23, 25, 29)] == ["2026-11-29"] * 3


@pytest.mark.parametrize(("planned", "section", "days"), [
    (TODAY - dt.timedelta(days=1), "overdue", 1),
    (TODAY, "today", 0),
    (TODAY + dt.timedelta(days=1), "week", 0),
    (dt.date(2026, 11, 29), "week", 0),        # Sunday
    (dt.date(2026, 11, 30), None, 0),          # next Monday: not this week
])
def test_a_follow_up_falls_in_the_list_its_due_date_says(db, lina, planned, section, days):
    row = customer(db, name="华东精密")
    followed(db, row, dt.date(2026, 11, 1), planned)
    found = worklist(db, lina, today=TODAY)
    placed = [name for name in ("overdue", "today", "week", "new_a") if names(found, name)]
    assert placed == ([section] if section else [])
    if section:
        assert found.items[section][0].days == days


@pytest.mark.parametrize(("created", "listed"), [
    (TODAY, None),                               # within 24 hours: not late yet (due today though)
    (TODAY - dt.timedelta(days=1), "new_a"),     # a day old, never contacted
    (TODAY - dt.timedelta(days=30), "new_a"),
    (TODAY - dt.timedelta(days=31), "overdue"),  # no longer new: simply overdue
])
def test_a_new_a_lead_not_contacted_within_24_hours_is_listed_once(db, lina, created, listed):
    customer(db, name="新线索", created=created, grade="A")
    found = worklist(db, lina, today=TODAY)
    where = [name for name in ("overdue", "new_a") if names(found, name)]
    assert where == ([listed] if listed else [])


def test_a_lead_scored_a_counts_as_a_even_if_its_potential_says_c(db, lina):
    customer(db, name="高分线索", created=TODAY - dt.timedelta(days=2), grade="C", score_need=4, score_budget=4,
             score_decision=4, score_urgency=4)
    assert names(worklist(db, lina, today=TODAY), "new_a") == ["高分线索"]


def test_only_the_members_own_customers_are_listed(db, lina):
    customer(db, name="她的客户")
    customer(db, name="管理员的客户", owner=1)
    customer(db, name="公海客户", owner=None)
    found = worklist(db, lina, today=TODAY)
    assert names(found, "overdue") == ["她的客户"]
    assert names(worklist(db, ADMIN, today=TODAY), "overdue") == ["管理员的客户"]


def test_the_first_contact_time_comes_from_the_rules(db, lina):
    from db import settings

    customer(db, name="新线索", created=TODAY - dt.timedelta(days=2), grade="A")
    settings.update_rules(db, ADMIN, {"first_contact_hours": 72})
    assert names(worklist(db, lina, today=TODAY), "new_a") == []


# --- the page --------------------------------------------------------------------------------------------

@pytest.fixture
def demo(demo_file, tmp_path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def open_today(path: Path, username: str = "lina"):
    app = app_for(path, username)
    app.switch_page("pages/today.py").run()
    return app


def test_the_page_lists_the_members_work_and_logs_a_follow_up_in_one_click(demo):
    app = open_today(demo)
    overdue = next(h.value for h in app.subheader if h.value.startswith("逾期"))
    count = int(overdue.split("· ")[1])
    first = next(b for b in app.button if b.label == "记跟进")
    first.click().run()
    app.text_area(key="today.content").input("电话沟通了报价，客户下周给答复")
    next(b for b in app.button if b.label == "保存跟进").click().run()
    assert app.success[0].value.startswith("已记录对")
    with opened(demo) as db:
        saved = db.execute("SELECT content, person_id, next_follow_up_on FROM follow_ups ORDER BY id DESC LIMIT 1"
                           ).fetchone()
    assert saved[:2] == ("电话沟通了报价，客户下周给答复", 3)
    assert saved[2] > dt.date.today().isoformat()  # the grade's cadence from today
    after = next(h.value for h in app.subheader if h.value.startswith("逾期"))
    assert int(after.split("· ")[1]) <= count


def test_a_refused_follow_up_keeps_what_was_typed(demo):
    app = open_today(demo)
    next(b for b in app.button if b.label == "记跟进").click().run()
    app.text_area(key="today.content").input("很长" * 3000)  # over 5,000 characters
    next(b for b in app.button if b.label == "保存跟进").click().run()
    assert "沟通内容" in app.error[0].value
    assert app.text_area(key="today.content").value == "很长" * 3000


def test_a_member_with_nothing_due_is_told_so(base_file, monkeypatch):
    monkeypatch.setenv(BASE_ENV, str(base_file))
    app = open_today(base_file, "admin")
    assert app.success[0].value == "太好了，目前没有待跟进的客户。"


def test_customers_about_to_return_to_the_pool_are_listed_with_days_left(db, lina):
    row = customer(db, name="快掉公海的客户", created=dt.date(2026, 9, 1))
    followed(db, row, TODAY - dt.timedelta(days=28), TODAY + dt.timedelta(days=20))  # planned: not due this week
    db.execute("UPDATE owned_since SET since = '2026-09-01 00:00:00' WHERE customer_id = ?", [row])
    db.conn.commit()
    found = worklist(db, lina, today=TODAY)
    assert [(item.name, item.days) for item in found.items["pool"]] == [("快掉公海的客户", 2)]


# --- after the sale ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ends_in", "listed"), [(-1, False), (0, True), (30, True), (31, False)])
def test_a_contract_ending_within_the_renewal_days_is_listed_for_renewal(db, lina, ends_in, listed):
    customer(db, name="合同客户", contract_ends_on=(TODAY + dt.timedelta(days=ends_in)).isoformat())
    found = worklist(db, lina, today=TODAY)
    assert [(item.name, item.days) for item in found.items["renewal"]] == ([("合同客户", ends_in)] if listed else [])


def won_customer(db, name: str, won_on: dt.date) -> int:
    from tests.conftest import WON

    return customer(db, name=name, stage="won", **{**WON, "won_on": won_on.isoformat()})


@pytest.mark.parametrize(("since", "listed"), [(89, False), (90, True)])
def test_a_won_customer_is_due_a_revisit_the_rules_days_after_it_was_won(db, lina, since, listed):
    won_customer(db, "老客户", TODAY - dt.timedelta(days=since))
    assert bool(worklist(db, lina, today=TODAY).items["revisit"]) is listed


def test_a_revisit_resets_the_clock_and_gives_the_latest_satisfaction(db, lina):
    from db.queries import get_row

    row = won_customer(db, "老客户", TODAY - dt.timedelta(days=200))
    insert(db, "follow_ups", customer_id=row, time=f"{(TODAY - dt.timedelta(days=100)).isoformat()} 10:00",
           method="revisit", satisfaction=3)
    insert(db, "follow_ups", customer_id=row, time=f"{(TODAY - dt.timedelta(days=10)).isoformat()} 10:00",
           method="revisit", satisfaction=5)
    insert(db, "follow_ups", customer_id=row, time=f"{(TODAY - dt.timedelta(days=5)).isoformat()} 10:00",
           method="phone")  # not a revisit: satisfaction stays the revisit's
    assert worklist(db, lina, today=TODAY).items["revisit"] == []
    assert get_row(db, "customers", row, actor=lina, today=TODAY)["last_satisfaction"] == 5


def test_the_revisit_days_come_from_the_rules(db, lina):
    from db import settings

    won_customer(db, "老客户", TODAY - dt.timedelta(days=40))
    settings.update_rules(db, ADMIN, {"revisit_days": 30})
    assert [item.name for item in worklist(db, lina, today=TODAY).items["revisit"]] == ["老客户"]


def test_a_revisit_logged_from_the_page_records_the_satisfaction(demo):
    with opened(demo) as db:
        from tests.conftest import WON

        row = insert(db, "customers", name="回访测试客户", owner_id=3, stage="won",
                     **{**WON, "won_on": (dt.date.today() - dt.timedelta(days=120)).isoformat()})
    app = open_today(demo)
    next(b for b in app.button if b.key == f"today.log.revisit.{row}").click().run()
    assert app.radio(key="today.method").value == "revisit"
    app.radio(key="today.satisfaction").set_value(4)
    app.text_area(key="today.content").input("回访：使用顺利，考虑增购")
    next(b for b in app.button if b.label == "保存跟进").click().run()
    with opened(demo) as db:
        saved = db.execute("SELECT method, satisfaction FROM follow_ups WHERE customer_id = ?", [row]).fetchone()
    assert saved == ("revisit", 4)


def test_a_new_a_lead_about_to_return_to_the_pool_is_listed_once(db, lina):
    row = customer(db, name="新线索", created=TODAY - dt.timedelta(days=28), grade="A")
    db.execute("UPDATE owned_since SET since = ? WHERE customer_id = ?",
               [f"{(TODAY - dt.timedelta(days=28)).isoformat()} 09:00:00", row])
    db.conn.commit()
    found = worklist(db, lina, today=TODAY)
    assert [name for name in ("pool", "new_a") if found.items[name]] == ["new_a"]


def test_a_customer_about_to_return_keeps_its_grade_for_the_cadence(db, lina):
    row = customer(db, name="A级客户", created=dt.date(2026, 9, 1), grade="A")
    followed(db, row, TODAY - dt.timedelta(days=28), TODAY + dt.timedelta(days=20))
    db.execute("UPDATE owned_since SET since = '2026-09-01 00:00:00' WHERE customer_id = ?", [row])
    db.conn.commit()
    assert [item.grade for item in worklist(db, lina, today=TODAY).items["pool"]] == ["A"]
