"""Browser fixtures: a real `streamlit run` on a demo base, driven by Playwright in Debian's Chromium.

Chromium is looked up at ``CHROMIUM_PATH`` (default ``/usr/bin/chromium``). On a
machine without it the browser tests skip with a clear message, unless
``GENJIN_REQUIRE_BROWSER=1`` (set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from db import accounts
from db.connection import BASE_ENV, opened
from db.demo import DEMO_PASSWORD, create_base

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(path).exists():
        message = f"Chromium not found at {path} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("GENJIN_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; GENJIN_REQUIRE_BROWSER=1 makes browser tests mandatory")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(port: int, process: subprocess.Popen, timeout_s: float = 60) -> str:
    """The server's URL once ``/_stcore/health`` answers; raises RuntimeError if it dies or is too slow."""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return url
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("streamlit did not start")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):
    """``(url, base path)`` of a Streamlit server on a fresh demo base; stopped after the module."""
    base = tmp_path_factory.mktemp("browser") / "demo.db"
    create_base(base, demo=True)
    port = free_port()
    log = open(base.with_suffix(".log"), "w")  # noqa: SIM115 - closed below, after the server stops
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--client.showErrorDetails", "full"],
        cwd=ROOT, env=os.environ | {BASE_ENV: str(base)}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        url = wait_for_server(port, process)
    except RuntimeError:
        log.close()
        pytest.fail("streamlit did not start:\n" + base.with_suffix(".log").read_text())
    yield url, base
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def signed_in_as(context, url: str, base: Path, username: str) -> None:
    """Give a browser context the session cookie of ``username`` (a demo member), as logging in would."""
    with opened(base) as db:
        token = accounts.login(db, username, DEMO_PASSWORD)
    context.add_cookies([{"name": accounts.SESSION_COOKIE, "value": token, "url": url, "httpOnly": True}])


@pytest.fixture
def anonymous_page(browser):
    """A page in a new browser context with no session (for the login tests)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser, server):
    """A page in a new browser context, logged in as the demo administrator."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    signed_in_as(context, server[0], server[1], "admin")
    yield context.new_page()
    context.close()
