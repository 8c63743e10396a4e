"""A deep link as the very first request after the server starts still goes through app.py.

Streamlit runs a ``pages/`` script on its own until some run has called
``st.navigation``; the page then hands over to app.py (ui/entry.py).
"""

from __future__ import annotations

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def test_the_first_request_of_a_fresh_server_may_be_a_deep_link(page, server):
    url, _ = server  # a new server: this module's first and only request is the deep link
    page.goto(url + "/follow_ups")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator("h1").filter(has_text="跟进记录").wait_for(timeout=30_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("系统管理员 · 管理员").wait_for(timeout=30_000)  # app.py's sidebar, not Streamlit's own
    sidebar.get_by_text("语言 / Language").wait_for(timeout=30_000)
    assert "follow ups" not in sidebar.inner_text()  # Streamlit's page list from file names would say this
