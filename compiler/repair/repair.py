"""Plan-aware repair: whatever the model returned -> one plan, a log of every fix, and trust.

    >>> r = repair("```json\\n{'table': None, 'steps': [{'op': 'limit', 'count': 5,}]}\\n```")
    >>> to_text(r.plan), r.trusted, sorted({f.kind for f in r.fixes})[:3]
    ('LIMIT 5', True, ['op_case', 'python_literal', 'single_quotes'])

How: the generic scanner (`lenient_json.scan_all`) gives every plausible JSON reading of the
text; `repair_shapes` turns each into every plan-shaped reading (op case and aliases, inferred
ops, properties moved back into the object an early `}` took them from, split objects merged,
wrappers); every reading is lowered (`from_json`) and, with a schema, type-checked (`check`).
The chosen reading's `CheckedPlan` is kept (`RepairResult.checked`): `compile` accepts it and
does not check the plan a second time.

- one distinct plan among all readings: returned, with the fixes of the first (most likely)
  reading that gives it; `trusted` per `repair_trust` (truncation, dropped content);
- two or more distinct plans: refused with E402 listing the readings as p-SQL text (never a
  silently different plan);
- none: E401 with what was tried, plus the lowering/checking diagnostics of the best reading;
- `NaN`/`Infinity` anywhere outside a string: the reading is refused (p-SQL numbers are finite).

Bounds: the scanner's (200 000 characters, nesting 64, at most 16 JSON readings) and
`repair_shapes.MAX_READINGS` plan readings per JSON reading; each reading costs one linear
lowering. A reading set cut by a bound cannot prove "the only reading": not trusted (E403).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterator, Mapping, Sequence

from pesql.compiler.check.check import CheckedPlan, check
from pesql.compiler.check.schema import Schema
from pesql.compiler.repair.clause_steps import split_steps
from pesql.compiler.repair.json.fixes import Fix, JSONValue
from pesql.compiler.repair.json.lenient import Candidate, scan_all
from pesql.compiler.repair.result import RepairResult
from pesql.compiler.repair.shapes import RepairBudgetExceeded, Shapes
from pesql.compiler.repair.slips import fix_slips, text_reading
from pesql.compiler.repair.trust import reading_reasons, untrusted_reasons
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.forms import Form, from_form, to_form
from pesql.grammar.jsonform import to_json
from pesql.grammar.printer import to_text
from pesql.grammar.record import Record, record
from pesql.grammar.registry import DEFAULT_NAMING, Naming

# Readings listed in an E402 diagnostic: enough to show the model what is ambiguous.
SHOWN_READINGS = 3


@record(kw_only=False)
class _Reading(Record):
    value: JSONValue
    fixes: tuple[Fix, ...]
    candidate: Candidate
    plan: A.Plan | None = None
    checked: CheckedPlan | None = None
    problems: tuple[Diagnostic, ...] = ()


def repair(
    text: str,
    *,
    naming: Naming | None = None,
    schema: Schema | Mapping[str, Schema] | None = None,
    form: Form = "tree",
    offered: Collection[str] | None = None,
) -> RepairResult:
    """Repair model output into a plan; never raises (problems are in `diagnostics`).

    `form` is the wire form the model was asked for (grammar/forms.py) and `offered` the
    operations it was offered (E159 for others). In the text and steps forms, a reply that is
    p-SQL text rather than JSON is read as text (`text_reading`)."""
    if not isinstance(text, str):
        raise TypeError(f"repair takes model output text (str), not {type(text).__name__}")
    naming = naming or DEFAULT_NAMING
    reader = _Reader(naming, schema, form, offered)
    clean = _already_canonical(text, reader)
    if clean is not None:
        return clean
    if form in ("text", "steps") and (bare := text_reading(text)) is not None:
        return _from_text(bare, reader)
    try:
        scanned = scan_all(text)
    except PesqlError as exc:
        return RepairResult(None, None, (), False, exc.diagnostics)
    shapes = Shapes(naming)
    try:
        readings = _read_all(scanned.candidates, shapes, reader)
    except RepairBudgetExceeded as exc:
        return RepairResult(None, None, (), False, (Diagnostic.make("E404", problem=str(exc)),))
    good = [r for r in readings if r.plan is not None]
    scanned_reasons = {id(r.candidate): untrusted_reasons(text, r.candidate, naming) for r in good}
    reasons_of = {
        id(r): scanned_reasons[id(r.candidate)] + reading_reasons(r.value, r.fixes) for r in good
    }
    # A reading that explains all of the input beats one that dropped or cut some of it: only
    # when no complete reading lowers do the lossy ones compete (and the result is untrusted).
    complete = [r for r in good if not reasons_of[id(r)]]
    good = complete or good
    distinct: list[_Reading] = []
    for reading in good:
        if all(reading.plan != other.plan for other in distinct):
            distinct.append(reading)
    if len(distinct) > 1:
        return _ambiguous(distinct)
    if not distinct:
        return _unrepairable(readings, len(scanned.candidates))
    chosen = distinct[0]
    reasons = list(reasons_of[id(chosen)])
    if not scanned.complete or shapes.overflow:
        reasons.append("the input has more readings than were explored")
    notes = tuple(
        Diagnostic.make("E403", A.Pointer(""), problem=reason, severity="warning")
        for reason in reasons
    )
    return RepairResult(chosen.value, chosen.plan, chosen.fixes, not reasons, notes, chosen.checked)


def _read_all(candidates: Sequence[Candidate], shapes: Shapes, reader: _Reader) -> list[_Reading]:
    """Every plan reading of every candidate, its SQL slips fixed, lowered (and checked);
    within `shapes`' budget."""
    out = []
    for candidate in candidates:
        for base in _plan_readings(candidate, shapes):
            for reading in _slip_readings(base, reader):
                shapes.spend(1)  # lowering a reading is linear in it: the clock is checked per one
                out.append(_evaluate(reading, reader))
    return out


