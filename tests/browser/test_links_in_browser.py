"""Links in the browser: several customers picked by name in one cell of an added table, saved as
their ids and shown by name again after the save."""

from __future__ import annotations

import json

from db import fields, tables
from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from db.fields import load_base
from tests.browser.test_in_browser import (
    IDLE,
    NAME_X,
    eventually,
    grids,
    move_to_column,
    open_app,
    selected_cell,
    settle,
)
from tests.conftest import ADMIN


def test_several_customers_are_picked_by_name_in_one_cell_and_shown_by_name(page, server):
    url, base = server
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "合同（浏览器）")
        link = fields.add_field(db, ADMIN, table, "涉及客户", "link", link="customers", multiple=True)
        row = apply(db, ChangeSet(table, inserts=(NewRow({"title": "框架协议"}),)), actor=ADMIN).inserted[0]
        picked = db.execute("SELECT id, name FROM customers ORDER BY name LIMIT 2").fetchall()
    open_app(page, url, f"/tables?table={table}")
    grid = grids(page).first
    grid.scroll_into_view_if_needed()  # below the fold now that 查找链接记录 stands above it
    box = grid.bounding_box()
    page.mouse.click(box["x"] + NAME_X, box["y"] + 35 + 17)  # the 名称 cell of the first row (right of 详情)
    eventually(lambda: selected_cell(grid) is not None)
    move_to_column(page, grid, "涉及客户")
    page.keyboard.press("Enter")
    choose = page.locator("[data-testid='portal'] input[role='combobox']")
    choose.wait_for(timeout=5_000)
    for _, name in picked:
        choose.fill(name)  # picked by name, never by id
        page.wait_for_timeout(300)
        page.keyboard.press("Enter")
    page.mouse.click(box["x"] + 500, box["y"] - 300)  # leaving the cell commits it
    settle(page)

    def stored():
        with opened(base) as db:
            return db.execute(f'SELECT "{link}" FROM "{table}" WHERE id = ?', [row]).fetchone()[0]
    assert json.loads(eventually(stored)) == sorted(i for i, _ in picked)
    open_app(page, url, f"/tables?table={table}")
    assert page.get_by_text("有不符合字段类型的值").count() == 0
    grid = grids(page).first
    grid.scroll_into_view_if_needed()  # below the fold now that 查找链接记录 stands above it
    box = grid.bounding_box()
    page.mouse.click(box["x"] + NAME_X, box["y"] + 35 + 17)
    eventually(lambda: selected_cell(grid) is not None)
    move_to_column(page, grid, "涉及客户")
    page.keyboard.press("Enter")  # the cell's editor names what it holds (the canvas draws the same)
    editor = page.locator("[data-testid='portal'] [data-testid='multi-select-cell']")
    editor.wait_for(timeout=5_000)
    assert all(name in editor.inner_text() for _, name in picked), editor.inner_text()
    page.keyboard.press("Escape")


def test_a_customer_picked_in_a_form_stays_picked_when_the_search_changes_before_submitting(page, server):
    url, base = server
    with opened(base) as db:
        table = tables.create_table(db, ADMIN, "合同（表单）", template_code="contracts")
        link = next(c.name for c in load_base(db).table(table).columns if c.label.zh == "客户")
        names = [r[0] for r in db.execute("SELECT name FROM customers ORDER BY name, id")]
    far, other = names[-1], names[0]  # the last by name is not among the first 200 offered
    page.goto(url + f"/form?table={table}")
    page.wait_for_selector(IDLE, timeout=60_000)
    search = page.get_by_role("textbox", name="查找链接记录")
    search.fill(far)
    search.press("Enter")
    settle(page)
    page.get_by_role("textbox", name="名称").fill("远方的合同")
    select = page.locator("[data-testid='stSelectbox']").filter(has_text="客户").first
    select.click()
    page.get_by_role("option", name=far, exact=True).click()
    search.fill(other)  # looking for someone else before submitting
    search.press("Enter")
    settle(page)
    page.get_by_role("button", name="提交").click()
    settle(page)
    page.get_by_text("已提交：远方的合同").wait_for(timeout=30_000)
    with opened(base) as db:
        stored = db.execute(f'SELECT "{link}" FROM "{table}" WHERE title = ?', ["远方的合同"]).fetchone()[0]
        assert db.execute("SELECT name FROM customers WHERE id = ?", [stored]).fetchone()[0] == far
