"""Saved views: the grid's search, filters (全部满足 or 任一满足), sort, columns and grouping kept under a
name, personal or shared, opened from the 视图 select, from their own URL, or by default."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from db import fields, tables, views
from db.access import AccessDenied
from db.changes import ChangeSet, NewRow, apply
from db.connection import BASE_ENV, opened
from db.fields import load_base
from db.queries import Filter, Query, count_rows, fetch_page, group_counts, groupable, link_options
from schema.crm import CUSTOMERS
from schema.types import Derived, Link
from tests.conftest import ADMIN, CUSTOMERS_PAGE, LINA, MANAGER, TODAY, ZHANGWEI, app_for
from ui.calendar import days_of
from ui.cells import OPEN
from ui.kanban import CARDS_PER_COLUMN
from ui.layout import always_shown

A_NOT_FOLLOWED_UP = Query("customers", filters=(Filter("grade", "in", ("A",)),
                                                Filter("last_follow_up_at", "older_than_days", (30,))))


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def shown_total(app) -> str:
    return next(c.value for c in app.caption if c.value.startswith("共 "))


def expected_total(base: Path, username: str = "admin") -> int:
    actor = {"admin": ADMIN, "lina": LINA}[username]
    with opened(base) as db:
        return count_rows(db, A_NOT_FOLLOWED_UP, actor=actor)


def save_a_grade_view(app, *, shared: bool = False, default: bool = False):
    app.multiselect(key="customers.filters.grade").set_value(["A"])
    app.selectbox(key="customers.filters.stale").set_value(30).run()
    app.text_input(key="views.customers.filters.name").input("A级未跟进30天")
    if shared:
        app.checkbox(key="views.customers.filters.shared").check()
    if default:
        app.checkbox(key="views.customers.filters.default").check()
    next(b for b in app.button if b.label == "保存视图").click().run()


def test_a_view_saved_from_the_filters_comes_back_after_clearing_them(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    everyone = shown_total(app)
    save_a_grade_view(app)
    assert app.success[0].value.startswith("已保存视图")
    assert shown_total(app).startswith(f"共 {expected_total(base)} 条")
    view_id = int(app.query_params["view"])

    app.selectbox(key="views.customers.filters.select").set_value(0).run()  # 全部
    assert shown_total(app) == everyone and app.multiselect(key="customers.filters.grade").value == []
    app.selectbox(key="views.customers.filters.select").set_value(view_id).run()
    assert shown_total(app).startswith(f"共 {expected_total(base)} 条")
    assert app.multiselect(key="customers.filters.grade").value == ["A"]


def test_a_view_opens_from_its_url_in_a_new_session(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    save_a_grade_view(app)
    view_id = app.query_params["view"]
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    fresh.query_params["view"] = view_id
    fresh.run()
    assert shown_total(fresh).startswith(f"共 {expected_total(base)} 条")


def test_a_shared_default_view_opens_for_everyone_and_applies_their_own_scope(base):
    app = app_for(base, "wanghaitao", page=CUSTOMERS_PAGE)
    app.run()
    save_a_grade_view(app, shared=True, default=True)
    lina = app_for(base, "lina", page=CUSTOMERS_PAGE)
    lina.run()
    assert lina.selectbox(key="views.customers.filters.select").value != 0
    assert shown_total(lina).startswith(f"共 {expected_total(base, 'lina')} 条")


def test_personal_views_are_personal_and_only_managers_share(base):
    with opened(base) as db:
        mine = views.save_view(db, LINA, "customers", "我的A级", {"grade": ["A"]})
        assert [v.name for v in views.views(db, ZHANGWEI, "customers")] == []
        assert views.view(db, ZHANGWEI, mine) is None
        with pytest.raises(AccessDenied):
            views.save_view(db, LINA, "customers", "大家的", {}, shared=True)
        with pytest.raises(views.ViewError):
            views.save_view(db, LINA, "customers", "   ", {})
        shared = views.save_view(db, MANAGER, "customers", "大家的", {}, shared=True)
        assert [v.name for v in views.views(db, LINA, "customers")] == ["大家的", "我的A级"]
        with pytest.raises(AccessDenied):
            views.delete_view(db, LINA, shared)
    zhangwei = app_for(base, "zhangwei", page=CUSTOMERS_PAGE)
    zhangwei.query_params["view"] = str(mine)
    zhangwei.run()
    assert "找不到这个视图" in zhangwei.warning[0].value


def test_a_view_whose_search_looks_like_a_date_opens(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="customers.filters.search").input("2026-11-08").run()
    app.text_input(key="views.customers.filters.name").input("按日期搜索")
    next(b for b in app.button if b.label == "保存视图").click().run()
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    with opened(base) as db:
        saved = views.views(db, ADMIN, "customers")[0]
    fresh.query_params["view"] = str(saved.id)
    fresh.run()
    assert not fresh.exception
    assert fresh.text_input(key="customers.filters.search").value == "2026-11-08"


# --- 全部满足 / 任一满足, columns, grouping ---------------------------------------------

NEVER_FOLLOWED_UP = Filter("follow_up_count", "in", (0,))  # a stored rollup
STRONG_INTENT = Filter("tags", "any_tag", ("strong_intent",))
STALE_30 = Filter("last_follow_up_at", "older_than_days", (30,))

CONDITIONS = [
    ("customers", (NEVER_FOLLOWED_UP, STRONG_INTENT)),
    ("customers", (STALE_30, Filter("grade", "in", ("A",)), Filter("owner_id", "in", (None,)))),
    ("customers", (Filter("days_since_follow_up", "between", (None, None)), Filter("last_method", "in", ("visit",)))),
    ("follow_ups", (Filter("customer_id", "label_contains", ("科技",)), Filter("method", "in", ("visit",)))),
    ("follow_ups", (Filter("time", "between", ("2026-11-01", None)), Filter("status", "in", (None,)))),
]


def ids(db, query: Query, actor=ADMIN) -> set[int]:
    return {row["id"] for row in fetch_page(db, replace(query, page_size=100_000), actor=actor, today=TODAY)}


def alone(db, table: str, conditions, actor=ADMIN) -> list[set[int]]:
    return [ids(db, Query(table, filters=(flt,)), actor) for flt in conditions]


@pytest.mark.parametrize(("table", "conditions"), CONDITIONS)
def test_any_returns_the_rows_meeting_one_condition_and_all_those_meeting_every_one(demo_db, table, conditions):
    singles = alone(demo_db, table, conditions)
    assert ids(demo_db, Query(table, filters=conditions, match="any")) == set.union(*singles)
    assert ids(demo_db, Query(table, filters=conditions, match="all")) == set.intersection(*singles)


def test_the_search_still_narrows_when_any_condition_will_do(demo_db):
    conditions = (NEVER_FOLLOWED_UP, STRONG_INTENT)
    found = ids(demo_db, Query("customers", "科技", conditions, match="any"))
    assert found == set.union(*alone(demo_db, "customers", conditions)) & ids(demo_db, Query("customers", "科技"))
    assert found


def test_any_works_on_formula_and_lookup_fields(base):
    with opened(base) as db:
        twice = fields.add_field(db, ADMIN, "customers", "两倍跟进次数", "formula", formula="{跟进次数} * 2")
        grade = fields.add_field(db, ADMIN, "follow_ups", "客户等级", "lookup", lookup=("customer_id", "grade"))
        by_formula = Query("customers", filters=(Filter(twice, "in", (0,)), STRONG_INTENT), match="any")
        by_rollup = Query("customers", filters=(NEVER_FOLLOWED_UP, STRONG_INTENT), match="any")
        assert ids(db, by_formula) == ids(db, by_rollup)
        by_lookup = (Filter(grade, "in", ("A",)), Filter("method", "in", ("visit",)))
        assert ids(db, Query("follow_ups", filters=by_lookup, match="any")) == set.union(
            *alone(db, "follow_ups", by_lookup))


@pytest.mark.parametrize(("table", "conditions"), [
    ("customers", (Filter("owner_id", "in", (ZHANGWEI.user_id,)), Filter("stage", "in", ("won",)))),
    ("customers", (NEVER_FOLLOWED_UP, STRONG_INTENT)),
    ("follow_ups", (Filter("person_id", "in", (ZHANGWEI.user_id,)), Filter("method", "in", ("visit",)))),
])
def test_a_salesperson_matching_any_condition_still_sees_only_her_scope(demo_db, table, conditions):
    hers = ids(demo_db, Query(table), LINA)
    anyone = set.union(*alone(demo_db, table, conditions))
    found = ids(demo_db, Query(table, filters=conditions, match="any"), LINA)
    assert found == hers & anyone
    assert count_rows(demo_db, Query(table, filters=conditions, match="any"), actor=LINA) == len(found)
    groups = group_counts(demo_db, Query(table, filters=conditions, match="any"), "method" if table == "follow_ups"
                          else "stage", actor=LINA)
    assert sum(g.count for g in groups) == len(found)


@pytest.mark.parametrize(("table", "column", "conditions", "match", "actor"), [
    ("customers", "stage", (), "all", ADMIN),
    ("customers", "stage", (NEVER_FOLLOWED_UP, STRONG_INTENT), "any", ADMIN),
    ("customers", "owner_id", (STALE_30,), "all", ADMIN),
    ("customers", "owner_id", (STALE_30, STRONG_INTENT), "any", LINA),
    ("customers", "last_method", (Filter("grade", "in", ("A", "B")),), "all", ADMIN),  # a computed select
    ("follow_ups", "person_id", (Filter("customer_id", "label_contains", ("科技",)),), "all", ADMIN),
    ("follow_ups", "status", (Filter("method", "in", ("visit",)), Filter("person_id", "in", (None,))), "any", LINA),
])
def test_group_counts_add_up_to_the_filtered_count_and_each_narrows_to_its_own(demo_db, table, column, conditions,
                                                                               match, actor):
    query = Query(table, filters=conditions, match=match)
    groups = group_counts(demo_db, query, column, actor=actor, today=TODAY)
    assert sum(g.count for g in groups) == count_rows(demo_db, query, actor=actor, today=TODAY)
    for group in groups:
        narrowed = replace(query, narrow=(Filter(column, "in", (group.value,)),))
        assert count_rows(demo_db, narrowed, actor=actor, today=TODAY) == group.count, group


def test_groups_come_in_option_order_with_empty_last_and_links_carry_their_names(demo_db):
    stages = [g.value for g in group_counts(demo_db, Query("customers"), "stage", actor=ADMIN)]
    order = [o.code for o in CUSTOMERS.column("stage").type.options]
    assert stages == sorted(stages, key=lambda code: order.index(code) if code in order else len(order))
    owners = group_counts(demo_db, Query("customers"), "owner_id", actor=ADMIN)
    names = dict(demo_db.execute("SELECT id, display_name FROM users").fetchall())
    assert [(g.value, g.label) for g in owners if g.value is not None] == [
        (g.value, names[g.value]) for g in owners if g.value is not None]
    assert None not in [g.value for g in owners][:-1]  # empty comes last


@pytest.mark.parametrize("column", ["tags", "name", "follow_up_count", "missing"])
def test_only_selects_checkboxes_and_links_can_be_grouped_by(demo_db, column):
    with pytest.raises((ValueError, KeyError)):
        group_counts(demo_db, Query("customers"), column, actor=ADMIN)


def grid_columns(app) -> list[str]:
    return [name for name in app.dataframe[-1].value.columns if name != OPEN]


def save_view(app, name: str, prefix: str = "customers.filters") -> int:
    app.text_input(key=f"views.{prefix}.name").input(name)
    next(b for b in app.button if b.label == "保存视图").click().run()
    assert app.success[0].value.startswith("已保存视图")
    return int(app.query_params["view"])


def test_any_in_the_app_shows_every_matching_customer_and_a_salesperson_only_her_own(base):
    for username, actor in (("admin", ADMIN), ("lina", LINA)):
        app = app_for(base, username, page=CUSTOMERS_PAGE)
        app.run()
        app.radio(key="customers.filters.match").set_value("any")
        app.multiselect(key="customers.filters.grade").set_value(["A"])
        app.selectbox(key="customers.filters.stale").set_value(30).run()
        query = Query("customers", filters=(Filter("grade", "in", ("A",)), STALE_30), match="any")
        with opened(base) as db:
            assert shown_total(app).startswith(f"共 {count_rows(db, query, actor=actor)} 条")
            assert count_rows(db, query, actor=actor) > count_rows(db, A_NOT_FOLLOWED_UP, actor=actor)
            if username == "lina":
                assert count_rows(db, query, actor=LINA) < count_rows(db, query, actor=ADMIN)


def test_columns_and_their_order_are_saved_with_the_view_and_come_back(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    default = grid_columns(app)
    app.multiselect(key="customers.filters.columns").set_value(["stage", "phone", "follow_up_count"]).run()
    assert grid_columns(app) == ["name", "stage", "phone", "follow_up_count"]  # 客户名称 always first
    view_id = save_view(app, "阶段和电话")
    app.selectbox(key="views.customers.filters.select").set_value(0).run()
    assert grid_columns(app) == default
    app.selectbox(key="views.customers.filters.select").set_value(view_id).run()
    assert grid_columns(app) == ["name", "stage", "phone", "follow_up_count"]
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    fresh.query_params["view"] = str(view_id)
    fresh.run()
    assert grid_columns(fresh) == ["name", "stage", "phone", "follow_up_count"]
    with opened(base) as db:
        assert views.view(db, ADMIN, view_id).state["columns"] == ["stage", "phone", "follow_up_count"]


def test_clearing_the_filters_keeps_the_columns_and_the_grouping(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.multiselect(key="customers.filters.grade").set_value(["A"])
    app.multiselect(key="customers.filters.columns").set_value(["stage"])
    app.selectbox(key="customers.filters.group_by").set_value("stage").run()
    next(b for b in app.button if b.label == "清除筛选").click().run()
    assert app.multiselect(key="customers.filters.grade").value == []
    assert grid_columns(app) == ["name", "stage"]
    assert app.selectbox(key="customers.filters.group_by").value == "stage"


def test_a_view_that_never_chose_columns_follows_the_fields_panel(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    view_id = save_view(app, "默认列")
    with opened(base) as db:
        assert "columns" not in views.view(db, ADMIN, view_id).state
        fields.update_field(db, ADMIN, "customers", "email", hidden=True)
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    fresh.query_params["view"] = str(view_id)
    fresh.run()
    assert "email" not in grid_columns(fresh) and "phone" in grid_columns(fresh)


def test_picking_a_group_narrows_the_grid_to_its_count_and_the_view_keeps_it(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.radio(key="customers.filters.match").set_value("any")
    app.multiselect(key="customers.filters.grade").set_value(["A"])
    app.selectbox(key="customers.filters.stale").set_value(30)
    app.selectbox(key="customers.filters.group_by").set_value("stage").run()
    query = Query("customers", filters=(Filter("grade", "in", ("A",)), STALE_30), match="any")
    with opened(base) as db:
        groups = group_counts(db, query, "stage", actor=ADMIN)
    labels = {o.code: o.label.zh for o in CUSTOMERS.column("stage").type.options}
    assert app.pills(key="customers.filters.group").options == [f"{labels[g.value]} · {g.count}" for g in groups]
    intent = next(g for g in groups if g.value == "intent")
    app.pills(key="customers.filters.group").set_value('"intent"').run()
    assert shown_total(app).startswith(f"共 {intent.count} 条")
    assert set(app.dataframe[-1].value["stage"]) == {"intent"}
    view_id = save_view(app, "意向组")
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    fresh.query_params["view"] = str(view_id)
    fresh.run()
    assert fresh.selectbox(key="customers.filters.group_by").value == "stage"
    assert fresh.radio(key="customers.filters.match").value == "any"
    assert shown_total(fresh).startswith(f"共 {intent.count} 条")
    fresh.pills(key="customers.filters.group").set_value(None).run()
    assert shown_total(fresh).startswith(f"共 {sum(g.count for g in groups)} 条")


def test_a_view_saved_before_match_columns_and_grouping_opens_as_it_was(base):
    with opened(base) as db:
        state = {"grade": ["A"], "stale": 30, "search": "", "sort": "", "descending": True}  # as views were saved
        old = views.save_view(db, ADMIN, "customers", "A级未跟进30天", state)
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    default = grid_columns(app)
    app.query_params["view"] = str(old)
    app.run()
    assert not app.exception
    assert shown_total(app).startswith(f"共 {expected_total(base)} 条")
    assert app.radio(key="customers.filters.match").value == "all"
    assert app.selectbox(key="customers.filters.group_by").value == ""
    assert grid_columns(app) == default


def test_a_view_naming_a_field_deleted_since_still_opens(base):
    with opened(base) as db:
        extra = fields.add_field(db, ADMIN, "customers", "满意度", "single", options=["满意", "不满意"])
        state = {"columns": ["stage", extra], "group_by": extra, "group": "null"}
        saved = views.save_view(db, ADMIN, "customers", "带满意度", state)
        fields.delete_field(db, ADMIN, "customers", extra)
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.query_params["view"] = str(saved)
    app.run()
    assert not app.exception
    assert grid_columns(app) == ["name", "stage"]
    assert app.selectbox(key="customers.filters.group_by").value == ""


def contracts(base: Path) -> tuple[str, str, list[str], list[str]]:
    """An added table 合同 with two contracts; its name, a column to group by, columns picked, the grid's."""
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "合同", template_code="contracts")
        made = load_base(db).table(table)
        link = next(c.name for c in made.columns if isinstance(c.type, Link))
        apply(db, ChangeSet(table, inserts=(NewRow({made.label_column: "2026-001", link: 1}),
                                            NewRow({made.label_column: "2026-002", link: 2}))), actor=ADMIN)
    group_by = next(c.name for c in made.columns if groupable(c))
    columns = [c.name for c in made.columns if c.name not in always_shown(made)][::-1][:2]
    return table, group_by, columns, [*always_shown(made), *columns]


