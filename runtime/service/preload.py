"""Imported once by the service's forkserver: every worker process starts from this state.

    multiprocessing.get_context("forkserver").set_forkserver_preload(["pesql.runtime.service.preload"])

It imports the worker's modules and builds what pesql builds on first use (lark's parser,
~0.3 s, which reads every plan text with a problem; the checker's and optimizer's tables), so
a new worker's first request, valid or not, is as fast as its hundredth. It must not run
polars: a process forked after polars ran deadlocks on its first query (worker.py), and
every worker is forked from this one.
"""

from __future__ import annotations

from pesql.compiler.check.schema import ColumnType, Schema
from pesql.compiler.pipeline import compile as compile_plan
from pesql.grammar.jsonform import to_json
from pesql.grammar.parse import prepare_error_reader
from pesql.runtime.service.worker import WARM_PLAN  # and the modules the workers run


def warm() -> None:
    """Parse, check and optimize a small plan in both wire forms (no polars involved)."""
    schema = Schema((("x", ColumnType("integer")), ("s", ColumnType("string"))))
    compiled = compile_plan(WARM_PLAN, schema)
    compile_plan(to_json(compiled.plan), schema)
    prepare_error_reader()  # valid text no longer builds it


warm()
