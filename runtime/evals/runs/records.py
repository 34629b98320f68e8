"""The records of an evaluation run: settings, one result per example, and reading them back.

    >>> import json, tempfile
    >>> settings = RunSettings("qa", "1306ba0139c05029", "default", "0bae9215891a4af8",
    ...                        "gpt-4o-mini")
    >>> record = ExampleResult(id="q01", question="How many penguins are there?",
    ...     tags=("count",), ops=("COUNT",), status="correct", why="", plan=None, plan_text=None,
    ...     plan_match=True, first_try_valid_json=True, repaired=False, attempts=1,
    ...     transport_retries=0, ttfb_s=0.2, latency_s=1.0, tokens_in=2000, tokens_out=50,
    ...     tokens_estimated=False, run=settings.to_json())
    >>> run_dir = Path(tempfile.mkdtemp())  # as `pesql eval run ... --out RUN` writes it
    >>> _ = (run_dir / "run.json").write_text(json.dumps(settings.to_json()))
    >>> lines = [json.dumps(record.to_json()), '{"id": "q02", "quest']  # a crash mid-write
    >>> _ = (run_dir / "results.jsonl").write_text("\\n".join(lines))
    >>> run = load_run(run_dir)
    >>> run.settings.model, list(run.results), run.results["q01"] == record
    ('gpt-4o-mini', ['q01'], True)

Every result line repeats the run's settings (`run`), so a line copied out of its directory
still says which profile, model and dataset version produced it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.evals.datasets.load import Dataset
from pesql.runtime.llm.profile import Profile

__all__ = [
    "ExampleResult",
    "Run",
    "RunSettings",
    "Status",
    "dataset_hash",
    "load_run",
    "profile_hash",
    "read_results",
    "settings_for",
]

Status = Literal["correct", "incorrect", "error"]


@dataclass(frozen=True)
class RunSettings:
    """What an experiment varies: the profile, the model, the dataset (by content hash)."""

    dataset: str
    dataset_hash: str
    profile: str
    profile_hash: str
    model: str

    def to_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSettings:
        return cls(**{f.name: str(data[f.name]) for f in fields(cls)})

    def differences(self, other: RunSettings) -> list[str]:
        """What makes `other` another experiment (the dataset's path may move; its hash not)."""
        keys = ("dataset_hash", "profile_hash", "model")
        return [
            f"{k} {getattr(self, k)} != {getattr(other, k)}"
            for k in keys
            if getattr(self, k) != getattr(other, k)
        ]


@dataclass(frozen=True)
class ExampleResult:
    """One example answered (or not): one line of results.jsonl."""

    id: str
    question: str
    tags: tuple[str, ...]
    ops: tuple[str, ...]  # operations the gold plan uses, canonical names, sorted
    status: Status
    why: str  # where the answer differs, or the first error message; "" when correct
    plan: str | None  # the model's plan as canonical JSON (after canonicalization)
    plan_text: str | None  # the same plan as p-SQL text
    plan_match: bool | None  # equal to the gold plan after canonicalization; None: no plan
    first_try_valid_json: bool  # attempt 1 answered parseable JSON that needed no repair
    repaired: bool  # some attempt's output was repaired
    attempts: int  # model turns
    transport_retries: int  # requests retried after 429/5xx/timeouts
    ttfb_s: float | None  # first byte of the first answer (None: no answer came)
    latency_s: float
    tokens_in: int
    tokens_out: int
    tokens_estimated: bool
    errors: tuple[str, ...] = ()  # diagnostic codes of the failure, e.g. ("E503", "E201")
    warnings: tuple[str, ...] = ()  # warning codes on the graded answer, e.g. ("W305",)
    # What the model wrote, one entry per attempt (the function call's arguments, or the
    # message text when it called none): a failed question can be read without a rerun.
    written: tuple[str, ...] = ()
    run: dict[str, str] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key in _TEXT_LISTS:
            out[key] = list(out[key])
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExampleResult:
        """ValueError for a record whose fields do not have their types (a hand-edited or
        corrupted line): reports and comparisons count on them."""
        if not isinstance(data, dict):
            raise ValueError(f"a result is a JSON object, not {type(data).__name__}")
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for name, kinds in _KINDS.items():
            if not _is(values.get(name), kinds):
                raise ValueError(f"`{name}` must be {' or '.join(k.__name__ for k in kinds)}")
        if values["status"] not in _STATUSES:
            raise ValueError(f"`status` must be one of {', '.join(_STATUSES)}")
        for key in _TEXT_LISTS:
            items = values.get(key, ())
            if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
                raise ValueError(f"`{key}` must be a list of text")
            values[key] = tuple(items)
        run = values.get("run", {})
        if not isinstance(run, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in run.items()
        ):
            raise ValueError("`run` must map text to text")
        return cls(**values)


_STATUSES: tuple[str, ...] = get_args(Status)
_TEXT_LISTS = ("tags", "ops", "errors", "warnings", "written")
# The JSON types of the scalar fields (bool is not an int here: `attempts: true` is corrupt).
_KINDS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "question": (str,),
    "status": (str,),
    "why": (str,),
    "plan": (str, type(None)),
    "plan_text": (str, type(None)),
    "plan_match": (bool, type(None)),
    "first_try_valid_json": (bool,),
    "repaired": (bool,),
    "attempts": (int,),
    "transport_retries": (int,),
    "ttfb_s": (int, float, type(None)),
    "latency_s": (int, float),
    "tokens_in": (int,),
    "tokens_out": (int,),
    "tokens_estimated": (bool,),
}


