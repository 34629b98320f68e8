"""Lark's syntax exceptions as diagnostics: line:col, expected tokens in words, and hints."""

from __future__ import annotations

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, nearest
from pesql.grammar.habits import character_hints, step_hint, syntax_hints
from pesql.grammar.registry import all_ops

_TOKEN_WORDS = {
    "NAME": "a name",
    "QUOTED_NAME": "a `quoted name`",
    "INT": "an integer",
    "FLOAT": "a number",
    "NEG_NUMBER": "a number",
    "STRING": "a 'string'",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COMMA": "`,`",
    "EQUAL": "`=`",
    "STAR": "`*`",
    "$END": "end of input",
    "MINUS": "`-`",
    "PLUS": "`+`",
    "SLASH": "`/`",
    "PERCENT": "`%`",
    "MORETHAN": "`>`",
    "LESSTHAN": "`<`",
}


def _describe(token_type: str) -> str:
    if token_type in _TOKEN_WORDS:
        return _TOKEN_WORDS[token_type]
    if token_type.isupper() and token_type.replace("_", "").isalpha() and len(token_type) >= 2:
        return token_type  # a keyword: FILTER, AND, ...
    return f"`{token_type}`"


def syntax_diagnostic(exc: UnexpectedInput, text: str) -> Diagnostic:
    line, column = exc.line, exc.column
    if isinstance(exc, UnexpectedCharacters) or not isinstance(
        exc, UnexpectedToken | UnexpectedEOF
    ):
        pos = exc.pos_in_stream
        char = text[pos] if pos is not None and pos < len(text) else "?"
        quote_hint = "write text as 'single quoted' and odd column names as `backticked`"
        hints = [quote_hint] if char == '"' else character_hints(text, pos or 0)
        return Diagnostic.make(
            "E102", A.Span(line, column, line, column + 1), found=repr(char), hints=hints
        )
    step_words = {
        "ORDER",  # ORDER BY is SORT too
        "FILTER",
        "SELECT",
        "DROP",
        "DERIVE",
        "GROUP_BY",
        "AGGREGATE",
        "SORT",
        "LIMIT",
        "DISTINCT",
        "WINDOW",
    }
    raw = {t for t in exc.expected if not t.startswith("__")}
    # Where any step may follow, say so once instead of listing ten keywords.
    next_step = step_words <= raw
    expected = sorted({_describe(t) for t in raw - (step_words if next_step else set())})
    if next_step:
        expected.append("the next step")
    expected_text = ", ".join(expected[:12]) + (", ..." if len(expected) > 12 else "")
    if isinstance(exc, UnexpectedEOF) or exc.token.type == "$END":
        end_line = text.count("\n") + 1
        end_col = len(text.rsplit("\n", 1)[-1]) + 1
        return Diagnostic.make(
            "E103", A.Span(end_line, end_col, end_line, end_col), expected=expected_text
        )
    token = exc.token
    found = f"`{token.value}`" if token.type != "$END" else "end of input"
    span = A.Span(
        token.line or line,
        token.column or column,
        token.end_line or line,
        token.end_column or column + 1,
    )
    start = token.start_pos if token.start_pos is not None else len(text)
    # SQL habits first (`==`, `COUNT(DISTINCT x)`, `AS` outside SELECT, ...): they say what
    # to write, where the expected-token list only says what may come.
    hints = syntax_hints(text, start, str(token.value))
    comparison = token.type in (
        "LESSTHAN",
        "MORETHAN",
        "EQUAL",
        "__ANON_0",
        "__ANON_1",
        "__ANON_2",
    ) or (token.value in ("<", ">", "=", "<=", ">=", "!=", "<>"))
    if comparison and not hints:
        hints.append("comparisons do not chain: write `a < b AND b < c`")
    step_names = [s.name for s in all_ops("step")]
    if token.type == "NAME" and any(e == "FILTER" or e == "SORT" for e in exc.expected):
        close = nearest(token.value.upper(), step_names)
        # An unknown step: a misspelled one, or a SQL clause written as a step (HAVING, JOIN).
        if close or step_hint(token.value):
            if close:
                hints.append("did you mean " + " or ".join(close) + "?")
            return Diagnostic.make(
                "E107", span, name=token.value, expected=expected_text, hints=hints
            )
    return Diagnostic.make("E101", span, found=found, expected=expected_text, hints=hints)
