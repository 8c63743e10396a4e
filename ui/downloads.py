"""导出 above a grid and on a customer's detail: download buttons whose file is made when clicked.

Each button gets a function (Streamlit's deferred download): nothing is read or written on an
ordinary run of the page. On a click, Streamlit runs it on a thread of its own — so it opens its
own connection, checks the member again (one disabled since the page was drawn gets nothing), reads
the view through ``db.exports`` and writes the file with :mod:`exports`. Meanwhile the button is
disabled and spins (Streamlit commands would be ignored on that thread, so there is no st.progress),
and the download starts when the file is ready. The file is named ``客户-2026-11-25.xlsx``: the
table's label (or the customer's name) and the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

import streamlit as st

from db.access import AccessDenied, Actor, resolve
from db.accounts import session_actor
from db.connection import base_path, opened
from db.exports import customer_sheets, view_sheet
from db.queries import Query
from exports import file_name, to_csv, to_xlsx
from ui.grid import Grid
from ui.i18n import lang, t
from ui.session import session_token

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def still_signed_in(db, token: str | None, actor: Actor) -> Actor:
    """``actor`` as the base knows them now, if the session the button was drawn in is still theirs: a click
    on a page left open after 退出, 所有设备退出, a password change or the idle timeout gets nothing (the click
    runs no page, so the login check would not). Raises ``AccessDenied``."""
    current = session_actor(db, token)
    if current is None or current.user_id != actor.user_id:
        raise AccessDenied("access.logged_out")
    return resolve(db, current)


def view_file(kind: str, query: Query, columns: Sequence[str], token: str | None, actor: Actor, language: str,
              title: str) -> bytes:
    """The export of ``query``'s view as ``kind`` (``csv`` or ``xlsx``) bytes, read afresh for ``actor`` in the
    session ``token`` (raises ``AccessDenied`` once that session ended or the member was disabled)."""
    with opened(base_path()) as db:
        sheet = view_sheet(db, query, list(columns), actor=still_signed_in(db, token, actor), lang=language,
                           title=title)
        return to_csv(sheet) if kind == "csv" else to_xlsx([sheet])


def customer_file(customer_id: int, token: str | None, actor: Actor, language: str, titles: tuple[str, str]) -> bytes:
    """A customer's detail as XLSX bytes: its fields and its follow-ups (raises ``RowNotFound``, and
    ``AccessDenied`` once the session ``token`` ended)."""
    with opened(base_path()) as db:
        return to_xlsx(customer_sheets(db, customer_id, actor=still_signed_in(db, token, actor), lang=language,
                                       titles=titles))


def _later(make: Callable[..., bytes], *args) -> Callable[[], bytes]:
    """``make(*args)`` as the function a download button calls when clicked."""
    return lambda: make(*args)


def buttons(grid: Grid, query: Query, shown: tuple[str, ...] | None, actor: Actor, *, total: int, key: str,
            title: str | None = None) -> None:
    """The 导出 popover of a grid: CSV and Excel of every row of ``query`` (all pages) in the columns the grid
    shows (a view's ``shown`` columns, as ``paging.show`` draws them), the file and its sheet named ``title``
    (the page's title; else the table's label)."""
    language, today, token = lang(), dt.date.today(), session_token()
    label = title or grid.table.label.get(language)
    columns = (replace(grid, shown=shown) if shown else grid).visible
    with st.popover(t("export.button"), icon=":material/download:"):
        st.caption(t("export.caption", count=f"{total:,}"))
        csv_cell, xlsx_cell = st.columns(2)
        csv_cell.download_button(
            t("export.csv"), data=_later(view_file, "csv", query, tuple(columns), token, actor, language, label),
            file_name=file_name(label, today, "csv"), mime=CSV_MIME, on_click="ignore", key=f"{key}.csv",
            help=t("export.csv_help"), width="stretch")
        xlsx_cell.download_button(
            t("export.xlsx"), data=_later(view_file, "xlsx", query, tuple(columns), token, actor, language, label),
            file_name=file_name(label, today, "xlsx"), mime=XLSX_MIME, on_click="ignore", key=f"{key}.xlsx",
            help=t("export.xlsx_help"), width="stretch")
        st.caption(t("export.wait"))


def customer_button(customer_id: int, name: str, actor: Actor) -> None:
    """导出 on a customer's detail: an XLSX of the customer's fields and its follow-ups."""
    st.download_button(
        t("export.customer"),
        data=_later(customer_file, int(customer_id), session_token(), actor, lang(),
                    (t("customers.title"), t("customers.follow_ups"))),
        file_name=file_name(name, dt.date.today(), "xlsx"), mime=XLSX_MIME, on_click="ignore",
        key=f"customer.{customer_id}.export", help=t("export.customer_help"), icon=":material/download:")
