"""Few-shot examples for the prompt: solved questions chosen by similarity to the one asked.

A small model copies shapes far better than it reads a JSON Schema: three solved questions
(question -> canonical plan JSON) teach the step and expression shapes in a few hundred
tokens, where the function definition costs thousands. A profile names a file of solved
questions (`shots_file`: JSON lines with `question` and `plan`, a JSON object or p-SQL text,
and optionally `tables`; a dataset's examples.jsonl is such a file) and how many to show
(`shots`).

    >>> bank = Shots.parse([
    ...     '{"question": "How many penguins are there?", "plan": "AGGREGATE n = COUNT(*)"}',
    ...     '{"question": "Which island has the most penguins?", "plan": "LIMIT 1"}',
    ...     '{"question": "Average price per region?", "plan": "LIMIT 2"}',
    ... ])
    >>> [s.question for s in bank.pick("Which species has the most penguins?", 2)]
    ['How many penguins are there?', 'Which island has the most penguins?']

Choice: word overlap (Jaccard over lower-cased words, a few stop words left out), plus a bonus
for examples about a table of the catalog; the question itself (same words) is never shown,
so an evaluation cannot leak its own answer. The most similar example comes last, nearest
the question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pesql.compiler.pipeline import as_plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.forms import Form, to_form
from pesql.grammar.jsonform import to_json
from pesql.grammar.registry import DEFAULT_NAMING, Naming
from pesql.runtime.llm.profile import Profile

STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "to",
        "for",
        "by",
        "with",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "what",
        "which",
    ]
)
TABLE_BONUS = 0.25


@dataclass(frozen=True, slots=True)
class Shot:
    question: str
    plan_json: str  # canonical compact JSON, with the profile's operation names
    tables: tuple[str, ...]
    words: frozenset[str]


def words_of(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in STOP)


@dataclass(frozen=True)
class Shots:
    shots: tuple[Shot, ...]

    @classmethod
    def parse(
        cls,
        lines: Iterable[str],
        naming: Naming | None = None,
        source: str = "<shots>",
        form: Form = "tree",
    ) -> Shots:
        found: list[Shot] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                plan = as_plan(row["plan"])
                question = str(row["question"])
            except (ValueError, KeyError, TypeError, PesqlError) as exc:
                problem = exc.diagnostics[0].message if isinstance(exc, PesqlError) else str(exc)
                raise PesqlError(
                    [
                        Diagnostic.make(
                            "E307",
                            name=f"{source}:{number}",
                            problem=f"not a solved question ({problem})",
                            hints=('each line: {"question": "...", "plan": {...} or "p-SQL"}',),
                        )
                    ]
                ) from None
            # Shown in the profile's wire form: what the model is to write. The tree form keeps
            # every property (the canonical JSON its GBNF grammar holds replies to).
            naming = naming or DEFAULT_NAMING
            shown = to_json(plan, naming) if form == "tree" else to_form(plan, form, naming)
            text = json.dumps(shown, separators=(",", ":"), ensure_ascii=False)
            tables = tuple(str(t) for t in row.get("tables") or ())
            found.append(Shot(question, text, tables, words_of(question)))
        return cls(tuple(found))

    @classmethod
    def load(cls, path: str | Path, naming: Naming | None = None, form: Form = "tree") -> Shots:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PesqlError([Diagnostic.make("E307", name=str(path), problem=str(exc))]) from None
        return cls.parse(text.splitlines(), naming, str(path), form)

    def pick(self, question: str, count: int, tables: Sequence[str] = ()) -> list[Shot]:
        """The `count` most similar solved questions, least similar first."""
        asked = words_of(question)
        names = set(tables)

        def score(shot: Shot) -> float:
            union = asked | shot.words
            overlap = len(asked & shot.words) / len(union) if union else 0.0
            return overlap + (TABLE_BONUS if names & set(shot.tables) else 0.0)

        candidates = [s for s in self.shots if s.words != asked]
        # Stable: among equal scores the file's order decides, so runs are reproducible.
        ranked = sorted(candidates, key=score, reverse=True)[:count]
        return list(reversed(ranked))


_LOADED: dict[tuple[str, float, tuple[tuple[str, str], ...], str], Shots] = {}


def load_shots(path: str, profile: Profile) -> Shots:
    """`Shots.load`, kept per (file, modification time, names): an eval asks many questions."""
    try:
        stamp = Path(path).stat().st_mtime
    except OSError:
        stamp = -1.0  # Shots.load reports the missing file
    key = (path, stamp, tuple(sorted(profile.renames.items())), profile.form)
    if key not in _LOADED:
        _LOADED[key] = Shots.load(path, profile.naming, profile.form)
    return _LOADED[key]


def render_shots(shots: Sequence[Shot]) -> str:
    """The examples block of the system prompt ("" without examples)."""
    if not shots:
        return ""
    lines = ["Examples of questions and their plans (other tables may differ):"]
    for shot in shots:
        lines += [f"Question: {shot.question}", f"Plan: {shot.plan_json}"]
    return "\n".join(lines)


__all__ = ["Shot", "Shots", "load_shots", "render_shots", "words_of"]
