"""The fault catalogue: named, documented ways the emulator can break its contract.

Every fault is off by default. Switch one on for the whole emulator (``--fault NAME``,
``EmulatorConfig.faults``) or for one request (header ``X-Emulator-Fault: NAME``; several
names may be comma-separated). The names are the constants of :class:`FaultName`; the code
tests for a fault with them, never with a bare string.

Each fault is an entry of :data:`FAULT_REGISTRY`, a :class:`conformance.registry.Registry`
like the checks' and the lint rules': its name, the Finding kind a conformance check must
raise when it is on (``kinds``, a :class:`conformance.findings.Kind`), where it runs (the
emulator), and the :class:`Fault` itself (summary, what it applies to, stage, note and, for
the faults that damage a 200 body, its mutator from :mod:`conformance.emulator.mutate`).
:data:`FAULTS` (by name) and :data:`CATALOGUE` (in order) are views of the registry.

Where a fault acts (``stage``):

* ``auth``: :mod:`conformance.emulator.app` skips or weakens the credential check;
* ``request``: the app answers before or instead of the handler (rejections, 429, 500);
* ``handler``: a handler changes what it stores or serves (deletes, creates, pages);
* ``response``: :func:`apply_response_faults` damages a correct answer on its way out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import unquote_plus

from conformance.emulator import mutate
from conformance.emulator.mutate import Mutator
from conformance.emulator.replies import Reply
from conformance.emulator.shape import Schemas
from conformance.findings import Kind
from conformance.registry import Registry

__all__ = ["CATALOGUE", "FAULTS", "FAULT_HEADER", "FAULT_REGISTRY", "PROPOSED_KINDS", "Fault",
           "FaultName", "Stage", "apply_response_faults", "has_non_ascii",
           "parse_fault_header"]

FAULT_HEADER = "x-emulator-fault"
PROPOSED_KINDS: frozenset[str] = frozenset()  # every fault now names a kind of Kind
Stage = Literal["auth", "request", "handler", "response"]


class FaultName(StrEnum):
    """The name of each fault, as ``--fault`` and ``X-Emulator-Fault`` take it."""

    MISSING_REQUIRED_FIELD = "missing-required-field"
    WRONG_TYPE = "wrong-type"
    NULL_VALUE = "null-value"
    ENUM_OUTSIDE_SPEC = "enum-outside-spec"
    UNDOCUMENTED_FIELD = "undocumented-field"
    BAD_TIMESTAMP = "bad-timestamp"
    UNDOCUMENTED_STATUS = "undocumented-status"
    WRONG_CONTENT_TYPE = "wrong-content-type"
    ERROR_BODY_SHAPE = "error-body-shape"
    SERVER_ERROR = "server-error"
    RATE_LIMITED = "rate-limited"
    AUTH_IGNORED = "auth-ignored"
    EXPIRED_TOKEN_ACCEPTED = "expired-token-accepted"
    INVALID_BODY_ACCEPTED = "invalid-body-accepted"
    VALID_BODY_REJECTED = "valid-body-rejected"
    DELETED_STILL_READABLE = "deleted-still-readable"
    CREATED_NOT_READABLE = "created-not-readable"
    PAGINATION_REPEATS = "pagination-repeats"
    PAGINATION_SKIPS = "pagination-skips"
    PAGE_SIZE_ABOVE_MAX = "page-size-above-max"
    # Rules the spec states only in words (conformance/suite/prose/ checks them).
    PROSE_TWO_ACTIVE = "prose-two-active-conversations"
    PROSE_STOP_IGNORED = "prose-stop-ignored"
    PROSE_SEND_IGNORES_ACTIVE = "prose-send-ignores-active"
    PROSE_METADATA_WRONG = "prose-metadata-wrong"
    PROSE_DELETE_CASCADE_WRONG = "prose-delete-cascade-wrong"
    PROSE_MESSAGES_OLDEST_FIRST = "prose-messages-oldest-first"
    PROSE_DEFAULTS_IGNORED = "prose-defaults-ignored"
    PROSE_UPDATE_MASK_IGNORED = "prose-update-mask-ignored"
    PROSE_MERGE_WRONG = "prose-merge-wrong"
    PROSE_PAGE_SIZE_DEFAULT = "prose-page-size-default"
    PROSE_WEBHOOK_LIMIT_IGNORED = "prose-webhook-limit-ignored"
    PROSE_INPUT_RULES_IGNORED = "prose-input-rules-ignored"
    PROSE_REQUEST_OPTIONS_IGNORED = "prose-request-options-ignored"


@dataclass(frozen=True)
class Fault:
    name: FaultName
    summary: str  # one line: what the emulator does when the fault is on
    finding: Kind  # the Finding kind a check should raise
    applies_to: str  # which operations / requests it changes
    stage: Stage
    note: str = ""
    # response stage: damages a conforming 200 body (None: nothing to damage)
    mutator: Mutator | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        return f"{self.name:<24} {self.finding:<34} {self.summary}"


FAULT_REGISTRY: Registry[Fault] = Registry("emulator fault")


def _fault(name: FaultName, finding: Kind, summary: str, applies_to: str, stage: Stage,
           note: str = "", mutator: Mutator | None = None) -> None:
    """Register one fault: its Finding kind is the registry entry's ``kinds``."""
    FAULT_REGISTRY.add(Fault(name, summary, finding, applies_to, stage, note, mutator), name,
                       kinds={finding}, where={"emulator"}, doc=summary)