@pytest.mark.parametrize("page", ["pages/follow_ups.py", "pages/tables.py"])
def test_columns_and_grouping_work_on_follow_ups_and_added_tables(base, page):
    if page == "pages/tables.py":
        table, group_by, columns, expected = contracts(base)
        prefix = f"tables.{table}.filters"
    else:
        table, prefix, group_by = "follow_ups", "follow_ups.filters", "person_id"
        columns, expected = ["method", "content"], ["customer_id", "time", "method", "content"]
    with opened(base) as db:
        first = group_counts(db, Query(table), group_by, actor=ADMIN)[0]
    app = app_for(base, "admin")
    app.run()
    app.switch_page(page).run()
    app.multiselect(key=f"{prefix}.columns").set_value(columns)
    app.selectbox(key=f"{prefix}.group_by").set_value(group_by).run()
    assert not app.exception
    assert grid_columns(app) == expected
    app.pills(key=f"{prefix}.group").set_value(json.dumps(first.value)).run()
    assert shown_total(app).startswith(f"共 {first.count:,} 条")
    view_id = save_view(app, "分组视图", prefix)
    with opened(base) as db:
        assert views.view(db, ADMIN, view_id).state["group_by"] == group_by


def test_a_picked_group_outside_the_largest_shown_keeps_its_true_count(base):
    with opened(base) as db:
        largest = {g.value for g in group_counts(db, Query("follow_ups"), "customer_id", actor=ADMIN)}
        customer, count = db.execute("SELECT customer_id, COUNT(*) FROM follow_ups GROUP BY 1 ORDER BY 2, 1").fetchone()
        assert customer not in largest
        saved = views.save_view(db, ADMIN, "follow_ups", "一位客户",
                                {"group_by": "customer_id", "group": json.dumps(customer)})
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/follow_ups.py")
    app.query_params["view"] = str(saved)
    app.run()
    assert shown_total(app).startswith(f"共 {count} 条")
    assert app.pills(key="follow_ups.filters.group").value == json.dumps(customer)
    assert "只列出记录最多的 50 组。" in [c.value for c in app.caption]


