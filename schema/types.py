"""Column types: how each kind of value is stored, parsed and described.

A type is a small frozen dataclass. ``parse(raw)`` turns what a person typed
(or what a grid cell holds) into the value stored in SQLite, or raises
:class:`InvalidValue` with a reason code that the UI translates. ``None`` comes
back for an empty cell; whether empty is allowed is the column's business.

Computed types (:class:`Rollup`, :class:`DaysSince`) are declared here too, so
that a computed column is a column like any other; ``db/`` turns them into SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from schema.labels import Label

#: A column default meaning "the moment the row is created" (DateTime) or "today" (Date).
NOW = "@now"


class InvalidValue(ValueError):
    """A raw value does not fit its column type.

    ``reason`` is a message key (``invalid.phone``) and ``params`` fill it in;
    the UI turns them into a sentence in the user's language.
    """

    def __init__(self, reason: str, value: Any, **params: Any) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason
        self.value = value
        self.params = params


def is_empty(raw: Any) -> bool:
    """Whether a raw cell value means "nothing here".

    >>> [is_empty(v) for v in (None, "", "  ", float("nan"), [], 0, "0")]
    [True, True, True, True, True, False, False]
    """
    if raw is None:
        return True
    if isinstance(raw, str):  # the common case first: an import asks a million times
        return not raw.strip()
    if isinstance(raw, float):
        return math.isnan(raw)
    if isinstance(raw, (int, list, tuple)):
        return isinstance(raw, (list, tuple)) and not raw
    try:  # pandas' NA and NaT
        import pandas as pd

        return raw is pd.NA or raw is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


_FULL_WIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)


def to_half_width(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３，) to half-width, as typed by Chinese IMEs.

    >>> to_half_width("１３８ ００１３ ８０００")
    '138 0013 8000'
    """
    return text.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class ColumnType:
    """Base of every column type."""

    storage = "TEXT"
    computed = False

    def parse(self, raw: Any) -> Any:
        """Return the stored form of ``raw``, ``None`` when empty; raise InvalidValue."""
        if is_empty(raw):
            return None
        return self.parse_value(raw)

    def parse_value(self, raw: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class Text(ColumnType):
    """One line of text."""

    max_length: int = 200

    def parse_value(self, raw: Any) -> str:
        text = str(raw).strip()
        if "\n" in text or "\r" in text:
            text = " ".join(text.split())
        if len(text) > self.max_length:
            raise InvalidValue("invalid.too_long", raw, limit=self.max_length)
        return text


@dataclass(frozen=True)
class LongText(Text):
    """Several lines of text (notes, meeting content)."""

    max_length: int = 5000

    def parse_value(self, raw: Any) -> str:
        text = str(raw).strip()
        if len(text) > self.max_length:
            raise InvalidValue("invalid.too_long", raw, limit=self.max_length)
        return text


@dataclass(frozen=True)
class Number(ColumnType):
    """A number; commas, spaces and a leading ¥ are accepted."""

    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    #: How the grid shows it: ``None`` (plain), ``"money"`` (¥1,234.00), ``"percent"``, ``"rating"`` (★).
    display: str | None = None

    @property
    def storage(self) -> str:  # type: ignore[override]
        return "INTEGER" if self.integer else "REAL"

    def parse_value(self, raw: Any) -> float | int:
        if isinstance(raw, bool):
            raise InvalidValue("invalid.number", raw)
        if isinstance(raw, (int, float)):
            number = raw
        else:
            text = to_half_width(str(raw)).strip().replace(",", "").replace(" ", "")
            text = text.lstrip("¥￥")
            if self.display == "percent":
                text = text.removesuffix("%")  # 35% is 35 in a percent column
            try:
                if "_" in text:  # Python reads 1_000; a person did not mean that
                    raise ValueError(text)
                number = float(text)
            except ValueError:
                raise InvalidValue("invalid.number", raw) from None
        try:
            if not math.isfinite(number):
                raise InvalidValue("invalid.number", raw)
        except OverflowError:  # an int too large for a float
            raise InvalidValue("invalid.too_large", raw, limit="1e308") from None
        if self.integer:
            if float(number) != int(number):
                raise InvalidValue("invalid.integer", raw)
            number = int(number)
        if self.minimum is not None and number < self.minimum:
            raise InvalidValue("invalid.too_small", raw, limit=self.minimum)
        if self.maximum is not None and number > self.maximum:
            raise InvalidValue("invalid.too_large", raw, limit=self.maximum)
        return number


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TIME_PATTERN = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2})(?:\.\d+)?)?$")


