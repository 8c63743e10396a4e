"""The three formats a file may be, told apart by its bytes, each read as a stream of raw rows.

Owns everything that touches a parser library: the zip checks made before openpyxl sees an XLSX,
openpyxl in read-only mode, xlrd for XLS, and CSV decoding and delimiter sniffing. Every error of
those libraries leaves here as :class:`~imports.limits.ImportFileError` (see :func:`guarded`).
Rows come as lists of values, one per sheet row from row 1 (an empty row is ``[]``), so the caller
counts rows and columns while streaming and stops at its limits.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

from imports.limits import ImportFileError, Limits

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Files often renamed .xlsx/.csv by mistake, known by their first bytes.
_NOT_SPREADSHEETS = (
    (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"), (b"%PDF", "pdf"), (b"BM", "bmp"),
    (b"{\\rtf", "rtf"), (b"\x1f\x8b", "gzip"), (b"Rar!", "rar"), (b"7z\xbc\xaf", "7z"), (b"PK\x05\x06", "zip"),
    (b"RIFF", "riff"), (b"\x00\x00\x01\x00", "ico"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
)
_MARKUP = re.compile(rb"^\s*<(!doctype|html|\?xml|table|head|body|meta|div|svg)", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t")
_SNIFF_LINES = 30
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_PROLOG_BYTES = 4096
_UNSAFE_XML = re.compile(rb"<!(doctype|entity)", re.IGNORECASE)


def kind(data: bytes) -> str:
    """``"xlsx"``, ``"xls"`` or ``"csv"`` from the first bytes; raises ``not_spreadsheet`` for a known other.

    >>> kind(b"PK\\x03\\x04..."), kind(OLE2_MAGIC + b"..."), kind("客户,电话".encode())
    ('xlsx', 'xls', 'csv')
    """
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    for magic, name in _NOT_SPREADSHEETS:
        if data.startswith(magic):
            raise ImportFileError("not_spreadsheet", format=name)
    if _MARKUP.match(data[:1024].lstrip(b"\xef\xbb\xbf")):
        # An "xls" that is really an HTML table, or SpreadsheetML 2003: not a format we read.
        raise ImportFileError("not_spreadsheet", format="html")
    return "csv"


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn whatever a parser raises into ImportFileError: ``xml_unsafe`` for a DTD or entity (defusedxml),
    ``unreadable`` for the rest. MemoryError is let through: running out of memory is not a bad file."""
    from defusedxml import DefusedXmlException

    try:
        yield
    except (ImportFileError, MemoryError):
        raise
    except DefusedXmlException as error:
        raise ImportFileError("xml_unsafe") from error
    except RecursionError as error:
        raise ImportFileError("unreadable") from error
    except Exception as error:  # any library's idea of a broken file: KeyError, BadZipFile, ValueError …
        raise ImportFileError("unreadable", reason=type(error).__name__) from error


# --- XLSX -------------------------------------------------------------------------------------------


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip that would unpack too big (``zip_bomb``), hold a DTD (``xml_unsafe``), or not be a
    workbook (``not_spreadsheet``) — from its directory and the first bytes of each XML part only,
    before openpyxl parses anything. A member whose directory entry understates its size cannot
    unpack more than stated: ``zipfile`` stops at ``file_size`` and fails the CRC."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise ImportFileError("zip_bomb", members=len(members), limit=limits.max_zip_members)
        total = sum(member.file_size for member in members)
        if total > limits.max_unzipped:
            raise ImportFileError("zip_bomb", unzipped=total, limit=limits.max_unzipped)
        for member in members:
            if member.file_size > limits.ratio_floor and \
                    member.file_size > limits.max_ratio * max(member.compress_size, 1):
                raise ImportFileError("zip_bomb", ratio=round(member.file_size / max(member.compress_size, 1)),
                                      limit=limits.max_ratio)
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names:
            found = "xlsb" if "xl/workbook.bin" in names else "ods" if "content.xml" in names else "zip"
            raise ImportFileError("not_spreadsheet", format=found)
        for member in members:
            if member.filename.endswith((".xml", ".rels", ".vml")) and member.file_size:
                with archive.open(member) as part:
                    if _UNSAFE_XML.search(part.read(_XML_PROLOG_BYTES)):
                        raise ImportFileError("xml_unsafe", part=member.filename)


def _open_xlsx(data: bytes, limits: Limits) -> Any:
    from openpyxl import load_workbook

    check_zip(data, limits)
    with warnings.catch_warnings():  # "no default style", unsupported extensions: nothing for a person
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)


def xlsx_sheet_names(data: bytes, limits: Limits) -> list[str]:
    """The worksheets' names in workbook order (chart sheets left out)."""
    workbook = _open_xlsx(data, limits)
    try:
        return [sheet.title for sheet in workbook.worksheets]
    finally:
        workbook.close()


