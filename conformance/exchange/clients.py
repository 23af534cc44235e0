"""Exchanges of HTTP clients: ``requests`` responses (the suite's transport, probes and
cleanup), Schemathesis' responses and recorder interactions, and a team's own ``requests``
or ``httpx`` responses (the pytest plugin's ``sinch_check``).

Their bodies are already decoded by the client; response header names are lower-cased,
as the suite has always shown them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from conformance.exchange.model import Exchange, Headers

__all__ = ["from_client", "from_interaction", "from_requests", "from_schemathesis"]


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


def _answered(method: str, url: str, req: Any, resp: Any, origin: str,
              reason: str = "") -> Exchange:
    seconds = _seconds(resp.elapsed)
    return Exchange(method=method.upper(), url=url, request_headers=_pairs(req.headers.items()),
                    request_body=_bytes(req.body), status=int(resp.status_code), reason=reason,
                    response_headers=_pairs(resp.headers.items(), lower=True),
                    response_body=resp.content or b"", started=time.time() - seconds,
                    duration_ms=seconds * 1000.0, origin=origin)


def from_requests(resp: Any, origin: str) -> Exchange:
    """A ``requests.Response`` (with its prepared request)."""
    req = resp.request
    return _answered(str(req.method), str(req.url), req, resp, origin, str(resp.reason or ""))


def from_schemathesis(response: Any, origin: str) -> Exchange:
    """A Schemathesis ``Response`` (which holds its prepared request)."""
    req = response.request
    return _answered(str(req.method), str(req.url), req, response, origin)


def from_interaction(interaction: Any, origin: str) -> Exchange | None:
    """A Schemathesis recorder interaction (None when no response came)."""
    if interaction.response is None:
        return None
    req = interaction.request
    return _answered(str(req.method), str(req.uri), req, interaction.response, origin)


def from_client(response: Any, origin: str, request: Any = None) -> Exchange:
    """A ``requests`` or ``httpx`` response with the request it answered, or with
    ``request`` (a ``requests.PreparedRequest`` or an ``httpx.Request``) instead."""
    req = request if request is not None else response.request
    body = req.body if hasattr(req, "body") else getattr(req, "content", b"")
    reason = getattr(response, "reason", None) or getattr(response, "reason_phrase", "")
    try:
        seconds = _seconds(response.elapsed)
    except RuntimeError:  # httpx knows it only once the response is closed
        seconds = 0.0
    return Exchange(method=str(req.method).upper(), url=str(req.url),
                    request_headers=_pairs(req.headers.items()), request_body=_bytes(body),
                    status=int(response.status_code), reason=str(reason or ""),
                    response_headers=_pairs(response.headers.items(), lower=True),
                    response_body=response.content or b"", started=time.time() - seconds,
                    duration_ms=seconds * 1000.0, origin=origin)
