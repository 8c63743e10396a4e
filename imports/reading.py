"""Reading a spreadsheet file a person uploads into a :class:`RawTable`: headers and rows of raw values.

Owns the import's first step and nothing after it: which format the bytes are (never the name),
the limits a file must keep (:class:`Limits`: bytes, rows, columns, unzipped size), finding the
header row below title rows, and dropping empty rows. Values are left as the file holds them
(text, numbers, dates); :mod:`imports.values` makes them what the columns accept. Every refusal is
an :class:`ImportFileError` whose ``code`` the UI translates; nothing else is ever raised for a bad
file (MemoryError aside).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from imports import formats
from imports.formats import HEADER_SEARCH_ROWS
from imports.limits import CODES, ImportFileError, Limits
from imports.mapping import matched
from schema.model import Table

__all__ = ["CODES", "ImportFileError", "Limits", "RawTable", "read", "sheet_names"]


@dataclass(frozen=True)
class RawTable:
    """One sheet as read: the header labels, and the non-empty rows below them with their row numbers."""

    sheet: str
    header_row: int
    headers: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    encoding: str | None = None


def sheet_names(data: bytes, filename: str, limits: Limits | None = None) -> list[str]:
    """The names of the file's sheets in order (``["CSV"]`` for a CSV); raises ImportFileError."""
    limits = limits or Limits()
    kind = _check(data, limits)
    with formats.guarded():
        if kind == "xlsx":
            return formats.xlsx_sheet_names(data, limits)
        if kind == "xls":
            return formats.xls_sheet_names(data)
        formats.decode(data)
        return ["CSV"]


def read(data: bytes, filename: str, *, sheet: str | None = None, limits: Limits | None = None,
         table: Table | None = None) -> RawTable:
    """The first sheet (or ``sheet``) of the file in ``data`` as a :class:`RawTable`.

    ``filename`` is only for messages: the format is told from the bytes. The header row is looked
    for among the first rows by how many cells name ``table``'s columns (customers or follow-ups when
    not given). Raises ImportFileError: ``too_big``, ``empty``, ``no_rows``, ``not_spreadsheet``,
    ``unreadable``, ``too_many_rows``, ``too_many_columns``, ``zip_bomb``, ``xml_unsafe``, ``encoding``.
    """
    limits = limits or Limits()
    kind = _check(data, limits)
    encoding = None
    with formats.guarded():
        if kind == "xlsx":
            name, stream = formats.xlsx_rows(data, sheet, limits)
        elif kind == "xls":
            name, stream = formats.xls_rows(data, sheet, limits)
        else:
            if sheet not in (None, "CSV"):
                raise ImportFileError("unreadable", sheet=sheet)
            text, encoding = formats.decode(data)
            name, stream = "CSV", formats.csv_rows(text)
        rows = _collect(stream, limits)
    return _table(name, rows, limits, encoding, _tables(table))


def _check(data: bytes, limits: Limits) -> str:
    if len(data) > limits.max_bytes:
        raise ImportFileError("too_big", size=len(data), limit=limits.max_bytes,
                              size_mb=round(len(data) / 2**20, 1), limit_mb=round(limits.max_bytes / 2**20, 1))
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ImportFileError("empty")
    return formats.kind(data)


def _collect(stream: Iterator[list[Any]], limits: Limits) -> list[tuple[int, list[Any]]]:
    """The non-empty rows of ``stream`` with their 1-based numbers, each trimmed of trailing empty cells;
    stops with ``too_many_columns`` or ``too_many_rows`` as soon as a limit is passed."""
    kept: list[tuple[int, list[Any]]] = []
    stop_at = 2 * limits.max_rows + HEADER_SEARCH_ROWS  # empty rows cost little, but not without end
    try:
        for number, row in enumerate(stream, 1):
            if number > stop_at:
                raise ImportFileError("too_many_rows", rows=number, limit=limits.max_rows)
            cells = _trim([_value(v) for v in row])
            if not cells:
                continue
            if len(cells) > limits.max_columns:
                raise ImportFileError("too_many_columns", columns=len(cells), limit=limits.max_columns)
            kept.append((number, cells))
            if len(kept) > limits.max_rows + HEADER_SEARCH_ROWS:
                raise ImportFileError("too_many_rows", rows=len(kept), limit=limits.max_rows)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # an XLSX stream closes its workbook
    return kept


