"""Imported once by the service's forkserver: every worker process starts from this state.

    multiprocessing.get_context("forkserver").set_forkserver_preload(["pesql.runtime.service.preload"])

It imports the worker's modules and builds what pesql builds on first use (the lark parser:
~0.3 s; the checker's and optimizer's tables), so a new worker's first request is as fast as
its hundredth. It must not run polars: a process forked after polars ran deadlocks on its
first query (worker.py), and every worker is forked from this one.
"""

from __future__ import annotations

from pesql.compiler.check.schema import ColumnType, Schema
from pesql.compiler.pipeline import compile as compile_plan
from pesql.grammar.jsonform import to_json
from pesql.runtime.service.worker import WARM_PLAN  # and the modules the workers run


def warm() -> None:
    """Parse, check and optimize a small plan in both wire forms (no polars involved)."""
    schema = Schema((("x", ColumnType("integer")), ("s", ColumnType("string"))))
    compiled = compile_plan(WARM_PLAN, schema)
    compile_plan(to_json(compiled.plan), schema)


warm()
