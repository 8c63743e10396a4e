"""What a link cell shows and offers, and the 查找链接记录 box that narrows what it offers.

A link select (a grid's link column, a record's, a form's) offers the records
already linked and those on the page, plus at most :data:`CHOICES` others by
name — never a whole large table. Whatever is typed into the page's 查找链接记录
box narrows those others to the records whose name contains it, so every
record the member may see can be reached by its name (the 161st customer of
360, or the 100,000th). Members (负责人, 跟进人) are few: all of them are offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

import sqlite_utils
import streamlit as st

from db.access import Actor
from db.queries import link_options
from schema.model import Column, Table
from schema.types import Link
from ui.i18n import lang, t
from ui.text import md_escape

#: How many records a link select offers besides those linked and on the page: never a whole large table.
CHOICES = 200
#: The longest text the search box takes.
MAX_SEARCH = 100


@dataclass(frozen=True)
class Choices:
    """``labels``: ``{column: {id: label}}`` for every link column; ``narrowed``: the link columns the search
    narrows (links to records, not to members, nor given by the caller); ``capped``: those of them offering only
    the first :data:`CHOICES` matching records (more match: typing narrows them)."""

    labels: dict[str, Mapping[int, str]]
    narrowed: tuple[Column, ...] = ()
    capped: tuple[Column, ...] = ()


def typed(key: str) -> str:
    """The text in the search box under ``key`` (read before the box is drawn, like the pager's page)."""
    text = st.session_state.get(key)
    return text.strip()[:MAX_SEARCH] if isinstance(text, str) else ""


def choices(db: sqlite_utils.Database, table: Table, rows: list[dict[str, Any]], actor: Actor, *,
            known: Mapping[str, Mapping[int, str]] | None = None, contains: str = "",
            keep: Mapping[str, Iterable[int]] | None = None, active_only: bool = False,
            columns: Iterable[Column] | None = None) -> Choices:
    """What every link column of ``table`` (or those of ``columns``: a form's) offers, for ``rows`` shown:
    members all (active ones only with ``active_only``); other records, those linked on ``rows`` or named in
    ``keep`` (the picks of a form), plus at most :data:`CHOICES` others whose name contains ``contains``.
    Columns ``known`` keep the labels given (跟进记录's 客户, picked by its own box; a fixed column). Only
    what ``actor`` may see."""
    labels: dict[str, Mapping[int, str]] = dict(known or {})
    narrowed: list[Column] = []
    capped: list[Column] = []
    members: Mapping[int, str] | None = None
    for column in table.links() if columns is None else [c for c in columns if isinstance(c.type, Link)]:
        if column.name in labels:
            continue
        if column.type.table == "users":
            if members is None:
                members = link_options(db, "users", actor=actor, active_only=active_only)
            labels[column.name] = members
            continue
        narrowed.append(column)
        linked = {i for row in rows for i in column.type.ids(row.get(column.name))}
        linked |= {int(i) for i in (keep or {}).get(column.name, ()) if i is not None}
        found = link_options(db, column.type.table, actor=actor, limit=CHOICES + 1, contains=contains)
        if len(found) > CHOICES:  # one more than offered: there are others to find by name
            capped.append(column)
            found = dict(islice(found.items(), CHOICES))
        missing = tuple(sorted(linked - set(found)))
        if missing:
            found |= link_options(db, column.type.table, actor=actor, limit=0, include=missing)
        labels[column.name] = found
    return Choices(labels, tuple(narrowed), tuple(capped))


def search_box(key: str, *offered: Choices) -> None:
    """The 查找链接记录 box under ``key`` (when a link column of ``offered`` is narrowed by it), and a caption
    saying when a select offers only the first records and that typing narrows it."""
    separator = t("app.separator")

    def named(columns: Iterable[Column]) -> str:
        return separator.join(dict.fromkeys(c.label.get(lang()) for c in columns))

    narrowed = [c for found in offered for c in found.narrowed]
    if not narrowed:
        return
    fields = named(narrowed)
    st.text_input(t("links.search"), key=key, max_chars=MAX_SEARCH, placeholder=t("links.placeholder"),
                  help=md_escape(t("links.help", fields=fields, limit=CHOICES)))
    text = typed(key)
    capped = [c for found in offered for c in found.capped]
    if capped:
        wording = "links.capped_narrowed" if text else "links.capped"
        st.caption(md_escape(t(wording, fields=named(capped), limit=CHOICES, text=text)))
    elif text:
        st.caption(md_escape(t("links.narrowed", fields=fields, text=text)))
