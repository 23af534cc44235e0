"""Recorded traffic (HAR 1.2) checked against the contract offline, for drift reports.

Each entry becomes an :class:`Exchange`; :func:`check_traffic` validates it with the
contract (source ``replay``) and also records which documented body fields the traffic
used, per operation and message part, so a drift report can list the fields never seen.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.errors import UserError
from conformance.findings import Finding
from conformance.redact import curl_line
from conformance.reports.fields import used_fields
from conformance.validation import media_type

if TYPE_CHECKING:
    from conformance.contract import Contract, Operation

__all__ = ["REQUEST_BODY", "Exchange", "Traffic", "check_traffic", "read_har", "response_part"]

_EXCERPT = 4000  # characters of a non-JSON body kept as evidence


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None
    response_headers: dict[str, str]
    response_body: bytes
    started: str = ""


@dataclass
class Traffic:
    """What a set of exchanges showed: findings, calls and used fields per operation
    (``used[operation_id][part]``, part ``request.body`` or ``response.<status>.body``)."""

    findings: list[Finding] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    used: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # op -> part -> fields


REQUEST_BODY = "request.body"


def response_part(documented_status: str) -> str:
    return f"response.{documented_status}.body"


def _headers(items: Any) -> dict[str, str]:
    return {str(h.get("name", "")): str(h.get("value", "")) for h in items or []
            if isinstance(h, dict)}


def _content(text: Any, encoding: Any) -> bytes:
    if not isinstance(text, str):
        return b""
    if encoding == "base64":
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return text.encode("utf-8")
    return text.encode("utf-8")


def _exchange(entry: dict[str, Any]) -> Exchange:
    req, resp = entry.get("request") or {}, entry.get("response") or {}
    post = req.get("postData") or {}
    content = resp.get("content") or {}
    status = resp.get("status")
    return Exchange(
        method=str(req.get("method", "GET")).upper(), url=str(req.get("url", "")),
        request_headers=_headers(req.get("headers")),
        request_body=_content(post.get("text"), post.get("encoding")),
        status=int(status) if isinstance(status, int) and status > 0 else None,
        response_headers=_headers(resp.get("headers")),
        response_body=_content(content.get("text"), content.get("encoding")),
        started=str(entry.get("startedDateTime", "")))


def read_har(path: str | Path) -> list[Exchange]:
    """The exchanges of a HAR file; a file that is not HAR is a UserError."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["log"]["entries"]
    except FileNotFoundError:
        raise UserError(f"the HAR file {path} does not exist",
                        tip="pass recordings written by `sinch-conformance proxy`") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise UserError(f"{path} is not a HAR file (no log.entries)",
                        tip="pass a HAR 1.2 recording, e.g. one written by the proxy") from None
    if not isinstance(entries, list):
        raise UserError(f"{path} has a log.entries that is not a list",
                        tip="pass a HAR 1.2 recording, e.g. one written by the proxy")
    return [_exchange(e) for e in entries if isinstance(e, dict)]


def _body_excerpt(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return raw[:_EXCERPT].decode("utf-8", errors="replace")


def _evidence(x: Exchange) -> dict[str, Any]:
    return {
        "request": {"method": x.method, "url": x.url, "headers": x.request_headers,
                    "body": _body_excerpt(x.request_body)},
        "response": {"status": x.status, "headers": x.response_headers,
                     "body": _body_excerpt(x.response_body)},
        "curl": curl_line(x.method, x.url, x.request_headers, x.request_body or None),
    }


def _record_used(contract: Contract, traffic: Traffic, op: Operation, x: Exchange) -> None:
    parts = traffic.used.setdefault(op.operation_id, {})
    headers = {k.lower(): v for k, v in x.request_headers.items()}
    mt = media_type(headers.get("content-type"))
    schema = op.request_content.get(mt) or next(iter(op.request_content.values()), None)
    body = _body_excerpt(x.request_body)
    if schema is not None and isinstance(body, dict | list):
        parts.setdefault(REQUEST_BODY, set()).update(
            used_fields(contract.document, schema, body))
    documented = op.response_for(x.status) if x.status is not None else None
    if documented is None:
        return
    key, content = documented
    body = _body_excerpt(x.response_body)
    schema = next(iter(content.values()), None)
    if schema is not None and isinstance(body, dict | list):
        parts.setdefault(response_part(key), set()).update(
            used_fields(contract.document, schema, body))


def check_traffic(contract: Contract, exchanges: Iterable[Exchange], *, run_id: str,
                  base_path: str = "", into: Traffic | None = None) -> Traffic:
    """Validate every exchange with ``contract`` (findings have source ``replay``), adding
    to ``into`` when given (several recordings, one picture)."""
    traffic = Traffic() if into is None else into
    for x in exchanges:
        parts = urlsplit(x.url)
        ctx: dict[str, Any] = dict(source="replay", base_path=base_path, run_id=run_id,
                                   target=f"{parts.scheme}://{parts.netloc}" if parts.netloc
                                   else None, evidence=_evidence(x))
        found = contract.validate_request(x.method, x.url, x.request_headers, x.request_body,
                                          **ctx)
        op = contract.operation_for(x.method, x.url, base_path)
        if op is not None and x.status is not None:
            found += contract.validate_response(x.method, x.url, x.status, x.response_headers,
                                                x.response_body, **ctx)
        if op is not None:
            traffic.calls[op.operation_id] = traffic.calls.get(op.operation_id, 0) + 1
            _record_used(contract, traffic, op, x)
        traffic.findings.extend(found)
    return traffic
