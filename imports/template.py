"""The workbook a team fills in to import a table: its importable columns as headers, one example row,
and a 说明 (notes) sheet saying which columns are required, what forms each accepts and the options.

Importable columns are those a person may write (``Table.editable_columns``), in the table's order;
a required one's header ends with ``*``, which :mod:`imports.mapping` ignores when reading it back.
Written with :func:`exports.to_xlsx`, so no cell is ever a formula.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from exports import Sheet, to_xlsx
from schema.model import Column, Table
from schema.types import Checkbox, Choice, Date, DateTime, Email, Link, LongText, MultiChoice, Number, Phone, Text, Url

#: Example values of the built-in fields, (中文, English); other fields get one by their type.
EXAMPLES: dict[str, tuple[Any, Any]] = {
    "name": ("上海示例科技有限公司", "Example Technology Co., Ltd."),
    "customer_id": ("上海示例科技有限公司", "Example Technology Co., Ltd."),
    "region": ("上海", "Shanghai"),
    "address": ("上海市浦东新区示例路 1 号", "1 Example Road, Pudong, Shanghai"),
    "contact": ("张三", "Zhang San"),
    "contact_title": ("采购经理", "Purchasing manager"),
    "needs": ("需要一套销售管理系统", "Needs a sales management system"),
    "budget": ("50-80万元", "500-800k CNY"),
    "content": ("电话沟通需求，客户希望下周看演示", "Call about needs; wants a demo next week"),
    "next_action": ("准备演示", "Prepare the demo"),
}
_WORDS = {
    "zh": {"notes": "说明", "column": "列", "required": "必填", "forms": "可以这样写", "options": "可选值",
           "yes": "是", "when": "{column}为“{option}”时必填",
           "footer": ("带 * 的列必填；示例行导入前请删除。列的顺序可以不同，表头也可以用同义词（如“公司名称”“手机”）。",
                      "每个值的写法见上表；认不出的值导入时会逐行指出，不会被悄悄丢掉。")},
    "en": {"notes": "Notes", "column": "Column", "required": "Required", "forms": "Accepted forms",
           "options": "Options", "yes": "Yes", "when": "Required when {column} is “{option}”",
           "footer": ("Columns marked * are required; delete the example row before importing. Columns may come "
                      "in any order and headers may use synonyms (Company, Mobile).",
                      "Each value's forms are listed above; values that are not recognised are reported row by "
                      "row on import, never dropped silently.")},
}
_FORMS = {
    "zh": {"text": "文本，最多 {n} 字", "long": "多行文本，最多 {n} 字", "number": "数字：1200、1,200",
           "integer": "整数", "money": "金额（元）：125000、12.5万、¥125,000元、1.2亿", "percent": "0–100：35 或 35%",
           "rating": "1–5 的整数，或 ★★★", "date": "日期：2026-11-08、2026/11/8、2026.11.8、2026年11月8日、20261108",
           "datetime": "日期时间：2026-11-08 14:30、2026年11月8日 下午2:30（只写日期为 00:00）",
           "checkbox": "是/否、Y/N、TRUE/FALSE、1/0、✓", "choice": "选一项（中文、英文或代码均可）",
           "multi": "可选多项，用 、，; / 分隔",
           "phone": "手机 13800138000，或座机 021-62345678 转 801（+86、空格、横线均可）",
           "email": "邮箱：name@example.com", "url": "网址：https://example.com",
           "users": "成员的姓名或用户名", "customers": "客户名称或客户编号", "link": "所链接记录的名称"},
    "en": {"text": "Text, at most {n} characters", "long": "Several lines, at most {n} characters",
           "number": "A number: 1200, 1,200", "integer": "A whole number",
           "money": "An amount in CNY: 125000, 12.5万, ¥125,000, 1.2亿", "percent": "0–100: 35 or 35%",
           "rating": "A whole number 1–5, or ★★★", "date": "A date: 2026-11-08, 2026/11/8, 2026.11.8, 2026年11月8日, "
           "20261108", "datetime": "Date and time: 2026-11-08 14:30 (a date alone is 00:00)",
           "checkbox": "Yes/No, Y/N, TRUE/FALSE, 1/0, ✓", "choice": "One option (Chinese, English or code)",
           "multi": "Several options, separated by 、 , ; or /",
           "phone": "A mobile 13800138000, or a landline 021-62345678 ext 801 (+86, spaces, dashes allowed)",
           "email": "An e-mail: name@example.com", "url": "A web address: https://example.com",
           "users": "A member's name or username", "customers": "The customer's name or number",
           "link": "The linked record's name"},
}


def importable(table: Table) -> tuple[Column, ...]:
    """The columns an import may fill: the ones a person may write, in the table's order."""
    return table.editable_columns


