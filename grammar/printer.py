"""AST -> canonical p-SQL text: one step per line, minimal parentheses, canonical spelling.

    >>> from pesql.grammar.parse import parse
    >>> print(to_text(parse("filter (a>1) and b<2 sort a desc nulls last")))
    FILTER a > 1 AND b < 2
    SORT a DESC

`parse(to_text(plan)) == plan` for every plan (the round-trip property tests check it).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import singledispatch

from pesql.grammar import ast as A
from pesql.grammar.ops import joins, logic, operators, rows
from pesql.grammar.registry import FieldSpec, spec_of

# Words the grammar treats as keywords somewhere; a column spelled like one is backticked.
KEYWORDS = frozenset(
    [
        "FROM",
        "FILTER",
        "SELECT",
        "DROP",
        "DERIVE",
        "GROUP_BY",
        "COMPUTE",
        "AGGREGATE",
        "SORT",
        "LIMIT",
        "OFFSET",
        "WITH",
        "TIES",
        "DISTINCT",
        "WINDOW",
        "PARTITION",
        "ORDER",
        "BY",
        "AS",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "AND",
        "OR",
        "NOT",
        "IN",
        "BETWEEN",
        "IS",
        "LIKE",
        "ILIKE",
        "NULL",
        "TRUE",
        "FALSE",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "GROUP",
        "JOIN",
        "LOOKUP",
        "ON",
        "INNER",
        "LEFT",
        "SEMI",
        "ANTI",
        # Step aliases (psql.lark spells them beside the canonical keyword).
        "WHERE",
        "MUTATE",
        "ORDER_BY",
    ]
)
_BARE_NAME = re.compile(r"[^\W\d]\w*")
# The lexer matches keywords case-insensitively with Python's `re` (which folds a few
# non-ASCII letters such as the Kelvin sign); test names the same way.
_KEYWORD = re.compile("|".join(sorted(KEYWORDS)), re.IGNORECASE)

# Binding strength: a child printed where a stronger level is required gets parentheses.
OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, ATOM = range(1, 9)


def quote_name(name: str) -> str:
    """A column name as written in text: bare when it is a plain word, else in backticks."""
    if _BARE_NAME.fullmatch(name) and not _KEYWORD.fullmatch(name):
        return name
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def to_text(plan: A.Plan) -> str:
    """The canonical text of a plan (ends without a newline)."""
    if not isinstance(plan, A.Plan):
        raise TypeError(f"to_text takes a Plan, not {type(plan).__name__}")
    lines = [] if plan.table is None else [f"FROM {quote_name(plan.table)}"]
    lines.extend(step_text(step) for step in plan.steps)
    return "\n".join(lines)


@singledispatch
def step_text(step: A.Step) -> str:
    raise NotImplementedError(f"no text form for step {type(step).__name__}")


@step_text.register(rows.Filter)
def _(step: rows.Filter) -> str:
    return f"FILTER {expr_text(step.where)}"


@step_text.register(rows.Select)
def _(step: rows.Select) -> str:
    items = (
        quote_name(i.column) + ("" if i.as_ is None else f" AS {quote_name(i.as_)}")
        for i in step.columns
    )
    return "SELECT " + ", ".join(items)


@step_text.register(rows.Drop)
def _(step: rows.Drop) -> str:
    return "DROP " + ", ".join(map(quote_name, step.columns))


def _assigns(items: tuple[A.Assign, ...]) -> str:
    return ", ".join(f"{quote_name(a.name)} = {expr_text(a.expr)}" for a in items)


def _sort_keys(keys: tuple[A.SortKey, ...]) -> str:
    out = []
    for k in keys:
        text = quote_name(k.column) + (" DESC" if k.descending else "")
        out.append(text + ("" if k.nulls_last else " NULLS FIRST"))
    return ", ".join(out)


@step_text.register(rows.Derive)
def _(step: rows.Derive) -> str:
    return "DERIVE " + _assigns(step.columns)


@step_text.register(rows.GroupBy)
def _(step: rows.GroupBy) -> str:
    text = "GROUP_BY " + ", ".join(map(quote_name, step.keys))
    return text + (f" COMPUTE {_assigns(step.aggregates)}" if step.aggregates else "")


@step_text.register(rows.AggregateStep)
def _(step: rows.AggregateStep) -> str:
    return "AGGREGATE " + _assigns(step.aggregates)


@step_text.register(rows.Sort)
def _(step: rows.Sort) -> str:
    return "SORT " + _sort_keys(step.keys)


@step_text.register(rows.Limit)
def _(step: rows.Limit) -> str:
    text = f"LIMIT {step.count}" + (f" OFFSET {step.offset}" if step.offset else "")
    return text + (" WITH TIES" if step.with_ties else "")


@step_text.register(rows.Distinct)
def _(step: rows.Distinct) -> str:
    return ("DISTINCT " + ", ".join(map(quote_name, step.columns))).rstrip()


@step_text.register(rows.Window)
def _(step: rows.Window) -> str:
    text = "WINDOW " + _assigns(step.columns)
    if step.partition_by:
        text += " PARTITION BY " + ", ".join(map(quote_name, step.partition_by))
    if step.order_by:
        text += " ORDER BY " + _sort_keys(step.order_by)
    return text


def _join_keys(keys: tuple[A.JoinKey, ...]) -> str:
    return ", ".join(f"{quote_name(k.left)} = {quote_name(k.right)}" for k in keys)


@step_text.register(joins.Join)
def _(step: joins.Join) -> str:
    kind = "" if step.kind == "inner" else f" {step.kind.upper()}"
    return f"JOIN{kind} {quote_name(step.table)} ON {_join_keys(step.on)}"


@step_text.register(joins.Lookup)
def _(step: joins.Lookup) -> str:
    return f"LOOKUP {quote_name(step.table)} ON {_join_keys(step.on)}"


def expr_text(expr: A.Expr, need: int = OR) -> str:
    """An expression's text, parenthesized when its level binds looser than `need`."""
    text, level = _expr(expr)
    return f"({text})" if level < need else text


