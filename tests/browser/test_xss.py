"""Hostile text typed into cells is shown as text: no script runs, no link or image appears."""

from __future__ import annotations

import pytest

from db.changes import ChangeSet, NewRow, apply
from db.connection import opened

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
            ids.append(apply(db, ChangeSet("customers", inserts=(NewRow(values),)), user_id=1).inserted[0])
    return url, ids


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_a_hostile_customer_name_renders_as_text_in_its_detail(page, hostile, index):
    url, ids = hostile
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{url}/?customer={ids[index]}")
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
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
    page.wait_for_timeout(800)
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()
    assert CORPUS[0] in cells and CORPUS[1] in cells
    assert dialogs == []