_BODY_OPS = "operations whose 200 body has such a field"
_EVERY_OP = "every operation"
_WITH_BODY = "operations with a request body"
_LISTS = "list contacts/conversations/messages"

_fault(FaultName.MISSING_REQUIRED_FIELD, Kind.RESPONSE_BODY_SCHEMA,
       "drops the first required property present from 200 bodies (e.g. a Webhook's "
       "app_id, a channel identity's identity)", _BODY_OPS, "response",
       mutator=mutate.drop_required)
_fault(FaultName.WRONG_TYPE, Kind.RESPONSE_BODY_SCHEMA,
       "turns the first string property of 200 bodies into the integer 12345 (e.g. an id)",
       _BODY_OPS, "response", mutator=mutate.wrong_type)
_fault(FaultName.NULL_VALUE, Kind.RESPONSE_BODY_SCHEMA,
       "sets the first scalar property of 200 bodies to null, which no schema of this spec "
       "allows", _BODY_OPS, "response", mutator=mutate.null_value)
_fault(FaultName.ENUM_OUTSIDE_SPEC, Kind.UNDOCUMENTED_ENUM_VALUE,
       "replaces the first enum value of 200 bodies with 'CARRIER_PIGEON' (a channel, "
       "trigger, direction, ...)", _BODY_OPS, "response", mutator=mutate.enum_outside)
_fault(FaultName.UNDOCUMENTED_FIELD, Kind.UNDOCUMENTED_FIELD,
       "adds 'correlation_id' (a field the real API sends and the spec omits) to 200 bodies",
       "operations whose 200 body schema lists properties (not the six {} answers)",
       "response", mutator=mutate.extra_field)
_fault(FaultName.BAD_TIMESTAMP, Kind.RESPONSE_BODY_SCHEMA,
       "writes the first date-time of 200 bodies without its UTC offset "
       "('2024-06-18T12:34:56.123456')",
       "conversations, messages, send message/event answers", "response",
       mutator=mutate.naive_timestamp)
_fault(FaultName.UNDOCUMENTED_STATUS, Kind.RESPONSE_STATUS_UNDOCUMENTED,
       "answers 202 instead of 200 on success", _EVERY_OP, "response")
