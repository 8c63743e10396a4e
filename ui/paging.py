"""Paging: one page of a query read from the base, the grid drawn with its count line and pager.

The pager is drawn under the grid but the page must be known before the rows
are read, so the chosen page is read from session state first.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils
import streamlit as st

from db.access import Actor
from db.queries import Query, count_rows, fetch_page
from ui import grid as grids
from ui.i18n import t

PAGE_SIZES = (50, 100, 200)


@dataclass(frozen=True)
class Page:
    """The rows of one page and where it stands among all matching rows."""

    query: Query
    rows: list[dict[str, Any]]
    total: int
    number: int
    count: int


def page_size(prefix: str) -> int:
    """Rows per page (50/100/200)."""
    return st.selectbox(t("grid.page_size"), PAGE_SIZES, key=f"{prefix}.page_size")


def page_count(total: int, size: int) -> int:
    """How many pages ``total`` rows make (at least one)."""
    return max(1, math.ceil(total / size))


def current_page(prefix: str, pages: int) -> int:
    """The page chosen in the pager (drawn later, under the grid), kept within range."""
    key = f"{prefix}.page"
    if st.session_state.get(key, 1) > pages:  # the filters shrank the result
        st.session_state[key] = 1
    return st.session_state.get(key, 1)


def pager(prefix: str, pages: int) -> None:
    """The page buttons; the choice is read by :func:`current_page` on the next run."""
    if pages > 1:
        st.pagination(pages, key=f"{prefix}.page")


def load(db: sqlite_utils.Database, query: Query, prefix: str, actor: Actor) -> Page:
    """The page of ``query`` chosen in the pager named ``prefix``, of the rows ``actor`` may see."""
    total = count_rows(db, query, actor=actor)
    count = page_count(total, query.page_size)
    number = current_page(prefix, count)
    return Page(query, fetch_page(db, replace(query, page=number), actor=actor), total, number, count)


def summary(page: Page) -> None:
    """One line above a grid: how many rows match and which are shown, or what to do when none."""
    if page.total == 0:
        narrowed = page.query.search or page.query.filters or page.query.narrow
        st.info(t("grid.no_match") if narrowed else t("grid.empty"))
        return
    first = (page.number - 1) * page.query.page_size + 1
    st.caption(t("grid.rows", total=f"{page.total:,}", first=f"{first:,}", last=f"{first + len(page.rows) - 1:,}"))


def show(grid: grids.Grid, page: Page, links, prefix: str, columns: tuple[str, ...] | None = None) -> None:
    """The count line, the editable grid (with a view's ``columns``, in order, if it chose them), the editing
    hint and the pager."""
    summary(page)
    view = hashlib.sha1(repr(replace(page.query, page=1)).encode()).hexdigest()[:8]
    grids.show(replace(grid, shown=columns) if columns else grid, page.rows, links, page=page.number, view=view)
    st.caption(t("grid.edit_hint"))
    pager(prefix, page.count)
