"""A tiny canned Sinch API on a loopback thread: the proxy's tests and benchmark upstream.

It does not emulate the API (that is :mod:`conformance.emulator`); it answers a few
operations with fixed bodies, conforming by default and broken on request, so the proxy
can be tested independently of the emulator's behaviour. The app id in
``/v1/projects/{p}/apps/{app_id}`` picks the answer (see :data:`VARIANTS`). It remembers
the last request it received, byte for byte.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli

__all__ = ["APP", "FakeSinch", "VARIANTS", "app_body"]

APP: dict[str, Any] = {
    "id": "01HAPP00000000000000000001",
    "display_name": "Conformance demo app",
    "channel_credentials": [
        {"channel": "SMS", "static_bearer": {"claimed_identity": "sms-id", "token": "tok"}},
    ],
    "conversation_metadata_report_view": "NONE",
    "rate_limits": {"outbound": 20, "inbound": 20, "webhooks": 20},
    "processing_mode": "CONVERSATION",
}


def app_body(app_id: str = APP["id"], **changes: Any) -> dict[str, Any]:
    return {**APP, "id": app_id, **changes}


def _json(data: Any) -> bytes:
    return json.dumps(data).encode()


JSON = "application/json"
# app id -> (status, content type, body bytes, extra headers)
VARIANTS: dict[str, tuple[int, str, bytes, dict[str, str]]] = {
    "ok": (200, JSON, _json(app_body("ok")), {}),
    "bad-type": (200, JSON, _json(app_body("bad-type", display_name=123)), {}),
    "extra-field": (200, JSON, _json(app_body("extra-field", colour="blue")), {}),
    "bad-enum": (200, JSON, _json(app_body("bad-enum", processing_mode="TURBO")), {}),
    "status-418": (418, JSON, _json({"code": 418, "message": "teapot"}), {}),
    "status-302": (302, JSON, b"{}", {"Location": "/elsewhere"}),
    "server-error": (503, JSON, _json({"code": 503, "message": "down"}), {}),
    "html": (200, "text/html", b"<html><body>hello</body></html>", {}),
    "truncated": (200, JSON, _json(app_body("truncated"))[:40], {}),
    "gzip": (200, JSON, gzip.compress(_json(app_body("gzip", colour="x"))),
             {"Content-Encoding": "gzip"}),
    "br": (200, JSON, brotli.compress(_json(app_body("br", colour="x"))),
           {"Content-Encoding": "br"}),
    "bomb": (200, JSON, gzip.compress(b'{"display_name": "' + b"a" * 3_000_000 + b'"}'),
             {"Content-Encoding": "gzip"}),
    "big": (200, JSON, _json(app_body("big", display_name="b" * 3_000_000)), {}),
    "leaky": (200, JSON, _json(app_body("leaky", channel_credentials=[
        {"channel": "SMS", "callback_secret": 12345678,
         "static_bearer": {"claimed_identity": "x", "token": "resp-secret-4f9a"}}])), {}),
}
CHUNKED = {"chunked", "chunked-big"}


@dataclass
class Received:
    method: str = ""
    path: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._read_body()
        with self.server.lock:
            self.server.last = Received(self.command, self.path, list(self.headers.items()),
                                        body)
            self.server.count += 1
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        variant = parts[4] if len(parts) == 5 and parts[3] == "apps" else ""
        if variant in CHUNKED:
            return self._chunked(variant)
        if variant in VARIANTS:
            status, ctype, payload, extra = VARIANTS[variant]
        elif path.endswith("/apps") and self.command == "GET":
            status, ctype, payload, extra = 200, JSON, _json({"apps": [APP] * 3}), {}
        elif path.endswith("/apps") and self.command == "POST":
            status, ctype, payload, extra = 200, JSON, _json(APP), {}
        elif len(parts) == 5 and parts[3] == "apps":
            status, ctype, payload, extra = 200, JSON, _json(app_body(variant)), {}
        else:
            status, ctype, payload, extra = 404, JSON, _json({"code": 404, "message": path}), {}
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _chunked(self, variant: str) -> None:
        fill = "c" * (3_000_000 if variant == "chunked-big" else 10)
        payload = _json(app_body(variant, display_name=fill))
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(payload), 65536):
            chunk = payload[start:start + 65536]
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    lock: threading.Lock
    last: Received
    count: int


class FakeSinch:
    """``with FakeSinch() as api: api.url`` serves on a free loopback port."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.lock = threading.Lock()
        self._server.last = Received()
        self._server.count = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def last(self) -> Received:
        with self._server.lock:
            return self._server.last

    @property
    def count(self) -> int:
        with self._server.lock:
            return self._server.count

    def __enter__(self) -> FakeSinch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
