"""A raw cell of an imported file made into what its column's parser accepts (``db.changes.validate``).

Owns the forms people write in spreadsheets that the grid's parsers (``schema/types.py``) do not
take: ``2026年11月8日``, Excel serial days (46334), ``12.5万``, ``¥1,200元``, ``+86 138-0013-8000``,
``手机：138…``, option labels in either language, ``是``/``✓`` … :func:`normalize` never raises: what
it does not recognise goes on as text, so validation reports it with its row and column, and the
person sees what the file held. Links (负责人 → a member) are not resolved here; the text goes on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from schema.model import Column
from schema.types import (
    Checkbox,
    Choice,
    Date,
    DateTime,
    Email,
    InvalidValue,
    Link,
    MultiChoice,
    Number,
    Phone,
    Text,
    Url,
    is_empty,
)

#: Cells that mean "nothing here" in a typed column (a dash in an amount column is not an amount).
PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "暂无", "n/a", "na", "none", "null", "#n/a", "nan"})
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its 1900-02-29)
#: Serial days taken for a date: 1990-01-01 … 2100-12-31 (32874 … 73415). A number outside, such as a
#: year (2026) or a day of the month (12), is not a date someone meant: it goes on for validation to report.
_FIRST_SERIAL = (dt.datetime(1990, 1, 1) - _EXCEL_EPOCH).days
_LAST_SERIAL = (dt.datetime(2100, 12, 31) - _EXCEL_EPOCH).days
#: A longer text is not a date or a time (the longest form, ``2026-11-08T14:30:00.000000+08:00 (星期日)``, is
#: under 50): it goes on as typed before any pattern sees it, so no pattern's cost grows with a long cell.
_MAX_MOMENT_TEXT = 64
_MULTIPLIERS = (("亿", 100_000_000), ("千万", 10_000_000), ("百万", 1_000_000), ("万", 10_000), ("千", 1_000),
                ("w", 10_000), ("k", 1_000))
_CURRENCY = re.compile(r"^(人民币|rmb|cny|¥|￥)|(元整|元|块钱|块|人民币|rmb|cny)$", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,200,000.50: the only place a comma is dropped
_DATE = re.compile(r"^(\d{4})\s{0,3}[-/.年]\s{0,3}(\d{1,2})\s{0,3}[-/.月]\s{0,3}(\d{1,2})\s{0,3}[日号]?")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2})(\d{2})(\d{2})?)?$")
_WEEKDAY = re.compile(r"[(（]?\s{0,3}(星期|周|礼拜)[一二三四五六日天]\s{0,3}[)）]?")
_TIME = re.compile(r"^(上午|早上|凌晨|中午|下午|晚上|am|pm)?\s{0,3}(\d{1,2})"
                   r"\s{0,3}(?:[:：时点]\s{0,3}(\d{1,2})?\s{0,3}分?)?"
                   r"\s{0,3}(?:[:：]\s{0,3}(\d{1,2})(?:\.\d{1,9})?\s{0,3}秒?)?\s{0,3}(am|pm)?$", re.IGNORECASE)
_ISO_TAIL = re.compile(r"(\.\d{1,9})?(z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_LABEL_PREFIX = re.compile(r"^[^\d+(]*?[:：]\s*")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_SEPARATORS = re.compile(r"[,，;；、\n\r|]+")
_HYPERLINK = re.compile(r'^=\s*HYPERLINK\(\s*"([^"]+)"', re.IGNORECASE)
_TRUE = frozenset({"1", "true", "yes", "y", "t", "on", "是", "对", "有", "已", "✓", "✔", "√", "☑", "checked"})
_FALSE = frozenset({"0", "false", "no", "n", "f", "off", "否", "不是", "不", "错", "无", "没有", "未", "✗", "✘",
                    "×", "☐", "unchecked"})


def normalize(value: Any, column: Column) -> Any:
    """``value`` from a file as ``column``'s parser accepts it; unrecognised values go on as text.

    >>> from schema.crm import CUSTOMERS as C
    >>> normalize("2026年11月8日", C.column("won_on")), normalize("12.5万", C.column("won_amount"))
    (datetime.date(2026, 11, 8), 125000)
    >>> normalize("+86 138-0013-8000", C.column("phone")), normalize("Trade show", C.column("source"))
    ('13800138000', 'expo')
    >>> normalize("not a date", C.column("won_on"))
    'not a date'
    """
    try:
        return _normalize(value, column.type)
    except MemoryError:
        raise
    except Exception:  # never raise: validation names what does not fit
        return as_text(value)


def as_text(value: Any) -> Any:
    """``value`` as text for validation to report (a value whose ``str`` fails goes on as it is).

    >>> as_text(3.0), as_text(12.5), as_text(dt.date(2026, 1, 2)), as_text(dt.datetime(2026, 1, 2, 9, 5))
    ('3', '12.5', '2026-01-02', '2026-01-02 09:05')
    """
    try:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and math.isfinite(value):
            return str(int(value)) if value.is_integer() and abs(value) < 1e16 else f"{value:.15g}"
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)
    except Exception:
        return value


def _normalize(value: Any, kind: Any) -> Any:
    if is_empty(value):
        return None
    if isinstance(kind, (Text, Link)) or not isinstance(kind, (Checkbox, Choice, Number, Date, DateTime, Phone,
                                                               Email, Url)):
        return _link(value) if isinstance(kind, Link) else as_text(value)
    if isinstance(value, str) and _folded(value) in PLACEHOLDERS:
        return None
    if isinstance(kind, Checkbox):
        return _checkbox(value)
    if isinstance(kind, MultiChoice):
        return _options(value, kind)
    if isinstance(kind, Choice):
        return _option(value, kind)
    if isinstance(kind, Number):
        return _number(value, kind)
    if isinstance(kind, (Date, DateTime)):
        return _moment(value, with_time=isinstance(kind, DateTime))
    if isinstance(kind, Phone):
        return _phone(value)
    if isinstance(kind, Email):
        return _email(value)
    return _url(value)


def _folded(text: str) -> str:
    """Half-width, case folded, without spaces: how options and words are compared."""
    return "".join(unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold().split())


def _link(value: Any) -> Any:
    """A link's cell goes on for the db side to resolve: text stripped, a whole float as an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.strip() if isinstance(value, str) else value


