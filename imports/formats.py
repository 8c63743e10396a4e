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
import functools
import io
import operator
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
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
#: The tags the pre-scan counts, each as one letter: ``r`` a row, ``c`` a cell (not ``<col>``/``<cols>``),
#: ``s`` a shared string (``<si>``); with any namespace prefix (``<x:row>``, ``<x-y.z:c>``). A match starts at
#: a ``<`` and holds no other, so a chunk cut before its last ``<`` splits no tag.
_TAG = re.compile(rb"<(?:[^\s<>/:]+:)?(r(?=ow[\s/>])|c(?=[\s/>])|s(?=i[\s/>]))")
_SCAN_CHUNK = 1 << 20
_TAG_ROOM = 4096  # a cut-off tail longer than this after its "<" is no tag's name: scanned as it is
#: Shared strings allowed beyond the number of cells: a workbook cannot show more distinct strings than it
#: has cells; writers that keep a few unused ones stay well under this.
SHARED_STRINGS_SLACK = 10_000


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
        if _caused_by(error, DefusedXmlException):  # openpyxl rewraps what it meets in a ValueError
            raise ImportFileError("xml_unsafe") from error
        raise ImportFileError("unreadable", reason=type(error).__name__) from error


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


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
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        prescan(archive, limits)
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
    return worksheet.title, _xlsx_stream(workbook, worksheet, limits.max_columns)


def prescan(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse, from the raw XML, what would make openpyxl work long before a count of ours could stop it:
    a part with more ``<row>`` elements than the row limit allows (``too_many_rows``), a row with more
    ``<c>`` cells than the column limit (``too_many_columns``; empty cells count too, each costs openpyxl
    as much to parse), and more shared strings (``<si>``) than the workbook has cells plus
    :data:`SHARED_STRINGS_SLACK` (``zip_bomb``: openpyxl loads every one when it opens the workbook, about
    10 µs and 200 bytes each, however few cells use them).

    openpyxl parses every worksheet without a ``<dimension>`` to its end while merely opening the
    workbook, at about 12 µs a row, then reads at about 85 µs a row (pure Python, no lxml): a
    million-row sheet would cost half a minute before any count of ours could stop it. Every member
    is scanned, whatever its name (openpyxl finds parts through the relationships, not by name),
    streamed a chunk at a time. A miscount is harmless: rows and columns are counted again while read.
    """
    cells = strings = 0
    for member in archive.infolist():
        if member.is_dir() or not member.file_size:
            continue
        found_cells, found_strings = _scan(archive, member, limits)
        cells, strings = cells + found_cells, strings + found_strings
    if strings > cells + SHARED_STRINGS_SLACK:
        raise ImportFileError("zip_bomb", shared_strings=strings, limit=cells + SHARED_STRINGS_SLACK)


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> tuple[int, int]:
    """The cells and shared strings in ``member``; raises at once when its rows or a row's cells pass a limit."""
    row_limit = limits.max_rows + HEADER_SEARCH_ROWS
    rows = cells = strings = run = 0  # run: the cells so far of the row the last chunk ended in
    for letters in _tag_letters(archive, member):
        counts = [part.count(b"c") for part in letters.split(b"r")]  # the first continues the row before
        counts[0] += run
        widest = max(counts)
        if widest > limits.max_columns:
            raise ImportFileError("too_many_columns", columns=widest, limit=limits.max_columns)
        rows += len(counts) - 1
        if rows > row_limit:
            raise ImportFileError("too_many_rows", rows=rows, limit=limits.max_rows)
        run = counts[-1]
        cells += letters.count(b"c")
        strings += letters.count(b"s")
    return cells, strings


def _tag_letters(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The letters of :data:`_TAG` in ``member`` in order, a chunk at a time (memory stays a chunk)."""
    carry = b""
    with archive.open(member) as source:
        while True:
            chunk = source.read(_SCAN_CHUNK)
            buffer = carry + chunk
            cut = buffer.rfind(b"<") if chunk else -1
            if cut < 0 or len(buffer) - cut > _TAG_ROOM:
                cut = len(buffer)
            yield b"".join(_TAG.findall(buffer, 0, cut))
            carry = buffer[cut:]
            if not chunk:
                return


def _xlsx_stream(workbook: Any, worksheet: Any, max_columns: int) -> Iterator[list[Any]]:
    """The sheet's rows as lists of values. openpyxl pads a row to its last cell's column, so one empty
    cell at ``XFD7`` makes a row of 16,384: such a row is cut at ``max_columns`` (in C, without looking at
    each padding cell) when no cell past it holds a value; one that does stays whole, for the caller to
    refuse as too wide."""
    from openpyxl.cell.read_only import EMPTY_CELL

    real = functools.partial(operator.is_not, EMPTY_CELL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row in worksheet.iter_rows():
                if len(row) > max_columns and all(cell.value is None for cell in filter(real, row[max_columns:])):
                    row = row[:max_columns]
                yield [_xlsx_value(cell) for cell in row]
    finally:
        workbook.close()


def _xlsx_value(cell: Any) -> Any:
    """A cell's value as the file shows it: a number formatted as a percent as text (``"35%"``), a time of
    day or a duration as text (no column type stores one), anything else as it is."""
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _is_percent(cell.number_format):
        return percent_text(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    return value


@functools.lru_cache(maxsize=256)
def _is_percent(number_format: str | None) -> bool:
    """Whether a number format shows its number times 100 with ``%`` (``0%``, ``0.0%``; not ``0"%"`` or ``0\\%``).

    >>> [_is_percent(f) for f in ["0%", "0.00%", "#,##0.0%;[Red]-0.0%", '0"%"', "0\\\\%", "General", None]]
    [True, True, True, False, False, False, False]
    """
    return bool(number_format) and "%" in _QUOTED.sub("", number_format)


_QUOTED = re.compile(r'"[^"]*"|\\.')


def percent_text(number: float) -> str:
    """A fraction as the percent a cell formatted ``0%`` shows, without rounding: 1.0 → ``100%``, 0.355 → ``35.5%``.

    >>> percent_text(1.0), percent_text(0.35), percent_text(0.355), percent_text(2), percent_text(-0.05)
    ('100%', '35%', '35.5%', '200%', '-5%')
    """
    return f"{(Decimal(str(number)) * 100).normalize():f}%"


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
    """The rows of CSV text, empty cells as ``None``, streamed. Quotes are read strictly: a quoted cell
    never closed (``"A公司,1`` … to the end of the file) or text after a closing quote (``"A" B``) raises
    ``unreadable`` with the line it was noticed on, instead of one cell silently swallowing the rows after
    it. A quoted cell holding line breaks or delimiters (``"第一行\n第二行"``) reads as one cell."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text), strict=True)
    try:
        for row in reader:
            yield [cell if cell.strip() else None for cell in row]
    except csv.Error as error:
        raise ImportFileError("unreadable", reason="csv", line=reader.line_num) from error