def _parse_date_text(text: str, raw: Any) -> dt.date:
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise InvalidValue("invalid.date", raw) from None
    raise InvalidValue("invalid.date", raw)


def _parse_time(text: str, raw: Any, reason: str) -> tuple[int, int]:
    match = _TIME_PATTERN.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
        raise InvalidValue(reason, raw)
    return int(match.group(1)), int(match.group(2))


def _split_date_time(raw: Any) -> tuple[str, str]:
    text = to_half_width(str(raw)).strip()
    text = re.sub(r"(Z|[+-]\d{2}:?\d{2})$", "", text)  # a grid's ISO suffix
    date_part, _, time_part = re.sub(r"[T ]+", " ", text, count=1).partition(" ")
    return date_part, time_part.strip()


@dataclass(frozen=True)
class Date(ColumnType):
    """A calendar date, stored as ``YYYY-MM-DD``."""

    def parse_value(self, raw: Any) -> str:
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        date_part, time_part = _split_date_time(raw)
        if time_part:  # a pasted date-time keeps its day; the time must still be a real time
            _parse_time(time_part, raw, "invalid.date")
        return _parse_date_text(date_part, raw).isoformat()


@dataclass(frozen=True)
class DateTime(ColumnType):
    """A date and time to the minute, stored as ``YYYY-MM-DD HH:MM``."""

    def parse_value(self, raw: Any) -> str:
        if isinstance(raw, dt.datetime):
            return raw.strftime("%Y-%m-%d %H:%M")
        if isinstance(raw, dt.date):
            return f"{raw.isoformat()} 00:00"
        date_part, time_part = _split_date_time(raw)
        day = _parse_date_text(date_part, raw)
        hour, minute = _parse_time(time_part, raw, "invalid.datetime") if time_part else (0, 0)
        return f"{day.isoformat()} {hour:02d}:{minute:02d}"


@dataclass(frozen=True)
class Checkbox(ColumnType):
    """Yes or no, stored as 1 or 0."""

    storage = "INTEGER"
    _TRUE = frozenset({"1", "true", "yes", "y", "是", "对", "✓", "√"})
    _FALSE = frozenset({"0", "false", "no", "n", "否", "不是", "✗", "×"})

    def parse(self, raw: Any) -> int:
        if is_empty(raw):
            return 0
        if isinstance(raw, bool):
            return int(raw)
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return int(raw)
        text = str(raw).strip().lower()
        if text in self._TRUE:
            return 1
        if text in self._FALSE:
            return 0
        raise InvalidValue("invalid.checkbox", raw)


_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Email(ColumnType):
    """An e-mail address, stored lower-cased."""

    def parse_value(self, raw: Any) -> str:
        text = to_half_width(str(raw)).strip().replace("＠", "@")
        if len(text) > 254 or not _EMAIL.match(text):
            raise InvalidValue("invalid.email", raw)
        return text.lower()


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")
_SERVICE = re.compile(r"^([48]00)(\d{3})(\d{4})$")


