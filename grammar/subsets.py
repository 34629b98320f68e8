"""Operation subsets a profile offers the model: `core`, `all`, or an explicit list.

    >>> "SUB_ABS" in offered_ops("core"), "REGEXP_REPLACE" in offered_ops("core")
    (True, False)
    >>> "ROUND" in offered_ops(["round"]), "SUM" in offered_ops(["round"])  # steps, operators too
    (True, False)

`core` was measured, not chosen: the functions used by at least 5 gold plans of the bundled
datasets (examples/datasets/tables-qa and eval-set; `make docs` does not recompute it, the
test tests/grammar/test_subsets.py does and fails when the measurement drifts), plus every
step and every operator with syntax of its own (`+`, `=`, `AND`, `IN`, `CASE`, ...): those are
the language's syntax, which a model writing p-SQL text uses whether or not it is listed.
Every subset includes the operators and steps for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from pesql.grammar.diagnostics import Diagnostic, PesqlError, nearest
from pesql.grammar.registry import all_ops, lookup

# Functions used by >= 5 gold plans (measured: docs/benchmarks.md "Operation subsets"),
# most used first.
CORE_FUNCTIONS: tuple[str, ...] = (
    "COUNT",
    "AVG",
    "SUB_ABS",
    "YEAR",
    "MAX",
    "ROUND",
    "SUM",
    "MIN",
    "MONTH",
    "LAG",
    "COUNT_IF",
    "SHARE",
    "CONCAT",
    "DIFF",
    "DATE_DIFF",
    "DATE_TRUNC",
    "ROW_NUMBER",
    "PCT_CHANGE",
    "COUNT_DISTINCT",
    "QUARTER",
    "MEDIAN",
    "FIRST",
    "CAST",
)
CORE_THRESHOLD = 5  # gold plans that must use a function for it to be in `core`

OpsSetting = str | Sequence[str]


def syntax_ops() -> frozenset[str]:
    """Steps and operators with syntax of their own: in every subset."""
    return frozenset(s.name for s in all_ops() if s.category == "step" or s.syntax != "call")


def offered_ops(setting: OpsSetting) -> frozenset[str]:
    """Canonical names of the operations a profile's `ops` setting offers."""
    if setting == "all":
        return frozenset(s.name for s in all_ops())
    if setting == "core":
        return syntax_ops() | frozenset(CORE_FUNCTIONS)
    if isinstance(setting, str):
        raise _bad(setting, "core, all or a list of operation names")
    names = set()
    for name in setting:
        spec = lookup(str(name))
        if spec is None:
            close = nearest(str(name).upper(), [s.name for s in all_ops()])
            raise _bad(
                str(name), "an operation name" + (f" ({', '.join(close)}?)" if close else "")
            )
        names.add(spec.name)
    return syntax_ops() | frozenset(names)


def _bad(found: str, expected: str) -> PesqlError:
    return PesqlError(
        [Diagnostic.make("E155", None, found=repr(found), prop="ops", expected=expected)]
    )


__all__ = ["CORE_FUNCTIONS", "CORE_THRESHOLD", "OpsSetting", "offered_ops", "syntax_ops"]
