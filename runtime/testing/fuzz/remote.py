"""Entry points that talk HTTP on 127.0.0.1: `pesql ask` and `pesql eval run` against a local
scripted model (`fake_model`) that answers each request with the input's hostile replies,
and `pesql serve` (`served`) in its own process, sent hostile requests.

A reply is {"tool_call": ARGUMENTS} or {"text": CONTENT}; once an input's replies are used
up the model answers "I cannot" (plain text), so every question ends.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, Text, ToolCall, Turn
from pesql.runtime.testing.fuzz.api import penguins_path
from pesql.runtime.testing.fuzz.judge import Refused


class FakeModel:
    """One local OpenAI-compatible server for the whole run; `answer_with` sets the replies."""

    def __init__(self) -> None:
        self.server = FakeOpenAI().start()
        self._replies: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self.server.respond_with(self._next)
        atexit.register(self.server.stop)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def answer_with(self, replies: list[dict[str, Any]]) -> None:
        with self._lock:
            self._replies = deque(replies)
        # The server records every request; a long run would keep them all in memory.
        with self.server._lock:
            self.server._requests.clear()

    def _next(self, body: dict[str, Any]) -> Turn:
        with self._lock:
            reply = self._replies.popleft() if self._replies else {"text": "I cannot"}
        if "tool_call" in reply:
            return ToolCall(str(reply["tool_call"]))
        return Text(str(reply.get("text", "")))


@cache
def fake_model() -> FakeModel:
    os.environ.setdefault("OPENAI_API_KEY", "test")  # the openai client insists on one
    os.environ.pop("OPENAI_BASE_URL", None)
    return FakeModel()


def ask_argv(value: dict[str, Any]) -> list[str]:
    """`pesql ask QUESTION` on penguins, the model answering with the input's replies."""
    model = fake_model()
    model.answer_with(value["replies"])
    table = ["--table", f"penguins={penguins_path()}"]
    return ["ask", value["question"], *table, "--base-url", model.base_url, "--model", "m",
            *value["options"]]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """`pesql serve` on penguins in its own process (its /v1/ask asks `fake_model`)."""

    process: subprocess.Popen[bytes]
    url: str
    client: httpx.Client

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        """The server's CPU time (user + system), for judging a call on a loaded machine."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=20)


@cache
def served() -> Served:
    port = _free_port()
    command = [sys.executable, "-m", "pesql", "serve", "--port", str(port), "--log-level",
               "warning", "--table", f"penguins={penguins_path()}", "--timeout", "1",
               "--base-url", fake_model().base_url, "--model", "m"]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": "test"}
    quiet = subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=quiet, stderr=quiet, env=env)
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(timeout=60)
    deadline = time.monotonic() + 120
    while True:
        try:
            if client.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("pesql serve did not start")
        time.sleep(0.1)
    server = Served(process, url, client)
    atexit.register(server.stop)
    return server


def request(value: dict[str, Any]) -> int:
    """One hostile request to `pesql serve`: 2xx ok, 4xx refused (with a JSON body), 5xx or a
    non-JSON error body a bug."""
    server = served()
    fake_model().answer_with(value["replies"])
    body = value["body"]
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else b""
    headers = {"content-type": value["content_type"]} if value["content_type"] else {}
    reply = server.client.request(
        value["method"], server.url + value["path"], content=content, headers=headers
    )
    if reply.status_code >= 500:
        raise AssertionError(f"HTTP {reply.status_code}: {reply.text[:300]}")
    if reply.status_code >= 400:
        kind = reply.headers.get("content-type", "")
        if value["path"].startswith("/v1/") and "json" not in kind:
            raise AssertionError(f"HTTP {reply.status_code}, not JSON: {reply.text[:200]}")
        raise Refused(f"HTTP {reply.status_code}: {reply.text[:200]}")
    return reply.status_code


__all__ = ["FakeModel", "Served", "ask_argv", "fake_model", "request", "served"]
