"""The compiler in one call: text, JSON or a Plan -> size check -> check -> optimize, cached.

    >>> from pesql.compiler.check.schema import Schema
    >>> from pesql.grammar.printer import to_text
    >>> schema = Schema.of({"price": "float"})
    >>> compiled = compile("DERIVE p = price * 1\\nFILTER price > 2 * 5", schema)
    >>> print(to_text(compiled.plan))
    FILTER price > 10
    DERIVE p = price

Stages, each run once per compile: `as_plan` (the one reader of plan inputs), `check_size`
(E301, E302, on the plan as written), `check` (skipped for a `CheckedPlan` checked against
the same schema, such as `repair`'s), `optimize`. The result is a `Compiled`: the checked plan
and the optimized one, both `CheckedPlan`s, so `to_polars` can take what runs. Running it on
tables within a time budget is the runtime's: `pesql.runtime.engine.execute.CompiledPlan`
extends `Compiled` with execution limits.

How `as_plan` reads its input:

- a `Plan` passes through; a `CheckedPlan` gives its (checked) plan;
- a `RepairResult` gives its plan, or raises its diagnostics when it has none (`None`
  itself is a TypeError that says so);
- a `Mapping` is the JSON form (function-call arguments), lowered with `naming`;
- a `str` is JSON text when `filename` ends with `.json` (the CLI's rule for PLAN files) or
  when its first non-space character is `{` or `[`; any other text is p-SQL (which never
  starts with either);
- anything else is a TypeError.

`CompileCache` is the one compile cache: a bounded LRU, safe to share between threads, keyed
by (plan, schema, optimize, size limits). Plans are frozen dataclasses whose equality ignores
origins, so the same plan written with other spacing is a hit. Text (JSON or p-SQL) is also
keyed as it came, before it is read: (the text, the naming, schema, optimize, size limits),
so repeating a request costs a dictionary lookup (the schema caches its own hash), not a
parse. `compile` caches only when given a cache: the runtime holds one module-level
instance, and each `Runtime` its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, NamedTuple, TypeAlias, TypeVar, overload

from pesql.compiler.check.check import CheckedPlan, check, require_schema
from pesql.compiler.check.schema import Schema
from pesql.compiler.check.size import SizeLimits, check_size
from pesql.compiler.passes.optimize import optimize as optimize_checked
from pesql.compiler.repair.result import RepairResult
from pesql.grammar.ast import Plan
from pesql.grammar.record import Record, record
from pesql.grammar.registry import Naming

PlanSource: TypeAlias = Plan | CheckedPlan | RepairResult | str | Mapping[str, Any]
Schemas: TypeAlias = Schema | Mapping[str, Schema]
PlanKind = Literal["json", "text"]
SchemaKey: TypeAlias = Schema | tuple[tuple[str, Schema], ...]
CompileKey: TypeAlias = tuple[Plan | CheckedPlan, SchemaKey, bool, SizeLimits]
# The raw text, the naming it is read with (Naming.key(); None for the default), and the rest
# of a CompileKey: looked up before the text is parsed.
TextKey: TypeAlias = tuple[str, object, SchemaKey, bool, SizeLimits]

COMPILE_CACHE_SIZE = 256
_DEFAULT_SIZE = SizeLimits()


@record(kw_only=False, slots=False)
class Compiled(Record):
    """A compiled plan: the plan as written, checked, and what runs (optimized, also checked)."""

    checked: CheckedPlan  # exact names, input/output schemas, the checker's notes
    optimized: CheckedPlan  # what runs; the same object as `checked` with optimize=False

    @property
    def plan(self) -> Plan:
        """The plan that runs."""
        return self.optimized.plan


C = TypeVar("C", bound=Compiled)


# --- reading plan inputs ------------------------------------------------------------------
def plan_kind(text: str, *, filename: str | None = None) -> PlanKind:
    """ "json" for a `.json` file name or text starting with `{` or `[`; "text" otherwise.

    >>> plan_kind('  {"steps": []}'), plan_kind("LIMIT 1"), plan_kind("LIMIT 1", filename="a.json")
    ('json', 'text', 'json')
    """
    if filename is not None and filename.endswith(".json"):
        return "json"
    return "json" if text.lstrip()[:1] in ("{", "[") else "text"


def as_plan(
    source: PlanSource, *, naming: Naming | None = None, filename: str | None = None
) -> Plan:
    """A Plan from any accepted input (the rule is in this module's docstring)."""
    if isinstance(source, Plan):
        return source
    if isinstance(source, CheckedPlan):
        return source.plan
    if isinstance(source, RepairResult):
        return source.plan_or_raise()
    if source is None:
        raise TypeError(
            "no plan (None): if it is a RepairResult's .plan, repair could not read one; "
            "its .diagnostics say why (pass the RepairResult itself to get them raised)"
        )
    from pesql.grammar.jsonform import from_json
    from pesql.grammar.registry import DEFAULT_NAMING

    if isinstance(source, str):
        if plan_kind(source, filename=filename) == "json":
            return from_json(source, naming or DEFAULT_NAMING)
        from pesql.grammar.parse import parse

        return parse(source)
    if isinstance(source, Mapping):
        return from_json(dict(source), naming or DEFAULT_NAMING)
    raise TypeError(
        "a plan is a Plan, a CheckedPlan, p-SQL text, JSON text or a JSON object, "
        f"not {type(source).__name__}"
    )


# --- the compile cache --------------------------------------------------------------------
class CacheInfo(NamedTuple):
    """Statistics of a `CompileCache`, with the field names of functools' `cache_info()`."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class CompileCache(Generic[C]):
    """A bounded LRU of compiled plans by `CompileKey`, safe to share between threads.

    >>> cache: CompileCache[Compiled] = CompileCache(maxsize=2)
    >>> first = compile("LIMIT 1", Schema.of({"a": "integer"}), cache=cache)
    >>> compile("LIMIT  1", Schema.of({"a": "integer"}), cache=cache) is first
    True
    >>> cache.info()
    CacheInfo(hits=1, misses=1, maxsize=2, currsize=1)

    Beside the entries by plan, texts already compiled name their entry's key (a second
    LRU of the same bound, not counted in `currsize`): a text seen before is a hit without
    parsing, and keeps its entry recently used as any other hit does.
    """

    def __init__(self, maxsize: int = COMPILE_CACHE_SIZE) -> None:
        if maxsize < 0:
            raise ValueError(f"maxsize must be 0 (no caching) or more, not {maxsize}")
        self.maxsize = maxsize
        self._entries: OrderedDict[CompileKey, C] = OrderedDict()
        self._texts: OrderedDict[TextKey, CompileKey] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get_text(self, text: TextKey) -> C | None:
        """The entry compiled from this very text (a hit), or None (not yet counted a miss)."""
        with self._lock:
            key = self._texts.get(text)
            if key is None:
                return None
            hit = self._entries.get(key)
            if hit is None:  # the entry was evicted: the alias goes with it
                del self._texts[text]
                return None
            self._texts.move_to_end(text)
            self._entries.move_to_end(key)
            self._hits += 1
            return hit

    def get_or_build(
        self, key: CompileKey, build: Callable[[], C], text: TextKey | None = None
    ) -> C:
        """The entry for `key`, built (outside the lock) and kept when it is missing.

        `text`, the key of the text `key`'s plan was read from, is remembered for `get_text`.
        """
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                self._hits += 1
                self._alias(text, key)
                return hit
            self._misses += 1
        built = build()  # a slow compile never blocks lookups of other plans
        with self._lock:
            # Two threads may build the same plan at once: the first kept is what both get.
            kept = self._entries.setdefault(key, built)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
            self._alias(text, key)
        return kept

    def _alias(self, text: TextKey | None, key: CompileKey) -> None:
        if text is not None and self.maxsize:
            self._texts[text] = key
            self._texts.move_to_end(text)
            while len(self._texts) > self.maxsize:
                self._texts.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry and reset the statistics."""
        with self._lock:
            self._entries.clear()
            self._texts.clear()
            self._hits = self._misses = 0

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, self.maxsize, len(self._entries))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


