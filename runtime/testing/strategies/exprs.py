"""Hypothesis strategies for well-typed p-SQL expressions over a schema, derived from the registry.

`well_typed_exprs(schema, "boolean")` draws row-level expressions (no aggregates, no window
functions) whose checked type is exactly the requested dtype. Which operations give a type,
and from which argument types, comes from each declaration's `Signature` with the checker as
the oracle: `typings(category)` tries, once, every combination of argument types the signature
admits on a probe schema (one column per type) and keeps those `infer_expr` accepts, with
their result type. A new operation is generated with no edit here; `plans` builds its
aggregates and window functions from the same typings.

    >>> sub_abs = [t for t in typings("scalar") if t.spec.name == "SUB_ABS"]
    >>> len(sub_abs), sorted({t.result for t in sub_abs})  # 3 x 3 numeric operand pairs
    (9, ['decimal', 'float', 'integer'])

Special cases, each a constraint a signature cannot state:
- CASE: its `whens` are records (a boolean `when`, a `then` of the result's type);
- DIV and MOD: a literal zero divisor is an error (E206), so a drawn literal 0 becomes 1;
- MUL: the right operand is a small literal, so products stay far from int64 overflow at any
  depth (polars wraps around, DuckDB raises);
- text options that are patterns: a regular expression (operations declared
  `fails="pattern"`) comes from a pool that polars (Rust `regex`) and RE2 read alike, with at
  least one group, and REGEXP_EXTRACT's `group` is 0 or 1; a PARSE_DATE `format` (declared
  `fails="with_format"`) is one polars and DuckDB read alike;
- option values lie within the bounds the registry declares and pass `check_values` (LOG's
  base is not 1).
Depth is bounded and calls take few operands (variadic ones at most one beyond their minimum),
so drawing stays fast. Literals are small and finite; NULL literals are not drawn (their type
is `null`, not the one requested). Engine-specific results (float to text, parsing rules) are
generated too: the differential test says which it does not compare.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import strategies as st
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check, infer_expr
from pesql.compiler.check.rules import check_values, literal_zero
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import logic, rows
from pesql.grammar.registry import Category, FieldSpec, OpSpec, all_ops
from pesql.grammar.types import NUMERIC_ORDER, VALUE_TYPES, Common, DType, FromOption, Promote

Draw = Callable[[st.SearchStrategy[Any]], Any]
NUMBERS: tuple[DType, ...] = ("integer", "float", "decimal")
GENERATED: tuple[DType, ...] = VALUE_TYPES
LITERAL_TYPES: tuple[DType, ...] = ("integer", "float", "string", "boolean", "date", "datetime")
_WORDS = ("a", "b", "Adelie", "x y", "é", "", "ab%", "10")
_TEXTS = ("a", "A", "é", "x y", "", "a%", "%b", "_")
_REGEXES = ("([0-9]+)", "(a)(b)?", "^(.)", "x(y*)", "(é|y)$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%b-%Y", "%b/%d/%Y", "%d.%m.%Y")
_FLOAT_OPTIONS = (0.5, 0.0, 0.25, 1.0, 2.0, 10.0)  # the first is the probes'
# Operand fields with a constraint on their values (see the module docstring).
_NONZERO = {("DIV", "right"), ("MOD", "right")}
_SMALL_LITERAL = {("MUL", "right")}


def literal_values(dtype: DType) -> st.SearchStrategy[Any]:
    """Literal values of a dtype: small, finite, with the usual edge cases (0, '', ...)."""
    match dtype:
        case "integer":
            return st.integers(-100, 100)
        case "float":
            return st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).map(
                lambda f: round(f, 3)
            )
        case "string":
            return st.sampled_from(_WORDS)
        case "boolean":
            return st.booleans()
        case "date":
            return st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
        case "datetime":
            return st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 12, 31)).map(
                lambda d: d.replace(microsecond=0)
            )
    raise ValueError(f"no literals of type {dtype}")


def columns_of(schema: Schema, *dtypes: DType) -> list[str]:
    return [n for n, t in schema.items() if t.unsupported is None and t.dtype in dtypes]


# --- typings: what the registry and the checker say each operation accepts -------------------


@dataclass(frozen=True, slots=True)
class Typing:
    """One accepted way to call an operation.

    `args`: the type of each operand field (every item of a tuple field has it; a CASE's
    `whens` field has the type of its `then`s; None: an optional operand left out).
    `options`: the choice options the result type depends on (CAST's `type`).
    `ordered`: a window function that needs the window's ORDER BY (RANK).
    """

    spec: OpSpec
    args: tuple[tuple[str, DType | None], ...]
    options: tuple[tuple[str, str], ...]
    result: DType
    ordered: bool = False


_PROBE = Schema(tuple((f"p_{t}", ColumnType(t)) for t in VALUE_TYPES))
_PROBE_FRAME = pl.DataFrame({"one": [1]})
_ONE_ROW = Schema((("one", ColumnType("integer")),))


@functools.cache
def typings(category: Category) -> tuple[Typing, ...]:
    """Every accepted typing of the operations of `category` (not "step"), in registry order."""
    return tuple(t for spec in all_ops(category) for t in _typings_of(spec))


def operand_fields(spec: OpSpec) -> list[FieldSpec]:
    """The fields holding operands (an aggregate's `where` filter aside)."""
    kinds = ("expr", "exprs", "records")
    return [f for f in spec.fields if f.kind in kinds and f.name != "where"]


def _typings_of(spec: OpSpec) -> Iterator[Typing]:
    operands = operand_fields(spec)
    decisive = [f for f in spec.fields if f.kind == "choice" and _decides_type(spec, f)]
    linked = _linked(spec)
    # Operand types, then choice options: one list of Any so product() can mix them.
    candidates: list[list[Any]] = [_candidates(spec, f) for f in operands]
    candidates += [list(f.choices) for f in decisive]
    for combo in itertools.product(*candidates):
        args: tuple[tuple[str, DType | None], ...] = tuple(
            (f.name, t) for f, t in zip(operands, combo, strict=False)
        )
        if not _agree([t for name, t in args if name in linked]):
            continue
        options = tuple(
            (f.name, str(c)) for f, c in zip(decisive, combo[len(operands) :], strict=True)
        )
        node = _probe_node(spec, dict(args), dict(options))
        try:
            result = infer_expr(node, _PROBE).dtype
        except PesqlError:
            continue
        if result != "null":
            ordered = spec.category == "window" and not _checks_unordered(node)
            yield Typing(spec, args, options, result, ordered)


def _decides_type(spec: OpSpec, f: FieldSpec) -> bool:
    return spec.signature is not None and spec.signature.result == FromOption(f.name)


def _linked(spec: OpSpec) -> set[str]:
    """Operands whose types must agree: comparable ones, and those a result rule combines."""
    sig = spec.signature
    if sig is None:
        return set()
    found = set(sig.comparable)
    if isinstance(sig.result, Common | Promote):
        found |= set(sig.result.fields)
    return found


def _agree(types: list[DType | None]) -> bool:
    present = {t for t in types if t is not None}
    return len(present) <= 1 or present <= set(NUMERIC_ORDER)


def _candidates(spec: OpSpec, f: FieldSpec) -> list[DType | None]:
    accepted = spec.signature.params.get(f.name) if spec.signature else None
    found: list[DType | None] = [t for t in VALUE_TYPES if accepted is None or accepted.accepts(t)]
    return [*found, None] if f.optional else found


def _probe_node(spec: OpSpec, args: dict[str, DType | None], options: dict[str, str]) -> A.Call:
    values: dict[str, Any] = dict(options)
    for f in spec.fields:
        if f.name in values or f.name == "where":
            continue
        dtype = args.get(f.name)
        if f.name in args and dtype is None:
            continue
        column = A.Col(name=f"p_{dtype}")
        match f.kind:
            case "expr":
                values[f.name] = column
            case "exprs":
                values[f.name] = (column,) * max(getattr(spec.cls, "min_args", 1), 1)
            case "records":
                values[f.name] = (A.When(when=A.Col(name="p_boolean"), then=column),)
            case _:
                values[f.name] = _probe_option(spec, f)
    node = spec.cls(**values)
    assert isinstance(node, A.Call)
    return node


def _probe_option(spec: OpSpec, f: FieldSpec) -> Any:
    if f.optional:
        return None
    return _option_pool(spec, f)[0]


def _checks_unordered(node: A.Call) -> bool:
    window = rows.Window(columns=(A.Assign(name="probe_result", expr=node),))
    try:
        check(A.Plan(steps=(window,)), _PROBE)
    except PesqlError:
        return False
    return True


# --- options ---------------------------------------------------------------------------------


def _option_pool(spec: OpSpec, f: FieldSpec) -> tuple[Any, ...]:
    """The values drawn for an option (not None; optional ones may also be left out)."""
    match f.kind:
        case "text":
            if spec.traits.fails == "pattern" and f.name == "pattern":
                return _REGEXES
            if spec.traits.fails == "with_format" and f.name == "format":
                return _DATE_FORMATS
            return _TEXTS
        case "int":
            if spec.traits.fails == "pattern" and f.name == "group":
                return (0, 1)  # every pattern of the pool has a first group
            # A few small values inside the declared bounds (which may span 2**32).
            low = max(int(f.minimum), -2) if f.minimum is not None else -2
            high = min(int(f.maximum), low + 3) if f.maximum is not None else low + 3
            return tuple(range(low, high + 1))
        case "float":
            return tuple(v for v in _FLOAT_OPTIONS if f.out_of_range(v) is None)
        case "bool":
            return (False, True)
        case "choice":
            return f.choices
    raise ValueError(f"{spec.name}.{f.name}: no option values for kind {f.kind}")


def _options(typing: Typing) -> st.SearchStrategy[dict[str, Any]]:
    """The option values of one call, valid for the checker (`check_values`: no E215)."""
    spec, fixed = typing.spec, dict(typing.options)
    drawn: dict[str, st.SearchStrategy[Any]] = {}
    for f in spec.fields:
        if f.kind in ("expr", "exprs", "records") or f.name in fixed:
            continue
        pool = st.sampled_from(_option_pool(spec, f))
        drawn[f.name] = st.one_of(st.none(), pool) if f.optional else pool
    return (
        st.fixed_dictionaries(drawn)
        .map(lambda o: {**o, **fixed})
        .filter(lambda o: _valid_options(typing, o))
    )


def _valid_options(typing: Typing, options: dict[str, Any]) -> bool:
    node = _probe_node(typing.spec, dict(typing.args), {})
    out: list[Diagnostic] = []
    check_values(dataclasses.replace(node, **options), out)
    return not out


# --- drawing ---------------------------------------------------------------------------------


def well_typed_exprs(
    schema: Schema, dtype: DType | None = None, depth: int = 3
) -> st.SearchStrategy[A.Expr]:
    """Row-level expressions over `schema` whose type is `dtype` (any generated type if None)."""
    if dtype is None:
        present = [t for t in GENERATED if columns_of(schema, t)] or ["integer", "boolean"]
        return st.sampled_from(present).flatmap(lambda d: _expr(schema, d, depth))
    return _expr(schema, dtype, depth)


def drawable(schema: Schema, depth: int) -> frozenset[DType]:
    """The types `well_typed_exprs(schema, t, depth)` can draw."""
    return _drawable(frozenset(t.dtype for _, t in schema.items() if t.unsupported is None), depth)


@functools.cache
def _drawable(columns: frozenset[DType], depth: int) -> frozenset[DType]:
    leaves = frozenset({*LITERAL_TYPES, "decimal", *columns}) & frozenset(VALUE_TYPES)
    if depth <= 0:
        return leaves
    below = _drawable(columns, depth - 1)
    return below | {t.result for t in typings("scalar") if _fits(t, below)}


def _fits(typing: Typing, available: frozenset[DType]) -> bool:
    return all(t is None or t in available for _, t in typing.args)


def fitting(
    schema: Schema, category: Category, depth: int, result: DType | None = None
) -> list[Typing]:
    """Typings of `category` whose operands can be drawn at `depth` (and give `result`)."""
    available = drawable(schema, depth)
    return [
        t
        for t in typings(category)
        if _fits(t, available) and (result is None or t.result == result)
    ]


def _leaf(schema: Schema, dtype: DType) -> st.SearchStrategy[A.Expr] | None:
    cols = columns_of(schema, dtype)
    col_st = st.sampled_from(cols).map(lambda n: A.Col(name=n)) if cols else None
    if dtype not in LITERAL_TYPES:
        if col_st is not None or dtype != "decimal":
            return col_st  # no duration literal: durations come from columns or PARSE_DURATION
        # No decimal literal syntax: a decimal constant is a cast integer literal.
        return st.integers(-100, 100).map(
            lambda v: logic.Cast(value=A.Lit(value=v), type="decimal")
        )
    lit_st = literal_values(dtype).map(lambda v: A.Lit(value=v))
    return st.one_of(col_st, col_st, lit_st) if col_st is not None else lit_st


def _expr(schema: Schema, dtype: DType, depth: int) -> st.SearchStrategy[A.Expr]:
    leaf = _leaf(schema, dtype)
    found = fitting(schema, "scalar", depth - 1, dtype) if depth > 0 else []
    if not found:
        if leaf is None:
            raise ValueError(f"no {dtype} expression over this schema at depth {depth}")
        return leaf
    composite = calls(schema, found, depth - 1)
    return composite if leaf is None else st.one_of(leaf, composite)


def calls(schema: Schema, found: list[Typing], depth: int) -> st.SearchStrategy[A.Expr]:
    """Calls of the given typings with operands of `depth`: operations are equally likely."""
    by_op: dict[str, list[Typing]] = {}
    for t in found:
        by_op.setdefault(t.spec.name, []).append(t)
    choices = list(by_op.values())
    return (
        st.sampled_from(choices).flatmap(st.sampled_from).flatmap(lambda t: call(schema, t, depth))
    )


@st.composite
def call(draw: st.DrawFn, schema: Schema, typing: Typing, depth: int) -> A.Expr:
    """A call of `typing` with operands of depth at most `depth` (no aggregate `where`)."""
    spec = typing.spec
    values: dict[str, Any] = draw(_options(typing))
    for name, dtype in typing.args:
        if dtype is not None:
            values[name] = draw(_operands(schema, spec, _field(spec, name), dtype, depth))
    node = spec.cls(**values)
    assert isinstance(node, A.Expr)
    if isinstance(node, logic.Cast) and _failing_constant(node):
        # A strict CAST of a constant that cannot convert ('a' AS date) fails every plan
        # holding it, in polars even over no rows (it folds constants while planning): the
        # generated plans run, so such a cast is drawn as the TRY_CAST of the same value.
        return logic.TryCast(value=node.value, type=node.type)
    return node


def _failing_constant(cast: logic.Cast) -> bool:
    if any(isinstance(n, A.Col) for n in cast.walk()):
        return False
    plan = A.Plan(steps=(rows.Derive(columns=(A.Assign(name="r", expr=cast),)),))
    try:
        to_polars(check(plan, _ONE_ROW), _PROBE_FRAME.lazy()).collect()
    except Exception:  # a polars error, or a checker error for the constant
        return True
    return False


def _field(spec: OpSpec, name: str) -> FieldSpec:
    return next(f for f in spec.fields if f.name == name)


def _operands(
    schema: Schema, spec: OpSpec, f: FieldSpec, dtype: DType, depth: int
) -> st.SearchStrategy[Any]:
    one = _operand(schema, spec.name, f.name, dtype, depth)
    match f.kind:
        case "exprs":
            least = max(getattr(spec.cls, "min_args", 1), 1)
            return st.lists(one, min_size=least, max_size=least + 1).map(tuple)
        case "records":  # CASE: WHEN <boolean> THEN <dtype>
            branch = st.builds(
                lambda w, t: A.When(when=w, then=t), _expr(schema, "boolean", depth), one
            )
            return st.lists(branch, min_size=1, max_size=2).map(tuple)
    return one


def _operand(
    schema: Schema, op: str, field: str, dtype: DType, depth: int
) -> st.SearchStrategy[A.Expr]:
    if (op, field) in _SMALL_LITERAL:
        return _small_literal(dtype)
    drawn = _expr(schema, dtype, depth)
    if (op, field) in _NONZERO:
        return drawn.map(lambda e: _nonzero(e))
    return drawn


def _small_literal(dtype: DType) -> st.SearchStrategy[A.Expr]:
    if dtype == "float":
        return st.sampled_from([-1.5, 0.5, 2.0]).map(lambda v: A.Lit(value=v))
    small = st.integers(-3, 3)
    if dtype == "decimal":
        return small.map(lambda v: logic.Cast(value=A.Lit(value=v), type="decimal"))
    return small.map(lambda v: A.Lit(value=v))


def _nonzero(e: A.Expr) -> A.Expr:
    if not literal_zero(e):
        return e
    assert isinstance(e, A.Lit)
    return A.Lit(value=1.0 if isinstance(e.value, float) else 1, origin=e.origin)


DECIMALS = st.decimals(
    Decimal("-1000000"), Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False
)

__all__ = [
    "GENERATED",
    "LITERAL_TYPES",
    "NUMBERS",
    "Typing",
    "call",
    "calls",
    "columns_of",
    "drawable",
    "fitting",
    "literal_values",
    "operand_fields",
    "typings",
    "well_typed_exprs",
]
