"""Core errors become one sentence each, in the user's language, safe to show as Markdown."""

from __future__ import annotations

import re

import pytest
import streamlit as st

from db.errors import InvalidChanges, Problem, StaleRow
from schema.crm import STAGES
from ui.i18n import LANGUAGE_KEY
from ui.messages import describe
from ui.text import md_escape


@pytest.fixture(params=["zh", "en"])
def lang(request):
    st.session_state[LANGUAGE_KEY] = request.param
    yield request.param
    st.session_state.pop(LANGUAGE_KEY, None)


def plain(markdown: str) -> str:
    return markdown.replace("\\", "")


@pytest.mark.parametrize(("problem", "expected"), [
    (Problem(12, "phone", "1380013", "invalid.phone"), {
        "zh": "「联系电话」第 12 行：“1380013” 不是有效的手机号或座机号（例：13800138000、021-62345678）",
        "en": "“Phone”, row 12: “1380013” is not a valid mobile or landline number (e.g. 13800138000, 021-62345678)"}),
    (Problem("新增第 1 行", "name", None, "invalid.required"), {
        "zh": "「客户名称」新增第 1 行：必填，不能为空", "en": "“Customer name”, 新增第 1 行: is required"}),
    (Problem(3, "stage", "签约", "invalid.choice", {"options": STAGES[:2]}), {
        "zh": "「销售阶段」第 3 行：“签约” 不是可选的选项（可选：线索、意向）",
        "en": "“Sales stage”, row 3: “签约” is not one of the options (Lead, Interest)"}),
], ids=["phone", "required", "choice"])
def test_a_problem_names_the_column_the_row_the_value_and_the_reason(lang, problem, expected):
    assert [plain(m) for m in describe(InvalidChanges("customers", [problem]))] == [expected[lang]]


def test_a_conflict_says_who_changed_the_row_and_when(lang):
    error = StaleRow("customers", 5, 2, "李娜", "2026-11-22 10:03:00")
    expected = {"zh": "第 2 行已被 李娜 于 2026-11-22 10:03:00 修改，您的修改没有保存。您输入的内容仍在表格中："
                      "可以“放弃我的修改并刷新”查看对方的修改，或“仍然保存我的修改”覆盖它。",
                "en": "row 2 was changed by 李娜 at 2026-11-22 10:03:00; your change was not saved. What you typed "
                      "is still in the grid: discard it to see their change, or save yours anyway over it."}
    assert [plain(m) for m in describe(error)] == [expected[lang]]


def test_errors_that_are_not_ours_are_not_swallowed():
    with pytest.raises(ZeroDivisionError):
        describe(ZeroDivisionError())


@pytest.mark.parametrize("text", ["[点我](http://evil.example)", "![x](http://evil.example/x.png)", "<b>粗</b>",
                                  "**粗体** _斜体_ `code` $x^2$", "# 标题", "www.evil.example"])
def test_user_text_cannot_become_markdown_links_images_or_html(text):
    escaped = md_escape(text)
    assert plain(escaped) == text
    assert re.search(r"(?<!\\)[\[\]()<>*_`$#!.]", escaped) is None  # every special character escaped
