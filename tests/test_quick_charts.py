"""图表: one-click charts of a grid's view, counted in SQL over exactly the rows the view selects,
and kept on the 看板."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from db.charts import ChartSpec, chart_groups
from db.connection import BASE_ENV, opened
from db.queries import Filter, Query, count_rows, fetch_page
from tests.conftest import ADMIN, CUSTOMERS_PAGE, LINA, app_for

STALE = Filter("last_follow_up_at", "older_than_days", (30,))


def totals(groups) -> Counter:
    found = Counter()
    for x, _, value in groups:
        found[x] += value
    return found


@pytest.mark.parametrize(("spec", "column"), [
    (ChartSpec("customers", "stage"), "stage"),
    (ChartSpec("customers", "stage", filters=(STALE,)), "stage"),
    (ChartSpec("customers", "grade", search="科技"), "grade"),
    (ChartSpec("customers", "owner_id", filters=(Filter("industry", "in", ("it", "retail")),)), "owner_id"),
    (ChartSpec("customers", "stage", filters=(STALE, Filter("grade", "in", ("A",))), match="any"), "stage"),
    (ChartSpec("customers", "grade", filters=(STALE, Filter("tags", "any_tag", ("strong_intent",))), match="any",
               narrow=(Filter("stage", "in", ("lead",)),)), "grade"),
])
def test_a_chart_counts_exactly_the_rows_the_view_shows(demo_db, spec, column):
    rows = fetch_page(demo_db, replace(spec.query, page_size=10_000), actor=ADMIN)
    assert totals(chart_groups(demo_db, spec, actor=ADMIN)) == Counter(r[column] for r in rows)


def test_a_second_field_splits_each_bar_and_the_parts_add_up(demo_db):
    stacked = chart_groups(demo_db, ChartSpec("customers", "stage", by="grade"), actor=ADMIN)
    rows = fetch_page(demo_db, Query("customers", page_size=10_000), actor=ADMIN)
    assert Counter({(x, g): v for x, g, v in stacked}) == Counter((r["stage"], r["grade"]) for r in rows)


def test_tags_count_each_tag_and_dates_count_by_month_or_week(demo_db):
    rows = fetch_page(demo_db, Query("customers", page_size=10_000), actor=ADMIN)
    tags = Counter(tag for r in rows for tag in (json.loads(r["tags"]) if r["tags"] else []))
    assert totals(chart_groups(demo_db, ChartSpec("customers", "tags"), actor=ADMIN)) == tags
    months = totals(chart_groups(demo_db, ChartSpec("customers", "created_on"), actor=ADMIN))
    assert months == Counter(r["created_on"][:7] for r in rows)
    weeks = chart_groups(demo_db, ChartSpec("follow_ups", "time", period="week"), actor=ADMIN)
    assert sum(v for _, _, v in weeks) == demo_db["follow_ups"].count and all("-W" in x for x, _, _ in weeks)


def test_numbers_fall_into_ten_bins_that_hold_every_row(demo_db):
    groups = chart_groups(demo_db, ChartSpec("customers", "follow_up_count"), actor=ADMIN)
    assert len(groups) <= 10 and sum(v for _, _, v in groups) == demo_db["customers"].count
    counts = [r["follow_up_count"] for r in fetch_page(demo_db, Query("customers", page_size=10_000), actor=ADMIN)]
    for (low, high), _, value in groups:
        assert value == sum(1 for c in counts if low <= c <= high)


def test_a_chart_can_sum_a_number_instead_of_counting(demo_db):
    groups = chart_groups(demo_db, ChartSpec("customers", "stage", sum_of="follow_up_count"), actor=ADMIN)
    rows = fetch_page(demo_db, Query("customers", page_size=10_000), actor=ADMIN)
    expected = Counter()
    for r in rows:
        expected[r["stage"]] += r["follow_up_count"]
    assert totals(groups) == expected


def test_a_salespersons_chart_counts_only_their_own_and_pool_customers(demo_db):
    groups = chart_groups(demo_db, ChartSpec("customers", "owner_id"), actor=LINA)
    assert set(totals(groups)) <= {LINA.user_id, None}
    assert sum(totals(groups).values()) == count_rows(demo_db, Query("customers"), actor=LINA)


def test_a_spec_survives_saving(demo_db):
    spec = ChartSpec("customers", "stage", by="grade", search="有限", filters=(STALE,))
    assert ChartSpec.from_json(spec.to_json()) == spec
    grouped = ChartSpec("customers", "stage", filters=(STALE,), match="any", narrow=(Filter("grade", "in", ("A",)),))
    assert ChartSpec.from_json(grouped.to_json()) == grouped


def test_a_chart_saved_before_match_and_narrow_existed_still_loads():
    old = json.dumps({"table": "customers", "column": "stage", "by": None, "sum_of": None, "period": "month",
                      "search": "", "filters": [["grade", "in", ["A"]]]})
    assert ChartSpec.from_json(old) == ChartSpec("customers", "stage", filters=(Filter("grade", "in", ("A",)),))


def test_one_click_from_the_grid_to_a_chart_with_its_numbers_and_onto_the_dashboard(demo_file, tmp_path,
                                                                                   monkeypatch):
    path = Path(shutil.copy(demo_file, tmp_path / "charts.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    app = app_for(path, "lina", page=CUSTOMERS_PAGE)
    app.run()
    app.selectbox(key="quick_chart.customers.zh.column").set_value("stage").run()
    assert len(app.get("vega_lite_chart")) == 1
    numbers = app.dataframe[0].value  # the table of numbers beside the chart comes before the grid
    assert list(numbers.columns) == ["销售阶段", "记录数"]
    with opened(path) as db:
        assert numbers["记录数"].sum() == count_rows(db, Query("customers"), actor=LINA)
    app.text_input(key="quick_chart.customers.zh.title").input("我的客户阶段")
    next(b for b in app.button if b.label == "保存到看板").click().run()
    assert [s.value for s in app.success] == ["已保存到看板。"]
    app.switch_page("pages/charts.py").run()
    assert "**我的客户阶段**" in [m.value for m in app.markdown]
    analyses = len([chart for chart in app.get("vega_lite_chart") if (chart.key or "").startswith("dash.")]) + 2
    assert len(app.get("vega_lite_chart")) == analyses + 1  # the 看板's own charts (two without a key), the saved one
    next(b for b in app.button if b.label == "移除").click().run()
    assert len(app.get("vega_lite_chart")) == analyses
