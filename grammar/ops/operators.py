"""Operators with syntax of their own in text: arithmetic, comparison, logic, predicates.

In JSON they are ordinary operations: `price * 2` is `{"op": "MUL", "left": "price", "right": 2}`.
"""

from __future__ import annotations

from typing import ClassVar

from pesql.grammar.ast import Call, Expr
from pesql.grammar.declare import Traits, operation
from pesql.grammar.record import record
from pesql.grammar.types import ANY, BOOLEAN, NUMERIC, STRING, Promote, sig

_ARITH = sig(Promote(("left", "right")), left=NUMERIC, right=NUMERIC)
_COMPARE = sig("boolean", comparable=("left", "right"), left=ANY, right=ANY)


@record
class Binary(Call):
    left: Expr
    right: Expr


@operation(
    "ADD",
    category="scalar",
    describe="left + right",
    example="price + tax",
    signature=_ARITH,
    syntax="infix",
    symbol="+",
    traits=Traits(fails="never", commutes=True, variadic=False, conditional=False, negation=None),
)
class Add(Binary):
    __slots__ = ()


@operation(
    "SUB",
    category="scalar",
    describe="left - right",
    example="price - cost",
    signature=_ARITH,
    syntax="infix",
    symbol="-",
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Sub(Binary):
    __slots__ = ()


@operation(
    "MUL",
    category="scalar",
    describe="left * right",
    example="price * 2",
    signature=_ARITH,
    syntax="infix",
    symbol="*",
    traits=Traits(fails="never", commutes=True, variadic=False, conditional=False, negation=None),
)
class Mul(Binary):
    __slots__ = ()


@operation(
    "DIV",
    category="scalar",
    describe="left / right, true division (always a float); division by zero gives null",
    example="price / cost",
    syntax="infix",
    symbol="/",
    signature=sig("float", nulls="always", left=NUMERIC, right=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
class Div(Binary):
    __slots__ = ()


@operation(
    "MOD",
    category="scalar",
    describe="remainder of left / right, with the sign of left; modulo zero gives null",
    example="year % 4",
    syntax="infix",
    symbol="%",
    signature=sig(Promote(("left", "right")), nulls="always", left=NUMERIC, right=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
class Mod(Binary):
    __slots__ = ()


@operation(
    "NEG",
    category="scalar",
    describe="-value",
    example="-price",
    syntax="prefix",
    symbol="-",
    signature=sig(Promote(("value",)), value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Neg(Call):
    value: Expr


@operation(
    "EQ",
    category="scalar",
    describe="left = right",
    example="region = 'West'",
    signature=_COMPARE,
    syntax="infix",
    symbol="=",
    traits=Traits(fails="never", commutes=True, variadic=False, conditional=False, negation="NE"),
)
class Eq(Binary):
    __slots__ = ()


@operation(
    "NE",
    category="scalar",
    describe="left != right",
    example="region != 'West'",
    signature=_COMPARE,
    syntax="infix",
    symbol="!=",
    traits=Traits(fails="never", commutes=True, variadic=False, conditional=False, negation="EQ"),
)
class Ne(Binary):
    __slots__ = ()


@operation(
    "LT",
    category="scalar",
    describe="left < right",
    example="price < 10",
    signature=_COMPARE,
    syntax="infix",
    symbol="<",
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation="GE"),
)
class Lt(Binary):
    __slots__ = ()


@operation(
    "LE",
    category="scalar",
    describe="left <= right",
    example="price <= 10",
    signature=_COMPARE,
    syntax="infix",
    symbol="<=",
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation="GT"),
)
class Le(Binary):
    __slots__ = ()


@operation(
    "GT",
    category="scalar",
    describe="left > right",
    example="price > 10",
    signature=_COMPARE,
    syntax="infix",
    symbol=">",
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation="LE"),
)
class Gt(Binary):
    __slots__ = ()


@operation(
    "GE",
    category="scalar",
    describe="left >= right",
    example="price >= 10",
    signature=_COMPARE,
    syntax="infix",
    symbol=">=",
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation="LT"),
)
class Ge(Binary):
    __slots__ = ()


@operation(
    "AND",
    category="scalar",
    describe="true when all conditions are true (SQL three-valued logic)",
    example="price > 10 AND region = 'West'",
    syntax="infix",
    symbol="AND",
    signature=sig("boolean", args=BOOLEAN),
    traits=Traits(fails="never", commutes=True, variadic=True, conditional=False, negation=None),
)
@record
class And(Call):
    args: tuple[Expr, ...]
    min_args: ClassVar[int] = 2  # one condition is not a conjunction: write it bare


@operation(
    "OR",
    category="scalar",
    describe="true when any condition is true (SQL three-valued logic)",
    example="region = 'West' OR region = 'East'",
    syntax="infix",
    symbol="OR",
    signature=sig("boolean", args=BOOLEAN),
    traits=Traits(fails="never", commutes=True, variadic=True, conditional=False, negation=None),
)
@record
class Or(Call):
    args: tuple[Expr, ...]
    min_args: ClassVar[int] = 2  # one condition is not a conjunction: write it bare


@operation(
    "NOT",
    category="scalar",
    describe="negation (NOT NULL is NULL)",
    example="NOT is_member",
    syntax="prefix",
    symbol="NOT",
    signature=sig("boolean", value=BOOLEAN),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Not(Call):
    value: Expr


@operation(
    "IN",
    category="scalar",
    describe="value equals one of the options",
    example="region IN ('West', 'East')",
    syntax="special",
    signature=sig("boolean", comparable=("value", "options"), value=ANY, options=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class In(Call):
    value: Expr
    options: tuple[Expr, ...]


@operation(
    "BETWEEN",
    category="scalar",
    describe="low <= value <= high (bounds included)",
    example="year BETWEEN 2008 AND 2009",
    syntax="special",
    signature=sig("boolean", comparable=("value", "low", "high"), value=ANY, low=ANY, high=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Between(Call):
    value: Expr
    low: Expr
    high: Expr


@operation(
    "IS_NULL",
    category="scalar",
    describe="value is missing",
    example="sex IS NULL",
    syntax="special",
    signature=sig("boolean", nulls="never", value=ANY),
    traits=Traits(
        fails="never", commutes=False, variadic=False, conditional=False, negation="IS_NOT_NULL"
    ),
)
@record
class IsNull(Call):
    value: Expr


@operation(
    "IS_NOT_NULL",
    category="scalar",
    describe="value is present",
    example="sex IS NOT NULL",
    syntax="special",
    signature=sig("boolean", nulls="never", value=ANY),
    traits=Traits(
        fails="never", commutes=False, variadic=False, conditional=False, negation="IS_NULL"
    ),
)
@record
class IsNotNull(Call):
    value: Expr


@operation(
    "LIKE",
    category="scalar",
    describe="SQL pattern match: % any text, _ one character (ILIKE ignores case)",
    example="island LIKE 'Bis%'",
    syntax="special",
    signature=sig("boolean", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Like(Call):
    value: Expr
    pattern: str
    ignore_case: bool = False
