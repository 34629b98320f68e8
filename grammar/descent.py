"""Text -> AST without lark: a hand-written recursive-descent reader of p-SQL (the fast path).

`psql.lark` stays the definition of the text form, and lark's LALR parser stays the reader of
record for everything that goes wrong: its errors, with expected tokens and hints, are what a
user or a model sees. But lark spends ~600 µs on a five-step plan, most of it in its lexer
(issue 20), and the compact and steps wire forms parse a string per expression or step of
every model answer. So `parse` reads text here first: one regex scan (grammar/scan.py) and
one descent, about a sixth of lark's time.

This reader answers only when sure. It builds the very nodes, spans included, that
`lark_reader.py` builds from lark's tree; at anything else (a syntax error, a number out of range,
an unknown function, an argument that does not bind, any diagnostic, a stack too deep) it
raises `Unsure` and lark reads the text instead, so every error is lark's. What it mirrors:

- lark's *contextual* lexer: a word is a keyword only where the parser can take that
  keyword, and a name elsewhere. At a name position every word is a name; after `DISTINCT`
  a step keyword ends the (optional) column list; `ORDER BY` after a WINDOW's items is the
  window's order (lark shifts), `ORDER_BY` there starts a SORT step.
- `-5` is one literal where an operand starts (NEG_NUMBER: the minus touches the digits),
  a subtraction after an operand; `--` starts a comment.
- positions: a node spans its first to its last token (see grammar/descent_exprs.py for
  parentheses).

tests/grammar/test_descent.py holds the two readers to equal nodes and equal spans on
printed, mutated and hand-picked text, both ways: valid text never misses this path.

    >>> read("where x > 1", "start", None)[0].steps[0]
    Filter(where=Gt(left=Col(name='x'), right=Lit(value=1, kind='integer')))
"""

from __future__ import annotations

from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.descent_exprs import ExprReader, Place
from pesql.grammar.literals import limit_number
from pesql.grammar.ops import joins, rows
from pesql.grammar.registry import Naming
from pesql.grammar.scan import Unsure, scan

__all__ = ["Unsure", "read"]

_STEP_WORDS = frozenset(
    {"FILTER", "SELECT", "DROP", "DERIVE", "GROUP_BY", "GROUP_SPACE_BY", "AGGREGATE", "SORT",
     "ORDER", "LIMIT", "DISTINCT", "WINDOW", "JOIN", "LOOKUP", "$END"}
)  # fmt: skip
_JOIN_KINDS = frozenset({"INNER", "LEFT", "SEMI", "ANTI"})


def read(
    text: str, start: str, naming: Naming | None, place: Place | None = None
) -> tuple[Any, int]:
    """What lark's path returns for entry rule `start` ("start", "one_expr", "one_step"),
    with the number of tokens of its longest step (or expression); or `Unsure`.

    Every AST level holds a token of its own, so a step of at most MAX_JSON_DEPTH tokens
    cannot nest too deep: the caller's depth check is needed only past that. With `place`,
    every node's origin is `place(its span)` (see parse.py)."""
    reader = _Reader(text, scan(text), naming, place)
    try:
        if start == "one_expr":
            result: Any = reader.expr()[0]
            reader.widest = reader.i
        elif start == "one_step":
            result = reader.from_clause() if reader.kinds[0] == "FROM" else reader.step()[0]
        else:
            result = reader.plan()
    except RecursionError:
        raise Unsure from None
    if reader.kinds[reader.i] != "$END":
        raise Unsure
    return result, reader.widest