_EXTENSION = re.compile(r"^(.*?)\s*(?:转|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_STORED_EXTENSION = re.compile(r"^((?:0\d{2,3}-\d{7,8})|(?:[48]00-\d{3}-\d{4}))-(\d{1,6})$")


#: The longest text read as a phone: ``+86 (0755) 8888-8888 转 123456`` with room to spare.
_PHONE_MAX = 64


def _split_extension(text: str) -> tuple[str, str]:
    """``("021-62345678", "801")`` from ``021-62345678转801`` or the stored ``021-62345678-801``."""
    match = _EXTENSION.match(text) or _STORED_EXTENSION.match(text)
    return (match.group(1), match.group(2)) if match else (text, "")


def _national(digits: str, raw: Any) -> str:
    """The number without China's country code (+86, 0086, or a bare 86 on a full-length number)."""
    if digits.startswith("+"):
        if not digits.startswith("+86"):
            raise InvalidValue("invalid.phone", raw)
        national = digits[3:]
    elif digits.startswith("0086"):
        national = digits[4:]
    elif digits.startswith("86") and len(digits) in (12, 13):
        national = digits[2:]
    else:
        return digits
    # After the country code a landline's leading 0 is dropped: +86 21 6234 5678.
    return national if national.startswith(("0", "1", "400", "800")) else "0" + national


@dataclass(frozen=True)
class Phone(ColumnType):
    """A mainland phone number, normalised.

    Mobiles become eleven digits (``13800138000``); landlines keep their area
    code (``021-62345678``) and an extension given after ``转``, ``ext`` or
    ``x`` (``021-62345678-801``, which reads back as it is); 400/800 numbers
    become ``400-820-8820``. ``+86``/``0086``, spaces, dashes and brackets are
    ignored on input.
    """

    def parse_value(self, raw: Any) -> str:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = to_half_width(str(raw)).strip()
        if len(text) > _PHONE_MAX:  # no phone is this long; and the extension pattern is slow on long runs of spaces
            raise InvalidValue("invalid.phone", raw)
        main, extension = _split_extension(text)
        digits = _national(re.sub(r"[\s\-()（）.]", "", main), raw)
        if not digits.isdigit() or (extension and not extension.isdigit()):
            raise InvalidValue("invalid.phone", raw)
        suffix = f"-{extension}" if extension else ""
        if _MOBILE.match(digits) and not extension:
            return digits
        if match := _SERVICE.match(digits):
            return "-".join(match.groups()) + suffix
        if match := _LANDLINE.match(digits):
            area, number = match.groups()
            # Beijing, Shanghai, Tianjin, Chongqing and the 02x cities use
            # two-digit codes after the 0; everyone else three.
            if area[1] in "12" and len(area) == 4:
                area, number = area[:3], area[3] + number
            if 7 <= len(number) <= 8:
                return f"{area}-{number}{suffix}"
        raise InvalidValue("invalid.phone", raw)


@dataclass(frozen=True)
class Url(ColumnType):
    """A web address: ``http://`` or ``https://`` only, so a cell never becomes a ``javascript:`` link.

    >>> Url().parse("example.com/a b")
    'https://example.com/a%20b'
    >>> Url().parse("javascript:alert(1)")
    Traceback (most recent call last):
    ...
    schema.types.InvalidValue: invalid.url: 'javascript:alert(1)'
    """

    def parse_value(self, raw: Any) -> str:
        text = to_half_width(str(raw)).strip().replace(" ", "%20")
        if not re.match(r"^[a-z][a-z0-9+.-]*:", text, re.IGNORECASE):
            text = "https://" + text
        scheme, _, rest = text.partition("://")
        if scheme.lower() not in ("http", "https") or not re.match(r"^[^/\s\\]+\.[^/\s\\]+", rest) \
                or len(text) > 2000 or any(ord(ch) < 32 for ch in text):
            raise InvalidValue("invalid.url", raw)
        return f"{scheme.lower()}://{rest}"


@dataclass(frozen=True)
class Option:
    """One choice: a stable code that is stored, and its label that is shown."""

    code: str
    label: Label


@lru_cache(maxsize=4096)
def option_key(text: str) -> str:
    """An option's code or label as it is compared with what is typed (and with the other options'): full-width
    as half-width, runs of whitespace as one space, case ignored — so that an option labelled ``！`` or ``A  B``
    is found by its own label however it was typed.

    >>> option_key("  Ｔrade\tＳhow ") == option_key("trade show")
    True
    """
    return " ".join(to_half_width(text).split()).casefold()


def _match_option(options: tuple[Option, ...], raw: Any) -> str | None:
    text = option_key(str(raw))
    for option in options:
        if text in (option_key(option.code), option_key(option.label.zh), option_key(option.label.en)):
            return option.code
    return None


@dataclass(frozen=True)
class Choice(ColumnType):
    """One of a fixed list of options; the code is stored, labels are accepted."""

    options: tuple[Option, ...] = ()

    def parse_value(self, raw: Any) -> str:
        code = _match_option(self.options, raw)
        if code is None:
            raise InvalidValue("invalid.choice", raw, options=self.options)
        return code

    def label(self, code: str | None, lang: str) -> str:
        """The label of ``code`` in ``lang``; an unknown code is shown as it is."""
        for option in self.options:
            if option.code == code:
                return option.label.get(lang)
        return "" if code is None else str(code)


@dataclass(frozen=True)
class MultiChoice(Choice):
    """Several options (tags), stored as a JSON list of codes in option order."""

    def parse_value(self, raw: Any) -> str | None:
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("["):
                try:
                    items = json.loads(text)
                except json.JSONDecodeError:
                    raise InvalidValue("invalid.choice", raw, options=self.options) from None
            else:
                items = [part for part in re.split(r"[,，;；、]", text) if part.strip()]
        elif isinstance(raw, (list, tuple, set)):
            items = list(raw)
        else:
            items = [raw]
        codes = set()
        for item in items:
            code = _match_option(self.options, item)
            if code is None:
                raise InvalidValue("invalid.choice", item, options=self.options)
            codes.add(code)
        ordered = [option.code for option in self.options if option.code in codes]
        return json.dumps(ordered, ensure_ascii=False) if ordered else None

    @staticmethod
    def codes(stored: str | None) -> list[str]:
        """The list of codes in a stored value."""
        return json.loads(stored) if stored else []


@dataclass(frozen=True)
class Link(ColumnType):
    """A reference to one row of another table, stored as its id — or, with ``multiple``, to several,
    stored as a JSON list of ids in ascending order (``[3, 17]``).

    >>> Link("customers", multiple=True).parse("17, 3，3")
    '[3, 17]'
    """

    table: str = ""
    on_delete: str = "SET NULL"
    multiple: bool = False

    @property
    def storage(self) -> str:  # type: ignore[override]
        return "TEXT" if self.multiple else "INTEGER"

    def parse_value(self, raw: Any) -> int | str | None:
        if not self.multiple:
            return self._id(raw)
        if isinstance(raw, str):
            text = raw.strip()
            try:
                items = json.loads(text) if text.startswith("[") else re.split(r"[,，;；、\s]+", text)
            except json.JSONDecodeError:
                raise InvalidValue("invalid.link", raw) from None
        elif isinstance(raw, (list, tuple, set)):
            items = list(raw)
        else:
            items = [raw]
        if not isinstance(items, list):
            raise InvalidValue("invalid.link", raw)
        ids = sorted({self._id(item) for item in items if not is_empty(item)})
        return json.dumps(ids) if ids else None

    @staticmethod
    def _id(raw: Any) -> int:
        if isinstance(raw, bool):
            raise InvalidValue("invalid.link", raw)
        try:
            number = int(raw)  # also turns numpy integers into plain ints
        except (TypeError, ValueError, OverflowError):
            raise InvalidValue("invalid.link", raw) from None
        if number != raw and str(number) != str(raw).strip():
            raise InvalidValue("invalid.link", raw)
        return number

    def stored(self, ids: Any) -> str | None:
        """A list of ids as a link list keeps it: sorted, without repeats; ``None`` for none."""
        kept = sorted({int(i) for i in ids})
        return json.dumps(kept) if kept else None

    def ids(self, stored: Any) -> list[int]:
        """The ids a stored value holds (one or none for a single link)."""
        if stored is None or stored == "":
            return []
        if not self.multiple:
            return [stored] if isinstance(stored, int) and not isinstance(stored, bool) else []
        try:
            found = json.loads(stored) if isinstance(stored, str) else stored
        except json.JSONDecodeError:
            return []
        return [int(i) for i in found if isinstance(i, int)] if isinstance(found, list) else []


_NUMBER_TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|seq(?::(\d{1,2}))?)\}")


