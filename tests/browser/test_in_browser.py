"""What only a browser shows: grid edits, a follow-up logged from a customer's detail, messages, charts.

The grid is a canvas: a cell is reached by clicking a known column of a row
(rows are 35 px high) and moving with the arrow keys; the cell editor is
``[data-testid='portal'] .gdg-input``; glide-data-grid mirrors the visible
cells in an accessible table, which is where values are read back.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from db.connection import opened
from tests.browser.conftest import signed_in_as

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
ROW_HEIGHT = 35
NAME_X = 200  # inside the pinned 客户名称 column of the customer grid (clear of the 详情 box)


def settle(page) -> None:
    """Wait until the app has finished the run an action started (on a busy machine it may start late)."""
    with contextlib.suppress(PlaywrightTimeout):  # the run was quicker than we could look, or there was none
        page.wait_for_selector(RUNNING, timeout=2_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    page.wait_for_timeout(300)


def eventually(check, timeout_s: float = 10.0):
    """``check()`` once it returns something truthy, polling the base; fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return result


def open_app(page, url: str, path: str = "/customers") -> None:
    page.goto(url + path)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stDataFrame'], [data-testid='stVegaLiteChart'], [data-testid='stAlert']",
                           timeout=30_000)
    page.wait_for_timeout(500)


def grids(page):
    return page.locator("[data-testid='stDataFrame']")


def selected_cell(grid) -> tuple[int, int] | None:
    """(column, row) of the grid's selected cell, read from glide's accessible mirror (glide-cell-COL-ROW)."""
    cells = grid.locator("[aria-selected='true'][id^='glide-cell-']")
    if cells.count() == 0:
        return None
    _, _, column, row = cells.first.get_attribute("id").split("-")
    return int(column), int(row)


def move_to_column(page, grid, label: str) -> None:
    """Press ArrowLeft/Right until the selection is in the column headed ``label``, checking every step.

    Keys pressed before the grid has taken the previous one are lost on a busy
    machine, so each step waits for the selection to move.
    """
    header = grid.locator(f"th[role='columnheader']:text-is('{label}')")  # the mirror is hidden: no get_by_role
    target = int(header.get_attribute("aria-colindex"))
    column, row = eventually(lambda: selected_cell(grid))
    while column != target:
        page.keyboard.press("ArrowRight" if column < target else "ArrowLeft")
        step = column + (1 if column < target else -1)
        eventually(lambda step=step: selected_cell(grid) == (step, row))
        column = step


def type_into_cell(page, grid_index: int, row: int, label: str, text: str) -> None:
    """Click row ``row`` of grid ``grid_index``, move to the column headed ``label``, type ``text``, Enter."""
    grid = grids(page).nth(grid_index)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + NAME_X, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2)
    eventually(lambda: (selected_cell(grid) or (None, None))[1] == row)
    move_to_column(page, grid, label)
    commit_in_editor(page, text)


def commit_in_editor(page, text: str) -> None:
    """Open the selected cell's editor, put ``text`` in it and press Enter."""
    page.keyboard.press("Enter")
    editor = page.locator("[data-testid='portal'] .gdg-input")
    editor.wait_for(timeout=5_000)
    editor.fill(text)
    page.wait_for_function("([el, text]) => el.value === text", arg=[editor.element_handle(), text])
    editor.press("Enter")
    settle(page)


def cell_texts(page, grid_index: int = 0) -> list[str]:
    return grids(page).nth(grid_index).locator("[role='gridcell']").all_inner_texts()


def newest_customer(base) -> dict:
    with opened(base) as db:
        return dict(next(db.query("SELECT * FROM customers ORDER BY id DESC LIMIT 1")))


def metrics(page) -> dict[str, str]:
    labels = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def test_an_edited_customer_cell_is_there_after_reloading(page, server):
    url, base = server
    open_app(page, url)
    type_into_cell(page, 0, row=0, label="联系人", text="欧阳浏览器")

    eventually(lambda: newest_customer(base)["contact"] == "欧阳浏览器")
    page.reload()
    open_app(page, url)
    assert "欧阳浏览器" in cell_texts(page)


def test_an_invalid_phone_shows_the_chinese_message_and_writes_nothing(page, server):
    url, base = server
    before = newest_customer(base)
    open_app(page, url)
    type_into_cell(page, 0, row=0, label="联系电话", text="1380013")

    alert = page.locator("[data-testid='stAlert']").first.inner_text()
    assert "没有保存" in alert
    assert f"「联系电话」第 1 行（{before['name']}）：“1380013” 不是有效的手机号或座机号" in alert
    assert newest_customer(base) == before
    assert "1380013" in cell_texts(page)  # what the user typed is still in the grid


