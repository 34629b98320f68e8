"""What `repair` returns (repair.py), in a module of its own: `compile` accepts it, and
importing the repair machinery (the lenient scanner, the shapes, the slips: ~40 ms) only to
recognize it would slow every command's start, `pesql run` included."""

from __future__ import annotations

from pesql.compiler.check.check import CheckedPlan
from pesql.compiler.repair.json.fixes import Fix, FixKind, JSONValue
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.record import Record, record

__all__ = ["RepairResult"]


@record(kw_only=False)
class RepairResult(Record):
    """The outcome of `repair`: a plan (or None), the value it was lowered from, every fix made,
    whether the plan can be run as is, and what was wrong or refused. With a schema, `checked`
    is the plan's `CheckedPlan` (None without a schema, or without a plan)."""

    value: JSONValue | None
    plan: A.Plan | None
    fixes: tuple[Fix, ...]
    trusted: bool
    diagnostics: tuple[Diagnostic, ...]
    checked: CheckedPlan | None = None

    @property
    def fix_kinds(self) -> tuple[FixKind, ...]:
        return tuple(dict.fromkeys(f.kind for f in self.fixes))

    def plan_or_raise(self) -> A.Plan:
        """The plan, or a `PesqlError` with the diagnostics that say why there is none.

        `repair` itself never raises (a caller may want the fixes and the partial value);
        this is the one-line way on for code that can only use a plan."""
        if self.plan is not None:
            return self.plan
        problems = self.diagnostics or (
            Diagnostic.make("E150", problem="no plan could be read from the text"),
        )
        raise PesqlError(list(problems))
