"""Profiles: the knobs an experiment varies (prompt, op names, descriptions, model, sampling).

A profile is a TOML or JSON file:

    name = "abs-diff"
    verbosity = "short"            # full | short | none: op descriptions in the tool definition
    strict = true                  # OpenAI strict mode for the function definition
    model = "gpt-4o-mini"
    temperature = 0.0
    system_prompt = "You answer questions about tables ..."   # optional override
    [renames]                      # canonical name -> name shown to the model
    SUB_ABS = "ABS_DIFF"
    [aliases]                      # extra accepted name -> canonical name
    DIFF_ABS = "SUB_ABS"

Unknown keys are errors (a typo must not silently change an experiment).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.registry import Naming

Verbosity = Literal["full", "short", "none"]


@dataclass(frozen=True)
class Profile:
    name: str = "default"
    verbosity: Verbosity = "short"
    strict: bool = True
    model: str | None = None
    temperature: float | None = 0.0
    max_tokens: int | None = None
    system_prompt: str | None = None
    function_name: str = "query_table"
    renames: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    max_attempts: int = 3
    token_budget: int | None = None
    overview_tokens: int = 1500
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def naming(self) -> Naming:
        return Naming(renames=dict(self.renames), aliases=dict(self.aliases))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<profile>") -> Profile:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PesqlError([Diagnostic.make(
                "E155", None, found=", ".join(unknown), prop=f"profile {source}",
                hints=("known keys: " + ", ".join(sorted(known - {"extra"})),),
            )])
        values = dict(data)
        for key in ("renames", "aliases"):
            values[key] = {str(k).upper(): str(v).upper() for k, v in values.get(key, {}).items()}
        if values.get("verbosity", "short") not in ("full", "short", "none"):
            raise PesqlError([Diagnostic.make(
                "E155", None, found=repr(values["verbosity"]), prop="verbosity",
                hints=("one of full, short, none",),
            )])
        profile = cls(**values)
        problems = profile.naming.validate()
        if problems:
            raise PesqlError([Diagnostic.make("E155", None, found=p, prop=f"profile {source}")
                              for p in problems])
        return profile

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        path = Path(path)
        try:
            raw = path.read_bytes()
            data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode())
        except (OSError, ValueError) as exc:
            raise PesqlError([Diagnostic.make(
                "E307", None, name=str(path), problem=str(exc),
                hints=("a profile is a .toml or .json file",),
            )]) from None
        if not isinstance(data, dict):
            raise PesqlError([Diagnostic.make("E154", None, expected="a table of settings",
                                              found=type(data).__name__)])
        data.setdefault("name", path.stem)
        return cls.from_dict(data, str(path))


DEFAULT_PROFILE = Profile()