def test_a_follow_up_added_in_a_customers_detail_updates_its_computed_columns(page, server):
    url, base = server
    with opened(base) as db:  # a customer whose follow-ups all fit in the grid without scrolling
        customer = next(db.query("SELECT customer_id AS id FROM follow_ups GROUP BY customer_id "
                                 "HAVING COUNT(*) BETWEEN 1 AND 5 ORDER BY customer_id DESC LIMIT 1"))
    open_app(page, url, f"/customers?customer={customer['id']}")
    before = metrics(page)

    follow_ups = grids(page).nth(1)
    follow_ups.scroll_into_view_if_needed()  # the detail is long (附件, 放回公海): clicks must land in view
    box = follow_ups.bounding_box()
    rows_before = int(before["跟进次数"])
    # Clicking the empty row under the last follow-up adds a row and opens 跟进时间's editor;
    # leave the time empty (it defaults to now) and type into 沟通内容.
    page.mouse.click(box["x"] + 60, box["y"] + ROW_HEIGHT * (rows_before + 1) + ROW_HEIGHT / 2)
    page.locator("[data-testid='portal'] input").first.wait_for(timeout=5_000)
    page.keyboard.press("Escape")
    settle(page)
    move_to_column(page, follow_ups, "沟通内容")
    commit_in_editor(page, "浏览器测试：电话沟通报价")

    after = eventually(lambda: (shown := metrics(page))["跟进次数"] == str(rows_before + 1) and shown)
    with opened(base) as db:
        latest = next(db.query("SELECT time, content FROM follow_ups WHERE customer_id = ? ORDER BY id DESC LIMIT 1",
                               [customer["id"]]))
    assert latest["content"] == "浏览器测试：电话沟通报价"
    assert after["最近跟进时间"] == latest["time"] != before["最近跟进时间"]
    assert after["距上次跟进天数"] == "0"


def test_the_funnel_chart_is_drawn(page, server, tmp_path):
    url, _ = server
    open_app(page, url, "/charts")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas, svg").first.wait_for(timeout=30_000)
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    assert "销售漏斗" in page.locator("h3").first.inner_text()
    page.screenshot(path=str(tmp_path / "charts.png"))


@pytest.mark.parametrize("path", ["/follow_ups", "/charts"])
def test_other_pages_open_without_an_error(page, server, path):
    url, _ = server
    open_app(page, url, path)
    assert page.locator("[data-testid='stException']").count() == 0


def test_two_people_saving_the_same_row_the_second_is_told_who_changed_it(browser, server):
    url, base = server
    contexts = [browser.new_context(viewport={"width": 1500, "height": 1000}) for _ in range(2)]
    for context, username in zip(contexts, ("wanghaitao", "admin"), strict=True):
        signed_in_as(context, url, base, username)
    first, second = (context.new_page() for context in contexts)
    try:
        open_app(first, url)
        open_app(second, url)  # both now show the row at the same version
        type_into_cell(first, 0, row=0, label="职务", text="第一个人的职务")
        type_into_cell(second, 0, row=0, label="职务", text="第二个人的职务")

        alert = second.locator("[data-testid='stAlert']").first.inner_text()
        saved = newest_customer(base)
        with opened(base) as db:
            author = db["users"].get(saved["updated_by"])["display_name"]
        assert f"已被 {author} 于 {saved['updated_at']} 修改，您的修改没有保存" in alert
        assert saved["contact_title"] == "第一个人的职务"
        assert "第二个人的职务" in cell_texts(second)  # what the second person typed is still there

        second.get_by_role("button", name="仍然保存我的修改").click()  # an explicit choice, not a silent one
        eventually(lambda: newest_customer(base)["contact_title"] == "第二个人的职务")
    finally:
        first.context.close()
        second.context.close()


@pytest.mark.parametrize(("path", "title"), [("/", "今日待跟进"), ("/pool", "公海"), ("/rules", "销售规则"),
                                             ("/duplicates", "查重"), ("/charts", "看板")])
def test_the_sales_pages_open_in_chinese_without_an_error(page, server, path, title, tmp_path):
    url, _ = server
    page.goto(url + path)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator("h1").filter(has_text=title).first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / f"{path.strip('/') or 'home'}.png"), full_page=True)
