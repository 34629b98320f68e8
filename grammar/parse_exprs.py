"""lark's parse-tree rules for expressions and literals (the mixin half of its text -> AST
builder).

Steps are built in `lark_reader.py`; the rules here turn operators, calls, CASE and literals into
nodes, report problems to `self.collector` and put a NULL placeholder in their place, so one
parse reports every problem.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args
from lark.tree import Meta
from pesql.grammar import ast as A
from pesql.grammar.arguments import bind_call
from pesql.grammar.diagnostics import Collector, nearest
from pesql.grammar.habits import function_hint
from pesql.grammar.literals import case_else, number_value, parse_temporal, unquote_string
from pesql.grammar.numbers import describe_number, int_hint, int_problem, read_int
from pesql.grammar.ops import aggregate as agg_ops
from pesql.grammar.ops import logic, operators
from pesql.grammar.ops import window as window_ops
from pesql.grammar.registry import Naming, all_ops, lookup


def span_of(meta: Meta) -> A.Span | None:
    if getattr(meta, "empty", True):
        return None
    return A.Span(meta.line, meta.column, meta.end_line, meta.end_column)


def token_span(tok: Token) -> A.Span:
    return A.Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


def nodes(children: list[Any]) -> list[Any]:
    """Children without keyword tokens (AST nodes, names and literal tokens stay)."""
    return [c for c in children if not (isinstance(c, Token) and c.type not in _VALUE_TOKENS)]


_VALUE_TOKENS = {"NAME", "QUOTED_NAME", "INT", "FLOAT", "NEG_NUMBER", "STRING"}


@v_args(meta=True)
class ExprRules(Transformer[Token, Any]):
    """Transformer rules for expressions; the subclass adding the steps sets `collector`."""

    collector: Collector
    naming: Naming | None = None  # a profile's renames and aliases (wire forms of grammar/forms.py)

    def or_expr(self, meta: Meta, children: list[Any]) -> operators.Or:
        return operators.Or(args=tuple(nodes(children)), origin=span_of(meta))

    def and_expr(self, meta: Meta, children: list[Any]) -> operators.And:
        return operators.And(args=tuple(nodes(children)), origin=span_of(meta))

    def not_(self, meta: Meta, children: list[Any]) -> operators.Not:
        return operators.Not(value=nodes(children)[0], origin=span_of(meta))

    def _binary(self, cls: type[operators.Binary], meta: Meta, children: list[Any]) -> A.Expr:
        left, right = nodes(children)
        return cls(left=left, right=right, origin=span_of(meta))

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
        return operators.Neg(value=nodes(children)[0], origin=span_of(meta))

    def _negated(self, children: list[Any], node: A.Expr, meta: Meta) -> A.Expr:
        if any(isinstance(c, Token) and c.type == "NOT" for c in children):
            return operators.Not(value=node, origin=span_of(meta))
        return node

    def is_null(self, meta: Meta, children: list[Any]) -> A.Expr:
        return operators.IsNull(value=nodes(children)[0], origin=span_of(meta))

    def is_not_null(self, meta: Meta, children: list[Any]) -> A.Expr:
        return operators.IsNotNull(value=nodes(children)[0], origin=span_of(meta))

    def in_(self, meta: Meta, children: list[Any]) -> A.Expr:
        value, *options = nodes(children)
        node = operators.In(value=value, options=tuple(options), origin=span_of(meta))
        return self._negated(children, node, meta)

    def between(self, meta: Meta, children: list[Any]) -> A.Expr:
        value, low, high = nodes(children)
        node = operators.Between(value=value, low=low, high=high, origin=span_of(meta))
        return self._negated(children, node, meta)

    def like(self, meta: Meta, children: list[Any]) -> A.Expr:
        value, pattern = nodes(children)
        ignore_case = any(isinstance(c, Token) and c.type == "ILIKE" for c in children)
        node = operators.Like(
            value=value,
            pattern=unquote_string(pattern.value),
            ignore_case=ignore_case,
            origin=span_of(meta),
        )
        return self._negated(children, node, meta)

    def column(self, meta: Meta, children: list[Any]) -> A.Col:
        return A.Col(name=children[0], origin=span_of(meta))

    def call(self, meta: Meta, children: list[Any]) -> A.Expr:
        name_tok, *args = children
        return self._make_call(name_tok, args, meta)

    def star_call(self, meta: Meta, children: list[Any]) -> A.Expr:
        name_tok, _star, *args = children
        spec = lookup(name_tok.value, self.naming)
        if spec is None or spec.cls not in (agg_ops.Count, window_ops.CumCount):
            self.collector.error(
                "E105",
                token_span(name_tok),
                name=name_tok.value.upper(),
                problem="only COUNT(*) and CUMCOUNT(*) take `*`",
            )
            return A.Lit(value=None, origin=span_of(meta))
        if any(not isinstance(a, tuple) for a in args):
            self.collector.error(
                "E105",
                token_span(name_tok),
                name=spec.name,
                problem="after `*` only options like `where => ...` may follow",
            )
            return A.Lit(value=None, origin=span_of(meta))
        return self._make_call(name_tok, args, meta)

    def kwarg(self, meta: Meta, children: list[Any]) -> tuple[str, A.Expr, A.Span | None]:
        return (children[0].value, children[1], span_of(meta))

    def _make_call(self, name_tok: Token, args: list[Any], meta: Meta) -> A.Expr:
        spec = lookup(name_tok.value, self.naming)
        span = span_of(meta)
        if spec is None or spec.syntax != "call" or spec.category == "step":
            if spec is not None and spec.category == "step":
                self.collector.error(
                    "E156",
                    token_span(name_tok),
                    name=spec.name,
                    kind="a step",
                    hints=(function_hint(name_tok.value) or "steps start a line of their own",),
                )
            else:
                names = [s.name for s in all_ops() if s.syntax == "call" and s.category != "step"]
                close = nearest(name_tok.value.upper(), names)
                habit = function_hint(name_tok.value)
                hints: tuple[str, ...] = (habit,) if habit else ()
                if close:
                    hints += ("did you mean " + " or ".join(close) + "?",)
                self.collector.error("E104", token_span(name_tok), name=name_tok.value, hints=hints)
            return A.Lit(value=None, origin=span)
        positional = [a for a in args if not isinstance(a, tuple)]
        keywords = [a for a in args if isinstance(a, tuple)]
        return bind_call(spec, positional, keywords, span, self.collector)

    def case_expr(self, meta: Meta, children: list[Any]) -> logic.Case:
        parts = nodes(children)
        whens = tuple(n for n in parts if isinstance(n, A.When))
        rest = [n for n in parts if not isinstance(n, A.When)]
        else_ = case_else(rest[0] if rest else None)
        return logic.Case(whens=whens, else_=else_, origin=span_of(meta))

    def when_clause(self, meta: Meta, children: list[Any]) -> A.When:
        when, then = nodes(children)
        return A.When(when=when, then=then, origin=span_of(meta))

    # --- literals ---------------------------------------------------------------------
    def int_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return self._int(children[0], meta)

    def _int(self, tok: Token, meta: Meta) -> A.Lit:
        value = number_value(tok.value)
        if value is not None:
            return A.Lit(value=value, origin=span_of(meta))
        wide = read_int(tok.value)
        self.collector.error(
            "E157",
            token_span(tok),
            found=describe_number(wide),
            expected=int_problem(wide),
            hints=(int_hint(wide),),
        )
        return A.Lit(value=None, origin=span_of(meta))

    def float_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return self._float(children[0], meta)

    def neg_number(self, meta: Meta, children: list[Token]) -> A.Lit:
        raw = children[0].value
        if any(ch in raw for ch in ".eE"):
            return self._float(children[0], meta)
        return self._int(children[0], meta)

    def _float(self, tok: Token, meta: Meta) -> A.Lit:
        value = number_value(tok.value)
        if value is None:
            self.collector.error(
                "E106",
                token_span(tok),
                kind="number",
                found=tok.value,
                hints=("numbers must be finite",),
            )
        return A.Lit(value=value, origin=span_of(meta))

    def string_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=unquote_string(children[0].value), origin=span_of(meta))

    def true_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=True, origin=span_of(meta))

    def false_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=False, origin=span_of(meta))

    def null_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        return A.Lit(value=None, origin=span_of(meta))

    def typed_lit(self, meta: Meta, children: list[Token]) -> A.Lit:
        kind_tok, raw = children
        kind = kind_tok.value.upper()
        text = unquote_string(raw.value)
        span = span_of(meta)
        if kind not in ("DATE", "TIMESTAMP"):
            self.collector.error(
                "E101",
                token_span(raw),
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
                token_span(raw),
                kind=kind,
                found=raw.value,
                hints=(f"write {kind} {example}",),
            )
            return A.Lit(value=None, origin=span)
        return A.Lit(value=value, origin=span)
