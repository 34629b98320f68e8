"""The type vocabulary of p-SQL and declarative type rules that operations carry.

The registry declares each operation's signature here, as data; the checker in
`pesql.compiler.check.check` interprets it. Keeping the vocabulary in `grammar/` lets the JSON
Schema, the docs and the checker all read one declaration.

    >>> NUMERIC.accepts("integer"), NUMERIC.accepts("string")
    (True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Literal, TypeAlias

from pesql.grammar.record import Record, record

DType = Literal[
    "integer", "float", "decimal", "string", "boolean", "date", "datetime", "duration", "null"
]
DTYPES: tuple[DType, ...] = (
    "integer",
    "float",
    "decimal",
    "string",
    "boolean",
    "date",
    "datetime",
    "duration",
    "null",
)
# The types a value can have (NULL literals aside): what generators and ORDERABLE cover.
VALUE_TYPES: tuple[DType, ...] = tuple(t for t in DTYPES if t != "null")

# Target types of CAST / TRY_CAST, and units of the time functions (closed option sets).
CastType = Literal["integer", "float", "decimal", "string", "boolean", "date", "datetime"]
TimeUnit = Literal["year", "quarter", "month", "week", "day", "hour", "minute", "second"]


@record(kw_only=False)
class TypeClass(Record):
    """A set of acceptable argument types, named for messages ("a number", "text")."""

    label: str
    members: frozenset[DType]

    def accepts(self, dtype: DType) -> bool:
        # NULL literals fit anywhere: SQL semantics, `x + NULL` is NULL.
        return dtype == "null" or dtype in self.members


def _tc(label: str, *members: DType) -> TypeClass:
    return TypeClass(label, frozenset(members))


NUMERIC = _tc("a number", "integer", "float", "decimal")
INTEGER = _tc("an integer", "integer")
STRING = _tc("text", "string")
BOOLEAN = _tc("a boolean", "boolean")
TEMPORAL = _tc("a date or datetime", "date", "datetime")
DATETIME = _tc("a datetime", "datetime")
DURATION = _tc("a duration", "duration")
ORDERABLE = _tc("an orderable value", *VALUE_TYPES)
SUMMABLE = _tc("a number or duration", "integer", "float", "decimal", "duration")
ANY = _tc("any value", *DTYPES)


# How the result type is computed from the argument types.
@record(kw_only=False)
class Same(Record):
    """The result has the type of argument `field`."""

    field: str


@record(kw_only=False)
class Promote(Record):
    """Numeric promotion of the named arguments: integer < decimal < float (SQL-like)."""

    fields: tuple[str, ...]


@record(kw_only=False)
class Common(Record):
    """The common supertype of the named arguments (promotion for numbers, else equal types)."""

    fields: tuple[str, ...]


@record(kw_only=False)
class FromOption(Record):
    """The result type is the value of option `field` (CAST's target type)."""

    field: str


ResultRule: TypeAlias = DType | Same | Promote | Common | FromOption

# "propagate": null if any input is null; "never": never null (COUNT, IS_NULL);
# "always": may be null whatever the inputs (division by zero, TRY_CAST, LAG);
# "all": null only when every input is null (COALESCE).
Nulls = Literal["propagate", "never", "always", "all"]


@record(kw_only=False)
class Signature(Record):
    """Argument type classes by field name, the result rule, and how nulls flow."""

    params: Mapping[str, TypeClass] = field(default_factory=dict)
    result: ResultRule = "null"
    nulls: Nulls = "propagate"
    # Arguments that must be mutually comparable (e.g. both sides of `=`).
    comparable: tuple[str, ...] = ()
    # Extra rule for cases data cannot say (e.g. SUM of integers stays integer, AVG is float).
    custom: Callable[[Mapping[str, DType]], DType | None] | None = field(
        default=None, compare=False
    )


def sig(
    result: ResultRule,
    *,
    nulls: Nulls = "propagate",
    comparable: tuple[str, ...] = (),
    **params: TypeClass,
) -> Signature:
    """Shorthand: `sig(Promote(("left", "right")), left=NUMERIC, right=NUMERIC)`."""
    return Signature(params=params, result=result, nulls=nulls, comparable=comparable)


NUMERIC_ORDER: dict[DType, int] = {"integer": 0, "decimal": 1, "float": 2}


def promote(*types: DType) -> DType:
    """SQL-style numeric promotion; `null` arguments do not constrain the result."""
    real = [t for t in types if t != "null"]
    if not real:
        return "null"
    if all(t in NUMERIC_ORDER for t in real):
        return max(real, key=NUMERIC_ORDER.__getitem__)
    first = real[0]
    return first if all(t == first for t in real) else "null"


def comparable(a: DType, b: DType) -> bool:
    """Whether `a = b` and `a < b` are meaningful (numbers with numbers, else equal types).

    Strings compare with dates and datetimes: the checker parses the literal (see
    docs/language.md, "Dates written as text").
    """
    if "null" in (a, b) or a == b:
        return True
    if a in NUMERIC_ORDER and b in NUMERIC_ORDER:
        return True
    temporal = {"date", "datetime"}
    return (a in temporal and b in temporal) or ({a, b} & temporal != set() and "string" in (a, b))
