"""附件: files kept in the base — uploaded within the actor's rights, listed, downloaded byte for byte, shown
as thumbnails only when they really are pictures, summarised in the grid from an index, in the history, the
trash, undo and snapshots."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image
from streamlit.delta_generator import DeltaGenerator

from db import attachments, fields, tables
from db.access import AccessDenied, Actor
from db.attachments import AttachmentError
from db.changes import ChangeSet, RowDelete, apply
from db.connection import BASE_ENV, opened
from db.history import activity, row_history
from db.queries import Compiler, Query, fetch_page
from db.snapshots import restore, take
from db.undo import last_change, purge_trash, trash, undo
from schema.types import Attachments
from tests.conftest import ADMIN, TODAY, app_for, insert
from ui.i18n import CATALOG

LINA = Actor(2, "sales", "李娜")
ZHANGWEI = Actor(3, "sales", "张伟")
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def picture(image_format: str, size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal" if mode == "RGB" else 1).save(out, image_format)
    return out.getvalue()


PNG = picture("PNG")


@pytest.fixture
def team(db):
    """Two salespeople besides the administrator."""
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (2, 'lina', '李娜', 'sales'), "
               "(3, 'zhangwei', '张伟', 'sales')")
    db.conn.commit()
    return db


def names(db, actor, table, row, field="attachments") -> list[str]:
    return [item.name for item in attachments.listing(db, actor, table, row, field)]


@pytest.mark.parametrize(("name", "data", "media_type"), [
    ("名片扫描件.jpg", picture("JPEG"), "image/jpeg"),
    ("会议纪要.docx", b"PK\x03\x04" + b"\x00" * 200, "application/zip"),
    ("需求文档.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40, "application/pdf"),
    ("纪要.txt", "客户确认需求，下周寄送样品。".encode(), "text/plain"),
])
def test_an_uploaded_file_is_listed_and_downloads_as_the_same_bytes(db, make_customer, name, data, media_type):
    customer = make_customer()
    [attachment_id] = attachments.add(db, ADMIN, "customers", customer, "attachments", [(name, data)])
    [item] = attachments.listing(db, ADMIN, "customers", customer, "attachments")
    assert (item.id, item.name, item.size, item.media_type, item.sha256, item.uploaded_by) == (
        attachment_id, name, len(data), media_type, hashlib.sha256(data).hexdigest(), "管理员")
    assert attachments.content(db, ADMIN, attachment_id) == (name, data)


@pytest.mark.parametrize(("limit", "size", "accepted"), [
    ("1", 1024 * 1024, True), ("1", 1024 * 1024 + 1, False), (None, 20 * 1024 * 1024 + 1, False)])
def test_a_file_over_the_size_limit_is_refused_naming_the_limit_and_nothing_is_written(
        db, make_customer, monkeypatch, limit, size, accepted):
    if limit:
        monkeypatch.setenv(attachments.MAX_UPLOAD_ENV, limit)
    customer = make_customer()
    data = b"%PDF-" + b"0" * (size - 5)
    if accepted:
        attachments.add(db, ADMIN, "customers", customer, "attachments", [("需求文档.pdf", data)])
        assert names(db, ADMIN, "customers", customer) == ["需求文档.pdf"]
        return
    with pytest.raises(AttachmentError) as refused:
        attachments.add(db, ADMIN, "customers", customer, "attachments", [("小.txt", b"ok"), ("需求文档.pdf", data)])
    message = CATALOG["zh"][refused.value.reason].format(**refused.value.params)
    assert message == f"“需求文档.pdf”超过了单个文件 {limit or 20} MB 的上限，没有上传。"
    assert db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0] == 0


@pytest.mark.parametrize(("value", "limit"), [(None, 20), ("5", 5), ("很大", 20), ("0", 1)])
def test_the_upload_limit_comes_from_the_environment(monkeypatch, value, limit):
    if value is None:
        monkeypatch.delenv(attachments.MAX_UPLOAD_ENV, raising=False)
    else:
        monkeypatch.setenv(attachments.MAX_UPLOAD_ENV, value)
    assert attachments.max_upload_mb() == limit


@pytest.mark.parametrize(("name", "data", "media_type", "has_thumbnail"), [
    ("名片.png", PNG, "image/png", True),
    ("名片.jpg", picture("JPEG", (3000, 2000)), "image/jpeg", True),
    ("动图.gif", picture("GIF"), "image/gif", True),
    ("照片.webp", picture("WEBP"), "image/webp", True),
    ("logo.svg", SVG, "image/svg+xml", False),
    ("伪装成图片.png", SVG, "image/svg+xml", False),  # the name says PNG; the bytes say SVG
    ("页面.html", HTML, "text/html", False),
    ("截图.txt", PNG, "image/png", True),  # the name says text; the bytes say PNG
    ("坏图.png", PNG[:60], "image/png", False),  # a PNG that does not decode
])
def test_only_files_whose_bytes_are_a_picture_get_a_thumbnail(name, data, media_type, has_thumbnail):
    assert attachments.sniff(data) == media_type
    small = attachments.thumbnail(data, media_type)
    assert (small is not None) == has_thumbnail
    if small:
        with Image.open(io.BytesIO(small)) as image:
            assert image.format in ("PNG", "JPEG") and max(image.size) <= attachments.THUMBNAIL_SIDE


def test_a_decompression_bomb_gets_no_thumbnail_and_is_still_kept_for_download(db, make_customer):
    bomb = picture("PNG", (10_000, 10_000), mode="1")  # 100 million pixels in a few KB
    assert len(bomb) < 100_000 and attachments.thumbnail(bomb, "image/png") is None
    customer = make_customer()
    [attachment_id] = attachments.add(db, ADMIN, "customers", customer, "attachments", [("扫描.png", bomb)])
    assert attachments.listing(db, ADMIN, "customers", customer, "attachments")[0].thumbnail is None
    assert attachments.content(db, ADMIN, attachment_id)[1] == bomb


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\王\\名片.jpg", "名片.jpg"),
    ("报价\u202egpj.exe", "报价gpj.exe"),
    ("纪要\r\n.txt", "纪要.txt"),
    ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
    ("....", "附件"),
    ("长" * 300 + ".docx", "长" * 115 + ".docx"),
])
def test_file_names_are_kept_without_folders_control_characters_or_reserved_characters(db, make_customer, given,
                                                                                     kept):
    customer = make_customer()
    [attachment_id] = attachments.add(db, ADMIN, "customers", customer, "attachments", [(given, b"text")])
    assert attachments.content(db, ADMIN, attachment_id)[0] == kept


@pytest.mark.parametrize("owner", [3, None], ids=["another's", "the pool's"])
def test_a_salesperson_attaches_only_to_customers_they_may_see(team, owner):
    db = team
    customer = insert(db, "customers", name="张伟的客户", owner_id=owner)
    if owner is None:
        attachments.add(db, LINA, "customers", customer, "attachments", [("名片.png", PNG)])
        assert names(db, LINA, "customers", customer) == ["名片.png"]
        return
    with pytest.raises(AccessDenied):
        attachments.add(db, LINA, "customers", customer, "attachments", [("名片.png", PNG)])
    [theirs] = attachments.add(db, ZHANGWEI, "customers", customer, "attachments", [("名片.png", PNG)])
    assert names(db, LINA, "customers", customer) == []
    with pytest.raises(AttachmentError):  # "not found", as for a file that does not exist
        attachments.content(db, LINA, theirs)
    with pytest.raises(AccessDenied):
        attachments.delete(db, LINA, theirs)
    assert names(db, ZHANGWEI, "customers", customer) == ["名片.png"]


def test_a_salesperson_attaches_to_follow_ups_of_their_own_customers_only(team):
    db = team
    fields.add_field(db, ADMIN, "follow_ups", "现场照片", "attachment")
    mine = insert(db, "follow_ups", customer_id=insert(db, "customers", name="李娜的客户", owner_id=2),
                  time="2026-11-20 10:00")
    theirs = insert(db, "follow_ups", customer_id=insert(db, "customers", name="张伟的客户", owner_id=3),
                    time="2026-11-20 10:00")
    attachments.add(db, LINA, "follow_ups", mine, "f1", [("现场.png", PNG)])
    with pytest.raises(AccessDenied):
        attachments.add(db, LINA, "follow_ups", theirs, "f1", [("现场.png", PNG)])
    assert db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0] == 1


def test_restoring_a_snapshot_brings_the_files_back(base_file, db, make_customer):
    customer = make_customer()
    [card] = attachments.add(db, ADMIN, "customers", customer, "attachments", [("名片.png", PNG)])
    snapshot = take(base_file, now=dt.datetime(2026, 11, 22, 12, 0))
    attachments.delete(db, ADMIN, card, now=dt.datetime(2026, 9, 1))
    purge_trash(db, days=30, now=dt.datetime(2026, 11, 22, 12, 1))  # the bytes are gone from the base
    assert db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0] == 0

    restore(base_file, snapshot.path, now=dt.datetime(2026, 11, 22, 12, 5))

    with opened(base_file) as fresh:
        assert names(fresh, ADMIN, "customers", customer) == ["名片.png"]
        assert attachments.content(fresh, ADMIN, card) == ("名片.png", PNG)


def summaries(db, table: str = "customers", column: str = "attachments") -> dict[int, str | None]:
    rows = fetch_page(db, Query(table), actor=ADMIN, today=TODAY)
    return {row["id"]: row[column] for row in rows}


def test_the_grid_shows_how_many_files_and_the_latest_name(db, make_customer):
    first, second, empty = make_customer(), make_customer(), make_customer()
    attachments.add(db, ADMIN, "customers", first, "attachments", [("名片.jpg", picture("JPEG"))])
    attachments.add(db, ADMIN, "customers", first, "attachments", [("会议纪要.pdf", b"%PDF-1.4")])
    [gone] = attachments.add(db, ADMIN, "customers", second, "attachments", [("需求文档.docx", b"PK\x03\x04..")])
    attachments.delete(db, ADMIN, gone)
    assert summaries(db) == {first: "📎 2 · 会议纪要.pdf", second: None, empty: None}


def test_the_grid_summary_reads_only_the_index_never_a_file(db, make_customer):
    customer = make_customer()
    attachments.add(db, ADMIN, "customers", customer, "attachments", [("大文件.pdf", b"%PDF-" + b"0" * 3_000_000)])
    base = fields.load_base(db)
    table = base.table("customers")
    compiler = Compiler(base, TODAY, ADMIN)
    sql = f"SELECT {compiler.expression(table, table.column('attachments'))} FROM customers t"
    plan = [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", compiler.params).fetchall()]
    reads = [step for step in plan if "attachments" in step]
    assert reads and all("USING COVERING INDEX attachments_row" in step for step in reads), plan


@pytest.mark.parametrize("table_kind", ["customers", "follow_ups", "added"])
def test_an_attachment_field_added_in_the_fields_panel_holds_files_on_any_managed_table(db, make_customer,
                                                                                       table_kind):
    table = tables.create_table(db, ADMIN, "合同") if table_kind == "added" else table_kind
    columns_before = {c.name for c in db[table].columns}
    name = fields.add_field(db, ADMIN, table, "合同扫描件", "attachment")
    assert {c.name for c in db[table].columns} == columns_before  # the files live in `attachments`, not a column
    assert isinstance(fields.load_base(db).table(table).column(name).type, Attachments)
    values = {"customers": {"name": "甲公司"}, "follow_ups": {"customer_id": make_customer(), "time": "2026-11-20"},
              "added": {"title": "2026 年框架合同"}}[table_kind]
    row = insert(db, table, **values)
    attachments.add(db, ADMIN, table, row, name, [("合同.pdf", b"%PDF-1.7")])
    assert summaries(db, table, name)[row] == "📎 1 · 合同.pdf"


def test_uploads_and_deletions_are_in_the_history_with_who_and_what(db, make_customer):
    customer = make_customer()
    [card] = attachments.add(db, ADMIN, "customers", customer, "attachments", [("名片.png", PNG)])
    attachments.delete(db, ADMIN, card)
    entries = row_history(db, "customers", customer, actor=ADMIN)
    assert [(e.table, e.action, e.user, e.changes.get("file_name")) for e in entries[:2]] == [
        ("attachments", "delete", "管理员", ("名片.png", None)),
        ("attachments", "insert", "管理员", (None, "名片.png"))]
    total, logged = activity(db, actor=ADMIN, table_name="attachments")
    assert total == 2 and logged[0].changes["row_id"] == (customer, None)


def test_undo_takes_the_last_upload_back_and_the_trash_restores_a_deleted_file(db, make_customer):
    customer = make_customer()
    attachments.add(db, ADMIN, "customers", customer, "attachments", [("错的文件.pdf", b"%PDF-1")])
    undo(db, last_change(db, ADMIN), actor=ADMIN)
    assert names(db, ADMIN, "customers", customer) == []

    [card] = attachments.add(db, ADMIN, "customers", customer, "attachments", [("名片.png", PNG)])
    attachments.delete(db, ADMIN, card)
    [deleted] = trash(db, actor=ADMIN, today=dt.date.today())
    assert (deleted.table, deleted.labels) == ("attachments", ["名片.png"])
    undo(db, deleted.change_id, actor=ADMIN)
    assert names(db, ADMIN, "customers", customer) == ["名片.png"]


def test_emptying_the_trash_erases_deleted_files_and_the_files_of_purged_records(db, make_customer):
    kept, deleted = make_customer(), make_customer()
    [card] = attachments.add(db, ADMIN, "customers", kept, "attachments", [("名片.png", PNG)])
    attachments.add(db, ADMIN, "customers", deleted, "attachments", [("纪要.pdf", b"%PDF-1")])
    attachments.add(db, ADMIN, "customers", kept, "attachments", [("留着.pdf", b"%PDF-2")])
    attachments.delete(db, ADMIN, card, now=dt.datetime(2026, 9, 1))
    apply(db, ChangeSet("customers", deletes=(RowDelete(deleted, 1),)), actor=ADMIN, now=dt.datetime(2026, 9, 1))

    purge_trash(db, days=30, now=dt.datetime(2026, 11, 22))

    assert [r[0] for r in db.execute("SELECT file_name FROM attachments").fetchall()] == ["留着.pdf"]


# --- the detail, in the real Streamlit runtime -------------------------------------------------------------------


@pytest.fixture
def downloads(monkeypatch):
    """Every download button drawn: its keyword arguments (data, file name, mime)."""
    drawn = []
    original = DeltaGenerator.download_button

    def recording(self, label, data, **kwargs):
        drawn.append({"data": data, **kwargs})
        return original(self, label, data, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    return drawn


def open_detail(monkeypatch, base_file, customer: int, username: str = "admin"):
    monkeypatch.setenv(BASE_ENV, str(base_file))
    app = app_for(base_file, username)
    app.run()
    app.query_params.update(customer=str(customer))
    app.switch_page("pages/customers.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def upload(app, name: str, data: bytes, mime: str):
    [uploader] = [u for u in app.file_uploader if "attachments" in u.key]
    uploader.upload(name, data, mime).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_detail_uploads_a_file_lists_it_and_downloads_the_same_bytes(monkeypatch, base_file, db, make_customer,
                                                                         downloads):
    customer = make_customer(name="华东精密")
    app = open_detail(monkeypatch, base_file, customer)
    data = b"%PDF-1.7 \xe4\xbc\x9a\xe8\xae\xae" * 100
    upload(app, "会议纪要.pdf", data, "application/pdf")
    assert [e.value for e in app.success] == ["已上传：会议纪要\\.pdf。"]
    assert "会议纪要.pdf" in [e.value for e in app.text]
    assert [(d["file_name"], d["mime"], d["data"]()) for d in downloads[-1:]] == [
        ("会议纪要.pdf", "application/octet-stream", data)]
    assert [u.value for u in app.file_uploader if "attachments" in u.key] == [[]]  # ready for the next file


def test_the_detail_refuses_a_file_over_the_limit_in_chinese(monkeypatch, base_file, make_customer):
    monkeypatch.setenv(attachments.MAX_UPLOAD_ENV, "1")
    app = open_detail(monkeypatch, base_file, make_customer())
    upload(app, "需求文档.pdf", b"%PDF-" + b"0" * (1024 * 1024), "application/pdf")
    assert [e.value for e in app.error] == ["“需求文档\\.pdf”超过了单个文件 1 MB 的上限，没有上传。"]
    assert "需求文档.pdf" not in [e.value for e in app.text]


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("logo.svg", SVG, "image/svg+xml"),
    ("伪装.png", SVG, "image/png"),  # the browser's word is not taken
    ("page.html", HTML, "text/html"),
])
def test_an_svg_or_html_upload_is_never_shown_only_offered_as_an_octet_stream_download(
        monkeypatch, base_file, make_customer, downloads, name, data, mime):
    app = open_detail(monkeypatch, base_file, make_customer())
    upload(app, name, data, mime)
    assert len(app.image) == 0
    shown = [str(e.value) for kind in ("markdown", "caption", "text", "title", "subheader") for e in getattr(app, kind)]
    assert not any("<svg" in text or "<script" in text for text in shown)
    assert [(d["file_name"], d["mime"], d["data"]()) for d in downloads[-1:]] == [
        (name, "application/octet-stream", data)]


def test_a_png_upload_gets_a_thumbnail_made_from_its_pixels(monkeypatch, base_file, make_customer):
    app = open_detail(monkeypatch, base_file, make_customer())
    upload(app, "名片扫描件.png", PNG, "image/png")
    assert len(app.image) == 1
    assert "名片扫描件.png" in [e.value for e in app.text]


def test_a_file_deleted_in_the_detail_leaves_it_and_goes_to_the_trash(monkeypatch, base_file, db, make_customer):
    customer = make_customer()
    attachments.add(db, ADMIN, "customers", customer, "attachments", [("名片.png", PNG)])
    app = open_detail(monkeypatch, base_file, customer)
    [delete] = [b for b in app.button if ".del." in b.key]
    delete.click().run()
    assert "名片.png" not in [e.value for e in app.text]
    assert [d.labels for d in trash(db, actor=ADMIN, today=dt.date.today())] == [["名片.png"]]


def open_page(monkeypatch, base_file, page: str):
    monkeypatch.setenv(BASE_ENV, str(base_file))
    app = app_for(base_file)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_deleted_file_is_in_the_trash_and_the_activity_log_names_it(monkeypatch, base_file, db, make_customer):
    customer = make_customer(name="华东精密")
    [card] = attachments.add(db, ADMIN, "customers", customer, "attachments", [("名片.png", PNG)])
    attachments.delete(db, ADMIN, card)
    trash_page = open_page(monkeypatch, base_file, "pages/trash.py")
    assert "附件：名片\\.png" in [e.value for e in trash_page.markdown]
    log = open_page(monkeypatch, base_file, "pages/activity.py").dataframe[0].value
    files = log[log["字段"] == "附件"]
    assert files[["操作", "记录", "原值", "新值"]].values.tolist() == [
        ["删除", f"客户信息表 #{customer}", "名片.png", "—"], ["新增", f"客户信息表 #{customer}", "—", "名片.png"]]


def test_a_rollup_over_follow_ups_attachments_shows_the_latest_follow_ups_files(db, make_customer, make_follow_up):
    photos = fields.add_field(db, ADMIN, "follow_ups", "现场照片", "attachment")
    customer = make_customer()
    earlier, later = make_follow_up(customer, time="2026-11-01 09:00"), make_follow_up(customer)
    attachments.add(db, ADMIN, "follow_ups", earlier, photos, [("旧.png", PNG)])
    attachments.add(db, ADMIN, "follow_ups", later, photos, [("样品.png", PNG), ("演示.png", PNG)])
    latest = fields.add_field(db, ADMIN, "customers", "最近现场照片", "rollup",
                              rollup={"table": "follow_ups", "via": "customer_id", "aggregate": "latest",
                                      "column": photos})
    assert summaries(db, column=latest)[customer] == "📎 2 · 演示.png"


def test_an_added_tables_rows_take_files_in_the_attachments_box_under_the_grid(monkeypatch, base_file, db):
    table = tables.create_table(db, ADMIN, "合同")
    name = fields.add_field(db, ADMIN, table, "合同扫描件", "attachment")
    row = insert(db, table, title="2026 年框架合同")
    app = open_page(monkeypatch, base_file, "pages/tables.py")
    assert [s.value for s in app.selectbox if s.key == f"tables.{table}.attachments.row"] == [row]
    upload(app, "合同.pdf", b"%PDF-1.7", "application/pdf")
    assert names(db, ADMIN, table, row, name) == ["合同.pdf"]
    assert "合同.pdf" in [e.value for e in app.text]


def test_an_added_tables_record_page_takes_a_picture_lists_it_with_a_thumbnail_and_a_download(
        monkeypatch, base_file, db, downloads):
    table = tables.create_table(db, ADMIN, "合同")
    name = fields.add_field(db, ADMIN, table, "合同扫描件", "attachment")
    row = insert(db, table, title="华东框架合同")
    monkeypatch.setenv(BASE_ENV, str(base_file))
    app = app_for(base_file)
    app.run()
    app.query_params.update(table=table, record=str(row))  # where the grid's 详情 box leads
    app.switch_page("pages/tables.py").run()
    assert "合同扫描件" in [s.value for s in app.subheader]
    assert "还没有文件。" in [c.value for c in app.caption]
    upload(app, "合同首页.png", PNG, "image/png")
    assert names(db, ADMIN, table, row, name) == ["合同首页.png"]
    assert [e.value for e in app.success] == ["已上传：合同首页\\.png。"]
    assert len(app.image) == 1 and "合同首页.png" in [e.value for e in app.text]
    assert [(d["file_name"], d["mime"], d["data"]()) for d in downloads[-1:]] == [
        ("合同首页.png", "application/octet-stream", PNG)]