# --- compile ------------------------------------------------------------------------------
@overload
def compile(
    source: PlanSource,
    schema: Schemas,
    *,
    optimize: bool = True,
    size: SizeLimits | None = None,
    naming: Naming | None = None,
    cache: CompileCache[Compiled] | None = None,
) -> Compiled: ...


@overload
def compile(
    source: PlanSource,
    schema: Schemas,
    *,
    optimize: bool = True,
    size: SizeLimits | None = None,
    naming: Naming | None = None,
    cache: CompileCache[C] | None = None,
    make: Callable[[CheckedPlan, CheckedPlan], C],
) -> C: ...


def compile(
    source: PlanSource,
    schema: Schemas,
    *,
    optimize: bool = True,
    size: SizeLimits | None = None,
    naming: Naming | None = None,
    cache: CompileCache[Any] | None = None,
    make: Callable[[CheckedPlan, CheckedPlan], Any] = Compiled,
) -> Any:
    """Read, size-check, check and optimize `source` against `schema` (cached with `cache`).

    `schema` is one table's `Schema` or a catalog `{name: Schema}` (the plan's FROM, or the
    only table). A `CheckedPlan` checked against the same schema is not checked again;
    against another one it is. `make(checked, optimized)` builds the result (`Compiled`, or a
    subclass such as the runtime's `CompiledPlan`). Raises `PesqlError` with every problem.
    """
    require_schema(schema)  # before the cache key, which reads it
    bounds = _DEFAULT_SIZE if size is None else size.size
    text_key: TextKey | None = None
    if cache is not None and isinstance(source, str):
        text_key = (source, naming and naming.key(), _schema_key(schema), optimize, bounds)
        hit = cache.get_text(text_key)
        if hit is not None:
            return hit
    if isinstance(source, RepairResult) and source.checked is not None:
        source = source.checked  # checked by repair against its schema: maybe not again
    tree = source if isinstance(source, CheckedPlan) else as_plan(source, naming=naming)

    def build() -> Any:
        return make(*_compile_stages(tree, schema, optimize, bounds))

    if cache is None:
        return build()
    key: CompileKey = (tree, _schema_key(schema), optimize, bounds)
    return cache.get_or_build(key, build, text_key)


