"""The p-SQL abstract syntax tree: immutable, boring, with an origin on every node.

A plan is a source table name (optional) and a tuple of steps; each step transforms one table
into the next. Expressions are column references, literals, and calls of registered
operations (`SubAbs`, `Add`, `Sum`, ...), each a frozen dataclass declared in `grammar/ops/`.

`origin` is excluded from equality, so a parsed tree equals a hand-built one:

    >>> Col(name="price") == Col(name="price", origin=Pointer("/steps/0/left"))
    True
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal, TypeAlias

from pesql.grammar.origin import Origin, Pointer, Span

# A column of the current table; `Annotated` tells the JSON Schema to offer the table's
# column names, and the checker to resolve it.
ColumnName: TypeAlias = Annotated[str, "column"]
# A new output column name chosen by the plan's author.
NewName: TypeAlias = Annotated[str, "new_name"]

LitValue: TypeAlias = bool | int | float | str | dt.date | dt.datetime | None
LitKind = Literal["null", "boolean", "integer", "float", "string", "date", "datetime"]


def literal_kind(value: LitValue) -> LitKind:
    """The literal kind of a Python value (bool before int: `True` is an int in Python)."""
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int():
            return "integer"
        case float():
            return "float"
        case str():
            return "string"
        case dt.datetime():
            return "datetime"
        case dt.date():
            return "date"
    raise TypeError(f"not a p-SQL literal: {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """Base of every AST node."""

    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Expr(Node):
    """Base of expressions."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Col(Expr):
    """A reference to a column of the current table."""

    name: ColumnName


@dataclass(frozen=True, slots=True, kw_only=True)
class Lit(Expr):
    """A literal. `kind` is derived from the value so that `1`, `1.0` and `TRUE` differ."""

    value: LitValue
    kind: LitKind = field(default="null", init=False)

    def __post_init__(self) -> None:
        if isinstance(self.value, float) and not math.isfinite(self.value):
            raise ValueError("p-SQL literals are finite numbers")
        object.__setattr__(self, "kind", literal_kind(self.value))


@dataclass(frozen=True, slots=True, kw_only=True)
class Call(Expr):
    """Base of every registered expression operation (scalar, aggregate, window)."""

    # Filled in by the @operation decorator: the canonical wire name, e.g. "SUB_ABS".
    op_name: ClassVar[str] = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step(Node):
    """Base of every registered pipeline step."""

    op_name: ClassVar[str] = ""


# Records: small structured parts of steps and calls (not operations themselves).
@dataclass(frozen=True, slots=True, kw_only=True)
class Assign(Node):
    """`name = expr`: one new column of DERIVE / GROUP_BY / AGGREGATE / WINDOW."""

    name: NewName
    expr: Expr


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectItem(Node):
    """`column [AS new_name]` in SELECT."""

    column: ColumnName
    as_: NewName | None = field(default=None, metadata={"wire": "as"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SortKey(Node):
    """`column [ASC|DESC] [NULLS FIRST|LAST]`. Nulls sort last unless asked otherwise."""

    column: ColumnName
    descending: bool = False
    nulls_last: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class When(Node):
    """`WHEN condition THEN value` inside CASE."""

    when: Expr
    then: Expr


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan(Node):
    """A whole p-SQL program: read `table` (or the only table), then apply `steps` in order."""

    table: str | None = None
    steps: tuple[Step, ...] = ()


RECORD_TYPES: tuple[type[Node], ...] = (Assign, SelectItem, SortKey, When)

__all__ = [
    "RECORD_TYPES",
    "Assign",
    "Call",
    "Col",
    "ColumnName",
    "Expr",
    "Lit",
    "LitKind",
    "LitValue",
    "NewName",
    "Node",
    "Origin",
    "Plan",
    "Pointer",
    "SelectItem",
    "SortKey",
    "Span",
    "Step",
    "When",
    "literal_kind",
]
