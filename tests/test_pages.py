"""Every page renders in the real Streamlit runtime (AppTest), on an empty and a demo base, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.changes import ChangeSet, RowDelete
from db.connection import BASE_ENV, opened
from db.demo import create_base
from db.queries import Filter, Query, count_rows
from tests.conftest import ADMIN, CUSTOMERS_PAGE, add_admin, app_for

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["pages/customers.py", "pages/follow_ups.py", "pages/charts.py", "pages/trash.py", "pages/members.py",
         "pages/snapshots.py", "pages/activity.py", "pages/kanban.py",
         "pages/calendar.py", "pages/form.py", "pages/tables.py", "pages/rules.py", "pages/today.py"]


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    create_base(folder / "empty.db")
    add_admin(folder / "empty.db")
    create_base(folder / "demo.db", demo=True)
    return {"empty": folder / "empty.db", "demo": folder / "demo.db"}


def open_page(monkeypatch, base: Path, page: str, lang: str = "zh", **query) -> AppTest:
    monkeypatch.setenv(BASE_ENV, str(base))
    app = app_for(base, lang=lang)
    app.run()
    app.query_params.update(query)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    parts = [e.value for kind in ("title", "subheader", "caption", "info", "warning", "error", "markdown")
             for e in getattr(app, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["empty", "demo"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_an_exception(monkeypatch, bases, page, kind, lang):
    open_page(monkeypatch, bases[kind], page, lang)


def test_the_customers_page_shows_the_first_page_of_the_demo_customers(monkeypatch, bases):
    app = open_page(monkeypatch, bases["demo"], "pages/customers.py")
    assert app.title[0].value == "客户"
    assert "共 360 条，第 1–50 条" in texts(app)
    assert len(app.dataframe) == 1
    assert app.dataframe[0].value.shape[0] == 50


def test_the_empty_base_says_how_to_add_the_first_customer(monkeypatch, bases):
    app = open_page(monkeypatch, bases["empty"], "pages/customers.py")
    assert app.info[0].value.startswith("还没有数据。")


def test_english_is_selectable(monkeypatch, bases):
    app = open_page(monkeypatch, bases["demo"], "pages/charts.py", lang="en")
    assert app.title[0].value == "Dashboard"
    assert app.subheader[0].value == "Sales funnel"


def test_a_customer_detail_is_deep_linkable(monkeypatch, bases):
    app = open_page(monkeypatch, bases["demo"], "pages/customers.py", customer="3")
    assert [m.label for m in app.metric] == [
        "最近跟进时间", "跟进次数", "距上次跟进天数", "下次跟进时间", "最近跟进方式"]
    assert [s.value for s in app.subheader] == ["客户资料", "附件", "跟进记录"]


@pytest.mark.parametrize("customer", ["99999", "abc", "²", "99999999999999999999", "-1"])
def test_a_link_to_a_missing_customer_says_so(monkeypatch, bases, customer):
    app = open_page(monkeypatch, bases["demo"], "pages/customers.py", customer=customer)
    assert "找不到编号为" in app.warning[0].value


def test_filtering_by_stale_follow_ups_narrows_the_grid(monkeypatch, bases):
    app = open_page(monkeypatch, bases["demo"], "pages/customers.py")
    app.selectbox(key="customers.filters.stale").set_value(30).run()
    assert not app.exception
    with opened(bases["demo"]) as db:
        stale = count_rows(db, Query("customers", filters=(Filter("last_follow_up_at", "older_than_days", (30,)),)),
                           actor=ADMIN)
    assert 0 < stale < 360
    assert f"共 {stale} 条，第 1–50 条" in texts(app)


def test_deleting_customers_asks_first_and_says_how_many_follow_ups_go_with_them(monkeypatch, tmp_path):
    base = tmp_path / "delete.db"
    create_base(base, demo=True)
    with opened(base) as db:
        doomed = [dict(r) for r in db.query(
            "SELECT c.id, c.version, c.name, COUNT(f.id) AS follow_ups FROM customers c "
            "JOIN follow_ups f ON f.customer_id = c.id GROUP BY c.id ORDER BY c.id LIMIT 2")]
    pending = ChangeSet("customers", deletes=tuple(RowDelete(r["id"], r["version"], row=i + 1)
                                                   for i, r in enumerate(doomed)))
    monkeypatch.setenv(BASE_ENV, str(base))
    app = app_for(base, page=CUSTOMERS_PAGE)
    app.run()
    key = app.dataframe[0].key  # the grid the deletion was asked from
    app.session_state["customers.editor.pending"] = (key, [], pending, [r["name"] for r in doomed])
    app.run()

    assert app.warning[0].value == "确认删除 2 行？"
    total = sum(r["follow_ups"] for r in doomed)
    assert f"其中 {total} 条客户跟进记录表将一并删除。" in texts(app)
    with opened(base) as db:
        assert db["customers"].count == 360  # nothing gone before the confirmation

    app.button(key="customers.editor.confirm").click().run()

    with opened(base) as db:
        assert db["customers"].count == 358
        assert db.execute("SELECT COUNT(*) FROM follow_ups WHERE customer_id IN (?, ?)",
                          [r["id"] for r in doomed]).fetchone()[0] == 0
    assert app.success[0].value == "已保存：删除 2 行。"


def test_cancelling_a_deletion_keeps_the_rows(monkeypatch, bases):
    with opened(bases["demo"]) as db:
        first = dict(next(db.query("SELECT id, version, name FROM customers ORDER BY id LIMIT 1")))
    monkeypatch.setenv(BASE_ENV, str(bases["demo"]))
    app = app_for(bases["demo"], page=CUSTOMERS_PAGE)
    app.run()
    key = app.dataframe[0].key  # the grid the deletion was asked from
    app.session_state["customers.editor.pending"] = (
        key, [], ChangeSet("customers", deletes=(RowDelete(first["id"], first["version"], row=1),)), [first["name"]])
    app.run()
    app.button(key="customers.editor.cancel").click().run()
    with opened(bases["demo"]) as db:
        assert db["customers"].count == 360
    assert app.info[0].value == "已取消删除。"


def test_follow_ups_can_be_narrowed_to_customers_by_name(monkeypatch, bases):
    app = open_page(monkeypatch, bases["demo"], "pages/follow_ups.py")
    app.text_input(key="follow_ups.filters.customer_id").set_value("瑞拓").run()
    assert not app.exception
    with opened(bases["demo"]) as db:
        expected = count_rows(db, Query("follow_ups", filters=(Filter("customer_id", "label_contains", ("瑞拓",)),)),
                              actor=ADMIN)
    assert 0 < expected < 2600
    assert f"共 {expected:,} 条" in texts(app)


# --- the home page, and links from when 客户 was the home page -------------------------------------------

@pytest.mark.parametrize("username", ["lina", "admin"])
def test_logging_in_opens_todays_follow_ups_for_a_salesperson_and_for_the_administrator(monkeypatch, bases,
                                                                                          username):
    monkeypatch.setenv(BASE_ENV, str(bases["demo"]))
    app = app_for(bases["demo"], username).run()  # what / shows after the login
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title] == ["今日待跟进"]
    assert any(h.value.startswith("逾期 · ") for h in app.subheader)
    assert len(app.dataframe) == 0  # no customer grid on the home page


def test_an_old_customer_link_opens_that_customers_detail_on_the_customer_page(monkeypatch, bases):
    with opened(bases["demo"]) as db:
        name = db.execute("SELECT name FROM customers WHERE id = 3").fetchone()[0]
    monkeypatch.setenv(BASE_ENV, str(bases["demo"]))
    app = app_for(bases["demo"])
    app.query_params["customer"] = "3"  # /?customer=3, as bookmarked before /customers
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title] == [name]
    assert [s.value for s in app.subheader] == ["客户资料", "附件", "跟进记录"]
    assert app.query_params == {"customer": "3"}  # the address keeps the link, now on /customers
    app.button(key="customer.back").click().run()
    assert [t.value for t in app.title] == ["客户"]  # back to the grid: it was the customer page
    assert len(app.dataframe) == 1


def test_an_old_link_to_another_salespersons_customer_still_says_it_cannot_be_found(monkeypatch, bases):
    with opened(bases["demo"]) as db:
        theirs, name = db.execute("SELECT id, name FROM customers WHERE owner_id = (SELECT id FROM users WHERE "
                                  "username = 'zhangwei') ORDER BY id LIMIT 1").fetchone()
    monkeypatch.setenv(BASE_ENV, str(bases["demo"]))
    app = app_for(bases["demo"], "lina")
    app.query_params["customer"] = str(theirs)
    app.run()
    assert [w.value for w in app.warning] == [f"找不到编号为 {theirs} 的客户：可能已被删除，或不在您的可见范围内。"]
    assert name not in texts(app)


def test_an_old_view_link_opens_the_view_on_the_customer_page(monkeypatch, base_file):
    from db import views

    with opened(base_file) as db:
        saved = views.save_view(db, ADMIN, "customers", "上海的客户", {"search": "上海"})
    monkeypatch.setenv(BASE_ENV, str(base_file))
    app = app_for(base_file)
    app.query_params["view"] = str(saved)  # /?view=ID
    app.run()
    assert [t.value for t in app.title] == ["客户"]
    assert app.selectbox(key="views.customers.filters.select").value == saved
    assert app.text_input(key="customers.filters.search").value == "上海"
    assert app.query_params == {"view": str(saved)}
