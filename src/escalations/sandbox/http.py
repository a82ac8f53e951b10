"""A loopback HTTP/1.1 server that hands every request to one function: JSON answers, or none."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass
class Response:
    """An answer: a JSON payload, or no body when `payload` is None (e.g. 204)."""

    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handle = Callable[[str, str, Mapping[str, str], bytes], Response]
"""(method, request target, headers with lower-case names, body) -> answer."""


class LoopbackServer(ThreadingHTTPServer):
    """Serves on 127.0.0.1 on a free port, one daemon thread per connection."""

    daemon_threads = True

    def __init__(self, handle: Handle) -> None:
        self.handle = handle
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections, so clients see the server gone."""
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each small answer waits for a delayed ACK (~40 ms)
    timeout = 120
    server: LoopbackServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        response = self.server.handle(self.command, self.path, headers, body)
        data = b""
        if response.payload is not None:
            data = json.dumps(response.payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(response.status)
            if response.payload is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if data:
                self.wfile.write(data)
        except OSError:  # the client gave up (a timeout) before the answer
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return


class Emulator:
    """What both emulators share: serve `handle` on loopback in a daemon thread, start and
    stop at will (the state stays), close with the store, use as a context manager."""

    NAME = "emulator"

    def __init__(self, store: Any) -> None:
        self._store = store
        self._closing = threading.Event()
        """Set while stopping, so that delayed answers stop waiting."""
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self.NAME} emulator is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        """Serve on 127.0.0.1 on a free port; return the base URL."""
        if self._server is None:
            self._closing.clear()
            server = LoopbackServer(self.handle)
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{self.NAME.lower()}-emulator",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and drop open connections; the state stays (start() again)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        """Stop and close the database."""
        self.stop()
        self._store.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
