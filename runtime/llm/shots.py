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
for examples about a table of the catalog, plus one for an AGGREGATE example when the question
asks for one value (`asks_one_value`: "How many ...?", "What was the average ...?", with no
"each", "per", "every", "which" or "when"); the question itself (same words) is never shown,
so an evaluation cannot leak its own answer; an example that reads several tables is shown
only when the catalog holds them all. The most similar example comes last, nearest the
question.

Why the last bonus: the 1.5B model copies the shape of the nearest example. Its commonest
wrong answer on the bundled eval-set was a GROUP_BY where one value was asked ("How many
cars have 8 cylinders?" answered per cylinder count: one row, two columns), and for 12 of
those 20 answers the nearest example grouped (docs/evaluation.md, "Column names as the
question spells them, examples by the answer's shape, warnings that stand").
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
from pesql.grammar.ops import rows
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
# An example whose plan aggregates the whole table, for a question that asks for one value.
# Chosen on the shots file itself (each question picking from the others): the nearest
# example's shape agreed with the question's own plan for 172 of 299 questions without it,
# 182 with 0.25, 181 with 0.5 (183 with 0.25 once "which" questions are left out); the
# questions with an example of their shape among the three stayed 267-270.
ONE_VALUE_BONUS = 0.25
# "How many ...", "In how many ...", "What was the average / total / highest ... ".
_ONE_VALUE = re.compile(
    r"^(in )?(how (many|much)|what (is|was|were) the (average|mean|total|sum|number|overall|"
    r"highest|lowest|largest|smallest|maximum|minimum|longest|shortest|median|share|combined))\b",
    re.IGNORECASE,
)
_PER_GROUP = frozenset({"each", "per", "every"})
# "..., and on which day?" asks for the row that holds the value (measured: with an AGGREGATE
# example nearest, the model answered the value alone).
_WHICH = re.compile(r"\b(which|when)\b", re.IGNORECASE)


def asks_one_value(question: str) -> bool:
    """Whether `question` reads as asking for one value over the rows it names.

    >>> asks_one_value("How many cars have 8 cylinders?")
    True
    >>> asks_one_value("How many penguins live on each island?")
    False
    >>> asks_one_value("What was the highest weekly wage, and in which year?")
    False
    """
    return (
        _ONE_VALUE.search(question.strip()) is not None
        and not (words_of(question) & _PER_GROUP)
        and _WHICH.search(question) is None
    )


@dataclass(frozen=True, slots=True)
class Shot:
    question: str
    plan_json: str  # canonical compact JSON, with the profile's operation names
    tables: tuple[str, ...]
    words: frozenset[str]
    one_value: bool = False  # the plan aggregates the whole table (AGGREGATE, no GROUP_BY)


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
            one = any(isinstance(step, rows.AggregateStep) for step in plan.steps) and not any(
                isinstance(step, rows.GroupBy) for step in plan.steps
            )
            found.append(Shot(question, text, tables, words_of(question), one))
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
        one_value = asks_one_value(question)

        def score(shot: Shot) -> float:
            union = asked | shot.words
            overlap = len(asked & shot.words) / len(union) if union else 0.0
            bonus = TABLE_BONUS if names & set(shot.tables) else 0.0
            if one_value and shot.one_value:
                bonus += ONE_VALUE_BONUS
            return overlap + bonus

        # An example that reads several tables (JOIN, LOOKUP) the catalog does not hold is
        # left out: it can only be copied wrongly (a JOIN to a table that is not there, E210;
        # the model copies what its prompt shows: docs/evaluation.md, stop 40).
        candidates = [
            s
            for s in self.shots
            if s.words != asked and (not names or len(s.tables) < 2 or names >= set(s.tables))
        ]
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


__all__ = ["Shot", "Shots", "asks_one_value", "load_shots", "render_shots", "words_of"]
