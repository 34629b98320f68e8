"""Date and time functions."""

from __future__ import annotations

from pesql.grammar.ast import Call, Expr
from pesql.grammar.declare import Traits, operation
from pesql.grammar.record import record
from pesql.grammar.types import DATETIME, TEMPORAL, Same, TimeUnit, sig


@record
class Part(Call):
    value: Expr


@operation(
    "YEAR",
    category="scalar",
    describe="year of a date",
    example="YEAR(day)",
    signature=sig("integer", value=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Year(Part):
    __slots__ = ()


@operation(
    "QUARTER",
    category="scalar",
    describe="quarter of the year, 1-4",
    example="QUARTER(day)",
    signature=sig("integer", value=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Quarter(Part):
    __slots__ = ()


@operation(
    "MONTH",
    category="scalar",
    describe="month, 1-12",
    example="MONTH(day)",
    signature=sig("integer", value=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Month(Part):
    __slots__ = ()


@operation(
    "DAY",
    category="scalar",
    describe="day of the month, 1-31",
    example="DAY(day)",
    signature=sig("integer", value=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Day(Part):
    __slots__ = ()


@operation(
    "WEEKDAY",
    category="scalar",
    describe="ISO day of the week: 1 = Monday ... 7 = Sunday",
    example="WEEKDAY(day)",
    signature=sig("integer", value=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Weekday(Part):
    __slots__ = ()


@operation(
    "HOUR",
    category="scalar",
    describe="hour of a datetime, 0-23",
    example="HOUR(ts)",
    signature=sig("integer", value=DATETIME),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Hour(Part):
    __slots__ = ()


@operation(
    "MINUTE",
    category="scalar",
    describe="minute of a datetime, 0-59",
    example="MINUTE(ts)",
    signature=sig("integer", value=DATETIME),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Minute(Part):
    __slots__ = ()


@operation(
    "DATE_TRUNC",
    category="scalar",
    describe="the date or datetime cut down to the start of its `unit` (weeks start Monday)",
    example="DATE_TRUNC('month', day)",
    signature=sig(Same("value"), value=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class DateTrunc(Call):
    unit: TimeUnit
    value: Expr


@operation(
    "DATE_DIFF",
    category="scalar",
    describe="number of `unit` boundaries crossed from start to end (negative if end is earlier)",
    example="DATE_DIFF('day', ordered, shipped)",
    signature=sig("integer", start=TEMPORAL, end=TEMPORAL),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class DateDiff(Call):
    unit: TimeUnit
    start: Expr
    end: Expr
