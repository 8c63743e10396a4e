"""The field kinds the base fills or that point at members (人员, 自动编号, 创建时间, 修改时间), defaults,
and changing a field's type: values converted where they fit, kept where they do not."""

from __future__ import annotations

import datetime as dt

import pytest

from db import conversions, fields
from db.changes import ChangeSet, RowEdit, apply
from db.errors import InvalidChanges, StaleRow
from db.fields import FieldError
from db.history import row_history
from db.queries import Query, fetch_page, get_row
from schema.types import AutoNumber, InvalidValue, check_number_format
from tests.conftest import ADMIN, NOW, insert


def value(db, table: str, row_id: int, name: str):
    return db.execute(f'SELECT "{name}" FROM "{table}" WHERE id = ?', [row_id]).fetchone()[0]


@pytest.mark.parametrize(("form", "day", "sequence", "expected"), [
    ("{YYYY}{MM}{seq:3}", dt.date(2026, 11, 8), 1, "202611001"),
    ("{YYYY}{MM}{seq:3}", dt.date(2026, 11, 8), 1000, "2026111000"),
    ("KH-{seq:5}", dt.date(2026, 11, 8), 42, "KH-00042"),
    ("HT{YY}{MM}{DD}-{seq}", dt.date(2027, 1, 2), 7, "HT270102-7"),
    ("合同{YYYY}年第{seq:2}号", dt.date(2026, 3, 1), 3, "合同2026年第03号"),
])
def test_an_auto_number_is_made_by_its_format(form, day, sequence, expected):
    assert AutoNumber(format=check_number_format(form)).render(day, sequence) == expected


@pytest.mark.parametrize("form", ["{YYYY}{MM}", "{seq}{seq}", "{YYYYY}{seq}", "KH-{seq:3", "{seq:123}", "", "x" * 41])
def test_a_number_format_without_exactly_one_counter_or_with_unknown_tokens_is_refused(form):
    with pytest.raises(InvalidValue):
        check_number_format(form)


def test_an_auto_number_field_numbers_rows_already_there_in_order_and_new_ones_after(db, make_customer):
    first, second = make_customer(), make_customer()
    name = fields.add_field(db, ADMIN, "customers", "合同编号", "autonumber", number_format="HT-{YYYY}-{seq:4}",
                            now=NOW)
    year = dt.date.today().year
    assert [value(db, "customers", i, name) for i in (first, second)] == [f"HT-{year}-0001", f"HT-{year}-0002"]
    third = insert(db, "customers", name="第三家公司", now=NOW)
    assert value(db, "customers", third, name) == "HT-2026-0003"


def test_an_auto_number_cannot_be_typed_into_or_repeated(db, make_customer):
    customer = make_customer()
    name = fields.add_field(db, ADMIN, "customers", "编号", "autonumber", number_format="KH{seq:2}")
    with pytest.raises(InvalidChanges):
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {name: "KH99"}),)), actor=ADMIN)
    numbers = {value(db, "customers", insert(db, "customers", name=f"公司{i}"), name) for i in range(5)}
    assert len(numbers) == 5


def test_a_changed_number_format_applies_to_rows_added_afterwards(db, make_customer):
    before = make_customer()
    name = fields.add_field(db, ADMIN, "customers", "编号", "autonumber", number_format="A{seq:2}")
    fields.update_field(db, ADMIN, "customers", name, number_format="B{seq:2}")
    after = make_customer()
    assert (value(db, "customers", before, name), value(db, "customers", after, name)) == ("A01", "B01")
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, "customers", name, number_format="B")
    assert refused.value.reason == "field.number_format"


def test_a_created_time_field_is_filled_for_rows_there_and_stamped_on_new_ones(db):
    old = insert(db, "customers", name="老客户", now=dt.datetime(2026, 5, 1, 9, 15))
    name = fields.add_field(db, ADMIN, "customers", "创建时间", "created")
    new = insert(db, "customers", name="新客户", now=dt.datetime(2026, 11, 22, 16, 45))
    assert value(db, "customers", old, name) == "2026-05-01 09:15"  # from the history
    assert value(db, "customers", new, name) == "2026-11-22 16:45"
    with pytest.raises(InvalidChanges):
        apply(db, ChangeSet("customers", edits=(RowEdit(new, 1, {name: "2020-01-01 00:00"}),)), actor=ADMIN)


def test_a_modified_time_field_shows_the_last_change_and_sorts(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "修改时间", "modified")
    early, late = make_customer(), make_customer()
    apply(db, ChangeSet("customers", edits=(RowEdit(early, 1, {"notes": "改过"}),)), actor=ADMIN,
          now=dt.datetime(2026, 12, 1, 8, 0))
    assert get_row(db, "customers", early, actor=ADMIN)[name] == "2026-12-01 08:00"
    rows = fetch_page(db, Query("customers", sort=name, descending=True), actor=ADMIN)
    assert [r["id"] for r in rows][:2] == [early, late]


def test_a_person_field_picks_a_member_and_refuses_unknown_ones(db, make_customer):
    customer = make_customer()
    name = fields.add_field(db, ADMIN, "customers", "售后对接人", "person")
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {name: 1}),)), actor=ADMIN)
    assert value(db, "customers", customer, name) == 1
    with pytest.raises(InvalidChanges) as refused:
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 2, {name: 999}),)), actor=ADMIN)
    assert refused.value.problems[0].reason == "invalid.link_missing"