class _Reader(ExprReader):
    """Steps: one method per step rule of psql.lark."""

    __slots__ = ("widest",)

    def __init__(self, text: str, tokens: Any, naming: Naming | None, place: Place | None) -> None:
        super().__init__(text, tokens, naming, place)
        self.widest = 0  # tokens in the longest step

    def names(self) -> tuple[list[str], int]:
        return self.listed(self.name)

    def plan(self) -> A.Plan:
        table = None
        steps: list[A.Step] = []
        if self.kinds[0] == "FROM":
            table = self.from_clause()[1]
        while self.kinds[self.i] != "$END":
            steps.append(self.step()[0])
        origin: A.Origin | None = None
        if self.i:
            origin = self.span(0, self.i - 1)
        elif self.place is not None:
            origin = self.place(None)  # nothing to span: where the text is
        return A.Plan(table=table, steps=tuple(steps), origin=origin)

    def from_clause(self) -> tuple[str, str]:
        self.take("FROM")
        return ("from", self.name()[0])

    def step(self) -> tuple[A.Step, int]:
        first = self.i
        kind = self.kinds[first]
        self.i += 1
        step: A.Step
        if kind == "FILTER":
            where, _, last = self.expr()
            step = rows.Filter(where=where, origin=self.span(first, last))
        elif kind == "DERIVE":
            assigns, last = self.assigns()
            step = rows.Derive(columns=assigns, origin=self.span(first, last))
        elif kind == "GROUP_BY" or kind == "GROUP_SPACE_BY":
            keys, last = self.names()
            aggregates: tuple[A.Assign, ...] = ()
            if self.kinds[self.i] == "COMPUTE":
                self.i += 1
                aggregates, last = self.assigns()
            span = self.span(first, last)
            step = rows.GroupBy(keys=tuple(keys), aggregates=aggregates, origin=span)
        elif kind == "SORT" or kind == "ORDER":
            if kind == "ORDER":
                self.take("BY")
            sort_keys, last = self.sort_keys()
            step = rows.Sort(keys=sort_keys, origin=self.span(first, last))
        elif kind == "LIMIT":
            step, last = self.limit(first)
        elif kind == "SELECT":
            items, last = self.listed(self.select_item)
            step = rows.Select(columns=tuple(items), origin=self.span(first, last))
        elif kind == "DROP":
            names, last = self.names()
            step = rows.Drop(columns=tuple(names), origin=self.span(first, last))
        elif kind == "AGGREGATE":
            assigns, last = self.assigns()
            step = rows.AggregateStep(aggregates=assigns, origin=self.span(first, last))
        elif kind == "DISTINCT":
            last = first
            distinct: list[str] = []
            if self.kinds[self.i] not in _STEP_WORDS:  # a step keyword ends the list
                distinct, last = self.names()
            step = rows.Distinct(columns=tuple(distinct), origin=self.span(first, last))
        elif kind == "WINDOW":
            step, last = self.window(first)
        elif kind == "JOIN" or kind == "LOOKUP":
            step, last = self.join(first, kind)
        else:
            raise Unsure
        self.widest = max(self.widest, self.i - first)
        return step, last

    def select_item(self) -> tuple[A.SelectItem, int]:
        column, first = self.name()
        alias, last = None, first
        if self.kinds[self.i] == "AS":
            self.i += 1
            alias, last = self.name()
        return A.SelectItem(column=column, as_=alias, origin=self.span(first, last)), last

    def assigns(self) -> tuple[tuple[A.Assign, ...], int]:
        assigns, last = self.listed(self.assign)
        return tuple(assigns), last

    def assign(self) -> tuple[A.Assign, int]:
        name, first = self.name()
        self.take("=")
        expr, _, last = self.expr()
        return A.Assign(name=name, expr=expr, origin=self.span(first, last)), last

    def sort_keys(self) -> tuple[tuple[A.SortKey, ...], int]:
        keys, last = self.listed(self.sort_key)
        return tuple(keys), last

    def sort_key(self) -> tuple[A.SortKey, int]:
        column, first = self.name()
        last = first
        descending = False
        nulls_last = True
        if self.kinds[self.i] in ("ASC", "DESC"):
            descending = self.kinds[self.i] == "DESC"
            last = self.i
            self.i += 1
        if self.kinds[self.i] == "NULLS":
            self.i += 1
            if self.kinds[self.i] not in ("FIRST", "LAST"):
                raise Unsure
            nulls_last = self.kinds[self.i] == "LAST"
            last = self.i
            self.i += 1
        span = self.span(first, last)
        key = A.SortKey(column=column, descending=descending, nulls_last=nulls_last, origin=span)
        return key, last

    def limit(self, first: int) -> tuple[rows.Limit, int]:
        last = self.take("INT")
        count = limit_number(self.texts[last], "count")
        offset: int | None = 0
        if self.kinds[self.i] == "OFFSET":
            self.i += 1
            last = self.take("INT")
            offset = limit_number(self.texts[last], "offset")
        if count is None or offset is None:
            raise Unsure  # E157
        with_ties = self.kinds[self.i] == "WITH"
        if with_ties:
            self.i += 1
            last = self.take("TIES")
        span = self.span(first, last)
        return rows.Limit(count=count, offset=offset, with_ties=with_ties, origin=span), last

    def window(self, first: int) -> tuple[rows.Window, int]:
        assigns, last = self.assigns()
        partition: list[str] = []
        order: tuple[A.SortKey, ...] = ()
        if self.kinds[self.i] == "PARTITION":
            self.i += 1
            self.take("BY")
            partition, last = self.names()
        if self.kinds[self.i] == "ORDER":
            self.i += 1
            self.take("BY")
            order, last = self.sort_keys()
        step = rows.Window(
            columns=assigns,
            partition_by=tuple(partition),
            order_by=order,
            origin=self.span(first, last),
        )
        return step, last

    def join(self, first: int, kind: str) -> tuple[A.Step, int]:
        how = "inner"
        if kind == "JOIN" and self.kinds[self.i] in _JOIN_KINDS:
            how = self.texts[self.i].lower()
            self.i += 1
        table = self.name()[0]
        self.take("ON")
        keys, last = self.listed(self.join_key)
        on = tuple(keys)
        if kind == "LOOKUP":
            return joins.Lookup(table=table, on=on, origin=self.span(first, last)), last
        step = joins.Join(table=table, on=on, kind=how, origin=self.span(first, last))  # type: ignore[arg-type]
        return step, last

    def join_key(self) -> tuple[A.JoinKey, int]:
        left, first = self.name()
        self.take("=")
        right, last = self.name()
        return A.JoinKey(left=left, right=right, origin=self.span(first, last)), last
