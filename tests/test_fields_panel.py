"""The 字段 panel in the real Streamlit runtime (AppTest): an administrator adds, hides, renames and
deletes a field and the grid follows; other roles never see the panel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV, opened
from db.fields import load_base
from tests.conftest import CUSTOMERS_PAGE, app_for


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
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("满意度")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("rating")
    click(app, "添加字段")
    assert [s.value for s in app.success] == ["已添加字段“满意度”。"]
    assert "f1" in grid_columns(app)
    assert app.text_input(key="fields.customers.new_label").value == ""  # ready for the next one


def test_a_refused_field_says_why_and_keeps_what_was_typed(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("客户名称")
    click(app, "添加字段")
    assert [e.value for e in app.error] == ["已有名为“客户名称”的字段。"]
    assert app.text_input(key="fields.customers.new_label").value == "客户名称"


def test_hiding_renaming_and_deleting_a_field_from_the_panel(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("采购周期")
    click(app, "添加字段")
    app.selectbox(key="fields.customers.chosen.zh").set_value("f1").run()
    app.text_input(key="fields.customers.f1.zh.label").input("主要采购周期")
    app.checkbox(key="fields.customers.f1.zh.shown").uncheck()
    click(app, "保存修改")
    assert "f1" not in grid_columns(app)
    with opened(base) as db:
        column = load_base(db).table("customers").column("f1")
        assert (column.label.zh, column.hidden) == ("主要采购周期", True)
    click(app, "删除")
    assert app.success[0].value.startswith("已删除字段“主要采购周期”")
    click(app, "恢复")
    assert app.success[0].value == "已恢复字段“主要采购周期”及其数据。"


@pytest.mark.parametrize("username", ["wanghaitao", "lina"])
def test_managers_and_salespeople_do_not_see_the_panel(base, username):
    app = app_for(base, username, page=CUSTOMERS_PAGE)
    app.run()
    assert not [e for e in app.expander if "字段" in e.label]


def test_a_formula_field_from_the_panel_and_a_wrong_one_with_its_message(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("跟进概况")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("formula").run()
    app.text_input(key="fields.customers.new_formula").input('IF({跟进次数} = 0, "未跟进", {最近跟进方式})')
    click(app, "添加字段")
    assert [s.value for s in app.success] == ["已添加字段“跟进概况”。"]
    shown = app.dataframe[0].value["f1"]
    assert set(shown) <= {"未跟进", "电话", "拜访", "线上会议", "邮件", "微信"} and "未跟进" in set(shown)

    app.text_input(key="fields.customers.new_label").input("坏公式")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("formula").run()
    app.text_input(key="fields.customers.new_formula").input("{跟进次数} +")
    click(app, "添加字段")
    assert [e.value for e in app.error] == ["公式不完整：结尾缺少内容（如数字、字段或右括号）。"]
    assert app.text_input(key="fields.customers.new_formula").value == "{跟进次数} +"  # kept to fix


def test_an_auto_number_field_with_its_format_numbers_every_customer(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("档案号")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("autonumber").run()
    app.text_input(key="fields.customers.new_format").input("DA-{seq:4}")
    click(app, "添加字段")
    assert [s.value for s in app.success] == ["已添加字段“档案号”。"]
    with opened(base) as db:
        numbers = [r[0] for r in db.execute('SELECT "f1" FROM customers ORDER BY id').fetchall()]
    assert numbers[:2] == ["DA-0001", "DA-0002"] and len(set(numbers)) == len(numbers)


def test_a_wrong_number_format_says_how_to_write_one(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("档案号")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("autonumber").run()
    app.text_input(key="fields.customers.new_format").input("DA-{YYYY}")
    click(app, "添加字段")
    shown = app.error[0].value.replace("\\", "")  # markdown-escaped on screen
    assert "{seq:3}" in shown and "“DA-{YYYY}”" in shown


def test_changing_a_type_from_the_panel_converts_and_shows_what_did_not_fit_in_the_grid(base):
    with opened(base) as db:
        from db import fields as db_fields
        from tests.conftest import ADMIN

        name = db_fields.add_field(db, ADMIN, "customers", "预算（文本）", "text")
        first = db.execute("SELECT id FROM customers ORDER BY id DESC LIMIT 1").fetchone()[0]
        db.execute(f'UPDATE customers SET "{name}" = ? WHERE id = ?', ["很多", first])
        db.execute(f'UPDATE customers SET "{name}" = ? WHERE id = ?', ["3,000", first - 1])
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.selectbox(key="fields.customers.chosen.zh").set_value(name).run()
    app.selectbox(key=f"fields.customers.{name}.zh.kind").set_value("money")
    click(app, "转换类型")
    assert app.warning[0].value.startswith(
        "已把「预算（文本）」改为金额：1 个值已转换，1 个值不符合新类型、按原样保留（很多")
    assert any("「预算（文本）」有不符合字段类型的值" in w.value for w in app.warning)
    frame = app.dataframe[0].value
    assert set(frame[name].dropna()) == {"很多", "3000"}  # shown as text, nothing lost


def test_a_default_set_in_the_panel_fills_new_customers(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.text_input(key="fields.customers.new_label").input("跟进优先级")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("single").run()
    app.text_area(key="fields.customers.new_options").input("高\n中\n低")
    app.text_input(key="fields.customers.new_default").input("中")
    click(app, "添加字段")
    assert [s.value for s in app.success] == ["已添加字段“跟进优先级”。"]
    with opened(base) as db:
        from tests.conftest import ADMIN, insert

        row = insert(db, "customers", actor=ADMIN, name="默认值测试公司")
        assert db.execute('SELECT "f1" FROM customers WHERE id = ?', [row]).fetchone()[0] == "o2"


def test_a_formula_failing_on_one_row_shows_why_in_that_cell_and_values_in_the_others(base):
    from db import fields as db_fields
    from tests.conftest import ADMIN

    with opened(base) as db:
        name = db_fields.add_field(db, ADMIN, "customers", "每次跟进天数", "formula",
                                   formula="100 / ({跟进次数} - 2)")
        db_fields.move_field(db, ADMIN, "customers", name, -100)
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    cells = list(app.dataframe[0].value[name])
    assert "#除以零" in cells  # a customer with exactly 2 follow-ups
    assert any(cell not in (None, "#除以零") for cell in cells)  # the others keep their values
    assert not [w for w in app.warning if "不符合字段类型" in w.value]  # no banner: the cell says it


def test_a_built_in_select_gets_an_option_in_the_panel_and_english_edits_only_english_names(base):
    app = app_for(base, "admin", lang="en", page=CUSTOMERS_PAGE)
    app.run()
    app.selectbox(key="fields.customers.chosen.en").set_value("source").run()
    box = app.text_area(key="fields.customers.source.en.options")
    assert box.value.splitlines() == ["Trade show", "Website form", "Referral", "Phone enquiry", "Online enquiry",
                                      "Other"]
    box.input(box.value.replace("Trade show", "Expo") + "\nDouyin")
    click(app, "Save changes")
    assert [s.value.replace("\\", "") for s in app.success] == ["Fields updated."]
    with opened(base) as db:
        options = load_base(db).table("customers").column("source").type.options
    assert [(o.label.zh, o.label.en) for o in options][::5] == [("展会", "Expo"), ("其他", "Other")]
    assert (options[-1].label.zh, options[-1].label.en) == ("Douyin", "Douyin")

    box = app.text_area(key="fields.customers.source.en.options")
    box.input(box.value.replace("Referral\n", ""))
    click(app, "Save changes")
    assert [e.value.replace("\\", "") for e in app.error] == [
        "“Referral” is a built-in option: it cannot be removed (it can be renamed)."]


def test_a_computed_select_shows_no_options_box(base):
    app = app_for(base, "admin", page=CUSTOMERS_PAGE)
    app.run()
    app.selectbox(key="fields.customers.chosen.zh").set_value("score_grade").run()
    assert not [a for a in app.text_area if a.key == "fields.customers.score_grade.zh.options"]
    app.selectbox(key="fields.customers.chosen.zh").set_value("stage").run()
    assert app.text_area(key="fields.customers.stage.zh.options").value.splitlines()[-2:] == ["成交", "输单"]


@pytest.mark.parametrize(("lang", "place", "button", "message"), [
    ("zh", "name", "移动", "已把“合同编号”移到“客户名称”之后。"),
    ("zh", "", "移动", "已把“合同编号”移到最前面。"),
    ("en", "name", "Move", "“合同编号” moved after “Customer name”."),
])
def test_a_new_field_is_moved_to_its_place_in_one_step_from_the_panel(base, lang, place, button, message):
    from db import fields as db_fields
    from tests.conftest import ADMIN

    with opened(base) as db:
        name = db_fields.add_field(db, ADMIN, "customers", "合同编号", "text")
    app = app_for(base, "admin", lang=lang, page=CUSTOMERS_PAGE)
    app.run()
    app.selectbox(key=f"fields.customers.chosen.{lang}").set_value(name).run()
    assert app.selectbox(key=f"fields.customers.{name}.{lang}.place").value == "last_revisit_at"  # where it is now
    app.selectbox(key=f"fields.customers.{name}.{lang}.place").set_value(place)
    click(app, button)
    assert [s.value.replace("\\", "") for s in app.success] == [message]
    with opened(base) as db:
        names = [c.name for c in load_base(db).table("customers").columns]
    assert names.index(name) == (names.index(place) + 1 if place else 0)
    columns = grid_columns(app)  # the grid follows: after 客户名称, or before 客户编号 (after the 详情 tick)
    assert columns[columns.index(name) + (-1 if place else 1)] == (place or "number")
