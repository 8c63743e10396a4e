"""公式: a small, safe expression language for formula fields — parsed here, never ``eval``-ed.

Syntax (spreadsheet-like)::

    {预计成交金额} * {赢率} / 100
    IF({跟进次数} = 0, "未跟进", CONCAT({联系人}, " · ", {职务}))
    DAYS_BETWEEN({最近跟进时间}, TODAY()) > 30 AND {潜力等级} = "A级"

Numbers, "text" (or “全角引号”), ``{字段名称}`` references by label, ``+ - * /``,
``&`` (joins text), comparisons ``= != <> < <= > >=``, ``AND``/``OR``/``NOT``,
and the functions in :data:`FUNCTIONS`. :func:`parse` gives a tree of
:class:`Node`; ``db/queries.py`` compiles it to SQL, so a formula column is
computed, sorted and filtered in the database like any other.

References are stored by internal name (``{#f3}``, ``{#budget}``) and shown
by label, so renaming a field never breaks a formula. Inside ``{…}`` a
backslash escapes ``{``, ``}``, ``\\`` and ``#`` (``{预算\\{万元\\}}`` names the
field 预算{万元}; ``{\\#1 渠道}`` a label starting with ``#``, where ``{#…}`` is an
internal name); :func:`written` writes a label that way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schema.model import Column, Table

#: name: (smallest, largest) number of arguments (``None``: any number).
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "IF": (3, 3), "AND": (1, None), "OR": (1, None), "NOT": (1, 1),
    "CONCAT": (1, None), "LEFT": (2, 2), "RIGHT": (2, 2), "LEN": (1, 1),
    "ROUND": (1, 2), "ABS": (1, 1),
    "TODAY": (0, 0), "DAYS_BETWEEN": (2, 2), "DATE_ADD": (2, 2),
}
COMPARISONS = ("=", "!=", "<>", "<", "<=", ">", ">=")
MAX_LENGTH = 2000


class FormulaError(ValueError):
    """A formula that cannot be used; ``reason`` is a message key, ``params`` fill it in."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(f"{reason} {params}")
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Node:
    """One node of a parsed formula.

    ``kind`` is ``number``, ``text``, ``bool``, ``ref`` (``value`` is the
    reference as written: a label, or ``#name``), ``call`` (``value`` the
    function, ``args`` its arguments), ``op`` (``value`` the operator) or ``neg``.
    """

    kind: str
    value: Any = None
    args: tuple[Node, ...] = ()


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<text>"[^"]*"|“[^”]*”|'[^']*')
  | (?P<ref>\{(?:\\[\s\S]|[^{}\\])+\})
  | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op><=|>=|!=|<>|[-+*/&=<>(),])
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    found, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise FormulaError("formula.syntax", at=position + 1, near=text[position:position + 10])
        if match.lastgroup != "space":
            found.append((match.lastgroup, match.group(), position))
        position = match.end()
    return found


class _Parser:
    """Precedence climbing: OR < AND < NOT < comparison < & < + - < * / < unary minus."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise FormulaError("formula.incomplete")
        if value is not None and token[1].upper() != value:
            raise FormulaError("formula.syntax", at=token[2] + 1, near=token[1])
        self.index += 1
        return token

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].upper() == word

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek() is not None:
            token = self.peek()
            raise FormulaError("formula.syntax", at=token[2] + 1, near=token[1])
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.is_word("OR"):
            self.take()
            node = Node("call", "OR", (node, self.conjunction()))
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.is_word("AND"):
            self.take()
            node = Node("call", "AND", (node, self.negation()))
        return node

    def negation(self) -> Node:
        if self.is_word("NOT") and not (self.index + 1 < len(self.tokens) and self.tokens[self.index + 1][1] == "("):
            self.take()
            return Node("call", "NOT", (self.negation(),))
        return self.comparison()

    def comparison(self) -> Node:
        node = self.joined()
        token = self.peek()
        if token is not None and token[1] in COMPARISONS:
            self.take()
            operator = "!=" if token[1] == "<>" else token[1]
            node = Node("op", operator, (node, self.joined()))
        return node

    def joined(self) -> Node:
        node = self.additive()
        while (token := self.peek()) is not None and token[1] == "&":
            self.take()
            node = Node("op", "&", (node, self.additive()))
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while (token := self.peek()) is not None and token[1] in "+-" and token[0] == "op":
            self.take()
            node = Node("op", token[1], (node, self.multiplicative()))
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token[1] in "*/" and token[0] == "op":
            self.take()
            node = Node("op", token[1], (node, self.unary()))
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token[1] == "-" and token[0] == "op":
            self.take()
            return Node("neg", None, (self.unary(),))
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        kind, text, position = token
        if kind == "number":
            return Node("number", float(text) if "." in text else int(text))
        if kind == "text":
            return Node("text", text[1:-1])
        if kind == "ref":
            return Node("ref", _reference(text[1:-1]))
        if kind == "word":
            name = text.upper()
            if name in ("TRUE", "FALSE"):
                return Node("bool", name == "TRUE")
            if name not in FUNCTIONS:
                raise FormulaError("formula.unknown_function", name=text)
            self.take("(")
            args = []
            if self.peek() is not None and self.peek()[1] != ")":
                args.append(self.disjunction())
                while self.peek() is not None and self.peek()[1] == ",":
                    self.take()
                    args.append(self.disjunction())
            self.take(")")
            low, high = FUNCTIONS[name]
            if len(args) < low or (high is not None and len(args) > high):
                raise FormulaError("formula.arity", name=name, count=len(args))
            return Node("call", name, tuple(args))
        if text == "(":
            node = self.disjunction()
            self.take(")")
            return node
        raise FormulaError("formula.syntax", at=position + 1, near=text)


@lru_cache(maxsize=512)
def parse(text: str) -> Node:
    """The tree of ``text``; raises FormulaError (with where, for a syntax error).

    >>> parse('{预计成交金额} * {赢率} / 100').value
    '/'
    >>> references(parse('IF({跟进次数} = 0, "未跟进", {联系人})'))
    ['跟进次数', '联系人']
    >>> parse('1 + * 2')
    Traceback (most recent call last):
    ...
    schema.formula.FormulaError: formula.syntax {'at': 5, 'near': '*'}
    """
    if not text or not text.strip():
        raise FormulaError("formula.empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError("formula.too_long", limit=MAX_LENGTH)
    return _Parser(text).parse()


def references(node: Node) -> list[str]:
    """Every reference in ``node``, in order: ``#name`` for an internal name, else the label (see
    :func:`label_reference`)."""
    if node.kind == "ref":
        return [node.value]
    return [found for arg in node.args for found in references(arg)]


_ESCAPE = re.compile(r"\\([{}\\#])")


def _reference(inside: str) -> str:
    """The reference ``{inside}`` makes: ``#name`` as it is, else the label with its escapes undone."""
    inside = inside.strip()
    if inside.startswith("#"):
        return inside
    return label_reference(_ESCAPE.sub(r"\1", inside))


