"""今日待跟进 in the browser: the page a member lands on after logging in; a salesperson opens her worklist
on a phone-sized screen, logs a follow-up in one click, and the customer leaves the list it was in."""

from __future__ import annotations

from db.connection import opened
from tests.browser.conftest import signed_in_as
from tests.browser.test_in_browser import IDLE, eventually, settle
from tests.browser.test_login import log_in


def test_a_follow_up_is_logged_from_the_worklist_on_a_phone_screen(browser, server):
    url, base = server
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    signed_in_as(context, url, base, "lina")
    page = context.new_page()
    try:
        page.goto(url)  # 今日待跟进 is the home page
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_role("heading", name="今日待跟进").wait_for(timeout=30_000)
        overdue = page.get_by_role("heading").filter(has_text="逾期 · ")
        count_before = int(overdue.inner_text().split("· ")[1])
        assert count_before > 0  # the demo base has overdue work for 李娜; the first 记跟进 is one of them
        page.get_by_role("button", name="记跟进").first.click()
        settle(page)
        page.get_by_label("沟通内容").fill("手机上记的跟进：客户确认下周演示")
        page.get_by_role("button", name="保存跟进").click()
        settle(page)
        page.get_by_text("已记录对").wait_for(timeout=10_000)

        def saved():
            with opened(base) as db:
                return db.execute("SELECT content FROM follow_ups WHERE person_id = 3 ORDER BY id DESC LIMIT 1"
                                  ).fetchone()
        assert eventually(saved)[0] == "手机上记的跟进：客户确认下周演示"
        count_after = int(page.get_by_role("heading").filter(has_text="逾期 · ").inner_text().split("· ")[1])
        assert count_after == count_before - 1  # followed up, due again after the grade's cadence
    finally:
        context.close()


def test_after_logging_in_the_first_page_is_todays_follow_ups_and_the_menu_still_leads_to_the_customers(
        anonymous_page, server):
    url, _ = server
    page = anonymous_page
    log_in(page, url, "lina")
    assert page.url.rstrip("/") == url  # the login sends her to /
    page.locator("h1").filter(has_text="今日待跟进").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stDataFrame']").count() == 0

    menu = page.locator("[data-testid='stSidebarNav']")
    menu.get_by_text("客户", exact=True).click()
    page.wait_for_url("**/customers", timeout=30_000)
    settle(page)
    page.locator("h1").filter(has_text="客户").wait_for(timeout=30_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