def _compile_stages(
    tree: Plan | CheckedPlan, schema: Schemas, optimize: bool, size: SizeLimits
) -> tuple[CheckedPlan, CheckedPlan]:
    plan = tree.plan if isinstance(tree, CheckedPlan) else tree
    check_size(plan, size)
    if isinstance(tree, CheckedPlan) and checked_against(tree, schema):
        checked = tree
    else:
        checked = check(plan, schema)
    return checked, optimize_checked(checked) if optimize else checked


def checked_against(checked: CheckedPlan, schema: Schemas) -> bool:
    """Whether checking `checked.plan` against `schema` would read the same input schema."""
    if isinstance(schema, Schema):
        return checked.input_schema == schema
    if checked.table is None or (checked.plan.table is None and len(schema) != 1):
        return False  # checked against a lone Schema, or ambiguous (E210) in this catalog
    return schema.get(checked.table) == checked.input_schema


def _schema_key(schema: Schemas) -> SchemaKey:
    return schema if isinstance(schema, Schema) else tuple(schema.items())


__all__ = [
    "COMPILE_CACHE_SIZE",
    "CacheInfo",
    "CompileCache",
    "CompileKey",
    "Compiled",
    "PlanKind",
    "PlanSource",
    "TextKey",
    "as_plan",
    "checked_against",
    "compile",
    "plan_kind",
]
