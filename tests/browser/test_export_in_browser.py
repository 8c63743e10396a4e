"""导出 Excel in Chromium: a salesperson's click downloads an XLSX of her customers that openpyxl opens."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import load_workbook

from db.connection import opened
from db.queries import Query, count_rows
from tests.browser.conftest import signed_in_as
from tests.conftest import LINA

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def test_a_salesperson_downloads_her_customers_as_excel(browser, server):
    url, base = server
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN", accept_downloads=True)
    signed_in_as(context, url, base, "lina")
    page = context.new_page()
    try:
        page.goto(url + "/customers")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.locator("[data-testid='stPopover'] button", has_text="导出").first.click()
        button = page.get_by_role("button", name="导出 Excel")
        button.wait_for(timeout=30_000)
        with page.expect_download(timeout=60_000) as started:
            button.click()
        download = started.value
        assert download.suggested_filename == f"客户-{dt.date.today().isoformat()}.xlsx"
        sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]  # a path without .xlsx
        with opened(base) as db:
            visible = count_rows(db, Query("customers"), actor=LINA)
            owners = {name for (name,) in db.execute("SELECT display_name FROM users WHERE id != ?", [LINA.user_id])}
        header = [cell.value for cell in sheet[1]]
        assert header[:2] == ["客户编号", "客户名称"]
        assert sheet.max_row == 1 + visible
        owner = header.index("负责人") + 1
        assert {row[owner - 1] for row in sheet.iter_rows(min_row=2, values_only=True)} <= {"李娜", None}
        assert owners and "李娜" not in owners
    finally:
        context.close()