_fault(FaultName.WRONG_CONTENT_TYPE, Kind.RESPONSE_CONTENT_TYPE,
       "labels successful JSON answers 'text/plain; charset=utf-8'", _EVERY_OP, "response")
_fault(FaultName.ERROR_BODY_SHAPE, Kind.RESPONSE_BODY_SCHEMA,
       "wraps error bodies as {\"error\": {code, message, status}} instead of the flat "
       "runtimeError", "every error answer (400, 401, 403, 404, ...)", "response",
       "runtimeError.error is a string, so an object there violates the schema")
_fault(FaultName.SERVER_ERROR, Kind.SERVER_ERROR,
       "answers 500 INTERNAL to valid requests holding a non-ASCII character (path, query "
       "or body)", _EVERY_OP, "request")
_fault(FaultName.RATE_LIMITED, Kind.UNDOCUMENTED_STATUS,
       "answers 429 RESOURCE_EXHAUSTED with Retry-After: 1 to every request", _EVERY_OP,
       "request", "the spec documents no 429, though Sinch rate-limits apps to 25 req/s")
_fault(FaultName.AUTH_IGNORED, Kind.AUTH_IGNORED,
       "accepts requests with missing or wrong credentials, for any project", _EVERY_OP,
       "auth")
_fault(FaultName.EXPIRED_TOKEN_ACCEPTED, Kind.AUTH_IGNORED,
       "keeps accepting OAuth2 bearer tokens after they expire",
       "every operation, with an expired bearer token", "auth")
_fault(FaultName.INVALID_BODY_ACCEPTED, Kind.NEGATIVE_DATA_ACCEPTED,
       "answers 200 (a minimal valid body, nothing stored) to requests whose body or "
       "content type violates the spec", _WITH_BODY, "request")
_fault(FaultName.VALID_BODY_REJECTED, Kind.POSITIVE_DATA_REJECTED,
       "answers 400 INVALID_ARGUMENT to valid requests that carry a body", _WITH_BODY,
       "request")
_fault(FaultName.DELETED_STILL_READABLE, Kind.USE_AFTER_DELETE,
       "answers 200 to DELETE but keeps the resource", "the five delete operations",
       "handler")
_fault(FaultName.CREATED_NOT_READABLE, Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
       "answers 200 to a create with a new id but stores nothing, so reading it back gives "
       "404", "create app/contact/conversation/webhook, send message", "handler",
       "proposed kind: a stateful check (create, then read) would raise it")
_fault(FaultName.PAGINATION_REPEATS, Kind.PAGINATION_INCONSISTENT,
       "starts each next page with the last item of the previous page", _LISTS, "handler",
       "proposed kind: walking next_page_token sees an id twice")
_fault(FaultName.PAGINATION_SKIPS, Kind.PAGINATION_INCONSISTENT,
       "skips one item at the start of each next page", _LISTS, "handler",
       "proposed kind: walking next_page_token sees fewer items than were created "
       "(ListConversations: than total_size)")
_fault(FaultName.PAGE_SIZE_ABOVE_MAX, Kind.RESPONSE_BODY_SCHEMA,
       "honours page_size above 20 (the documented maximum) instead of clamping it", _LISTS,
       "handler", "the maximum is prose only: a schema check sees it only with an overlay "
       "adding maxItems: 20 to the list arrays; otherwise a check must count the items")

_PROSE = "one per rule group of conformance/suite/prose/ (prose_rule_violated quotes the sentence)"
_fault(FaultName.PROSE_TWO_ACTIVE, Kind.PROSE_RULE_VIOLATED,
       "lets an app and a contact have two active conversations (create or update to "
       "active: true)", "create/update conversation", "handler", _PROSE)
_fault(FaultName.PROSE_STOP_IGNORED, Kind.PROSE_RULE_VIOLATED,
       "answers 200 to stop but leaves the conversation active, so the next message joins "
       "it", "stop conversation", "handler", _PROSE)
