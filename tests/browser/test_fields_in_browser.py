"""A field an administrator added is a real column in the browser: its label heads the grid as text,
and a value typed into it is checked, saved and shown."""

from __future__ import annotations

from db import fields
from db.connection import opened
from tests.browser.test_in_browser import cell_texts, newest_customer, open_app, type_into_cell
from tests.conftest import ADMIN

LABEL = "竞争对手 <b>🚀</b>"


def test_a_value_typed_into_an_added_field_is_checked_saved_and_shown(page, server):
    url, base = server
    with opened(base) as db:
        name = fields.add_field(db, ADMIN, "customers", LABEL, "url")
        fields.move_field(db, ADMIN, "customers", name, -100)  # first: the grid only mirrors columns in view
    open_app(page, url)
    header = page.locator(f"[data-testid='stDataFrame'] th[role='columnheader']:text-is('{LABEL}')")
    header.wait_for(state="attached", timeout=30_000)  # the label as text, markup and all

    type_into_cell(page, 0, row=0, label=LABEL, text="javascript:alert(1)")
    assert "不是有效的网址" in page.locator("[data-testid='stAlert']").first.inner_text()
    assert newest_customer(base)[name] is None
    assert page.locator("a[href^='javascript']").count() == 0

    page.get_by_role("button", name="放弃我的修改并刷新").click()
    open_app(page, url)
    type_into_cell(page, 0, row=0, label=LABEL, text="competitor.example.com")
    assert newest_customer(base)[name] == "https://competitor.example.com"
    assert "https://competitor.example.com" in cell_texts(page)
