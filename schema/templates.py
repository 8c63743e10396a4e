"""Tables people add: the shape every added table starts with, and the templates that ship with Genjin.

An added table is named ``t<number>`` and starts with one field, 名称, that
names its records; a template adds its fields on top (seeds: 模板2 跟进计划,
模板4 销售漏斗阶段, 模板5 转介绍记录; and 合同, 满意度回访). A field is
``(label, kind, extra)`` where extra is the options of a select or, for a
``link``, the table it links to.
"""

from __future__ import annotations

from dataclasses import dataclass

from schema.labels import L, Label
from schema.model import Column, Table
from schema.types import Text

TITLE = "title"


def empty_table(name: str, label: Label) -> Table:
    """An added table as created: its 名称 field only."""
    return Table(name=name, label=label, label_column=TITLE, default_order="id", columns=(
        Column(TITLE, Text(), L("名称", "Name"), required=True, searchable=True, width="medium"),))


@dataclass(frozen=True)
class Template:
    """A table to start from: its name and its fields."""

    code: str
    label: Label
    fields: tuple[tuple[str, str, object], ...]


TEMPLATES: tuple[Template, ...] = (
    Template("referrals", L("转介绍记录", "Referrals"), (
        ("推荐人", "link", "customers"),
        ("被推荐客户", "text", None),
        ("推荐时间", "date", None),
        ("状态", "single", ("跟进中", "已成交", "未成交")),
        ("奖励", "money", None),
        ("备注", "long_text", None),
    )),
    Template("follow_up_plans", L("跟进计划", "Follow-up plans"), (
        ("客户", "link", "customers"),
        ("计划跟进时间", "date", None),
        ("跟进方式", "single", ("电话", "拜访", "线上会议", "邮件", "微信")),
        ("跟进目标", "long_text", None),
        ("准备资料", "long_text", None),
        ("完成", "checkbox", None),
    )),
    Template("funnel_stages", L("销售漏斗阶段", "Funnel stages"), (
        ("客户", "link", "customers"),
        ("阶段", "single", ("线索", "意向", "方案", "谈判", "成交")),
        ("进入日期", "date", None),
        ("预计成交金额", "money", None),
        ("关键动作", "long_text", None),
    )),
    Template("contracts", L("合同", "Contracts"), (
        ("客户", "link", "customers"),
        ("合同金额", "money", None),
        ("签订日期", "date", None),
        ("到期日期", "date", None),
        ("状态", "single", ("执行中", "已到期", "已续签", "已终止")),
    )),
    Template("satisfaction", L("满意度回访", "Satisfaction visits"), (
        ("客户", "link", "customers"),
        ("回访日期", "date", None),
        ("满意度", "rating", None),
        ("意见与建议", "long_text", None),
    )),
)


def template(code: str) -> Template:
    """The template called ``code``; raises KeyError."""
    for candidate in TEMPLATES:
        if candidate.code == code:
            return candidate
    raise KeyError(code)
