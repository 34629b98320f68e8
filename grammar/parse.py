"""Text -> AST: `parse(text)` reads p-SQL text into a `Plan`, or raises `PesqlError`.

    >>> plan = parse("FILTER price > 10\\nSORT price DESC")
    >>> [type(s).__name__ for s in plan.steps]
    ['Filter', 'Sort']

Valid text is read by the descent reader (grammar/descent.py); text it is not sure of, and
every text with a problem, by lark (grammar/lark_reader.py, imported only then), whose
diagnostics carry line:col, the expected tokens in words, and hints.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar import descent
from pesql.grammar.descent_exprs import Place
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.literals import surrogate_diagnostic
from pesql.grammar.lowering import MAX_JSON_DEPTH
from pesql.grammar.numbers import first_surrogate
from pesql.grammar.registry import Naming

MAX_TEXT_CHARS = 1_000_000
# Tokens (words, numbers, strings, names, each punctuation mark) read before lark runs: its
# parse costs ~10 us per character, so an input far beyond any plan the compiler accepts
# (SizeLimits.max_nodes: 2,000 nodes are 2,000 to 8,000 tokens) is refused by one regex scan.
MAX_TEXT_TOKENS = 6_000
_TOKEN = re.compile(r"\w+|'(?:[^']|'')*'|`(?:[^`]|``)*`|--[^\n]*|\S")


def prepare_error_reader() -> None:
    """Build lark's LALR parser now (~0.3 s): it reads every text with a problem (valid text
    goes through grammar/descent.py without it). Long-lived processes call this at start."""
    from pesql.grammar import lark_reader  # lark is loaded only when a text needs it

    lark_reader.prepare_error_reader()


def read_with_lark(text: str, start: str, naming: Naming | None) -> Any:
    """lark's reading of checked text: the reader of record, and of every error."""
    from pesql.grammar import lark_reader

    return lark_reader.read_with_lark(text, start, naming)


def parse(text: str, naming: Naming | None = None, *, place: Place | None = None) -> A.Plan:
    """Parse p-SQL text into a plan; every problem is reported at once as `PesqlError`.

    With a profile's `naming`, its renamed and aliased function names are read too. With
    `place`, every node's origin is `place(its span)`."""
    plan = _parse(text, "start", naming, place)
    assert isinstance(plan, A.Plan)
    return plan


def parse_expr(text: str, naming: Naming | None = None, *, place: Place | None = None) -> A.Expr:
    """Parse one expression (the compact form's strings; docs, tests and the REPL)."""
    expr = _parse(text, "one_expr", naming, place)
    assert isinstance(expr, A.Expr)
    return expr


def parse_step(
    text: str, naming: Naming | None = None, *, place: Place | None = None
) -> A.Step | tuple[str, str]:
    """Parse one step (the steps form's strings), or `("from", table)` for a FROM line."""
    step = _parse(text, "one_step", naming, place)
    assert isinstance(step, A.Step | tuple)
    return step


def _parse(text: str, start: str, naming: Naming | None, place: Place | None = None) -> Any:
    if not isinstance(text, str):
        raise TypeError(f"parse takes p-SQL text (str), not {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E306", found=f"{len(text)} characters", expected=f"{MAX_TEXT_CHARS} characters"
                )
            ]
        )
    # Each token is at least one character: only text longer than the bound is counted.
    if len(text) > MAX_TEXT_TOKENS and _count_tokens(text, MAX_TEXT_TOKENS) > MAX_TEXT_TOKENS:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E306",
                    found=f"more than {MAX_TEXT_TOKENS} tokens",
                    expected=f"{MAX_TEXT_TOKENS} tokens",
                )
            ]
        )
    surrogate = first_surrogate(text)
    if surrogate is not None:
        # The source line is shown escaped: a lone surrogate cannot be printed.
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
        raise PesqlError([surrogate_diagnostic(text, surrogate)], shown)
    try:
        # The descent reader places origins as it builds; lark's result is moved after.
        parsed, widest = descent.read(text, start, naming, place)
    except descent.Unsure:
        parsed, widest = read_with_lark(text, start, naming), MAX_JSON_DEPTH + 1
        if place is not None and isinstance(parsed, A.Node):
            parsed = parsed.transform(lambda n: dataclasses.replace(n, origin=place(n.origin)))
    if widest > MAX_JSON_DEPTH:  # shorter steps cannot nest deeper (see descent.read)
        deep = _too_deep(parsed)
        if deep is not None:
            raise PesqlError([deep], text)
    return parsed


def _too_deep(parsed: object) -> Diagnostic | None:
    """E302 for the first step nested deeper than `MAX_JSON_DEPTH`, the JSON form's bound.

    Every later stage (printer, checker, backends) recurses once per level: a plan lark could
    still read must not overflow their stacks. Iterative, like the walk it guards."""
    roots = parsed.steps if isinstance(parsed, A.Plan) else (parsed,)
    for step in roots:
        if not isinstance(step, A.Node):
            continue  # the steps form's ("from", table)
        stack: list[tuple[A.Node, int]] = [(step, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_JSON_DEPTH:
                found = f"more than {MAX_JSON_DEPTH} levels"
                return Diagnostic.make(
                    "E302",
                    node.origin or step.origin,
                    found=found,
                    expected=str(MAX_JSON_DEPTH),
                    hints=("compute inner parts in earlier DERIVE steps",),
                )
            stack.extend((child, depth + 1) for child in node.children())
    return None


def _count_tokens(text: str, stop: int) -> int:
    """Tokens of `text`, counted up to `stop + 1` (comments count as one)."""
    count = 0
    for _ in _TOKEN.finditer(text):
        count += 1
        if count > stop:
            break
    return count


__all__ = ["parse", "parse_expr", "parse_step", "prepare_error_reader", "read_with_lark"]
