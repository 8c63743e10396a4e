"""The HTTP side of logging in: the login and first-start pages, the session cookie, the gate.

Streamlit talks to the browser over a WebSocket and cannot set cookies, so
logging in happens on plain HTTP routes served by the same process
(``st.App(routes=...)``, see ``server.py``): a POST checks the password and
answers with an HttpOnly, SameSite=Lax cookie holding a random token; the
app reads it from ``st.context.cookies`` on every run and asks ``db.accounts``
who it belongs to. The gate middleware sends a browser that opens a page
without a valid session to the login page (or to first start on a new base).

Forms are protected against cross-site posting by checking that the
``Origin`` (or ``Referer``) is this host. Everything shown back (a username,
a message) is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote as url_quote
from urllib.parse import urlparse

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from db import accounts
from db.accounts import AccountError, LoginRefused
from db.connection import base_path, opened
from db.demo import DEMO_PASSWORD, DEMO_USERS

COOKIE = accounts.SESSION_COOKIE
#: A public form's own page (``web/public_forms.py``), open without a session: exactly ``/f/<token>``.
PUBLIC_FORM_PATH = re.compile(r"/f/[A-Za-z0-9_-]+")
#: Paths the gate lets through without a session: our own routes and Streamlit's machinery.
OPEN_PREFIXES = ("/auth/", "/_stcore/", "/static/", "/media/", "/component/", "/app/static/", "/favicon")

TEXT = {
    "zh": {
        "title": "登录 · 跟进 Genjin",
        "login": "登录",
        "username": "用户名",
        "password": "密码",
        "setup_title": "首次启动：创建管理员",
        "setup_intro": "这是一个新的数据库。请设置管理员的账号和密码（至少 {min} 位），之后用它登录并添加团队成员。",
        "display_name": "姓名",
        "confirm": "再次输入密码",
        "create": "创建并登录",
        "login.wrong": "用户名或密码不正确。",
        "login.disabled": "该账号已停用，请联系管理员。",
        "login.wait": "尝试次数过多，请 {seconds} 秒后再试。",
        "account.password_short": "密码至少需要 {min} 位。",
        "account.name_required": "请填写用户名和姓名。",
        "account.setup_done": "管理员已经创建，请直接登录。",
        "account.username_taken": "该用户名已被使用。",
        "mismatch": "两次输入的密码不一致。",
        "demo": "演示数据库（仅供试用）：用户名 {users}，密码均为 {password}。",
        "forbidden": "请求来源不符，已拒绝。",
    },
    "en": {
        "title": "Sign in · Genjin",
        "login": "Sign in",
        "username": "Username",
        "password": "Password",
        "setup_title": "First start: create the administrator",
        "setup_intro": "This is a new base. Choose the administrator's username and password (at least {min} "
                       "characters); sign in with it, then add your team.",
        "display_name": "Name",
        "confirm": "Password again",
        "create": "Create and sign in",
        "login.wrong": "Wrong username or password.",
        "login.disabled": "This account is disabled; ask your administrator.",
        "login.wait": "Too many tries; wait {seconds} seconds.",
        "account.password_short": "The password needs at least {min} characters.",
        "account.name_required": "Fill in the username and the name.",
        "account.setup_done": "The administrator exists already; sign in.",
        "account.username_taken": "That username is taken.",
        "mismatch": "The two passwords differ.",
        "demo": "Demo base (for trying out only): usernames {users}, password {password} for all.",
        "forbidden": "Request from another site refused.",
    },
}

_STYLE = """
body{font-family:"Source Sans Pro","PingFang SC","WenQuanYi Micro Hei",sans-serif;background:#f6f7f9;margin:0}
main{max-width:380px;margin:10vh auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #ccd;border-radius:6px;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;border:0;border-radius:6px;background:#ff4b4b;color:#fff;
font-size:1rem;cursor:pointer}.error{color:#b00020;margin:.6rem 0}.note{color:#555;font-size:.85rem}
"""


def language(request: Request) -> str:
    """``en`` when the browser prefers English over Chinese, else ``zh`` (the default)."""
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "zh"


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site, never another site (``//evil``, ``https://…``).

    >>> safe_next("/customers?customer=3"), safe_next("//evil.example"), safe_next("https://x.y/"), safe_next(None)
    ('/customers?customer=3', '/', '/', '/')
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this host (``Origin``, else ``Referer``)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    return bool(source) and urlparse(source).netloc == request.headers.get("host")


def page(request: Request, title: str, body: str, status: int = 200, *,
         headers: dict[str, str] | None = None) -> HTMLResponse:
    """A small HTML page of ours (login, first start, a public form): ``title`` is escaped here, ``body`` must
    be escaped already; never cached, never framed."""
    lang = language(request)
    document = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}'
                f"</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>")
    return HTMLResponse(document, status_code=status, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                                                **(headers or {})})


def _say(request: Request, key: str, **params: object) -> str:
    return html.escape(TEXT[language(request)][key].format(**params))


def _is_demo() -> bool:
    with opened(base_path()) as db:
        return accounts.is_demo(db)


def _needs_setup() -> bool:
    with opened(base_path()) as db:
        return accounts.needs_setup(db)


def _login_form(request: Request, *, username: str = "", error: str = "", status: int = 200,
                demo: bool = False) -> HTMLResponse:
    next_path = safe_next(request.query_params.get("next"))
    note = ""
    if demo:
        users = " / ".join(u for u, _, _ in DEMO_USERS)
        note = f'<p class="note">{_say(request, "demo", users=users, password=DEMO_PASSWORD)}</p>'
    body = (f"<h1>{_say(request, 'title')}</h1>"
            + (f'<p class="error" role="alert">{error}</p>' if error else "")
            + f'<form method="post" action="/auth/login?next={html.escape(url_quote(next_path))}">'
            f'<label for="username">{_say(request, "username")}</label>'
            f'<input id="username" name="username" autocomplete="username" required autofocus '
            f'value="{html.escape(username)}">'
            f'<label for="password">{_say(request, "password")}</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required>'
            f'<button type="submit">{_say(request, "login")}</button></form>{note}')
    return page(request, TEXT[language(request)]["title"], body, status)


def _is_https(request: Request) -> bool:
    """Whether the browser talks HTTPS to us, directly or through a proxy that ends TLS."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _with_session(response: Response, request: Request, token: str) -> Response:
    response.set_cookie(COOKIE, token, max_age=accounts.MAX_SESSION_DAYS * 86400, httponly=True, samesite="lax",
                        secure=_is_https(request), path="/")
    return response


async def login_page(request: Request) -> Response:
    """GET: the login form (first start's form on a base without an administrator). POST: log in."""
    if await run_in_threadpool(_needs_setup):
        return RedirectResponse("/auth/setup", status_code=303)
    demo = await run_in_threadpool(_is_demo)
    if request.method == "GET":
        return _login_form(request, demo=demo)
    if not same_origin(request):
        return PlainTextResponse(TEXT[language(request)]["forbidden"], status_code=403)
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))

    def attempt() -> str:
        with opened(base_path()) as db:
            return accounts.login(db, username, password)

    try:
        token = await run_in_threadpool(attempt)
    except LoginRefused as refused:
        status = 429 if refused.reason == "login.wait" else 401
        return _login_form(request, username=username, error=_say(request, refused.reason, **refused.params),
                           status=status, demo=demo)
    target = safe_next(request.query_params.get("next"))
    return _with_session(RedirectResponse(target, status_code=303), request, token)


