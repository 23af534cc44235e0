"""The success top-up probe: curated valid requests, each a different input, for every
operation the run has not yet seen succeed ``SUCCESS_GOAL`` times (distinct 2xx answers).

Generated data rarely gets far with some operations (a merge needs two existing contacts),
and checks of successful answers see nothing of an operation that never succeeds. This
probe runs last and tops such operations up, one
variant at a time (another name, page size or request id, or a fresh resource to read,
merge or delete) until the goal is met or the operation keeps failing (operations the
filters or the configuration leave out are not topped up). Its exchanges go through the
same checks; it reports no finding itself, only a note of what it added and what stayed
short, so a gap of generation still shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from conformance.suite.probe_context import P, ProbeContext, bodies, ok
from conformance.suite.summary import SUCCESS_GOAL

__all__ = ["VARIANTS", "top_up"]

ATTEMPTS = 2 * SUCCESS_GOAL  # variants tried per operation at most
GIVE_UP_AFTER = 3  # failed variants in a row before an operation is left short
STOP_AFTER = 6  # failed variants in a row (any operation) before the probe stops
WEBHOOKS_PER_APP = 5  # the API's limit


class _Pool:
    """The resources variants use: shared ones made once, or fresh ones per variant."""

    def __init__(self, ctx: ProbeContext) -> None:
        self.ctx = ctx
        self.serial = 0
        self._shared: dict[str, str] = {}
        self.hook_app, self._hooks = "", WEBHOOKS_PER_APP  # app for new webhooks, its count
        self.owner: dict[str, str] = {}  # webhook -> its app

    def call(self, method: str, path: str, body: Any = None,
             query: dict[str, Any] | None = None) -> requests.Response:
        return self.ctx.call(method, f"{P}/{path}", body=body, query=query)

    def _made(self, path: str, body: Any, key: str = "id") -> str:
        resp = self.call("POST", path, body)
        try:
            value = resp.json().get(key) if ok(resp) else None
        except (ValueError, AttributeError):
            value = None
        return value if isinstance(value, str) else ""

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def app(self) -> str:
        n = self._next()
        body = bodies()["app"]
        body["display_name"] = f"sinch-conformance top-up {n}"
        body["channel_credentials"][0]["static_bearer"]["claimed_identity"] = f"{10000 + n}"
        return self._made("apps", body)

    def contact(self) -> str:
        n = self._next()
        return self._made("contacts", {
            "channel_identities": [{"channel": "SMS", "identity": f"+4671{n:07d}"}],
            "language": "EN_US", "display_name": f"sinch-conformance top-up {n}"})

    def conversation(self, active: bool = False, contact: str = "") -> str:
        app, contact = self.shared("app"), contact or self.shared("contact")
        if not app or not contact:
            return ""
        return self._made("conversations", {
            "app_id": app, "contact_id": contact, "active": active, "active_channel": "SMS",
            "metadata": f"sinch-conformance top-up {self._next()}"})

    def webhook(self) -> str:
        if self._hooks >= WEBHOOKS_PER_APP:
            self.hook_app, self._hooks = self.app(), 0
        self._hooks += 1
        if not self.hook_app:
            return ""
        body = bodies(self.hook_app)["webhook"]
        body["target"] = f"https://example.com/sinch-conformance/{self._next()}"
        hook = self._made("webhooks", body)
        self.owner[hook] = self.hook_app
        return hook

    def message(self) -> str:
        app, contact = self.shared("app"), self.shared("contact")
        if not app or not contact:
            return ""
        body = bodies(app, contact)["message"]
        body["message"]["message"]["text"] = f"top-up {self._next()}"
        return self._made("messages:send", body, "message_id")

    def shared(self, kind: str) -> str:
        """The one app, contact, conversation or webhook that variants change or use."""
        if not self._shared.get(kind):
            self._shared[kind] = getattr(self, kind)()
        return self._shared[kind]

    def uses(self) -> dict[str, Any]:
        """Valid bodies for the shared app and contact (empty when they are missing)."""
        app, contact = self.shared("app"), self.shared("contact")
        return bodies(app, contact) if app and contact else {}


Variant = Callable[[_Pool, int], bool]  # made the call it is counted for, answered 2xx


def _fresh(kind: str, method: str, template: str) -> Variant:
    """Make a new resource of ``kind``, then ``method`` it (``template`` takes its id)."""
    def variant(pool: _Pool, i: int) -> bool:
        ident = getattr(pool, kind)()
        return bool(ident) and ok(pool.call(method, template.format(ident)))
    return variant


def _change(kind: str, template: str, body: Callable[[_Pool, int], Any]) -> Variant:
    """PATCH the shared resource of ``kind`` with the ``i``-th body."""
    def variant(pool: _Pool, i: int) -> bool:
        ident = pool.shared(kind)
        return bool(ident) and ok(pool.call("PATCH", template.format(ident), body(pool, i)))
    return variant


def _post(path: str, key: str, vary: Callable[[dict[str, Any], int], None],
          query: Callable[[int], dict[str, Any]] | None = None) -> Variant:
    """POST the shared app's and contact's valid ``key`` body, varied by ``vary``."""
    def variant(pool: _Pool, i: int) -> bool:
        b = pool.uses()
        if not b:
            return False
        body = b[key]
        vary(body, i)
        return ok(pool.call("POST", path, body, query(i) if query else None))
    return variant


def _list(path: str, query: Callable[[_Pool, int], dict[str, Any]]) -> Variant:
    return lambda pool, i: ok(pool.call("GET", path, query=query(pool, i)))


def _create(kind: str) -> Variant:
    return lambda pool, i: bool(getattr(pool, kind)())


def _list_apps(pool: _Pool, i: int) -> bool:
    return bool(pool.app()) and ok(pool.call("GET", "apps"))  # one app more each time


def _merge(pool: _Pool, i: int) -> bool:
    destination, source = pool.contact(), pool.contact()
    if not destination or not source:
        return False
    body = {"source_id": source, **({"strategy": "MERGE"} if i % 2 else {})}
    return ok(pool.call("POST", f"contacts/{destination}:merge", body))


def _stop(pool: _Pool, i: int) -> bool:
    conv = pool.conversation(active=True, contact=pool.contact())
    return bool(conv) and ok(pool.call("POST", f"conversations/{conv}:stop"))


def _inject(pool: _Pool, i: int) -> bool:
    conv, b = pool.shared("conversation"), pool.uses()
    if not conv or not b:
        return False
    body = b["inject"]
    body["app_message"]["message"]["text"] = f"injected by sinch-conformance {i}"
    body["accept_time"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ok(pool.call("POST", f"conversations/{conv}:inject-message", body))


def _set(*path: str) -> Callable[[dict[str, Any], int], None]:
    """Set ``body[path...]`` to a string naming the variant."""
    def vary(body: dict[str, Any], i: int) -> None:
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = f"sinch-conformance top-up {i}"
    return vary


def _profile(body: dict[str, Any], i: int) -> None:
    channel = ("MESSENGER", "INSTAGRAM", "VIBER")[i % 3]
    body["channel"] = channel
    body["recipient"] = {"identified_by": {"channel_identities": [
        {"channel": channel, "identity": f"sinch-conformance-{i}"}]}}


def _name(pool: _Pool, i: int) -> dict[str, Any]:
    return {"display_name": f"sinch-conformance top-up (renamed {i})"}


def _conversations(pool: _Pool, i: int) -> dict[str, Any]:
    return {"page_size": 1 + i // 2, "only_active": "true" if i % 2 else "false"}


def _messages(pool: _Pool, i: int) -> dict[str, Any]:
    conv = pool.shared("conversation") if i % 2 else ""
    return {"page_size": 1 + i // 2, **({"conversation_id": conv} if conv else {})}


# operationId -> its i-th valid variant (the request the operation is counted for comes last)
VARIANTS: dict[str, Variant] = {
    "App_CreateApp": _create("app"),
    "App_ListApps": _list_apps,
    "App_GetApp": _fresh("app", "GET", "apps/{}"),
    "App_UpdateApp": _change("app", "apps/{}", _name),
    "App_DeleteApp": _fresh("app", "DELETE", "apps/{}"),
    "Webhooks_ListWebhooks": _fresh("app", "GET", "apps/{}/webhooks"),
    "Webhooks_CreateWebhook": _create("webhook"),
    "Webhooks_GetWebhook": _fresh("webhook", "GET", "webhooks/{}"),
    "Webhooks_UpdateWebhook": _change("webhook", "webhooks/{}", lambda pool, i: {
        **bodies(pool.owner.get(pool.shared("webhook"), ""))["webhook"],
        "target": f"https://example.com/sinch-conformance/renamed/{i}"}),
    "Webhooks_DeleteWebhook": _fresh("webhook", "DELETE", "webhooks/{}"),
    "Contact_CreateContact": _create("contact"),
    "Contact_ListContacts": _list("contacts", lambda pool, i: {"page_size": 1 + i % 20}),
    "Contact_GetContact": _fresh("contact", "GET", "contacts/{}"),
    "Contact_UpdateContact": _change("contact", "contacts/{}", _name),
    "Contact_DeleteContact": _fresh("contact", "DELETE", "contacts/{}"),
    "Contact_MergeContact": _merge,
    "Contact_GetChannelProfile": _post("contacts:getChannelProfile", "channel_profile",
                                       _profile),
    "Conversation_CreateConversation": _create("conversation"),
    "Conversation_ListConversations": _list("conversations", _conversations),
    "Conversation_GetConversation": _fresh("conversation", "GET", "conversations/{}"),
    "Conversation_UpdateConversation": _change("conversation", "conversations/{}", lambda p, i: {
        "metadata": f"sinch-conformance top-up {i}"}),
    "Conversation_StopActiveConversation": _stop,
    "Conversation_DeleteConversation": _fresh("conversation", "DELETE", "conversations/{}"),
    "Conversation_InjectMessage": _inject,
    "Messages_SendMessage": _post("messages:send", "message",
                                  _set("message", "message", "text")),
    "Messages_ListMessages": _list("messages", _messages),
    "Messages_GetMessage": _fresh("message", "GET", "messages/{}"),
    "Messages_DeleteMessage": _fresh("message", "DELETE", "messages/{}"),
    "Capability_QueryCapability": _post("capability:query", "capability",
                                        _set("request_id")),
    "Events_SendEvent": _post("events:send", "event", _set("event_metadata")),
    "Transcoding_TranscodeMessage": _post("messages:transcode", "transcode",
                                          _set("app_message", "message", "text")),
    "OptIn_RegisterOptIn": _post("optins:register", "optin", lambda b, i: None,
                                 lambda i: {"request_id": f"sinch-conformance-{i}"}),
    "OptIn_RegisterOptOut": _post("optouts:register", "optin", lambda b, i: None,
                                  lambda i: {"request_id": f"sinch-conformance-{i}"}),
}


def top_up(ctx: ProbeContext) -> None:
    """Valid, varied requests for each operation under the goal of distinct successes."""
    own: Counter[str] = Counter()  # without the run's counts: this probe's successes
    skipped = {op for op, override in ctx.operations.items() if override.skip}

    def have(op_id: str) -> int:
        return ctx.successes(op_id) if ctx.successes is not None else own[op_id]

    pool = _Pool(ctx)
    added: dict[str, int] = {}
    short: list[str] = []
    failed_in_row = 0
    for op_id, variant in VARIANTS.items():
        if op_id not in (ctx.selected or VARIANTS) or op_id in skipped:
            continue  # an operation the filters or the configuration left out
        before = have(op_id)
        failed = 0
        for i in range(ATTEMPTS):
            if have(op_id) >= SUCCESS_GOAL or failed >= GIVE_UP_AFTER:
                break
            if failed_in_row >= STOP_AFTER:
                ctx.notes.append(f"success top-up stopped: {STOP_AFTER} variants in a row "
                                 f"failed (last: {op_id})")
                return _note(ctx, added, short + [op_id])
            ok = variant(pool, i)
            own[op_id] += ok
            failed, failed_in_row = (0, 0) if ok else (failed + 1, failed_in_row + 1)
        if have(op_id) > before:
            added[op_id] = have(op_id) - before
        if have(op_id) < SUCCESS_GOAL:
            short.append(f"{op_id} ({have(op_id)})")
    _note(ctx, added, short)


def _note(ctx: ProbeContext, added: dict[str, int], short: list[str]) -> None:
    if added:
        ctx.notes.append("success top-up probe added distinct successes: " + ", ".join(
            f"{op} +{n}" for op, n in added.items()))
    if short:
        ctx.notes.append(f"success top-up probe: still under {SUCCESS_GOAL} distinct "
                         f"successes: {', '.join(short)}")
