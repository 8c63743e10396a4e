"""Files the import tests read, built in memory: XLSX (openpyxl, or XML crafted) and XLS (BIFF8 by hand).

The other ``test_import_*`` modules import these builders.

No XLS writer is a dependency, so :func:`xls_bytes` writes the few BIFF8 records xlrd needs (BOF,
XF, BOUNDSHEET, LABEL, NUMBER, EOF) into an OLE2 container with one stream, "Workbook".
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook


def xlsx_bytes(rows: Iterable[Sequence[Any]], title: str = "Sheet1", merges: Sequence[str] = (),
               more: dict[str, list[list[Any]]] | None = None) -> bytes:
    """An XLSX with ``rows`` in its first sheet (``merges`` like ``"A1:E1"``), and ``more`` sheets after it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cells in merges:
        sheet.merge_cells(cells)
    for name, extra in (more or {}).items():
        other = workbook.create_sheet(name)
        for row in extra:
            other.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def replace_member(xlsx: bytes, name: str, content: bytes | None, *, level: int = 6,
                   extra: dict[str, bytes] | None = None) -> bytes:
    """``xlsx`` with member ``name`` replaced by ``content`` (``None``: removed), plus ``extra`` members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            if info.filename == name:
                if content is not None:
                    target.writestr(name, content)
            else:
                target.writestr(info.filename, source.read(info.filename))
        for extra_name, extra_content in (extra or {}).items():
            target.writestr(extra_name, extra_content)
    return out.getvalue()


def sheet_xml(rows: Iterable[str], dimension: str | None = None) -> bytes:
    """A worksheet part around ``rows`` (each a ``<row>`` element), with a ``<dimension>`` when given."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    return (head + "<sheetData>" + "".join(rows) + "</sheetData></worksheet>").encode()


def number_rows(count: int, start: int = 1) -> Iterable[str]:
    """``count`` rows of one number cell each, from row ``start``."""
    return (f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(start, start + count))


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _unicode(value: str) -> bytes:
    return struct.pack("<H", len(value)) + b"\x01" + value.encode("utf-16-le")


def xls_bytes(rows: Sequence[Sequence[Any]], sheet: str = "Sheet1") -> bytes:
    """A minimal Excel 97–2003 workbook holding ``rows`` of text, numbers and dates."""
    bof_globals = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6)
    general = struct.pack("<HHHBBBBIiH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    as_date = struct.pack("<HHHBBBBIiH", 0, 14, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)  # built-in format 14: a date
    head = (_record(0x0809, bof_globals) + _record(0x0042, struct.pack("<H", 1200))
            + _record(0x0022, struct.pack("<H", 0)) + _record(0x00E0, general) + _record(0x00E0, as_date))
    name = b"\x00\x00" + struct.pack("<B", len(sheet)) + b"\x01" + sheet.encode("utf-16-le")
    sheet_at = len(head) + 4 + 4 + len(name) + 4
    stream = head + _record(0x0085, struct.pack("<I", sheet_at) + name) + _record(0x000A)
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                cells += _record(0x0204, struct.pack("<HHH", r, c, 0) + _unicode(value))
            elif isinstance(value, dt.date):
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 1, (value - dt.date(1899, 12, 30)).days))
            elif value is not None:
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, value))
    width = max((len(r) for r in rows), default=0)
    stream += (_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
               + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0)) + cells + _record(0x000A))
    # At least 4096 bytes, whole sectors: the stream lives in regular sectors, no mini stream needed.
    stream += b"\x00" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))
    return _ole2(stream)


def _ole2(stream: bytes) -> bytes:
    sectors = len(stream) // 512
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    fat = [0xFFFFFFFD] + [i + 2 for i in range(sectors - 1)] + [end, end]  # FAT, the stream's chain, directory
    fat += [free] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<9I", 0, 1, sectors + 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le") if name else b""
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1) + struct.pack("<iii", -1, -1, child)
                + b"\x00" * 36 + struct.pack("<iI", start, size) + b"\x00" * 4)

    directory = entry("Root Entry", 5, 1, -2, 0) + entry("Workbook", 2, -1, 1, len(stream)) + entry("", 0, -1, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + stream + directory


def test_the_hand_made_xls_is_read_by_xlrd_with_its_text_numbers_and_dates():
    import xlrd

    book = xlrd.open_workbook(file_contents=xls_bytes([["名称", 1.5, dt.date(2026, 11, 8)]], "客户"))
    sheet = book.sheet_by_index(0)
    assert (book.sheet_names(), sheet.row_values(0)[:2], sheet.cell_type(0, 2)) == (["客户"], ["名称", 1.5],
                                                                                      xlrd.XL_CELL_DATE)
