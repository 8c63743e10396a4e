"""Conditions on any column — computed, linked and formula ones too — as a view saves them:
跟进次数 = 0, 最近跟进时间 早于 30 天前, 标签 包含 意向强烈, 意向采购金额 ≥ …, text contains, empty."""

from __future__ import annotations

import pandas as pd
import pytest

from db import fields
from db.queries import Filter, Query, count_rows, fetch_page
from tests.conftest import ADMIN, LINA, TODAY


def names(db, *filters: Filter, match: str = "all", actor=ADMIN) -> set[str]:
    rows = fetch_page(db, Query("customers", filters=filters, match=match, page_size=500), actor=actor, today=TODAY)
    return {r["name"] for r in rows}


@pytest.fixture
def customers(db, make_customer, make_follow_up):
    amount = fields.add_field(db, ADMIN, "customers", "意向采购金额", "money")
    weighted = fields.add_field(db, ADMIN, "customers", "预测金额", "formula", formula="{意向采购金额} * 0.5")
    a = make_customer(name="甲公司", tags="意向强烈", **{amount: 200000}, contact="王明")
    b = make_customer(name="乙公司", stage="negotiation", **{amount: 50000})
    c = make_customer(name="丙公司", tags="老客户复购", contact="")
    make_follow_up(a, time="2026-11-20 10:00")
    make_follow_up(b, time="2026-09-01 10:00")
    make_follow_up(b, time="2026-09-02 10:00")
    return {"amount": amount, "weighted": weighted, "ids": (a, b, c)}


@pytest.mark.parametrize(("flt", "expected"), [
    (Filter("follow_up_count", "compare", ("=", 0)), {"丙公司"}),
    (Filter("follow_up_count", "compare", (">=", 1)), {"甲公司", "乙公司"}),
    (Filter("follow_up_count", "compare", ("!=", 2)), {"甲公司", "丙公司"}),
    (Filter("last_follow_up_at", "older_than_days", (30,)), {"乙公司", "丙公司"}),  # never followed up counts
    (Filter("last_follow_up_at", "compare", ("<", "2026-11-01")), {"乙公司"}),
    (Filter("tags", "any_tag", ("strong_intent",)), {"甲公司"}),
    (Filter("name", "contains", ("甲",)), {"甲公司"}),
    (Filter("name", "not_contains", ("甲",)), {"乙公司", "丙公司"}),
    (Filter("contact", "empty", ()), {"乙公司", "丙公司"}),
    (Filter("contact", "not_empty", ()), {"甲公司"}),
    (Filter("tags", "empty", ()), {"乙公司"}),
    (Filter("stage", "not_in", ("lead",)), {"乙公司"}),
    (Filter("stage", "not_in", ("negotiation", None)), {"甲公司", "丙公司"}),
])
def test_a_condition_on_a_built_in_or_computed_column_keeps_the_right_rows(db, customers, flt, expected):
    assert names(db, flt) == expected


def test_conditions_on_added_and_formula_fields_compare_numbers_as_numbers(db, customers):
    amount, weighted = customers["amount"], customers["weighted"]
    assert names(db, Filter(amount, "compare", (">=", 100000))) == {"甲公司"}
    assert names(db, Filter(weighted, "compare", ("<", 30000))) == {"乙公司"}  # 25,000 < 30,000 (not as text)
    assert names(db, Filter(amount, "empty", ())) == {"丙公司"}


def test_any_condition_will_do_when_match_is_any(db, customers):
    count_is_zero = Filter("follow_up_count", "compare", ("=", 0))
    keen = Filter("tags", "any_tag", ("strong_intent",))
    assert names(db, count_is_zero, keen) == set()
    assert names(db, count_is_zero, keen, match="any") == {"甲公司", "丙公司"}


def test_a_comparison_accepts_only_its_own_operators():
    with pytest.raises(ValueError):
        Filter("follow_up_count", "compare", ("= 0 OR 1 =", 1))


def test_a_salesperson_with_a_condition_still_sees_only_her_scope(demo_db):
    everyone = count_rows(demo_db, Query("customers", filters=(Filter("follow_up_count", "compare", (">=", 0)),)),
                          actor=ADMIN, today=TODAY)
    hers = count_rows(demo_db, Query("customers", filters=(Filter("follow_up_count", "compare", (">=", 0)),)),
                      actor=LINA, today=TODAY)
    assert 0 < hers < everyone


# --- in the app -------------------------------------------------------------------------------------------

