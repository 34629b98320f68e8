"""One example of an evaluation run: ask, grade the answer, compare the plan with the gold plan.

`answer_example` is what each worker of `evaluate_async` awaits (`runtime/evals/runs/run.py` runs a
whole evaluation against the local fake server)::

    gold = GoldPlans(dataset)  # shared by the workers
    record = await answer_example(dataset, example, client, profile, settings, gold)
    record.status, record.plan_match, record.first_try_valid_json  # ('correct', True, True)

A plan matches the gold plan when their canonical forms are equal:

    >>> import polars as pl
    >>> import pesql
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> schemas = {"trips": schema_from_polars(pl.Schema({"city": pl.String, "km": pl.Int64}))}
    >>> gold = canonical_plan(pesql.parse("FROM trips FILTER km > 100 SELECT city"), schemas)
    >>> canonical_plan(pesql.parse("FROM trips FILTER 100 < km SELECT city"), schemas) == gold
    True
    >>> canonical_plan(pesql.parse("FROM trips FILTER km >= 100 SELECT city"), schemas) == gold
    False

Grading uses the example's own comparison mode (`pesql.runtime.evals.datasets.run.grade`: frame
comparison, or the official WikiTableQuestions normalization for answer-only examples). Plan
equivalence compares both plans after `check`, `optimize` and `canonicalize` against the input
table's schema, so spelling, operand order and redundant steps do not count as differences.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from typing import Any, TypedDict

import openai
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.optimize import canonicalize
from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.printer import to_text
from pesql.runtime.engine.execute import compile
from pesql.runtime.engine.limits import Limits
from pesql.runtime.evals.answers import answer_of
from pesql.runtime.evals.datasets.load import Dataset, Example
from pesql.runtime.evals.datasets.run import grade
from pesql.runtime.evals.datasets.validate import ops_used
from pesql.runtime.evals.runs.records import ExampleResult, RunSettings
from pesql.runtime.llm.ask import ask_async
from pesql.runtime.llm.client import written_answer
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.result import AskError, AskResult
from pesql.runtime.llm.trace import Trace
from pesql.runtime.tables.catalog import Catalog

__all__ = ["GoldPlans", "answer_example", "canonical_plan"]

# Larger than the interactive default (10,000 rows): a truncated answer would be graded wrong
# even when the plan is right. The 30 s time budget still bounds a runaway plan.
LIMITS = Limits(max_rows=100_000)
# Codes meaning "the first answer was not usable JSON as written" (prose, unparsable, repaired).
NOT_VALID_JSON = frozenset({"E150", "E401", "E402", "E403", "E501"})


def canonical_plan(plan: Plan, schemas: dict[str, Schema]) -> Plan:
    """The plan checked, optimized and canonicalized, naming the table it reads."""
    compiled = compile(plan, schemas)
    form = canonicalize(compiled.plan, compiled.checked.input_schema)
    return dataclasses.replace(form, table=compiled.checked.table)


class GoldPlans:
    """Each gold plan's canonical form, computed once per example and shared by the workers."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._forms: dict[str, Plan | None] = {}
        self._lock = threading.Lock()

    def canonical(self, example: Example, schemas: dict[str, Schema]) -> Plan | None:
        with self._lock:
            if example.id in self._forms:
                return self._forms[example.id]
        form = None
        if example.plan is not None:
            try:
                form = canonical_plan(example.plan, schemas)
            except PesqlError:  # an invalid gold plan: `pesql dataset validate` reports it
                form = None
        with self._lock:
            self._forms[example.id] = form
        return form


