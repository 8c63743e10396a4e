"""Paged queries: computed follow-up columns, search, filters and sorting, all in SQL."""

from __future__ import annotations

import pytest

from db.changes import ChangeSet, RowEdit, apply
from db.queries import Filter, Query, count_rows, fetch_page, get_row, link_options
from tests.conftest import ADMIN, TODAY, WON

COMPUTED = ("last_follow_up_at", "follow_up_count", "days_since_follow_up", "next_follow_up_on", "last_method",
            "last_content")


def computed(db, customer_id: int) -> dict:
    found = get_row(db, "customers", customer_id, actor=ADMIN, today=TODAY)
    return {name: found[name] for name in COMPUTED}


def names(db, query: Query) -> list[str]:
    return [r["name"] for r in fetch_page(db, query, actor=ADMIN, today=TODAY)]


def test_a_customer_never_followed_up_has_empty_computed_columns(db, make_customer):
    customer = make_customer()
    assert computed(db, customer) == {
        "last_follow_up_at": None, "follow_up_count": 0, "days_since_follow_up": None,
        "next_follow_up_on": None, "last_method": None, "last_content": None,
    }


def test_computed_columns_come_from_the_latest_follow_up(db, make_customer, make_follow_up):
    customer = make_customer()
    # Inserted out of order on purpose: "latest" is by time, not by id.
    make_follow_up(customer, time="2026-11-12 15:00", method="visit", content="上门拜访，演示设备",
                   next_follow_up_on="2026-11-19")
    make_follow_up(customer, time="2026-10-01 09:00", method="phone", content="首次电话",
                   next_follow_up_on="2026-12-20")
    make_follow_up(customer, time="2026-11-02 10:00", method="email", content="发送报价单",
                   next_follow_up_on="2026-11-30")
    assert computed(db, customer) == {
        "last_follow_up_at": "2026-11-12 15:00",
        "follow_up_count": 3,
        "days_since_follow_up": 10,
        "next_follow_up_on": "2026-11-30",  # 2026-11-19 has passed; 2026-12-20 is later
        "last_method": "visit",
        "last_content": "上门拜访，演示设备",
    }


def test_a_follow_up_planned_for_today_is_still_ahead(db, make_customer, make_follow_up):
    customer = make_customer()
    make_follow_up(customer, time="2026-11-15 10:00", next_follow_up_on=TODAY.isoformat())
    assert computed(db, customer)["next_follow_up_on"] == "2026-11-22"


def test_follow_ups_of_other_customers_do_not_count(db, make_customer, make_follow_up):
    mine, other = make_customer(), make_customer()
    make_follow_up(other, time="2026-11-21 10:00")
    make_follow_up(mine, time="2026-11-01 10:00")
    assert computed(db, mine)["follow_up_count"] == 1
    assert computed(db, mine)["last_follow_up_at"] == "2026-11-01 10:00"


@pytest.fixture
def three(db, make_customer, make_follow_up):
    """Three customers: 甲 followed up 40 days ago, 乙 yesterday, 丙 never."""
    first = make_customer(name="甲贸易有限公司", stage="proposal", grade="A", phone="13800138000",
                          tags=["comparing"])
    second = make_customer(name="乙科技有限公司", stage="lead", grade="B", contact="王明", tags=["strong_intent"])
    make_customer(name="丙物流有限公司", stage="won", grade="A", phone="021-62345678", **WON)
    make_follow_up(first, time="2026-10-13 10:00")
    make_follow_up(second, time="2026-11-21 10:00")
    make_follow_up(second, time="2026-11-01 10:00")


@pytest.mark.parametrize(("query", "expected"), [
    (Query("customers"), ["丙物流有限公司", "乙科技有限公司", "甲贸易有限公司"]),  # newest first
    (Query("customers", sort="last_follow_up_at", descending=True),
     ["乙科技有限公司", "甲贸易有限公司", "丙物流有限公司"]),
    (Query("customers", sort="last_follow_up_at"), ["甲贸易有限公司", "乙科技有限公司", "丙物流有限公司"]),
    (Query("customers", sort="follow_up_count", descending=True),
     ["乙科技有限公司", "甲贸易有限公司", "丙物流有限公司"]),
    (Query("customers", sort="stage"), ["乙科技有限公司", "甲贸易有限公司", "丙物流有限公司"]),  # 线索, 方案, 成交
    (Query("customers", sort="stage", descending=True), ["丙物流有限公司", "甲贸易有限公司", "乙科技有限公司"]),
    (Query("customers", sort="days_since_follow_up", descending=True),
     ["甲贸易有限公司", "乙科技有限公司", "丙物流有限公司"]),
], ids=["default", "last-desc", "last-asc", "count", "stage-order", "stage-order-desc", "days-since"])
def test_sorting_works_on_stored_and_computed_columns_with_empties_last(db, three, query, expected):
    assert names(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    (Query("customers", sort="grade", then=(("stage", True),)),  # A: 成交 before 方案, then B
     ["丙物流有限公司", "甲贸易有限公司", "乙科技有限公司"]),
    (Query("customers", sort="grade", then=(("stage", False),)),
     ["甲贸易有限公司", "丙物流有限公司", "乙科技有限公司"]),
    (Query("customers", sort="grade", descending=True, then=(("last_follow_up_at", True),)),
     ["乙科技有限公司", "甲贸易有限公司", "丙物流有限公司"]),
    (Query("customers", sort="grade", then=(("last_follow_up_at", False),)),  # 丙 never followed up: last
     ["甲贸易有限公司", "丙物流有限公司", "乙科技有限公司"]),
    (Query("customers", sort="grade", then=(("days_since_follow_up", True), ("name", False))),
     ["甲贸易有限公司", "丙物流有限公司", "乙科技有限公司"]),
    (Query("customers", sort="grade", then=(("grade", True), ("stage", True))),  # a key twice counts once
     ["丙物流有限公司", "甲贸易有限公司", "乙科技有限公司"]),
    (Query("customers", then=(("stage", True),)), ["丙物流有限公司", "乙科技有限公司", "甲贸易有限公司"]),
], ids=["grade-then-stage-desc", "grade-then-stage", "grade-desc-then-last", "then-empty-last", "days-since-then",
        "repeated-key", "then-without-sort"])
