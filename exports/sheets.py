"""Rows to files people open in Excel: CSV (UTF-8 with BOM) and XLSX, with no formula ever leaving.

This module owns the file formats only: it knows nothing of the base, the schema or Streamlit. A
:class:`Sheet` is a title, header labels and rows of plain values; :func:`to_csv` and :func:`to_xlsx`
turn sheets into bytes.

**No formulas leave.** In CSV, a text cell (header included) that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe (:func:`safe_text`, the OWASP advice
against CSV injection): a spreadsheet opening the file shows ``'=1+1`` as text, apostrophe included,
and never computes it. In XLSX every text cell is written as a string cell (``t="inlineStr"``), never
a formula or an error value, so it needs no apostrophe. Numbers are never escaped: -5 is the number -5.

**Characters XML cannot hold** (the control characters U+0000–U+001F other than tab, line feed and
carriage return, U+FFFE, U+FFFF and lone surrogates) are dropped from text in both formats
(:func:`clean_text`): nobody types them on purpose, and Excel refuses a file that carries them. In
XLSX a carriage return is written ``_x000D_`` and a literal ``_xHHHH_`` as ``_x005F_xHHHH_`` — the
escaping of OOXML strings (ECMA-376 ``ST_Xstring``) that Excel reads back to the text written
(:func:`ooxml_unescape` is that reading). A text longer than Excel's 32,767 characters per cell is
cut there in XLSX.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_MAX = 32_767
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
WIDTH_MIN, WIDTH_MAX = 6.0, 60.0
WIDTH_SAMPLE_ROWS = 1_000

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A carriage return, or an underscore that would start an escape (a CR written after it makes one too).
_OOXML_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}[_\r])|\r")
_OOXML_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: Text openpyxl would write as an error value rather than as text.
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


@dataclass(frozen=True)
class Sheet:
    """One table of an export: a title, the header labels and the rows of values.

    Values may be ``str``, ``int``, ``float``, ``Decimal``, ``bool``, ``None``, ``datetime.date`` or
    ``datetime.datetime``; ``rows`` may be a generator (read once, as it is written). ``widths`` are
    Excel column widths in characters; ``None`` works them out from the header and the first
    1,000 rows (a CJK character counts double), between 6 and 60.
    """

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] | None = None


def safe_text(value: str) -> str:
    r"""``value`` with a leading apostrophe when Excel would read it as a formula (CSV escaping).

    Spaces before the sign do not hide it (some readers trim them).

    >>> [safe_text(v) for v in ["=1+1", "+86 138", "-x", "@SUM(A1)", "\tx", "\rx", "a=b", "李娜", "", " =1+1"]]
    ["'=1+1", "'+86 138", "'-x", "'@SUM(A1)", "'\tx", "'\rx", 'a=b', '李娜', '', "' =1+1"]
    """
    return "'" + value if value.lstrip().startswith(FORMULA_STARTS) or value.startswith(FORMULA_STARTS) else value


def clean_text(value: str) -> str:
    """``value`` without the characters XML cannot hold (controls other than tab, LF, CR; U+FFFE/F).

    >>> clean_text("a\\x00b\\x1bc\\td\\ne\\rf")
    'abc\\td\\ne\\rf'
    """
    return _XML_ILLEGAL.sub("", value)


def ooxml_escape(value: str) -> str:
    r"""``value`` as an OOXML string: ``_xHHHH_`` kept literal, a carriage return as ``_x000D_``.

    >>> ooxml_escape("a\rb _x0041_x0042_ _x0000\r")
    'a_x000D_b _x005F_x0041_x005F_x0042_ _x005F_x0000_x000D_'
    """
    return _OOXML_ESCAPE.sub(lambda m: "_x000D_" if m.group() == "\r" else "_x005F_", value)


def ooxml_unescape(value: str) -> str:
    r"""The text Excel shows for an OOXML string ``value`` (the inverse of :func:`ooxml_escape`).

    >>> ooxml_unescape('a_x000D_b _x005F_x0041_x005F_x0042_')
    'a\rb _x0041_x0042_'
    """
    return _OOXML_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)


def text_width(value: str) -> int:
    """How many Excel characters the longest line of ``value`` takes (CJK and full-width count 2).

    >>> text_width("客户名称"), text_width("abc"), text_width("ab\\n李娜李娜")
    (8, 3, 8)
    """
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in value.split("\n")),
        default=0,
    )


def display(value: Any) -> str:
    """How a value reads as text in a CSV cell and for measuring widths (no escaping here).

    >>> [display(v) for v in [None, True, 3, 2.5, 9e5, Decimal("1.10"), date(2026, 1, 2), datetime(2026, 1, 2, 9, 5)]]
    ['', 'TRUE', '3', '2.5', '900000', '1.10', '2026-01-02', '2026-01-02 09:05']
    """
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 932000.0 reads 932000, as a spreadsheet shows it
    if isinstance(value, datetime):
        seconds = ":%S" if value.second or value.microsecond else ""
        return value.strftime("%Y-%m-%d %H:%M" + seconds)
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value) if isinstance(value, str) else str(value)


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """``title`` made a valid Excel sheet name: no ``[]:*?/\\``, at most 31 characters, not in ``taken``.

    >>> sheet_title("客户/跟进: 2026?"), sheet_title("x" * 40), sheet_title("客户", ["客户"]), sheet_title(" ")
    ('客户 跟进  2026', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', '客户 (2)', 'Sheet')
    """
    base = _SHEET_FORBIDDEN.sub(" ", clean_text(title)).strip().strip("'").strip()[:31] or "Sheet"
    if base.lower() == "history":
        base = "History 1"
    used = {name.lower() for name in taken}
    name, n = base, 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    return name


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _csv_cell(value: Any) -> str:
    """One CSV cell: text escaped and quoted; a number or a date bare (quoted too, should its text ever hold a
    separator, a quote or a line break)."""
    shown = display(value)
    if isinstance(value, str) or any(ch in shown for ch in ',;"\t\r\n'):
        return _quoted(safe_text(shown))
    return shown


def to_csv(sheet: Sheet) -> bytes:
    """``sheet`` as CSV bytes: UTF-8 with a BOM, CRLF rows, every text cell passed through :func:`safe_text`
    and quoted — so no separator inside it (a ``;`` or a tab, where a reader splits on those) can start a
    cell of its own — numbers and dates bare, as Excel reads them.

    >>> to_csv(Sheet("s", ["名称", "=x"], [["=1+1", -5], [None, 2.5], ["x;=1+1", 3]]))
    b'\\xef\\xbb\\xbf"\\xe5\\x90\\x8d\\xe7\\xa7\\xb0","\\'=x"\\r\\n"\\'=1+1",-5\\r\\n,2.5\\r\\n"x;=1+1",3\\r\\n'
    """
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")  # encoded as it goes: no copy of it as str
    text.write(",".join(_quoted(safe_text(clean_text(str(label)))) for label in sheet.columns) + "\r\n")
    for row in sheet.rows:
        text.write(",".join(_csv_cell(value) for value in row) + "\r\n")
    text.flush()
    data = out.getvalue()
    text.detach()
    return data


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """``sheets`` as one XLSX workbook's bytes, a worksheet each, rows streamed (write-only mode).

    Numbers stay numbers, booleans booleans, dates and datetimes are dates formatted ``yyyy-mm-dd``
    and ``yyyy-mm-dd hh:mm`` (a time zone is dropped, the wall-clock time kept); every text cell and
    every header is a string cell, never a formula. The header row is bold and frozen; columns get
    ``sheet.widths`` or widths worked out from the content. Raises ``ValueError`` for no sheets.
    """
    from openpyxl import Workbook  # imported here: only exports pay for it

    if not sheets:
        raise ValueError("an XLSX export needs at least one sheet")
    workbook = Workbook(write_only=True)
    styles = _Styles()
    taken: list[str] = []
    for sheet in sheets:
        taken.append(sheet_title(sheet.title, taken))
        _write_sheet(workbook.create_sheet(taken[-1]), sheet, styles)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Styles:
    """The few styles of an export, made once (openpyxl shares equal styles, but building them costs)."""

    def __init__(self) -> None:
        from openpyxl.styles import Font

        self.bold = Font(bold=True)


def _write_sheet(ws: Any, sheet: Sheet, styles: _Styles) -> None:
    from openpyxl.utils import get_column_letter

    rows = iter(sheet.rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    widths = list(sheet.widths) if sheet.widths is not None else column_widths(sheet.columns, sample)
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([_text_cell(ws, str(label), bold=styles.bold) for label in sheet.columns])
    for row in chain(sample, rows):
        ws.append([_cell(ws, value) for value in row])


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    """Excel widths for ``columns`` from their labels and ``rows``: the widest text + 2, within 6–60.

    >>> column_widths(["名称", "n"], [["李娜", 3], ["x" * 100, 12345]])
    [60.0, 7.0]
    """
    widest = [text_width(str(label)) for label in columns]
    for row in rows:
        for i, value in enumerate(row[: len(widest)]):
            widest[i] = max(widest[i], text_width(display(value)))
    return [min(max(w + 2.0, WIDTH_MIN), WIDTH_MAX) for w in widest]


def _cell(ws: Any, value: Any) -> Any:
    """What ``ws.append`` gets for ``value``: numbers, booleans and most text as they are (openpyxl makes
    plain text a string cell), a cell of its own for text openpyxl would take for a formula (``=…``) or an
    error (``#N/A``), and for dates (their format)."""
    if _missing(value):
        return None
    if isinstance(value, str):
        text = clean_text(value)[:EXCEL_CELL_MAX]
        if text.startswith("=") or text in _ERROR_CODES:
            return _text_cell(ws, text)
        return ooxml_escape(text) or None
    if isinstance(value, date):
        return _date_cell(ws, value)
    if isinstance(value, bool | int | float | Decimal):
        return value
    return _text_cell(ws, str(value))


def _text_cell(ws: Any, value: str, bold: Any = None) -> Any:
    """A string cell holding ``value`` (cleaned, cut, escaped), or ``None`` (no cell) when nothing is left."""
    from openpyxl.cell import WriteOnlyCell

    text = clean_text(value)[:EXCEL_CELL_MAX]
    if not text:
        return None
    cell = WriteOnlyCell(ws, ooxml_escape(text))
    cell.data_type = "s"  # a str starting with "=" was taken for a formula: it is text
    if bold is not None:
        cell.font = bold
    return cell


def _date_cell(ws: Any, value: date) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
    else:
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
    return cell


def _missing(value: Any) -> bool:
    """``None``, a float NaN or infinity, or pandas' NaT (which is a datetime unequal to itself)."""
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    return isinstance(value, date) and value != value  # NaT


def file_name(label: str, day: date, extension: str) -> str:
    """A download's file name: ``label-YYYY-MM-DD.extension`` without what Windows forbids in names.

    >>> file_name("客户", date(2026, 11, 25), "xlsx"), file_name('a/b:c*?"<>|', date(2026, 1, 2), "csv")
    ('客户-2026-11-25.xlsx', 'abc-2026-01-02.csv')
    """
    stem = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "", label).strip().rstrip(".") or "export"
    return f"{stem}-{day.isoformat()}.{extension}"
