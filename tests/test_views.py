"""Saved views: the grid's search, filters and sort kept under a name, personal or shared, opened
from the 视图 select, from their own URL, or by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db import views
from db.access import AccessDenied
from db.connection import BASE_ENV, opened
from db.queries import Filter, Query, count_rows
from tests.conftest import ADMIN, LINA, MANAGER, ZHANGWEI, app_for

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
    app = app_for(base, "admin")
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
    app = app_for(base, "admin")
    app.run()
    save_a_grade_view(app)
    view_id = app.query_params["view"]
    fresh = app_for(base, "admin")
    fresh.query_params["view"] = view_id
    fresh.run()
    assert shown_total(fresh).startswith(f"共 {expected_total(base)} 条")


def test_a_shared_default_view_opens_for_everyone_and_applies_their_own_scope(base):
    app = app_for(base, "wanghaitao")
    app.run()
    save_a_grade_view(app, shared=True, default=True)
    lina = app_for(base, "lina")
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
    zhangwei = app_for(base, "zhangwei")
    zhangwei.query_params["view"] = str(mine)
    zhangwei.run()
    assert "找不到这个视图" in zhangwei.warning[0].value


def test_a_view_whose_search_looks_like_a_date_opens(base):
    app = app_for(base, "admin")
    app.run()
    app.text_input(key="customers.filters.search").input("2026-11-08").run()
    app.text_input(key="views.customers.filters.name").input("按日期搜索")
    next(b for b in app.button if b.label == "保存视图").click().run()
    fresh = app_for(base, "admin")
    with opened(base) as db:
        saved = views.views(db, ADMIN, "customers")[0]
    fresh.query_params["view"] = str(saved.id)
    fresh.run()
    assert not fresh.exception
    assert fresh.text_input(key="customers.filters.search").value == "2026-11-08"
