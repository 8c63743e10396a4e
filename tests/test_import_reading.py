"""Reading uploaded files: formats told by their bytes, header rows below titles, and every bad file refused
quickly with its own code — never another exception (fuzzed)."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports import ImportFileError, Limits, RawTable, normalize, read, sheet_names, suggest
from schema.crm import CUSTOMERS, FOLLOW_UPS
from tests.test_import_files import number_rows, replace_member, sheet_xml, xls_bytes, xlsx_bytes

HEADERS = ["客户名称", "联系人", "联系电话"]
ROW = ["上海明达机械有限公司", "王芳", "13800138000"]


def csv_text(*rows: list[str], delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in rows)


def refusal(data: bytes, name: str = "file.xlsx", limits: Limits | None = None) -> tuple[str, float]:
    """The code a file is refused with, and the seconds it took."""
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as refused:
        read(data, name, limits=limits)
    return refused.value.code, time.perf_counter() - started


# --- formats ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "encoding"), [
    (csv_text(HEADERS, ROW).encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + csv_text(HEADERS, ROW).encode("utf-8"), "utf-8-sig"),
    (csv_text(HEADERS, ROW).encode("gbk"), "gb18030"),
    (csv_text(HEADERS, ROW).encode("gb18030"), "gb18030"),
    (csv_text(HEADERS, ROW, delimiter="\t").encode("utf-16"), "utf-16"),
], ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16-excel-unicode-text"])
def test_a_csv_is_read_in_the_encoding_it_was_written_in(data, encoding):
    assert read(data, "客户.csv") == RawTable("CSV", 1, HEADERS, [ROW], [2], encoding)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_csv_delimiter_is_sniffed_among_comma_semicolon_and_tab(delimiter):
    data = csv_text(HEADERS, ROW, ["B公司", "李四, 经理", "021-62345678"] if delimiter != "," else
                    ["B公司", '"李四, 经理"', "021-62345678"], delimiter=delimiter).encode()
    assert read(data, "a.csv").rows == [ROW, ["B公司", "李四, 经理", "021-62345678"]]


def test_an_xlsx_keeps_numbers_and_dates_as_values():
    data = xlsx_bytes([["客户名称", "成交金额", "成交日期"], ["A公司", 125000, dt.datetime(2026, 11, 8)]])
    assert read(data, "a.xlsx") == RawTable("Sheet1", 1, ["客户名称", "成交金额", "成交日期"],
                                            [["A公司", 125000, dt.datetime(2026, 11, 8)]], [2])


def test_an_xls_is_read_with_whole_numbers_as_ints_and_dates_as_dates():
    data = xls_bytes([["客户名称", "联系电话", "成交日期", "成交金额"],
                      ["A公司", 13800138000, dt.date(2026, 11, 8), 12.5]], "客户")
    assert read(data, "old.xls") == RawTable("客户", 1, ["客户名称", "联系电话", "成交日期", "成交金额"],
                                             [["A公司", 13800138000, dt.date(2026, 11, 8), 12.5]], [2])


@pytest.mark.parametrize(("data", "name"), [
    (csv_text(HEADERS, ROW).encode(), "renamed.xlsx"),
    (xlsx_bytes([HEADERS, ROW]), "renamed.csv"),
    (xls_bytes([HEADERS, ROW]), "no extension"),
])
def test_the_format_is_told_by_the_bytes_not_the_name(data, name):
    assert read(data, name).rows == [ROW]


def test_sheet_names_lists_every_worksheet_in_order_and_csv_is_one_sheet():
    data = xlsx_bytes([HEADERS, ROW], "客户", more={"跟进": [["客户", "跟进时间"], ["A", "2026-11-08"]]})
    assert (sheet_names(data, "a.xlsx"), sheet_names(xls_bytes([HEADERS], "表1"), "a.xls"),
            sheet_names(csv_text(HEADERS).encode(), "a.csv")) == (["客户", "跟进"], ["表1"], ["CSV"])


def test_the_first_sheet_is_read_unless_another_is_named():
    data = xlsx_bytes([HEADERS, ROW], "客户", more={"跟进": [["客户", "跟进时间"], ["A公司", "2026-11-08"]]})
    assert read(data, "a.xlsx").sheet == "客户"
    assert read(data, "a.xlsx", sheet="跟进").rows == [["A公司", "2026-11-08"]]
    with pytest.raises(ImportFileError) as refused:
        read(data, "a.xlsx", sheet="没有这个表")
    assert (refused.value.code, refused.value.details) == ("unreadable", {"sheet": "没有这个表"})


# --- header rows ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "merges", "header_row", "headers"), [
    ([HEADERS, ROW], [], 1, HEADERS),
    ([["2026年客户名单"], [], HEADERS, ROW], ["A1:C1"], 3, HEADERS),
    ([["2026年客户名单"], ["制表：销售部", "日期：2026-11-08"], HEADERS, ROW], ["A1:C1"], 3, HEADERS),
    ([["Customer list 2026"], [], ["Company", "Contact", "Mobile"], ROW], [], 3, ["Company", "Contact", "Mobile"]),
    ([["2026年客户名单"], ["客户名称", "联系人信息"], [None, "姓名", "手机"], ROW], ["A1:C1", "A2:A3", "B2:C2"], 3,
     ["客户名称", "姓名", "手机"]),
    ([["名单"], ["甲", "乙", "丙"], ["x", "y", "z"], ["1", "2", "3"]], [], 2, ["甲", "乙", "丙"]),
], ids=["first-row", "under-a-merged-title", "under-a-subtitle", "english-under-a-title",
        "merged-group-header-over-its-columns", "nothing-known-most-text-cells"])
def test_the_header_row_is_found_below_title_rows(rows, merges, header_row, headers):
    table = read(xlsx_bytes(rows, merges=merges), "a.xlsx")
    assert (table.header_row, table.headers) == (header_row, headers)


def test_the_merged_group_header_maps_its_lower_labels():
    rows = [["客户名称", "联系人信息", None, "地区"], [None, "姓名", "手机", None],
            ["A公司", "张三", "13800138000", "上海"]]
    table = read(xlsx_bytes(rows, merges=["A1:A2", "B1:C1", "D1:D2"]), "a.xlsx")
    assert (table.header_row, suggest(table.headers, CUSTOMERS)) == (2, ["name", "contact", "phone", "region"])


def test_empty_rows_are_dropped_and_rows_keep_their_sheet_numbers():
    rows = [["客户名单"], HEADERS, ROW, [], [None, "  "], ["B公司", None, None], HEADERS, ["C公司"]]
    table = read(xlsx_bytes(rows), "a.xlsx")
    assert (table.rows, table.row_numbers) == ([ROW, ["B公司", None, None], ["C公司", None, None]], [3, 6, 8])


def test_cells_beyond_the_headers_are_kept_under_empty_headers():
    table = read(csv_text(HEADERS, [*ROW, "多出来的"]).encode(), "a.csv")
    assert (table.headers, table.rows) == ([*HEADERS, ""], [[*ROW, "多出来的"]])


def test_follow_up_headers_are_found_with_the_follow_ups_table():
    data = csv_text(["跟进记录导出"], ["客户名称", "跟进日期", "方式", "内容"],
                    ["A公司", "2026/11/8", "电话", "聊了需求"]).encode()
    table = read(data, "a.csv", table=FOLLOW_UPS)
    assert (table.header_row, suggest(table.headers, FOLLOW_UPS)) == (2, ["customer_id", "time", "method", "content"])


# --- bad input ----------------------------------------------------------------------------------------

def _zip_with(extra: dict[str, bytes]) -> bytes:
    return replace_member(xlsx_bytes([HEADERS, ROW]), "", None, level=9, extra=extra)


def _zeros_member(size: int) -> bytes:
    """An XLSX with an extra member of ``size`` zero bytes (compressed about a thousandfold)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADERS, ROW]))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/media/padding.bin", "w", force_zip64=True) as padding:
            chunk = b"\0" * (1 << 22)
            for _ in range(size // len(chunk)):
                padding.write(chunk)
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
HIDDEN_LAUGHS = LAUGHS.replace(b"?>\n", b"?>\n<!--" + b" " * 6000 + b"-->", 1)  # past the first 4 KB


@pytest.fixture(scope="module")
def bad_files() -> dict[str, tuple[bytes, str, Limits | None]]:
    """Every bad file, built once: (bytes, name, limits)."""
    sheet = "xl/worksheets/sheet1.xml"
    base = xlsx_bytes([HEADERS, ROW])
    million = "客户名称,联系电话\r\n" + "A公司,13800138000\r\n" * 1_000_000
    return {
        "too_big": (csv_text(HEADERS, ROW).encode() * 50, "a.csv", Limits(max_bytes=1000)),
        "empty": (b"", "a.xlsx", None),
        "empty_bom": (b"\xef\xbb\xbf \r\n", "a.csv", None),
        "empty_sheet": (xlsx_bytes([]), "a.xlsx", None),
        "no_rows": (csv_text(HEADERS).encode(), "a.csv", None),
        "no_rows_xlsx": (xlsx_bytes([["2026年客户名单"], HEADERS]), "a.xlsx", None),
        "png": (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "photo.xlsx", None),
        "pdf": (b"%PDF-1.7\n" + os.urandom(2000), "scan.xlsx", None),
        "html": (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", "export.xls", None),
        "random": (os.urandom(20_000), "random.xlsx", None),
        "docx": (replace_member(base, "xl/workbook.xml", None, extra={"word/document.xml": b"<w/>"}), "a.xlsx",
                 None),
        "truncated_xlsx": (base[: len(base) // 2], "a.xlsx", None),
        "corrupt_xls": (xls_bytes([HEADERS, ROW])[:1500], "a.xls", None),
        "zip_bomb_unzipped": (_zeros_member(600 * 2**20), "bomb.xlsx", None),
        "zip_bomb_ratio": (_zeros_member(64 * 2**20), "bomb.xlsx", None),
        "xml_bomb": (replace_member(base, sheet, LAUGHS), "lol.xlsx", None),
        "xml_bomb_hidden": (replace_member(base, sheet, HIDDEN_LAUGHS), "lol.xlsx", None),
        "million_rows_csv": (million.encode(), "a.csv", None),
        "million_rows_xlsx": (replace_member(base, sheet, sheet_xml(number_rows(1_000_000))), "a.xlsx", None),
        "million_rows_xlsx_dimension": (replace_member(base, sheet, sheet_xml(number_rows(1_000_000), "A1:A1000000")),
                                        "a.xlsx", None),
        "row_a_billion_down": (replace_member(base, sheet, sheet_xml([
            '<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c><c r="B1" t="inlineStr"><is><t>联系人</t>'
            '</is></c></row>', '<row r="1000000000"><c r="A1000000000"><v>1</v></c></row>'])), "a.xlsx", None),
        "ten_thousand_columns_csv": ((",".join(f"列{i}" for i in range(10_000)) + "\r\n1,2\r\n").encode(), "a.csv",
                                     None),
        "ten_thousand_columns_xlsx": (xlsx_bytes([[f"列{i}" for i in range(10_000)], [1, 2]]), "a.xlsx", None),
        "encoding": ("Name,City\r\nCafé Zoë,Besançon\r\n".encode("cp1252"), "a.csv", None),
        "million_rows_xlsx_dashed_prefix": (replace_member(base, sheet, _prefixed_rows(1_000_000, "x-y.z")), "a.xlsx",
                                            None),
        "million_cells_in_a_row": (replace_member(base, sheet, sheet_xml(
            ['<row r="1">' + "".join(f"<c><v>{i}</v></c>" for i in range(1_000_000)) + "</row>"])), "a.xlsx", None),
        "million_empty_cells_in_a_row": (replace_member(base, sheet, sheet_xml(
            ['<row r="1">' + "".join(f'<c s="{i}"/>' for i in range(1_000_000)) + "</row>"])), "a.xlsx", None),
        "two_million_shared_strings": (_with_shared_strings(base, 2_000_000), "a.xlsx", None),
        "unclosed_quote_csv": (('客户名称,联系电话\r\n"A公司,1\r\n' + "B公司,2\r\n" * 10).encode(), "a.csv", None),
    }


def _prefixed_rows(count: int, prefix: str) -> bytes:
    """A worksheet whose elements carry a namespace prefix (any XML name: ``x-y.z:row``)."""
    p = prefix
    rows = "".join(f'<{p}:row r="{r}"><{p}:c r="A{r}"><{p}:v>{r}</{p}:v></{p}:c></{p}:row>'
                   for r in range(1, count + 1))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return (f'<?xml version="1.0" encoding="UTF-8"?><{prefix}:worksheet xmlns:{prefix}="{main}"><{prefix}:sheetData>'
            f"{rows}</{prefix}:sheetData></{prefix}:worksheet>").encode()


def _with_shared_strings(xlsx: bytes, count: int) -> bytes:
    """``xlsx`` with a shared-strings part of ``count`` strings that no cell uses, declared so openpyxl loads it."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        types = source.read("[Content_Types].xml").decode()
        rels = source.read("xl/_rels/workbook.xml.rels").decode()
    if "sharedStrings" not in types:
        types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        rels = rels.replace("</Relationships>", '<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://'
                            'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    strings = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
               '2006/main">' + "".join(f"<si><t>{i}</t></si>" for i in range(count)) + "</sst>").encode()
    out = replace_member(xlsx, "[Content_Types].xml", types.encode())
    out = replace_member(out, "xl/_rels/workbook.xml.rels", rels.encode())
    return replace_member(out, "xl/sharedStrings.xml", None, extra={"xl/sharedStrings.xml": strings})


@pytest.mark.parametrize(("case", "codes"), [
    ("too_big", {"too_big"}), ("empty", {"empty"}), ("empty_bom", {"empty"}), ("empty_sheet", {"empty"}),
    ("no_rows", {"no_rows"}), ("no_rows_xlsx", {"no_rows"}),
    ("png", {"not_spreadsheet"}), ("pdf", {"not_spreadsheet"}), ("html", {"not_spreadsheet"}),
    ("random", {"not_spreadsheet", "unreadable"}), ("docx", {"not_spreadsheet"}),
    ("truncated_xlsx", {"unreadable"}), ("corrupt_xls", {"unreadable"}),
    ("zip_bomb_unzipped", {"zip_bomb"}), ("zip_bomb_ratio", {"zip_bomb"}),
    ("xml_bomb", {"xml_unsafe"}), ("xml_bomb_hidden", {"xml_unsafe"}),
    ("million_rows_csv", {"too_many_rows"}), ("million_rows_xlsx", {"too_many_rows"}),
    ("million_rows_xlsx_dimension", {"too_many_rows"}), ("row_a_billion_down", {"too_many_rows"}),
    ("ten_thousand_columns_csv", {"too_many_columns"}), ("ten_thousand_columns_xlsx", {"too_many_columns"}),
    ("encoding", {"encoding"}),
    ("million_rows_xlsx_dashed_prefix", {"too_many_rows"}), ("million_cells_in_a_row", {"too_many_columns"}),
    ("million_empty_cells_in_a_row", {"too_many_columns"}), ("two_million_shared_strings", {"zip_bomb"}),
    ("unclosed_quote_csv", {"unreadable"}),
])
def test_a_bad_file_is_refused_quickly_with_its_own_code(bad_files, case, codes):
    data, name, limits = bad_files[case]
    code, seconds = refusal(data, name, limits)
    assert code in codes
    assert seconds < 3, f"{case} took {seconds:.2f} s"


def test_the_size_limit_comes_from_genjin_max_import_mb(monkeypatch):
    monkeypatch.setenv("GENJIN_MAX_IMPORT_MB", "0.001")
    with pytest.raises(ImportFileError) as refused:
        read(csv_text(HEADERS, ROW).encode() * 100, "a.csv")
    assert (refused.value.code, refused.value.details["limit"], refused.value.details["limit_mb"]) == \
        ("too_big", 1048, 0.0)
    monkeypatch.setenv("GENJIN_MAX_IMPORT_MB", "not a number")
    assert Limits().max_bytes == 50 * 2**20


def test_openpyxl_parses_with_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_a_row_and_column_limit_is_exact():
    data = csv_text(["a", "b"], *[["1", "2"]] * 5).encode()
    assert len(read(data, "a.csv", limits=Limits(max_rows=5)).rows) == 5
    assert refusal(data, "a.csv", Limits(max_rows=4))[0] == "too_many_rows"
    assert refusal(data, "a.csv", Limits(max_columns=1))[0] == "too_many_columns"


# --- fuzzing ------------------------------------------------------------------------------------------

VALID = [xlsx_bytes([["2026年客户名单"], HEADERS, ROW, ["B公司", "李四", 13900139000]], merges=["A1:C1"]),
         csv_text(HEADERS, ROW).encode("gbk"), xls_bytes([HEADERS, ROW])]
NAMES = st.sampled_from(["a.xlsx", "a.xls", "a.csv", "客户.XLSX", "", "noext", "../../etc/passwd", "a.xlsx.exe"])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at: at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            del data[at:]
        if not data:
            break
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=3000), mutated()), name=NAMES)
def test_any_bytes_give_a_table_or_an_import_file_error_never_another_exception(data, name):
    for call in (lambda: sheet_names(data, name), lambda: read(data, name)):
        try:
            call()
        except ImportFileError as error:
            assert error.code in {"too_big", "empty", "no_rows", "not_spreadsheet", "unreadable", "too_many_rows",
                                  "too_many_columns", "zip_bomb", "xml_unsafe", "encoding"}


# --- a real-looking messy workbook --------------------------------------------------------------------


def test_a_messy_workbook_is_read_and_normalized_as_a_person_meant_it():
    """Title rows, a merged group header, Chinese dates, 万 amounts, a duplicate company, a bad phone, and two
    hyperlinks: one typed as text (kept as the text ``=HYPERLINK(…)``), one a real formula — openpyxl writes no
    cached value for it, and with ``data_only=True`` a formula without one reads as ``None``, so the cell is
    empty. (A workbook saved by Excel carries the cached value, the link's shown text ``y``.)"""
    rows = [
        ["2026年客户名单", None, None, None, None, None, None],
        ["制表：华东销售部", None, None, None, None, "导出日期：2026-11-22", None],
        ["客户名称*", "联系人信息", None, "预计成交金额（元）", "成交日期", "来源", "备注"],
        [None, "姓名", "手机", None, None, None, None],
        ["上海明达机械有限公司", "王芳", "+86 138-0013-8000", "12.5万", "2026年11月8日", "展会", "老客户"],
        ["杭州云帆科技", "李强", "1390013900", "¥1,200,000元", "2026/11/9", "Website form", "=HYPERLINK(\"http://x\",\"y\")"],
        [None, None, None, None, None, None, None],
        ["上海明达机械有限公司", "王芳", "(021) 6234-5678 转 801", "1.2亿", 46335, "转介绍", "=HYPERLINK(\"http://x\",\"y\")"],
    ]
    workbook_bytes = xlsx_bytes(rows, "客户", merges=["A1:G1", "A3:A4", "B3:C3", "D3:D4", "E3:E4", "F3:F4", "G3:G4"])
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(workbook_bytes))
    book["客户"]["G6"].data_type = "s"  # openpyxl took every "=…" for a formula: the first one is text
    out = io.BytesIO()
    book.save(out)
    table = read(out.getvalue(), "客户名单.xlsx")
    mapping = suggest(table.headers, CUSTOMERS)
    assert (table.header_row, table.row_numbers) == (4, [5, 6, 8])
    assert mapping == ["name", "contact", "phone", "expected_amount", "won_on", "source", "notes"]
    normalized = [[normalize(value, CUSTOMERS.column(name)) for value, name in zip(row, mapping, strict=True)]
                  for row in table.rows]
    assert normalized == [
        ["上海明达机械有限公司", "王芳", "13800138000", 125000, dt.date(2026, 11, 8), "expo", "老客户"],
        ["杭州云帆科技", "李强", "1390013900", 1200000, dt.date(2026, 11, 9), "website", '=HYPERLINK("http://x","y")'],
        ["上海明达机械有限公司", "王芳", "021-62345678-801", 120000000, dt.date(2026, 11, 9), "referral", None],
    ]


# --- what the reviews found ---------------------------------------------------------------------------


def test_col_elements_are_not_cells_and_a_row_may_hold_as_many_cells_as_the_column_limit():
    cols = "<cols>" + "".join(f'<col min="{i}" max="{i}" width="9"/>' for i in range(1, 400)) + "</cols>"
    cells = "".join(f'<c r="{_letters(i)}1" t="inlineStr"><is><t>列{i}</t></is></c>' for i in range(1, 201))
    xml = sheet_xml([f'<row r="1">{cells}</row>', '<row r="2"><c r="A2"><v>1</v></c></row>']).replace(
        b"<sheetData>", cols.encode() + b"<sheetData>")
    table = read(replace_member(xlsx_bytes([HEADERS, ROW]), "xl/worksheets/sheet1.xml", xml), "a.xlsx")
    assert (len(table.headers), table.rows[0][:2]) == (200, [1, None])


def test_a_row_of_more_cells_than_the_column_limit_is_refused_before_openpyxl_even_empty_ones():
    row = '<row r="1">' + '<c r="A1" t="inlineStr"><is><t>客户名称</t></is></c>' + "<c/>" * 200 + "</row>"
    data = replace_member(xlsx_bytes([HEADERS, ROW]), "xl/worksheets/sheet1.xml", sheet_xml([row]))
    with pytest.raises(ImportFileError) as refused:
        read(data, "a.xlsx")
    assert (refused.value.code, refused.value.details) == ("too_many_columns", {"columns": 201, "limit": 200})


def test_shared_strings_no_cell_uses_are_read_up_to_ten_thousand_more_than_the_cells():
    assert read(_with_shared_strings(xlsx_bytes([HEADERS, ROW]), 10_000), "a.xlsx").rows == [ROW]
    assert refusal(_with_shared_strings(xlsx_bytes([HEADERS, ROW]), 10_010))[0] == "zip_bomb"


def test_an_empty_cell_far_to_the_right_does_not_make_every_row_16384_cells_wide():
    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c><c r="B1" t="inlineStr"><is><t>联系人'
            '</t></is></c></row>'] + [f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="XFD{r}" s="0"/></row>'
                                      for r in range(2, 2002)]
    data = replace_member(xlsx_bytes([HEADERS, ROW]), "xl/worksheets/sheet1.xml", sheet_xml(rows))
    started = time.perf_counter()
    table = read(data, "a.xlsx")
    assert (len(table.rows), table.headers) == (2000, ["客户名称", "联系人"])
    assert time.perf_counter() - started < 3
    far_value = sheet_xml([rows[0], '<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>2</v></c></row>'])
    assert refusal(replace_member(data, "xl/worksheets/sheet1.xml", far_value))[0] == "too_many_columns"


def _letters(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def test_a_number_formatted_as_a_percent_reads_as_the_percent_shown_and_a_percent_column_takes_it():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["客户名称", "赢率", "赢率", "赢率", "赢率", "备注"])
    sheet.append(["A公司", 1.0, 0.35, 0.355, 0.35, 35])
    for cell in ("B2", "C2", "D2"):
        sheet[cell].number_format = "0%"
    sheet["F2"].number_format = '0"%"'  # a literal %: the number is what it shows
    out = io.BytesIO()
    book.save(out)
    row = read(out.getvalue(), "a.xlsx").rows[0]
    assert row == ["A公司", "100%", "35%", "35.5%", 0.35, 35]
    assert [normalize(value, CUSTOMERS.column("win_rate")) for value in row[1:5]] == [100, 35, 35.5, 35]


@pytest.mark.parametrize(("text", "line"), [
    ('客户名称,联系电话\r\n"A公司,1\r\nB公司,2\r\nC公司,3\r\n', 4),
    ('客户名称,联系电话\r\n"A公司" 分部,1\r\nB公司,2\r\n', 2),
    ('客户名称,联系电话\r\nA公司,1\r\n"B公司,2\r\nC公司,"备注"\r\n', 4),
], ids=["never-closed", "text-after-the-closing-quote", "closed-by-a-later-cell's-quote"])
def test_a_csv_quote_left_open_is_refused_with_its_line_not_swallowing_the_rows_after_it(text, line):
    with pytest.raises(ImportFileError) as refused:
        read(text.encode(), "a.csv")
    assert (refused.value.code, refused.value.details) == ("unreadable", {"reason": "csv", "line": line})


def test_a_quoted_csv_cell_keeps_its_line_breaks_and_delimiters_and_a_bare_quote_is_text():
    text = '客户名称,联系电话,备注\r\nA公司,1,"第一行\r\n第二行, 还有逗号"\r\nB公司,2,显示器 27"\r\n'
    assert read(text.encode(), "a.csv").rows == [["A公司", "1", "第一行\r\n第二行, 还有逗号"],
                                                 ["B公司", "2", '显示器 27"']]
