"""Text -> AST: `parse(text)` reads p-SQL text into a `Plan`, or raises `PesqlError`.

    >>> plan = parse("FILTER price > 10\\nSORT price DESC")
    >>> [type(s).__name__ for s in plan.steps]
    ['Filter', 'Sort']

Lark's exceptions are converted here, at the boundary, into diagnostics with line:col, the
expected tokens in words, and hints (nearest step or function names).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.tree import Meta
from pesql.grammar import ast as A
from pesql.grammar.arguments import bind_call
from pesql.grammar.diagnostics import Collector, Diagnostic, PesqlError, nearest
from pesql.grammar.ops import aggregate as agg_ops
from pesql.grammar.ops import logic, operators, rows
from pesql.grammar.ops import window as window_ops
from pesql.grammar.registry import all_ops, lookup

MAX_TEXT_CHARS = 1_000_000


@cache
def _parser() -> Lark:
    source = resources.files("pesql.grammar").joinpath("psql.lark").read_text(encoding="utf-8")
    return Lark(
        source,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )


def parse(text: str) -> A.Plan:
    """Parse p-SQL text into a plan; every problem is reported at once as `PesqlError`."""
    if len(text) > MAX_TEXT_CHARS:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E306", found=f"{len(text)} characters", expected=f"{MAX_TEXT_CHARS} characters"
                )
            ]
        )
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise PesqlError([_syntax_diagnostic(exc, text)], text) from None
    except RecursionError:
        raise PesqlError(
            [Diagnostic.make("E302", found="too deep", expected="a shallower plan")], text
        ) from None
    collector = Collector()
    try:
        plan = _Build(collector).transform(tree)
    except RecursionError:
        raise PesqlError(
            [Diagnostic.make("E302", found="too deep", expected="a shallower plan")], text
        ) from None
    collector.raise_if_errors(text)
    assert isinstance(plan, A.Plan)
    return plan


def parse_expr(text: str) -> A.Expr:
    """Parse one expression (used by docs, tests and the REPL): `FILTER` around it, then unwrap."""
    plan = parse(f"DERIVE _ = {text}")
    step = plan.steps[0]
    assert isinstance(step, rows.Derive)
    return step.columns[0].expr


# Readable names for the tokens lark says it expected.
_TOKEN_WORDS = {
    "NAME": "a name",
    "QUOTED_NAME": "a `quoted name`",
    "INT": "an integer",
    "FLOAT": "a number",
    "NEG_NUMBER": "a number",
    "STRING": "a 'string'",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COMMA": "`,`",
    "EQUAL": "`=`",
    "STAR": "`*`",
    "$END": "end of input",
    "MINUS": "`-`",
    "PLUS": "`+`",
    "SLASH": "`/`",
    "PERCENT": "`%`",
    "MORETHAN": "`>`",
    "LESSTHAN": "`<`",
}


def _describe(token_type: str) -> str:
    if token_type in _TOKEN_WORDS:
        return _TOKEN_WORDS[token_type]
    if token_type.isupper() and token_type.replace("_", "").isalpha() and len(token_type) >= 2:
        return token_type  # a keyword: FILTER, AND, ...
    return f"`{token_type}`"


def _syntax_diagnostic(exc: UnexpectedInput, text: str) -> Diagnostic:
    line, column = exc.line, exc.column
    if isinstance(exc, UnexpectedCharacters) or not isinstance(
        exc, UnexpectedToken | UnexpectedEOF
    ):
        pos = exc.pos_in_stream
        char = text[pos] if pos is not None and pos < len(text) else "?"
        quote_hint = "write text as 'single quoted' and odd column names as `backticked`"
        return Diagnostic.make(
            "E102",
            A.Span(line, column, line, column + 1),
            found=repr(char),
            hints=[quote_hint] if char == '"' else [],
        )
    step_words = {
        "FILTER",
        "SELECT",
        "DROP",
        "DERIVE",
        "GROUP_BY",
        "AGGREGATE",
        "SORT",
        "LIMIT",
        "DISTINCT",
        "WINDOW",
    }
    raw = {t for t in exc.expected if not t.startswith("__")}
    # Where any step may follow, say so once instead of listing ten keywords.
    next_step = step_words <= raw
    expected = sorted({_describe(t) for t in raw - (step_words if next_step else set())})
    if next_step:
        expected.append("the next step")
    expected_text = ", ".join(expected[:12]) + (", ..." if len(expected) > 12 else "")
    if isinstance(exc, UnexpectedEOF) or exc.token.type == "$END":
        end_line = text.count("\n") + 1
        end_col = len(text.rsplit("\n", 1)[-1]) + 1
        return Diagnostic.make(
            "E103", A.Span(end_line, end_col, end_line, end_col), expected=expected_text
        )
    token = exc.token
    found = f"`{token.value}`" if token.type != "$END" else "end of input"
    span = A.Span(
        token.line or line,
        token.column or column,
        token.end_line or line,
        token.end_column or column + 1,
    )
    hints: list[str] = []
    if token.type in ("LESSTHAN", "MORETHAN", "EQUAL", "__ANON_0", "__ANON_1", "__ANON_2") or (
        token.value in ("<", ">", "=", "<=", ">=", "!=", "<>")
    ):
        hints.append("comparisons do not chain: write `a < b AND b < c`")
    step_names = [s.name for s in all_ops("step")]
    if token.type == "NAME" and any(e == "FILTER" or e == "SORT" for e in exc.expected):
        close = nearest(token.value.upper(), step_names)
        if close:
            hints.append("did you mean " + " or ".join(close) + "?")
            return Diagnostic.make(
                "E107", span, name=token.value, expected=expected_text, hints=hints
            )
    return Diagnostic.make("E101", span, found=found, expected=expected_text, hints=hints)


def _span(meta: Meta) -> A.Span | None:
    if getattr(meta, "empty", True):
        return None
    return A.Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _token_span(tok: Token) -> A.Span:
    return A.Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


def _nodes(children: list[Any]) -> list[Any]:
    """Children without keyword tokens (AST nodes, names and literal tokens stay)."""
    return [c for c in children if not (isinstance(c, Token) and c.type not in _VALUE_TOKENS)]


_VALUE_TOKENS = {"NAME", "QUOTED_NAME", "INT", "FLOAT", "NEG_NUMBER", "STRING"}


def _unquote_string(raw: str) -> str:
    return raw[1:-1].replace("''", "'")


@v_args(meta=True)
class _Build(Transformer[Token, Any]):
    """Builds AST nodes bottom-up; problems go to the collector, a placeholder goes on."""

    def __init__(self, collector: Collector) -> None:
        super().__init__()
        self.collector = collector

    # --- plan and steps -------------------------------------------------------------
    def start(self, meta: Meta, children: list[Any]) -> A.Plan:
        table = None
        steps = []
        for child in children:
            if isinstance(child, tuple) and child[0] == "from":
                table = child[1]
            else:
                steps.append(child)
        return A.Plan(table=table, steps=tuple(steps), origin=_span(meta))

    def from_clause(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("from", _nodes(children)[0])

    def name(self, meta: Meta, children: list[Token]) -> str:
        tok = children[0]
        text = str(tok.value)
        return text[1:-1].replace("``", "`") if tok.type == "QUOTED_NAME" else text

    def filter(self, meta: Meta, children: list[Any]) -> rows.Filter:
        return rows.Filter(where=_nodes(children)[0], origin=_span(meta))

    def select(self, meta: Meta, children: list[Any]) -> rows.Select:
        return rows.Select(columns=tuple(_nodes(children)), origin=_span(meta))

    def select_item(self, meta: Meta, children: list[Any]) -> A.SelectItem:
        names = _nodes(children)
        return A.SelectItem(
            column=names[0], as_=names[1] if len(names) > 1 else None, origin=_span(meta)
        )

    def drop(self, meta: Meta, children: list[Any]) -> rows.Drop:
        return rows.Drop(columns=tuple(_nodes(children)), origin=_span(meta))

    def derive(self, meta: Meta, children: list[Any]) -> rows.Derive:
        return rows.Derive(columns=tuple(_nodes(children)), origin=_span(meta))

    def group_by(self, meta: Meta, children: list[Any]) -> rows.GroupBy:
        items = _nodes(children)
        keys = tuple(i for i in items if isinstance(i, str))
        aggs = tuple(i for i in items if isinstance(i, A.Assign))
        return rows.GroupBy(keys=keys, aggregates=aggs, origin=_span(meta))

    def aggregate(self, meta: Meta, children: list[Any]) -> rows.AggregateStep:
        return rows.AggregateStep(aggregates=tuple(_nodes(children)), origin=_span(meta))

    def sort(self, meta: Meta, children: list[Any]) -> rows.Sort:
        return rows.Sort(keys=tuple(_nodes(children)), origin=_span(meta))

    def sort_key(self, meta: Meta, children: list[Any]) -> A.SortKey:
        words = {c.type for c in children if isinstance(c, Token)}
        return A.SortKey(
            column=_nodes(children)[0],
            descending="DESC" in words,
            nulls_last="FIRST" not in words,
            origin=_span(meta),
        )

    def limit(self, meta: Meta, children: list[Any]) -> rows.Limit:
        numbers = [int(c.value) for c in children if isinstance(c, Token) and c.type == "INT"]
        words = {c.type for c in children if isinstance(c, Token)}
        return rows.Limit(
            count=numbers[0],
            offset=numbers[1] if len(numbers) > 1 else 0,
            with_ties="TIES" in words,
            origin=_span(meta),
        )

    def distinct(self, meta: Meta, children: list[Any]) -> rows.Distinct:
        return rows.Distinct(columns=tuple(_nodes(children)), origin=_span(meta))

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
            origin=_span(meta),
        )

    def assign(self, meta: Meta, children: list[Any]) -> A.Assign:
        name, expr = _nodes(children)
        return A.Assign(name=name, expr=expr, origin=_span(meta))

    # --- expressions ----------------------------------------------------------------
    def or_expr(self, meta: Meta, children: list[Any]) -> operators.Or:
        return operators.Or(args=tuple(_nodes(children)), origin=_span(meta))

    def and_expr(self, meta: Meta, children: list[Any]) -> operators.And:
        return operators.And(args=tuple(_nodes(children)), origin=_span(meta))

    def not_(self, meta: Meta, children: list[Any]) -> operators.Not:
        return operators.Not(value=_nodes(children)[0], origin=_span(meta))

    def _binary(self, cls: type[operators.Binary], meta: Meta, children: list[Any]) -> A.Expr:
        left, right = _nodes(children)
        return cls(left=left, right=right, origin=_span(meta))

    def eq(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Eq, meta, c)

    def ne(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Ne, meta, c)

    def lt(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Lt, meta, c)

    def le(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Le, meta, c)

    def gt(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Gt, meta, c)

    def ge(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Ge, meta, c)

    def add(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Add, meta, c)

    def sub(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Sub, meta, c)

    def mul(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Mul, meta, c)

    def div(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Div, meta, c)

    def mod(self, meta: Meta, c: list[Any]) -> A.Expr:
        return self._binary(operators.Mod, meta, c)

    def neg(self, meta: Meta, children: list[Any]) -> A.Expr:
        return operators.Neg(value=_nodes(children)[0], origin=_span(meta))

    def _negated(self, children: list[Any], node: A.Expr, meta: Meta) -> A.Expr:
        if any(isinstance(c, Token) and c.type == "NOT" for c in children):
            return operators.Not(value=node, origin=_span(meta))
        return node

    def is_null(self, meta: Meta, children: list[Any]) -> A.Expr:
        return operators.IsNull(value=_nodes(children)[0], origin=_span(meta))

    def is_not_null(self, meta: Meta, children: list[Any]) -> A.Expr:
        return operators.IsNotNull(value=_nodes(children)[0], origin=_span(meta))

    def in_(self, meta: Meta, children: list[Any]) -> A.Expr:
        value, *options = _nodes(children)
        node = operators.In(value=value, options=tuple(options), origin=_span(meta))
        return self._negated(children, node, meta)

    def between(self, meta: Meta, children: list[Any]) -> A.Expr:
        value, low, high = _nodes(children)
        node = operators.Between(value=value, low=low, high=high, origin=_span(meta))
        return self._negated(children, node, meta)

    def like(self, meta: Meta, children: list[Any]) -> A.Expr:
        value, pattern = _nodes(children)
        ignore_case = any(isinstance(c, Token) and c.type == "ILIKE" for c in children)
        node = operators.Like(
            value=value,
            pattern=_unquote_string(pattern.value),
            ignore_case=ignore_case,
            origin=_span(meta),
        )
        return self._negated(children, node, meta)

    def column(self, meta: Meta, children: list[Any]) -> A.Col:
        return A.Col(name=children[0], origin=_span(meta))

    def call(self, meta: Meta, children: list[Any]) -> A.Expr:
        name_tok, *args = children
        return self._make_call(name_tok, args, meta)

    def star_call(self, meta: Meta, children: list[Any]) -> A.Expr:
        name_tok, _star, *args = children
        spec = lookup(name_tok.value)
        if spec is None or spec.cls not in (agg_ops.Count, window_ops.CumCount):
            self.collector.error(
                "E105",
                _token_span(name_tok),
                name=name_tok.value.upper(),
                problem="only COUNT(*) and CUMCOUNT(*) take `*`",
            )
            return A.Lit(value=None, origin=_span(meta))
        if any(not isinstance(a, tuple) for a in args):
            self.collector.error(
                "E105",
                _token_span(name_tok),
                name=spec.name,
                problem="after `*` only options like `where => ...` may follow",
            )
            return A.Lit(value=None, origin=_span(meta))
        return self._make_call(name_tok, args, meta)

    def kwarg(self, meta: Meta, children: list[Any]) -> tuple[str, A.Expr, A.Span | None]:
        return (children[0].value, children[1], _span(meta))

    def _make_call(self, name_tok: Token, args: list[Any], meta: Meta) -> A.Expr:
        spec = lookup(name_tok.value)
        span = _span(meta)
        if spec is None or spec.syntax != "call" or spec.category == "step":
            if spec is not None and spec.category == "step":
                self.collector.error(
                    "E156",
                    _token_span(name_tok),
                    name=spec.name,
                    kind="a step",
                    hints=("steps start a line of their own",),
                )
            else:
                names = [s.name for s in all_ops() if s.syntax == "call" and s.category != "step"]
                close = nearest(name_tok.value.upper(), names)
                hints = ("did you mean " + " or ".join(close) + "?",) if close else ()
                self.collector.error(
                    "E104", _token_span(name_tok), name=name_tok.value, hints=hints
                )
            return A.Lit(value=None, origin=span)
        positional = [a for a in args if not isinstance(a, tuple)]
        keywords = [a for a in args if isinstance(a, tuple)]
        return bind_call(spec, positional, keywords, span, self.collector)

    def case_expr(self, meta: Meta, children: list[Any]) -> logic.Case:
        nodes = _nodes(children)
        whens = tuple(n for n in nodes if isinstance(n, A.When))
        rest = [n for n in nodes if not isinstance(n, A.When)]
        # `ELSE NULL` means the same as no ELSE; one spelling keeps JSON and text aligned.
        else_ = rest[0] if rest else None
        if isinstance(else_, A.Lit) and else_.value is None:
            else_ = None
        return logic.Case(whens=whens, else_=else_, origin=_span(meta))

    def when_clause(self, meta: Meta, children: list[Any]) -> A.When:
        when, then = _nodes(children)
        return A.When(when=when, then=then, origin=_span(meta))

    # --- literals ---------------------------------------------------------------------
    def int_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=int(children[0].value), origin=_span(meta))

    def float_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return self._float(children[0], meta)

    def neg_number(self, meta: Meta, children: list[Token]) -> A.Lit:
        raw = children[0].value
        if any(ch in raw for ch in ".eE"):
            return self._float(children[0], meta)
        return A.Lit(value=int(raw), origin=_span(meta))

    def _float(self, tok: Token, meta: Meta) -> A.Lit:
        value = float(tok.value)
        if value in (float("inf"), float("-inf")):
            self.collector.error(
                "E106",
                _token_span(tok),
                kind="number",
                found=tok.value,
                hints=("numbers must be finite",),
            )
            return A.Lit(value=None, origin=_span(meta))
        return A.Lit(value=value, origin=_span(meta))

    def string_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=_unquote_string(children[0].value), origin=_span(meta))

    def true_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=True, origin=_span(meta))

    def false_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=False, origin=_span(meta))

    def null_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=None, origin=_span(meta))

    def typed_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        kind_tok, raw = children
        kind = kind_tok.value.upper()
        text = _unquote_string(raw.value)
        span = _span(meta)
        if kind not in ("DATE", "TIMESTAMP"):
            self.collector.error(
                "E101",
                _token_span(raw),
                found=f"`{raw.value}`",
                expected="an operator, `,` or `)`",
                hints=(
                    f"only DATE '...' and TIMESTAMP '...' put a word before "
                    f"a string; is `{kind_tok.value}` a column?",
                ),
            )
            return A.Lit(value=None, origin=span)
        value = parse_temporal(text, kind == "TIMESTAMP")
        if value is None:
            example = "'2024-01-31'" if kind == "DATE" else "'2024-01-31 12:00:00'"
            self.collector.error(
                "E106",
                _token_span(raw),
                kind=kind,
                found=raw.value,
                hints=(f"write {kind} {example}",),
            )
            return A.Lit(value=None, origin=span)
        return A.Lit(value=value, origin=span)


def parse_temporal(text: str, with_time: bool) -> dt.date | dt.datetime | None:
    """ISO date (`2024-01-31`) or naive datetime (`2024-01-31 12:00:00`); None if invalid."""
    try:
        if with_time:
            value = dt.datetime.fromisoformat(text)
            return None if value.tzinfo is not None else value
        if len(text) != 10:
            return None
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


__all__ = ["Tree", "parse", "parse_expr", "parse_temporal"]
