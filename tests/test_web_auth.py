"""The login routes and the gate, over real HTTP against ``streamlit run server.py``.

First start on a new base, login and its cookie, the gate's redirects, and
the refusals: a wrong password (said without echoing markup), a post from
another site, a ``next`` that points elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from db import snapshots
from db.connection import BASE_ENV, opened
from db.demo import DEMO_PASSWORD, create_base
from tests.browser.conftest import ROOT, free_port, wait_for_server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, *, form: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    """``(status, headers, body)`` of one request, redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "text/html", **(headers or {})})
    try:
        with _OPENER.open(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), answer.read().decode()


def serve(base: Path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=os.environ | {BASE_ENV: str(base)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, wait_for_server(port, process)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """``{"demo": url, "new": url, "absent": url}``: a demo base, a brand-new one, and a path with no base
    yet, each behind its own server."""
    folder = tmp_path_factory.mktemp("web")
    create_base(folder / "demo.db", demo=True)
    create_base(folder / "new.db")
    started = {name: serve(folder / f"{name}.db") for name in ("demo", "new", "absent")}  # absent: no file yet
    yield {name: url for name, (_, url) in started.items()} | {"folder": folder}
    for process, _ in started.values():
        process.terminate()
        process.wait(10)


def origin(url: str) -> dict:
    return {"Origin": url}


def test_a_page_without_a_session_goes_to_the_login_page_and_comes_back_after(servers):
    url = servers["demo"]
    status, headers, _ = fetch(url + "/customers?customer=5")
    assert status == 303
    assert headers["location"] == "/auth/login?next=%2Fcustomers%3Fcustomer%3D5"
    status, headers, _ = fetch(url + "/auth/login?next=%2Fcustomers%3Fcustomer%3D5",
                               form={"username": "lina", "password": DEMO_PASSWORD}, headers=origin(url))
    assert (status, headers["location"]) == (303, "/customers?customer=5")
    cookie = headers["set-cookie"]
    assert "genjin_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = cookie.split("genjin_session=")[1].split(";")[0]
    status, _, body = fetch(url + "/customers", headers={"Cookie": f"genjin_session={token}"})
    assert status == 200 and "<noscript>" in body  # the Streamlit app itself


def test_a_wrong_password_is_refused_without_echoing_markup(servers):
    url = servers["demo"]
    status, headers, body = fetch(url + "/auth/login", form={"username": '<img src=x onerror=alert(1)>',
                                                             "password": "nope"}, headers=origin(url))
    assert status == 401 and "set-cookie" not in {k.lower() for k in headers}
    assert "用户名或密码不正确" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.mark.parametrize("headers", [{}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}])
def test_a_login_posted_from_another_site_is_refused(servers, headers):
    status, response, _ = fetch(servers["demo"] + "/auth/login", form={"username": "admin",
                                                                      "password": DEMO_PASSWORD}, headers=headers)
    assert status == 403 and "set-cookie" not in {k.lower() for k in response}


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_after_login_the_browser_never_leaves_the_site(servers, target):
    url = servers["demo"]
    status, headers, _ = fetch(url + "/auth/login?next=" + urllib.parse.quote(target, safe=""),
                               form={"username": "admin", "password": DEMO_PASSWORD}, headers=origin(url))
    assert (status, headers["location"]) == (303, "/")


def test_the_login_page_of_the_demo_base_lists_the_demo_accounts(servers):
    status, _, body = fetch(servers["demo"] + "/auth/login")
    assert status == 200 and "演示数据库" in body and DEMO_PASSWORD in body


def test_a_new_base_asks_for_its_administrator_once(servers):
    url = servers["new"]
    assert fetch(url + "/")[1]["location"] == "/auth/setup"
    assert fetch(url + "/auth/login")[1]["location"] == "/auth/setup"
    status, _, body = fetch(url + "/auth/setup", form={"username": "boss", "display_name": "老板",
                                                       "password": "boss-password", "confirm": "different"},
                            headers=origin(url))
    assert status == 400 and "两次输入的密码不一致" in body and 'value="boss"' in body
    status, headers, _ = fetch(url + "/auth/setup", form={"username": "boss", "display_name": "老板",
                                                          "password": "boss-password", "confirm": "boss-password"},
                               headers=origin(url))
    assert status == 303 and "genjin_session=" in headers["set-cookie"]
    assert fetch(url + "/auth/setup")[1]["location"] == "/auth/login"  # first start is over
    with opened(servers["folder"] / "new.db") as db:
        assert [(r["username"], r["role"]) for r in db["users"].rows] == [("boss", "admin")]


def test_logging_out_ends_the_session_on_the_server(servers):
    url = servers["demo"]
    _, headers, _ = fetch(url + "/auth/login", form={"username": "zhangwei", "password": DEMO_PASSWORD},
                          headers=origin(url))
    cookie = {"Cookie": headers["set-cookie"].split(";")[0]}
    assert fetch(url + "/customers", headers=cookie)[0] == 200
    status, headers, _ = fetch(url + "/auth/logout", form={}, headers={**cookie, **origin(url)})
    assert (status, headers["location"]) == (303, "/auth/login")
    assert fetch(url + "/customers", headers=cookie)[0] == 303  # the old cookie opens nothing any more


def test_the_server_takes_the_days_snapshot_once_when_it_starts(servers):
    deadline = time.monotonic() + 10
    while not (found := snapshots.listing(servers["folder"] / "demo.db")) and time.monotonic() < deadline:
        time.sleep(0.1)  # the housekeeping task starts with the server, in the background
    assert [s.reason for s in found] == ["daily"]


def test_a_server_on_a_path_with_no_base_creates_it_and_asks_for_the_administrator(servers):
    status, headers, _ = fetch(servers["absent"] + "/customers")
    assert (status, headers["location"]) == (303, "/auth/setup")
    status, _, body = fetch(servers["absent"] + "/auth/setup")
    assert status == 200 and "首次启动：创建管理员" in body
