"""Where a node came from: a span in p-SQL text, or a JSON pointer into function-call arguments."""

from __future__ import annotations

from functools import lru_cache
from typing import TypeAlias

from pesql.grammar.record import Record, record


@record(kw_only=False)
class Span(Record):
    """1-based line and column of the first character, and of the character after the last."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


# Spans as the readers build them, one per node: the frozen __init__'s four
# `object.__setattr__` calls cost ~500 ns, setting the slots directly ~290 (the same object).
_new = object.__new__
_set_span = tuple(vars(Span)[name].__set__ for name in ("line", "column", "end_line", "end_column"))


def make_span(line: int, column: int, end_line: int, end_column: int) -> Span:
    """`Span(line, column, end_line, end_column)`, built faster (the readers' hot path)."""
    span: Span = _new(Span)
    set_line, set_column, set_end_line, set_end_column = _set_span
    set_line(span, line)
    set_column(span, column)
    set_end_line(span, end_line)
    set_end_column(span, end_column)
    return span


@record(kw_only=False)
class Pointer(Record):
    """An RFC 6901 JSON pointer, e.g. `/steps/2/left`; the empty string is the whole document."""

    path: str = ""

    def child(self, *parts: str | int) -> Pointer:
        pointer = self
        for part in parts:
            pointer = _child(pointer.path, part)
        return pointer

    def __str__(self) -> str:
        return self.path or "/"


@record(kw_only=False)
class InString(Record):
    """A span inside a JSON string: the p-SQL text a wire form carries in `pointer`.

    The compact, steps and text forms (grammar/forms.py) put p-SQL into JSON strings; a
    diagnostic about it names both the string and the place in it: `/steps/1/where 1:9`.
    """

    pointer: Pointer
    span: Span

    def __str__(self) -> str:
        return f"{self.pointer} {self.span}"


Origin: TypeAlias = Span | Pointer | InString


# Lowering makes one pointer per JSON node, and a plan's pointers depend on its shape alone
# (`/steps/0/where/left`), so the same ones recur from plan to plan: they are kept (immutable
# values; ~0.1 µs a lookup against ~0.45 to build). `typed`: True == 1, but not as a part.
@lru_cache(maxsize=8192, typed=True)
def _child(path: str, part: str | int) -> Pointer:
    text = str(part)
    if "~" in text or "/" in text:
        text = text.replace("~", "~0").replace("/", "~1")
    return Pointer(f"{path}/{text}")