def _is(value: object, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


@dataclass(frozen=True)
class Run:
    """A run directory read back: its settings and results by example id (file order)."""

    path: Path
    settings: RunSettings
    results: dict[str, ExampleResult]
    unreadable: int = 0  # lines of results.jsonl left out (torn, corrupt): reports say so

    @property
    def label(self) -> str:
        return self.path.name or str(self.path)


# Knobs added after runs were recorded: at the default they were added with (pinned here, not
# read from Profile: a later change of the default is a new experiment) they are left out of
# the hash, so adding a knob does not make every earlier run another experiment.
_LATER_KNOBS = {"max_reply_chars": 16_000}


def profile_hash(profile: Profile) -> str:
    """A short hash of every knob except the name (renaming a file is not a new experiment)."""
    knobs = dataclasses.asdict(profile)
    knobs.pop("name", None)
    for knob, default in _LATER_KNOBS.items():
        if knobs.get(knob) == default:
            del knobs[knob]
    text = json.dumps(knobs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def dataset_hash(dataset: Dataset) -> str:
    """A short hash of examples.jsonl and every table and expected file (names and bytes)."""
    digest = hashlib.sha256()
    files = [dataset.examples_path, *sorted((dataset.root / "tables").glob("*"))]
    files += sorted((dataset.root / "expected").glob("*"))
    for file in files:
        if file.is_file():
            digest.update(str(file.relative_to(dataset.root)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def settings_for(dataset: Dataset, profile: Profile, model: str) -> RunSettings:
    return RunSettings(
        str(dataset.root), dataset_hash(dataset), profile.name, profile_hash(profile), model
    )


def read_results(path: Path) -> dict[str, ExampleResult]:
    """The results in a results.jsonl; a torn last line (a crash mid-write) is left out,
    and so is any line that is not a result (a rerun answers those examples again)."""
    return _read_results(path)[0]


def _read_results(path: Path) -> tuple[dict[str, ExampleResult], int]:
    out: dict[str, ExampleResult] = {}
    unreadable = 0
    if not path.exists():
        return out, 0
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        hint = "results.jsonl is written in UTF-8: restore it, or delete the damaged lines"
        problem = f"results.jsonl is not UTF-8 (byte {exc.start})"
        raise PesqlError(
            [Diagnostic.make("E605", name=str(path.parent), problem=problem, hints=(hint,))]
        ) from None
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = ExampleResult.from_json(json.loads(line))
        except (ValueError, TypeError, KeyError, RecursionError):
            unreadable += 1
            continue
        out[record.id] = record
    return out, unreadable


def load_run(path: str | Path) -> Run:
    """A run directory (run.json + results.jsonl); E605 when it is not one."""
    root = Path(path)
    try:
        settings = RunSettings.from_json(json.loads((root / "run.json").read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        hint = "RUN is a directory written by `pesql eval run ... --out RUN`"
        problem = f"not an evaluation run ({exc.__class__.__name__}: {exc})"
        raise PesqlError(
            [Diagnostic.make("E605", name=str(root), problem=problem, hints=(hint,))]
        ) from None
    results, unreadable = _read_results(root / "results.jsonl")
    return Run(root, settings, results, unreadable)
