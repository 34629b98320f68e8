"""Where the JSON is in model output: prose, code fences, escaped (double-encoded) text, errors.

Models wrap their arguments in prose ("Here is the plan: ..."), in ```json fences, or send the
JSON as a string holding JSON. This module finds the value's start, logs what it skips as
fixes, and raises the generic layer's errors (E401 nothing to read, E306 limits).

    >>> find_start('Sure! {"a": 1}')[0]
    6
"""

from __future__ import annotations

import json
from typing import NoReturn

from pesql.compiler.repair.json.fixes import Fix
from pesql.compiler.repair.json.scan import Tokens
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.origin import Span


def unescape_bare(text: str, start: int = 0) -> tuple[str, int] | None:
    """`{\\"a\\": 1}` from `start`: a JSON string's content without its quotes, decoded, and
    the offset after it (prose or a fence may follow); None when it is not that."""
    start += len(text) - start - len(text[start:].lstrip())
    if not text.startswith(('{\\"', '[\\"', '[{\\"'), start):
        return None
    end = max(text.rfind("}"), text.rfind("]")) + 1
    try:
        decoded = json.loads('"' + text[start:end] + '"')
    except ValueError:
        return None
    return (decoded, end) if isinstance(decoded, str) and "\\" not in decoded[:3] else None


def find_start(text: str) -> tuple[int, tuple[Fix, ...]]:
    """Where the JSON value starts, and the fixes for what is skipped before it."""
    stripped = len(text) - len(text.lstrip())
    if stripped >= len(text):
        fail("the input is empty", text, 0)
    if _starts_value(text, stripped) or text.startswith(("//", "/*", "#"), stripped):
        return stripped, ()
    fixes: list[Fix] = []
    fence = text.find("```")
    first = _first_bracket(text, 0)
    if fence >= 0 and (first < 0 or fence < first):
        if text[:fence].strip():
            fixes.append(Fix("strip_prose", 0, text[:fence], ""))
        body = fence + 3
        while body < len(text) and (text[body] == "`" or text[body].isalnum()):
            body += 1  # the language tag (```json) and any extra backtick
        fixes.append(Fix("strip_code_fence", fence, text[fence:body], ""))
        inner = len(text) - len(text[body:].lstrip())
        if inner < len(text) and _starts_value(text, inner):
            return inner, tuple(fixes)
        first = _first_bracket(text, body)
        prose_from = body
    else:
        prose_from = 0
    if first < 0:
        fail("no JSON object or array found", text, stripped)
    if first > prose_from and text[first - 1] == '"':
        first -= 1  # `Plan: "{\\"a\\": 1}"`: the JSON is inside a string that starts here
    fixes.append(Fix("strip_prose", prose_from, text[prose_from:first], ""))
    return first, tuple(fixes)


def _starts_value(text: str, i: int) -> bool:
    c = text[i]
    if c in "-+.":
        return text[i + 1 : i + 2].isdigit() or text.startswith("Infinity", i + 1)
    return c in "{[\"'\u201c" or c.isdigit() or Tokens(text, i).get(0).kind == "literal"


def _first_bracket(text: str, start: int) -> int:
    brace, bracket = text.find("{", start), text.find("[", start)
    found = [p for p in (brace, bracket) if p >= 0]
    return min(found) if found else -1


def trailing(text: str, end: int) -> tuple[Fix, ...]:
    rest = text[end:]
    body = rest.lstrip()
    if not body:
        return ()
    at = len(text) - len(body)
    if body.startswith("```"):
        after = body[3:]
        fence = Fix("strip_code_fence", at, "```", "")
        return (fence, Fix("strip_prose", at + 3, after, "")) if after.strip() else (fence,)
    return (Fix("strip_prose", at, body, ""),)


def fail(problem: str, text: str, offset: int) -> NoReturn:
    span = _span_at(text, offset)
    raise PesqlError([Diagnostic.make("E401", span, problem=problem)], text)


def fail_limit(found: str, expected: str, text: str, offset: int) -> NoReturn:
    span = _span_at(text, offset)
    raise PesqlError([Diagnostic.make("E306", span, found=found, expected=expected)])


def _span_at(text: str, offset: int) -> Span:
    """1-based line:column of a char offset (the end of input when past it)."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(line, column, line, column + 1)


__all__ = ["fail", "fail_limit", "find_start", "trailing", "unescape_bare"]
