"""Tables people add: from scratch or a template, linked both ways, with rollups over them — and the
low-code issue's whole story, tried in the app as a new user would."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from db import fields, tables
from db.access import AccessDenied
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.connection import BASE_ENV, opened
from db.errors import InvalidChanges
from db.fields import FieldError, load_base
from db.queries import Filter, Query, count_rows, fetch_page, get_row
from db.undo import trash, undo
from schema.templates import TEMPLATES
from schema.templates import template as template_of
from tests.conftest import ADMIN, LINA, app_for
from tests.test_grid_callbacks import type_into
from ui.cells import OPEN


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda tp: tp.code)
def test_every_template_makes_a_table_with_its_fields(db, template):
    name = tables.create_table(db, ADMIN, template.label.zh, template_code=template.code)
    table = load_base(db).table(name)
    assert [c.label.zh for c in table.columns] == ["名称", *[label for label, _, _ in template.fields]]
    assert table.label.zh == template.label.zh


def test_a_link_shows_on_both_sides_and_a_rollup_counts_across_it(db, make_customer):
    customer = make_customer(name="老客户有限公司")
    referrals = tables.create_table(db, ADMIN, "转介绍记录", template_code="referrals")
    link = next(c.name for c in load_base(db).table(referrals).columns if c.label.zh == "推荐人")
    for title in ("王总推荐的甲公司", "王总推荐的乙公司"):
        apply(db, ChangeSet(referrals, inserts=(NewRow({"title": title, link: customer}),)), actor=ADMIN)
    count = fields.add_field(db, ADMIN, "customers", "转介绍次数", "rollup",
                             rollup={"table": referrals, "via": link, "aggregate": "count"})
    other_side = next(c.name for c in load_base(db).table("customers").columns if c.label.zh == "转介绍记录")
    row = get_row(db, "customers", customer, actor=ADMIN)
    assert (row[count], row[other_side]) == (2, "王总推荐的甲公司、王总推荐的乙公司")


def test_an_added_table_has_history_trash_and_undo_like_any_other(db):
    contracts = tables.create_table(db, ADMIN, "合同", template_code="contracts")
    row = apply(db, ChangeSet(contracts, inserts=(NewRow({"title": "2026-001"}),)), actor=ADMIN).inserted[0]
    apply(db, ChangeSet(contracts, deletes=(RowDelete(row, 1),)), actor=ADMIN)
    [deleted] = trash(db, actor=ADMIN)
    assert deleted.labels == ["2026-001"]
    undo(db, deleted.change_id, actor=ADMIN)
    assert [r["title"] for r in fetch_page(db, Query(contracts), actor=ADMIN)] == ["2026-001"]


def test_only_administrators_add_tables_and_names_are_unique(db):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (3, 'lina', '李娜', 'sales')")
    db.conn.commit()
    with pytest.raises(AccessDenied):
        tables.create_table(db, LINA, "我的表")
    tables.create_table(db, ADMIN, "合同")
    for label, reason in (("合同", "table.label_taken"), ("客户信息表", "table.label_taken"),
                          ("", "table.label_required"), ("x" * 61, "table.label_too_long")):
        with pytest.raises(FieldError) as refused:
            tables.create_table(db, ADMIN, label)
        assert refused.value.reason == reason


@pytest.fixture
def base(demo_file: Path, tmp_path: Path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


def click(app, label: str) -> None:
    next(b for b in app.button if b.label == label).click().run()


def test_the_low_code_story_as_a_new_user_would_try_it(base):
    """转介绍 from its template, linked to 客户; a rollup 转介绍次数 and a formula on customers; a view
    "A级未跟进30天"; the board; a chart — each step in the app."""
    app = app_for(base, "admin")
    app.run()
    app.switch_page("pages/tables.py").run()
    app.selectbox(key="tables.template").set_value("referrals").run()
    app.text_input(key="tables.new_label").input("转介绍记录")
    click(app, "新建表")
    assert app.success[0].value == "已新建表“转介绍记录”。"
    assert len(app.dataframe) == 1  # the new table's grid, ready for its first row
    with opened(base) as db:
        referrals = next(t.name for t in load_base(db).tables if t.label.zh == "转介绍记录")
        link = next(c.name for c in load_base(db).table(referrals).columns if c.label.zh == "推荐人")
        apply(db, ChangeSet(referrals, inserts=(NewRow({"title": "李总介绍", link: 1}),)), actor=ADMIN)

    app.switch_page("pages/customers.py").run()
    app.text_input(key="fields.customers.new_label").input("转介绍次数")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("rollup").run()
    app.selectbox(key="fields.customers.rollup_source").set_value(f"{referrals}|{link}").run()
    click(app, "添加字段")
    assert app.success[0].value == "已添加字段“转介绍次数”。"
    app.text_input(key="fields.customers.new_label").input("重点客户")
    app.selectbox(key="fields.customers.new_kind.zh").set_value("formula").run()
    app.text_input(key="fields.customers.new_formula").input('{转介绍次数} > 0 OR {潜力等级} = "A级"')
    click(app, "添加字段")
    assert app.success[0].value == "已添加字段“重点客户”。"
    with opened(base) as db:
        columns = {c.label.zh: c.name for c in load_base(db).table("customers").columns}
        assert get_row(db, "customers", 1, actor=ADMIN)[columns["转介绍次数"]] == 1

    app.multiselect(key="customers.filters.grade").set_value(["A"])
    app.selectbox(key="customers.filters.stale").set_value(30).run()
    app.text_input(key="views.customers.filters.name").input("A级未跟进30天")
    click(app, "保存视图")
    assert app.success[0].value.startswith("已保存视图")

    app.selectbox(key="quick_chart.customers.zh.column").set_value("stage").run()
    assert len(app.get("vega_lite_chart")) == 1

    view_id = app.query_params["view"]
    board = next(link.proto for link in app.get("page_link") if link.proto.label == "以看板查看")
    assert board.query_string == f"table=customers&view={view_id}"
    app.switch_page("pages/kanban.py")  # the link's page and address
    app.query_params.update(table="customers", view=view_id)
    app.run()
    assert not app.exception
    with opened(base) as db:
        in_view = count_rows(db, Query("customers", filters=(
            Filter("grade", "in", ("A",)), Filter("last_follow_up_at", "older_than_days", (30,)))), actor=ADMIN)
    lanes = [re.fullmatch(r"\*\*(.+)\*\* · ([\d,]+)", m.value) for m in app.markdown]
    assert sum(int(m[2].replace(",", "")) for m in lanes if m) == in_view > 0


@pytest.fixture
def projects(demo_file: Path, tmp_path: Path):
    """A demo copy with an added table 项目 that customers link to (two of 张伟's customers, one of 李娜's)."""
    path = Path(shutil.copy(demo_file, tmp_path / "projects.db"))
    with opened(path) as db:
        table = tables.create_table(db, ADMIN, "项目")
        project = apply(db, ChangeSet(table, inserts=(NewRow({"title": "智慧园区"}),)), actor=ADMIN).inserted[0]
        link = fields.add_field(db, ADMIN, "customers", "所属项目", "link", link=table)
        theirs = [r[0] for r in db.execute("SELECT id FROM customers WHERE owner_id = 4 ORDER BY id LIMIT 2")]
        mine = db.execute("SELECT id FROM customers WHERE owner_id = 3 ORDER BY id LIMIT 1").fetchone()[0]
        for customer in [*theirs, mine]:
            version = db["customers"].get(customer)["version"]
            apply(db, ChangeSet("customers", edits=(RowEdit(customer, version, {link: project}),)), actor=ADMIN)
        yield db, table, project, link, theirs, mine


def test_the_other_side_of_a_link_lists_only_what_the_member_may_see(projects):
    db, table, _project, _, theirs, mine = projects
    backlink = next(c.name for c in load_base(db).table(table).columns if c.label.zh == "客户信息表")
    names = {r[0]: r[1] for r in db.execute("SELECT id, name FROM customers")}
    as_admin = fetch_page(db, Query(table), actor=ADMIN)[0][backlink]
    as_lina = fetch_page(db, Query(table), actor=LINA)[0][backlink]
    assert all(names[c] in as_admin for c in [*theirs, mine])
    assert as_lina == names[mine]


def test_a_lookup_through_a_link_shows_nothing_the_member_may_not_see(projects):
    db, _table, _, _, theirs, _ = projects
    contract = tables.create_table(db, ADMIN, "合同", template_code="contracts")
    link = next(c.name for c in load_base(db).table(contract).columns if c.label.zh == "客户")
    phone = fields.add_field(db, ADMIN, contract, "客户电话", "lookup", lookup=(link, "phone"))
    apply(db, ChangeSet(contract, inserts=(NewRow({"title": "2026-009", link: theirs[0]}),)), actor=ADMIN)
    assert fetch_page(db, Query(contract), actor=ADMIN)[0][phone]
    assert fetch_page(db, Query(contract), actor=LINA)[0][phone] is None
    with pytest.raises(InvalidChanges) as refused:  # nor can she point a record at his customer
        apply(db, ChangeSet(contract, inserts=(NewRow({"title": "2026-010", link: theirs[0]}),)), actor=LINA)
    assert refused.value.problems[0].reason == "invalid.link_missing"


def test_deleting_a_linked_record_empties_the_links_as_recorded_edits_that_undo_puts_back(projects):
    db, table, project, link, theirs, mine = projects
    apply(db, ChangeSet(table, deletes=(RowDelete(project, 1),)), actor=ADMIN)
    linked = [*theirs, mine]
    assert [db["customers"].get(c)[link] for c in linked] == [None, None, None]
    assert db.execute("SELECT COUNT(*) FROM history WHERE table_name = 'customers' AND action = 'update' AND "
                      f"json_extract(changes, '$.{link}[1]') IS NULL AND row_id IN ({','.join('?' * 3)})",
                      linked).fetchone()[0] >= 3
    undo(db, trash(db, actor=ADMIN)[0].change_id, actor=ADMIN)
    assert [db["customers"].get(c)[link] for c in linked] == [project] * 3


def test_a_field_of_an_added_table_can_be_deleted_and_a_links_other_side_goes_with_it(projects):
    db, table, _, link, _, _ = projects
    note = fields.add_field(db, ADMIN, table, "备注", "text")
    fields.delete_field(db, ADMIN, table, note)
    assert not load_base(db).table(table).has_column(note)
    fields.delete_field(db, ADMIN, "customers", link)
    assert [c.label.zh for c in load_base(db).table(table).columns] == ["名称"]
    fields.restore_field(db, ADMIN, "customers", link)
    assert "客户信息表" in [c.label.zh for c in load_base(db).table(table).columns]


# --- 数据表 as a new user finds it --------------------------------------------------------------------------------


@pytest.fixture
def empty(base_file: Path, monkeypatch) -> Path:
    """The empty base, served to the app."""
    monkeypatch.setenv(BASE_ENV, str(base_file))
    return base_file


def tables_page(path: Path, lang: str | None = None, **link):
    app = app_for(path, lang=lang)
    app.run()
    app.query_params.update(link)
    app.switch_page("pages/tables.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def added_tables(path: Path) -> dict[str, str | None]:
    """``{label: template}`` of the tables added so far."""
    with opened(path) as db:
        return {r[0]: r[1] for r in db.execute("SELECT label_zh, template FROM user_tables ORDER BY id")}


@pytest.mark.parametrize(("lang", "template", "named", "said"), [
    (None, "referrals", "转介绍记录", "已新建表“转介绍记录”。"),
    (None, "contracts", "合同", "已新建表“合同”。"),
    ("en", "satisfaction", "Satisfaction visits", "Table “Satisfaction visits” created\\."),
])
def test_a_template_picked_and_no_name_typed_makes_a_table_named_after_the_template(empty, lang, template, named,
                                                                                    said):
    app = tables_page(empty, lang)
    app.selectbox(key="tables.template").set_value(template).run()
    assert app.text_input(key="tables.new_label").placeholder == named  # what the box shows greyed out
    app.button(key="tables.create").click().run()
    assert [s.value for s in app.success] == [said]
    assert added_tables(empty) == {template_of(template).label.zh: template}
    with opened(empty) as db:
        made = next(t for t in load_base(db).tables if t.label.get(lang or "zh") == named)
    assert (made.label.zh, made.label.en) == (template_of(template).label.zh, template_of(template).label.en)
    assert [c.label.zh for c in made.columns] == ["名称", *[label for label, _, _ in template_of(template).fields]]
    assert app.selectbox(key="tables.pick").value == made.name  # its grid, ready for its first row


@pytest.mark.parametrize(("existing", "template", "typed", "said"), [
    (None, "", "", "请填写表名称。"),
    (None, "", "   ", "请填写表名称。"),
    (None, "", "客户信息表", "已有名为“客户信息表”的表。"),
    ("转介绍记录", "", "转介绍记录", "已有名为“转介绍记录”的表。"),
])
def test_a_table_name_missing_or_taken_is_refused_in_table_words_and_nothing_is_made(empty, existing, template,
                                                                                      typed, said):
    if existing:
        with opened(empty) as db:
            tables.create_table(db, ADMIN, existing)
    before = added_tables(empty)
    app = tables_page(empty)
    app.selectbox(key="tables.template").set_value(template).run()
    if not template:  # nothing greyed out in the box that looks like a name
        assert not app.text_input(key="tables.new_label").placeholder
    app.text_input(key="tables.new_label").input(typed)
    app.button(key="tables.create").click().run()
    assert [e.value for e in app.error] == [said]
    assert added_tables(empty) == before


def test_a_table_named_after_its_template_takes_both_languages_and_a_number_when_taken(db):
    made = [tables.create_table(db, ADMIN, "", template_code="contracts") for _ in range(3)]
    labels = [(t.label.zh, t.label.en) for t in load_base(db).tables if t.name in made]
    assert labels == [("合同", "Contracts"), ("合同 2", "Contracts 2"), ("合同 3", "Contracts 3")]
    with pytest.raises(FieldError) as refused:
        tables.create_table(db, ADMIN, "contracts 2")
    assert refused.value.reason == "table.label_taken"


def test_a_table_name_is_refused_in_table_words_in_english_too(empty):
    app = tables_page(empty, "en")
    app.button(key="tables.create").click().run()
    assert [e.value for e in app.error] == ["Give the table a name\\."]


def test_the_new_table_box_tells_what_each_template_brings(empty):
    app = tables_page(empty)
    [caption] = [c.value for c in app.caption if c.value.startswith("每个模板")]
    for template in TEMPLATES:
        assert f"**{template.label.zh}** — " + "、".join(label for label, _, _ in template.fields) in caption


@pytest.fixture
def contract(empty: Path) -> tuple[str, int, int]:
    """An added table 合同 with two records: its name and their ids."""
    with opened(empty) as db:
        table = tables.create_table(db, ADMIN, "合同", template_code="contracts")
        new = tuple(NewRow({"title": title}) for title in ("华东框架合同", "华南年度合同"))
        rows = apply(db, ChangeSet(table, inserts=new), actor=ADMIN).inserted
    return table, *rows


def test_ticking_open_on_an_added_tables_grid_opens_that_record_and_back_leads_to_the_grid(empty, contract):
    table, _, second = contract
    app = tables_page(empty)
    shown = list(app.dataframe[0].value["title"])
    assert sorted(shown) == ["华东框架合同", "华南年度合同"]
    type_into(app, 0, {shown.index("华南年度合同"): {OPEN: True}})
    assert (app.query_params.get("table"), app.query_params.get("record")) == (table, str(second))
    assert [s.value for s in app.subheader] == ["华南年度合同"]
    assert f"合同 \\#{second}" in [c.value for c in app.caption]
    back = app.button(key="tables.record.back")
    assert back.label == "← 返回合同"
    back.click().run()
    assert "record" not in app.query_params
    assert list(app.dataframe[0].value["title"]) == shown
    assert not app.dataframe[0].value[OPEN].any()  # the box is unticked again


@pytest.mark.parametrize(("edit", "opens"), [("", False), ("华东框架合同（续签）", True)])
def test_ticking_open_with_an_edit_typed_elsewhere_saves_it_first_and_opens_only_if_it_was_saved(empty, contract,
                                                                                                  edit, opens):
    table, renewed, _ = contract
    app = tables_page(empty)
    shown = list(app.dataframe[0].value["title"])
    first, other = shown.index("华东框架合同"), shown.index("华南年度合同")
    type_into(app, 0, {first: {"title": edit}, other: {OPEN: True}})
    assert ("record" in app.query_params) is opens
    if not opens:  # refused (名称 is required): the page stays on the held grid, which says why
        assert app.error[0].value.startswith("没有保存：请修正以下问题") and "名称" in app.error[0].value
        assert app.dataframe and not app.subheader
    with opened(empty) as db:
        assert db[table].get(renewed)["title"] == (edit or "华东框架合同")
