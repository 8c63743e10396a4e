"""SQL text helpers every module of ``db/`` may use, importing nothing of the project (so that modules
that ``db.queries`` itself imports, such as ``db.fields`` and ``db.numbers``, can use them too)."""

from __future__ import annotations


def quote(identifier: str) -> str:
    """``identifier`` as a quoted SQL name (only ever applied to schema names).

    >>> quote('t1') + '.' + quote('a"b')
    '"t1"."a""b"'
    """
    return '"' + identifier.replace('"', '""') + '"'
