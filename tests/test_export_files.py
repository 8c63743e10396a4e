"""Export files (exports/): CSV with a BOM and XLSX with types and widths, and no formula ever leaves."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from exports import Sheet, clean_text, file_name, safe_text, sheet_title, sheets, to_csv, to_xlsx
from exports.sheets import EXCEL_CELL_MAX, FORMULA_STARTS, ooxml_unescape

BOM = b"\xef\xbb\xbf"


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def read_xlsx(data: bytes, sheet: int = 0):
    return load_workbook(io.BytesIO(data)).worksheets[sheet]


def formulas_in(data: bytes) -> list[str]:
    """Every <f> element of every worksheet of an XLSX file."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [match for name in archive.namelist() if name.startswith("xl/worksheets/")
                for match in re.findall(r"<f[ >/]", archive.read(name).decode("utf-8"))]


# --- the property: any text, both formats ------------------------------------------------------

starts = st.sampled_from(FORMULA_STARTS)
texts = st.one_of(
    st.text(),
    st.builds(str.__add__, starts, st.text()),  # =1+1, +86 …, -x, @SUM, a tab, a carriage return first
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)),  # CJK
    st.text(alphabet=st.characters(max_codepoint=0x1F)),  # control characters XML forbids
    st.lists(st.sampled_from(["_x", "000D", "0041", "_", "x005F", "\r", "\n", " ", "=", "李"])).map("".join),  # _xHHHH_
    st.sampled_from(["#N/A", "#DIV/0!", "#REF!", "#NAME?", "#VALUE!", "#NUM!", "#NULL!", "TRUE", "1e5", "0012"]),
)
tables = st.tuples(st.lists(texts, min_size=1, max_size=4), st.integers(0, 4)).flatmap(
    lambda shape: st.tuples(st.just(shape[0]), st.lists(st.lists(texts, min_size=len(shape[0]),
                                                                  max_size=len(shape[0])), max_size=shape[1])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_any_text_round_trips_through_csv_and_never_reads_as_a_formula(table):
    header, rows = table
    read = read_csv(to_csv(Sheet("s", header, rows)))
    assert len(read) == 1 + len(rows)
    for written, cells in zip([header, *rows], read, strict=True):
        for value, cell in zip(written, cells, strict=True):
            kept = clean_text(value)
            assert not cell.startswith(FORMULA_STARTS)
            formula_like = kept.startswith(FORMULA_STARTS) or kept.lstrip().startswith(FORMULA_STARTS)
            assert cell == ("'" + kept if formula_like else kept)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_any_text_round_trips_through_xlsx_as_text_never_a_formula(table):
    header, rows = table
    data = to_xlsx([Sheet("s", header, rows)])
    assert formulas_in(data) == []
    sheet = read_xlsx(data)
    cells = list(sheet.iter_rows(min_row=1, max_row=1 + len(rows), max_col=len(header)))
    for written, row in zip([header, *rows], cells, strict=True):
        for value, cell in zip(written, row, strict=True):
            assert cell.data_type in ("s", "n")  # "n" only for an empty cell
            assert ooxml_unescape(cell.value or "") == clean_text(value)


# --- CSV ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "escaped"), [
    ("=1+1", "'=1+1"),
    ("+86 138 0013 8000", "'+86 138 0013 8000"),
    ("-5", "'-5"),  # text that looks like a number is still text
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("a=b", "a=b"),
    ("李娜", "李娜"),
    ("", ""),
])
def test_csv_escapes_text_that_excel_would_read_as_a_formula(value, escaped):
    assert safe_text(value) == escaped
    assert read_csv(to_csv(Sheet("s", ["x"], [[value]])))[1] == [escaped]


def test_csv_writes_numbers_dates_and_booleans_as_they_read_and_escapes_headers():
    sheet = Sheet("s", ["=名称", "金额", "日期", "时间", "是否", "空"],
                  [["华东精密", -5, dt.date(2026, 11, 25), dt.datetime(2026, 11, 25, 9, 5), True, None],
                   ["x", 2.5, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 9, 5, 30), False, float("nan")],
                   ["y", Decimal("1.10"), None, None, None, None]])
    data = to_csv(sheet)
    assert data.startswith(BOM)
    assert read_csv(data) == [
        ["'=名称", "金额", "日期", "时间", "是否", "空"],
        ["华东精密", "-5", "2026-11-25", "2026-11-25 09:05", "TRUE", ""],
        ["x", "2.5", "2026-01-02", "2026-01-02 09:05:30", "FALSE", ""],
        ["y", "1.10", "", "", "", ""],
    ]


# --- XLSX -----------------------------------------------------------------------------------------

