"""The account pages in the real Streamlit runtime (AppTest): who sees which page, logging out,
members, transfer, snapshots, the activity log and the hourly housekeeping."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from db import accounts, snapshots, tables
from db.changes import ChangeSet, NewRow, RowDelete
from db.changes import apply as apply_changes
from db.connection import BASE_ENV, opened
from db.demo import DEMO_PASSWORD
from tests.conftest import ADMIN, app_for
from web.housekeeping import run_once


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


@pytest.mark.parametrize(("username", "extra_pages"), [
    ("admin", {"操作日志", "成员", "快照"}),
    ("wanghaitao", {"操作日志", "成员"}),
    ("lina", set()),
])
def test_each_role_sees_its_own_pages(base, username, extra_pages):
    app = app_for(base, username)
    app.run()
    assert not app.exception
    for page, title in (("pages/activity.py", "操作日志"), ("pages/members.py", "成员"),
                        ("pages/snapshots.py", "快照")):
        visible = title in extra_pages
        try:
            app.switch_page(page).run()
        except Exception:
            assert not visible, title
            continue
        assert visible, title


def test_without_a_session_the_app_says_how_to_log_in_and_shows_no_data(base):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    app.run()
    assert [i.value for i in app.info] == ["请先登录。"]
    assert len(app.dataframe) == 0


def test_logging_out_in_the_sidebar_ends_the_session_in_the_base(base):
    app = app_for(base, "lina")
    app.run()
    token = app.session_state["auth.token"]
    app.button(key="auth.logout").click().run()
    assert [i.value for i in app.info] == ["您已退出登录。"]
    with opened(base) as db:
        assert accounts.session_actor(db, token) is None


def test_an_administrator_adds_a_member_who_can_then_log_in(base):
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/members.py").run()
    app.text_input(key="members.new.username").input("zhaoliu")
    app.text_input(key="members.new.display_name").input("赵六")
    app.text_input(key="members.new.password").input("zhaoliu-pass")
    app.button[next(i for i, b in enumerate(app.button) if b.label == "添加成员")].click().run()
    assert [s.value for s in app.success] == ["已添加成员 赵六。"]
    with opened(base) as db:
        assert accounts.session_actor(db, accounts.login(db, "zhaoliu", "zhaoliu-pass")).role == "sales"


def test_a_short_password_is_refused_with_a_message(base):
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/members.py").run()
    app.text_input(key="members.new.username").input("zhaoliu")
    app.text_input(key="members.new.display_name").input("赵六")
    app.text_input(key="members.new.password").input("short")
    app.button[next(i for i, b in enumerate(app.button) if b.label == "添加成员")].click().run()
    assert [e.value for e in app.error] == ["密码至少需要 8 位。"]
    with opened(base) as db:
        assert db.execute("SELECT COUNT(*) FROM users WHERE username = 'zhaoliu'").fetchone()[0] == 0


def test_a_manager_transfers_a_leaving_salespersons_customers_in_one_step(base):
    with opened(base) as db:
        theirs = db.execute("SELECT COUNT(*) FROM customers WHERE owner_id = 4").fetchone()[0]
    app = app_for(base, "wanghaitao")
    app.run()
    app.switch_page("pages/members.py").run()
    assert "添加成员" not in [b.label for b in app.button]  # managers transfer, they do not manage members
    app.selectbox(key="members.transfer.from").set_value(4)
    app.selectbox(key="members.transfer.to").set_value(3)
    app.button[next(i for i, b in enumerate(app.button) if b.label == "转移客户")].click().run()
    assert [s.value for s in app.success] == [f"已转移 {theirs} 位客户。"]
    with opened(base) as db:
        assert db.execute("SELECT COUNT(*) FROM customers WHERE owner_id = 4").fetchone()[0] == 0
    assert [s.reason for s in snapshots.listing(base)] == ["before-bulk"]


def test_an_administrator_takes_and_restores_a_snapshot_from_the_page(base):
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/snapshots.py").run()
    assert [i.value for i in app.info] == ["还没有快照。"]
    app.button[0].click().run()  # 立即拍快照
    [taken] = snapshots.listing(base)
    with opened(base) as db:
        doomed = db.execute("SELECT id, version FROM customers ORDER BY id LIMIT 1").fetchone()
        apply_changes(db, ChangeSet("customers", deletes=(RowDelete(*doomed),)), actor=ADMIN)
    app.button(key=f"snapshots.restore.{taken.path.name}").click().run()
    app.button(key=f"snapshots.yes.{taken.path.name}").click().run()
    assert app.success[0].value.startswith(f"已恢复到 {taken.path.name}")
    with opened(base) as db:
        assert db["customers"].count == 360


def test_the_activity_log_filters_by_member(base):
    with opened(base) as db:
        doomed = db.execute("SELECT id, version FROM customers ORDER BY id LIMIT 1").fetchone()
        apply_changes(db, ChangeSet("customers", deletes=(RowDelete(*doomed),)), actor=ADMIN)
    app = app_for(base, "wanghaitao")
    app.run()
    app.switch_page("pages/activity.py").run()
    assert "共 1 条操作" not in [c.value for c in app.caption]  # the deletion took its follow-ups along
    app.selectbox(key="activity.who").set_value(2).run()
    assert "共 0 条操作" in [c.value for c in app.caption]
    app.selectbox(key="activity.who").set_value(1).run()
    shown = app.dataframe[0].value
    assert set(shown["操作"]) == {"删除"} and set(shown["成员"]) == {"系统管理员"}


def test_the_activity_log_names_linked_records_and_offers_added_tables(base):
    with opened(base) as db:
        customer, name = db.execute("SELECT id, name FROM customers ORDER BY id LIMIT 1").fetchone()
        apply_changes(db, ChangeSet("follow_ups", inserts=(NewRow({"customer_id": customer, "time": "2026-11-22 09:00",
                                                                   "content": "日志里的跟进"}),)), actor=ADMIN)
        tables.create_table(db, ADMIN, "合同", template_code="contracts")
    app = app_for(base, "wanghaitao")
    app.run()
    app.switch_page("pages/activity.py").run()
    assert "合同" in app.selectbox(key="activity.table").options  # its label, as the select shows it
    app.selectbox(key="activity.table").set_value("follow_ups").run()
    shown = app.dataframe[0].value
    assert name in set(shown["新值"]) and not any(str(v).startswith("#") for v in shown["新值"])


def test_housekeeping_takes_one_daily_snapshot_purges_the_old_trash_and_old_sessions(base):
    now = dt.datetime(2026, 11, 25, 3, 0)
    with opened(base) as db:
        doomed = db.execute("SELECT id, version FROM customers ORDER BY id LIMIT 1").fetchone()
        apply_changes(db, ChangeSet("customers", deletes=(RowDelete(*doomed),)), actor=ADMIN,
                      now=now - dt.timedelta(days=40))
        accounts.login(db, "lina", DEMO_PASSWORD, now=now - dt.timedelta(days=2))
    first = run_once(base, now=now)
    assert first["snapshot"] == 1 and first["purged"] >= 1 and first["sessions"] == 1
    assert run_once(base, now=now + dt.timedelta(hours=1))["snapshot"] == 0  # once a day
    assert [s.reason for s in snapshots.listing(base)] == ["daily"]
