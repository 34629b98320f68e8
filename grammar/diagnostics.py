"""Diagnostics are values: collected by every stage, raised once, rendered for people or models.

Diagnostics live in `grammar/` (not `compiler/`) because the parser is the first stage that
reports problems and data flows one way: grammar -> compiler -> runtime.

    >>> d = Diagnostic.make("E201", Pointer("/steps/0/where/left"), name="prise",
    ...                     hints=("did you mean `price`?",))
    >>> d.message
    'unknown column `prise`'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pesql.grammar.origin import Origin, Pointer, Span

Severity = Literal["error", "warning", "info"]

# code -> (title, message template). Titles are stable and documented (docs/diagnostics.md);
# templates take keyword parameters. Never build a message ad hoc: add a code here instead.
CODES: dict[str, tuple[str, str]] = {
    # E1xx: text syntax
    "E101": ("unexpected token", "unexpected {found}"),
    "E102": ("unexpected character", "unexpected character {found}"),
    "E103": ("unexpected end of input", "the plan ends too early"),
    "E104": ("unknown function", "unknown function `{name}`"),
    "E105": ("bad arguments", "`{name}`: {problem}"),
    "E106": ("invalid literal", "invalid {kind} literal {found}"),
    "E107": ("unknown step", "unknown step `{name}`"),
    "E108": ("empty plan", "the plan has no steps"),
    # E15x: JSON structure
    "E150": ("invalid JSON", "the input is not valid JSON: {problem}"),
    "E151": ("unknown operation", "unknown operation `{name}`"),
    "E152": ("missing property", "`{name}` is missing property `{prop}`"),
    "E153": ("unexpected property", "`{name}` has no property `{prop}`"),
    "E154": ("wrong JSON type", "expected {expected}, found {found}"),
    "E155": ("invalid value", "invalid value {found} for `{prop}`"),
    "E156": ("operation out of place", "`{name}` is {kind}, it cannot stand here"),
    # E2xx: type checking against a table schema
    "E201": ("unknown column", "unknown column `{name}`"),
    "E202": ("type mismatch", "`{name}` expects {expected}, found {found}"),
    "E203": (
        "aggregate outside aggregation",
        "aggregate `{name}` used outside GROUP_BY/AGGREGATE/WINDOW",
    ),
    "E204": (
        "column not aggregated",
        "column `{name}` is neither a group key nor inside an aggregate",
    ),
    "E205": ("duplicate output name", "output column `{name}` is defined twice"),
    "E206": ("division by zero", "division by the literal zero"),
    "E207": ("invalid window", "invalid window: {problem}"),
    "E208": ("ambiguous column", "column `{name}` matches several columns"),
    "E209": ("column resolved loosely", "column `{name}` resolved to `{resolved}`"),
    "E210": ("unknown table", "unknown table `{name}`"),
    "E211": ("invalid date literal", "cannot read {found} as a {expected}"),
    "E212": (
        "window function outside WINDOW",
        "window function `{name}` used outside a WINDOW step",
    ),
    "E213": ("nested aggregate", "aggregate `{name}` inside another aggregate"),
    "E214": (
        "nested window function",
        "`{name}` inside `{outer}`: aggregates and window functions do not nest",
    ),
    "E215": ("invalid argument value", "`{name}`: {prop} must be {expected}, found {found}"),
    "E216": ("ties without order", "LIMIT WITH TIES needs the rows sorted by an earlier SORT"),
    "E217": (
        "unsupported column type",
        "column `{name}` has the type {found}, which p-SQL cannot use",
    ),
    # E3xx: limits and execution
    "E301": ("too many steps", "the plan has {found} steps, the limit is {expected}"),
    "E302": ("expression too deep", "expression nesting {found} exceeds the limit {expected}"),
    "E303": ("time budget exceeded", "execution took longer than {expected}"),
    "E304": ("output truncated", "output truncated to {expected} rows"),
    "E305": ("execution failed", "execution failed: {problem}"),
    "E306": ("input too large", "the input is {found}, the limit is {expected}"),
    "E307": ("unreadable table", "cannot read table {name}: {problem}"),
    "E310": ("unsupported in dialect", "`{name}` cannot be expressed in SQL dialect {dialect}"),
    # E4xx: repair of model output
    "E401": ("unrepairable", "the model output cannot be repaired: {problem}"),
    "E402": (
        "ambiguous repair",
        "the model output can be repaired in more than one way: {problem}",
    ),
    "E403": (
        "untrusted repair",
        "the output was repaired, but the plan may not be what the model meant: {problem}",
    ),
    # E5xx: the LLM conversation
    "E501": ("no plan in response", "the model answered without a plan: {problem}"),
    "E502": ("model service error", "the model service failed: {problem}"),
    "E503": ("retries exhausted", "no valid plan after {found} attempts"),
    "E504": ("token budget exceeded", "the token budget of {expected} was used up"),
    "E505": ("authentication failed", "the model service rejected the credentials: {problem}"),
    # E6xx: datasets (docs/datasets.md); origins are the JSONL line, pointers within it
    "E601": ("invalid dataset line", "the line is not a JSON object: {problem}"),
    "E602": ("missing example property", "the example is missing property `{prop}`"),
    "E603": ("invalid example property", "`{prop}`: expected {expected}, found {found}"),
    "E604": ("unknown example property", "the example has no property `{prop}`"),
    "E605": ("unreadable dataset", "cannot read {name}: {problem}"),
    "E606": ("unknown dataset table", "table `{name}` is not in the dataset's tables/"),
    "E610": ("invalid gold plan", "example `{name}`: the gold plan is invalid: {problem}"),
    "E611": ("non-canonical plan JSON", "example `{name}`: the plan JSON is not canonical"),
    "E612": ("wrong expected result", "example `{name}`: the result differs: {problem}"),
    "E613": ("duplicate example id", "duplicate id `{name}` (first on line {first})"),
    "E614": ("duplicate question", "example `{name}` repeats the question of `{other}`"),
    "E615": ("near-duplicate question", "example `{name}` nearly repeats `{other}` ({score})"),
    "E616": ("reference SQL failed", "example `{name}`: reference_sql failed in DuckDB: {problem}"),
    "E617": ("reference SQL disagrees", "example `{name}`: reference_sql disagrees: {problem}"),
    "E618": ("missing table licenses", "tables/LICENSES.md is missing"),
    # E7xx: fine-tuning files and jobs (docs/finetuning.md); origins are the JSONL line
    "E701": ("invalid training line", "the line is not a JSON object: {problem}"),
    "E702": ("invalid training example", "`{prop}`: {problem}"),
    "E703": ("invalid message", "message {index}: {problem}"),
    "E704": ("invalid tool call", "message {index}: {problem}"),
    "E705": ("unparsable arguments", "message {index}: the arguments are not JSON: {problem}"),
    "E706": ("schema violation", "message {index}: `{path}` breaks the tool's schema: {problem}"),
    "E707": ("plan does not lower", "message {index}: the arguments are no valid plan: {problem}"),
    "E708": ("plan does not check", "message {index}: the plan fails on table `{name}`: {problem}"),
    "E709": ("non-canonical arguments", "message {index}: the arguments are not canonical JSON"),
    "E710": ("duplicate training example", "the question repeats line {first}"),
    "E711": ("evaluation leakage", "the question is in the evaluation dataset as `{name}`"),
    "E712": ("too few examples", "the file has {found} examples, fewer than {expected}"),
    "E713": ("example too long", "the example has {found} tokens, {model} allows {expected}"),
    "E714": ("name outside the enum", "message {index}: `{name}` at `{path}` is not in the enum"),
    "E715": ("unreadable training file", "cannot read {name}: {problem}"),
    "E720": ("fine-tuning API error", "the fine-tuning API refused: {problem}"),
    "E721": ("fine-tuning job failed", "job {name} {found}: {problem}"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
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
        return CODES[self.code][0]

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
        _title, template = CODES[code]
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
        if d.expected is not None and "{expected}" not in CODES[d.code][1]:
            out.append(f"  expected: {d.expected}")
        if d.found is not None and "{found}" not in CODES[d.code][1]:
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
    "Collector",
    "Diagnostic",
    "PesqlError",
    "Pointer",
    "Severity",
    "Span",
    "nearest",
    "render_text",
]