# A view shown as a board and on the calendar: the same records as on its grid.

def lane_totals(app) -> dict[str, int]:
    """The board's columns and their counts, from their headers (**线索** · 12)."""
    found = (re.fullmatch(r"\*\*(.+)\*\* · ([\d,]+)", m.value) for m in app.markdown)
    return {m[1]: int(m[2].replace(",", "")) for m in found if m}


def open_as(base: Path, username: str, page: str, table: str, view_id: int):
    app = app_for(base, username)
    app.session_state["calendar.anchor"] = TODAY
    app.run()
    app.switch_page(page)
    app.query_params["table"] = table
    app.query_params["view"] = str(view_id)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


VIEWS_AND_QUERIES = [
    ("customers", {"grade": ["A"], "stale": 30}, A_NOT_FOLLOWED_UP),
    ("customers", {"grade": ["A"], "stale": 30, "match": "any"}, replace(A_NOT_FOLLOWED_UP, match="any")),
    ("customers", {"search": "科技", "group_by": "owner_id", "group": "null"},  # the 公海's, by a picked group
     Query("customers", "科技", narrow=(Filter("owner_id", "in", (None,)),))),
    ("follow_ups", {"method": ["visit"], "time.from": "2026-10-01"},
     Query("follow_ups", filters=(Filter("time", "between", ("2026-10-01", None)),
                                  Filter("method", "in", ("visit",))))),
]


