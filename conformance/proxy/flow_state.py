"""What the add-on keeps of a flow between its hooks, without touching the flow's bytes.

:class:`Tee` passes a streamed body on unchanged and keeps up to the checking limit;
:class:`FlowState` remembers per flow what the hooks decided; :func:`expected_size` reads the
framing headers; :func:`rejection` is enforce mode's answer (the spec's 400 error body).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from mitmproxy import http

from conformance.contract import REJECTING_KINDS
from conformance.exchange.bodies import too_large
from conformance.findings import Finding
from conformance.redact import redact_text

__all__ = ["FlowState", "Tee", "expected_size", "rejection"]


class Tee:
    """A stream function that passes chunks on unchanged and keeps up to ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buffer = bytearray()
        self.size = 0

    def __call__(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size <= self.limit:
            self.buffer += chunk
        elif self.buffer:
            self.buffer = bytearray()
        return chunk

    def result(self) -> tuple[bytes | None, str | None]:
        if self.size > self.limit:
            return None, too_large(self.size, self.limit)
        return bytes(self.buffer), None


class FlowState:
    """What the add-on remembers about a flow between its hooks (slots: one per flow)."""

    __slots__ = ("request_skip", "response_skip", "request_tee", "response_tee",
                 "request_findings", "enforced")

    def __init__(self) -> None:
        self.request_skip: str | None = None
        self.response_skip: str | None = None
        self.request_tee: Tee | None = None
        self.response_tee: Tee | None = None
        self.request_findings: list[Finding] | None = None
        self.enforced = False


def expected_size(message: http.Message, request: http.Request,
                   response: http.Response | None) -> int | None:
    """Body size announced by the headers; None when unknown until the body has ended.

    (RFC 9112 section 6.3, on the raw header fields: mitmproxy's own helper costs more
    than the rest of the hooks together.)"""
    if response is not None and (request.method == "HEAD" or response.status_code < 200
                                 or response.status_code in (204, 304)):
        return 0
    length: bytes | None = None
    for name, value in message.headers.fields:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            return None
        if lowered == b"content-length":
            length = value
    if length is not None:
        try:
            return int(length)
        except ValueError:
            return None
    if response is None and message.http_version.startswith("HTTP/1"):
        return 0  # an HTTP/1 request without framing headers has no body
    return None


def rejection(findings: Sequence[Finding], secrets: Sequence[str]) -> http.Response:
    """The spec's 400 error body (``runtimeError``) listing what is wrong."""
    reasons = [f.message for f in findings if f.kind in REJECTING_KINDS]
    body = {"code": 400, "status": "INVALID_ARGUMENT", "details": [],
            "message": redact_text(" ".join(reasons), secrets)[:2000]}
    return http.Response.make(400, json.dumps(body), {
        "Content-Type": "application/json", "X-Sinch-Conformance": "enforced"})