@dataclass(frozen=True)
class AutoNumber(ColumnType):
    """A number given by the base on insert, made by ``format``.

    A format is text with tokens ``{YYYY}``, ``{YY}``, ``{MM}``, ``{DD}`` (the
    date the row is added) and one ``{seq:N}`` (a counter, at least N digits).
    The counter starts again whenever the text before it changes, so
    ``{YYYY}{MM}{seq:3}`` counts per month (202611001, 202611002, …) and
    ``KH-{seq:5}`` never starts again. Past 999 the counter simply grows
    (2026111000) and stays unique. ``None`` is the built-in 客户编号's format.

    >>> AutoNumber(format="HT{YY}-{seq:4}").render(dt.date(2026, 11, 8), 7)
    'HT26-0007'
    """

    digits: int = 3
    format: str | None = None

    @property
    def pattern(self) -> str:
        """The format in use."""
        return self.format or f"{{YYYY}}{{MM}}{{seq:{self.digits}}}"

    def period(self, today: dt.date) -> str:
        """The text the counter restarts with: the format's date tokens filled in, the counter left out."""
        return self.render(today, None)

    def render(self, today: dt.date, sequence: int | None) -> str:
        """The number for counter value ``sequence`` on ``today`` (``None``: the counter left out)."""
        def token(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("seq"):
                return "" if sequence is None else f"{sequence:0{int(match.group(2) or 1)}d}"
            return {"YYYY": f"{today.year:04d}", "YY": f"{today.year % 100:02d}", "MM": f"{today.month:02d}",
                    "DD": f"{today.day:02d}"}[name]
        return _NUMBER_TOKEN.sub(token, self.pattern)


def check_number_format(text: str) -> str:
    """A 自动编号 format as kept: exactly one ``{seq}``/``{seq:N}``, known tokens only; raises InvalidValue.

    >>> check_number_format(" KH-{YYYY}-{seq:4} ")
    'KH-{YYYY}-{seq:4}'
    """
    text = (text or "").strip()
    tokens = re.findall(r"\{[^{}]*\}", text)
    unknown = [token for token in tokens if not _NUMBER_TOKEN.fullmatch(token)]
    sequences = [token for token in tokens if token.startswith("{seq")]
    if unknown or len(sequences) != 1 or len(text) > 40 or any(ord(ch) < 32 for ch in text) \
            or _NUMBER_TOKEN.sub("", text).count("{") or _NUMBER_TOKEN.sub("", text).count("}"):
        raise InvalidValue("invalid.number_format", text)
    return text


@dataclass(frozen=True)
class CreatedOn(ColumnType):
    """When a row was created, set by the base: the date, or with ``with_time`` the date and minute."""

    with_time: bool = False

    def parse(self, raw: Any) -> Any:
        raise InvalidValue("invalid.read_only", raw)

    def stamp(self, now: dt.datetime) -> str:
        """The value for a row created at ``now``."""
        return now.strftime("%Y-%m-%d %H:%M") if self.with_time else now.date().isoformat()


class Derived(ColumnType):
    """A column worked out from others (rollup, lookup, formula): never typed into, stored or shown as
    the type of what it yields, its ``result``."""

    computed = True

    @property
    def storage(self) -> str:  # type: ignore[override]
        return self.result.storage

    def parse(self, raw: Any) -> Any:
        raise InvalidValue("invalid.read_only", raw)


@dataclass(frozen=True)
class Rollup(Derived):
    """A value computed from the rows of ``table`` that link here by ``via``.

    ``aggregate`` is one of ``count``, ``sum``, ``avg``, ``max``, ``min``,
    ``latest`` (the value of ``column`` on the row latest by ``order_by``) or
    ``next`` (the least value of ``column`` that is today or later).
    ``condition`` ``(column, value)`` keeps only the rows whose ``column``
    holds ``value`` (the latest follow-up whose 跟进方式 is 拜访).

    ``stored`` rollups are also kept in an indexed column of the table itself,
    updated by triggers in the same transaction as every change to ``table``
    (a migration creates them), so sorting and filtering by them needs no scan
    of ``table``. ``db.queries.stored_drift`` proves them equal to a fresh
    computation.
    """

    table: str = ""
    via: str = ""
    column: str | None = None
    aggregate: str = "count"
    order_by: str | None = None
    result: ColumnType = field(default_factory=Text)
    stored: bool = False
    condition: tuple[str, Any] | None = None

    def parse(self, raw: Any) -> Any:
        raise InvalidValue("invalid.read_only", raw)


@dataclass(frozen=True)
class Lookup(Derived):
    """查找: ``column`` of the row this row links to through its link column ``via``
    (the customer's 所属行业 on each follow-up). ``result`` is that column's type."""

    via: str = ""
    table: str = ""
    column: str = ""
    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class Formula(Derived):
    """A 公式 field: computed from other fields of the row by ``expression`` (see schema/formula.py).

    ``expression`` keeps references by internal name (``{#f3}``); ``result``
    is the type of what it yields, for display, sorting and filters.
    """

    expression: str = ""
    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class ModifiedAt(Derived):
    """修改时间: when a row was last changed (its ``updated_at``), to the minute."""

    result: ColumnType = field(default_factory=lambda: DateTime())


@dataclass(frozen=True)
class Attachments(Derived):
    """附件: files (名片扫描件, 会议纪要, 需求文档) kept in the base's ``attachments`` table for this row and
    field, never in a column of the row. The grid shows a summary worked out in SQL (``📎 2 · 名片.jpg``);
    the record's detail uploads, lists and downloads them (``db/attachments.py``)."""

    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class ScoreTotal(Derived):
    """线索评分: the sum of the four scores (1–5 each, 20 in all), empty until all four are given."""

    columns: tuple[str, ...] = ()
    result: ColumnType = field(default_factory=lambda: Number(integer=True))


@dataclass(frozen=True)
class ScoreGrade(Derived):
    """评分等级: A from ``a_cut`` points, B from ``b_cut``, C below; empty while the score is (the cuts are
    the base's rules, schema/rules.py)."""

    total: str = ""
    a_cut: int = 15
    b_cut: int = 10
    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class DueOn(Derived):
    """下次应跟进日期: the date the latest follow-up planned (``planned`` on the linked ``table`` through
    ``via``, latest by ``order_by``); else the last follow-up (or the day the customer was created, if
    never) plus the cadence of its grade — the score grade, else 潜力等级 (``grades``), else C."""

    table: str = ""
    via: str = ""
    planned: str = ""
    order_by: str = ""
    last: str = ""
    created: str = ""
    grades: tuple[str, ...] = ()
    cadence: tuple[int, int, int] = (7, 14, 30)
    result: ColumnType = field(default_factory=lambda: Date())


@dataclass(frozen=True)
class UrgencyClass(Derived):
    """紧急程度分类 from the days until ``due``: within ``urgent`` days (or overdue), ``soon``, ``later``,
    beyond (可慢反应); empty when nothing is due."""

    due: str = ""
    urgent: int = 7
    soon: int = 30
    later: int = 90
    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class StageRate(Derived):
    """实际赢率: the row's own rate in ``column`` (赢率) where set, else the default for the row's ``stage``.

    ``defaults`` are ``(stage code, rate)`` pairs — the team's rules, filled in by
    ``db.fields.load_base`` from ``db.settings.rules``; the template holds the
    rules' defaults. Stages in ``decided`` (成交 100, 输单 0) have that rate
    whatever the row says: the deal is no longer open.
    """

    column: str = ""
    stage: str = ""
    defaults: tuple[tuple[str, int], ...] = ()
    decided: tuple[tuple[str, int], ...] = ()
    result: ColumnType = field(default_factory=lambda: Number(integer=True, display="percent"))


@dataclass(frozen=True)
class StageChangedAt(Derived):
    """阶段变更时间: when the row's stage last changed (``YYYY-MM-DD HH:MM:SS``), from ``stage_changes``.

    The base writes it (migration m013's triggers, in the transaction of every
    stage change); ``stored`` reads the indexed copy kept in the row itself,
    and ``stored=False`` works it out afresh from ``table`` (to prove the copy right).
    """

    table: str = "stage_changes"
    stored: bool = True
    result: ColumnType = field(default_factory=lambda: DateTime())


@dataclass(frozen=True)
class RevenueTier(Derived):
    """客户分层 S/A/B/C/D (seed 003, the 80/20 rule) by the customer's ``amount`` (成交金额): customers are
    ranked by it, largest first, and a customer whose larger peers hold less than ``cuts[0]`` % of all
    revenue is S, less than ``cuts[1]`` % A, then B, C, and D for the rest; empty without revenue. Ties
    share a tier. Worked out over the whole base, whoever is looking."""

    amount: str = ""
    cuts: tuple[int, int, int, int] = (50, 80, 90, 97)
    #: The least amount of an S, A, B and C customer under ``cuts`` (db/tiers.py; ``None``: nobody).
    amounts: tuple[float | None, ...] = (None, None, None, None)
    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class ChurnRisk(Derived):
    """流失风险 (seed 000: 长期未互动、购买频次下降): a customer once followed up and not lost whose last
    follow-up (``last``) is ``days`` or more ago, or whose follow-ups in the last 90 days fell by more
    than ``drop`` % from the 90 days before (when there were at least two then)."""

    table: str = ""
    via: str = ""
    time: str = ""
    last: str = ""
    stage: str = ""
    days: int = 60
    drop: int = 50
    result: ColumnType = field(default_factory=lambda: Checkbox())


@dataclass(frozen=True)
class Lifecycle(Derived):
    """生命周期 (seed 003): 获取期 (线索, 意向), 提升期 (方案, 谈判), 成熟期 (成交), 衰退期 (成交 and at
    ``risk``), 离开期 (输单, or no follow-up — nor creation — for ``leave_days``)."""

    stage: str = ""
    risk: str = ""
    last: str = ""
    created: str = ""
    leave_days: int = 120
    result: ColumnType = field(default_factory=lambda: Text())


@dataclass(frozen=True)
class DaysSince(ColumnType):
    """Whole days from the date in another (usually computed) column to today."""

    column: str = ""
    storage = "INTEGER"
    computed = True

    def parse(self, raw: Any) -> Any:
        raise InvalidValue("invalid.read_only", raw)