@pytest.mark.parametrize("username", ["admin", "lina"])
@pytest.mark.parametrize(("table", "state", "query"), VIEWS_AND_QUERIES)
def test_a_view_shown_as_a_board_holds_exactly_the_records_of_its_grid(base, username, table, state, query):
    actor = {"admin": ADMIN, "lina": LINA}[username]
    with opened(base) as db:
        view_id = views.save_view(db, actor, table, "看板里的视图", state)
        expected = count_rows(db, query, actor=actor)
        everything = count_rows(db, Query(table), actor=actor)
    assert 0 < expected < everything  # the view narrows, and leaves something to show
    app = open_as(base, username, "pages/kanban.py", table, view_id)
    assert app.selectbox(key=f"views.kanban.{table}.filters.select").value == view_id
    assert sum(lane_totals(app).values()) == expected


def test_the_board_of_a_view_still_narrows_by_its_own_search(base):
    with opened(base) as db:
        view_id = views.save_view(db, ADMIN, "customers", "A级", {"grade": ["A"]})
        name = db.execute("SELECT name FROM customers WHERE grade = 'A' ORDER BY id LIMIT 1").fetchone()[0]
    app = open_as(base, "admin", "pages/kanban.py", "customers", view_id)
    app.text_input(key="kanban.customers.filters.search").input(name).run()
    with opened(base) as db:
        expected = count_rows(db, Query("customers", name, (Filter("grade", "in", ("A",)),)), actor=ADMIN)
    assert sum(lane_totals(app).values()) == expected >= 1


