"""What the model reads after a plan failed or ran with warnings: its turn replayed, then the
diagnostics, as the JSON the API documents or as short text (a profile's `feedback`).

The JSON (`{"errors": [...]}`, every diagnostic's `to_dict`) is what a hosted model gets: it is
exact and machine-readable. Small local models read it less well: measured on Qwen2.5-Coder
1.5B (docs/evaluation.md), a reply without a grammar often echoed the `{"errors": ...}` object
back as its plan, and every warning arrived under the key "errors". The text form says what
happened in one sentence (the plan did not run / ran but is likely not what was asked), then a
line per diagnostic with where it is, and its hints, and what to do next:

    >>> import pesql.compiler.check.codes  # registers E210
    >>> from pesql.grammar.diagnostics import Diagnostic, PesqlError
    >>> from pesql.grammar.origin import InString, Pointer, make_span
    >>> where = InString(Pointer("/plan"), make_span(1, 1, 1, 14))
    >>> bad = Diagnostic.make("E210", where, name="soldiers", hints=("the tables are: crimea",))
    >>> print(as_text(PesqlError([bad])))
    The plan did not run:
    - /plan 1:1: unknown table `soldiers` (E210)
      hint: the tables are: crimea
    Answer again with the whole corrected plan, in the same JSON form.
"""

from __future__ import annotations

from typing import Any, Literal

from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.llm.client import Reply

__all__ = ["FEEDBACKS", "Feedback", "as_text", "feedback"]

Feedback = Literal["json", "text"]
FEEDBACKS: tuple[Feedback, ...] = ("json", "text")


def as_text(problem: PesqlError) -> str:
    """The diagnostics as the text a small model reads: a sentence, a line each, what next."""
    errors = any(d.severity == "error" for d in problem.diagnostics)
    lines = [
        "The plan did not run:"
        if errors
        else "The plan ran, but its answer is likely not what the question asks:"
    ]
    for d in problem.diagnostics:
        where = f"{d.where()}: " if d.origin is not None else ""
        lines.append(f"- {where}{d.message} ({d.code})")
        lines.extend(f"  hint: {h}" for h in d.hints)
    lines.append(
        "Answer again with the whole corrected plan, in the same JSON form."
        if errors
        else "Answer again with a corrected plan, or the same plan if it answers the question."
    )
    return "\n".join(lines)


def feedback(
    reply: Reply, problem: PesqlError, attempt: int, form: Feedback = "json"
) -> list[dict[str, Any]]:
    """The assistant's turn replayed, then the diagnostics as the tool result (or user turn)."""
    content = problem.to_json() if form == "json" else as_text(problem)
    if not reply.calls:
        return [
            {"role": "assistant", "content": reply.content or ""},
            {"role": "user", "content": content},
        ]
    ids = [c.id or f"call_{attempt}_{i}" for i, c in enumerate(reply.calls)]
    calls = [
        {"id": i, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for i, c in zip(ids, reply.calls, strict=True)
    ]
    # Every call id needs a tool message, or the next request is rejected.
    return [
        {"role": "assistant", "content": reply.content, "tool_calls": calls},
        *({"role": "tool", "tool_call_id": i, "content": content} for i in ids),
    ]
