"""Recorded traffic checked against the contract offline, for drift reports.

:func:`check_traffic` checks each exchange exactly as ``replay`` does (the same
:func:`~conformance.exchange.check_exchange`, source ``replay``) and also records which
documented body fields the traffic used, per operation and message part, so a drift report
can list the fields never seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.exchange.checks import CheckContext, check_exchange, operation_of
from conformance.exchange.model import Exchange
from conformance.exchange.selected import is_selected
from conformance.findings import Finding
from conformance.reports.fields import used_fields
from conformance.selection import OperationFilter
from conformance.validation import media_type

if TYPE_CHECKING:
    from conformance.contract import Contract, Operation

__all__ = ["REQUEST_BODY", "Traffic", "check_traffic", "response_part"]


@dataclass
class Traffic:
    """What a set of exchanges showed: findings, calls and used fields per operation
    (``used[operation_id][part]``, part ``request.body`` or ``response.<status>.body``)."""

    findings: list[Finding] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    used: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # op -> part -> fields
    filtered: int = 0  # exchanges of operations the operation filters leave out


REQUEST_BODY = "request.body"


def response_part(documented_status: str) -> str:
    return f"response.{documented_status}.body"


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None


def _record_used(contract: Contract, traffic: Traffic, op: Operation, x: Exchange) -> None:
    parts = traffic.used.setdefault(op.operation_id, {})
    mt = media_type(x.request_header("content-type"))
    schema = op.request_content.get(mt) or next(iter(op.request_content.values()), None)
    body = _json(x.request_body)
    if schema is not None and isinstance(body, dict | list):
        parts.setdefault(REQUEST_BODY, set()).update(
            used_fields(contract.document, schema, body))
    documented = op.response_for(x.status) if x.status is not None else None
    if documented is None:
        return
    key, content = documented
    body = _json(x.response_body)
    schema = next(iter(content.values()), None)
    if schema is not None and isinstance(body, dict | list):
        parts.setdefault(response_part(key), set()).update(
            used_fields(contract.document, schema, body))


def check_traffic(contract: Contract, exchanges: Iterable[Exchange], *, run_id: str,
                  base_path: str = "", into: Traffic | None = None,
                  selection: OperationFilter | None = None) -> Traffic:
    """Check every exchange as ``replay`` does (:func:`conformance.exchange.check_exchange`,
    source ``replay``), adding to ``into`` when given (several recordings, one picture);
    exchanges of operations ``selection`` leaves out are only counted as filtered."""
    traffic = Traffic() if into is None else into
    ctx = CheckContext(contract, "replay", run_id, base_path)
    for x in exchanges:
        if selection is not None and not is_selected(ctx, x, selection):
            traffic.filtered += 1
            continue
        traffic.findings.extend(check_exchange(ctx, x))
        op_id = operation_of(ctx, x)[0]  # routed once: the checks' cached match
        op = contract.operations.get(op_id) if op_id else None
        if op is not None:
            traffic.calls[op.operation_id] = traffic.calls.get(op.operation_id, 0) + 1
            _record_used(contract, traffic, op, x)
    return traffic
