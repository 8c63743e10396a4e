"""Exporting a grid's view (db/exports.py, ui/downloads.py): every page of it, in the grid's order and columns,
as the grid shows it, only what the member may see; the 导出 buttons on the grids and a customer's detail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager

from db import tables
from db.changes import ChangeSet, NewRow, apply
from db.connection import BASE_ENV, opened
from db.errors import RowNotFound
from db.exports import customer_sheets, view_rows, view_sheet
from db.fields import load_base
from db.queries import Filter, Query, count_rows, fetch_page, link_options
from exports import to_csv, to_xlsx
from schema.crm import CUSTOMERS
from schema.types import MultiChoice
from tests.conftest import ADMIN, LINA, TODAY, ZHANGWEI, app_for
from ui.layout import always_shown

SHOWN = ("name", "stage", "owner_id", "tags", "follow_up_count", "last_follow_up_at", "created_on", "churn_risk")


def grid_rows(db, query: Query, actor) -> list[dict]:
    """Every page of ``query`` as the grid reads them, page after page."""
    rows, page = [], 1
    while batch := fetch_page(db, Query(**{**query.__dict__, "page": page}), actor=actor, today=TODAY):
        rows += batch
        page += 1
    return rows


def as_shown(row: dict, members: dict[int, str]) -> list:
    """A customer row read for the grid, as the grid shows the columns of SHOWN (zh)."""
    tags = CUSTOMERS.column("tags").type
    return [
        row["name"],
        CUSTOMERS.column("stage").type.label(row["stage"], "zh"),
        members.get(row["owner_id"]),
        "、".join(tags.label(code, "zh") for code in MultiChoice.codes(row["tags"])) or None,
        row["follow_up_count"],
        dt.datetime.strptime(row["last_follow_up_at"], "%Y-%m-%d %H:%M") if row["last_follow_up_at"] else None,
        dt.date.fromisoformat(row["created_on"]),
        "是" if row["churn_risk"] else "否",
    ]


@pytest.mark.parametrize(("query", "actor"), [
    (Query("customers", filters=(Filter("stage", "in", ("intent", "proposal")),), sort="last_follow_up_at",
           descending=True, page_size=50), ADMIN),
    (Query("customers", search="有限公司", filters=(Filter("follow_up_count", "compare", ("=", 0)),
                                                   Filter("tags", "any_tag", ("strong_intent",))),
           match="any", sort="owner_id", page_size=50), ADMIN),
    (Query("customers", filters=(Filter("last_follow_up_at", "older_than_days", (30,)),), sort="stage",
           page_size=50), LINA),
    (Query("customers", sort="follow_up_count", page_size=200), ZHANGWEI),
    (Query("customers", sort="grade", then=(("last_follow_up_at", True),), page_size=50), ADMIN),  # 然后按
    (Query("customers", sort="stage", descending=True, then=(("owner_id", False), ("name", True)), page_size=50),
     LINA),
])
def test_the_export_of_a_view_is_every_row_of_the_grid_in_order_and_in_its_columns(demo_db, query, actor):
    members = link_options(demo_db, "users", actor=actor)
    expected = [as_shown(row, members) for row in grid_rows(demo_db, query, actor)]
    exported = list(view_rows(demo_db, query, SHOWN, actor=actor, lang="zh", today=TODAY, batch=37))
    assert len(expected) == count_rows(demo_db, query, actor=actor, today=TODAY) > 50  # more than one page
    assert exported == expected
    assert not demo_db.conn.in_transaction  # the read transaction ends with the rows


def test_a_salesperson_exports_none_of_another_salespersons_customers_or_follow_ups(demo_db):
    theirs = demo_db.execute("SELECT name FROM customers WHERE owner_id = ?", [ZHANGWEI.user_id]).fetchall()
    zhangweis = {name for (name,) in theirs}
    customers = list(view_rows(demo_db, Query("customers"), ("name", "owner_id"), actor=LINA, lang="zh", today=TODAY))
    follow_ups = list(view_rows(demo_db, Query("follow_ups"), ("customer_id", "person_id"), actor=LINA, lang="zh",
                                today=TODAY))
    assert zhangweis and customers and follow_ups
    assert {owner for _, owner in customers} == {"李娜", None}
    assert {name for name, _ in customers} & zhangweis == set()
    assert {customer for customer, _ in follow_ups} & zhangweis == set()
    assert (len(customers), len(follow_ups)) == (
        count_rows(demo_db, Query("customers"), actor=LINA), count_rows(demo_db, Query("follow_ups"), actor=LINA))


def test_labels_follow_the_language_and_only_the_views_columns_are_exported(demo_db):
    sheet = view_sheet(demo_db, Query("customers", sort="name"), ("name", "stage", "churn_risk"), actor=ADMIN,
                       lang="en", today=TODAY)
    rows = list(sheet.rows)
    assert (sheet.title, list(sheet.columns)) == ("Customers", ["Customer name", "Sales stage", "Churn risk"])
    stages = {o.label.en for o in CUSTOMERS.column("stage").type.options}
    assert {stage for _, stage, _ in rows} <= stages and {risk for _, _, risk in rows} <= {"Yes", "No"}
    assert all(len(row) == 3 for row in rows)


def test_a_customers_detail_exports_its_fields_and_its_follow_ups(demo_db):
    customer_id = demo_db.execute("SELECT id FROM customers WHERE follow_up_count > 2 AND owner_id = ? LIMIT 1",
                                  [LINA.user_id]).fetchone()[0]
    profile, follow_ups = customer_sheets(demo_db, customer_id, actor=LINA, lang="zh", today=TODAY,
                                          titles=("客户", "跟进记录"))
    fields = dict(profile.rows)
    name, count = demo_db.execute("SELECT name, follow_up_count FROM customers WHERE id = ?", [customer_id]).fetchone()
    assert (profile.title, list(profile.columns), fields["客户名称"], fields["跟进次数"], fields["负责人"]) == (
        "客户", ["字段", "值"], name, count, "李娜")
    assert follow_ups.title == "跟进记录" and "客户" not in follow_ups.columns
    assert len(follow_ups.rows) == count
    times = [row[list(follow_ups.columns).index("跟进时间")] for row in follow_ups.rows]
    assert times == sorted(times, reverse=True)
    data = to_xlsx([profile, follow_ups])
    assert load_workbook(io.BytesIO(data)).sheetnames == ["客户", "跟进记录"]


def test_a_salesperson_cannot_export_another_salespersons_customer(demo_db):
    theirs = demo_db.execute("SELECT id FROM customers WHERE owner_id = ? LIMIT 1", [ZHANGWEI.user_id]).fetchone()[0]
    with pytest.raises(RowNotFound):
        customer_sheets(demo_db, theirs, actor=LINA, lang="zh", today=TODAY)


def test_an_added_table_exports_linked_names_options_dates_and_checkboxes(db, make_customer):
    customer = make_customer(name="华东精密设备有限公司")
    name = tables.create_table(db, ADMIN, "跟进计划", template_code="follow_up_plans")
    table = load_base(db).table(name)
    by_label = {c.label.zh: c.name for c in table.columns}
    apply(db, ChangeSet(name, inserts=(NewRow({"title": "=1+1", by_label["客户"]: customer,
                                               by_label["计划跟进时间"]: "2026-12-01", by_label["跟进方式"]: "拜访",
                                               by_label["完成"]: True}),)), actor=ADMIN)
    columns = [by_label[label] for label in ("名称", "客户", "计划跟进时间", "跟进方式", "完成")]
    sheet = view_sheet(db, Query(name), columns, actor=ADMIN, lang="zh", today=TODAY)
    assert list(sheet.rows) == [["=1+1", "华东精密设备有限公司", dt.date(2026, 12, 1), "拜访", "是"]]


# --- the buttons, in the app ----------------------------------------------------------------------

@pytest.fixture
def made(monkeypatch) -> dict[str, object]:
    """``{deferred file id: (file name, function)}`` of the download buttons drawn (the function runs on a click)."""
    found: dict[str, object] = {}
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, *args, **kwargs):
        file_id = register(self, data_callable, *args, **kwargs)
        found[file_id] = (kwargs.get("file_name"), data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return found


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def downloads(app, made) -> dict[str, tuple[str, bytes]]:
    """``{label: (file name, bytes)}`` of the page's download buttons, each file made as a click would."""
    return {b.label: (made[b.proto.deferred_file_id][0], made[b.proto.deferred_file_id][1]())
            for b in app.get("download_button")}


