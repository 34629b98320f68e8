"""Declaring operations: `@operation(...)`, the specs it records, and the traits passes read.

The mechanism only; `registry` is where declarations are looked up. Operation modules
(`grammar/ops/`) import this module, and `registry` imports both, so the registry is complete
whenever it is importable and no module imports its own importer.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pesql.grammar.ast import RECORD_TYPES, Call, Expr, Node, Step
from pesql.grammar.numbers import describe_number
from pesql.grammar.record import Record, record
from pesql.grammar.types import Signature

Category = Literal["step", "scalar", "aggregate", "window"]
# How a call is written in text: a generic `NAME(args)` call, or syntax of its own
# (infix `a + b`, prefix `NOT a`, `x IN (...)`, `CASE ...`), which the grammar spells out.
Syntax = Literal["call", "infix", "prefix", "special"]
FieldKind = Literal[
    "expr",
    "exprs",
    "column",
    "columns",
    "new_name",
    "table",
    "text",
    "int",
    "float",
    "bool",
    "choice",
    "records",
]
# Whether evaluating an operation can raise at run time (so passes must not change the rows it
# is evaluated on, nor drop it unevaluated):
#   "never";
#   "values": for some input values (a strict CAST of 'abc' to integer; PARSE_DURATION of a
#       duration too long for int64 microseconds);
#   "pattern": when polars rejects its literal `pattern` (a regular expression);
#   "with_format": only when its `format` option is given (polars rejects some strftime
#       formats; without one the default format is used);
#   "with_negative_digits": only when its `digits` option is negative (ROUND scales back to the
#       input type: an integer near int64's limits overflows, digits below -308 overflow floats).
Fails = Literal["never", "values", "pattern", "with_format", "with_negative_digits"]


@record
class Traits(Record):
    """What passes may rely on about an expression operation; every field is required.

    `commutes`: two or more operands whose order never changes the result (ADD, EQ, AND,
    GREATEST, SUB_ABS). `variadic`: the operands are one `args` tuple of any length (AND,
    COALESCE, CONCAT). `conditional`: a scalar whose value is picked per row by a condition:
    IF and CASE, and the guards that make an undefined result null (DIV and MOD by zero, SQRT,
    LN and LOG outside their domain, POW and EXP overflowing); the polars backend lowers them
    through `when/then`. `negation`: the wire name of the operation that is `NOT` of this one
    for every input, NULL included (LT -> GE), or None.
    """

    fails: Fails
    commutes: bool
    variadic: bool
    conditional: bool
    negation: str | None


# A step's own evaluation never fails (its expressions may), and it has no operands to reorder.
STEP_TRAITS = Traits(
    fails="never", commutes=False, variadic=False, conditional=False, negation=None
)


@record(kw_only=False)
class FieldSpec(Record):
    """One field of an operation or record, as the wire formats see it."""

    name: str  # Python attribute name
    wire: str  # JSON property name (and keyword-argument name in text)
    kind: FieldKind
    optional: bool  # None is allowed
    default: Any  # dataclasses.MISSING when required
    choices: tuple[str, ...] = ()
    record: type[Node] | None = None
    # Bounds of numeric options (field metadata "min"/"max"), checked by both lowerings.
    minimum: float | None = None
    maximum: float | None = None

    def out_of_range(self, value: float) -> str | None:
        """A problem description when `value` is outside the declared bounds."""
        if self.minimum is not None and value < self.minimum:
            return f"`{self.wire}` must be at least {describe_number(self.minimum)}"
        if self.maximum is not None and value > self.maximum:
            return f"`{self.wire}` must be at most {describe_number(self.maximum)}"
        return None

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING


@record(kw_only=False)
class OpSpec(Record):
    """The declaration of one operation."""

    name: str
    cls: type[Node]
    category: Category
    describe: str
    example: str
    fields: tuple[FieldSpec, ...]
    signature: Signature | None = None
    aliases: tuple[str, ...] = ()
    syntax: Syntax = "call"
    symbol: str | None = None
    traits: Traits = STEP_TRAITS

    def field(self, wire: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.wire == wire), None)

    def fails_on(self, node: Node) -> bool:
        """Whether evaluating `node`, an instance of this operation, can itself raise.

        >>> from pesql.grammar.parse import parse_expr
        >>> from pesql.grammar.registry import spec_of
        >>> [spec_of(e).fails_on(e) for e in map(parse_expr, ["ROUND(x, 1)", "ROUND(x, -1)"])]
        [False, True]
        """
        match self.traits.fails:
            case "never":
                return False
            case "with_format":
                return getattr(node, "format", None) is not None
            case "with_negative_digits":
                digits: int = getattr(node, "digits", 0)
                return digits < 0
        return True


_REGISTRY: dict[str, OpSpec] = {}
_ALIASES: dict[str, str] = {}
_BY_CLASS: dict[type[Node], OpSpec] = {}
_FIELDS_CACHE: dict[type[Node], tuple[FieldSpec, ...]] = {}

N = TypeVar("N", bound=Node)


def operation(
    name: str,
    *,
    category: Category,
    describe: str,
    example: str,
    signature: Signature | None = None,
    aliases: tuple[str, ...] = (),
    syntax: Syntax = "call",
    symbol: str | None = None,
    traits: Traits | None = None,
) -> Callable[[type[N]], type[N]]:
    """Register a node class as operation `name` (decorate *after* @record).

    `traits` is required for scalars, aggregates and window functions and refused for steps.
    """

    def register(cls: type[N]) -> type[N]:
        expected_base = Step if category == "step" else Call
        if not issubclass(cls, expected_base):
            raise TypeError(f"{cls.__name__} must subclass {expected_base.__name__}")
        check_node_class(cls)
        if name in _REGISTRY or name in _ALIASES:
            raise ValueError(f"operation name {name} registered twice")
        fields = fields_of(cls)
        _check_traits(name, category, fields, traits)
        spec = OpSpec(
            name=name,
            cls=cls,
            category=category,
            describe=describe,
            example=example,
            fields=fields,
            signature=signature,
            aliases=aliases,
            syntax=syntax,
            symbol=symbol,
            traits=STEP_TRAITS if traits is None else traits,
        )
        cls.op_name = name  # type: ignore[attr-defined]
        _REGISTRY[name] = spec
        _BY_CLASS[cls] = spec
        for alias in aliases:
            if alias in _REGISTRY or alias in _ALIASES:
                raise ValueError(f"alias {alias} registered twice")
            _ALIASES[alias] = name
        return cls

    return register


def _check_traits(
    name: str, category: Category, fields: tuple[FieldSpec, ...], traits: Traits | None
) -> None:
    """Refuse traits that are missing, or that contradict the fields they talk about."""
    if category == "step":
        if traits is not None:
            raise TypeError(f"{name}: steps declare no traits (their expressions carry them)")
        return
    if traits is None:
        raise TypeError(f"{name}: every {category} operation declares its traits=Traits(...)")
    kinds = {f.name: f.kind for f in fields}
    problems = []
    if traits.fails == "with_format" and kinds.get("format") != "text":
        problems.append('fails="with_format" needs a text option `format`')
    if traits.fails == "with_negative_digits" and kinds.get("digits") != "int":
        problems.append('fails="with_negative_digits" needs an int option `digits`')
    if traits.fails == "pattern" and kinds.get("pattern") != "text":
        problems.append('fails="pattern" needs a text option `pattern`')
    if traits.variadic != (kinds.get("args") == "exprs"):
        problems.append("variadic means one `args` tuple of expressions")
    operands = {f.name for f in fields if f.kind in ("expr", "exprs") and f.name != "where"}
    if traits.commutes and not (traits.variadic or operands == {"left", "right"}):
        problems.append("commutes needs the operands `left` and `right`, or an `args` tuple")
    if traits.conditional and category != "scalar":
        problems.append("conditional is a trait of scalars (per-row branches)")
    if problems:
        raise TypeError(f"{name}: " + "; ".join(problems))


def check_node_class(cls: type[Node]) -> None:
    """Refuse a node class that is neither a dataclass of its own nor a plain subclass.

    A class that adds no field to its base (ADD, SUB, ... over `Binary`) is written without
    `@record`, with `__slots__ = ()`: it inherits the base's fields, `__init__`, equality
    (which compares classes), hash and repr (which names the class). `@record` would still
    build the fields and a slotted class again (~0.1 ms of start-up per class). Such a class
    must not declare a field (no `@record` to make it one) nor get an instance `__dict__`
    (frozen nodes have slots only).
    """
    if "__dataclass_fields__" in cls.__dict__:
        return
    if inspect.get_annotations(cls):
        raise TypeError(f"{cls.__name__} declares fields: decorate it with @record")
    if cls.__dict__.get("__slots__") != ():
        raise TypeError(f"{cls.__name__} adds no field: give it `__slots__ = ()`")


def fields_of(cls: type[Node]) -> tuple[FieldSpec, ...]:
    """Field specs of an operation or record class, in declaration order (origin excluded)."""
    cached = _FIELDS_CACHE.get(cls)
    if cached is not None:
        return cached
    if "__dataclass_fields__" not in cls.__dict__:  # a plain subclass: its base's fields
        base = next(b for b in cls.__mro__[1:] if "__dataclass_fields__" in b.__dict__)
        result = _FIELDS_CACHE[cls] = fields_of(base)
        return result
    specs = []
    for f in dataclasses.fields(cls):
        if f.name == "origin" or not f.init:
            continue
        hint = _field_type(cls, f.name, f.type)
        kind, optional, choices, record_type = _classify(hint, f"{cls.__name__}.{f.name}")
        default = f.default
        if default is dataclasses.MISSING and f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        wire = f.metadata.get("wire", f.name)
        bounds = f.metadata.get("min"), f.metadata.get("max")
        specs.append(
            FieldSpec(f.name, wire, kind, optional, default, choices, record_type, *bounds)
        )
    result = tuple(specs)
    _FIELDS_CACHE[cls] = result
    return result


# (module, annotation text) -> the type it names. `typing.get_type_hints` compiles each
# annotation string of each class again (~300 at import, a few ms of every start); the ~100
# operations repeat a dozen texts (`Expr`, `Expr | None`, `tuple[Expr, ...]`, ...).
_EVALUATED: dict[tuple[str, str], Any] = {}


def _field_type(cls: type, name: str, annotation: Any) -> Any:
    """Field `name`'s type, its annotation text evaluated in the module of the class that
    declared it (what `typing.get_type_hints(cls, include_extras=True)` gives for it)."""
    if not isinstance(annotation, str):
        return annotation
    owner = next(c for c in cls.__mro__ if name in inspect.get_annotations(c))
    key = (owner.__module__, annotation)
    found = _EVALUATED.get(key, _EVALUATED)
    if found is _EVALUATED:
        found = _EVALUATED[key] = eval(annotation, vars(sys.modules[owner.__module__]))
    return found


def _classify(hint: Any, where: str) -> tuple[FieldKind, bool, tuple[str, ...], type[Node] | None]:
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"{where}: unions other than `X | None` are not supported")
        optional, hint = True, args[0]
        origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(hint)
        if base is str and meta and meta[0] in ("column", "new_name", "table"):
            return meta[0], optional, (), None
        raise TypeError(f"{where}: unknown annotation {meta}")
    if origin is Literal:
        return "choice", optional, tuple(str(a) for a in typing.get_args(hint)), None
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if item is Expr:
            return "exprs", optional, (), None
        if typing.get_origin(item) is typing.Annotated and typing.get_args(item)[1] == "column":
            return "columns", optional, (), None
        if isinstance(item, type) and item in RECORD_TYPES:
            return "records", optional, (), item
        raise TypeError(f"{where}: unsupported tuple item {item}")
    simple: dict[Any, FieldKind] = {Expr: "expr", str: "text", int: "int", float: "float"}
    if hint is bool:
        return "bool", optional, (), None
    if hint in simple:
        return simple[hint], optional, (), None
    raise TypeError(f"{where}: unsupported field type {hint}")
