"""A 公开表单 in a real browser, as a visitor without an account: the page, a mistake kept, the thanks."""

from __future__ import annotations

from db import public_forms
from db.connection import opened
from tests.conftest import ADMIN


def test_a_visitor_fills_in_the_public_form_fixes_a_mistake_and_is_thanked(anonymous_page, server):
    url, base = server
    with opened(base) as db:
        form = public_forms.publish(db, ADMIN, "customers", "官网咨询", source="website")
    page = anonymous_page
    page.goto(url + form.path)
    assert page.locator("h1").inner_text() == "官网咨询" and "/auth/login" not in page.url
    assert page.locator("#homepage").bounding_box()["x"] < -1000  # the trap for bots is off the screen
    page.fill("#name", "浏览器访客科技有限公司")
    page.fill("#contact", "孙经理")
    page.fill("#phone", "1390000")  # too short
    page.select_option("#industry", index=1)
    page.fill("#needs", "想试用跟进管理")
    page.click("button[type=submit]")
    assert "不是有效的手机号" in page.locator(".field-error").inner_text()
    assert page.input_value("#name") == "浏览器访客科技有限公司" and page.input_value("#needs") == "想试用跟进管理"
    page.fill("#phone", "13900001234")
    page.click("button[type=submit]")
    page.get_by_text("谢谢！我们已收到您的信息").wait_for(timeout=10_000)
    with opened(base) as db:
        row = db.execute("SELECT phone, source, owner_id, industry IS NOT NULL FROM customers WHERE name = ?",
                         ["浏览器访客科技有限公司"]).fetchone()
    assert tuple(row) == ("13900001234", "website", None, 1)