def _value(value: Any) -> Any:
    """A cell as a RawTable keeps it: blank text is ``None``."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _trim(cells: list[Any]) -> list[Any]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


def _tables(table: Table | None) -> tuple[Table, ...]:
    if table is not None:
        return (table,)
    from schema.crm import CUSTOMERS, FOLLOW_UPS

    return (CUSTOMERS, FOLLOW_UPS)


def _table(name: str, rows: list[tuple[int, list[Any]]], limits: Limits, encoding: str | None,
           tables: Sequence[Table]) -> RawTable:
    if not rows:
        raise ImportFileError("empty", sheet=name)
    index, headers = header(rows[:HEADER_SEARCH_ROWS], tables)
    body = [(number, cells) for number, cells in rows[index + 1:] if not _repeats(cells, headers)]
    if not body:
        raise ImportFileError("no_rows", sheet=name, header_row=rows[index][0])
    if len(body) > limits.max_rows:
        raise ImportFileError("too_many_rows", rows=len(body), limit=limits.max_rows)
    width = max(len(headers), *(len(cells) for _, cells in body))
    return RawTable(
        sheet=name,
        header_row=rows[index][0],
        headers=headers + [""] * (width - len(headers)),
        rows=[cells + [None] * (width - len(cells)) for _, cells in body],
        row_numbers=[number for number, _ in body],
        encoding=encoding,
    )


def _repeats(cells: list[Any], headers: list[str]) -> bool:
    """Whether a row is the header again (files pasted together, or printed with a header per page)."""
    return [header_text(c) for c in cells] == headers[: len(cells)] and len(cells) >= 2


def header_text(value: Any) -> str:
    """A header cell as text: spaces and line breaks collapsed, a number without ``.0``.

    >>> [header_text(v) for v in [" 客户\\n名称 ", None, 2026, 3.0, dt.date(2026, 11, 8)]]
    ['客户 名称', '', '2026', '3', '2026-11-08']
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


def _texts(cells: Sequence[Any]) -> int:
    return sum(isinstance(c, str) and bool(c.strip()) for c in cells)


def header(first: Sequence[tuple[int, list[Any]]], tables: Sequence[Table]) -> tuple[int, list[str]]:
    """The index (into ``first``) of the header row and its labels.

    A candidate is a row with at least two text cells; the best is the one whose labels name most
    columns of one of ``tables`` (the first of equals). Two rows may make one header — a group label
    merged over several columns above their own labels (``联系人信息`` over ``姓名``, ``手机``): openpyxl's
    read-only mode shows no merges, so for each column the lower row's text is taken, else the upper
    one's, and the pair wins when it names more columns than either row alone (the lower row is then
    the header row). When nothing names a column: the row with the most text cells.
    """
    def score(labels: list[str]) -> int:
        return max(matched(labels, table) for table in tables)

    singles = [[header_text(c) for c in cells] for _, cells in first]
    scores = [score(labels) if _texts(cells) >= 2 else -1 for labels, (_, cells) in zip(singles, first, strict=True)]
    best = max(range(len(first)), key=lambda i: (scores[i], -i))
    best_labels, best_score = singles[best], scores[best]
    for upper in range(len(first) - 1):
        if first[upper + 1][0] != first[upper][0] + 1 or not _texts(first[upper][1]):
            continue  # a group label sits right above its columns' labels
        lower = upper + 1
        width = max(len(singles[upper]), len(singles[lower]))
        pair = [(singles[lower][i] if i < len(singles[lower]) else "") or
                (singles[upper][i] if i < len(singles[upper]) else "") for i in range(width)]
        paired = score(pair)
        if paired > max(scores[upper], scores[lower]) and (paired, -lower) > (best_score, -best):
            best, best_labels, best_score = lower, pair, paired
    if best_score <= 0:
        best = max(range(len(first)), key=lambda i: (_texts(first[i][1]), -i))
        best_labels = singles[best]
    return best, best_labels
