"""Links holding several records: picked by label, shown on both sides, counted, looked up, filtered,
emptied one by one when a linked record is deleted, and kept within a salesperson's sight."""

from __future__ import annotations

import json

import pytest

from db import fields, tables
from db.changes import ChangeSet, NewRow, RowDelete, RowEdit, apply
from db.charts import ChartSpec, chart_groups
from db.errors import InvalidChanges
from db.fields import load_base
from db.queries import Filter, Query, fetch_page, get_row
from db.undo import trash, undo
from schema.types import InvalidValue, Link
from tests.conftest import ADMIN


@pytest.mark.parametrize(("raw", "stored"), [
    ([3, 1], "[1, 3]"),
    (["17", "3", "3"], "[3, 17]"),
    ("17，3", "[3, 17]"),
    ("[5]", "[5]"),
    ([], None),
    ("", None),
])
def test_several_links_are_stored_as_a_sorted_list_of_ids(raw, stored):
    assert Link("customers", multiple=True).parse(raw) == stored


@pytest.mark.parametrize("raw", ["甲公司", [1.5], "[1, ", True, ["x"]])
def test_a_link_list_that_is_not_ids_is_refused(raw):
    with pytest.raises(InvalidValue):
        Link("customers", multiple=True).parse(raw)


@pytest.fixture
def contracts(db, make_customer):
    """A 合同 table whose 涉及客户 links several customers; returns (table, link, [customer ids])."""
    customers = [make_customer(name=name) for name in ("甲公司", "乙公司", "丙公司")]
    table = tables.create_table(db, ADMIN, "合同")
    link = fields.add_field(db, ADMIN, table, "涉及客户", "link", link="customers", multiple=True)
    return table, link, customers


def add(db, table: str, **values) -> int:
    return apply(db, ChangeSet(table, inserts=(NewRow(values),)), actor=ADMIN).inserted[0]


def test_a_cell_links_several_records_and_each_shows_it_on_its_side(db, contracts):
    table, link, (first, second, third) = contracts
    add(db, table, title="框架协议", **{link: [first, second]})
    add(db, table, title="补充协议", **{link: [second]})
    backlink = next(c.name for c in load_base(db).table("customers").columns if c.label.zh == "合同")
    shown = {i: get_row(db, "customers", i, actor=ADMIN)[backlink] for i in (first, second, third)}
    assert shown == {first: "框架协议", second: "框架协议、补充协议", third: None}


def test_a_rollup_counts_and_a_lookup_lists_across_several_links(db, contracts):
    table, link, (first, second, _) = contracts
    row = add(db, table, title="框架协议", **{link: [first, second]})
    add(db, table, title="补充协议", **{link: [second]})
    count = fields.add_field(db, ADMIN, "customers", "合同数", "rollup",
                             rollup={"table": table, "via": link, "aggregate": "count"})
    names = fields.add_field(db, ADMIN, table, "客户编号们", "lookup", lookup=(link, "name"))
    assert [get_row(db, "customers", i, actor=ADMIN)[count] for i in (first, second)] == [1, 2]
    assert get_row(db, table, row, actor=ADMIN)[names] == "甲公司、乙公司"


def test_filtering_and_sorting_by_a_link_list(db, contracts):
    table, link, (first, second, third) = contracts
    both = add(db, table, title="框架协议", **{link: [first, second]})
    only_third = add(db, table, title="丙方合同", **{link: [third]})
    holds_second = fetch_page(db, Query(table, filters=(Filter(link, "in", (second,)),)), actor=ADMIN)
    assert [r["id"] for r in holds_second] == [both]
    by_label = fetch_page(db, Query(table, filters=(Filter(link, "label_contains", ("丙",)),)), actor=ADMIN)
    assert [r["id"] for r in by_label] == [only_third]
    ordered = fetch_page(db, Query(table, sort=link), actor=ADMIN)
    assert [r["id"] for r in ordered] == [only_third, both]  # 丙公司 sorts before 甲公司、乙公司


def test_a_link_to_a_record_that_does_not_exist_is_refused_naming_it(db, contracts):
    table, link, (first, _, _) = contracts
    with pytest.raises(InvalidChanges) as refused:
        add(db, table, title="坏合同", **{link: [first, 999]})
    assert (refused.value.problems[0].value, refused.value.problems[0].reason) == (999, "invalid.link_missing")


def test_deleting_a_linked_record_takes_only_it_out_of_the_list_and_undo_puts_it_back(db, contracts):
    table, link, (first, second, _) = contracts
    row = add(db, table, title="框架协议", **{link: [first, second]})
    apply(db, ChangeSet("customers", deletes=(RowDelete(first, 1),)), actor=ADMIN)
    assert json.loads(get_row(db, table, row, actor=ADMIN)[link]) == [second]
    [deleted] = trash(db, actor=ADMIN)
    undo(db, deleted.change_id, actor=ADMIN)
    assert json.loads(get_row(db, table, row, actor=ADMIN)[link]) == [first, second]


def test_editing_a_link_list_is_recorded_like_any_edit(db, contracts):
    table, link, (first, _, third) = contracts
    row = add(db, table, title="框架协议", **{link: [first]})
    apply(db, ChangeSet(table, edits=(RowEdit(row, 1, {link: [first, third]}),)), actor=ADMIN)
    assert get_row(db, table, row, actor=ADMIN)[link] == f"[{first}, {third}]"


