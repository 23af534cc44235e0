"""What switched-on faults do to a request or a reply: the fault header's parsing, the
request predicates (non-ASCII, over-long strings) and the response stage's damage. The
catalogue itself is :mod:`conformance.emulator.faults`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

from conformance.emulator.faults import CATALOGUE, FAULTS, LONG_VALUE, FaultName
from conformance.emulator.replies import Reply
from conformance.emulator.shape import Schemas

__all__ = ["apply_response_faults", "has_long_string", "has_non_ascii", "parse_fault_header"]


def parse_fault_header(value: str) -> tuple[frozenset[str], list[str]]:
    """(known fault names, unknown names) of an ``X-Emulator-Fault`` header value."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    return frozenset(n for n in names if n in FAULTS), [n for n in names if n not in FAULTS]


def has_non_ascii(path: str, query: str, body: bytes) -> bool:
    if not (unquote_plus(path) + unquote_plus(query)).isascii() or not body.isascii():
        return True
    if b"\\u" not in body:
        return False
    try:
        return not json.dumps(json.loads(body), ensure_ascii=False).isascii()
    except ValueError:  # not JSON: its bytes are ASCII, and \u is then just text
        return False


def has_long_string(body: bytes) -> bool:
    """Whether a JSON body holds a string (key or value) longer than :data:`LONG_VALUE`."""
    if len(body) <= LONG_VALUE:
        return False
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and len(node) > LONG_VALUE:
            return True
        if isinstance(node, dict):
            stack += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            stack += node
    return False


def _wrap_error(reply: Reply) -> Reply:
    body = reply.body if isinstance(reply.body, dict) else {}
    inner = {k: body[k] for k in ("code", "message", "status") if k in body}
    return Reply(reply.status, {"error": inner}, reply.content_type, reply.headers)


def apply_response_faults(faults: Iterable[str], reply: Reply, schema: Any,
                          components: Schemas) -> Reply:
    """The reply with every response-stage fault in ``faults`` applied (the mutators in
    catalogue order)."""
    active = set(faults)
    if not active:
        return reply
    if reply.status >= 400:
        return _wrap_error(reply) if FaultName.ERROR_BODY_SHAPE in active else reply
    if reply.status != 200:
        return reply
    body = reply.body
    for fault in CATALOGUE:
        if fault.mutator is not None and fault.name in active and schema is not None:
            damaged = fault.mutator(schema, body, components)
            body = body if damaged is None else damaged
    status = 202 if FaultName.UNDOCUMENTED_STATUS in active else 200
    content_type = ("text/plain; charset=utf-8" if FaultName.WRONG_CONTENT_TYPE in active
                    else reply.content_type)
    return Reply(status, body, content_type, reply.headers)
