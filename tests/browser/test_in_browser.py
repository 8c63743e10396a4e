"""What only a browser shows: grid edits, a follow-up logged from a customer's detail, messages, charts.

The grid is a canvas: a cell is reached by clicking a known column of a row
(rows are 35 px high) and moving with the arrow keys; the cell editor is
``[data-testid='portal'] .gdg-input``; glide-data-grid mirrors the visible
cells in an accessible table, which is where values are read back.
"""

from __future__ import annotations

import pytest

from db.connection import opened

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
ROW_HEIGHT = 35
NAME_X = 200  # inside the pinned 客户名称 column of the customer grid


def settle(page, pause_ms: int = 400) -> None:
    """Wait until the app has finished the run an action started."""
    page.wait_for_timeout(pause_ms)
    page.wait_for_selector(IDLE, timeout=30_000)
    page.wait_for_timeout(300)


def open_app(page, url: str, path: str = "/") -> None:
    page.goto(url + path)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stDataFrame'], [data-testid='stVegaLiteChart'], [data-testid='stAlert']",
                           timeout=30_000)
    page.wait_for_timeout(500)


def grids(page):
    return page.locator("[data-testid='stDataFrame']")


def type_into_cell(page, grid_index: int, row: int, x: float, right: int, text: str) -> None:
    """Click row ``row`` at ``x`` px into grid ``grid_index``, move ``right`` cells, type ``text``, Enter."""
    box = grids(page).nth(grid_index).bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2)
    for _ in range(right):
        page.keyboard.press("ArrowRight")
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
    type_into_cell(page, 0, row=0, x=NAME_X, right=5, text="欧阳浏览器")  # 名称 → … → 联系人

    assert newest_customer(base)["contact"] == "欧阳浏览器"
    page.reload()
    open_app(page, url)
    assert "欧阳浏览器" in cell_texts(page)


def test_an_invalid_phone_shows_the_chinese_message_and_writes_nothing(page, server):
    url, base = server
    before = newest_customer(base)
    open_app(page, url)
    type_into_cell(page, 0, row=0, x=NAME_X, right=7, text="1380013")  # 名称 → … → 联系电话

    alert = page.locator("[data-testid='stAlert']").first.inner_text()
    assert "没有保存" in alert
    assert f"「联系电话」第 1 行（{before['name']}）：“1380013” 不是有效的手机号或座机号" in alert
    assert newest_customer(base) == before
    assert "1380013" in cell_texts(page)  # what the user typed is still in the grid


def test_a_follow_up_added_in_a_customers_detail_updates_its_computed_columns(page, server):
    url, base = server
    customer = newest_customer(base)
    open_app(page, url, f"/?customer={customer['id']}")
    before = metrics(page)

    follow_ups = grids(page).nth(1)
    box = follow_ups.bounding_box()
    rows_before = int(before["跟进次数"])
    # Clicking the empty row under the last follow-up adds a row and opens 跟进时间's editor;
    # leave the time empty (it defaults to now) and type into 沟通内容, two cells to the right.
    page.mouse.click(box["x"] + 60, box["y"] + ROW_HEIGHT * (rows_before + 1) + ROW_HEIGHT / 2)
    page.locator("[data-testid='portal'] input").first.wait_for(timeout=5_000)
    page.keyboard.press("Escape")
    settle(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    commit_in_editor(page, "浏览器测试：电话沟通报价")

    after = metrics(page)
    with opened(base) as db:
        latest = next(db.query("SELECT time, content FROM follow_ups WHERE customer_id = ? ORDER BY id DESC LIMIT 1",
                               [customer["id"]]))
    assert latest["content"] == "浏览器测试：电话沟通报价"
    assert int(after["跟进次数"]) == rows_before + 1
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
    first, second = (browser.new_context(viewport={"width": 1500, "height": 1000}).new_page() for _ in range(2))
    try:
        open_app(first, url)
        open_app(second, url)  # both now show the row at the same version
        type_into_cell(first, 0, row=0, x=NAME_X, right=6, text="第一个人的职务")  # 名称 → … → 职务
        type_into_cell(second, 0, row=0, x=NAME_X, right=6, text="第二个人的职务")

        alert = second.locator("[data-testid='stAlert']").first.inner_text()
        saved = newest_customer(base)
        with opened(base) as db:
            author = db["users"].get(saved["updated_by"])["display_name"]
        assert f"已被 {author} 于 {saved['updated_at']} 修改，您的修改没有保存" in alert
        assert saved["contact_title"] == "第一个人的职务"
        assert "第二个人的职务" in cell_texts(second)  # what the second person typed is still there

        second.get_by_role("button", name="仍然保存我的修改").click()  # an explicit choice, not a silent one
        settle(second)
        assert newest_customer(base)["contact_title"] == "第二个人的职务"
    finally:
        first.context.close()
        second.context.close()
