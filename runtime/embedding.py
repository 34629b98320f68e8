"""`Runtime`: pesql embedded in another product — thread-safe, no shared mutable state.

    >>> import polars as pl
    >>> rt = Runtime(tables={"sales": pl.DataFrame({"region": ["W", "E"], "amount": [3, 5]})})
    >>> rt.execute("SORT amount DESC\\nLIMIT 1").frame["region"].to_list()
    ['E']

A Runtime owns its catalog (fixed at construction: build a new Runtime to change tables), its
limits and profile, and its own `CompileCache` (the compiler's bounded, thread-safe LRU; the
module-level `compile` uses another instance, never stacked on this one), so one instance can
serve many threads or an asyncio application. Async methods run the polars
work in a worker thread so the event loop stays responsive.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pesql.compiler.check.schema import Schema
from pesql.compiler.pipeline import COMPILE_CACHE_SIZE, CompileCache, PlanSource
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.engine.execute import CompiledPlan, Result, run_within
from pesql.runtime.engine.execute import compile as compile_plan
from pesql.runtime.engine.limits import Limits
from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile
from pesql.runtime.tables.catalog import TablesArg, as_catalog


class Runtime:
    """Compile, execute and ask against a fixed catalog of tables."""

    def __init__(
        self,
        tables: TablesArg = (),
        *,
        limits: Limits | None = None,
        profile: Profile | None = None,
        cache_size: int = COMPILE_CACHE_SIZE,
    ) -> None:
        self.catalog = as_catalog(tables)
        self.limits = limits or Limits()
        self.profile = profile or DEFAULT_PROFILE
        self.schemas: dict[str, Schema] = self.catalog.schemas()
        self._cache: CompileCache[CompiledPlan] = CompileCache(cache_size)

    # --- compile ----------------------------------------------------------------------
    def compile(self, plan: PlanSource, *, optimize: bool = True) -> CompiledPlan:
        """Check and optimize a plan against this runtime's tables (cached, bounded).

        JSON is read with this runtime's profile names (`pesql.compiler.pipeline.as_plan`)."""
        return compile_plan(
            plan,
            self.schemas,
            optimize=optimize,
            limits=self.limits,
            naming=self.profile.naming,
            cache=self._cache,
        )

    @property
    def cache_len(self) -> int:
        return len(self._cache)

    # --- execute ----------------------------------------------------------------------
    def execute(self, plan: PlanSource, *, limits: Limits | None = None) -> Result:
        """Compile (cached) and run; the plan's FROM (or the only table) picks the input.

        One time budget covers reading, checking, optimizing and running: past it, E303 and
        the work stops (`pesql.runtime.engine.execute.run_within`)."""
        return run_within(lambda: self.compile(plan), self.catalog, limits or self.limits)

    # --- ask --------------------------------------------------------------------------
    def ask(self, question: str, **options: Any) -> Any:
        """Ask a model; see `pesql.ask` for the options (client, model, ...)."""
        from pesql.runtime.llm.ask import ask

        options.setdefault("profile", self.profile)
        return ask(question, self.catalog, **options)

    async def ask_async(self, question: str, **options: Any) -> Any:
        from pesql.runtime.llm.ask import ask_async

        options.setdefault("profile", self.profile)
        return await ask_async(question, self.catalog, **options)

    async def compile_async(self, plan: PlanSource, *, optimize: bool = True) -> CompiledPlan:
        return await asyncio.to_thread(self.compile, plan, optimize=optimize)

    async def execute_async(self, plan: PlanSource, *, limits: Limits | None = None) -> Result:
        return await asyncio.to_thread(self.execute, plan, limits=limits)

    def table_names(self) -> list[str]:
        return self.catalog.names()

    def schema(self, name: str) -> Schema:
        if name not in self.schemas:
            self.catalog.get(name)  # raises E210 with did-you-mean hints
            raise PesqlError([Diagnostic.make("E210", name=name)])
        return self.schemas[name]