@pytest.mark.parametrize("username", ["admin", "lina"])
def test_a_view_on_the_calendar_places_only_its_records(base, username):
    actor = {"admin": ADMIN, "lina": LINA}[username]
    with opened(base) as db:
        view_id = views.save_view(db, actor, "customers", "意向客户", {"stage": ["intent"]})
        month = days_of("month", TODAY)
        query = Query("customers", filters=(Filter("stage", "in", ("intent",)),),
                      narrow=(Filter("next_follow_up_on", "between", (month[0].isoformat(), month[-1].isoformat())),),
                      page_size=500)
        expected = sorted(row["id"] for row in fetch_page(db, query, actor=actor))
        everything = count_rows(db, replace(query, filters=()), actor=actor)
    assert 0 < len(expected) < everything
    app = open_as(base, username, "pages/calendar.py", "customers", view_id)
    shown = [int(m) for md in app.markdown for m in re.findall(r"\(/customers\?customer=(\d+)\)", md.value)]
    assert sorted(shown) == expected


def page_links(app) -> dict[str, str]:
    return {link.proto.label: f"{link.proto.page}?{link.proto.query_string}" for link in app.get("page_link")}


@pytest.mark.parametrize(("page", "table", "expected"), [
    ("pages/customers.py", "customers", {"以看板查看": "kanban?table=customers&view={id}",
                                         "以日历查看": "calendar?table=customers&view={id}"}),
    ("pages/kanban.py", "customers", {"以表格查看": "customers?view={id}",
                                      "以日历查看": "calendar?table=customers&view={id}"}),
    ("pages/calendar.py", "follow_ups", {"以表格查看": "follow_ups?view={id}",
                                         "以看板查看": "kanban?table=follow_ups&view={id}"}),
])
def test_an_open_view_links_to_its_other_forms(base, page, table, expected):
    with opened(base) as db:
        view_id = views.save_view(db, ADMIN, table, "拜访", {"grade": ["A"]} if table == "customers" else {})
    app = open_as(base, "admin", page, table, view_id)
    assert page_links(app) == {words: link.format(id=view_id) for words, link in expected.items()}


