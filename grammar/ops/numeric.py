"""Numeric functions."""

from __future__ import annotations

import sys
from dataclasses import field

from pesql.grammar.ast import Call, Expr
from pesql.grammar.declare import Traits, operation
from pesql.grammar.record import record
from pesql.grammar.types import NUMERIC, ORDERABLE, Common, Promote, Same, sig


@record
class Unary(Call):
    value: Expr


@operation(
    "ABS",
    category="scalar",
    describe="absolute value",
    example="ABS(change)",
    signature=sig(Same("value"), value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Abs(Unary):
    __slots__ = ()


@operation(
    "SUB_ABS",
    category="scalar",
    describe="absolute difference |left - right|",
    example="SUB_ABS(price, cost)",
    aliases=("ABS_DIFF",),
    signature=sig(Promote(("left", "right")), left=NUMERIC, right=NUMERIC),
    traits=Traits(fails="never", commutes=True, variadic=False, conditional=False, negation=None),
)
@record
class SubAbs(Call):
    left: Expr
    right: Expr


@operation(
    "ROUND",
    category="scalar",
    describe="round to `digits` decimals, halves away from zero",
    example="ROUND(price, 2)",
    signature=sig(Same("value"), value=NUMERIC),
    # Negative digits scale back to the input's type: ROUND(9223372036854775807, -1) overflows.
    traits=Traits(
        fails="with_negative_digits",
        commutes=False,
        variadic=False,
        conditional=False,
        negation=None,
    ),
)
@record
class Round(Call):
    value: Expr
    # 10.0 ** 309 overflows a float: ROUND scales by 10 ** -digits for negative digits.
    digits: int = field(default=0, metadata={"min": -308, "max": 308})


@operation(
    "FLOOR",
    category="scalar",
    describe="largest integer <= value",
    example="FLOOR(price)",
    signature=sig(Same("value"), value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Floor(Unary):
    __slots__ = ()


@operation(
    "CEIL",
    category="scalar",
    describe="smallest integer >= value",
    example="CEIL(price)",
    signature=sig(Same("value"), value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Ceil(Unary):
    __slots__ = ()


@operation(
    "SQRT",
    category="scalar",
    describe="square root (null for negative values)",
    example="SQRT(area)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
class Sqrt(Unary):
    __slots__ = ()


@operation(
    "POW",
    category="scalar",
    describe="base raised to exponent",
    example="POW(side, 2)",
    aliases=("POWER",),
    signature=sig("float", base=NUMERIC, exponent=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
@record
class Pow(Call):
    base: Expr
    exponent: Expr


@operation(
    "LN",
    category="scalar",
    describe="natural logarithm (null for values <= 0)",
    example="LN(population)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
class Ln(Unary):
    __slots__ = ()


@operation(
    "LOG",
    category="scalar",
    describe="logarithm in `base` (default 10; null for values <= 0)",
    example="LOG(population, base => 2.0)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
@record
class Log(Call):
    value: Expr
    base: float = field(default=10.0, metadata={"min": 0, "max": sys.float_info.max})


@operation(
    "EXP",
    category="scalar",
    describe="e raised to value",
    example="EXP(rate)",
    signature=sig("float", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
class Exp(Unary):
    __slots__ = ()


@operation(
    "GREATEST",
    category="scalar",
    describe="largest of the arguments, ignoring nulls",
    example="GREATEST(q1, q2, q3)",
    signature=sig(Common(("args",)), nulls="all", args=ORDERABLE),
    traits=Traits(fails="never", commutes=True, variadic=True, conditional=False, negation=None),
)
@record
class Greatest(Call):
    args: tuple[Expr, ...]


@operation(
    "LEAST",
    category="scalar",
    describe="smallest of the arguments, ignoring nulls",
    example="LEAST(q1, q2, q3)",
    signature=sig(Common(("args",)), nulls="all", args=ORDERABLE),
    traits=Traits(fails="never", commutes=True, variadic=True, conditional=False, negation=None),
)
@record
class Least(Call):
    args: tuple[Expr, ...]
