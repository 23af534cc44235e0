"""The fault catalogue: named, documented ways the emulator can break its contract.

Every fault is off by default. Switch one on for the whole emulator (``--fault NAME``,
``EmulatorConfig.faults``) or for one request (header ``X-Emulator-Fault: NAME``; several
names may be comma-separated). Each fault names the Finding kind a conformance check should
raise when it is on (see :class:`conformance.findings.Kind`); a few name a kind the suite
does not have yet (``PROPOSED_KINDS``): stateful checks to be written.

Where a fault acts (``stage``):

* ``auth``: :mod:`conformance.emulator.app` skips or weakens the credential check;
* ``request``: the app answers before or instead of the handler (rejections, 429, 500);
* ``handler``: a handler changes what it stores or serves (deletes, creates, pages);
* ``response``: :func:`apply_response_faults` damages a correct answer on its way out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote_plus

from conformance.emulator.mutate import MUTATORS
from conformance.emulator.replies import Reply
from conformance.emulator.shape import Schemas

__all__ = ["CATALOGUE", "FAULT_HEADER", "FAULTS", "PROPOSED_KINDS", "Fault",
           "apply_response_faults", "has_non_ascii", "parse_fault_header"]

FAULT_HEADER = "x-emulator-fault"
PROPOSED_KINDS: frozenset[str] = frozenset()  # every fault now names a kind of Kind


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str  # one line: what the emulator does when the fault is on
    finding: str  # the Finding kind a check should raise
    applies_to: str  # which operations / requests it changes
    stage: str  # auth, request, handler, response
    note: str = ""

    def line(self) -> str:
        return f"{self.name:<24} {self.finding:<34} {self.summary}"


_BODY_OPS = "operations whose 200 body has such a field"
CATALOGUE: tuple[Fault, ...] = (
    Fault("missing-required-field", "drops the first required property present from 200 "
          "bodies (e.g. a Webhook's app_id, a channel identity's identity)",
          "response_body_schema", _BODY_OPS, "response"),
    Fault("wrong-type", "turns the first string property of 200 bodies into the integer "
          "12345 (e.g. an id)", "response_body_schema", _BODY_OPS, "response"),
    Fault("null-value", "sets the first scalar property of 200 bodies to null, which no "
          "schema of this spec allows", "response_body_schema", _BODY_OPS, "response"),
    Fault("enum-outside-spec", "replaces the first enum value of 200 bodies with "
          "'CARRIER_PIGEON' (a channel, trigger, direction, ...)",
          "undocumented_enum_value", _BODY_OPS, "response"),
    Fault("undocumented-field", "adds 'correlation_id' (a field the real API sends and the "
          "spec omits) to 200 bodies", "undocumented_field",
          "operations whose 200 body schema lists properties (not the six {} answers)",
          "response"),
    Fault("bad-timestamp", "writes the first date-time of 200 bodies without its UTC "
          "offset ('2024-06-18T12:34:56.123456')", "response_body_schema",
          "conversations, messages, send message/event answers", "response"),
    Fault("undocumented-status", "answers 202 instead of 200 on success",
          "response_status_undocumented", "every operation", "response"),
    Fault("wrong-content-type", "labels successful JSON answers 'text/plain; charset=utf-8'",
          "response_content_type", "every operation", "response"),
    Fault("error-body-shape", "wraps error bodies as {\"error\": {code, message, status}} "
          "instead of the flat runtimeError", "response_body_schema",
          "every error answer (400, 401, 403, 404, ...)", "response",
          "runtimeError.error is a string, so an object there violates the schema"),
    Fault("server-error", "answers 500 INTERNAL to valid requests holding a non-ASCII "
          "character (path, query or body)", "server_error", "every operation", "request"),
    Fault("rate-limited", "answers 429 RESOURCE_EXHAUSTED with Retry-After: 1 to every "
          "request", "undocumented_status", "every operation", "request",
          "the spec documents no 429, though Sinch rate-limits apps to 25 req/s"),
    Fault("auth-ignored", "accepts requests with missing or wrong credentials, for any "
          "project", "auth_ignored", "every operation", "auth"),
    Fault("expired-token-accepted", "keeps accepting OAuth2 bearer tokens after they "
          "expire", "auth_ignored", "every operation, with an expired bearer token", "auth"),
    Fault("invalid-body-accepted", "answers 200 (a minimal valid body, nothing stored) to "
          "requests whose body or content type violates the spec", "negative_data_accepted",
          "operations with a request body", "request"),
    Fault("valid-body-rejected", "answers 400 INVALID_ARGUMENT to valid requests that carry "
          "a body", "positive_data_rejected", "operations with a request body", "request"),
    Fault("deleted-still-readable", "answers 200 to DELETE but keeps the resource",
          "use_after_delete", "the five delete operations", "handler"),
    Fault("created-not-readable", "answers 200 to a create with a new id but stores "
          "nothing, so reading it back gives 404", "resource_unavailable_after_create",
          "create app/contact/conversation/webhook, send message", "handler",
          "proposed kind: a stateful check (create, then read) would raise it"),
    Fault("pagination-repeats", "starts each next page with the last item of the previous "
          "page", "pagination_inconsistent", "list contacts/conversations/messages",
          "handler", "proposed kind: walking next_page_token sees an id twice"),
    Fault("pagination-skips", "skips one item at the start of each next page",
          "pagination_inconsistent", "list contacts/conversations/messages", "handler",
          "proposed kind: walking next_page_token sees fewer items than were created "
          "(ListConversations: than total_size)"),
    Fault("page-size-above-max", "honours page_size above 20 (the documented maximum) "
          "instead of clamping it", "response_body_schema",
          "list contacts/conversations/messages", "handler",
          "the maximum is prose only: a schema check sees it only with an overlay adding "
          "maxItems: 20 to the list arrays; otherwise a check must count the items"),
)
FAULTS: Mapping[str, Fault] = MappingProxyType({f.name: f for f in CATALOGUE})


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
    except ValueError:
        return False


def _wrap_error(reply: Reply) -> Reply:
    body = reply.body if isinstance(reply.body, dict) else {}
    inner = {k: body[k] for k in ("code", "message", "status") if k in body}
    return Reply(reply.status, {"error": inner}, reply.content_type, reply.headers)


def apply_response_faults(faults: Iterable[str], reply: Reply, schema: Any,
                          components: Schemas) -> Reply:
    """The reply with every response-stage fault in ``faults`` applied."""
    active = set(faults)
    if not active:
        return reply
    if reply.status >= 400:
        return _wrap_error(reply) if "error-body-shape" in active else reply
    if reply.status != 200:
        return reply
    body = reply.body
    for name, mutate in MUTATORS.items():
        if name in active and schema is not None:
            damaged = mutate(schema, body, components)
            body = body if damaged is None else damaged
    status = 202 if "undocumented-status" in active else 200
    content_type = ("text/plain; charset=utf-8" if "wrong-content-type" in active
                    else reply.content_type)
    return Reply(status, body, content_type, reply.headers)
