"""The public API as fuzz entry points: parse, from_json, repair, check, compile, execute,
each over the bundled penguins table; and the folder every entry point writes its files to.

    >>> API["parse"]("LIMIT 1").steps[0].count
    1
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.pipeline import plan_kind
from pesql.compiler.repair.repair import repair
from pesql.grammar.ast import Plan
from pesql.grammar.jsonform import from_json
from pesql.grammar.parse import parse
from pesql.runtime.engine.execute import compile, execute
from pesql.runtime.engine.limits import Limits
from pesql.runtime.tables.table import load_table
from pesql.runtime.testing.fuzz.judge import LIMIT_S


def penguins_path() -> str:
    return str(resources.files("pesql.examples").joinpath("tables", "penguins.csv"))


@cache
def penguins() -> pl.LazyFrame:
    return load_table(Path(penguins_path()), name="penguins").frame


@cache
def penguins_schema() -> Schema:
    return schema_from_polars(penguins().collect_schema())


@cache
def workdir() -> Path:
    """One temporary folder per process for the files the entry points are given."""
    return Path(tempfile.mkdtemp(prefix="pesql-fuzz-"))


def _read(value: Any) -> Plan:
    if isinstance(value, str) and plan_kind(value) == "text":
        return parse(value)
    return from_json(value)


def _check(value: Any) -> Any:
    return check(value if isinstance(value, Plan) else _read(value), penguins_schema())


API: dict[str, Callable[[Any], Any]] = {
    "parse": lambda v: parse(v),
    "from_json": lambda v: from_json(v),
    "repair": lambda v: repair(v, schema=penguins_schema()).plan_or_raise(),
    "check": _check,
    "compile": lambda v: compile(v, penguins_schema()),
    "execute": lambda v: execute(v, penguins(), limits=Limits(timeout_s=LIMIT_S)),
}

__all__ = ["API", "penguins", "penguins_path", "penguins_schema", "workdir"]
