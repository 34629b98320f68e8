"""Window functions: only inside a WINDOW step, computed per partition in the step's order.

Without ORDER BY they use the current row order (as loaded, or as the last SORT left it).
Aggregates (SUM, AVG, MAX, ...) inside WINDOW are computed over the whole partition and
repeated on each of its rows.
"""

from __future__ import annotations

from dataclasses import field

from pesql.grammar.ast import Call, Expr
from pesql.grammar.declare import Traits, operation
from pesql.grammar.numbers import ROW_INDEX_MAX
from pesql.grammar.record import record
from pesql.grammar.types import ANY, NUMERIC, ORDERABLE, SUMMABLE, Same, Signature, sig


@operation(
    "ROW_NUMBER",
    category="window",
    describe="1, 2, 3, ... in window order",
    example="ROW_NUMBER()",
    signature=sig("integer", nulls="never"),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class RowNumber(Call):
    __slots__ = ()


@operation(
    "RANK",
    category="window",
    describe="rank in window order; ties share a rank and leave gaps (1, 1, 3)",
    example="RANK()",
    signature=sig("integer", nulls="never"),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Rank(Call):
    __slots__ = ()


@operation(
    "DENSE_RANK",
    category="window",
    describe="rank in window order; ties share a rank, no gaps (1, 1, 2)",
    example="DENSE_RANK()",
    signature=sig("integer", nulls="never"),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class DenseRank(Call):
    __slots__ = ()


@record
class Shifted(Call):
    value: Expr
    offset: int = field(default=1, metadata={"min": 1, "max": ROW_INDEX_MAX})


@operation(
    "LAG",
    category="window",
    describe="value `offset` rows earlier (null before the start)",
    example="LAG(close)",
    signature=sig(Same("value"), nulls="always", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Lag(Shifted):
    __slots__ = ()


@operation(
    "LEAD",
    category="window",
    describe="value `offset` rows later (null after the end)",
    example="LEAD(close, offset => 2)",
    signature=sig(Same("value"), nulls="always", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Lead(Shifted):
    __slots__ = ()


@operation(
    "DIFF",
    category="window",
    describe="value minus the value `offset` rows earlier",
    example="DIFF(close)",
    signature=sig(Same("value"), nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Diff(Shifted):
    __slots__ = ()


@operation(
    "PCT_CHANGE",
    category="window",
    describe="(value - earlier) / earlier, `offset` rows back, as a fraction",
    example="PCT_CHANGE(close)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class PctChange(Shifted):
    __slots__ = ()


@record
class Running(Call):
    value: Expr


@operation(
    "CUMSUM",
    category="window",
    describe="running sum in window order (nulls skipped)",
    example="CUMSUM(sales)",
    aliases=("RUNNING_SUM",),
    signature=Signature(params={"value": SUMMABLE}, result=Same("value"), nulls="always"),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class CumSum(Running):
    __slots__ = ()


@operation(
    "CUMCOUNT",
    category="window",
    describe="running count of non-null values (of rows without a value)",
    example="CUMCOUNT()",
    signature=sig("integer", nulls="never", value=ANY),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class CumCount(Call):
    value: Expr | None = None


@operation(
    "CUMMIN",
    category="window",
    describe="running minimum in window order",
    example="CUMMIN(price)",
    signature=sig(Same("value"), nulls="always", value=ORDERABLE),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class CumMin(Running):
    __slots__ = ()


@operation(
    "CUMMAX",
    category="window",
    describe="running maximum in window order",
    example="CUMMAX(price)",
    signature=sig(Same("value"), nulls="always", value=ORDERABLE),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class CumMax(Running):
    __slots__ = ()


@operation(
    "CUMAVG",
    category="window",
    describe="running mean in window order",
    example="CUMAVG(price)",
    aliases=("RUNNING_AVG",),
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class CumAvg(Running):
    __slots__ = ()


@operation(
    "SHARE",
    category="window",
    describe="value / SUM(value) over the partition: the row's share of the total",
    example="SHARE(sales)",
    signature=sig("float", nulls="always", value=NUMERIC),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Share(Running):
    __slots__ = ()
