"""看板视图, 日历 and 表单 on any table — 客户, 跟进记录 and the tables people add — in the real Streamlit runtime:
the picker and deep links choose the table, a card move and a form go through the grid's checks and history,
a record on the calendar opens in its table."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from db import fields, tables
from db.changes import ChangeSet, NewRow, apply
from db.connection import BASE_ENV, opened
from db.fields import load_base
from db.history import row_history
from tests.conftest import ADMIN, TODAY, app_for


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def columns_of(path: Path, table: str) -> dict[str, str]:
    """``{label: column name}`` of a table."""
    with opened(path) as db:
        return {c.label.zh: c.name for c in load_base(db).table(table).columns}


def option(path: Path, table: str, column: str, label: str) -> str:
    with opened(path) as db:
        return next(o.code for o in load_base(db).table(table).column(column).type.options if o.label.zh == label)


@pytest.fixture
def referrals(base: Path) -> tuple[str, int]:
    """转介绍记录 from its template, with one referral of 李娜's customer yesterday, 跟进中; its name and id."""
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "转介绍记录", template_code="referrals")
        lina_customer = db.execute("SELECT id FROM customers WHERE owner_id = 3 ORDER BY id LIMIT 1").fetchone()[0]
    named = columns_of(base, table)
    values = {"title": "李总介绍的华新科技", named["推荐人"]: lina_customer,
              named["推荐时间"]: (TODAY - dt.timedelta(days=1)).isoformat(),
              named["状态"]: option(base, table, named["状态"], "跟进中")}
    with opened(base) as db:
        row = apply(db, ChangeSet(table, inserts=(NewRow(values),)), actor=ADMIN).inserted[0]
    return table, row


def open_page(base: Path, page: str, username: str = "admin", lang: str | None = None, **link):
    app = app_for(base, username, lang=lang)
    app.session_state["calendar.anchor"] = TODAY
    app.run()
    app.query_params.update(link)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


# --- 看板视图 ---------------------------------------------------------------------------------------

def with_stage_field(base: Path) -> tuple[str, int]:
    """A blank table 展会线索 given a single select 阶段 (新, 已联系), with one record at 新."""
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "展会线索")
        stage = fields.add_field(db, ADMIN, table, "阶段", "single", options=["新", "已联系", "已成交"])
    with opened(base) as db:
        row = apply(db, ChangeSet(table, inserts=(NewRow({"title": "展会上的华新科技", stage: "o1"}),)),
                    actor=ADMIN).inserted[0]
    return table, row


@pytest.mark.parametrize(("made", "group", "before", "after"), [
    ("template", "状态", "跟进中", "已成交"),
    ("added_field", "阶段", "新", "已联系"),
], ids=["template", "added_field"])
def test_moving_a_card_on_an_added_tables_board_saves_it_and_records_it_in_history(
        base, request, made, group, before, after):
    table, row = request.getfixturevalue("referrals") if made == "template" else with_stage_field(base)
    column = columns_of(base, table)[group]
    app = open_page(base, "pages/kanban.py", "wanghaitao", table=table)
    assert app.selectbox(key=f"kanban.{table}.group").value == column  # the first single select
    assert f"**{before}** · 1" in [m.value for m in app.markdown]
    with opened(base) as db:
        version = db[table].get(row)["version"]
    app.selectbox(key=f"kanban.{table}.{column}.{row}.{version}").set_value(option(base, table, column, after)).run()
    assert not app.error, [e.value for e in app.error]
    name = "李总介绍的华新科技" if made == "template" else "展会上的华新科技"
    assert [s.value for s in app.success] == [f"已把“{name}”移到“{after}”。"]
    assert f"**{after}** · 1" in [m.value for m in app.markdown]
    with opened(base) as db:
        latest = row_history(db, table, row, actor=ADMIN)[0]
    assert (latest.action, latest.user, latest.changes) == (
        "update", "王海涛", {column: (option(base, table, column, before), option(base, table, column, after))})


def test_a_card_of_an_added_table_opens_its_record_and_names_its_link(base, referrals):
    table, row = referrals
    app = open_page(base, "pages/kanban.py", table=table)
    assert f"[李总介绍的华新科技](/tables?table={table}&record={row})" in [m.value for m in app.markdown]
    with opened(base) as db:
        customer = db.execute("SELECT name FROM customers WHERE owner_id = 3 ORDER BY id LIMIT 1").fetchone()[0]
    assert f"推荐人：{customer}" in [c.value for c in app.caption]


