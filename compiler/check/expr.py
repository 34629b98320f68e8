"""Expression typing: one generic rule driven by each operation's `Signature`, plus a few specials.

`infer(expr, scope)` returns the rewritten expression (names resolved, date strings parsed)
and its `ColumnType`; problems go to `scope.out` and the result is a `null` type, which every
type class accepts, so one mistake does not cascade into many.

    >>> from pesql.grammar.parse import parse_expr
    >>> scope = Scope(Schema.of({"price": "float"}), Resolver())
    >>> infer(parse_expr("price * 2 > 10"), scope)[1]
    ColumnType(dtype='boolean', nullable=True, unsupported=None)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pesql.compiler.check.resolve import Resolver
from pesql.compiler.check.rules import (
    check_case,
    check_cast,
    check_comparable,
    check_values,
    disagree,
    literal_zero,
    text_column_hint,
)
from pesql.compiler.check.schema import ColumnType, Schema, common
from pesql.grammar import ast as A
from pesql.grammar.ast import replace
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.numbers import describe_number, int_problem
from pesql.grammar.ops import logic, operators
from pesql.grammar.registry import spec_of
from pesql.grammar.types import (
    BOOLEAN,
    Common,
    DType,
    FromOption,
    Promote,
    Same,
    TypeClass,
    promote,
)

# row: FILTER/DERIVE; group: GROUP_BY/AGGREGATE items; window: WINDOW items;
# any: `infer_expr` for backends, where the step already placed the expression.
Mode = Literal["row", "group", "window", "any"]
UNKNOWN = ColumnType("null", nullable=True)
E217_HINT = "such a column can only be kept (SELECT) or removed (DROP)"
# The parse function a text column needs, by the first of these types an operation accepts.
_PARSED: tuple[DType, ...] = ("float", "duration", "date")
_AGG_HINT = "use GROUP_BY or AGGREGATE for one row per group, or WINDOW for per-row totals"


@dataclass(slots=True)
class Scope:
    """What an expression may see: columns, group keys, and whether it sits in an aggregate."""

    schema: Schema
    resolver: Resolver
    mode: Mode = "row"
    keys: frozenset[str] = frozenset()
    ordered: bool = False  # the WINDOW has ORDER BY (RANK needs it)
    inside: A.Call | None = None  # the aggregate or window function around this expression
    # Unknown names compared with a real column (`island = Dream`, `island IN (Dream)`): likely
    # text values without quotes, so their E201 shows the literal's shape (ids of the Cols).
    value_cols: frozenset[int] = frozenset()

    @property
    def out(self) -> list[Diagnostic]:
        return self.resolver.diagnostics

    def error(self, code: str, origin: A.Origin | None, **kw: Any) -> None:
        self.out.append(Diagnostic.make(code, origin, **kw))

    def within(self, call: A.Call) -> Scope:
        """This scope inside the aggregate or window function `call`."""
        # Positional, not dataclasses.replace (~3x its cost): every aggregate asks for one.
        fields = self.schema, self.resolver, self.mode, self.keys, self.ordered
        return Scope(*fields, call, self.value_cols)

    def comparing(self, value_cols: frozenset[int]) -> Scope:
        """This scope with `value_cols` (see above) for the operands of a comparison."""
        fields = self.schema, self.resolver, self.mode, self.keys, self.ordered
        return Scope(*fields, self.inside, value_cols)


def infer(expr: A.Expr, scope: Scope) -> tuple[A.Expr, ColumnType]:
    """The rewritten expression and its type; diagnostics go to `scope.out`."""
    match expr:
        case A.Col():
            return _column(expr, scope)
        case A.Lit():
            # The lowerings refuse these already; a tree built in code reaches only this check.
            if isinstance(expr.value, int) and not isinstance(expr.value, bool):
                problem = int_problem(expr.value)
                if problem is not None:
                    found = describe_number(expr.value)
                    scope.error("E157", expr.origin, found=found, expected=problem)
            return expr, ColumnType(expr.kind, nullable=expr.value is None)
        case A.Call():
            return _call(expr, scope)
    raise TypeError(f"not an expression: {expr!r}")


def _column(col: A.Col, scope: Scope) -> tuple[A.Expr, ColumnType]:
    value = id(col) in scope.value_cols
    name = scope.resolver.resolve(col.name, scope.schema, col.origin, value=value)
    if name is None:
        return col, UNKNOWN
    ctype = scope.schema.get(name)
    assert ctype is not None
    if ctype.unsupported is not None:
        scope.error("E217", col.origin, name=name, found=ctype.unsupported, hints=(E217_HINT,))
        return col, UNKNOWN
    if scope.mode == "group" and scope.inside is None and name not in scope.keys:
        hint = f"group by `{name}` too, or aggregate it, e.g. FIRST({name}) or MAX({name})"
        scope.error("E204", col.origin, name=name, hints=(hint,))
    return (col if name == col.name else replace(col, name=name)), ctype


def _call(call: A.Call, scope: Scope) -> tuple[A.Expr, ColumnType]:
    spec = spec_of(call)
    inner = scope
    if spec.category in ("aggregate", "window"):
        _placement(call, spec.category, scope)
        inner = scope.within(call)
    check_values(call, scope.out)
    if isinstance(call, logic.Case):
        return check_case(call, lambda e: infer(e, inner), scope.out)
    sig = spec.signature
    params = sig.params if sig is not None else {}
    if sig is not None and sig.comparable:
        inner = inner.comparing(_value_like(call, sig.comparable, scope.schema))
    new_fields: dict[str, Any] = {}
    types: dict[str, list[ColumnType]] = {}
    for f in spec.fields:
        value = getattr(call, f.name)
        if f.kind == "expr" and value is not None:
            new, t = _argument(call, f.name, value, inner, scope)
            new_fields[f.name], types[f.name] = new, [t]
        elif f.kind == "exprs":
            pairs = [_argument(call, f.name, v, inner, scope) for v in value]
            new_fields[f.name] = tuple(p[0] for p in pairs)
            types[f.name] = [p[1] for p in pairs]
    for name, ts in types.items():
        tc = params.get(name)
        for arg, t in zip(_as_list(new_fields[name]), ts, strict=True):
            if tc is not None and not tc.accepts(t.dtype):
                _mismatch(scope, spec.name, arg, tc, t.dtype)
    if sig is not None and sig.comparable:
        new_fields.update(check_comparable(call, new_fields, types, sig.comparable, scope.out))
    if isinstance(call, operators.Div | operators.Mod) and literal_zero(new_fields["right"]):
        scope.error("E206", new_fields["right"].origin, hints=("divide by a non-zero value",))
    if isinstance(call, logic.Cast | logic.TryCast):
        check_cast(call, types["value"][0].dtype, scope.out)
    changed = any(new_fields[k] is not getattr(call, k) for k in new_fields)
    out = replace(call, **new_fields) if changed else call
    return out, _result(call, spec.name, types, new_fields, scope)


def _argument(
    call: A.Call, field: str, value: A.Expr, inner: Scope, scope: Scope
) -> tuple[A.Expr, ColumnType]:
    if field != "where":
        return infer(value, inner)
    # An aggregate's `where` filters the rows it sees: row-level, inside the aggregate.
    new, t = infer(value, inner)
    if not BOOLEAN.accepts(t.dtype):
        _mismatch(scope, spec_of(call).name, new, BOOLEAN, t.dtype)
    return new, t


def _placement(call: A.Call, category: str, scope: Scope) -> None:
    name = spec_of(call).name
    if scope.inside is not None:
        outer = spec_of(scope.inside)
        if category == "aggregate" and outer.category == "aggregate":
            scope.error(
                "E213",
                call.origin,
                name=name,
                hints=(f"compute `{name}` in an earlier step, then aggregate that column",),
            )
        else:
            scope.error(
                "E214",
                call.origin,
                name=name,
                outer=outer.name,
                hints=("compute the inner value in an earlier step",),
            )
        return
    if category == "aggregate" and scope.mode == "row":
        scope.error("E203", call.origin, name=name, hints=(_AGG_HINT,))
    if category == "window":
        if scope.mode not in ("window", "any"):
            scope.error(
                "E212",
                call.origin,
                name=name,
                hints=(f"compute it in a WINDOW step: WINDOW x = {spec_of(call).example}",),
            )
        elif name in ("RANK", "DENSE_RANK") and scope.mode == "window" and not scope.ordered:
            scope.error(
                "E207",
                call.origin,
                problem=f"`{name}` needs ORDER BY",
                hints=(f"WINDOW r = {name}() ORDER BY some_column DESC",),
            )


def _mismatch(scope: Scope, op: str, arg: A.Expr, accepted: TypeClass, found: DType) -> None:
    hints: tuple[str, ...] = ()
    expected = accepted.label
    if found == "string" and isinstance(arg, A.Col) and "string" not in accepted.members:
        # Numbers or dates held as text: a frame read without pesql's loader (pl.read_csv
        # with no dtypes) looks exactly like this, and the fix is either side's.
        wanted = next((t for t in _PARSED if t in accepted.members), None)
        hints = (text_column_hint(arg.name, wanted),)
    scope.error("E202", arg.origin, name=op, expected=expected, found=found, hints=hints)


def _value_like(call: A.Call, fields: Sequence[str], schema: Schema) -> frozenset[int]:
    operands = [e for f in fields for e in _as_list(getattr(call, f))]
    names = set(schema.names())
    columns = [e for e in operands if isinstance(e, A.Col)]
    if not any(c.name in names for c in columns):
        return frozenset()
    return frozenset(id(c) for c in columns if c.name not in names)


def _as_list(value: A.Expr | tuple[A.Expr, ...]) -> list[A.Expr]:
    return list(value) if isinstance(value, tuple) else [value]


def _result(
    call: A.Call,
    op: str,
    types: dict[str, list[ColumnType]],
    fields: dict[str, Any],
    scope: Scope,
) -> ColumnType:
    sig = spec_of(call).signature
    if sig is None:
        return UNKNOWN
    args = [t for k, ts in types.items() if k != "where" for t in ts]
    dtype: DType
    match sig.result:
        case Same(field=f):
            dtype = types[f][0].dtype if f in types else "null"
        case Promote(fields=fs):
            dtype = promote(*(t.dtype for f in fs for t in types.get(f, [])))
        case FromOption(field=f):
            dtype = getattr(call, f)
        case Common(fields=fs):
            members = [
                (a, t)
                for f in fs
                if f in fields
                for a, t in zip(_as_list(fields[f]), types.get(f, []), strict=True)
            ]
            found = common(*(t.dtype for _, t in members))
            if found is None:
                disagree(scope.out, op, members)
            dtype = found or "null"
        case str() as fixed:
            dtype = fixed
    if sig.custom is not None:
        dtype = sig.custom({k: ts[0].dtype for k, ts in types.items() if len(ts) == 1}) or dtype
    if isinstance(call, logic.If):
        # A null condition picks `else`, so only the branches make IF null.
        return ColumnType(dtype, types["then"][0].nullable or types["else_"][0].nullable)
    match sig.nulls:
        case "never":
            nullable = False
        case "always":
            nullable = True
        case "all":
            nullable = bool(args) and all(t.nullable for t in args)
        case _:
            nullable = any(t.nullable for t in args)
    return ColumnType(dtype, nullable)


__all__ = ["UNKNOWN", "Mode", "Scope", "infer"]