def label_reference(label: str) -> str:
    """The reference naming a field by ``label``, as :func:`references` gives it: the label itself, with a
    ``\\`` in front when it starts with ``#`` or ``\\`` (so that it is never taken for an internal name).

    >>> label_reference("赢率"), label_reference("#1 渠道")
    ('赢率', '\\\\#1 渠道')
    """
    return "\\" + label if label[:1] in ("#", "\\") else label


def reference_label(reference: str) -> str | None:
    """The label a reference names (``None`` for an internal ``#name``)."""
    if reference.startswith("#"):
        return None
    return reference[1:] if reference.startswith("\\") else reference


def written(reference: str) -> str:
    """A reference as a formula writes it: ``{#name}``, or the label in braces with ``{``, ``}``, ``\\``
    and a leading ``#`` escaped by a backslash, so that it parses back to the same reference.

    >>> written("预算{万元}"), written(label_reference("#1 渠道")), written("#f3")
    ('{预算\\\\{万元\\\\}}', '{\\\\#1 渠道}', '{#f3}')
    """
    label = reference_label(reference)
    if label is None:
        return "{" + reference + "}"
    text = re.sub(r"([{}\\])", r"\\\1", label)
    return "{" + ("\\" + text if text.startswith("#") else text) + "}"


def rewrite(text: str, replace_ref) -> str:
    """``text`` with each reference replaced by ``replace_ref(reference)`` (a reference as
    :func:`references` gives them), written back with :func:`written`; strings are left alone."""
    parts, position = [], 0
    for kind, token, start in _tokens(text):
        if kind == "ref":
            parts.append(text[position:start] + written(replace_ref(_reference(token[1:-1]))))
            position = start + len(token)
    return "".join(parts) + text[position:]


#: What a formula can yield, by the code kept with the field.
RESULTS = ("number", "text", "date", "datetime", "bool")
_NUMBER_CALLS = ("LEN", "ROUND", "ABS", "DAYS_BETWEEN")
_TEXT_CALLS = ("CONCAT", "LEFT", "RIGHT")
_BOOL_CALLS = ("AND", "OR", "NOT")


def result_of(node: Node, result_of_ref) -> str:
    """What ``node`` yields (one of :data:`RESULTS`); ``result_of_ref(reference)`` answers for references.

    >>> result_of(parse('{a} * 2'), lambda ref: "number"), result_of(parse('IF({a} > 1, "高", "低")'), str)
    ('number', 'text')
    """
    if node.kind in ("number", "neg"):
        return "number"
    if node.kind == "text":
        return "text"
    if node.kind == "bool":
        return "bool"
    if node.kind == "ref":
        return result_of_ref(node.value)
    if node.kind == "op":
        if node.value in COMPARISONS:
            return "bool"
        return "text" if node.value == "&" else "number"
    if node.value in _NUMBER_CALLS:
        return "number"
    if node.value in _TEXT_CALLS:
        return "text"
    if node.value in _BOOL_CALLS:
        return "bool"
    if node.value in ("TODAY", "DATE_ADD"):
        return "date"
    return result_of(node.args[1], result_of_ref)  # IF: what its first branch yields


def formula_column(table: Table, reference: str) -> Column | None:
    """The column a reference names: ``#name`` (as stored) or a label in either language, any case."""
    label = reference_label(reference)
    if label is None:
        name = reference[1:]
        return table.column(name) if table.has_column(name) else None
    wanted = label.casefold()
    return next((c for c in table.columns if wanted in (c.label.zh.casefold(), c.label.en.casefold())), None)
