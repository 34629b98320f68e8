"""The layer rules of docs/architecture.md, checked on the import graph of the source tree.

Imports are read with `ast` (module level and function level alike: a lazy import is still a
dependency), so these tests see what Python would import, not what a docstring mentions.

- Layers: grammar -> compiler -> runtime -> pesql (the facade); never backwards.
- Wings of compiler: check <- {repair, passes, backends} <- pipeline; the three middle wings
  do not import each other.
- Wings of runtime: tables <- engine <- llm <- {evals, embedding} <- {finetune, service} <- cli.
  `testing` (fake servers, generators, corruptions) may import any wing; no production module
  imports it except the offline demo (`runtime/cli/demo.py`).
- No import circles (type-only imports under `if TYPE_CHECKING:` excepted, since they never
  run); module names inside a folder do not repeat the folder's name as a prefix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"pesql": "pesql", "grammar": "pesql.grammar", "compiler": "pesql.compiler"}
FOLDERS["runtime"] = "pesql.runtime"

# Rank of each wing inside its layer: a module may import wings of lower or equal rank only,
# and equal rank only within the same wing.
COMPILER_WINGS = {"check": 0, "repair": 1, "passes": 1, "backends": 1, "pipeline": 2}
RUNTIME_WINGS = {
    "extras": -1,  # optional-dependency imports with install hints, used by every wing
    "tables": 0,
    "engine": 1,
    "llm": 2,
    "evals": 3,
    "embedding": 3,
    "finetune": 4,
    "service": 4,
    "cli": 5,
}
LAYERS = {"grammar": 0, "compiler": 1, "runtime": 2}
# Production modules allowed to import the testing wing, with the reason.
TESTING_USERS = {"pesql.runtime.cli.demo": "the offline demo answers with the local fake server"}


@cache
def modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for folder, dotted in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((dotted, *parts))] = path
    return out


def _resolve(name: str) -> str | None:
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _type_only(tree: ast.Module) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return ids


@cache
def imports(module: str, runtime_only: bool) -> frozenset[str]:
    """Project modules that `module` imports (resolved to files).

    runtime_only drops imports under TYPE_CHECKING.
    """
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    skip = _type_only(tree) if runtime_only else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("pesql"):
                target = _resolve(name)
                if target and target != module:
                    found.add(target)
    return frozenset(found)


def _wing(module: str) -> tuple[str, str]:
    """(layer, wing) of a module: ("runtime", "llm"), ("grammar", ""), ("pesql", "")."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return "pesql", ""
    return parts[1], parts[2] if len(parts) > 2 else ""


def _violations() -> Iterator[str]:
    for module in modules():
        layer, wing = _wing(module)
        for target in imports(module, runtime_only=False):
            t_layer, t_wing = _wing(target)
            if layer == "pesql":
                continue  # the facade may use every layer
            if t_layer == "pesql" or LAYERS[t_layer] > LAYERS[layer]:
                yield f"{module} imports {target} (an outer layer)"
                continue
            if layer == "grammar" or t_layer != layer or t_wing == wing or not wing:
                continue  # grammar is one flat wing
            if t_wing == "testing":
                if module not in TESTING_USERS and wing != "testing":
                    yield f"{module} imports the testing wing ({target})"
                continue
            ranks = COMPILER_WINGS if layer == "compiler" else RUNTIME_WINGS
            if wing == "testing" or t_wing not in ranks or wing not in ranks:
                if wing != "testing":
                    yield f"{module}: wing {wing or t_wing} has no rank in the layer rules"
                continue
            if ranks[t_wing] >= ranks[wing]:
                yield f"{module} ({wing}) imports {target} ({t_wing}): not below it"


def test_wings_import_only_inward() -> None:
    assert list(_violations()) == []


def test_every_wing_has_a_rank() -> None:
    wings = {_wing(m) for m in modules()}
    compiler = {w for layer, w in wings if layer == "compiler" and w}
    runtime = {w for layer, w in wings if layer == "runtime" and w}
    assert compiler <= set(COMPILER_WINGS), compiler - set(COMPILER_WINGS)
    assert runtime <= set(RUNTIME_WINGS) | {"testing"}, runtime - set(RUNTIME_WINGS)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph = {m: sorted(imports(m, runtime_only=True)) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_circles() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("folder", ["grammar", "compiler", "runtime"])
def test_module_names_do_not_repeat_their_folder(folder: str) -> None:
    stuttering = [
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*.py")
        if path.stem.startswith(path.parent.name + "_")
    ]
    assert stuttering == []


def test_the_checker_needs_no_run_time_layer() -> None:
    """The import graph itself is seen by these tests: a known edge is found."""
    assert "pesql.compiler.check.check" in imports("pesql.compiler.repair.repair", False)
