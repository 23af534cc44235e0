"""Exchanges of the suite's own HTTP clients: ``requests`` responses (the suite's transport,
probes and cleanup) and Schemathesis' responses and recorder interactions.

Their bodies are already decoded by the client; response header names are lower-cased,
as the suite has always shown them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from conformance.exchange.model import Exchange, Headers

__all__ = ["from_interaction", "from_requests", "from_schemathesis"]


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _pairs(items: Iterable[tuple[str, Any]], lower: bool = False) -> Headers:
    out = []
    for name, value in items:
        value = value[0] if isinstance(value, list) and value else value
        out.append((name.lower() if lower else name, str(value)))
    return tuple(out)


def _seconds(elapsed: Any) -> float:
    total = getattr(elapsed, "total_seconds", None)
    return float(total()) if callable(total) else float(elapsed or 0.0)


def from_requests(resp: Any, origin: str) -> Exchange:
    """A ``requests.Response`` (with its prepared request)."""
    req = resp.request
    return Exchange(method=str(req.method).upper(), url=str(req.url),
                    request_headers=_pairs(req.headers.items()),
                    request_body=_bytes(req.body), status=int(resp.status_code),
                    reason=str(resp.reason or ""),
                    response_headers=_pairs(resp.headers.items(), lower=True),
                    response_body=resp.content or b"",
                    started=time.time() - _seconds(resp.elapsed),
                    duration_ms=_seconds(resp.elapsed) * 1000.0, origin=origin)


def from_schemathesis(response: Any, origin: str) -> Exchange:
    """A Schemathesis ``Response`` (which holds its prepared request)."""
    req = response.request
    return Exchange(method=str(req.method).upper(), url=str(req.url),
                    request_headers=_pairs(req.headers.items()),
                    request_body=_bytes(req.body), status=int(response.status_code),
                    response_headers=_pairs(response.headers.items(), lower=True),
                    response_body=response.content or b"",
                    started=time.time() - _seconds(response.elapsed),
                    duration_ms=_seconds(response.elapsed) * 1000.0, origin=origin)


def from_interaction(interaction: Any, origin: str) -> Exchange | None:
    """A Schemathesis recorder interaction (None when no response came)."""
    resp = interaction.response
    if resp is None:
        return None
    req = interaction.request
    return Exchange(method=str(req.method).upper(), url=str(req.uri),
                    request_headers=_pairs(req.headers.items()),
                    request_body=_bytes(req.body), status=int(resp.status_code),
                    response_headers=_pairs(resp.headers.items(), lower=True),
                    response_body=resp.content or b"",
                    started=time.time() - _seconds(resp.elapsed),
                    duration_ms=_seconds(resp.elapsed) * 1000.0, origin=origin)
