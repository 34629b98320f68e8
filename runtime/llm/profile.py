"""Profiles: the knobs an experiment varies (prompt, op names, descriptions, model, sampling).

A profile is a TOML or JSON file:

    name = "abs-diff"
    verbosity = "short"            # full | short | none: op descriptions in the tool definition
    strict = true                  # OpenAI strict mode for the function definition
    model = "gpt-4o-mini"
    temperature = 0.0
    system_prompt = "You answer questions about tables ... {overview}"   # optional override
    max_attempts = 3               # model turns per question (diagnostics are sent back between)
    token_budget = 20000           # prompt + completion tokens over all attempts
    [renames]                      # canonical name -> name shown to the model
    SUB_ABS = "ABS_DIFF"
    [aliases]                      # extra accepted name -> canonical name
    DIFF_ABS = "SUB_ABS"

The transport knobs (`timeout_s`, `deadline_s`, `max_retries`, `backoff_s`, `backoff_max_s`,
`stream`) bound every wait of `pesql ask`; see docs/ask.md. The server-compatibility knobs
(`tool_choice`, `parallel_tool_calls`, `retry_temperature`, `seed`, `extra`) are in
docs/local-model.md. Unknown keys are errors (a typo must not silently change an experiment).
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.forms import FORMS, Form, to_form
from pesql.grammar.jsonform import to_json
from pesql.grammar.registry import Naming
from pesql.grammar.subsets import offered_ops
from pesql.runtime.llm.feedback import FEEDBACKS, Feedback
from pesql.runtime.tables import codes as _table_codes  # noqa: F401  # registers E307 (raised below)

Verbosity = Literal["full", "short", "none"]
ToolChoice = Literal["function", "required", "auto", "omit"]
Constrain = Literal["none", "gbnf", "json_schema"]
CONSTRAINTS: tuple[Constrain, ...] = ("none", "gbnf", "json_schema")
TOOL_CHOICES: tuple[ToolChoice, ...] = ("function", "required", "auto", "omit")
RESERVED = frozenset({"model", "messages", "tools"})


@dataclass(frozen=True)
class Profile:
    name: str = "default"
    verbosity: Verbosity = "short"
    strict: bool = True
    model: str | None = None
    temperature: float | None = 0.0
    max_tokens: int | None = None
    # The most characters of one reply (text and call arguments) read: past it the stream is
    # closed (a server stops generating) and the model is told its reply was cut (E501). A
    # plan is 40-150 tokens; a runaway reply (llama-server padded one with 10,000 newlines)
    # or a hostile server's megabytes cost seconds of parsing otherwise.
    max_reply_chars: int = 16_000
    system_prompt: str | None = None
    function_name: str = "query_table"
    renames: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    max_attempts: int = 3
    token_budget: int | None = None
    overview_tokens: int = 1500
    overview_samples: int = 3
    # Transport: one request may wait `timeout_s`; the whole question `deadline_s`. Failed
    # requests (429, 5xx, timeouts, dropped or malformed answers) are retried `max_retries`
    # times per attempt with exponential backoff from `backoff_s` up to `backoff_max_s`,
    # or after the server's Retry-After when it sends one.
    timeout_s: float = 60.0
    deadline_s: float = 300.0
    max_retries: int = 4
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    # Streaming measures latency to the first byte; turn it off for servers that reject
    # `stream_options`.
    stream: bool = True
    # How the call is requested (servers differ; docs/local-model.md): "function" names our
    # function (OpenAI's object form), "required" asks for some tool call (llama-server then
    # constrains the output to the tool's JSON Schema), "auto" lets the model choose, "omit"
    # sends no tool_choice. `parallel_tool_calls` None leaves the field out.
    tool_choice: ToolChoice = "function"
    parallel_tool_calls: bool | None = False
    # Re-asks (attempt 2 on) sample with this temperature, and `seed` is sent as given plus the
    # attempt number, so a model does not repeat its last answer word for word.
    retry_temperature: float | None = None
    seed: int | None = None
    # What the model is taught and held to (docs/local-model.md). `tools` false sends no
    # function definition (thousands of tokens): the plan is answered as JSON text, taught by
    # `shots` solved questions from `shots_file` (JSON lines; relative to the profile file)
    # and held to the plan's shape by `constrain`: "gbnf" (llama-server's `grammar`) or
    # "json_schema" (`response_format`), which only some servers accept.
    # A plan that ran with warnings (W-codes: docs/checking.md, e.g. W301 a literal matching no
    # row, W305 a LIMIT that splits a tie) is sent back with them this many times; the warned
    # answer is kept if no better follows.
    reask_on_warnings: int = 1
    # An answer written exactly as the previous attempt's failed answer ends the re-asks (E503):
    # the model did not act on its diagnostics, and each further attempt costs the whole
    # conversation again. Measured on the 1.5B local model: of 26 questions that failed all
    # three attempts, 23 repeated their answer word for word at the last one (docs/ask.md).
    stop_on_repeat: bool = True
    # How the diagnostics go back to the model: "json" ({"errors": [...]}, exact) or "text"
    # (a sentence, a line each, what to do next; runtime/llm/feedback.py says why).
    feedback: Feedback = "json"
    tools: bool = True
    constrain: Constrain = "none"
    shots_file: str | None = None
    shots: int = 3
    # The wire form of the plan (grammar/forms.py: tree | compact | steps | text) and the
    # operations offered ("core", "all" or a list of names; grammar/subsets.py). See docs/ask.md.
    form: Form = "tree"
    ops: str | list[str] = "all"
    # Extra request fields sent as they are (a server's own options, e.g. llama-server's
    # "cache_prompt" or "top_k"); they may not replace model, messages or tools.
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = [
            (key, expected)
            for key, ok, expected in (
                ("max_attempts", self.max_attempts >= 1, "at least 1"),
                ("max_reply_chars", self.max_reply_chars >= 1000, "at least 1000"),
                ("max_retries", self.max_retries >= 0, "at least 0"),
                ("overview_tokens", self.overview_tokens >= 50, "at least 50"),
                ("overview_samples", self.overview_samples >= 0, "at least 0"),
                ("token_budget", self.token_budget is None or self.token_budget > 0, "positive"),
                ("timeout_s", _positive(self.timeout_s), "a positive number of seconds"),
                ("deadline_s", _positive(self.deadline_s), "a positive number of seconds"),
                ("backoff_s", self.backoff_s >= 0, "at least 0"),
                ("backoff_max_s", self.backoff_max_s >= 0, "at least 0"),
                ("tool_choice", self.tool_choice in TOOL_CHOICES, " | ".join(TOOL_CHOICES)),
                ("constrain", self.constrain in CONSTRAINTS, " | ".join(CONSTRAINTS)),
                ("shots", self.shots >= 0, "at least 0"),
                ("reask_on_warnings", self.reask_on_warnings >= 0, "at least 0"),
                ("constrain", self.constrain == "none" or not self.tools, "tools = false"),
                ("extra", not RESERVED & set(self.extra), "no model, messages or tools"),
                ("form", self.form in FORMS, " | ".join(FORMS)),
                ("feedback", self.feedback in FEEDBACKS, " | ".join(FEEDBACKS)),
            )
            if not ok
        ]
        if problems:
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E155", None, found=repr(getattr(self, key)), prop=key, expected=expected
                    )
                    for key, expected in problems
                ]
            )
        _ = self.offered  # an unknown name in `ops` is an error now, not at the first question

    @property
    def offered(self) -> frozenset[str] | None:
        """Canonical names of the offered operations (None: all of them)."""
        return None if self.ops == "all" else offered_ops(self.ops)

    @property
    def positional_calls(self) -> bool:
        """Whether calls are `{"op", "args"}` (grammar/positional.py): only in the strict tree
        tool definition. Without tools the reply is held to the GBNF grammar and taught by
        shots, both in the named canonical JSON (`to_json`), so the training data is too."""
        return self.form == "tree" and self.strict and self.tools

    def canonical(self, plan: Plan) -> dict[str, Any]:
        """The plan's arguments as this profile's model writes them (fine-tuning, checking):
        canonical in its form, every property under strict mode."""
        if self.form == "tree" and self.strict and not self.positional_calls:
            return to_json(plan, self.naming)
        return to_form(plan, self.form, self.naming, full=self.strict)

    @property
    def naming(self) -> Naming:
        return Naming(renames=dict(self.renames), aliases=dict(self.aliases))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<profile>") -> Profile:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            hint = "known keys: " + ", ".join(sorted(known - {"extra"}))
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E155",
                        None,
                        found=", ".join(unknown),
                        prop=f"profile {source}",
                        hints=(hint,),
                    )
                ]
            )
        values = dict(data)
        for key in ("renames", "aliases"):
            values[key] = {str(k).upper(): str(v).upper() for k, v in values.get(key, {}).items()}
        if values.get("verbosity", "short") not in ("full", "short", "none"):
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E155",
                        None,
                        found=repr(values["verbosity"]),
                        prop="verbosity",
                        hints=("one of full, short, none",),
                    )
                ]
            )
        try:
            profile = cls(**values)
        except TypeError as exc:  # a wrong value type that the comparisons above trip over
            raise PesqlError(
                [Diagnostic.make("E155", None, found=str(exc), prop=f"profile {source}")]
            ) from None
        problems = profile.naming.validate()
        if problems:
            raise PesqlError(
                [Diagnostic.make("E155", None, found=p, prop=f"profile {source}") for p in problems]
            )
        return profile

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        path = Path(path)
        try:
            raw = path.read_bytes()
            data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode())
        except (OSError, ValueError) as exc:
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E307",
                        None,
                        name=str(path),
                        problem=str(exc),
                        hints=("a profile is a .toml or .json file",),
                    )
                ]
            ) from None
        if not isinstance(data, dict):
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E154", None, expected="a table of settings", found=type(data).__name__
                    )
                ]
            )
        data.setdefault("name", path.stem)
        shots = data.get("shots_file")
        if isinstance(shots, str) and not Path(shots).is_absolute():
            data["shots_file"] = str(path.parent / shots)  # relative to the profile file
        return cls.from_dict(data, str(path))


def _positive(value: float) -> bool:
    return value > 0 and math.isfinite(value)


DEFAULT_PROFILE = Profile()