def header(column: Column, lang: str) -> str:
    """A column's header in the template: its label, with ``*`` when required.

    >>> from schema.crm import CUSTOMERS
    >>> header(CUSTOMERS.column("name"), "zh"), header(CUSTOMERS.column("phone"), "en")
    ('客户名称*', 'Phone')
    """
    return column.label.get(lang) + ("*" if column.required else "")


def template(table: Table, lang: str = "zh") -> bytes:
    """An XLSX workbook: ``table``'s importable columns as headers with an example row, and a notes sheet."""
    lang = lang if lang in _WORDS else "zh"
    words = _WORDS[lang]
    columns = importable(table)
    data = Sheet(table.label.get(lang), [header(c, lang) for c in columns], [[example(c, lang) for c in columns]])
    notes = Sheet(words["notes"], [words["column"], words["required"], words["forms"], words["options"]],
                  [*(_note(table, c, lang) for c in columns), [], *([line] for line in words["footer"])],
                  widths=[18, 22, 60, 60])
    return to_xlsx([data, notes])


def _note(table: Table, column: Column, lang: str) -> list[str]:
    words = _WORDS[lang]
    required = words["yes"] if column.required else ""
    if column.required_when:
        select, code = column.required_when
        source = table.column(select)
        required = words["when"].format(column=source.label.get(lang), option=source.type.label(code, lang))
    options = "、".join(o.label.get(lang) for o in column.type.options) if isinstance(column.type, Choice) else ""
    help_text = f"（{column.help.get(lang)}）" if column.help and lang == "zh" else \
        f" ({column.help.get(lang)})" if column.help else ""
    return [column.label.get(lang), required, forms(column, lang) + help_text, options]


def forms(column: Column, lang: str = "zh") -> str:
    """What a cell of ``column`` may hold, in words (``日期：2026-11-08、2026/11/8 …``)."""
    text = _FORMS.get(lang, _FORMS["zh"])
    kind = column.type
    if isinstance(kind, MultiChoice):
        return text["multi"]
    if isinstance(kind, Choice):
        return text["choice"]
    if isinstance(kind, Number):
        return text.get(kind.display or "", text["integer" if kind.integer else "number"])
    if isinstance(kind, DateTime):
        return text["datetime"]
    if isinstance(kind, Date):
        return text["date"]
    if isinstance(kind, Link):
        return text.get(kind.table, text["link"])
    for kind_class, word in ((Checkbox, "checkbox"), (Phone, "phone"), (Email, "email"), (Url, "url")):
        if isinstance(kind, kind_class):
            return text[word]
    if isinstance(kind, Text):
        return text["long" if isinstance(kind, LongText) else "text"].format(n=kind.max_length)
    return ""


def example(column: Column, lang: str = "zh") -> Any:
    """An example value for ``column`` that an import accepts (empty for links and conditional fields)."""
    index = 1 if lang == "en" else 0
    if column.name in EXAMPLES:
        return EXAMPLES[column.name][index]
    kind = column.type
    if column.required_when or (isinstance(kind, Link) and not column.required):
        return None
    if isinstance(kind, MultiChoice):
        return "、".join(o.label.get(lang) for o in kind.options[:2])
    if isinstance(kind, Choice):
        chosen = next((o for o in kind.options if o.code == column.default), kind.options[0] if kind.options else None)
        return chosen.label.get(lang) if chosen else None
    if isinstance(kind, Number):
        if kind.display == "money":
            return 125000
        if kind.display == "percent":
            return 50
        return int(kind.minimum + kind.maximum) // 2 if kind.minimum is not None and kind.maximum is not None else 10
    samples: tuple[tuple[type, Any], ...] = (
        (DateTime, dt.datetime(2026, 11, 8, 14, 30)), (Date, dt.date(2026, 11, 8)), (Checkbox, _WORDS[lang]["yes"]),
        (Phone, "13800138000"), (Email, "name@example.com"), (Url, "https://example.com"))
    for kind_class, sample in samples:
        if isinstance(kind, kind_class):
            return sample
    return None
