"""表单 in the real Streamlit runtime: a link opens a form for a table, it checks like the grid,
fixes 来源渠道 from the link, keeps what was typed on a mistake, and clears after a save."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.connection import BASE_ENV, opened
from tests.conftest import app_for


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def open_form(base: Path, username: str = "lina", **link):
    app = app_for(base, username)
    app.run()
    app.query_params.update(link)
    app.switch_page("pages/form.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def newest(base: Path) -> dict:
    with opened(base) as db:
        return dict(next(db.query("SELECT * FROM customers ORDER BY id DESC LIMIT 1")))


def test_a_trade_show_form_adds_a_customer_with_its_source_and_owner(base):
    app = open_form(base, source="expo", title="展会登记")
    assert app.title[0].value == "展会登记"
    assert "来源渠道：展会（由表单链接指定）" in [c.value for c in app.caption]
    app.text_input(key="form.customers.name").input("展会新客户有限公司")
    app.text_input(key="form.customers.phone").input("+86 138-0013-8000")
    app.selectbox(key="form.customers.grade").set_value("A")
    app.button[0].click().run()
    assert app.success[0].value == "已提交：展会新客户有限公司。可以继续填写下一位。"
    added = newest(base)
    assert (added["name"], added["phone"], added["source"], added["grade"], added["owner_id"]) == (
        "展会新客户有限公司", "13800138000", "expo", "A", 3)  # 李娜 added it: it is hers
    assert app.text_input(key="form.customers.name").value == ""  # ready for the next visitor
    with opened(base) as db:
        assert db.execute("SELECT COUNT(*) FROM history WHERE table_name = 'customers' AND row_id = ? "
                          "AND action = 'insert'", [added["id"]]).fetchone()[0] == 1


def test_a_mistake_is_named_and_what_was_typed_stays(base):
    app = open_form(base)
    before = newest(base)["id"]
    app.text_input(key="form.customers.phone").input("12345")
    app.button[0].click().run()
    errors = app.error[0].value
    assert "客户名称" in errors and "必填" in errors and "联系电话" in errors
    assert app.text_input(key="form.customers.phone").value == "12345"
    assert newest(base)["id"] == before


def test_a_fields_label_is_shown_as_text_in_the_form(base):
    from db import fields
    from tests.conftest import ADMIN

    with opened(base) as db:
        name = fields.add_field(db, ADMIN, "customers", "[点此验证](https://evil.example)", "text",
                                help_text="![x](https://evil.example/t.png)")
    app = open_form(base)
    widget = app.text_input(key=f"form.customers.{name}")
    assert widget.label.startswith("\\[点此验证\\]\\(") and "](" not in widget.label  # no link left
    assert "\\!\\[x\\]" in widget.help