def test_an_added_tables_view_links_to_its_grid_by_the_table(base):
    table = contracts(base)[0]
    with opened(base) as db:
        view_id = views.save_view(db, ADMIN, table, "全部合同", {})
    app = open_as(base, "admin", "pages/kanban.py", table, view_id)
    assert page_links(app)["以表格查看"] == f"tables?table={table}&view={view_id}"


def test_without_a_view_the_board_and_calendar_offer_no_links(base):
    assert page_links(open_as(base, "admin", "pages/kanban.py", "customers", 0)) == {}


# Saving a view again under its name: the same view, the same address.

def view_rows_named(base: Path, name: str) -> list[tuple]:
    """``(id, owner, default, the grades picked)`` of each view called ``name``."""
    with opened(base) as db:
        rows = db.execute("SELECT id, owner_id, is_default, state FROM views WHERE name = ? ORDER BY id",
                          [name]).fetchall()
    return [(*row[:3], json.loads(row[3]).get("grade")) for row in rows]


def test_a_view_saved_again_keeps_its_address(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    save_a_grade_view(app)
    view_id = int(app.query_params["view"])
    with opened(base) as db:  # a view saved since: the one saved again is no longer the newest
        views.save_view(db, LINA, "customers", "李娜的视图", {})
    app.selectbox(key="views.customers.filters.select").set_value(0).run()  # 全部
    assert app.text_input(key="views.customers.filters.name").value == ""
    app.selectbox(key="views.customers.filters.select").set_value(view_id).run()
    assert app.text_input(key="views.customers.filters.name").value == "A级未跟进30天"  # ready to save over it
    app.selectbox(key="customers.filters.stale").set_value(60).run()
    next(b for b in app.button if b.label == "保存视图").click().run()
    assert app.success[0].value.startswith("已保存视图")
    assert int(app.query_params["view"]) == view_id
    assert [row[0] for row in view_rows_named(base, "A级未跟进30天")] == [view_id]
    bookmark = app_for(base, "admin", page=CUSTOMERS_PAGE)
    bookmark.query_params["view"] = str(view_id)  # the address saved before the second save
    bookmark.run()
    assert not bookmark.warning
    assert bookmark.selectbox(key="customers.filters.stale").value == 60
    with opened(base) as db:
        expected = count_rows(db, replace(A_NOT_FOLLOWED_UP, filters=(A_NOT_FOLLOWED_UP.filters[0],
                                                                      Filter("last_follow_up_at", "older_than_days",
                                                                             (60,)))), actor=ADMIN)
    assert shown_total(bookmark).startswith(f"共 {expected} 条")


@pytest.mark.parametrize(("actor", "shared"), [(LINA, False), (MANAGER, False), (MANAGER, True), (ADMIN, True)])
@pytest.mark.parametrize(("first_default", "again_default"), [(False, False), (True, False), (False, True)])
def test_saving_under_a_views_name_updates_it_in_place(base, actor, shared, first_default, again_default):
    with opened(base) as db:
        other = views.save_view(db, actor, "customers", "另一个", {}, shared=shared, default=True)
        first = views.save_view(db, actor, "customers", "A级", {"grade": ["A"]}, shared=shared,
                                default=first_default)
        views.save_view(db, ZHANGWEI, "customers", "后来的", {})  # the view saved again is not the newest
        again = views.save_view(db, actor, "customers", " A级 ", {"grade": ["A", "B"], "sort": "name"},
                                shared=shared, default=again_default)
        assert again == first
        assert views.view(db, actor, first).state == {"grade": ["A", "B"], "sort": "name"}
        defaults = [v.id for v in views.views(db, actor, "customers") if v.is_default]
        assert defaults == ([first] if again_default else [] if first_default else [other])
    assert len(view_rows_named(base, "A级")) == 1


def test_a_salesperson_saving_under_a_shared_views_name_gets_her_own_and_leaves_the_shared_one(base):
    with opened(base) as db:
        shared = views.save_view(db, MANAGER, "customers", "A级客户", {"grade": ["A"]}, shared=True, default=True)
    lina = app_for(base, "lina", page=CUSTOMERS_PAGE)
    lina.run()  # the shared default opens, its name ready in 保存视图
    assert lina.selectbox(key="views.customers.filters.select").value == shared
    assert lina.text_input(key="views.customers.filters.name").value == "A级客户"
    lina.multiselect(key="customers.filters.grade").set_value(["A", "B"]).run()
    next(b for b in lina.button if b.label == "保存视图").click().run()
    assert lina.success[0].value.startswith("已保存视图")
    hers = int(lina.query_params["view"])
    assert hers != shared
    assert view_rows_named(base, "A级客户") == [(shared, None, 1, ["A"]), (hers, LINA.user_id, 0, ["A", "B"])]
    with opened(base) as db:
        assert [(v.name, v.shared) for v in views.views(db, LINA, "customers")] == [("A级客户", True),
                                                                                     ("A级客户", False)]
        assert [v.id for v in views.views(db, ZHANGWEI, "customers")] == [shared]
        assert views.default_view(db, ZHANGWEI, "customers").id == shared


def test_a_managers_shared_view_opened_and_saved_again_stays_shared_and_default(base):
    with opened(base) as db:
        shared = views.save_view(db, MANAGER, "customers", "A级客户", {"grade": ["A"]}, shared=True, default=True)
        views.save_view(db, ZHANGWEI, "customers", "后来的", {})  # the view saved again is not the newest
    app = app_for(base, "wanghaitao", page=CUSTOMERS_PAGE)
    app.run()
    assert app.checkbox(key="views.customers.filters.shared").value
    assert app.checkbox(key="views.customers.filters.default").value
    app.multiselect(key="customers.filters.grade").set_value(["B"]).run()
    next(b for b in app.button if b.label == "保存视图").click().run()
    assert int(app.query_params["view"]) == shared
    assert view_rows_named(base, "A级客户") == [(shared, None, 1, ["B"])]


# Sorting by more than one key (然后按).

def python_order(db, table_name: str, keys: list[tuple[str, bool]], actor=ADMIN) -> list[int]:
    """The ids of every row ``actor`` sees, sorted in Python by ``keys``: options in their declared order, links
    by the linked row's name, empties last either way, equal rows by id in the first key's direction."""
    table = load_base(db).table(table_name)
    rows = fetch_page(db, Query(table_name, page_size=100_000), actor=actor, today=TODAY)

    def value(name: str):
        kind = table.column(name).type
        kind = kind.result if isinstance(kind, Derived) else kind
        if isinstance(kind, Link):
            labels = link_options(db, kind.table, actor=actor)
            return lambda row: labels.get(row[name])
        options = [o.code for o in getattr(kind, "options", ())]
        if options:
            return lambda row: None if row[name] is None else (
                options.index(row[name]) if row[name] in options else len(options))
        return lambda row: row[name]

    rows.sort(key=lambda row: row["id"], reverse=keys[0][1])
    for name, descending in reversed(keys):  # stable sorts, the last key first
        read = value(name)
        if descending:
            rows.sort(key=lambda row, read=read: (read(row) is not None, read(row) or 0), reverse=True)
        else:
            rows.sort(key=lambda row, read=read: (read(row) is None, read(row) or 0))
    return [row["id"] for row in rows]


def paged_ids(db, query: Query, actor=ADMIN) -> list[int]:
    found, page = [], 1
    while batch := fetch_page(db, replace(query, page=page, page_size=50), actor=actor, today=TODAY):
        found += [row["id"] for row in batch]
        page += 1
    return found


SORTS = [
    [("grade", False), ("last_follow_up_at", True)],  # 潜力等级, then 最近跟进时间 newest first
    [("grade", True), ("last_follow_up_at", False)],
    [("stage", True), ("owner_id", False), ("follow_up_count", True)],  # a link by its member's name
    [("owner_id", False), ("urgency", True), ("name", False)],
    [("industry", False), ("expected_amount", True)],
]


@pytest.mark.parametrize("actor", [ADMIN, LINA])
@pytest.mark.parametrize("keys", SORTS)
def test_several_sort_keys_order_the_rows_as_python_does_over_every_page(demo_db, keys, actor):
    query = Query("customers", sort=keys[0][0], descending=keys[0][1], then=tuple(keys[1:]))
    assert paged_ids(demo_db, query, actor) == python_order(demo_db, "customers", keys, actor)


@pytest.mark.parametrize("keys", [[("method", False), ("time", True)], [("person_id", True), ("customer_id", False)]])
def test_follow_ups_sort_by_several_keys_too(demo_db, keys):
    query = Query("follow_ups", sort=keys[0][0], descending=keys[0][1], then=tuple(keys[1:]))
    assert paged_ids(demo_db, query) == python_order(demo_db, "follow_ups", keys)


def test_formula_and_lookup_fields_sort_as_further_keys_too(base):
    with opened(base) as db:
        twice = fields.add_field(db, ADMIN, "customers", "两倍跟进次数", "formula", formula="{跟进次数} * 2")
        grade = fields.add_field(db, ADMIN, "follow_ups", "客户等级", "lookup", lookup=("customer_id", "grade"))
        for table, keys in (("customers", [("stage", False), (twice, True), ("name", False)]),
                            ("follow_ups", [("method", True), (grade, False), ("time", True)])):
            query = Query(table, sort=keys[0][0], descending=keys[0][1], then=tuple(keys[1:]))
            assert paged_ids(db, query) == python_order(db, table, keys)


def grid_numbers(app) -> list[str]:
    return list(app.dataframe[-1].value["number"])


def numbers_of(base: Path, query: Query, actor=ADMIN) -> list[str]:
    with opened(base) as db:
        return [row["number"] for row in fetch_page(db, replace(query, page_size=50), actor=actor, today=TODAY)]


def test_a_view_with_two_sort_keys_saved_and_reopened_sorts_the_same(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.selectbox(key="customers.filters.sort").set_value("grade")
    app.toggle(key="customers.filters.descending").set_value(False).run()
    app.selectbox(key="customers.filters.sort2").set_value("last_follow_up_at")
    app.toggle(key="customers.filters.descending2").set_value(True).run()
    expected = numbers_of(base, Query("customers", sort="grade", then=(("last_follow_up_at", True),)))
    assert grid_numbers(app) == expected
    assert grid_numbers(app) != numbers_of(base, Query("customers", sort="grade"))  # the second key tells
    view_id = save_view(app, "按等级再按最近跟进")
    with opened(base) as db:
        state = views.view(db, ADMIN, view_id).state
    assert {k: state[k] for k in ("sort", "descending", "sort2", "descending2", "sort3")} == {
        "sort": "grade", "descending": False, "sort2": "last_follow_up_at", "descending2": True, "sort3": ""}
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    fresh.query_params["view"] = str(view_id)
    fresh.run()
    assert fresh.selectbox(key="customers.filters.sort2").value == "last_follow_up_at"
    assert fresh.toggle(key="customers.filters.descending2").value is True
    assert grid_numbers(fresh) == expected


def test_a_third_key_is_offered_once_the_second_is_chosen_and_never_a_column_already_chosen(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    assert "customers.filters.sort2" not in [s.key for s in app.selectbox]  # 默认顺序 needs no 然后按
    app.selectbox(key="customers.filters.sort").set_value("grade").run()
    assert "grade" not in app.selectbox(key="customers.filters.sort2").options
    assert "customers.filters.sort3" not in [s.key for s in app.selectbox]
    app.selectbox(key="customers.filters.sort2").set_value("stage").run()
    assert {"grade", "stage"}.isdisjoint(app.selectbox(key="customers.filters.sort3").options)
    app.selectbox(key="customers.filters.sort").set_value("stage").run()  # the first key takes the second's column
    assert app.selectbox(key="customers.filters.sort2").value == ""
    assert grid_numbers(app) == numbers_of(base, Query("customers", sort="stage", descending=True))


def test_a_view_with_two_sort_keys_on_the_board_shows_cards_in_that_order(base):
    with opened(base) as db:
        view_id = views.save_view(db, ADMIN, "customers", "按等级", {"sort": "grade", "descending": False,
                                                                     "sort2": "name", "descending2": True})
        stages = dict(db.execute("SELECT id, stage FROM customers").fetchall())
    app = open_as(base, "admin", "pages/kanban.py", "customers", view_id)
    assert app.selectbox(key="kanban.customers.filters.sort2").value == "name"
    cards = [int(m) for md in app.markdown for m in re.findall(r"\(/customers\?customer=(\d+)\)", md.value)]
    for stage in set(stages.values()):  # each column's first cards: its first records in the view's order
        lane = Query("customers", sort="grade", then=(("name", True),), narrow=(Filter("stage", "in", (stage,)),),
                     page_size=CARDS_PER_COLUMN)
        with opened(base) as db:
            expected = [row["id"] for row in fetch_page(db, lane, actor=ADMIN, today=TODAY)]
        assert [card for card in cards if stages[card] == stage] == expected, stage


@pytest.mark.parametrize(("state", "expected"), [
    ({"sort": "grade", "descending": False, "sort2": "{extra}", "sort3": "name"}, Query("customers", sort="grade")),
    ({"sort": "grade", "descending": False, "sort2": "name", "descending2": True, "sort3": "{extra}"},
     Query("customers", sort="grade", then=(("name", True),))),
], ids=["second", "third"])
def test_a_view_sorting_by_a_field_deleted_since_still_opens_sorted_by_the_rest(base, state, expected):
    with opened(base) as db:
        extra = fields.add_field(db, ADMIN, "customers", "满意度", "single", options=["满意", "不满意"])
        saved = views.save_view(db, ADMIN, "customers", "按满意度",
                                {k: v.format(extra=extra) if isinstance(v, str) else v for k, v in state.items()})
        fields.delete_field(db, ADMIN, "customers", extra)
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.query_params["view"] = str(saved)
    app.run()
    assert not app.exception
    assert grid_numbers(app) == numbers_of(base, expected)


def test_a_group_a_view_picked_is_said_on_the_board(base):
    with opened(base) as db:
        view_id = views.save_view(db, ADMIN, "customers", "公海的", {"group_by": "owner_id", "group": "null"})
    app = open_as(base, "admin", "pages/kanban.py", "customers", view_id)
    assert "只显示视图在“列与分组”中选中的“负责人”分组（在表格页可更改或清除）。" in [c.value for c in app.caption]


def test_a_view_of_another_table_in_the_address_is_said_once_and_forgotten(base):
    with opened(base) as db:
        view_id = views.save_view(db, ADMIN, "follow_ups", "拜访", {"method": ["visit"]})
    app = open_as(base, "admin", "pages/kanban.py", "customers", view_id)
    assert [w.value for w in app.warning] == ["找不到这个视图（可能已被删除，或不是共享给您的视图）。"]
    assert "view" not in app.query_params
    app.run()
    assert not app.warning


def test_a_view_of_a_table_without_a_single_select_or_a_date_links_to_no_page_that_would_stop(base):
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "只有名称")
        view_id = views.save_view(db, ADMIN, table, "全部", {})
    app = open_as(base, "admin", "pages/tables.py", table, view_id)
    assert not app.exception and page_links(app) == {}
