"""周报/月报 (issue 5, rule 11): a workbook with one sheet per analysis and a printable page, opening with the
weakest link; the numbers are the dashboard's; member text never becomes a formula or HTML."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from db.analysis import analyses
from db.connection import opened
from db.kpis import Period, preset
from db.queries import link_options
from tests.conftest import ADMIN, LINA, TODAY
from ui import report

EVIL = '=HYPERLINK("http://evil.example","点我")<script>alert(1)</script>'


@pytest.fixture
def base(demo_file, tmp_path) -> Path:
    """A copy of the demo base whose salesperson 李娜 calls herself something nasty."""
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    with opened(path) as db:
        db.execute("UPDATE users SET display_name = ? WHERE id = 3", [EVIL])
        db.conn.commit()
    return path


def made(path: Path, name: str = "last_month", actor=ADMIN) -> report.Report:
    with opened(path) as db:
        users = link_options(db, "users", actor=actor)
        found = analyses(db, report.period_of(name, Period(TODAY, TODAY), TODAY), actor=actor, today=TODAY)
    return report.build(found, name, users, EVIL)


def test_the_workbook_has_one_sheet_per_analysis_after_the_findings(base):
    book = load_workbook(io.BytesIO(report.workbook(made(base))))
    assert book.sheetnames == ["结论", "概要", "销售漏斗", "按评分等级", "按潜力等级", "按所属行业",
                               "按来源渠道", "销售排行", "跟进活动（按人）", "跟进活动（按方式）", "流失原因",
                               "成交关键因素", "成交预测"]
    findings = [row[0] for row in book["结论"].iter_rows(values_only=True)]
    assert findings[0] == "销售月报 2026-10-01 至 2026-10-31"
    assert findings[1].startswith("最薄弱环节：") or findings[1].startswith("这个期间没有足够的客户")


def test_the_funnel_sheet_holds_the_dashboards_numbers_as_numbers(base):
    start, end = preset("last_month", TODAY)
    with opened(base) as db:
        steps = analyses(db, Period(start, end), actor=ADMIN, today=TODAY).funnel
    sheet = load_workbook(io.BytesIO(report.workbook(made(base))))["销售漏斗"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["线索", "意向", "方案", "谈判", "成交"]
    assert [row[1] for row in rows] == [s.reached for s in steps]
    assert all(isinstance(row[1], int) for row in rows)


@pytest.mark.parametrize("name, title", [("last_week", "销售周报 2026-11-09 至 2026-11-15"),
                                         ("this_week", "销售周报 2026-11-16 至 2026-11-22"),
                                         ("this_month", "销售月报 2026-11-01 至 2026-11-22")])
def test_each_report_covers_its_own_period(base, name, title):
    assert made(base, name).title == title


def test_a_members_name_never_becomes_a_formula_in_the_workbook(base):
    data = report.workbook(made(base))
    with zipfile.ZipFile(io.BytesIO(data)) as files:
        sheets = [files.read(n).decode() for n in files.namelist() if n.startswith("xl/worksheets/")]
    assert not any(re.search(r"<f[ >]", xml) for xml in sheets)
    board = load_workbook(io.BytesIO(data))["销售排行"]
    assert EVIL in [row[1] for row in board.iter_rows(min_row=2, values_only=True)]


def test_the_printable_page_escapes_every_name_and_runs_nothing(base):
    page = report.printable(made(base))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<table>") == 12  # every analysis but the findings, which head the page
    assert "最薄弱环节" in page or "这个期间没有足够的客户" in page


def test_a_salespersons_report_holds_only_what_she_may_see(base):
    mine = made(base, actor=LINA)
    board = next(table for table in mine.tables if table.title == "销售排行")
    owners = {row[1] for row in board.rows if row[2]}  # lines with customers owned
    assert owners <= {EVIL, "公海"}
