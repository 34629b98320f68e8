"""What `ask` gives back: the answer (`AskResult`), its token usage, or why there is none.

An `AskResult` carries the plan that ran (`.text` is its p-SQL), the answer table (`.frame`,
a polars DataFrame), the attempts, repairs and token `Usage`; `runtime/llm/ask.py` shows one made
by `ask` against the local fake server. Usage adds up over attempts, and `footer` is the line
the CLI prints under an answer:

>>> usage = Usage().add(1200, 40, cached=False, estimated=False)
>>> usage = usage.add(900, 21, cached=True, estimated=True)  # replayed, counted offline
>>> usage.total, usage.requests, usage.cached
(2161, 2, 1)
>>> print(footer("gpt-4o-mini", attempts=2, repairs=1, usage=usage, latency_s=1.32))
model gpt-4o-mini · 2 attempts · 1 repair · ~2100 in / ~61 out tokens · 1.32 s · 1 cached
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.llm.trace import Trace

__all__ = ["AskError", "AskResult", "Usage"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens over every attempt: from the responses' `usage`, else counted offline."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0  # model turns answered (a retried request counts once, when it succeeds)
    cached: int = 0  # of which replayed from the response cache
    estimated: bool = False  # some count is an offline estimate (the server sent no usage)

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt: int, completion: int, *, cached: bool, estimated: bool) -> Usage:
        return Usage(
            self.prompt_tokens + prompt,
            self.completion_tokens + completion,
            self.requests + 1,
            self.cached + int(cached),
            self.estimated or estimated,
        )


@dataclass(frozen=True)
class AskResult:
    """A question answered: the plan that ran, its result, and how it was obtained."""

    question: str
    plan: Plan
    frame: pl.DataFrame
    arguments: Any  # the (repaired) function-call arguments the plan was read from
    attempts: int
    repairs: tuple[str, ...]  # fix kinds made to the model's output, over all attempts
    usage: Usage
    latency_s: float
    model: str
    trace: Trace = field(repr=False)
    truncated: bool = False
    notes: tuple[Diagnostic, ...] = ()
    content: str | None = None  # any text the model wrote beside the call

    @property
    def text(self) -> str:
        """The plan as canonical p-SQL text."""
        from pesql.grammar.printer import to_text

        return to_text(self.plan)

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "attempts": self.attempts,
            "repairs": list(self.repairs),
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cached": self.usage.cached,
            "latency_s": round(self.latency_s, 6),
            "rows": self.frame.height,
        }

    def footer(self) -> str:
        return footer(self.model, self.attempts, len(self.repairs), self.usage, self.latency_s)


def footer(model: str, attempts: int, repairs: int, usage: Usage, latency_s: float) -> str:
    """One line: model, attempts, repairs, tokens in/out, latency (and cache hits)."""
    approx = "~" if usage.estimated else ""
    parts = [
        f"model {model}",
        _plural(attempts, "attempt"),
        _plural(repairs, "repair"),
        f"{approx}{usage.prompt_tokens} in / {approx}{usage.completion_tokens} out tokens",
        f"{latency_s:.2f} s",
    ]
    if usage.cached:
        parts.append(f"{usage.cached} cached")
    return " · ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class AskError(PesqlError):
    """No answer: E501-E505, or E503 followed by the last attempt's diagnostics.

    Carries the trace and the tokens spent, since a failed question still cost something."""

    def __init__(
        self,
        diagnostics: Sequence[Diagnostic],
        *,
        trace: Trace,
        usage: Usage,
        attempts: int,
        model: str = "",
        repairs: int = 0,
        latency_s: float = 0.0,
    ) -> None:
        super().__init__(diagnostics)
        self.trace, self.usage, self.attempts = trace, usage, attempts
        self.model, self.repairs, self.latency_s = model, repairs, latency_s

    def footer(self) -> str:
        return (
            footer(self.model, self.attempts, self.repairs, self.usage, self.latency_s)
            + " · failed"
        )
