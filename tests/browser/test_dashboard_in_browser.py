"""看板 in Chromium: the charts are drawn in every tab, a click on a funnel bar lists the customers behind it,
and the 月报 downloads as a workbook and as a printable page."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from tests.browser.test_in_browser import IDLE, open_app, settle


def drawn(chart) -> dict:
    chart.locator("canvas, svg").first.wait_for(timeout=30_000)
    return chart.bounding_box()


def test_clicking_the_first_funnel_bar_lists_the_customers_behind_it(page, server, tmp_path):
    url, _ = server
    open_app(page, url, "/charts")
    page.get_by_text("最薄弱环节：").first.wait_for(timeout=30_000)
    funnel = page.locator("[data-testid='stVegaLiteChart']").first
    box = drawn(funnel)
    assert box["width"] > 300 and box["height"] > 200
    # 线索 is the top bar, centred and the widest: its middle is left of the chart's middle, 30 px down
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + 30)
    settle(page)
    listed = page.get_by_text("到达“线索”的客户 · 共")
    listed.wait_for(timeout=30_000)
    count = int(listed.inner_text().split("共")[1].split("位")[0].strip().replace(",", ""))
    assert count > 0
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "funnel-clicked.png"), full_page=True)


def test_every_tab_draws_its_charts(page, server, tmp_path):
    url, _ = server
    open_app(page, url, "/charts")
    for tab, charts in (("等级与分层", 3), ("跟进活动", 2), ("排行与预测", 1), ("输赢原因", 2)):
        page.get_by_role("tab", name=tab).click()
        panel = page.locator("[role='tabpanel']:visible")
        shown = panel.locator("[data-testid='stVegaLiteChart']")
        shown.nth(charts - 1).wait_for(timeout=30_000)
        assert shown.count() == charts, tab
        for index in range(charts):
            box = drawn(shown.nth(index))
            assert box["width"] > 150 and box["height"] > 100, (tab, index)
        page.screenshot(path=str(tmp_path / f"{tab}.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def test_the_monthly_report_downloads_as_a_workbook_and_a_printable_page(page, server):
    url, _ = server
    open_app(page, url, "/charts")
    page.get_by_role("tab", name="周报/月报").click()
    page.get_by_text("上月", exact=True).click()
    settle(page)
    page.get_by_text("销售月报").first.wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as started:
        page.get_by_role("button", name="下载 Excel").click()
    book = load_workbook(io.BytesIO(Path(started.value.path()).read_bytes()))
    assert book.sheetnames[:3] == ["结论", "概要", "销售漏斗"]
    assert book["结论"]["A1"].value.startswith("销售月报")
    with page.expect_download(timeout=30_000) as started:
        page.get_by_role("button", name="下载打印版（网页）").click()
    printable = Path(started.value.path()).read_text(encoding="utf-8")
    assert printable.startswith("<!DOCTYPE html>") and "<h2>销售漏斗</h2>" in printable
    page.wait_for_selector(IDLE, timeout=30_000)
