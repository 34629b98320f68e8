"""The p-SQL abstract syntax tree: immutable, boring, with an origin on every node.

A plan is a source table name (optional) and a tuple of steps; each step transforms one table
into the next. Expressions are column references, literals, and calls of registered
operations (`SubAbs`, `Add`, `Sum`, ...), each a frozen dataclass declared in `grammar/ops/`.

`origin` is excluded from equality, so a parsed tree equals a hand-built one:

    >>> Col(name="price") == Col(name="price", origin=Pointer("/steps/0/left"))
    True

One traversal API, on every node; passes and backends use it instead of walking fields:
`children()` (direct child nodes in field order, tuple fields flattened), `walk()` (pre-order,
the node itself first), `transform(fn)` (bottom-up: children first, a node rebuilt with
`dataclasses.replace` only when a child changed, then `fn` applied; an unchanged tree is
returned as the same object) and `replace_children(fn)` (one level, `fn(field, child)`, for
rewrites whose rule depends on the position of a child). `columns_of` is built on `walk`.

    >>> from pesql.grammar.ops.operators import Add, Mul
    >>> e = Mul(left=Add(left=Col(name="a"), right=Lit(value=1)), right=Col(name="a"))
    >>> [type(n).__name__ for n in e.walk()]
    ['Mul', 'Add', 'Col', 'Lit', 'Col']
    >>> e.children() == (Add(left=Col(name="a"), right=Lit(value=1)), Col(name="a"))
    True
    >>> renamed = e.transform(lambda n: Col(name="b") if n == Col(name="a") else n)
    >>> sorted(columns_of(renamed)), e.transform(lambda n: n) is e
    (['b'], True)

Which fields hold child nodes is read from each class's type hints once and cached by class
(`Expr`, `Expr | None`, `tuple[Assign, ...]`, ...), so a traversal never inspects fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import operator
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import Annotated, Any, ClassVar, Literal, Self, TypeAlias

from pesql.grammar.frozen import cached_hash, restore_state, state_without_hash
from pesql.grammar.origin import InString, Origin, Pointer, Span
from pesql.grammar.record import Record, record

# A column of the current table; `Annotated` tells the JSON Schema to offer the table's
# column names, and the checker to resolve it.
ColumnName: TypeAlias = Annotated[str, "column"]
# A new output column name chosen by the plan's author.
NewName: TypeAlias = Annotated[str, "new_name"]
# A table of the catalog (JOIN, LOOKUP); the JSON Schema offers the catalog's names.
TableName: TypeAlias = Annotated[str, "table"]

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


@record
class Node(Record):
    """Base of every AST node."""

    origin: Origin | None = field(default=None, compare=False, repr=False)

    def children(self) -> tuple[Node, ...]:
        """The direct child nodes, in field order, tuple fields flattened (None skipped)."""
        out: list[Node] = []
        for name, many in child_fields(type(self)):
            value = getattr(self, name)
            if many:
                if value:
                    out.extend(value)
            elif value is not None:
                out.append(value)
        return tuple(out)

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, pre-order (a node before its children)."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            spec = _CHILD_FIELDS.get(type(node))
            if spec is None:
                spec = child_fields(type(node))
            for name, many in reversed(spec):
                value = getattr(node, name)
                if many:
                    if value:
                        stack.extend(reversed(value))
                elif value is not None:
                    stack.append(value)

    def transform(self, fn: Callable[[Node], Node]) -> Node:
        """The tree rebuilt bottom-up with `fn` applied to every node, children first.

        A node is rebuilt (`dataclasses.replace`, origin kept) only when a child changed
        identity, so `fn` returning its argument everywhere gives back `self` itself.
        """
        return fn(self.replace_children(lambda _, child: child.transform(fn)))

    def replace_children(self, fn: Callable[[str, Node], Node]) -> Self:
        """This node with each direct child `c` of field `f` replaced by `fn(f, c)` (one level).

        For rewrites that carry context down (a predicate position, say); `self` when no
        child changed identity.
        """
        changes: dict[str, Any] = {}
        for name, many in child_fields(type(self)):
            value = getattr(self, name)
            if many:
                if value:
                    items = tuple([fn(name, item) for item in value])
                    if any(map(operator.is_not, items, value)):
                        changes[name] = items
            elif value is not None:
                new = fn(name, value)
                if new is not value:
                    changes[name] = new
        return replace(self, **changes) if changes else self


class Expr(Node):
    """Base of expressions."""

    __slots__ = ()


@record
class Col(Expr):
    """A reference to a column of the current table."""

    name: ColumnName


@record
class Lit(Expr):
    """A literal. `kind` is derived from the value so that `1`, `1.0` and `TRUE` differ."""

    value: LitValue
    kind: LitKind = field(default="null", init=False)

    def __post_init__(self) -> None:
        if isinstance(self.value, float) and not math.isfinite(self.value):
            raise ValueError("p-SQL literals are finite numbers")
        object.__setattr__(self, "kind", literal_kind(self.value))


@record
class Call(Expr):
    """Base of every registered expression operation (scalar, aggregate, window)."""

    # Filled in by the @operation decorator: the canonical wire name, e.g. "SUB_ABS".
    op_name: ClassVar[str] = ""


@record
class Step(Node):
    """Base of every registered pipeline step."""

    op_name: ClassVar[str] = ""


# Records: small structured parts of steps and calls (not operations themselves).
@record
class Assign(Node):
    """`name = expr`: one new column of DERIVE / GROUP_BY / AGGREGATE / WINDOW."""

    name: NewName
    expr: Expr


@record
class SelectItem(Node):
    """`column [AS new_name]` in SELECT."""

    column: ColumnName
    as_: NewName | None = field(default=None, metadata={"wire": "as"})


@record
class SortKey(Node):
    """`column [ASC|DESC] [NULLS FIRST|LAST]`. Nulls sort last unless asked otherwise."""

    column: ColumnName
    descending: bool = False
    nulls_last: bool = True


@record
class When(Node):
    """`WHEN condition THEN value` inside CASE."""

    when: Expr
    then: Expr


@record
class JoinKey(Node):
    """`left = right` in JOIN/LOOKUP: a column of the current table, one of the joined table."""

    left: ColumnName
    # A column of the *joined* table: a name (never empty, in text and JSON alike) that the
    # checker resolves against that table, so not a `ColumnName` of the current one.
    right: NewName


@record
class Plan(Node):
    """A whole p-SQL program: read `table` (or the only table), then apply `steps` in order."""

    table: str | None = None
    steps: tuple[Step, ...] = ()
    # The hash, computed once: a plan is the compile cache's key, and hashing a frozen tree
    # walks every node (27 µs for 30 steps) on every lookup otherwise.
    _hash: int | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __hash__(self) -> int:
        return cached_hash(self, lambda: (self.table, self.steps))

    def __getstate__(self) -> list[object]:
        return state_without_hash(self)

    def __setstate__(self, state: list[object]) -> None:
        restore_state(self, state)


RECORD_TYPES: tuple[type[Node], ...] = (Assign, SelectItem, SortKey, When, JoinKey)

_D = typing.TypeVar("_D")
# Per dataclass: the names its __init__ takes, read once (`dataclasses.replace` reads every
# field's declaration on each call, and the checker and passes rebuild many nodes per plan).
_INIT_NAMES: dict[type, tuple[str, ...]] = {}


def replace(obj: _D, /, **changes: Any) -> _D:
    """`dataclasses.replace` for a frozen dataclass (a node, or any other), a little faster."""
    cls = type(obj)
    names = _INIT_NAMES.get(cls)
    if names is None:
        names = _INIT_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]
    for name in names:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return cls(**changes)


def columns_of(node: Node) -> set[str]:
    """The names of the columns `node` references (every `Col` in it)."""
    return {n.name for n in node.walk() if isinstance(n, Col)}


# Per class: (field name, holds a tuple of nodes) for each field that holds child nodes.
_CHILD_FIELDS: dict[type[Node], tuple[tuple[str, bool], ...]] = {}


def child_fields(cls: type[Node]) -> tuple[tuple[str, bool], ...]:
    """(field name, holds a tuple of nodes) for each field of `cls` that holds child nodes:
    what a traversal needs, read from the type hints once per class."""
    cached = _CHILD_FIELDS.get(cls)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):
        if f.name == "origin" or not f.init:
            continue
        many = _node_field(hints[f.name], f"{cls.__name__}.{f.name}")
        if many is not None:
            found.append((f.name, many))
    result = tuple(found)
    _CHILD_FIELDS[cls] = result
    return result


def _node_field(hint: object, where: str) -> bool | None:
    """False for `N` / `N | None`, True for `tuple[N, ...]` (N a Node class), None for no node."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    if isinstance(hint, type) and issubclass(hint, Node):
        return False
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if isinstance(item, type) and issubclass(item, Node):
            return True
    if _mentions_node(hint):
        raise TypeError(f"{where}: nodes must be held as N, N | None or tuple[N, ...]")
    return None


def _mentions_node(hint: object) -> bool:
    if isinstance(hint, type):
        return issubclass(hint, Node)
    return any(_mentions_node(a) for a in typing.get_args(hint))


__all__ = [
    "RECORD_TYPES",
    "Assign",
    "Call",
    "Col",
    "ColumnName",
    "Expr",
    "InString",
    "JoinKey",
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
    "TableName",
    "When",
    "child_fields",
    "columns_of",
    "literal_kind",
    "replace",
]
