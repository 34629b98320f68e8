"""lark's reading of p-SQL text: the reader of record, and the reader of every text with a
problem (valid text is read by grammar/descent.py, which is held to this one by
tests/grammar/test_descent.py).

Imported only when it is needed, so a process that reads valid text and JSON never loads lark
(~30 ms of start-up). Lark's exceptions are converted here, at the boundary, into diagnostics
with line:col, the expected tokens in words, and hints (nearest step or function names).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lark import Lark, Token, v_args
from lark.exceptions import UnexpectedInput
from lark.tree import Meta
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Collector, Diagnostic, PesqlError
from pesql.grammar.literals import limit_number
from pesql.grammar.lowering import MAX_JSON_DEPTH
from pesql.grammar.numbers import describe_number, read_int
from pesql.grammar.ops import joins, rows
from pesql.grammar.parse_errors import syntax_diagnostic
from pesql.grammar.parse_exprs import ExprRules, nodes, span_of, token_span
from pesql.grammar.registry import Naming, spec_of
from pesql.grammar.scan import grammar_text


@cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        start=["start", "one_expr", "one_step"],
    )


def prepare_error_reader() -> None:
    """Build lark's LALR parser now (~0.3 s): it reads every text with a problem (valid text
    goes through grammar/descent.py without it). Long-lived processes call this at start."""
    _parser()


def read_with_lark(text: str, start: str, naming: Naming | None) -> Any:
    """lark's reading of checked text: the reader of record, and of every error."""
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise PesqlError([syntax_diagnostic(exc, text)], text) from None
    except RecursionError:
        raise PesqlError(
            [Diagnostic.make("E302", found="too deep to parse", expected=str(MAX_JSON_DEPTH))], text
        ) from None
    collector = Collector()
    try:
        parsed = _Build(collector, naming).transform(tree)
    except RecursionError:
        raise PesqlError(
            [Diagnostic.make("E302", found="too deep to parse", expected=str(MAX_JSON_DEPTH))], text
        ) from None
    collector.raise_if_errors(text)
    return parsed


