"""One request and its response, as every checker sees it, whoever saw it.

Live flows, HAR entries, mitmproxy flow files and the suite's own calls (``requests`` and
Schemathesis responses, :mod:`conformance.exchange.clients`) all become an
:class:`Exchange` with decoded bodies, so suite, proxy, replay and drift check exactly the
same thing (:func:`conformance.exchange.checks.check_exchange`).
A live flow is first captured as a :class:`WireCapture` (references to immutable bytes
and header tuples, cheap on mitmproxy's event loop) and decoded later, off the loop, by
:func:`to_exchange`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from conformance.exchange.bodies import decode_body

__all__ = ["Exchange", "Headers", "WireCapture", "header", "to_exchange"]

Headers = tuple[tuple[str, str], ...]
NOT_CAPTURED = "the body was not captured"


def header(headers: Headers, name: str) -> str | None:
    """First value of a header, case-insensitively."""
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


@dataclass(frozen=True)
class Exchange:
    """A request and (when there was one) its response, bodies decoded.

    A body that could not be checked is ``b""`` with the reason in ``*_skipped``.
    ``status`` is None when no response came (connection error); ``enforced`` means the
    response was made by the proxy's enforce mode, not by the API.
    """

    method: str
    url: str
    request_headers: Headers = ()
    request_body: bytes = b""
    request_skipped: str | None = None
    status: int | None = None
    reason: str = ""
    response_headers: Headers = ()
    response_body: bytes = b""
    response_skipped: str | None = None
    enforced: bool = False
    http_version: str = "HTTP/1.1"
    started: float = 0.0
    duration_ms: float = 0.0
    request_size: int = 0
    response_size: int = 0
    error: str | None = None
    origin: str = ""  # who saw it: "proxy", "replay", or the suite's phase/probe/cleanup

    @property
    def target(self) -> str:
        """scheme://host[:port] of the URL: the system that answered."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"

    def request_header(self, name: str) -> str | None:
        return header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return header(self.response_headers, name)


RawHeaders = tuple[tuple[bytes, bytes], ...] | tuple[tuple[str, str], ...]


class WireCapture(NamedTuple):
    """What a proxy hook hands off: raw (still encoded) bodies and header fields.

    ``*_raw`` is None when the body was not buffered (streamed); ``*_skip`` says why.
    A named tuple: made in a mitmproxy hook and pickled to the checker for every flow,
    where a frozen dataclass costs several times more in both."""

    method: str
    url: str
    http_version: str
    request_fields: RawHeaders
    request_raw: bytes | None
    request_skip: str | None = None
    status: int | None = None
    reason: str = ""
    response_fields: RawHeaders = ()
    response_raw: bytes | None = None
    response_skip: str | None = None
    enforced: bool = False
    started: float = 0.0
    ended: float = 0.0
    error: str | None = None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _headers(fields: RawHeaders) -> Headers:
    try:  # the usual case, bytes from mitmproxy: one comprehension, no call per field
        return tuple([(k.decode("utf-8", "replace"),  # type: ignore[union-attr]
                       v.decode("utf-8", "replace"))  # type: ignore[union-attr]
                      for k, v in fields])
    except AttributeError:  # str fields (a HAR file, a test)
        return tuple((_text(k), _text(v)) for k, v in fields)


def _body(raw: bytes | None, skip: str | None, headers: Headers,
          limit: int) -> tuple[bytes, str | None]:
    if skip:
        return b"", skip
    if raw is None:
        return b"", NOT_CAPTURED
    decoded, reason = decode_body(raw, header(headers, "content-encoding"), limit)
    return (b"", reason) if decoded is None else (decoded, None)


def to_exchange(capture: WireCapture, limit: int) -> Exchange:
    """Decode a capture's headers and bodies (never past ``limit`` bytes)."""
    req_headers = _headers(capture.request_fields)
    req_body, req_skip = _body(capture.request_raw, capture.request_skip, req_headers, limit)
    resp_headers = _headers(capture.response_fields)
    if capture.status is None:
        resp_body, resp_skip = b"", None
    else:
        resp_body, resp_skip = _body(capture.response_raw, capture.response_skip,
                                     resp_headers, limit)
    end = capture.ended or capture.started
    return Exchange(
        method=capture.method.upper(), url=capture.url, request_headers=req_headers,
        request_body=req_body, request_skipped=req_skip, status=capture.status,
        reason=capture.reason, response_headers=resp_headers, response_body=resp_body,
        response_skipped=resp_skip, enforced=capture.enforced,
        http_version=capture.http_version, started=capture.started,
        duration_ms=max(0.0, (end - capture.started) * 1000.0),
        request_size=len(capture.request_raw or b""),
        response_size=len(capture.response_raw or b""), error=capture.error,
    )
