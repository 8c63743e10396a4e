"""The grid's save callback in the real Streamlit runtime.

AppTest cannot type into a data editor, so these tests hand the app the
editor state a browser would send (a JSON widget state, as the frontend does)
and run the script: the on_change callback, the transaction and the redraw
are all real. The browser tests cover the same paths through Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.connection import BASE_ENV, opened
from db.demo import create_base
from db.queries import get_row
from tests.conftest import ADMIN, CUSTOMERS_PAGE, MANAGER, WON, app_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def base(tmp_path) -> Path:
    path = tmp_path / "demo.db"
    create_base(path, demo=True)
    return path


def open_app(monkeypatch, base: Path, **query) -> AppTest:
    monkeypatch.setenv(BASE_ENV, str(base))
    app = app_for(base, page=CUSTOMERS_PAGE)
    app.query_params.update(query)
    app.run()
    return app


def type_into(app: AppTest, grid: int, cells: dict, *, added=(), deleted=()) -> None:
    """Send the editor state of grid number ``grid`` as the browser would, and run the app."""
    state = {"edited_rows": {str(k): v for k, v in cells.items()}, "added_rows": list(added),
             "deleted_rows": list(deleted)}
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=app.dataframe[grid].proto.id, string_value=json.dumps(state)))
    app._run(states)
    assert not app.exception, [e.value for e in app.exception]


def someone_else_saves(base: Path, customer_id: int, **values) -> None:
    with opened(base) as db:
        current = get_row(db, "customers", customer_id, actor=ADMIN)
        apply(db, ChangeSet("customers", edits=(RowEdit(customer_id, current["version"], values),)), actor=MANAGER)


def test_a_valid_edit_in_the_grid_is_saved_and_said(monkeypatch, base):
    before = _newest(base)  # the first row of the default order
    app = open_app(monkeypatch, base)
    type_into(app, 0, {0: {"contact": "网格里的新联系人"}})
    assert app.success[0].value == "已保存：修改 1 行。"
    assert _newest(base) == before | {"contact": "网格里的新联系人", "version": before["version"] + 1,
                                      "updated_at": _newest(base)["updated_at"], "updated_by": 1}


def test_a_rejected_edit_is_kept_even_when_someone_adds_a_customer_meanwhile(monkeypatch, base):
    app = open_app(monkeypatch, base)
    shown = list(app.dataframe[0].value["name"])
    type_into(app, 0, {0: {"phone": "1380013"}})
    assert app.error[0].value.startswith("没有保存：请修正以下问题")
    with opened(base) as db:  # a new customer would push every row down one place
        apply(db, ChangeSet("customers", inserts=(NewRow({"name": "别人刚加的客户"}),)), actor=MANAGER)

    type_into(app, 0, {0: {"phone": "1380013"}})  # any rerun of the first person's page

    assert list(app.dataframe[0].value["name"]) == shown  # the grid they typed into, not a shifted one
    assert "“1380013”" in app.error[0].value.replace("\\", "")


def test_a_held_profile_edit_fixed_after_someone_elses_save_is_a_conflict_not_an_overwrite(monkeypatch, base):
    app = open_app(monkeypatch, base, customer="3")
    type_into(app, 0, {0: {"phone": "123"}})  # rejected: not a phone number
    someone_else_saves(base, 3, phone="13911112222")

    type_into(app, 0, {0: {"phone": "13800000000"}})  # the first person corrects the typo

    assert app.error[0].value.startswith("没有保存：有人在您编辑期间修改了这一行。")
    with opened(base) as db:
        assert get_row(db, "customers", 3, actor=ADMIN)["phone"] == "13911112222"

    app.button(key="customer.3.profile.overwrite").click().run()  # an explicit choice
    with opened(base) as db:
        assert get_row(db, "customers", 3, actor=ADMIN)["phone"] == "13800000000"


def test_leaving_the_page_forgets_a_held_grid(monkeypatch, base):
    app = open_app(monkeypatch, base)
    type_into(app, 0, {0: {"phone": "1380013"}})
    assert app.error
    app.session_state["customers.filters.page"] = 2
    app.run()
    assert not app.error


def _newest(base: Path) -> dict:
    with opened(base) as db:
        return dict(next(db.query("SELECT * FROM customers ORDER BY id DESC LIMIT 1")))


def test_a_customers_detail_shows_who_changed_what(monkeypatch, base):
    app = open_app(monkeypatch, base, customer="3")
    before = app.dataframe[0].value.iloc[0]["stage"]
    type_into(app, 0, {0: {"stage": "won", "contact": "历史测试联系人", **WON}})
    history = app.dataframe[-1].value  # the 修改记录 table under the grids
    changed = history[history["字段"].isin(["销售阶段", "联系人"])]
    assert sorted(changed["新值"]) == ["历史测试联系人", "成交"]
    assert set(changed["操作"]) == {"修改"} and set(changed["成员"]) == {"系统管理员"}
    assert before != "won"


def test_the_sidebar_undo_takes_back_my_last_edit(monkeypatch, base):
    before = _newest(base)
    app = open_app(monkeypatch, base)
    type_into(app, 0, {0: {"contact": "要撤销的联系人"}})
    assert _newest(base)["contact"] == "要撤销的联系人"
    app.button(key="app.undo").click().run()
    assert _newest(base)["contact"] == before["contact"]
    assert app.success[0].value == "已撤销您的上一次修改。"


def test_a_deleted_customer_comes_back_from_the_trash_with_its_follow_ups(monkeypatch, base):
    with opened(base) as db:
        doomed = dict(next(db.query("SELECT c.id, c.version, c.name, c.follow_up_count FROM customers c "
                                    "WHERE c.follow_up_count > 0 ORDER BY c.id LIMIT 1")))
        apply(db, ChangeSet("customers", deletes=(RowDelete(doomed["id"], doomed["version"]),)), actor=MANAGER)
    monkeypatch.setenv(BASE_ENV, str(base))
    app = app_for(base)
    app.run()
    app.switch_page("pages/trash.py").run()
    assert doomed["name"] in app.markdown[0].value.replace("\\", "")
    app.button(key=next(b.key for b in app.button if str(b.key).startswith("trash.restore."))).click().run()
    with opened(base) as db:
        back = db["customers"].get(doomed["id"])
        assert (back["name"], back["follow_up_count"]) == (doomed["name"], doomed["follow_up_count"])
    assert app.info[0].value == "回收站是空的。"