@pytest.mark.parametrize(("kind_code", "typed", "stored"), [
    ("text", "  官网 ", "官网"),
    ("number", "10", 10.0),
    ("single", "重要", "o1"),
    ("checkbox", "是", 1),
    ("date", "今天", "2026-11-22"),
    ("datetime", "now", "2026-11-22 10:30"),
])
def test_a_default_fills_rows_added_without_the_field(db, kind_code, typed, stored):
    name = fields.add_field(db, ADMIN, "customers", "带默认值", kind_code, default=typed,
                            options=["重要", "普通"] if kind_code == "single" else ())
    row = insert(db, "customers", name="新公司", now=NOW)
    assert value(db, "customers", row, name) == stored
    row = insert(db, "customers", name="另一家", now=NOW, **{name: None})
    assert value(db, "customers", row, name) == stored


def test_a_default_that_does_not_fit_the_field_is_refused_and_can_be_cleared(db):
    with pytest.raises(FieldError) as refused:
        fields.add_field(db, ADMIN, "customers", "数量", "number", default="很多")
    assert refused.value.reason == "field.bad_default"
    name = fields.add_field(db, ADMIN, "customers", "数量", "number", default="3")
    fields.update_field(db, ADMIN, "customers", name, clear_default=True)
    assert value(db, "customers", insert(db, "customers", name="甲公司"), name) is None


@pytest.mark.parametrize(("old", "new", "typed", "converted", "kept"), [
    ("text", "number", ["12", "1,500", "很多"], [12.0, 1500.0], ["很多"]),
    ("text", "date", ["2026年11月8日", "2026/1/2", "下周"], ["2026-11-08", "2026-01-02"], ["下周"]),
    ("text", "phone", ["+86 138 0013 8000", "12345"], ["13800138000"], ["12345"]),
    ("number", "text", ["12", "3.5"], ["12", "3.5"], []),
    ("number", "rating", ["4", "9"], [4], [9]),
    ("text", "checkbox", ["是", "否", "也许"], [1, 0], ["也许"]),
    ("checkbox", "number", ["是", "否"], [1.0, 0.0], []),          # 0/1 tried as stored
    ("single", "number", ["重要"], [], ["重要"]),                  # kept by its label, not its code
    ("datetime", "date", ["2026-11-03 14:30"], ["2026-11-03"], []),  # converted, but counted as shortened
])
def test_changing_a_type_converts_what_fits_and_keeps_the_rest_as_typed(db, make_customer, old, new, typed,
                                                                        converted, kept):
    name = fields.add_field(db, ADMIN, "customers", "旧字段", old, options=["重要", "普通"] if old == "single" else ())
    ids = [make_customer(**{name: text}) for text in typed]
    result = conversions.change_kind(db, ADMIN, "customers", name, new)
    assert (result.converted, result.kept) == (len(converted), len(kept))
    values = [value(db, "customers", i, name) for i in ids]
    assert values == [*converted, *kept]
    assert [type(v) for v in values] == [type(v) for v in [*converted, *kept]]  # numbers stay numbers


def test_text_becoming_a_select_gets_its_values_as_options_and_cells_follow(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "渠道", "text")
    ids = [make_customer(**{name: text}) for text in ("展会", "官网", "展会", None)]
    conversions.change_kind(db, ADMIN, "customers", name, "single")
    column = fields.load_base(db).table("customers").column(name)
    assert [o.label.zh for o in column.type.options] == ["展会", "官网"]
    assert [column.type.label(value(db, "customers", i, name), "zh") for i in ids] == ["展会", "官网", "展会", ""]


def test_a_select_becoming_text_keeps_its_labels(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "渠道", "multi", options=["展会", "官网"])
    customer = make_customer(**{name: "展会，官网"})
    conversions.change_kind(db, ADMIN, "customers", name, "text")
    assert value(db, "customers", customer, name) == "展会，官网"


def test_a_type_change_is_recorded_per_row_and_moves_versions_on(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "金额", "text")
    customer = make_customer(**{name: "1,000"})
    conversions.change_kind(db, ADMIN, "customers", name, "money")
    assert get_row(db, "customers", customer, actor=ADMIN)["version"] == 2
    entries = row_history(db, "customers", customer, actor=ADMIN)
    assert tuple(entries[0].changes[name]) == ("1,000", 1000.0)
    with pytest.raises(StaleRow):  # a grid opened before the change is told, not overwritten
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {name: "5"}),)), actor=ADMIN)


@pytest.mark.parametrize(("table", "name", "kind_code", "reason"), [
    ("customers", "phone", "text", "field.builtin"),
    ("customers", "nope", "text", "field.not_found"),
])
def test_built_in_and_unknown_fields_cannot_change_type(db, table, name, kind_code, reason):
    with pytest.raises(FieldError) as refused:
        conversions.change_kind(db, ADMIN, table, name, kind_code)
    assert refused.value.reason == reason


def test_computed_fields_and_links_cannot_change_type(db):
    name = fields.add_field(db, ADMIN, "customers", "公式", "formula", formula="1 + 1")
    with pytest.raises(FieldError) as refused:
        conversions.change_kind(db, ADMIN, "customers", name, "number")
    assert refused.value.reason == "field.not_convertible"


def test_a_conversion_that_drops_a_time_of_day_says_so(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "约见时间", "datetime")
    make_customer(**{name: "2026-11-03 14:30"})
    make_customer(**{name: "2026-11-04 00:00"})
    result = conversions.change_kind(db, ADMIN, "customers", name, "date")
    assert (result.converted, result.kept, result.shortened) == (2, 0, 1)


def test_a_number_that_does_not_fit_is_kept_as_the_number_it_was(db, make_customer):
    name = fields.add_field(db, ADMIN, "customers", "分数", "number")
    customer = make_customer(**{name: "9"})
    conversions.change_kind(db, ADMIN, "customers", name, "rating")
    assert value(db, "customers", customer, name) == 9
