"""Hypothesis strategies for well-typed p-SQL expressions over a schema (see `strategies`).

`well_typed_exprs(schema, "boolean")` draws row-level expressions (no aggregates, no window
functions) whose checked type is exactly the requested dtype. Depth is bounded, so drawing
stays fast. Left out on purpose, because their results depend on the engine rather than on
p-SQL's rules: EXP and large POW (overflow to infinity), CAST of floats/dates to text
(number and date formatting), TRY_CAST/CAST from text (parsing rules), PARSE_* functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import logic, numeric, operators, text, time
from pesql.grammar.types import VALUE_TYPES, DType

Draw = Callable[[st.SearchStrategy[Any]], Any]
NUMBERS: tuple[DType, ...] = ("integer", "float", "decimal")
GENERATED: tuple[DType, ...] = VALUE_TYPES
_WORDS = ("a", "b", "Adelie", "x y", "é", "", "ab%", "10")


def literal_values(dtype: DType) -> st.SearchStrategy[Any]:
    """Literal values of a dtype: small, finite, with the usual edge cases (0, '', ...)."""
    match dtype:
        case "integer":
            return st.integers(-100, 100)
        case "float":
            return st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).map(
                lambda f: round(f, 3)
            )
        case "string":
            return st.sampled_from(_WORDS)
        case "boolean":
            return st.booleans()
        case "date":
            return st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
        case "datetime":
            return st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 12, 31)).map(
                lambda d: d.replace(microsecond=0)
            )
    raise ValueError(f"no literals of type {dtype}")


def columns_of(schema: Schema, *dtypes: DType) -> list[str]:
    return [n for n, t in schema.items() if t.unsupported is None and t.dtype in dtypes]


def well_typed_exprs(
    schema: Schema, dtype: DType | None = None, depth: int = 3
) -> st.SearchStrategy[A.Expr]:
    """Row-level expressions over `schema` whose type is `dtype` (any generated type if None)."""
    if dtype is None:
        present = [t for t in GENERATED if columns_of(schema, t)] or ["integer", "boolean"]
        return st.sampled_from(present).flatmap(lambda d: _expr(schema, d, depth))
    return _expr(schema, dtype, depth)


def _leaf(schema: Schema, dtype: DType) -> st.SearchStrategy[A.Expr]:
    cols = columns_of(schema, dtype)
    col_st = st.sampled_from(cols).map(lambda n: A.Col(name=n)) if cols else None
    if dtype in ("decimal", "duration"):
        # No literal syntax for these; a decimal can be a cast integer literal.
        if col_st is not None:
            return col_st
        if dtype == "duration":
            raise ValueError("no duration column to draw a duration expression from")
        return st.integers(-100, 100).map(
            lambda v: logic.Cast(value=A.Lit(value=v), type="decimal")
        )
    lit_st = literal_values(dtype).map(lambda v: A.Lit(value=v))
    return st.one_of(col_st, col_st, lit_st) if col_st is not None else lit_st


def _expr(schema: Schema, dtype: DType, depth: int) -> st.SearchStrategy[A.Expr]:
    if depth <= 0 or dtype == "duration":
        return _leaf(schema, dtype)
    builders = _BUILDERS.get(dtype, [])
    composite = st.composite(lambda draw: draw(st.sampled_from(builders))(draw, schema, depth - 1))
    return st.one_of(_leaf(schema, dtype), composite())


Builder = Callable[[Draw, Schema, int], A.Expr]


def _e(draw: Draw, schema: Schema, dtype: DType, depth: int) -> A.Expr:
    result: A.Expr = draw(_expr(schema, dtype, depth))
    return result


def _conditional(dtype: DType) -> list[Builder]:
    def if_(d: Draw, s: Schema, n: int) -> A.Expr:
        return logic.If(
            condition=_e(d, s, "boolean", n), then=_e(d, s, dtype, n), else_=_e(d, s, dtype, n)
        )

    def coalesce(d: Draw, s: Schema, n: int) -> A.Expr:
        return logic.Coalesce(args=(_e(d, s, dtype, n), _e(d, s, dtype, n)))

    def case(d: Draw, s: Schema, n: int) -> A.Expr:
        whens = tuple(
            A.When(when=_e(d, s, "boolean", n), then=_e(d, s, dtype, n))
            for _ in range(d(st.integers(1, 2)))
        )
        # ELSE NULL prints as no ELSE, so draw a real value or nothing.
        else_ = d(st.one_of(st.none(), _expr(s, dtype, n)))
        return logic.Case(whens=whens, else_=else_)

    return [if_, coalesce, case]


def _arith(dtype: DType) -> list[Builder]:
    def binary(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([operators.Add, operators.Sub]))
        node: A.Expr = cls(left=_e(d, s, dtype, n), right=_e(d, s, dtype, n))
        return node

    def scale(d: Draw, s: Schema, n: int) -> A.Expr:
        # A small literal factor keeps products far from int64 overflow at any depth.
        factor = (
            d(st.integers(-3, 3)) if dtype == "integer" else d(st.sampled_from([-1.5, 0.5, 2.0]))
        )
        return operators.Mul(left=_e(d, s, dtype, n), right=A.Lit(value=factor))

    def unary(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([operators.Neg, numeric.Abs]))
        node: A.Expr = cls(value=_e(d, s, dtype, n))
        return node

    def extreme(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([numeric.Greatest, numeric.Least]))
        node: A.Expr = cls(args=(_e(d, s, dtype, n), _e(d, s, dtype, n)))
        return node

    return [binary, scale, unary, extreme]


def _integer() -> list[Builder]:
    def part(d: Draw, s: Schema, n: int) -> A.Expr:
        if d(st.booleans()) and columns_of(s, "datetime"):
            cls = d(st.sampled_from([time.Hour, time.Minute, time.Year]))
            return cls(value=_e(d, s, "datetime", n))  # type: ignore[no-any-return]
        cls = d(st.sampled_from([time.Year, time.Quarter, time.Month, time.Day, time.Weekday]))
        return cls(value=_e(d, s, "date", n))  # type: ignore[no-any-return]

    def mod(d: Draw, s: Schema, n: int) -> A.Expr:
        return operators.Mod(left=_e(d, s, "integer", n), right=A.Lit(value=d(st.integers(1, 7))))

    def length(d: Draw, s: Schema, n: int) -> A.Expr:
        return text.Length(value=_e(d, s, "string", n))

    def from_bool(d: Draw, s: Schema, n: int) -> A.Expr:
        return logic.Cast(value=_e(d, s, "boolean", n), type="integer")

    return [*_arith("integer"), part, mod, length, from_bool]


def _float() -> list[Builder]:
    def div(d: Draw, s: Schema, n: int) -> A.Expr:
        num = d(st.sampled_from(["integer", "float"]))
        right = _e(d, s, num, n)
        # A literal zero divisor is a checker error (E206); zero computed at run time is fine.
        if isinstance(right, A.Lit) and right.value == 0:
            right = A.Lit(value=1 if num == "integer" else 1.0)
        return operators.Div(left=_e(d, s, num, n), right=right)

    def func(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([numeric.Sqrt, numeric.Ln, numeric.Floor, numeric.Ceil]))
        return cls(value=_e(d, s, "float", n))  # type: ignore[no-any-return]

    def round_(d: Draw, s: Schema, n: int) -> A.Expr:
        return numeric.Round(value=_e(d, s, "float", n), digits=d(st.integers(-2, 3)))

    def power(d: Draw, s: Schema, n: int) -> A.Expr:
        return numeric.Pow(base=_e(d, s, "float", n), exponent=A.Lit(value=d(st.integers(0, 2))))

    def mixed(d: Draw, s: Schema, n: int) -> A.Expr:
        return operators.Add(left=_e(d, s, "integer", n), right=_e(d, s, "float", n))

    return [*_arith("float"), div, func, round_, power, mixed]


def _string() -> list[Builder]:
    def case_fn(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([text.Upper, text.Lower, text.Trim]))
        return cls(value=_e(d, s, "string", n))  # type: ignore[no-any-return]

    def substring(d: Draw, s: Schema, n: int) -> A.Expr:
        return text.Substring(
            value=_e(d, s, "string", n),
            start=d(st.integers(1, 4)),
            length=d(st.one_of(st.none(), st.integers(0, 4))),
        )

    def concat(d: Draw, s: Schema, n: int) -> A.Expr:
        return text.Concat(args=(_e(d, s, "string", n), _e(d, s, "string", n)))

    def replace_(d: Draw, s: Schema, n: int) -> A.Expr:
        return text.Replace(
            value=_e(d, s, "string", n),
            old=d(st.sampled_from(["a", "é", " "])),
            new=d(st.sampled_from(["", "b", "--"])),
        )

    def from_int(d: Draw, s: Schema, n: int) -> A.Expr:
        return logic.Cast(value=_e(d, s, "integer", n), type="string")

    return [case_fn, substring, concat, replace_, from_int]


def _boolean() -> list[Builder]:
    def compare(d: Draw, s: Schema, n: int) -> A.Expr:
        dtype = d(st.sampled_from(["integer", "float", "string", "date", "boolean"]))
        cls = d(
            st.sampled_from(
                [operators.Eq, operators.Ne, operators.Lt, operators.Le, operators.Gt, operators.Ge]
            )
        )
        return cls(left=_e(d, s, dtype, n), right=_e(d, s, dtype, n))  # type: ignore[no-any-return]

    def logic_(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([operators.And, operators.Or]))
        return cls(args=(_e(d, s, "boolean", n), _e(d, s, "boolean", n)))  # type: ignore[no-any-return]

    def not_(d: Draw, s: Schema, n: int) -> A.Expr:
        return operators.Not(value=_e(d, s, "boolean", n))

    def null_test(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([operators.IsNull, operators.IsNotNull]))
        dtypes = [t for t in GENERATED if t != "duration" or columns_of(s, t)]
        return cls(value=_e(d, s, d(st.sampled_from(dtypes)), n))  # type: ignore[no-any-return]

    def in_(d: Draw, s: Schema, n: int) -> A.Expr:
        dtype = d(st.sampled_from(["integer", "string"]))
        options = d(st.lists(literal_values(dtype), min_size=1, max_size=3))
        return operators.In(
            value=_e(d, s, dtype, n), options=tuple(A.Lit(value=v) for v in options)
        )

    def between(d: Draw, s: Schema, n: int) -> A.Expr:
        dtype = d(st.sampled_from(["integer", "float", "date"]))
        return operators.Between(
            value=_e(d, s, dtype, n), low=_e(d, s, dtype, n), high=_e(d, s, dtype, n)
        )

    def match(d: Draw, s: Schema, n: int) -> A.Expr:
        value = _e(d, s, "string", n)
        pattern = d(st.sampled_from(["a", "A", "é", "x y", ""]))
        if d(st.booleans()):
            return operators.Like(value=value, pattern=pattern + "%", ignore_case=d(st.booleans()))
        cls = d(st.sampled_from([text.Contains, text.StartsWith, text.EndsWith]))
        return cls(value=value, pattern=pattern)  # type: ignore[no-any-return]

    return [compare, logic_, not_, null_test, in_, between, match]


def _temporal(dtype: DType) -> list[Builder]:
    units = ["year", "quarter", "month", "week", "day"]
    if dtype == "datetime":
        units += ["hour", "minute", "second"]

    def trunc(d: Draw, s: Schema, n: int) -> A.Expr:
        return time.DateTrunc(unit=d(st.sampled_from(units)), value=_e(d, s, dtype, n))

    def cast(d: Draw, s: Schema, n: int) -> A.Expr:
        other: DType = "datetime" if dtype == "date" else "date"
        return logic.Cast(value=_e(d, s, other, n), type=dtype)  # type: ignore[arg-type]

    return [trunc, cast]


def _decimal() -> list[Builder]:
    def binary(d: Draw, s: Schema, n: int) -> A.Expr:
        cls = d(st.sampled_from([operators.Add, operators.Sub]))
        return cls(left=_e(d, s, "decimal", n), right=_e(d, s, "decimal", n))  # type: ignore[no-any-return]

    return [binary]


_BUILDERS: dict[DType, list[Builder]] = {
    "integer": [*_integer(), *_conditional("integer")],
    "float": [*_float(), *_conditional("float")],
    "decimal": _decimal(),
    "string": [*_string(), *_conditional("string")],
    "boolean": [*_boolean(), *_conditional("boolean")],
    "date": [*_temporal("date"), *_conditional("date")],
    "datetime": [*_temporal("datetime"), *_conditional("datetime")],
}

DECIMALS = st.decimals(
    Decimal("-1000000"), Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False
)

__all__ = ["GENERATED", "NUMBERS", "columns_of", "literal_values", "well_typed_exprs"]
