"""Hostile text typed into cells and member names is shown as text: no script runs, no link or image appears."""

from __future__ import annotations

import pytest

from db import accounts
from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from db.demo import DEMO_PASSWORD
from tests.browser.conftest import signed_in_as
from tests.conftest import ADMIN

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CORPUS = [
    "<script>alert('名称')</script>",
    "<img src=x onerror=alert(1)>",
    "[点我](javascript:alert(1))",
    "![图](http://127.0.0.1:9/x.png)",
    "javascript:alert(1)",
    "**粗体** <b>标签</b> $x^2$",
]


@pytest.fixture(scope="module")
def hostile(server):
    url, base = server
    ids = []
    with opened(base) as db:
        for text in CORPUS:
            values = {"name": text, "contact": text, "notes": text, "address": text}
            ids.append(apply(db, ChangeSet("customers", inserts=(NewRow(values),)), actor=ADMIN,
                             allow_similar=True).inserted[0])  # hostile texts alike on purpose
    return url, ids


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_a_hostile_customer_name_renders_as_text_in_its_detail(page, hostile, index):
    url, ids = hostile
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{url}/customers?customer={ids[index]}")
    page.wait_for_selector(IDLE, timeout=60_000)
    title = page.locator("h1").first
    title.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert title.inner_text().strip() == CORPUS[index]
    assert dialogs == []
    assert page.locator("img[src='x'], img[src*='127.0.0.1:9'], a[href^='javascript']").count() == 0
    assert page.locator("[data-testid='stMain'] script").count() == 0


def test_hostile_text_in_the_customer_grid_runs_nothing(page, hostile):
    url, _ = hostile
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url + "/customers")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
    page.wait_for_timeout(800)
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()
    assert CORPUS[0] in cells and CORPUS[1] in cells
    assert dialogs == []


@pytest.mark.parametrize("index", [0, 1, 2, 5])
def test_a_hostile_member_name_renders_as_text_in_the_sidebar_the_detail_and_the_login_page(browser, server,
                                                                                           index):
    url, base = server
    username = f"hostile{index}"
    with opened(base) as db:
        member = accounts.add_member(db, ADMIN, username=username, display_name=CORPUS[index], role="sales",
                                     password=DEMO_PASSWORD)
        customer = apply(db, ChangeSet("customers", inserts=(NewRow({"name": f"恶意负责人的客户{index}",
                                                                     "owner_id": member}),)), actor=ADMIN,
                         allow_similar=True).inserted[0]  # one per case, alike on purpose
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{url}/auth/login")
        page.fill("#username", CORPUS[index])  # a wrong login echoes the typed name back
        page.fill("#password", "wrong-password")
        page.click("button[type=submit]")
        assert page.input_value("#username") == CORPUS[index]
        signed_in_as(context, url, base, username)
        page.goto(f"{url}/customers?customer={customer}")
        page.wait_for_selector(IDLE, timeout=60_000)
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text(" · 销售").wait_for(timeout=30_000)
        assert CORPUS[index] + " · 销售" in sidebar.inner_text()
        caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first
        assert CORPUS[index] in caption.inner_text()  # 编号 · 阶段 · 负责人
        page.wait_for_timeout(500)
        assert dialogs == []
        assert page.locator("img[src='x'], img[src*='127.0.0.1:9'], a[href^='javascript'], b").count() == 0
    finally:
        context.close()