def test_a_one_click_chart_counts_each_linked_record(db, contracts):
    table, link, (first, second, _) = contracts
    add(db, table, title="框架协议", **{link: [first, second]})
    add(db, table, title="补充协议", **{link: [second]})
    groups = chart_groups(db, ChartSpec(table, link), actor=ADMIN)
    assert sorted((x, n) for x, _, n in groups) == [(first, 1), (second, 2)]


def test_a_salesperson_sees_and_links_only_customers_in_their_sight(db, contracts):
    from tests.conftest import LINA

    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (3, 'lina', '李娜', 'sales')")
    db.conn.commit()
    table, link, (first, second, _) = contracts
    db.execute("UPDATE customers SET owner_id = 1 WHERE id = ?", [first])  # the admin's; 乙公司 is in the pool
    db.conn.commit()
    names = fields.add_field(db, ADMIN, table, "客户们", "lookup", lookup=(link, "name"))
    row = add(db, table, title="框架协议", **{link: [first, second]})
    assert get_row(db, table, row, actor=LINA)[names] == "乙公司"
    with pytest.raises(InvalidChanges):
        apply(db, ChangeSet(table, inserts=(NewRow({"title": "我的合同", link: [first]}),)), actor=LINA)


@pytest.mark.parametrize(("stored", "fits"), [("[1, 2]", True), (None, True), (3, False), ("甲公司", False),
                                              ("[abc", False)])
def test_the_grid_takes_a_stored_link_list_as_fitting_its_column(stored, fits):
    from schema.labels import L
    from schema.model import Column
    from ui.cells import fits as cell_fits

    column = Column("f1", Link("customers", multiple=True), L("涉及客户", "Customers"))
    assert cell_fits(column, stored) is fits


def test_a_link_list_is_not_offered_to_group_by(db, contracts):
    from db.queries import groupable

    table, link, _ = contracts
    assert not groupable(load_base(db).table(table).column(link))


def test_deleting_a_customer_takes_its_follow_ups_out_of_lists_too(db, make_customer, make_follow_up):
    customer = make_customer(name="甲公司")
    visits = [make_follow_up(customer), make_follow_up(customer)]
    table = tables.create_table(db, ADMIN, "拜访汇总")
    link = fields.add_field(db, ADMIN, table, "相关跟进", "link", link="follow_ups", multiple=True)
    row = add(db, table, title="十一月", **{link: visits})
    apply(db, ChangeSet("customers", deletes=(RowDelete(customer, 1),)), actor=ADMIN)
    after = get_row(db, table, row, actor=ADMIN)
    assert after[link] is None
    apply(db, ChangeSet(table, edits=(RowEdit(row, after["version"], {link: [], "title": "十一月（改）"}),)),
          actor=ADMIN)  # still saves


def test_a_salesperson_editing_a_list_keeps_the_records_she_cannot_see(db, contracts):
    from tests.conftest import LINA

    db.execute("INSERT INTO users (id, username, display_name, role) VALUES (3, 'lina', '李娜', 'sales')")
    db.conn.commit()
    table, link, (first, second, third) = contracts
    db.execute("UPDATE customers SET owner_id = 1 WHERE id = ?", [first])  # not hers
    db.conn.commit()
    row = add(db, table, title="框架协议", **{link: [first, second]})
    # her grid shows 乙公司 only; she adds 丙公司 and sends what she sees
    apply(db, ChangeSet(table, edits=(RowEdit(row, 1, {link: [second, third]}),)), actor=LINA)
    assert json.loads(get_row(db, table, row, actor=ADMIN)[link]) == [first, second, third]
    # she removes 乙公司: 甲公司, which she cannot see, stays
    apply(db, ChangeSet(table, edits=(RowEdit(row, 2, {link: [third]}),)), actor=LINA)
    assert json.loads(get_row(db, table, row, actor=ADMIN)[link]) == [first, third]


def test_undoing_an_edit_of_a_list_does_not_bring_back_a_deleted_record(db, contracts):
    from db.undo import last_change

    table, link, (first, second, _) = contracts
    row = add(db, table, title="框架协议", **{link: [first, second]})
    apply(db, ChangeSet(table, edits=(RowEdit(row, 1, {link: [first]}),)), actor=ADMIN)
    edit = last_change(db, ADMIN)
    apply(db, ChangeSet("customers", deletes=(RowDelete(second, 1),)), actor=ADMIN)
    undo(db, edit, actor=ADMIN)
    assert json.loads(get_row(db, table, row, actor=ADMIN)[link]) == [first]


def test_the_pairs_behind_the_other_side_always_equal_the_lists(db, contracts):
    from db.changes import bulk_load
    from db.connection import write_transaction

    table, link, (first, second, third) = contracts
    row = add(db, table, title="框架协议", **{link: [first, second]})
    apply(db, ChangeSet(table, edits=(RowEdit(row, 1, {link: [third]}),)), actor=ADMIN)
    add(db, table, title="补充协议", **{link: [first, third]})
    with write_transaction(db), bulk_load(db, table):
        db.execute(f'INSERT INTO "{table}" (title, "{link}") VALUES (?, ?)', ["批量导入", json.dumps([second])])
    apply(db, ChangeSet(table, deletes=(RowDelete(row, 2),)), actor=ADMIN)

    def pairs():
        return sorted(db.execute("SELECT row_id, target_id FROM link_pairs WHERE table_name = ? AND field = ?",
                                 [table, link]).fetchall())

    def lists():
        found = db.execute(f'SELECT id, "{link}" FROM "{table}" WHERE "{link}" IS NOT NULL').fetchall()
        return sorted((row_id, target) for row_id, stored in found for target in json.loads(stored))

    assert pairs() == lists() and len(pairs()) == 3
