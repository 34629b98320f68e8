"""A uvicorn server in a background thread, for tests, notebooks and embedding the service."""

from __future__ import annotations

from typing import Any


class ServerThread:
    """Run an ASGI app on uvicorn in a background thread (tests, notebooks, embedding).

    with ServerThread(app) as server:
        httpx.get(server.url + "/health")
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        import socket
        import threading

        from pesql.runtime.extras import require

        uvicorn = require("uvicorn", "the HTTP service")

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        # "auto": the app's lifespan runs when it has one (create_app's stops its workers).
        # timeout_keep_alive: past the clients' pool expiry (5 s), see cli/serve.py KEEP_ALIVE_S.
        config = uvicorn.Config(app, log_level="warning", lifespan="auto", timeout_keep_alive=15)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        import time

        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
