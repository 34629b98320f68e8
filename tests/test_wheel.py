"""The wheel works outside the checkout, without extras: what a user gets from `pip install pesql`.

The wheel is built from this checkout (no build isolation, so offline) and installed into a
fresh virtual environment next to exactly the core dependencies, linked from the test's own
environment; optional packages (duckdb, uvicorn, starlette, fastexcel, pandas) are absent there.
Every command runs in an empty temporary folder, so nothing is read from the source tree.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q")
OPTIONAL = ("duckdb", "uvicorn", "starlette", "fastexcel", "pandas")


def _closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions the core requirements need, transitively (no extras)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        if key in found:
            continue
        dist = metadata.distribution(req.name)
        found[key] = dist
        todo.extend(Requirement(r) for r in dist.requires or [])
    return found


def _top_level(dist: metadata.Distribution) -> set[str]:
    """First path components of a distribution's files inside site-packages."""
    names = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first not in ("..", "__pycache__") and not first.endswith(".pth"):
            names.add(first)
    return names


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The python of a fresh venv holding the wheel and the core dependencies only."""
    base = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [*PIP_WHEEL, "-w", str(base / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("pesql-*.whl")
    env = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    (site,) = env.glob("lib/python*/site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    source_site = Path(metadata.distribution("polars").locate_file(""))
    for dist in _closure(core).values():
        for name in _top_level(dist):
            target = source_site / name
            if target.exists() and not (site / name).exists():
                (site / name).symlink_to(target)
    yield env / "bin" / "python"


def _pesql(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pesql", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_fresh_environment_has_no_extras_and_no_checkout(fresh: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u, pesql; print([m for m in %r if u.find_spec(m)])"
    out = subprocess.run(
        [str(fresh), "-c", probe % (OPTIONAL,)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    where = subprocess.run(
        [str(fresh), "-c", "import pesql.runtime; print(pesql.runtime.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert str(ROOT) not in where.stdout and "site-packages" in where.stdout


def test_version_and_demo_work_from_the_wheel(fresh: Path, tmp_path: Path) -> None:
    version = _pesql(fresh, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("pesql 0."), version.stderr
    demo = _pesql(fresh, tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "Gentoo" in demo.stdout and "repairs:" in demo.stdout


@pytest.fixture()
def penguins(fresh: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A plan and a small table written into the empty folder."""
    (tmp_path / "t.csv").write_text("species,mass\nAdelie,3750\nGentoo,5200\n")
    (tmp_path / "p.psql").write_text("SORT mass DESC\nLIMIT 1\n")
    return tmp_path / "p.psql", tmp_path / "t.csv"


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["run", "p.psql", "--table", "t=t.csv", "--engine", "duckdb"], "duckdb"),
        (["serve", "--table", "t=t.csv", "--port", "0"], "service"),
    ],
)
def test_a_missing_extra_names_the_install_command(
    fresh: Path, tmp_path: Path, penguins: tuple[Path, Path], args: list[str], extra: str
) -> None:
    out = _pesql(fresh, tmp_path, *args)
    assert out.returncode == 1, out.stderr
    assert "error[E309]" in out.stderr and f'pip install "pesql[{extra}]"' in out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr


def test_dataset_recompute_names_the_duckdb_extra(fresh: Path, tmp_path: Path) -> None:
    root = tmp_path / "ds"
    (root / "tables").mkdir(parents=True)
    (root / "tables" / "t.csv").write_text("x\n1\n2\n")
    (root / "tables" / "LICENSES.md").write_text("t.csv: made up\n")
    line = (
        '{"id": "a", "question": "How many rows?", "tables": ["t"], '
        '"plan": "FROM t AGGREGATE n = COUNT()", "expected": {"columns": ["n"], "rows": [[2]]}, '
        '"reference_sql": "SELECT count(*) AS n FROM t", "compare": {"order": "ordered"}}'
    )
    (root / "examples.jsonl").write_text(line + "\n")
    out = _pesql(fresh, tmp_path, "dataset", "validate", str(root), "--recompute")
    assert "E309" in out.stdout + out.stderr and "pesql[duckdb]" in out.stdout + out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr


def test_the_plain_run_works_without_extras(
    fresh: Path, tmp_path: Path, penguins: tuple[Path, Path]
) -> None:
    out = _pesql(fresh, tmp_path, "run", "p.psql", "--table", "t=t.csv", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["species,mass", "Gentoo,5200"]
