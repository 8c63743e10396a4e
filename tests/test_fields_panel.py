"""The 字段 panel in the real Streamlit runtime (AppTest): an administrator adds, hides, renames and
deletes a field and the grid follows; other roles never see the panel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV, opened
from db.fields import load_base
from tests.conftest import app_for


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def grid_columns(app) -> list[str]:
    return list(app.dataframe[0].value.columns)


def click(app, label: str) -> None:
    next(b for b in app.button if b.label == label).click().run()


def test_an_administrator_adds_a_field_and_the_grid_shows_it_at_once(base):
    app = app_for(base, "admin")
    app.run()
    app.text_input(key="fields.customers.new_label").input("满意度")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("rating")
    click(app, "添加字段")
    assert [s.value for s in app.success] == ["已添加字段“满意度”。"]
    assert "f1" in grid_columns(app)
    assert app.text_input(key="fields.customers.new_label").value == ""  # ready for the next one


def test_a_refused_field_says_why_and_keeps_what_was_typed(base):
    app = app_for(base, "admin")
    app.run()
    app.text_input(key="fields.customers.new_label").input("客户名称")
    click(app, "添加字段")
    assert [e.value for e in app.error] == ["已有名为“客户名称”的字段。"]
    assert app.text_input(key="fields.customers.new_label").value == "客户名称"


def test_hiding_renaming_and_deleting_a_field_from_the_panel(base):
    app = app_for(base, "admin")
    app.run()
    app.text_input(key="fields.customers.new_label").input("竞争对手")
    click(app, "添加字段")
    app.selectbox(key="fields.customers.chosen.zh").set_value("f1").run()
    app.text_input(key="fields.customers.f1.label").input("主要竞争对手")
    app.checkbox(key="fields.customers.f1.shown").uncheck()
    click(app, "保存修改")
    assert "f1" not in grid_columns(app)
    with opened(base) as db:
        column = load_base(db).table("customers").column("f1")
        assert (column.label.zh, column.hidden) == ("主要竞争对手", True)
    click(app, "删除")
    assert app.success[0].value.startswith("已删除字段“主要竞争对手”")
    click(app, "恢复")
    assert app.success[0].value == "已恢复字段“主要竞争对手”及其数据。"


@pytest.mark.parametrize("username", ["wanghaitao", "lina"])
def test_managers_and_salespeople_do_not_see_the_panel(base, username):
    app = app_for(base, username)
    app.run()
    assert not [e for e in app.expander if "字段" in e.label]
