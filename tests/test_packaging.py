"""Every Python package folder is listed in pyproject.toml (the package-dir mapping needs an
explicit list), so wheels and editable installs ship everything."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPING = {
    "pesql": "pesql",
    "grammar": "pesql.grammar",
    "compiler": "pesql.compiler",
    "runtime": "pesql.runtime",
}
# Data-only packages: their folder's own __init__.py, not sub-folders.
DATA_PACKAGES = {"examples": "pesql.examples"}


def test_every_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for top, dotted in MAPPING.items():
        for init in (ROOT / top).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((dotted, *relative)))
    found |= {
        dotted
        for folder, dotted in DATA_PACKAGES.items()
        if (ROOT / folder / "__init__.py").is_file()
    }
    assert found == listed, f"missing: {found - listed}, stale: {listed - found}"


def _imports(path: Path, layer: str) -> bool:
    pattern = re.compile(rf"^\s*(from|import)\s+pesql\.{layer}\b", re.MULTILINE)
    return bool(pattern.search(path.read_text()))


def test_grammar_does_not_import_compiler_or_runtime() -> None:
    for path in (ROOT / "grammar").rglob("*.py"):
        assert not _imports(path, "compiler") and not _imports(path, "runtime"), path


def test_compiler_does_not_import_runtime() -> None:
    for path in (ROOT / "compiler").rglob("*.py"):
        assert not _imports(path, "runtime"), path


def test_pesql_testing_exports_resolve() -> None:
    import pesql.testing

    missing = [name for name in pesql.testing.__all__ if not hasattr(pesql.testing, name)]
    assert missing == []
