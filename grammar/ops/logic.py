"""Conditionals and conversions: IF, CASE, COALESCE, CAST, TRY_CAST."""

from __future__ import annotations

from dataclasses import field

from pesql.grammar.ast import Call, Expr, When
from pesql.grammar.declare import Traits, operation
from pesql.grammar.record import record
from pesql.grammar.types import ANY, BOOLEAN, CastType, Common, FromOption, sig


@operation(
    "IF",
    category="scalar",
    describe="`then` where the condition is true, else `else` (null conditions pick `else`)",
    example="IF(price > 100, 'expensive', 'cheap')",
    signature=sig(Common(("then", "else_")), condition=BOOLEAN, then=ANY, else_=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
@record
class If(Call):
    condition: Expr
    then: Expr
    else_: Expr = field(metadata={"wire": "else"})


@operation(
    "CASE",
    category="scalar",
    describe="the `then` of the first true `when`, else `else` (null without one)",
    example="CASE WHEN price > 100 THEN 'high' WHEN price > 10 THEN 'mid' ELSE 'low' END",
    syntax="special",
    signature=sig(Common(("whens", "else_")), nulls="always"),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=True, negation=None),
)
@record
class Case(Call):
    whens: tuple[When, ...]
    else_: Expr | None = field(default=None, metadata={"wire": "else"})


@operation(
    "COALESCE",
    category="scalar",
    describe="the first argument that is not null",
    example="COALESCE(nickname, name)",
    signature=sig(Common(("args",)), nulls="all", args=ANY),
    traits=Traits(fails="never", commutes=False, variadic=True, conditional=False, negation=None),
)
@record
class Coalesce(Call):
    args: tuple[Expr, ...]


@operation(
    "CAST",
    category="scalar",
    describe="value converted to `type`; a value that does not convert is an error",
    example="CAST(year, 'string')",
    signature=sig(FromOption("type"), value=ANY),
    traits=Traits(fails="values", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Cast(Call):
    value: Expr
    type: CastType


@operation(
    "TRY_CAST",
    category="scalar",
    describe="value converted to `type`; null where it does not convert",
    example="TRY_CAST(code, 'integer')",
    signature=sig(FromOption("type"), nulls="always", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class TryCast(Call):
    value: Expr
    type: CastType
