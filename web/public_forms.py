"""The page of a 公开表单 at ``/f/<token>``: plain HTML anyone can fill in, no account, no Streamlit.

GET shows the form the publisher chose (``db.public_forms``); POST reads at
most :data:`MAX_BODY` bytes, checks the post comes from this page (Origin or
Referer), drops it quietly if the hidden trap field was filled (bots fill
every field), and hands the answers to ``db.public_forms.submit``. A refused
value comes back under its field with why, and everything typed stays. The
page shows nothing of the base: no records, no names, not whether a customer
exists. Every text on it is escaped; a Content-Security-Policy forbids
scripts, and the page cannot be framed.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db import public_forms
from db.connection import base_path, opened
from db.errors import InvalidChanges
from db.fields import load_base
from db.public_forms import FormBusy, FormClosed, PublicForm
from schema.model import Column, Table
from schema.types import Checkbox, Choice, Date, DateTime, Email, LongText, MultiChoice, Number, Phone, Url
from ui.i18n import CATALOG
from ui.messages import reason_in
from web.auth import language, page, same_origin

#: The most a post may carry; a form's answers are a few kilobytes.
MAX_BODY = 64 * 1024
#: The most fields a post may name (a form asks a few dozen at most).
MAX_FIELDS = 500
#: Proxies whose X-Forwarded-For is believed (``127.0.0.1`` when a proxy on this machine serves Genjin).
TRUSTED_PROXIES_ENV = "GENJIN_TRUSTED_PROXIES"
#: The field people cannot see and bots fill in.
TRAP = "homepage"
_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'")
_STYLE = ('<style>main{max-width:560px}textarea{width:100%;box-sizing:border-box;min-height:6rem;padding:.55rem;'
          "border:1px solid #ccd;border-radius:6px;font:inherit}select{width:100%;padding:.5rem;border-radius:6px}"
          ".choice{display:flex;gap:.4rem;align-items:center;margin:.2rem 0}.choice input{width:auto}"
          ".help{color:#666;font-size:.8rem;margin:.2rem 0}.field-error{color:#b00020;font-size:.85rem;margin:.2rem 0}"
          ".trap{position:absolute;left:-10000px;height:0;overflow:hidden}</style>")


def _say(lang: str, key: str, **params: Any) -> str:
    return html.escape(CATALOG[lang][key].format(**params))


def _load(token: str) -> tuple[PublicForm, Table] | None:
    with opened(base_path()) as db:
        base = load_base(db)
        form = public_forms.by_token(db, token, base=base)
    return (form, base.table(form.table)) if form is not None and base.has_table(form.table) else None


def _input(column: Column, value: Any, lang: str) -> str:
    """The input for one field, holding ``value`` (what was typed, or nothing)."""
    name = html.escape(column.name)
    required = " required" if column.required else ""
    kind = column.type
    text = "" if value is None or isinstance(value, list) else html.escape(str(value))
    if isinstance(kind, MultiChoice):
        picked = set(value or []) if isinstance(value, list) else set()
        return "".join(
            f'<label class="choice"><input type="checkbox" name="{name}" value="{html.escape(o.code)}"'
            f'{" checked" if o.code in picked else ""}>{html.escape(o.label.get(lang))}</label>'
            for o in kind.options)
    if isinstance(kind, Choice):
        options = [("", "—")] + [(o.code, o.label.get(lang)) for o in kind.options]
        return (f'<select id="{name}" name="{name}"{required}>' + "".join(
            f'<option value="{html.escape(code)}"{" selected" if code == value else ""}>{html.escape(label)}</option>'
            for code, label in options) + "</select>")
    if isinstance(kind, Checkbox):
        ticked = value == "1" if value is not None else bool(column.default)  # after a refusal: as the visitor left it
        return f'<input id="{name}" name="{name}" type="checkbox" value="1"{" checked" if ticked else ""}>'
    if isinstance(kind, LongText):
        return f'<textarea id="{name}" name="{name}"{required}>{text}</textarea>'
    kinds = ((Date, 'type="date"'), (DateTime, 'type="datetime-local"'), (Email, 'type="email"'),
             (Phone, 'type="tel" autocomplete="tel"'), (Url, 'type="url"'), (Number, 'inputmode="decimal"'))
    attributes = next((attrs for cls, attrs in kinds if isinstance(kind, cls)), 'type="text"')
    return f'<input id="{name}" name="{name}" {attributes} value="{text}"{required}>'


def _form_page(request: Request, form: PublicForm, table: Table, *, answers: Mapping[str, Any] | None = None,
               errors: Mapping[str, str] | None = None, status: int = 200) -> Response:
    lang = language(request)
    answers, errors = answers or {}, errors or {}
    parts = [_STYLE, f"<h1>{html.escape(form.title)}</h1>", f'<p class="note">{_say(lang, "public_form.intro")}</p>']
    columns = public_forms.asked(table, form)
    if errors:
        parts.append(f'<p class="error" role="alert">{_say(lang, "public_form.fix")}</p>')
        asked_names = {c.name for c in columns}  # a problem with a value the form sets itself: said at the top
        parts += [f'<p class="error">{html.escape(text)}</p>' for name, text in errors.items()
                  if name not in asked_names]
    parts.append(f'<form method="post" action="{html.escape(form.path)}">')
    for column in columns:
        label = html.escape(column.label.get(lang)) + (" *" if column.required else "")
        parts.append(f'<label for="{html.escape(column.name)}">{label}</label>')
        if column.help:
            parts.append(f'<p class="help">{html.escape(column.help.get(lang))}</p>')
        parts.append(_input(column, answers.get(column.name), lang))
        if column.name in errors:
            parts.append(f'<p class="field-error" role="alert">{html.escape(errors[column.name])}</p>')
    parts.append(f'<div class="trap" aria-hidden="true"><label for="{TRAP}">{_say(lang, "public_form.trap")}</label>'
                 f'<input id="{TRAP}" name="{TRAP}" tabindex="-1" autocomplete="off"></div>')
    parts.append(f'<button type="submit">{_say(lang, "public_form.submit")}</button></form>')
    return page(request, form.title, "".join(parts), status, headers={"Content-Security-Policy": _POLICY})


def _message_page(request: Request, title_key: str, text_key: str, status: int, *, again: str | None = None
                  ) -> Response:
    lang = language(request)
    body = f"<h1>{_say(lang, title_key)}</h1><p>{_say(lang, text_key)}</p>"
    if again:
        body += f'<p><a href="{html.escape(again)}">{_say(lang, "public_form.again")}</a></p>'
    return page(request, CATALOG[lang][title_key], body, status, headers={"Content-Security-Policy": _POLICY})


async def _read_body(request: Request) -> bytes | None:
    """The post's body, or ``None`` if it is larger than :data:`MAX_BODY` (whatever Content-Length says)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return body