def first_rows(data: bytes, name: str) -> list[list]:
    if name.endswith(".csv"):
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[:2]
    return [list(row) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(max_row=2, values_only=True)]


@pytest.mark.parametrize(("page", "label"), [("pages/customers.py", "客户"), ("pages/follow_ups.py", "跟进记录"),
                                             ("pages/tables.py", "跟进计划")])
def test_each_grid_exports_csv_and_excel_headed_by_its_column_labels(base, made, page, label):
    with opened(base) as db:
        plans = tables.create_table(db, ADMIN, "跟进计划", template_code="follow_up_plans")
        apply(db, ChangeSet(plans, inserts=(NewRow({"title": "回访"}),)), actor=ADMIN)
        table = load_base(db).table({"客户": "customers", "跟进记录": "follow_ups"}.get(label, plans))
    app = app_for(base, "lina")
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    files = downloads(app, made)
    assert sorted(files) == ["导出 CSV", "导出 Excel"]
    for name, data in files.values():
        assert name == f"{label}-{dt.date.today().isoformat()}.{'csv' if name.endswith('csv') else 'xlsx'}"
        header, first = first_rows(data, name)
        assert header == [c.label.zh for c in table.columns if not c.hidden and c.name != "id"]
        assert len(first) == len(header) and any(first)
    csv_header = first_rows(files["导出 CSV"][1], files["导出 CSV"][0])[0]
    xlsx_header = first_rows(files["导出 Excel"][1], files["导出 Excel"][0])[0]
    assert csv_header == xlsx_header


