"""What a link cell shows and offers: ``{column: {id: label}}`` for every link column of a grid's table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from db.access import Actor
from db.queries import link_options
from schema.model import Table

#: How many records a link select offers besides those on the page: never a whole large table.
CHOICES = 200


def link_labels(db: sqlite_utils.Database, table: Table, rows: list[dict[str, Any]], actor: Actor, *,
                known: Mapping[str, Mapping[int, str]] | None = None) -> dict[str, Mapping[int, str]]:
    """Labels of every link column of ``table`` (members: all of them; other tables: the records on the
    page plus at most :data:`CHOICES` others), keeping those already ``known``. Only what ``actor`` may see."""
    labels: dict[str, Mapping[int, str]] = dict(known or {})
    members: Mapping[int, str] | None = None
    for column in table.links():
        if column.name in labels:
            continue
        if column.type.table == "users":
            members = members if members is not None else link_options(db, "users", actor=actor)
            labels[column.name] = members
        else:
            shown = tuple(i for row in rows for i in column.type.ids(row.get(column.name)))
            labels[column.name] = link_options(db, column.type.table, actor=actor, limit=CHOICES, include=shown)
    return labels
