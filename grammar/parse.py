"""Text -> AST: `parse(text)` reads p-SQL text into a `Plan`, or raises `PesqlError`.

    >>> plan = parse("FILTER price > 10\\nSORT price DESC")
    >>> [type(s).__name__ for s in plan.steps]
    ['Filter', 'Sort']

Lark's exceptions are converted here, at the boundary, into diagnostics with line:col, the
expected tokens in words, and hints (nearest step or function names).
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree, v_args
from lark.exceptions import UnexpectedInput
from lark.tree import Meta
from pesql.grammar import ast as A
from pesql.grammar import descent
from pesql.grammar.descent_exprs import Place
from pesql.grammar.diagnostics import Collector, Diagnostic, PesqlError
from pesql.grammar.lowering import MAX_JSON_DEPTH
from pesql.grammar.numbers import describe_number, first_surrogate, read_int
from pesql.grammar.ops import joins, rows
from pesql.grammar.parse_errors import syntax_diagnostic
from pesql.grammar.parse_exprs import (
    ExprRules,
    limit_number,
    nodes,
    parse_temporal,
    span_of,
    surrogate_diagnostic,
    token_span,
)
from pesql.grammar.registry import Naming, spec_of

MAX_TEXT_CHARS = 1_000_000
# Tokens (words, numbers, strings, names, each punctuation mark) read before lark runs: its
# parse costs ~10 us per character, so an input far beyond any plan the compiler accepts
# (SizeLimits.max_nodes: 2,000 nodes are 2,000 to 8,000 tokens) is refused by one regex scan.
MAX_TEXT_TOKENS = 6_000
_TOKEN = re.compile(r"\w+|'(?:[^']|'')*'|`(?:[^`]|``)*`|--[^\n]*|\S")


@cache
def _parser() -> Lark:
    source = resources.files("pesql.grammar").joinpath("psql.lark").read_text(encoding="utf-8")
    return Lark(
        source,
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


def parse(text: str, naming: Naming | None = None, *, place: Place | None = None) -> A.Plan:
    """Parse p-SQL text into a plan; every problem is reported at once as `PesqlError`.

    With a profile's `naming`, its renamed and aliased function names are read too. With
    `place`, every node's origin is `place(its span)`."""
    plan = _parse(text, "start", naming, place)
    assert isinstance(plan, A.Plan)
    return plan


def parse_expr(text: str, naming: Naming | None = None, *, place: Place | None = None) -> A.Expr:
    """Parse one expression (the compact form's strings; docs, tests and the REPL)."""
    expr = _parse(text, "one_expr", naming, place)
    assert isinstance(expr, A.Expr)
    return expr


def parse_step(
    text: str, naming: Naming | None = None, *, place: Place | None = None
) -> A.Step | tuple[str, str]:
    """Parse one step (the steps form's strings), or `("from", table)` for a FROM line."""
    step = _parse(text, "one_step", naming, place)
    assert isinstance(step, A.Step | tuple)
    return step


def _parse(text: str, start: str, naming: Naming | None, place: Place | None = None) -> Any:
    if not isinstance(text, str):
        raise TypeError(f"parse takes p-SQL text (str), not {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E306", found=f"{len(text)} characters", expected=f"{MAX_TEXT_CHARS} characters"
                )
            ]
        )
    # Each token is at least one character: only text longer than the bound is counted.
    if len(text) > MAX_TEXT_TOKENS and _count_tokens(text, MAX_TEXT_TOKENS) > MAX_TEXT_TOKENS:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E306",
                    found=f"more than {MAX_TEXT_TOKENS} tokens",
                    expected=f"{MAX_TEXT_TOKENS} tokens",
                )
            ]
        )
    surrogate = first_surrogate(text)
    if surrogate is not None:
        # The source line is shown escaped: a lone surrogate cannot be printed.
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
        raise PesqlError([surrogate_diagnostic(text, surrogate)], shown)
    try:
        # The descent reader places origins as it builds; lark's result is moved after.
        parsed, widest = descent.read(text, start, naming, place)
    except descent.Unsure:
        parsed, widest = read_with_lark(text, start, naming), MAX_JSON_DEPTH + 1
        if place is not None and isinstance(parsed, A.Node):
            parsed = parsed.transform(lambda n: dataclasses.replace(n, origin=place(n.origin)))
    if widest > MAX_JSON_DEPTH:  # shorter steps cannot nest deeper (see descent.read)
        deep = _too_deep(parsed)
        if deep is not None:
            raise PesqlError([deep], text)
    return parsed


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


def _too_deep(parsed: object) -> Diagnostic | None:
    """E302 for the first step nested deeper than `MAX_JSON_DEPTH`, the JSON form's bound.

    Every later stage (printer, checker, backends) recurses once per level: a plan lark could
    still read must not overflow their stacks. Iterative, like the walk it guards."""
    roots = parsed.steps if isinstance(parsed, A.Plan) else (parsed,)
    for step in roots:
        if not isinstance(step, A.Node):
            continue  # the steps form's ("from", table)
        stack: list[tuple[A.Node, int]] = [(step, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_JSON_DEPTH:
                found = f"more than {MAX_JSON_DEPTH} levels"
                return Diagnostic.make(
                    "E302",
                    node.origin or step.origin,
                    found=found,
                    expected=str(MAX_JSON_DEPTH),
                    hints=("compute inner parts in earlier DERIVE steps",),
                )
            stack.extend((child, depth + 1) for child in node.children())
    return None


def _count_tokens(text: str, stop: int) -> int:
    """Tokens of `text`, counted up to `stop + 1` (comments count as one)."""
    count = 0
    for _ in _TOKEN.finditer(text):
        count += 1
        if count > stop:
            break
    return count


# Readable names for the tokens lark says it expected.
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


__all__ = ["Tree", "parse", "parse_expr", "parse_step", "parse_temporal"]
