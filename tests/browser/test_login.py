"""Logging in through the browser: the login form, a refresh that keeps you in, logging out,
and a salesperson who cannot open another's customer even by typing its link."""

from __future__ import annotations

from db.connection import opened
from db.demo import DEMO_PASSWORD

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def log_in(page, url: str, username: str, path: str = "/") -> None:
    page.goto(url + path)
    page.wait_for_url("**/auth/login**")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(IDLE, timeout=60_000)


def sidebar_says(page, text: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_text(text).wait_for(timeout=30_000)


def test_log_in_refresh_and_still_logged_in_then_log_out(anonymous_page, server):
    url, _ = server
    page = anonymous_page
    log_in(page, url, "lina")
    sidebar_says(page, "李娜 · 销售")
    page.locator("h1").filter(has_text="今日待跟进").wait_for(timeout=30_000)
    cookie = next(c for c in page.context.cookies() if c["name"] == "genjin_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("genjin_session") == -1  # script cannot read it

    page.reload()
    page.wait_for_selector(IDLE, timeout=60_000)
    sidebar_says(page, "李娜 · 销售")
    assert "/auth/login" not in page.url

    page.get_by_role("button", name="退出", exact=True).click()
    page.get_by_text("您已退出登录。").wait_for(timeout=30_000)
    page.reload()
    page.wait_for_url("**/auth/login**")


def test_a_wrong_password_keeps_you_on_the_login_page_with_a_message(anonymous_page, server):
    url, _ = server
    page = anonymous_page
    page.goto(url + "/auth/login")
    page.fill("#username", "lina")
    page.fill("#password", "not-her-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator("[role=alert]").inner_text()
    assert page.input_value("#username") == "lina"


def test_a_salesperson_cannot_open_another_salespersons_customer_by_its_link(anonymous_page, server):
    url, base = server
    with opened(base) as db:
        theirs = db.execute("SELECT id, name FROM customers WHERE owner_id = 4 ORDER BY id LIMIT 1").fetchone()
        mine = db.execute("SELECT id, name FROM customers WHERE owner_id = 3 ORDER BY id LIMIT 1").fetchone()
    page = anonymous_page
    log_in(page, url, "lina", f"/customers?customer={theirs[0]}")  # the login page brings her back to the link
    page.get_by_text(f"找不到编号为 {theirs[0]} 的客户").wait_for(timeout=30_000)
    assert theirs[1] not in page.content()

    page.goto(f"{url}/?customer={theirs[0]}")  # the old form of the link, from when 客户 was the home page
    page.wait_for_url(f"**/customers?customer={theirs[0]}", timeout=30_000)
    page.get_by_text(f"找不到编号为 {theirs[0]} 的客户").wait_for(timeout=30_000)
    assert theirs[1] not in page.content()

    page.goto(f"{url}/?customer={mine[0]}")
    page.wait_for_url(f"**/customers?customer={mine[0]}", timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator("h1").filter(has_text=mine[1]).wait_for(timeout=30_000)
