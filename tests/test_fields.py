"""Fields people add and arrange: every kind stores and checks its values, labels are any text,
built-in columns can be relabelled and hidden, deleted fields come back with their data."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import astuple
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from db import fields, tables
from db.access import AccessDenied, Actor
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.charts import ChartSpec, chart_groups
from db.connection import opened
from db.errors import InvalidChanges
from db.fields import FieldError, load_base
from db.queries import Filter, Query, fetch_page, get_row
from db.undo import UndoRefused, last_change, trash, undo
from schema.crm import CUSTOMERS
from schema.fields import KINDS
from schema.labels import Label
from schema.types import option_key
from tests.conftest import ADMIN, LABELS, insert, kept_label

SALES = Actor(2, "sales")

#: kind: (a value as typed, what is stored, a value that is refused)
VALUES = {
    "text": ("  第一行 ", "第一行", "x" * 201),
    "long_text": ("多行\n文本", "多行\n文本", "x" * 5001),
    "number": ("1,234.5", 1234.5, "十二"),
    "money": ("¥3,000", 3000.0, "三千"),
    "percent": ("35%", 35.0, "百分之三十五"),
    "date": ("2026年11月8日", "2026-11-08", "2026-13-01"),
    "datetime": ("2026/11/8 14:30", "2026-11-08 14:30", "明天下午"),
    "checkbox": ("是", 1, "也许"),
    "single": ("重要", "o1", "不存在的选项"),
    "multi": ("重要，普通", '["o1", "o2"]', "不存在的选项"),
    "email": ("Name@Example.com", "name@example.com", "not-an-email"),
    "phone": ("+86 138 0013 8000", "13800138000", "12345"),
    "url": ("example.com/报价", "https://example.com/报价", "javascript:alert(1)"),
    "rating": ("4", 4, "6"),
    "person": ("1", 1, "管理员?"),
}


def test_every_kind_in_the_menu_has_a_case_here():
    # computed kinds store nothing; links are tried in tests/test_tables.py; the base fills
    # 自动编号 and 创建时间 (tests/test_field_kinds.py)
    assert set(VALUES) == {k.code for k in KINDS} - set(fields.UNTYPED_KINDS) - {"link"}


@pytest.mark.parametrize("kind_code", list(VALUES))
def test_an_added_field_of_each_kind_stores_what_it_accepts_and_refuses_the_rest(db, make_customer, kind_code):
    typed, stored, refused = VALUES[kind_code]
    name = fields.add_field(db, ADMIN, "customers", f"新字段 {kind_code}", kind_code,
                            options=["重要", "普通"] if kind_code in ("single", "multi") else ())
    customer = make_customer()
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {name: typed}),)), actor=ADMIN)
    assert db.execute(f'SELECT "{name}" FROM customers WHERE id = ?', [customer]).fetchone()[0] == stored
    with pytest.raises(InvalidChanges) as problem:
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 2, {name: refused}),)), actor=ADMIN)
    assert problem.value.problems[0].column == name
    assert get_row(db, "customers", customer, actor=ADMIN)[name] == stored  # read back through the base


def test_a_label_is_any_text_and_the_column_name_is_generated(db):
    label = "预算 (万元); DROP TABLE customers;-- \"' 🚀"
    name = fields.add_field(db, ADMIN, "customers", label, "number")
    assert name == "f1"
    assert load_base(db).table("customers").column(name).label.zh == label
    assert db["customers"].exists() and name in {c.name for c in db["customers"].columns}


def test_a_required_field_is_required_in_every_new_row(db):
    name = fields.add_field(db, ADMIN, "customers", "合同编号", "text", required=True)
    with pytest.raises(InvalidChanges) as problem:
        apply(db, ChangeSet("customers", inserts=(NewRow({"name": "新客户"}),)), actor=ADMIN)
    assert [(p.column, p.reason) for p in problem.value.problems] == [(name, "invalid.required")]


@pytest.mark.parametrize(("kind_code", "options", "reason"), [
    ("text", (), None),
    ("single", (), "field.options_required"),
    ("single", ("甲", "甲"), "field.option_twice"),
    ("nonsense", (), "field.unknown_kind"),
])
def test_a_field_needs_a_known_kind_and_select_fields_need_distinct_options(db, kind_code, options, reason):
    if reason is None:
        fields.add_field(db, ADMIN, "customers", "备用字段", kind_code, options=options)
        return
    with pytest.raises(FieldError) as refused:
        fields.add_field(db, ADMIN, "customers", "备用字段", kind_code, options=options)
    assert refused.value.reason == reason


@pytest.mark.parametrize("label", ["客户名称", "Customer name", "  客户名称  ", ""])
def test_a_label_already_used_or_empty_is_refused(db, label):
    with pytest.raises(FieldError):
        fields.add_field(db, ADMIN, "customers", label, "text")


def test_only_an_administrator_changes_fields(db):
    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (2, 'lina', '李娜', 'sales')")
    db.conn.commit()
    with pytest.raises(AccessDenied):
        fields.add_field(db, SALES, "customers", "满意度", "rating")
    with pytest.raises(FieldError):
        fields.add_field(db, ADMIN, "users", "工号", "text")  # members' fields are the accounts' business


def test_renaming_an_option_keeps_the_cells_that_hold_it(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "客户来源细分", "single", options=["老客户", "新客户"])
    customer = make_customer(**{name: "老客户"})
    fields.update_field(db, ADMIN, "customers", name, options=["新客户", "转介绍", "老客户"])
    column = load_base(db).table("customers").column(name)
    assert [o.label.zh for o in column.type.options] == ["新客户", "转介绍", "老客户"]
    assert column.type.label(db["customers"].get(customer)[name], "zh") == "老客户"


def test_a_built_in_column_can_be_relabelled_hidden_and_moved_but_not_deleted(db):
    fields.update_field(db, ADMIN, "customers", "region", label="城市", hidden=True)
    fields.move_field(db, ADMIN, "customers", "region", -2)
    table = load_base(db).table("customers")
    region = table.column("region")
    assert (region.label.zh, region.label.en, region.hidden) == ("城市", "Region", True)
    assert [c.name for c in table.columns][:4] == ["number", "region", "name", "industry"]
    with pytest.raises(FieldError):
        fields.delete_field(db, ADMIN, "customers", "region")
    with pytest.raises(FieldError):
        fields.update_field(db, ADMIN, "customers", "name", hidden=True)  # the column that names a row


def test_a_deleted_field_leaves_the_grids_and_comes_back_with_its_data(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "满意度", "rating")
    customer = make_customer(**{name: 5})
    fields.delete_field(db, ADMIN, "customers", name)
    assert not load_base(db).table("customers").has_column(name)
    assert name not in fetch_page(db, Query("customers"), actor=ADMIN)[0]
    assert [s.name for s in fields.deleted_fields(db, "customers")] == [name]
    fields.restore_field(db, ADMIN, "customers", name)
    assert get_row(db, "customers", customer, actor=ADMIN)[name] == 5


def test_a_select_field_can_be_filtered_on(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "重点行业", "single", options=["是", "否"])
    yes = make_customer(name="甲公司", **{name: "是"})
    make_customer(name="乙公司", **{name: "否"})
    found = fetch_page(db, Query("customers", filters=(Filter(name, "in", ("o1",)),)), actor=ADMIN)
    assert [r["id"] for r in found] == [yes]


#: Labels per hypothesis example, and examples: more than 10,000 labels added, read back, renamed, deleted, restored.
BATCH, EXAMPLES = 25, 420


def master(db) -> dict[tuple[str, str], tuple[str, str | None]]:
    """The whole schema: ``{(type, name): (table, sql)}`` of every row of sqlite_master."""
    return {(kind, name): (table, sql) for kind, name, table, sql in
            db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()}


def batches(size: int = BATCH):
    """Lists of ``size`` generated labels, distinct once kept."""
    return st.lists(LABELS, min_size=size, max_size=size, unique_by=lambda text: kept_label(text).casefold())


def fresh_copy(start: Path, work: Path) -> Path:
    """``work``: a copy of the base at ``start`` (closed, so whole in its file), no journal of an earlier copy left."""
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(start, work)
    return work


def test_ten_thousand_generated_labels_are_added_read_back_renamed_deleted_and_restored_adding_only_columns(
        base_file, tmp_path):
    """Labels of any text (Chinese, emoji, quotes, brackets, ;--, control characters) are values, never SQL:
    a field added with one reads it back, takes another, goes to the trash and comes back, and all the base's
    schema gains is its column. Each example starts from the same empty base with a batch of labels."""
    with opened(base_file) as db:
        before = master(db)
        built_in = {label.casefold() for column in load_base(db).table("customers").columns
                    for label in (column.label.zh, column.label.en)}
    start, work = Path(shutil.copy(base_file, tmp_path / "start.db")), tmp_path / "work.db"
    customers_sql = before[("table", "customers")][1]
    done = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(added=batches(), renamed=batches())
    def round_trip(added: list[str], renamed: list[str]) -> None:
        nonlocal done
        with opened(fresh_copy(start, work)) as db:
            db.execute("PRAGMA synchronous = NORMAL")  # a throwaway copy: no fsync per commit (WAL stays consistent)
            names: dict[str, str] = {}  # field: its label as kept
            for label in added:
                if kept_label(label).casefold() in built_in:  # the one refusal a label can meet
                    with pytest.raises(FieldError) as refused:
                        fields.add_field(db, ADMIN, "customers", label, "text")
                    assert refused.value.reason == "field.label_taken"
                    continue
                names[fields.add_field(db, ADMIN, "customers", label, "text")] = kept_label(label)
            table = load_base(db).table("customers")
            assert {name: (table.column(name).label.zh, table.column(name).label.en) for name in names} == {
                name: (label, label) for name, label in names.items()}

            for name, label in zip(list(names), renamed, strict=False):
                others = built_in | {kept.casefold() for other, kept in names.items() if other != name}
                if kept_label(label).casefold() in others:
                    with pytest.raises(FieldError) as refused:
                        fields.update_field(db, ADMIN, "customers", name, label=label)
                    assert refused.value.reason == "field.label_taken"
                    continue
                fields.update_field(db, ADMIN, "customers", name, label=label)
                names[name] = kept_label(label)
            table = load_base(db).table("customers")
            assert {name: table.column(name).label.zh for name in names} == names

            for name in names:
                fields.delete_field(db, ADMIN, "customers", name)
            assert not [name for name in names if load_base(db).table("customers").has_column(name)]
            assert [spec.name for spec in fields.deleted_fields(db, "customers")] == list(reversed(names))
            for name in names:
                fields.restore_field(db, ADMIN, "customers", name)
            table = load_base(db).table("customers")
            assert {name: table.column(name).label.zh for name in names} == names
            after = master(db)

        added_columns = "".join(f', "{name}" TEXT' for name in names)
        assert after.pop(("table", "customers")) == ("customers", customers_sql[:-1] + added_columns + ")")
        assert after == {key: value for key, value in before.items() if key != ("table", "customers")}
        done += len(names)

    round_trip()
    assert done >= 10_000


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(label=LABELS)
def test_a_table_named_with_any_label_reads_it_back_and_the_schema_gains_only_that_table(db, label):
    taken = {word.casefold() for table in load_base(db).tables for word in (table.label.zh, table.label.en)}
    before = master(db)
    if kept_label(label).casefold() in taken:  # a name already used (by a table made in an earlier example too)
        with pytest.raises(FieldError) as refused:
            tables.create_table(db, ADMIN, label)
        assert refused.value.reason == "table.label_taken"
        assert master(db) == before
        return
    name = tables.create_table(db, ADMIN, label)
    assert load_base(db).table(name).label == Label(kept_label(label), kept_label(label))
    after = master(db)
    assert {key: value for key, value in after.items() if key != ("table", name)} == before
    assert after[("table", name)][0] == name


def not_a_code(labels: list[str], codes: set[str]) -> bool:
    """Whether none of ``labels`` is, as options are compared, one of ``codes`` or a generated code (o1, o2 …):
    a cell typed with such a label would be read as the option of that code."""
    return not any(re.fullmatch(r"o[0-9]+", option_key(label)) or option_key(label) in codes for label in labels)


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # a fresh copy each
@given(options=st.lists(LABELS, min_size=1, max_size=8, unique_by=option_key),
       renamed=st.lists(LABELS, min_size=8, max_size=8, unique_by=option_key))
def test_options_of_any_labels_read_back_keep_their_codes_when_renamed_and_change_no_schema(
        base_file, tmp_path, options, renamed):
    renamed = renamed[:len(options)]
    sources = {option_key(word) for o in CUSTOMERS.column("source").type.options
               for word in (o.code, *astuple(o.label))}
    assume(not_a_code(options + renamed, sources))
    old, new = ({option_key(label) for label in labels} for labels in (options, renamed))
    assume(not old & new)  # all new labels: each takes, in order, the code of the option in its place
    with opened(fresh_copy(base_file, tmp_path / "options.db")) as db:
        db.execute("PRAGMA synchronous = NORMAL")
        name = fields.add_field(db, ADMIN, "customers", "选项测试", "single", options=options)
        fields.update_field(db, ADMIN, "customers", "source", options=[*option_labels(db, "customers", "source"),
                                                                       *options])
        before = master(db)
        assert option_labels(db, "customers", name) == [kept_label(label) for label in options]
        assert option_labels(db, "customers", "source")[-len(options):] == [kept_label(label) for label in options]
        codes = [o.code for o in load_base(db).table("customers").column(name).type.options]
        customer = insert(db, "customers", name="选项客户", **{name: options[-1], "source": options[0]})  # as typed

        fields.update_field(db, ADMIN, "customers", name, options=renamed)
        column = load_base(db).table("customers").column(name)
        assert [(o.code, o.label.zh, o.label.en) for o in column.type.options] == [
            (code, kept_label(label), kept_label(label)) for code, label in zip(codes, renamed, strict=True)]
        assert column.type.label(db["customers"].get(customer)[name], "zh") == kept_label(renamed[-1])
        source = load_base(db).table("customers").column("source").type
        assert source.label(db["customers"].get(customer)["source"], "en") == kept_label(options[0])
        assert master(db) == before


@pytest.mark.parametrize(("label", "typed"), [
    ("！紧急", "！紧急"), ("！紧急", "!紧急"),     # full-width, as a Chinese IME types it, or not
    ("A  B", "A  B"), ("A  B", "a\tb"), ("0\r0", "0 0"),  # kept with one space; typed with any
    ("ＶＩＰ", "vip"),
])
def test_an_option_is_found_by_its_own_label_however_its_width_spaces_and_case_were_typed(db, make_customer, label,
                                                                                           typed):
    name = fields.add_field(db, ADMIN, "customers", "客户类型", "single", options=[label, "普通"])
    assert db["customers"].get(make_customer(**{name: typed}))[name] == "o1"


def test_a_row_deleted_while_a_field_is_in_the_trash_comes_back_with_that_fields_value(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "满意度", "rating")
    customer = make_customer(**{name: 5})
    fields.delete_field(db, ADMIN, "customers", name)
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    undo(db, trash(db, actor=ADMIN)[0].change_id, actor=ADMIN)
    fields.restore_field(db, ADMIN, "customers", name)
    assert get_row(db, "customers", customer, actor=ADMIN)[name] == 5


def test_a_row_restored_after_its_field_went_to_the_trash_keeps_that_value(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "满意度", "rating")
    customer = make_customer(**{name: 4})
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    fields.delete_field(db, ADMIN, "customers", name)
    undo(db, trash(db, actor=ADMIN)[0].change_id, actor=ADMIN)
    fields.restore_field(db, ADMIN, "customers", name)
    assert get_row(db, "customers", customer, actor=ADMIN)[name] == 4


def test_an_undo_that_would_write_into_a_field_in_the_trash_is_refused_and_writes_nothing(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "满意度", "rating")
    customer = make_customer(**{name: 3})
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {name: 5, "contact": "李雷"}),)), actor=ADMIN)
    fields.delete_field(db, ADMIN, "customers", name)
    with pytest.raises(UndoRefused) as refused:
        undo(db, last_change(db, ADMIN), actor=ADMIN)
    assert refused.value.reason == "undo.field_deleted"
    assert (db["customers"].get(customer)[name], db["customers"].get(customer)["contact"]) == (5, "李雷")


def test_a_renamed_option_keeps_its_code_so_the_cells_holding_it_follow(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "会员等级", "single", options=["金", "银"])
    gold = make_customer(**{name: "金"})
    fields.update_field(db, ADMIN, "customers", name, options=["黄金", "银", "铜"])
    column = load_base(db).table("customers").column(name)
    assert [(o.code, o.label.zh) for o in column.type.options] == [("o1", "黄金"), ("o2", "银"), ("o3", "铜")]
    assert column.type.label(db["customers"].get(gold)[name], "zh") == "黄金"


@pytest.mark.parametrize(("table", "name", "settings"), [
    ("customers", None, {"hidden": True}),          # an added required field
    ("follow_ups", "customer_id", {"hidden": True}),  # a required built-in one
])
def test_a_required_field_cannot_be_hidden_or_nobody_could_add_a_row(db, table, name, settings):
    name = name or fields.add_field(db, ADMIN, table, "合同编号", "text", required=True)
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, table, name, **settings)
    assert refused.value.reason == "field.required_hidden"


def test_renaming_in_english_leaves_the_chinese_label_and_help_alone(db):
    fields.update_field(db, ADMIN, "customers", "number", help_text="自动生成", lang="zh")
    fields.update_field(db, ADMIN, "customers", "number", label="Customer ID", help_text="Automatic", lang="en")
    column = load_base(db).table("customers").column("number")
    assert (column.label.zh, column.label.en) == ("客户编号", "Customer ID")
    assert (column.help.zh, column.help.en) == ("自动生成", "Automatic")


def option_labels(db, table: str, column: str, lang: str = "zh") -> list[str]:
    return [o.label.get(lang) for o in load_base(db).table(table).column(column).type.options]


def code_of(db, table: str, column: str, label: str) -> str:
    return next(o.code for o in load_base(db).table(table).column(column).type.options if o.label.zh == label)


#: Built-in selects an administrator extends: (table, column, the new option, a cell typed with it).
BUILT_IN_SELECTS = [
    ("customers", "source", "抖音", "抖音"),
    ("customers", "industry", "新能源", "新能源"),
    ("customers", "tags", "直播客户", "意向强烈、直播客户"),
    ("follow_ups", "method", "到店", "到店"),
]


@pytest.mark.parametrize(("table", "column", "added", "typed"), BUILT_IN_SELECTS)
def test_an_option_added_to_a_built_in_select_is_saved_filtered_and_charted_like_the_others(
        db, make_customer, table, column, added, typed):
    fields.update_field(db, ADMIN, table, column, options=[*option_labels(db, table, column), added])
    code = code_of(db, table, column, added)
    customer = make_customer()
    row = {"customer_id": customer, "time": "2026-11-20 10:00"} if table == "follow_ups" else {"name": "抖音直播间"}
    inserted = apply(db, ChangeSet(table, inserts=(NewRow({**row, column: typed}),)), actor=ADMIN).inserted[0]
    if table == "follow_ups":
        insert(db, table, customer_id=customer, method="phone")
    else:
        apply(db, ChangeSet(table, edits=(RowEdit(customer, 1, {column: typed}),)), actor=ADMIN)  # the grid's edit
    stored = db[table].get(inserted)[column]
    assert code in (json.loads(stored) if column == "tags" else [stored])
    op = "any_tag" if column == "tags" else "in"
    found = fetch_page(db, Query(table, filters=(Filter(column, op, (code,)),)), actor=ADMIN)
    assert sorted(r["id"] for r in found) == sorted({inserted, customer} if table == "customers" else {inserted})
    charted = {x: v for x, _, v in chart_groups(db, ChartSpec(table, column), actor=ADMIN)}
    assert charted[code] == len(found)
    assert load_base(db).table(table).column(column).type.label(code, "zh") == added


def test_an_option_added_to_the_follow_up_methods_is_what_a_customers_latest_method_shows(db, make_customer):
    fields.update_field(db, ADMIN, "follow_ups", "method", options=[*option_labels(db, "follow_ups", "method"), "到店"])
    customer = make_customer()
    insert(db, "follow_ups", customer_id=customer, time="2026-11-21 09:00", method="到店")
    customers = load_base(db).table("customers")
    shown = customers.column("last_method").type.result.label(get_row(db, "customers", customer, actor=ADMIN)
                                                               ["last_method"], "zh")
    assert shown == "到店"


def test_a_built_in_options_label_renamed_is_what_its_cells_show_and_their_code_stays(db, make_customer):
    expo = make_customer(source="展会")
    renamed = ["线下展会" if label == "展会" else label for label in option_labels(db, "customers", "source")]
    fields.update_field(db, ADMIN, "customers", "source", options=renamed)
    source = load_base(db).table("customers").column("source").type
    assert db["customers"].get(expo)["source"] == "expo"
    assert (source.label("expo", "zh"), source.label("expo", "en")) == ("线下展会", "Trade show")
    assert option_labels(db, "customers", "source") == renamed
    other = make_customer(source="线下展会")
    assert db["customers"].get(other)["source"] == "expo"


@pytest.mark.parametrize(("table", "column", "removed", "lang"), [
    ("customers", "source", "展会", "zh"),
    ("customers", "stage", "成交", "zh"),
    ("customers", "stage", "Lost", "en"),
    ("customers", "grade", "A级", "zh"),
    ("customers", "tags", "意向强烈", "zh"),
    ("follow_ups", "method", "回访", "zh"),
])
def test_removing_a_built_in_option_is_refused_naming_it_and_writes_nothing(db, table, column, removed, lang):
    labels = option_labels(db, table, column, lang)
    before = db.execute("SELECT * FROM fields").fetchall()
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, table, column, options=[label for label in labels if label != removed],
                            lang=lang)
    assert (refused.value.reason, refused.value.params) == ("field.option_builtin", {"label": removed})
    assert db.execute("SELECT * FROM fields").fetchall() == before


def test_the_sales_stages_can_be_renamed_but_not_added_to(db):
    labels = option_labels(db, "customers", "stage", "zh")
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, "customers", "stage", options=[*labels, "暂停"])
    assert (refused.value.reason, refused.value.params) == ("field.options_fixed",
                                                            {"field": "销售阶段", "label": "暂停"})
    fields.update_field(db, ADMIN, "customers", "stage", options=["初步线索" if x == "线索" else x for x in labels])
    assert load_base(db).table("customers").column("stage").type.label("lead", "zh") == "初步线索"


@pytest.mark.parametrize(("column", "lang", "label"), [
    ("source", "en", "Online"),     # 线上咨询's code is online
    ("source", "zh", "phone"),      # 电话咨询's
    ("source", "en", "Expo"),       # 展会's (Trade show)
])
def test_an_option_named_like_another_options_code_is_refused(db, column, lang, label):
    labels = option_labels(db, "customers", column, lang)
    codes = {o.code for o in load_base(db).table("customers").column(column).type.options}
    assert label.lower() in codes
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, "customers", column, options=[*labels, label], lang=lang)
    assert refused.value.reason == "field.option_is_code"


def test_a_new_option_never_takes_over_the_cells_of_one_removed_earlier(db, make_customer):
    fields.update_field(db, ADMIN, "customers", "source", options=[*option_labels(db, "customers", "source", "zh"),
                                                                    "抖音"])
    douyin = code_of(db, "customers", "source", "抖音")
    customer = make_customer(source=douyin)
    fields.update_field(db, ADMIN, "customers", "source",
                        options=[x for x in option_labels(db, "customers", "source", "zh") if x != "抖音"])
    fields.update_field(db, ADMIN, "customers", "source", options=[*option_labels(db, "customers", "source", "zh"),
                                                                    "快手"])
    kuaishou = code_of(db, "customers", "source", "快手")
    assert kuaishou != douyin and db["customers"].get(customer)["source"] == douyin


@pytest.mark.parametrize(("column", "reason"), [
    ("score_grade", "field.options_computed"),     # 评分等级, from the lead score
    ("tier", "field.options_computed"),            # 客户分层, from the revenue
    ("urgency_class", "field.options_computed"),
    ("last_method", "field.options_computed"),     # a rollup of the follow-ups' 跟进方式
    ("region", "field.no_options"),
])
def test_a_computed_select_or_a_field_without_options_takes_no_options(db, column, reason):
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, "customers", column, options=["甲", "乙"])
    assert refused.value.reason == reason


def test_options_edited_in_english_change_only_the_english_labels(db, make_customer):
    chinese = option_labels(db, "customers", "source")
    english = ["Expo" if label == "Trade show" else label for label in option_labels(db, "customers", "source", "en")]
    fields.update_field(db, ADMIN, "customers", "source", options=[*english, "Douyin"], lang="en")
    assert option_labels(db, "customers", "source", "en") == [*english, "Douyin"]
    assert option_labels(db, "customers", "source") == [*chinese, "Douyin"]  # a new option: one name in both
    assert make_customer(source="Expo") and make_customer(source="展会")


def test_an_option_label_may_not_name_another_option_in_either_language(db):
    labels = ["Referral" if label == "展会" else label for label in option_labels(db, "customers", "source")]
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, "customers", "source", options=labels)  # 转介绍 is Referral in English
    assert refused.value.reason == "field.option_twice"


@pytest.mark.parametrize("after", [None, "number", "name", "tags", "last_revisit_at"])
def test_a_field_moved_to_a_place_lands_at_the_front_or_right_after_the_field_picked_in_one_step(db, after):
    name = fields.add_field(db, ADMIN, "customers", "合同编号", "text")  # lands after the 54 customer columns
    others = [c.name for c in load_base(db).table("customers").columns if c.name != name]
    fields.move_field_after(db, ADMIN, "customers", name, after)
    names = [c.name for c in load_base(db).table("customers").columns]
    assert names.index(name) == (0 if after is None else names.index(after) + 1)
    assert [n for n in names if n != name] == others  # the others keep their order


def test_a_field_moved_after_one_that_is_not_there_is_refused_and_nothing_moves(db):
    name = fields.add_field(db, ADMIN, "customers", "合同编号", "text")
    before = [c.name for c in load_base(db).table("customers").columns]
    with pytest.raises(FieldError) as refused:
        fields.move_field_after(db, ADMIN, "customers", name, "f999")
    assert refused.value.reason == "field.not_found"
    assert [c.name for c in load_base(db).table("customers").columns] == before