def _setup_form(request: Request, *, values: dict[str, str] | None = None, error: str = "",
                status: int = 200) -> HTMLResponse:
    values = values or {}
    fields = "".join(
        f'<label for="{name}">{_say(request, label)}</label><input id="{name}" name="{name}" required '
        f'type="{kind}" autocomplete="{complete}" '
        f'value="{html.escape(values.get(name, "") if kind == "text" else "")}">'
        for name, label, kind, complete in (
            ("username", "username", "text", "username"), ("display_name", "display_name", "text", "name"),
            ("password", "password", "password", "new-password"), ("confirm", "confirm", "password", "new-password"),
        ))
    body = (f"<h1>{_say(request, 'setup_title')}</h1>"
            f'<p class="note">{_say(request, "setup_intro", min=accounts.MIN_PASSWORD)}</p>'
            + (f'<p class="error" role="alert">{error}</p>' if error else "")
            + f'<form method="post" action="/auth/setup">{fields}<button type="submit">{_say(request, "create")}'
            "</button></form>")
    return page(request, TEXT[language(request)]["setup_title"], body, status)


async def setup_page(request: Request) -> Response:
    """First start: the form that creates the administrator, then logs them in."""
    if not await run_in_threadpool(_needs_setup):
        return RedirectResponse("/auth/login", status_code=303)
    if request.method == "GET":
        return _setup_form(request)
    if not same_origin(request):
        return PlainTextResponse(TEXT[language(request)]["forbidden"], status_code=403)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("username", "display_name", "password", "confirm")}
    if values["password"] != values["confirm"]:
        return _setup_form(request, values=values, error=_say(request, "mismatch"), status=400)

    def create() -> str:
        with opened(base_path()) as db:
            accounts.create_first_admin(db, values["username"], values["display_name"], values["password"])
            return accounts.login(db, values["username"].strip(), values["password"])

    try:
        token = await run_in_threadpool(create)
    except AccountError as refused:
        return _setup_form(request, values=values, error=_say(request, refused.reason, **refused.params),
                           status=400)
    return _with_session(RedirectResponse("/", status_code=303), request, token)


async def logout_route(request: Request) -> Response:
    """POST: end this browser's session and forget the cookie."""
    if not same_origin(request):
        return PlainTextResponse(TEXT[language(request)]["forbidden"], status_code=403)
    token = request.cookies.get(COOKIE)

    def end() -> None:
        with opened(base_path()) as db:
            accounts.logout(db, token)

    await run_in_threadpool(end)
    response = RedirectResponse("/auth/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


ROUTES = [
    Route("/auth/login", login_page, methods=["GET", "POST"]),
    Route("/auth/setup", setup_page, methods=["GET", "POST"]),
    Route("/auth/logout", logout_route, methods=["POST"]),
]


class LoginGate:
    """ASGI middleware: a page opened without a valid session goes to the login (or first-start) page.

    Only page loads (GET asking for HTML) are redirected; Streamlit's own
    machinery passes. The app checks the session again on every run, so a
    session ended while the page is open ends there too.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "GET" and not path.startswith(OPEN_PREFIXES) \
                and not PUBLIC_FORM_PATH.fullmatch(path):
            request = Request(scope)
            if "text/html" in request.headers.get("accept", ""):
                target = await run_in_threadpool(_where_to, request.cookies.get(COOKIE), request)
                if target:
                    await RedirectResponse(target, status_code=303)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _where_to(token: str | None, request: Request) -> str | None:
    """Where the gate sends a page load: ``None`` (let it through), the first-start or the login page."""
    with opened(base_path()) as db:
        if accounts.needs_setup(db):
            return "/auth/setup"
        if accounts.session_actor(db, token) is not None:
            return None
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/auth/login?next=" + url_quote(safe_next(wanted), safe="")