async def answer_example(
    dataset: Dataset,
    example: Example,
    client: openai.AsyncOpenAI,
    profile: Profile,
    settings: RunSettings,
    gold: GoldPlans,
) -> ExampleResult:
    """Ask `example.question` of its tables and grade the answer; never raises for a bad answer."""
    catalog = dataset.tables(example.tables)
    trace, started = Trace(), time.perf_counter()
    base = _base(example, settings)
    try:
        result = await ask_async(
            example.question, catalog, client, settings.model, profile, trace=trace, limits=LIMITS
        )
    except AskError as exc:
        codes = tuple(d.code for d in exc.diagnostics)
        why = exc.diagnostics[0].message if exc.diagnostics else "no answer"
        usage = exc.usage
        return dataclasses.replace(
            base, why=why, attempts=exc.attempts, latency_s=exc.latency_s, errors=codes,
            tokens_in=usage.prompt_tokens, tokens_out=usage.completion_tokens,
            tokens_estimated=usage.estimated, **_from_trace(trace, exc.repairs > 0),
        )  # fmt: skip
    except Exception as exc:
        # A bug or an unexpected failure in one example must not lose the others: the line
        # records the exception's type and message, and the run goes on.
        return dataclasses.replace(
            base, why=f"{type(exc).__name__}: {exc}", errors=(type(exc).__name__,),
            latency_s=time.perf_counter() - started, **_from_trace(trace, False),
        )  # fmt: skip
    # Grading and canonicalization run polars and the optimizer: keep the event loop free.
    return await asyncio.to_thread(_graded, dataset, example, catalog, result, trace, base, gold)


def _base(example: Example, settings: RunSettings) -> ExampleResult:
    ops = tuple(sorted(set(ops_used(example.plan)))) if example.plan is not None else ()
    return ExampleResult(
        id=example.id, question=example.question, tags=example.tags, ops=ops, status="error",
        why="", plan=None, plan_text=None, plan_match=None, first_try_valid_json=False,
        repaired=False, attempts=0, transport_retries=0, ttfb_s=None, latency_s=0.0,
        tokens_in=0, tokens_out=0, tokens_estimated=False, run=settings.to_json(),
    )  # fmt: skip


class TraceFacts(TypedDict):
    first_try_valid_json: bool
    repaired: bool
    transport_retries: int
    ttfb_s: float | None
    written: tuple[str, ...]


def _from_trace(trace: Trace, repaired: bool) -> TraceFacts:
    responses = trace.of("response")
    first_codes = {
        str(error.get("code"))
        for event in trace.of("diagnostics")
        if event.attempt == 1
        for error in event.data.get("errors", ())
    }
    repaired_first = any(e.attempt == 1 for e in trace.of("repair"))
    answered_first = any(e.attempt == 1 for e in responses)
    return {
        "first_try_valid_json": answered_first
        and not repaired_first
        and not first_codes & NOT_VALID_JSON,
        "repaired": repaired or bool(trace.of("repair")),
        "transport_retries": len(trace.of("retry")),
        "ttfb_s": float(responses[0].data["ttfb_s"]) if responses else None,
        "written": tuple(_written(e.data) for e in trace.of("response", "cache_hit")),
    }


def _written(reply: dict[str, Any]) -> str:
    calls = reply.get("calls") or ()
    return written_answer(reply.get("content"), [str(call[1]) for call in calls])


def _graded(
    dataset: Dataset,
    example: Example,
    catalog: Catalog,
    result: AskResult,
    trace: Trace,
    base: ExampleResult,
    gold: GoldPlans,
) -> ExampleResult:
    schemas = catalog.schemas()
    if result.truncated:
        right, why = False, f"the answer was truncated to {LIMITS.max_rows} rows"
    else:
        right, why = grade(example, answer_of(result.frame))
    plan, match = result.plan, None
    try:
        plan = canonical_plan(result.plan, schemas)
        gold_form = gold.canonical(example, schemas)
        match = None if gold_form is None else plan == gold_form
    except PesqlError:  # the plan ran, so this is unexpected; record the plan as it ran
        match = None
    return dataclasses.replace(
        base, status="correct" if right else "incorrect", why=why,
        plan=dumps(to_json(plan)), plan_text=to_text(plan), plan_match=match,
        attempts=result.attempts, latency_s=result.latency_s,
        tokens_in=result.usage.prompt_tokens, tokens_out=result.usage.completion_tokens,
        tokens_estimated=result.usage.estimated, **_from_trace(trace, bool(result.repairs)),
        warnings=tuple(n.code for n in result.notes if n.severity == "warning"),
    )  # fmt: skip
