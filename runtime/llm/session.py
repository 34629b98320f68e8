"""The ask loop as a sans-IO state machine: sync and async drivers share every decision.

`AskSession.run()` is a generator. It yields `Send(body)` when a request must go out (the driver
answers with a `Reply` or a `Failure`) and `Sleep(seconds)` between retries; it returns an
`AskResult` or raises `AskError`. The session never touches the network or the clock's sleep,
so one implementation serves `ask` (openai.OpenAI, time.sleep) and `ask_async`
(openai.AsyncOpenAI, asyncio.sleep), and tests can drive it by hand.

Per attempt: request -> plan source (tool call arguments, else JSON in the message text) ->
repair (lower, check) -> compile (optimize; no second check) -> execute. Diagnostics go back
to the model as the tool result (compact JSON) and it is asked again, up to `max_attempts`
and the token budget.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from pesql.compiler.repair.repair import repair
from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.numbers import first_surrogate
from pesql.runtime.engine.budget import Deadline, call_within
from pesql.runtime.engine.execute import compile
from pesql.runtime.engine.limits import Limits
from pesql.runtime.engine.value_hints import value_hints
from pesql.runtime.llm.cache import ResponseCache
from pesql.runtime.llm.client import Failure, Reply, RetryPolicy
from pesql.runtime.llm.feedback import feedback
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.prompt import (
    build_messages,
    estimate_prompt_tokens,
    plan_source,
    request_body,
    table_overview,
    tool_definition,
)
from pesql.runtime.llm.result import AskError, AskResult, Usage
from pesql.runtime.llm.shots import load_shots, render_shots
from pesql.runtime.llm.tokens import count_tokens
from pesql.runtime.llm.trace import Trace
from pesql.runtime.tables.catalog import Catalog

__all__ = ["AskSession", "Effect", "Send", "Sleep"]


def _check_question(question: object) -> None:
    """Refuse, before any request, a question no model can be sent: otherwise the client's
    encoding error looked like a failing service and was retried for seconds (E502)."""
    if not isinstance(question, str):
        raise TypeError(f"the question must be a str, not {type(question).__name__}")
    if not question.strip():
        problem, hint = "it is empty", "write the question in words"
    elif (at := first_surrogate(question)) is not None:
        problem = f"a lone surrogate {question[at]!r} at character {at + 1} is not valid Unicode"
        hint = "decode the text properly (a lone surrogate is half of a broken UTF-16 pair)"
    else:
        return
    raise PesqlError([Diagnostic.make("E507", problem=problem, hints=(hint,))])


@dataclass(frozen=True, slots=True)
class Send:
    """Send one chat completion request; answer the generator with a Reply or a Failure."""

    body: dict[str, Any]
    timeout_s: float
    stream: bool
    max_chars: int | None = None  # read no more of the reply (Reply.cut)


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


Effect = Send | Sleep
Outcome = Reply | Failure | None
Steps = Generator[Effect, Outcome, Any]

HINTS = {
    "timeout": "the service is slow: raise timeout_s in the profile, or try later",
    "rate_limit": "the service is rate-limiting: wait, or lower the request rate",
    "server": "the service failed: try again later",
    "connection": "check --base-url / OPENAI_BASE_URL and that the server is running",
    "malformed": "the service answered something that is not a chat completion",
    "rejected": "the service refused the request (model name? tools support?)",
}


class AskSession:
    """One question against a catalog: the prompt, the conversation, the counters."""

    def __init__(
        self,
        question: str,
        catalog: Catalog,
        *,
        model: str,
        profile: Profile,
        cache: ResponseCache | None = None,
        trace: Trace | None = None,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        _check_question(question)
        self.question, self.catalog, self.model, self.profile = question, catalog, model, profile
        self.cache, self.limits = cache, limits or Limits()
        self.trace = trace if trace is not None else Trace()  # an empty Trace is falsy
        self.clock, self.rng = clock, rng or random.Random()
        self.policy = RetryPolicy(profile.max_retries, profile.backoff_s, profile.backoff_max_s)
        self.started = clock()
        self.deadline = self.started + profile.deadline_s
        self.schemas = catalog.schemas()
        overview = table_overview(catalog, profile.overview_tokens, profile.overview_samples)
        self.tool = tool_definition(self.schemas, profile)
        examples = ""
        if profile.shots_file and profile.shots:
            bank = load_shots(profile.shots_file, profile)
            examples = render_shots(bank.pick(question, profile.shots, list(self.schemas)))
        self.messages = build_messages(question, profile, overview, examples, list(self.schemas))
        self.usage = Usage()
        self.repairs: list[str] = []
        self.attempt = 0
        self.reasks = 0  # answers sent back for their data warnings
        self.fallback: AskResult | None = None  # the warned answer, if nothing better follows

    def run(self) -> Generator[Effect, Outcome, AskResult]:
        try:
            return (yield from self._conversation())
        except AskError as exc:
            self.trace.emit("failed", self.attempt, errors=[d.to_dict() for d in exc.diagnostics])
            raise

    def _conversation(self) -> Generator[Effect, Outcome, AskResult]:
        self.trace.emit(
            "start",
            question=self.question,
            model=self.model,
            profile=self.profile.name,
            tables={n: s.names() for n, s in self.schemas.items()},
            system=self.messages[0]["content"],
            system_tokens=count_tokens(self.messages[0]["content"]),
            tool_tokens=count_tokens(self.tool),
        )
        problem: PesqlError | None = None
        budget = self.profile.token_budget
        previous: str | None = None  # the last failed attempt's answer, as written
        for attempt in range(1, self.profile.max_attempts + 1):
            self.attempt = attempt
            body = request_body(
                self.model, self.messages, self.tool, self.profile, attempt, tuple(self.schemas)
            )
            estimate = estimate_prompt_tokens(body)
            if budget is not None and self.usage.total + estimate > budget:
                if self.fallback is not None:
                    return self.fallback
                raise self._budget_error(budget, problem, f"the next request needs ~{estimate}")
            reply = yield from self._call(body, estimate)
            outcome = self._evaluate(reply)
            if isinstance(outcome, AskResult):
                warned = [n for n in outcome.notes if n.code.startswith("W")]
                last = attempt == self.profile.max_attempts
                if not warned or last or self.reasks >= self.profile.reask_on_warnings:
                    self.trace.emit("done", self.attempt, **outcome.summary())
                    return outcome
                # It ran, but plausibly not as meant: the model sees the warnings once; this
                # answer stands if the next attempts do no better.
                self.reasks += 1
                self.fallback = outcome
                outcome = PesqlError(warned)
            problem = outcome
            self.trace.emit(
                "diagnostics", self.attempt, errors=[d.to_dict() for d in problem.diagnostics]
            )
            answer = reply.written
            if self.profile.stop_on_repeat and answer == previous:
                break  # the same answer to the same diagnostics: asking again changes nothing
            previous = answer
            self.messages += feedback(reply, problem, self.attempt, self.profile.feedback)
            if budget is not None and self.usage.total >= budget:
                if self.fallback is not None:
                    return self.fallback
                raise self._budget_error(budget, problem, f"{self.usage.total} tokens used")
        assert problem is not None
        if self.fallback is not None:
            self.trace.emit("done", self.attempt, **self.fallback.summary())
            return self.fallback
        hint = "the last attempt's problems follow"
        if self.attempt < self.profile.max_attempts:
            hint = (
                f"attempt {self.attempt} repeated attempt {self.attempt - 1}'s answer word for "
                "word, so the model was not asked again (stop_on_repeat); " + hint
            )
        exhausted = Diagnostic.make("E503", found=str(self.attempt), hints=(hint,))
        raise self._error([exhausted, *problem.diagnostics])

    def _call(self, body: dict[str, Any], estimate: int) -> Generator[Effect, Outcome, Reply]:
        """One model turn: the cached answer, or requests with bounded retries."""
        if self.cache is not None and (hit := self.cache.get(body)) is not None:
            self.trace.emit(
                "cache_hit",
                self.attempt,
                key=self.cache.key(body),
                content=hit.content,
                calls=[[c.name, c.arguments] for c in hit.calls],
            )
            self._count(hit, estimate, cached=True)
            return hit
        for retry in range(self.policy.max_retries + 1):
            remaining = self.deadline - self.clock()
            if remaining <= 0:
                raise self._service_error(
                    "timeout", f"the deadline of {self.profile.deadline_s:g} s passed", retry
                )
            self.trace.emit(
                "request",
                self.attempt,
                attempt_try=retry + 1,
                messages=body["messages"][2:],
                prompt_tokens_estimate=estimate,
                model=body["model"],
            )
            timeout_s = min(self.profile.timeout_s, remaining)
            outcome = yield Send(body, timeout_s, self.profile.stream, self.profile.max_reply_chars)
            if isinstance(outcome, Reply):
                self._trace_reply(outcome)
                self._count(outcome, estimate, cached=False)
                if self.cache is not None:
                    self.cache.put(body, outcome)
                return outcome
            assert isinstance(outcome, Failure), "a driver answers Send with a Reply or Failure"
            self.trace.emit(
                "transport_error",
                self.attempt,
                kind=outcome.kind,
                status=outcome.status,
                message=outcome.message,
            )
            if outcome.kind == "auth":
                hint = "check OPENAI_API_KEY (or the key of your server)"
                raise self._error([Diagnostic.make("E505", problem=outcome.message, hints=(hint,))])
            if not outcome.retryable or retry == self.policy.max_retries:
                raise self._service_error(outcome.kind, outcome.message, retry + 1)
            delay = self.policy.delay(retry, outcome, self.rng)
            if self.clock() + delay >= self.deadline:
                problem = f"{outcome.message}; waiting {delay:g} s more would pass the deadline"
                raise self._service_error(outcome.kind, problem, retry + 1)
            self.trace.emit("retry", self.attempt, reason=outcome.kind, delay_s=delay)
            yield Sleep(delay)
        raise AssertionError("unreachable: the last retry returns or raises")

    def _trace_reply(self, reply: Reply) -> None:
        self.trace.emit(
            "response",
            self.attempt,
            ttfb_s=round(reply.ttfb_s, 6),
            total_s=round(reply.total_s, 6),
            finish_reason=reply.finish_reason,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            content=reply.content,
            calls=[[c.name, c.arguments] for c in reply.calls],
        )

    def _count(self, reply: Reply, estimate: int, *, cached: bool) -> None:
        """Usage from the response, or counted offline when the server reports none."""
        written = (reply.content or "") + "".join(c.name + c.arguments for c in reply.calls)
        prompt = reply.prompt_tokens if reply.prompt_tokens is not None else estimate
        completion = reply.completion_tokens
        if completion is None:
            completion = count_tokens(written)
        estimated = reply.prompt_tokens is None or reply.completion_tokens is None
        self.usage = self.usage.add(prompt, completion, cached=cached, estimated=estimated)

    def _value_hints(self, errors: list[Diagnostic], plan: Plan | None) -> list[Diagnostic]:
        """E201 on a bare JSON string that is a value of the table: say so (value_hints.py)."""
        if not any(d.code == "E201" for d in errors):
            return errors
        name = plan.table if plan is not None else None
        if name is None and len(self.catalog) == 1:
            name = self.catalog.names()[0]
        if name is None or name not in self.catalog:
            return errors
        try:
            return value_hints(errors, self.catalog.get(name).frame)
        except pl.exceptions.PolarsError:
            return errors  # a hint that cannot be computed is not worth an error

    def _evaluate(self, reply: Reply) -> AskResult | PesqlError:
        if reply.cut:
            limit = self.profile.max_reply_chars
            problem = f"the reply passed {limit:,} characters and was not read further"
            hint = "a plan is a few lines: answer with the plan alone (profile: max_reply_chars)"
            return PesqlError([Diagnostic.make("E501", problem=problem, hints=(hint,))])
        source = plan_source(reply, self.profile.function_name, self.profile.form)
        if source is None:
            hint = f"call the function `{self.profile.function_name}` with the plan as arguments"
            problem = "prose without a function call"
            return PesqlError([Diagnostic.make("E501", problem=problem, hints=(hint,))])
        # Plan-aware repair: ambiguous readings are refused (E402), and a plan that may have
        # lost content (cut off by max_tokens, an elided `...`) is sent back, never run (E403).
        # The question's deadline covers repair too: a short reply can keep repair busy for
        # minutes (its own budgets are the compiler's), so it runs interruptibly.
        deadline = Deadline.after(max(self.deadline - self.clock(), 0.0))
        try:
            repaired = call_within(
                lambda: repair(
                    source,
                    naming=self.profile.naming,
                    schema=self.schemas,
                    form=self.profile.form,
                    offered=self.profile.offered,
                ),
                deadline,
                "repairing the model's reply",
            )
        except PesqlError as exc:
            raise self._error(list(exc.diagnostics)) from None
        if repaired.fixes:
            self.repairs += repaired.fix_kinds
            self.trace.emit(
                "repair", self.attempt, fixes=list(repaired.fix_kinds), trusted=repaired.trusted
            )
        if repaired.plan is None or not repaired.trusted:
            errors = [replace(d, severity="error") for d in repaired.diagnostics]
            if not repaired.fixes and len(errors) > 1 and errors[0].code == "E401":
                # Valid JSON that does not lower or check: "cannot be repaired" would mislead
                # the model; the problems themselves are what it has to fix.
                errors = errors[1:]
            errors = self._value_hints(errors, repaired.plan)
            return PesqlError(errors or [Diagnostic.make("E401", problem="no plan")])
        try:
            # Repair checked the plan against these schemas: compile does not check it again.
            plan = repaired.checked or repaired.plan
            if self.limits.timeout_s is not None:  # the run's own budget, within the question's
                deadline = Deadline.after(min(self.limits.timeout_s, deadline.remaining() or 0.0))
            compiled = call_within(
                lambda: compile(plan, self.schemas, limits=self.limits),
                deadline,
                "compiling the plan",
            )
            result = compiled.collect(self.catalog, self.limits, deadline=deadline)
        except PesqlError as exc:
            return exc
        self.trace.emit(
            "executed",
            self.attempt,
            rows=result.frame.height,
            columns=result.frame.columns,
            truncated=result.truncated,
            elapsed_s=round(result.elapsed_s, 6),
        )
        return AskResult(
            question=self.question,
            plan=compiled.plan,
            frame=result.frame,
            arguments=repaired.value,
            attempts=self.attempt,
            repairs=tuple(self.repairs),
            usage=self.usage,
            latency_s=self.clock() - self.started,
            model=self.model,
            trace=self.trace,
            truncated=result.truncated,
            notes=result.notes,
            content=reply.content,
        )

    def _error(self, diagnostics: list[Diagnostic]) -> AskError:
        return AskError(
            diagnostics,
            trace=self.trace,
            usage=self.usage,
            attempts=self.attempt,
            model=self.model,
            repairs=len(self.repairs),
            latency_s=self.clock() - self.started,
        )

    def _service_error(self, kind: str, message: str, tries: int) -> AskError:
        problem = f"{message} (after {tries} {'try' if tries == 1 else 'tries'})"
        hint = HINTS.get(kind, "try again later")
        return self._error([Diagnostic.make("E502", problem=problem, hints=(hint,))])

    def _budget_error(self, budget: int, last: PesqlError | None, why: str) -> AskError:
        hint = f"{why}; raise token_budget in the profile"
        spent = Diagnostic.make("E504", expected=str(budget), hints=(hint,))
        return self._error([spent, *(last.diagnostics if last else ())])
