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
* ``response``: ``apply_response_faults`` (:mod:`conformance.emulator.fault_effects`)
  damages a correct answer on its way out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from conformance.emulator import mutate
from conformance.emulator.fault_model import (
    FAULT_HEADER,
    FAULT_REGISTRY,
    LONG_VALUE,
    PROPOSED_KINDS,
    READ_LAG_SECONDS,
    Fault,
    FaultName,
    Stage,
)
from conformance.emulator.fault_model import register_fault as _fault
from conformance.findings import Kind

__all__ = ["CATALOGUE", "FAULTS", "FAULT_HEADER", "FAULT_REGISTRY", "PROPOSED_KINDS", "Fault",
           "FaultName", "LONG_VALUE", "READ_LAG_SECONDS", "Stage"]

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

_fault(FaultName.PROJECT_NOT_CHECKED, Kind.CROSS_PROJECT_ACCESS,
       "lets a valid key reach any project: the key's project is not compared with the "
       "path's project_id (no 403)", _EVERY_OP, "auth",
       "the access probe's requests naming another (or an invented) project id get 2xx")
_fault(FaultName.FOREIGN_IDS_SERVED, Kind.CROSS_PROJECT_ACCESS,
       "looks an app, contact, conversation or webhook up in every project when the "
       "path's project does not hold it (OWASP API1, broken object-level authorisation)",
       "get/update/delete of apps, contacts, conversations, webhooks", "handler",
       "seen with a second project's key: its project path serves the first's resources")
_fault(FaultName.WRONG_SECRET_ACCEPTED, Kind.WRONG_CREDENTIALS_ACCEPTED,
       "accepts a known key id with any secret (HTTP Basic and the token endpoint)",
       "every operation, and POST /oauth2/token", "auth")
_fault(FaultName.FORGED_TOKEN_ACCEPTED, Kind.WRONG_CREDENTIALS_ACCEPTED,
       "accepts any bearer token it never issued (unverified tokens), as the main key's",
       "every operation, with an unknown bearer token", "auth")
_fault(FaultName.WEBHOOK_ANY_APP, Kind.CHILD_VIA_WRONG_PARENT,
       "lists every webhook of the project under any app, not only the app's own",
       "Webhooks_ListWebhooks", "handler",
       "RESTler's ResourceHierarchy checker: a child read through a parent it is not under")
_fault(FaultName.FAILED_CREATE_PERSISTS, Kind.FAILED_CREATE_LEFT_RESOURCE,
       "stores what a create request holds before validating it, then answers 400 without "
       "removing it", "create app/contact/conversation/webhook", "request",
       "RESTler's LeakageRule checker: a create answered 4xx leaves a resource behind")
_fault(FaultName.GARBLED_ID_500, Kind.INVALID_ID_NOT_REJECTED,
       "answers 500 INTERNAL when a path id holds a character other than letters, digits, "
       "'-', '_' or '.' (an id pasted unescaped into a query)",
       "operations with an id in the path", "request",
       "RESTler's InvalidDynamicObject checker: ids like '{}' or 'X??' must get 4xx")


_fault(FaultName.READ_LAG, Kind.READ_YOUR_WRITES_VIOLATED,
       f"reads (every GET) see the data as it was {READ_LAG_SECONDS} s ago, like a lagging "
       "replica: a write shows in get and list only after that", "every GET, after writes "
       "made with the fault on", "handler", "eventual consistency, not a defect: the "
       "consistency probes re-read within --consistency-window and give no finding; only a "
       "window shorter than the lag gives the kind, with the wait in its message")
_fault(FaultName.UPDATE_NOT_PERSISTED, Kind.READ_YOUR_WRITES_VIOLATED,
       "answers an update with the changed resource but stores nothing", "the four update "
       "(PATCH) operations", "handler")
_fault(FaultName.LIST_MISSES_CREATED, Kind.READ_YOUR_WRITES_VIOLATED,
       "leaves the newest item out of every paginated list (a stale list)", _LISTS, "handler")
_fault(FaultName.GET_RETURNS_OTHER, Kind.IDENTITY_MISMATCH,
       "answers a get with another stored resource of the same kind, when there is one",
       "get app/contact/conversation/message/webhook", "handler")
_fault(FaultName.LIST_FILTER_IGNORED, Kind.LIST_FILTER_IGNORED,
       "ignores the documented list filters (app_id, contact_id, conversation_id, "
       "only_active, only_recipient_originated, the webhooks' app)",
       "list conversations/messages/webhooks", "handler")
_fault(FaultName.PAGINATION_TOTAL_SIZE_WRONG, Kind.PAGINATION_INCONSISTENT,
       "answers total_size one more than the items the pages hold", "list conversations",
       "handler")
_fault(FaultName.PAGINATION_ENDLESS, Kind.PAGINATION_INCONSISTENT,
       "gives the last page a next_page_token that leads back to the second page (a cycle)",
       _LISTS, "handler", "a client that follows the tokens never stops; the walk is bounded "
       "and reports the token it saw twice")
_fault(FaultName.LONG_VALUE_500, Kind.EDGE_VALUE_SERVER_ERROR,
       f"answers 500 INTERNAL to valid requests whose body holds a string longer than "
       f"{LONG_VALUE} characters", _WITH_BODY, "request",
       "the non-ASCII counterpart is server-error")
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
