"""Plan-size limits: too many steps (E301), an expression nested too deep (E302), too many
nodes in all (E315: columns, conditions, calls, literals).

    >>> from pesql.grammar.parse import parse
    >>> expr_depth(parse("DERIVE x = ABS(price + 1)").steps[0])
    3
    >>> try:
    ...     check_size(parse("DERIVE x = ABS(price + 1)"), SizeLimits(max_depth=2))
    ... except PesqlError as exc:
    ...     print(exc.codes)
    ('E302',)

Checked on the plan as written, before the type checker walks it, so a hostile plan is refused
before any stage spends time on it. The node bound is set so that the largest plan it accepts
compiles (check + optimize + lowering) in under 100 ms (docs/benchmarks.md, scaling).
`pesql.runtime.engine.limits.Limits` extends `SizeLimits` with the execution bounds (time,
rows, engine).
"""

from __future__ import annotations

from pesql.grammar.ast import Expr, Node, Plan, child_fields
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.record import Record, record

# Nodes of the whole plan (steps, items, expressions): a model's plan has tens; a 100-column
# DERIVE about 300.
MAX_NODES = 2_000


@record(kw_only=False, slots=False)
class SizeLimits(Record):
    """Bounds on a plan's shape: steps, and nesting of the expressions inside one step."""

    max_steps: int = 64
    max_depth: int = 32
    max_nodes: int = MAX_NODES

    @property
    def size(self) -> SizeLimits:
        """The size bounds alone, as a `SizeLimits` (a subclass's other bounds dropped)."""
        if type(self) is SizeLimits:
            return self  # already that: a cache hit builds nothing (compile's cache key)
        return SizeLimits(self.max_steps, self.max_depth, self.max_nodes)


def expr_depth(node: Node) -> int:
    """The deepest chain of nested expressions under `node` (a column or literal is 1)."""
    return measure(node, None)[1]


def count_nodes(plan: Plan, stop: int) -> int:
    """The nodes of `plan` (the plan itself excluded), counted up to `stop + 1` at most."""
    count = 0
    for step in plan.steps:
        count += measure(step, stop - count)[0]
        if count > stop:
            break
    return count


def measure(node: Node, budget: int | None) -> tuple[int, int]:
    """(nodes, expression depth) of `node` in one walk; the walk stops once it has counted
    more than `budget` nodes. Iterative: a hostile plan may nest deeper than Python's
    recursion limit."""
    count = deepest = 0
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if budget is not None and count > budget:
            break
        if isinstance(item, Expr):
            depth += 1
            deepest = max(deepest, depth)
        for name, many in child_fields(type(item)):
            value = getattr(item, name)
            if many:
                if value:
                    stack.extend([(child, depth) for child in value])
            elif value is not None:
                stack.append((value, depth))
    return count, deepest


def check_size(plan: Plan, limits: SizeLimits) -> None:
    """Raise E301 / E302 / E315 (every problem at once) when `plan` exceeds `limits`."""
    problems: list[Diagnostic] = []
    # One walk per step counts its nodes and measures its depth (the count stops early).
    nodes = 0
    depths: list[int] = []
    for step in plan.steps:
        counted, depth = measure(step, limits.max_nodes - nodes)
        nodes += counted
        depths.append(depth)
        if nodes > limits.max_nodes:
            break
    if nodes > limits.max_nodes:
        # Reported alone: measuring the depth of every step of a huge plan is the work the
        # limit is there to avoid.
        found = f"at least {nodes}"
        raise PesqlError(
            [
                Diagnostic.make(
                    "E315",
                    plan.origin,
                    found=found,
                    expected=str(limits.max_nodes),
                    hints=("split the question into smaller plans",),
                )
            ]
        )
    if len(plan.steps) > limits.max_steps:
        problems.append(
            Diagnostic.make(
                "E301",
                plan.origin,
                found=str(len(plan.steps)),
                expected=str(limits.max_steps),
                hints=("split the question, or combine DERIVE steps",),
            )
        )
    for step, depth in zip(plan.steps, depths, strict=True):
        if depth > limits.max_depth:
            problems.append(
                Diagnostic.make(
                    "E302",
                    step.origin,
                    found=str(depth),
                    expected=str(limits.max_depth),
                    hints=("compute parts in an earlier DERIVE and refer to them by name",),
                )
            )
    if problems:
        raise PesqlError(problems)


__all__ = ["MAX_NODES", "SizeLimits", "check_size", "count_nodes", "expr_depth", "measure"]
