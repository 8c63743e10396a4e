"""公式 fields: the language computed in SQL on every row, references that survive renames,
and every mistake refused with where and why."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import fields
from db.changes import ChangeSet, RowEdit, apply
from db.fields import FieldError, checked_formula, clean_label, formula_text, load_base
from db.queries import Filter, Query, fetch_page, get_row
from schema.crm import CUSTOMERS
from schema.formula import FormulaError, parse
from schema.labels import Label
from schema.model import Column
from schema.types import Formula, Number
from tests.conftest import ADMIN, LABELS, TODAY


@pytest.fixture
def deal(db, make_customer, make_follow_up):
    """A customer with an amount, a rate and two follow-ups; returns (customer id, amount field, rate field)."""
    amount = fields.add_field(db, ADMIN, "customers", "意向采购金额", "money")
    rate = fields.add_field(db, ADMIN, "customers", "概率", "percent")
    customer = make_customer(name="华东精密有限公司", contact="王明", stage="negotiation", grade="A",
                             **{amount: 200000, rate: 40})
    make_follow_up(customer, time="2026-10-01 09:00")
    make_follow_up(customer, time="2026-10-20 15:30")
    return customer, amount, rate


def value_of(db, customer: int, formula: str):
    name = fields.add_field(db, ADMIN, "customers", f"公式{abs(hash(formula)) % 10**8}", "formula", formula=formula)
    return get_row(db, "customers", customer, actor=ADMIN, today=TODAY)[name]


@pytest.mark.parametrize(("formula", "expected"), [
    ("{意向采购金额} * {概率} / 100", 80000.0),
    ("{意向采购金额} / 0", None),                      # ÷ 0: an empty cell
    ("-{概率} + 2 * 3", -34.0),
    ("ROUND({意向采购金额} / 3, 1)", 66666.7),
    ("ABS(-5)", 5),
    ('IF({跟进次数} = 0, "未跟进", "已跟进")', "已跟进"),
    ('{联系人} & " · " & {客户名称}', "王明 · 华东精密有限公司"),
    ('CONCAT(LEFT({客户名称}, 2), "/", RIGHT({客户名称}, 4), LEN({联系人}))', "华东/有限公司2"),
    ("{销售阶段}", "谈判"),                            # a select shows its label
    ('{销售阶段} = "谈判"', 1),                        # and compares by label …
    ('{Sales stage} = "Negotiation"', 1),              # … in either language
    ('{销售阶段} = "negotiation" AND NOT {潜力等级} = "B级"', 1),
    ('{潜力等级} = "B级" OR {概率} > 50', 0),
    ("TODAY()", "2026-11-22"),
    ("DAYS_BETWEEN({最近跟进时间}, TODAY())", 33),   # 2026-10-20 → 2026-11-22
    ("DATE_ADD({最近跟进时间}, 14)", "2026-11-03"),
    ("DAYS_BETWEEN({最近跟进时间}, TODAY()) > 30", 1),
])
def test_a_formula_computes_what_a_person_would_work_out(db, deal, formula, expected):
    customer, _, _ = deal
    assert value_of(db, customer, formula) == expected


@pytest.mark.parametrize(("formula", "reason", "params"), [
    ("{意向采购金额} *", "formula.incomplete", {}),
    ("{意向采购金额} ** 2", "formula.syntax", {"at": 11, "near": "*"}),  # the second *
    ("SUMX({概率})", "formula.unknown_function", {"name": "SUMX"}),
    ("IF({概率} > 1, 1)", "formula.arity", {"name": "IF", "count": 2}),
    ("{不存在的字段} + 1", "formula.unknown_field", {"label": "不存在的字段"}),
    ("   ", "formula.empty", {}),
])
def test_a_wrong_formula_is_refused_saying_where_and_why(db, deal, formula, reason, params):
    with pytest.raises(FieldError) as refused:
        fields.add_field(db, ADMIN, "customers", "错误的公式", "formula", formula=formula)
    assert (refused.value.reason, refused.value.params) == (reason, params)
    assert not any(c.label.zh == "错误的公式" for c in load_base(db).table("customers").columns)


def test_formulas_may_use_formulas_but_a_cycle_is_refused_naming_it(db, deal):
    customer, _, _ = deal
    weighted = fields.add_field(db, ADMIN, "customers", "预测金额", "formula", formula="{意向采购金额} * {概率} / 100")
    in_wan = fields.add_field(db, ADMIN, "customers", "预测金额(万)", "formula", formula="{预测金额} / 10000")
    assert get_row(db, "customers", customer, actor=ADMIN)[in_wan] == 8.0
    with pytest.raises(FieldError) as refused:
        fields.update_field(db, ADMIN, "customers", weighted, formula="{预测金额(万)} * 2")
    assert refused.value.params == {"path": "预测金额 → 预测金额(万) → 预测金额"}
    with pytest.raises(FieldError):
        fields.update_field(db, ADMIN, "customers", weighted, formula="{预测金额} + 1")


def test_renaming_a_field_does_not_break_the_formulas_that_use_it(db, deal):
    customer, amount, _ = deal
    weighted = fields.add_field(db, ADMIN, "customers", "预测金额", "formula", formula="{意向采购金额} * {概率} / 100")
    fields.update_field(db, ADMIN, "customers", amount, label="合同金额")
    table = load_base(db).table("customers")
    assert fields.formula_text(table, table.column(weighted).type.expression) == "{合同金额} * {概率} / 100"
    assert get_row(db, "customers", customer, actor=ADMIN)[weighted] == 80000.0


def test_a_formula_over_a_deleted_field_shows_empty_cells_not_an_error(db, deal):
    customer, amount, _ = deal
    weighted = fields.add_field(db, ADMIN, "customers", "预测金额", "formula", formula="{意向采购金额} * {概率} / 100")
    fields.delete_field(db, ADMIN, "customers", amount)
    assert get_row(db, "customers", customer, actor=ADMIN)[weighted] is None


def test_rows_sort_and_filter_by_a_formula_in_sql(db, deal, make_customer):
    _, amount, rate = deal
    small = make_customer(name="小单有限公司", **{amount: 1000, rate: 90})
    weighted = fields.add_field(db, ADMIN, "customers", "预测金额", "formula", formula="{意向采购金额} * {概率} / 100")
    big_first = fetch_page(db, Query("customers", sort=weighted, descending=True), actor=ADMIN)
    assert [r["name"] for r in big_first] == ["华东精密有限公司", "小单有限公司"]
    hot = fields.add_field(db, ADMIN, "customers", "大单", "formula", formula="{预测金额} >= 10000")
    found = fetch_page(db, Query("customers", filters=(Filter(hot, "in", (0,)),)), actor=ADMIN)
    assert [r["id"] for r in found] == [small]


def test_a_formula_follows_an_edit_at_once(db, deal):
    customer, _, rate = deal
    weighted = fields.add_field(db, ADMIN, "customers", "预测金额", "formula", formula="{意向采购金额} * {概率} / 100")
    version = db["customers"].get(customer)["version"]
    apply(db, ChangeSet("customers", edits=(RowEdit(customer, version, {rate: "75%"}),)), actor=ADMIN)
    assert get_row(db, "customers", customer, actor=ADMIN)[weighted] == 150000.0


@pytest.mark.parametrize("text", ["1 +", "(1", '"abc', "{a} {b}", "IF(", "1 2", "}", "{}", "@"])
def test_the_parser_refuses_broken_formulas_with_its_own_error(text):
    with pytest.raises(FormulaError):
        parse(text)


def failure_of(db, customer: int, formula: str):
    from db.queries import error_key

    name = fields.add_field(db, ADMIN, "customers", f"公式{abs(hash(formula)) % 10**8}", "formula", formula=formula)
    row = get_row(db, "customers", customer, actor=ADMIN, today=TODAY)
    return row[name], row.get(error_key(name))


@pytest.mark.parametrize(("formula", "value", "failure"), [
    ("{意向采购金额} / 0", None, "div0"),
    ("{意向采购金额} / ({概率} - 40)", None, "div0"),           # 概率 is 40 on this row
    ("{意向采购金额} / {概率}", 5000.0, None),
    ("IF({概率} = 40, 0, {意向采购金额} / ({概率} - 40))", 0, None),  # the guarded branch is not taken
    ("IF({概率} = 40, 1 / 0, 1)", None, "div0"),
    ('DATE_ADD("下周", 3)', None, "date"),
    ('DAYS_BETWEEN({最近跟进时间}, "明天")', None, "date"),
    ("DATE_ADD({最近跟进时间}, 14)", "2026-11-03", None),
    ("1 + 1", 2, None),
])
def test_a_formula_that_fails_on_a_row_says_why_in_that_cell_only(db, deal, formula, value, failure):
    customer, _, _ = deal
    assert failure_of(db, customer, formula) == (value, failure)


def test_a_formula_over_a_failing_formula_fails_too_and_other_rows_are_unaffected(db, deal, make_customer):
    from db.queries import error_key

    customer, amount, rate = deal
    other = make_customer(name="另一家公司", **{amount: 1000, rate: 50})
    per_point = fields.add_field(db, ADMIN, "customers", "每点金额", "formula",
                                 formula="{意向采购金额} / ({概率} - 40)")
    doubled = fields.add_field(db, ADMIN, "customers", "翻倍", "formula", formula="{每点金额} * 2")
    rows = {r["id"]: r for r in fetch_page(db, Query("customers"), actor=ADMIN, today=TODAY)}
    assert rows[customer][error_key(doubled)] == "div0"
    assert (rows[other][per_point], rows[other][doubled], rows[other][error_key(doubled)]) == (100.0, 200.0, None)


@pytest.mark.parametrize(("label", "written"), [
    ("预算{万元}", r"{预算\{万元\}}"),
    ("预算}2", r"{预算\}2}"),
    ("{}", r"{\{\}}"),
    ("C:\\报价\\", r"{C:\\报价\\}"),
    ("#1 渠道", r"{\#1 渠道}"),
    ("渠道 #1", r"{渠道 #1}"),
])
def test_a_field_whose_label_holds_braces_backslashes_or_a_leading_hash_is_referenced_escaped(db, deal, label,
                                                                                                written):
    customer, amount, _ = deal
    fields.update_field(db, ADMIN, "customers", amount, label=label)
    name = fields.add_field(db, ADMIN, "customers", "两倍金额", "formula", formula=f"{written} * 2")
    table = load_base(db).table("customers")
    assert table.column(name).type.expression == f"{{#{amount}}} * 2"
    assert formula_text(table, table.column(name).type.expression) == f"{written} * 2"
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)[name] == 400000.0


def test_a_referenced_field_renamed_with_a_brace_shows_a_formula_that_saves_back_unchanged(db, deal):
    customer, amount, _ = deal
    fields.update_field(db, ADMIN, "customers", amount, label="预算")
    doubled = fields.add_field(db, ADMIN, "customers", "两倍预算", "formula", formula="{预算} * 2")
    stored = load_base(db).table("customers").column(doubled).type.expression
    fields.update_field(db, ADMIN, "customers", amount, label="预算}2")
    table = load_base(db).table("customers")
    shown = formula_text(table, stored)
    assert shown == r"{预算\}2} * 2"
    fields.update_field(db, ADMIN, "customers", doubled, formula=shown)  # what the 字段 panel saves back
    assert load_base(db).table("customers").column(doubled).type.expression == stored
    assert get_row(db, "customers", customer, actor=ADMIN, today=TODAY)[doubled] == 400000.0


TAKEN = {label.casefold() for column in CUSTOMERS.columns for label in (column.label.zh, column.label.en)}


@settings(max_examples=2_000, deadline=None, database=None)
@given(label=LABELS, formula=st.sampled_from([
    "{{#f1}} * 2", "IF({{#f1}} > 0, {{#f1}}, -{{#f1}})", 'CONCAT({{#name}}, "{{x}}", {{#f1}})',
    "{{#f1}} + {{#expected_amount}} / {{#f1}}"]))
def test_any_label_shown_in_a_formula_parses_back_to_the_same_formula(label, formula):
    label = clean_label(label)
    if label.casefold() in TAKEN:
        return
    table = replace(CUSTOMERS, columns=(*CUSTOMERS.columns, Column("f1", Number(), Label(label, label)),
                                        Column("f2", Formula(), Label("结果", "Result"))))
    expression = formula.format()
    shown = formula_text(table, expression)
    assert checked_formula(table, "f2", shown)[0] == expression