def test_xlsx_keeps_dates_as_dates_and_numbers_as_numbers():
    sheet = Sheet("客户", ["名称", "金额", "小数", "日期", "时间", "是否", "空"],
                  [["华东精密", -5, 2.5, dt.date(2026, 11, 25), dt.datetime(2026, 11, 25, 9, 5), True, None],
                   ["x", Decimal("1.10"), float("inf"), None,
                    dt.datetime(2026, 1, 2, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))), False, ""]])
    ws = read_xlsx(to_xlsx([sheet]))
    first, second = ([(c.value, c.data_type, c.number_format) for c in row] for row in ws.iter_rows(min_row=2))
    assert first == [("华东精密", "s", "General"), (-5, "n", "General"), (2.5, "n", "General"),
                     (dt.datetime(2026, 11, 25), "d", "yyyy-mm-dd"),
                     (dt.datetime(2026, 11, 25, 9, 5), "d", "yyyy-mm-dd hh:mm"), (True, "b", "General"),
                     (None, "n", "General")]
    assert [value for value, _, _ in second] == ["x", 1.1, None, None, dt.datetime(2026, 1, 2, 9, 5), False, None]


def test_xlsx_headers_are_bold_frozen_text_and_columns_have_widths():
    data = to_xlsx([Sheet("客户", ["=SUM(A1)", "客户名称", "n"], [["x" * 100, "华东精密设备有限公司", 1]])])
    assert formulas_in(data) == []
    ws = read_xlsx(data)
    header = next(ws.iter_rows(max_row=1))
    assert [(c.value, c.data_type, c.font.b) for c in header] == [
        ("=SUM(A1)", "s", True), ("客户名称", "s", True), ("n", "s", True)]
    assert ws.freeze_panes == "A2"
    assert {name: dim.width for name, dim in ws.column_dimensions.items()} == {"A": 60, "B": 22, "C": 6}


def test_xlsx_takes_given_widths_and_makes_sheet_titles_valid_and_unique():
    data = to_xlsx([Sheet("客户/跟进:2026*", ["a"], [], widths=[30]), Sheet("客户/跟进:2026*", ["a"], []),
                    Sheet("x" * 40, ["a"], [])])
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["客户 跟进 2026", "客户 跟进 2026 (2)", "x" * 31]
    assert workbook.worksheets[0].column_dimensions["A"].width == 30


def test_xlsx_cuts_text_at_excels_cell_limit_and_drops_what_xml_cannot_hold():
    ws = read_xlsx(to_xlsx([Sheet("s", ["a"], [["李" * 40_000], ["a\x00b\x1bc\ufffe"]])]))
    assert [len(ws["A2"].value), ws["A3"].value] == [EXCEL_CELL_MAX, "abc"]


def test_xlsx_streams_a_generator_of_rows():
    rows = ([i, f"客户{i}"] for i in range(5_000))
    ws = read_xlsx(to_xlsx([Sheet("s", ["n", "名称"], rows)]))
    assert ws.max_row == 5_001 and ws["B5001"].value == "客户4999"


def test_the_text_kept_from_being_an_error_value_is_openpyxls_list():
    from openpyxl.cell.cell import ERROR_CODES

    assert set(ERROR_CODES) == sheets._ERROR_CODES


def test_an_xlsx_needs_a_sheet():
    with pytest.raises(ValueError, match="at least one sheet"):
        to_xlsx([])


@pytest.mark.parametrize(("label", "extension", "name"), [
    ("客户", "xlsx", "客户-2026-11-25.xlsx"),
    ("跟进记录", "csv", "跟进记录-2026-11-25.csv"),
    ('华东/精密:"设备"*?<>|', "xlsx", "华东精密设备-2026-11-25.xlsx"),
    ("...", "csv", "export-2026-11-25.csv"),
])
def test_file_names_are_the_label_and_the_day_without_what_windows_forbids(label, extension, name):
    assert file_name(label, dt.date(2026, 11, 25), extension) == name


def test_sheet_titles_follow_excels_rules():
    assert sheet_title("History") == "History 1"
    assert sheet_title("'引号'") == "引号"
    assert sheet_title("a" * 31, ["a" * 31]) == "a" * 27 + " (2)"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("value", ["x;=1+1", "x\t=1+1", "x,=1+1", " =1+1", "a\n=1+1", 'q"=1+1', "=cmd|' /C calc'!A0"])
def test_a_csv_read_with_any_common_separator_has_no_cell_starting_a_formula(delimiter, value):
    text = to_csv(Sheet("s", ["备注"], [[value, 5]])).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for cell in row:
            assert not cell.lstrip().startswith(FORMULA_STARTS) or cell.startswith("'"), (delimiter, row)