def test_a_salesperson_sees_an_added_tables_cards_but_not_the_names_of_others_customers_on_them(base, referrals):
    app = open_page(base, "pages/kanban.py", "zhangwei", table=referrals[0])
    assert "[李总介绍的华新科技]" in "".join(m.value for m in app.markdown)  # added tables are everyone's
    assert not [c.value for c in app.caption if c.value.startswith("推荐人")]  # but the referrer is 李娜's


@pytest.mark.parametrize(("page", "key", "warning"), [
    ("pages/kanban.py", "kanban.{table}.group", "链接里的分组字段不是这张表的单选字段，已按默认字段分组。"),
    ("pages/calendar.py", "calendar.{table}.column", "链接里的日期字段不是这张表的日期字段，已按默认字段显示。"),
])
def test_a_link_naming_a_field_the_table_lacks_says_so_and_uses_the_default(base, referrals, page, key, warning):
    table, _ = referrals
    named = columns_of(base, table)
    app = open_page(base, page, table=table, field="title")
    assert [w.value for w in app.warning] == [warning]
    assert app.selectbox(key=key.format(table=table)).value == named["状态" if "kanban" in page else "推荐时间"]


@pytest.mark.parametrize("only", ["nothing", "multi"])
def test_a_table_without_a_single_select_says_how_to_get_a_board(base, only):
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "名片")
        if only == "multi":  # a multi select does not group cards
            fields.add_field(db, ADMIN, table, "兴趣", "multi", options=["软件", "硬件"])
    app = open_page(base, "pages/kanban.py", table=table)
    assert [i.value for i in app.info] == ["这张表还没有单选字段，在「字段」里加一个单选字段后即可用看板"]
    assert not [m for m in app.markdown if m.value.startswith("**")]


def test_the_board_of_follow_ups_groups_by_their_first_single_select_and_opens_their_customer(base):
    app = open_page(base, "pages/kanban.py", table="follow_ups")
    assert app.selectbox(key="kanban.follow_ups.group").value == "method"
    card = next(m.value for m in app.markdown if "/customers?customer=" in m.value)
    assert re.search(r"\]\(/customers\?customer=\d+\)", card)


# --- 日历 ------------------------------------------------------------------------------------------

def calendar_links(app) -> list[tuple[str, str, str]]:
    return [found for md in app.markdown for found in
            re.findall(r"\[([^\]]*)\]\(/tables\?table=(t\d+)&record=(\d+)\)", md.value)]


@pytest.mark.parametrize("how", ["link", "picker"])
def test_an_added_tables_record_is_on_its_day_and_opens_in_its_table(base, referrals, how):
    table, row = referrals
    date = columns_of(base, table)["推荐时间"]
    if how == "link":
        app = open_page(base, "pages/calendar.py", table=table, field=date)
    else:
        app = open_page(base, "pages/calendar.py")
        app.selectbox(key="calendar.table").set_value(table).run()
    assert app.selectbox(key=f"calendar.{table}.column").value == date  # its only date field
    assert calendar_links(app) == [("李总介绍的华新科技", table, str(row))]
    app.query_params.clear()
    record = open_page(base, "pages/tables.py", table=table, record=str(row))
    assert [s.value for s in record.subheader] == ["李总介绍的华新科技"]
    assert len(record.dataframe) == 2  # the record's fields, and its history
    assert record.dataframe[1].value.iloc[-1]["操作"] == "新增"


def test_a_record_that_is_not_there_says_so(base, referrals):
    table, _ = referrals
    app = open_page(base, "pages/tables.py", table=table, record="99999")
    assert [w.value for w in app.warning] == ["找不到第 99999 号记录（可能已被删除）。"]


def test_a_table_without_a_date_field_says_how_to_get_a_calendar(base):
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "名片")
    app = open_page(base, "pages/calendar.py", table=table)
    assert [i.value for i in app.info] == ["这张表还没有日期字段，在「字段」里加一个日期或日期时间字段后即可用日历。"]


# --- 表单 ------------------------------------------------------------------------------------------