@pytest.fixture
def base(demo_file, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from db.connection import BASE_ENV

    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def shown_total(app) -> int:
    import re

    caption = next(c.value for c in app.caption if c.value.startswith("共"))
    return int(re.match(r"共 ([\d,]+) 条", caption).group(1).replace(",", ""))


def add_condition(app, index: int, column: str, operation: str) -> None:
    next(b for b in app.button if b.label == "添加条件").click().run()
    app.selectbox(key=f"customers.filters.cond.{index}.column").set_value(column).run()
    app.selectbox(key=f"customers.filters.cond.{index}.op").set_value(operation).run()


def test_a_condition_on_a_computed_column_narrows_the_grid_and_a_view_keeps_it(base, demo_file):
    from db import views
    from db.connection import opened
    from tests.conftest import CUSTOMERS_PAGE, app_for

    with opened(demo_file) as db:
        expected = count_rows(db, Query("customers", filters=(Filter("follow_up_count", "compare", ("<=", 3)),)),
                              actor=ADMIN)
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    everyone = shown_total(app)
    add_condition(app, 0, "follow_up_count", "le")
    app.number_input(key="customers.filters.cond.0.num").set_value(3).run()
    assert shown_total(app) == expected < everyone
    assert all(count <= 3 for count in app.dataframe[-1].value["follow_up_count"])
    app.text_input(key="views.customers.filters.name").input("跟进少的客户")
    next(b for b in app.button if b.label == "保存视图").click().run()
    view_id = int(app.query_params["view"])
    with opened(base) as db:
        saved = views.view(db, ADMIN, view_id).state
    assert (saved["cond.n"], saved["cond.0.column"], saved["cond.0.op"], saved["cond.0.num"]) == (
        1, "follow_up_count", "le", 3)
    fresh = app_for(base, "admin", page=CUSTOMERS_PAGE)
    fresh.query_params["view"] = str(view_id)
    fresh.run()
    assert shown_total(fresh) == expected


def test_the_issues_view_a_grade_not_followed_up_for_30_days_with_a_date_condition(base):
    from tests.conftest import CUSTOMERS_PAGE, app_for

    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.multiselect(key="customers.filters.grade").set_value(["A"]).run()
    add_condition(app, 0, "last_follow_up_at", "older")
    app.number_input(key="customers.filters.cond.0.days").set_value(30).run()
    frame = app.dataframe[-1].value
    assert len(frame) > 0 and set(frame["grade"]) == {"A"}
    assert all(pd.isna(days) or days > 30 for days in frame["days_since_follow_up"])


def test_removing_a_condition_keeps_the_others(base):
    from tests.conftest import CUSTOMERS_PAGE, app_for

    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    add_condition(app, 0, "name", "contains")
    app.text_input(key="customers.filters.cond.0.text").input("上海").run()
    add_condition(app, 1, "follow_up_count", "eq")
    app.number_input(key="customers.filters.cond.1.num").set_value(0).run()
    next(b for b in app.button if b.key == "customers.filters.cond.0.remove").click().run()
    assert app.selectbox(key="customers.filters.cond.0.column").value == "follow_up_count"
    assert app.number_input(key="customers.filters.cond.0.num").value == 0
    assert not [b for b in app.button if b.key == "customers.filters.cond.1.remove"]


@pytest.mark.parametrize(("column", "operation", "value", "expected"), [
    ("follow_up_count", "eq", 0, Filter("follow_up_count", "compare", ("=", 0))),
    ("follow_up_count", "ne", None, None),
    ("name", "contains", " 瑞拓 ", Filter("name", "contains", ("瑞拓",))),
    ("name", "eq", "甲公司", Filter("name", "compare", ("=", "甲公司"))),
    ("stage", "is_not", ["lost"], Filter("stage", "not_in", ("lost",))),
    ("tags", "has_any", [], None),
    ("owner_id", "label_contains", "李", Filter("owner_id", "label_contains", ("李",))),
    ("last_follow_up_at", "before", "2026-11-01", Filter("last_follow_up_at", "compare", ("<", "2026-11-01"))),
    ("last_follow_up_at", "empty", None, Filter("last_follow_up_at", "empty", ())),
])
def test_a_condition_as_picked_becomes_the_filter_it_stands_for(column, operation, value, expected):
    from schema.crm import CUSTOMERS
    from ui.conditions import to_filter

    assert to_filter(CUSTOMERS.column(column), operation, value) == expected
