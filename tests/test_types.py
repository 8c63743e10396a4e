"""Each column type parses raw input to its stored form, or says why not."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.crm import GRADES, TAGS
from schema.types import (
    Checkbox,
    Choice,
    Date,
    DateTime,
    Email,
    InvalidValue,
    Link,
    LongText,
    MultiChoice,
    Number,
    Phone,
    Text,
)


@pytest.mark.parametrize(("raw", "stored"), [
    ("13800138000", "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("+86-13800138000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("８６１３８００１３８０００", "13800138000"),
    (13800138000, "13800138000"),
    (13800138000.0, "13800138000"),
    ("021-62345678", "021-62345678"),
    ("(021) 6234 5678", "021-62345678"),
    ("02162345678", "021-62345678"),
    ("010-12345678", "010-12345678"),
    ("0755-86013388", "0755-86013388"),
    ("0755 8601 3388", "0755-86013388"),
    ("+86 21 6234 5678", "021-62345678"),
    ("021-62345678转801", "021-62345678-801"),
    ("021-62345678-801", "021-62345678-801"),
    ("021-62345678 EXT 9", "021-62345678-9"),
    ("0086 21 62345678", "021-62345678"),
    ("+86 400 820 8820", "400-820-8820"),
    ("400-820-8820", "400-820-8820"),
    ("4008208820", "400-820-8820"),
    ("  ", None),
    (None, None),
])
def test_phone_numbers_are_normalised(raw, stored):
    assert Phone().parse(raw) == stored


@pytest.mark.parametrize("raw", [
    "1380013", "12800138000", "138001380001", "62345678", "abc", "+1 415 555 0100", "021-123", "1380013800a",
])
def test_phone_numbers_that_are_not_numbers_are_refused(raw):
    with pytest.raises(InvalidValue) as error:
        Phone().parse(raw)
    assert (error.value.reason, error.value.value) == ("invalid.phone", raw)


@pytest.mark.parametrize(("raw", "stored"), [
    ("2026-11-08", "2026-11-08"),
    ("2026/11/8", "2026-11-08"),
    ("2026.11.8", "2026-11-08"),
    ("2026年11月8日", "2026-11-08"),
    ("2026年11月8号", "2026-11-08"),
    ("20261108", "2026-11-08"),
    ("２０２６－１１－０８", "2026-11-08"),
    ("2026-11-08T00:00:00.000", "2026-11-08"),
    ("2026-11-08 14:30", "2026-11-08"),
    (dt.date(2026, 11, 8), "2026-11-08"),
    (dt.datetime(2026, 11, 8, 14, 30), "2026-11-08"),
    ("", None),
])
def test_dates_are_read_in_every_common_form(raw, stored):
    assert Date().parse(raw) == stored


@pytest.mark.parametrize("raw", ["2026-13-01", "2026-02-30", "11/08/2026", "明天", "2026-11", "2026-11-08 25:00",
                                 "2026-11-08 23:59:99"])
def test_impossible_dates_are_refused(raw):
    with pytest.raises(InvalidValue) as error:
        Date().parse(raw)
    assert error.value.reason == "invalid.date"


@pytest.mark.parametrize(("raw", "stored"), [
    ("2026-11-08 14:30", "2026-11-08 14:30"),
    ("2026/11/8 9:05", "2026-11-08 09:05"),
    ("2026年11月8日 14：30", "2026-11-08 14:30"),
    ("2026-11-08T14:30:00.000", "2026-11-08 14:30"),
    ("2026-11-08T14:30:00Z", "2026-11-08 14:30"),
    ("2026-11-08", "2026-11-08 00:00"),
    (dt.datetime(2026, 11, 8, 14, 30, 59), "2026-11-08 14:30"),
])
def test_date_times_keep_the_minute(raw, stored):
    assert DateTime().parse(raw) == stored


@pytest.mark.parametrize("raw", ["2026-11-08 24:00", "2026-11-08 14:61", "2026-11-08 下午", "soon"])
def test_impossible_date_times_are_refused(raw):
    with pytest.raises(InvalidValue):
        DateTime().parse(raw)


@pytest.mark.parametrize(("raw", "stored"), [
    ("Sales@Example.COM", "sales@example.com"),
    (" li.na+crm@jiuzhou-tech.com.cn ", "li.na+crm@jiuzhou-tech.com.cn"),
    ("wang＠example.com", "wang@example.com"),
])
def test_email_addresses_are_trimmed_and_lower_cased(raw, stored):
    assert Email().parse(raw) == stored


@pytest.mark.parametrize("raw", ["wang", "wang@", "@example.com", "wang@example", "a b@example.com", "王@例子"])
def test_malformed_email_addresses_are_refused(raw):
    with pytest.raises(InvalidValue) as error:
        Email().parse(raw)
    assert error.value.reason == "invalid.email"


@pytest.mark.parametrize(("kind", "raw", "stored"), [
    (Number(), "1,234.5", 1234.5),
    (Number(), "¥ 3000", 3000.0),
    (Number(), "１２", 12.0),
    (Number(), 7, 7),
    (Number(integer=True), "42", 42),
    (Number(integer=True), 42.0, 42),
    (Number(minimum=0), "0", 0.0),
])
def test_numbers_accept_commas_currency_and_full_width_digits(kind, raw, stored):
    assert kind.parse(raw) == stored


@pytest.mark.parametrize(("kind", "raw", "reason"), [
    (Number(), "十二", "invalid.number"),
    (Number(), "nan", "invalid.number"),
    (Number(), True, "invalid.number"),
    (Number(integer=True), "4.5", "invalid.integer"),
    (Number(minimum=1), "0", "invalid.too_small"),
    (Number(maximum=5), "6", "invalid.too_large"),
    (Number(integer=True), 10**400, "invalid.too_large"),
    (Number(), "1_000", "invalid.number"),
])
def test_numbers_out_of_shape_are_refused(kind, raw, reason):
    with pytest.raises(InvalidValue) as error:
        kind.parse(raw)
    assert error.value.reason == reason


@pytest.mark.parametrize(("raw", "stored"), [("A", "A"), ("a", "A"), ("A级", "A"), ("Ａ级", "A"), (" B级 ", "B")])
def test_choices_accept_code_or_label_in_either_language(raw, stored):
    assert Choice(GRADES).parse(raw) == stored


def test_an_unknown_choice_is_refused_with_the_options():
    with pytest.raises(InvalidValue) as error:
        Choice(GRADES).parse("D级")
    assert error.value.reason == "invalid.choice"
    assert [o.code for o in error.value.params["options"]] == ["A", "B", "C"]


@pytest.mark.parametrize(("raw", "stored"), [
    (["comparing", "strong_intent"], '["strong_intent", "comparing"]'),
    ("竞品对比中，意向强烈", '["strong_intent", "comparing"]'),
    ("意向强烈、意向强烈", '["strong_intent"]'),
    ('["budget_pending"]', '["budget_pending"]'),
    ([], None),
])
def test_tags_are_stored_as_codes_in_option_order(raw, stored):
    assert MultiChoice(TAGS).parse(raw) == stored


def test_an_unknown_tag_is_refused():
    with pytest.raises(InvalidValue) as error:
        MultiChoice(TAGS).parse(["意向强烈", "不存在的标签"])
    assert error.value.value == "不存在的标签"


@pytest.mark.parametrize(("raw", "stored"), [(True, 1), (False, 0), ("是", 1), ("否", 0), ("yes", 1), (None, 0)])
def test_checkboxes_store_one_or_zero(raw, stored):
    assert Checkbox().parse(raw) == stored


@pytest.mark.parametrize(("kind", "raw", "stored"), [
    (Text(), "  华东精密  ", "华东精密"),
    (Text(), "第一行\n第二行", "第一行 第二行"),
    (LongText(), "第一行\n第二行", "第一行\n第二行"),
    (Text(), "'; DROP TABLE customers; --", "'; DROP TABLE customers; --"),
    (Link("users"), 3, 3),
    (Link("users"), "3", 3),
])
def test_text_and_links_are_stored_as_given(kind, raw, stored):
    assert kind.parse(raw) == stored


@pytest.mark.parametrize(("kind", "raw", "reason"), [
    (Text(max_length=5), "一二三四五六", "invalid.too_long"),
    (Link("users"), "张伟", "invalid.link"),
    (Link("users"), 2.5, "invalid.link"),
    (Link("users"), True, "invalid.link"),
])
def test_text_too_long_and_links_that_are_not_ids_are_refused(kind, raw, reason):
    with pytest.raises(InvalidValue) as error:
        kind.parse(raw)
    assert error.value.reason == reason


@pytest.mark.parametrize("kind", [Phone(), Email(), Date(), DateTime(), Number(), Number(integer=True),
                                  Choice(GRADES), MultiChoice(TAGS), Checkbox(), Text(), Link("users")],
                         ids=lambda kind: type(kind).__name__)
@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none()))
def test_any_input_is_either_parsed_to_a_stable_value_or_refused_with_a_reason(kind, raw):
    try:
        stored = kind.parse(raw)
    except InvalidValue as error:
        assert error.reason.startswith("invalid.")
        return
    assert kind.parse(stored if not isinstance(kind, MultiChoice) else stored or []) == stored


@pytest.mark.parametrize("raw", ["1" + " " * 100_000 + "：1", " " * 100_000 + "x", "1" * 100_000])
def test_a_very_long_phone_is_refused_at_once(raw):
    started = time.perf_counter()
    with pytest.raises(InvalidValue):
        Phone().parse(raw)
    assert time.perf_counter() - started < 0.5