def test_further_sort_keys_order_the_rows_the_first_leaves_equal(db, three, query, expected):
    assert names(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    (Query("customers", filters=(Filter("last_follow_up_at", "older_than_days", (30,)),)),
     ["丙物流有限公司", "甲贸易有限公司"]),
    (Query("customers", filters=(Filter("stage", "in", ("lead", "won")),)), ["丙物流有限公司", "乙科技有限公司"]),
    (Query("customers", filters=(Filter("grade", "in", ("A",)), Filter("stage", "in", ("won",)))),
     ["丙物流有限公司"]),
    (Query("customers", filters=(Filter("owner_id", "in", (None,)),)),
     ["丙物流有限公司", "乙科技有限公司", "甲贸易有限公司"]),
    (Query("customers", filters=(Filter("tags", "any_tag", ("strong_intent", "repeat")),)), ["乙科技有限公司"]),
    (Query("customers", search="科技"), ["乙科技有限公司"]),
    (Query("customers", search="王明"), ["乙科技有限公司"]),
    (Query("customers", search="138 0013"), ["甲贸易有限公司"]),
    (Query("customers", search="021-6234"), ["丙物流有限公司"]),
    (Query("customers", search="%"), []),
    (Query("customers", search="'; DROP TABLE customers; --"), []),
], ids=["not-followed-30-days", "stage", "two-filters", "no-owner", "tags", "name", "contact", "phone-with-spaces",
        "landline", "percent-is-literal", "sql-is-text"])
def test_filters_and_search_narrow_the_rows(db, three, query, expected):
    assert names(db, query) == expected
    assert count_rows(db, query, actor=ADMIN, today=TODAY) == len(expected)
    assert db["customers"].count == 3


def test_pages_split_the_rows_in_order(db, make_customer):
    for i in range(7):
        make_customer(name=f"客户{i}")
    pages = [names(db, Query("customers", sort="name", page=p, page_size=3)) for p in (1, 2, 3, 4)]
    assert pages == [["客户0", "客户1", "客户2"], ["客户3", "客户4", "客户5"], ["客户6"], []]


def test_follow_ups_filter_by_date_range_including_the_last_day(db, three):
    query = Query("follow_ups", filters=(Filter("time", "between", ("2026-11-01", "2026-11-21")),), sort="time")
    times = [r["time"] for r in fetch_page(db, query, actor=ADMIN, today=TODAY)]
    assert times == ["2026-11-01 10:00", "2026-11-21 10:00"]


def test_computed_values_in_a_page_match_the_detail_of_each_row(demo_db):
    for found in fetch_page(demo_db, Query("customers", page_size=100), actor=ADMIN, today=TODAY):
        assert {n: found[n] for n in COMPUTED} == computed(demo_db, found["id"])


@pytest.mark.parametrize("descending", [False, True])
def test_empty_options_sort_last_in_both_directions(db, make_customer, descending):
    make_customer(name="成交客户", stage="won", **WON)
    emptied = make_customer(name="空阶段客户")
    make_customer(name="线索客户", stage="lead")
    apply(db, ChangeSet("customers", edits=(RowEdit(emptied, 1, {"stage": None}),)), actor=ADMIN)
    expected = ["成交客户", "线索客户"] if descending else ["线索客户", "成交客户"]
    assert names(db, Query("customers", sort="stage", descending=descending)) == [*expected, "空阶段客户"]


def test_the_latest_method_sorts_in_option_order(db, make_customer, make_follow_up):
    for name, method in [("微信客户", "wechat"), ("电话客户", "phone"), ("拜访客户", "visit")]:
        make_follow_up(make_customer(name=name), method=method)
    assert names(db, Query("customers", sort="last_method")) == ["电话客户", "拜访客户", "微信客户"]


def test_follow_ups_filter_by_part_of_the_customers_name(db, three):
    query = Query("follow_ups", filters=(Filter("customer_id", "label_contains", ("科技",)),), sort="time")
    times = [r["time"] for r in fetch_page(db, query, actor=ADMIN, today=TODAY)]
    assert times == ["2026-11-01 10:00", "2026-11-21 10:00"]
    percent = Query("follow_ups", filters=(Filter("customer_id", "label_contains", ("%",)),))
    assert count_rows(db, percent, actor=ADMIN) == 0


def test_link_options_never_carry_a_whole_large_table(db, make_customer):
    ids = [make_customer(name=f"客户{i:02d}") for i in range(30)]
    assert list(link_options(db, "customers", actor=ADMIN, limit=3).values()) == ["客户00", "客户01", "客户02"]
    shown = link_options(db, "customers", actor=ADMIN, limit=2, include=(ids[20],))
    assert list(shown.values()) == ["客户00", "客户01", "客户20"]
    assert list(link_options(db, "customers", actor=ADMIN, limit=5, contains="2").values()) == [
        "客户02", "客户12", "客户20", "客户21", "客户22"]
    assert len(link_options(db, "customers", actor=ADMIN)) == 30
