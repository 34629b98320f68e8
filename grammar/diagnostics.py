"""Diagnostics are values: collected by every stage, raised once, rendered for people or models.

Diagnostics live in `grammar/` (not `compiler/`) because the parser is the first stage that
reports problems and data flows one way: grammar -> compiler -> runtime. This module holds the
mechanism only: each wing registers its own codes in its own `codes.py` (`grammar/codes.py`,
`compiler/check/codes.py`, ..., `runtime/finetune/codes.py`), imported by the wing's
`__init__`, so a code is known as soon as any module of the wing that raises it is imported.
docs/diagnostics.md lists every code; `python -m pesql.diagnostics` generates it.

    >>> d = Diagnostic.make("E151", Pointer("/steps/0"), name="FILTR",
    ...                     hints=("did you mean `FILTER`?",))
    >>> d.message, d.title
    ('unknown operation `FILTR`', 'unknown operation')
    >>> CODES["E151"].wing
    'grammar'
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from pesql.grammar.origin import Origin, Pointer, Span
from pesql.grammar.record import Record, record

Severity = Literal["error", "warning", "info"]

CODE_PATTERN = re.compile(r"[EW]\d{3}")  # E: errors, W: warnings about a plan that ran


@record(kw_only=False)
class Code(Record):
    """One diagnostic code: a stable title, the message template and a general hint.

    Templates take keyword parameters (`expected` and `found` are always passed). Never build a
    message ad hoc: register a code instead. `hint` says in general what fixes the problem (for
    docs/diagnostics.md); hints about one occurrence go into the `Diagnostic` itself.
    """

    code: str
    title: str
    template: str
    hint: str = ""
    wing: str = ""  # set by `register`: the folder of the wing, e.g. "runtime/finetune"


class DuplicateCodeError(ValueError):
    """A code registered twice (by two wings, or twice by one): a programming error."""


_REGISTRY: dict[str, Code] = {}
# Every registered code, in registration order (read-only: add codes with `register`).
CODES: Mapping[str, Code] = MappingProxyType(_REGISTRY)


def register(wing: str, *codes: Code) -> None:
    """Add a wing's codes to the catalog; a code that is already registered is an error.

    Called once, at import of the wing's `codes.py`; `wing` is its folder (`compiler/check`).
    All codes are checked before any is added, so a failed call registers nothing.
    """
    seen: dict[str, Code] = {}
    for entry in codes:
        if not CODE_PATTERN.fullmatch(entry.code):
            raise ValueError(f"diagnostic code {entry.code!r} is not of the form E123 or W123")
        first = _REGISTRY.get(entry.code) or seen.get(entry.code)
        if first is not None:
            raise DuplicateCodeError(
                f"diagnostic code {entry.code} is registered twice: by {first.wing or wing} "
                f"({first.title!r}) and by {wing} ({entry.title!r})"
            )
        if not entry.title or not entry.template:
            raise ValueError(f"diagnostic code {entry.code} needs a title and a template")
        for _text, name, _spec, _conversion in string.Formatter().parse(entry.template):
            if name is not None and not name.isidentifier():
                raise ValueError(f"{entry.code}: template field {{{name}}} is not a keyword")
        seen[entry.code] = entry
    _REGISTRY.update((code, replace(entry, wing=wing)) for code, entry in seen.items())


def code_info(code: str) -> Code:
    """The registration of `code`; an unknown code is a programming error with a clear message."""
    try:
        return _REGISTRY[code]
    except KeyError:
        raise KeyError(
            f"{code} is not a registered diagnostic code: register it in the codes.py of the "
            "wing that raises it (and make sure that wing is imported)"
        ) from None


@record(kw_only=False)
class Diagnostic(Record):
    """One problem, with where it is and what would fix it."""

    code: str
    message: str
    origin: Origin | None = None
    expected: str | None = None
    found: str | None = None
    hints: tuple[str, ...] = ()
    severity: Severity = "error"

    @property
    def title(self) -> str:
        return code_info(self.code).title

    @classmethod
    def make(
        cls,
        code: str,
        origin: Origin | None = None,
        *,
        expected: str | None = None,
        found: str | None = None,
        hints: Iterable[str] = (),
        severity: Severity = "error",
        **params: object,
    ) -> Diagnostic:
        """Build a diagnostic from the code's template (unknown codes are a programming error)."""
        template = code_info(code).template
        message = template.format(expected=expected, found=found, **params)
        return cls(code, message, origin, expected, found, tuple(hints), severity)

    def where(self) -> str:
        return "" if self.origin is None else str(self.origin)

    def to_dict(self) -> dict[str, Any]:
        """The compact JSON form sent back to a model (only the keys that carry something)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.origin is not None:
            out["where"] = str(self.origin)
        if self.expected is not None:
            out["expected"] = self.expected
        if self.found is not None:
            out["found"] = self.found
        if self.hints:
            out["hints"] = list(self.hints)
        if self.severity != "error":
            out["severity"] = self.severity
        return out


class PesqlError(Exception):
    """The one exception type for user-facing problems: carries every diagnostic of one input."""

    def __init__(self, diagnostics: Sequence[Diagnostic], source: str | None = None) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.source = source
        super().__init__(render_text(self.diagnostics, source))

    def to_json(self) -> str:
        return json.dumps({"errors": [d.to_dict() for d in self.diagnostics]}, ensure_ascii=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnostics)


@dataclass(slots=True)
class Collector:
    """Accumulates diagnostics during a stage; `raise_if_errors` raises them all at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(self, code: str, origin: Origin | None = None, **kw: Any) -> None:
        self.items.append(Diagnostic.make(code, origin, **kw))

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def raise_if_errors(self, source: str | None = None) -> None:
        if self.has_errors:
            raise PesqlError(self.items, source)


def render_text(diagnostics: Sequence[Diagnostic], source: str | None = None) -> str:
    """Human rendering: `error[E201] at 2:8: message`, then the source line and a caret."""
    lines = source.splitlines() if source is not None else []
    out: list[str] = []
    for d in diagnostics:
        where = f" at {d.where()}" if d.origin is not None else ""
        out.append(f"{d.severity}[{d.code}]{where}: {d.message}")
        if isinstance(d.origin, Span) and 0 < d.origin.line <= len(lines):
            text = lines[d.origin.line - 1]
            out.append(f"  {d.origin.line:>3} | {text}")
            width = 1
            if d.origin.end_line == d.origin.line and d.origin.end_column > d.origin.column:
                width = d.origin.end_column - d.origin.column
            out.append("      | " + " " * (d.origin.column - 1) + "^" * width)
        known = _REGISTRY.get(d.code)
        template = known.template if known is not None else ""
        if d.expected is not None and "{expected}" not in template:
            out.append(f"  expected: {d.expected}")
        if d.found is not None and "{found}" not in template:
            out.append(f"  found: {d.found}")
        out.extend(f"  hint: {h}" for h in d.hints)
    return "\n".join(out)


def nearest(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Candidates close to `name`: case-insensitive equal first, then by edit distance."""
    import difflib

    pool = list(dict.fromkeys(candidates))
    folded = [c for c in pool if c.casefold() == name.casefold() and c != name]
    by_lower = {c.lower(): c for c in pool}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=limit, cutoff=0.6)
    out = folded + [by_lower[c] for c in close if by_lower[c] not in folded]
    return out[:limit]


__all__ = [
    "CODES",
    "CODE_PATTERN",
    "Code",
    "Collector",
    "Diagnostic",
    "DuplicateCodeError",
    "PesqlError",
    "Pointer",
    "Severity",
    "Span",
    "code_info",
    "nearest",
    "register",
    "render_text",
]