# --- checkboxes and options ---------------------------------------------------------------------------


def _checkbox(value: Any) -> Any:
    if isinstance(value, (bool, int, float)) and value in (0, 1):
        return int(value)
    text = _folded(as_text(value))
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return as_text(value)


def _option_keys(kind: Choice) -> dict[str, str]:
    """Every way of writing each option → its code: code, zh and en labels, a label without its
    bracketed note (``A级（重点跟进）`` → ``A级``); the first option to claim a key keeps it."""
    keys: dict[str, str] = {}
    for option in kind.options:
        for word in (option.code, option.label.zh, option.label.en):
            folded = _folded(word)
            keys.setdefault(folded, option.code)
            short = re.sub(r"\(.*?\)", "", folded)
            if short:
                keys.setdefault(short, option.code)
    return keys


def _option(value: Any, kind: Choice) -> Any:
    text = as_text(value)
    return _option_keys(kind).get(_folded(text), text)


def _options(value: Any, kind: MultiChoice) -> Any:
    """A list of codes from ``A、B/C`` (or a list of labels); the text as it was when any part is unknown."""
    keys = _option_keys(kind)
    if isinstance(value, (list, tuple, set)):
        parts = [as_text(v) for v in value]
    else:
        text = as_text(value)
        if _folded(text) in keys:
            return [keys[_folded(text)]]
        parts = _SEPARATORS.split(text)
    codes: list[str] = []
    for part in (p for p in parts if p.strip()):
        found = [keys.get(_folded(part))] if _folded(part) in keys else \
            [keys.get(_folded(piece)) for piece in part.split("/") if piece.strip()]
        if not found or None in found:
            return as_text(value)
        codes.extend(code for code in found if code not in codes)
    return codes or None


# --- numbers ------------------------------------------------------------------------------------------


