"""导入 in Chromium, as a new user would: download the template, upload a messy workbook, read the preview,
fix the row with a problem in the preview's grid, import it, find the customers in the base, then undo the
whole import from the history."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook

from db.connection import opened
from tests.browser.test_in_browser import (
    IDLE,
    NAME_X,
    ROW_HEIGHT,
    commit_in_editor,
    eventually,
    grids,
    selected_cell,
    settle,
)

NAMES = ("浏览器导入甲贸易有限公司", "浏览器导入乙科技有限公司", "浏览器导入丙物流有限公司")


def messy_workbook() -> bytes:
    """A title row, headers in people's words, a Chinese date, a 万 amount, a bad phone, a formula as text."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年展会客户名单"])
    sheet.append([])
    sheet.append(["公司名称", "手机", "行业", "预计成交金额", "预计成交日期", "备注"])
    sheet.append([NAMES[0], "+86 139-0000-1111", "制造业", "12.5万", "2026年12月8日", '=HYPERLINK("http://x","y")'])
    sheet.append([NAMES[1], "021 6234 5678", "IT/互联网", "8万", "2026/12/20", "展会"])
    sheet.append([NAMES[2], "12345", "物流", "3万", "2026.12.9", "电话写错了"])
    sheet.cell(row=4, column=6).data_type = "s"  # typed as text, not a live formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fix_cell(page, grid, label: str, text: str) -> None:
    """Type ``text`` into the first row's cell headed ``label`` of a grid without row markers (unlike the
    customer grid, its accessible mirror's aria-colindex is one more than glide's column number)."""
    grid.scroll_into_view_if_needed()  # below the fold: a click must land on it
    box = grid.bounding_box()
    page.mouse.click(box["x"] + NAME_X, box["y"] + ROW_HEIGHT * 1.5)
    column, _ = eventually(lambda: selected_cell(grid))
    target = int(grid.locator(f"th[role='columnheader']:text-is('{label}')").get_attribute("aria-colindex")) - 1
    while column != target:
        page.keyboard.press("ArrowRight" if column < target else "ArrowLeft")
        step = column + (1 if column < target else -1)
        eventually(lambda step=step: (selected_cell(grid) or (None,))[0] == step)
        column = step
    commit_in_editor(page, text)


def test_a_workbook_is_previewed_imported_and_undone_in_the_browser(page, server, tmp_path):
    url, base = server
    page.goto(f"{url}/imports")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("heading", name="导入", exact=True).wait_for(timeout=30_000)

    with page.expect_download(timeout=30_000) as started:
        page.get_by_role("button", name="下载模板").click()
    template = load_workbook(io.BytesIO(Path(started.value.path()).read_bytes()))
    assert any(str(cell.value).startswith("客户名称") for cell in template.worksheets[0][1])

    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(files=[{
        "name": "展会名单.xlsx", "buffer": messy_workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    settle(page)
    page.get_by_text("③ 预览").first.wait_for(timeout=30_000)
    metrics = page.locator("[data-testid='stMetricValue']")
    metrics.first.wait_for(timeout=30_000)
    assert [m.inner_text() for m in metrics.all()][:3] == ["2", "0", "1"]  # 新增, 更新, 跳过 (the bad phone)
    page.get_by_text("1 行有 1 个问题").wait_for(timeout=10_000)  # the bad phone, listed in the table below
    page.screenshot(path=str(tmp_path / "import-preview.png"), full_page=True)

    fix_cell(page, grids(page).nth(1), "联系电话", "13900002222")  # in the preview's grid of rows with problems
    page.get_by_role("button", name="导入 3 行").wait_for(timeout=30_000)
    assert [m.inner_text() for m in metrics.all()][:3] == ["3", "0", "0"]

    page.get_by_role("button", name="导入 3 行").click()
    settle(page)
    page.get_by_text("已导入：新增 3 行").wait_for(timeout=60_000)
    with opened(base) as db:
        rows = db.execute(f"SELECT name, expected_amount, expected_on, notes FROM customers WHERE name IN "
                          f"({', '.join('?' for _ in NAMES)}) ORDER BY name", list(NAMES)).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == sorted([(NAMES[0], 125000, "2026-12-08"),
                                                         (NAMES[1], 80000, "2026-12-20"),
                                                         (NAMES[2], 30000, "2026-12-09")])
    assert dict((r[0], r[3]) for r in rows)[NAMES[0]] == '=HYPERLINK("http://x","y")'  # text, as typed

    page.get_by_role("button", name="撤销此次导入").first.click()
    settle(page)
    page.wait_for_selector(IDLE, timeout=30_000)
    with opened(base) as db:
        left = db.execute(f"SELECT COUNT(*) FROM customers WHERE name IN ({', '.join('?' for _ in NAMES)})",
                          list(NAMES)).fetchone()[0]
    assert left == 0
    assert page.locator("[data-testid='stException']").count() == 0