class _Duplicate(ValueError):
    pass


def _pairs(pairs: list[tuple[str, JSONValue]]) -> dict[str, JSONValue]:
    value = dict(pairs)  # once per object of every answer: no list or set of keys besides
    if len(value) != len(pairs):
        raise _Duplicate  # duplicated keys need the scanner's candidates and log
    return value


def _no_constant(name: str) -> JSONValue:
    raise ValueError(name)  # NaN / Infinity: refused by the scanner path


@record(kw_only=False)
class _Reader(Record):
    """How a JSON value becomes a checked plan for one request: form, names, offered ops."""

    naming: Naming
    schema: Schema | Mapping[str, Schema] | None
    form: Form
    offered: Collection[str] | None

    def lower(self, value: JSONValue, text: str | None = None) -> A.Plan:
        """`text`: the JSON text `value` was read from, when it was read as it is."""
        return from_form(value, self.form, self.naming, self.offered, text=text)

    def check(self, plan: A.Plan) -> CheckedPlan | None:
        return check(plan, self.schema) if self.schema is not None else None

    def canonical(self, plan: A.Plan) -> Iterator[JSONValue]:
        """The spellings that need no fix: the full and the short canonical JSON (each printed
        only when the one before did not match)."""
        if self.form == "tree":
            yield to_json(plan, self.naming)
            yield to_form(plan, "tree", self.naming)
            yield to_form(plan, "tree", self.naming, full=True)  # strict: positional calls
            return
        yield to_form(plan, self.form, self.naming)
        yield to_form(plan, self.form, self.naming, full=True)


def _already_canonical(text: str, reader: _Reader) -> RepairResult | None:
    """The fast path: strict JSON that lowers to a plan whose canonical JSON is the input
    (no fix to log, nothing to choose) needs no scanning; None sends it the long way."""
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
        plan = reader.lower(value, text)
        if not any(value == spelling for spelling in reader.canonical(plan)):
            return None  # lowered leniently (op case, alias, missing property): log it
        checked = reader.check(plan)
    except (ValueError, RecursionError, PesqlError):
        return None
    return RepairResult(value, plan, (), True, (), checked)


