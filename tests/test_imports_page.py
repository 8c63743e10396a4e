"""The 导入 page walked as a new user would: upload, map, preview, decide, import, undo — and a messy workbook."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from db.connection import BASE_ENV
from tests.conftest import app_for, insert

PAGE = "pages/imports.py"


def opened_page(monkeypatch, base_file, username="admin"):
    monkeypatch.setenv(BASE_ENV, str(base_file))
    app = app_for(base_file, username, page=PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def uploaded(app, name: str, data: bytes, mime: str = "text/csv"):
    [uploader] = [u for u in app.file_uploader if u.key.startswith("imports.file")]
    uploader.upload(name, data, mime).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def names(db) -> list[str]:
    return [name for (name,) in db.execute("SELECT name FROM customers ORDER BY id")]


CSV = ("客户名单（2026年11月）\n"
       "公司名称,手机,行业,等级\n"
       "上海瑞拓科技有限公司,13800138000,制造业,A级\n"
       "杭州云帆网络,1380013,零售,B级\n"
       "深圳新星电子,13900139000,制造业,c\n").encode()


def test_a_csv_is_mapped_previewed_with_its_problems_and_imported_as_the_preview_said(monkeypatch, base_file, db):
    insert(db, "customers", name="深圳新星电子有限公司")
    app = uploaded(opened_page(monkeypatch, base_file), "客户.csv", CSV)

    assert [s.value for s in app.selectbox if s.key.startswith("imports.map.")] == ["name", "phone", "industry",
                                                                                    "grade"]
    assert metrics(app) == {"新增": "1", "更新": "0", "跳过": "2"}
    assert [(r["行"], r["列"], r["原因"][:8]) for r in app.dataframe[0].value.to_dict("records")] == [
        (4, "联系电话", "不是有效的手机号")]
    assert [b.proto.label for b in app.get("download_button")] == ["下载模板", "下载问题清单"]
    assert "文件第 5 行（名称相同）" in [m.value for m in app.markdown]

    app.radio(key="imports.group.1").set_value("update").run()
    assert metrics(app) == {"新增": "1", "更新": "1", "跳过": "1"}
    app.button(key="imports.run").click().run()

    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success] == [
        "已导入：新增 1 行，更新 1 行，跳过 1 行。可以在下方的导入记录中撤销整次导入。"]
    assert names(db) == ["深圳新星电子有限公司", "上海瑞拓科技有限公司"]
    assert db.execute("SELECT phone, grade FROM customers ORDER BY id").fetchall() == [
        ("13900139000", "C"), ("13800138000", "A")]

    app.button(key="imports.undo.1").click().run()

    assert [s.value for s in app.success] == ["已撤销这次导入。"]
    assert names(db) == ["深圳新星电子有限公司"] and db.execute("SELECT phone FROM customers").fetchone() == (None,)


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def messy_workbook() -> bytes:
    """A workbook as people send them: a title, a merged group header, Chinese dates, 万-amounts, a company twice,
    a bad phone and a formula someone typed."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026年客户"
    sheet.append(["华东区客户汇总表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["基本信息", None, None, "商机", None, None])
    sheet.merge_cells("A2:C2")
    sheet.merge_cells("D2:F2")
    sheet.append(["客户名称", "联系电话", "所属行业", "预计成交金额", "预计成交日期", "备注"])
    sheet.append(["上海瑞拓科技有限公司", "138-0013-8000", "制造业", "12.5万", "2026年12月8日", "老客户介绍"])
    sheet.append(["杭州云帆网络", "1380013", "零售", "8万", "2027年1月15日", None])
    sheet.append(["上海瑞拓科技（中国）有限公司", "021-62345678", "制造业", "1亿", dt.date(2027, 2, 1), None])
    sheet.append(["苏州恒通物流", "+86 139 0013 9000", "物流", "30000", "2026/12/20", "=HYPERLINK(\"http://x\")"])
    sheet.append(["南京新城贸易", "13700137000", "零售", "¥5,000元", "2026-12-31", "=1+1"])
    sheet["F7"].data_type = "s"  # typed as text (what an injection in a file from outside is), not a live formula
    sheet.append([None, None, None, None, None, None])
    sheet["A10"] = "合计"  # a footer people add; it has no phone and is a row like any other
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_messy_workbook_imports_exactly_as_the_preview_promised(monkeypatch, base_file, db):
    app = uploaded(opened_page(monkeypatch, base_file), "华东客户.xlsx", messy_workbook(), XLSX)

    promised = metrics(app)
    problems = app.dataframe[0].value.to_dict("records")
    app.button(key="imports.run").click().run()

    assert not app.exception, [e.value for e in app.exception]
    assert [(p["行"], p["列"]) for p in problems] == [(5, "联系电话")]
    assert promised == {"新增": "4", "更新": "0", "跳过": "2"}  # the bad phone; the company's second row
    assert db.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == int(promised["新增"])
    stored = db.execute("SELECT name, phone, expected_amount, expected_on, notes FROM customers ORDER BY id").fetchall()
    assert stored == [
        ("上海瑞拓科技有限公司", "13800138000", 125000, "2026-12-08", "老客户介绍"),
        ("苏州恒通物流", "13900139000", 30000, "2026-12-20", "=HYPERLINK(\"http://x\")"),  # plain text, never run
        ("南京新城贸易", "13700137000", 5000, "2026-12-31", None),  # a live formula: its value (none saved), not it
        ("合计", None, None, None, None),
    ]


def test_an_administrator_turns_an_unknown_header_into_a_new_column_and_imports_into_it(monkeypatch, base_file, db):
    data = "公司名称,展会名称\n广州新展贸易有限公司,2026广交会\n".encode()
    app = uploaded(opened_page(monkeypatch, base_file), "展会.csv", data)
    mapping = [s for s in app.selectbox if s.key.startswith("imports.map.")]
    assert [s.value for s in mapping] == ["name", ""]  # 展会名称 names no column yet
    mapping[1].set_value("__new__").run()
    app.button(key="imports.create").click().run()
    assert not app.exception, [e.value for e in app.exception]

    field = db.execute("SELECT name FROM fields WHERE table_name = 'customers' AND label_zh = '展会名称'").fetchone()
    assert field is not None
    assert [s.value for s in app.selectbox if s.key.startswith("imports.map.")] == ["name", field[0]]
    app.button(key="imports.run").click().run()
    assert db.execute(f'SELECT "{field[0]}" FROM customers WHERE name = ?', ["广州新展贸易有限公司"]).fetchone() == (
        "2026广交会",)
