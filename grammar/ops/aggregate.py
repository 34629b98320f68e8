"""Aggregates: used in GROUP_BY / AGGREGATE (one value per group) or WINDOW (next to each row).

Aggregates skip nulls; over no (non-null) values SUM, AVG, MIN, ... are null and COUNT is 0.
Every aggregate takes an optional `where` condition: only rows where it is true count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from pesql.grammar.ast import Call, Expr
from pesql.grammar.declare import Traits, operation
from pesql.grammar.record import record
from pesql.grammar.types import (
    ANY,
    BOOLEAN,
    NUMERIC,
    ORDERABLE,
    SUMMABLE,
    DType,
    Same,
    Signature,
    sig,
)


def _sum_type(args: Mapping[str, DType]) -> DType | None:
    # SUM keeps integers integer (SQL and polars agree); AVG is always float.
    return args.get("value")


_SUM = Signature(params={"value": SUMMABLE}, result=Same("value"), nulls="always", custom=_sum_type)


@record
class Aggregate(Call):
    value: Expr
    where: Expr | None = None


@operation(
    "COUNT",
    category="aggregate",
    describe="number of rows (COUNT(*)) or of non-null values",
    example="COUNT(*)",
    signature=sig("integer", nulls="never", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Count(Call):
    value: Expr | None = None
    where: Expr | None = None


@operation(
    "COUNT_DISTINCT",
    category="aggregate",
    describe="number of distinct non-null values",
    example="COUNT_DISTINCT(island)",
    aliases=("N_UNIQUE",),
    signature=sig("integer", nulls="never", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class CountDistinct(Aggregate):
    __slots__ = ()


@operation(
    "COUNT_IF",
    category="aggregate",
    describe="number of rows where the condition is true",
    example="COUNT_IF(body_mass_g > 4000)",
    signature=sig("integer", nulls="never", condition=BOOLEAN),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class CountIf(Call):
    condition: Expr


@operation(
    "SUM",
    category="aggregate",
    describe="sum (integers stay integers)",
    example="SUM(body_mass_g)",
    signature=_SUM,
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Sum(Aggregate):
    __slots__ = ()


@operation(
    "AVG",
    category="aggregate",
    describe="arithmetic mean",
    example="AVG(body_mass_g)",
    aliases=("MEAN",),
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Avg(Aggregate):
    __slots__ = ()


@operation(
    "MEDIAN",
    category="aggregate",
    describe="median (mean of the two middle values)",
    example="MEDIAN(body_mass_g)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Median(Aggregate):
    __slots__ = ()


@operation(
    "MIN",
    category="aggregate",
    describe="minimum value",
    example="MIN(bill_length_mm)",
    signature=sig(Same("value"), nulls="always", value=ORDERABLE),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Min(Aggregate):
    __slots__ = ()


@operation(
    "MAX",
    category="aggregate",
    describe="maximum value",
    example="MAX(bill_length_mm)",
    signature=sig(Same("value"), nulls="always", value=ORDERABLE),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Max(Aggregate):
    __slots__ = ()


@operation(
    "STD",
    category="aggregate",
    describe="sample standard deviation (n - 1)",
    example="STD(body_mass_g)",
    aliases=("STDDEV", "STDDEV_SAMP"),
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Std(Aggregate):
    __slots__ = ()


@operation(
    "VAR",
    category="aggregate",
    describe="sample variance (n - 1)",
    example="VAR(body_mass_g)",
    aliases=("VARIANCE", "VAR_SAMP"),
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Var(Aggregate):
    __slots__ = ()


@operation(
    "FIRST",
    category="aggregate",
    describe="first non-null value in row order",
    example="FIRST(island)",
    signature=sig(Same("value"), nulls="always", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class First(Aggregate):
    __slots__ = ()


@operation(
    "LAST",
    category="aggregate",
    describe="last non-null value in row order",
    example="LAST(island)",
    signature=sig(Same("value"), nulls="always", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Last(Aggregate):
    __slots__ = ()


@operation(
    "QUANTILE",
    category="aggregate",
    describe="the q-quantile, 0 <= q <= 1, linear interpolation",
    example="QUANTILE(body_mass_g, 0.9)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Quantile(Call):
    value: Expr
    q: float = field(metadata={"min": 0, "max": 1})
    where: Expr | None = None
