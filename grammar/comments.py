"""Comments of p-SQL text (`-- ...` to the end of a line), kept by the formatter.

The grammar ignores comments, so the AST has none; `pesql fmt --write` would otherwise delete
them. `format_text` prints the canonical text and puts every comment back next to the step it
belongs to: comments on their own lines stay before the step that follows them, a comment at
the end of a line goes after that step's (one-line) canonical text, and comments after the
last step stay at the end. Nothing is dropped:

    >>> from pesql.grammar.parse import parse
    >>> source = "-- revenue by region\\nfilter amount>0 -- no refunds\\nsort amount desc\\n-- done"
    >>> print(format_text(parse(source), source))
    -- revenue by region
    FILTER amount > 0 -- no refunds
    SORT amount DESC
    -- done
"""

from __future__ import annotations

from pesql.grammar import ast as A
from pesql.grammar.printer import quote_name, step_text
from pesql.grammar.record import Record, record

__all__ = ["Comment", "comments_of", "format_text"]


@record(kw_only=False)
class Comment(Record):
    """One comment: its 1-based line, whether code precedes it on that line, and its text."""

    line: int
    trailing: bool
    text: str


def comments_of(source: str) -> list[Comment]:
    """Every `--` comment outside quoted strings and backticked names, in order."""
    out: list[Comment] = []
    # One pass over the whole text: a quoted string may span lines. Lines are counted on
    # "\n" only, as the parser counts them (str.splitlines would also split on \x1e, ...).
    quote: str | None = None
    number, line_start, i = 1, 0, 0
    while i < len(source):
        ch = source[i]
        if ch == "\n":
            number, line_start = number + 1, i + 1
        elif quote:
            if ch == quote:
                # A doubled quote is an escaped quote, not the end of the literal.
                if source.startswith(quote, i + 1):
                    i += 1
                else:
                    quote = None
        elif ch in "'\"`":
            quote = ch
        elif source.startswith("--", i):
            end = source.find("\n", i)
            end = len(source) if end < 0 else end
            code_before = bool(source[line_start:i].strip())
            out.append(Comment(number, code_before, source[i:end].rstrip()))
            i = end
            continue
        i += 1
    return out


def format_text(plan: A.Plan, source: str) -> str:
    """The canonical text of `plan` (parsed from `source`) with `source`'s comments kept."""
    comments = comments_of(source)
    if not comments:
        from pesql.grammar.printer import to_text

        return to_text(plan)
    # (first line, last line, canonical text) of every printed unit: FROM, then each step.
    units: list[tuple[int, int, str]] = []
    if plan.table is not None:
        line = _from_line(source)
        units.append((line, line, f"FROM {quote_name(plan.table)}"))
    for step in plan.steps:
        span = step.origin
        first = getattr(span, "line", 0)
        units.append((first, getattr(span, "end_line", first), step_text(step)))
    lines: list[str] = []
    pending = list(comments)
    for first, last, text in units:
        while pending and pending[0].line < first:
            lines.append(pending.pop(0).text)
        inside = [c for c in pending if c.line <= last]
        pending = pending[len(inside) :]
        # Comments inside a multi-line step go before it; one on its only line goes after it.
        before = [c.text for c in inside if not (c.trailing and c.line == last == first)]
        after = [c.text for c in inside if c.trailing and c.line == last == first]
        lines.extend(before)
        lines.append(" ".join([text, *after]))
    lines.extend(c.text for c in pending)
    return "\n".join(lines)


def _from_line(source: str) -> int:
    """The line of the FROM clause (the first line that starts with FROM, ignoring case)."""
    for number, line in enumerate(source.split("\n"), start=1):
        if line.lstrip().upper().startswith("FROM"):
            return number
    return 1
