"""A loopback HTTP/1.1 server that hands every request to one function: JSON answers, or none."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
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
    body: bytes | None = None
    """Sent as is instead of a JSON payload (its Content-Type in `headers`)."""
    reset: bool = False
    """Send the status line, the headers and half the body, then reset the connection."""


Handle = Callable[[str, str, Mapping[str, str], bytes], Response]
"""(method, request target, headers with lower-case names, body) -> answer."""


class LoopbackServer(ThreadingHTTPServer):
    """Serves on 127.0.0.1 on a free port, one daemon thread per connection, each named
    `thread_name` and joined by `join_threads`."""

    daemon_threads = True

    def __init__(self, handle: Handle, thread_name: str = "loopback-request") -> None:
        self.handle = handle
        self.thread_name = thread_name
        self.connections: set[socket.socket] = set()
        self.resets: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, timed out) is no error of the server's:
        socketserver would print its traceback to stderr."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=self.thread_name,
            daemon=True,
        )
        with self.connections_lock:
            self.connections.add(request)
            self.threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.threads.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
            reset = request in self.resets
            self.resets.discard(request)
        if reset:
            # closing with a zero linger time sends RST instead of FIN
            with contextlib.suppress(OSError):
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_request(request)
            return
        super().shutdown_request(request)

    def join_threads(self, timeout: float) -> None:
        """Wait for the request threads to end (each at most `timeout` seconds)."""
        with self.connections_lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join(timeout)

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
        data = response.body or b""
        is_json = response.body is None and response.payload is not None
        if is_json:
            data = json.dumps(response.payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(response.status)
            if is_json:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if response.reset:
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                with self.server.connections_lock:
                    self.server.resets.add(self.connection)
            elif data:
                self.wfile.write(data)
        except OSError:  # the client gave up (a timeout) before the answer
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return


class Emulator:
    """What the emulators share: serve `handle` on loopback in a daemon thread, start and
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
            server = LoopbackServer(self.handle, f"{self.NAME.lower()}-emulator-request")
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
        """Stop serving, drop open connections and wait for the requests under way (stalls end
        early); the state stays (start() again)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        server.join_threads(timeout=5)
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
