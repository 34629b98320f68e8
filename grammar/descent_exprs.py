"""Expressions for the descent reader (the mixin half; steps are read in grammar/descent.py).

One method per precedence level of psql.lark, loosest first: OR, AND, NOT, comparison,
`+ -`, `* / %`, unary minus, atoms. Each returns the node and the indices of the first and
last token of its *container*: a parenthesized expression keeps its own span, and its
parent's span reaches over the parentheses, as lark's positions do.

Keywords where an expression starts: NOT (only here, not after `=` or BETWEEN, where lark
reads `not` as a column), CASE, TRUE, FALSE and NULL. Every other word there is a name.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any, TypeVar

from pesql.grammar import ast as A
from pesql.grammar.arguments import bind_call
from pesql.grammar.diagnostics import Collector
from pesql.grammar.literals import case_else, number_value, parse_temporal, unquote_string
from pesql.grammar.ops import aggregate as agg_ops
from pesql.grammar.ops import logic, operators
from pesql.grammar.ops import window as window_ops
from pesql.grammar.origin import make_span
from pesql.grammar.registry import Naming, lookup
from pesql.grammar.scan import NOT_WORDS, Tokens, Unsure

T = TypeVar("T")
Read = tuple[A.Expr, int, int]  # node, first and last token of its container
# Where a node's span in the text puts it: the wire forms read p-SQL held in a JSON string,
# and their nodes' origins point into that string (`A.InString`), not at the bare text.
Place = Callable[[A.Origin | None], A.Origin]

_COMPARE: dict[str, type[operators.Binary]] = {
    "=": operators.Eq, "!=": operators.Ne, "<>": operators.Ne, "<": operators.Lt,
    "<=": operators.Le, ">": operators.Gt, ">=": operators.Ge,
}  # fmt: skip
_SUM: dict[str, type[operators.Binary]] = {"+": operators.Add, "-": operators.Sub}
_PRODUCT: dict[str, type[operators.Binary]] = {
    "*": operators.Mul, "/": operators.Div, "%": operators.Mod
}  # fmt: skip
_CONSTANTS: dict[str, bool | None] = {"TRUE": True, "FALSE": False, "NULL": None}
_STAR_CALLS = (agg_ops.Count, window_ops.CumCount)
# Tokens after a term (an atom, or its `*`/`+` chain) that continue the expression: a call's
# `(`, a typed literal's STRING, operators. A lone name, number or text before any other
# token is the whole expression, read without descending the precedence levels (`lone`).
_CONTINUES_SUM = frozenset({"(", "STRING", *_SUM, *_PRODUCT})
_CONTINUES_EXPR = _CONTINUES_SUM | {
    *_COMPARE, "IS", "NOT", "IN", "BETWEEN", "LIKE", "ILIKE", "AND", "OR"
}  # fmt: skip
_LONE = frozenset({"NAME", "INT", "FLOAT", "STRING"})
# Words that are keywords where a call argument starts: not names, so never `name =>`.
_NOT_OPTION_NAMES = NOT_WORDS | {"NOT", "CASE", "TRUE", "FALSE", "NULL"}


class ExprReader:
    """Reads expressions from `tokens` at `i`; the subclass reads steps."""

    __slots__ = (
        "collector", "ends", "i", "kinds", "lines", "naming", "offsets", "place", "starts", "texts"
    )  # fmt: skip

    def __init__(
        self, text: str, tokens: Tokens, naming: Naming | None, place: Place | None = None
    ) -> None:
        self.place = place
        # A place that can take a one-line span as offsets (`clauses.PieceMap`,
        # `forms._Inside`) skips building the Span it would only translate (`span`).
        self.offsets: Callable[[int, int], A.Origin] | None = getattr(place, "offsets", None)
        self.kinds = tokens.kinds
        self.texts = tokens.texts
        self.starts = tokens.starts
        self.ends = tokens.ends
        self.i = 0
        self.naming = naming
        self.collector = Collector()
        # Offsets where lines start; None for one-line text (the common case: no search).
        self.lines: list[int] | None = None
        at = text.find("\n")
        if at >= 0:
            self.lines = [0]
            while at >= 0:
                self.lines.append(at + 1)
                at = text.find("\n", at + 1)

    def take(self, kind: str) -> int:
        """The index of the current token, which must be `kind`; moves past it."""
        at = self.i
        if self.kinds[at] != kind:
            raise Unsure
        self.i = at + 1
        return at

    def span(self, first: int, last: int) -> A.Origin:
        """The origin of a node from token `first` to token `last`: its span, placed."""
        start = self.starts[first]
        end = self.ends[last]
        lines = self.lines
        if lines is None:
            if self.offsets is not None:
                return self.offsets(start, end)
            span = make_span(1, start + 1, 1, end + 1)
        else:
            line = bisect_right(lines, start)
            end_line = bisect_right(lines, end)
            span = make_span(
                line, start - lines[line - 1] + 1, end_line, end - lines[end_line - 1] + 1
            )
        return span if self.place is None else self.place(span)

    def name(self) -> tuple[str, int]:
        """A name where only a name can stand: any word, or a backquoted name."""
        at = self.i
        kind = self.kinds[at]
        if kind in NOT_WORDS and kind != "QNAME":
            raise Unsure
        value = self.texts[at]
        if kind == "QNAME":
            if value == "``":
                raise Unsure  # E155
            value = value[1:-1].replace("``", "`")
        self.i = at + 1
        return value, at

    def listed(self, item: Callable[[], tuple[T, int]]) -> tuple[list[T], int]:
        """`item ("," item)*`: the items and the index of the last one's last token."""
        values: list[T] = []
        while True:
            value, last = item()
            values.append(value)
            if self.kinds[self.i] != ",":
                return values, last
            self.i += 1

    # --- OR, AND, NOT ----------------------------------------------------------------------
    def expr(self) -> Read:
        lone = self.lone(_CONTINUES_EXPR)
        return lone if lone is not None else self.junction("OR", operators.Or, self.conjunction)

    def lone(self, continues: frozenset[str]) -> Read | None:
        """A name, number or text that no token in `continues` follows: what the levels below
        would read (an atom they pass up unchanged), in one call. Most arguments and keys
        are such (`GROUP_BY a, b`, `AVG(x)`, `= 'x'`), and the descent costs ~1 µs a level."""
        at = self.i
        kind = self.kinds[at]
        if kind not in _LONE or self.kinds[at + 1] in continues:
            return None
        self.i = at + 1
        if kind == "NAME":
            return A.Col(name=self.texts[at], origin=self.span(at, at)), at, at
        if kind == "STRING":
            text = unquote_string(self.texts[at])
            return A.Lit(value=text, origin=self.span(at, at)), at, at
        return self.number(self.texts[at], at, at), at, at

    def conjunction(self) -> Read:
        return self.junction("AND", operators.And, self.negation)

    def junction(self, word: str, cls: Any, part: Callable[[], Read]) -> Read:
        node, first, last = part()
        if self.kinds[self.i] != word:
            return node, first, last
        args = [node]
        while self.kinds[self.i] == word:
            self.i += 1
            node, _, last = part()
            args.append(node)
        return cls(args=tuple(args), origin=self.span(first, last)), first, last

    def negation(self) -> Read:
        first = self.i
        if self.kinds[first] != "NOT":
            return self.comparison()
        self.i += 1
        value, _, last = self.negation()
        return operators.Not(value=value, origin=self.span(first, last)), first, last

    # --- comparisons (they do not chain) -------------------------------------------------
    def comparison(self) -> Read:
        left, first, last = self.sum()
        kind = self.kinds[self.i]
        cls = _COMPARE.get(kind)
        if cls is not None:
            self.i += 1
            right, _, last = self.sum()
            return cls(left=left, right=right, origin=self.span(first, last)), first, last
        if kind == "IS":
            self.i += 1
            negated = self.kinds[self.i] == "NOT"
            self.i += negated
            last = self.take("NULL")
            test = operators.IsNotNull if negated else operators.IsNull
            return test(value=left, origin=self.span(first, last)), first, last
        negated = kind == "NOT"
        if negated:
            self.i += 1
            kind = self.kinds[self.i]
        node: A.Expr
        if kind == "IN":
            self.i += 1
            self.take("(")
            options = [self.expr()[0]]
            while self.kinds[self.i] == ",":
                self.i += 1
                options.append(self.expr()[0])
            last = self.take(")")
            node = operators.In(value=left, options=tuple(options), origin=self.span(first, last))
        elif kind == "BETWEEN":
            self.i += 1
            low = self.sum()[0]
            self.take("AND")
            high, _, last = self.sum()
            node = operators.Between(value=left, low=low, high=high, origin=self.span(first, last))
        elif kind == "LIKE" or kind == "ILIKE":
            self.i += 1
            last = self.take("STRING")
            node = operators.Like(
                value=left,
                pattern=unquote_string(self.texts[last]),
                ignore_case=kind == "ILIKE",
                origin=self.span(first, last),
            )
        elif negated:
            raise Unsure
        else:
            return left, first, last
        if negated:  # lark's path wraps the node in NOT with the same span
            node = operators.Not(value=node, origin=node.origin)
        return node, first, last

    # --- arithmetic --------------------------------------------------------------------
    def sum(self) -> Read:
        lone = self.lone(_CONTINUES_SUM)
        return lone if lone is not None else self.chain(_SUM, self.product)

    def product(self) -> Read:
        return self.chain(_PRODUCT, self.unary)

    def chain(self, ops: dict[str, type[operators.Binary]], part: Callable[[], Read]) -> Read:
        node, first, last = part()
        cls = ops.get(self.kinds[self.i])
        while cls is not None:
            self.i += 1
            right, _, last = part()
            node = cls(left=node, right=right, origin=self.span(first, last))
            cls = ops.get(self.kinds[self.i])
        return node, first, last

    def unary(self) -> Read:
        first = self.i
        if self.kinds[first] != "-":
            return self.atom()
        number = self.kinds[first + 1]
        if (number == "INT" or number == "FLOAT") and self.starts[first + 1] == self.ends[first]:
            self.i += 2  # NEG_NUMBER: the minus touches the digits
            raw = "-" + self.texts[first + 1]
            return self.number(raw, first, first + 1), first, first + 1
        self.i += 1
        value, _, last = self.unary()
        return operators.Neg(value=value, origin=self.span(first, last)), first, last

    def number(self, raw: str, first: int, last: int) -> A.Lit:
        value = number_value(raw)
        if value is None:
            raise Unsure  # E157, E106
        return A.Lit(value=value, origin=self.span(first, last))

    # --- atoms ---------------------------------------------------------------------------
    def atom(self) -> Read:
        at = self.i
        kind = self.kinds[at]
        if kind == "INT" or kind == "FLOAT":
            self.i += 1
            return self.number(self.texts[at], at, at), at, at
        if kind == "STRING":
            self.i += 1
            return A.Lit(value=unquote_string(self.texts[at]), origin=self.span(at, at)), at, at
        if kind == "(":
            self.i += 1
            node = self.expr()[0]
            return node, at, self.take(")")
        if kind == "CASE":
            return self.case(at)
        if kind in _CONSTANTS:
            self.i += 1
            return A.Lit(value=_CONSTANTS[kind], origin=self.span(at, at)), at, at
        name, _ = self.name()
        if kind != "QNAME":
            following = self.kinds[self.i]
            if following == "(":
                return self.call(self.texts[at], at)
            if following == "STRING":
                return self.typed_literal(self.texts[at], at)
        return A.Col(name=name, origin=self.span(at, at)), at, at

    def typed_literal(self, word: str, first: int) -> Read:
        last = self.take("STRING")
        kind = word.upper()
        if kind != "DATE" and kind != "TIMESTAMP":
            raise Unsure  # E101
        value = parse_temporal(unquote_string(self.texts[last]), kind == "TIMESTAMP")
        if value is None:
            raise Unsure  # E106
        return A.Lit(value=value, origin=self.span(first, last)), first, last

    def call(self, word: str, first: int) -> Read:
        self.i += 1  # "("
        positional: list[A.Expr] = []
        options: list[tuple[str, A.Expr, A.Origin | None]] = []
        star = self.kinds[self.i] == "*"
        if star:
            self.i += 1
        if star or self.kinds[self.i] != ")":
            if not star:
                self.call_arg(positional, options)
            while self.kinds[self.i] == ",":
                self.i += 1
                self.call_arg(positional, options)
        last = self.take(")")
        spec = lookup(word, self.naming)
        if spec is None or spec.syntax != "call" or spec.category == "step":
            raise Unsure  # E104, E156
        if star and (spec.cls not in _STAR_CALLS or positional):
            raise Unsure  # E105
        node = bind_call(spec, positional, options, self.span(first, last), self.collector)
        if self.collector.items:
            raise Unsure  # E105
        return node, first, last

    def call_arg(self, positional: list[A.Expr], options: list[Any]) -> None:
        at = self.i
        # `name => value`: the name is a NAME to lark, a word that no keyword takes here.
        if self.kinds[at] not in _NOT_OPTION_NAMES and self.kinds[at + 1] == "=>":
            self.i += 2
            value, _, last = self.expr()
            options.append((self.texts[at], value, self.span(at, last)))
        else:
            positional.append(self.expr()[0])

    def case(self, first: int) -> Read:
        self.i += 1
        whens: list[A.When] = []
        while self.kinds[self.i] == "WHEN":
            at = self.i
            self.i += 1
            when = self.expr()[0]
            self.take("THEN")
            then, _, last = self.expr()
            whens.append(A.When(when=when, then=then, origin=self.span(at, last)))
        if not whens:
            raise Unsure
        else_ = None
        if self.kinds[self.i] == "ELSE":
            self.i += 1
            else_ = self.expr()[0]
        last = self.take("END")
        node = logic.Case(whens=tuple(whens), else_=case_else(else_), origin=self.span(first, last))
        return node, first, last
