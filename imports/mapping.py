"""Which column of a table each header of a file means: by label, by synonym, by a word it ends with.

A header is compared as a *key*: NFKC (full-width to half-width), case folded, a trailing
``（必填）``/``(选填)``/``(元)`` and every space and punctuation mark left out, so ``客户名称*``,
``客户名称（必填）`` and ``客户 名称：`` are all 客户名称. Matches, best first: a column's label
(zh or en), a synonym from :data:`schema.synonyms.SYNONYMS` or the column's own name, then a
header ending with one of those words (``联系人手机`` → 手机 → 联系电话: Chinese puts the head of a
compound last), then one containing it. Only columns a person may write are offered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from schema.model import Column, Table
from schema.synonyms import SYNONYMS

_EXACT_LABEL, _EXACT_OTHER, _SUFFIX, _CONTAINED = 4.0, 3.0, 2.0, 1.0
_MARKERS = re.compile(r"(必填|选填|可选|非必填|required|optional)")
_BRACKETED = re.compile(r"[(\[【<《][^()\[\]【】<>《》]*[)\]】>》]")


def key(text: object) -> str:
    """``text`` as headers are compared: half-width, case folded, without marks, spaces or brackets.

    >>> [key(h) for h in ["客户名称*", "客户名称（必填）", " E-mail: ", "预计成交金额(元)", "Ｐｈｏｎｅ"]]
    ['客户名称', '客户名称', 'email', '预计成交金额', 'phone']
    """
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    unbracketed = _BRACKETED.sub("", folded)
    if _letters(unbracketed):  # "(必填)" alone stays something
        folded = unbracketed
    folded = _MARKERS.sub("", folded) if _letters(_MARKERS.sub("", folded)) else folded
    return _letters(folded)


def _letters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def names_for(table: Table, column: Column) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys of ``column``'s labels, and of its synonyms and own name."""
    labels = tuple(dict.fromkeys(k for k in (key(column.label.zh), key(column.label.en)) if k))
    others = (*SYNONYMS.get(table.name, {}).get(column.name, ()), column.name,
              column.name.removesuffix("_id"))
    return labels, tuple(dict.fromkeys(k for k in map(key, others) if k and k not in labels))


def _long_enough(word: str) -> bool:
    """A word worth finding inside a longer header: two CJK characters, three Latin letters."""
    return len(word) >= (3 if word.isascii() else 2)


def score(header: str, labels: Sequence[str], others: Sequence[str]) -> float:
    """How well a header key matches a column's label and other keys (0: not at all).

    >>> score("联系人手机", ["联系电话"], ["手机", "联系人电话"])
    2.02
    """
    if not header:
        return 0.0
    if header in labels:
        return _EXACT_LABEL
    if header in others:
        return _EXACT_OTHER
    words = [w for w in (*labels, *others) if _long_enough(w) and w in header]
    if not words:
        return 0.0
    best = max(words, key=len)
    ending = max((w for w in words if header.endswith(w)), key=len, default="")
    # Longer words are surer; a word the header ends with is its head noun.
    if ending:
        return _SUFFIX + len(ending) / 100
    return _CONTAINED + len(best) / 100


def suggest(headers: Sequence[str], table: Table) -> list[str | None]:
    """Per header, the name of the writable column of ``table`` it maps to, or ``None``.

    Best matches are taken first (ties: the leftmost header), and never two headers to one column.

    >>> from schema.crm import CUSTOMERS
    >>> suggest(["公司名称", "联系人", "手机", "备注", "不知道"], CUSTOMERS)
    ['name', 'contact', 'phone', 'notes', None]
    """
    keys = [key(h) if h is not None else "" for h in headers]
    candidates = []
    for column in table.editable_columns:
        labels, others = names_for(table, column)
        for index, header in enumerate(keys):
            if points := score(header, labels, others):
                candidates.append((-points, index, column.name))
    chosen: list[str | None] = [None] * len(keys)
    taken: set[str] = set()
    for _, index, name in sorted(candidates):
        if chosen[index] is None and name not in taken:
            chosen[index] = name
            taken.add(name)
    return chosen


def matched(headers: Sequence[str], table: Table) -> int:
    """How many of ``headers`` map to a column of ``table`` (what header detection maximises)."""
    return sum(name is not None for name in suggest(headers, table))