_fault(FaultName.PROSE_SEND_IGNORES_ACTIVE, Kind.PROSE_RULE_VIOLATED,
       "starts a new conversation for every message sent instead of adding it to the active "
       "one", "send message", "handler", _PROSE)
_fault(FaultName.PROSE_METADATA_WRONG, Kind.PROSE_RULE_VIOLATED,
       "merges metadata_json under REPLACE (the default) and a send's conversation_metadata, "
       "clears it on a send without one, and applies MERGE_PATCH shallowly (null stored, "
       "nested objects replaced)", "update conversation, send message", "handler", _PROSE)
_fault(FaultName.PROSE_DELETE_CASCADE_WRONG, Kind.PROSE_RULE_VIOLATED,
       "keeps a deleted conversation's messages, and deletes a conversation with its last "
       "message", "delete conversation, delete message", "handler", _PROSE)
_fault(FaultName.PROSE_MESSAGES_OLDEST_FIRST, Kind.PROSE_RULE_VIOLATED,
       "lists messages oldest accept_time first", "list messages", "handler", _PROSE)
_fault(FaultName.PROSE_DEFAULTS_IGNORED, Kind.PROSE_RULE_VIOLATED,
       "fills in other values than the prose promises: display_name '', last_received now, "
       "rate limits 10, ttl_days 90, PERSIST_RETENTION_POLICY, processing_mode DISPATCH, "
       "opt-in channels and request_id left empty, a client's id kept",
       "create app/contact/conversation, update contact, opt-in/out, capability", "handler",
       _PROSE)
_fault(FaultName.PROSE_UPDATE_MASK_IGNORED, Kind.PROSE_RULE_VIOLATED,
       "changes every field of a PATCH body, whatever update_mask.paths lists",
       "update app/contact/conversation/webhook", "handler", _PROSE)
_fault(FaultName.PROSE_MERGE_WRONG, Kind.PROSE_RULE_VIOLATED,
       "merges contacts the other way round (keeps the source, deletes the destination), "
       "moving every channel identity to the top of the priority list and overwriting "
       "optional fields", "merge contacts", "handler", _PROSE)
_fault(FaultName.PROSE_PAGE_SIZE_DEFAULT, Kind.PROSE_RULE_VIOLATED,
       "serves 20 items per page when page_size is not given (the default is 10)", _LISTS,
       "handler", _PROSE)
_fault(FaultName.PROSE_WEBHOOK_LIMIT_IGNORED, Kind.PROSE_RULE_VIOLATED,
       "accepts a 6th webhook for an app (the limit is 5)", "create/update webhook",
       "handler", _PROSE)
_fault(FaultName.PROSE_INPUT_RULES_IGNORED, Kind.PROSE_RULE_VIOLATED,
       "accepts what the prose forbids and no schema can say: an injected accept_time "
       "outside the last 30 days, a capability query for a contact that does not exist, a "
       "contact_id recipient for an app in DISPATCH mode (send, event, opt-in, opt-out)",
       "inject message, capability, send message/event, opt-in/out", "handler", _PROSE)
_fault(FaultName.PROSE_REQUEST_OPTIONS_IGNORED, Kind.PROSE_RULE_VIOLATED,
       "ignores what a request asks for: a transcode's explicit_channel_message, a send's "
       "processing_strategy DISPATCH_ONLY (stored in a conversation), the recipient of a "
       "capability query (another one answered)", "transcode, send message, capability",
       "handler", _PROSE)


def _check_complete() -> None:
    missing = [str(n) for n in FaultName if n not in FAULT_REGISTRY]
    if missing:
        raise RuntimeError(f"emulator fault(s) without a catalogue entry: {', '.join(missing)}")


_check_complete()
FAULTS: Mapping[str, Fault] = MappingProxyType({e.name: e.obj for e in FAULT_REGISTRY})
CATALOGUE: tuple[Fault, ...] = tuple(e.obj for e in FAULT_REGISTRY)


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