def _from_text(reading: tuple[JSONValue, tuple[Fix, ...]], reader: _Reader) -> RepairResult:
    value, fixes = reading
    try:
        plan = reader.lower(value)
        checked = reader.check(plan)
    except PesqlError as exc:
        return RepairResult(value, None, fixes, False, exc.diagnostics)
    return RepairResult(value, plan, fixes, True, (), checked)


def repair_or_raise(
    text: str,
    *,
    naming: Naming | None = None,
    schema: Schema | Mapping[str, Schema] | None = None,
    form: Form = "tree",
    offered: Collection[str] | None = None,
) -> RepairResult:
    """`repair`, raising `PesqlError` unless it gives a trusted plan."""
    result = repair(text, naming=naming, schema=schema, form=form, offered=offered)
    if result.plan is None or not result.trusted:
        errors = [dataclasses.replace(d, severity="error") for d in result.diagnostics]
        raise PesqlError(errors, text)
    return result


def _plan_readings(candidate: Candidate, shapes: Shapes) -> list[_Reading]:
    nan = next((f for f in candidate.fixes if f.kind == "nan_infinity"), None)
    if nan is not None:
        problem = f"`{nan.before}` at offset {nan.position}: p-SQL numbers are finite"
        refused = Diagnostic.make(
            "E401", None, problem=problem, hints=("write a number, or null for a missing value",)
        )
        return [_Reading(candidate.value, candidate.fixes, candidate, problems=(refused,))]
    return [
        _Reading(value, candidate.fixes + fixes, candidate)
        for value, fixes in shapes.plans(candidate.value)
    ]


def _slip_readings(reading: _Reading, reader: _Reader) -> list[_Reading]:
    """The reading with several steps written in one object split (compiler/repair/
    clause_steps.py) and SQL slips inside its p-SQL strings fixed (compiler/repair/slips.py)."""
    if reading.problems:
        return [reading]
    value, split = split_steps(reading.value, reader.naming)
    value, fixes = fix_slips(value, reader.form)
    return [dataclasses.replace(reading, value=value, fixes=reading.fixes + split + fixes)]


def _evaluate(reading: _Reading, reader: _Reader) -> _Reading:
    if reading.problems:
        return reading
    try:
        plan = reader.lower(reading.value)
        checked = reader.check(plan)
    except PesqlError as exc:
        return dataclasses.replace(reading, problems=exc.diagnostics)
    return dataclasses.replace(reading, plan=plan, checked=checked)


def _ambiguous(distinct: list[_Reading]) -> RepairResult:
    shown = distinct[:SHOWN_READINGS]
    hints = [
        f"reading {i}: {_plan_text(r.plan)} (fixes: {_kinds(r.fixes)})"
        for i, r in enumerate(shown, 1)
    ]
    if len(distinct) > len(shown):
        hints.append(f"... and {len(distinct) - len(shown)} more")
    hints.append("send the plan again as one complete JSON object")
    problem = f"{len(distinct)} readings give different plans"
    diagnostic = Diagnostic.make("E402", A.Pointer(""), problem=problem, hints=hints)
    return RepairResult(None, None, (), False, (diagnostic,))


def _unrepairable(readings: list[_Reading], candidates: int) -> RepairResult:
    # The best reading is the one with the fewest problems; the earlier (likelier) on a tie.
    best = min(readings, key=lambda r: len(r.problems))
    tried = sorted({f.kind for r in readings for f in r.fixes})
    problem = (
        f"none of {len(readings)} readings ({candidates} as JSON) gives a valid plan; "
        f"the most likely one has the problems below"
    )
    hints = (f"fixes tried: {', '.join(tried)}",) if tried else ()
    head = Diagnostic.make("E401", A.Pointer(""), problem=problem, hints=hints)
    return RepairResult(best.value, None, best.fixes, False, (head, *best.problems))


def _plan_text(plan: A.Plan | None) -> str:
    assert plan is not None
    return to_text(plan).replace("\n", "; ") or "(no steps)"


def _kinds(fixes: tuple[Fix, ...]) -> str:
    return ", ".join(dict.fromkeys(f.kind for f in fixes)) or "none"


__all__ = ["RepairResult", "repair", "repair_or_raise"]