def _answers(table: Table, form: PublicForm, fields: Mapping[str, list[str]]) -> dict[str, Any]:
    """What the visitor typed into the fields asked: a list for tags, ``"1"``/``""`` for a checkbox."""
    answers: dict[str, Any] = {}
    for column in public_forms.asked(table, form):
        values = fields.get(column.name, [])
        if isinstance(column.type, MultiChoice):
            answers[column.name] = values
        elif isinstance(column.type, Checkbox):  # unticked is a no, not "left empty" (which takes the default)
            answers[column.name] = "1" if "1" in values else "0"
        else:
            answers[column.name] = values[0] if values else ""
    return answers


def client_address(request: Request) -> str:
    """Who posts, for the limits: the connection's address — or, when it is a proxy named in
    ``GENJIN_TRUSTED_PROXIES`` (comma-separated addresses), the address that proxy added last to
    ``X-Forwarded-For`` (what a client sends itself there is never believed)."""
    address = request.client.host if request.client else ""
    trusted = {a.strip() for a in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if a.strip()}
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
    return forwarded[-1] if address in trusted and forwarded else address


async def public_form(request: Request) -> Response:
    """GET (and HEAD): the form at ``/f/<token>``. POST: add the visitor's record, or show what to fix."""
    token = request.path_params["token"]
    loaded = await run_in_threadpool(_load, token)
    if loaded is None:
        return _message_page(request, "public_form.closed_title", "public_form.closed", 404)
    form, table = loaded
    if request.method in ("GET", "HEAD"):
        return _form_page(request, form, table)
    if not same_origin(request):
        return _message_page(request, "public_form.closed_title", "public_form.forbidden", 403)
    body = await _read_body(request)
    if body is None:
        return _message_page(request, "public_form.closed_title", "public_form.too_large", 413)
    try:
        fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # more fields than any form has
        return _message_page(request, "public_form.closed_title", "public_form.too_large", 413)
    if any(value.strip() for value in fields.get(TRAP, [])):  # a bot: thanked, nothing written
        return _message_page(request, "public_form.thanks_title", "public_form.thanks", 200, again=form.path)
    answers = _answers(table, form, fields)
    client = public_forms.client_key(client_address(request))

    def save() -> None:
        with opened(base_path()) as db:
            public_forms.submit(db, token, answers, client)

    try:
        await run_in_threadpool(save)
    except FormClosed:
        return _message_page(request, "public_form.closed_title", "public_form.closed", 404)
    except FormBusy:
        return _message_page(request, "public_form.busy_title", "public_form.busy", 429, again=form.path)
    except InvalidChanges as refused:
        lang = language(request)
        errors = {}
        for problem in refused.problems:  # "“123” 不是有效的手机号…", or "客户名称：必填，不能为空"
            reason = reason_in(table, problem, lang)
            typed = answers.get(problem.column)
            label = table.column(problem.column).label.get(lang) if table.has_column(problem.column) else ""
            text = f"“{typed}” {reason}" if isinstance(typed, str) and typed else f"{label}：{reason}"
            errors.setdefault(problem.column, text)
        return _form_page(request, form, table, answers=answers, errors=errors, status=400)
    return _message_page(request, "public_form.thanks_title", "public_form.thanks", 200, again=form.path)


ROUTES = [Route("/f/{token}", public_form, methods=["GET", "POST"])]