def _number(value: Any, kind: Number) -> Any:
    if isinstance(value, bool):
        return as_text(value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if kind.display == "percent" and kind.integer and 0 < number < 1:
            number *= 100  # a cell formatted 35% holds 0.35; a whole-number percent column means 35
        return _plain(number)
    text = _folded(as_text(value))
    rating = kind.display == "rating"
    if rating and text and set(text) <= {"★", "☆"}:
        return text.count("★")
    number = _amount(text, rating=rating)
    return as_text(value) if number is None else _plain(number)


def _amount(text: str, *, rating: bool = False) -> Decimal | None:
    """``12.5万`` → 125000, ``¥1,200元`` → 1200, ``35%`` → 35, for a rating ``3分`` → 3; ``None`` for anything
    else. A comma is a thousands separator only where it is one (``1,200``, ``1,200,000.5``): ``1,5`` and
    ``12,5万`` are ``None``, not 15 and 125,000 — a decimal comma or a typo, for the person to look at.

    >>> [_amount(t) for t in ["12.5万", "1.2亿", "¥1,200元", "rmb300", "35%", "8k", "五万", "1,5", "12,5万", "5分"]]
    [Decimal('125000.0'), Decimal('120000000.0'), Decimal('1200'), Decimal('300'), Decimal('35'), \
Decimal('8000'), None, None, None, None]
    >>> _amount("5分", rating=True), _amount("4星", rating=True)
    (Decimal('5'), Decimal('4'))
    """
    if len(text) > 60:
        return None
    text = _CURRENCY.sub("", _CURRENCY.sub("", text)).removesuffix("%")
    if rating:
        text = text.removesuffix("分").removesuffix("星")
    multiplier = 1
    for suffix, times in _MULTIPLIERS:
        if text.endswith(suffix) and len(text) > len(suffix):
            text, multiplier = text[: -len(suffix)], times
            break
    text = _CURRENCY.sub("", text)
    if "," in text:
        if not _THOUSANDS.match(text):
            return None
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.match(text):
        return None
    try:
        return Decimal(text) * multiplier
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> int | float:
    """An int when whole, else a float (what the parsers take)."""
    return int(number) if number == number.to_integral_value() else float(number)


# --- dates and times ----------------------------------------------------------------------------------


def _moment(value: Any, *, with_time: bool) -> Any:
    found = _moment_of(value)
    if found is None:
        return as_text(value)
    if with_time:
        return found if isinstance(found, dt.datetime) else dt.datetime.combine(found, dt.time())
    return found.date() if isinstance(found, dt.datetime) else found


def _moment_of(value: Any) -> dt.date | dt.datetime | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_number(value)
    if len(str(value)) > _MAX_MOMENT_TEXT:
        return None
    text = _WEEKDAY.sub(" ", unicodedata.normalize("NFKC", _INVISIBLE.sub("", str(value)))).strip()
    if _PLAIN_NUMBER.match(text):
        return _from_number(float(text) if "." in text else int(text))
    if match := _COMPACT.match(text):
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        return _build(year, month, day, f"{hour}:{minute}:{second}" if match.group(4) else "")
    if match := _DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.match(text):
        first, second, year = (int(g) for g in match.groups())
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            month, day = first, second
        else:
            return None  # 03/04/2026: March or April? Not guessed.
    else:
        return None
    rest = text[match.end():].strip().lstrip("Tt").strip()
    return _build(year, month, day, _ISO_TAIL.sub("", rest) if rest[:1].isdigit() else rest)


def _build(year: int, month: int, day: int, time_text: str) -> dt.date | dt.datetime | None:
    try:
        day_found = dt.date(year, month, day)
    except ValueError:
        return None
    if not time_text:
        return day_found
    match = _TIME.match(time_text.strip())
    if not match:
        return None
    before, hour, minute, second, after = match.groups()
    hour, minute, second = int(hour), int(minute or 0), int(second or 0)
    half = (before or after or "").lower()
    if (half in ("下午", "晚上", "pm") and hour < 12) or (half == "中午" and hour < 11):
        hour += 12
    elif half in ("凌晨", "am", "上午", "早上") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.datetime.combine(day_found, dt.time(hour, minute, second))


def _from_number(number: float) -> dt.date | dt.datetime | None:
    """``20261108`` as a date, else an Excel serial day from 1990 to 2100 (46334 → 2026-11-08; a fraction is
    the time); ``None`` for any other number (2026, 12, 3: a year or a day, not a date).

    >>> _from_number(46334), _from_number(2026), _from_number(12), _from_number(46334.5)
    (datetime.date(2026, 11, 8), None, None, datetime.datetime(2026, 11, 8, 12, 0))
    """
    if not math.isfinite(number):
        return None
    if float(number).is_integer() and 19000101 <= number <= 29991231:
        whole = int(number)
        return _build(whole // 10000, whole // 100 % 100, whole % 100, "")
    if not _FIRST_SERIAL <= number < _LAST_SERIAL + 1:
        return None
    moment = _EXCEL_EPOCH + dt.timedelta(days=float(number))
    moment = (moment + dt.timedelta(seconds=30)).replace(second=0, microsecond=0)  # to the minute
    return moment.date() if float(number).is_integer() else moment


# --- phones, e-mails, links ---------------------------------------------------------------------------


def _phone(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        value = str(value)
    # Runs of spaces are one space (the parser ignores spaces): what goes on for validation, recognised
    # or not, has no long run for the phone parser's extension pattern to backtrack over.
    text = " ".join(unicodedata.normalize("NFKC", _INVISIBLE.sub("", as_text(value))).split())
    text = _LABEL_PREFIX.sub("", text)
    return _parsed(Phone(), text.lstrip("'").strip(), " ".join(as_text(value).split()))


def _email(value: Any) -> Any:
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", as_text(value))).strip()
    text = "".join(_LABEL_PREFIX.sub("", text.removeprefix("mailto:")).split()).rstrip("。.,;；")
    return _parsed(Email(), text, value)


def _url(value: Any) -> Any:
    text = as_text(value).strip()
    if match := _HYPERLINK.match(text):  # =HYPERLINK("http://…", "name") kept as text by the file
        return match.group(1)
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))


def _parsed(kind: Any, text: str, value: Any) -> Any:
    """``text`` in the form ``kind`` keeps (``13800138000``, which it reads back the same), else the cell."""
    try:
        return kind.parse(text)
    except InvalidValue:
        return as_text(value)
