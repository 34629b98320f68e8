"""Generic, plan-agnostic JSON repair: broken model output -> candidate values, each with its fixes.

Where a repair is a guess with several plausible answers (an object closed early inside nested
objects, a duplicated key with two different values, a closer that does not match), the scanner
returns every plausible candidate instead of guessing; the plan-aware layer (`repair.py`) picks
the one that lowers to a valid plan or refuses. See docs/repair.md.

    >>> [c.value for c in scan('[{"op": "SUB_ABS", "left": "a"}, "right": "b"}]')]
    [[{'op': 'SUB_ABS', 'left': 'a', 'right': 'b'}]]

Bounds: `max_chars` of input, `max_depth` of nesting (E306), at most `MAX_CANDIDATES` candidates
from at most `MAX_RUNS` parser runs, each linear in the input and free of recursion.

Layout: `json_fixes` defines the fix log, `json_scan` tokenizes, `json_extract` finds the
value in prose/fences/escaped text, `json_parse` is one parser run (over the container stack
of `json_structure`); this module drives the runs and is the public entry point.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pesql.compiler.repair.json.extract import fail_limit, find_start, trailing, unescape_bare
from pesql.compiler.repair.json.fixes import Fix, FixKind, JSONValue
from pesql.compiler.repair.json.parse import MAX_CANDIDATES, Run, dump_value
from pesql.compiler.repair.json.scan import Tokens
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.record import Record, record

# The plan-aware layer lowers every candidate; 16 keeps that cheap while covering every merge
# point of an early close up to 16 levels deep. Runs are capped separately because two runs
# can give the same value (deduplicated) and a run costs a full pass over the input.
MAX_RUNS = 2 * MAX_CANDIDATES


@record(kw_only=False)
class Candidate(Record):
    """One reading of the input: the value and every fix made to get it."""

    value: JSONValue
    fixes: tuple[Fix, ...]


@record(kw_only=False)
class ScanResult(Record):
    """All candidates, and whether they are *every* reading the parser has (`complete`).

    `complete` is False when a bound (`MAX_RUNS`, `MAX_CANDIDATES`) stopped the exploration
    with choices left untried: a caller that wants "the only reading" cannot claim it then.
    """

    candidates: tuple[Candidate, ...]
    complete: bool


def scan(text: str, *, max_chars: int = 200_000, max_depth: int = 64) -> list[Candidate]:
    """Every plausible reading of `text` as JSON, most likely first, each with its fixes.

    Strict-valid JSON gives exactly one candidate without fixes (except a top-level string that
    holds a JSON object or array, which is decoded once more: `double_encoded`).

        >>> scan('{"a": 1,}')[0].fixes[0].kind
        'trailing_comma'
    """
    return list(scan_all(text, max_chars=max_chars, max_depth=max_depth).candidates)


def scan_all(text: str, *, max_chars: int = 200_000, max_depth: int = 64) -> ScanResult:
    """`scan`, plus whether the candidates are exhaustive (see `ScanResult`)."""
    if len(text) > max_chars:
        fail_limit(f"{len(text)} characters", f"{max_chars} characters", "", 0)
    candidates, complete = _scan_text(text, max_depth)
    out: list[Candidate] = []
    for candidate in candidates:
        decoded, inner_complete = _decode_twice(candidate, max_depth)
        out.extend(decoded)
        complete = complete and inner_complete
    unique = _dedupe(out)
    return ScanResult(tuple(unique[:MAX_CANDIDATES]), complete and len(unique) <= MAX_CANDIDATES)


def repair_json(text: str, **limits: Any) -> Candidate:
    """The single most likely candidate, for generic use (json_repair-like)."""
    return scan(text, **limits)[0]


def _scan_text(text: str, max_depth: int) -> tuple[list[Candidate], bool]:
    start, lead = find_start(text)
    escaped = unescape_bare(text, start)
    if escaped is not None:
        unescaped, end = escaped
        decoded = Fix("double_encoded", start, text[start : start + 2], unescaped[:1])
        inner, complete = _scan_text(unescaped, max_depth)
        tail = trailing(text, end)
        return [Candidate(c.value, (*lead, decoded, *c.fixes, *tail)) for c in inner], complete
    tokens = Tokens(text, start)
    queue: deque[tuple[int, ...]] = deque([()])
    out: list[Candidate] = []
    runs = 0
    dropped = False  # a choice prefix was not enqueued for lack of budget
    while queue and runs < MAX_RUNS and len(out) < MAX_CANDIDATES:
        prefix = queue.popleft()
        run = Run(tokens, prefix, max_depth)
        value = run.run()
        runs += 1
        out.append(Candidate(value, (*lead, *run.fixes, *trailing(text, run.end))))
        # Single deviations from the default come first: breadth-first over choice prefixes.
        # Enqueue only what the run budget can still use, or a long input with thousands of
        # ambiguous points would build thousands of long prefixes (quadratic).
        for index in range(len(prefix), len(run.decisions)):
            if runs + len(queue) >= MAX_RUNS:
                dropped = True
                break
            base = prefix + (0,) * (index - len(prefix))
            queue.extend((*base, alt) for alt in range(1, run.decisions[index]))
    return _dedupe(out), not queue and not dropped


def _decode_twice(candidate: Candidate, max_depth: int) -> tuple[list[Candidate], bool]:
    value = candidate.value
    if not isinstance(value, str) or value.strip()[:1] not in ("{", "["):
        return [candidate], True
    try:
        inner, complete = _scan_text(value, max_depth)
    except PesqlError:
        return [candidate], True
    # Positions of inner fixes are offsets in the decoded string, not in the input.
    decoded = Fix("double_encoded", 0, "", "")
    return [Candidate(c.value, (*candidate.fixes, decoded, *c.fixes)) for c in inner], complete


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out: list[Candidate] = []
    for candidate in candidates:
        key = dump_value(candidate.value, sort=True)
        if key not in seen:
            seen.add(key)
            out.append(candidate)
    return out


__all__ = [
    "MAX_CANDIDATES",
    "MAX_RUNS",
    "Candidate",
    "Fix",
    "FixKind",
    "JSONValue",
    "ScanResult",
    "repair_json",
    "scan",
    "scan_all",
]