def test_a_form_link_for_an_added_table_adds_a_record_with_its_fields_and_history(base, referrals):
    table, _ = referrals
    named = columns_of(base, table)
    app = open_page(base, "pages/form.py", "lina", table=table, title="转介绍登记")
    assert app.title[0].value == "转介绍登记"
    assert not [s for s in app.selectbox if s.key == "form.table"]  # the link fixed the table: no picker
    app.text_input(key=f"form.{table}.title").input("王总介绍的瑞拓")
    app.text_input(key=f"form.{table}.{named['奖励']}").input("¥3,000")
    app.selectbox(key=f"form.{table}.{named['状态']}").set_value(option(base, table, named["状态"], "已成交"))
    app.date_input(key=f"form.{table}.{named['推荐时间']}").set_value(TODAY)
    with opened(base) as db:
        hers = db.execute("SELECT id FROM customers WHERE owner_id = 3 ORDER BY id DESC LIMIT 1").fetchone()[0]
    app.selectbox(key=f"form.{table}.{named['推荐人']}").set_value(hers)
    app.button[0].click().run()
    assert [s.value for s in app.success] == ["已提交：王总介绍的瑞拓。可以继续填写下一位。"]
    with opened(base) as db:
        added = dict(next(db.query(f"SELECT * FROM {table} ORDER BY id DESC LIMIT 1")))
        [entry] = row_history(db, table, added["id"], actor=ADMIN)
    assert (added["title"], added[named["奖励"]], added[named["推荐时间"]], added[named["推荐人"]], entry.action,
            entry.user) == ("王总介绍的瑞拓", 3000, TODAY.isoformat(), hers, "insert", "李娜")
    assert app.text_input(key=f"form.{table}.title").value == ""  # ready for the next one


def test_a_form_for_an_added_table_refuses_bad_input_and_keeps_what_was_typed(base, referrals):
    table, _ = referrals
    reward = columns_of(base, table)["奖励"]
    with opened(base) as db:
        before = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    app = open_page(base, "pages/form.py", table=table)
    app.text_input(key=f"form.{table}.{reward}").input("很多")
    app.button[0].click().run()
    errors = app.error[0].value
    assert "名称" in errors and "必填" in errors and "奖励" in errors and "很多" in errors
    assert app.text_input(key=f"form.{table}.{reward}").value == "很多"
    with opened(base) as db:
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == before


def test_a_salespersons_form_offers_only_the_customers_they_may_see(base, referrals):
    table, _ = referrals
    referrer = columns_of(base, table)["推荐人"]
    app = open_page(base, "pages/form.py", "lina", table=table)
    with opened(base) as db:
        hers = {r[0] for r in db.execute("SELECT name FROM customers WHERE owner_id = 3 OR owner_id IS NULL")}
    offered = set(app.selectbox(key=f"form.{table}.{referrer}").options) - {"—"}
    assert offered and offered <= hers


def test_the_form_from_the_menu_has_a_picker_and_the_link_to_send(base, referrals):
    table, _ = referrals
    app = open_page(base, "pages/form.py")
    assert app.selectbox(key="form.table").value == "customers"
    app.selectbox(key="form.table").set_value(table).run()
    assert app.title[0].value == "新增转介绍记录"
    assert [c.value for c in app.code] == [f"/form?table={table}&title=新增转介绍记录"]
    assert app.text_input(key=f"form.{table}.title")


# --- the picker and deep links ---------------------------------------------------------------------

@pytest.mark.parametrize(("page", "key"), [("pages/kanban.py", "kanban.table"), ("pages/calendar.py", "calendar.table"),
                                           ("pages/tables.py", "tables.pick")])
def test_a_deep_link_selects_the_table(base, referrals, page, key):
    table, _ = referrals
    app = open_page(base, page, table=table)
    assert app.selectbox(key=key).value == table


@pytest.mark.parametrize("page", ["pages/kanban.py", "pages/calendar.py", "pages/form.py"])
@pytest.mark.parametrize("named", ["users", "t999", "sqlite_master"])
def test_a_link_to_a_table_one_may_not_open_says_so_and_opens_the_customers(base, page, named):
    app = open_page(base, page, "lina", table=named)
    assert [w.value for w in app.warning] == ["找不到链接里的这张表（可能已被删除，或您无权打开）。"]
    assert app.selectbox(key=page.split("/")[1].removesuffix(".py") + ".table").value == "customers"


@pytest.mark.parametrize(("lang", "labels"), [("zh", ["客户信息表", "客户跟进记录表", "转介绍记录"]),
                                               ("en", ["Customers", "Follow-ups", "转介绍记录"])])
def test_the_picker_lists_customers_follow_ups_and_added_tables_in_the_ui_language(base, referrals, lang, labels):
    app = open_page(base, "pages/calendar.py", lang=lang)
    assert app.selectbox(key="calendar.table").options == labels


def test_choosing_another_table_writes_it_into_the_address_and_drops_the_old_field(base, referrals):
    table, _ = referrals
    app = open_page(base, "pages/calendar.py", table="follow_ups", field="time")
    assert app.selectbox(key="calendar.follow_ups.column").value == "time"
    app.selectbox(key="calendar.table").set_value(table).run()
    assert app.query_params == {"table": table}