def test_the_customers_export_follows_the_grids_search_and_holds_every_page(base, made):
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/customers.py").run()
    app.text_input(key="customers.filters.search").input("有限公司").run()
    _, data = downloads(app, made)["导出 CSV"]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    with opened(base) as db:
        expected = count_rows(db, Query("customers", search="有限公司"), actor=ADMIN)
    assert 50 < expected == len(rows) - 1
    assert rows[0][:2] == ["客户编号", "客户名称"]
    assert all("有限公司" in "".join(row) for row in rows[1:])


def test_a_customers_detail_offers_its_excel_with_two_sheets(base, made):
    app = app_for(base, "admin")
    app.run()
    app.query_params.update(customer="3")
    app.switch_page("pages/customers.py").run()
    assert not app.exception
    (label, (name, data)), = downloads(app, made).items()
    with opened(base) as db:
        customer = db.execute("SELECT name FROM customers WHERE id = 3").fetchone()[0]
    workbook = load_workbook(io.BytesIO(data))
    assert (label, name, workbook.sheetnames) == (
        "导出 Excel", f"{customer}-{dt.date.today().isoformat()}.xlsx", ["客户", "跟进记录"])
    assert [c.value for c in workbook["客户"]["A"][:3]] == ["字段", "客户编号", "客户名称"]


def test_csv_of_a_view_escapes_a_formula_typed_into_a_cell(db, make_customer):
    make_customer(name="=HYPERLINK(\"http://x\",\"点我\")", phone="+86 138 0013 8000")
    sheet = view_sheet(db, Query("customers"), ("name", "phone"), actor=ADMIN, lang="zh", today=TODAY)
    rows = list(csv.reader(io.StringIO(to_csv(sheet).decode("utf-8-sig"), newline="")))
    assert rows[1][0].startswith("'=HYPERLINK(")


def test_the_export_has_the_columns_a_view_picked_in_their_order(base, made):
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/customers.py").run()
    app.multiselect(key="customers.filters.columns").set_value(["stage", "owner_id", "follow_up_count"]).run()
    assert not app.exception
    name, data = downloads(app, made)["导出 Excel"]
    header, first = first_rows(data, name)
    always = [CUSTOMERS.column(c).label.zh for c in always_shown(load_base_of(base).table("customers"))]
    assert header == [*always, "销售阶段", "负责人", "跟进次数"]
    assert isinstance(first[-1], int)


def load_base_of(path: Path):
    with opened(path) as db:
        return load_base(db)


def test_an_export_dropped_half_way_leaves_no_transaction_open(demo_db):
    rows = view_rows(demo_db, Query("customers"), ("name",), actor=ADMIN, lang="zh", today=TODAY, batch=10)
    assert next(rows) and demo_db.conn.in_transaction  # one snapshot while it reads
    rows.close()
    assert not demo_db.conn.in_transaction


@pytest.mark.parametrize("ended", ["logout", "everywhere", "disabled", "someone_else"])
def test_an_export_clicked_after_the_session_ended_gets_nothing(demo_file, tmp_path, ended):
    from db.access import AccessDenied
    from db.accounts import logout, logout_everywhere
    from tests.conftest import login_token
    from ui.downloads import still_signed_in

    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    token = login_token(path, "lina")
    with opened(path) as db:
        assert still_signed_in(db, token, LINA).user_id == LINA.user_id  # drawn and clicked in one session
        if ended == "logout":
            logout(db, token)
        elif ended == "everywhere":
            logout_everywhere(db, LINA.user_id)
        elif ended == "disabled":
            db.execute("UPDATE users SET active = 0 WHERE id = ?", [LINA.user_id])
            db.conn.commit()
        else:
            token = login_token(path, "zhangwei")  # a token that is not hers
        with pytest.raises(AccessDenied):
            still_signed_in(db, token, LINA)