@v_args(meta=True)
class _Build(ExprRules):
    """Builds AST nodes bottom-up; problems go to the collector, a placeholder goes on."""

    def __init__(self, collector: Collector, naming: Naming | None = None) -> None:
        super().__init__()
        self.collector = collector
        self.naming = naming

    # --- plan and steps -------------------------------------------------------------
    def start(self, meta: Meta, children: list[Any]) -> A.Plan:
        table = None
        steps = []
        for child in children:
            if isinstance(child, tuple) and child[0] == "from":
                table = child[1]
            else:
                steps.append(child)
        return A.Plan(table=table, steps=tuple(steps), origin=span_of(meta))

    def one_expr(self, meta: Meta, children: list[Any]) -> Any:
        return nodes(children)[0]

    def one_step(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def from_clause(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("from", nodes(children)[0])

    def name(self, meta: Meta, children: list[Token]) -> str:
        tok = children[0]
        text = str(tok.value)
        if tok.type != "QUOTED_NAME":
            return text
        if text == "``":  # as in JSON (E155): a name is never empty
            self.collector.error(
                "E155", span_of(meta), found="``", prop="name", hints=("names cannot be empty",)
            )
        return text[1:-1].replace("``", "`")

    def filter(self, meta: Meta, children: list[Any]) -> rows.Filter:
        return rows.Filter(where=nodes(children)[0], origin=span_of(meta))

    def select(self, meta: Meta, children: list[Any]) -> rows.Select:
        return rows.Select(columns=tuple(nodes(children)), origin=span_of(meta))

    def select_item(self, meta: Meta, children: list[Any]) -> A.SelectItem:
        names = nodes(children)
        return A.SelectItem(
            column=names[0], as_=names[1] if len(names) > 1 else None, origin=span_of(meta)
        )

    def drop(self, meta: Meta, children: list[Any]) -> rows.Drop:
        return rows.Drop(columns=tuple(nodes(children)), origin=span_of(meta))

    def derive(self, meta: Meta, children: list[Any]) -> rows.Derive:
        return rows.Derive(columns=tuple(nodes(children)), origin=span_of(meta))

    def group_by(self, meta: Meta, children: list[Any]) -> rows.GroupBy:
        items = nodes(children)
        keys = tuple(i for i in items if isinstance(i, str))
        aggs = tuple(i for i in items if isinstance(i, A.Assign))
        return rows.GroupBy(keys=keys, aggregates=aggs, origin=span_of(meta))

    def aggregate(self, meta: Meta, children: list[Any]) -> rows.AggregateStep:
        return rows.AggregateStep(aggregates=tuple(nodes(children)), origin=span_of(meta))

    def sort(self, meta: Meta, children: list[Any]) -> rows.Sort:
        return rows.Sort(keys=tuple(nodes(children)), origin=span_of(meta))

    def sort_key(self, meta: Meta, children: list[Any]) -> A.SortKey:
        words = {c.type for c in children if isinstance(c, Token)}
        return A.SortKey(
            column=nodes(children)[0],
            descending="DESC" in words,
            nulls_last="FIRST" not in words,
            origin=span_of(meta),
        )

    def limit(self, meta: Meta, children: list[Any]) -> rows.Limit:
        tokens = [c for c in children if isinstance(c, Token) and c.type == "INT"]
        numbers = [
            self._bounded(tok, wire) for tok, wire in zip(tokens, ("count", "offset"), strict=False)
        ]
        words = {c.type for c in children if isinstance(c, Token)}
        return rows.Limit(
            count=numbers[0],
            offset=numbers[1] if len(numbers) > 1 else 0,
            with_ties="TIES" in words,
            origin=span_of(meta),
        )

    def _bounded(self, tok: Token, wire: str) -> int:
        """LIMIT's count or offset within the registry's bounds (E157 and 0 otherwise)."""
        value = limit_number(tok.value, wire)
        if value is not None:
            return value
        bound = spec_of(rows.Limit).field(wire)
        assert bound is not None
        raw = read_int(tok.value)
        self.collector.error(
            "E157", token_span(tok), found=describe_number(raw), expected=bound.out_of_range(raw)
        )
        return 0

    def distinct(self, meta: Meta, children: list[Any]) -> rows.Distinct:
        return rows.Distinct(columns=tuple(nodes(children)), origin=span_of(meta))

    def window(self, meta: Meta, children: list[Any]) -> rows.Window:
        assigns: list[A.Assign] = []
        partition: list[str] = []
        order: list[A.SortKey] = []
        section = "columns"
        for child in children:
            if isinstance(child, Token) and child.type in ("PARTITION", "ORDER"):
                section = child.type
            elif isinstance(child, A.Assign):
                assigns.append(child)
            elif isinstance(child, A.SortKey):
                order.append(child)
            elif isinstance(child, str) and not isinstance(child, Token) and section == "PARTITION":
                partition.append(child)
        return rows.Window(
            columns=tuple(assigns),
            partition_by=tuple(partition),
            order_by=tuple(order),
            origin=span_of(meta),
        )

    def join(self, meta: Meta, children: list[Any]) -> joins.Join:
        kinds = [c[1] for c in children if isinstance(c, tuple) and c[0] == "kind"]
        kind = kinds[0] if kinds else "inner"
        table = next(c for c in nodes(children) if isinstance(c, str))
        keys = tuple(c for c in nodes(children) if isinstance(c, A.JoinKey))
        return joins.Join(table=table, on=keys, kind=kind, origin=span_of(meta))  # type: ignore[arg-type]

    def join_kind(self, meta: Meta, children: list[Token]) -> tuple[str, str]:
        return ("kind", str(children[0].value).lower())

    def lookup(self, meta: Meta, children: list[Any]) -> joins.Lookup:
        table = next(c for c in nodes(children) if isinstance(c, str))
        keys = tuple(c for c in nodes(children) if isinstance(c, A.JoinKey))
        return joins.Lookup(table=table, on=keys, origin=span_of(meta))

    def join_key(self, meta: Meta, children: list[Any]) -> A.JoinKey:
        left, right = nodes(children)
        return A.JoinKey(left=left, right=right, origin=span_of(meta))

    def assign(self, meta: Meta, children: list[Any]) -> A.Assign:
        name, expr = nodes(children)
        return A.Assign(name=name, expr=expr, origin=span_of(meta))

    # --- expressions ----------------------------------------------------------------


__all__ = ["prepare_error_reader", "read_with_lark"]