def xlsx_rows(data: bytes, sheet: str | None, limits: Limits) -> tuple[str, Iterator[list[Any]]]:
    """The sheet's name and its rows, streamed. Raises ``too_many_rows`` at once when the sheet's
    ``<dimension>`` says so; the caller still counts, since a dimension may be missing or wrong."""
    workbook = _open_xlsx(data, limits)
    try:
        worksheet = _pick(workbook.worksheets, sheet)
        if worksheet.max_row is not None and worksheet.max_row > limits.max_rows + HEADER_SEARCH_ROWS:
            raise ImportFileError("too_many_rows", rows=worksheet.max_row, limit=limits.max_rows)
        # Rows padded to a dimension we do not trust could be 16,384 cells wide: pad nothing.
        worksheet.reset_dimensions()
    except BaseException:
        workbook.close()
        raise
    return worksheet.title, _xlsx_stream(workbook, worksheet)


def _xlsx_stream(workbook: Any, worksheet: Any) -> Iterator[list[Any]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row in worksheet.iter_rows(values_only=True):
                yield [_xlsx_value(value) for value in row]
    finally:
        workbook.close()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)  # a time of day or a duration: as text; no column type stores one
    return value


def _pick(sheets: list[Any], name: str | None) -> Any:
    if not sheets:
        raise ImportFileError("empty")
    if name is None:
        return sheets[0]
    for sheet in sheets:
        if sheet.title == name:
            return sheet
    raise ImportFileError("unreadable", sheet=name)


#: How far down a sheet the header row is looked for (title rows above it).
HEADER_SEARCH_ROWS = 20


# --- XLS --------------------------------------------------------------------------------------------


def _open_xls(data: bytes) -> Any:
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as error:
        if "workbook" in str(error).lower():  # an OLE2 file without a workbook: a .doc, .msg, encrypted .xlsx
            raise ImportFileError("not_spreadsheet", format="ole2") from error
        raise


def xls_sheet_names(data: bytes) -> list[str]:
    """The sheets' names of an Excel 97–2003 workbook."""
    book = _open_xls(data)
    try:
        return list(book.sheet_names())
    finally:
        book.release_resources()


def xls_rows(data: bytes, sheet: str | None, limits: Limits) -> tuple[str, Iterator[list[Any]]]:
    """The sheet's name and rows; an XLS sheet is at most 65,536 × 256 and its size is known up front."""
    book = _open_xls(data)
    try:
        names = book.sheet_names()
        if not names:
            raise ImportFileError("empty")
        if sheet is not None and sheet not in names:
            raise ImportFileError("unreadable", sheet=sheet)
        worksheet = book.sheet_by_name(sheet if sheet is not None else names[0])
        if worksheet.nrows > limits.max_rows + HEADER_SEARCH_ROWS:
            raise ImportFileError("too_many_rows", rows=worksheet.nrows, limit=limits.max_rows)
        rows = [[_xls_value(cell, book.datemode) for cell in worksheet.row(r)] for r in range(worksheet.nrows)]
        return worksheet.name, iter(rows)
    finally:
        book.release_resources()


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
        return value.date() if value.time() == dt.time() and cell.value == int(cell.value) else value
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() and abs(cell.value) < 2**53 else cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell.value
    return None  # empty, blank, error


# --- CSV --------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was read in: a BOM's (UTF-8, UTF-16), else UTF-8, else
    GB18030 (which GBK and GB2312 are subsets of), each strictly. Raises ``not_spreadsheet`` for binary
    bytes and ``encoding`` when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        attempts = ("utf-16",)  # Excel's "Unicode text" (tab-separated)
    else:
        if b"\x00" in data[:8192]:
            raise ImportFileError("not_spreadsheet", format="binary")
        attempts = ("utf-8-sig", "gb18030")
    for encoding in attempts:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:10_000]
        if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
            raise ImportFileError("not_spreadsheet", format="binary")
        named = "utf-8" if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else encoding
        return text.removeprefix("\ufeff"), named
    raise ImportFileError("encoding")


def delimiter(text: str) -> str:
    """The delimiter among ``,`` ``;`` and tab that splits the first lines most consistently
    (into the same number of fields, more than one; on a tie the earlier in that list).

    >>> delimiter("名称;电话\\nA公司;138\\n"), delimiter("a\\tb\\tc,d\\n1\\t2\\t3,4\\n"), delimiter("a,b\\n1,2\\n")
    (';', '\\t', ',')
    """
    sample = "\n".join(text.splitlines()[:_SNIFF_LINES])
    best, best_score = ",", (0, 0)
    for candidate in _DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=candidate) if any(row)]
        except csv.Error:
            continue
        if not widths:
            continue
        width, lines = Counter(widths).most_common(1)[0]
        score = (lines, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def csv_rows(text: str) -> Iterator[list[Any]]:
    """The rows of CSV text, empty cells as ``None``, streamed."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    for row in reader:
        yield [cell if cell.strip() else None for cell in row]