def literal_text(value: A.LitValue) -> str:
    match value:
        case None:
            return "NULL"
        case bool():
            return "TRUE" if value else "FALSE"
        case int():
            return str(value)
        case float():
            text = repr(value)
            return text if any(c in text for c in ".eE") else text + ".0"
        case str():
            return quote_string(value)
        case dt.datetime():
            return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
        case dt.date():
            return f"DATE '{value.isoformat()}'"
    raise TypeError(f"not a literal: {value!r}")


_COMPARISONS = (operators.Eq, operators.Ne, operators.Lt, operators.Le, operators.Gt, operators.Ge)


def shown_value(value: object) -> str:
    """A value in a message: as p-SQL writes it where it can (decimals, durations and other
    engine values as Python prints them)."""
    try:
        return literal_text(value)  # type: ignore[arg-type]
    except TypeError:
        return str(value)


def _expr(expr: A.Expr) -> tuple[str, int]:
    match expr:
        case A.Col(name=name):
            return quote_name(name), ATOM
        case A.Lit(value=value):
            return literal_text(value), ATOM
        case operators.Or(args=args):
            return " OR ".join(expr_text(a, AND) for a in args), OR
        case operators.And(args=args):
            return " AND ".join(expr_text(a, NOT) for a in args), AND
        case operators.Not(value=value):
            return f"NOT {expr_text(value, NOT)}", NOT
        case operators.Binary(left=left, right=right) if isinstance(expr, _COMPARISONS):
            symbol = spec_of(expr).symbol
            return f"{expr_text(left, SUM)} {symbol} {expr_text(right, SUM)}", COMPARE
        case operators.Add() | operators.Sub():
            symbol = spec_of(expr).symbol
            return f"{expr_text(expr.left, SUM)} {symbol} {expr_text(expr.right, PRODUCT)}", SUM
        case operators.Mul() | operators.Div() | operators.Mod():
            symbol = spec_of(expr).symbol
            lhs, rhs = expr_text(expr.left, PRODUCT), expr_text(expr.right, UNARY)
            return f"{lhs} {symbol} {rhs}", PRODUCT
        case operators.Neg(value=value):
            # `-5` would read back as a negative literal and `--x` as a comment.
            bare = isinstance(value, A.Col) or (
                isinstance(value, A.Call) and spec_of(value).syntax == "call"
            )
            # One rendering of the operand per level: both (as before) doubled the work at each
            # level, so 17 nested minuses took seconds (found by the fuzz harness).
            return ("-" + expr_text(value, ATOM) if bare else f"-({expr_text(value)})"), UNARY
        case operators.IsNull(value=value):
            return f"{expr_text(value, SUM)} IS NULL", COMPARE
        case operators.IsNotNull(value=value):
            return f"{expr_text(value, SUM)} IS NOT NULL", COMPARE
        case operators.In(value=value, options=options):
            inside = ", ".join(expr_text(o) for o in options)
            return f"{expr_text(value, SUM)} IN ({inside})", COMPARE
        case operators.Between(value=value, low=low, high=high):
            bounds = (expr_text(value, SUM), expr_text(low, SUM), expr_text(high, SUM))
            return "{} BETWEEN {} AND {}".format(*bounds), COMPARE
        case operators.Like(value=value, pattern=pattern, ignore_case=ignore_case):
            word = "ILIKE" if ignore_case else "LIKE"
            return f"{expr_text(value, SUM)} {word} {quote_string(pattern)}", COMPARE
        case logic.Case(whens=whens, else_=else_):
            parts = [f"WHEN {expr_text(w.when)} THEN {expr_text(w.then)}" for w in whens]
            tail = "" if else_ is None else f" ELSE {expr_text(else_)}"
            return "CASE " + " ".join(parts) + tail + " END", ATOM
        case A.Call():
            return _call_text(expr), ATOM
    raise NotImplementedError(f"no text form for {type(expr).__name__}")


def _call_text(call: A.Call) -> str:
    spec = spec_of(call)
    args: list[str] = []
    star = spec.name in ("COUNT", "CUMCOUNT")
    positional = True
    for f in spec.fields:
        value = getattr(call, f.name)
        if f.required and positional:
            args.extend(_field_texts(f, value))
            continue
        positional = False
        if value == f.default and type(value) is type(f.default):
            continue
        if star and f.name == "value":
            continue  # COUNT(x, where => ...) below still names `value`
        args.append(f"{f.wire} => {_field_texts(f, value)[0]}")
    if star:
        value = getattr(call, "value")  # noqa: B009  (COUNT and CUMCOUNT only)
        first = "*" if value is None else expr_text(value)
        return f"{spec.name}({', '.join([first, *args])})" if args else f"{spec.name}({first})"
    return f"{spec.name}({', '.join(args)})"


def _field_texts(f: FieldSpec, value: object) -> list[str]:
    if f.kind == "exprs":
        assert isinstance(value, tuple)
        return [expr_text(v) for v in value]
    if isinstance(value, A.Expr):
        return [expr_text(value)]
    return [literal_text(value)]  # type: ignore[arg-type]
