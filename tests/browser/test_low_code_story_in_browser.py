"""The low-code issue's "done means", clicked through in Chromium by someone who never saw the code: a 转介绍
table from its template, a referral linked to a customer by name, a rollup 转介绍次数 and a formula on customers,
a view "A级未跟进30天", that view as a board, and a chart of it."""

from __future__ import annotations

import re

from db.connection import opened
from db.fields import load_base
from db.queries import Filter, Query, count_rows, get_row
from tests.browser.test_in_browser import IDLE, settle
from tests.conftest import ADMIN


def widget(page, kind: str, label: str):
    """The Streamlit widget of ``kind`` (its test id, e.g. ``stSelectbox``) labelled ``label``."""
    return page.locator(f"[data-testid='{kind}']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).locator("visible=true").first


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label``, as a person would: open it, type, pick."""
    select = widget(page, "stSelectbox", label)
    select.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page)


def pick(page, label: str, option: str) -> None:
    """Add ``option`` to the multiselect labelled ``label``."""
    widget(page, "stMultiSelect", label).click()
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")
    settle(page)


def type_text(page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True).locator("visible=true").first
    field.fill(text)
    field.press("Enter")
    settle(page)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).first.click()
    settle(page)


def open_expander(page, title: str) -> None:
    page.locator("[data-testid='stExpander'] summary").filter(has_text=title).first.click()
    page.wait_for_timeout(300)


def lane_total(page) -> int:
    """The sum of the board's column counts (**线索** · 3)."""
    headers = page.locator("[data-testid='stMarkdownContainer'] p").filter(has_text=" · ").all_inner_texts()
    return sum(int(text.rsplit("·", 1)[1].strip().replace(",", "")) for text in headers
               if text.rsplit("·", 1)[1].strip().replace(",", "").isdigit())


def test_the_low_code_story_clicked_through_in_the_browser(page, server, tmp_path):
    url, base = server
    with opened(base) as db:
        customer = db.execute("SELECT name FROM customers ORDER BY name LIMIT 1").fetchone()[0]

    # 1. 数据表 → 新建表 from the template 转介绍记录 (the name is the template's when none is typed)
    page.goto(url + "/tables")
    page.wait_for_selector(IDLE, timeout=60_000)
    choose(page, "从模板开始", "转介绍记录")
    click(page, "新建表")
    page.get_by_text("已新建表“转介绍记录”。").wait_for(timeout=30_000)
    with opened(base) as db:
        referrals = next(t for t in load_base(db).tables if t.label.zh == "转介绍记录")

    # 2. A referral through the table's form, its 推荐人 picked by the customer's name (the link to 客户)
    page.goto(url + f"/form?table={referrals.name}&title=转介绍登记")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_label(re.compile(r"^名称")).first.fill("李总介绍的新客户")
    choose(page, "推荐人", customer)
    click(page, "提交")
    page.get_by_text("已提交：李总介绍的新客户").wait_for(timeout=30_000)

    # 3. On 客户, under 字段: a rollup 转介绍次数 over the referrals, then a formula that uses it
    page.goto(url + "/customers")
    page.wait_for_selector(IDLE, timeout=60_000)
    open_expander(page, "字段")
    type_text(page, "字段名称", "转介绍次数")
    choose(page, "字段类型", "汇总")
    choose(page, "汇总哪些记录", "转介绍记录 · 推荐人")  # 计数 is the default
    click(page, "添加字段")
    page.get_by_text("已添加字段“转介绍次数”。").wait_for(timeout=30_000)
    type_text(page, "字段名称", "重点客户")
    choose(page, "字段类型", "公式")
    type_text(page, "公式", '{转介绍次数} > 0 OR {潜力等级} = "A级"')
    click(page, "添加字段")
    page.get_by_text("已添加字段“重点客户”。").wait_for(timeout=30_000)
    with opened(base) as db:
        columns = {c.label.zh: c.name for c in load_base(db).table("customers").columns}
        counted = db.execute("SELECT id FROM customers WHERE name = ?", [customer]).fetchone()[0]
        assert get_row(db, "customers", counted, actor=ADMIN)[columns["转介绍次数"]] == 1

    # 4. The view "A级未跟进30天": 潜力等级 A级 and 未跟进超过 30 天, saved under its name
    open_expander(page, "筛选与排序")
    pick(page, "潜力等级", "A级")
    choose(page, "未跟进超过", "30 天")
    page.get_by_role("button", name="保存视图").first.click()
    page.get_by_label("视图名称", exact=True).fill("A级未跟进30天")
    page.get_by_role("button", name="保存视图").last.click()
    settle(page)
    page.get_by_text("已保存视图").wait_for(timeout=30_000)
    with opened(base) as db:
        in_view = count_rows(db, Query("customers", filters=(
            Filter("grade", "in", ("A",)), Filter("last_follow_up_at", "older_than_days", (30,)))), actor=ADMIN)
    assert in_view > 0

    # 5. Chart it: 图表 by 销售阶段 over the view's records
    open_expander(page, "图表")
    choose(page, "按字段统计", "销售阶段")
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "story-chart.png"), full_page=True)

    # 6. See it as a kanban: 以看板查看 under the view
    page.get_by_role("link", name="以看板查看").click()
    page.wait_for_url("**/kanban?**", timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_text("线索").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "story-board.png"), full_page=True)
    assert lane_total(page) == in_view
    assert page.locator("[data-testid='stException']").count() == 0
