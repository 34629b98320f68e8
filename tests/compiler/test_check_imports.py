"""The checker knows p-SQL types only: no module under compiler/check imports polars (the
polars side of types and schemas is compiler/backends/polars/dtypes.py)."""

from __future__ import annotations

import ast
from pathlib import Path

CHECK = Path(__file__).resolve().parents[2] / "compiler" / "check"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_checker_module_imports_polars() -> None:
    paths = sorted(CHECK.rglob("*.py"))
    assert len(paths) > 3  # the folder is where this test thinks it is
    offenders = {
        f"{path.name}: {name}"
        for path in paths
        for name in _imported(path)
        if name == "polars" or name.startswith("polars.")
    }
    assert offenders == set()


def test_the_import_scan_sees_polars() -> None:
    dtypes = CHECK.parent / "backends" / "polars" / "dtypes.py"
    assert "polars" in _imported(dtypes)
